//! `zdwatch tail`: decode, dedupe, filter, write a line, flush — and only then acknowledge.

pub mod emit;
mod format;
mod ndjson;
pub mod report;
pub mod test_pattern;

use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::time::Instant;

pub use format::{write_csv, write_csv_header, write_event, write_raw, write_text};
pub use ndjson::write_ndjson;

use crate::cli::OutputFormat;
use crate::ingest::{AckPlan, Durability, Settled, stop_requested};
use zdwatch_core::event::{Format, Received, TicketEvent, decode};
use zdwatch_core::filter::{Filter, Prefilter};
use zdwatch_core::store::Dedupe;
use zdwatch_journal::Journals;
use zdwatch_sources::{
    Delivery, Disposition, Message, SourceEvent, SourceId, SourceSet, SourceStatus, short_name,
};

pub struct TailOptions {
    pub format: OutputFormat,
    pub filter: Filter,
    /// An EventBridge pattern events must match too.
    pub pattern: Option<zdwatch_core::pattern::Pattern>,
    pub delivery: Delivery,
    pub max_events: Option<u64>,
    pub idle_exit: Option<Duration>,
    /// `--raw-bytes`: raw bodies and CSV cells as received, unescaped (README, "Output safety").
    pub raw_bytes: bool,
    /// `--mask`: customer data hidden in what is written (the journal keeps the original).
    pub mask: bool,
    /// Where events from queues are stored before their messages are deleted (may be empty).
    pub journals: Journals,
}

/// What became of the batch a front end took in: stop or go on, what to store, what to ack.
struct Taken {
    stop: Stop,
    to_store: Vec<(SourceId, Box<TicketEvent>)>,
    acks: AckPlan,
}

/// What a tail run did, for the closing line on stderr and for tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TailReport {
    pub written: u64,
    pub duplicates: u64,
    pub filtered_out: u64,
    pub malformed: u64,
    pub unrecognized: u64,
    /// The reader went away (`| head`): stopped without acknowledging unwritten events.
    pub broken_pipe: bool,
    pub failed_sources: Vec<String>,
    /// Why the journal stopped taking events; nothing was deleted from then on.
    pub journal_error: Option<String>,
}

/// At most this many messages are handled (and committed) together: enough that a commit's
/// fsync is shared by many events, few enough that what one batch holds at once (bodies, decoded
/// events, ndjson lines, on every core) keeps `tail`'s peak memory under 64 MB whatever the input's
/// size (4,096 gave peaks of 61–77 MB on a 500,000-event capture, 1,024 gives 31–50 MB at the same
/// speed: BENCHMARKS.md).
const MERGE_UP_TO: usize = 1024;

/// Why the loop stopped.
enum Stop {
    Continue,
    Done,
}

