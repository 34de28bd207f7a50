//! The TUI's state and its one way of changing: [`App::update`] takes a message (a key, a
//! batch from a source, a tick) and returns effects for the loop to carry out (journal commits
//! and the acks that follow them, journal reads, clipboard, browser). It does no I/O itself;
//! rendering (`ui`) only reads an `&App`.

mod access;
mod actions;
mod commands;
mod dashboard;
pub mod help;
mod ingest;
pub mod keymap;
pub mod layout;
mod pattern;
mod prompt;
mod stream;
mod view;

use crossterm::event::{KeyEvent, MouseEvent};
use jiff::Timestamp;

use crate::ingest::AckPlan;
pub use dashboard::{
    CEILING_PER_MINUTE, CreatedRow, DashboardView, Figures, Panel, RateRow, SPARK_MINUTES,
    SourceHealth, Window,
};
pub use ingest::{HISTORY_SLICE, RECALL_LIMIT};
use keymap::Screen;
pub use pattern::{ActivePattern, PatternEditor};
pub use prompt::{LIVE_WORD_SEARCH, Prompt, PromptKind};
pub use stream::{Order, StreamView};
pub use view::{BACKLOG_AGE, ListView, Rate};
use zdwatch_core::event::TicketEvent;
use zdwatch_core::filter::Filter;
use zdwatch_core::stats::Stats;
use zdwatch_core::store::{EventStore, Held, Seq, Timeline};
use zdwatch_journal::StoredEvent;
use zdwatch_sources::{Delivery, Message, SourceId, SourceStatus};

/// How the monitor was started.
#[derive(Clone, Debug)]
pub struct Config {
    pub sources: Vec<String>,
    pub delivery: Delivery,
    /// Whether any source is a queue (the delivery mode only matters then).
    pub reads_queues: bool,
    /// Per source (in the order of `sources`): whether it delivers events as they happen (a
    /// queue, the demo) rather than replaying a recording.
    pub live: Vec<bool>,
    pub utc: bool,
    pub zendesk_subdomain: Option<String>,
    pub max_events: usize,
    /// The stream's order at start (several sources and replays read best by time).
    pub order: Order,
    /// Named filters from the config file, offered in the filter bar (Tab), by name.
    pub saved_filters: Vec<(String, String)>,
    /// The key bindings in effect (built-in, with the config file's `[keys]`).
    pub keymap: keymap::Keymap,
    /// Where the monitor's log goes, shown at the end of the help.
    pub log_place: Option<String>,
    /// The colours of the screen's parts (the config file's `[theme]`).
    pub palette: crate::palette::Palette,
}

/// Everything that can happen to the app.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Paste(String),
    /// Messages as received (decoded by the app).
    Batch(Vec<Message>),
    /// Messages decoded before they reached the app (the event loop's decoding stage).
    Decoded(Vec<crate::ingest::Decoded>),
    Status(SourceId, SourceStatus),
    Finished(SourceId),
    Tick,
    /// SIGTERM or SIGHUP: quit as if the user had.
    Shutdown,
    /// The journal stopped taking events: nothing is deleted from now on.
    JournalFailed(String),
    /// A capture written (or not) after `Effect::Save`.
    Saved {
        path: String,
        events: usize,
        /// Events on screen whose bodies are missing (not written).
        left_out: usize,
        result: Result<(), String>,
    },
    /// A ticket's events read back from the journal (after `Effect::Recall`).
    Recalled {
        ticket: u64,
        result: Result<Vec<StoredEvent>, String>,
    },
}

const NO_PATTERN: &str = "no EventBridge pattern: set one with p, :pattern or --pattern";

