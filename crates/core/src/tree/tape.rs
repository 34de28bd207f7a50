//! A body read once into a flat list of values (a tape) instead of a [`Tree`]: no allocation per
//! object or array, strings as places in the body (only those with escapes are copied), and the
//! list itself kept from one body to the next on each thread. What the decoder reads every body into; the
//! [`Tree`] stays for what is kept or rewritten (patterns, masking).
//!
//! The tape holds exactly what a [`Tree`] of the same text holds (the tests compare them), with
//! one difference the decoder wants: an integer of more than 19 digits (a Zendesk sequence id of
//! 26) is read as the text it was written as, where serde_json would read a float that has lost
//! its digits ([`Tape::long_integers`] says whether there was one).
//!
//! [`Tree`]: super::Tree

use std::borrow::Cow;

use serde_json::Number;

use super::read::Reader;
use super::{Shape, Tree, View};

/// serde_json's recursion limit, as [`Tree::parse`] keeps it.
const MAX_DEPTH: usize = 128;

/// One value on the tape: 24 bytes, and no borrow (the tape's list is kept for the next body).
/// Arrays and objects are followed by what they hold, up to `end` (the index just past their
/// last value); an object's members are a `Key` then a value.
#[derive(Clone, Debug, PartialEq)]
enum Slot {
    Null,
    Bool(bool),
    Number(Number),
    String(Str),
    /// An object's key, with its first eight bytes as one number (what a lookup compares first).
    Key {
        head: u64,
        text: Str,
    },
    Array {
        end: u32,
    },
    /// `keys` has a bit set for each key (see [`key_bit`]): a lookup of a key whose bit is not set
    /// stops there. `repeated`: some key is written twice (a lookup must find the last one).
    Object {
        end: u32,
        repeated: bool,
        keys: u64,
    },
}

/// Where a string's text is: `len` bytes of the body from `at`, or (a string that had escapes)
/// the tape's `unescaped[at]`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Str {
    at: u32,
    len: u32,
    unescaped: bool,
}

impl Str {
    /// `start..end` of the body (shorter than 4 GiB: [`Tape::parse_str`]).
    fn span(start: usize, end: usize) -> Str {
        Str {
            at: start as u32,
            len: (end - start) as u32,
            unescaped: false,
        }
    }
}

/// The bit a key sets in its object's `keys`.
#[inline]
fn key_bit(head: u64, len: usize) -> u64 {
    let mixed = (head ^ len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    1 << (mixed >> 58)
}

thread_local! {
    /// The last tape's list of values, kept for the next body read on this thread (a fresh list
    /// for every body was memory to allocate, touch and free again).
    static SPARE: std::cell::Cell<Vec<Slot>> = const { std::cell::Cell::new(Vec::new()) };
}

/// A JSON text read onto a tape (see the module documentation).
#[derive(Debug, Default)]
pub struct Tape<'a> {
    text: &'a str,
    slots: Vec<Slot>,
    /// The strings that had escapes, unescaped.
    unescaped: Vec<String>,
    long_integers: bool,
}

impl Drop for Tape<'_> {
    fn drop(&mut self) {
        let mut slots = std::mem::take(&mut self.slots);
        slots.clear();
        SPARE.with(|spare| spare.set(slots));
    }
}

impl<'a> Tape<'a> {
    /// Reads `text` as one JSON value. Refuses what serde_json refuses (and an integer of more than
    /// 19 digits that begins with a zero, which JSON does not allow either), and a text of 4 GiB
    /// or more (no body is that long).
    pub fn parse_str(text: &'a str) -> Result<Tape<'a>, serde_json::Error> {
        let mut r = Reader::new(text.as_bytes(), Some(text));
        if u32::try_from(text.len()).is_err() {
            return Err(r.fail("text longer than 4 GiB"));
        }
        let mut slots = SPARE.with(std::cell::Cell::take);
        // About one value for every 16 bytes of a Zendesk body.
        slots.reserve(text.len() / 16 + 4);
        let mut tape = Tape {
            text,
            slots,
            unescaped: Vec::new(),
            long_integers: false,
        };
        tape.value(&mut r)?;
        if r.peek().is_some() {
            return Err(r.fail("trailing characters"));
        }
        Ok(tape)
    }

    /// Whether an integer of more than 19 digits was read as text.
    pub fn long_integers(&self) -> bool {
        self.long_integers
    }

    /// The value the text is.
    pub fn root(&self) -> Node<'_> {
        Node { tape: self, at: 0 }
    }

