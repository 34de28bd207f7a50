//! Keys and the mouse: what each action of the keymap does to the App.

use crossterm::event::{KeyEvent, MouseEvent, MouseEventKind};
use zdwatch_core::filter::{Fields, Filter};
use zdwatch_core::store::{Seq, Timeline};

use super::keymap::{Action, Screen};
use super::{App, Effect, ListView, Mode, NO_PATTERN, Prompt, PromptKind, Window, help, layout};

impl App {
    pub(super) fn key(&mut self, key: KeyEvent, effects: &mut Vec<Effect>) {
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
            Action::OpenTimeline => self.open_timeline(effects),
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
            Action::ToggleMask => self.toggle_mask(),
            Action::Copy => self.copy_selected(effects),
            Action::OpenInZendesk => self.open_in_zendesk(effects),
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
            Action::TogglePatternMode => self.toggle_pattern_mode(),
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

    /// Enter on an event: its ticket's timeline (with what only the journal still holds), or its
    /// detail when it belongs to no ticket.
    fn open_timeline(&mut self, effects: &mut Vec<Effect>) {
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

    fn toggle_mask(&mut self) {
        self.mask = !self.mask;
        let key = self.config.keymap.label(Screen::Stream, Action::ToggleMask);
        self.notice = Some(if self.mask {
            format!("customer data masked ({key} shows it)")
        } else {
            format!("customer data shown ({key} masks it)")
        });
    }

    /// The selected event's raw body to the clipboard (masked when masking is on), in a form
    /// that cannot attack the shell it is pasted into: JSON with its invisible characters as
    /// `\u` escapes, anything else sanitised. Above [`COPY_LIMIT`] it is refused: terminals cut
    /// long OSC 52 sequences, and a cut body would be pasted as if whole.
    fn copy_selected(&mut self, effects: &mut Vec<Effect>) {
        let Some(e) = self.selected_seq().and_then(|s| self.shown(s)) else {
            return;
        };
        if e.body_missing() {
            self.notice = Some(format!(
                "not copied: {}",
                e.problem.as_deref().unwrap_or_default()
            ));
            return;
        }
        let text = copyable(&e);
        if text.len() > COPY_LIMIT {
            let save = self.config.keymap.label(Screen::Stream, Action::Save);
            self.notice = Some(format!(
                "not copied: {} KB is more than the clipboard takes ({} KB); {save} saves it to a file",
                text.len() / 1024,
                COPY_LIMIT / 1024
            ));
            return;
        }
        let escaped = if text.as_bytes() == e.raw.as_slice() {
            ""
        } else {
            ", escaped"
        };
        self.notice = Some(format!(
            "copied the raw event ({} bytes{escaped}) to the clipboard",
            text.len()
        ));
        effects.push(Effect::Copy(text.into_bytes()));
    }

    fn open_in_zendesk(&mut self, effects: &mut Vec<Effect>) {
        let ticket = self
            .selected_seq()
            .and_then(|s| self.store.held(s))
            .and_then(|e| e.ticket_id());
        match (&self.config.zendesk_subdomain, ticket) {
            (Some(sub), Some(id)) => effects.push(Effect::OpenUrl(format!(
                "https://{sub}.zendesk.com/agent/tickets/{id}"
            ))),
            (None, _) => {
                self.notice = Some("start zdwatch with --zendesk-subdomain to open tickets".into())
            }
            (_, None) => self.notice = Some("this event belongs to no ticket".into()),
        }
    }

    fn toggle_pattern_mode(&mut self) {
        match &mut self.pattern {
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

    pub(super) fn open_detail(&mut self) {
        if let Some(seq) = self.selected_seq() {
            self.stack.push(Mode::Detail { seq, scroll: 0 });
        }
    }

    pub(super) fn move_by(&mut self, delta: i64) {
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

    pub(super) fn list_len(&self) -> usize {
        match self.mode() {
            Mode::Timeline { ticket, .. } => self.store.ticket(*ticket).len(),
            _ => self.stream.visible.len(),
        }
    }

    pub(super) fn keep_selection_visible(&mut self) {
        let rows = layout::list_rows(&Mode::Stream, self.size);
        let len = self.stream.visible.len();
        self.stream.list.clamp(len, rows);
        let (tlen, trows) = (self.list_len(), layout::list_rows(self.mode(), self.size));
        if let Some(Mode::Timeline { list, .. }) = self.stack.last_mut() {
            list.clamp(tlen, trows);
        }
    }

    pub(super) fn jump_to_highlight(&mut self, forward: bool) {
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

    pub(super) fn mouse(&mut self, m: MouseEvent) {
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
}

/// The most `y` puts on the clipboard.
pub const COPY_LIMIT: usize = 100 * 1024;

/// A body as `y` copies it: as `--format raw` writes it (JSON on one line with invisible
/// characters escaped, anything else sanitised), without the line break.
fn copyable(e: &zdwatch_core::event::TicketEvent) -> String {
    let mut out = Vec::new();
    // Writing to memory cannot fail.
    let _ = crate::headless::write_raw(&mut out, e, false);
    out.pop();
    String::from_utf8_lossy(&out).into_owned()
}
