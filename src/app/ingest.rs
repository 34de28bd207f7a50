//! How events get in: batches from the sources (held at once; stored, then acknowledged, by the
//! loop), history and recalled timelines from the journal, and the sources' state and health.

use super::{App, Effect, SourceState};
use crate::ingest::{AckPlan, Decoded};
use std::sync::Arc;
use zdwatch_core::event::digest::from_digest;
use zdwatch_core::event::{Received, TicketEvent, decode};

use zdwatch_core::store::{Bodies, Dictionary, Packed};
use zdwatch_journal::{Body, StoredEvent};
use zdwatch_sources::{ProblemKind, SourceId, SourceStatus};

impl App {
    /// Holds a batch's events at once (the screen needs no disk) and asks the loop to store them
    /// and then acknowledge their messages (`crate::ingest`).
    pub(super) fn ingest(&mut self, batch: Vec<Decoded>, effects: &mut Vec<Effect>) {
        let handled = AckPlan::handled(self.config.delivery);
        let mut acks = AckPlan::default();
        let mut events: Vec<(SourceId, Box<TicketEvent>)> = Vec::with_capacity(batch.len());
        let mut packed: Vec<Option<Packed>> = Vec::with_capacity(batch.len());
        for Decoded {
            source,
            receipt,
            mut event,
            packed: body,
        } in batch
        {
            // Compressed in the decoding stage; again here only if the store's dictionary
            // changed in between.
            packed.push(body.and_then(|b| self.store.accept(b)));
            acks.add(source, receipt, handled);
            if let Some(s) = self.sources.get_mut(source) {
                // A recording is read, not received: it has no rate.
                if s.health.live {
                    self.rate.count(self.now, event.occurred_at);
                }
                event.source = Some(s.short.clone());
                s.last_event = Some(self.now);
                if let (true, Some(occurred)) = (s.health.live, event.occurred_at) {
                    s.health.lag.add(occurred, event.received_at);
                }
                // A recording's body without a time (malformed, unrecognized) belongs where it
                // was recorded, not at the moment zdwatch read the file.
                if !s.health.live {
                    match event.occurred_at {
                        Some(t) => s.recorded_until = s.recorded_until.max(Some(t)),
                        None => {
                            if let Some(t) = s.recorded_until {
                                event.received_at = t;
                            }
                        }
                    }
                }
            }
            events.push((source, event));
        }
        self.hold_packed(events.iter().map(|(_, e)| &**e).zip(packed).collect());
        effects.push(Effect::Commit { events, acks });
        // A refilter in progress reaches these events itself.
        if !self.stream.paused && self.filtering.is_none() {
            self.scan_new();
        }
    }

    /// Keeps events (except duplicates) and counts them in the aggregates. An event may come with
    /// its body compressed already as the store holds it (a journal's rows, or compressed on the
    /// decoding stage: `EventStore::insert_many_packed`); the others' are compressed here.
    fn hold_packed(&mut self, events: Vec<(&TicketEvent, Option<Packed>)>) {
        let order: Vec<&TicketEvent> = events.iter().map(|(e, _)| *e).collect();
        let held = self.store.insert_many_packed(events);
        for (event, seq) in order.into_iter().zip(held) {
            if seq.is_some() {
                self.latest = self.latest.max(Some(event.order_time()));
                self.stats.add(event);
                self.dashboard.stale = true;
            }
        }
    }

    /// Whether any source delivers events as they happen (the dashboard's windows end now).
    pub fn is_live(&self) -> bool {
        self.sources.iter().any(|s| s.health.live)
    }

    pub fn refresh_dashboard(&mut self) {
        let live = self.is_live();
        if live {
            // The longest window (a day) and the one before it is all the dashboard asks for.
            if let Ok(horizon) = self.now.checked_sub(jiff::SignedDuration::from_hours(49)) {
                self.stats.forget_before(horizon);
            }
        }
        self.dashboard
            .refresh(&self.stats, &self.sources, live, self.now);
    }

    /// Events from the journal (the last `--history`), shown as if they had just arrived, without acks.
    pub fn load_history(&mut self, history: Vec<StoredEvent>) {
        self.store.reserve(history.len());
        // In slices, so that only a slice is ever decoded at once (held events are far smaller).
        let mut history = history.into_iter();
        loop {
            let slice: Vec<StoredEvent> = history.by_ref().take(HISTORY_SLICE).collect();
            if slice.is_empty() {
                break;
            }
            // The journal's bodies are held as they are (not decompressed and compressed again)
            // once the store uses its dictionary: taken over here, before the store learns one.
            let dictionary = slice.iter().find_map(|h| match &h.body {
                Body::Packed { dictionary, .. } => Some(dictionary),
                Body::Raw(_) => None,
            });
            let adopted = dictionary
                .filter(|d| self.store.adopt_dictionary(d))
                .cloned();
            // Freed here, on the loop's thread: freed on the pool's, the allocator kept a large
            // share of it (the scale bench's 1M held: 1,004 MB resident instead of 608 MB).
            let (events, packed): (Vec<TicketEvent>, Vec<Option<Packed>>) =
                decode_all(slice, adopted.as_ref()).into_iter().unzip();
            self.hold_packed(events.iter().zip(packed).collect());
        }
        self.scan_new();
        self.dirty = true;
    }

