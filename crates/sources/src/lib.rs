//! Where message bodies come from: SQS queues and capture files. Sources only send
//! [`SourceEvent`]s over a bounded channel; they delete or release a queue message only when
//! the core sends an [`Ack`] saying its event is durable (see ARCHITECTURE.md).

pub mod bus;
pub mod demo;
pub mod doctor;
pub mod file;
pub mod pages;
pub mod rules;
pub mod send;
pub mod sqs;
pub mod webhook;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use zdwatch_core::event::Received;

/// How a source is shown and filtered on: the queue name of a URL, the file name of a path.
pub fn short_name(name: &str) -> String {
    name.rsplit('/')
        .find(|p| !p.is_empty())
        .unwrap_or(name)
        .to_string()
}

/// Index of a source in the order the user named them.
pub type SourceId = usize;

/// One body as a source read it.
#[derive(Clone, Debug)]
pub struct Message {
    pub source: SourceId,
    pub body: Vec<u8>,
    /// SQS MessageId (stable across redeliveries of one message).
    pub message_id: Option<String>,
    /// SQS receipt handle, needed to delete or release the message; `None` for files.
    pub receipt: Option<String>,
    pub received_at: Timestamp,
    /// Where the body is in the capture file it was read from, when it is there byte for byte
    /// (the monitor then holds that place instead of a compressed copy).
    pub place: Option<zdwatch_core::store::Place>,
}

impl Message {
    /// The body for the decoder, and the receipt that acknowledges it.
    pub fn into_received(self) -> (Received, Option<String>) {
        (
            Received {
                body: self.body,
                message_id: self.message_id,
                received_at: self.received_at,
            },
            self.receipt,
        )
    }
}

#[derive(Debug)]
pub enum SourceEvent {
    Batch(Vec<Message>),
    Status(SourceId, SourceStatus),
    /// A finite source (a file) has sent everything.
    Finished(SourceId),
}

#[derive(Clone, Debug, PartialEq)]
pub enum SourceStatus {
    Connected,
    Retrying {
        wait: Duration,
        problem: Problem,
        /// Requests that failed in a row so far (1 for the first).
        failures: u32,
    },
    /// Something the user should know that does not stop the source.
    Warning(String),
    /// The source gave up (a file that cannot be read).
    Failed(String),
    /// A queue's approximate depth (GetQueueAttributes): waiting, and received but not yet
    /// deleted or released.
    Depth {
        visible: u64,
        in_flight: u64,
    },
    /// `--replay-since`: how far the bus archive's replay into this queue has got.
    Replay(ReplayProgress),
}

/// A replay's state as DescribeReplay reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayProgress {
    /// STARTING, RUNNING, CANCELLING, COMPLETED, CANCELLED or FAILED.
    pub state: String,
    /// How much of the replayed stretch has been sent, when the service says.
    pub percent: Option<u8>,
    /// Why it failed or was cancelled.
    pub reason: Option<String>,
}

impl ReplayProgress {
    /// Whether nothing more will happen to it.
    pub fn ended(&self) -> bool {
        matches!(self.state.as_str(), "COMPLETED" | "CANCELLED" | "FAILED")
    }

    pub fn failed(&self) -> bool {
        matches!(self.state.as_str(), "CANCELLED" | "FAILED")
    }

    /// How far `last` (the newest event replayed so far) is through `[start, end)`.
    pub fn percent_of(start: Timestamp, end: Timestamp, last: Timestamp) -> u8 {
        let whole = end.as_millisecond().saturating_sub(start.as_millisecond());
        if whole <= 0 {
            return 100;
        }
        let done = last.as_millisecond().saturating_sub(start.as_millisecond());
        u8::try_from((done.clamp(0, whole) * 100) / whole).unwrap_or(100)
    }
}

impl fmt::Display for ReplayProgress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "replay {}", self.state.to_lowercase())?;
        if let (Some(p), false) = (self.percent, self.ended()) {
            write!(f, " {p}%")?;
        }
        if let Some(r) = &self.reason {
            write!(f, ": {r}")?;
        }
        Ok(())
    }
}

/// What the core decided about a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Disposition {
    /// Its event is durable: remove it from the queue.
    Delete,
    /// Peek mode: make it visible to other consumers again at once.
    Release,
    /// Not handled (a filter skipped it, or its event could not be stored): the source stops
    /// keeping it hidden, and it comes back after its visibility timeout.
    Leave,
}

#[derive(Debug)]
pub struct Ack {
    pub receipts: Vec<String>,
    pub disposition: Disposition,
}

/// Delivery mode of queue sources.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Delivery {
    /// Delete a message once its event is durable.
    #[default]
    Consume,
    /// Never delete: release each message at once.
    Peek,
}

