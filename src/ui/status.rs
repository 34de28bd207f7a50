//! The status line: sources and their connection state, delivery mode, rate, counts, notices.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::safe;
use crate::app::keymap::{Action, Screen};
use crate::app::{App, SourceState};
use crate::palette::Palette;
use zdwatch_sources::Delivery;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let pal = &app.config().palette;
    let mut spans: Vec<Span> = Vec::new();
    // What the user acts on first, so that a narrow terminal cuts the rest, not the filter.
    essentials(app, pal, &mut spans);
    sources(app, pal, &mut spans);
    spans.push(Span::styled(counts(app).join(" │ "), pal.dim));
    what_is_on(app, pal, &mut spans);
    let help = app.keymap().label(Screen::Stream, Action::Help);
    spans.push(Span::styled(format!("  {help} help"), pal.dim));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Each source with its state (and a replay's progress).
fn sources(app: &App, pal: &Palette, spans: &mut Vec<Span<'static>>) {
    // Capture files whose bytes changed since they were read: their events' bodies are missing.
    let changed = app.store().changed_files();
    // …and those that could not be read lately (an I/O error): their bodies are missing for now.
    let unreadable = app.store().unreadable_files();
    for s in app.sources() {
        let name = zdwatch_sources::short_name(&s.name);
        let (mark, style, detail) = match &s.state {
            // A file is read, not connected to.
            SourceState::Connecting if !s.health.live => ("◌", pal.dim, "reading".to_string()),
            SourceState::Connecting => ("◌", pal.warn, "connecting".to_string()),
            SourceState::Connected if quiet(app, s) => {
                let depth = match s.health.depth {
                    Some((0, 0)) => ", queue empty".to_string(),
                    Some((visible, in_flight)) => {
                        format!(", queue holds {visible} (+{in_flight} in flight)")
                    }
                    None => String::new(),
                };
                ("●", pal.ok, format!("connected, waiting{depth}"))
            }
            SourceState::Connected => ("●", pal.ok, String::new()),
            SourceState::Finished if changed.contains(&s.name.as_str()) => (
                "⚠",
                pal.error,
                "changed since it was read: bodies missing, open it again".to_string(),
            ),
            SourceState::Finished => match unreadable.iter().find(|(f, _)| *f == s.name) {
                Some((_, why)) => (
                    "⚠",
                    pal.warn,
                    format!("cannot be read back ({why}): bodies missing for now"),
                ),
                None => ("✓", pal.ok, "read".to_string()),
            },
            SourceState::Retrying {
                until,
                problem,
                failures,
            } => {
                let secs = until.duration_since(app.now()).as_secs().max(0);
                let detail = format!("retrying in {secs}s ({failures} failed): {problem}");
                ("⟳", pal.error, detail)
            }
            SourceState::Failed(why) => ("✗", pal.error, why.clone()),
        };
        spans.push(Span::styled(format!("{mark} "), style));
        spans.push(Span::raw(safe(&name).into_owned()));
        if !detail.is_empty() {
            spans.push(Span::styled(format!(" {}", safe(&detail)), style));
        }
        if let Some(r) = &s.replay {
            let style = if r.failed() {
                pal.error
            } else if r.ended() {
                pal.dim
            } else {
                pal.warn
            };
            spans.push(Span::styled(format!(" {}", safe(&r.to_string())), style));
        }
        spans.push(Span::raw("  "));
    }
}

/// Delivery, rate and counts.
fn counts(app: &App) -> Vec<String> {
    let mode = match app.config().delivery {
        Delivery::Peek => "peek",
        // Deleted only once stored: say where.
        Delivery::Consume if app.journaled() => "consume → journal",
        Delivery::Consume => "consume (memory only)",
    };
    let c = app.store().counters();
    let mut parts = Vec::new();
    if app.config().reads_queues {
        parts.push(mode.to_string());
    }
    // A recording is read, not received: it has no rate.
    if app.is_live() {
        let (rate, backlog) = (app.rate(), app.rate().backlog_per_second(app.now()));
        parts.push(if backlog > 0.0 {
            format!(
                "{:.1}/s (+{backlog:.0}/s backlog)",
                rate.per_second(app.now())
            )
        } else {
            format!("{:.1}/s", rate.per_second(app.now()))
        });
    }
    parts.extend([
        format!("{} events", c.total),
        format!("{} shown", app.stream().visible.len()),
    ]);
    if c.duplicates > 0 {
        parts.push(format!("{} dup", c.duplicates));
    }
    if c.malformed > 0 {
        parts.push(format!("{} malformed", c.malformed));
    }
    if c.evicted > 0 {
        parts.push(format!("{} evicted", c.evicted));
    }
    if app.utc() {
        parts.push("UTC".into());
    }
    if app.mask() {
        parts.push("masked".into());
    }
    if app.stream().order != crate::app::Order::Arrival {
        parts.push(app.stream().order.label().into());
    }
    parts
}

/// A live source connected a while ago that has delivered nothing for [`crate::app::QUIET`].
pub fn quiet(app: &App, s: &crate::app::SourceView) -> bool {
    let since = s.last_event.max(s.connected_since);
    s.health.live
        && s.state == SourceState::Connected
        && since.is_some_and(|t| app.now().duration_since(t) >= crate::app::QUIET)
}

/// The journal's failure, the filter and why it shows nothing.
fn essentials(app: &App, pal: &Palette, spans: &mut Vec<Span<'static>>) {
    if let Some(e) = &app.journal_error() {
        spans.push(Span::styled(format!("{}  ", safe(e)), pal.error));
    }
    if !app.filter_text().is_empty() {
        spans.push(Span::styled(
            format!("filter: {}", safe(app.filter_text())),
            pal.header,
        ));
        if let Some(why) = app.empty_reason() {
            spans.push(Span::styled(format!(" ({})", safe(why)), pal.warn));
        }
        spans.push(Span::raw("  "));
    }
}

/// Pause, unseen events, the filter, the pattern, the highlight, the journal's error, the notice.
fn what_is_on(app: &App, pal: &Palette, spans: &mut Vec<Span<'static>>) {
    if app.stream().paused {
        let key = app.keymap().label(Screen::Stream, Action::TogglePause);
        spans.push(Span::styled(format!("  ⏸ paused ({key})"), pal.warn));
    } else if !app.stream().follow && app.stream().unseen > 0 {
        spans.push(Span::styled(
            format!(
                "  ↓ {} new ({})",
                app.stream().unseen,
                app.keymap().label(Screen::Stream, Action::Bottom)
            ),
            pal.warn,
        ));
    }
    if let Some(p) = &app.pattern() {
        let how = if p.highlight_only {
            "highlights"
        } else {
            "filters"
        };
        spans.push(Span::styled(
            format!("  pattern {how} ({} match)", p.count()),
            if p.highlight_only {
                pal.highlight
            } else {
                pal.header
            },
        ));
    }
    if !app.highlight_text().is_empty() {
        spans.push(Span::styled(
            format!("  highlight: {}", safe(app.highlight_text())),
            pal.highlight,
        ));
    }
    if let Some(n) = &app.notice() {
        spans.push(Span::styled(format!("  {}", safe(n)), pal.warn));
    }
}
