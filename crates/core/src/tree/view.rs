//! What the decoder reads a JSON value through: a place on a [`Tape`] (what it reads bodies into)
//! or a [`Tree`] (what it read them into before, kept as the oracle the tape is tested against).
//! One decoder serves both, so the two can only differ in how the text was read.
//!
//! [`Tape`]: super::Tape

use serde_json::Number;

use super::Tree;

/// What a value is, with its scalar.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape<'t> {
    Null,
    Bool(bool),
    Number(&'t Number),
    String(&'t str),
    Array,
    Object,
}

/// A JSON value the decoder looks at, copied freely.
pub trait View<'t>: Copy {
    fn shape(self) -> Shape<'t>;
    /// An object's member; `None` for other values. A repeated key: the last one.
    fn get(self, key: &str) -> Option<Self>;
    /// The members named by `keys`, in one pass over an object: each as [`View::get`] finds it
    /// (a repeated key: the last one; none for a key it lacks, and for any key of a value that is
    /// no object). For a decoder that looks up several keys of one object (a lookup each read
    /// the object's keys again). `keys` are distinct.
    fn pick<const N: usize>(self, keys: &[&str; N]) -> [Option<Self>; N] {
        let mut found = [None; N];
        for (key, value) in self.members() {
            if let Some(i) = keys.iter().position(|k| *k == key) {
                found[i] = Some(value);
            }
        }
        found
    }
    /// An object's members in the order written (other values: none).
    fn members(self) -> impl Iterator<Item = (&'t str, Self)>;
    /// An array's items (other values: none).
    fn items(self) -> impl Iterator<Item = Self>;
    /// The value as a [`Tree`] (to write it back as JSON).
    fn to_tree(self) -> Tree<'t>;

    fn as_str(self) -> Option<&'t str> {
        match self.shape() {
            Shape::String(s) => Some(s),
            _ => None,
        }
    }

    fn as_u64(self) -> Option<u64> {
        match self.shape() {
            Shape::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    fn is_object(self) -> bool {
        self.shape() == Shape::Object
    }

    fn is_string(self) -> bool {
        matches!(self.shape(), Shape::String(_))
    }

    fn is_null(self) -> bool {
        self.shape() == Shape::Null
    }

    /// Compact JSON, as `serde_json::Value` displays.
    fn to_json(self) -> String {
        self.to_tree().to_string()
    }
}

impl<'t> View<'t> for &'t Tree<'t> {
    fn shape(self) -> Shape<'t> {
        match self {
            Tree::Null => Shape::Null,
            Tree::Bool(b) => Shape::Bool(*b),
            Tree::Number(n) => Shape::Number(n),
            Tree::String(s) => Shape::String(s),
            Tree::Array(_) => Shape::Array,
            Tree::Object(_) => Shape::Object,
        }
    }

    fn get(self, key: &str) -> Option<Self> {
        Tree::get(self, key)
    }

    fn members(self) -> impl Iterator<Item = (&'t str, Self)> {
        let members = match self {
            Tree::Object(o) => o.members.as_slice(),
            _ => &[],
        };
        members.iter().map(|m| (m.key.as_ref(), &m.value))
    }

    fn items(self) -> impl Iterator<Item = Self> {
        match self {
            Tree::Array(items) => items.iter(),
            _ => [].iter(),
        }
    }

    fn to_tree(self) -> Tree<'t> {
        self.clone()
    }
}
