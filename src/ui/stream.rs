//! The stream screen: one row per event, newest at the bottom.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Wrap};

use super::{event_time, safe, theme};
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
        let mut lines = vec![
            header_line(area.width, pal),
            Line::from(""),
            Line::styled(safe(&text).into_owned(), pal.dim),
        ];
        // Why the pattern lets nothing through, counted over the newest events held.
        if !app.near_misses().is_empty() {
            lines.push(Line::from(""));
            // Counted over the newest events only: said, so that "312 events" is not read as all.
            let among = crate::app::NEAR_MISS_SAMPLE;
            let sampled = app.store().len() as u64 > among;
            for (n, hint) in app.near_misses() {
                let what = if app.mask() {
                    let key = app.keymap().label(Screen::Stream, Action::ToggleMask);
                    format!("(masked: {key} shows how)")
                } else {
                    safe(hint).into_owned()
                };
                let of = if sampled {
                    format!(" of the newest {among}")
                } else {
                    String::new()
                };
                lines.push(Line::styled(
                    format!("{n} events{of} nearly match: {what}"),
                    pal.warn,
                ));
            }
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
        return;
    }
    let named = app.filter().names();
    let columns = Columns::fit(area.width, app.sources().len() > 1, &named);
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
            Some(row(&e, app.utc(), medium, &columns, &named, pal).style(style))
        });
    let (time_w, ticket_w, kind_w) = if medium { (14, 9, 24) } else { (8, 7, 16) };
    let mut widths = vec![
        Constraint::Length(time_w),
        Constraint::Length(ticket_w),
        Constraint::Length(kind_w),
        Constraint::Fill(1),
    ];
    let mut titles = vec!["time", "ticket", "kind", "change"];
    for c in &columns.optional {
        widths.push(Constraint::Length(c.width()));
        titles.push(c.title());
    }
    let table = super::table(rows, widths, &titles, pal);
    frame.render_widget(table, area);
}

/// A column the stream shows when there is room: those the filter names first, so that after
/// `reopened priority:urgent` the priority is on screen even at 80 columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Optional {
    Source(u16),
    Priority,
    Group,
    Tags(u16),
    Channel,
    Brand,
}

impl Optional {
    fn width(self) -> u16 {
        match self {
            Optional::Source(w) | Optional::Tags(w) => w,
            Optional::Priority => 8,
            Optional::Group => 14,
            Optional::Channel => 10,
            Optional::Brand => 14,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Optional::Source(_) => "source",
            Optional::Priority => "priority",
            Optional::Group => "group",
            Optional::Tags(_) => "tags",
            Optional::Channel => "channel",
            Optional::Brand => "brand",
        }
    }
}

/// The optional columns chosen for a width, in the order they are drawn.
struct Columns {
    optional: Vec<Optional>,
}

impl Columns {
    /// The change column keeps at least this many columns.
    const CHANGE: u16 = 24;

    fn fit(width: u16, several: bool, named: &zdwatch_core::filter::Named) -> Columns {
        let fixed: u16 = if width >= super::NARROW {
            14 + 9 + 24
        } else {
            8 + 7 + 16
        } + 4;
        let mut room = width.saturating_sub(fixed + Self::CHANGE);
        // Named by the filter first; then the usual order.
        let source = Optional::Source(if width >= super::NARROW { 16 } else { 10 });
        let mut wanted: Vec<Optional> = Vec::new();
        if named.source && several {
            wanted.push(source);
        }
        if named.priority {
            wanted.push(Optional::Priority);
        }
        if !named.tags.is_empty() {
            wanted.push(Optional::Tags(0));
        }
        if named.group {
            wanted.push(Optional::Group);
        }
        let usual = [
            (several, source),
            (true, Optional::Priority),
            (true, Optional::Tags(0)),
            (true, Optional::Group),
            (true, Optional::Channel),
            (true, Optional::Brand),
        ];
        for (on, c) in usual {
            if on && !wanted.iter().any(|w| w.title() == c.title()) {
                wanted.push(c);
            }
        }
        let mut chosen = Vec::new();
        for c in wanted {
            let need = match c {
                // Tags take what is left, between 12 and 40 columns.
                Optional::Tags(_) => 12,
                other => other.width(),
            } + 1;
            if need <= room {
                room -= need;
                chosen.push(c);
            }
        }
        // The tags column gets the room left over (capped), the change column the rest.
        for c in &mut chosen {
            if let Optional::Tags(w) = c {
                *w = (12 + room / 2).min(40);
            }
        }
        // Drawn in a stable order, whatever chose them.
        chosen.sort_by_key(|c| match c {
            Optional::Source(_) => 0,
            Optional::Priority => 1,
            Optional::Group => 2,
            Optional::Channel => 3,
            Optional::Brand => 4,
            Optional::Tags(_) => 5,
        });
        Columns { optional: chosen }
    }
}

