//! Hostile and broken input, each case end to end: `tail` writes one line per body (nothing lost,
//! exit 0, no control character in text output) and the monitor draws every screen of it without
//! panicking or letting a control character reach the terminal. Also an endpoint that answers
//! with HTML instead of SQS, and a queue URL of another region than the one asked for.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::time::Duration;

use common::screens::{config, feed, key, screen};
use common::{capture, run, write_capture, zdwatch};
use crossterm::event::KeyCode;
use zdwatch::app::App;
use zdwatch_sources::Delivery;

const LIMIT: Duration = Duration::from_secs(60);

fn webhook(id: &str, detail: &str, event: &str, time: &str) -> Vec<u8> {
    format!(
        r#"{{"detail-type":"zen:event-type:ticket.comment_added","detail":{{"type":"zen:event-type:ticket.comment_added","id":"{id}","time":"{time}","subject":"zen:ticket:1","detail":{{"id":"1",{detail}}},"event":{event}}}}}"#
    )
    .into_bytes()
}

/// One body per hostile case, with its name.
fn hostile() -> Vec<(&'static str, Vec<u8>)> {
    let escape = "\u{1b}[31mred\u{1b}]0;title\u{7}\u{1b}[2J\r\u{8}\u{9b}";
    let esc_json = serde_json::to_string(escape).unwrap();
    let big_comment = "x".repeat(256 * 1024 - 600);
    let tags: Vec<String> = (0..10_000).map(|i| format!("\"tag{i}\"")).collect();
    let mut bodies = vec![
        (
            "256 KiB body",
            webhook(
                "big",
                r#""status":"OPEN""#,
                &format!(r#"{{"comment":{{"id":"1","body":"{big_comment}","is_public":true}}}}"#),
                "2026-01-01T00:00:00Z",
            ),
        ),
        (
            "10,000 tags",
            webhook(
                "tags",
                &format!(r#""tags":[{}]"#, tags.join(",")),
                "{}",
                "2026-01-01T00:00:00Z",
            ),
        ),
        (
            "nested 10,000 deep",
            format!(
                r#"{{"detail":{}1{}}}"#,
                "[".repeat(10_000),
                "]".repeat(10_000)
            )
            .into_bytes(),
        ),
        (
            "numbers beyond i64 and f64",
            webhook(
                "numbers",
                r#""group_id":99999999999999999999999999,"assignee_id":1e400,"brand_id":-5,"form_id":1.5"#,
                "{}",
                "2026-01-01T00:00:00Z",
            ),
        ),
        (
            "invalid timestamp",
            webhook("badtime", r#""status":"OPEN""#, "{}", "yesterday at noon"),
        ),
        (
            "future timestamp",
            webhook("future", r#""status":"OPEN""#, "{}", "9999-12-31T23:59:59Z"),
        ),
        (
            "NUL and invalid UTF-8",
            b"{\"detail\":\"a\0b\xff\xfe\"}\xc3\x28".to_vec(),
        ),
        (
            "escape sequences in every displayed field",
            webhook(
                &format!(
                    "id{}",
                    escape.replace(['\u{1b}', '\u{7}', '\u{8}', '\r', '\u{9b}'], "")
                ),
                &format!(
                    r#""subject":{esc_json},"tags":[{esc_json}],"status":{esc_json},"priority":{esc_json},"via":{{"channel":{esc_json}}}"#
                ),
                &format!(
                    r#"{{"comment":{{"id":"2","body":{esc_json},"author":{{"id":"3","name":{esc_json}}}}}}}"#
                ),
                "2026-01-01T00:00:00Z",
            ),
        ),
    ];
    bodies.push(("not JSON at all", escape.as_bytes().to_vec()));
    bodies.push(("invisible characters and formulas", attacking_body()));
    bodies
}

/// No escape, no C0 or C1 control character (a line break ends a line).
fn assert_clean(what: &str, text: &str) {
    if let Some(c) = text.chars().find(|c| unsafe_char(*c)) {
        panic!("{what}: control character {c:?} reached the output");
    }
}

#[test]
fn tail_writes_every_hostile_body_once_and_escaped() {
    let cases = hostile();
    let bodies: Vec<Vec<u8>> = cases.iter().map(|(_, b)| b.clone()).collect();
    let path = write_capture("hostile", &capture(&bodies));
    for format in ["text", "ndjson", "csv"] {
        let out = run(
            zdwatch(&["tail", "--file", path.to_str().unwrap(), "--format", format]),
            LIMIT,
        );
        assert!(out.status.success(), "{format}: {}", out.stderr);
        let text = out.stdout_text();
        let header = usize::from(format == "csv");
        assert_eq!(
            text.lines().count(),
            cases.len() + header,
            "{format}: one line each"
        );
        if format == "text" {
            assert_clean("tail --format text", &text);
        }
        if format == "ndjson" {
            for line in text.lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                assert!(v["event_id"].is_string());
            }
        }
    }
}

#[test]
fn the_monitor_draws_every_hostile_body_on_every_screen() {
    let mut app = App::new(config(Delivery::Peek), "", common::screens::now()).unwrap();
    let cases = hostile();
    let bodies: Vec<Vec<u8>> = cases.iter().map(|(_, b)| b.clone()).collect();
    feed(&mut app, &bodies);
    assert_eq!(app.store().len(), cases.len(), "each held once");
    assert_clean("stream", &screen(&mut app, 200, 30));
    for (i, (name, _)) in cases.iter().enumerate() {
        app.select_row(i);
        key(&mut app, KeyCode::Char('d'));
        assert_clean(name, &screen(&mut app, 120, 40));
        key(&mut app, KeyCode::Char('q'));
        key(&mut app, KeyCode::Enter);
        assert_clean(name, &screen(&mut app, 120, 40));
        key(&mut app, KeyCode::Char('q'));
    }
    key(&mut app, KeyCode::Tab);
    assert_clean("dashboard", &screen(&mut app, 160, 40));
}

/// Characters that may not reach a pipe unescaped: C0 (but line breaks between lines), DEL, C1,
/// and invisible ones (format characters, tag block, Hangul fillers).
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n') || zdwatch_core::sanitize::json_escapes(c)
}

/// A body whose text attacks a pipe, a spreadsheet and a pair of eyes at once.
fn attacking_body() -> Vec<u8> {
    let subject = "=HYPERLINK(\"http://evil.example\",\"refund\")";
    let comment = "ok\u{1b}]52;c;cHduZWQ=\u{7}\u{9b}2J\u{7f}\u{85}abc\u{202e}cba\u{e0041}";
    let v = serde_json::json!({
        "type": "zen:event-type:ticket.comment_added", "id": "attack-1", "time": "2026-01-01T00:00:00Z",
        "subject": "zen:ticket:4242",
        "detail": {"id": "4242", "status": "OPEN", "subject": subject,
                   "tags": ["vip\u{e0041}", "+cmd", "@SUM(A1)"]},
        "event": {"comment": {"id": "9", "body": comment, "is_public": true}}
    });
    v.to_string().into_bytes()
}

#[test]
fn piped_output_is_escaped_in_every_format_and_csv_formulas_are_neutralised() {
    let body = attacking_body();
    // One JSON body and one that is not JSON, each with raw escapes in it.
    let not_json = b"plain \x1b]52;c;cHduZWQ=\x07 \xc2\x9b2J \x7f".to_vec();
    let path = write_capture("attack", &capture(&[body.clone(), not_json]));
    let path = path.to_str().unwrap();
    for format in ["ndjson", "text", "raw", "csv"] {
        // The test's stdout is a pipe, not a terminal: what `zdwatch tail | grep` gets.
        let out = run(
            zdwatch(&["tail", "--file", path, "--format", format]),
            LIMIT,
        );
        assert!(out.status.success(), "{format}: {}", out.stderr);
        let text = String::from_utf8(out.stdout.clone()).expect("UTF-8 output");
        if let Some(c) = text.chars().find(|c| unsafe_char(*c)) {
            panic!("--format {format} piped wrote {c:?} raw:\n{text}");
        }
    }
    // ndjson and raw stay lossless JSON: read back, the same strings.
    let ndjson = run(zdwatch(&["tail", "--file", path]), LIMIT).lines();
    let original: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(ndjson[0]["ticket"]["tags"], original["detail"]["tags"]);
    assert_eq!(
        ndjson[0]["comment"]["body"],
        original["event"]["comment"]["body"]
    );
    let raw = run(zdwatch(&["tail", "--file", path, "--format", "raw"]), LIMIT).stdout_text();
    let first: serde_json::Value = serde_json::from_str(raw.lines().next().unwrap()).unwrap();
    assert_eq!(first, original, "raw JSON is the same document");
    // CSV: every cell a spreadsheet would run starts with a quote.
    let csv = run(zdwatch(&["tail", "--file", path, "--format", "csv"]), LIMIT).stdout_text();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let record = reader.records().next().unwrap().unwrap();
    let cell = |name: &str| record[headers.iter().position(|h| h == name).unwrap()].to_string();
    assert_eq!(
        cell("subject"),
        "'=HYPERLINK(\"http://evil.example\",\"refund\")"
    );
    assert!(
        cell("tags").starts_with("vip\\u{e0041}"),
        "{}",
        cell("tags")
    );
    for record in csv::Reader::from_reader(csv.as_bytes()).records() {
        for cell in record.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a formula cell: {cell}"
            );
        }
    }
    // --raw-bytes: exactly as received, for a program that wants the original bytes.
    let exact = run(
        zdwatch(&["tail", "--file", path, "--format", "raw", "--raw-bytes"]),
        LIMIT,
    );
    assert!(exact.stdout.starts_with(&body), "the body as received");
    assert!(
        exact.stdout.windows(2).any(|w| w == b"\x1b]"),
        "raw escapes kept"
    );
}

