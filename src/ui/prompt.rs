//! The filter bar and command prompt: the text, the match count, and a parse error shown at its position.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::safe;
use crate::app::keymap::{Action, Screen};
use crate::app::{App, Prompt, PromptKind};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, p: &Prompt) {
    let pal = &app.config().palette;
    let lead = match p.kind {
        PromptKind::Filter => "/",
        PromptKind::Command => ":",
        PromptKind::Save => "save to: ",
    };
    let text = p.text();
    let mut spans = vec![Span::styled(lead, pal.header)];
    match &p.error {
        Some(err) => {
            // The offending part in red; the rest as typed.
            let start = err.span.start.min(text.len());
            let end = err.span.end.clamp(start, text.len());
            spans.push(Span::raw(safe(&text[..start]).into_owned()));
            spans.push(Span::styled(
                safe(&text[start..end]).into_owned(),
                pal.error,
            ));
            spans.push(Span::raw(safe(&text[end..]).into_owned()));
            // Say exactly which filter the stream shows meanwhile.
            let active = app.filter_text().trim();
            let active = if active.is_empty() {
                "no filter".to_string()
            } else {
                format!("filter: {}", safe(active))
            };
            let state = if p.refused {
                format!("Enter applied nothing; {active} as before")
            } else {
                format!("showing {active} meanwhile")
            };
            spans.push(Span::styled(
                format!("   ✗ {} — {state}", safe(&err.message)),
                pal.error,
            ));
        }
        None => {
            spans.push(Span::raw(safe(text).into_owned()));
            if p.deferred {
                let key = app.keymap().label(Screen::Prompt, Action::Accept);
                spans.push(Span::styled(
                    format!("   {key}: search the words in {} events", app.store().len()),
                    pal.header,
                ));
            } else if p.kind == PromptKind::Filter {
                let shown = if app.filtering() {
                    "…".to_string()
                } else {
                    app.stream().visible.len().to_string()
                };
                spans.push(Span::styled(
                    format!("   {shown} of {} match", app.store().len()),
                    pal.dim,
                ));
                if let Some(why) = app.empty_reason() {
                    spans.push(Span::styled(format!(" — {}", safe(why)), pal.warn));
                }
                let saved = &app.config().saved_filters;
                if let Some(i) = saved.iter().position(|(_, f)| f == text) {
                    let name = &saved[i].0;
                    spans.push(Span::styled(
                        format!(
                            "   saved filter {} of {}: {}",
                            i + 1,
                            saved.len(),
                            safe(name)
                        ),
                        pal.header,
                    ));
                } else if !saved.is_empty() {
                    let key = app.keymap().label(Screen::Prompt, Action::NextSavedFilter);
                    spans.push(Span::styled(format!("   {key}: saved filters"), pal.dim));
                }
            }
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    // Columns, not characters: a CJK character or an emoji before the cursor takes two.
    let before_cursor: String = text.chars().take(p.input.cursor()).collect();
    let columns = zdwatch_core::sanitize::width(&safe(&before_cursor));
    let lead_columns = zdwatch_core::sanitize::width(lead);
    let x = area
        .x
        .saturating_add(u16::try_from(lead_columns + columns).unwrap_or(u16::MAX));
    frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
}
