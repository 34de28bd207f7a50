//! The real binary in a pseudo-terminal: on a capture file, on the demo and against a queue on
//! moto_server. Type a filter, open a timeline, quit; check the screen, the exit status, the
//! restored terminal, and that hostile event text reaches the terminal only escaped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::pty::Pty;
use common::{Moto, capture, create_queue, samples, send_bodies, wait_total, write_capture};

const WAIT: Duration = Duration::from_secs(30);

/// The legacy and webhook samples: 67 events on two tickets (#35436 legacy, #5158 webhook).
fn ticket_bodies() -> Vec<Vec<u8>> {
    samples()
        .into_iter()
        .filter(|(n, _)| n.starts_with("legacy/") || n.starts_with("webhook/"))
        .map(|(_, b)| b)
        .collect()
}

/// Filter to ticket 35436, open its timeline, go back, quit.
fn filter_open_timeline_and_quit(pty: &mut Pty, total: usize) {
    pty.wait_for(&format!("{total} events"), WAIT);
    pty.send("/");
    pty.send("ticket:35436");
    pty.wait_for("30 of", WAIT);
    pty.send("\r");
    pty.wait_for("filter: ticket:35436", WAIT);
    pty.wait_for("30 shown", WAIT);
    pty.send("\r");
    pty.wait_for("Ticket #35436", WAIT);
    pty.wait_for("time in status:", WAIT);
    pty.send("q");
    pty.wait_for("30 shown", WAIT);
    assert!(
        !pty.screen().contains("Ticket #35436"),
        "q went back to the stream"
    );
    pty.send("q");
    assert_eq!(pty.wait_exit(WAIT), 0, "clean exit");
    pty.assert_terminal_restored();
}

#[test]
fn capture_file_filter_timeline_quit() {
    let bodies = ticket_bodies();
    let path = write_capture("pty-capture", &capture(&bodies));
    let mut pty = Pty::spawn(&["--file", path.to_str().unwrap(), "--utc"], &[], 120, 30);
    filter_open_timeline_and_quit(&mut pty, bodies.len());
}

/// A capture's bodies are held as their place in the file, not copied: when the file is
/// rewritten while the monitor has it open, its events stay (time, ticket, kind), the status
/// line says the file changed, and an event's detail says its body is missing and why, instead
/// of showing what the file holds there now.
#[test]
fn a_capture_rewritten_while_open_is_said_to_have_changed_and_no_other_body_is_shown() {
    let bodies = ticket_bodies();
    let bytes = capture(&bodies);
    let path = write_capture("pty-rewritten", &bytes);
    let mut pty = Pty::spawn(&["--file", path.to_str().unwrap(), "--utc"], &[], 120, 30);
    pty.wait_for(&format!("{} events", bodies.len()), WAIT);
    pty.wait_for("read", WAIT);
    // The same events, one byte further on: every body's place now holds other bytes.
    let mut shifted = b"\n".to_vec();
    shifted.extend_from_slice(&bytes);
    std::fs::write(&path, &shifted).unwrap();
    // To the top of the stream, whose rows were not drawn (not decoded) before.
    pty.send("g");
    pty.wait_for("changed since it was read", WAIT);
    pty.wait_for("⚠ body missing", WAIT);
    assert!(
        pty.screen().contains(&format!("{} events", bodies.len())),
        "every event is still counted and listed:\n{}",
        pty.screen()
    );
    pty.send("d");
    pty.wait_for("its body is no longer in", WAIT);
    let detail = pty.screen();
    assert!(
        detail.contains("ticket  #"),
        "what is known is shown:\n{detail}"
    );
    assert!(detail.contains("kind  "), "{detail}");
    // The ticket's timeline: its events, each said to be missing its body.
    pty.send("q");
    pty.send("\r");
    pty.wait_for("time in status:", WAIT);
    pty.wait_for("⚠ body missing", WAIT);
    pty.send("q");
    pty.send("q");
    assert_eq!(pty.wait_exit(WAIT), 0, "clean exit");
    pty.assert_terminal_restored();
}