/// Runs until the sources end, `max_events` or `idle_exit` is reached, the reader goes away, or a signal arrives.
pub async fn tail(
    mut sources: SourceSet,
    opts: TailOptions,
    out: &mut impl Write,
    mut on_status: impl FnMut(&str, &SourceStatus),
) -> io::Result<TailReport> {
    let TailOptions {
        format,
        filter,
        pattern,
        delivery,
        max_events,
        idle_exit: idle,
        raw_bytes,
        mask,
        journals,
    } = opts;
    let mut durability = Durability::new(journals)?;
    let mut state = Tail {
        names: sources.names.iter().map(|n| short_name(n).into()).collect(),
        judge: Arc::new(Judge {
            prefilter: Prefilter::new(&filter),
            filter,
            pattern,
            format,
            raw_bytes,
            mask,
            spare: std::sync::Mutex::new(Vec::new()),
        }),
        delivery,
        max_events,
        dedupe: Dedupe::new(Dedupe::DEFAULT_CAPACITY),
        report: TailReport::default(),
    };
    let mut deadline = idle.map(|d| Instant::now() + d);
    let answers = sources.answers();
    let mut mark = answered(answers.as_ref());
    let mut shutdown = Box::pin(stop_requested(true));
    let mut carried: Option<SourceEvent> = None;
    // Batches being judged on every core while the one before is written (in the order taken).
    let mut judging = Judging::new();
    if format == OutputFormat::Csv {
        format::write_csv_header(out)?;
    }
    loop {
        let (until, waiting) = (deadline, answers.clone());
        let idle_timer = async move {
            match until {
                Some(at) => quiet_after(at, waiting, mark).await,
                None => std::future::pending().await,
            }
        };
        let taking = takes_more(&durability, &judging);
        let event = match carried.take() {
            Some(e) => Some(e),
            None => tokio::select! {
                settled = durability.settled(), if durability.is_waiting() => {
                    state.settle(settled, &sources, &mut on_status).await;
                    continue;
                }
                judged = judging.next(), if !judging.is_empty() => {
                    // The next batch goes to the judging threads before this one is written:
                    // otherwise they idle while it is, and while the next is taken (each core
                    // was idle for a fifth to a quarter of the run, 1-8 % since: BENCHMARKS.md).
                    if takes_more(&durability, &judging) {
                        match sources.events.try_recv() {
                            Ok(SourceEvent::Batch(batch)) => {
                                let batch = merged(batch, &mut sources, &mut carried);
                                state.judge(batch, &durability, &mut judging);
                            }
                            Ok(other) => carried = Some(other),
                            Err(_) => {}
                        }
                    }
                    let written_before = state.report.written;
                    let stop = state.write(judged_batch(judged)?, &mut durability, &sources, out, &mut on_status).await?;
                    if state.report.written > written_before {
                        deadline = idle.map(|d| Instant::now() + d);
                        mark = answered(answers.as_ref());
                    }
                    if matches!(stop, Stop::Done) {
                        let rest = std::mem::take(&mut judging);
                        state.release(rest, &mut durability, &sources, &mut on_status).await;
                        break;
                    }
                    continue;
                }
                e = sources.events.recv(), if taking => e,
                _ = idle_timer, if judging.is_empty() => {
                    // The answer that ended the wait may have brought a batch: it is read first.
                    if taking && !sources.events.is_empty() {
                        continue;
                    }
                    break;
                }
                _ = &mut shutdown => break,
            },
        };
        match event {
            None => break,
            Some(SourceEvent::Batch(batch)) => {
                let batch = merged(batch, &mut sources, &mut carried);
                state.judge(batch, &durability, &mut judging);
            }
            Some(SourceEvent::Status(id, status)) => {
                let name = sources.names.get(id).cloned().unwrap_or_default();
                if let SourceStatus::Failed(why) = &status {
                    state.report.failed_sources.push(why.clone());
                }
                on_status(&name, &status);
            }
            Some(SourceEvent::Finished(_)) => {}
        }
    }
    // Batches taken are written (in order) before the end: their messages were received.
    while !judging.is_empty() {
        let judged = judged_batch(judging.next().await)?;
        let stop = state
            .write(judged, &mut durability, &sources, out, &mut on_status)
            .await?;
        if matches!(stop, Stop::Done) {
            state
                .release(judging, &mut durability, &sources, &mut on_status)
                .await;
            break;
        }
    }
    // What was written is stored before its messages go.
    for settled in durability.finish().await {
        state.settle(settled, &sources, &mut on_status).await;
    }
    state.report.duplicates = state.dedupe.duplicates();
    sources.shutdown().await;
    Ok(state.report)
}

/// How many receives the queues have had answered (0 without queues).
pub(crate) fn answered(answers: Option<&tokio::sync::watch::Receiver<u64>>) -> u64 {
    answers.map_or(0, |a| *a.borrow())
}

/// `--idle-exit`'s end: `at` has passed, and a queue has answered a receive since `mark` (with
/// nothing, or with an error). A server slow to answer is not a quiet queue: ending while it
/// holds a receive would leave the messages it is about to hand over hidden for their visibility
/// timeout, unread. Without queues (`answers` is `None`) it ends at `at`.
pub(crate) async fn quiet_after(
    at: Instant,
    answers: Option<tokio::sync::watch::Receiver<u64>>,
    mark: u64,
) {
    tokio::time::sleep_until(at).await;
    if let Some(mut answers) = answers {
        // An error: every queue has stopped, nothing more will be answered.
        let _ = answers.wait_for(|n| *n > mark).await;
    }
}

/// `batch` with the batches waiting already after it (up to [`MERGE_UP_TO`] messages): they are
/// written, flushed and stored together (one commit). What comes after them that is not a batch
/// is `carried` to the loop.
fn merged(
    mut batch: Vec<Message>,
    sources: &mut SourceSet,
    carried: &mut Option<SourceEvent>,
) -> Vec<Message> {
    while batch.len() < MERGE_UP_TO {
        match sources.events.try_recv() {
            Ok(SourceEvent::Batch(mut more)) => batch.append(&mut more),
            Ok(other) => {
                *carried = Some(other);
                break;
            }
            Err(_) => break,
        }
    }
    batch
}

