//! Text that is wider than it is long (CJK, emoji): columns and the cursor are counted in
//! terminal columns, so a Japanese tag neither pushes the dashboard's figures out of their
//! column nor moves the filter bar's cursor away from where typing goes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::screens::{app, feed, key, now, type_text};
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use zdwatch::app::{App, Msg};

/// The frame's cells, row by row, and the cursor's position.
fn draw(app: &mut App, width: u16, height: u16) -> (Vec<Vec<String>>, (u16, u16)) {
    app.update(Msg::Resize(width, height), now());
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| zdwatch::ui::draw(f, app)).unwrap();
    let cursor = terminal.get_cursor_position().unwrap();
    let buffer = terminal.backend().buffer();
    let rows = (0..height)
        .map(|y| {
            (0..width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect()
        })
        .collect();
    (rows, (cursor.x, cursor.y))
}

fn created(id: u32, tag: &str) -> Vec<u8> {
    format!(
        r#"{{"type":"zen:event-type:ticket.created","id":"wide-{id}","time":"2025-01-08T16:59:00Z","subject":"zen:ticket:{id}","detail":{{"id":"{id}","status":"NEW","tags":["{tag}"],"via":{{"channel":"web"}}}},"event":{{}}}}"#
    )
    .into_bytes()
}

/// A row's text: the cell after a two-column character belongs to it and is skipped.
fn text(row: &[String]) -> String {
    let mut out = String::new();
    let mut skip = false;
    for cell in row {
        if std::mem::take(&mut skip) {
            continue;
        }
        out.push_str(cell);
        skip = zdwatch_core::sanitize::width(cell) == 2;
    }
    out
}

/// The column where `word` starts in the row whose text holds `marker`.
fn column(rows: &[Vec<String>], marker: &str, word: &str) -> usize {
    let row = rows
        .iter()
        .find(|r| text(r).contains(marker))
        .unwrap_or_else(|| panic!("no row with {marker}"));
    let letters: Vec<&str> = word.split("").filter(|s| !s.is_empty()).collect();
    (0..row.len())
        .find(|&x| {
            letters
                .iter()
                .enumerate()
                .all(|(i, l)| row.get(x + i).is_some_and(|c| c == l))
        })
        .unwrap_or_else(|| panic!("no {word} in the row with {marker}: {}", text(row)))
}

#[test]
fn a_wide_tag_keeps_the_dashboard_columns_in_line() {
    let mut app = app();
    feed(
        &mut app,
        &[
            created(1, "支払い失敗エラー"),
            created(2, "vip"),
            created(3, "😀😀😀😀x"),
        ],
    );
    key(&mut app, KeyCode::Tab);
    let (rows, _) = draw(&mut app, 140, 40);
    let ascii = column(&rows, "vip", "new");
    assert_eq!(column(&rows, "支払い", "new"), ascii, "CJK row in line");
    assert_eq!(column(&rows, "😀", "new"), ascii, "emoji row in line");
}

#[test]
fn the_filter_bar_cursor_counts_columns() {
    let mut app = app();
    feed(&mut app, &[created(1, "支払い"), created(2, "vip")]);
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "tag:支払い");
    let (rows, (x, y)) = draw(&mut app, 100, 20);
    let bar = text(&rows[usize::from(y)]);
    assert!(bar.starts_with("/tag:支払い"), "{bar}");
    assert_eq!(
        x,
        1 + 4 + 6,
        "after `/`, `tag:` and three two-column characters"
    );
    key(&mut app, KeyCode::Left);
    let (_, (x, _)) = draw(&mut app, 100, 20);
    assert_eq!(x, 1 + 4 + 4, "one character back is two columns back");
}
