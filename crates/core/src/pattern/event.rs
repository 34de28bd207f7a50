//! The event side of matching. Patterns walk an event through [`EventJson`], implemented for
//! `serde_json::Value` (what the rest of zdwatch holds) and for [`Event`], a lighter tree made
//! for matching: strings borrowed from the body where JSON allows, objects as short vectors
//! that remember whether any key contains a dot, so the common lookup is one comparison loop.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

/// A leaf value of an event: what match lists compare against.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Leaf<'x> {
    Null,
    Bool(bool),
    Number(&'x Number),
    String(&'x str),
}

/// What the matcher needs from an event tree.
pub trait EventJson: Sized {
    /// The value as a leaf; `None` for arrays and objects.
    fn leaf(&self) -> Option<Leaf<'_>>;
    /// The elements of an array.
    fn elements(&self) -> Option<&[Self]>;
    /// Whether this is an object.
    fn is_object(&self) -> bool;
    /// An object's member.
    fn member(&self, key: &str) -> Option<&Self>;
    /// Whether an object has a key containing `.` (which can stand for several path segments).
    fn has_dotted_keys(&self) -> bool;
}

impl EventJson for Value {
    fn leaf(&self) -> Option<Leaf<'_>> {
        match self {
            Value::Null => Some(Leaf::Null),
            Value::Bool(b) => Some(Leaf::Bool(*b)),
            Value::Number(n) => Some(Leaf::Number(n)),
            Value::String(s) => Some(Leaf::String(s)),
            Value::Array(_) | Value::Object(_) => None,
        }
    }
    fn elements(&self) -> Option<&[Value]> {
        self.as_array().map(Vec::as_slice)
    }
    fn is_object(&self) -> bool {
        self.is_object()
    }
    fn member(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|m| m.get(key))
    }
    fn has_dotted_keys(&self) -> bool {
        self.as_object()
            .is_some_and(|m| m.keys().any(|k| k.contains('.')))
    }
}