    /// The text of a string on the tape.
    fn str(&self, s: Str) -> &str {
        if s.unescaped {
            self.unescaped.get(s.at as usize).map_or("", String::as_str)
        } else {
            // Cut at ASCII quotes: always at character boundaries.
            self.text
                .get(s.at as usize..s.at as usize + s.len as usize)
                .unwrap_or_default()
        }
    }

    /// The string at the reader (at its `"`), read.
    #[inline]
    fn string(&mut self, r: &mut Reader<'a>) -> Result<Str, serde_json::Error> {
        if let Some((start, end)) = r.plain_string()? {
            return Ok(Str::span(start, end));
        }
        self.escaped_string(r)
    }

    /// [`Tape::string`] of a string with escapes (out of line: they are few).
    #[inline(never)]
    fn escaped_string(&mut self, r: &mut Reader<'a>) -> Result<Str, serde_json::Error> {
        let text = r.string()?.into_owned();
        let s = Str {
            at: u32::try_from(self.unescaped.len()).unwrap_or(u32::MAX),
            len: u32::try_from(text.len()).unwrap_or(u32::MAX),
            unescaped: true,
        };
        self.unescaped.push(text);
        Ok(s)
    }

    fn value(&mut self, r: &mut Reader<'a>) -> Result<(), serde_json::Error> {
        match r.peek() {
            Some(open @ (b'{' | b'[')) => {
                r.depth += 1;
                if r.depth >= MAX_DEPTH {
                    return Err(r.fail("recursion limit exceeded"));
                }
                r.i += 1;
                let at = self.slots.len();
                self.slots.push(Slot::Null);
                let (repeated, keys) = if open == b'{' {
                    self.members(r, at)?
                } else {
                    self.items(r)?;
                    (false, 0)
                };
                let end = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
                self.slots[at] = if open == b'{' {
                    Slot::Object {
                        end,
                        repeated,
                        keys,
                    }
                } else {
                    Slot::Array { end }
                };
                r.depth -= 1;
            }
            Some(b'"') => self.string_value(r)?,
            Some(b'n') => {
                r.ident(b"null")?;
                self.slots.push(Slot::Null);
            }
            Some(b't') => {
                r.ident(b"true")?;
                self.slots.push(Slot::Bool(true));
            }
            Some(b'f') => {
                r.ident(b"false")?;
                self.slots.push(Slot::Bool(false));
            }
            Some(b'-' | b'0'..=b'9') => self.number(r)?,
            Some(_) => return Err(r.fail("expected value")),
            None => return Err(r.fail("EOF while parsing a value")),
        }
        Ok(())
    }

    /// The members of the object at `at`: whether a key is repeated, and the bits of its keys.
    fn members(&mut self, r: &mut Reader<'a>, at: usize) -> Result<(bool, u64), serde_json::Error> {
        let (mut repeated, mut keys) = (false, 0);
        if r.peek() == Some(b'}') {
            r.i += 1;
            return Ok((repeated, keys));
        }
        loop {
            if r.peek() != Some(b'"') {
                return Err(r.fail("key must be a string"));
            }
            let key = self.string(r)?;
            let head = if key.unescaped {
                super::head(self.str(key).as_bytes())
            } else {
                super::head_at(self.text.as_bytes(), key.at as usize, key.len as usize)
            };
            let bit = key_bit(head, key.len as usize);
            // Only a key whose bit is set already may be a repeat: then the keys before are read.
            if keys & bit != 0 && !repeated {
                let text = self.str(key);
                let object = Node { tape: self, at };
                repeated = object
                    .members_up_to(self.slots.len())
                    .any(|(k, _)| k == text);
            }
            keys |= bit;
            self.slots.push(Slot::Key { head, text: key });
            r.expect(b':', "expected `:`")?;
            self.member_value(r)?;
            match r.peek() {
                Some(b',') => r.comma()?,
                Some(b'}') => {
                    r.i += 1;
                    return Ok((repeated, keys));
                }
                _ => return Err(r.fail("expected `,` or `}`")),
            }
        }
    }

    /// [`Tape::value`] of a member: a string (most are) read here, without a call.
    #[inline(always)]
    fn member_value(&mut self, r: &mut Reader<'a>) -> Result<(), serde_json::Error> {
        if r.peek() == Some(b'"') {
            return self.string_value(r);
        }
        self.value(r)
    }

    /// A string value (the reader at its `"`) onto the tape.
    #[inline]
    fn string_value(&mut self, r: &mut Reader<'a>) -> Result<(), serde_json::Error> {
        let s = self.string(r)?;
        self.slots.push(Slot::String(s));
        Ok(())
    }

