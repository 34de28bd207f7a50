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
    let lines: Vec<Line> = app
        .help_lines(screen)
        .into_iter()
        .map(|l| line(l, pal))
        .collect();
    let height = (lines.len() as u16 + 2).min(area.height);
    let width = 72.min(area.width);
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

fn line(l: HelpLine, pal: &Palette) -> Line<'static> {
    match l {
        HelpLine::Heading(text) => Line::styled(text, pal.header),
        HelpLine::Binding { keys, does } => Line::from(vec![
            Span::styled(format!("  {keys:<12}"), pal.ok),
            Span::raw(does),
        ]),
        HelpLine::Example(ex) => Line::raw(format!("  {ex}")),
        HelpLine::Log(place) => Line::styled(format!("Log: {}", safe(&place)), pal.dim),
        HelpLine::Blank => Line::from(""),
    }
}
