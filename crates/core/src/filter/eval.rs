//! Evaluating a parsed filter against one event (decoded, or as the monitor holds it).

use jiff::Timestamp;

use super::{Expr, Fields, Term, When};

pub(super) fn eval<E: Fields + ?Sized>(expr: &Expr, e: &E, now: Timestamp) -> bool {
    match expr {
        Expr::And(all) => all.iter().all(|x| eval(x, e, now)),
        Expr::Or(any) => any.iter().any(|x| eval(x, e, now)),
        Expr::Not(x) => !eval(x, e, now),
        Expr::Term(t) => term(t, e, now),
    }
}

fn term<E: Fields + ?Sized>(t: &Term, e: &E, now: Timestamp) -> bool {
    let one_of = |values: &[String], v: Option<&str>| {
        v.is_some_and(|v| values.iter().any(|x| x.eq_ignore_ascii_case(v)))
    };
    match t {
        Term::Kind(names) => {
            let kind = e.kind_name();
            names.iter().any(|n| {
                if n.contains('*') {
                    glob(n, kind)
                } else {
                    kind.eq_ignore_ascii_case(n) || starts_with_ignore_case(kind, n)
                }
            })
        }
        Term::Transition { from, to } => {
            e.is_status_change()
                && from.as_ref().is_none_or(|f| one_of(f, e.previous()))
                && to.as_ref().is_none_or(|t| one_of(t, e.current()))
        }
        Term::Status(values) => one_of(values, e.status()),
        Term::Tag(scope, patterns) => {
            e.any_tag(*scope, &mut |tag| patterns.iter().any(|p| glob(p, tag)))
        }
        Term::Ticket(ids) => e.ticket_id().is_some_and(|id| ids.contains(&id)),
        Term::Priority(values) => one_of(values, e.priority()),
        Term::Id(field, ids) => ids.contains(&e.id(*field)),
        // `none` is an unset channel (as the dashboard and report count it).
        Term::Channel(values) => values.iter().any(|v| match e.channel() {
            Some(c) => glob(v, c),
            None => v == "none",
        }),
        Term::Format(formats) => formats.contains(&e.format()),
        Term::Source(names) => e.source().is_some_and(|s| names.iter().any(|n| glob(n, s))),
        Term::Reopened => e.is_reopen(),
        Term::Since(d) => now
            .checked_sub(*d)
            .is_ok_and(|start| e.order_time() >= start),
        Term::From(t) => e.order_time() >= *t,
        Term::Until(When::At(t)) => e.order_time() < *t,
        Term::Until(When::Ago(d)) => now.checked_sub(*d).is_ok_and(|end| e.order_time() < end),
        Term::Text(word) => e.contains_text(word),
    }
}
fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// Case-insensitive match with `*` standing for any run of characters.
pub(super) fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.to_lowercase(), text.to_lowercase());
    if !p.contains('*') {
        return p == t;
    }
    let parts: Vec<&str> = p.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !t.starts_with(first)
        || !t[first.len()..].ends_with(last)
        || t.len() < first.len() + last.len()
    {
        return false;
    }
    let mut rest = &t[first.len()..t.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}
