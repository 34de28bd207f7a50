//! The TUI's state and its one way of changing: [`App::update`] takes a message (a key, a
//! batch from a source, a tick) and returns effects for the loop to carry out (journal commits
//! and the acks that follow them, journal reads, clipboard, browser). It does no I/O itself;
//! rendering (`ui`) only reads an `&App`.

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

use crossterm::event::{KeyEvent, MouseEvent, MouseEventKind};
use jiff::Timestamp;

use crate::ingest::AckPlan;
pub use dashboard::{
    CEILING_PER_MINUTE, CreatedRow, DashboardView, Figures, Panel, RateRow, SPARK_MINUTES,
    SourceHealth, Window,
};
pub use ingest::{HISTORY_SLICE, RECALL_LIMIT};
use keymap::{Action, Screen};
pub use pattern::{ActivePattern, PatternEditor};
pub use prompt::{LIVE_WORD_SEARCH, Prompt, PromptKind};
pub use stream::{Order, StreamView};
pub use view::{ListView, Rate};
use zdwatch_core::event::TicketEvent;
use zdwatch_core::filter::{Fields, Filter};
use zdwatch_core::stats::Stats;
use zdwatch_core::store::{EventStore, Seq, Timeline};
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
    Batch(Vec<Message>),
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
        events: Vec<(SourceId, TicketEvent)>,
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
}

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
    notice: Option<String>,
    utc: bool,
    size: (u16, u16),
    now: Timestamp,
    quit: bool,
    /// Something changed since the last frame.
    dirty: bool,
}

/// What the screens, the loop and tests read of the App; only `update` and the few setters below
/// change it.
impl App {
    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    pub fn dashboard(&self) -> &DashboardView {
        &self.dashboard
    }

    pub fn mask(&self) -> bool {
        self.mask
    }

    pub fn journaled(&self) -> bool {
        self.journaled
    }

    pub fn journal_error(&self) -> Option<&str> {
        self.journal_error.as_deref()
    }

    pub fn store(&self) -> &EventStore {
        &self.store
    }

    pub fn stream(&self) -> &StreamView {
        &self.stream
    }

    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    pub fn filter_text(&self) -> &str {
        &self.filter_text
    }

    pub fn highlight(&self) -> Option<&Filter> {
        self.highlight.as_ref()
    }

    pub fn highlight_text(&self) -> &str {
        &self.highlight_text
    }

    pub fn pattern(&self) -> Option<&ActivePattern> {
        self.pattern.as_ref()
    }

    pub fn prompt(&self) -> Option<&Prompt> {
        self.prompt.as_ref()
    }

    pub fn history(&self) -> &[String] {
        &self.history
    }

    pub fn sources(&self) -> &[SourceView] {
        &self.sources
    }

    pub fn rate(&self) -> &Rate {
        &self.rate
    }

    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    pub fn utc(&self) -> bool {
        self.utc
    }

    pub fn size(&self) -> (u16, u16) {
        self.size
    }

    pub fn now(&self) -> Timestamp {
        self.now
    }

    pub fn quit(&self) -> bool {
        self.quit
    }

    pub fn dirty(&self) -> bool {
        self.dirty
    }

    /// The screens open, the stream at the bottom.
    pub fn stack(&self) -> &[Mode] {
        &self.stack
    }

    /// Filters the stream anew with `filter` (what Enter in the filter bar does once the text
    /// parses; benches time it).
    pub fn apply_filter(&mut self, filter: Filter) {
        self.filter = filter;
        self.refilter();
    }

    /// The loop drew a frame with everything so far.
    pub fn drawn(&mut self) {
        self.dirty = false;
    }

    /// `--mask` at start.
    pub fn set_mask(&mut self, on: bool) {
        self.mask = on;
    }

    /// Whether a journal stores events before their messages are acknowledged (the status line
    /// says so, and timelines read evicted events back from it).
    pub fn set_journaled(&mut self, on: bool) {
        self.journaled = on;
    }

    /// Something the loop has to tell the user (a URL that could not be opened, history not loaded).
    pub fn notify(&mut self, text: String) {
        self.notice = Some(text);
        self.dirty = true;
    }