    fn items(&mut self, r: &mut Reader<'a>) -> Result<(), serde_json::Error> {
        if r.peek() == Some(b']') {
            r.i += 1;
            return Ok(());
        }
        loop {
            self.value(r)?;
            match r.peek() {
                Some(b',') => r.comma()?,
                Some(b']') => {
                    r.i += 1;
                    return Ok(());
                }
                _ => return Err(r.fail("expected `,` or `]`")),
            }
        }
    }

    /// A number; an integer of more than 19 digits as its text.
    fn number(&mut self, r: &mut Reader<'a>) -> Result<(), serde_json::Error> {
        let start = r.i;
        let end = r.number_end()?;
        let token = &self.text.as_bytes()[start..end];
        let digits = token.strip_prefix(b"-").unwrap_or(token);
        if digits.len() > 19 && digits.iter().all(u8::is_ascii_digit) {
            r.i = end;
            self.long_integers = true;
            self.slots.push(Slot::String(Str::span(start, end)));
            return Ok(());
        }
        let slot = match r.number_to(end)? {
            Tree::Number(n) => Slot::Number(n),
            _ => Slot::Null,
        };
        self.slots.push(slot);
        Ok(())
    }
}

/// A value on a [`Tape`]: what the decoder looks at, copied freely.
#[derive(Clone, Copy, Debug)]
pub struct Node<'t> {
    tape: &'t Tape<'t>,
    at: usize,
}

impl<'t> Node<'t> {
    /// Where the value after the one at `at` starts.
    fn next(&self, at: usize) -> usize {
        match self.tape.slots[at] {
            Slot::Array { end } | Slot::Object { end, .. } => end as usize,
            _ => at + 1,
        }
    }

    /// The members of an object still being read: those before `limit`.
    fn members_up_to(self, limit: usize) -> impl Iterator<Item = (&'t str, Node<'t>)> {
        let mut k = self.at + 1;
        std::iter::from_fn(move || {
            if k >= limit {
                return None;
            }
            let key = match self.tape.slots[k] {
                Slot::Key { text, .. } => self.tape.str(text),
                _ => "",
            };
            let value = Node { at: k + 1, ..self };
            k = self.next(k + 1);
            Some((key, value))
        })
    }

    /// [`View::get`] of `key`, whose head is `h` and bit `bit`.
    fn get_headed(self, key: &[u8], h: u64, bit: u64) -> Option<Node<'t>> {
        let Slot::Object {
            end,
            repeated,
            keys,
        } = self.tape.slots[self.at]
        else {
            return None;
        };
        if keys & bit == 0 {
            return None;
        }
        let (mut k, end) = (self.at + 1, end as usize);
        let mut found = None;
        while k < end {
            let value = k + 1;
            if let Slot::Key { head, text } = self.tape.slots[k] {
                if self.is_key(head, text, key, h) {
                    found = Some(value);
                    if !repeated {
                        break;
                    }
                }
            }
            k = self.next(value);
        }
        found.map(|at| Node { at, ..self })
    }

    /// Whether a key on the tape (its head and text) is `key`, whose head is `h`: heads and
    /// lengths compared first.
    #[inline(always)]
    fn is_key(&self, head: u64, text: Str, key: &[u8], h: u64) -> bool {
        head == h
            && text.len as usize == key.len()
            && super::same_after_head(self.tape.str(text).as_bytes(), key)
    }

    /// What this array or object holds: from where to where on the tape (nothing for others).
    fn inside(&self, object: bool) -> (usize, usize) {
        match self.tape.slots[self.at] {
            Slot::Object { end, .. } if object => (self.at + 1, end as usize),
            Slot::Array { end } if !object => (self.at + 1, end as usize),
            _ => (0, 0),
        }
    }
}

