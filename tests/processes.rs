//! Process hygiene: a closed stderr or stdout is not a crash, and a source says `connected` once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use common::{Moto, create_queue, run, send_bodies, write_capture, zdwatch};

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn a_closed_stderr_is_not_a_panic() {
    let mut child = zdwatch(&["tail", "--file", "/nonexistent/capture.ndjson"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader of stderr goes away before zdwatch writes its error there.
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "an error exit, not a panic (101)");
}

#[test]
fn test_pattern_into_head_exits_0() {
    let demo = run(zdwatch(&["demo", "--emit", "3000"]), LIMIT);
    let path = write_capture("pattern-head", &demo.stdout);
    let mut child = zdwatch(&[
        "test-pattern",
        "--file",
        path.to_str().unwrap(),
        "--explain",
        "--pattern",
        r#"{"detail-type":[{"prefix":"zen:"}]}"#,
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // `| head -1`: the reader has one line and leaves (the reader is dropped here).
    assert!(first.contains("match"), "{first}");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_queue_is_connected_once_however_many_pollers_and_polls() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let url = create_queue(&sqs, "connected-once").await;
    let bodies: Vec<String> = common::samples()
        .into_iter()
        .filter(|(n, _)| n.starts_with("webhook/"))
        .map(|(_, b)| String::from_utf8(b).unwrap())
        .collect();
    send_bodies(&sqs, &url, &bodies).await;
    let out = run(
        moto.zdwatch(&[
            "tail",
            "--queue",
            &url,
            "--peek",
            "--pollers",
            "4",
            "--idle-exit",
            "3",
        ]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(
        out.stderr.matches(": connected").count(),
        1,
        "{}",
        out.stderr
    );
}
