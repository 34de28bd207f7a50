//! `zdwatch report` end to end: a small capture with numbers worked out by hand, and an hour of
//! demo events checked against a direct count.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use common::{capture, run, samples_dir, write_capture, zdwatch};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use zdwatch_core::event::Kind;
use zdwatch_sources::demo::Simulator;

const LIMIT: Duration = Duration::from_secs(60);

fn report(path: &std::path::Path, extra: &[&str]) -> Value {
    let mut args = vec!["report", "--file", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = run(zdwatch(&args), LIMIT);
    assert!(out.status.success(), "{}", out.stderr);
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn hand_checked_figures() {
    let read = |n: &str| std::fs::read(samples_dir().join(n)).unwrap();
    let bodies = vec![
        read("legacy/created.json"), // #35436 created: tag enterprise, web, group 98738, brand 123
        read("legacy/status_changed.json"), // #35436 new → open
        read("webhook/created.json"), // #5158 created: tags mobile login, web_service, no group
        read("webhook/status_changed.json"), // #5158 open → solved
        read("legacy/status_changed.json"), // a redelivery: counted once
    ];
    let path = write_capture("report-hand", &capture(&bodies));
    let r = report(&path, &[]);
    assert_eq!(r["events"], 4);
    assert_eq!(r["tickets"], 2);
    assert_eq!(r["by_kind"], json!({"created": 2, "status_changed": 2}));
    assert_eq!(r["created"]["total"], 2);
    assert_eq!(
        r["created"]["by_tag"],
        json!({"enterprise": 1, "login": 1, "mobile": 1})
    );
    assert_eq!(
        r["created"]["by_channel"],
        json!({"web": 1, "web_service": 1})
    );
    assert_eq!(r["created"]["by_group"], json!({"98738": 1, "none": 1}));
    assert_eq!(
        r["transitions"],
        json!([{"from": "new", "to": "open", "count": 1}, {"from": "open", "to": "solved", "count": 1}])
    );
    assert_eq!(r["reopens"]["count"], 0);
    // Only #5158 went to solved, but its change to open is not among these events: no span.
    assert_eq!(r["time_in_status"]["open_to_solved"]["count"], 0);

    let md = run(
        zdwatch(&[
            "report",
            "--file",
            path.to_str().unwrap(),
            "--format",
            "markdown",
        ]),
        LIMIT,
    );
    let text = String::from_utf8(md.stdout).unwrap();
    assert!(
        text.contains("**4 events** on 2 tickets: 2 created, 0 reopens."),
        "{text}"
    );
    assert!(text.contains("| new | open | 1 |"), "{text}");
}

#[test]
fn an_hour_of_demo_events_agrees_with_a_direct_count() {
    let start: Timestamp = "2026-03-01T08:00:00Z".parse().unwrap();
    let mut sim = Simulator::new(5, start);
    let bodies: Vec<Vec<u8>> = sim
        .advance(start + SignedDuration::from_hours(1))
        .into_iter()
        .map(|d| d.body)
        .collect();
    let path = write_capture("report-demo", &capture(&bodies));
    let mut seen = HashSet::new();
    let events: Vec<_> = bodies
        .iter()
        .map(|b| common::decoded(b.clone()))
        .filter(|e| seen.insert(e.event_id.clone()))
        .collect();
    // The second half hour only, and only urgent tickets.
    let from = start + SignedDuration::from_mins(30);
    let r = report(
        &path,
        &["--since", &from.to_string(), "--filter", "priority:urgent"],
    );
    let inside: Vec<_> = events
        .iter()
        .filter(|e| e.order_time() >= from && e.ticket.priority.as_deref() == Some("urgent"))
        .collect();
    assert!(inside.len() > 50);
    assert_eq!(r["events"], inside.len());
    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    for e in &inside {
        *kinds.entry(e.kind.as_str().to_string()).or_default() += 1;
    }
    assert_eq!(r["by_kind"], serde_json::to_value(&kinds).unwrap());
    let reopens = inside.iter().filter(|e| e.is_reopen()).count();
    assert!(reopens > 0);
    assert_eq!(r["reopens"]["count"], reopens);
    let solved = inside
        .iter()
        .filter(|e| e.kind == Kind::StatusChanged && e.current.as_deref() == Some("solved"))
        .count();
    let counted: u64 = r["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["to"] == "solved")
        .map(|t| t["count"].as_u64().unwrap())
        .sum();
    assert_eq!(counted, solved as u64);
    assert!(
        r["time_in_status"]["open_to_solved"]["p50_seconds"]
            .as_i64()
            .unwrap()
            > 0
    );
    assert!(
        r["time_in_status"]["open_to_solved"]["p90_seconds"]
            .as_i64()
            .unwrap()
            >= r["time_in_status"]["open_to_solved"]["p50_seconds"]
                .as_i64()
                .unwrap()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_on_a_queue_reads_until_idle_and_deletes_nothing() {
    let moto = common::Moto::start();
    let sqs = moto.sqs();
    let url = common::create_queue(&sqs, "report-queue").await;
    let bodies: Vec<String> = common::samples()
        .into_iter()
        .filter(|(n, _)| n.starts_with("legacy/") || n.starts_with("webhook/"))
        .map(|(_, b)| String::from_utf8(b).unwrap())
        .collect();
    common::send_bodies(&sqs, &url, &bodies).await;
    let started = std::time::Instant::now();
    let out = run(
        moto.zdwatch(&["report", "--queue", &url, "--idle-exit", "2"]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    // Peeked messages keep coming back; only new events keep the report reading.
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["events"], bodies.len());
    let deadline = std::time::Instant::now() + LIMIT;
    loop {
        let (visible, in_flight) = common::queue_depth(&sqs, &url).await;
        if visible + in_flight == bodies.len() as u64 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "queue lost messages: {visible} + {in_flight}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Without --file, `report` and `export` read this machine's journal; with several, `export
/// --queue NAME` picks one and both list them when it is ambiguous.
#[test]
fn report_and_export_read_the_journals_of_this_machine() {
    let home = common::temp_dir("journal-home");
    let journals = home.join("zdwatch/journals");
    std::fs::create_dir_all(&journals).unwrap();
    let events: Vec<_> = common::samples()
        .into_iter()
        .filter(|(n, _)| n.starts_with("webhook/"))
        .map(|(_, b)| common::decoded(b))
        .collect();
    let first = journals.join("sqs.us-east-1.amazonaws.com_123456789012_zendesk-debug.db");
    zdwatch_journal::Journal::open(&first)
        .unwrap()
        .append("q", &events)
        .unwrap();
    let with_home = |args: &[&str]| {
        let mut cmd = zdwatch(args);
        cmd.env("XDG_DATA_HOME", &home);
        run(cmd, LIMIT)
    };
    let one = with_home(&["report"]);
    assert!(one.status.success(), "{}", one.stderr);
    let figures: Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(figures["events"], json!(events.len()));
    // A second journal: ambiguous, listed; --queue picks.
    let second = journals.join("sqs.us-east-1.amazonaws.com_123456789012_other-queue.db");
    zdwatch_journal::Journal::open(&second)
        .unwrap()
        .append("q", &events[..3])
        .unwrap();
    for args in [&["report"][..], &["export"][..]] {
        let out = with_home(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stderr.contains("several journals"), "{}", out.stderr);
        assert!(out.stderr.contains("other-queue.db"), "{}", out.stderr);
    }
    let picked = with_home(&["export", "--queue", "other-queue"]);
    assert!(picked.status.success(), "{}", picked.stderr);
    assert_eq!(picked.lines().len(), 3);
    let url = with_home(&[
        "export",
        "--queue",
        "https://sqs.us-east-1.amazonaws.com/123456789012/zendesk-debug",
    ]);
    assert_eq!(url.lines().len(), events.len());
    let none = with_home(&["export", "--queue", "nope"]);
    assert_eq!(none.status.code(), Some(2));
    assert!(
        none.stderr.contains("no journal of queue nope"),
        "{}",
        none.stderr
    );
}
