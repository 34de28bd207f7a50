//! `zdwatch tail --file`: captures, formats, exit codes and terminal safety, on the built binary.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on setup failures

mod common;

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use common::{capture, run, samples, write_capture, zdwatch};

const LIMIT: Duration = Duration::from_secs(60);

fn all_samples_capture(name: &str) -> (std::path::PathBuf, usize) {
    let bodies: Vec<Vec<u8>> = samples().into_iter().map(|(_, b)| b).collect();
    (write_capture(name, &capture(&bodies)), bodies.len())
}

#[test]
fn ndjson_has_one_line_per_event_with_the_documented_fields() {
    let (path, n) = all_samples_capture("ndjson");
    let out = run(zdwatch(&["tail", "--file", path.to_str().unwrap()]), LIMIT);
    assert!(out.status.success(), "{}", out.stderr);
    let lines = out.lines();
    assert_eq!(lines.len(), n);
    let fields = [
        "event_id",
        "message_id",
        "format",
        "kind",
        "domain",
        "subject_id",
        "ticket_id",
        "occurred_at",
        "received_at",
        "actor_id",
        "previous",
        "current",
        "tags_added",
        "tags_removed",
        "users_added",
        "users_removed",
        "field",
        "comment",
        "attachment",
        "ticket",
        "sequence",
        "envelope",
        "problem",
        "source",
    ];
    for line in &lines {
        for f in fields {
            assert!(line.get(f).is_some(), "field {f} missing in {line}");
        }
    }
    let malformed: Vec<_> = lines
        .iter()
        .filter(|l| l["format"] == "malformed")
        .collect();
    assert_eq!(malformed.len(), 3);
    assert!(
        malformed.iter().any(|l| l["raw_base64"].is_string()),
        "invalid UTF-8 kept as base64"
    );
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for f in fields {
        assert!(
            readme.contains(&format!("`{f}`")),
            "README documents the ndjson field {f}"
        );
    }
}

