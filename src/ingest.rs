//! The one way a message from a queue becomes a durable event and an acknowledgement, for the
//! monitor and every headless command that reads queues:
//!
//! ```text
//! receive (sources; peek's "same message again" is settled there) → decode → dedupe
//!   → journal commit (the journal's own thread) → acks, only after that commit
//! ```
//!
//! Front ends decode and dedupe in their own way (the monitor holds every event; `tail` judges
//! bodies in parallel and writes lines), then hand what must be stored and the acks it allows to
//! [`Durability::commit`]. Acks come back from it when their events are on disk, never before,
//! and in the order they were handed over; when the journal fails, nothing is deleted any more.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc;
use zdwatch_core::event::TicketEvent;
use zdwatch_core::store::{Dictionary, Prepacked};
use zdwatch_journal::{Done, Journals, StoredEvent, Writer};
use zdwatch_sources::{Delivery, Disposition, SourceId, SourceSet};

/// Receipts to delete or release, by source.
#[derive(Debug, Default)]
pub struct AckPlan {
    by: HashMap<(SourceId, Disposition), Vec<String>>,
}

impl AckPlan {
    pub fn add(&mut self, source: SourceId, receipt: Option<String>, disposition: Disposition) {
        if let Some(r) = receipt {
            self.by.entry((source, disposition)).or_default().push(r);
        }
    }

    /// What a message whose event is durable becomes: deleted, or released when peeking.
    pub fn handled(delivery: Delivery) -> Disposition {
        match delivery {
            Delivery::Consume => Disposition::Delete,
            Delivery::Peek => Disposition::Release,
        }
    }

    /// The plan when the events were not stored: releases stand, deletes become leaves (their
    /// messages come back after the visibility timeout, no longer kept hidden).
    pub fn without_deletes(self) -> AckPlan {
        let mut plan = AckPlan::default();
        for ((source, d), receipts) in self.by {
            let d = if d == Disposition::Delete {
                Disposition::Leave
            } else {
                d
            };
            plan.by.entry((source, d)).or_default().extend(receipts);
        }
        plan
    }

    /// Every group of receipts: releases first (they cost nothing to get wrong), then deletes.
    pub fn into_groups(self) -> Vec<(SourceId, Disposition, Vec<String>)> {
        let mut groups: Vec<_> = self
            .by
            .into_iter()
            .filter(|(_, r)| !r.is_empty())
            .map(|((s, d), r)| (s, d, r))
            .collect();
        groups.sort_by_key(|(s, d, _)| (*d == Disposition::Delete, *s));
        groups
    }

    /// As [`AckPlan::into_groups`], without giving the plan up.
    pub fn groups(&self) -> Vec<(SourceId, Disposition, Vec<String>)> {
        AckPlan {
            by: self.by.clone(),
        }
        .into_groups()
    }

    pub async fn send(self, sources: &SourceSet) {
        for (source, disposition, receipts) in self.into_groups() {
            sources.ack(source, receipts, disposition).await;
        }
    }
}

/// What a finished journal job means for the front end.
#[derive(Debug)]
pub enum Settled {
    /// Acks that may go out now.
    Acks(AckPlan),
    /// The journal stopped taking events (told once); the acks that may still go out.
    Failed { why: String, acks: AckPlan },
    /// A ticket's events read back from the journals.
    Ticket {
        ticket: u64,
        result: Result<Vec<StoredEvent>, String>,
    },
}

/// Events handed over but not yet reported stored: past this, front ends stop taking in more
/// (the sources wait, the queue keeps the messages) instead of queueing without bound.
const IN_FLIGHT_EVENTS: usize = 1 << 17;

/// The journals behind their writer thread, and the acks waiting for it.
pub struct Durability {
    writer: Option<Writer<AckPlan>>,
    done: mpsc::UnboundedReceiver<Done<AckPlan>>,
    covered: Vec<bool>,
    in_flight_jobs: usize,
    in_flight_events: usize,
    error: Option<String>,
}

impl Durability {
    /// Starts the writer thread when there is any journal.
    pub fn new(journals: Journals) -> std::io::Result<Durability> {
        let (tx, done) = mpsc::unbounded_channel();
        let covered = (0..journals.sources())
            .map(|s| journals.covers(s))
            .collect();
        let writer = if journals.is_empty() {
            None
        } else {
            Some(Writer::spawn(journals, move |d| {
                let _ = tx.send(d);
            })?)
        };
        Ok(Durability {
            writer,
            done,
            covered,
            in_flight_jobs: 0,
            in_flight_events: 0,
            error: None,
        })
    }

