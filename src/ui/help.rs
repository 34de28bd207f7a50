//! `?`: the key bindings of the screen underneath, generated from the keymap table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::safe;
use crate::app::App;
use crate::app::help::HelpLine;
use crate::app::keymap::{Action, Screen};
use crate::palette::Palette;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, screen: Screen, scroll: u16) {
    let pal = &app.config().palette;
    let help = app.help_lines(screen);
    // As wide as its longest line (a binding's help, the log's path), as the terminal allows.
    let widest = help.iter().map(HelpLine::width).max().unwrap_or(0);
    let width = u16::try_from(widest + 2)
        .unwrap_or(u16::MAX)
        .clamp(72, 120)
        .min(area.width);
    let inner = usize::from(width.saturating_sub(2));
    let lines: Vec<Line> = help.into_iter().map(|l| line(l, pal, inner)).collect();
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = super::layout::centered(area, width, height);
    frame.render_widget(Clear, popup);
    // When it does not fit, j/k scroll it. The keys named are those in effect ([keys] in the config).
    let overflow = (lines.len() as u16).saturating_sub(popup.height.saturating_sub(2));
    let keymap = app.keymap();
    let close = keymap.labels(Screen::Help, Action::Back).join(" or ");
    let title = if overflow > 0 {
        let down = keymap.label(Screen::Help, Action::Down);
        let up = keymap.label(Screen::Help, Action::Up);
        format!(" Help ({down}/{up} scroll, {close} to close) ")
    } else {
        format!(" Help ({close} to close) ")
    };
    frame.render_widget(
        Paragraph::new(lines)
            .block(Block::bordered().title(title))
            .scroll((scroll.min(overflow), 0)),
        popup,
    );
}

fn line(l: HelpLine, pal: &Palette, inner: usize) -> Line<'static> {
    match l {
        HelpLine::Heading(text) => Line::styled(text, pal.header),
        HelpLine::Binding { keys, does } => Line::from(vec![
            Span::styled(format!("  {keys:<12}"), pal.ok),
            Span::raw(does),
        ]),
        HelpLine::Example(ex) => Line::raw(format!("  {ex}")),
        // Too long for the box: the end stays (the file's name and date), the start goes.
        HelpLine::Log(place) => {
            let text = safe(&place).into_owned();
            let room = inner.saturating_sub("Log: …".len());
            let shown = if zdwatch_core::sanitize::width(&text) > room + 1 {
                let chars: Vec<char> = text.chars().collect();
                let mut tail = String::new();
                for c in chars.iter().rev() {
                    if zdwatch_core::sanitize::width(&tail) + 1 > room {
                        break;
                    }
                    tail.insert(0, *c);
                }
                format!("…{tail}")
            } else {
                text
            };
            Line::styled(format!("Log: {shown}"), pal.dim)
        }
        HelpLine::Blank => Line::from(""),
    }
}
