//! The monitor's screens and key handling, driven through `App::update` with a fixed clock and
//! drawn on ratatui's `TestBackend`. Snapshots (insta) live in `tests/snapshots/`; review
//! changes with `cargo insta review` (or delete a snapshot and rerun to accept the new one).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::screens::*;

use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use zdwatch::app::{App, Config, Effect, Mode, Msg};
use zdwatch_sources::{Delivery, Disposition, Message};

#[test]
fn stream_screen() {
    let mut app = loaded();
    insta::assert_snapshot!("stream_120x30", screen(&mut app, 120, 30));
}

#[test]
fn stream_screen_small_terminal() {
    let mut app = loaded();
    insta::assert_snapshot!("stream_60x15", screen(&mut app, 60, 15));
    // Every screen survives tiny and odd sizes.
    for (w, h) in [(60, 15), (20, 5), (1, 1), (250, 3)] {
        screen(&mut app, w, h);
        key(&mut app, KeyCode::Enter);
        screen(&mut app, w, h);
        key(&mut app, KeyCode::Char('d'));
        screen(&mut app, w, h);
        key(&mut app, KeyCode::Char('?'));
        screen(&mut app, w, h);
        for _ in 0..3 {
            key(&mut app, KeyCode::Esc);
        }
        key(&mut app, KeyCode::Char('/'));
        type_text(&mut app, "status:(");
        screen(&mut app, w, h);
        key(&mut app, KeyCode::Esc);
    }
}

#[test]
fn timeline_screen() {
    let mut app = demo_app();
    // The triage question of the issue: reopened urgent tickets, then one ticket's story.
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "reopened priority:urgent");
    key(&mut app, KeyCode::Enter);
    assert!(
        !app.stream().visible.is_empty(),
        "the demo reopens urgent tickets"
    );
    key(&mut app, KeyCode::Char('g'));
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.mode(), Mode::Timeline { .. }));
    let text = screen(&mut app, 120, 30);
    assert!(text.contains("time in status: new"), "{text}");
    assert!(text.contains("solved → open"), "{text}");
    insta::assert_snapshot!("timeline_120x30", text);
}

#[test]
fn detail_screen() {
    let mut app = loaded();
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "type:status_changed format:webhook");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('d'));
    insta::assert_snapshot!("detail_120x40", screen(&mut app, 120, 40));
    key(&mut app, KeyCode::Char('j'));
    let scrolled = screen(&mut app, 120, 40);
    assert!(
        !scrolled.contains("kind  status_changed"),
        "j scrolls the detail"
    );
}

#[test]
fn every_screen_s_key_hint_names_the_keys_in_effect() {
    use zdwatch::app::keymap::{Action, Keymap};
    let keymap = Keymap::with(&[
        (Action::Copy, vec!["c".to_string()]),
        (Action::OpenInZendesk, vec!["z".to_string()]),
        (Action::Back, vec!["x".to_string()]),
        (Action::EditPattern, vec!["F2".to_string()]),
        (Action::ApplyPattern, vec!["F5".to_string()]),
    ])
    .unwrap();
    let mut app = App::new(
        Config {
            keymap,
            ..config(Delivery::Peek)
        },
        "",
        now(),
    )
    .unwrap();
    feed(&mut app, &sample_bodies());
    key(&mut app, KeyCode::Char('d'));
    let detail = screen(&mut app, 120, 40);
    assert!(
        detail.contains("c copy · z open in Zendesk · x back"),
        "{detail}"
    );
    key(&mut app, KeyCode::Char('x'));
    key(&mut app, KeyCode::F(2));
    let editor = screen(&mut app, 120, 40);
    assert!(editor.contains("F5 use it (empty: none)"), "{editor}");
    assert!(editor.contains("empty: F5 removes the pattern"), "{editor}");
    assert!(!editor.contains("Ctrl-s"), "{editor}");
    type_text(&mut app, r#"{"detail-type": ["nothing"]}"#);
    key(&mut app, KeyCode::F(5));
    let stream = screen(&mut app, 200, 20);
    assert!(stream.contains("F2 to edit"), "{stream}");
    key(&mut app, KeyCode::Char('P'));
    key(&mut app, KeyCode::Char('e'));
    let explain = screen(&mut app, 120, 40);
    assert!(
        explain.contains("F2 edit the pattern · x back"),
        "{explain}"
    );
}

#[test]
fn help_screen_lists_the_keys_of_the_screen_below() {
    let mut app = loaded();
    key(&mut app, KeyCode::Char('?'));
    let text = screen(&mut app, 120, 40);
    insta::assert_snapshot!("help_stream_120x40", text);
    assert!(text.contains("filter"), "{text}");
    key(&mut app, KeyCode::Char('q'));
    assert_eq!(*app.mode(), Mode::Stream, "q closes the help");
    assert!(!app.quit());
}

#[test]
fn filter_bar_with_an_error() {
    let mut app = loaded();
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "tag:vip stat:open");
    let text = screen(&mut app, 120, 12);
    insta::assert_snapshot!("filter_error_120x12", text);
    // The offending text is marked in place (red), the rest of the input is not.
    let mut terminal = Terminal::new(TestBackend::new(120, 12)).unwrap();
    terminal.draw(|f| zdwatch::ui::draw(f, &app)).unwrap();
    let buffer = terminal.backend().buffer();
    let col = |x: u16| &buffer[(x, 11)];
    let start = u16::try_from("/tag:vip ".chars().count()).unwrap();
    assert_eq!(col(start).symbol(), "s");
    assert_eq!(
        col(start).fg,
        ratatui::style::Color::Red,
        "error span coloured"
    );
    assert_ne!(
        col(1).fg,
        ratatui::style::Color::Red,
        "valid text not coloured"
    );
}

