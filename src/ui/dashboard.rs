//! The dashboard: rates, creations by tag/brand/channel/group, the status transition matrix,
//! reopens, busy and waiting tickets, and each source's health. It draws the figures the app
//! computed (`app.dashboard().figures`); nothing here walks the events.

use jiff::SignedDuration;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Sparkline};

use super::{safe, theme};
use crate::app::keymap::{Action, Screen};
use crate::app::{App, CEILING_PER_MINUTE, DashboardView, Figures, Panel, SourceState, Window};
use crate::palette::Palette;
use zdwatch_core::stats::Dimension;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let pal = &app.config().palette;
    let d = app.dashboard();
    let f = &d.figures;
    if area.height == 0 {
        return;
    }
    frame.render_widget(
        Paragraph::new(header(d, app, area.width)),
        Rect { height: 1, ..area },
    );
    let body = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    let h = body.height;
    let sources = u16::try_from(app.sources().len()).unwrap_or(u16::MAX);
    // The sources keep a row each even on small screens (their state matters most).
    let health_h = sources.saturating_add(3).min((h / 4).max(4)).min(h);
    let rates_h = u16::try_from(f.rates.len().min(5) + 2)
        .unwrap_or(7)
        .min(h * 3 / 10);
    // The middle panels get what the status matrix needs (a row per status, so the reopen row
    // `solved` shows on a 24-line terminal); the ticket lists give way first.
    let middle_want = u16::try_from(f.statuses.len() + 3)
        .unwrap_or(u16::MAX)
        .clamp(5, 10);
    let spare = h.saturating_sub(rates_h + health_h + middle_want);
    let lower_h = if spare >= 4 { spare.min(8) } else { 0 };
    let [rates, middle, lower, health] = Layout::vertical([
        Constraint::Length(rates_h),
        Constraint::Fill(1),
        Constraint::Length(lower_h),
        Constraint::Length(health_h),
    ])
    .areas(body);
    let [created, matrix] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(middle);
    let [reopened, busiest, waiting] =
        Layout::horizontal([Constraint::Ratio(1, 3); 3]).areas(lower);

    draw_rates(frame, rates, d, pal);
    draw_created(frame, created, d, pal);
    draw_matrix(frame, matrix, d, pal);
    let window = f.window.label();
    let narrow = area.width < super::NARROW;
    let reopens = vec![(
        format!("all {} reopens", count(f.current.reopens)),
        String::new(),
        0,
    )]
    .into_iter()
    .chain(
        f.current
            .reopened_tickets
            .iter()
            .map(|(t, n)| (format!("#{t}"), format!("×{n}"), *t)),
    );
    draw_tickets(
        frame,
        reopened,
        app,
        Panel::Reopened,
        if narrow {
            format!(" Reopened {window} ")
        } else {
            format!(" Reopened · {window} ")
        },
        reopens.collect(),
    );
    let busiest_rows = f
        .current
        .busiest_tickets
        .iter()
        .map(|(t, n)| (format!("#{t}"), count(*n), *t))
        .collect();
    draw_tickets(
        frame,
        busiest,
        app,
        Panel::Busiest,
        if narrow {
            format!(" Busiest {window} ")
        } else {
            format!(" Busiest tickets · {window} ")
        },
        busiest_rows,
    );
    let waiting_rows = f
        .waiting
        .iter()
        .map(|w| {
            let age = f.end.duration_since(w.since);
            (
                format!("#{}", w.ticket),
                format!("{} {}", w.status, duration(age)),
                w.ticket,
            )
        })
        .collect();
    draw_tickets(
        frame,
        waiting,
        app,
        Panel::Waiting,
        if narrow {
            " Unassigned ".into()
        } else {
            " Waiting in new/open, no assignee ".into()
        },
        waiting_rows,
    );
    draw_health(frame, health, app);
}

