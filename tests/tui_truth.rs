//! The screen never says something untrue: Enter on an invalid filter applies nothing of it,
//! misspelled values are errors with the nearest valid ones, a value no held event has is named,
//! and notices go away once they are stale.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::screens::{key, loaded, now, screen, type_text};
use crossterm::event::KeyCode;
use zdwatch::app::{App, Msg};

/// The frame at `at` (the `screen` helper draws at the fixed test clock).
fn screen_at(app: &mut App, at: jiff::Timestamp) -> String {
    app.update(Msg::Resize(200, 20), at);
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(200, 20)).unwrap();
    terminal.draw(|f| zdwatch::ui::draw(f, app)).unwrap();
    let buffer = terminal.backend().buffer();
    (0..20)
        .map(|y| {
            (0..200)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
                + "\n"
        })
        .collect()
}

fn bar(app: &mut App) -> String {
    let s = screen(app, 200, 30);
    s.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn enter_on_an_invalid_filter_applies_nothing_of_it_and_keeps_the_bar_open() {
    let mut app = loaded();
    let all = app.stream().visible.len();
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "since:15x");
    // While typing, the last valid prefix may show, and the bar says which.
    let typing = bar(&mut app);
    assert!(typing.contains("unknown unit 'x'"), "{typing}");
    assert!(
        typing.contains("showing filter: since:15 meanwhile"),
        "{typing}"
    );
    key(&mut app, KeyCode::Enter);
    assert!(app.prompt().is_some(), "the bar stays open with the error");
    assert_eq!(
        app.filter_text(),
        "",
        "the filter from before is active again"
    );
    assert_eq!(app.stream().visible.len(), all);
    let refused = bar(&mut app);
    assert!(
        refused.contains("Enter applied nothing; no filter as before"),
        "{refused}"
    );
    // Fixed and applied: the previous filter goes, the message with it.
    for _ in 0.."since:15x".len() {
        key(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "tag:vip");
    key(&mut app, KeyCode::Enter);
    assert!(app.prompt().is_none());
    assert_eq!(app.filter_text(), "tag:vip");
    assert!(!screen(&mut app, 200, 30).contains("applied nothing"));
}

#[test]
fn misspelled_values_are_errors_with_the_nearest_valid_ones() {
    let mut app = loaded();
    for (typed, says) in [
        ("status:opn->solved", "no status 'opn' — did you mean open?"),
        (
            "priority:superurgent",
            "no priority 'superurgent' (one of: low, normal, high, urgent)",
        ),
        (
            "type:staus_changed",
            "no kind 'staus_changed' — did you mean status_changed?",
        ),
        (
            "tag+vip",
            "'tag+vip' would search the words; for a tag write tag+:vip",
        ),
    ] {
        key(&mut app, KeyCode::Char('/'));
        type_text(&mut app, typed);
        let shown = bar(&mut app);
        assert!(shown.contains(says), "{typed}: {shown}");
        key(&mut app, KeyCode::Esc);
    }
    // An open vocabulary: valid, but no held event has it; the bar says so, with what is there.
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "channel:emial");
    let shown = bar(&mut app);
    assert!(shown.contains("0 of"), "{shown}");
    assert!(
        shown.contains("no held event has channel 'emial' — seen: web, web_service"),
        "{shown}"
    );
    key(&mut app, KeyCode::Enter);
    let status = bar(&mut app);
    assert!(
        status.contains("filter: channel:emial (no held event has channel 'emial'"),
        "{status}"
    );
}

#[test]
fn notices_go_when_stale() {
    let mut app = loaded();
    key(&mut app, KeyCode::Char('y'));
    assert!(app.notice().unwrap_or_default().contains("copied"));
    // The next key replaces it.
    key(&mut app, KeyCode::Char('\\'));
    assert_eq!(app.notice(), None);
    // Left alone, it goes after a while.
    key(&mut app, KeyCode::Char('y'));
    assert!(app.notice().is_some());
    app.update(Msg::Tick, now() + jiff::SignedDuration::from_secs(3));
    assert!(app.notice().is_some(), "still there after 3 s");
    app.update(Msg::Tick, now() + jiff::SignedDuration::from_secs(9));
    assert_eq!(app.notice(), None, "gone after 8 s");
}