#[test]
fn filter_applies_live_and_an_error_keeps_the_previous_filter() {
    let mut app = loaded();
    let all = app.stream().visible.len();
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "format:legacy");
    let legacy = app.stream().visible.len();
    assert!(legacy > 0 && legacy < all, "{legacy} of {all}");
    // Every prefix of an unclosed group is an error: the filter before it stays active throughout.
    type_text(&mut app, " (status:open");
    assert!(
        app.prompt().as_ref().unwrap().error.is_some(),
        "unclosed group is an error"
    );
    assert_eq!(
        app.stream().visible.len(),
        legacy,
        "previous filter still active"
    );
    assert_eq!(app.filter_text().trim(), "format:legacy");
    // Esc cancels: back to the filter from before the bar opened (none).
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.stream().visible.len(), all);
    assert_eq!(app.filter_text(), "");

    // Enter keeps it; Ctrl-u clears the input; history walks back to it.
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "format:legacy");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.stream().visible.len(), legacy);
    key(&mut app, KeyCode::Char('/'));
    ctrl(&mut app, 'u');
    assert_eq!(
        app.stream().visible.len(),
        all,
        "an empty filter shows everything"
    );
    key(&mut app, KeyCode::Up);
    assert_eq!(app.prompt().as_ref().unwrap().text(), "format:legacy");
    assert_eq!(app.stream().visible.len(), legacy);
    key(&mut app, KeyCode::Enter);
    assert!(app.prompt().is_none());
}

#[test]
fn following_stops_when_scrolling_up_and_resumes_with_g() {
    let mut app = loaded();
    let bodies = sample_bodies();
    let n = app.stream().visible.len();
    assert_eq!(app.stream().list.selected, n - 1, "follows the newest");
    key(&mut app, KeyCode::Char('k'));
    assert!(!app.stream().follow);
    // The same events again would be duplicates; send new ones (fresh ids).
    let fresh: Vec<Vec<u8>> = bodies[..5]
        .iter()
        .map(|b| {
            String::from_utf8_lossy(b)
                .replace("\"id\": \"", "\"id\": \"new-")
                .into_bytes()
        })
        .collect();
    feed(&mut app, &fresh);
    assert_eq!(app.stream().unseen, 5);
    assert_eq!(app.stream().list.selected, n - 2, "selection stays put");
    assert!(screen(&mut app, 120, 20).contains("5 new"));
    key(&mut app, KeyCode::Char('G'));
    assert!(app.stream().follow);
    assert_eq!(app.stream().list.selected, n + 4);
    assert!(!screen(&mut app, 120, 20).contains("5 new"));
}

#[test]
fn space_pauses_the_display_without_losing_events() {
    let mut app = app();
    let bodies = sample_bodies();
    feed(&mut app, &bodies[..10]);
    key(&mut app, KeyCode::Char(' '));
    feed(&mut app, &bodies[10..20]);
    assert_eq!(app.stream().visible.len(), 10, "display frozen");
    assert_eq!(app.store().len(), 20, "events still stored");
    assert!(screen(&mut app, 120, 20).contains("paused"));
    key(&mut app, KeyCode::Char(' '));
    assert_eq!(app.stream().visible.len(), 20);
}

#[test]
fn timeline_orders_by_occurred_at_and_updates_live() {
    let mut app = app();
    let legacy: Vec<Vec<u8>> = common::samples()
        .into_iter()
        .filter(|(n, _)| n.starts_with("legacy/"))
        .map(|(_, b)| b)
        .collect();
    // Arrive in reverse order: the timeline must still be in occurred_at order.
    let mut reversed = legacy.clone();
    reversed.reverse();
    feed(&mut app, &reversed[..10]);
    key(&mut app, KeyCode::Enter);
    let Mode::Timeline { ticket, .. } = app.mode().clone() else {
        panic!("no timeline")
    };
    let times = |app: &App| -> Vec<Timestamp> {
        zdwatch_core::store::Timeline::build(app.store(), ticket)
            .entries
            .iter()
            .map(|e| e.at)
            .collect()
    };
    assert_eq!(times(&app).len(), 10);
    assert!(times(&app).windows(2).all(|w| w[0] <= w[1]));
    feed(&mut app, &reversed[10..]);
    let all = times(&app);
    assert_eq!(
        all.len(),
        legacy.len(),
        "late arrivals join the open timeline"
    );
    assert!(
        all.windows(2).all(|w| w[0] <= w[1]),
        "inserted in place, not appended"
    );
    assert!(screen(&mut app, 120, 40).contains(&format!("{} events", legacy.len())));
}