#[test]
fn demo_runs_without_aws_and_ctrl_c_quits_from_the_filter_bar() {
    let mut pty = Pty::spawn(&["--demo"], &[], 120, 30);
    pty.wait_for("● demo", WAIT);
    pty.wait_for("events", WAIT);
    pty.send("/");
    pty.send("reopened priority:urgent");
    pty.wait_for("match", WAIT);
    pty.send("\r");
    pty.wait_for("filter: reopened priority:urgent", WAIT);
    // The demo's history may still be arriving: wait for a reopen to select.
    pty.wait_for("solved → open", WAIT);
    pty.send("\r");
    pty.wait_for("time in status:", WAIT);
    pty.wait_for("solved → open", WAIT);
    pty.send("/");
    pty.send("\x03");
    assert_eq!(pty.wait_exit(WAIT), 0);
    pty.assert_terminal_restored();
}

#[test]
fn resizing_down_to_60x15_keeps_working() {
    let bodies = ticket_bodies();
    let path = write_capture("pty-resize", &capture(&bodies));
    let mut pty = Pty::spawn(&["--file", path.to_str().unwrap()], &[], 120, 30);
    pty.wait_for(&format!("{} events", bodies.len()), WAIT);
    for (cols, rows) in [(60, 15), (30, 8), (200, 50), (60, 15)] {
        pty.resize(cols, rows);
        std::thread::sleep(Duration::from_millis(300));
    }
    pty.wait_for("ticket", WAIT);
    pty.send("\r");
    pty.wait_for("Ticket #", WAIT);
    pty.send("?");
    pty.wait_for("Help", WAIT);
    pty.send("q");
    pty.send("q");
    pty.send("q");
    assert_eq!(pty.wait_exit(WAIT), 0, "no panic at small sizes");
    pty.assert_terminal_restored();
}

#[test]
fn sigterm_restores_the_terminal() {
    let path = write_capture("pty-sigterm", &capture(&ticket_bodies()));
    let mut pty = Pty::spawn(&["--file", path.to_str().unwrap()], &[], 100, 20);
    pty.wait_for("events", WAIT);
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pty.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(pty.wait_exit(WAIT), 0);
    pty.assert_terminal_restored();
}

#[test]
fn hostile_event_text_reaches_the_terminal_only_escaped() {
    // A subject and a comment that try to write the clipboard (OSC 52), clear the screen,
    // retitle the window and ring the bell.
    let body = r#"{"type":"zen:event-type:ticket.comment_added","account_id":1,"id":"hostile-1",
        "time":"2025-01-08T16:00:00Z","subject":"zen:ticket:777",
        "detail":{"id":"777","status":"OPEN","priority":"HIGH",
          "subject":"\u001b]52;c;cHduZWQ=\u0007 \u001b[2Jgotcha \u001b]0;owned\u0007",
          "tags":["\u001b[5mblink"]},
        "event":{"comment":{"id":"1","body":"\u001b]52;c;cHduZWQ=\u0007\u001b[2Jgotcha\r\n","is_public":true}}}"#;
    let path = write_capture("pty-hostile", &capture(&[body.as_bytes().to_vec()]));
    let mut pty = Pty::spawn(&["--file", path.to_str().unwrap()], &[], 160, 40);
    pty.wait_for("1 events", WAIT);
    pty.send("\r"); // timeline: the subject in the header
    pty.wait_for("Ticket #777", WAIT);
    pty.send("d"); // detail: every field and the raw body
    pty.wait_for("raw body", WAIT);
    let screen = pty.screen();
    assert!(
        screen.contains(r"\x1b]52;c;cHduZWQ="),
        "OSC 52 shown as text:\n{screen}"
    );
    assert!(
        screen.contains(r"\x1b[2Jgotcha"),
        "clear-screen shown as text:\n{screen}"
    );
    pty.send("q");
    pty.send("q");
    pty.send("q");
    assert_eq!(pty.wait_exit(WAIT), 0);
    let bytes = pty.bytes();
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(
        !contains(b"\x1b]52;c;cHduZWQ="),
        "raw OSC 52 from the event reached the terminal"
    );
    assert!(
        !contains(b"\x1b[2Jgotcha"),
        "raw clear-screen from the event reached the terminal"
    );
    assert!(
        !contains(b"\x1b]0;owned"),
        "raw title change from the event reached the terminal"
    );
    assert!(
        !contains(b"\x1b[5mblink"),
        "raw blink from the event reached the terminal"
    );
    assert!(!bytes.contains(&0x07), "the bell was rung");
    pty.assert_terminal_restored();
}