/// The ticket's tags in a column of `width`: those the filter names first, then the newest;
/// whole tags only, and `+N` for those that do not fit.
fn tags_cell(tags: &[String], named: &zdwatch_core::filter::Named, width: usize) -> String {
    let mut ordered: Vec<&String> = tags.iter().filter(|t| named.tag(t)).collect();
    ordered.extend(tags.iter().rev().filter(|t| !named.tag(t)));
    let mut out = String::new();
    for (i, tag) in ordered.iter().enumerate() {
        let tag = safe(tag);
        let left = ordered.len() - i - 1;
        let more = if left > 0 {
            format!(" +{left}")
        } else {
            String::new()
        };
        let sep = usize::from(!out.is_empty());
        let used = zdwatch_core::sanitize::width(&out);
        let fits_all = used + sep + zdwatch_core::sanitize::width(&tag) + more.len() <= width;
        let fits_last = left == 0 && used + sep + zdwatch_core::sanitize::width(&tag) <= width;
        if fits_all || fits_last {
            if sep == 1 {
                out.push(' ');
            }
            out.push_str(&tag);
        } else {
            let rest = ordered.len() - i;
            if out.is_empty() {
                // Not even one whole tag fits: its start, marked as cut.
                return zdwatch_core::sanitize::fit_columns(&tag, width).into_owned();
            }
            out.push_str(&format!(" +{rest}"));
            break;
        }
    }
    out
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
    medium: bool,
    columns: &Columns,
    named: &zdwatch_core::filter::Named,
    pal: &Palette,
) -> Row<'static> {
    let who = match (e.ticket_id, &e.domain, &e.subject_id) {
        (Some(id), _, _) => format!("#{id}"),
        (None, Some(d), Some(id)) => format!("{d}:{id}"),
        _ => "-".into(),
    };
    let mut cells = vec![
        Cell::from(event_time(e, e.order_time(), utc, !medium)).style(pal.dim),
        Cell::from(safe(&who).into_owned()),
        Cell::from(safe(e.kind.as_str()).into_owned()).style(theme::kind(&e.kind)),
        Cell::from(change(e, pal)),
    ];
    for c in &columns.optional {
        cells.push(match c {
            Optional::Source(_) => {
                Cell::from(safe(e.source.as_deref().unwrap_or("")).into_owned()).style(pal.dim)
            }
            Optional::Priority => {
                let p = e.ticket.priority.as_deref().unwrap_or("");
                Cell::from(safe(p).into_owned()).style(theme::priority(p))
            }
            Optional::Group => {
                Cell::from(e.ticket.group_id.map(|g| g.to_string()).unwrap_or_default())
                    .style(pal.dim)
            }
            Optional::Tags(w) => {
                Cell::from(tags_cell(&e.ticket.tags, named, usize::from(*w))).style(pal.dim)
            }
            Optional::Channel => {
                Cell::from(safe(e.ticket.channel.as_deref().unwrap_or("")).into_owned())
                    .style(pal.dim)
            }
            Optional::Brand => {
                Cell::from(e.ticket.brand_id.map(|b| b.to_string()).unwrap_or_default())
                    .style(pal.dim)
            }
        });
    }
    Row::new(cells)
}

/// The change summary, with the new status coloured for status changes.
fn change(e: &TicketEvent, pal: &Palette) -> Line<'static> {
    let line = if e.kind == zdwatch_core::event::Kind::StatusChanged {
        let from = e.previous.as_deref().unwrap_or("–");
        let to = e.current.as_deref().unwrap_or("–");
        Line::from(vec![
            Span::styled(safe(from).into_owned(), theme::status(from)),
            Span::raw(" → "),
            Span::styled(safe(to).into_owned(), theme::status(to)),
        ])
    } else {
        Line::raw(safe(&summary(e)).into_owned())
    };
    super::with_missing_mark(line, e, pal)
}