#[test]
fn acks_release_in_peek_and_delete_in_consume() {
    let bodies = sample_bodies();
    let mut peek = app();
    let first = message(&bodies[0], 0);
    let effects = peek.update(
        Msg::Batch(vec![
            first.clone(),
            message(&bodies[1], 1),
            message(&bodies[2], 2),
        ]),
        now(),
    );
    assert_eq!(
        acks(&effects),
        vec![(
            0,
            Disposition::Release,
            vec!["r-0".into(), "r-1".into(), "r-2".into()]
        )]
    );
    // The events go to the journal with them (the loop stores them before it acknowledges).
    assert!(matches!(&effects[..], [Effect::Commit { events, .. }] if events.len() == 3));
    assert_eq!(peek.store().len(), 3);
    // The same event in another message (a redelivery by EventBridge or SNS) is one. (The same
    // message again, as peek brings it back, is settled by the source: tests/tail_moto.rs.)
    peek.update(Msg::Batch(vec![message(&bodies[0], 9)]), now());
    assert_eq!(peek.store().counters().duplicates, 1);

    let mut consume = App::new(config(Delivery::Consume), "", now()).unwrap();
    let effects = feed(&mut consume, &bodies[..2]);
    assert_eq!(
        acks(&effects),
        vec![(0, Disposition::Delete, vec!["r-0".into(), "r-1".into()])]
    );
    // A duplicate is acked too (it is already held).
    let effects = feed(&mut consume, &bodies[..1]);
    assert!(matches!(&acks(&effects)[..], [(0, Disposition::Delete, _)]));
    assert_eq!(consume.store().counters().duplicates, 1);
}

#[test]
fn copy_and_open_in_zendesk() {
    let mut app = loaded();
    let effects = key(&mut app, KeyCode::Char('y'));
    let selected = app.store().get(app.selected_seq().unwrap()).unwrap();
    // The same JSON, on one line (line breaks in JSON are whitespace): a paste is one line.
    let [Effect::Copy(bytes)] = &effects[..] else {
        panic!("one copy: {effects:?}")
    };
    assert!(!bytes.contains(&b'\n'));
    let copied: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    let original: serde_json::Value = serde_json::from_slice(&selected.raw).unwrap();
    assert_eq!(copied, original);
    let ticket = selected.ticket_id.unwrap();
    let effects = key(&mut app, KeyCode::Char('o'));
    let url = format!("https://acme.zendesk.com/agent/tickets/{ticket}");
    assert!(
        matches!(&effects[..], [Effect::OpenUrl(u)] if *u == url),
        "{effects:?}"
    );

    let mut no_subdomain = App::new(
        Config {
            zendesk_subdomain: None,
            ..config(Delivery::Peek)
        },
        "",
        now(),
    )
    .unwrap();
    feed(&mut no_subdomain, &sample_bodies());
    assert!(key(&mut no_subdomain, KeyCode::Char('o')).is_empty());
    assert!(
        no_subdomain
            .notice()
            .unwrap_or("")
            .contains("--zendesk-subdomain")
    );
}

#[test]
fn highlight_command_and_next_previous_match() {
    let mut app = loaded();
    key(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "highlight type:tags_changed");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('g'));
    key(&mut app, KeyCode::Char('n'));
    let first = app.store().get(app.selected_seq().unwrap()).unwrap();
    assert_eq!(first.kind.as_str(), "tags_changed");
    let at = app.stream().list.selected;
    key(&mut app, KeyCode::Char('n'));
    assert!(app.stream().list.selected > at, "next match further down");
    key(&mut app, KeyCode::Char('N'));
    assert_eq!(app.stream().list.selected, at);
}

#[test]
fn mouse_wheel_scrolls_and_click_selects() {
    let mut app = loaded();
    screen(&mut app, 120, 30);
    let last = app.stream().list.selected;
    app.update(
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::ScrollUp,
            column: 10,
            row: 10,
            modifiers: KeyModifiers::NONE,
        }),
        now(),
    );
    assert_eq!(app.stream().list.selected, last - 3);
    assert!(!app.stream().follow);
    let offset = app.stream().list.offset;
    // Row 0 is the table header; row 3 is the third event on screen.
    app.update(
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 10,
            row: 3,
            modifiers: KeyModifiers::NONE,
        }),
        now(),
    );
    assert_eq!(app.stream().list.selected, offset + 2);
}

#[test]
fn q_goes_back_and_quits_only_on_the_stream() {
    let mut app = loaded();
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('d'));
    key(&mut app, KeyCode::Char('q'));
    assert!(matches!(app.mode(), Mode::Timeline { .. }));
    key(&mut app, KeyCode::Char('q'));
    assert_eq!(*app.mode(), Mode::Stream);
    assert!(!app.quit());
    key(&mut app, KeyCode::Char('q'));
    assert!(app.quit());
    let mut app = loaded();
    key(&mut app, KeyCode::Char('/'));
    ctrl(&mut app, 'c');
    assert!(app.quit(), "Ctrl-c quits from anywhere");
}

