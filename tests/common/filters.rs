//! Filters made of an event's own values (so that many match), alone and combined: for the tests
//! that check two ways of filtering agree (the prefilter, the compact store).

use zdwatch_core::event::TicketEvent;

pub fn from_event(e: &TicketEvent) -> Vec<String> {
    let mut f = vec!["reopened".to_string(), "status:solved,closed->open".into()];
    if let Some(t) = e.ticket_id {
        f.push(format!("#{t}"));
        f.push(format!("ticket:{},{}", t + 1, t));
    }
    // A status change's values are statuses (other changes' are ids, priorities, …).
    if let (Some(p), Some(c), true) = (&e.previous, &e.current, e.kind.as_str() == "status_changed")
    {
        f.push(format!("status:{p}->{c}"));
        f.push(format!("status:*->{c} -tag:nothing"));
    }
    if let Some(s) = &e.ticket.status {
        f.push(format!("status:{s}"));
    }
    if let Some(p) = &e.ticket.priority {
        f.push(format!("priority:{p} or #1"));
    }
    if let Some(tag) = e.ticket.tags.first() {
        f.push(format!("tag:{tag}"));
        f.push(format!("tag:{}*", &tag[..tag.len().min(3)]));
    }
    if let Some(tag) = e.tags_added.first() {
        f.push(format!("tag+:{tag}"));
    }
    if let Some(g) = e.ticket.group_id {
        f.push(format!("group:{g} (type:status_changed or tag:vip)"));
    }
    if let Some(a) = e.actor_id {
        f.push(format!("actor:{a}"));
    }
    f
}
