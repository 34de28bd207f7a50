//! The filter bar and command prompt: the text, the match count, and a parse error shown at its position.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{safe, theme};
use crate::app::{App, Prompt, PromptKind};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, p: &Prompt) {
    let lead = match p.kind {
        PromptKind::Filter => "/",
        PromptKind::Command => ":",
        PromptKind::Save => "save to: ",
    };
    let text = p.text();
    let mut spans = vec![Span::styled(lead, theme::HEADER)];
    match &p.error {
        Some(err) => {
            // The offending part in red; the rest as typed.
            let start = err.span.start.min(text.len());
            let end = err.span.end.clamp(start, text.len());
            spans.push(Span::raw(safe(&text[..start]).into_owned()));
            spans.push(Span::styled(
                safe(&text[start..end]).into_owned(),
                theme::ERROR,
            ));
            spans.push(Span::raw(safe(&text[end..]).into_owned()));
            spans.push(Span::styled(
                format!("   ✗ {} (previous filter still active)", safe(&err.message)),
                theme::ERROR,
            ));
        }
        None => {
            spans.push(Span::raw(safe(text).into_owned()));
            if p.kind == PromptKind::Filter {
                spans.push(Span::styled(
                    format!(
                        "   {} of {} match",
                        app.stream.visible.len(),
                        app.store.len()
                    ),
                    theme::DIM,
                ));
            }
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    let before_cursor: String = text.chars().take(p.input.visual_cursor()).collect();
    let x = area.x + 1 + safe(&before_cursor).chars().count() as u16;
    frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
}