/// A recoverable problem reading a source, with what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    /// The service's own words (error code and message), never credentials or bodies.
    pub detail: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    QueueMissing,
    AccessDenied,
    /// The queue's KMS key refuses (access denied, disabled, deleted, wrong state).
    Kms,
    ExpiredCredentials,
    NoCredentials,
    NoRegion,
    Throttled,
    Unreachable,
    Timeout,
    ServerError,
    Other,
}

impl Problem {
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        Problem {
            kind,
            detail: detail.into(),
        }
    }

    /// One line saying what to do.
    pub fn hint(&self) -> &'static str {
        match self.kind {
            ProblemKind::QueueMissing => {
                "check the queue name or URL, the region (--region) and the account"
            }
            ProblemKind::AccessDenied => {
                "the credentials lack an SQS permission: see README, 'AWS permissions' (sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility, sqs:GetQueueUrl, sqs:GetQueueAttributes)"
            }
            ProblemKind::Kms => {
                "the queue is encrypted with a KMS key that refuses: these credentials need kms:Decrypt on that key (its key policy or IAM), and the key must be enabled and exist; SQS permissions are not the problem (zdwatch doctor shows the key)"
            }
            ProblemKind::ExpiredCredentials => {
                "the credentials have expired: refresh them (e.g. `aws sso login`); zdwatch picks them up by itself"
            }
            ProblemKind::NoCredentials => {
                "set AWS_PROFILE or use --profile, or run `aws configure` / `aws sso login`"
            }
            ProblemKind::NoRegion => "pass --region, set AWS_REGION, or give the queue as a URL",
            ProblemKind::Throttled => "SQS is throttling requests: zdwatch backs off and retries",
            ProblemKind::Unreachable => {
                "cannot reach the SQS endpoint: check the network, proxy or --endpoint-url"
            }
            ProblemKind::Timeout => {
                "the request timed out: the network or endpoint is not answering"
            }
            ProblemKind::ServerError => "the service answered with a server error: zdwatch retries",
            ProblemKind::Other => "see the detail; zdwatch keeps retrying",
        }
    }

    /// Problems that retrying will not fix without the user doing something.
    pub fn needs_user(&self) -> bool {
        matches!(
            self.kind,
            ProblemKind::QueueMissing
                | ProblemKind::AccessDenied
                | ProblemKind::Kms
                | ProblemKind::NoCredentials
                | ProblemKind::NoRegion
        )
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} — {}", self.detail, self.hint())
    }
}

/// The running sources: the channel of what they read, and the way back to them for acks.
pub struct SourceSet {
    pub events: mpsc::Receiver<SourceEvent>,
    pub names: Vec<String>,
    acks: Vec<Option<mpsc::Sender<Ack>>>,
    cancel: CancellationToken,
    tasks: TaskTracker,
    /// How many sources never end (queues); when 0, the set is done once every file finished.
    pub endless: usize,
    /// Per source: whether it delivers events as they happen (queues, the demo), not a recording.
    pub live: Vec<bool>,
    /// Personal queues attached to buses (`--bus`), for the front end to detach when it is done.
    pub attachments: Vec<bus::Attachment>,
    /// Sources whose journal is named otherwise than after their queue (a bus's personal queue
    /// journals under the bus, so that the next run finds its history).
    pub journal_names: std::collections::HashMap<SourceId, String>,
    /// How many receives the queues have had answered (see [`SourceSet::answers`]).
    answers: watch::Receiver<u64>,
}

/// Messages in flight between the sources and the core; a slow core slows the pollers.
pub const CHANNEL_CAPACITY: usize = 64;

/// Builds a [`SourceSet`] one source at a time.
pub struct SourceSetBuilder {
    tx: mpsc::Sender<SourceEvent>,
    rx: mpsc::Receiver<SourceEvent>,
    names: Vec<String>,
    acks: Vec<Option<mpsc::Sender<Ack>>>,
    cancel: CancellationToken,
    tasks: TaskTracker,
    endless: usize,
    live: Vec<bool>,
    answers: Arc<watch::Sender<u64>>,
}

impl Default for SourceSetBuilder {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        SourceSetBuilder {
            answers: Arc::new(watch::Sender::new(0)),
            tx,
            rx,
            names: Vec::new(),
            acks: Vec::new(),
            cancel: CancellationToken::new(),
            tasks: TaskTracker::new(),
            endless: 0,
            live: Vec::new(),
        }
    }
}

/// What a source gets to run with.
pub struct SourceContext {
    pub id: SourceId,
    pub tx: mpsc::Sender<SourceEvent>,
    pub cancel: CancellationToken,
    pub tasks: TaskTracker,
    /// Counts the receives a queue had answered (shared by every source of the set).
    pub answers: Arc<watch::Sender<u64>>,
}