#[test]
fn the_monitor_needs_a_terminal_and_points_to_tail() {
    let run = common::run(common::zdwatch(&["--demo"]), WAIT);
    assert_eq!(run.status.code(), Some(2));
    assert!(run.stderr.contains("zdwatch tail"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn queue_on_moto_consumes_into_the_journal_reloads_history_and_peeks_on_request() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let bodies = ticket_bodies();
    let texts: Vec<String> = bodies
        .iter()
        .map(|b| String::from_utf8(b.clone()).unwrap())
        .collect();
    let aws = [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
    ];
    // Two queues: a receive still waiting on the server when a reader exits can take messages
    // out of sight for the visibility timeout, which would make the second run wait.
    let consume_url = create_queue(&sqs, "zdwatch-pty-consume").await;
    let peek_url = create_queue(&sqs, "zdwatch-pty-peek").await;
    send_bodies(&sqs, &consume_url, &texts).await;
    send_bodies(&sqs, &peek_url, &texts).await;
    let journal = write_capture("pty-journal", b"").with_file_name("journal.db");
    let args = |url: &str, extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = [
            "--queue",
            url,
            "--endpoint-url",
            moto.endpoint.as_str(),
            "--region",
            common::REGION,
        ]
        .map(String::from)
        .to_vec();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let spawn = |v: Vec<String>| {
        let refs: Vec<&str> = v.iter().map(String::as_str).collect();
        Pty::spawn(&refs, &aws, 120, 30)
    };

    // Default: consume, each event stored in the journal before its message is deleted.
    let mut pty = spawn(args(
        &consume_url,
        &["--journal", journal.to_str().unwrap()],
    ));
    pty.wait_for("● zdwatch-pty-consume", WAIT);
    pty.wait_for("consume → journal", WAIT);
    filter_open_timeline_and_quit(&mut pty, bodies.len());
    wait_total(&sqs, &consume_url, 0).await;
    let stored = zdwatch_journal::Journal::open_read_only(&journal).unwrap();
    assert_eq!(stored.count().unwrap(), bodies.len() as u64);

    // Restarted on the now empty queue: the history comes back from the journal.
    let mut pty = spawn(args(
        &consume_url,
        &["--journal", journal.to_str().unwrap()],
    ));
    filter_open_timeline_and_quit(&mut pty, bodies.len());
    let said =
        String::from_utf8_lossy(&pty.bytes()).contains("loading the journal's recent history");
    assert!(said, "says it is loading before the screen is taken over");

    // --peek: everything shown, nothing deleted.
    let mut pty = spawn(args(&peek_url, &["--peek", "--no-journal"]));
    pty.wait_for("peek", WAIT);
    filter_open_timeline_and_quit(&mut pty, bodies.len());
    // Given back as it quit: none is left out of sight for the visibility timeout.
    assert_eq!(
        common::queue_depth(&sqs, &peek_url).await,
        (bodies.len() as u64, 0),
        "every peeked message is visible again once the monitor has exited"
    );

    // No journal and no --peek: refused with an explanation, nothing read.
    let mut pty = spawn(args(&peek_url, &["--no-journal"]));
    assert_eq!(pty.wait_exit(WAIT), 2);
    assert!(pty.screen().contains("--allow-loss"), "{}", pty.screen());
    wait_total(&sqs, &peek_url, bodies.len() as u64).await;
}

/// Nothing listens on port 1: every receive fails and is logged at debug level.
const UNREACHABLE_DEBUG: [&str; 8] = [
    "--queue",
    "http://127.0.0.1:1/123456789012/unreachable",
    "--endpoint-url",
    "http://127.0.0.1:1",
    "--region",
    common::REGION,
    "--log-level",
    "debug",
];

#[test]
fn the_monitor_logs_to_its_log_file_never_onto_its_screen() {
    let dir = write_capture("pty-log", b"");
    let log = dir.with_file_name("zdwatch.log");
    let _ = std::fs::remove_file(&log);
    let mut args = UNREACHABLE_DEBUG.to_vec();
    args.extend(["--log-file", log.to_str().unwrap()]);
    let aws = [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
    ];
    let mut pty = Pty::spawn(&args, &aws, 120, 30);
    pty.wait_for("retrying in", WAIT);
    let start = Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("receive failed")
    {
        assert!(
            start.elapsed() < WAIT,
            "nothing logged to {}",
            log.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        !pty.screen().contains("receive failed"),
        "log lines on screen:\n{}",
        pty.screen()
    );
    pty.send("q");
    assert_eq!(pty.wait_exit(WAIT), 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&log).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn without_log_file_the_monitor_logs_to_a_daily_file_in_the_state_directory() {
    let state = write_capture("pty-state", b"").with_file_name("state");
    let _ = std::fs::remove_dir_all(&state);
    // A log of an older version, readable by others, in a directory readable by others.
    let logs = state.join("zdwatch/logs");
    std::fs::create_dir_all(&logs).unwrap();
    let old_log = logs.join("zdwatch.2026-01-01.log");
    std::fs::write(&old_log, "older lines\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&old_log, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(&logs, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let args = UNREACHABLE_DEBUG;
    let env = [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("XDG_STATE_HOME", state.to_str().unwrap()),
    ];
    let mut pty = Pty::spawn(&args, &env, 120, 70);
    pty.wait_for("retrying in", WAIT);
    let start = Instant::now();
    let logged = || {
        std::fs::read_dir(&logs)
            .into_iter()
            .flatten()
            .flatten()
            .any(|f| {
                f.file_name().to_string_lossy().starts_with("zdwatch.")
                    && std::fs::read_to_string(f.path())
                        .unwrap_or_default()
                        .contains("receive failed")
            })
    };
    while !logged() {
        assert!(
            start.elapsed() < WAIT,
            "nothing logged in {}",
            logs.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // The help screen says where.
    pty.send("?");
    pty.wait_for("Log: ", WAIT);
    // Today's file, which is the one being written (not a YYYY-MM-DD placeholder).
    let today = format!(
        "zdwatch.{}.log",
        jiff::Timestamp::now().strftime("%Y-%m-%d")
    );
    assert!(pty.screen().contains(&today), "{}", pty.screen());
    assert!(logs.join(&today).exists(), "{today} is the file written");
    pty.send("q");
    pty.send("q");
    assert_eq!(pty.wait_exit(WAIT), 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&logs).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "the log directory is private");
        let files: Vec<_> = std::fs::read_dir(&logs).unwrap().flatten().collect();
        assert!(files.len() >= 2, "today's log and the old one");
        for f in files {
            let mode = f.metadata().unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{} is private", f.path().display());
        }
    }
}

#[test]
fn demo_dashboard_then_enter_on_a_matrix_cell_filters_the_stream() {
    let mut pty = Pty::spawn(&["--demo"], &[], 120, 30);
    pty.wait_for("● demo", WAIT);
    pty.send("\t");
    pty.wait_for("Status changes · 15m", WAIT);
    pty.wait_for("of the 5,000/min ceiling", WAIT);
    // Rates → created → the matrix's first cell, one row down: open → new is empty, so go right
    // to a cell the demo fills (open → solved is two columns further).
    pty.wait_for("solved", WAIT);
    pty.send("ll");
    pty.send("\x1b[B");
    pty.send("\x1b[C\x1b[C\x1b[C");
    pty.send("\r");
    pty.wait_for("filter: status:open->", WAIT);
    pty.wait_for("status_changed", WAIT);
    pty.send("\t");
    pty.wait_for("Dashboard", WAIT);
    pty.send("2");
    pty.send("q");
    pty.wait_for("● demo", WAIT);
    pty.send("q");
    assert_eq!(pty.wait_exit(WAIT), 0);
    pty.assert_terminal_restored();
}

#[tokio::test(flavor = "multi_thread")]
async fn dashboard_shows_the_queue_depth_from_the_server() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let url = create_queue(&sqs, "zdwatch-pty-depth").await;
    let texts: Vec<String> = ticket_bodies()
        .iter()
        .map(|b| String::from_utf8(b.clone()).unwrap())
        .collect();
    send_bodies(&sqs, &url, &texts).await;
    let aws = [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
    ];
    let mut pty = Pty::spawn(
        &[
            "--queue",
            &url,
            "--endpoint-url",
            moto.endpoint.as_str(),
            "--region",
            common::REGION,
            "--peek",
            "--no-journal",
        ],
        &aws,
        120,
        30,
    );
    pty.wait_for("● zdwatch-pty-depth", WAIT);
    pty.send("\t");
    pty.wait_for("in flight", WAIT);
    // Peeking never deletes: waiting + in flight is every message sent.
    let start = Instant::now();
    loop {
        let screen = pty.screen();
        let row = screen
            .lines()
            .find(|l| l.contains("zdwatch-pty-depth") && l.starts_with('│'));
        let numbers: Vec<u64> = row
            .map(|r| {
                r.split_whitespace()
                    .skip(1)
                    .take(2)
                    .filter_map(|c| c.replace(',', "").parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        if numbers.len() == 2 && numbers[0] + numbers[1] == texts.len() as u64 {
            break;
        }
        assert!(
            start.elapsed() < WAIT,
            "no depth of {} on screen:\n{screen}",
            texts.len()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    pty.send("\x03");
    assert_eq!(pty.wait_exit(WAIT), 0);
}

#[test]
fn monitor_pattern_flag_filters_and_e_explains() {
    let pattern = r#"{"detail-type": ["Support Ticket: Status Changed"]}"#;
    let mut pty = Pty::spawn(&["--demo", "--pattern", pattern], &[], 120, 30);
    pty.wait_for("pattern filters", WAIT);
    pty.wait_for("status_changed", WAIT);
    // Filtered: the demo's other kinds are on the stream only once the pattern just highlights.
    let filtered = pty.screen();
    for other in ["comment_added", "tags_changed", "priority_changed"] {
        assert!(
            !filtered.contains(other),
            "{other} passed the pattern:\n{filtered}"
        );
    }
    pty.send("P");
    pty.wait_for("comment_added", WAIT);
    pty.send("P");
    pty.wait_for("pattern filters", WAIT);
    pty.send("e");
    pty.wait_for("matches the pattern", WAIT);
    pty.wait_for("✓ detail-type", WAIT);
    pty.send("q");
    pty.send("q");
    assert_eq!(pty.wait_exit(WAIT), 0);
    pty.assert_terminal_restored();

    let mut bad = Pty::spawn(
        &["--demo", "--pattern", r#"{"detail-type": "x"}"#],
        &[],
        120,
        30,
    );
    assert_eq!(bad.wait_exit(WAIT), 2);
    assert!(
        bad.screen()
            .contains("\"detail-type\" must be an object or an array"),
        "{}",
        bad.screen()
    );
}