#[test]
fn event_text_cannot_reach_the_terminal_as_control_characters() {
    let mut app = app();
    let hostile = std::fs::read(common::samples_dir().join("other/escape-sequences.json")).unwrap();
    feed(&mut app, &[hostile]);
    for keys in [&[][..], &[KeyCode::Enter][..], &[KeyCode::Char('d')][..]] {
        for k in keys {
            key(&mut app, *k);
        }
        let text = screen(&mut app, 160, 50);
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "control character on screen:\n{text}"
        );
        assert!(text.contains("\\x1b"), "escape shown visibly:\n{text}");
        key(&mut app, KeyCode::Esc);
    }
}

#[test]
fn help_scrolls_when_it_does_not_fit() {
    let mut app = loaded();
    key(&mut app, KeyCode::Char('?'));
    let top = screen(&mut app, 60, 15);
    assert!(top.contains("j/k scroll"), "{top}");
    assert!(!top.contains("priority:urgent or"), "{top}");
    for _ in 0..100 {
        key(&mut app, KeyCode::Char('j'));
    }
    let bottom = screen(&mut app, 60, 15);
    assert!(
        bottom.contains("priority:urgent or"),
        "the last line is reachable:\n{bottom}"
    );
    key(&mut app, KeyCode::Char('k'));
    assert_ne!(screen(&mut app, 60, 15), bottom, "k scrolls back at once");
}

#[test]
fn readme_key_bindings_are_the_keymap() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let (begin, end) = ("<!-- keys:begin -->\n", "<!-- keys:end -->");
    let start = readme.find(begin).expect("README has the key tables") + begin.len();
    let stop = readme[start..].find(end).expect("key tables end") + start;
    let want = zdwatch::app::keymap::markdown();
    assert!(
        readme[start..stop].trim() == want.trim(),
        "README.md key tables differ from the keymap; replace them with:\n\n{want}"
    );
}

#[test]
fn ctrl_s_saves_the_events_shown_as_a_capture() {
    let mut app = loaded();
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "format:webhook");
    key(&mut app, KeyCode::Enter);
    let shown = app.stream().visible.len();
    let dir = std::env::temp_dir().join(format!("zdwatch-test-{}-save", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("saved.ndjson");
    ctrl(&mut app, 's');
    assert!(
        app.prompt()
            .as_ref()
            .unwrap()
            .text()
            .starts_with("zdwatch-"),
        "a default name is offered"
    );
    ctrl(&mut app, 'u');
    type_text(&mut app, path.to_str().unwrap());
    let effects = key(&mut app, KeyCode::Enter);
    assert!(
        !path.exists(),
        "the App itself writes nothing: the loop does"
    );
    carry_out_saves(&mut app, effects);
    assert_eq!(
        app.notice(),
        Some(format!("saved {shown} events to {}", path.display()).as_str())
    );
    let saved = std::fs::read_to_string(&path).unwrap();
    let ids: Vec<String> = saved
        .lines()
        .map(|l| {
            zdwatch_core::event::decode(zdwatch_core::event::Received {
                body: l.as_bytes().to_vec(),
                message_id: None,
                received_at: now(),
            })
            .event_id
        })
        .collect();
    let want: Vec<String> = app
        .stream()
        .visible
        .iter()
        .map(|s| app.store().get(*s).unwrap().event_id.clone())
        .collect();
    assert_eq!(ids, want, "the same events, in the same order");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // An existing file is never overwritten.
    ctrl(&mut app, 's');
    ctrl(&mut app, 'u');
    type_text(&mut app, path.to_str().unwrap());
    let effects = key(&mut app, KeyCode::Enter);
    carry_out_saves(&mut app, effects);
    assert!(
        app.notice().unwrap().starts_with("could not save"),
        "{:?}",
        app.notice()
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), saved);
}

/// Saves the events shown to `saved` with `Ctrl-s` (replacing what the prompt offers), and
/// gives the notice it left.
fn save_shown(app: &mut App, saved: &std::path::Path) -> String {
    let _ = std::fs::remove_file(saved);
    ctrl(app, 's');
    ctrl(app, 'u');
    type_text(app, saved.to_str().unwrap());
    let effects = key(app, KeyCode::Enter);
    carry_out_saves(app, effects);
    app.notice().unwrap_or_default().to_string()
}

/// The lines of a capture `bytes` as the file source hands them over: each with its place in
/// `file` (the same capture, open).
fn lines_in(file: &std::sync::Arc<zdwatch_core::store::BodyFile>, bytes: &[u8]) -> Vec<Message> {
    let mut at = 0;
    bytes
        .split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| {
            let place = zdwatch_core::store::Place {
                file: std::sync::Arc::clone(file),
                offset: at,
            };
            at += line.len() as u64 + 1;
            Message {
                source: 0,
                body: line.to_vec(),
                message_id: None,
                receipt: None,
                received_at: now(),
                place: Some(place),
            }
        })
        .collect()
}