/// What the loop must do after an update.
#[derive(Debug)]
pub enum Effect {
    /// Store these events (those of journaled sources); the acks may go once they are on disk.
    Commit {
        events: Vec<(SourceId, Box<TicketEvent>)>,
        acks: AckPlan,
    },
    /// Read a ticket's events back from the journal (answered with `Msg::Recalled`).
    Recall(u64),
    /// Write a capture of `events` events to a new file (created 0600, never overwritten: events
    /// hold customer data); answered with `Msg::Saved`.
    Save {
        path: String,
        bytes: Vec<u8>,
        events: usize,
        /// Events on screen whose bodies are missing (their capture file changed): not written.
        left_out: usize,
    },
    /// Put these bytes on the clipboard (OSC 52).
    Copy(Vec<u8>),
    OpenUrl(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum SourceState {
    Connecting,
    Connected,
    Retrying {
        until: Timestamp,
        problem: String,
        /// Requests that failed in a row.
        failures: u32,
    },
    Finished,
    Failed(String),
}

/// One source as the monitor knows it: what it is called, how it is doing, its health.
#[derive(Clone, Debug)]
pub struct SourceView {
    /// The queue URL or file path, as given.
    pub name: String,
    /// The queue or file name: given to its events (the filter's `source:`), shown in columns.
    pub short: std::sync::Arc<str>,
    pub state: SourceState,
    /// Depth, lag, errors (the dashboard's queue health); `live` when it delivers events as they
    /// happen.
    pub health: SourceHealth,
    /// `--replay-since`: the archive replay into this source's queue.
    pub replay: Option<zdwatch_sources::ReplayProgress>,
    /// A recording's time so far (the newest event time read from it): a body without a time
    /// of its own is placed there, not at the wall clock's now.
    pub recorded_until: Option<Timestamp>,
    /// When the source last delivered an event, and since when it has been connected: a quiet
    /// queue is "connected, waiting", not broken.
    pub last_event: Option<Timestamp>,
    pub connected_since: Option<Timestamp>,
}

/// Connected this long without an event, a queue is said to be waiting, and the stream suggests
/// `zdwatch doctor`.
pub const QUIET: jiff::SignedDuration = jiff::SignedDuration::from_secs(60);

/// A screen on the stack; the stream is always at the bottom.
#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    Stream,
    Dashboard,
    Timeline {
        ticket: u64,
        list: ListView,
    },
    Detail {
        seq: Seq,
        scroll: u16,
    },
    /// Why an event matches the pattern or not.
    Explain {
        seq: Seq,
        scroll: u16,
    },
    /// The `:pattern` editor, over the screen below.
    PatternEditor(PatternEditor),
    Help {
        scroll: u16,
    },
}

/// What a refilter in progress keeps for its end: the event selected before, and whether the
/// stream was following new events.
#[derive(Clone, Copy, Debug)]
struct Refiltering {
    keep: Option<zdwatch_core::store::Seq>,
    follow: bool,
}

/// How many of the newest events a filter that shows nothing is checked against for a value none
/// of them has.
pub const UNSEEN_SAMPLE: u64 = 50_000;

/// How many of the newest events the no-match screen looks at for a pattern's near misses.
pub const NEAR_MISS_SAMPLE: u64 = 5_000;

/// Events a refilter looks at between two checks of its time budget.
const WORK_STEP: usize = 256;
/// The same for a word search, whose steps are shared out over every core: larger, so that
/// handing them out costs little beside the work (1,024 events whose bodies all had to be
/// decoded take about 2 ms on two cores; most are ruled out undecoded), and larger still when
/// nothing waits for the refilter to end.
const SEARCH_STEP: usize = 1024;
const SEARCH_STEP_UNHURRIED: usize = 16 * 1024;

/// How long a notice stays on the status line without a key pressed.
pub const NOTICE_LIFETIME: jiff::SignedDuration = jiff::SignedDuration::from_secs(8);

pub struct App {
    config: Config,
    /// Aggregates by minute of occurrence, for the dashboard (each event counted once).
    stats: Stats,
    dashboard: DashboardView,
    /// `--mask` / `M`: customer data hidden on screen and in what is copied or saved.
    mask: bool,
    /// Whether events from queues are stored in a journal before their messages are deleted.
    journaled: bool,
    /// Why the journal stopped taking events (nothing is deleted from then on).
    journal_error: Option<String>,
    store: EventStore,
    stream: StreamView,
    filter: Filter,
    filter_text: String,
    highlight: Option<Filter>,
    highlight_text: String,
    /// An EventBridge pattern filtering or highlighting the stream.
    pattern: Option<ActivePattern>,
    stack: Vec<Mode>,
    prompt: Option<Prompt>,
    history: Vec<String>,
    sources: Vec<SourceView>,
    rate: Rate,
    /// A one-line message on the status line; the next key replaces it, and it goes by itself
    /// after [`NOTICE_LIFETIME`].
    notice: Option<String>,
    /// When the notice shown was set.
    notice_since: Option<Timestamp>,
    /// Why the filter shows nothing (`no held event has tag 'vip '`), worked out on refiltering.
    empty_reason: Option<String>,
    /// The newest event time held: "now" for a recording, whose events may be a year old.
    latest: Option<Timestamp>,
    /// The pattern's near misses, when it lets nothing through (worked out on refiltering).
    near_misses: Vec<(usize, String)>,
    /// A refilter in progress (typing in the filter bar), carried on by [`App::work`].
    filtering: Option<Refiltering>,
    utc: bool,
    size: (u16, u16),
    now: Timestamp,
    quit: bool,
    /// Something changed since the last frame.
    dirty: bool,
    /// Events decoded for the screen lately: the rows on screen are drawn every frame, and
    /// decoding them again each time cost most of a frame with many events held.
    decoded: std::cell::RefCell<Decoded>,
}

/// The last [`DECODED_ROWS`] events decoded for the screen, by sequence number (a held event
/// never changes; one that left memory is not looked up here).
#[derive(Default)]
struct Decoded {
    events: std::collections::HashMap<Seq, zdwatch_core::event::TicketEvent>,
    order: std::collections::VecDeque<Seq>,
}

/// Enough for every row of a tall screen and the rows around it.
const DECODED_ROWS: usize = 512;

impl App {
    /// The key bindings in effect: every key hint on screen names these.
    pub fn keymap(&self) -> &keymap::Keymap {
        &self.config.keymap
    }

