//! `zdwatch tail`: decode, dedupe, filter, write a line, flush — and only then acknowledge.

pub mod emit;
mod format;
pub mod report;
pub mod test_pattern;

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::time::Instant;

pub use format::{write_csv, write_csv_header, write_event, write_ndjson, write_raw, write_text};

use crate::cli::OutputFormat;
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
    /// Whether stdout is a terminal (raw bodies are then sanitised).
    pub to_terminal: bool,
    /// `--mask`: customer data hidden in what is written (the journal keeps the original).
    pub mask: bool,
    /// Where events from queues are stored before their messages are deleted (may be empty).
    pub journals: Journals,
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

/// At most this many messages are handled (and committed) together.
const MERGE_UP_TO: usize = 4096;

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
    let prefilter = Prefilter::new(&opts.filter);
    let mut state = Tail {
        names: sources.names.iter().map(|n| short_name(n).into()).collect(),
        opts,
        dedupe: Dedupe::new(Dedupe::DEFAULT_CAPACITY),
        peeked: Dedupe::new(Dedupe::DEFAULT_CAPACITY),
        prefilter,
        report: TailReport::default(),
    };
    let idle = state.opts.idle_exit;
    let mut deadline = idle.map(|d| Instant::now() + d);
    let mut shutdown = Box::pin(shutdown_signal());
    let mut carried: Option<SourceEvent> = None;
    if state.opts.format == OutputFormat::Csv {
        format::write_csv_header(out)?;
    }
    loop {
        let until = deadline;
        let idle_timer = async move {
            match until {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let event = match carried.take() {
            Some(e) => Some(e),
            None => tokio::select! {
                e = sources.events.recv() => e,
                _ = idle_timer => break,
                _ = &mut shutdown => break,
            },
        };
        match event {
            None => break,
            Some(SourceEvent::Batch(mut batch)) => {
                // Batches waiting already are written, flushed and stored together (one commit).
                while batch.len() < MERGE_UP_TO {
                    match sources.events.try_recv() {
                        Ok(SourceEvent::Batch(mut more)) => batch.append(&mut more),
                        Ok(other) => {
                            carried = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                let written_before = state.report.written;
                let journal_ok = state.report.journal_error.is_none();
                let (stop, acks) = state.batch(batch, out)?;
                if let (true, Some(why)) = (journal_ok, &state.report.journal_error) {
                    on_status("journal", &SourceStatus::Warning(why.clone()));
                }
                for ((source, disposition), receipts) in acks {
                    sources.ack(source, receipts, disposition).await;
                }
                if state.report.written > written_before {
                    deadline = idle.map(|d| Instant::now() + d);
                }
                if matches!(stop, Stop::Done) {
                    break;
                }
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
    state.report.duplicates = state.dedupe.duplicates();
    release_unread(&mut sources).await;
    sources.shutdown().await;
    Ok(state.report)
}

struct Tail {
    /// Each source's short name (the filter's `source:`).
    names: Vec<std::sync::Arc<str>>,
    opts: TailOptions,
    dedupe: Dedupe,
    /// Peek: SQS message ids already handled (a released message comes straight back).
    peeked: Dedupe,
    /// Which bodies are not worth decoding for the filter.
    prefilter: Prefilter,
    report: TailReport,
}

type Acks = HashMap<(SourceId, Disposition), Vec<String>>;

/// What became of a message before the filter looked at its event.
enum Item {
    /// Its event (or `None`: the prefilter saw it cannot match) is next among the decoded ones.
    Decoded,
    /// Peek: the same message again.
    Again,
}

/// An event decoded, judged and, when selected, already written out.
struct Judged {
    event_id: String,
    format: Format,
    /// The whole event, kept only when a journal wants it: otherwise it is freed on the judging
    /// thread (in parallel) rather than in the one-at-a-time part.
    event: Option<TicketEvent>,
    selected: bool,
    line: Vec<u8>,
}

/// What a body goes through before the one-at-a-time part (dedupe, output, acks).
struct Judge<'a> {
    prefilter: &'a Prefilter,
    filter: &'a Filter,
    pattern: Option<&'a zdwatch_core::pattern::Pattern>,
    format: OutputFormat,
    to_terminal: bool,
    mask: bool,
    now: Timestamp,
}

impl Judge<'_> {
    /// `None` when the body may be skipped and the prefilter sees it cannot match.
    fn judge(&self, body: Received, may_skip: bool, name: Option<Arc<str>>) -> Option<Judged> {
        if may_skip && !self.prefilter.may_match(&body.body) {
            return None;
        }
        let mut event = decode(body);
        event.source = name;
        let selected = self.filter.matches(&event, self.now)
            && self.pattern.is_none_or(|p| p.matches_event(&event));
        let mut line = Vec::new();
        if selected {
            let shown = if self.mask {
                std::borrow::Cow::Owned(zdwatch_core::event::mask::event(&event))
            } else {
                std::borrow::Cow::Borrowed(&event)
            };
            // Writing to memory cannot fail.
            let _ = write_event(&mut line, &shown, self.format, self.to_terminal);
        }
        // A body that may be skipped is one no journal wants (see `Tail::batch`).
        let event_id = if may_skip {
            std::mem::take(&mut event.event_id)
        } else {
            event.event_id.clone()
        };
        Some(Judged {
            event_id,
            format: event.format,
            event: (!may_skip).then_some(event),
            selected,
            line,
        })
    }

    /// Judges every body on every core, keeping the order.
    fn all(&self, bodies: Vec<(Received, bool, Option<Arc<str>>)>) -> Vec<Option<Judged>> {
        zdwatch_core::parallel::map_in_order(bodies, |(body, may_skip, name)| {
            self.judge(body, may_skip, name)
        })
    }
}

impl Tail {
    /// Writes a batch and flushes; returns the acks that are now safe to send.
    fn batch(&mut self, batch: Vec<Message>, out: &mut impl Write) -> io::Result<(Stop, Acks)> {
        let now = Timestamp::now();
        let mut acks: Acks = HashMap::new();
        let handled = match self.opts.delivery {
            Delivery::Consume => Disposition::Delete,
            Delivery::Peek => Disposition::Release,
        };
        let mut written_here: Vec<(SourceId, Option<String>)> = Vec::new();
        let mut to_store: Vec<(SourceId, TicketEvent)> = Vec::new();
        let mut stop = Stop::Continue;
        // Bodies the filter cannot match (a look at the raw text) are not decoded at all, unless a
        // journal wants every event; the look and the decoding run on every core, in order.
        let mut items: Vec<(SourceId, Option<String>, Item)> = Vec::with_capacity(batch.len());
        let mut bodies: Vec<(Received, bool, Option<Arc<str>>)> = Vec::new();
        for m in batch {
            let seen = |id: &String| !self.peeked.insert(id);
            let item = if self.opts.delivery == Delivery::Peek
                && m.message_id.as_ref().is_some_and(seen)
            {
                Item::Again
            } else {
                let may_skip = !self.opts.journals.covers(m.source);
                bodies.push((
                    Received {
                        body: m.body,
                        message_id: m.message_id,
                        received_at: m.received_at,
                    },
                    may_skip,
                    self.names.get(m.source).cloned(),
                ));
                Item::Decoded
            };
            items.push((m.source, m.receipt, item));
        }
        let judge = Judge {
            prefilter: &self.prefilter,
            filter: &self.opts.filter,
            pattern: self.opts.pattern.as_ref(),
            format: self.opts.format,
            to_terminal: self.opts.to_terminal,
            mask: self.opts.mask,
            now,
        };
        let mut decoded = judge.all(bodies).into_iter();
        let mut messages = items.into_iter();
        for (source, receipt, item) in messages.by_ref() {
            let event = match item {
                Item::Decoded => decoded.next().flatten(),
                // The same message again, not a duplicate event: give it back once more.
                Item::Again => {
                    if let Some(r) = receipt {
                        acks.entry((source, Disposition::Release))
                            .or_default()
                            .push(r);
                    }
                    continue;
                }
            };
            // The prefilter saw it cannot match: as for an event the filter refuses (below).
            let Some(Judged {
                event_id,
                format,
                event,
                selected,
                line,
            }) = event
            else {
                self.report.filtered_out += 1;
                if let (Some(r), Delivery::Peek) = (receipt, self.opts.delivery) {
                    acks.entry((source, Disposition::Release))
                        .or_default()
                        .push(r);
                }
                continue;
            };
            let mut ack = |disposition| {
                if let Some(r) = receipt.clone() {
                    acks.entry((source, disposition)).or_default().push(r);
                }
            };
            if self.dedupe.is_duplicate(&event_id) {
                // Its first copy is already written: the copy is handled too.
                ack(handled);
                continue;
            }
            if !selected {
                self.report.filtered_out += 1;
                if let Some(event) = event {
                    to_store.push((source, event));
                }
                // Not written, so not durable: never deleted. Peek releases it; consume leaves it
                // to reappear after the visibility timeout for whoever wants it.
                if self.opts.delivery == Delivery::Peek {
                    ack(Disposition::Release);
                }
                continue;
            }
            match out.write_all(&line) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                    self.report.broken_pipe = true;
                    return Ok((Stop::Done, HashMap::new()));
                }
                Err(e) => return Err(e),
            }
            self.dedupe.insert(&event_id);
            written_here.push((source, receipt));
            self.count(format);
            if let Some(event) = event {
                to_store.push((source, event));
            }
            if self
                .opts
                .max_events
                .is_some_and(|max| self.report.written >= max)
            {
                stop = Stop::Done;
                break;
            }
        }
        // Messages after the last one wanted were not looked at: give them back at once.
        for (source, receipt, _) in messages {
            if let Some(r) = receipt {
                acks.entry((source, Disposition::Release))
                    .or_default()
                    .push(r);
            }
        }
        match out.flush() {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.report.broken_pipe = true;
                return Ok((Stop::Done, HashMap::new()));
            }
            Err(e) => return Err(e),
        }
        // Flushed; stored too when there is a journal: only then may their messages go.
        if self.report.journal_error.is_none() && !to_store.is_empty() {
            if let Err(e) = self
                .opts
                .journals
                .append(to_store.iter().map(|(s, e)| (*s, e)))
            {
                let hint = if e.is_full() { " (full)" } else { "" };
                self.report.journal_error = Some(format!(
                    "journal{hint}: {e}; zdwatch no longer deletes messages (they stay on the queue)"
                ));
            }
        }
        if self.report.journal_error.is_some() && handled == Disposition::Delete {
            // Not stored: nothing may be deleted, not even copies of events in this batch.
            acks.retain(|(_, disposition), _| *disposition != Disposition::Delete);
            return Ok((stop, acks));
        }
        for (source, receipt) in written_here {
            if let Some(r) = receipt {
                acks.entry((source, handled)).or_default().push(r);
            }
        }
        Ok((stop, acks))
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

/// Messages received but never looked at go back to the queue at once instead of after the visibility timeout.
pub async fn release_unread(sources: &mut SourceSet) {
    sources.events.close();
    let mut unread: HashMap<SourceId, Vec<String>> = HashMap::new();
    while let Ok(event) = sources.events.try_recv() {
        if let SourceEvent::Batch(batch) = event {
            for m in batch {
                if let Some(r) = m.receipt {
                    unread.entry(m.source).or_default().push(r);
                }
            }
        }
    }
    for (source, receipts) in unread {
        sources.ack(source, receipts, Disposition::Release).await;
    }
}

/// Ctrl-C or SIGTERM: stop reading, let acks finish, exit cleanly.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