#[test]
fn text_output_escapes_every_control_character() {
    let (path, n) = all_samples_capture("text");
    let out = run(
        zdwatch(&["tail", "--file", path.to_str().unwrap(), "--format", "text"]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(out.stdout_text().lines().count(), n);
    let bad: Vec<u8> = out
        .stdout
        .iter()
        .copied()
        .filter(|&b| (b < 0x20 && b != b'\n') || b == 0x7f)
        .collect();
    assert!(bad.is_empty(), "control bytes reached the output: {bad:?}");
    let text = out.stdout_text();
    assert!(
        text.contains("\\x1b]52;c;cHduZWQ=\\x07\\x1b[2Jgotcha"),
        "escape sequences shown, not executed"
    );
    assert!(text.contains("#5158 status_changed open → solved"));
}

/// `--format raw` reads back to the same events: every JSON body as it is (its invisible
/// characters escaped, the same JSON), and with `--raw-bytes` the malformed ones too.
#[test]
fn raw_output_reads_back_to_the_same_events() {
    let (path, _) = all_samples_capture("raw");
    let strip = |lines: Vec<serde_json::Value>, keep_malformed: bool| -> Vec<serde_json::Value> {
        lines
            .into_iter()
            .filter(|l| keep_malformed || l["format"] != "malformed")
            .map(|mut l| {
                l.as_object_mut().unwrap().remove("received_at");
                l
            })
            .collect()
    };
    let first = run(zdwatch(&["tail", "--file", path.to_str().unwrap()]), LIMIT);
    for exact in [false, true] {
        let mut args = vec!["tail", "--file", path.to_str().unwrap(), "--format", "raw"];
        if exact {
            args.push("--raw-bytes");
        }
        let raw = run(zdwatch(&args), LIMIT);
        assert!(raw.status.success());
        let again = write_capture("raw-again", &raw.stdout);
        let second = run(zdwatch(&["tail", "--file", again.to_str().unwrap()]), LIMIT);
        assert_eq!(
            strip(second.lines(), exact),
            strip(first.lines(), exact),
            "--raw-bytes: {exact}"
        );
    }
    let malformed = first
        .lines()
        .iter()
        .filter(|l| l["format"] == "malformed")
        .count();
    assert!(malformed > 0, "the samples hold malformed bodies");
}

#[test]
fn filters_select_events_and_bad_filters_exit_2_with_a_pointer() {
    let (path, _) = all_samples_capture("filter");
    let p = path.to_str().unwrap();
    let count = |filter: &str| {
        let out = run(zdwatch(&["tail", "--file", p, "--filter", filter]), LIMIT);
        assert!(out.status.success(), "{filter}: {}", out.stderr);
        out.lines().len()
    };
    // Status changes open → solved: webhook sample, SNS webhook, SNS legacy, input-path legacy.
    assert_eq!(count("status:open->solved"), 4);
    assert_eq!(count("status:*->solved"), 5);
    assert_eq!(count("tag+:vip"), 2);
    assert_eq!(count("#35436 type:comment"), 4);
    assert_eq!(count("format:malformed"), 3);

    let out = run(
        zdwatch(&["tail", "--file", p, "--filter", "status:open-> tagg:x"]),
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stderr.contains("needs both sides") && out.stderr.contains("^^^^^^"),
        "{}",
        out.stderr
    );
}

#[test]
fn duplicates_in_a_capture_are_written_once() {
    let body = std::fs::read(common::samples_dir().join("webhook/status_changed.json")).unwrap();
    let path = write_capture("dupes", &capture(&[body.clone(), body.clone(), body]));
    let out = run(zdwatch(&["tail", "--file", path.to_str().unwrap()]), LIMIT);
    assert_eq!(out.lines().len(), 1);
}

#[test]
fn stdin_is_a_capture_and_a_closed_pipe_ends_quietly() {
    let (path, _) = all_samples_capture("stdin");
    let data = std::fs::read(&path).unwrap();
    let mut child = zdwatch(&["tail", "--file", "-", "--max-events", "3"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&data).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);

    // The reader goes away after one line: no panic, exit 0, nothing on stderr.
    let mut child = zdwatch(&["tail", "--file", path.to_str().unwrap(), "--format", "text"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}", out.status);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn usage_errors_exit_2_and_missing_files_exit_1() {
    let out = run(zdwatch(&["tail"]), LIMIT);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stderr.contains("--queue") && out.stderr.contains("--file"));
    let out = run(zdwatch(&["tail", "--file", "/nonexistent/capture"]), LIMIT);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr.contains("cannot read /nonexistent/capture"),
        "{}",
        out.stderr
    );
    let out = run(zdwatch(&["tail", "--format", "yaml", "--file", "x"]), LIMIT);
    assert_eq!(out.status.code(), Some(2));
}

/// Peek releases every message, so SQS hands the same message straight back: `tail` gives it
/// back again without counting it as a duplicate event; a real copy (another message) is one.

#[test]
fn pretty_printed_documents_are_one_event_each_and_an_unfinished_one_is_not_lost() {
    let dir = common::samples_dir();
    let legacy = std::fs::read(dir.join("legacy/status_changed.json")).unwrap();
    let webhook = std::fs::read(dir.join("webhook/created.json")).unwrap();
    let one_line = capture(&[std::fs::read(dir.join("webhook/status_changed.json")).unwrap()]);
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&legacy);
    bytes.push(b'\n');
    bytes.extend_from_slice(&one_line);
    bytes.extend_from_slice(&webhook);
    bytes.extend_from_slice(b"\n{\n  \"detail-type\": \"cut short\",\n");
    let path = write_capture("pretty", &bytes);
    let out = run(zdwatch(&["tail", "--file", path.to_str().unwrap()]), LIMIT);
    assert!(out.status.success(), "{}", out.stderr);
    let kinds: Vec<String> = out
        .lines()
        .iter()
        .map(|l| l["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kinds,
        ["status_changed", "status_changed", "created", "malformed"]
    );
}

#[test]
fn demo_emit_writes_a_reproducible_capture_that_tail_reads() {
    let emit = |seed: &str| run(zdwatch(&["demo", "--emit", "600", "--seed", seed]), LIMIT);
    let (a, b, other) = (emit("7"), emit("7"), emit("8"));
    assert!(a.status.success(), "{}", a.stderr);
    assert_eq!(a.stdout, b.stdout, "the same seed gives the same bytes");
    assert_ne!(a.stdout, other.stdout);
    assert_eq!(a.stdout_text().lines().count(), 600);

    let path = write_capture("demo-emit", &a.stdout);
    let out = run(zdwatch(&["tail", "--file", path.to_str().unwrap()]), LIMIT);
    assert!(out.status.success(), "{}", out.stderr);
    let lines = out.lines();
    let formats: std::collections::BTreeSet<&str> =
        lines.iter().filter_map(|l| l["format"].as_str()).collect();
    assert_eq!(formats, ["legacy", "webhook"].into_iter().collect());
    assert!(
        lines
            .iter()
            .any(|l| !l["envelope"]["sns_message_id"].is_null()),
        "some SNS-wrapped"
    );
    // Duplicate deliveries are in the capture; tail prints each event once.
    assert!(lines.len() < 600 && lines.len() > 550, "{}", lines.len());

    let decoded = run(
        zdwatch(&["demo", "--emit", "50", "--format", "ndjson"]),
        LIMIT,
    );
    let decoded = decoded.lines();
    assert_eq!(decoded.len(), 50);
    assert!(decoded.iter().all(|l| l["kind"].is_string()));
}

#[test]
fn several_files_at_once_and_source_picks_one() {
    let dir = common::samples_dir();
    let legacy = capture(&[std::fs::read(dir.join("legacy/status_changed.json")).unwrap()]);
    let webhook = capture(&[std::fs::read(dir.join("webhook/status_changed.json")).unwrap()]);
    // The short name of a file source is its file name.
    let named = |name: &str, bytes: &[u8]| {
        let path = write_capture(name, bytes).with_file_name(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let a = named("from-legacy.ndjson", &legacy);
    let b = named("from-webhook.ndjson", &webhook);
    let tail = |filter: &str| {
        let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
        run(
            zdwatch(&["tail", "--file", a, "--file", b, "--filter", filter]),
            LIMIT,
        )
    };
    let both = tail("");
    assert_eq!(both.lines().len(), 2, "{}", both.stderr);
    let one = tail("source:from-webhook*");
    let lines = one.lines();
    assert_eq!(lines.len(), 1, "{}", one.stderr);
    assert_eq!(lines[0]["format"], "webhook");
}

#[test]
fn mask_hides_customer_data_in_every_format_and_keeps_ids() {
    let sample = common::samples_dir().join("webhook/comment_added.json");
    let path = sample.to_str().unwrap();
    for format in ["ndjson", "text", "csv", "raw"] {
        let out = zdwatch(&["tail", "--file", path, "--format", format, "--mask"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        for secret in [
            "Cannot log in",
            "Still broken",
            "Ana Souza",
            "Customer cannot",
        ] {
            assert!(!text.contains(secret), "{format}: {secret} in {text}");
        }
        assert!(
            text.contains("5158"),
            "{format}: the ticket id stays: {text}"
        );
        let unmasked = zdwatch(&["tail", "--file", path, "--format", format])
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&unmasked.stdout).contains("Still broken") || format == "csv"
        );
    }
}

/// `--file <(zcat capture.gz)` and named pipes: a stream is sniffed for a journal without losing
/// its first bytes, so it gives the same events as the file read directly (the first line used
/// to lose 16 bytes and come out malformed). A journal through a pipe is said to need a file.
#[test]
fn a_pipe_or_fifo_gives_the_same_events_as_the_file() {
    let (path, n) = all_samples_capture("pipe");
    let direct = run(
        zdwatch(&["tail", "--file", path.to_str().unwrap(), "--format", "raw"]),
        LIMIT,
    );
    assert!(direct.status.success(), "{}", direct.stderr);
    assert_eq!(direct.stdout_text().lines().count(), n);

    // Process substitution, as a shell user writes it.
    let mut cmd = std::process::Command::new("bash");
    cmd.args([
        "-c",
        r#"exec "$ZDWATCH" tail --file <(cat "$CAPTURE") --format raw"#,
    ])
    .env("ZDWATCH", env!("CARGO_BIN_EXE_zdwatch"))
    .env("CAPTURE", &path)
    .env_remove("ZDWATCH_MASK");
    let piped = run(cmd, LIMIT);
    assert!(piped.status.success(), "{}", piped.stderr);
    assert_eq!(piped.stdout_text(), direct.stdout_text());

    // A named pipe, written a few bytes at a time (the sniff must wait for 16, not take fewer).
    let fifo = path.with_file_name("capture.fifo");
    let _ = std::fs::remove_file(&fifo);
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo (coreutils)");
    assert!(made.success());
    let bytes = std::fs::read(&path).unwrap();
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            for chunk in bytes.chunks(5) {
                f.write_all(chunk).unwrap();
                f.flush().unwrap();
            }
        })
    };
    let named = run(
        zdwatch(&["tail", "--file", fifo.to_str().unwrap(), "--format", "raw"]),
        LIMIT,
    );
    writer.join().unwrap();
    assert!(named.status.success(), "{}", named.stderr);
    assert_eq!(named.stdout_text(), direct.stdout_text());

    // Shorter than the sniff: one tiny line still comes through.
    let mut cmd = std::process::Command::new("bash");
    cmd.args([
        "-c",
        r#"exec "$ZDWATCH" tail --file <(printf '{}') --format ndjson"#,
    ])
    .env("ZDWATCH", env!("CARGO_BIN_EXE_zdwatch"));
    let tiny = run(cmd, LIMIT);
    let lines = tiny.lines();
    assert_eq!(lines.len(), 1, "{}", tiny.stderr);
    assert_eq!(lines[0]["format"], "unrecognized");

    // A journal through a pipe.
    let mut cmd = std::process::Command::new("bash");
    cmd.args([
        "-c",
        r#"exec "$ZDWATCH" tail --file <(printf 'SQLite format 3\000rest') --format raw"#,
    ])
    .env("ZDWATCH", env!("CARGO_BIN_EXE_zdwatch"));
    let journal = run(cmd, LIMIT);
    assert!(
        journal.stderr.contains("arriving through a pipe"),
        "{}",
        journal.stderr
    );
    assert!(journal.stdout.is_empty());
}

