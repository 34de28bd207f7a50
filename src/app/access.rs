//! What the screens, the loop and tests read of the App, and the few named ways to change it
//! from outside `update`.

use jiff::Timestamp;
use zdwatch_core::filter::Filter;
use zdwatch_core::stats::Stats;
use zdwatch_core::store::EventStore;

use super::{
    ActivePattern, App, Config, DashboardView, Mode, Prompt, Rate, SourceView, StreamView,
};

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
