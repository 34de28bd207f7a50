//! The one-line description of what an event changed (`open → solved`, `+vip -new`,
//! `assignee 235323 → 235324`, the start of a comment). Shared by `tail --format text` and the TUI.
//! The text is *not* sanitised here: callers pass it through [`crate::sanitize`] at output.

use super::{Format, Kind, TicketEvent};

/// How many characters of a comment body the summary shows.
const COMMENT_CHARS: usize = 60;

/// The words the summary writes itself (labels, not values from the event): a word search cannot
/// rule an event out from its body alone when the word is part of one of these. Keep in step
/// with the texts below.
pub const OWN_WORDS: &[&str] = &[
    "assignee",
    "group",
    "brand",
    "org",
    "requester",
    "submitter",
    "form",
    "custom status",
    "problem",
    "external id",
    "due",
    "field",
    "user",
    "attachment",
    "(no name)",
    "merged into",
    "via",
    "private",
    "public",
    "by",
    "(no body)",
    "breach at",
    "utc",
    "next sla",
    "csat",
    "message",
];

pub fn summary(e: &TicketEvent) -> String {
    match e.format {
        Format::Malformed | Format::Unrecognized => return e.problem.clone().unwrap_or_default(),
        _ => {}
    }
    let arrow = |label: &str| {
        let prev = e.previous.as_deref().unwrap_or("–");
        let cur = e.current.as_deref().unwrap_or("–");
        if label.is_empty() {
            format!("{prev} → {cur}")
        } else {
            format!("{label} {prev} → {cur}")
        }
    };
    match &e.kind {
        Kind::StatusChanged | Kind::PriorityChanged | Kind::TypeChanged => arrow(""),
        Kind::AgentAssignmentChanged => arrow("assignee"),
        Kind::GroupAssignmentChanged => arrow("group"),
        Kind::BrandChanged => arrow("brand"),
        Kind::OrganizationChanged => arrow("org"),
        Kind::RequesterChanged => arrow("requester"),
        Kind::SubmitterChanged => arrow("submitter"),
        Kind::FormChanged => arrow("form"),
        Kind::CustomStatusChanged => arrow("custom status"),
        Kind::ProblemLinkChanged => arrow("problem"),
        Kind::ExternalIdChanged => arrow("external id"),
        Kind::TaskDueAtChanged => arrow("due"),
        Kind::SubjectChanged | Kind::DescriptionChanged => {
            e.current.as_deref().map(clip).unwrap_or_default()
        }
        Kind::CustomFieldChanged => arrow(e.field.as_deref().unwrap_or("field")),
        Kind::TagsChanged => signed(&e.tags_added, &e.tags_removed),
        Kind::EmailCcsChanged | Kind::FollowersChanged => {
            let added: Vec<String> = e.users_added.iter().map(|u| format!("user {u}")).collect();
            let removed: Vec<String> = e
                .users_removed
                .iter()
                .map(|u| format!("user {u}"))
                .collect();
            signed(&added, &removed)
        }
        Kind::CommentAdded | Kind::CommentMadePrivate | Kind::CommentRedacted => comment(e),
        Kind::AttachmentLinkedToComment | Kind::AttachmentRedactedFromComment => {
            let name = e.attachment.as_ref().and_then(|a| a.filename.as_deref());
            format!("attachment {}", name.unwrap_or("(no name)"))
        }
        Kind::NextSlaBreachChanged => {
            let metric = e.field.as_deref().unwrap_or("next sla");
            match e.current.as_deref().and_then(super::json::parse_timestamp) {
                Some(t) => format!("{metric} breach at {}", t.strftime("%H:%M UTC")),
                None if e.current.is_some() || e.previous.is_some() => arrow(metric),
                None => metric.to_string(),
            }
        }
        Kind::SlaPolicyChanged | Kind::OlaPolicyChanged if e.field.is_some() => {
            arrow(e.field.as_deref().unwrap_or_default())
        }
        Kind::CsatReceived | Kind::CsatRequested => {
            let score = e.current.as_deref().map(|s| format!("csat {s}"));
            let remark = e.comment.as_ref().and_then(|c| c.body.as_deref()).map(clip);
            [score, remark]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(": ")
        }
        Kind::Merged => e
            .current
            .as_deref()
            .map(|t| format!("merged into #{t}"))
            .unwrap_or_default(),
        Kind::Created => {
            let via = e.ticket.channel.as_deref().map(|c| format!("via {c}"));
            let subject = e.ticket.subject.as_deref().map(clip);
            [via, subject]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(": ")
        }
        _ if e.previous.is_some() || e.current.is_some() => match e.field.as_deref() {
            Some(field) => arrow(field),
            None => arrow(""),
        },
        // A messaging event's message.
        _ if e.comment.is_some() => comment(e),
        _ => String::new(),
    }
}