impl<'t> View<'t> for Node<'t> {
    #[inline]
    fn shape(self) -> Shape<'t> {
        match &self.tape.slots[self.at] {
            Slot::Null => Shape::Null,
            Slot::Bool(b) => Shape::Bool(*b),
            Slot::Number(n) => Shape::Number(n),
            Slot::String(s) | Slot::Key { text: s, .. } => Shape::String(self.tape.str(*s)),
            Slot::Array { .. } => Shape::Array,
            Slot::Object { .. } => Shape::Object,
        }
    }

    /// Inlined, so that a key written in the decoder has its head and bit worked out when it is
    /// compiled.
    #[inline]
    fn get(self, key: &str) -> Option<Node<'t>> {
        let key = key.as_bytes();
        let h = super::head(key);
        self.get_headed(key, h, key_bit(h, key.len()))
    }

    /// Keys compared by their heads (kept on the tape) and lengths first, as [`Node::get_headed`]
    /// does; inlined, so that the heads of keys written in the decoder are worked out when it is
    /// compiled.
    #[inline]
    fn pick<const N: usize>(self, keys: &[&str; N]) -> [Option<Node<'t>>; N] {
        let mut found = [None; N];
        let Slot::Object { end, .. } = self.tape.slots[self.at] else {
            return found;
        };
        let heads: [u64; N] = std::array::from_fn(|i| super::head(keys[i].as_bytes()));
        let (mut k, end) = (self.at + 1, end as usize);
        while k < end {
            let value = k + 1;
            if let Slot::Key { head, text } = self.tape.slots[k] {
                for (i, key) in keys.iter().enumerate() {
                    if self.is_key(head, text, key.as_bytes(), heads[i]) {
                        found[i] = Some(Node { at: value, ..self });
                        break;
                    }
                }
            }
            k = self.next(value);
        }
        found
    }

    fn members(self) -> impl Iterator<Item = (&'t str, Node<'t>)> {
        let (_, end) = self.inside(true);
        self.members_up_to(end)
    }

    fn items(self) -> impl Iterator<Item = Node<'t>> {
        let (mut i, end) = self.inside(false);
        std::iter::from_fn(move || {
            if i >= end {
                return None;
            }
            let item = Node { at: i, ..self };
            i = self.next(i);
            Some(item)
        })
    }

    fn to_tree(self) -> Tree<'t> {
        match self.shape() {
            Shape::Null => Tree::Null,
            Shape::Bool(b) => Tree::Bool(b),
            Shape::Number(n) => Tree::Number(n.clone()),
            Shape::String(s) => Tree::String(Cow::Borrowed(s)),
            Shape::Array => Tree::Array(self.items().map(View::to_tree).collect()),
            Shape::Object => Tree::Object(super::Object::from_members(
                self.members().map(|(k, v)| (Cow::Borrowed(k), v.to_tree())),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tape_tree(text: &str) -> Option<Tree<'static>> {
        Tape::parse_str(text)
            .ok()
            .map(|t| t.root().to_tree().into_owned())
    }

    /// The tape holds what the tree holds, and refuses what it refuses (the fuzzer checks the
    /// same on any input: fuzz/checks.rs).
    #[test]
    fn a_tape_holds_what_a_tree_holds() {
        let texts = [
            r#"{"a": [1, -2, 3.5, 1e3, true, false, null, "x\u0041\n"], "b": {}, "c": [], "d": {"e": {"f": [{}]}}}"#,
            r#"{"k": 1, "k": 2, "a.b": "dotted", "\u006b": 3}"#,
            r#"  [ "a" , { "b" : 9223372036854775807 , "c": -9223372036854775808 } ]  "#,
            r#""just a string""#,
            "0",
            r#"{"a": 1,}"#,
            r#"{"a" 1}"#,
            "[1 2]",
            r#"{"a": "\x"}"#,
            r#"{"a": 01}"#,
            "[] []",
            "",
        ];
        for text in texts {
            assert_eq!(tape_tree(text), Tree::parse_str(text).ok(), "{text}");
        }
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(Tape::parse_str(&deep(127)).is_ok());
        assert!(Tape::parse_str(&deep(128)).is_err());
        assert!(Tree::parse_str(&deep(128)).is_err());
    }

    /// `pick` finds each key where `get` finds it, on a tape and in a tree: repeated keys (the
    /// last), keys that had escapes, keys of up to 8, 16 and more bytes that share their heads,
    /// missing keys, and values that are no object.
    #[test]
    fn picking_keys_finds_what_looking_each_up_finds() {
        let keys = [
            "k",
            "abcdefgh",
            "abcdefghij",
            "abcdefghijklmnopq",
            "abcdefghijklmnopr",
            "é",
            "absent",
            "",
        ];
        let texts = [
            r#"{"k": 1, "k": 2, "k": 3, "abcdefgh": 4, "abcdefghij": 5}"#,
            r#"{"abcdefghijklmnopq": 6, "abcdefghijklmnopr": 7, "abcdefghijklmnop": 8, "é": 9, "": 10}"#,
            r#"{"x": {"k": 1}, "abcdefghi": 2, "k": {"k": 3}, "abcdefgh": [1], "abcdefgh": null}"#,
            r#"{}"#,
            r#"["k", 1]"#,
            r#""k""#,
        ];
        for text in texts {
            let tape = Tape::parse_str(text).unwrap();
            let tree = Tree::parse_str(text).unwrap();
            let (node, tree) = (tape.root(), &tree);
            let by_tape = node.pick(&keys).map(|v| v.map(View::to_tree));
            let by_tree = tree.pick(&keys).map(|v| v.map(View::to_tree));
            let looked_up = keys.map(|k| node.get(k).map(View::to_tree));
            assert_eq!(by_tape, looked_up, "{text}");
            assert_eq!(by_tree, looked_up, "{text}");
        }
    }

    #[test]
    fn a_value_takes_24_bytes() {
        assert_eq!(std::mem::size_of::<Slot>(), 24);
    }

    /// The list of values is kept for the next body: what one tape held never shows in the next.
    #[test]
    fn a_tape_read_after_another_holds_only_its_own_text() {
        let first = Tape::parse_str(r#"{"a": "x\ty", "b": [1, 2, 3], "c": {"d": null}}"#).unwrap();
        let first_tree = first.root().to_tree().into_owned();
        drop(first);
        let second = Tape::parse_str(r#"{"e": "\u0041"}"#).unwrap();
        assert_eq!(
            Some(second.root().to_tree().into_owned()),
            Tree::parse_str(r#"{"e": "A"}"#).ok()
        );
        assert_eq!(
            Some(first_tree),
            Tree::parse_str(r#"{"a": "x\ty", "b": [1, 2, 3], "c": {"d": null}}"#).ok()
        );
        // Two tapes at once on one thread.
        let (x, y) = (
            Tape::parse_str("[1]").unwrap(),
            Tape::parse_str("[2, 3]").unwrap(),
        );
        assert_eq!(x.root().items().count(), 1);
        assert_eq!(y.root().items().count(), 2);
    }

    #[test]
    fn long_integers_are_read_as_the_text_they_were_written_as() {
        let text = r#"{"a": 39300000000000000000000001, "b": [-99999999999999999999], "c": 1.2345678901234567890123e5, "d": 1234567890123456789, "e": "123456789012345678901234"}"#;
        let tape = Tape::parse_str(text).unwrap();
        assert!(tape.long_integers());
        let root = tape.root();
        assert_eq!(
            root.get("a").and_then(View::as_str),
            Some("39300000000000000000000001")
        );
        let b: Vec<_> = root.get("b").unwrap().items().collect();
        assert_eq!(b[0].as_str(), Some("-99999999999999999999"));
        assert!(matches!(root.get("c").map(View::shape), Some(Shape::Number(n)) if n.is_f64()));
        assert_eq!(
            root.get("d").and_then(View::as_u64),
            Some(1234567890123456789)
        );
        let quoted = crate::event::json::quote_long_integers(text);
        assert_eq!(
            Some(root.to_tree().into_owned()),
            Tree::parse_str(&quoted).ok()
        );
        assert!(
            !Tape::parse_str(r#"{"s": "123456789012345678901234"}"#)
                .unwrap()
                .long_integers()
        );
        // A leading zero is not JSON, however long the number.
        assert!(Tape::parse_str("[0123456789012345678901]").is_err());
    }

    #[test]
    fn lookups_tell_keys_apart_by_every_byte_and_take_the_last_of_a_repeated_one() {
        let keys = [
            "a",
            "ab",
            "abcdefg",
            "abcdefgh",
            "abcdefgi",
            "abcdefghijklmnop",
            "abcdefghijklmnoq",
            "abcdefghijklmnopq",
            "abcdefghijklmnopr",
        ];
        let text = format!(
            "{{{}}}",
            keys.iter()
                .enumerate()
                .map(|(i, k)| format!("\"{k}\": {i}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let tape = Tape::parse_str(&text).unwrap();
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(
                tape.root().get(k).and_then(View::as_u64),
                Some(i as u64),
                "{k}"
            );
        }
        assert!(tape.root().get("abcdefghijklmnopz").is_none());
        assert!(tape.root().get("").is_none());
        let repeated = Tape::parse_str(r#"{"k": 1, "x": {"k": 9}, "k": 2}"#).unwrap();
        assert_eq!(repeated.root().get("k").and_then(View::as_u64), Some(2));
        assert_eq!(repeated.root().members().count(), 3);
        assert!(repeated.root().get("k").unwrap().get("k").is_none());
    }
}
