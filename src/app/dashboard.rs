//! The dashboard's state: its time window, the selected panel and row, and its figures.
//!
//! The figures come from the incremental aggregates ([`zdwatch_core::stats`]), never from the events:
//! they are recomputed when the dashboard opens, when the window changes, and at most once a
//! second while events arrive. Drawing only reads them.

use jiff::{SignedDuration, Timestamp};

use zdwatch_core::event::Kind;
use zdwatch_core::stats::{Dimension, LagFigures, LagSamples, Stats, Summary, Waiting};

/// The window the figures cover; keys 1–4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Window {
    FiveMinutes,
    #[default]
    FifteenMinutes,
    Hour,
    Day,
}

impl Window {
    pub const ALL: [Window; 4] = [
        Window::FiveMinutes,
        Window::FifteenMinutes,
        Window::Hour,
        Window::Day,
    ];

    pub fn minutes(self) -> i64 {
        match self {
            Window::FiveMinutes => 5,
            Window::FifteenMinutes => 15,
            Window::Hour => 60,
            Window::Day => 1440,
        }
    }

    /// As the filter's `since:` writes it.
    pub fn label(self) -> &'static str {
        match self {
            Window::FiveMinutes => "5m",
            Window::FifteenMinutes => "15m",
            Window::Hour => "1h",
            Window::Day => "24h",
        }
    }
}

/// The selectable panels, in the order ←/→ walks them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Panel {
    #[default]
    Rates,
    Created,
    Transitions,
    Reopened,
    Busiest,
    Waiting,
    Sources,
}

impl Panel {
    pub const ALL: [Panel; 7] = [
        Panel::Rates,
        Panel::Created,
        Panel::Transitions,
        Panel::Reopened,
        Panel::Busiest,
        Panel::Waiting,
        Panel::Sources,
    ];

