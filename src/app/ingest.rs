//! How events get in: batches from the sources (journal first, then acks), history from the
//! journal, and the sources' state and health.

use super::{App, Effect, SourceState};
use zdwatch_core::event::{Received, TicketEvent, decode_many};
use zdwatch_journal::StoredEvent;
use zdwatch_sources::{Delivery, Disposition, Message, ProblemKind, SourceId, SourceStatus};

impl App {
    pub(super) fn ingest(&mut self, batch: Vec<Message>, effects: &mut Vec<Effect>) {
        let mut release: Vec<(SourceId, String)> = Vec::new();
        let mut held: Vec<(SourceId, String)> = Vec::new();
        let mut ids: Vec<SourceId> = Vec::with_capacity(batch.len());
        let mut bodies: Vec<Received> = Vec::with_capacity(batch.len());
        for m in batch {
            let seen = |id: &String| !self.peeked.insert(id);
            if self.config.delivery == Delivery::Peek && m.message_id.as_ref().is_some_and(seen) {
                // The same message again (peek released it), not a duplicate event.
                release.extend(m.receipt.map(|r| (m.source, r)));
                continue;
            }
            held.extend(m.receipt.map(|r| (m.source, r)));
            ids.push(m.source);
            bodies.push(Received {
                body: m.body,
                message_id: m.message_id,
                received_at: m.received_at,
            });
        }
        let events: Vec<(SourceId, TicketEvent)> = ids
            .into_iter()
            .zip(decode_many(bodies))
            .map(|(source, mut event)| {
                event.source = self.source_names.get(source).cloned();
                (source, event)
            })
            .collect();
        // The journal first: a message may be deleted only once its event is on disk.
        if self.journal_error.is_none() && !self.journals.is_empty() {
            if let Err(e) = self.journals.append(events.iter().map(|(s, e)| (*s, e))) {
                let full = if e.is_full() { " (full)" } else { "" };
                self.journal_error =
                    Some(format!("journal{full}: {e} — no longer deleting messages"));
            }
        }
        match self.config.delivery {
            Delivery::Peek => release.append(&mut held),
            // Not stored: leave the messages; they come back after the visibility timeout.
            Delivery::Consume if self.journal_error.is_some() => held.clear(),
            Delivery::Consume => {}
        }
        for (source, event) in events {
            self.rate.count(self.now);
            if let (Some(h), Some(occurred)) = (self.health.get_mut(source), event.occurred_at) {
                if h.live {
                    h.lag.add(occurred, event.received_at);
                }
            }
            self.hold(event);
        }
        for (list, disposition) in [(release, Disposition::Release), (held, Disposition::Delete)] {
            for source in 0..self.sources.len() {
                let receipts: Vec<String> = list
                    .iter()
                    .filter(|(s, _)| *s == source)
                    .map(|(_, r)| r.clone())
                    .collect();
                if !receipts.is_empty() {
                    effects.push(Effect::Ack {
                        source,
                        receipts,
                        disposition,
                    });
                }
            }
        }
        if !self.stream.paused {
            self.scan_new();
        }
    }

    /// Keeps an event (unless it is a duplicate) and counts it in the aggregates.
    pub(super) fn hold(&mut self, event: TicketEvent) {
        if self.store.insert(&event).is_some() {
            self.stats.add(&event);
            self.dashboard.stale = true;
        }
    }

    /// Whether any source delivers events as they happen (the dashboard's windows end now).
    pub fn is_live(&self) -> bool {
        self.health.iter().any(|h| h.live)
    }

    pub fn refresh_dashboard(&mut self) {
        let live = self.is_live();
        if live {
            // The longest window (a day) and the one before it is all the dashboard asks for.
            if let Ok(horizon) = self.now.checked_sub(jiff::SignedDuration::from_hours(49)) {
                self.stats.forget_before(horizon);
            }
        }
        let names: Vec<String> = self.source_names.iter().map(|n| n.to_string()).collect();
        self.dashboard
            .refresh(&self.stats, &self.health, &names, live, self.now);
    }

    /// Events from the journal (the last `--history`), shown as if they had just arrived, without acks.
    pub fn load_history(&mut self, history: Vec<StoredEvent>) {
        for h in &history {
            if let Some(id) = &h.message_id {
                self.peeked.insert(id);
            }
        }
        self.store.reserve(history.len());
        // In slices, so that only a slice is ever decoded at once (held events are far smaller).
        let mut history = history.into_iter();
        loop {
            let slice: Vec<StoredEvent> = history.by_ref().take(HISTORY_SLICE).collect();
            if slice.is_empty() {
                break;
            }
            for event in decode_all(slice) {
                self.hold(event);
            }
        }
        self.scan_new();
        self.dirty = true;
    }

    /// A ticket's events that are only in the journal (evicted by `--max-events`, or older than
    /// `--history`), read back for its timeline. They do not enter the stream.
    pub(super) fn recall_from_journal(&mut self, ticket: u64) {
        if self.journals.is_empty() {
            return;
        }
        match self.journals.ticket(ticket, RECALL_LIMIT) {
            Ok(stored) => {
                self.store.recall(ticket, decode_all(stored));
            }
            Err(e) => self.notice = Some(format!("journal: {e}")),
        }
    }

    pub(super) fn source_status(&mut self, id: SourceId, status: SourceStatus) {
        let (Some(source), Some(health)) = (self.sources.get_mut(id), self.health.get_mut(id))
        else {
            return;
        };
        source.state = match status {
            SourceStatus::Connected => SourceState::Connected,
            SourceStatus::Retrying {
                wait,
                problem,
                failures,
            } => {
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
const RECALL_LIMIT: usize = 5_000;

/// How many stored events are read and decoded at once when history is loaded.
pub const HISTORY_SLICE: usize = 16_384;

/// Decodes stored bodies on every core (decoding is most of the cost of reopening a journal),
/// keeping their order.
fn decode_all(history: Vec<StoredEvent>) -> Vec<TicketEvent> {
    let mut sources = Vec::with_capacity(history.len());
    let bodies = history
        .into_iter()
        .map(|h| {
            sources.push(h.source);
            Received {
                body: h.raw,
                message_id: h.message_id,
                received_at: h.received_at,
            }
        })
        .collect();
    // One shared name per source, not one per event.
    let mut names: std::collections::HashMap<String, std::sync::Arc<str>> =
        std::collections::HashMap::new();
    let mut events = decode_many(bodies);
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
