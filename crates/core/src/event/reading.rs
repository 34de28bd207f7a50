//! How the decoder reads a body's text: onto a [`Tape`] (what it does), or into a [`Tree`] (what
//! it did before, kept as the oracle the tests hold the tape against). The decoder is written once,
//! over [`View`], for both.

use super::json;
use crate::tree::{Node, Tape, Tree, View};

/// How the decoder reads a text: onto a [`Tape`], or into a [`Tree`] (see [`decode_by_tree`](super::decode_by_tree)).
pub(super) trait Reading {
    /// A text read.
    type Doc<'a>;
    /// A value in it.
    type At<'t>: View<'t>;
    fn parse(text: &str) -> Result<Self::Doc<'_>, serde_json::Error>;
    fn root<'t>(doc: &'t Self::Doc<'_>) -> Self::At<'t>;
    /// Whether an integer of more than 19 digits was read as its text.
    fn long_integers(doc: &Self::Doc<'_>) -> bool;
}

pub(super) struct TapeReading;

impl Reading for TapeReading {
    type Doc<'a> = Tape<'a>;
    type At<'t> = Node<'t>;
    fn parse(text: &str) -> Result<Tape<'_>, serde_json::Error> {
        Tape::parse_str(text)
    }
    fn root<'t>(doc: &'t Tape<'_>) -> Node<'t> {
        doc.root()
    }
    fn long_integers(doc: &Tape<'_>) -> bool {
        doc.long_integers()
    }
}

/// Long integers are put in quotes first ([`json::quote_long_integers`]), then the text is read.
pub(super) struct TreeReading;

impl Reading for TreeReading {
    type Doc<'a> = (Tree<'a>, bool);
    type At<'t> = &'t Tree<'t>;
    fn parse(text: &str) -> Result<(Tree<'_>, bool), serde_json::Error> {
        match json::quote_long_integers(text) {
            // (A text with a long run of digits only in strings or fractions comes back as it was.)
            std::borrow::Cow::Owned(quoted) if quoted != text => {
                Tree::parse_str(&quoted).map(|t| (t.into_owned(), true))
            }
            _ => Tree::parse_str(text).map(|t| (t, false)),
        }
    }
    fn root<'t>(doc: &'t (Tree<'_>, bool)) -> &'t Tree<'t> {
        &doc.0
    }
    fn long_integers(doc: &(Tree<'_>, bool)) -> bool {
        doc.1
    }
}