/// Whether another batch may be taken now: the journal is not behind, and fewer than
/// [`JUDGING_DEPTH`] are being judged.
fn takes_more(durability: &Durability, judging: &Judging) -> bool {
    !durability.is_busy() && judging.len() < JUDGING_DEPTH
}

/// At most this many batches are taken and not yet written: the next batch is handed over as one
/// is taken back to be written, so the judging threads have work while it is (judged one after
/// the other, the one-at-a-time part left a core idle for a fifth of the time: BENCHMARKS.md).
const JUDGING_DEPTH: usize = 2;

/// What acknowledges a batch's messages, in its order.
type Receipts = Vec<(SourceId, Option<String>)>;

/// Batches handed to the judging threads, each with its receipts.
type Judging = crate::threads::InOrder<Receipts, Vec<JudgedRun>>;

/// A batch judged, ready to be written.
struct JudgedBatch {
    receipts: Receipts,
    runs: Vec<JudgedRun>,
}

/// Judged in runs of this many bodies, each run by one thread into one buffer of lines.
const RUN: usize = 64;

/// A run of a batch's bodies judged, in order, with the lines of those selected one after the
/// other in one buffer: the one-at-a-time part writes a stretch of selected events with one call
/// straight from it (a copy of each line into the output's buffer was a sixth of that part's
/// time, and a buffer of its own for every line an allocation made on one thread and freed on
/// another).
struct JudgedRun {
    judged: Vec<Option<Judged>>,
    lines: Vec<u8>,
}

/// A batch as [`InOrder::next`](crate::threads::InOrder::next) gives it back: an error when
/// judging it panicked (a bug). Its messages were not acknowledged: they come back after their
/// visibility timeout.
fn judged_batch(
    (receipts, judged): (Receipts, Result<Vec<JudgedRun>, crate::threads::Panicked>),
) -> io::Result<JudgedBatch> {
    let runs = judged.map_err(|_| {
        io::Error::other("a batch of events could not be decoded (an internal error; see the log)")
    })?;
    Ok(JudgedBatch { receipts, runs })
}

struct Tail {
    /// Each source's short name (the filter's `source:`).
    names: Vec<std::sync::Arc<str>>,
    /// What every body goes through, shared with the judging threads.
    judge: Arc<Judge>,
    delivery: Delivery,
    max_events: Option<u64>,
    dedupe: Dedupe,
    report: TailReport,
}

/// An event decoded, judged and, when selected, already written out (into its run's lines).
struct Judged {
    /// The event id's dedupe key (hashed here, on every core).
    key: u128,
    format: Format,
    /// The whole event, kept only when a journal wants it: otherwise it is freed on the judging
    /// thread (in parallel) rather than in the one-at-a-time part. Boxed: a judged body is moved
    /// several times on its way, and an event is large.
    event: Option<Box<TicketEvent>>,
    selected: bool,
    /// Where its line is in its run's `lines` (empty when not selected).
    line: std::ops::Range<usize>,
}

/// What a body goes through before the one-at-a-time part (dedupe, output, acks).
struct Judge {
    /// Which bodies are not worth decoding for the filter.
    prefilter: Prefilter,
    filter: Filter,
    /// An EventBridge pattern events must match too.
    pattern: Option<zdwatch_core::pattern::Pattern>,
    format: OutputFormat,
    raw_bytes: bool,
    mask: bool,
    /// Buffers of lines written out, kept for the runs to come (see [`Judge::lines`]).
    spare: std::sync::Mutex<Vec<Vec<u8>>>,
}

/// At most this many buffers of lines are kept for reuse (two batches' runs are in flight).
const SPARE_BUFFERS: usize = 64;

impl Judge {
    /// A buffer of lines for a run, empty: one written out before, or a new one. Reused, the
    /// buffers are allocated once: a new one for every run, made on a judging thread and freed on
    /// the writing one, left `tail` holding more memory than the lines it had in flight.
    fn lines(&self) -> Vec<u8> {
        self.spare
            .lock()
            .ok()
            .and_then(|mut spare| spare.pop())
            .unwrap_or_default()
    }

    /// A run's buffer of lines back, once written out.
    fn give_back(&self, mut lines: Vec<u8>) {
        lines.clear();
        if let Ok(mut spare) = self.spare.lock() {
            if spare.len() < SPARE_BUFFERS {
                spare.push(lines);
            }
        }
    }