/// A recording (a file): "so far" runs to its last event, and a body without a time of its own
/// is placed where it was recorded, not at the moment the file was read.
#[test]
fn a_recording_is_not_now() {
    let mut app = App::new(
        zdwatch::app::Config {
            live: vec![false],
            ..common::screens::config(zdwatch_sources::Delivery::Peek)
        },
        "",
        now() + jiff::SignedDuration::from_hours(24 * 334),
    )
    .unwrap();
    let mut bodies = common::screens::sample_bodies();
    bodies.push(b"not json at all".to_vec());
    common::screens::feed(&mut app, &bodies);
    // The malformed body came last: it sorts with the recording's newest events.
    let last = app.stream().visible.last().copied().unwrap();
    let malformed = app.store().get(last).unwrap();
    assert_eq!(malformed.kind.as_str(), "malformed");
    let newest = bodies[..bodies.len() - 1]
        .iter()
        .filter_map(|b| common::decoded(b.clone()).occurred_at)
        .max()
        .unwrap();
    assert!(
        malformed.received_at <= newest,
        "stamped inside the recording"
    );
    // Ticket 5158's timeline: its last status runs to the recording's end, not 334 days on.
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "#5158");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    let timeline = screen(&mut app, 160, 40);
    let line = timeline
        .lines()
        .find(|l| l.contains("time in status:"))
        .unwrap_or_else(|| panic!("{timeline}"));
    assert!(!line.contains("so far"), "{line}");
    assert!(line.contains("to the recording's end"), "{line}");
    assert!(!line.contains("334d"), "{line}");
}

/// `NO_COLOR`: not one coloured cell, and the selection still shows (reverse video).
#[test]
fn no_color_draws_without_colour_and_still_marks_the_selection() {
    use ratatui::style::{Color, Modifier};
    let palette = zdwatch::palette::Palette::for_env(
        &zdwatch::palette::Palette::default(),
        Some(std::ffi::OsStr::new("1")),
    );
    assert!(palette.monochrome);
    let unset = zdwatch::palette::Palette::for_env(
        &zdwatch::palette::Palette::default(),
        Some(std::ffi::OsStr::new("")),
    );
    assert!(!unset.monochrome, "an empty NO_COLOR is unset");
    let mut app = App::new(
        zdwatch::app::Config {
            palette,
            ..common::screens::config(zdwatch_sources::Delivery::Peek)
        },
        "",
        now(),
    )
    .unwrap();
    common::screens::feed(&mut app, &common::screens::sample_bodies());
    for keys in [
        &[][..],
        &[KeyCode::Char('d')],
        &[KeyCode::Esc, KeyCode::Tab],
    ] {
        for k in keys {
            key(&mut app, *k);
        }
        app.update(Msg::Resize(120, 30), now());
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 30)).unwrap();
        terminal.draw(|f| zdwatch::ui::draw(f, &app)).unwrap();
        let buffer = terminal.backend().buffer();
        assert!(
            buffer
                .content
                .iter()
                .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
            "a coloured cell after {keys:?}"
        );
        if keys.is_empty() {
            assert!(
                buffer
                    .content
                    .iter()
                    .any(|c| c.modifier.contains(Modifier::REVERSED)),
                "the selected row is marked"
            );
        }
    }
}

/// A quiet queue is connected and waiting, not broken; a file is read, not connected to.
#[test]
fn a_quiet_queue_is_connected_and_waiting_and_doctor_is_suggested() {
    use zdwatch_sources::SourceStatus;
    let mut app = App::new(
        common::screens::config(zdwatch_sources::Delivery::Consume),
        "",
        now(),
    )
    .unwrap();
    assert!(bar(&mut app).contains("◌ zendesk-debug connecting"));
    app.update(Msg::Status(0, SourceStatus::Connected), now());
    app.update(
        Msg::Status(
            0,
            SourceStatus::Depth {
                visible: 0,
                in_flight: 0,
            },
        ),
        now(),
    );
    let later = now() + jiff::SignedDuration::from_secs(75);
    app.update(Msg::Tick, later);
    let screen = screen_at(&mut app, later);
    assert!(
        screen.contains("● zendesk-debug connected, waiting, queue empty"),
        "{screen}"
    );
    assert!(
        screen.contains("nothing has arrived for 1m15s")
            && screen.contains("zdwatch doctor --queue zendesk-debug"),
        "{screen}"
    );
    // Events arrive: no longer waiting.
    let batch = common::screens::sample_bodies()[..3]
        .iter()
        .enumerate()
        .map(|(i, b)| common::screens::message(b, i))
        .collect();
    app.update(Msg::Batch(batch), later);
    assert!(!screen_at(&mut app, later).contains("waiting"));

    let mut file = App::new(
        zdwatch::app::Config {
            sources: vec!["capture.ndjson".into()],
            live: vec![false],
            ..common::screens::config(zdwatch_sources::Delivery::Peek)
        },
        "",
        now(),
    )
    .unwrap();
    let status = bar(&mut file);
    assert!(status.contains("◌ capture.ndjson reading"), "{status}");
}