    pub fn has_journal(&self) -> bool {
        self.writer.is_some()
    }

    /// Whether events of `source` are journaled (a queue with a journal).
    pub fn covers(&self, source: SourceId) -> bool {
        self.covered.get(source).copied().unwrap_or(false)
    }

    /// Whether so much is waiting for the disk that no more should be taken in for now.
    pub fn is_busy(&self) -> bool {
        self.in_flight_events >= IN_FLIGHT_EVENTS
    }

    /// Whether acks (or a ticket's events) are still waiting for the journal.
    pub fn is_waiting(&self) -> bool {
        self.in_flight_jobs > 0
    }

    /// Stores the events of journaled sources; the acks in `plan` may go out once they are on
    /// disk. Returns the plan when that is already so (nothing to store, nothing before it
    /// still waiting); otherwise it comes back from [`Durability::settled`].
    pub fn commit(
        &mut self,
        events: Vec<(SourceId, Box<TicketEvent>)>,
        plan: AckPlan,
    ) -> Option<Settled> {
        if self.error.is_some() {
            return Some(Settled::Acks(plan.without_deletes()));
        }
        if self.writer.is_none() {
            // Nothing is stored: the events are freed on the pool (a capture's events are many
            // small allocations) while the loop goes on.
            zdwatch_core::parallel::drop_later(events);
            return Some(Settled::Acks(plan));
        }
        let (events, unstored): (Vec<_>, Vec<_>) =
            events.into_iter().partition(|(s, _)| self.covers(*s));
        zdwatch_core::parallel::drop_later(unstored);
        // A plan with nothing to store still waits for the jobs before it: it may hold the
        // delete of a duplicate whose first copy is in one of them.
        if events.is_empty() && self.in_flight_jobs == 0 {
            return Some(Settled::Acks(plan));
        }
        let Some(writer) = &self.writer else {
            return Some(Settled::Acks(plan));
        };
        let count = events.len();
        if writer.store(events, plan) {
            self.in_flight_jobs += 1;
            self.in_flight_events += count;
            None
        } else {
            // The thread is gone (it panicked): the plan went with it, so nothing of it is sent;
            // its messages come back after their visibility timeout.
            let why = "journal: its writer thread stopped".to_string();
            self.error = Some(why.clone());
            Some(Settled::Failed {
                why,
                acks: AckPlan::default(),
            })
        }
    }

    /// Reads a ticket's events back (reported as [`Settled::Ticket`]); false without a journal.
    pub fn recall(&mut self, ticket: u64, limit: usize) -> bool {
        let asked = self
            .writer
            .as_ref()
            .is_some_and(|w| w.ticket(ticket, limit));
        // Outstanding like a commit, so that the loop listens for the answer even when nothing
        // else is on its way to the journal.
        self.in_flight_jobs += usize::from(asked);
        asked
    }

    /// The next journal report; pending forever when nothing is outstanding (for `select!`).
    pub async fn settled(&mut self) -> Settled {
        match self.done.recv().await {
            Some(done) => self.settle(done),
            None => std::future::pending().await,
        }
    }

    /// A report that is already waiting, if any.
    fn try_settled(&mut self) -> Option<Settled> {
        self.done.try_recv().ok().map(|d| self.settle(d))
    }

    fn settle(&mut self, done: Done<AckPlan>) -> Settled {
        match done {
            Done::Stored {
                ticket: plan,
                events,
                result,
            } => {
                self.in_flight_jobs = self.in_flight_jobs.saturating_sub(1);
                self.in_flight_events = self.in_flight_events.saturating_sub(events);
                match result {
                    Ok(()) => Settled::Acks(plan),
                    Err(why) if self.error.is_none() => {
                        self.error = Some(why.clone());
                        Settled::Failed {
                            why,
                            acks: plan.without_deletes(),
                        }
                    }
                    Err(_) => Settled::Acks(plan.without_deletes()),
                }
            }
            Done::Ticket { ticket, result } => {
                self.in_flight_jobs = self.in_flight_jobs.saturating_sub(1);
                Settled::Ticket { ticket, result }
            }
        }
    }