/// Events read from a capture file hold their bodies' places in it. Once the file is rewritten,
/// an event whose body is missing is neither saved nor copied as if it were whole: Ctrl-s saves
/// the others and says how many were left out and why, `y` says why it copies nothing.
#[test]
fn events_whose_capture_changed_are_left_out_of_a_save_and_a_copy_and_it_is_said() {
    use zdwatch_core::store::BodyFile;
    let bodies = sample_bodies();
    let bytes = common::capture(&bodies);
    let path = common::write_capture("screens-changed", &bytes);
    let file = BodyFile::new(
        zdwatch_sources::file::Capture(std::fs::File::open(&path).unwrap()),
        path.display().to_string(),
    );
    let mut app = app();
    app.update(Msg::Batch(lines_in(&file, &bytes)), now());
    let held = app.stream().visible.clone();
    assert_eq!(held.len(), bodies.len());
    assert!(app.store().get(held[0]).unwrap().raw.starts_with(b"{"));

    std::fs::write(&path, [b"\n", &bytes[..]].concat()).unwrap();
    key(&mut app, KeyCode::Char('y'));
    let notice = app.notice().unwrap_or_default().to_string();
    assert!(
        notice.starts_with("not copied: its body is no longer in"),
        "{notice}"
    );
    let saved = path.with_file_name("saved.ndjson");
    let notice = save_shown(&mut app, &saved);
    // Any event the screen had decoded before the file changed is saved whole; none had here.
    let whole = std::fs::read_to_string(&saved).unwrap().lines().count();
    let left_out = held.len() - whole;
    assert!(left_out > 0, "{notice}");
    assert!(
        notice.contains(&format!(
            "saved {whole} events to {} ({left_out} left out: their bodies are no longer in the file they were read from)",
            saved.display()
        )),
        "{notice}"
    );
    assert!(app.store().changed_files().len() == 1);

    // An EventBridge pattern cannot match a body that is gone; highlighting only, its events
    // stay listed, and `e` says why there is nothing to explain (not "the body is not JSON").
    key(&mut app, KeyCode::Char(':'));
    type_text(&mut app, r#"pattern {"source":[{"prefix":""}]}"#);
    key(&mut app, KeyCode::Enter);
    assert!(app.stream().visible.is_empty());
    key(&mut app, KeyCode::Char('P'));
    assert_eq!(app.stream().visible.len(), held.len());
    key(&mut app, KeyCode::Char('e'));
    assert!(matches!(app.mode(), Mode::Explain { .. }));
    let text = screen(&mut app, 160, 20);
    assert!(text.contains("body missing"), "{text}");
    assert!(
        text.contains("No explanation: its body is no longer in"),
        "{text}"
    );
    assert!(!text.contains("not JSON"), "{text}");
}

/// A capture that cannot be read for a while (an I/O error, a network disk that comes and goes):
/// its rows say their body is missing and the status line says the file cannot be read back, not
/// that it changed; once it reads again, the rows are whole again (the screen did not keep the
/// gap it drew) and the warning is gone.
#[test]
fn a_capture_that_cannot_be_read_for_a_while_is_not_said_to_have_changed() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use zdwatch_core::store::{BodyFile, ReadAt};
    struct Flaky(zdwatch_sources::file::Capture, Arc<AtomicBool>);
    impl ReadAt for Flaky {
        fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
            if self.1.load(Ordering::Relaxed) {
                return Err(std::io::Error::other("Input/output error"));
            }
            self.0.read_exact_at(buf, offset)
        }
    }
    let bodies = sample_bodies();
    let bytes = common::capture(&bodies);
    let path = common::write_capture("screens-flaky", &bytes);
    let name = path.display().to_string();
    let failing = Arc::new(AtomicBool::new(false));
    let file = BodyFile::new(
        Flaky(
            zdwatch_sources::file::Capture(std::fs::File::open(&path).unwrap()),
            Arc::clone(&failing),
        ),
        name.clone(),
    );
    let mut config = config(Delivery::Peek);
    config.sources = vec![name.clone()];
    config.live = vec![false];
    config.reads_queues = false;
    let mut app = App::new(config, "", now()).unwrap();
    app.update(Msg::Batch(lines_in(&file, &bytes)), now());
    app.update(Msg::Finished(0), now());

    failing.store(true, Ordering::Relaxed);
    let text = screen(&mut app, 220, 20);
    assert!(text.contains("⚠ body missing"), "{text}");
    assert!(
        text.contains("cannot be read back (Input/output error): bodies missing for now"),
        "{text}"
    );
    assert!(!text.contains("changed since"), "{text}");
    // Saved meanwhile: what could not be read is left out, and the notice says why (not that
    // the file changed).
    let notice = save_shown(&mut app, &path.with_file_name("saved-flaky.ndjson"));
    assert!(
        notice.contains(
            "left out: their bodies could not be read back from the file they were read from; try again)"
        ),
        "{notice}"
    );

    failing.store(false, Ordering::Relaxed);
    let text = screen(&mut app, 220, 20);
    assert!(!text.contains("body missing"), "{text}");
    assert!(!text.contains("cannot be read back"), "{text}");
    assert!(app.store().changed_files().is_empty());
}

