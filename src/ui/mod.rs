//! Drawing: `draw(frame, &app)` is a pure function of the app state. Every string that comes
//! from an event passes through [`zdwatch_core::sanitize`] (via [`safe`]) before it reaches a cell.

mod dashboard;
mod detail;
mod explain;
pub mod help;
pub mod layout;
mod pattern_editor;
mod prompt;
mod status;
mod stream;
pub mod theme;
mod timeline;

use std::borrow::Cow;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use ratatui::Frame;

use crate::app::keymap::{Action, Screen};
use crate::app::{App, Mode};
use crate::palette::Palette;

pub fn draw(frame: &mut Frame, app: &App) {
    let size = (frame.area().width, frame.area().height);
    let areas = layout::areas(size);
    let base = app
        .stack()
        .iter()
        .rev()
        .find(|m| !matches!(m, Mode::Help { .. } | Mode::PatternEditor(_)))
        .unwrap_or(&Mode::Stream);
    match base {
        Mode::Timeline { ticket, list } => timeline::draw(frame, areas.main, app, *ticket, list),
        Mode::Detail { seq, scroll } => detail::draw(frame, areas.main, app, *seq, *scroll),
        Mode::Dashboard => dashboard::draw(frame, areas.main, app),
        Mode::Explain { seq, scroll } => explain::draw(frame, areas.main, app, *seq, *scroll),
        _ => stream::draw(frame, areas.main, app),
    }
    match app.mode() {
        Mode::Help { scroll } => help::draw(frame, areas.main, app, app.help_subject(), *scroll),
        Mode::PatternEditor(editor) => pattern_editor::draw(frame, areas.main, app, editor),
        _ => {}
    }
    match &app.prompt() {
        Some(p) => prompt::draw(frame, areas.bottom, app, p),
        None => status::draw(frame, areas.bottom, app),
    }
    // NO_COLOR: every colour goes (kinds, statuses, JSON); the attributes that mark things stay.
    if app.config().palette.monochrome {
        for cell in frame.buffer_mut().content.iter_mut() {
            cell.fg = ratatui::style::Color::Reset;
            cell.bg = ratatui::style::Color::Reset;
        }
    }
}

/// A list table with the house header style.
fn table<'a>(
    rows: impl IntoIterator<Item = ratatui::widgets::Row<'a>>,
    widths: Vec<ratatui::layout::Constraint>,
    titles: &[&'static str],
    palette: &Palette,
) -> ratatui::widgets::Table<'a> {
    use ratatui::widgets::{Cell, Row, Table};
    let header = titles.iter().map(|t| Cell::from(*t).style(palette.header));
    Table::new(rows, widths)
        .header(Row::new(header))
        .column_spacing(1)
}

/// Untrusted text made safe for a cell.
/// A screen's key hint (` y copy · q back `) with the keys in effect; actions bound to no key
/// on that screen are left out.
fn hints(app: &App, screen: Screen, actions: &[(Action, &str)]) -> String {
    let parts: Vec<String> = actions
        .iter()
        .filter_map(|(action, does)| {
            let key = app.keymap().labels(screen, *action).into_iter().next()?;
            Some(format!("{key} {does}"))
        })
        .collect();
    format!(" {} ", parts.join(" · "))
}

pub fn safe(text: &str) -> Cow<'_, str> {
    zdwatch_core::sanitize::sanitize(text)
}

/// Untrusted text in a cell of `columns` terminal columns: sanitised, cut with `…`, padded on the
/// right (`left`) or the left. Columns, not characters: CJK and emoji take two.
pub fn cell(text: &str, columns: usize, left: bool) -> String {
    use zdwatch_core::sanitize::{fit_columns, width};
    let safe = safe(text);
    let fitted = fit_columns(&safe, columns);
    let pad = " ".repeat(columns.saturating_sub(width(&fitted)));
    if left {
        format!("{fitted}{pad}")
    } else {
        format!("{pad}{fitted}")
    }
}

/// The first `columns` terminal columns of untrusted text, padded (`pending` → `pen`: statuses
/// stay recognisable without an ellipsis).
pub fn abbreviated(text: &str, columns: usize, left: bool) -> String {
    use zdwatch_core::sanitize::{take_columns, width};
    let safe = safe(text);
    let cut = take_columns(&safe, columns);
    let pad = " ".repeat(columns.saturating_sub(width(cut)));
    if left {
        format!("{cut}{pad}")
    } else {
        format!("{pad}{cut}")
    }
}

/// `06-01 12:34:56` in local time, or UTC when asked; `12:34:56` on narrow screens.
pub fn short_time(t: Timestamp, utc: bool, narrow: bool) -> String {
    let tz = if utc {
        TimeZone::UTC
    } else {
        TimeZone::system()
    };
    let format = if narrow { "%H:%M:%S" } else { "%m-%d %H:%M:%S" };
    t.to_zoned_datetime(tz).strftime(format).to_string()
}

/// An event's time for a row, or `??` in its place when the event says no time zdwatch can read:
/// never the time it was read, which would put it among "now".
pub fn event_time(
    e: &zdwatch_core::event::TicketEvent,
    at: Timestamp,
    utc: bool,
    narrow: bool,
) -> String {
    match (e.time_unknown(), narrow) {
        (false, _) => short_time(at, utc, narrow),
        (true, true) => "??:??:??".to_string(),
        (true, false) => "??-?? ??:??:??".to_string(),
    }
}

/// A row's change with `⚠ body missing` after it when the event's capture changed since it was
/// read (the row is then all that is known of it): the stream's and the timelines' rows.
pub fn with_missing_mark(
    mut change: ratatui::text::Line<'static>,
    e: &zdwatch_core::event::TicketEvent,
    pal: &Palette,
) -> ratatui::text::Line<'static> {
    if e.body_missing() {
        let gap = if change.width() > 0 { " " } else { "" };
        change.push_span(ratatui::text::Span::styled(
            format!("{gap}⚠ body missing"),
            pal.error,
        ));
    }
    change
}

/// Below this width, columns shrink and the less important ones go.
pub const NARROW: u16 = 84;

pub fn full_time(t: Timestamp, utc: bool) -> String {
    let tz = if utc {
        TimeZone::UTC
    } else {
        TimeZone::system()
    };
    t.to_zoned_datetime(tz)
        .strftime("%Y-%m-%d %H:%M:%S%.f %Z")
        .to_string()
}
