//! Values with a known vocabulary (statuses, priorities, kinds): a misspelled one is an error
//! with the nearest valid values, never a filter that silently matches nothing.

use crate::event::KNOWN_KINDS;

pub const STATUSES: &[&str] = &[
    "new", "open", "pending", "hold", "solved", "closed", "deleted", "archived", "scrubbed",
];
pub const PRIORITIES: &[&str] = &["low", "normal", "high", "urgent"];
/// Webhook domains other than tickets (`type:user`, `type:user.created`).
const DOMAINS: &[&str] = &[
    "user",
    "organization",
    "article",
    "community_post",
    "agent",
    "omnichannel_config",
    "messaging_ticket",
    "messaging_live_metrics",
];

/// `None` when `value` is in `vocabulary`, else the message: `no status 'opn' — did you mean open?`.
pub fn check(what: &str, value: &str, vocabulary: &[&str]) -> Option<String> {
    let v = value.to_ascii_lowercase();
    if vocabulary.contains(&v.as_str()) {
        return None;
    }
    Some(unknown(what, value, vocabulary.iter().copied()))
}

/// A kind name (after `kind_name`): a known kind, the start of one (`comment`), another domain's
/// event (`user.created`), `unrecognized`/`malformed`, or a wildcard pattern (`*_changed`) that
/// matches one of those (one that matches none would filter everything out, silently).
pub fn check_kind(value: &str) -> Option<String> {
    let known = KNOWN_KINDS.iter().map(|k| k.as_str());
    let mut names = known
        .clone()
        .chain(DOMAINS.iter().copied())
        .chain(["unrecognized", "malformed"]);
    let ok = if value.contains('*') {
        value.contains('.') || names.any(|name| super::eval::glob(value, name))
    } else {
        value.contains('.')
            || matches!(value, "unrecognized" | "malformed")
            || DOMAINS.contains(&value)
            || KNOWN_KINDS.iter().any(|k| k.as_str().starts_with(value))
    };
    (!ok).then(|| unknown("kind", value, known.chain(DOMAINS.iter().copied())))
}

fn unknown<'a>(what: &str, value: &str, vocabulary: impl Iterator<Item = &'a str>) -> String {
    let all: Vec<&str> = vocabulary.collect();
    let near = nearest(value, &all);
    if near.is_empty() {
        let list = if all.len() <= 10 {
            all.join(", ")
        } else {
            format!("{}, …", all[..8].join(", "))
        };
        format!("no {what} '{value}' (one of: {list})")
    } else {
        format!("no {what} '{value}' — did you mean {}?", near.join(" or "))
    }
}

/// The closest candidates within two edits of `word` (or starting with it), at most three.
pub fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Vec<&'a str> {
    let word = word.to_ascii_lowercase();
    let mut scored: Vec<(usize, &str)> = candidates
        .iter()
        .filter_map(|c| {
            let d = distance(&word, c);
            let close = d <= 2.min(word.chars().count().saturating_sub(1).max(1));
            (close || (word.len() >= 3 && c.starts_with(&word))).then_some((d, *c))
        })
        .collect();
    scored.sort();
    // Only the closest: `staus_changed` is status_changed, not also tags_changed.
    let best = scored.first().map_or(0, |(d, _)| *d);
    scored
        .into_iter()
        .filter(|(d, _)| *d == best)
        .take(3)
        .map(|(_, c)| c)
        .collect()
}

/// Levenshtein distance, with a swap of two neighbours counting one (`staus` → `status`).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspellings_get_the_nearest_values() {
        assert_eq!(
            check("status", "opn", STATUSES).as_deref(),
            Some("no status 'opn' — did you mean open?")
        );
        assert_eq!(check("status", "Solved", STATUSES), None);
        let p = check("priority", "superurgent", PRIORITIES).unwrap_or_default();
        assert!(p.starts_with("no priority 'superurgent'"), "{p}");
        assert!(p.contains("low, normal, high, urgent"), "{p}");
        assert_eq!(
            check_kind("staus_changed").as_deref(),
            Some("no kind 'staus_changed' — did you mean status_changed?")
        );
        for ok in [
            "comment",
            "status_changed",
            "user",
            "user.created",
            "malformed",
            "sla*",
            "*",
            "*_changed",
            "comment_*",
            "user*",
        ] {
            assert_eq!(check_kind(ok), None, "{ok}");
        }
        // A wildcard that matches no kind is an error, not a filter that shows nothing.
        let none = check_kind("xyz*").unwrap_or_default();
        assert!(none.starts_with("no kind 'xyz*'"), "{none}");
        assert_eq!(nearest("emial", &["email", "mail", "web"]), ["email"]);
    }
}
