//! Incremental aggregates for the dashboard and `zdwatch report`.
//!
//! Events are counted into one bucket per minute of the time the change *happened*
//! (`occurred_at`), so a late or out-of-order arrival lands where it belongs. Adding an event is
//! O(1); a summary adds up the buckets of its window (at most 1,440 for a day), never the events.
//! The caller feeds each event once (after the store's dedupe), so duplicates are not counted.

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt};

use jiff::Timestamp;

use crate::event::{Kind, TicketEvent};

mod lag;
mod tickets;

pub use lag::{LagFigures, LagSamples};
pub use tickets::{TicketStates, Waiting};

/// What ticket creations are broken down by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    Tag,
    Brand,
    Channel,
    Group,
}

#[derive(Clone, Debug, Default)]
struct Bucket {
    total: u64,
    by_kind: HashMap<Kind, u64>,
    created: HashMap<(Dimension, String), u64>,
    transitions: HashMap<(String, String), u64>,
    reopened: HashMap<u64, u64>,
    by_ticket: HashMap<u64, u64>,
}

/// Counts by minute of occurrence.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    minutes: BTreeMap<i64, Bucket>,
    /// Each ticket's latest state (for tickets waiting without an assignee).
    pub tickets: TicketStates,
}

/// The figures of one time window, sorted for display (largest first, ties by name).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    pub total: u64,
    pub by_kind: Vec<(String, u64)>,
    pub created: BTreeMap<Dimension, Vec<(String, u64)>>,
    /// `(from, to)` status pairs and how often the change happened.
    pub transitions: Vec<((String, String), u64)>,
    pub reopens: u64,
    /// Tickets reopened in the window, with how many times.
    pub reopened_tickets: Vec<(u64, u64)>,
    /// Tickets with the most events in the window.
    pub busiest_tickets: Vec<(u64, u64)>,
}

fn minute(t: Timestamp) -> i64 {
    t.as_second().div_euclid(60)
}

impl Stats {
    /// Counts one event (once: the caller skips duplicates).
    pub fn add(&mut self, e: &TicketEvent) {
        self.tickets.add(e);
        let b = self.minutes.entry(minute(e.order_time())).or_default();
        b.total += 1;
        *b.by_kind.entry(e.kind.clone()).or_default() += 1;
        if let Some(ticket) = e.ticket_id {
            *b.by_ticket.entry(ticket).or_default() += 1;
        }
        if e.kind == Kind::Created {
            let t = &e.ticket;
            let mut count = |d: Dimension, v: String| *b.created.entry((d, v)).or_default() += 1;
            for tag in &t.tags {
                count(Dimension::Tag, tag.clone());
            }
            count(
                Dimension::Brand,
                t.brand_id.map_or_else(|| "none".into(), |x| x.to_string()),
            );
            count(
                Dimension::Channel,
                t.channel.clone().unwrap_or_else(|| "none".into()),
            );
            count(
                Dimension::Group,
                t.group_id.map_or_else(|| "none".into(), |x| x.to_string()),
            );
        }
        if e.kind == Kind::StatusChanged {
            if let (Some(from), Some(to)) = (&e.previous, &e.current) {
                *b.transitions.entry((from.clone(), to.clone())).or_default() += 1;
            }
        }
        if e.is_reopen() {
            if let Some(ticket) = e.ticket_id {
                *b.reopened.entry(ticket).or_default() += 1;
            }
        }
    }

    /// Events per minute for the `minutes` minutes ending at `to` (oldest first); one kind or all.
    pub fn per_minute(&self, kind: Option<&Kind>, to: Timestamp, minutes: usize) -> Vec<u64> {
        let last = minute(to);
        let first = last - minutes as i64 + 1;
        let mut out = vec![0; minutes];
        if minutes == 0 {
            return out;
        }
        for (m, b) in self.minutes.range(first..=last) {
            let n = match kind {
                Some(k) => b.by_kind.get(k).copied().unwrap_or(0),
                None => b.total,
            };
            out[usize::try_from(m - first).unwrap_or(0)] = n;
        }
        out
    }