    fn index(self) -> usize {
        Panel::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// The ceiling of the Zendesk → EventBridge path, in events per minute.
pub const CEILING_PER_MINUTE: u64 = 5_000;
/// Minutes of history in the sparklines.
pub const SPARK_MINUTES: usize = 60;
/// Rows kept for the ticket lists.
const LIST_ROWS: usize = 50;

/// One line of the rates panel: all events (`kind: None`) or one kind.
#[derive(Clone, Debug, PartialEq)]
pub struct RateRow {
    pub kind: Option<Kind>,
    /// Events per minute, oldest first, ending with the newest minute.
    pub series: Vec<u64>,
    pub total: u64,
}

/// Ticket creations with one tag, brand, channel or group.
#[derive(Clone, Debug, PartialEq)]
pub struct CreatedRow {
    pub dimension: Dimension,
    pub value: String,
    pub count: u64,
    /// In the window of the same length just before.
    pub previous: u64,
}

/// Health of one source.
#[derive(Clone, Debug, Default)]
pub struct SourceHealth {
    /// Events arrive as they happen (a queue or the demo), so their lag means something.
    pub live: bool,
    /// A queue's `(visible, in flight)` messages, from GetQueueAttributes.
    pub depth: Option<(u64, u64)>,
    pub lag: LagSamples,
    pub errors: u64,
    pub throttles: u64,
}

/// What the dashboard shows, computed by [`Figures::compute`].
#[derive(Clone, Debug, Default)]
pub struct Figures {
    /// The windows end here (exclusive): the end of the current minute when live, the end of the
    /// newest minute with events when reading a recording.
    pub end: Timestamp,
    pub live: bool,
    pub window: Window,
    /// All events first, then each kind, busiest first.
    pub rates: Vec<RateRow>,
    /// Events in the newest complete minute.
    pub last_minute: u64,
    pub current: Summary,
    pub created: Vec<CreatedRow>,
    /// The statuses of the transition matrix (rows and columns), in workflow order.
    pub statuses: Vec<String>,
    pub waiting: Vec<Waiting>,
    pub lag: Vec<Option<LagFigures>>,
    /// Each source's short name (its row selects `source:NAME`).
    pub sources: Vec<String>,
}

impl Figures {
    pub fn compute(
        stats: &Stats,
        sources: &[super::SourceView],
        window: Window,
        live: bool,
        now: Timestamp,
    ) -> Figures {
        let end = if live {
            minute_end(now)
        } else {
            stats.newest().unwrap_or_else(|| minute_end(now))
        };
        let span = SignedDuration::from_mins(window.minutes());
        let start = end.checked_sub(span).unwrap_or(end);
        let before = start.checked_sub(span).unwrap_or(start);
        let current = stats.summary(start, end);
        let previous = stats.summary(before, start);

        let newest = end.checked_sub(SignedDuration::from_secs(1)).unwrap_or(end);
        let hour = stats.summary(
            end.checked_sub(SignedDuration::from_mins(SPARK_MINUTES as i64))
                .unwrap_or(end),
            end,
        );
        let mut rates = vec![RateRow {
            kind: None,
            series: stats.per_minute(None, newest, SPARK_MINUTES),
            total: hour.total,
        }];
        for (name, total) in &hour.by_kind {
            let kind = Kind::from_name(name);
            rates.push(RateRow {
                series: stats.per_minute(Some(&kind), newest, SPARK_MINUTES),
                kind: Some(kind),
                total: *total,
            });
        }
        // Live, the newest minute is still filling up: the one before is the last complete one.
        let complete = if live { 2 } else { 1 };
        let last_minute = rates[0]
            .series
            .len()
            .checked_sub(complete)
            .and_then(|i| rates[0].series.get(i))
            .copied()
            .unwrap_or(0);

        let mut created = Vec::new();
        for dimension in [
            Dimension::Tag,
            Dimension::Channel,
            Dimension::Brand,
            Dimension::Group,
        ] {
            let before = previous.created.get(&dimension);
            for (value, count) in current.created.get(&dimension).into_iter().flatten() {
                let previous = before
                    .and_then(|l| l.iter().find(|(v, _)| v == value))
                    .map_or(0, |(_, n)| *n);
                created.push(CreatedRow {
                    dimension,
                    value: value.clone(),
                    count: *count,
                    previous,
                });
            }
        }

        let mut statuses: Vec<String> = Vec::new();
        for ((from, to), _) in &current.transitions {
            for s in [from, to] {
                if !statuses.contains(s) {
                    statuses.push(s.clone());
                }
            }
        }
        statuses.sort_by_key(|s| (workflow_rank(s), s.clone()));

        let mut current = current;
        current.busiest_tickets.truncate(LIST_ROWS);
        current.reopened_tickets.truncate(LIST_ROWS);
        Figures {
            end,
            live,
            window,
            rates,
            last_minute,
            current,
            created,
            statuses,
            waiting: stats.tickets.waiting_unassigned(LIST_ROWS),
            lag: sources.iter().map(|s| s.health.lag.figures()).collect(),
            sources: sources.iter().map(|s| s.short.to_string()).collect(),
        }
    }

    /// How often `from → to` happened in the window.
    pub fn transitions(&self, from: &str, to: &str) -> u64 {
        self.current
            .transitions
            .iter()
            .find(|((f, t), _)| f == from && t == to)
            .map_or(0, |(_, n)| *n)
    }

    /// How many rows a panel has (the matrix: its from-statuses).
    pub fn rows(&self, panel: Panel) -> usize {
        match panel {
            Panel::Rates => self.rates.len(),
            Panel::Created => self.created.len(),
            Panel::Transitions => self.statuses.len(),
            // The first row is every reopen.
            Panel::Reopened => 1 + self.current.reopened_tickets.len(),
            Panel::Busiest => self.current.busiest_tickets.len(),
            Panel::Waiting => self.waiting.len(),
            Panel::Sources => self.sources.len(),
        }
    }

    /// The `since:` (and `until:`) terms of a window of `minutes` ending at [`Figures::end`]:
    /// relative when live, so the stream keeps rolling; absolute for a recording.
    fn window_terms(&self, minutes: i64, label: &str) -> String {
        if self.live {
            return format!("since:{label}");
        }
        let start = self
            .end
            .checked_sub(SignedDuration::from_mins(minutes))
            .unwrap_or(self.end);
        format!("since:{} until:{}", rfc3339(start), rfc3339(self.end))
    }

    /// The stream filter that shows the events behind row `row` (column `column` in the matrix).
    pub fn filter_for(&self, panel: Panel, row: usize, column: usize) -> Option<String> {
        let window = self.window_terms(self.window.minutes(), self.window.label());
        let text = match panel {
            Panel::Rates => {
                let hour = self.window_terms(SPARK_MINUTES as i64, "1h");
                match &self.rates.get(row)?.kind {
                    None => hour,
                    Some(kind) => format!("type:{} {hour}", kind.as_str()),
                }
            }
            Panel::Created => {
                let r = self.created.get(row)?;
                let key = match r.dimension {
                    Dimension::Tag => "tag",
                    Dimension::Channel => "channel",
                    Dimension::Brand => "brand",
                    Dimension::Group => "group",
                };
                format!("type:created {key}:{} {window}", filter_value(&r.value)?)
            }
            Panel::Transitions => {
                let from = filter_value(self.statuses.get(row)?)?;
                let to = filter_value(self.statuses.get(column)?)?;
                format!("status:{from}->{to} {window}")
            }
            Panel::Reopened if row == 0 => format!("reopened {window}"),
            Panel::Reopened => {
                let (ticket, _) = self.current.reopened_tickets.get(row - 1)?;
                format!("#{ticket} reopened {window}")
            }
            Panel::Busiest => {
                let (ticket, _) = self.current.busiest_tickets.get(row)?;
                format!("#{ticket} {window}")
            }
            Panel::Waiting => format!("#{}", self.waiting.get(row)?.ticket),
            Panel::Sources => format!("source:{}", filter_value(self.sources.get(row)?)?),
        };
        Some(text)
    }
}

/// A value the filter language can take as it is (no spaces, quotes, commas or parentheses).
fn filter_value(v: &str) -> Option<&str> {
    let plain = !v.is_empty()
        && !v
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | ',' | '(' | ')' | '*'));
    plain.then_some(v)
}