#[test]
fn history_from_the_journal_keeps_its_order() {
    let bodies = sample_bodies();
    let history: Vec<zdwatch_journal::StoredEvent> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let message_id = Some(format!("h-{i}"));
            // Rows of a journal written before digests (decoded on load) and after (read from
            // their digests), mixed.
            let digest = (i % 2 == 0).then(|| {
                zdwatch_core::event::digest::digest(&zdwatch_core::event::decode(
                    zdwatch_core::event::Received {
                        body: b.clone(),
                        message_id: message_id.clone(),
                        received_at: now(),
                    },
                ))
            });
            zdwatch_journal::StoredEvent {
                body: zdwatch_journal::Body::Raw(b.clone()),
                message_id,
                received_at: now(),
                source: Some(
                    "https://sqs.eu-west-1.amazonaws.com/123456789012/zendesk-debug".into(),
                ),
                digest,
            }
        })
        .collect();
    let mut app = app();
    app.load_history(history);
    let want: Vec<String> = bodies
        .iter()
        .map(|b| {
            zdwatch_core::event::decode(zdwatch_core::event::Received {
                body: b.clone(),
                message_id: None,
                received_at: now(),
            })
            .event_id
        })
        .collect();
    let got: Vec<String> = app
        .stream()
        .visible
        .iter()
        .map(|s| app.store().get(*s).unwrap().event_id.clone())
        .collect();
    assert_eq!(got, want);
    // Each event keeps the queue it came from: `source:` finds them all.
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "source:zendesk-debug");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.stream().visible.len(), want.len());
    key(&mut app, KeyCode::Char('\\'));
    // A message still on the queue whose event came back from the journal is not shown twice;
    // peek gives it back.
    let held = app.store().len();
    let again = Message {
        message_id: Some("h-0".into()),
        ..message(&bodies[0], 0)
    };
    let effects = app.update(Msg::Batch(vec![again]), now());
    assert_eq!(app.store().len(), held);
    assert_eq!(
        acks(&effects),
        vec![(0, Disposition::Release, vec!["r-0".to_string()])]
    );
}

#[test]
fn aggregates_count_each_event_once() {
    let mut app = loaded();
    let before = app.stats().summary(Timestamp::MIN, Timestamp::MAX).total;
    assert_eq!(before, app.store().len() as u64);
    // The same events again, in new messages: duplicates, not counted twice.
    let again = sample_bodies()
        .iter()
        .enumerate()
        .map(|(i, b)| message(b, 1000 + i))
        .collect();
    app.update(Msg::Batch(again), now());
    assert!(app.store().counters().duplicates > 0);
    assert_eq!(
        app.stats().summary(Timestamp::MIN, Timestamp::MAX).total,
        before
    );
}

#[test]
fn several_sources_get_a_column_and_a_filter_term() {
    let mut app = App::new(
        Config {
            sources: vec![
                "https://sqs.eu-west-1.amazonaws.com/123456789012/zendesk-debug".into(),
                "/tmp/archive.ndjson".into(),
            ],
            live: vec![true, false],
            ..config(Delivery::Peek)
        },
        "",
        now(),
    )
    .unwrap();
    let bodies = sample_bodies();
    let batch = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| Message {
            source: i % 2,
            ..message(b, i)
        })
        .collect();
    app.update(Msg::Batch(batch), now());
    let text = screen(&mut app, 140, 20);
    let header = text.lines().next().unwrap();
    assert!(header.contains("source"), "{header}");
    assert!(
        text.contains("zendesk-debug") && text.contains("archive.ndjson"),
        "{text}"
    );
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "source:archive*");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.stream().visible.len(), bodies.len() / 2);
    let one_source = screen(&mut app, 140, 20);
    let rows: Vec<&str> = one_source
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("01-"))
        .collect();
    assert!(
        !rows.is_empty() && rows.iter().all(|l| l.contains("archive.ndjson")),
        "{one_source}"
    );
}

/// A webhook body for ticket 1 that happened at `minute` past ten.
fn at_minute(id: &str, minute: u32) -> Vec<u8> {
    format!(
        r#"{{"type":"zen:event-type:ticket.created","id":"{id}","time":"2026-01-01T10:{minute:02}:00Z","detail":{{"id":"1"}}}}"#
    )
    .into_bytes()
}

#[test]
fn two_sources_are_merged_by_when_events_happened_and_s_switches_to_arrival() {
    let mut app = App::new(
        Config {
            sources: vec!["live-queue".into(), "replayed".into()],
            live: vec![true, true],
            order: zdwatch::app::Order::Occurred,
            ..config(Delivery::Peek)
        },
        "",
        now(),
    )
    .unwrap();
    // Live events first, then older history from the other source, then one more live event.
    let batches: [&[(usize, &str, u32)]; 3] = [
        &[(0, "live-a", 30), (0, "live-b", 31)],
        &[(1, "old-a", 5), (1, "old-b", 20)],
        &[(0, "live-c", 32)],
    ];
    for (n, batch) in batches.iter().enumerate() {
        let messages = batch
            .iter()
            .enumerate()
            .map(|(i, (source, id, minute))| Message {
                source: *source,
                ..message(&at_minute(id, *minute), n * 10 + i)
            })
            .collect();
        app.update(Msg::Batch(messages), now());
    }
    let ids = |app: &App| -> Vec<String> {
        app.stream()
            .visible
            .iter()
            .map(|s| {
                let e = app.store().get(*s).unwrap();
                e.envelope.webhook_id.clone().unwrap_or(e.event_id)
            })
            .collect()
    };
    assert_eq!(ids(&app), ["old-a", "old-b", "live-a", "live-b", "live-c"]);
    assert_eq!(app.stream().list.selected, 4, "following the newest");
    let text = screen(&mut app, 140, 20);
    assert!(text.contains("by time"), "{text}");
    let rows: Vec<&str> = text.lines().filter(|l| l.contains("01-01")).collect();
    assert!(
        rows[0].contains("replayed") && rows[4].contains("live-queue"),
        "{text}"
    );

    // Select old-b, then switch to arrival order: still selected, now after the live ones.
    key(&mut app, KeyCode::Char('g'));
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char('s'));
    assert_eq!(ids(&app), ["live-a", "live-b", "old-a", "old-b", "live-c"]);
    assert_eq!(app.stream().visible[app.stream().list.selected], 3, "old-b");
    assert!(screen(&mut app, 140, 20).contains("stream by arrival"));
}

