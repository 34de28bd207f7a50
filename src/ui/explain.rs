//! `e`: the EventBridge pattern as a tree, with ✓/✗ per field and operator for one event, the
//! event's values beside each ✗, and hints for near misses.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::safe;
use crate::app::App;
use crate::app::keymap::{Action, Screen};
use zdwatch_core::pattern::event::with_eventbridge_event;
use zdwatch_core::pattern::explain::Mark;
use zdwatch_core::store::Seq;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, seq: Seq, scroll: u16) {
    let pal = &app.config().palette;
    // Masked, the explanation is of the masked event: what the screen shows, nothing more.
    let (Some(e), Some(active)) = (app.shown(seq), &app.pattern()) else {
        frame.render_widget(
            Paragraph::new("No pattern, or the event is no longer held."),
            area,
        );
        return;
    };
    let mut lines: Vec<Line> = Vec::new();
    let explanation = with_eventbridge_event(&e.raw, &mut |v| active.pattern.explain(v));
    let title = match explanation {
        // Its capture changed since it was read: there is no body to explain.
        None if e.body_missing() => {
            let why = e.problem.as_deref().unwrap_or_default();
            lines.push(Line::styled(
                format!("No explanation: {}", safe(why)),
                pal.error,
            ));
            " body missing ".to_string()
        }
        None => {
            lines.push(Line::styled(
                "The body is not JSON: no pattern can match it.",
                pal.error,
            ));
            " no match ".to_string()
        }
        Some(x) => {
            for l in &x.lines {
                let (mark, style) = match l.mark {
                    Mark::Pass => ("✓ ", pal.ok),
                    Mark::Fail => ("✗ ", pal.error),
                    Mark::Note => ("  ", pal.dim),
                };
                lines.push(Line::from(vec![
                    Span::raw("  ".repeat(l.depth)),
                    Span::styled(mark, style),
                    Span::styled(
                        safe(&l.text).into_owned(),
                        if l.mark == Mark::Note {
                            pal.warn
                        } else {
                            Default::default()
                        },
                    ),
                ]));
            }
            // The verdict is the original event's, masked or not: a hidden value must not turn
            // a match into "does not match" on the screen.
            let matched = if app.mask() {
                app.store()
                    .get(seq)
                    .and_then(|orig| {
                        with_eventbridge_event(&orig.raw, &mut |v| active.pattern.matches(v))
                    })
                    .unwrap_or(x.matched)
            } else {
                x.matched
            };
            if matched != x.matched {
                lines.push(Line::styled(
                    "(masked: a value the pattern tests is hidden; the verdict is the original event's)",
                    pal.warn,
                ));
            }
            if matched {
                " matches the pattern ".to_string()
            } else {
                " does not match the pattern ".to_string()
            }
        }
    };
    let ticket = e.ticket_id.map(|t| format!("#{t} ")).unwrap_or_default();
    let block = Block::bordered()
        .title(format!(
            " {ticket}{}:{title}{}",
            safe(e.kind.as_str()),
            if app.mask() {
                format!(
                    "(masked: {} shows the values) ",
                    app.keymap().label(Screen::Explain, Action::ToggleMask)
                )
            } else {
                String::new()
            }
        ))
        .title_bottom(Line::styled(
            super::hints(
                app,
                Screen::Explain,
                &[
                    (Action::EditPattern, "edit the pattern"),
                    (Action::Back, "back"),
                ],
            ),
            pal.dim,
        ));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        area,
    );
}
