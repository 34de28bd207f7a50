//! The retired Zendesk Events Connector: `detail.ticket_event` (reference §2).

use crate::tree::View;

use super::decode::{own_time, sequence, snapshot};
use super::{Format, Kind, TicketEvent, change, json};

pub(super) fn decode<'t>(te: impl View<'t>, event: &mut TicketEvent) {
    event.format = Format::Legacy;
    event.domain = Some("ticket".into());
    let [kind, meta, ticket] = te.pick(&["type", "meta", "ticket"]);
    event.kind = match kind.and_then(View::as_str).filter(|t| !t.is_empty()) {
        Some(t) => Kind::from_legacy(t),
        None => Kind::Other("(no type)".into()),
    };

    let [occurred_at, actor_id, sequence_at] = match meta {
        Some(m) => m.pick(&["occurred_at", "actor_id", "sequence"]),
        None => [None; 3],
    };
    event.occurred_at = own_time(occurred_at, event);
    event.actor_id = json::id(actor_id);
    event.sequence = sequence(sequence_at);

    if let Some(ticket) = ticket {
        event.ticket = snapshot(ticket);
        event.ticket_id = json::id(ticket.get("id"));
    }
    change::read(te, event);
}
