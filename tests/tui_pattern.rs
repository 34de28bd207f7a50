//! EventBridge patterns in the monitor: the editor (validated as you type), the stream filtered
//! or highlighted, and `e` explaining one event; driven through `App::update`, drawn on TestBackend.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::screens::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use zdwatch::app::{App, Mode, Msg};
use zdwatch_core::event::Format;

const CLASSIC_MISTAKE: &str = r#"{"detail-type": ["Support Ticket:Status Changed"]}"#;
const LEGACY_STATUS: &str = r#"{"detail-type": ["Support Ticket: Status Changed"]}"#;

fn ctrl_s(app: &mut App) {
    app.update(
        Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
        now(),
    );
}

/// Events the decoder read as legacy status changes: what LEGACY_STATUS selects.
fn legacy_status_changes(app: &App) -> usize {
    app.store()
        .since(app.store().first_seq())
        .filter_map(|held| app.store().get(held.seq))
        .filter(|e| e.format == Format::Legacy && e.kind.as_str() == "status_changed")
        .count()
}

#[test]
fn the_editor_validates_as_you_type_and_ctrl_s_filters_the_stream() {
    let mut app = demo_app();
    let held = app.store().len();
    key(&mut app, KeyCode::Char('p'));
    assert!(matches!(app.mode(), Mode::PatternEditor(_)));
    type_text(
        &mut app,
        r#"{"detail-type": ["Support Ticket: Status Changed"]"#,
    );
    let text = screen(&mut app, 100, 24);
    assert!(
        text.contains("✗ Event pattern is not valid. Reason: malformed JSON"),
        "{text}"
    );
    assert!(
        text.contains("(line 1,") && text.contains("column 51)"),
        "{text}"
    );
    // Enter is a new line, not "apply".
    key(&mut app, KeyCode::Enter);
    type_text(&mut app, "}");
    let text = screen(&mut app, 100, 24);
    assert!(text.contains("✓ valid"), "{text}");
    insta::assert_snapshot!("pattern_editor_100x24", text);
    ctrl_s(&mut app);
    assert_eq!(app.mode(), &Mode::Stream);
    let want = legacy_status_changes(&app);
    assert!(want > 0);
    assert_eq!(app.stream().visible.len(), want);
    assert_eq!(app.store().len(), held, "a view: nothing dropped");
    let text = screen(&mut app, 250, 30);
    assert!(
        text.contains(&format!("pattern filters ({want} match)")),
        "{text}"
    );

    // P: highlight instead; every event is back and the matching ones are highlighted.
    key(&mut app, KeyCode::Char('P'));
    assert_eq!(app.stream().visible.len(), held);
    let highlighted = app
        .stream()
        .visible
        .iter()
        .filter(|s| app.is_highlighted(**s))
        .count();
    assert_eq!(highlighted, want);

    // :pattern off removes it.
    key(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "pattern off");
    key(&mut app, KeyCode::Enter);
    assert!(app.pattern().is_none());
    assert_eq!(app.stream().visible.len(), held);
}

#[test]
fn an_invalid_pattern_is_not_applied_and_esc_keeps_the_old_one() {
    let mut app = demo_app();
    key(&mut app, KeyCode::Char(':'));
    type_text(&mut app, &format!("pattern {LEGACY_STATUS}"));
    key(&mut app, KeyCode::Enter);
    let shown = app.stream().visible.len();
    key(&mut app, KeyCode::Char('p'));
    // The editor opens with the pattern in use; break it and try to apply.
    key(&mut app, KeyCode::End);
    key(&mut app, KeyCode::Backspace);
    ctrl_s(&mut app);
    assert!(matches!(app.mode(), Mode::PatternEditor(_)), "stays open");
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.mode(), &Mode::Stream);
    assert_eq!(
        app.pattern().as_ref().unwrap().pattern.text(),
        LEGACY_STATUS
    );
    assert_eq!(app.stream().visible.len(), shown);
}

#[test]
fn pasted_patterns_keep_their_lines() {
    let mut app = demo_app();
    key(&mut app, KeyCode::Char('p'));
    app.update(
        Msg::Paste("{\n  \"detail-type\": [\"Support Ticket: Status Changed\"]\n}".into()),
        now(),
    );
    let Mode::PatternEditor(editor) = app.mode() else {
        panic!()
    };
    assert_eq!(editor.lines.len(), 3);
    ctrl_s(&mut app);
    assert_eq!(app.stream().visible.len(), legacy_status_changes(&app));
}

#[test]
fn e_explains_the_selected_event_with_a_hint() {
    let mut app = demo_app();
    key(&mut app, KeyCode::Char('e'));
    assert!(app.notice().unwrap().contains("no EventBridge pattern"));
    key(&mut app, KeyCode::Char(':'));
    type_text(&mut app, &format!("pattern {CLASSIC_MISTAKE}"));
    key(&mut app, KeyCode::Enter);
    assert!(
        app.stream().visible.is_empty(),
        "the classic mistake matches nothing"
    );
    let text = screen(&mut app, 160, 30);
    assert!(
        text.contains("No event matches the EventBridge pattern"),
        "{text}"
    );
    key(&mut app, KeyCode::Char('P'));
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "format:legacy type:status_changed");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('e'));
    assert!(matches!(app.mode(), Mode::Explain { .. }));
    let text = screen(&mut app, 120, 12);
    assert!(text.contains("does not match the pattern"), "{text}");
    assert!(text.contains("differ only in spaces"), "{text}");
    insta::assert_snapshot!("explain_120x12", text);
    key(&mut app, KeyCode::Char('q'));
    assert_eq!(app.mode(), &Mode::Stream);
}
