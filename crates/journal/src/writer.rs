//! The journal's own thread: front ends hand it events and get told when they are on disk, so
//! that no event loop ever waits on SQLite. Acknowledgements go out only after that word.
//!
//! Jobs are carried out in the order they were submitted. Jobs that are waiting when the thread
//! is free are committed together, in one transaction per journal (a group commit: at 50,000
//! events a second, one fsync per batch would be most of the cost). Once a commit has failed,
//! every later job fails too without touching the disk: nothing is deleted from a queue from
//! then on, so its messages wait there for a run whose journal works.

use std::sync::mpsc;
use std::thread;

use zdwatch_core::event::TicketEvent;

use crate::{JournalError, Journals, StoredEvent};

/// At most this many events go into one group commit.
const GROUP_UP_TO: usize = 16_384;

/// What the writer thread reports back, in submission order.
#[derive(Debug)]
pub enum Done<T> {
    /// The events of one `store` are on disk (`Ok`), or not.
    Stored {
        ticket: T,
        /// How many events the job held.
        events: usize,
        result: Result<(), String>,
    },
    /// A ticket's events, read back for its timeline.
    Ticket {
        ticket: u64,
        result: Result<Vec<StoredEvent>, String>,
    },
}

/// Events to store, by source id; boxed, as they travel from the thread that decoded them (an
/// event is large).
pub type ToStore = Vec<(usize, Box<TicketEvent>)>;

enum Job<T> {
    Store(ToStore, T),
    Ticket(u64, usize),
}

/// The front end's handle on the writer thread. Dropping it lets the thread finish the jobs
/// already submitted and end; [`Writer::finish`] waits for that.
pub struct Writer<T: Send + 'static> {
    tx: Option<mpsc::Sender<Job<T>>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl<T: Send + 'static> Writer<T> {
    /// Starts the thread that owns `journals`; `done` is called on that thread for every job,
    /// in order (it usually sends the report to the event loop's channel).
    pub fn spawn(
        journals: Journals,
        done: impl FnMut(Done<T>) + Send + 'static,
    ) -> std::io::Result<Writer<T>> {
        let (tx, rx) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("zdwatch-journal".into())
            .spawn(move || run(journals, rx, done))?;
        Ok(Writer {
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// Stores events (by source id) and reports `Done::Stored` with `ticket` once they are on
    /// disk. Returns false when the thread is gone (it panicked): nothing is stored then.
    pub fn store(&self, events: ToStore, ticket: T) -> bool {
        self.send(Job::Store(events, ticket))
    }

    /// Reads a ticket's events (at most `limit` from each journal); reported as `Done::Ticket`.
    pub fn ticket(&self, ticket: u64, limit: usize) -> bool {
        self.send(Job::Ticket(ticket, limit))
    }

    fn send(&self, job: Job<T>) -> bool {
        self.tx.as_ref().is_some_and(|tx| tx.send(job).is_ok())
    }

    /// Waits until every job submitted so far has been carried out and reported.
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl<T: Send + 'static> Drop for Writer<T> {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run<T>(mut journals: Journals, rx: mpsc::Receiver<Job<T>>, mut done: impl FnMut(Done<T>)) {
    let mut failed: Option<String> = None;
    let mut next: Option<Job<T>> = None;
    loop {
        let job = match next.take() {
            Some(job) => job,
            None => match rx.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
        };
        match job {
            Job::Ticket(ticket, limit) => done(Done::Ticket {
                ticket,
                result: journals.ticket(ticket, limit).map_err(|e| e.to_string()),
            }),
            Job::Store(events, ticket) => {
                // Every store job waiting now joins this commit (reads wait for the next turn).
                let mut group = vec![(events, ticket)];
                let mut count = group[0].0.len();
                while count < GROUP_UP_TO {
                    match rx.try_recv() {
                        Ok(Job::Store(events, ticket)) => {
                            count += events.len();
                            group.push((events, ticket));
                        }
                        Ok(other) => {
                            next = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                let result = match &failed {
                    Some(why) => Err(why.clone()),
                    None => commit(&mut journals, &group).map_err(|e| {
                        let why = describe(&e);
                        failed = Some(why.clone());
                        why
                    }),
                };
                for (events, ticket) in group {
                    done(Done::Stored {
                        ticket,
                        events: events.len(),
                        result: result.clone(),
                    });
                }
            }
        }
    }
}

fn commit<T>(journals: &mut Journals, group: &[(ToStore, T)]) -> Result<(), JournalError> {
    journals.append(
        group
            .iter()
            .flat_map(|(events, _)| events.iter().map(|(s, e)| (*s, &**e))),
    )
}

/// What the user is told when the journal stops taking events.
fn describe(e: &JournalError) -> String {
    let full = if e.is_full() { " (full)" } else { "" };
    format!("journal{full}: {e}")
}
