//! The retired Zendesk Events Connector: `detail.ticket_event` (reference §2).

use crate::tree::View;

use super::decode::{own_time, sequence, snapshot};
use super::{Format, Kind, TicketEvent, change, json};

pub(super) fn decode<'t>(te: impl View<'t>, event: &mut TicketEvent) {
    event.format = Format::Legacy;
    event.domain = Some("ticket".into());
    event.kind = match json::string(te.get("type")) {
        Some(t) => Kind::from_legacy(&t),
        None => Kind::Other("(no type)".into()),
    };

    let meta = te.get("meta");
    event.occurred_at = own_time(meta.and_then(|m| m.get("occurred_at")), event);
    event.actor_id = json::id(meta.and_then(|m| m.get("actor_id")));
    event.sequence = sequence(meta.and_then(|m| m.get("sequence")));

    if let Some(ticket) = te.get("ticket") {
        event.ticket = snapshot(ticket);
        event.ticket_id = json::id(ticket.get("id"));
    }
    change::read(te, event);
}
