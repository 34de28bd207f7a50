//! EventBridge event patterns, matched the way EventBridge matches them (see
//! README, "EventBridge patterns"): compile a pattern once, then test events
//! against it without re-reading the pattern. Pure: no AWS, terminal or UI code.
//!
//! ```
//! let p = zdwatch_core::pattern::Pattern::compile(r#"{"detail-type": ["Support Ticket: Status Changed"]}"#).unwrap();
//! let event = serde_json::json!({"detail-type": "Support Ticket: Status Changed", "detail": {}});
//! assert!(p.matches(&event));
//! ```

pub mod arrays;
mod compile;
mod cover;
pub mod event;
pub mod explain;
mod json;
mod matcher;
mod set;
mod wildcard;

use std::fmt;

use event::{EventJson, Leaf, Needs};

pub use compile::{Cond, Field, MAX_OR_COMBINATIONS, MAX_PATTERN_CHARS};
pub use explain::{Explanation, Line as ExplainLine};
pub use matcher::{AnythingBut, Matcher};
pub use set::PatternSet;

/// A compiled pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    text: String,
    root: Cond,
    /// The parts of an event this pattern looks at (bodies are parsed for those only).
    needs: Needs,
    /// Its `$or`s multiplied out, for array consistency; empty when no alternative names two
    /// fields (then there is nothing to agree on).
    alternatives: Vec<Vec<Field>>,
}

/// Why EventBridge would refuse a pattern: its reason text, and where (line, column) when known.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct PatternError {
    pub reason: String,
    /// 1-based line and column in the pattern text.
    pub position: Option<(usize, usize)>,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Event pattern is not valid. Reason: {}", self.reason)
    }
}

impl PatternError {
    /// The message with where it went wrong, for people (the first line is EventBridge's).
    pub fn with_position(&self) -> String {
        match self.position {
            Some((line, column)) => format!("{self}\n  at line {line}, column {column}"),
            None => self.to_string(),
        }
    }
}

impl Pattern {
    pub fn compile(text: &str) -> Result<Pattern, PatternError> {
        let position = |at: usize| Some(json::line_column(text, at));
        let node = json::parse(text).map_err(|e| PatternError {
            reason: format!("malformed JSON: {}", e.message),
            position: position(e.at),
        })?;
        let root = compile::compile(&node, text).map_err(|e| PatternError {
            reason: e.reason,
            position: e.at.and_then(position),
        })?;
        let needs = Needs::of(paths(&root));
        let mut alternatives = arrays::alternatives(&root);
        if alternatives
            .iter()
            .all(|a| a.len() < 2 && a.iter().all(|f| !f.absent_ok))
        {
            alternatives.clear();
        }
        Ok(Pattern {
            text: text.to_string(),
            root,
            needs,
            alternatives,
        })
    }

    /// The pattern as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Every event `other` matches is matched by this pattern too, as far as can be shown
    /// (`false` when it cannot be shown: see [`cover`]).
    pub fn covers(&self, other: &Pattern) -> bool {
        cover::covers(&self.root, &other.root)
    }

    pub fn root(&self) -> &Cond {
        &self.root
    }

    /// Whether EventBridge would deliver `event` (an EventBridge event, as a `serde_json::Value`
    /// or a [`crate::tree::Tree`]) to this rule.
    pub fn matches<E: EventJson>(&self, event: &E) -> bool {
        eval(&self.root, event) && self.consistent(event)
    }

    /// Array consistency (see [`arrays`]), for an event each field matches on its own: some
    /// alternative's fields are satisfied within the same elements of every array they share.
    pub fn consistent<E: EventJson>(&self, event: &E) -> bool {
        self.alternatives.is_empty()
            || self.alternatives.iter().any(|fields| {
                matches!(
                    arrays::check(fields, event),
                    arrays::Consistency::NoArrays | arrays::Consistency::Agrees(_)
                )
            })
    }

    /// How the alternatives fared on array consistency, for explanations (empty when the pattern
    /// has no alternative of two fields or more).
    pub(crate) fn consistency<E: EventJson>(&self, event: &E) -> Vec<arrays::Consistency> {
        self.alternatives
            .iter()
            .map(|fields| arrays::check(fields, event))
            .collect()
    }

    /// Whether a decoded event's body would match: the pattern is tested against the
    /// EventBridge event inside the body (under any SNS layer). A body that is not JSON never does.
    /// A body the decoder read as JSON already (`raw_is_json`) is not checked again: what the
    /// pattern does not look at is only stepped over (the same answer, sooner).
    pub fn matches_event(&self, event: &crate::event::TicketEvent) -> bool {
        self.matches_read_body(&event.raw, event.raw_is_json)
    }

    /// [`Pattern::matches_body`] of a held event's body, `read_as_json` when its decoder read it
    /// as JSON (`TicketEvent::raw_is_json`): then it is stepped over, not checked again.
    pub fn matches_read_body(&self, body: &[u8], read_as_json: bool) -> bool {
        if !read_as_json {
            return self.matches_body(body);
        }
        event::with_needed_event_of_json(body, &self.needs, &mut |v| self.matches(v))
            .unwrap_or(false)
    }

    /// Whether a body (as it arrived on the queue) would match; see [`Pattern::matches_event`].
    pub fn matches_body(&self, body: &[u8]) -> bool {
        event::with_needed_event(body, &self.needs, &mut |v| self.matches(v)).unwrap_or(false)
    }

    /// The field paths the pattern tests (dot-joined).
    pub fn paths(&self) -> Vec<&str> {
        paths(&self.root)
    }