/// An event parsed for matching (see the module documentation).
#[derive(Clone, Debug, PartialEq)]
pub enum Event<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Array(Vec<Event<'a>>),
    Object(Object<'a>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Object<'a> {
    members: Vec<(Cow<'a, str>, Event<'a>)>,
    dotted: bool,
}

impl<'a> Event<'a> {
    /// Parses a body. Bodies nested deeper than serde_json's limit (128) are an error.
    pub fn parse(bytes: &'a [u8]) -> Result<Event<'a>, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

impl EventJson for Event<'_> {
    fn leaf(&self) -> Option<Leaf<'_>> {
        match self {
            Event::Null => Some(Leaf::Null),
            Event::Bool(b) => Some(Leaf::Bool(*b)),
            Event::Number(n) => Some(Leaf::Number(n)),
            Event::String(s) => Some(Leaf::String(s)),
            Event::Array(_) | Event::Object(_) => None,
        }
    }
    fn elements(&self) -> Option<&[Self]> {
        match self {
            Event::Array(items) => Some(items),
            _ => None,
        }
    }
    fn is_object(&self) -> bool {
        matches!(self, Event::Object(_))
    }
    fn member(&self, key: &str) -> Option<&Self> {
        match self {
            // A repeated key: the last one, as serde_json keeps it.
            Event::Object(o) => o
                .members
                .iter()
                .rev()
                .find(|(k, _)| same_key(k, key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
    fn has_dotted_keys(&self) -> bool {
        matches!(self, Event::Object(o) if o.dotted)
    }
}

/// Layers deeper than this are not unwrapped (as the decoder).
const MAX_LAYERS: usize = 4;

/// Calls `f` with the event EventBridge matched rules against: the body with any SNS layers and
/// a transformer's wrapping taken off (the same layers the decoder unwraps). A body an input
/// transformer reshaped has no envelope left and is passed as it is. `None` when the body is
/// not JSON.
pub fn with_eventbridge_event<R>(body: &[u8], f: &mut dyn FnMut(&Event<'_>) -> R) -> Option<R> {
    fn go<R>(v: &Event<'_>, depth: usize, f: &mut dyn FnMut(&Event<'_>) -> R) -> R {
        if depth >= MAX_LAYERS || is_eventbridge(v) {
            return f(v);
        }
        if let Some(message) = sns_message(v) {
            return match Event::parse(message.as_bytes()) {
                Ok(inner) => go(&inner, depth + 1, f),
                Err(_) => f(v),
            };
        }
        if let Event::Object(o) = v {
            let mut nested = o.members.iter().map(|(_, x)| x).filter(|x| is_envelope(x));
            if let (Some(only), None) = (nested.next(), nested.next()) {
                return go(only, depth + 1, f);
            }
        }
        f(v)
    }
    let outer = Event::parse(body).ok()?;
    Some(go(&outer, 0, f))
}

/// As [`with_eventbridge_event`], parsing only what `needs` names: the usual bodies (an
/// EventBridge event, or one inside SNS notifications) are read once without building what no
/// pattern looks at; anything else is handed to [`with_eventbridge_event`].
pub fn with_needed_event<R>(
    body: &[u8],
    needs: &Needs,
    f: &mut dyn FnMut(&Event<'_>) -> R,
) -> Option<R> {
    fn go<R>(
        body: &[u8],
        needs: &Needs,
        depth: usize,
        f: &mut dyn FnMut(&Event<'_>) -> R,
    ) -> Option<R> {
        let v = Event::parse_needed(body, needs).ok()?;
        if is_eventbridge(&v) {
            return Some(f(&v));
        }
        if let Some(message) = sns_message(&v).filter(|_| depth + 1 < MAX_LAYERS) {
            // A Message that is not JSON: the notification itself is what there is.
            return go(message.as_bytes(), needs, depth + 1, f).or_else(|| Some(f(&v)));
        }
        with_eventbridge_event(body, f)
    }
    go(body, needs, 0, f)
}

fn is_eventbridge(v: &Event<'_>) -> bool {
    v.member("detail-type").is_some() && v.member("detail").is_some()
}

fn sns_message<'x>(v: &'x Event<'_>) -> Option<&'x str> {
    match (v.member("Type"), v.member("Message")) {
        (Some(Event::String(t)), Some(Event::String(m))) if t == "Notification" => Some(m),
        _ => None,
    }
}

fn is_envelope(v: &Event<'_>) -> bool {
    is_eventbridge(v)
        || sns_message(v).is_some()
        || v.member("detail")
            .and_then(|d| d.member("ticket_event"))
            .is_some()
}

/// Key equality with the cheap checks first (length, first byte): most keys differ there, and
/// a library call to compare bytes costs more than the comparison of a short key itself.
fn same_key(k: &str, key: &str) -> bool {
    k.len() == key.len() && k.as_bytes().first() == key.as_bytes().first() && k == key
}

/// A key as bytes, borrowed from the body when it has no escapes. Read as a string, so that a
/// raw control character in a key is refused as it is in a skipped value (the fuzzer found a
/// body one reading accepted and the other refused).
struct Key<'a>(Cow<'a, [u8]>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_bytes<E: de::Error>(self, b: &'de [u8]) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(b)))
            }
            fn visit_bytes<E: de::Error>(self, b: &[u8]) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(b.to_vec())))
            }
            fn visit_byte_buf<E: de::Error>(self, b: Vec<u8>) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(b)))
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s.as_bytes())))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.as_bytes().to_vec())))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'a> Key<'a> {
    fn into_text<E: de::Error>(self) -> Result<Cow<'a, str>, E> {
        match self.0 {
            Cow::Borrowed(b) => std::str::from_utf8(b)
                .map(Cow::Borrowed)
                .map_err(|_| E::custom("key is not UTF-8")),
            Cow::Owned(b) => String::from_utf8(b)
                .map(Cow::Owned)
                .map_err(|_| E::custom("key is not UTF-8")),
        }
    }
}

/// Which parts of an event some patterns look at: a tree of key segments. Parsing with it skips
/// everything else (serde_json's `IgnoredAny`: no allocation), so matching a body costs little
/// more than reading it once.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Needs {
    children: Vec<(String, Needs)>,
    /// The whole value here is needed (a field a pattern tests).
    whole: bool,
}