    /// Takes a journal's dictionary as the one the store compresses bodies with, before anything
    /// is held (`EventStore::adopt_dictionary`): the journal's compressed bodies are then held as
    /// they are. Returns whether the store uses it.
    pub fn adopt_dictionary(&mut self, dictionary: &Arc<Dictionary>) -> bool {
        self.store.adopt_dictionary(dictionary)
    }

    /// A ticket's events that are only in the journal (evicted by `--max-events`, or older than
    /// `--history`) are asked for, for its timeline; they do not enter the stream.
    pub(super) fn recall_from_journal(&mut self, ticket: u64, effects: &mut Vec<Effect>) {
        if self.journaled {
            effects.push(Effect::Recall(ticket));
        }
    }

    /// What the journal read back for a ticket's timeline.
    pub(super) fn recalled(&mut self, ticket: u64, result: Result<Vec<StoredEvent>, String>) {
        match result {
            Ok(stored) => {
                let events = decode_all(stored, None).into_iter().map(|(e, _)| e);
                self.store.recall(ticket, events.collect());
            }
            Err(e) => self.notice = Some(format!("journal: {e}")),
        }
    }

    pub(super) fn source_status(&mut self, id: SourceId, status: SourceStatus) {
        let Some(source) = self.sources.get_mut(id) else {
            return;
        };
        let health = &mut source.health;
        source.state = match status {
            SourceStatus::Connected => {
                source.connected_since.get_or_insert(self.now);
                SourceState::Connected
            }
            SourceStatus::Retrying {
                wait,
                problem,
                failures,
            } => {
                source.connected_since = None;
                health.errors += 1;
                if problem.kind == ProblemKind::Throttled {
                    health.throttles += 1;
                }
                SourceState::Retrying {
                    until: self.now.checked_add(wait).unwrap_or(self.now),
                    problem: problem.to_string(),
                    failures,
                }
            }
            SourceStatus::Depth { visible, in_flight } => {
                health.depth = Some((visible, in_flight));
                self.dashboard.stale = true;
                return;
            }
            SourceStatus::Warning(w) => {
                self.notice = Some(w);
                return;
            }
            SourceStatus::Failed(why) => SourceState::Failed(why),
            SourceStatus::Replay(progress) => {
                source.replay = Some(progress);
                return;
            }
        };
    }
}

/// A ticket's timeline reads at most this many of its events back from each journal.
pub const RECALL_LIMIT: usize = 5_000;

/// How many stored events are read and decoded at once when history is loaded.
pub const HISTORY_SLICE: usize = 16_384;

/// Stored events as events, on every core, keeping their order: what the journal's digest of each
/// says (what the store holds; shown, an event is decoded from its body again), else, in a row
/// written before digests, the body decoded. A body compressed with `keep` (the store's
/// dictionary) comes back as it is, for the store to hold; the event's own `raw` is then empty.
fn decode_all(
    history: Vec<StoredEvent>,
    keep: Option<&Arc<Dictionary>>,
) -> Vec<(TicketEvent, Option<Packed>)> {
    let mut sources = Vec::with_capacity(history.len());
    let stored: Vec<(Received, Body, Option<Vec<u8>>)> = history
        .into_iter()
        .map(|h| {
            sources.push(h.source);
            let received = Received {
                body: Vec::new(),
                message_id: h.message_id,
                received_at: h.received_at,
            };
            (received, h.body, h.digest)
        })
        .collect();
    let mut events =
        zdwatch_core::parallel::map_in_order(stored, |(mut received, body, digest)| {
            if let (Some(d), Body::Packed { dictionary, .. }) = (&digest, &body)
                && keep.is_some_and(|keep| Arc::ptr_eq(keep, dictionary))
            {
                match from_digest(d, received) {
                    Ok(event) => {
                        let Body::Packed { bytes, len, .. } = body else {
                            unreachable!("matched above")
                        };
                        return (event, Some(Bodies::packed(bytes, len)));
                    }
                    Err(r) => received = r,
                }
            }
            received.body = body.into_raw_or_note();
            // What the journal's digest says, else the body decoded (rows written before digests).
            let event = match digest {
                Some(d) => from_digest(&d, received).unwrap_or_else(decode),
                None => decode(received),
            };
            (event, None)
        });
    // One shared name per source, not one per event.
    let mut names: std::collections::HashMap<String, std::sync::Arc<str>> =
        std::collections::HashMap::new();
    for ((e, _), source) in events.iter_mut().zip(sources) {
        e.source = source.map(|s| {
            names
                .entry(s)
                .or_insert_with_key(|s| zdwatch_sources::short_name(s).into())
                .clone()
        });
    }
    events
}
