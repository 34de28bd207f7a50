//! The in-memory event store the TUI shows: events in arrival order, each with a sequence
//! number that never changes, an index by ticket, and a bound on how many are kept.

use std::collections::{HashMap, VecDeque};

use super::Dedupe;
use crate::event::{Format, TicketEvent};

/// Position of an event in arrival order; stays valid (and unique) after older events are evicted.
pub type Seq = u64;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub total: u64,
    pub duplicates: u64,
    pub malformed: u64,
    pub unrecognized: u64,
    pub evicted: u64,
}

pub struct EventStore {
    events: VecDeque<TicketEvent>,
    first: Seq,
    by_ticket: HashMap<u64, Vec<Seq>>,
    capacity: usize,
    dedupe: Dedupe,
    counters: Counters,
    /// User names learnt from comment authors, to show names instead of ids.
    names: HashMap<u64, String>,
    /// Events of a ticket read back from the journal for its timeline (they left memory, or were
    /// never loaded): numbered from [`RECALLED`] up, never part of the stream.
    recalled: HashMap<Seq, TicketEvent>,
    recalled_by_ticket: HashMap<u64, Vec<Seq>>,
    next_recalled: Seq,
}

/// Where the numbers of recalled events start (far above any arrival number).
pub const RECALLED: Seq = 1 << 62;

/// At most this many recalled events are kept (those of other tickets go first).
const RECALL_CAP: usize = 20_000;

impl EventStore {
    pub fn new(capacity: usize) -> Self {
        EventStore {
            events: VecDeque::new(),
            first: 0,
            by_ticket: HashMap::new(),
            capacity: capacity.max(1),
            dedupe: Dedupe::new(Dedupe::DEFAULT_CAPACITY.max(capacity)),
            counters: Counters::default(),
            names: HashMap::new(),
            recalled: HashMap::new(),
            recalled_by_ticket: HashMap::new(),
            next_recalled: RECALLED,
        }
    }

    /// Makes room for `additional` more events at once (loading history), up to the capacity.
    pub fn reserve(&mut self, additional: usize) {
        let room = additional.min(self.capacity.saturating_sub(self.events.len()));
        self.events.reserve(room);
        self.dedupe.reserve(room);
    }

    /// Adds an event unless its id was seen before; returns its sequence number.
    pub fn insert(&mut self, event: TicketEvent) -> Option<Seq> {
        if self.dedupe.is_duplicate(&event.event_id) {
            self.counters.duplicates += 1;
            return None;
        }
        self.dedupe.insert(&event.event_id);
        let seq = self.next_seq();
        self.counters.total += 1;
        match event.format {
            Format::Malformed => self.counters.malformed += 1,
            Format::Unrecognized => self.counters.unrecognized += 1,
            _ => {}
        }
        if let Some(ticket) = event.ticket_id {
            self.by_ticket.entry(ticket).or_default().push(seq);
        }
        if let Some(c) = &event.comment {
            if let (Some(id), Some(name)) = (c.author_id, &c.author_name) {
                if self.names.get(&id) != Some(name) {
                    self.names.insert(id, name.clone());
                }
            }
        }
        self.events.push_back(event);
        if self.events.len() > self.capacity {
            self.evict_oldest();
        }
        Some(seq)
    }

    fn evict_oldest(&mut self) {
        if let Some(old) = self.events.pop_front() {
            if let Some(ticket) = old.ticket_id {
                if let Some(seqs) = self.by_ticket.get_mut(&ticket) {
                    seqs.retain(|s| *s != self.first);
                    if seqs.is_empty() {
                        self.by_ticket.remove(&ticket);
                    }
                }
            }
            self.first += 1;
            self.counters.evicted += 1;
        }
    }

    pub fn get(&self, seq: Seq) -> Option<&TicketEvent> {
        if seq >= RECALLED {
            return self.recalled.get(&seq);
        }
        let index = usize::try_from(seq.checked_sub(self.first)?).ok()?;
        self.events.get(index)
    }

    /// Takes a ticket's events as the journal has them and keeps those not held in memory (for
    /// the ticket's timeline; they replace what was recalled for it before). Returns how many.
    pub fn recall(&mut self, ticket: u64, events: Vec<TicketEvent>) -> usize {
        self.forget_recalled(ticket);
        let held: std::collections::HashSet<&str> = self
            .ticket(ticket)
            .iter()
            .filter_map(|&s| self.get(s))
            .map(|e| e.event_id.as_str())
            .collect();
        let mut seen = std::collections::HashSet::new();
        let missing: Vec<TicketEvent> = events
            .into_iter()
            .filter(|e| e.ticket_id == Some(ticket) && !held.contains(e.event_id.as_str()))
            .filter(|e| seen.insert(e.event_id.clone()))
            .take(RECALL_CAP)
            .collect();
        if self.recalled.len() + missing.len() > RECALL_CAP {
            let others: Vec<u64> = self.recalled_by_ticket.keys().copied().collect();
            for t in others {
                self.forget_recalled(t);
            }
        }
        let count = missing.len();
        for event in missing {
            let seq = self.next_recalled;
            self.next_recalled += 1;
            self.recalled.insert(seq, event);
            self.recalled_by_ticket.entry(ticket).or_default().push(seq);
        }
        count
    }

