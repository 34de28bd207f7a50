//! End to end against a real moto_server: EventBridge bus → rule → SQS queue → `zdwatch tail`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on setup failures

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{Moto, create_queue, queue_depth, run, samples, send_bodies};
use serde_json::{Value, json};
use zdwatch_core::event::TicketEvent;

const LIMIT: Duration = Duration::from_secs(120);

/// What must survive the trip through moto: everything decoded from the payload (not the envelope ids).
fn key_of_line(v: &Value) -> String {
    json!([
        v["format"],
        v["kind"],
        v["ticket_id"],
        v["previous"],
        v["current"],
        v["tags_added"],
        v["tags_removed"],
        v["ticket"]["status"],
        v["ticket"]["tags"],
        v["comment"]["body"],
        Value::Null
    ])
    .to_string()
}

fn key_of_event(e: &TicketEvent) -> String {
    json!([
        e.format.as_str(),
        e.kind.as_str(),
        e.ticket_id,
        e.previous,
        e.current,
        e.tags_added,
        e.tags_removed,
        e.ticket.status,
        e.ticket.tags,
        e.comment.as_ref().and_then(|c| c.body.clone()),
        Value::Null
    ])
    .to_string()
}

fn local_decode(body: &[u8]) -> TicketEvent {
    common::decoded(body.to_vec())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_sample_goes_through_eventbridge_and_sqs_and_is_printed_exactly_once() {
    let moto = Moto::start();
    let (sqs, eb) = (moto.sqs(), moto.eventbridge());
    let url = create_queue(&sqs, "zd-debug").await;
    eb.create_event_bus().name("zendesk").send().await.unwrap();
    let pattern = r#"{"source": [{"prefix": ""}]}"#;
    common::route_to_queue(&eb, &sqs, "zendesk", "zd-debug-copy", pattern, &url).await;

    // EventBridge events go onto the bus; everything else (SNS, transformed, malformed) straight to the queue,
    // as a transformer or SNS subscription would deliver it. SQS cannot carry invalid UTF-8: that one is file-only.
    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    let mut entries = Vec::new();
    let mut direct = Vec::new();
    for (name, body) in samples() {
        let Ok(text) = String::from_utf8(body.clone()) else {
            continue;
        };
        *expected
            .entry(key_of_event(&local_decode(&body)))
            .or_default() += 1;
        match serde_json::from_str::<Value>(&text) {
            Ok(v) if v.get("detail-type").is_some() && v["detail"].is_object() => {
                entries.push(
                    aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
                        .event_bus_name("zendesk")
                        .source(v["source"].as_str().unwrap_or("zendesk"))
                        .detail_type(v["detail-type"].as_str().unwrap())
                        .detail(v["detail"].to_string())
                        .build(),
                );
                let _ = name;
            }
            _ => direct.push(text),
        }
    }
    assert!(
        entries.len() > 60 && direct.len() > 5,
        "{} bus events, {} direct",
        entries.len(),
        direct.len()
    );
    for chunk in entries.chunks(10) {
        let out = eb
            .put_events()
            .set_entries(Some(chunk.to_vec()))
            .send()
            .await
            .unwrap();
        assert_eq!(out.failed_entry_count, 0);
    }
    send_bodies(&sqs, &url, &direct).await;
    let total: usize = expected.values().sum();

    let out = run(
        moto.zdwatch(&["tail", "--queue", "zd-debug", "--idle-exit", "4"]),
        LIMIT,
    );
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        out.stderr
    );
    let lines = out.lines();
    let mut printed: BTreeMap<String, usize> = BTreeMap::new();
    for line in &lines {
        *printed.entry(key_of_line(line)).or_default() += 1;
    }
    assert_eq!(
        lines.len(),
        total,
        "each event printed exactly once\n{}",
        out.stderr
    );
    assert_eq!(
        printed, expected,
        "decoded fields survive the trip through EventBridge and SQS"
    );
    assert!(
        lines.iter().all(|l| l["message_id"].is_string()),
        "SQS MessageId kept"
    );
    assert!(lines.iter().any(
        |l| l["format"] == "malformed" && l["raw"].as_str().unwrap().contains("changed status")
    ));

    // Consume mode: everything printed was deleted.
    assert_eq!(queue_depth(&sqs, &url).await, (0, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn peek_prints_everything_once_and_leaves_the_queue_full() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let url = create_queue(&sqs, "zd-peek").await;
    let bodies: Vec<String> = samples()
        .into_iter()
        .filter(|(name, _)| name.starts_with("webhook/"))
        .take(20)
        .map(|(_, b)| String::from_utf8(b).unwrap())
        .collect();
    send_bodies(&sqs, &url, &bodies).await;

    let out = run(
        moto.zdwatch(&["tail", "--queue", &url, "--peek", "--idle-exit", "4"]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    let lines = out.lines();
    assert_eq!(
        lines.len(),
        20,
        "each event once although peeked messages come back\n{}",
        out.stderr
    );
    // Released, not deleted: all 20 are visible again for other consumers.
    let (visible, in_flight) = queue_depth(&sqs, &url).await;
    assert_eq!(visible + in_flight, 20);
    assert_eq!(in_flight, 0, "peek releases at once");
}

/// Peeked messages come straight back; the source gives them back again itself, so they are
/// neither printed again nor counted as duplicate events (tail's summary, shown on a terminal).
#[tokio::test(flavor = "multi_thread")]
async fn peek_does_not_count_a_message_that_comes_back_as_a_duplicate() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let url = create_queue(&sqs, "zd-peek-again").await;
    let bodies: Vec<String> = samples()
        .into_iter()
        .filter(|(name, _)| name.starts_with("webhook/"))
        .take(5)
        .map(|(_, b)| String::from_utf8(b).unwrap())
        .collect();
    send_bodies(&sqs, &url, &bodies).await;
    let mut pty = common::pty::Pty::spawn(
        &[
            "tail",
            "--queue",
            &url,
            "--peek",
            "--idle-exit",
            "4",
            "--format",
            "text",
            "--endpoint-url",
            &moto.endpoint,
            "--region",
            common::REGION,
        ],
        &[
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
        ],
        200,
        40,
    );
    pty.wait_for("events written", LIMIT);
    let screen = pty.screen();
    assert!(
        screen.contains("5 events written, 0 duplicates suppressed"),
        "messages that came back were counted again:\n{screen}"
    );
    pty.wait_exit(LIMIT);
    let (visible, in_flight) = queue_depth(&sqs, &url).await;
    assert_eq!((visible + in_flight, in_flight), (5, 0), "all given back");
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicate_deliveries_are_printed_once_and_consumed() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let url = create_queue(&sqs, "zd-dupes").await;
    let body = String::from_utf8(
        std::fs::read(common::samples_dir().join("webhook/status_changed.json")).unwrap(),
    )
    .unwrap();
    // The same SQS body twice, and a relay retry: same webhook id under a new EventBridge id.
    let mut retry: Value = serde_json::from_str(&body).unwrap();
    retry["id"] = json!("11111111-2222-3333-4444-555555555555");
    let other = String::from_utf8(
        std::fs::read(common::samples_dir().join("webhook/tags_changed.json")).unwrap(),
    )
    .unwrap();
    send_bodies(&sqs, &url, &[body.clone(), body, retry.to_string(), other]).await;

    let out = run(
        moto.zdwatch(&["tail", "--queue", "zd-dupes", "--idle-exit", "3"]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    let lines = out.lines();
    let kinds: Vec<&str> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert!(kinds.contains(&"status_changed") && kinds.contains(&"tags_changed"));
    assert_eq!(
        queue_depth(&sqs, &url).await,
        (0, 0),
        "duplicates are consumed too"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_filter_in_consume_mode_deletes_only_what_it_printed() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let url = create_queue(&sqs, "zd-filter").await;
    let pick = |name: &str| {
        String::from_utf8(std::fs::read(common::samples_dir().join(name)).unwrap()).unwrap()
    };
    let bodies = vec![
        pick("webhook/status_changed.json"),
        pick("legacy/status_changed.json"),
        pick("webhook/tags_changed.json"),
        pick("legacy/comment_added.json"),
        "garbage".to_string(),
    ];
    send_bodies(&sqs, &url, &bodies).await;

    let out = run(
        moto.zdwatch(&[
            "tail",
            "--queue",
            "zd-filter",
            "--filter",
            "type:status_changed",
            "--idle-exit",
            "3",
            "--format",
            "text",
        ]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    let text = out.stdout_text();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.contains("open → solved") && text.contains("new → open"),
        "{text}"
    );
    let (visible, in_flight) = queue_depth(&sqs, &url).await;
    assert_eq!(
        visible + in_flight,
        3,
        "the three events the filter skipped stay in the queue"
    );

    // Without a journal, bodies that cannot match are not even decoded (the prefilter): they
    // stay in the queue all the same, and peek gives them back at once.
    for (queue, mode) in [("zd-pre-consume", None), ("zd-pre-peek", Some("--peek"))] {
        let url = create_queue(&sqs, queue).await;
        send_bodies(&sqs, &url, &bodies).await;
        let mut args = vec![
            "tail",
            "--queue",
            queue,
            "--no-journal",
            "--filter",
            "status:*->solved",
            "--idle-exit",
            "3",
            "--format",
            "text",
        ];
        args.extend(mode);
        let out = run(moto.zdwatch(&args), LIMIT);
        assert!(out.status.success(), "{}", out.stderr);
        let text = out.stdout_text();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains("open → solved"), "{text}");
        let (visible, in_flight) = queue_depth(&sqs, &url).await;
        if mode.is_some() {
            assert_eq!(
                (visible, in_flight),
                (5, 0),
                "{queue}: all visible again at once"
            );
        } else {
            assert_eq!(
                visible + in_flight,
                4,
                "{queue}: only the printed one deleted"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn max_events_stops_early_and_gives_the_rest_back() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let url = create_queue(&sqs, "zd-max").await;
    let bodies: Vec<String> = samples()
        .into_iter()
        .filter(|(name, _)| name.starts_with("legacy/"))
        .map(|(_, b)| String::from_utf8(b).unwrap())
        .collect();
    send_bodies(&sqs, &url, &bodies).await;

    let out = run(
        moto.zdwatch(&[
            "tail",
            "--queue",
            "zd-max",
            "--max-events",
            "5",
            "--pollers",
            "1",
        ]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(out.lines().len(), 5);
    let (visible, in_flight) = queue_depth(&sqs, &url).await;
    assert_eq!(
        visible + in_flight,
        bodies.len() as u64 - 5,
        "exactly the printed five were deleted"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn queues_resolve_by_url_name_and_arn_and_a_missing_queue_explains_itself() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let url = create_queue(&sqs, "zd-names").await;
    let body = String::from_utf8(
        std::fs::read(common::samples_dir().join("webhook/created.json")).unwrap(),
    )
    .unwrap();
    let arn = "arn:aws:sqs:us-east-1:123456789012:zd-names";
    for queue in [url.as_str(), "zd-names", arn] {
        send_bodies(&sqs, &url, std::slice::from_ref(&body)).await;
        let out = run(
            moto.zdwatch(&["tail", "--queue", queue, "--max-events", "1"]),
            LIMIT,
        );
        assert!(out.status.success(), "{queue}: {}", out.stderr);
        assert_eq!(out.lines().len(), 1, "{queue}");
    }

    let out = run(
        moto.zdwatch(&["tail", "--queue", "no-such-queue", "--idle-exit", "1"]),
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("no-such-queue") && out.stderr.contains("check the queue name"),
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_endpoint_is_reported_as_state_and_retried() {
    // A port nothing listens on: zdwatch must say so on stderr and keep going until told to stop.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let mut cmd = common::zdwatch(&[
        "tail",
        "--queue",
        &format!("{endpoint}/123456789012/q"),
        "--idle-exit",
        "3",
    ]);
    cmd.args(["--endpoint-url", &endpoint, "--region", "us-east-1"])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing");
    let out = run(cmd, LIMIT);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stderr.contains("retrying in") && out.stderr.contains("cannot reach the SQS endpoint"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
    // A run that never received anything leaves no empty journal behind.
    let journal = common::data_home()
        .join("zdwatch/journals")
        .join(format!("127.0.0.1_{port}_123456789012_q.db"));
    assert!(!journal.exists(), "{} was left behind", journal.display());
}

/// The endpoint variables keep aws-config's meaning: the service-specific AWS_ENDPOINT_URL_SQS
/// wins over AWS_ENDPOINT_URL (here a port nothing listens on). (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS
/// is aws-config's too; testing it would send requests to AWS itself, which tests never do.)
#[tokio::test(flavor = "multi_thread")]
async fn endpoint_variables_keep_their_sdk_meaning() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let url = create_queue(&sqs, "zd-endpoints").await;
    let body = String::from_utf8(samples()[0].1.clone()).unwrap();
    send_bodies(&sqs, &url, std::slice::from_ref(&body)).await;
    let dead = {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        format!("http://127.0.0.1:{port}")
    };
    let tail = || {
        let mut cmd = common::zdwatch(&[
            "tail",
            "--queue",
            "zd-endpoints",
            "--max-events",
            "1",
            "--no-journal",
            "--peek",
            "--idle-exit",
            "3",
            "--region",
            common::REGION,
        ]);
        cmd.env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_ENDPOINT_URL", &dead)
            .env("AWS_ENDPOINT_URL_SQS", &moto.endpoint);
        run(cmd, LIMIT)
    };
    let out = tail();
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(out.lines().len(), 1, "{}", out.stderr);
}
