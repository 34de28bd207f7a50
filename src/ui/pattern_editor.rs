//! The `:pattern` editor: the text with line numbers and a cursor, and below it whether the
//! pattern is valid, with EventBridge's reason and the offending position marked when not.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::safe;
use crate::app::keymap::{Action, Screen};
use crate::app::{App, PatternEditor};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, editor: &PatternEditor) {
    let pal = &app.config().palette;
    let width = 90.min(area.width);
    let height = (u16::try_from(editor.lines.len()).unwrap_or(u16::MAX) + 6)
        .max(10)
        .min(area.height);
    let popup = super::layout::centered(area, width, height);
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .title(" EventBridge event pattern ")
        .title_bottom(Line::styled(
            super::hints(
                app,
                Screen::PatternEditor,
                &[
                    (Action::ApplyPattern, "use it (empty: none)"),
                    (Action::Cancel, "cancel"),
                    (Action::ClearInput, "clear"),
                ],
            ),
            pal.dim,
        ));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let [text_area, verdict_area] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(2)]).areas(inner);

    let error_at = match &editor.verdict {
        Some(Err(e)) => e.position,
        _ => None,
    };
    let rows = usize::from(text_area.height.max(1));
    let first = (editor.row + 1).saturating_sub(rows);
    // Long lines scroll sideways so that the error (else the cursor) stays in view: a pasted
    // one-line pattern with a mistake at column 110 shows it.
    let room = usize::from(text_area.width.saturating_sub(4)).max(1);
    let focus = error_at.map_or(editor.col, |(_, column)| column.saturating_sub(1));
    // With a third of the width after it, so that what follows the mistake shows too.
    let shift = (focus + room / 3).saturating_sub(room);
    let cut = |text: &str| -> String { text.chars().skip(shift).collect() };
    let mut lines: Vec<Line> = Vec::new();
    if editor.text().is_empty() {
        lines.push(Line::styled(
            r#"   e.g. {"detail-type": ["Support Ticket: Status Changed"]}"#,
            pal.dim,
        ));
    }
    for (i, text) in editor.lines.iter().enumerate().skip(first).take(rows) {
        let marker = if shift > 0 { "…" } else { " " };
        let mut spans = vec![Span::styled(format!("{:>3}{marker}", i + 1), pal.dim)];
        let text = &cut(text);
        match error_at {
            Some((line, column)) if line == i + 1 => {
                let chars: Vec<char> = text.chars().collect();
                let at = column.saturating_sub(1 + shift).min(chars.len());
                let before: String = chars[..at].iter().collect();
                let here: String = chars.get(at).map_or(" ".into(), |c| c.to_string());
                let after: String = chars.iter().skip(at + 1).collect();
                spans.push(Span::raw(safe(&before).into_owned()));
                spans.push(Span::styled(
                    safe(&here).into_owned(),
                    pal.error.patch(pal.selected),
                ));
                spans.push(Span::raw(safe(&after).into_owned()));
            }
            _ => spans.push(Span::raw(safe(text).into_owned())),
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), text_area);

    let verdict = match &editor.verdict {
        None => Line::styled(
            format!(
                "empty: {} removes the pattern",
                app.keymap()
                    .label(Screen::PatternEditor, Action::ApplyPattern)
            ),
            pal.dim,
        ),
        Some(Ok(_)) => Line::styled("✓ valid", pal.ok),
        Some(Err(e)) => {
            let at = e
                .position
                .map(|(l, c)| format!(" (line {l}, column {c})"))
                .unwrap_or_default();
            Line::styled(format!("✗ {}{at}", safe(&e.to_string())), pal.error)
        }
    };
    frame.render_widget(
        Paragraph::new(verdict).wrap(Wrap { trim: true }),
        verdict_area,
    );

    // The cursor, where typing goes (lines scrolled off the top are not drawn).
    if editor.row >= first {
        let line = &editor.lines[editor.row];
        let before: String = line.chars().take(editor.col).skip(shift).collect();
        let columns = zdwatch_core::sanitize::width(&safe(&before));
        let x = text_area.x + 4 + u16::try_from(columns).unwrap_or(u16::MAX);
        let y = text_area.y + u16::try_from(editor.row - first).unwrap_or(0);
        if editor.col >= shift && x < text_area.right() && y < text_area.bottom() {
            frame.set_cursor_position(Position::new(x, y));
        }
    }
}