#[test]
fn the_status_line_shows_a_replay_s_progress() {
    use zdwatch_sources::{ReplayProgress, SourceStatus};
    let mut app = loaded();
    let progress = |state: &str, percent, reason: Option<&str>| {
        Msg::Status(
            0,
            SourceStatus::Replay(ReplayProgress {
                state: state.into(),
                percent,
                reason: reason.map(String::from),
            }),
        )
    };
    app.update(Msg::Status(0, SourceStatus::Connected), now());
    app.update(progress("RUNNING", Some(40), None), now());
    let text = screen(&mut app, 160, 30);
    let status = text.lines().last().unwrap();
    assert!(
        status.contains("zendesk-debug replay running 40%"),
        "{status}"
    );
    app.update(progress("COMPLETED", Some(100), None), now());
    let status = screen(&mut app, 160, 30);
    assert!(status.contains("replay completed"), "{status}");
    app.update(
        progress("FAILED", None, Some("archive \x1b[31mgone")),
        now(),
    );
    let status = screen(&mut app, 160, 30);
    assert!(status.contains("replay failed: archive"), "{status}");
    assert!(!status.contains('\x1b'), "escaped");
}

#[test]
fn m_masks_customer_data_on_every_screen_and_in_what_is_copied() {
    let mut app = loaded();
    let secrets = ["Cannot log in", "Still broken", "Ana Souza"];
    let before = screen(&mut app, 160, 40);
    assert!(secrets.iter().any(|s| before.contains(s)), "{before}");
    key(&mut app, KeyCode::Char('M'));
    assert!(app.mask());
    let stream = screen(&mut app, 160, 40);
    assert!(stream.contains("masked"), "{stream}");
    // The comment event: its timeline and detail (with the raw body) are masked too.
    let comment = app
        .stream()
        .visible
        .iter()
        .position(|s| {
            app.store().get(*s).unwrap().envelope.webhook_id.as_deref()
                == Some("a8b9c1d2-3e4f-5a6b-7c8d-9e0f1a2b0005")
        })
        .unwrap();
    app.select_row(comment);
    let mut seen = vec![stream];
    key(&mut app, KeyCode::Enter);
    seen.push(screen(&mut app, 160, 40));
    key(&mut app, KeyCode::Char('d'));
    let detail = screen(&mut app, 160, 80);
    assert!(
        detail.contains("5158") && detail.contains("8447388090495"),
        "ids stay: {detail}"
    );
    seen.push(detail);
    let effects = key(&mut app, KeyCode::Char('y'));
    let copied = effects
        .iter()
        .find_map(|e| match e {
            Effect::Copy(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
            _ => None,
        })
        .unwrap();
    seen.push(copied);
    for text in &seen {
        for secret in secrets {
            assert!(
                !text.contains(secret),
                "{secret} shown while masked:\n{text}"
            );
        }
    }
    // M again shows them.
    key(&mut app, KeyCode::Char('M'));
    assert!(screen(&mut app, 160, 80).contains("Ana Souza"));
}

#[test]
fn with_many_events_held_a_word_search_waits_for_enter_and_fields_stay_live() {
    let start: Timestamp = "2025-01-08T08:00:00Z".parse().unwrap();
    let mut sim = zdwatch_sources::demo::Simulator::new(3, start);
    let mut app = App::new(
        Config {
            max_events: 200_000,
            ..config(Delivery::Peek)
        },
        "",
        now(),
    )
    .unwrap();
    let mut t = start;
    let mut n = 0;
    while app.store().len() <= zdwatch::app::LIVE_WORD_SEARCH {
        t += jiff::SignedDuration::from_mins(20);
        let batch: Vec<Message> = sim
            .advance(t)
            .into_iter()
            .map(|d| {
                n += 1;
                message(&d.body, n)
            })
            .collect();
        app.update(Msg::Batch(batch), now());
    }
    let all = app.stream().visible.len();
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "status:open->solved");
    let solved = app.stream().visible.len();
    assert!(
        solved > 0 && solved < all,
        "fields filter live: {solved} of {all}"
    );
    type_text(&mut app, " refund");
    assert_eq!(app.stream().visible.len(), solved, "the word waits");
    assert!(app.prompt().as_ref().unwrap().deferred);
    let text = screen(&mut app, 120, 20);
    assert!(
        text.contains(&format!(
            "Enter: search the words in {} events",
            app.store().len()
        )),
        "{text}"
    );
    key(&mut app, KeyCode::Enter);
    let found = app.stream().visible.len();
    assert!(found < solved, "{found} of {solved}");
    assert_eq!(app.filter_text(), "status:open->solved refund");
    for seq in &app.stream().visible {
        let e = app.store().get(*seq).unwrap();
        let text = format!(
            "{} {} {}",
            zdwatch_core::event::summary(&e),
            e.ticket.subject.unwrap_or_default(),
            e.comment.and_then(|c| c.body).unwrap_or_default()
        );
        assert!(text.to_lowercase().contains("refund"), "{text}");
    }
}