/// The help shows its rows whole at 120 columns, and a long log path keeps its file name.
#[test]
fn the_help_shows_whole_rows_and_the_log_file_name() {
    let long = format!(
        "/home/someone/with/a/rather/deep/home/directory/.local/state/zdwatch/logs/zdwatch.2026-12-02.log{}",
        " (a new file each day, 7 kept)"
    );
    let mut app = App::new(
        zdwatch::app::Config {
            log_place: Some(long),
            ..common::screens::config(zdwatch_sources::Delivery::Peek)
        },
        "",
        now(),
    )
    .unwrap();
    key(&mut app, KeyCode::Char('?'));
    let wide = screen(&mut app, 120, 60);
    assert!(
        wide.contains("command: highlight EXPR, filter EXPR, pattern [JSON|off], utc, local, quit"),
        "{wide}"
    );
    assert!(wide.contains("zdwatch.2026-12-02.log"), "{wide}");
    let narrow = screen(&mut app, 80, 60);
    assert!(narrow.contains("Log: …"), "{narrow}");
    assert!(
        narrow.contains("zdwatch.2026-12-02.log"),
        "the file name stays: {narrow}"
    );
}

/// A narrow terminal keeps what the filter names: after `reopened priority:urgent` at 80
/// columns the priority is on screen, tags are whole words, the filter leads the status line.
#[test]
fn narrow_terminals_keep_the_columns_the_filter_names() {
    let mut app = common::screens::demo_app();
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "reopened priority:urgent");
    key(&mut app, KeyCode::Enter);
    let narrow = screen(&mut app, 80, 24);
    let rows: Vec<&str> = narrow.lines().skip(1).take(20).collect();
    assert!(
        rows.iter().filter(|r| r.contains("urgent")).count() >= 10,
        "priority shown at 80 columns:\n{narrow}"
    );
    let status = narrow.lines().last().unwrap_or_default();
    assert!(
        status.starts_with("filter: reopened priority:urgent"),
        "the filter leads the status line: {status}"
    );
    // Tags: whole ones, the filter's first; never cut mid-word.
    key(&mut app, KeyCode::Char('/'));
    for _ in 0.."reopened priority:urgent".len() {
        key(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "tag:checkout");
    key(&mut app, KeyCode::Enter);
    let wide = screen(&mut app, 120, 30);
    let header = wide.lines().next().unwrap_or_default();
    let at = header
        .find("tags")
        .unwrap_or_else(|| panic!("no tags column:\n{wide}"));
    for row in wide.lines().skip(1).take(27) {
        let cell = row.get(at..).unwrap_or_default().trim();
        assert!(
            cell.starts_with("checkout"),
            "the filter's tag first: {row}"
        );
        for word in cell.split_whitespace() {
            assert!(
                word.starts_with('+') || !word.ends_with('…'),
                "a tag cut mid-word: {row}"
            );
        }
    }
}

/// The classic rule that never fires: the no-match screen says why before anyone presses `e`.
#[test]
fn a_pattern_that_lets_nothing_through_shows_its_near_misses() {
    let mut app = common::screens::demo_app();
    key(&mut app, KeyCode::Char(':'));
    type_text(
        &mut app,
        r#"pattern {"detail-type": ["Support Ticket:Status Changed"]}"#,
    );
    key(&mut app, KeyCode::Enter);
    assert!(app.stream().visible.is_empty(), "the rule never fires");
    let shown = screen(&mut app, 160, 30);
    let line = shown
        .lines()
        .find(|l| l.contains("nearly match"))
        .unwrap_or_else(|| panic!("no near misses:\n{shown}"));
    assert!(line.contains("differ only in spaces"), "{line}");
    // Counted over the newest events held, and said so: not all of them.
    assert!(app.store().len() > 5_000);
    assert!(
        line.contains("events of the newest 5000 nearly match"),
        "{line}"
    );
    let n: usize = line.split_whitespace().next().unwrap().parse().unwrap();
    assert!(n > 50, "{line}");
}