#[test]
fn y_copies_an_escaped_body_and_refuses_a_huge_one() {
    let mut app = App::new(config(Delivery::Peek), "", common::screens::now()).unwrap();
    // Pasted into a shell, ESC[201~ would end bracketed paste and the next line would run.
    let hostile = b"not json\x1b[201~\nrm -rf ~\n\xc2\x9b".to_vec();
    let big = format!(
        r#"{{"type":"zen:event-type:ticket.comment_added","id":"big","subject":"zen:ticket:1","detail":{{"id":"1"}},"event":{{"comment":{{"id":"1","body":"{}"}}}}}}"#,
        "x".repeat(150 * 1024)
    );
    feed(&mut app, &[hostile, big.into_bytes(), attacking_body()]);
    let copy = |app: &mut App, row: usize| -> Option<Vec<u8>> {
        app.select_row(row);
        key(app, KeyCode::Char('y'))
            .into_iter()
            .find_map(|e| match e {
                zdwatch::app::Effect::Copy(bytes) => Some(bytes),
                _ => None,
            })
    };
    let copied = String::from_utf8(copy(&mut app, 0).expect("copied")).unwrap();
    assert_eq!(copied, r"not json\x1b[201~\nrm -rf ~\n\x9b");
    assert!(app.notice().unwrap_or_default().contains("escaped"));
    assert_eq!(copy(&mut app, 1), None, "150 KB is not copied");
    let notice = app.notice().unwrap_or_default().to_string();
    assert!(
        notice.contains("not copied") && notice.contains("saves it"),
        "{notice}"
    );
    let json = String::from_utf8(copy(&mut app, 2).expect("copied")).unwrap();
    assert!(!json.chars().any(unsafe_char), "{json:?}");
    let back: serde_json::Value = serde_json::from_str(&json).unwrap();
    let original: serde_json::Value = serde_json::from_slice(&attacking_body()).unwrap();
    assert_eq!(back, original, "a JSON body is copied as the same JSON");
}