    /// The help (`?`) for `screen`.
    pub fn help_lines(&self, screen: Screen) -> Vec<help::HelpLine> {
        help::lines(
            &self.config.keymap,
            screen,
            self.config.log_place.as_deref(),
        )
    }

    pub fn new(
        config: Config,
        filter_text: &str,
        now: Timestamp,
    ) -> Result<App, zdwatch_core::filter::FilterError> {
        let filter = Filter::parse(filter_text)?;
        let sources = config
            .sources
            .iter()
            .enumerate()
            .map(|(i, n)| SourceView {
                name: n.clone(),
                short: zdwatch_sources::short_name(n).into(),
                state: SourceState::Connecting,
                replay: None,
                recorded_until: None,
                last_event: None,
                connected_since: None,
                health: SourceHealth {
                    live: config.live.get(i).copied().unwrap_or(false),
                    ..SourceHealth::default()
                },
            })
            .collect();
        Ok(App {
            decoded: Default::default(),
            dashboard: DashboardView::default(),
            mask: false,
            store: EventStore::new(config.max_events),
            journaled: false,
            journal_error: None,
            stats: Stats::default(),
            stream: StreamView {
                follow: true,
                order: config.order,
                ..StreamView::default()
            },
            filter,
            filter_text: filter_text.to_string(),
            highlight: None,
            highlight_text: String::new(),
            pattern: None,
            stack: vec![Mode::Stream],
            prompt: None,
            history: if filter_text.is_empty() {
                Vec::new()
            } else {
                vec![filter_text.to_string()]
            },
            sources,
            rate: Rate::default(),
            notice: None,
            notice_since: None,
            empty_reason: None,
            latest: None,
            near_misses: Vec::new(),
            filtering: None,
            utc: config.utc,
            size: (80, 24),
            now,
            quit: false,
            dirty: true,
            config,
        })
    }

