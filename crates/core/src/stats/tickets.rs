//! Each ticket's latest known state, kept as events arrive, for "longest waiting without an
//! assignee". Only the newest event (by occurred_at) of a ticket decides its state, so a late
//! arrival of an older event cannot roll a ticket back.

use foldhash::HashMap;

use jiff::Timestamp;

use crate::event::{Kind, TicketEvent};

#[derive(Clone, Debug)]
struct TicketNow {
    /// The time of the newest event applied.
    at: Timestamp,
    status: Option<String>,
    assigned: bool,
    /// Since when the ticket has had its current status (at least: first seen with it).
    status_since: Timestamp,
}

/// A ticket waiting in new/open with nobody assigned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    pub ticket: u64,
    pub status: String,
    pub since: Timestamp,
}

#[derive(Clone, Debug, Default)]
pub struct TicketStates {
    tickets: HashMap<u64, TicketNow>,
}

impl TicketStates {
    pub fn add(&mut self, e: &TicketEvent) {
        let Some(id) = e.ticket_id else { return };
        let at = e.order_time();
        let status = e.ticket.status.clone();
        // When the status began: a status change says so; a creation began at created_at.
        let began = match e.kind {
            Kind::Created => e.ticket.created_at.unwrap_or(at).min(at),
            _ => at,
        };
        let assigned = e.ticket.assignee_id.is_some();
        match self.tickets.get_mut(&id) {
            None => {
                self.tickets.insert(
                    id,
                    TicketNow {
                        at,
                        status,
                        assigned,
                        status_since: began,
                    },
                );
            }
            Some(t) if at >= t.at => {
                t.at = at;
                t.assigned = assigned;
                if status.is_some() && status != t.status {
                    t.status = status;
                    t.status_since = began;
                }
            }
            // An older event arriving late: it can only tell when the current status began.
            Some(t) => {
                if status.is_some() && status == t.status && began < t.status_since {
                    t.status_since = began;
                }
            }
        }
    }

    /// Tickets in new or open without an assignee, longest waiting first, at most `limit`.
    pub fn waiting_unassigned(&self, limit: usize) -> Vec<Waiting> {
        let mut out: Vec<Waiting> = self
            .tickets
            .iter()
            .filter(|(_, t)| !t.assigned && matches!(t.status.as_deref(), Some("new" | "open")))
            .map(|(id, t)| Waiting {
                ticket: *id,
                status: t.status.clone().unwrap_or_default(),
                since: t.status_since,
            })
            .collect();
        out.sort_by(|a, b| a.since.cmp(&b.since).then(a.ticket.cmp(&b.ticket)));
        out.truncate(limit);
        out
    }

    pub fn len(&self) -> usize {
        self.tickets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tickets.is_empty()
    }
}