fn header(d: &DashboardView, app: &App, width: u16) -> Line<'static> {
    let pal = &app.config().palette;
    let mut spans = vec![
        Span::styled("Dashboard", pal.header),
        Span::raw("  window "),
    ];
    for (i, w) in Window::ALL.iter().enumerate() {
        let text = format!("{}:{}", i + 1, w.label());
        let style = if *w == d.window {
            pal.selected
        } else {
            pal.dim
        };
        spans.push(Span::styled(text, style));
        spans.push(Span::raw(" "));
    }
    let f = &d.figures;
    let scope = if f.live {
        " all events, unfiltered".to_string()
    } else {
        format!(" recording, up to {}", f.end.strftime("%Y-%m-%d %H:%M UTC"))
    };
    spans.push(Span::styled(scope, pal.dim));
    if width >= 110 {
        spans.push(Span::styled(
            format!(
                "   ←→ panel  ↑↓ row  {}: show in stream  {}: stream",
                app.keymap()
                    .label(Screen::Dashboard, Action::ApplySelection),
                app.keymap()
                    .label(Screen::Dashboard, Action::ToggleDashboard)
            ),
            pal.dim,
        ));
    }
    Line::from(spans)
}

/// A panel's frame: bright when it has the focus.
fn panel<'a>(d: &DashboardView, which: Panel, title: String, pal: &Palette) -> Block<'a> {
    let focused = d.panel == which;
    let (border, title_style) = if focused {
        (pal.focus, pal.header)
    } else {
        (pal.dim, pal.dim)
    };
    Block::bordered()
        .border_style(border)
        .title(Span::styled(title, title_style))
}

/// The first row to show so that `selected` is visible in `rows` lines.
fn first_row(selected: usize, rows: usize) -> usize {
    (selected + 1).saturating_sub(rows.max(1))
}

fn selected_style(d: &DashboardView, which: Panel, row: usize, pal: &Palette) -> Style {
    if d.panel == which && d.row(which) == row {
        pal.selected
    } else {
        Style::new()
    }
}