    /// Waits for every job handed over, and returns what they settled (in order).
    pub async fn finish(mut self) -> Vec<Settled> {
        let writer = self.writer.take();
        if let Some(w) = writer {
            // Joining the thread blocks: off the runtime's threads.
            let _ = tokio::task::spawn_blocking(move || w.finish()).await;
        }
        let mut out = Vec::new();
        while let Some(s) = self.try_settled() {
            out.push(s);
        }
        out
    }
}

/// Ctrl-C (headless commands only: in the monitor it is a key), SIGTERM and SIGHUP (a closed
/// SSH session): stop reading, let acks finish, exit cleanly.
pub async fn stop_requested(ctrl_c: bool) {
    let ctrl_c = async {
        if ctrl_c {
            let _ = tokio::signal::ctrl_c().await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) {
            (Ok(mut term), Ok(mut hup)) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                    _ = hup.recv() => {}
                }
            }
            _ => ctrl_c.await,
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
}

/// A message decoded, with what acknowledges it.
#[derive(Debug)]
pub struct Decoded {
    pub source: SourceId,
    pub receipt: Option<String>,
    /// Boxed: an event is large, and moved several times on its way to the store and journal.
    pub event: Box<TicketEvent>,
    /// The body with its message id, compressed with the store's dictionary as it was when the
    /// batch was handed over (none while the store learns one), or its place in a capture file.
    pub packed: Option<Prepacked>,
}

/// Decodes a batch on every core, keeping its order; with `dictionary` (the store's), each body
/// is compressed too, so that the event loop, which holds the events, does neither.
pub fn decode(
    batch: Vec<zdwatch_sources::Message>,
    dictionary: Option<&Arc<Dictionary>>,
) -> Vec<Decoded> {
    let mut heads = Vec::with_capacity(batch.len());
    let bodies = batch
        .into_iter()
        .map(|mut m| {
            let source = m.source;
            let place = m.place.take();
            let (body, receipt) = m.into_received();
            heads.push((source, receipt));
            (body, place)
        })
        .collect();
    // The searched text's sequences are found here, on every core, once: the store and the
    // journal's digest both keep them.
    let events = zdwatch_core::parallel::map_in_order(bodies, |(body, place)| {
        let mut e = Box::new(zdwatch_core::event::decode(body));
        e.trigrams = Some(e.search_trigrams());
        // A body still in its capture file is held as its place there; others compressed.
        let in_file = place
            .filter(|_| e.message_id.is_none())
            .and_then(|p| Prepacked::in_file(p, &e.raw));
        let packed =
            in_file.or_else(|| dictionary.map(|d| d.prepack(e.message_id.as_deref(), &e.raw)));
        (e, packed)
    });
    heads
        .into_iter()
        .zip(events)
        .map(|((source, receipt), (event, packed))| Decoded {
            source,
            receipt,
            event,
            packed,
        })
        .collect()
}

/// What the sources said, in the order they said it, with batches decoded.
#[derive(Debug)]
pub enum Staged {
    Batch(Vec<Decoded>),
    Status(SourceId, zdwatch_sources::SourceStatus),
    Finished(SourceId),
}

/// Decoding off the event loop: each delivery from the sources is decoded (and its bodies
/// compressed) on the pool's threads, and handed back in the order it came, so the loop holds one
/// delivery while the next ones are decoded and a key never waits for a decode. Several
/// deliveries are in the pool at once: when one is done, the next is there to take up both cores
/// (one at a time, the cores waited at the end of every delivery for the slower one).
#[derive(Default)]
pub struct DecodeStage {
    in_flight: crate::threads::InOrder<(), Vec<Staged>>,
}

/// Deliveries handed to the stage and not yet taken back, at most: enough to keep both sides
/// busy, few enough that a slow loop stops taking from the sources (which then wait).
const STAGE_DEPTH: usize = 3;

impl DecodeStage {
    /// Whether the stage takes another delivery now.
    pub fn has_room(&self) -> bool {
        self.in_flight.len() < STAGE_DEPTH
    }

    /// Whether something handed over has not come back yet.
    pub fn is_busy(&self) -> bool {
        !self.in_flight.is_empty()
    }

    /// Hands a delivery over, with the dictionary the store compresses bodies with (its bodies
    /// are compressed with it in the pool).
    pub fn send(
        &mut self,
        delivery: Vec<zdwatch_sources::SourceEvent>,
        dictionary: Option<Arc<Dictionary>>,
    ) {
        self.in_flight
            .push((), move || stage(delivery, dictionary.as_ref()));
    }