    pub fn mode(&self) -> &Mode {
        self.stack.last().unwrap_or(&Mode::Stream)
    }

    pub fn screen(&self) -> Screen {
        if self.prompt.is_some() {
            return Screen::Prompt;
        }
        match self.mode() {
            Mode::Stream => Screen::Stream,
            Mode::Dashboard => Screen::Dashboard,
            Mode::Timeline { .. } => Screen::Timeline,
            Mode::Detail { .. } => Screen::Detail,
            Mode::Explain { .. } => Screen::Explain,
            Mode::PatternEditor(_) => Screen::PatternEditor,
            Mode::Help { .. } => Screen::Help,
        }
    }

    /// The screen under the help overlay (whose keys the help lists).
    pub fn help_subject(&self) -> Screen {
        match self
            .stack
            .iter()
            .rev()
            .find(|m| !matches!(m, Mode::Help { .. }))
        {
            Some(Mode::Timeline { .. }) => Screen::Timeline,
            Some(Mode::Detail { .. }) => Screen::Detail,
            Some(Mode::Explain { .. }) => Screen::Explain,
            Some(Mode::Dashboard) => Screen::Dashboard,
            _ => Screen::Stream,
        }
    }

    pub fn update(&mut self, msg: Msg, now: Timestamp) -> Vec<Effect> {
        self.now = now;
        let mut effects = Vec::new();
        match msg {
            Msg::Tick => {
                self.rate.roll(now);
                if self
                    .notice_since
                    .is_some_and(|t| now.duration_since(t) >= NOTICE_LIFETIME)
                {
                    self.notice = None;
                    self.notice_since = None;
                    self.dirty = true;
                }
                // The status line shows live counters and countdowns; redraw about once a second.
                self.dirty |= self.rate.second_changed();
                if self.mode() == &Mode::Dashboard && self.dashboard.due(now, self.is_live()) {
                    self.refresh_dashboard();
                    self.dirty = true;
                }
                return effects;
            }
            Msg::Shutdown => self.quit = true,
            Msg::JournalFailed(why) => {
                self.journal_error = Some(format!("{why} — no longer deleting messages"));
            }
            Msg::Recalled { ticket, result } => self.recalled(ticket, result),
            Msg::Saved {
                path,
                events,
                left_out,
                result,
            } => self.saved(&path, events, left_out, result),
            Msg::Batch(batch) => {
                let decoded = crate::ingest::decode(batch, self.store.dictionary());
                self.ingest(decoded, &mut effects);
            }
            Msg::Decoded(batch) => self.ingest(batch, &mut effects),
            Msg::Status(id, status) => self.source_status(id, status),
            Msg::Finished(id) => {
                if let Some(s) = self.sources.get_mut(id) {
                    s.state = SourceState::Finished;
                }
            }
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.keep_selection_visible();
            }
            Msg::Paste(text) => {
                if let Some(Mode::PatternEditor(editor)) = self.stack.last_mut() {
                    editor.insert(&text);
                } else if let Some(p) = &mut self.prompt {
                    p.insert(&text.replace(['\n', '\r'], " "));
                    self.prompt_changed();
                }
            }
            Msg::Mouse(m) => self.mouse(m),
            Msg::Key(k) => {
                // A key is the user moving on: what the last notice said is stale.
                self.notice = None;
                self.notice_since = None;
                self.key(k, &mut effects);
            }
        }
        match (&self.notice, self.notice_since) {
            (Some(_), None) => self.notice_since = Some(now),
            (None, Some(_)) => self.notice_since = None,
            _ => {}
        }
        self.dirty = true;
        effects
    }

    /// Runs the filter over events that arrived since the last scan.
    fn scan_new(&mut self) {
        self.scan(usize::MAX);
    }

