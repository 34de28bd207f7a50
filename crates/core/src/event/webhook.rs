//! Zendesk webhook events (`zen:event-type:<domain>.<event>`), as relayed onto the bus (reference §4).

use crate::tree::{Shape, View};

use super::decode::{own_time, sequence, snapshot};
use super::{Comment, Format, Kind, TicketEvent, change, json};

pub(super) fn decode<'t>(payload: impl View<'t>, event: &mut TicketEvent) {
    event.format = Format::Webhook;
    let [kind, subject, id, account_id, time, detail, ev] = payload.pick(&[
        "type",
        "subject",
        "id",
        "account_id",
        "time",
        "detail",
        "event",
    ]);
    let full_type = kind.and_then(View::as_str).unwrap_or_default();
    let name = full_type
        .strip_prefix("zen:event-type:")
        .unwrap_or(full_type);
    let (domain, action) = name.split_once('.').unwrap_or((name, ""));

    // `zen:ticket:5158` → ("ticket", "5158")
    let (subject_domain, subject_id) = subject
        .and_then(View::as_str)
        .and_then(|s| s.strip_prefix("zen:"))
        .and_then(|s| s.split_once(':'))
        .unzip();
    // The subject names the ticket when it is `zen:ticket:N`, whatever `detail.id` holds (some
    // event types put a comment's id there).
    let subject_ticket = subject_id
        .filter(|_| subject_domain.is_some_and(|d| d.eq_ignore_ascii_case("ticket")))
        .and_then(|id| json::trimmed(id).parse::<u64>().ok())
        .filter(|&id| id != 0);
    event.subject_id = subject_id.map(str::to_string);

    let domain = domain.to_ascii_lowercase();
    let (ticket, messaging) = (domain == "ticket", domain.starts_with("messaging"));
    event.domain = Some(domain);
    event.envelope.webhook_id = json::string(id);
    event.envelope.webhook_type = Some(full_type.to_string()).filter(|t| !t.is_empty());
    event.envelope.zendesk_account_id = json::id(account_id).or(event.envelope.zendesk_account_id);
    event.occurred_at = own_time(time, event);

    event.actor_id = json::id(detail.and_then(|d| d.get("actor_id")));

    if ticket {
        event.kind = Kind::from_webhook(action);
        event.ticket_id = subject_ticket.or_else(|| json::id(detail.and_then(|d| d.get("id"))));
        if let Some(d) = detail {
            event.ticket = snapshot(d);
        }
    } else {
        event.kind = Kind::Other(name.into());
        event.ticket_id = subject_ticket;
        if messaging {
            // `messaging_ticket.message_added`: the ticket from the subject, else the detail.
            let d = |k: &str| detail.and_then(|d| d.get(k));
            event.ticket_id = event
                .ticket_id
                .or_else(|| json::id(d("ticket_id")))
                .or_else(|| json::id(d("id")));
            message(payload, event);
        }
    }
    if let Some(ev) = ev {
        event.sequence = sequence(json::path(ev, &["meta", "sequence"]));
        change::read(ev, event);
    }
}

/// A messaging event's message: its text, author and conversation, kept as a comment is (and
/// masked as one).
fn message<'t>(payload: impl View<'t>, event: &mut TicketEvent) {
    let ev = payload.get("event");
    let detail = payload.get("detail");
    let holder = [
        ev.and_then(|e| e.get("message")),
        detail.and_then(|d| d.get("message")),
        ev,
    ]
    .into_iter()
    .flatten()
    .find(|m| m.is_object());
    let Some(m) = holder else { return };
    let text = ["body", "text", "content", "plain_body"]
        .iter()
        .find_map(|k| match m.get(k) {
            Some(c) if c.shape() == Shape::Object => {
                json::string(c.get("text")).or_else(|| json::string(c.get("body")))
            }
            other => json::string(other),
        });
    let author = m.get("author").or_else(|| m.get("sender"));
    let conversation = [Some(m), ev, detail]
        .into_iter()
        .flatten()
        .find_map(|v| json::scalar_text(v.get("conversation_id")));
    if text.is_none() && author.is_none() && conversation.is_none() {
        return;
    }
    let author_type = author.and_then(|a| json::enum_lower(a.get("type")));
    event.comment = Some(Comment {
        id: json::id(m.get("id")),
        body: text,
        public: None,
        author_id: json::id(author.and_then(|a| a.get("id")))
            .or_else(|| json::id(author.and_then(|a| a.get("user_id")))),
        author_name: json::string(author.and_then(|a| a.get("display_name")))
            .or_else(|| json::string(author.and_then(|a| a.get("name")))),
        author_is_staff: author_type.map(|t| matches!(t.as_str(), "agent" | "business" | "staff")),
        conversation_id: conversation,
    });
}
