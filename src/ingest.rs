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

use tokio::sync::mpsc;
use zdwatch_core::event::TicketEvent;
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
        events: Vec<(SourceId, TicketEvent)>,
        plan: AckPlan,
    ) -> Option<Settled> {
        if self.error.is_some() {
            return Some(Settled::Acks(plan.without_deletes()));
        }
        let events: Vec<(SourceId, TicketEvent)> = events
            .into_iter()
            .filter(|(s, _)| self.covers(*s))
            .collect();
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