    fn forget_recalled(&mut self, ticket: u64) {
        for seq in self.recalled_by_ticket.remove(&ticket).unwrap_or_default() {
            self.recalled.remove(&seq);
        }
    }

    /// A ticket's events read back from the journal (see [`EventStore::recall`]).
    pub fn recalled(&self, ticket: u64) -> &[Seq] {
        self.recalled_by_ticket
            .get(&ticket)
            .map_or(&[], Vec::as_slice)
    }

    /// The sequence number the next event will get.
    pub fn next_seq(&self) -> Seq {
        self.first + self.events.len() as u64
    }

    pub fn first_seq(&self) -> Seq {
        self.first
    }

    /// Events from `from` (inclusive) to the newest.
    pub fn since(&self, from: Seq) -> impl Iterator<Item = (Seq, &TicketEvent)> {
        let skip = usize::try_from(from.saturating_sub(self.first)).unwrap_or(usize::MAX);
        self.events
            .iter()
            .enumerate()
            .skip(skip)
            .map(move |(i, e)| (self.first + i as u64, e))
    }

    /// The events of one ticket still held, in arrival order.
    pub fn ticket(&self, ticket: u64) -> &[Seq] {
        self.by_ticket.get(&ticket).map_or(&[], Vec::as_slice)
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// A user's name, when a comment of theirs has been seen.
    pub fn name(&self, user: u64) -> Option<&str> {
        self.names.get(&user).map(String::as_str)
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Received, decode};

    fn event(id: &str, ticket: u64) -> TicketEvent {
        let body = format!(
            r#"{{"type":"zen:event-type:ticket.created","id":"{id}","time":"2026-01-01T00:00:00Z","detail":{{"id":"{ticket}"}}}}"#
        );
        decode(Received {
            body: body.into_bytes(),
            message_id: None,
            received_at: jiff::Timestamp::UNIX_EPOCH,
        })
    }

    #[test]
    fn duplicates_are_refused_and_counted() {
        let mut s = EventStore::new(10);
        assert_eq!(s.insert(event("a", 1)), Some(0));
        assert_eq!(s.insert(event("a", 1)), None);
        assert_eq!(s.insert(event("b", 1)), Some(1));
        assert_eq!(s.counters().duplicates, 1);
        assert_eq!(s.ticket(1), &[0, 1]);
    }

    #[test]
    fn eviction_keeps_sequence_numbers_and_the_ticket_index_right() {
        let mut s = EventStore::new(2);
        s.insert(event("a", 1));
        s.insert(event("b", 2));
        s.insert(event("c", 1));
        assert_eq!(s.len(), 2);
        assert!(s.get(0).is_none(), "evicted");
        assert_eq!(s.get(2).map(|e| e.event_id.as_str()), Some("c"));
        assert_eq!(s.ticket(1), &[2]);
        assert_eq!(s.since(0).map(|(q, _)| q).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(s.since(2).count(), 1);
        assert_eq!(s.counters().evicted, 1);
    }

    #[test]
    fn recalled_events_fill_in_a_ticket_without_entering_the_stream() {
        let mut s = EventStore::new(2);
        for id in ["a", "b", "c", "d"] {
            s.insert(event(id, 1));
        }
        assert_eq!(s.ticket(1), &[2, 3], "a and b left memory");
        let journal: Vec<TicketEvent> = ["a", "b", "c", "d", "a"]
            .iter()
            .map(|id| event(id, 1))
            .chain([event("x", 2)])
            .collect();
        assert_eq!(
            s.recall(1, journal.clone()),
            2,
            "only what is not held, once"
        );
        let recalled: Vec<&str> = s
            .recalled(1)
            .iter()
            .filter_map(|&q| s.get(q))
            .map(|e| e.event_id.as_str())
            .collect();
        assert_eq!(recalled, ["a", "b"]);
        assert!(s.recalled(1).iter().all(|&q| q >= RECALLED));
        assert_eq!(s.since(0).count(), 2, "the stream holds only what arrived");
        assert_eq!(
            s.recall(1, journal),
            2,
            "recalling again replaces, not adds"
        );
        assert_eq!(s.recalled(1).len(), 2);
    }
}