impl SourceContext {
    /// A receive was answered (with messages, with none, or with an error), after what it
    /// brought was handed over.
    pub fn answered(&self) {
        self.answers.send_modify(|n| *n += 1);
    }
}

impl SourceSetBuilder {
    /// Registers a source and returns its context; `acks` is where the core's acks go (queues only).
    pub fn add(
        &mut self,
        name: String,
        acks: Option<mpsc::Sender<Ack>>,
        endless: bool,
    ) -> SourceContext {
        let id = self.names.len();
        self.names.push(name);
        self.acks.push(acks);
        self.endless += usize::from(endless);
        self.live.push(endless);
        self.context(id)
    }

    /// The context of source `id`, registered before, for a second task working for it.
    pub fn context(&self, id: SourceId) -> SourceContext {
        SourceContext {
            id,
            tx: self.tx.clone(),
            cancel: self.cancel.clone(),
            tasks: self.tasks.clone(),
            answers: self.answers.clone(),
        }
    }

    /// How many sources so far (the next one's id).
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn build(self) -> SourceSet {
        // Only sources hold senders now: the channel closes when all of them are done.
        drop(self.tx);
        SourceSet {
            events: self.rx,
            names: self.names,
            acks: self.acks,
            cancel: self.cancel,
            tasks: self.tasks,
            endless: self.endless,
            live: self.live,
            attachments: Vec::new(),
            journal_names: std::collections::HashMap::new(),
            answers: self.answers.subscribe(),
        }
    }
}

impl SourceSet {
    /// Sends the core's decision about some messages of `source` back to it.
    pub async fn ack(&self, source: SourceId, receipts: Vec<String>, disposition: Disposition) {
        if receipts.is_empty() {
            return;
        }
        if let Some(Some(tx)) = self.acks.get(source) {
            // A closed channel means the source is shutting down; the message then stays
            // invisible until its visibility timeout and comes back: nothing is lost.
            let _ = tx
                .send(Ack {
                    receipts,
                    disposition,
                })
                .await;
        }
    }

    /// Messages received but never looked at go back to their queue.
    async fn release_unread(&mut self) {
        self.events.close();
        let mut unread: std::collections::HashMap<SourceId, Vec<String>> =
            std::collections::HashMap::new();
        while let Ok(event) = self.events.try_recv() {
            if let SourceEvent::Batch(batch) = event {
                for m in batch {
                    unread.entry(m.source).or_default().extend(m.receipt);
                }
            }
        }
        for (source, receipts) in unread {
            self.ack(source, receipts, Disposition::Release).await;
        }
    }

    /// How many receives the queues have had answered so far, with messages, with none or with
    /// an error: `--idle-exit` ends only once one was answered after the last event, so that a
    /// server slow to answer is not taken for a quiet queue. `None` when no source is a queue.
    pub fn answers(&self) -> Option<watch::Receiver<u64>> {
        self.acks
            .iter()
            .any(Option::is_some)
            .then(|| self.answers.clone())
    }

    /// Whether source `id` is a queue (its messages are deleted or released; files and the demo are not).
    pub fn is_queue(&self, id: SourceId) -> bool {
        matches!(self.acks.get(id), Some(Some(_)))
    }

    /// Stops reading: gives back the messages received but never handed over (at once, instead of
    /// after their visibility timeout), lets pending acks finish, and waits for every source task.
    pub async fn shutdown(mut self) {
        self.release_unread().await;
        self.cancel.cancel();
        self.acks.clear();
        self.events.close();
        self.tasks.close();
        self.tasks.wait().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_progress_reads_as_a_user_expects() {
        let t = |s: &str| s.parse::<Timestamp>().unwrap_or_else(|e| panic!("{e}"));
        let (start, end) = (t("2026-01-01T10:00:00Z"), t("2026-01-01T12:00:00Z"));
        assert_eq!(ReplayProgress::percent_of(start, end, start), 0);
        assert_eq!(
            ReplayProgress::percent_of(start, end, t("2026-01-01T10:30:00Z")),
            25
        );
        assert_eq!(ReplayProgress::percent_of(start, end, end), 100);
        assert_eq!(
            ReplayProgress::percent_of(start, end, t("2026-01-02T00:00:00Z")),
            100
        );
        assert_eq!(
            ReplayProgress::percent_of(end, start, start),
            100,
            "empty stretch"
        );
        let running = ReplayProgress {
            state: "RUNNING".into(),
            percent: Some(25),
            reason: None,
        };
        assert_eq!(running.to_string(), "replay running 25%");
        assert!(!running.ended());
        let failed = ReplayProgress {
            state: "FAILED".into(),
            percent: Some(25),
            reason: Some("archive deleted".into()),
        };
        assert_eq!(failed.to_string(), "replay failed: archive deleted");
        assert!(failed.ended() && failed.failed());
    }
}