    /// Why `event` matches or not, field by field.
    pub fn explain<E: EventJson>(&self, event: &E) -> Explanation {
        let mut x = explain::explain(&self.root, event);
        if !x.matched || self.alternatives.is_empty() {
            return x;
        }
        // Each field matched on its own: say which element satisfied them together, or that
        // none did.
        let results = self.consistency(event);
        let names = || arrays::array_names(event, &self.paths());
        let agreeing = results.iter().find_map(|c| match c {
            arrays::Consistency::Agrees(m) => Some(m),
            _ => None,
        });
        if results.contains(&arrays::Consistency::NoArrays) {
            return x;
        }
        match agreeing {
            Some(m) => x.lines.push(ExplainLine {
                depth: 0,
                mark: explain::Mark::Pass,
                text: format!(
                    "in one array element: {} satisfies every field inside it",
                    arrays::describe(m, &names())
                ),
            }),
            None => {
                x.matched = false;
                x.lines.push(ExplainLine {
                    depth: 0,
                    mark: explain::Mark::Fail,
                    text: "no single array element satisfies every field: each field matches in a different element, and EventBridge requires the fields inside one array's objects to match in the same element".into(),
                });
            }
        }
        x
    }

    /// The near misses among bodies the pattern does not match, most frequent first (at most
    /// three): `312 events: "Support Ticket:Status Changed" and "Support Ticket: Status Changed"
    /// differ only in spaces`. What makes a rule that never fires visible before anyone presses `e`.
    pub fn near_misses<'a>(&self, bodies: impl Iterator<Item = &'a [u8]>) -> Vec<(usize, String)> {
        let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for body in bodies {
            if self.matches_body(body) {
                continue;
            }
            let Some(x) = event::with_eventbridge_event(body, &mut |v| self.explain(v)) else {
                continue;
            };
            let mut hints: Vec<&str> = x
                .lines
                .iter()
                .filter_map(|l| l.text.strip_prefix("hint: "))
                .collect();
            hints.sort_unstable();
            hints.dedup();
            for h in hints {
                *counts.entry(h.to_string()).or_default() += 1;
            }
        }
        let mut out: Vec<(usize, String)> = counts.into_iter().map(|(h, n)| (n, h)).collect();
        out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        out.truncate(3);
        out
    }
}

fn paths(cond: &Cond) -> Vec<&str> {
    match cond {
        Cond::All(c) | Cond::Any(c) => c.iter().flat_map(paths).collect(),
        Cond::Field(f) => vec![f.path.as_str()],
    }
}

fn eval<E: EventJson>(cond: &Cond, event: &E) -> bool {
    match cond {
        Cond::All(all) => all.iter().all(|c| eval(c, event)),
        Cond::Any(any) => any.iter().any(|c| eval(c, event)),
        Cond::Field(f) => field_matches(f, event),
    }
}

fn field_matches<E: EventJson>(f: &Field, event: &E) -> bool {
    if f.absent_ok {
        // `exists: false` inside an array's objects is decided per element, by the consistency
        // check (see `arrays`): here it only must not rule the event out.
        let (mut present, mut in_array, mut matched) = (false, false, false);
        arrays::leaves(
            event,
            &f.path,
            &mut arrays::Membership::new(),
            &mut |leaf, m| {
                present = true;
                in_array |= !m.is_empty();
                matched |= f
                    .matchers
                    .iter()
                    .any(|x| *x != Matcher::Exists(false) && x.matches(leaf));
            },
        );
        return !present || matched || in_array;
    }
    any_leaf(event, &f.path, &mut |leaf| {
        f.matchers
            .iter()
            .any(|m| *m != Matcher::Exists(false) && m.matches(leaf))
    })
}

/// Whether some leaf value at the dot-joined `path` satisfies `pred`. Keys may themselves
/// contain dots (`{"state.status": …}` is at `state.status`), arrays contribute each element at
/// the same path, and objects are not leaves.
pub fn any_leaf<'e, E: EventJson>(
    v: &'e E,
    path: &str,
    pred: &mut dyn FnMut(Leaf<'e>) -> bool,
) -> bool {
    if let Some(items) = v.elements() {
        return items.iter().any(|item| any_leaf(item, path, pred));
    }
    if !v.is_object() {
        return path.is_empty() && v.leaf().is_some_and(&mut *pred);
    }
    if path.is_empty() {
        return false;
    }
    each_step(v, path, |child, rest| any_leaf(child, rest, pred))
}

/// Calls `f` with each member of object `v` that the dot-joined, non-empty `path` leads into,
/// and the rest of the path after it, until `f` returns true (the answer then). Keys may
/// themselves contain dots: every key that is the path up to a dot (or all of it) leads
/// somewhere.
pub(crate) fn each_step<'e, E: EventJson>(
    v: &'e E,
    path: &str,
    mut f: impl FnMut(&'e E, &str) -> bool,
) -> bool {
    if !v.has_dotted_keys() {
        // The usual case: one key per path segment.
        let (key, rest) = match path.bytes().position(|b| b == b'.') {
            Some(i) => (&path[..i], &path[i + 1..]),
            None => (path, ""),
        };
        return v.member(key).is_some_and(|child| f(child, rest));
    }
    let mut from = 0;
    loop {
        let cut = path[from..].find('.').map_or(path.len(), |i| from + i);
        if let Some(child) = v.member(&path[..cut]) {
            if f(child, path.get(cut + 1..).unwrap_or("")) {
                return true;
            }
        }
        if cut == path.len() {
            return false;
        }
        from = cut + 1;
    }
}

#[cfg(test)]
mod tests;