/// Lines are written in stretches straight from the buffer each run of bodies is judged into:
/// duplicates (right after their first copy, and of one long before) and events the filter
/// refuses, between the ones written, leave nothing of themselves in the output, which holds
/// each selected event once, whole, in order — with `--max-events` too.
#[test]
fn duplicates_and_refused_events_between_written_ones_leave_nothing_behind() {
    let body = |i: usize| {
        let kind = if i % 3 == 0 {
            "status_changed"
        } else {
            "created"
        };
        format!(
            r#"{{"type":"zen:event-type:ticket.{kind}","id":"gap-{i:05}","time":"2026-01-01T00:00:00Z","subject":"zen:ticket:{}","detail":{{"id":"{}","subject":"{}"}}}}"#,
            i % 40 + 1,
            i % 40 + 1,
            "y".repeat(i % 13 * 5)
        )
        .into_bytes()
    };
    let mut bodies = Vec::new();
    let mut expected = Vec::new();
    for i in 0..3000 {
        bodies.push(body(i));
        if i % 7 == 3 {
            bodies.push(body(i));
        }
        if i % 11 == 5 {
            bodies.push(body(i / 2));
        }
        if i % 3 != 0 {
            expected.push(format!("gap-{i:05}"));
        }
    }
    let path = write_capture("gaps", &capture(&bodies));
    let filter = ["--filter", "type:created"];
    assert_eq!(webhook_ids(&path, &filter), expected);
    let max = ["--filter", "type:created", "--max-events", "777"];
    assert_eq!(webhook_ids(&path, &max), expected[..777]);
}

