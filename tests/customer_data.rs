//! Customer data stays hidden with masking on: a corpus with personal data planted in every field
//! of every event kind (both formats, bare and SNS-wrapped, users and organisations, bodies that
//! are not Zendesk or not JSON) goes through every command and every screen of the monitor, and
//! nothing planted comes out. Without masking the same outputs do show it (the tests can fail).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::personal::{corpus, leaks};
use common::pty::Pty;
use common::screens::{config, feed, key, screen};
use common::{capture, run, write_capture, zdwatch};
use crossterm::event::KeyCode;
use zdwatch::app::App;
use zdwatch_sources::Delivery;

const LIMIT: Duration = Duration::from_secs(60);

fn corpus_file(name: &str) -> String {
    let bodies: Vec<Vec<u8>> = corpus().into_iter().map(|(_, b)| b).collect();
    write_capture(name, &capture(&bodies))
        .to_string_lossy()
        .into_owned()
}

fn assert_hidden(what: &str, text: &str) {
    if let Some(leak) = leaks(text) {
        panic!("{what} leaks customer data: {leak}");
    }
}

/// The detector itself: the planted phone in any spacing, never the digits of a timestamp.
#[test]
fn the_leak_detector_finds_the_phone_and_not_a_timestamp() {
    assert!(leaks("call +44 20 7946 0001").is_some());
    assert!(leaks("442079460001").is_some());
    assert!(leaks(r#""to": "2026-12-03T04:21:43.902794677Z""#).is_none());
    assert!(leaks("ZQ12").is_some());
}

#[test]
fn unmasked_outputs_do_show_the_planted_data() {
    let path = corpus_file("unmasked");
    let out = run(zdwatch(&["tail", "--file", &path]), LIMIT);
    assert!(out.status.success(), "{}", out.stderr);
    let lines = out.lines();
    assert_eq!(lines.len(), corpus().len(), "one line per body");
    assert!(
        leaks(&out.stdout_text()).is_some(),
        "the corpus plants nothing"
    );
    // Every planted kind of field reaches an unmasked output: the masked checks below mean something.
    let raw = run(
        zdwatch(&["tail", "--file", &path, "--format", "raw"]),
        LIMIT,
    );
    for (name, body) in corpus() {
        let text = String::from_utf8_lossy(&body);
        assert!(leaks(&text).is_some(), "{name} plants nothing");
    }
    assert!(leaks(&raw.stdout_text()).is_some());
}

#[test]
fn masked_tail_and_export_hold_nothing_planted_in_any_format() {
    let path = corpus_file("masked-tail");
    let n = corpus().len();
    for command in ["tail", "export"] {
        for format in ["ndjson", "text", "raw", "csv"] {
            let out = run(
                zdwatch(&[command, "--file", &path, "--mask", "--format", format]),
                LIMIT,
            );
            assert!(out.status.success(), "{command} {format}: {}", out.stderr);
            let text = out.stdout_text();
            assert_hidden(&format!("{command} --format {format}"), &text);
            assert_hidden(
                &format!("{command} --format {format} (stderr)"),
                &out.stderr,
            );
            let header = usize::from(format == "csv");
            assert_eq!(
                text.lines().count(),
                n + header,
                "{command} --format {format}: nothing dropped"
            );
        }
    }
    // Masked raw bodies are still the same events: read back, they decode to the same ids and kinds.
    let masked = run(
        zdwatch(&["tail", "--file", &path, "--mask", "--format", "raw"]),
        LIMIT,
    );
    let again = write_capture("masked-again", &masked.stdout);
    let back = run(zdwatch(&["tail", "--file", again.to_str().unwrap()]), LIMIT);
    let original = run(zdwatch(&["tail", "--file", &path]), LIMIT);
    let key = |v: &serde_json::Value| (v["ticket_id"].clone(), v["kind"].clone());
    let kinds = |lines: Vec<serde_json::Value>| lines.iter().map(key).collect::<Vec<_>>();
    assert_eq!(kinds(back.lines()), kinds(original.lines()));
}

#[test]
fn the_config_file_mask_setting_applies_to_tail_export_and_test_pattern() {
    let path = corpus_file("config-mask");
    let dir = common::temp_dir("config-mask-home");
    let config = dir.join("config.toml");
    std::fs::write(&config, "mask = true\n").unwrap();
    let with_config = |args: &[&str]| {
        let mut cmd = zdwatch(args);
        cmd.env("ZDWATCH_CONFIG", &config);
        run(cmd, LIMIT)
    };
    for args in [
        vec!["tail", "--file", &path],
        vec!["export", "--file", &path, "--format", "csv"],
        vec![
            "test-pattern",
            "--file",
            &path,
            "--explain",
            "--pattern",
            r#"{"detail":{"detail":{"subject":[{"prefix":"Re:"}]}}}"#,
        ],
    ] {
        let out = with_config(&args);
        assert!(out.status.success(), "{args:?}: {}", out.stderr);
        assert_hidden(&format!("{args:?} with mask = true"), &out.stdout_text());
    }
}

#[test]
fn test_pattern_mask_hides_values_but_keeps_true_verdicts() {
    let path = corpus_file("test-pattern");
    // Fails on a customer field: the explanation shows the event's value beside the ✗.
    let failing = r#"{"detail":{"detail":{"subject":[{"prefix":"Re:"}],"description":[{"wildcard":"*refund*"}]}}}"#;
    // Matches on a customer field: masking must not turn it into "no match".
    let matching = r#"{"detail":{"detail":{"subject":[{"prefix":"Zq"}]}}}"#;
    let plain = run(
        zdwatch(&[
            "test-pattern",
            "--file",
            &path,
            "--explain",
            "--pattern",
            failing,
        ]),
        LIMIT,
    );
    assert!(
        leaks(&plain.stdout_text()).is_some(),
        "unmasked, the explanation shows the values"
    );
    for format in ["text", "json"] {
        let out = run(
            zdwatch(&[
                "test-pattern",
                "--file",
                &path,
                "--explain",
                "--mask",
                "--format",
                format,
                "--pattern",
                failing,
            ]),
            LIMIT,
        );
        assert!(out.status.success(), "{}", out.stderr);
        assert_hidden(
            &format!("test-pattern --mask --format {format}"),
            &out.stdout_text(),
        );
    }
    let count = |args: &[&str]| {
        let out = run(zdwatch(args), LIMIT);
        assert!(out.status.success(), "{}", out.stderr);
        out.stdout_text()
            .lines()
            .filter(|l| l.starts_with("match "))
            .count()
    };
    let base = [
        "test-pattern",
        "--file",
        &path,
        "--explain",
        "--pattern",
        matching,
    ];
    let unmasked = count(&base);
    assert!(unmasked > 0, "the pattern matches subjects");
    let mut masked_args = base.to_vec();
    masked_args.push("--mask");
    assert_eq!(count(&masked_args), unmasked, "the verdicts do not change");
}

#[test]
fn reports_hold_no_customer_text() {
    let path = corpus_file("report");
    for format in ["json", "markdown"] {
        let out = run(
            zdwatch(&["report", "--file", &path, "--format", format]),
            LIMIT,
        );
        assert!(out.status.success(), "{}", out.stderr);
        assert_hidden(&format!("report --format {format}"), &out.stdout_text());
    }
}

/// Every screen of every event, masked, drawn on a TestBackend.
#[test]
fn every_masked_screen_of_every_event_holds_nothing_planted() {
    let mut app = App::new(
        zdwatch::app::Config {
            max_events: 10_000,
            ..config(Delivery::Peek)
        },
        "",
        common::screens::now(),
    )
    .unwrap();
    app.set_mask(true);
    let bodies: Vec<Vec<u8>> = corpus().into_iter().map(|(_, b)| b).collect();
    feed(&mut app, &bodies);
    assert_hidden("the stream", &screen(&mut app, 200, 60));
    key(&mut app, KeyCode::Home);
    let mut details = std::collections::HashSet::new();
    for i in 0..bodies.len() {
        key(&mut app, KeyCode::Char('d'));
        let detail = screen(&mut app, 200, 120);
        assert_hidden(&format!("detail of row {i}"), &detail);
        details.insert(detail);
        key(&mut app, KeyCode::Esc);
        key(&mut app, KeyCode::Enter);
        assert_hidden(&format!("timeline of row {i}"), &screen(&mut app, 200, 60));
        key(&mut app, KeyCode::Esc);
        key(&mut app, KeyCode::Down);
    }
    assert_eq!(
        details.len(),
        bodies.len(),
        "every event's detail was drawn"
    );
    key(&mut app, KeyCode::Tab);
    assert_hidden("the dashboard", &screen(&mut app, 200, 60));
    key(&mut app, KeyCode::Tab);
    // And the copy of a body (`y`), the last one selected.
    let effects = key(&mut app, KeyCode::Char('y'));
    let copied: Vec<u8> = effects
        .into_iter()
        .filter_map(|e| match e {
            zdwatch::app::Effect::Copy(bytes) => Some(bytes),
            _ => None,
        })
        .flatten()
        .collect();
    assert!(!copied.is_empty(), "y copies");
    assert_hidden("the clipboard", &String::from_utf8_lossy(&copied));
    // Unmasked, the same screens show it.
    key(&mut app, KeyCode::Char('M'));
    key(&mut app, KeyCode::Home);
    key(&mut app, KeyCode::Char('d'));
    assert!(
        leaks(&screen(&mut app, 200, 120)).is_some(),
        "M shows the data"
    );
}

/// The real binary in a pseudo-terminal: nothing planted in any byte it writes while masked.
#[test]
fn the_masked_monitor_writes_nothing_planted_to_the_terminal() {
    let path = corpus_file("pty-mask");
    let n = corpus().len();
    let mut pty = Pty::spawn(&["--mask", "--file", &path, "--utc"], &[], 160, 50);
    pty.wait_for(&format!("{n} events"), LIMIT);
    // The oldest are ticket events (the newest are users, organisations and non-events).
    pty.send("g");
    for _ in 0..6 {
        pty.send("d");
        pty.wait_for("raw body", LIMIT);
        pty.send("\x1b");
        pty.send("\r");
        pty.wait_for("Ticket", LIMIT);
        pty.send("\x1b");
        pty.send("j");
    }
    pty.send("\t");
    pty.send("\t");
    pty.send("?");
    pty.send("q");
    let masked = String::from_utf8_lossy(&pty.bytes()).into_owned();
    pty.send("M");
    pty.send("d");
    pty.wait_for("raw body", LIMIT);
    let shown = pty.screen();
    pty.send("q");
    pty.send("q");
    assert_eq!(pty.wait_exit(LIMIT), 0);
    assert_hidden("the masked monitor", &masked);
    assert!(leaks(&shown).is_some(), "M shows the data:\n{shown}");
}