fn rfc3339(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn minute_end(t: Timestamp) -> Timestamp {
    let m = t.as_second().div_euclid(60);
    Timestamp::from_second((m + 1) * 60).unwrap_or(t)
}

/// Where a status sits in the ticket workflow (unknown statuses go last).
fn workflow_rank(status: &str) -> usize {
    [
        "new", "open", "pending", "hold", "solved", "closed", "deleted",
    ]
    .iter()
    .position(|s| *s == status)
    .unwrap_or(usize::MAX)
}

/// The dashboard screen's state.
#[derive(Clone, Debug, Default)]
pub struct DashboardView {
    pub window: Window,
    pub panel: Panel,
    /// The selected row of each panel (in [`Panel::ALL`] order).
    pub rows: [usize; 7],
    /// The selected column of the transition matrix.
    pub column: usize,
    pub figures: Figures,
    /// Events arrived since the figures were computed.
    pub stale: bool,
    /// The second the figures were computed (they are recomputed at most once a second).
    computed: Option<i64>,
}

impl DashboardView {
    pub fn row(&self, panel: Panel) -> usize {
        self.rows[panel.index()]
    }

    pub fn refresh(
        &mut self,
        stats: &Stats,
        sources: &[super::SourceView],
        live: bool,
        now: Timestamp,
    ) {
        self.figures = Figures::compute(stats, sources, self.window, live, now);
        self.stale = false;
        self.computed = Some(now.as_second());
        for panel in Panel::ALL {
            let len = self.figures.rows(panel);
            let row = &mut self.rows[panel.index()];
            *row = (*row).min(len.saturating_sub(1));
        }
        self.column = self
            .column
            .min(self.figures.statuses.len().saturating_sub(1));
    }

    /// Whether a tick at `now` should recompute: new events, or a live clock that moved on.
    pub fn due(&self, now: Timestamp, live: bool) -> bool {
        let second = now.as_second();
        match self.computed {
            None => true,
            Some(c) if c == second => false,
            Some(c) => self.stale || (live && c.div_euclid(60) != second.div_euclid(60)),
        }
    }

    /// Moves the selection `delta` rows within the panel.
    pub fn move_rows(&mut self, delta: i64) {
        let len = self.figures.rows(self.panel) as i64;
        let row = &mut self.rows[self.panel.index()];
        *row = (*row as i64)
            .saturating_add(delta)
            .clamp(0, (len - 1).max(0)) as usize;
    }

    /// ←/→: through the matrix's columns, else to the neighbouring panel.
    pub fn move_sideways(&mut self, right: bool) {
        if self.panel == Panel::Transitions {
            let last = self.figures.statuses.len().saturating_sub(1);
            if right && self.column < last {
                self.column += 1;
                return;
            }
            if !right && self.column > 0 {
                self.column -= 1;
                return;
            }
        }
        let i = self.panel.index();
        let next = if right {
            (i + 1).min(Panel::ALL.len() - 1)
        } else {
            i.saturating_sub(1)
        };
        if next != i {
            self.panel = Panel::ALL[next];
            if self.panel == Panel::Transitions {
                self.column = if right {
                    0
                } else {
                    self.figures.statuses.len().saturating_sub(1)
                };
            }
        }
    }

    /// The filter for the current selection.
    pub fn selected_filter(&self) -> Option<String> {
        self.figures
            .filter_for(self.panel, self.row(self.panel), self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_end_at_the_current_minute_when_live() {
        let now: Timestamp = "2026-01-01T10:07:30Z".parse().unwrap();
        let f = Figures::compute(&Stats::default(), &[], Window::FifteenMinutes, true, now);
        assert_eq!(f.end, "2026-01-01T10:08:00Z".parse::<Timestamp>().unwrap());
        assert_eq!(f.rates.len(), 1, "the total row is always there");
        assert_eq!(f.rates[0].series.len(), SPARK_MINUTES);
    }

    #[test]
    fn filters_are_relative_when_live_and_absolute_for_recordings() {
        let mut f = Figures {
            end: "2026-01-01T10:08:00Z".parse().unwrap(),
            live: true,
            window: Window::FifteenMinutes,
            statuses: vec!["open".into(), "solved".into()],
            ..Figures::default()
        };
        assert_eq!(
            f.filter_for(Panel::Transitions, 0, 1).as_deref(),
            Some("status:open->solved since:15m")
        );
        f.live = false;
        assert_eq!(
            f.filter_for(Panel::Transitions, 1, 0).as_deref(),
            Some("status:solved->open since:2026-01-01T09:53:00Z until:2026-01-01T10:08:00Z")
        );
        assert_eq!(f.filter_for(Panel::Transitions, 2, 0), None);
        assert_eq!(
            f.filter_for(Panel::Reopened, 0, 0).as_deref(),
            Some("reopened since:2026-01-01T09:53:00Z until:2026-01-01T10:08:00Z")
        );
    }

    #[test]
    fn values_the_filter_cannot_take_select_nothing() {
        let f = Figures {
            created: vec![CreatedRow {
                dimension: Dimension::Tag,
                value: "two words".into(),
                count: 1,
                previous: 0,
            }],
            ..Figures::default()
        };
        assert_eq!(f.filter_for(Panel::Created, 0, 0), None);
    }

    #[test]
    fn sideways_walks_the_matrix_columns_then_the_panels() {
        let mut d = DashboardView {
            panel: Panel::Created,
            ..DashboardView::default()
        };
        d.figures.statuses = vec!["open".into(), "pending".into(), "solved".into()];
        d.move_sideways(true);
        assert_eq!((d.panel, d.column), (Panel::Transitions, 0));
        d.move_sideways(true);
        d.move_sideways(true);
        assert_eq!((d.panel, d.column), (Panel::Transitions, 2));
        d.move_sideways(true);
        assert_eq!(d.panel, Panel::Reopened);
        d.move_sideways(false);
        assert_eq!((d.panel, d.column), (Panel::Transitions, 2));
        for _ in 0..10 {
            d.move_sideways(false);
        }
        assert_eq!(d.panel, Panel::Rates);
    }

    #[test]
    fn recomputed_at_most_once_a_second() {
        let mut d = DashboardView::default();
        let t: Timestamp = "2026-01-01T10:07:30Z".parse().unwrap();
        assert!(d.due(t, true));
        d.refresh(&Stats::default(), &[], true, t);
        d.stale = true;
        assert!(!d.due(t, true), "same second");
        let later = t.checked_add(SignedDuration::from_secs(1)).unwrap();
        assert!(d.due(later, true));
        d.stale = false;
        assert!(!d.due(later, true), "nothing new, same minute");
        let next_minute = t.checked_add(SignedDuration::from_secs(31)).unwrap();
        assert!(d.due(next_minute, true), "the live windows moved");
        assert!(!d.due(next_minute, false), "a recording's windows do not");
    }
}
