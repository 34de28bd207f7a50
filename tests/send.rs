//! `zdwatch send` against moto_server: bodies onto a queue, EventBridge events onto a bus whose
//! rule forwards them to a queue, demo events at a rate, and the production guard.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Moto, capture, create_queue, run, samples, wait_total, write_capture};
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(60);

/// `zdwatch send ARGS` that must succeed and say it sent `n` events.
fn send_ok(moto: &Moto, args: &[&str], n: usize) {
    let mut all = vec!["send"];
    all.extend_from_slice(args);
    let out = run(moto.zdwatch(&all), LIMIT);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("sent {n} events")),
        "{}",
        out.stderr
    );
}

/// The webhook and legacy samples, and the SNS-wrapped ones.
fn bodies() -> Vec<Vec<u8>> {
    samples()
        .into_iter()
        .filter(|(name, _)| {
            name.starts_with("webhook/") || name.starts_with("legacy/") || name.contains("sns-")
        })
        .map(|(_, b)| b)
        .collect()
}

fn source_of(body: &[u8]) -> String {
    let mut v: Value = serde_json::from_slice(body).unwrap();
    if v["Type"] == "Notification" {
        v = serde_json::from_str(v["Message"].as_str().unwrap()).unwrap();
    }
    v["source"].as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_go_to_a_queue_as_they_are() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let url = create_queue(&sqs, "send-target").await;
    let bodies = bodies();
    let path = write_capture("send-queue", &capture(&bodies));
    send_ok(
        &moto,
        &[
            "--to-queue",
            "send-target",
            "--file",
            path.to_str().unwrap(),
        ],
        bodies.len(),
    );
    wait_total(&sqs, &url, bodies.len() as u64).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn events_go_onto_a_bus_and_its_rule_forwards_them() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let eb = moto.eventbridge();
    eb.create_event_bus()
        .name("zendesk-test")
        .send()
        .await
        .unwrap();
    let url = create_queue(&sqs, "rule-target").await;
    let pattern = r#"{"source": ["zendesk.webhook"]}"#;
    common::route_to_queue(&eb, &sqs, "zendesk-test", "webhooks", pattern, &url).await;
    let bodies = bodies();
    let webhooks = bodies
        .iter()
        .filter(|b| source_of(b) == "zendesk.webhook")
        .count();
    assert!(webhooks > 0 && webhooks < bodies.len());
    let path = write_capture("send-bus", &capture(&bodies));
    send_ok(
        &moto,
        &["--to-bus", "zendesk-test", "--file", path.to_str().unwrap()],
        bodies.len(),
    );
    // Only what the rule's pattern selects reaches its queue.
    wait_total(&sqs, &url, webhooks as u64).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_events_at_a_rate_and_the_production_guard() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let url = create_queue(&sqs, "send-demo").await;
    let started = Instant::now();
    let args = [
        "--to-queue",
        "send-demo",
        "--demo",
        "--rate",
        "60/s",
        "--duration",
        "2s",
    ];
    send_ok(&moto, &args, 120);
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "paced, not all at once"
    );
    wait_total(&sqs, &url, 120).await;

    let refused = run(
        moto.zdwatch(&[
            "send",
            "--to-bus",
            "zendesk-prod",
            "--demo",
            "--duration",
            "1s",
        ]),
        LIMIT,
    );
    assert_eq!(refused.status.code(), Some(2), "{}", refused.stderr);
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
}

/// Demo traffic looks real: nothing happens in the future, and each run sends new events
/// (the same ones again only with the same --seed).
#[tokio::test(flavor = "multi_thread")]
async fn demo_traffic_is_never_in_the_future_and_new_each_run() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let url = create_queue(&sqs, "send-demo-times").await;
    let args = [
        "--to-queue",
        "send-demo-times",
        "--demo",
        "--rate",
        "100/s",
        "--duration",
        "1s",
    ];
    let run_once = |extra: &'static [&'static str]| {
        let (moto, sqs, url) = (&moto, &sqs, &url);
        async move {
            let mut all = args.to_vec();
            all.extend_from_slice(extra);
            send_ok(moto, &all, 100);
            let after = jiff::Timestamp::now();
            let events: Vec<_> = common::drain_bodies(sqs, url)
                .await
                .into_iter()
                .map(common::decoded)
                .collect();
            assert_eq!(events.len(), 100);
            for e in &events {
                let t = e.occurred_at.unwrap();
                assert!(
                    t <= after,
                    "{} happens in the future ({t} > {after})",
                    e.event_id
                );
            }
            events
                .into_iter()
                .map(|e| e.event_id)
                .collect::<std::collections::HashSet<String>>()
        }
    };
    let first = run_once(&[]).await;
    let second = run_once(&[]).await;
    // The demo itself delivers some events twice (as queues do); two runs share none.
    assert!(first.is_disjoint(&second), "a second run repeats events");
    let a = run_once(&["--seed", "7"]).await;
    let b = run_once(&["--seed", "7"]).await;
    assert_eq!(a, b, "the same seed sends the same events");
}