    /// `None` when the body may be skipped and the prefilter sees it cannot match. A selected
    /// event's line is written at the end of `lines`.
    fn judge(
        &self,
        body: Received,
        may_skip: bool,
        name: Option<Arc<str>>,
        now: Timestamp,
        lines: &mut Vec<u8>,
    ) -> Option<Judged> {
        if may_skip && !self.prefilter.may_match(&body.body) {
            return None;
        }
        let mut event = decode(body);
        event.source = name;
        let selected = self.filter.matches(&event, now)
            && self
                .pattern
                .as_ref()
                .is_none_or(|p| p.matches_event(&event));
        let start = lines.len();
        if selected {
            let shown = if self.mask {
                std::borrow::Cow::Owned(zdwatch_core::event::mask::event(&event))
            } else {
                std::borrow::Cow::Borrowed(&event)
            };
            if self.format == OutputFormat::Ndjson {
                ndjson::ndjson_line(lines, &shown);
            } else {
                // Writing to memory cannot fail.
                let _ = write_event(lines, &shown, self.format, self.raw_bytes);
            }
        }
        let line = start..lines.len();
        // A body that may be skipped is one no journal wants (see `Tail::judge`).
        let key = Dedupe::key(&event.event_id);
        Some(Judged {
            key,
            format: event.format,
            event: (!may_skip).then(|| Box::new(event)),
            selected,
            line,
        })
    }
}

impl Tail {
    /// Hands a batch to the judging threads (every core, in order) and returns at once. Bodies
    /// the filter cannot match (a look at the raw text) are not decoded at all, unless a journal
    /// wants every event.
    fn judge(&self, batch: Vec<Message>, durability: &Durability, judging: &mut Judging) {
        let now = Timestamp::now();
        let mut receipts: Receipts = Vec::with_capacity(batch.len());
        let mut bodies: Vec<(Received, bool, Option<Arc<str>>)> = Vec::with_capacity(batch.len());
        for m in batch {
            let source = m.source;
            let (body, receipt) = m.into_received();
            let may_skip = !durability.covers(source);
            bodies.push((body, may_skip, self.names.get(source).cloned()));
            receipts.push((source, receipt));
        }
        let judge = Arc::clone(&self.judge);
        judging.push(receipts, move || {
            zdwatch_core::parallel::map_runs_in_order(bodies, RUN, |run| {
                // Room for a line a little longer than each body (what ndjson lines are).
                let room = run.iter().map(|(b, _, _)| b.body.len() + 256).sum();
                let mut lines = judge.lines();
                // Exactly (a reused buffer grown by `reserve` could double, and stay so).
                lines.reserve_exact(room);
                let judged = run
                    .into_iter()
                    .map(|(body, may_skip, name)| {
                        judge.judge(body, may_skip, name, now, &mut lines)
                    })
                    .collect();
                JudgedRun { judged, lines }
            })
        });
    }

    /// Writes a judged batch and flushes, then hands what to store and the acks that storing
    /// allows to the journal (settling what it can at once).
    async fn write(
        &mut self,
        batch: JudgedBatch,
        durability: &mut Durability,
        sources: &SourceSet,
        out: &mut impl Write,
        on_status: &mut impl FnMut(&str, &SourceStatus),
    ) -> io::Result<Stop> {
        let taken = self.write_out(batch, out)?;
        if let Some(settled) = durability.commit(taken.to_store, taken.acks) {
            self.settle(settled, sources, on_status).await;
        }
        Ok(taken.stop)
    }

