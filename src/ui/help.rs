//! `?`: the key bindings of the screen underneath, generated from the keymap table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::{safe, theme};
use crate::app::keymap::{self, Action, Screen};

/// How many lines the help for `screen` cannot show at once on a terminal of `size`.
/// Where the monitor's log goes, shown at the end of every help screen (set once at start).
static LOG_PLACE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

pub fn set_log_place(place: String) {
    let _ = LOG_PLACE.set(place);
}

pub fn overflow(screen: Screen, size: (u16, u16)) -> u16 {
    let room = super::layout::areas(size).main.height.saturating_sub(2);
    u16::try_from(lines(screen).len())
        .unwrap_or(u16::MAX)
        .saturating_sub(room)
}

pub fn draw(frame: &mut Frame, area: Rect, screen: Screen, scroll: u16) {
    let lines = lines(screen);
    let height = (lines.len() as u16 + 2).min(area.height);
    let width = 72.min(area.width);
    let popup = super::layout::centered(area, width, height);
    frame.render_widget(Clear, popup);
    // When it does not fit, j/k scroll it. The keys named are those in effect ([keys] in the config).
    let overflow = (lines.len() as u16).saturating_sub(popup.height.saturating_sub(2));
    let close = keymap::labels(Screen::Help, Action::Back).join(" or ");
    let title = if overflow > 0 {
        let down = keymap::label(Screen::Help, Action::Down);
        let up = keymap::label(Screen::Help, Action::Up);
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

fn lines(screen: Screen) -> Vec<Line<'static>> {
    let mut lines: Vec<Line> = Vec::new();
    for s in [screen, Screen::Prompt] {
        lines.push(Line::styled(s.title(), theme::header()));
        for b in keymap::help_for(s) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<12}", b.label), theme::ok()),
                Span::raw(b.help),
            ]));
        }
        lines.push(Line::from(""));
    }
    if screen == Screen::Stream {
        lines.push(Line::styled("Filter examples", theme::header()));
        for ex in [
            "status:open->solved   tag:vip   tag+:payment_failed   #35436",
            "reopened since:1h     type:comment -format:legacy",
            "priority:urgent or (tag:vip status:*->solved)",
        ] {
            lines.push(Line::raw(format!("  {ex}")));
        }
    }
    if let Some(place) = LOG_PLACE.get() {
        lines.push(Line::from(""));
        lines.push(Line::styled(format!("Log: {}", safe(place)), theme::dim()));
    }
    lines
}
