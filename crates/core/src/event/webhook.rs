//! Zendesk webhook events (`zen:event-type:<domain>.<event>`), as relayed onto the bus (reference §4).

use serde_json::Value;

use super::decode::{sequence, snapshot};
use super::{Format, Kind, TicketEvent, change, json};

pub(super) fn decode(payload: &Value, event: &mut TicketEvent) {
    event.format = Format::Webhook;
    let full_type = payload
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let name = full_type
        .strip_prefix("zen:event-type:")
        .unwrap_or(full_type);
    let (domain, action) = name.split_once('.').unwrap_or((name, ""));

    // `zen:ticket:5158` → ("ticket", "5158")
    let subject = json::string(payload.get("subject"));
    let subject_id = subject
        .as_deref()
        .and_then(|s| s.strip_prefix("zen:"))
        .and_then(|s| s.split_once(':'))
        .map(|(_, id)| id.to_string());

    event.domain = Some(domain.to_ascii_lowercase());
    event.subject_id = subject_id.clone();
    event.envelope.webhook_id = json::string(payload.get("id"));
    event.envelope.zendesk_account_id =
        json::id(payload.get("account_id")).or(event.envelope.zendesk_account_id);
    event.occurred_at = json::timestamp(payload.get("time"));

    let detail = payload.get("detail");
    event.actor_id = json::id(detail.and_then(|d| d.get("actor_id")));

    if !domain.eq_ignore_ascii_case("ticket") {
        event.kind = Kind::Other(name.into());
        return;
    }

    event.kind = Kind::from_webhook(action);
    event.ticket_id = json::id(detail.and_then(|d| d.get("id")))
        .or_else(|| subject_id.and_then(|s| s.parse().ok()));
    if let Some(d) = detail {
        event.ticket = snapshot(d);
    }
    if let Some(ev) = payload.get("event") {
        event.sequence = sequence(json::path(ev, &["meta", "sequence"]));
        change::read(ev, event);
    }
}