    /// Runs the filter over at most `limit` events from where the last scan stopped; returns
    /// whether it reached the newest.
    fn scan(&mut self, limit: usize) -> bool {
        if let Some(p) = &mut self.pattern {
            p.catch_up(&self.store);
        }
        let first = self.store.first_seq();
        self.stream.drop_evicted(first);
        let now = self.now;
        let before = self.stream.visible.len();
        let pattern = self.pattern.as_ref().filter(|p| !p.highlight_only);
        let mut next = self.stream.scanned.max(first);
        let held: Vec<Held<'_>> = self.store.since(next).take(limit).collect();
        let seen = held.len();
        next = held.last().map_or(next, |e| e.seq + 1);
        let filter = &self.filter;
        let keep = |e: Held<'_>| {
            (filter.matches(&e, now) && pattern.is_none_or(|p| p.matches(e.seq))).then_some(e.seq)
        };
        // A word search decodes bodies: on every core, in order. Other filters read only the
        // records, faster than sharing them out would be.
        let kept: Vec<Option<Seq>> = if filter.searches_text() {
            zdwatch_core::parallel::map_in_order(held, keep)
        } else {
            held.into_iter().map(keep).collect()
        };
        self.stream.visible.extend(kept.into_iter().flatten());
        let done = seen < limit || next >= self.store.next_seq();
        self.stream.scanned = if done { self.store.next_seq() } else { next };
        let added = self.stream.visible.len() - before;
        self.stream.place(before, &self.store);
        if self.stream.follow {
            self.stream.list.selected = self.stream.visible.len().saturating_sub(1);
        } else {
            self.stream.unseen += added;
        }
        self.keep_selection_visible();
        done
    }

    /// Re-applies the filter to everything held, keeping the selected event when it still matches.
    pub fn refilter(&mut self) {
        self.begin_refilter();
        while self.work(None) {}
    }

    /// Starts re-applying the filter; [`App::work`] carries it on in slices, so that typing in
    /// the filter bar is echoed at once however many events are held (the newest text wins: a
    /// new start drops the scan in progress).
    pub(super) fn begin_refilter(&mut self) {
        let (keep, follow) = match self.filtering.take() {
            // A scan in progress: keep what it was keeping.
            Some(job) => (job.keep, job.follow),
            None => (self.selected_seq(), self.stream.follow),
        };
        self.stream.visible.clear();
        self.stream.scanned = self.store.first_seq();
        self.stream.follow = true;
        self.filtering = Some(Refiltering { keep, follow });
    }

    /// Whether a refilter is in progress (the filter bar's count shows `…`).
    pub fn filtering(&self) -> bool {
        self.filtering.is_some()
    }

    /// Carries a refilter on for about `budget` (`None`: to its end); returns whether work is left.
    pub fn work(&mut self, budget: Option<std::time::Duration>) -> bool {
        let Some(job) = self.filtering else {
            return false;
        };
        let started = std::time::Instant::now();
        // Small steps, so that the budget is checked often: a word search decodes bodies, and
        // 4,096 of them on one core took 35 ms, which is how long a key then waited.
        let step = match (self.filter.searches_text(), budget) {
            (false, _) => WORK_STEP,
            (true, Some(_)) => SEARCH_STEP,
            (true, None) => SEARCH_STEP_UNHURRIED,
        };
        loop {
            if self.scan(step) {
                break;
            }
            if budget.is_some_and(|b| started.elapsed() >= b) {
                return true;
            }
        }
        self.filtering = None;
        self.dirty = true;
        let (keep, follow) = (job.keep, job.follow);
        self.stream.follow = follow;
        self.stream.unseen = 0;
        if !follow {
            if let Some(seq) = keep {
                let i = self.stream.position(seq, &self.store);
                self.stream.list.selected = i.min(self.stream.visible.len().saturating_sub(1));
            }
        }
        self.keep_selection_visible();
        // Nothing shown: say which value no held event has, rather than a silent 0.
        // Bounded, so that a filter typed over half a million events stays quick.
        self.empty_reason = if self.stream.visible.is_empty() && !self.store.is_empty() {
            let next = self.store.next_seq();
            let from = next
                .saturating_sub(UNSEEN_SAMPLE)
                .max(self.store.first_seq());
            let among = (from > self.store.first_seq()).then_some(UNSEEN_SAMPLE as usize);
            self.filter.unseen(self.store.since(from), among)
        } else {
            None
        };
        // A pattern that lets nothing through: count its near misses among the newest events.
        self.near_misses = match &self.pattern {
            Some(p) if !p.highlight_only && self.stream.visible.is_empty() => {
                let next = self.store.next_seq();
                let from = next
                    .saturating_sub(NEAR_MISS_SAMPLE)
                    .max(self.store.first_seq());
                let bodies: Vec<Vec<u8>> =
                    (from..next).filter_map(|s| self.store.body(s)).collect();
                p.pattern.near_misses(bodies.iter().map(Vec::as_slice))
            }
            _ => Vec::new(),
        };
        false
    }

    /// A pattern's near misses among the newest events held, when it lets nothing through.
    pub fn near_misses(&self) -> &[(usize, String)] {
        &self.near_misses
    }

    /// The time that "so far" runs to: now when a source is live, else the end of the recording
    /// (the newest event held), so that a year-old capture does not say "334d so far".
    pub fn so_far(&self) -> Timestamp {
        match self.latest {
            Some(t) if !self.is_live() => t,
            _ => self.now,
        }
    }

    /// Why the filter shows nothing, when a value it names is on no held event.
    pub fn empty_reason(&self) -> Option<&str> {
        self.empty_reason.as_deref()
    }

    /// An event as the screen shows it: with customer data hidden while masking.
    pub fn shown(&self, seq: Seq) -> Option<zdwatch_core::event::TicketEvent> {
        let e = self.decoded(seq)?;
        Some(if self.mask {
            zdwatch_core::event::mask::event(&e)
        } else {
            e
        })
    }

    /// A held event decoded, from the events decoded lately when it is among them.
    fn decoded(&self, seq: Seq) -> Option<zdwatch_core::event::TicketEvent> {
        // Still held (an event that left memory is not shown from here).
        self.store.held(seq)?;
        let mut decoded = self.decoded.borrow_mut();
        if let Some(e) = decoded.events.get(&seq) {
            return Some(e.clone());
        }
        let (e, lasting) = self.store.get_lasting(seq)?;
        if !lasting {
            // Its body could not be read for now: asked again next time, not kept missing.
            return Some(e);
        }
        if decoded.order.len() >= DECODED_ROWS {
            if let Some(old) = decoded.order.pop_front() {
                decoded.events.remove(&old);
            }
        }
        decoded.order.push_back(seq);
        decoded.events.insert(seq, e.clone());
        Some(e)
    }

    /// A user's name when known (and not masked).
    pub fn user_name(&self, user: u64) -> Option<&str> {
        self.store.name(user).filter(|_| !self.mask)
    }

    /// `Tom Becker` when the name is known and not masked, else the id.
    pub fn user_label(&self, user: u64) -> String {
        self.user_name(user)
            .map_or_else(|| user.to_string(), str::to_string)
    }

    pub fn selected_seq(&self) -> Option<Seq> {
        match self.mode() {
            Mode::Timeline { ticket, list } => Timeline::build(&self.store, *ticket)
                .entries
                .get(list.selected)
                .map(|e| e.seq),
            Mode::Detail { seq, .. } | Mode::Explain { seq, .. } => Some(*seq),
            _ => self.stream.visible.get(self.stream.list.selected).copied(),
        }
    }

    /// Whether the event should be drawn highlighted (`:highlight`, or a highlighting pattern).
    pub fn is_highlighted(&self, seq: Seq) -> bool {
        self.highlight.as_ref().is_some_and(|h| {
            self.store
                .held(seq)
                .is_some_and(|e| h.matches(&e, self.now))
        }) || self
            .pattern
            .as_ref()
            .is_some_and(|p| p.highlight_only && p.matches(seq))
    }
}
