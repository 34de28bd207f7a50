//! A JSON tree borrowed from the body: what the pattern matcher reads bodies into (the decoder
//! reads them onto a [`Tape`], a flat list of values, and through [`View`]).
//! Strings are borrowed from the body where JSON allows (no escapes), objects are short vectors
//! of members in the order written (a repeated key: the last one counts, as serde_json keeps
//! it) that remember whether any key contains a dot. Building it costs a fraction of a
//! `serde_json::Value` (no map nodes, no copies of plain strings); see BENCHMARKS.md.
//!
//! With [`Needs`], only the parts a reader names are built; the rest is skipped unread.
//! Bodies are read by [`read`], zdwatch's own reader (serde_json, which accepts exactly the same
//! texts, is what the tests compare it with).

mod read;
mod tape;
mod view;

pub use tape::{Node, Tape};
pub use view::{Shape, View};

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Number;

/// A JSON value (see the module documentation).
#[derive(Clone, Debug, PartialEq)]
pub enum Tree<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Array(Vec<Tree<'a>>),
    Object(Object<'a>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Object<'a> {
    pub(crate) members: Vec<Member<'a>>,
    pub(crate) dotted: bool,
}

impl<'a> Object<'a> {
    pub(crate) fn from_members(members: impl Iterator<Item = (Cow<'a, str>, Tree<'a>)>) -> Self {
        let mut dotted = false;
        let members = members
            .map(|(key, value)| {
                dotted |= key.contains('.');
                Member::new(key, value)
            })
            .collect();
        Object { members, dotted }
    }
}

/// A key and its value, with the key's first eight bytes held beside it: a lookup compares
/// those and the length, and reads the key itself (elsewhere in memory: in the body) only for
/// a key longer than eight bytes that begins the same.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Member<'a> {
    head: u64,
    pub(crate) key: Cow<'a, str>,
    pub(crate) value: Tree<'a>,
}

impl<'a> Member<'a> {
    pub(crate) fn new(key: Cow<'a, str>, value: Tree<'a>) -> Member<'a> {
        Member {
            head: head(key.as_bytes()),
            key,
            value,
        }
    }

    #[inline]
    fn is(&self, key: &[u8], head: u64) -> bool {
        self.head == head
            && self.key.len() == key.len()
            && same_after_head(self.key.as_bytes(), key)
    }
}

/// Whether two keys of the same length and the same first eight bytes are equal: keys of up to
/// 16 bytes (nearly all of Zendesk's) by their last eight bytes as one number, without a library
/// call.
#[inline]
fn same_after_head(a: &[u8], b: &[u8]) -> bool {
    match (a.last_chunk::<8>(), b.last_chunk::<8>()) {
        _ if a.len() <= 8 => true,
        (Some(x), Some(y)) if a.len() <= 16 => x == y,
        _ => a[8..] == b[8..],
    }
}

/// The first eight bytes of a key (zero after its end), as one number.
#[inline]
fn head(key: &[u8]) -> u64 {
    match key.first_chunk::<8>() {
        Some(first) => u64::from_le_bytes(*first),
        // Byte by byte: a copy of a length not known in advance would be a library call.
        None => key
            .iter()
            .enumerate()
            .fold(0, |h, (i, b)| h | u64::from(*b) << (8 * i)),
    }
}

/// [`head`] of the `len` bytes of `text` from `at`: eight bytes read at once and those after the
/// key masked off when the text goes on that far (a key is followed at least by its quote, `:` and
/// a value), else byte by byte.
#[inline]
fn head_at(text: &[u8], at: usize, len: usize) -> u64 {
    match text.get(at..).and_then(<[u8]>::first_chunk::<8>) {
        Some(first) if len >= 8 => u64::from_le_bytes(*first),
        Some(first) => u64::from_le_bytes(*first) & ((1u64 << (8 * len)) - 1),
        None => head(text.get(at..at + len).unwrap_or_default()),
    }
}

/// A key to look up often (a pattern's path segment), with the first eight bytes that
/// [`Tree::get_name`] compares first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    head: u64,
    key: Box<str>,
}

