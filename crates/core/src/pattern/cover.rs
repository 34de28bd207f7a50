//! Whether one pattern lets through everything another one does: an EventBridge archive with a
//! pattern of its own holds the history a rule wants only when the archive's pattern covers the
//! rule's. Deciding that exactly is hard (operators overlap in many ways), so this answers
//! conservatively: `true` only when it can show that every event the rule matches is matched by
//! the archive too; `false` means "not shown", never "shown not to".

use super::compile::{Cond, Field};
use super::event::Leaf;
use super::matcher::Matcher;

/// Every event that `inner` matches is matched by `outer` (as far as can be shown).
pub fn covers(outer: &Cond, inner: &Cond) -> bool {
    // Each alternative the inner pattern stands for (its `$or`s multiplied out: EventBridge
    // limits those to 1,000) must satisfy the outer pattern.
    super::arrays::alternatives(inner)
        .iter()
        .all(|fields| holds(outer, fields))
}

/// Whatever satisfies all of `fields` satisfies `outer`.
fn holds(outer: &Cond, fields: &[Field]) -> bool {
    match outer {
        Cond::All(conds) => conds.iter().all(|c| holds(c, fields)),
        // One outer alternative holding is enough (sufficient, not necessary).
        Cond::Any(branches) => branches.iter().any(|b| holds(b, fields)),
        Cond::Field(f) => fields
            .iter()
            .any(|g| g.path == f.path && field_within(g, f)),
    }
}

/// Every value (or absence) `g` accepts on the path, `f` accepts too.
fn field_within(g: &Field, f: &Field) -> bool {
    if g.absent_ok && !f.absent_ok {
        return false;
    }
    g.matchers
        .iter()
        .filter(|m| !matches!(m, Matcher::Exists(false)))
        .all(|m| matcher_within(m, f))
}

fn matcher_within(m: &Matcher, f: &Field) -> bool {
    // `exists: true` on the outer side takes any value present.
    if f.matchers.contains(&Matcher::Exists(true)) {
        return true;
    }
    if f.matchers.contains(m) {
        return true;
    }
    let number;
    let leaf = match m {
        Matcher::String(s) => Leaf::String(s),
        Matcher::Bool(b) => Leaf::Bool(*b),
        Matcher::Null => Leaf::Null,
        Matcher::Number { text, .. } => match serde_json::from_str::<serde_json::Number>(text) {
            Ok(n) => {
                number = n;
                Leaf::Number(&number)
            }
            Err(_) => return false,
        },
        // A prefix accepts only strings that start with it: an outer prefix it starts with
        // accepts them all.
        Matcher::Prefix(p) => {
            return f
                .matchers
                .iter()
                .any(|o| matches!(o, Matcher::Prefix(q) if p.starts_with(q.as_str())));
        }
        _ => return false,
    };
    f.matchers
        .iter()
        .any(|o| !matches!(o, Matcher::Exists(_)) && o.matches(leaf))
}

#[cfg(test)]
mod tests {
    use crate::pattern::Pattern;

    fn covers(outer: &str, inner: &str) -> bool {
        let (o, i) = (
            Pattern::compile(outer).unwrap(),
            Pattern::compile(inner).unwrap(),
        );
        super::covers(o.root(), i.root())
    }

    const ZDWATCH: &str = r#"{"$or": [{"source": [{"prefix": "aws.partner/zendesk.com"}]}, {"detail-type": [{"prefix": "zen:event-type:"}]}]}"#;

    #[test]
    fn a_pattern_covers_itself_and_anything_narrower() {
        assert!(covers(ZDWATCH, ZDWATCH));
        assert!(covers(
            r#"{"source": [{"prefix": "aws.partner/zendesk.com"}]}"#,
            r#"{"source": ["aws.partner/zendesk.com/123/default"], "detail-type": ["Support Ticket: Status Changed"]}"#,
        ));
        assert!(covers(
            r#"{"detail-type": [{"prefix": "zen:"}]}"#,
            r#"{"detail-type": [{"prefix": "zen:event-type:ticket."}]}"#,
        ));
        assert!(covers(
            r#"{"detail": {"status": [{"exists": true}]}}"#,
            r#"{"detail": {"status": ["open", "solved"]}}"#,
        ));
        assert!(covers(
            r#"{"detail": {"priority": [{"numeric": [">", 1]}]}}"#,
            r#"{"detail": {"priority": [2, 3]}}"#,
        ));
        // Each alternative of the inner pattern is covered by one of the outer's.
        assert!(covers(
            r#"{"$or": [{"detail-type": [{"prefix": "zen:"}]}, {"source": [{"prefix": "aws.partner/"}]}]}"#,
            ZDWATCH,
        ));
    }

    #[test]
    fn what_lets_something_through_that_the_outer_does_not_is_not_covered() {
        // The archive keeps only one event type: the rule wants every Zendesk event.
        assert!(!covers(
            r#"{"detail-type": ["Support Ticket: Status Changed"]}"#,
            ZDWATCH
        ));
        // Half of the alternatives only.
        assert!(!covers(
            r#"{"source": [{"prefix": "aws.partner/zendesk.com"}]}"#,
            ZDWATCH
        ));
        // A narrower prefix.
        assert!(!covers(
            r#"{"detail-type": [{"prefix": "zen:event-type:ticket."}]}"#,
            r#"{"detail-type": [{"prefix": "zen:"}]}"#,
        ));
        // The inner does not constrain the field at all.
        assert!(!covers(
            r#"{"detail": {"status": ["open"]}}"#,
            r#"{"source": ["x"]}"#
        ));
        // A missing field is let through by the inner only.
        assert!(!covers(
            r#"{"detail": {"status": ["open"]}}"#,
            r#"{"detail": {"status": ["open", {"exists": false}]}}"#,
        ));
        // Operators it cannot compare are not claimed to be covered.
        assert!(!covers(
            r#"{"detail": {"status": [{"anything-but": "closed"}]}}"#,
            r#"{"detail": {"status": [{"suffix": "ed"}]}}"#,
        ));
    }
}
