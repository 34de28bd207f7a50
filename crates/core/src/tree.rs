//! A JSON tree borrowed from the body: what the decoder and the pattern matcher read bodies into.
//! Strings are borrowed from the body where JSON allows (no escapes), objects are short vectors
//! of members in the order written (a repeated key: the last one counts, as serde_json keeps
//! it) that remember whether any key contains a dot. Building it costs a fraction of a
//! `serde_json::Value` (no map nodes, no copies of plain strings); see BENCHMARKS.md.
//!
//! With [`Needs`], only the parts a reader names are built; the rest is skipped unread.

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
    pub(crate) members: Vec<(Cow<'a, str>, Tree<'a>)>,
    pub(crate) dotted: bool,
}

impl<'a> Tree<'a> {
    /// Parses a body. Bodies nested deeper than serde_json's limit (128) are an error.
    pub fn parse(bytes: &'a [u8]) -> Result<Tree<'a>, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    /// [`Tree::parse`] of text known to be UTF-8 (its strings are not checked again).
    pub fn parse_str(text: &'a str) -> Result<Tree<'a>, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// Lookups in the manner of `serde_json::Value`: a value of another type reads as absent.
impl<'a> Tree<'a> {
    /// An object's member; `None` for other values. A repeated key: the last one.
    pub fn get(&self, key: &str) -> Option<&Tree<'a>> {
        match self {
            Tree::Object(o) => o
                .members
                .iter()
                .rev()
                .find(|(k, _)| same_key(k, key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Tree<'a>> {
        match self {
            Tree::Object(o) => o
                .members
                .iter_mut()
                .rev()
                .find(|(k, _)| same_key(k, key))
                .map(|(_, v)| v),
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
                for (k, v) in &o.members {
                    map.serialize_entry(k.as_ref(), v)?;
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

/// Key equality with the cheap checks first (length, first byte): most keys differ there, and
/// a library call to compare bytes costs more than the comparison of a short key itself.
fn same_key(k: &str, key: &str) -> bool {
    k.len() == key.len() && k.as_bytes().first() == key.as_bytes().first() && k == key
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
    children: Vec<(String, Needs)>,
    /// The whole value here is needed (a field a pattern tests).
    whole: bool,
}

impl Needs {
    pub(crate) fn insert(&mut self, path: &str, whole: bool) {
        let mut node = self;
        for seg in path.split('.') {
            let i = match node.children.iter().position(|(k, _)| k == seg) {
                Some(i) => i,
                None => {
                    node.children.push((seg.to_string(), Needs::default()));
                    node.children.len() - 1
                }
            };
            node = &mut node.children[i].1;
        }
        node.whole |= whole;
    }

    /// The needs under `key`; a key with dots walks several segments.
    fn child(&self, key: &[u8]) -> Option<&Needs> {
        fn find<'n>(node: &'n Needs, seg: &[u8]) -> Option<&'n Needs> {
            node.children
                .iter()
                .find(|(k, _)| k.as_bytes() == seg)
                .map(|(_, n)| n)
        }
        if !key.contains(&b'.') {
            return find(self, key);
        }
        let mut node = self;
        for seg in key.split(|b| *b == b'.') {
            node = find(node, seg)?;
        }
        Some(node)
    }
}

impl<'a> Tree<'a> {
    /// Parses only what `needs` names (see [`Needs`]); other members are skipped.
    pub fn parse_needed(bytes: &'a [u8], needs: &Needs) -> Result<Tree<'a>, serde_json::Error> {
        let mut d = serde_json::Deserializer::from_slice(bytes);
        let e = Build { needs: Some(needs) }.deserialize(&mut d)?;
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
            members.push((key.0, value));
        }
        Ok(Tree::Object(Object { members, dotted }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