/// A local server that answers every request with an HTML page (a captive portal, a proxy's
/// error page, a wrong --endpoint-url).
fn html_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 65536];
            let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
            let _ = s.read(&mut buf);
            let body = "<html><body><h1>Welcome to Hotel WiFi</h1>\u{1b}[2J</body></html>";
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}")
}

#[test]
fn an_endpoint_that_answers_with_html_is_a_clear_error() {
    let endpoint = html_server();
    let mut cmd = zdwatch(&[
        "tail",
        "--queue",
        "zendesk-debug",
        "--endpoint-url",
        &endpoint,
        "--region",
        "eu-west-1",
    ]);
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing");
    let out = run(cmd, LIMIT);
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("zdwatch: queue zendesk-debug:"),
        "{}",
        out.stderr
    );
    assert_clean("stderr", &out.stderr);
    assert!(out.stdout_text().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_queue_arn_of_another_region_is_read_there_and_said_so() {
    let moto = common::Moto::start();
    let sqs = moto.sqs();
    let url = common::create_queue(&sqs, "zendesk-debug").await;
    let body = String::from_utf8(webhook(
        "e1",
        r#""status":"OPEN""#,
        "{}",
        "2026-01-01T00:00:00Z",
    ))
    .unwrap();
    common::send_bodies(&sqs, &url, &[body]).await;
    let arn = format!("arn:aws:sqs:{}:123456789012:zendesk-debug", common::REGION);
    let mut cmd = zdwatch(&[
        "tail",
        "--queue",
        &arn,
        "--region",
        "eu-west-1",
        "--endpoint-url",
        &moto.endpoint,
        "--no-journal",
        "--peek",
        "--max-events",
        "1",
    ]);
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing");
    let out = run(cmd, LIMIT);
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(out.stdout_text().lines().count(), 1);
    assert!(
        out.stderr.contains("the queue is in us-east-1") && out.stderr.contains("eu-west-1"),
        "{}",
        out.stderr
    );
}
