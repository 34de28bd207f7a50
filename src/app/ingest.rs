//! How events get in: batches from the sources (held at once; stored, then acknowledged, by the
//! loop), history and recalled timelines from the journal, and the sources' state and health.

use super::{App, Effect, SourceState};
use crate::ingest::{AckPlan, Decoded};
use zdwatch_core::event::digest::from_digest;
use zdwatch_core::event::{Received, TicketEvent, decode};
use zdwatch_journal::StoredEvent;
use zdwatch_sources::{ProblemKind, SourceId, SourceStatus};

impl App {
    /// Holds a batch's events at once (the screen needs no disk) and asks the loop to store them
    /// and then acknowledge their messages (`crate::ingest`).
    pub(super) fn ingest(&mut self, batch: Vec<Decoded>, effects: &mut Vec<Effect>) {
        let handled = AckPlan::handled(self.config.delivery);
        let mut acks = AckPlan::default();
        let mut events: Vec<(SourceId, TicketEvent)> = Vec::with_capacity(batch.len());
        for Decoded {
            source,
            receipt,
            mut event,
        } in batch
        {
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
        self.hold(events.iter().map(|(_, e)| e));
        effects.push(Effect::Commit { events, acks });
        // A refilter in progress reaches these events itself.
        if !self.stream.paused && self.filtering.is_none() {
            self.scan_new();
        }
    }

    /// Keeps events (except duplicates) and counts them in the aggregates.
    pub(super) fn hold<'a>(&mut self, events: impl IntoIterator<Item = &'a TicketEvent> + Clone) {
        let held = self.store.insert_many(events.clone());
        for (event, seq) in events.into_iter().zip(held) {
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
            // Freed here, on the loop's thread: freed on the pool's, the allocator kept a large
            // share of it (the scale bench's 1M held: 1,004 MB resident instead of 608 MB).
            self.hold(&decode_all(slice));
        }
        self.scan_new();
        self.dirty = true;
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
                self.store.recall(ticket, decode_all(stored));
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
/// written before digests, the body decoded.
fn decode_all(history: Vec<StoredEvent>) -> Vec<TicketEvent> {
    let mut sources = Vec::with_capacity(history.len());
    let stored: Vec<(Received, Option<Vec<u8>>)> = history
        .into_iter()
        .map(|h| {
            sources.push(h.source);
            let received = Received {
                body: h.raw,
                message_id: h.message_id,
                received_at: h.received_at,
            };
            (received, h.digest)
        })
        .collect();
    // What the journal's digest says, else the body decoded (rows written before digests).
    let mut events =
        zdwatch_core::parallel::map_in_order(stored, |(received, digest)| match digest {
            Some(d) => from_digest(&d, received).unwrap_or_else(decode),
            None => decode(received),
        });
    // One shared name per source, not one per event.
    let mut names: std::collections::HashMap<String, std::sync::Arc<str>> =
        std::collections::HashMap::new();
    for (e, source) in events.iter_mut().zip(sources) {
        e.source = source.map(|s| {
            names
                .entry(s)
                .or_insert_with_key(|s| zdwatch_sources::short_name(s).into())
                .clone()
        });
    }
    events
}
