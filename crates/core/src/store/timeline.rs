//! A ticket's history: its events in the order they happened (not the order they arrived),
//! grouped by agent action (sequence), the time spent in each status, and its current state.

use jiff::{SignedDuration, Timestamp};

use super::{EventStore, Seq};
use crate::event::{Kind, TicketEvent, TicketSnapshot};

#[derive(Clone, Debug, PartialEq)]
pub struct Timeline {
    pub ticket_id: u64,
    /// Sorted by occurred_at, then sequence id and position; late arrivals land in place.
    pub entries: Vec<Entry>,
    /// `open` for 14m, then `pending` for 2h, then `solved` (until now).
    pub statuses: Vec<StatusPeriod>,
    /// The snapshot with the greatest `updated_at` (a late duplicate cannot roll the state back).
    pub current: TicketSnapshot,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub seq: Seq,
    pub at: Timestamp,
    /// Where this entry stands in a run of events from one agent action.
    pub group: Group,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Alone,
    First,
    Middle,
    Last,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StatusPeriod {
    pub status: String,
    pub from: Timestamp,
    /// `None` for the status the ticket is in now.
    pub duration: Option<SignedDuration>,
}

impl Timeline {
    pub fn build(store: &EventStore, ticket_id: u64) -> Timeline {
        let mut events: Vec<(Seq, TicketEvent)> = store
            .ticket(ticket_id)
            .iter()
            .chain(store.recalled(ticket_id))
            .filter_map(|&s| store.get(s).map(|e| (s, e)))
            .collect();
        events.sort_by(|(sa, a), (sb, b)| {
            fn key(e: &TicketEvent) -> (jiff::Timestamp, Option<&str>, Option<u32>) {
                let seq = e.sequence.as_ref();
                (
                    e.order_time(),
                    seq.map(|s| s.id.as_str()),
                    seq.and_then(|s| s.position),
                )
            }
            key(a).cmp(&key(b)).then(sa.cmp(sb))
        });

        let sequence_of = |i: usize| {
            events
                .get(i)
                .and_then(|(_, e)| e.sequence.as_ref().map(|s| s.id.as_str()))
        };
        let entries = (0..events.len())
            .map(|i| {
                let this = sequence_of(i);
                let joins_prev = i > 0 && this.is_some() && sequence_of(i - 1) == this;
                let joins_next = this.is_some() && sequence_of(i + 1) == this;
                let group = match (joins_prev, joins_next) {
                    (false, false) => Group::Alone,
                    (false, true) => Group::First,
                    (true, true) => Group::Middle,
                    (true, false) => Group::Last,
                };
                Entry {
                    seq: events[i].0,
                    at: events[i].1.order_time(),
                    group,
                }
            })
            .collect();

        Timeline {
            ticket_id,
            entries,
            statuses: status_periods(events.iter().map(|(_, e)| e)),
            current: current_state(events.iter().map(|(_, e)| e)),
        }
    }
}

/// Walks the events in time order; a status starts when the ticket is seen in it and ends at the next change.
fn status_periods<'a>(events: impl Iterator<Item = &'a TicketEvent>) -> Vec<StatusPeriod> {
    let mut periods: Vec<StatusPeriod> = Vec::new();
    for e in events {
        let status = match (&e.kind, e.current.as_deref(), e.ticket.status.as_deref()) {
            (Kind::StatusChanged, Some(to), _) => Some(to),
            (Kind::Created, _, Some(s)) => Some(s),
            (_, _, Some(s)) if periods.is_empty() => Some(s),
            _ => None,
        };
        let Some(status) = status else { continue };
        if periods.last().is_some_and(|p| p.status == status) {
            continue;
        }
        let at = e.order_time();
        if let Some(last) = periods.last_mut() {
            last.duration = Some(at.duration_since(last.from));
        }
        periods.push(StatusPeriod {
            status: status.to_string(),
            from: at,
            duration: None,
        });
    }
    periods
}

fn current_state<'a>(events: impl Iterator<Item = &'a TicketEvent>) -> TicketSnapshot {
    let mut best: Option<&TicketEvent> = None;
    let mut subject_changes: Vec<String> = Vec::new();
    for e in events {
        if e.kind == Kind::SubjectChanged {
            subject_changes.extend(e.current.clone());
        }
        let key = |e: &TicketEvent| {
            (
                e.ticket.updated_at.is_some(),
                e.ticket.updated_at.unwrap_or(e.order_time()),
            )
        };
        if best.is_none_or(|b| key(e) >= key(b)) {
            best = Some(e);
        }
    }
    let mut state = best.map(|e| e.ticket.clone()).unwrap_or_default();
    // Legacy snapshots carry no subject: the latest subject change (events are in time order) tells it.
    if state.subject.is_none() {
        state.subject = subject_changes.last().cloned();
    }
    state
}

