//! The filter language (README, "Filter syntax"), shared by `tail --filter` and the TUI.
//!
//! `status:open->solved tag:vip`, `type:comment or tag+:urgent`, `-format:legacy`, `#35436`.
//! Terms separated by spaces are ANDed, `or` ORs them, `-`/`!` negate, parentheses group,
//! commas inside a value mean "any of". Parse errors carry the byte span of the offending text.

mod eval;
mod fields;
mod parse;
mod prefilter;
pub mod trigrams;
mod unseen;
pub mod vocabulary;

use std::fmt;
use std::ops::Range;

use jiff::{SignedDuration, Timestamp};

use crate::event::Format;

pub use fields::Fields;
pub use parse::parse;
pub use prefilter::Prefilter;
pub use trigrams::Trigrams;

/// A compiled filter; the empty filter matches everything.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    expr: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Term(Term),
}

/// One condition. Values are already normalised (lower-cased, parsed) when a filter is compiled.
#[derive(Clone, Debug, PartialEq)]
pub enum Term {
    /// `type:` — each value matches a kind name exactly or as a prefix (`comment` → `comment_*`).
    Kind(Vec<String>),
    /// `status:FROM->TO`; `None` on a side is `*`.
    Transition {
        from: Option<Vec<String>>,
        to: Option<Vec<String>>,
    },
    /// `status:solved` — the ticket's status after the event.
    Status(Vec<String>),
    /// `tag:` (ticket has it), `tag+:` (added by this event), `tag-:` (removed); `*` wildcards.
    Tag(TagScope, Vec<String>),
    Ticket(Vec<u64>),
    Priority(Vec<String>),
    /// `group:`, `assignee:`, …; `None` in the list is `none` (unset).
    Id(IdField, Vec<Option<u64>>),
    Channel(Vec<String>),
    Format(Vec<Format>),
    /// A solved/closed → open/new status change.
    Reopened,
    /// Occurred within this long before now.
    Since(SignedDuration),
    /// Occurred at or after this time (`since:2026-11-28T10:15:00Z`).
    From(Timestamp),
    /// Occurred before this time (`until:…`, a time or a duration before now).
    Until(When),
    /// `source:` — the queue or file the event was read from (its short name; wildcards).
    Source(Vec<String>),
    /// A bare word: case-insensitive substring of the summary, subject and comment.
    Text(String),
}

/// A point in time given absolutely or as a duration before now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    At(Timestamp),
    Ago(SignedDuration),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagScope {
    Has,
    Added,
    Removed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdField {
    Group,
    Assignee,
    Requester,
    Organization,
    Brand,
    Actor,
    CustomStatus,
}

/// The fields a filter names, from [`Filter::names`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Named {
    pub priority: bool,
    pub group: bool,
    pub source: bool,
    /// Tag patterns (`vip`, `payment_*`).
    pub tags: Vec<String>,
}

impl Named {
    /// Whether `tag` is one the filter names (a pattern may have `*`).
    pub fn tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|p| eval::glob(p, tag))
    }
}

/// A parse error with the byte range of the offending text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct FilterError {
    pub message: String,
    pub span: Range<usize>,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at column {})", self.message, self.span.start + 1)
    }
}

impl Filter {
    pub fn parse(text: &str) -> Result<Filter, FilterError> {
        parse(text)
    }

    pub fn match_all() -> Filter {
        Filter { expr: None }
    }

    pub fn is_empty(&self) -> bool {
        self.expr.is_none()
    }

    /// Whether the filter searches words (bare words or phrases), the one kind of term that
    /// reads an event's text rather than its fields.
    pub fn searches_text(&self) -> bool {
        fn any(e: &Expr) -> bool {
            match e {
                Expr::And(all) | Expr::Or(all) => all.iter().any(any),
                Expr::Not(x) => any(x),
                Expr::Term(t) => matches!(t, Term::Text(_)),
            }
        }
        self.expr.as_ref().is_some_and(any)
    }

    /// What the filter asks about (outside negations), so that a screen can keep those columns
    /// and show those tags first.
    pub fn names(&self) -> Named {
        fn walk(e: &Expr, n: &mut Named) {
            match e {
                Expr::And(all) | Expr::Or(all) => all.iter().for_each(|e| walk(e, n)),
                Expr::Not(_) => {}
                Expr::Term(t) => match t {
                    Term::Priority(_) => n.priority = true,
                    Term::Id(IdField::Group, _) => n.group = true,
                    Term::Source(_) => n.source = true,
                    Term::Tag(_, tags) => n.tags.extend(tags.iter().cloned()),
                    _ => {}
                },
            }
        }
        let mut named = Named::default();
        if let Some(e) = &self.expr {
            walk(e, &mut named);
        }
        named
    }

    /// Whether `event` passes; `now` anchors `since:` terms.
    pub fn matches<E: Fields + ?Sized>(&self, event: &E, now: Timestamp) -> bool {
        self.expr.as_ref().is_none_or(|e| eval::eval(e, event, now))
    }
}

#[cfg(test)]
mod tests;

/// A duration in the `since:` syntax (`90s`, `15m`, `2h`, `7d`), for command-line flags.
pub fn parse_duration(text: &str) -> Result<SignedDuration, String> {
    parse::duration(text.trim(), 0..text.len()).map_err(|e| e.message)
}