fn signed(added: &[String], removed: &[String]) -> String {
    let plus = added.iter().map(|t| format!("+{t}"));
    let minus = removed.iter().map(|t| format!("-{t}"));
    plus.chain(minus).collect::<Vec<_>>().join(" ")
}

fn comment(e: &TicketEvent) -> String {
    let Some(c) = &e.comment else {
        return String::new();
    };
    let visibility = match c.public {
        Some(false) => "private",
        // A messaging conversation's message is neither.
        None if !matches!(
            e.kind,
            Kind::CommentAdded | Kind::CommentMadePrivate | Kind::CommentRedacted
        ) =>
        {
            "message"
        }
        _ => "public",
    };
    let body = c
        .body
        .as_deref()
        .map(clip)
        .unwrap_or_else(|| "(no body)".into());
    match &c.author_name {
        Some(name) => format!("{visibility} by {name}: {body}"),
        None => format!("{visibility}: {body}"),
    }
}

/// The first characters of a text on one line (whitespace runs folded to one space), in one
/// pass that stops after the characters shown (a comment may be long).
fn clip(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(COMMENT_CHARS * 4 + 4));
    // Characters in `out`, and where its (COMMENT_CHARS - 1)th ends.
    let (mut chars, mut cut) = (0, 0);
    let folded = text
        .split_whitespace()
        .enumerate()
        .flat_map(|(i, word)| (i > 0).then_some(' ').into_iter().chain(word.chars()));
    for c in folded {
        if chars == COMMENT_CHARS {
            // One more than is shown: clipped.
            out.truncate(cut);
            out.push('…');
            break;
        }
        out.push(c);
        chars += 1;
        if chars == COMMENT_CHARS - 1 {
            cut = out.len();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `clip` was: fold every whitespace run, count, then cut.
    fn clip_by_folding(text: &str) -> String {
        let folded: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if folded.chars().count() <= COMMENT_CHARS {
            return folded;
        }
        let mut short: String = folded.chars().take(COMMENT_CHARS - 1).collect();
        short.push('…');
        short
    }

    #[test]
    fn a_clip_is_the_folded_text_cut_after_its_shown_characters() {
        let pieces = [
            "a", "bc", "é", "日本", " ", "  ", "\n", "\t ", "\u{3000}", "word", "🙂",
        ];
        let mut texts: Vec<String> = vec![String::new()];
        // Lengths around the cut, made of every kind of piece, at every offset.
        for n in 0..140 {
            for start in 0..pieces.len() {
                let text: String = (0..n)
                    .map(|i| pieces[(start + i * 7) % pieces.len()])
                    .collect();
                texts.push(text.clone());
                texts.push(format!("  {text} "));
            }
        }
        for len in 55..66 {
            texts.push("x".repeat(len));
            texts.push(format!("{} {}", "x".repeat(len - 2), "y"));
            texts.push(format!("{} ", "x".repeat(len)));
            texts.push(format!("{}  z", "é".repeat(len - 3)));
        }
        for text in &texts {
            assert_eq!(clip(text), clip_by_folding(text), "{text:?}");
        }
    }
}