/// `14m`, `2h 5m`, `3d 4h`, `45s`.
pub fn short_duration(d: SignedDuration) -> String {
    let secs = d.as_secs().max(0);
    let (days, hours, minutes) = (secs / 86400, secs % 86400 / 3600, secs % 3600 / 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{secs}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Received, decode};

    fn status(
        id: &str,
        at: &str,
        from: &str,
        to: &str,
        seq: Option<(&str, u32)>,
        updated: &str,
    ) -> TicketEvent {
        let meta = seq.map_or(String::new(), |(s, p)| {
            format!(r#","meta":{{"sequence":{{"id":"{s}","position":{p}}}}}"#)
        });
        let body = format!(
            r#"{{"type":"zen:event-type:ticket.status_changed","id":"{id}","time":"{at}","detail":{{"id":"7","status":"{to}","updated_at":"{updated}"}},"event":{{"previous":"{from}","current":"{to}"{meta}}}}}"#
        );
        decode(Received {
            body: body.into_bytes(),
            message_id: None,
            received_at: Timestamp::UNIX_EPOCH,
        })
    }

    #[test]
    fn late_arrivals_are_placed_by_time_and_statuses_get_durations() {
        let mut store = EventStore::new(100);
        // Arrive out of order: solved first, then the earlier changes.
        store.insert(&status(
            "c",
            "2026-01-01T12:14:00Z",
            "pending",
            "solved",
            None,
            "2026-01-01T12:14:00Z",
        ));
        store.insert(&status(
            "a",
            "2026-01-01T10:00:00Z",
            "new",
            "open",
            None,
            "2026-01-01T10:00:00Z",
        ));
        store.insert(&status(
            "b",
            "2026-01-01T10:14:00Z",
            "open",
            "pending",
            None,
            "2026-01-01T10:14:00Z",
        ));
        let t = Timeline::build(&store, 7);
        assert_eq!(
            t.entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
            vec![1, 2, 0]
        );
        let summary: Vec<(String, Option<String>)> = t
            .statuses
            .iter()
            .map(|p| (p.status.clone(), p.duration.map(short_duration)))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("open".into(), Some("14m".into())),
                ("pending".into(), Some("2h".into())),
                ("solved".into(), None)
            ]
        );
        assert_eq!(t.current.status.as_deref(), Some("solved"));
    }

    #[test]
    fn a_late_duplicate_state_does_not_roll_the_current_state_back() {
        let mut store = EventStore::new(100);
        store.insert(&status(
            "new",
            "2026-01-01T11:00:00Z",
            "open",
            "solved",
            None,
            "2026-01-01T11:00:00Z",
        ));
        // Arrives later, happened earlier.
        store.insert(&status(
            "old",
            "2026-01-01T10:00:00Z",
            "new",
            "open",
            None,
            "2026-01-01T10:00:00Z",
        ));
        assert_eq!(
            Timeline::build(&store, 7).current.status.as_deref(),
            Some("solved")
        );
    }

    #[test]
    fn events_of_one_action_are_grouped() {
        let mut store = EventStore::new(100);
        let at = "2026-01-01T10:00:00Z";
        store.insert(&status("x2", at, "new", "open", Some(("S", 2)), at));
        store.insert(&status("x1", at, "new", "open", Some(("S", 1)), at));
        store.insert(&status(
            "y",
            "2026-01-01T10:05:00Z",
            "open",
            "solved",
            None,
            at,
        ));
        let t = Timeline::build(&store, 7);
        let groups: Vec<Group> = t.entries.iter().map(|e| e.group).collect();
        assert_eq!(groups, vec![Group::First, Group::Last, Group::Alone]);
        assert_eq!(t.entries[0].seq, 1, "position 1 first");
    }

    #[test]
    fn durations_read_short() {
        let cases = [
            (45, "45s"),
            (14 * 60, "14m"),
            (7200, "2h"),
            (7500, "2h 5m"),
            (86400 * 3 + 3600 * 4, "3d 4h"),
            (86400, "1d"),
        ];
        for (secs, want) in cases {
            assert_eq!(short_duration(SignedDuration::from_secs(secs)), want);
        }
    }

    #[test]
    fn a_legacy_ticket_gets_its_subject_from_subject_changes() {
        let mut store = EventStore::new(100);
        for name in ["legacy/status_changed.json", "legacy/subject_changed.json"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../assets/samples")
                .join(name);
            let body = std::fs::read(path).unwrap();
            store.insert(&decode(Received {
                body,
                message_id: None,
                received_at: Timestamp::UNIX_EPOCH,
            }));
        }
        let t = Timeline::build(&store, 35436);
        assert_eq!(t.current.subject.as_deref(), Some("Cannot log in"));
    }
}
