//! The stream screen: one row per event, newest at the bottom.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row};

use super::{safe, short_time, theme};
use crate::app::App;
use crate::app::keymap::{Action, Screen};
use crate::palette::Palette;
use zdwatch_core::event::{TicketEvent, summary};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let pal = &app.config().palette;
    if app.stream().visible.is_empty() {
        let quiet = app.sources().iter().find(|s| super::status::quiet(app, s));
        let text = if let (true, Some(s)) = (app.store().is_empty(), quiet) {
            // Connected, nothing arrived: the queue works; what feeds it may not.
            let name = zdwatch_sources::short_name(&s.name);
            format!(
                "Connected to {name}, and nothing has arrived for {}. If events are expected, check the rule that feeds the queue: zdwatch doctor --queue {name}",
                super::dashboard::duration(
                    app.now()
                        .duration_since(s.connected_since.unwrap_or(app.now()))
                )
            )
        } else if app.store().is_empty() {
            "Waiting for events…".to_string()
        } else if app.pattern().as_ref().is_some_and(|p| !p.highlight_only) {
            format!(
                "No event matches the EventBridge pattern{} ({} held). Press {} to highlight instead, {} on an event to see why, {} to edit.",
                if app.filter_text().is_empty() {
                    String::new()
                } else {
                    format!(" and the filter `{}`", app.filter_text())
                },
                app.store().len(),
                app.keymap()
                    .label(Screen::Stream, Action::TogglePatternMode),
                app.keymap().label(Screen::Stream, Action::Explain),
                app.keymap().label(Screen::Stream, Action::EditPattern),
            )
        } else {
            format!(
                "No event matches the filter `{}` ({} held). Press / to change it, \\ to clear it.",
                app.filter_text(),
                app.store().len()
            )
        };
        let lines = vec![
            header_line(area.width, pal),
            Line::from(""),
            Line::styled(safe(&text).into_owned(), pal.dim),
        ];
        frame.render_widget(Paragraph::new(lines), area);
        return;
    }
    let wide = area.width >= 110;
    // With several queues or files, each row says which one it came from.
    let several = app.sources().len() > 1;
    let medium = area.width >= super::NARROW;
    let rows_room = usize::from(area.height.saturating_sub(1));
    let list = &app.stream().list;
    let rows = app
        .stream()
        .visible
        .iter()
        .enumerate()
        .skip(list.offset)
        .take(rows_room)
        .filter_map(|(i, seq)| {
            let e = app.shown(*seq)?;
            let mut style = if app.is_highlighted(*seq) {
                pal.highlight
            } else {
                Default::default()
            };
            if i == list.selected {
                style = style.patch(pal.selected);
            }
            Some(row(&e, app.utc(), wide, medium, several, pal).style(style))
        });
    let (time_w, ticket_w, kind_w) = if medium { (14, 9, 24) } else { (8, 7, 16) };
    let mut widths = vec![
        Constraint::Length(time_w),
        Constraint::Length(ticket_w),
        Constraint::Length(kind_w),
        Constraint::Fill(3),
    ];
    let mut titles = vec!["time", "ticket", "kind", "change"];
    if medium {
        widths.push(Constraint::Length(8));
        titles.push("priority");
        widths.push(Constraint::Fill(1));
        titles.push("tags");
    }
    if wide {
        widths.insert(5, Constraint::Length(14));
        titles.insert(5, "group");
    }
    if several {
        widths.insert(1, Constraint::Length(if medium { 16 } else { 10 }));
        titles.insert(1, "source");
    }
    let table = super::table(rows, widths, &titles, pal);
    frame.render_widget(table, area);
}

fn header_line(_width: u16, pal: &Palette) -> Line<'static> {
    Line::styled(
        "time           ticket    kind                     change",
        pal.header,
    )
}

fn row(
    e: &TicketEvent,
    utc: bool,
    wide: bool,
    medium: bool,
    several: bool,
    pal: &Palette,
) -> Row<'static> {
    let who = match (e.ticket_id, &e.domain, &e.subject_id) {
        (Some(id), _, _) => format!("#{id}"),
        (None, Some(d), Some(id)) => format!("{d}:{id}"),
        _ => "-".into(),
    };
    let mut cells = vec![
        Cell::from(short_time(e.order_time(), utc, !medium)).style(pal.dim),
        Cell::from(safe(&who).into_owned()),
        Cell::from(safe(e.kind.as_str()).into_owned()).style(theme::kind(&e.kind)),
        Cell::from(change(e)),
    ];
    if medium {
        let p = e.ticket.priority.as_deref().unwrap_or("");
        cells.push(Cell::from(safe(p).into_owned()).style(theme::priority(p)));
        let tags = e.ticket.tags.join(" ");
        cells.push(Cell::from(safe(&tags).into_owned()).style(pal.dim));
    }
    if wide {
        cells.insert(
            5,
            Cell::from(e.ticket.group_id.map(|g| g.to_string()).unwrap_or_default()).style(pal.dim),
        );
    }
    if several {
        let source = e.source.as_deref().unwrap_or("");
        cells.insert(1, Cell::from(safe(source).into_owned()).style(pal.dim));
    }
    Row::new(cells)
}

/// The change summary, with the new status coloured for status changes.
fn change(e: &TicketEvent) -> Line<'static> {
    if e.kind == zdwatch_core::event::Kind::StatusChanged {
        let from = e.previous.as_deref().unwrap_or("–");
        let to = e.current.as_deref().unwrap_or("–");
        return Line::from(vec![
            Span::styled(safe(from).into_owned(), theme::status(from)),
            Span::raw(" → "),
            Span::styled(safe(to).into_owned(), theme::status(to)),
        ]);
    }
    Line::raw(safe(&summary(e)).into_owned())
}