    /// The one-at-a-time part of a judged batch: dedupe, write, flush.
    fn write_out(&mut self, batch: JudgedBatch, out: &mut impl Write) -> io::Result<Taken> {
        let mut acks = AckPlan::default();
        let handled = AckPlan::handled(self.delivery);
        let peek = self.delivery == Delivery::Peek;
        let mut to_store: Vec<(SourceId, Box<TicketEvent>)> = Vec::new();
        let mut stop = Stop::Continue;
        let mut receipts = batch.receipts.into_iter();
        'runs: for run in batch.runs {
            // Lines of selected events one after the other in the run's buffer, not yet written.
            let mut stretch = 0..0;
            for judged in run.judged {
                let Some((source, receipt)) = receipts.next() else {
                    break 'runs;
                };
                // The prefilter saw it cannot match: as for an event the filter refuses (below).
                let Some(Judged {
                    key,
                    format,
                    event,
                    selected,
                    line,
                }) = judged
                else {
                    self.report.filtered_out += 1;
                    acks.add(source, receipt, skipped(peek));
                    continue;
                };
                if self.dedupe.is_duplicate_key(key) {
                    // Its first copy is already written (and stored, or on its way: the ack waits).
                    acks.add(source, receipt, handled);
                    continue;
                }
                if !selected {
                    self.report.filtered_out += 1;
                    to_store.extend(event.map(|e| (source, e)));
                    // Not written, so not durable: never deleted. Peek releases it; consume leaves
                    // it to reappear after the visibility timeout for whoever wants it.
                    acks.add(source, receipt, skipped(peek));
                    continue;
                }
                // A line not right after the stretch (a duplicate's line lies between): the
                // stretch is written first.
                if line.start != stretch.end {
                    if !put(out, &run.lines[stretch])? {
                        return Ok(self.broken_pipe());
                    }
                    stretch = line.start..line.start;
                }
                stretch.end = line.end;
                self.dedupe.insert_key(key);
                acks.add(source, receipt, handled);
                self.count(format);
                to_store.extend(event.map(|e| (source, e)));
                if self
                    .max_events
                    .is_some_and(|max| self.report.written >= max)
                {
                    if !put(out, &run.lines[stretch])? {
                        return Ok(self.broken_pipe());
                    }
                    stop = Stop::Done;
                    break 'runs;
                }
            }
            if !put(out, &run.lines[stretch])? {
                return Ok(self.broken_pipe());
            }
            self.judge.give_back(run.lines);
        }
        // Messages after the last one wanted were not looked at: give them back at once.
        for (source, receipt) in receipts {
            acks.add(source, receipt, Disposition::Release);
        }
        match out.flush() {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(self.broken_pipe()),
            Err(e) => return Err(e),
        }
        // Flushed: the acks go once the journal (if any) has stored the events too.
        Ok(Taken {
            stop,
            to_store,
            acks,
        })
    }

    /// Gives back at once the messages of batches taken after the run stopped (not looked at).
    async fn release(
        &mut self,
        judging: Judging,
        durability: &mut Durability,
        sources: &SourceSet,
        on_status: &mut impl FnMut(&str, &SourceStatus),
    ) {
        let mut acks = AckPlan::default();
        for (source, receipt) in judging.abandon().flatten() {
            acks.add(source, receipt, Disposition::Release);
        }
        if let Some(settled) = durability.commit(Vec::new(), acks) {
            self.settle(settled, sources, on_status).await;
        }
    }

    /// Carries out what the journal settled: acks, and the warning when it stopped.
    async fn settle(
        &mut self,
        settled: Settled,
        sources: &SourceSet,
        on_status: &mut impl FnMut(&str, &SourceStatus),
    ) {
        match settled {
            Settled::Acks(acks) => acks.send(sources).await,
            Settled::Failed { why, acks } => {
                let why =
                    format!("{why}; zdwatch no longer deletes messages (they stay on the queue)");
                on_status("journal", &SourceStatus::Warning(why.clone()));
                self.report.journal_error = Some(why);
                acks.send(sources).await;
            }
            Settled::Ticket { .. } => {}
        }
    }

    /// The reader went away (`| head`): stop, and acknowledge nothing of this batch.
    fn broken_pipe(&mut self) -> Taken {
        self.report.broken_pipe = true;
        Taken {
            stop: Stop::Done,
            to_store: Vec::new(),
            acks: AckPlan::default(),
        }
    }

    fn count(&mut self, format: Format) {
        self.report.written += 1;
        match format {
            Format::Malformed => self.report.malformed += 1,
            Format::Unrecognized => self.report.unrecognized += 1,
            _ => {}
        }
    }
}

/// Writes `bytes`; `false` when the reader went away (a broken pipe).
fn put(out: &mut impl Write, bytes: &[u8]) -> io::Result<bool> {
    match out.write_all(bytes) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e),
    }
}

/// What becomes of a message the filter skipped: released at once when peeking; in consume mode
/// left to reappear after its visibility timeout for whoever wants it (the source stops keeping
/// it hidden).
fn skipped(peek: bool) -> Disposition {
    if peek {
        Disposition::Release
    } else {
        Disposition::Leave
    }
}
