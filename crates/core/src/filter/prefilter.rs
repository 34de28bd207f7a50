//! A cheap look at a raw body before it is decoded: which bodies cannot match a filter because
//! they lack text every match must contain. `status:open->solved` needs `open` and `solved`
//! somewhere in the body, `#35436` needs `35436`, `tag:vip` needs `vip` (ASCII, any case).
//!
//! The answer is only ever "cannot match" or "decode and see", never a wrong "cannot": a body
//! with a `\u` escape, or with one of the two non-ASCII letters whose lower case is ASCII (Kelvin
//! sign, dotted capital I), is always decoded; literals are only taken from values that JSON
//! writes as they are (no quote, backslash or slash, ASCII); negations, kinds, channels, times
//! and text search require nothing. Numbers: an id's digits appear in the body however the number
//! is written (`35436`, `"35436"`, `35436.0`, `zen:ticket:35436`, `3.5436e4` as `3.5436`); the
//! one form not found is a number of more than 17 significant digits that rounds to the id.

mod literals;

use literals::Literals;

use super::{Expr, Filter, Term};

/// What a body must contain for a filter to have a chance.
#[derive(Clone, Debug)]
pub struct Prefilter {
    need: Option<Need>,
    /// `\u`, built once.
    escape: memchr::memmem::Finder<'static>,
}

#[derive(Clone, Debug)]
enum Need {
    /// Each of these, looked for in order (the likeliest to be missing first).
    All(Vec<Need>),
    Any(Vec<Need>),
    /// Any of these literals (ASCII, any case).
    Text(Literals),
}

impl Prefilter {
    pub fn new(filter: &Filter) -> Prefilter {
        Prefilter {
            need: filter.expr.as_ref().and_then(need),
            escape: memchr::memmem::Finder::new(b"\\u"),
        }
    }

    /// Whether the body is worth decoding: false only when no event decoded from it can match.
    pub fn may_match(&self, body: &[u8]) -> bool {
        let Some(need) = &self.need else {
            return true;
        };
        // The text found, or a body where the literal search could miss it.
        need.found(body) || self.unsafe_text(body)
    }

    /// Text that makes the literal search unsafe: a `\u` escape, or a letter whose lower case is
    /// ASCII (Kelvin sign, dotted capital I).
    fn unsafe_text(&self, body: &[u8]) -> bool {
        const KELVIN: &[u8] = "\u{212A}".as_bytes();
        const DOTTED_I: &[u8] = "\u{130}".as_bytes();
        self.escape.find(body).is_some()
            || memchr::memchr2_iter(KELVIN[0], DOTTED_I[0], body)
                .any(|at| body[at..].starts_with(KELVIN) || body[at..].starts_with(DOTTED_I))
    }
}

impl Need {
    fn found(&self, body: &[u8]) -> bool {
        match self {
            Need::All(all) => all.iter().all(|n| n.found(body)),
            Need::Any(any) => any.iter().any(|n| n.found(body)),
            Need::Text(literals) => literals.found(body),
        }
    }

    /// The length of the shortest text that meets it: the longer, the less likely a body has it.
    fn shortest(&self) -> usize {
        match self {
            Need::All(all) => all.iter().map(Need::shortest).max().unwrap_or(0),
            Need::Any(any) => any.iter().map(Need::shortest).min().unwrap_or(0),
            Need::Text(literals) => literals.shortest(),
        }
    }
}

fn need(expr: &Expr) -> Option<Need> {
    match expr {
        Expr::And(parts) => {
            let mut all: Vec<Need> = parts.iter().filter_map(need).collect();
            all.sort_by_key(|n| std::cmp::Reverse(n.shortest()));
            match all.len() {
                0 => None,
                1 => all.pop(),
                _ => Some(Need::All(all)),
            }
        }
        // Either side may match without text: then nothing is needed.
        Expr::Or(parts) => parts
            .iter()
            .map(need)
            .collect::<Option<Vec<Need>>>()
            .map(Need::Any),
        Expr::Not(_) => None,
        Expr::Term(term) => term_need(term),
    }
}