/// Typing never waits for the filter: the key is in the bar on the next frame, the count is
/// `…` until the scan (carried on between frames) is done, and the newest text wins.
#[test]
fn a_key_is_echoed_before_the_filter_has_run() {
    use crossterm::event::{KeyEvent, KeyModifiers};
    let mut app = common::screens::demo_app();
    let held = app.store().len();
    assert!(held > 10_000, "{held}");
    key(&mut app, KeyCode::Char('/'));
    let press = |app: &mut App, c: char| {
        app.update(
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            now(),
        )
    };
    for c in "tag:checkou".chars() {
        press(&mut app, c);
    }
    assert!(app.filtering(), "the scan waits for the loop");
    let echoed = bar(&mut app);
    assert!(echoed.starts_with("/tag:checkou"), "{echoed}");
    assert!(echoed.contains(&format!("… of {held} match")), "{echoed}");
    // A slice of work, then another key: the scan starts over for the newest text.
    app.work(Some(std::time::Duration::from_micros(200)));
    press(&mut app, 't');
    while app.work(Some(std::time::Duration::from_millis(4))) {}
    let done = bar(&mut app);
    assert!(done.starts_with("/tag:checkout"), "{done}");
    let expected = {
        let f = zdwatch_core::filter::Filter::parse("tag:checkout").unwrap();
        let first = app.store().first_seq();
        app.store()
            .since(first)
            .filter(|e| f.matches(e, now()))
            .count()
    };
    assert!(expected > 0);
    assert_eq!(app.stream().visible.len(), expected);
    assert!(
        done.contains(&format!("{expected} of {held} match")),
        "{done}"
    );
}

/// A one-line pattern with a mistake far to the right: the editor scrolls sideways to it.
#[test]
fn the_pattern_editor_shows_an_error_at_column_110() {
    let mut app = common::screens::loaded();
    key(&mut app, KeyCode::Char('p'));
    let pattern = r#"{"detail-type": ["Support Ticket: Status Changed"], "source": ["aws.partner/zendesk.com/1/default"], "detail": {"ticket_event": {"type": [{"prefix" "Status"}]}}}"#;
    type_text(&mut app, pattern);
    let shown = screen(&mut app, 100, 24);
    // The verdict may wrap: its position is somewhere after the ✗.
    let verdict = shown
        .split('✗')
        .nth(1)
        .unwrap_or_else(|| panic!("no error:\n{shown}"));
    let column: usize = verdict
        .split("column ")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no column in {verdict}"));
    assert!(column > 100, "{verdict}");
    assert!(
        shown.contains(r#"{"prefix" "Status"}"#),
        "the text at the error is in view:\n{shown}"
    );
}

/// Forty minutes of backlog delivered at once is not a rate: only what happened in the last
/// 30 seconds counts as current traffic, and the rest is named as backlog.
#[test]
fn catching_up_on_a_backlog_is_not_read_as_a_spike() {
    let start: jiff::Timestamp = "2025-01-08T16:20:00Z".parse().unwrap();
    let deliveries = zdwatch_sources::demo::Simulator::new(42, start).advance(now());
    let recent = now() - zdwatch::app::BACKLOG_AGE;
    let current = deliveries
        .iter()
        .filter(|d| {
            let event = zdwatch_core::event::decode(zdwatch_core::event::Received {
                body: d.body.clone(),
                message_id: None,
                received_at: d.at,
            });
            event.occurred_at.is_none_or(|t| t >= recent)
        })
        .count();
    let backlog = deliveries.len() - current;
    assert!(
        backlog > 10 * current && current > 0,
        "{current} current, {backlog} backlog"
    );
    let mut app = common::screens::demo_app();
    let later = now() + jiff::SignedDuration::from_secs(1);
    app.update(Msg::Tick, later);
    let screen = screen_at(&mut app, later);
    let expected = format!(
        "{:.1}/s (+{:.0}/s backlog)",
        current as f64 / 5.0,
        backlog as f64 / 5.0
    );
    assert!(screen.contains(&expected), "{expected} in\n{screen}");
    // A recording has no rate at all: it is read, not received.
    let mut file = App::new(
        zdwatch::app::Config {
            sources: vec!["capture.ndjson".into()],
            live: vec![false],
            ..common::screens::config(zdwatch_sources::Delivery::Peek)
        },
        "",
        now(),
    )
    .unwrap();
    common::screens::feed(&mut file, &common::screens::sample_bodies());
    file.update(Msg::Tick, later);
    let status = screen_at(&mut file, later);
    assert!(
        status.contains("events") && !status.contains("/s"),
        "{status}"
    );
}

/// At 80 columns an error too long for the bar is shown whole on the lines above it, and the
/// typed filter keeps the bar.
#[test]
fn an_error_too_long_for_the_bar_is_shown_whole_above_it() {
    let mut app = loaded();
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "status:opn->solved tag:vip");
    key(&mut app, KeyCode::Enter);
    let text = screen(&mut app, 80, 24);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[23], "/status:opn->solved tag:vip", "{text}");
    let above = format!("{} {}", lines[21], lines[22]);
    assert!(
        above.contains(
            "✗ no status 'opn' — did you mean open? — Enter applied nothing; no filter as before"
        ),
        "{text}"
    );
}