    /// The figures for changes that happened in `[from, to)`, whole minutes.
    pub fn summary(&self, from: Timestamp, to: Timestamp) -> Summary {
        let mut total = 0;
        let mut by_kind: HashMap<&Kind, u64> = HashMap::new();
        let mut created: HashMap<&(Dimension, String), u64> = HashMap::new();
        let mut transitions: HashMap<&(String, String), u64> = HashMap::new();
        let mut reopened: HashMap<u64, u64> = HashMap::new();
        let mut by_ticket: HashMap<u64, u64> = HashMap::new();
        // `range` panics on a reversed range: an empty window sums nothing.
        let (first, end) = (minute(from), minute(to).max(minute(from)));
        for b in self.minutes.range(first..end).map(|(_, b)| b) {
            total += b.total;
            for (k, n) in &b.by_kind {
                *by_kind.entry(k).or_default() += n;
            }
            for (k, n) in &b.created {
                *created.entry(k).or_default() += n;
            }
            for (k, n) in &b.transitions {
                *transitions.entry(k).or_default() += n;
            }
            for (k, n) in &b.reopened {
                *reopened.entry(*k).or_default() += n;
            }
            for (k, n) in &b.by_ticket {
                *by_ticket.entry(*k).or_default() += n;
            }
        }
        let mut by_dimension: BTreeMap<Dimension, Vec<(String, u64)>> = BTreeMap::new();
        for ((d, v), n) in created {
            by_dimension.entry(*d).or_default().push((v.clone(), n));
        }
        for list in by_dimension.values_mut() {
            sort_desc(list);
        }
        Summary {
            total,
            by_kind: sorted(
                by_kind
                    .into_iter()
                    .map(|(k, n)| (k.as_str().to_string(), n)),
            ),
            created: by_dimension,
            transitions: sorted(transitions.into_iter().map(|(k, n)| (k.clone(), n))),
            reopens: reopened.values().sum(),
            reopened_tickets: sorted(reopened),
            busiest_tickets: sorted(by_ticket),
        }
    }

    /// The end of the newest minute holding an event (where a recorded capture's "now" is).
    pub fn newest(&self) -> Option<Timestamp> {
        let (m, _) = self.minutes.last_key_value()?;
        Timestamp::from_second(m.saturating_add(1).saturating_mul(60)).ok()
    }

    /// Forgets the minutes before `t` (bounds memory for a long-running monitor).
    pub fn forget_before(&mut self, t: Timestamp) {
        self.minutes = self.minutes.split_off(&minute(t));
    }
}

fn sorted<K: Ord>(items: impl IntoIterator<Item = (K, u64)>) -> Vec<(K, u64)> {
    let mut v: Vec<(K, u64)> = items.into_iter().collect();
    sort_desc(&mut v);
    v
}

fn sort_desc<K: Ord>(v: &mut [(K, u64)]) {
    v.sort_by(|(ka, a), (kb, b)| b.cmp(a).then_with(|| ka.cmp(kb)));
}

#[cfg(test)]
mod tests;

/// How long tickets took from one state to another: count and percentiles, in seconds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Durations {
    pub count: usize,
    pub p50: Option<i64>,
    pub p90: Option<i64>,
}

impl Durations {
    pub fn of(mut seconds: Vec<i64>) -> Durations {
        seconds.sort_unstable();
        Durations {
            count: seconds.len(),
            p50: percentile(&seconds, 50),
            p90: percentile(&seconds, 90),
        }
    }
}

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[i64], p: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// Time-in-status figures over whole tickets (their events in any order).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimeInStatus {
    /// From a change to `open` to the next change to `solved`, per such span.
    pub open_to_solved: Durations,
    /// From a ticket's creation to its first assignment to an agent.
    pub new_to_first_assignment: Durations,
}

pub fn time_in_status<'a>(events: impl IntoIterator<Item = &'a TicketEvent>) -> TimeInStatus {
    let mut by_ticket: HashMap<u64, Vec<&TicketEvent>> = HashMap::new();
    for e in events {
        if let Some(t) = e.ticket_id {
            by_ticket.entry(t).or_default().push(e);
        }
    }
    let (mut open_solved, mut assign) = (Vec::new(), Vec::new());
    for list in by_ticket.values_mut() {
        list.sort_by_key(|e| e.order_time());
        let mut opened: Option<Timestamp> = None;
        for e in list.iter().filter(|e| e.kind == Kind::StatusChanged) {
            match e.current.as_deref() {
                Some("open") if opened.is_none() => opened = Some(e.order_time()),
                Some("solved") => {
                    if let Some(o) = opened.take() {
                        open_solved.push(e.order_time().duration_since(o).as_secs());
                    }
                }
                _ => {}
            }
        }
        let created = list
            .iter()
            .find(|e| e.kind == Kind::Created)
            .map(|e| e.order_time());
        let assigned = list
            .iter()
            .find(|e| e.kind == Kind::AgentAssignmentChanged && e.current.is_some())
            .map(|e| e.order_time());
        if let (Some(c), Some(a)) = (created, assigned) {
            if a >= c {
                assign.push(a.duration_since(c).as_secs());
            }
        }
    }
    TimeInStatus {
        open_to_solved: Durations::of(open_solved),
        new_to_first_assignment: Durations::of(assign),
    }
}
