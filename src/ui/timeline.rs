//! The ticket timeline: current state, time in each status, and every event in the order it happened.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row};

use super::{event_time, layout, safe, theme};
use crate::app::{App, ListView};
use zdwatch_core::event::summary;
use zdwatch_core::store::Timeline;
use zdwatch_core::store::timeline::{Group, short_duration};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, ticket: u64, list: &ListView) {
    let pal = &app.config().palette;
    let timeline = Timeline::build(app.store(), ticket);
    let header_h = layout::TIMELINE_HEADER.min(area.height);
    let header = Rect::new(area.x, area.y, area.width, header_h);
    let body = Rect::new(
        area.x,
        area.y + header_h,
        area.width,
        area.height - header_h,
    );
    frame.render_widget(Paragraph::new(header_lines(app, &timeline)), header);

    let rows_room = usize::from(body.height.saturating_sub(1));
    let narrow = area.width < super::NARROW;
    let rows = timeline
        .entries
        .iter()
        .enumerate()
        .skip(list.offset)
        .take(rows_room)
        .filter_map(|(i, entry)| {
            let e = app.shown(entry.seq)?;
            let mark = match entry.group {
                Group::Alone => " ",
                Group::First => "┌",
                Group::Middle => "│",
                Group::Last => "└",
            };
            let actor = e.actor_id.map(|a| app.user_label(a)).unwrap_or_default();
            let mut style = if app.is_highlighted(entry.seq) {
                pal.highlight
            } else {
                Default::default()
            };
            if i == list.selected {
                style = style.patch(pal.selected);
            }
            let mut cells = vec![
                Cell::from(mark).style(pal.dim),
                Cell::from(event_time(&e, entry.at, app.utc(), narrow)).style(pal.dim),
                Cell::from(safe(e.kind.as_str()).into_owned()).style(theme::kind(&e.kind)),
                Cell::from(super::with_missing_mark(
                    Line::raw(safe(&summary(&e)).into_owned()),
                    &e,
                    pal,
                )),
            ];
            if !narrow {
                cells.push(Cell::from(safe(&actor).into_owned()).style(pal.dim));
            }
            Some(Row::new(cells).style(style))
        });
    let (kind_w, time_w) = if narrow { (16, 8) } else { (24, 14) };
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Length(time_w),
        Constraint::Length(kind_w),
        Constraint::Fill(1),
    ];
    let mut titles = vec!["", "time", "kind", "change"];
    if !narrow {
        widths.push(Constraint::Length(18));
        titles.push("actor");
    }
    let table = super::table(rows, widths, &titles, pal);
    frame.render_widget(table, body);
}

fn header_lines(app: &App, t: &Timeline) -> Vec<Line<'static>> {
    let pal = &app.config().palette;
    let c = &t.current;
    let mut state = vec![
        Span::styled(format!("Ticket #{}", t.ticket_id), pal.header),
        Span::raw("  "),
    ];
    if let Some(s) = &c.status {
        state.push(Span::styled(safe(s).into_owned(), theme::status(s)));
    }
    let mut facts = Vec::new();
    if let Some(p) = &c.priority {
        facts.push(format!("priority {p}"));
    }
    facts.push(match c.assignee_id {
        Some(a) => format!("assignee {}", app.user_label(a)),
        None => "unassigned".into(),
    });
    if let Some(g) = c.group_id {
        facts.push(format!("group {g}"));
    }
    if let Some(ch) = &c.channel {
        facts.push(format!("via {ch}"));
    }
    match app.store().recalled(t.ticket_id).len() {
        0 => facts.push(format!("{} events", t.entries.len())),
        n => facts.push(format!(
            "{} events ({n} read back from the journal)",
            t.entries.len()
        )),
    }
    state.push(Span::raw(format!("  {}", safe(&facts.join(" · ")))));

    let mut statuses: Vec<Span<'static>> = vec![Span::styled("time in status: ", pal.dim)];
    for (i, p) in t.statuses.iter().enumerate() {
        if i > 0 {
            statuses.push(Span::raw(" → "));
        }
        statuses.push(Span::styled(
            safe(&p.status).into_owned(),
            theme::status(&p.status),
        ));
        let d = match p.duration {
            Some(d) => short_duration(d),
            // Closed is final: how long ago it closed is not time spent in a status.
            None if p.status == "closed" => continue,
            None if app.is_live() => format!(
                "{} so far",
                short_duration(app.so_far().duration_since(p.from))
            ),
            // A recording: to its last event, and said so.
            None => format!(
                "{} to the recording's end",
                short_duration(app.so_far().duration_since(p.from))
            ),
        };
        statuses.push(Span::styled(format!(" {d}"), pal.dim));
    }
    if t.statuses.is_empty() {
        statuses.push(Span::styled("no status seen yet", pal.dim));
    }

    let subject = c
        .subject
        .as_deref()
        .map(|s| {
            if app.mask() {
                zdwatch_core::event::mask::MASKED
            } else {
                s
            }
        })
        .map(|s| format!("“{}”  ", safe(s)))
        .unwrap_or_default();
    let tags = Line::from(vec![
        Span::raw(subject),
        Span::styled(format!("tags: {}", safe(&c.tags.join(" "))), pal.dim),
    ]);
    vec![
        Line::from(state),
        Line::from(statuses),
        tags,
        Line::styled("─".repeat(200), pal.dim),
    ]
}