/// An event whose time cannot be read is shown with `??` for its time on the stream and in the
/// timeline, never with the time it was read (which would put it among "now").
#[test]
fn an_event_whose_time_cannot_be_read_is_not_shown_at_the_time_it_was_read() {
    let mut app = app();
    let body = br#"{"type":"zen:event-type:ticket.status_changed","id":"t1","time":"30/11/2026 08:59","subject":"zen:ticket:5158","detail":{"id":"5158"},"event":{"previous":"OPEN","current":"SOLVED"}}"#;
    feed(&mut app, &[body.to_vec()]);
    let read_at = zdwatch::ui::short_time(now(), true, false);
    let stream = screen(&mut app, 120, 12);
    let row = stream
        .lines()
        .find(|l| l.contains("#5158"))
        .unwrap_or_else(|| panic!("{stream}"));
    assert!(row.starts_with("??-?? ??:??:??"), "{row}");
    assert!(!stream.contains(&read_at), "{stream}");
    key(&mut app, KeyCode::Enter);
    let timeline = screen(&mut app, 120, 12);
    assert!(timeline.contains("??-?? ??:??:??"), "{timeline}");
    key(&mut app, KeyCode::Enter);
    let detail = screen(&mut app, 120, 40);
    assert!(
        detail.contains("unknown (see problem)") && detail.contains("cannot be read"),
        "{detail}"
    );
}

/// Rows are decoded once and kept for the frames after (drawing a tall screen with a million
/// held decoded every row every frame): what is shown stays exactly what the store holds — an
/// event that left memory is not shown from what was decoded before, and masking still applies.
#[test]
fn rows_decoded_for_the_screen_are_what_the_store_holds_until_they_leave_it() {
    let mut config = config(Delivery::Peek);
    config.max_events = 3;
    let mut app = App::new(config, "", now()).unwrap();
    let bodies = sample_bodies();
    assert!(bodies.len() > 6);
    feed(&mut app, &bodies[..3]);
    let first = app.store().first_seq();
    let before: Vec<_> = (first..first + 3).map(|s| app.shown(s)).collect();
    assert!(before.iter().all(Option::is_some));
    // Asked again: the same events, from what was decoded.
    for (i, s) in (first..first + 3).enumerate() {
        assert_eq!(app.shown(s), before[i]);
        assert_eq!(app.shown(s), app.store().get(s));
    }
    feed(&mut app, &bodies[3..6]);
    for s in first..first + 3 {
        assert_eq!(app.shown(s), None, "event {s} left memory");
    }
    let newest = app.store().next_seq() - 1;
    let plain = app.shown(newest).unwrap();
    key(&mut app, KeyCode::Char('M'));
    assert!(app.mask());
    let masked = app.shown(newest).unwrap();
    assert_eq!(masked, zdwatch_core::event::mask::event(&plain));
    assert_ne!(masked, plain, "masking hides its customer text");
}

/// A word search decodes bodies on every core: it must find exactly the events, in the order,
/// that testing each held event in turn finds (the demo's comments, plus every sample).
#[test]
fn a_word_search_shared_out_finds_what_one_thread_finds_in_order() {
    let start: Timestamp = "2026-03-01T08:00:00Z".parse().unwrap();
    let mut sim = zdwatch_sources::demo::Simulator::new(9, start);
    let mut bodies: Vec<Vec<u8>> = sim
        .advance(start + jiff::SignedDuration::from_mins(120))
        .into_iter()
        .map(|d| d.body)
        .take(3000)
        .collect();
    bodies.extend(sample_bodies());
    assert!(bodies.len() > 2000, "{}", bodies.len());
    let mut app = app();
    let batch: Vec<Message> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| message(b, i))
        .collect();
    app.update(Msg::Batch(batch), now());
    let held = app.store().len();
    assert!(held > 2000, "{held}");
    let mut found_any = 0;
    for word in ["refund", "invoice", "Payment", "no-such-word-anywhere"] {
        let filter = zdwatch_core::filter::Filter::parse(word).unwrap();
        assert!(filter.searches_text(), "{word}");
        app.apply_filter(filter.clone());
        let want: Vec<u64> = app
            .store()
            .since(0)
            .filter(|h| filter.matches(h, now()))
            .map(|h| h.seq)
            .collect();
        assert_eq!(app.stream().visible, want, "{word}");
        found_any += usize::from(!want.is_empty());
    }
    assert!(found_any >= 2, "the words occur in the demo");
}