impl Name {
    pub fn new(key: &str) -> Name {
        Name {
            head: head(key.as_bytes()),
            key: key.into(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.key
    }
}

impl<'a> Tree<'a> {
    /// Parses a body. Bodies nested deeper than serde_json's limit (128) are an error.
    pub fn parse(bytes: &'a [u8]) -> Result<Tree<'a>, serde_json::Error> {
        read::read(bytes, None)
    }

    /// [`Tree::parse`] of text known to be UTF-8 (its strings are not checked again).
    pub fn parse_str(text: &'a str) -> Result<Tree<'a>, serde_json::Error> {
        read::read_str(text, None)
    }
}

/// Lookups in the manner of `serde_json::Value`: a value of another type reads as absent.
impl<'a> Tree<'a> {
    /// An object's member; `None` for other values. A repeated key: the last one.
    pub fn get(&self, key: &str) -> Option<&Tree<'a>> {
        self.member_at(key.as_bytes(), head(key.as_bytes()))
    }

    /// [`Tree::get`] of a key whose head is known already.
    #[inline]
    pub fn get_name(&self, name: &Name) -> Option<&Tree<'a>> {
        self.member_at(name.key.as_bytes(), name.head)
    }

    /// The last member named `key` (whose first eight bytes are `head`).
    #[inline]
    fn member_at(&self, key: &[u8], head: u64) -> Option<&Tree<'a>> {
        match self {
            Tree::Object(o) => o
                .members
                .iter()
                .rev()
                .find(|m| m.is(key, head))
                .map(|m| &m.value),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Tree<'a>> {
        match self {
            Tree::Object(o) => {
                let h = head(key.as_bytes());
                o.members
                    .iter_mut()
                    .rev()
                    .find(|m| m.is(key.as_bytes(), h))
                    .map(|m| &mut m.value)
            }
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Tree::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Tree::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Tree::Object(_))
    }

    pub fn is_string(&self) -> bool {
        matches!(self, Tree::String(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Tree::Null)
    }

    /// The same tree owning its strings (no longer borrowing the body), laid out in one pass:
    /// what to keep when an event is held decoded.
    pub fn into_owned(self) -> Tree<'static> {
        match self {
            Tree::Null => Tree::Null,
            Tree::Bool(b) => Tree::Bool(b),
            Tree::Number(n) => Tree::Number(n),
            Tree::String(s) => Tree::String(Cow::Owned(s.into_owned())),
            Tree::Array(items) => Tree::Array(items.into_iter().map(Tree::into_owned).collect()),
            Tree::Object(o) => Tree::Object(Object {
                members: o
                    .members
                    .into_iter()
                    .map(|m| Member {
                        head: m.head,
                        key: Cow::Owned(m.key.into_owned()),
                        value: m.value.into_owned(),
                    })
                    .collect(),
                dotted: o.dotted,
            }),
        }
    }

    /// Takes the value out, leaving `null`.
    pub fn take(&mut self) -> Tree<'a> {
        std::mem::replace(self, Tree::Null)
    }
}

/// Written back as JSON (members in the order read).
impl Serialize for Tree<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Tree::Null => s.serialize_unit(),
            Tree::Bool(b) => s.serialize_bool(*b),
            Tree::Number(n) => n.serialize(s),
            Tree::String(t) => s.serialize_str(t),
            Tree::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            Tree::Object(o) => {
                let mut map = s.serialize_map(Some(o.members.len()))?;
                for m in &o.members {
                    map.serialize_entry(m.key.as_ref(), &m.value)?;
                }
                map.end()
            }
        }
    }
}

/// Compact JSON, as `serde_json::Value` displays.
impl fmt::Display for Tree<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_string(self).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

/// A key, borrowed from the body when it has no escapes. Read as a string (checked as UTF-8 once,
/// by serde_json), so that a raw control character in a key is refused as it is in a skipped
/// value (the fuzzer found a body one reading accepted and the other refused).
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