    /// The oldest delivery handed over, decoded (waits for it).
    pub async fn recv(&mut self) -> Vec<Staged> {
        let ((), staged) = self.in_flight.next().await;
        staged.unwrap_or_else(|_| {
            // Decoding it panicked, with what it held: those messages were not acknowledged, so
            // they come back after their visibility timeout.
            tracing::error!("a delivery could not be decoded (an internal error)");
            Vec::new()
        })
    }
}

/// A delivery's batches decoded (batches that came together, merged: they are stored in one
/// journal transaction), its other news as it came.
fn stage(
    delivery: Vec<zdwatch_sources::SourceEvent>,
    dictionary: Option<&Arc<Dictionary>>,
) -> Vec<Staged> {
    use zdwatch_sources::SourceEvent;
    let mut out = Vec::new();
    let mut merged = Vec::new();
    for event in delivery {
        let other = match event {
            SourceEvent::Batch(mut b) => {
                merged.append(&mut b);
                continue;
            }
            SourceEvent::Status(id, s) => Staged::Status(id, s),
            SourceEvent::Finished(id) => Staged::Finished(id),
        };
        if !merged.is_empty() {
            out.push(Staged::Batch(decode(
                std::mem::take(&mut merged),
                dictionary,
            )));
        }
        out.push(other);
    }
    if !merged.is_empty() {
        out.push(Staged::Batch(decode(merged, dictionary)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use zdwatch_sources::{Message, SourceEvent, SourceStatus};

    fn batch(source: SourceId, ids: &[&str]) -> SourceEvent {
        SourceEvent::Batch(
            ids.iter()
                .map(|id| Message {
                    source,
                    body: format!(
                        r#"{{"type":"zen:event-type:ticket.created","id":"{id}","time":"2026-01-01T00:00:00Z","detail":{{"id":"1"}}}}"#
                    )
                    .into_bytes(),
                    message_id: Some(format!("m-{id}")),
                    receipt: Some(format!("r-{id}")),
                    received_at: jiff::Timestamp::UNIX_EPOCH,
                    place: None,
                })
                .collect(),
        )
    }

    /// What one source says about itself comes after its events that came before it (a
    /// recording is "read" only once its last events are in), batches that came together are
    /// merged, and each event keeps its receipt.
    #[test]
    fn the_decoding_stage_keeps_the_order_the_sources_spoke_in() {
        let describe = |staged: Vec<Staged>| -> Vec<String> {
            staged
                .into_iter()
                .map(|s| match s {
                    Staged::Batch(b) => b
                        .iter()
                        .map(|d| {
                            format!(
                                "{}:{}:{}",
                                d.source,
                                d.event.envelope.webhook_id.as_deref().unwrap_or("?"),
                                d.receipt.as_deref().unwrap_or("?")
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(" "),
                    Staged::Status(id, _) => format!("status {id}"),
                    Staged::Finished(id) => format!("finished {id}"),
                })
                .collect()
        };
        let delivery = || {
            vec![
                batch(0, &["a", "b"]),
                batch(1, &["c"]),
                SourceEvent::Status(1, SourceStatus::Connected),
                batch(0, &["d"]),
                SourceEvent::Finished(0),
            ]
        };
        let want = [
            "0:a:r-a 0:b:r-b 1:c:r-c",
            "status 1",
            "0:d:r-d",
            "finished 0",
        ];
        assert_eq!(describe(stage(delivery(), None)), want);
        // Through the pool, several deliveries at once, as the event loop hands them over: a
        // large one first (decoded last), then small ones, each told apart by its ids.
        let numbered = |n: usize| -> Vec<SourceEvent> {
            let size = if n % 3 == 0 { 3000 } else { 1 + n };
            let ids: Vec<String> = (0..size).map(|i| format!("d{n}-{i}")).collect();
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            vec![batch(n % 2, &ids), SourceEvent::Finished(n)]
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        rt.block_on(async {
            let mut stage = DecodeStage::default();
            let mut got = Vec::new();
            for n in 0..9 {
                while !stage.has_room() {
                    got.extend(describe(stage.recv().await));
                }
                stage.send(numbered(n), None);
            }
            while stage.is_busy() {
                got.extend(describe(stage.recv().await));
            }
            let want: Vec<String> = (0..9)
                .flat_map(|n| describe(super::stage(numbered(n), None)))
                .collect();
            assert_eq!(got, want);
        });
    }
}