fn term_need(term: &Term) -> Option<Need> {
    let words = |values: &[String]| text(values.iter().map(String::as_str));
    match term {
        Term::Transition { from, to } => {
            let mut sides: Vec<Need> = [from, to]
                .into_iter()
                .filter_map(|side| side.as_deref().and_then(words))
                .collect();
            sides.sort_by_key(|n| std::cmp::Reverse(n.shortest()));
            (!sides.is_empty()).then_some(Need::All(sides))
        }
        Term::Reopened => Some(Need::All(vec![
            text(["solved", "closed"].into_iter())?,
            text(["open", "new"].into_iter())?,
        ])),
        Term::Status(values) | Term::Priority(values) => words(values),
        // On the ticket, added or removed: the tag is in the body as it is.
        Term::Tag(_, patterns) => {
            // The longest part without a wildcard must be there.
            let parts: Vec<&str> = patterns
                .iter()
                .map(|p| p.split('*').max_by_key(|s| s.len()).unwrap_or(""))
                .collect();
            text(parts.into_iter())
        }
        Term::Ticket(ids) => numbers(ids.iter().map(|id| Some(*id))),
        Term::Id(_, ids) => numbers(ids.iter().copied()),
        _ => None,
    }
}

/// Every way the digits of `ids` can be written in a JSON number or string (a dot anywhere).
fn numbers(ids: impl Iterator<Item = Option<u64>>) -> Option<Need> {
    let mut forms = Vec::new();
    for id in ids {
        // `none` is met by an absent field: no text.
        let digits = id?.to_string();
        for dot in 1..digits.len() {
            forms.push(format!("{}.{}", &digits[..dot], &digits[dot..]));
        }
        forms.push(digits);
    }
    text(forms.iter().map(String::as_str))
}

/// Any of `literals`, when every one of them is written as-is in JSON; else nothing is needed.
fn text<'a>(literals: impl Iterator<Item = &'a str>) -> Option<Need> {
    let literals: Vec<&str> = literals.collect();
    let plain = |s: &&str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\\' | b'/') || b == b' ')
    };
    if literals.is_empty() || !literals.iter().all(plain) {
        return None;
    }
    Literals::new(&literals).map(Need::Text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn may(filter: &str, body: &str) -> bool {
        let f = Filter::parse(filter).unwrap_or_else(|e| panic!("{e}"));
        Prefilter::new(&f).may_match(body.as_bytes())
    }

    #[test]
    fn bodies_without_the_needed_text_are_skipped() {
        let body = r#"{"detail":{"type":"zen:event-type:ticket.status_changed","event":{"previous":"OPEN","current":"PENDING"},"detail":{"id":"35436","tags":["vip"]}}}"#;
        assert!(may("status:open->pending", body));
        assert!(!may("status:open->solved", body));
        assert!(may("status:*->pending", body));
        assert!(may("#35436", body));
        assert!(!may("#35437", body));
        assert!(may("tag:VIP", body), "any case");
        assert!(may("tag:v*", body));
        assert!(!may("tag:payment_*", body));
        assert!(!may("priority:urgent", body));
        assert!(!may("reopened", body), "no solved or closed");
        assert!(may("-tag:payment_failed", body), "negations need nothing");
        assert!(may("tag:payment_failed or type:status_changed", body));
        assert!(!may("tag:payment_failed or #1", body));
        assert!(may("assignee:none", body));
        assert!(
            may("refund", body),
            "text search needs nothing (summaries are made up)"
        );
        assert!(may("", body));
    }

    #[test]
    fn numbers_are_found_however_they_are_written() {
        for written in [
            "35436",
            "\"35436\"",
            "35436.0",
            "3.5436e4",
            "354.36E2",
            "\"zen:ticket:35436\"",
        ] {
            let body = format!(r#"{{"ticket":{{"id":{written}}}}}"#);
            assert!(may("#35436", &body), "{written}");
        }
        assert!(!may("#35436", r#"{"ticket":{"id":35437}}"#));
    }

    #[test]
    fn escapes_and_case_folding_into_ascii_mean_decode() {
        assert!(may("tag:vip", r#"{"tags":["\u0076ip"]}"#));
        assert!(may("tag:kelvin", "{\"tags\":[\"\u{212A}elvin\"]}"));
        assert!(may("tag:in", "{\"tags\":[\"\u{130}n\"]}"));
        assert!(!may("tag:vip", r#"{"tags":["v\nip"]}"#));
        // Values JSON may escape are not looked for at all.
        assert!(may("tag:a/b", r#"{"tags":["a\/b"]}"#));
    }
}