/// Which parts of a body a reader looks at (the pattern matcher: what its patterns name): a
/// tree of key segments. Parsing with it skips everything else (serde_json's `IgnoredAny`: no
/// allocation), so matching a body costs little more than reading it once.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Needs {
    /// Each key segment with its first eight bytes as one number (compared first).
    children: Vec<(String, u64, Needs)>,
    /// The whole value here is needed (a field a pattern tests).
    whole: bool,
}

impl Needs {
    pub(crate) fn insert(&mut self, path: &str, whole: bool) {
        let mut node = self;
        for seg in path.split('.') {
            let i = match node.children.iter().position(|(k, _, _)| k == seg) {
                Some(i) => i,
                None => {
                    let h = head(seg.as_bytes());
                    node.children.push((seg.to_string(), h, Needs::default()));
                    node.children.len() - 1
                }
            };
            node = &mut node.children[i].2;
        }
        node.whole |= whole;
    }

    /// The needs under `key`; a key with dots walks several segments.
    fn child(&self, key: &[u8]) -> Option<&Needs> {
        let mut node = self;
        let mut rest = key;
        loop {
            let h = head(rest);
            // Segments hold no dot: the whole of what is left, or a segment and a dot.
            if let Some((_, _, n)) = node.children.iter().find(|(k, kh, _)| {
                *kh == h && k.len() == rest.len() && (rest.len() <= 8 || k.as_bytes() == rest)
            }) {
                return Some(n);
            }
            let (k, _, n) = node.children.iter().find(|(k, _, _)| {
                rest.get(k.len()) == Some(&b'.') && rest.starts_with(k.as_bytes())
            })?;
            node = n;
            rest = &rest[k.len() + 1..];
        }
    }
}

impl<'a> Tree<'a> {
    /// Parses only what `needs` names (see [`Needs`]); other members are skipped.
    pub fn parse_needed(bytes: &'a [u8], needs: &Needs) -> Result<Tree<'a>, serde_json::Error> {
        read::read(bytes, Some(needs))
    }

    /// [`Tree::parse_needed`] of a body already read as JSON (the decoder's
    /// `TicketEvent::raw_is_json`): the same tree, what is skipped stepped over rather than
    /// checked again. Of a body that is not JSON, whatever comes out (never a panic).
    pub fn parse_needed_known(
        bytes: &'a [u8],
        needs: &Needs,
    ) -> Result<Tree<'a>, serde_json::Error> {
        read::read_known(bytes, needs)
    }

    /// [`Tree::parse_needed`] (or, without needs, [`Tree::parse`]) by serde_json: the oracle
    /// the tests and the fuzzer hold zdwatch's reader against. Not for use elsewhere.
    #[doc(hidden)]
    pub fn parse_by_serde(
        bytes: &'a [u8],
        needs: Option<&Needs>,
    ) -> Result<Tree<'a>, serde_json::Error> {
        let mut d = serde_json::Deserializer::from_slice(bytes);
        let e = Build { needs }.deserialize(&mut d)?;
        d.end()?;
        Ok(e)
    }
}

impl<'de> Deserialize<'de> for Tree<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Build { needs: None }.deserialize(d)
    }
}

/// Builds an [`Tree`]: all of it, or what `needs` names.
#[derive(Clone, Copy)]
struct Build<'n> {
    needs: Option<&'n Needs>,
}

