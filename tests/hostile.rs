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
    bodies
}

/// No escape, no C0 or C1 control character (a line break ends a line).
fn assert_clean(what: &str, text: &str) {
    if let Some(c) = text
        .chars()
        .find(|c| (c.is_control() && *c != '\n') || *c == '\u{1b}')
    {
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
