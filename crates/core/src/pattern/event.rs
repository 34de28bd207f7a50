//! The event side of matching. Patterns walk an event through [`EventJson`], implemented for
//! `serde_json::Value` and for [`Tree`], the tree borrowed from the body that bodies are read
//! into (objects remember whether any key contains a dot, so the common lookup is one
//! comparison loop).

use serde_json::{Number, Value};

pub use crate::tree::{Name, Needs, Tree};

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
    /// [`EventJson::member`] of a key prepared for lookups.
    fn member_named(&self, name: &Name) -> Option<&Self> {
        self.member(name.as_str())
    }
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

impl EventJson for Tree<'_> {
    fn leaf(&self) -> Option<Leaf<'_>> {
        match self {
            Tree::Null => Some(Leaf::Null),
            Tree::Bool(b) => Some(Leaf::Bool(*b)),
            Tree::Number(n) => Some(Leaf::Number(n)),
            Tree::String(s) => Some(Leaf::String(s)),
            Tree::Array(_) | Tree::Object(_) => None,
        }
    }
    fn elements(&self) -> Option<&[Self]> {
        match self {
            Tree::Array(items) => Some(items),
            _ => None,
        }
    }
    fn is_object(&self) -> bool {
        matches!(self, Tree::Object(_))
    }
    fn member(&self, key: &str) -> Option<&Self> {
        self.get(key)
    }
    fn member_named(&self, name: &Name) -> Option<&Self> {
        self.get_name(name)
    }
    fn has_dotted_keys(&self) -> bool {
        matches!(self, Tree::Object(o) if o.dotted)
    }
}

/// Layers deeper than this are not unwrapped (as the decoder).
const MAX_LAYERS: usize = 4;

/// Calls `f` with the event EventBridge matched rules against: the body with any SNS layers and
/// a transformer's wrapping taken off (the same layers the decoder unwraps). A body an input
/// transformer reshaped has no envelope left and is passed as it is. `None` when the body is
/// not JSON.
pub fn with_eventbridge_event<R>(body: &[u8], f: &mut dyn FnMut(&Tree<'_>) -> R) -> Option<R> {
    fn go<R>(v: &Tree<'_>, depth: usize, f: &mut dyn FnMut(&Tree<'_>) -> R) -> R {
        if depth >= MAX_LAYERS || is_eventbridge(v) {
            return f(v);
        }
        if let Some(message) = sns_message(v) {
            return match Tree::parse(message.as_bytes()) {
                Ok(inner) => go(&inner, depth + 1, f),
                Err(_) => f(v),
            };
        }
        if let Tree::Object(o) = v {
            let mut nested = o
                .members
                .iter()
                .map(|m| &m.value)
                .filter(|x| is_envelope(x));
            if let (Some(only), None) = (nested.next(), nested.next()) {
                return go(only, depth + 1, f);
            }
        }
        f(v)
    }
    let outer = Tree::parse(body).ok()?;
    Some(go(&outer, 0, f))
}

/// As [`with_eventbridge_event`], parsing only what `needs` names: the usual bodies (an
/// EventBridge event, or one inside SNS notifications) are read once without building what no
/// pattern looks at; anything else is handed to [`with_eventbridge_event`].
pub fn with_needed_event<R>(
    body: &[u8],
    needs: &Needs,
    f: &mut dyn FnMut(&Tree<'_>) -> R,
) -> Option<R> {
    go_needed(body, needs, 0, false, f)
}

/// As [`with_needed_event`], for a body the decoder read as JSON already
/// (`TicketEvent::raw_is_json`): its outer layer is not checked again.
pub fn with_needed_event_of_json<R>(
    body: &[u8],
    needs: &Needs,
    f: &mut dyn FnMut(&Tree<'_>) -> R,
) -> Option<R> {
    go_needed(body, needs, 0, true, f)
}

fn go_needed<R>(
    body: &[u8],
    needs: &Needs,
    depth: usize,
    known: bool,
    f: &mut dyn FnMut(&Tree<'_>) -> R,
) -> Option<R> {
    let v = if known {
        Tree::parse_needed_known(body, needs).ok()?
    } else {
        Tree::parse_needed(body, needs).ok()?
    };
    if is_eventbridge(&v) {
        return Some(f(&v));
    }
    if let Some(message) = sns_message(&v).filter(|_| depth + 1 < MAX_LAYERS) {
        // A Message that is not JSON: the notification itself is what there is.
        return go_needed(message.as_bytes(), needs, depth + 1, false, f).or_else(|| Some(f(&v)));
    }
    with_eventbridge_event(body, f)
}

fn is_eventbridge(v: &Tree<'_>) -> bool {
    v.member("detail-type").is_some() && v.member("detail").is_some()
}

fn sns_message<'x>(v: &'x Tree<'_>) -> Option<&'x str> {
    match (v.member("Type"), v.member("Message")) {
        (Some(Tree::String(t)), Some(Tree::String(m))) if t == "Notification" => Some(m),
        _ => None,
    }
}

fn is_envelope(v: &Tree<'_>) -> bool {
    is_eventbridge(v)
        || sns_message(v).is_some()
        || v.member("detail")
            .and_then(|d| d.member("ticket_event"))
            .is_some()
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
}