/// The ids of the webhook events `tail --file path args…` wrote, in order (a webhook event's
/// id is its own id and its type). Every line must be one whole event: `lines` fails on a line
/// cut, or two run together.
fn webhook_ids(path: &std::path::Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["tail", "--file", path.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = run(zdwatch(&all), LIMIT);
    assert!(out.status.success(), "{}", out.stderr);
    out.lines()
        .iter()
        .map(|l| {
            let id = l["event_id"].as_str().unwrap_or_default();
            id.split(' ').next().unwrap_or_default().to_string()
        })
        .collect()
}

/// Thousands of bodies are read, judged (several batches at once, on every core) and written:
/// the lines come out in the order the capture has them, and `--max-events` stops at exactly
/// that many, in the middle of a batch, whatever is still being judged behind it.
#[test]
fn many_batches_come_out_in_order_and_max_events_stops_exactly() {
    let ids: Vec<String> = (0..6000).map(|i| format!("order-{i:05}")).collect();
    let bodies: Vec<Vec<u8>> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            // Bodies of different lengths, so that batches end at different places.
            let padding = "x".repeat(i % 97 * 7);
            format!(
                r#"{{"type":"zen:event-type:ticket.created","id":"{id}","time":"2026-01-01T00:00:00Z","subject":"zen:ticket:{}","detail":{{"id":"{}","subject":"{padding}"}}}}"#,
                i % 50 + 1,
                i % 50 + 1
            )
            .into_bytes()
        })
        .collect();
    let path = write_capture("many-batches", &capture(&bodies));
    assert_eq!(webhook_ids(&path, &[]), ids);
    for max in ["1", "1500", "4097"] {
        let n: usize = max.parse().unwrap();
        assert_eq!(
            webhook_ids(&path, &["--max-events", max]),
            ids[..n],
            "--max-events {max}"
        );
    }
}