impl Needs {
    /// The paths of `fields` (dot-joined, as patterns store them), plus what finding the
    /// EventBridge event inside a body takes (SNS `Type` and `Message`, `detail-type`, and whether
    /// there is a `detail`).
    pub fn of<'p>(paths: impl IntoIterator<Item = &'p str>) -> Needs {
        let mut n = Needs::default();
        for p in paths {
            n.insert(p, true);
        }
        for p in ["Type", "Message", "detail-type"] {
            n.insert(p, true);
        }
        n.insert("detail", false);
        n
    }

    fn insert(&mut self, path: &str, whole: bool) {
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

impl<'a> Event<'a> {
    /// Parses only what `needs` names (see [`Needs`]); other members are skipped.
    pub fn parse_needed(bytes: &'a [u8], needs: &Needs) -> Result<Event<'a>, serde_json::Error> {
        let mut d = serde_json::Deserializer::from_slice(bytes);
        let e = Build { needs: Some(needs) }.deserialize(&mut d)?;
        d.end()?;
        Ok(e)
    }
}

impl<'de> Deserialize<'de> for Event<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Build { needs: None }.deserialize(d)
    }
}

/// Builds an [`Event`]: all of it, or what `needs` names.
#[derive(Clone, Copy)]
struct Build<'n> {
    needs: Option<&'n Needs>,
}

impl<'de> DeserializeSeed<'de> for Build<'_> {
    type Value = Event<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Event<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Build<'_> {
    type Value = Event<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_unit<E>(self) -> Result<Event<'de>, E> {
        Ok(Event::Null)
    }
    fn visit_none<E>(self) -> Result<Event<'de>, E> {
        Ok(Event::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Event<'de>, E> {
        Ok(Event::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Event<'de>, E> {
        Ok(Event::Number(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Event<'de>, E> {
        Ok(Event::Number(n.into()))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Event<'de>, E> {
        Ok(Number::from_f64(n).map_or(Event::Null, Event::Number))
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Event<'de>, E> {
        Ok(Event::String(Cow::Borrowed(s)))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Event<'de>, E> {
        Ok(Event::String(Cow::Owned(s.to_string())))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Event<'de>, E> {
        Ok(Event::String(Cow::Owned(s)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Event<'de>, A::Error> {
        // Array elements sit at the same path: the same needs apply to each.
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Event::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Event<'de>, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(8));
        let mut dotted = false;
        while let Some(key) = map.next_key::<Key>()? {
            let value = match self.needs {
                None => map.next_value_seed(self)?,
                Some(needs) => match needs.child(&key.0) {
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
                        Event::Null
                    }
                },
            };
            dotted |= key.0.contains(&b'.');
            members.push((key.into_text()?, value));
        }
        Ok(Event::Object(Object { members, dotted }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unwraps_sns_and_transformer_layers() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/samples");
        for name in [
            "legacy/status_changed.json",
            "envelopes/sns-legacy.json",
            "envelopes/sns-webhook.json",
            "envelopes/transformer-wrapped-event.json",
        ] {
            let body = std::fs::read(dir.join(name)).unwrap();
            let found = with_eventbridge_event(&body, &mut |v| {
                v.member("detail-type").is_some() && v.member("source").is_some()
            });
            assert_eq!(found, Some(true), "{name}");
        }
        assert_eq!(with_eventbridge_event(b"not json", &mut |_| ()), None);
        let reshaped =
            with_eventbridge_event(br#"{"ticket": 1}"#, &mut |v| v.member("ticket").is_some());
        assert_eq!(reshaped, Some(true), "passed as it is");
    }

    #[test]
    fn borrows_plain_strings_and_keeps_escaped_ones() {
        let body = br#"{"a": "plain", "b.c": "esc\u00e9", "n": [1, -2, 3.5, 18446744073709551615], "a": "last"}"#;
        let e = Event::parse(body).unwrap();
        assert!(e.has_dotted_keys());
        assert!(matches!(e.member("b.c"), Some(Event::String(Cow::Owned(s))) if s == "escé"));
        assert!(matches!(
            e.member("a"),
            Some(Event::String(Cow::Borrowed("last")))
        ));
        let Some(Event::Array(n)) = e.member("n") else {
            panic!()
        };
        assert_eq!(n[3].leaf(), Some(Leaf::Number(&Number::from(u64::MAX))));
    }
}
