//! The filter bar and command prompt: the text, the match count, and a parse error shown at its position.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::safe;
use crate::app::keymap::{Action, Screen};
use crate::app::{App, Prompt, PromptKind};
use zdwatch_core::sanitize::{take_columns, width};

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
            let why = format!("✗ {} — {state}", safe(&err.message));
            let typed: usize = spans.iter().map(|s| width(&s.content)).sum();
            if typed + 3 + width(&why) <= usize::from(area.width) {
                spans.push(Span::styled(format!("   {why}"), pal.error));
            } else {
                // Too long for the bar: whole, on the lines just above it.
                above(frame, area, &why, pal.error);
            }
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
    let columns = width(&safe(&before_cursor));
    let lead_columns = width(lead);
    let x = area
        .x
        .saturating_add(u16::try_from(lead_columns + columns).unwrap_or(u16::MAX));
    frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
}

/// Draws `text` (already safe) word-wrapped on the lines just above `bar`, over what is there.
fn above(frame: &mut Frame, bar: Rect, text: &str, style: ratatui::style::Style) {
    let lines = wrap(text, usize::from(bar.width).max(1));
    let height = u16::try_from(lines.len()).unwrap_or(u16::MAX).min(bar.y);
    if height == 0 {
        return;
    }
    let area = Rect {
        y: bar.y - height,
        height,
        ..bar
    };
    let lines: Vec<Line> = lines
        .into_iter()
        .take(usize::from(height))
        .map(|l| Line::styled(l, style))
        .collect();
    frame.render_widget(ratatui::widgets::Clear, area);
    frame.render_widget(Paragraph::new(lines), area);
}

/// Splits `text` into lines of at most `columns` terminal columns, between words where it can.
fn wrap(text: &str, columns: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word;
        loop {
            let sep = usize::from(!line.is_empty());
            if width(&line) + sep + width(word) <= columns {
                if sep == 1 {
                    line.push(' ');
                }
                line.push_str(word);
                break;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A word longer than a line: cut it.
            let cut = take_columns(word, columns);
            let cut = if cut.is_empty() { word } else { cut };
            lines.push(cut.to_string());
            word = &word[cut.len()..];
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_between_words_and_cuts_only_what_cannot_fit() {
        assert_eq!(
            wrap("✗ no status 'opn' — did you mean open?", 20),
            ["✗ no status 'opn' —", "did you mean open?"]
        );
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a", 10), ["a"]);
    }
}