impl<'de> DeserializeSeed<'de> for Build<'_> {
    type Value = Tree<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Tree<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Build<'_> {
    type Value = Tree<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_unit<E>(self) -> Result<Tree<'de>, E> {
        Ok(Tree::Null)
    }
    fn visit_none<E>(self) -> Result<Tree<'de>, E> {
        Ok(Tree::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Tree<'de>, E> {
        Ok(Tree::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Tree<'de>, E> {
        Ok(Tree::Number(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Tree<'de>, E> {
        Ok(Tree::Number(n.into()))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Tree<'de>, E> {
        Ok(Number::from_f64(n).map_or(Tree::Null, Tree::Number))
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Tree<'de>, E> {
        Ok(Tree::String(Cow::Borrowed(s)))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Tree<'de>, E> {
        Ok(Tree::String(Cow::Owned(s.to_string())))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Tree<'de>, E> {
        Ok(Tree::String(Cow::Owned(s)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree<'de>, A::Error> {
        // Array elements sit at the same path: the same needs apply to each.
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Tree::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tree<'de>, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(8));
        let mut dotted = false;
        while let Some(key) = map.next_key::<Key>()? {
            let value = match self.needs {
                None => map.next_value_seed(self)?,
                Some(needs) => match needs.child(key.0.as_bytes()) {
                    None => {
                        map.next_value::<de::IgnoredAny>()?;
                        continue;
                    }
                    Some(child) if child.whole => map.next_value_seed(Build { needs: None })?,
                    Some(child) if !child.children.is_empty() => {
                        map.next_value_seed(Build { needs: Some(child) })?
                    }
                    // Only whether it is there matters.
                    Some(_) => {
                        map.next_value::<de::IgnoredAny>()?;
                        Tree::Null
                    }
                },
            };
            dotted |= key.0.contains('.');
            members.push(Member::new(key.0, value));
        }
        Ok(Tree::Object(Object { members, dotted }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key's head read in place, eight bytes at once, is its head, wherever the key sits in the
    /// text (at its end too) and however long it is.
    #[test]
    fn a_head_read_in_place_is_the_keys_head() {
        let text = b"abcdefghijklmnopqrst\xc3\xa9";
        for at in 0..=text.len() {
            for len in 0..=text.len() - at {
                let key = &text[at..at + len];
                assert_eq!(head_at(text, at, len), head(key), "{at} {len}");
            }
        }
    }

    /// zdwatch's reader against serde_json: the same tree or both refusing, for the full tree,
    /// text known to be UTF-8, and several sets of needs.
    fn same_as_serde(body: &[u8], needs: &[Needs]) {
        let shown = || String::from_utf8_lossy(body).into_owned();
        let ours = Tree::parse(body);
        let theirs = Tree::parse_by_serde(body, None);
        assert_eq!(ours.as_ref().ok(), theirs.as_ref().ok(), "{}", shown());
        if let Ok(text) = std::str::from_utf8(body) {
            let theirs = serde_json::from_str::<Tree>(text);
            assert_eq!(Tree::parse_str(text).ok(), theirs.ok(), "text {}", shown());
        }
        for n in needs {
            let ours = Tree::parse_needed(body, n);
            let theirs = Tree::parse_by_serde(body, Some(n));
            // A body known to be JSON, only stepped over where skipped: the same tree; of any
            // other body, whatever comes out, without a panic.
            let known = Tree::parse_needed_known(body, n);
            if theirs.is_ok() {
                assert_eq!(
                    known.as_ref().ok(),
                    theirs.as_ref().ok(),
                    "known {}",
                    shown()
                );
            }
            assert_eq!(ours.ok(), theirs.ok(), "{n:?}: {}", shown());
        }
    }

    fn needs_sets() -> Vec<Needs> {
        let of = |paths: &[&str]| Needs::of(paths.iter().copied());
        vec![
            Needs::default(),
            of(&[]),
            of(&["detail.ticket_event.ticket.tags", "source"]),
            of(&[
                "detail.detail.tags",
                "detail.event.current",
                "id",
                "a.b",
                "a",
            ]),
            of(&["detail", "Message"]),
        ]
    }

    /// Every body the repository keeps (samples, fuzz regressions), as is and mutated at every
    /// few bytes (cut short, a byte dropped, an awkward byte put in).
    #[test]
    fn the_reader_accepts_and_builds_exactly_what_serde_json_does() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut bodies: Vec<Vec<u8>> = Vec::new();
        let mut dirs = vec![
            root.join("assets/samples"),
            root.join("tests/fuzz-regressions"),
        ];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    bodies.push(std::fs::read(path).unwrap());
                }
            }
        }
        assert!(bodies.len() > 50, "found the samples");
        let needs = needs_sets();
        let awkward: &[u8] = b"\"{}[],:0-.eE+tfn \x01\x1f\x7f\xc3\xff";
        let mut checked = 0;
        for body in &bodies {
            same_as_serde(body, &needs);
            let step = (body.len() / 60).max(1);
            for at in (0..body.len()).step_by(step) {
                same_as_serde(&body[..at], &needs[2..3]);
                let mut dropped = body.clone();
                dropped.remove(at);
                same_as_serde(&dropped, &needs);
                for &b in awkward {
                    let mut put = body.clone();
                    put.insert(at, b);
                    same_as_serde(&put, &needs[2..4]);
                    checked += 1;
                }
            }
        }
        assert!(checked > 10_000, "{checked}");
    }

    #[test]
    fn the_reader_agrees_with_serde_json_on_the_edges() {
        let deep = |n: usize, open: &str, close: &str| {
            format!(
                r#"{{"id": 1, "x": {}1{}}}"#,
                open.repeat(n),
                close.repeat(n)
            )
        };
        let mut cases: Vec<String> = [
            "",
            " ",
            "1",
            "-0",
            "-",
            "01",
            "1.",
            "1e",
            "1e+",
            "1.5e-3",
            "-12",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "1e400",
            "9999999999999999999",
            "0.1e1",
            "tru",
            "nulll",
            "[1,]",
            "[,1]",
            "{\"a\":1,}",
            "{,}",
            "[1 2]",
            "{\"a\" 1}",
            "{\"a\":}",
            "{1:2}",
            "\"\\u00e9\"",
            "\"\\ud800\"",
            "\"\\ud83d\\ude00\"",
            "\"\\x\"",
            "\"\\u12\"",
            "\"a\tb\"",
            "\"a\u{1}\"",
            "[] x",
            "{\"id\": \"\\ud800\", \"x\": \"\\ud800\"}",
            "{\"source\": {\"k\\u00e9\": [1, {\"deep\": [[[]]]}]}, \"source\": 2}",
            "{\"a.b\": 1, \"a\": {\"b\": 2}}",
            "\u{feff}{}",
            "{\"a\":1}\n\t\r ",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for n in [126, 127, 128, 129, 5000] {
            cases.push(deep(n, "[", "]"));
            cases.push(deep(n, "{\"a\":", "}"));
            cases.push(deep(n, "{\"id\":", "}"));
        }
        let needs = needs_sets();
        for c in &cases {
            same_as_serde(c.as_bytes(), &needs);
        }
        same_as_serde(b"{\"id\": \"\xff\", \"x\": \"\xff\"}", &needs);
        same_as_serde(b"{\"\xff\": 1}", &needs);
    }

    /// What the decoder shows of a body that is not JSON reads as serde_json's message would.
    #[test]
    fn refusals_are_worded_and_placed_as_serde_json_does() {
        for body in [
            "x",
            "{\n  \"a\": 1e400}",
            "{\"a\": [1,]}",
            "{\"a\" 1}",
            "{\"a\": \"\\q\"}",
            "[1] x",
            "{\"a\": \"\\ud800\"}",
            "\"a\u{1}\"",
            "{\n\"a\": {\"b\": [1, 2\n, tru]}}",
        ] {
            let ours = Tree::parse(body.as_bytes()).err().map(|e| e.to_string());
            let theirs = Tree::parse_by_serde(body.as_bytes(), None)
                .err()
                .map(|e| e.to_string());
            assert!(ours.is_some(), "{body:?}");
            assert_eq!(ours, theirs, "{body:?}");
        }
    }

    /// Token soup: short random sequences of JSON's pieces, valid and not (a fixed-seed
    /// generator, so a failure is repeatable).
    #[test]
    fn the_reader_agrees_with_serde_json_on_token_soup() {
        let pieces: &[&[u8]] = &[
            b"{",
            b"}",
            b"[",
            b"]",
            b",",
            b":",
            b" ",
            b"\"id\"",
            b"\"a\"",
            b"\"a.b\"",
            b"\"b\"",
            b"\"detail\"",
            b"\"\\/\\\"\\b\\f\\n\\r\\t\"",
            b"\"\\u00E9\"",
            b"\"\\ud800\"",
            // Two-character escapes beside what ends the quick way of reading them.
            b"\"a\\n\xff\"",
            b"\"\\t\x01\"",
            b"\"\\\"\\u00e9\"",
            b"\"\\n\\q\"",
            b"\"x\\",
            b"\"\\\\\"",
            b"\"\\q\"",
            b"\"\x01\"",
            b"\"\xc3\xa9\"",
            b"\"\xff\"",
            b"0",
            b"-0",
            b"7",
            b"01",
            b"1.5e3",
            b"2E-2",
            b"1.",
            b"-",
            b"true",
            b"false",
            b"null",
            b"nul",
            b"\"",
        ];
        let needs = needs_sets();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..40_000 {
            let len = 1 + next(14);
            let mut body = Vec::new();
            for _ in 0..len {
                body.extend_from_slice(pieces[next(pieces.len())]);
            }
            same_as_serde(&body, &needs);
        }
    }

    #[test]
    fn borrows_plain_strings_and_keeps_escaped_ones() {
        let body = br#"{"a": "plain", "b.c": "esc\u00e9", "n": [1, -2, 3.5, 18446744073709551615], "a": "last"}"#;
        let e = Tree::parse(body).unwrap();
        assert!(matches!(&e, Tree::Object(o) if o.dotted));
        assert!(matches!(e.get("b.c"), Some(Tree::String(Cow::Owned(s))) if s == "escé"));
        assert!(matches!(
            e.get("a"),
            Some(Tree::String(Cow::Borrowed("last")))
        ));
        let Some(Tree::Array(n)) = e.get("n") else {
            panic!()
        };
        assert_eq!(n[3].as_u64(), Some(u64::MAX));
        assert_eq!(
            e.to_string(),
            r#"{"a":"plain","b.c":"escé","n":[1,-2,3.5,18446744073709551615],"a":"last"}"#
        );
    }

    /// A lookup finds a key exactly: keys of every length up to 40 bytes, differing from the one
    /// looked up in one byte anywhere (inside the first or last eight, or between), or in length.
    #[test]
    fn lookups_tell_keys_apart_by_every_byte() {
        for len in 0..40 {
            let key: String = (0..len)
                .map(|i| char::from(b'a' + (i % 26) as u8))
                .collect();
            let mut others: Vec<String> = (0..len)
                .map(|at| {
                    let mut k = key.clone().into_bytes();
                    k[at] = b'.' + (k[at] == b'.') as u8;
                    String::from_utf8(k).unwrap()
                })
                .collect();
            others.push(format!("{key}a"));
            if len > 0 {
                others.push(key[..len - 1].to_string());
            }
            let mut body = String::from("{");
            for (i, k) in others.iter().enumerate() {
                body += &format!("{:?}: {i}, ", k);
            }
            body += &format!("{key:?}: \"found\"}}");
            let tree = Tree::parse(body.as_bytes()).unwrap();
            assert_eq!(
                tree.get(&key).and_then(Tree::as_str),
                Some("found"),
                "{key}"
            );
            let name = Name::new(&key);
            assert_eq!(tree.get_name(&name).and_then(Tree::as_str), Some("found"));
            for (i, k) in others.iter().enumerate() {
                assert_eq!(tree.get(k).and_then(Tree::as_u64), Some(i as u64), "{k}");
                assert_eq!(
                    tree.get_name(&Name::new(k)).and_then(Tree::as_u64),
                    Some(i as u64)
                );
            }
            let without = Tree::parse(b"{\"other\": 1}").unwrap();
            assert_eq!(without.get_name(&name), None);
        }
    }

    #[test]
    fn an_owned_tree_is_the_same_tree() {
        let body = br#"{"a": "plain", "b.c": "esc\u00e9", "long key of many bytes": [1, {"x": null}, true], "n": 2.5}"#;
        let borrowed = Tree::parse(body).unwrap();
        let owned = Tree::parse(body).unwrap().into_owned();
        assert_eq!(owned, borrowed);
        assert!(matches!(&owned, Tree::Object(o) if o.dotted));
        assert!(matches!(owned.get("a"), Some(Tree::String(Cow::Owned(_)))));
        assert_eq!(
            owned.get_name(&Name::new("long key of many bytes")),
            borrowed.get("long key of many bytes")
        );
    }
}