    /// Selects row `row` of the stream and stops following, as a click on it does.
    pub fn select_row(&mut self, row: usize) {
        self.stream.follow = false;
        self.stream.list.selected = row;
        self.dirty = true;
    }
}

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
                health: SourceHealth {
                    live: config.live.get(i).copied().unwrap_or(false),
                    ..SourceHealth::default()
                },
            })
            .collect();
        Ok(App {
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
                result,
            } => self.saved(&path, events, result),
            Msg::Batch(batch) => self.ingest(batch, &mut effects),
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
            Msg::Key(k) => self.key(k, &mut effects),
        }
        self.dirty = true;
        effects
    }

    /// Runs the filter over events that arrived since the last scan.
    fn scan_new(&mut self) {
        if let Some(p) = &mut self.pattern {
            p.catch_up(&self.store);
        }
        let first = self.store.first_seq();
        self.stream.drop_evicted(first);
        let now = self.now;
        let before = self.stream.visible.len();
        let pattern = self.pattern.as_ref().filter(|p| !p.highlight_only);
        for e in self.store.since(self.stream.scanned.max(first)) {
            if self.filter.matches(&e, now) && pattern.is_none_or(|p| p.matches(e.seq)) {
                self.stream.visible.push(e.seq);
            }
        }
        self.stream.scanned = self.store.next_seq();
        let added = self.stream.visible.len() - before;
        self.stream.place(before, &self.store);
        if self.stream.follow {
            self.stream.list.selected = self.stream.visible.len().saturating_sub(1);
        } else {
            self.stream.unseen += added;
        }
        self.keep_selection_visible();
    }

    /// Re-applies the filter to everything held, keeping the selected event when it still matches.
    pub fn refilter(&mut self) {
        let keep = self.selected_seq();
        self.stream.visible.clear();
        self.stream.scanned = self.store.first_seq();
        let follow = self.stream.follow;
        self.stream.follow = true;
        self.scan_new();
        self.stream.follow = follow;
        self.stream.unseen = 0;
        if !follow {
            if let Some(seq) = keep {
                let i = self.stream.position(seq, &self.store);
                self.stream.list.selected = i.min(self.stream.visible.len().saturating_sub(1));
            }
        }
        self.keep_selection_visible();
    }

    /// An event as the screen shows it: with customer data hidden while masking.
    pub fn shown(&self, seq: Seq) -> Option<zdwatch_core::event::TicketEvent> {
        let e = self.store.get(seq)?;
        Some(if self.mask {
            zdwatch_core::event::mask::event(&e)
        } else {
            e
        })
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

    fn key(&mut self, key: KeyEvent, effects: &mut Vec<Effect>) {
        let screen = self.screen();
        let action = self.config.keymap.action_for(screen, &key);
        if screen == Screen::PatternEditor {
            self.pattern_editor_key(action, &key);
            return;
        }
        if screen == Screen::Prompt {
            match action {
                Some(Action::Quit) => self.quit = true,
                Some(a) => self.prompt_action(a, effects),
                None => {
                    if let Some(p) = &mut self.prompt {
                        if p.edit(&key) {
                            self.prompt_changed();
                        }
                    }
                }
            }
            return;
        }
        if let Some(a) = action {
            self.act(a, effects);
        }
    }

    fn act(&mut self, action: Action, effects: &mut Vec<Effect>) {
        let page = usize::from(layout::list_rows(self.mode(), self.size)).max(1);
        match action {
            Action::Quit => self.quit = true,
            Action::Back => {
                if self.stack.len() > 1 {
                    self.stack.pop();
                }
            }
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-(page as i64)),
            Action::PageDown => self.move_by(page as i64),
            Action::Top => self.move_by(i64::MIN / 2),
            Action::Bottom => {
                self.move_by(i64::MAX / 2);
                if matches!(self.mode(), Mode::Stream) {
                    self.stream.follow = true;
                    self.stream.unseen = 0;
                }
            }
            Action::OpenFilter => {
                self.prompt = Some(Prompt::new(PromptKind::Filter, &self.filter_text))
            }
            Action::OpenCommand => self.prompt = Some(Prompt::new(PromptKind::Command, "")),
            Action::ClearFilter => {
                self.filter = Filter::match_all();
                self.filter_text.clear();
                self.refilter();
            }
            Action::OpenTimeline => {
                let Some(seq) = self.selected_seq() else {
                    return;
                };
                match self.store.held(seq).and_then(|e| e.ticket_id()) {
                    Some(ticket) => {
                        self.recall_from_journal(ticket, effects);
                        let timeline = Timeline::build(&self.store, ticket);
                        let selected = timeline
                            .entries
                            .iter()
                            .position(|x| x.seq == seq)
                            .unwrap_or(0);
                        let list = ListView {
                            selected,
                            offset: 0,
                        };
                        self.stack.push(Mode::Timeline { ticket, list });
                        self.keep_selection_visible();
                    }
                    // Events of no ticket (users, organizations, unrecognized) have no timeline.
                    None => self.open_detail(),
                }
            }
            Action::OpenDetail => self.open_detail(),
            Action::Help => self.stack.push(Mode::Help { scroll: 0 }),
            Action::TogglePause => {
                self.stream.paused = !self.stream.paused;
                if !self.stream.paused {
                    self.scan_new();
                }
            }
            Action::ToggleUtc => self.utc = !self.utc,
            Action::ToggleOrder => {
                self.stream.order = self.stream.order.toggled();
                self.refilter();
                self.notice = Some(format!("stream {}", self.stream.order.label()));
            }
            Action::NextMatch => self.jump_to_highlight(true),
            Action::PrevMatch => self.jump_to_highlight(false),
            Action::ToggleMask => {
                self.mask = !self.mask;
                self.notice = Some(
                    if self.mask {
                        "customer data masked (M shows it)"
                    } else {
                        "customer data shown (M masks it)"
                    }
                    .into(),
                );
            }
            Action::Copy => {
                if let Some(e) = self.selected_seq().and_then(|s| self.shown(s)) {
                    effects.push(Effect::Copy(e.raw.clone()));
                    self.notice = Some(format!(
                        "copied the raw event ({} bytes) to the clipboard",
                        e.raw.len()
                    ));
                }
            }
            Action::OpenInZendesk => {
                let ticket = self
                    .selected_seq()
                    .and_then(|s| self.store.held(s))
                    .and_then(|e| e.ticket_id());
                match (&self.config.zendesk_subdomain, ticket) {
                    (Some(sub), Some(id)) => effects.push(Effect::OpenUrl(format!(
                        "https://{sub}.zendesk.com/agent/tickets/{id}"
                    ))),
                    (None, _) => {
                        self.notice =
                            Some("start zdwatch with --zendesk-subdomain to open tickets".into())
                    }
                    (_, None) => self.notice = Some("this event belongs to no ticket".into()),
                }
            }
            Action::Save => {
                let name = format!("zdwatch-{}.ndjson", self.now.strftime("%Y%m%d-%H%M%S"));
                self.prompt = Some(Prompt::new(PromptKind::Save, &name));
            }
            Action::ToggleDashboard => {
                if self.mode() == &Mode::Dashboard {
                    self.stack.pop();
                } else if self.mode() == &Mode::Stream {
                    self.stack.push(Mode::Dashboard);
                    self.refresh_dashboard();
                }
            }
            Action::Left | Action::Right => self.dashboard.move_sideways(action == Action::Right),
            Action::Window(i) => {
                if let Some(w) = Window::ALL.get(usize::from(i)) {
                    self.dashboard.window = *w;
                    self.refresh_dashboard();
                }
            }
            Action::ApplySelection => self.apply_dashboard_selection(),
            Action::EditPattern => self.open_pattern_editor(),
            Action::TogglePatternMode => match &mut self.pattern {
                Some(p) => {
                    p.highlight_only = !p.highlight_only;
                    self.notice = Some(if p.highlight_only {
                        "the pattern highlights matching events".into()
                    } else {
                        "the pattern filters the stream".into()
                    });
                    self.refilter();
                }
                None => self.notice = Some(NO_PATTERN.into()),
            },
            Action::Explain => match (&self.pattern, self.selected_seq()) {
                (None, _) => self.notice = Some(NO_PATTERN.into()),
                (Some(_), Some(seq)) => self.stack.push(Mode::Explain { seq, scroll: 0 }),
                (Some(_), None) => {}
            },
            Action::ApplyPattern => {}
            Action::Accept
            | Action::Cancel
            | Action::ClearInput
            | Action::HistoryPrev
            | Action::HistoryNext
            | Action::NextSavedFilter => {}
        }
    }

    /// Enter on the dashboard: the stream, filtered to the events behind the selection.
    fn apply_dashboard_selection(&mut self) {
        let Some(text) = self.dashboard.selected_filter() else {
            self.notice = Some("nothing to filter on here".into());
            return;
        };
        match Filter::parse(&text) {
            Ok(f) => {
                self.filter = f;
                self.filter_text = text.clone();
                self.history.retain(|h| *h != text);
                self.history.push(text);
                self.stack.truncate(1);
                self.stream.follow = true;
                self.refilter();
            }
            // Only a value the filter language cannot express gets here; say so rather than guess.
            Err(e) => self.notice = Some(format!("cannot filter on this: {e}")),
        }
    }

    fn open_detail(&mut self) {
        if let Some(seq) = self.selected_seq() {
            self.stack.push(Mode::Detail { seq, scroll: 0 });
        }
    }

    fn move_by(&mut self, delta: i64) {
        let help_overflow = match self.mode() {
            Mode::Help { .. } => {
                help::overflow(self.help_lines(self.help_subject()).len(), self.size)
            }
            _ => 0,
        };
        let rows = layout::list_rows(self.mode(), self.size);
        let len = self.list_len();
        match self.stack.last_mut() {
            Some(Mode::Stream) | None => {
                self.stream.list.move_by(delta, len, rows);
                // Scrolling away from the newest event stops following; reaching it again resumes.
                self.stream.follow = self.stream.list.selected + 1 >= len;
                if self.stream.follow {
                    self.stream.unseen = 0;
                }
            }
            Some(Mode::Timeline { list, .. }) => list.move_by(delta, len, rows),
            Some(Mode::Dashboard) => self.dashboard.move_rows(delta),
            Some(Mode::Detail { scroll, .. } | Mode::Explain { scroll, .. }) => {
                let next = i64::from(*scroll)
                    .saturating_add(delta)
                    .clamp(0, i64::from(u16::MAX));
                *scroll = u16::try_from(next).unwrap_or(0);
            }
            Some(Mode::PatternEditor(_)) => {}
            Some(Mode::Help { scroll }) => {
                let max = help_overflow;
                let next = i64::from(*scroll)
                    .saturating_add(delta)
                    .clamp(0, i64::from(max));
                *scroll = u16::try_from(next).unwrap_or(0);
            }
        }
    }

    fn list_len(&self) -> usize {
        match self.mode() {
            Mode::Timeline { ticket, .. } => self.store.ticket(*ticket).len(),
            _ => self.stream.visible.len(),
        }
    }

    fn keep_selection_visible(&mut self) {
        let rows = layout::list_rows(&Mode::Stream, self.size);
        let len = self.stream.visible.len();
        self.stream.list.clamp(len, rows);
        let (tlen, trows) = (self.list_len(), layout::list_rows(self.mode(), self.size));
        if let Some(Mode::Timeline { list, .. }) = self.stack.last_mut() {
            list.clamp(tlen, trows);
        }
    }

    fn jump_to_highlight(&mut self, forward: bool) {
        let Some(h) = &self.highlight else {
            self.notice = Some("no highlight: set one with `:highlight EXPR`".into());
            return;
        };
        let seqs: Vec<Seq> = match self.mode() {
            Mode::Timeline { ticket, .. } => Timeline::build(&self.store, *ticket)
                .entries
                .iter()
                .map(|e| e.seq)
                .collect(),
            _ => self.stream.visible.clone(),
        };
        let current = match self.mode() {
            Mode::Timeline { list, .. } => list.selected,
            _ => self.stream.list.selected,
        };
        let hits = |i: &usize| {
            seqs.get(*i)
                .and_then(|s| self.store.held(*s))
                .is_some_and(|e| h.matches(&e, self.now))
        };
        let found = if forward {
            (current + 1..seqs.len()).find(hits)
        } else {
            (0..current).rev().find(hits)
        };
        match found {
            Some(i) => self.move_by(i as i64 - current as i64),
            None => {
                self.notice = Some(format!(
                    "no {} highlighted event",
                    if forward { "later" } else { "earlier" }
                ))
            }
        }
    }

    fn mouse(&mut self, m: MouseEvent) {
        match m.kind {
            MouseEventKind::ScrollUp => self.move_by(-3),
            MouseEventKind::ScrollDown => self.move_by(3),
            MouseEventKind::Down(_) => {
                if self.prompt.is_some()
                    || !matches!(self.mode(), Mode::Stream | Mode::Timeline { .. })
                {
                    return;
                }
                if let Some(row) = layout::list_row_at(self.mode(), self.size, m.row) {
                    let (offset, selected) = match self.mode() {
                        Mode::Timeline { list, .. } => (list.offset, list.selected),
                        _ => (self.stream.list.offset, self.stream.list.selected),
                    };
                    let target = offset + row;
                    if target < self.list_len() {
                        self.move_by(target as i64 - selected as i64);
                    }
                }
            }
            _ => {}
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