fn draw_rates(frame: &mut Frame, area: Rect, d: &DashboardView, pal: &Palette) {
    let f = &d.figures;
    let share = f.last_minute * 100 / CEILING_PER_MINUTE;
    let rate_style = if share >= 80 {
        pal.error
    } else if share >= 50 {
        pal.warn
    } else {
        pal.ok
    };
    let narrow = area.width < super::NARROW;
    let (title, detail) = if narrow {
        (
            " Events/min ",
            format!(" {share}% of {} ", count(CEILING_PER_MINUTE)),
        )
    } else {
        (
            " Events per minute · last 60 min ",
            format!(
                " last full minute · {share}% of the {}/min ceiling ",
                count(CEILING_PER_MINUTE)
            ),
        )
    };
    let block = panel(d, Panel::Rates, title.into(), pal).title_top(
        Line::from(vec![
            Span::styled(format!(" {}/min", count(f.last_minute)), rate_style),
            Span::styled(detail, pal.dim),
        ])
        .right_aligned(),
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let rows = usize::from(inner.height);
    let label_w = 24.min(inner.width / 3);
    let number_w = 18.min(inner.width.saturating_sub(label_w) / 3);
    let spark_w = inner.width.saturating_sub(label_w + number_w + 2);
    let selected = d.row(Panel::Rates);
    let complete = if f.live { 2 } else { 1 };
    for (i, r) in f
        .rates
        .iter()
        .enumerate()
        .skip(first_row(selected, rows))
        .take(rows)
    {
        let y = inner.y + u16::try_from(i - first_row(selected, rows)).unwrap_or(0);
        let (name, style) = match &r.kind {
            None => ("all events".to_string(), pal.header),
            Some(k) => (safe(k.as_str()).into_owned(), theme::kind(k)),
        };
        let line = Line::styled(name, style).style(selected_style(d, Panel::Rates, i, pal));
        frame.render_widget(Paragraph::new(line), Rect::new(inner.x, y, label_w, 1));
        let points = usize::from(spark_w).min(r.series.len());
        let series = &r.series[r.series.len() - points..];
        frame.render_widget(
            Sparkline::default().data(series).style(style),
            Rect::new(inner.x + label_w + 1, y, spark_w, 1),
        );
        let last = r
            .series
            .len()
            .checked_sub(complete)
            .and_then(|i| r.series.get(i))
            .copied()
            .unwrap_or(0);
        let numbers = if number_w >= 18 {
            format!("{:>6}/min {:>7}", count(last), count(r.total))
        } else {
            format!("{}/min", count(last))
        };
        frame.render_widget(
            Paragraph::new(Line::styled(numbers, pal.dim).right_aligned()),
            Rect::new(inner.x + label_w + spark_w + 2, y, number_w, 1),
        );
    }
}

fn draw_created(frame: &mut Frame, area: Rect, d: &DashboardView, pal: &Palette) {
    let f = &d.figures;
    let w = f.window.label();
    let title = if area.width < 44 {
        format!(" Created {w} ")
    } else {
        format!(" Tickets created · {w} vs the {w} before ")
    };
    let block = panel(d, Panel::Created, title, pal);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if f.created.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled("no ticket created in the window", pal.dim)),
            inner,
        );
        return;
    }
    let rows = usize::from(inner.height.saturating_sub(1));
    // Narrow: no "before" column (the change says it).
    let before_w = if inner.width < 44 { 0 } else { 7 };
    let value_w = usize::from(inner.width.saturating_sub(8 + 7 + before_w + 8)).max(4);
    let before_w = usize::from(before_w);
    let mut lines = vec![Line::styled(
        format!(
            "{:<8}{:<value_w$}{:>7}{:>before_w$}{:>8}",
            "by",
            "value",
            "now",
            if before_w > 0 { "before" } else { "" },
            "change"
        ),
        pal.header,
    )];
    let selected = d.row(Panel::Created);
    let first = first_row(selected, rows);
    for (i, r) in f.created.iter().enumerate().skip(first).take(rows) {
        let dim = match r.dimension {
            Dimension::Tag => "tag",
            Dimension::Channel => "channel",
            Dimension::Brand => "brand",
            Dimension::Group => "group",
        };
        let (change, change_style) = change(r.count, r.previous, pal);
        let value = super::cell(&r.value, value_w, true);
        let style = selected_style(d, Panel::Created, i, pal);
        lines.push(Line::from(vec![
            Span::styled(format!("{dim:<8}{value}"), style),
            Span::styled(
                if before_w > 0 {
                    format!("{:>7}{:>7}", count(r.count), count(r.previous))
                } else {
                    format!("{:>7}", count(r.count))
                },
                style,
            ),
            Span::styled(format!("{change:>8}"), change_style.patch(style)),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// How `now` compares with `before`: `new`, `×40`, `+35%`, `-20%`.
fn change(now: u64, before: u64, pal: &Palette) -> (String, Style) {
    match (now, before) {
        (0, 0) => ("".into(), Style::new()),
        (_, 0) => ("new".into(), pal.warn),
        (n, b) if n >= 2 * b => {
            let ratio = n as f64 / b as f64;
            let style = if ratio >= 5.0 { pal.error } else { pal.warn };
            (format!("×{ratio:.1}"), style)
        }
        (n, b) => {
            let pct = (n as f64 - b as f64) * 100.0 / b as f64;
            (format!("{pct:+.0}%"), pal.dim)
        }
    }
}

fn draw_matrix(frame: &mut Frame, area: Rect, d: &DashboardView, pal: &Palette) {
    let f = &d.figures;
    let title = if area.width < 44 {
        format!(" Status {} ", f.window.label())
    } else {
        format!(" Status changes · {} (from ↓ to →) ", f.window.label())
    };
    let block = panel(d, Panel::Transitions, title, pal);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let n = f.statuses.len();
    if n == 0 {
        frame.render_widget(
            Paragraph::new(Line::styled("no status change in the window", pal.dim)),
            inner,
        );
        return;
    }
    let label_w = 8usize;
    let cell_w = (usize::from(inner.width).saturating_sub(label_w) / n).clamp(4, 9);
    // Rows and columns scroll to the selection; what does not fit is named on the bottom border.
    let columns = (usize::from(inner.width).saturating_sub(label_w) / cell_w).max(1);
    let rows = usize::from(inner.height.saturating_sub(1));
    let selected = d.row(Panel::Transitions);
    let (top, left) = (first_row(selected, rows), first_row(d.column, columns));
    let shown = |first: usize, room: usize| first..(first + room).min(n);
    let (row_range, column_range) = (shown(top, rows), shown(left, columns));
    let mut header = vec![Span::raw(" ".repeat(label_w))];
    for s in &f.statuses[column_range.clone()] {
        header.push(Span::styled(
            format!(" {}", super::abbreviated(s, cell_w - 1, false)),
            theme::status(s).patch(pal.header),
        ));
    }
    let mut lines = vec![Line::from(header)];
    for r in row_range.clone() {
        let from = &f.statuses[r];
        let mut spans = vec![Span::styled(
            format!("{} ", super::abbreviated(from, label_w - 1, true)),
            theme::status(from),
        )];
        for c in column_range.clone() {
            let n = f.transitions(from, &f.statuses[c]);
            let text = if n == 0 { "·".to_string() } else { count(n) };
            let mut style = if n == 0 { pal.dim } else { Style::new() };
            if d.panel == Panel::Transitions && r == selected && c == d.column {
                style = pal.selected;
            }
            spans.push(Span::styled(format!("{text:>cell_w$}"), style));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), inner);
    let hidden = matrix_hidden(&f.statuses, row_range, column_range);
    if !hidden.is_empty() && area.height > 1 && area.width > 2 {
        let bottom = Rect {
            y: area.bottom() - 1,
            height: 1,
            ..area
        };
        let text = format!(" {} ", safe(&hidden));
        let cut = zdwatch_core::sanitize::take_columns(&text, usize::from(area.width - 2));
        let line = Line::styled(cut.to_string(), pal.warn).right_aligned();
        frame.render_widget(
            Paragraph::new(line),
            Rect {
                x: bottom.x + 1,
                width: bottom.width.saturating_sub(2),
                ..bottom
            },
        );
    }
}

/// The statuses the matrix cannot show at this size, by where they are: `↑ new ↓ solved closed
/// → closed` (rows above, rows below, columns to the right and left).
fn matrix_hidden(
    statuses: &[String],
    rows: std::ops::Range<usize>,
    columns: std::ops::Range<usize>,
) -> String {
    let mut parts = Vec::new();
    let mut name = |arrow: &str, range: std::ops::Range<usize>| {
        if !range.is_empty() {
            parts.push(format!("{arrow} {}", statuses[range].join(" ")));
        }
    };
    name("↑", 0..rows.start);
    name("↓", rows.end..statuses.len());
    name("←", 0..columns.start);
    name("→", columns.end..statuses.len());
    parts.join("  ")
}

/// A list of tickets: `(label, figure, ticket)`, with the ticket's subject when known.
fn draw_tickets(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    which: Panel,
    title: String,
    rows: Vec<(String, String, u64)>,
) {
    let pal = &app.config().palette;
    let d = app.dashboard();
    let block = panel(d, which, title, pal);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if rows.is_empty() {
        frame.render_widget(Paragraph::new(Line::styled("none", pal.dim)), inner);
        return;
    }
    let room = usize::from(inner.height);
    let selected = d.row(which);
    let first = first_row(selected, room);
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(first)
        .take(room)
        .map(|(i, (label, figure, ticket))| {
            let subject = if *ticket == 0 {
                String::new()
            } else {
                subject(app, *ticket)
            };
            let style = selected_style(d, which, i, pal);
            Line::from(vec![
                Span::styled(format!("{label:<9}{figure:>9} "), style),
                Span::styled(safe(&subject).into_owned(), pal.dim.patch(style)),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The newest subject the store knows for a ticket.
fn subject(app: &App, ticket: u64) -> String {
    app.store()
        .ticket(ticket)
        .iter()
        .rev()
        .filter_map(|s| app.shown(*s))
        .find_map(|e| e.ticket.subject.clone())
        .unwrap_or_default()
}

fn draw_health(frame: &mut Frame, area: Rect, app: &App) {
    let pal = &app.config().palette;
    let d = app.dashboard();
    let block = panel(d, Panel::Sources, " Sources ".into(), pal);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let name_w = usize::from(inner.width.saturating_sub(10 * 7)).clamp(8, 48);
    let mut lines = vec![Line::styled(
        format!(
            "{:<name_w$}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}",
            "source", "waiting", "in flight", "lag p50", "lag p95", "oldest", "errors", "throttled"
        ),
        pal.header,
    )];
    let figures: &Figures = &app.dashboard().figures;
    for (i, (s, h)) in app.sources().iter().map(|s| (s, &s.health)).enumerate() {
        let (visible, in_flight) = match h.depth {
            Some((v, f)) => (count(v), count(f)),
            None => ("—".into(), "—".into()),
        };
        let (p50, p95, oldest) = match figures.lag.get(i).copied().flatten() {
            Some(l) if h.live => (duration(l.p50), duration(l.p95), duration(l.max)),
            _ => ("—".into(), "—".into(), "—".into()),
        };
        let state_style = match s.state {
            SourceState::Retrying { .. } | SourceState::Failed(_) => pal.error,
            _ => Style::new(),
        }
        .patch(selected_style(d, Panel::Sources, i, pal));
        let name = super::cell(&zdwatch_sources::short_name(&s.name), name_w - 1, true);
        let problems = Style::new();
        lines.push(Line::from(vec![
            Span::styled(format!("{name} "), state_style),
            Span::raw(format!(
                "{visible:>10}{in_flight:>10}{p50:>10}{p95:>10}{oldest:>10}"
            )),
            Span::styled(
                format!("{:>10}{:>10}", count(h.errors), count(h.throttles)),
                if h.errors > 0 { pal.warn } else { problems },
            ),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// `12,345`.
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `0.4s`, `12s`, `4m05s`, `2h05m`, `3d04h`.
pub(super) fn duration(d: SignedDuration) -> String {
    let ms = d.as_millis().max(0);
    let s = i64::try_from(ms / 1000).unwrap_or(i64::MAX);
    match s {
        0..=9 => format!("{:.1}s", ms as f64 / 1000.0),
        10..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_durations_read_well() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(duration(SignedDuration::from_millis(400)), "0.4s");
        assert_eq!(duration(SignedDuration::from_secs(12)), "12s");
        assert_eq!(duration(SignedDuration::from_secs(245)), "4m05s");
        assert_eq!(duration(SignedDuration::from_secs(7500)), "2h05m");
        assert_eq!(
            duration(SignedDuration::from_secs(3 * 86_400 + 4 * 3600)),
            "3d04h"
        );
        assert_eq!(duration(SignedDuration::from_secs(-5)), "0.0s");
        assert_eq!(super::super::cell("payment_failed", 8, true), "payment…");
        assert_eq!(super::super::cell("支払い失敗", 8, true), "支払い… ");
        assert_eq!(super::super::cell("ok", 4, false), "  ok");
        assert_eq!(super::super::abbreviated("pending", 3, false), "pen");
    }

    #[test]
    fn change_against_the_previous_window() {
        assert_eq!(change(40, 1, &Palette::default()).0, "×40.0");
        assert_eq!(change(3, 0, &Palette::default()).0, "new");
        assert_eq!(change(0, 4, &Palette::default()).0, "-100%");
        assert_eq!(change(13, 10, &Palette::default()).0, "+30%");
        assert_eq!(change(0, 0, &Palette::default()).0, "");
    }
}
