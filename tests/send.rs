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

/// `zdwatch send ARGS` through `proxy` (which may act like AWS where moto does not).
fn send_through(proxy: &common::proxy::FaultProxy, args: &[&str]) -> common::Run {
    let mut all = vec!["send"];
    all.extend_from_slice(args);
    run(common::zdwatch_via(&proxy.endpoint, &all), LIMIT)
}

/// AWS refuses PutEvents entries whose source starts with `aws.` (moto takes them): the
/// connector's events go under `zdwatch.aws.partner/…`, where a pattern can still find them.
#[tokio::test(flavor = "multi_thread")]
async fn connector_events_go_on_a_bus_under_a_source_aws_allows() {
    let moto = Moto::start();
    let proxy = common::proxy::FaultProxy::start(&moto.endpoint);
    proxy.act_like_aws();
    let (sqs, eb) = (moto.sqs(), moto.eventbridge());
    eb.create_event_bus()
        .name("zendesk-test")
        .send()
        .await
        .unwrap();
    let url = create_queue(&sqs, "connector-target").await;
    let pattern = r#"{"source": [{"prefix": "zdwatch.aws.partner/zendesk.com"}]}"#;
    common::route_to_queue(&eb, &sqs, "zendesk-test", "connector", pattern, &url).await;
    let bodies = bodies();
    let connector = bodies
        .iter()
        .filter(|b| source_of(b).starts_with("aws.partner/zendesk.com"))
        .count();
    assert!(connector > 0);
    let path = write_capture("send-connector", &capture(&bodies));
    let out = send_through(
        &proxy,
        &["--to-bus", "zendesk-test", "--file", path.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("sent {} events", bodies.len()))
            && out.stderr.contains(&format!(
                "{connector} Events Connector events went under source zdwatch.aws.partner/"
            )),
        "{}",
        out.stderr
    );
    let seen = proxy.put_events_seen();
    assert!(seen.requests > 0);
    assert_eq!(seen.refused_sources, 0, "no aws.* source was put: {seen:?}");
    wait_total(&sqs, &url, connector as u64).await;
}

/// Requests stay within PutEvents' 256 KB, however large the events (ten at a time would not).
#[tokio::test(flavor = "multi_thread")]
async fn large_events_are_put_in_requests_of_at_most_256_kb() {
    let moto = Moto::start();
    let proxy = common::proxy::FaultProxy::start(&moto.endpoint);
    proxy.act_like_aws();
    let eb = moto.eventbridge();
    eb.create_event_bus()
        .name("zendesk-test")
        .send()
        .await
        .unwrap();
    let comment = "x".repeat(60 * 1024);
    let bodies: Vec<Vec<u8>> = (0..12)
        .map(|i| {
            serde_json::to_vec(&serde_json::json!({
                "version": "0", "id": format!("big-{i}"), "source": "zendesk.webhook",
                "detail-type": "zen:event-type:ticket.comment_added", "time": "2026-01-01T00:00:00Z",
                "detail": {"id": format!("{i}"), "type": "zen:event-type:ticket.comment_added",
                           "subject": format!("zen:ticket:{i}"), "detail": {"id": format!("{i}")},
                           "event": {"comment": {"body": comment}}}
            }))
            .unwrap()
        })
        .collect();
    let path = write_capture("send-large", &capture(&bodies));
    let out = send_through(
        &proxy,
        &["--to-bus", "zendesk-test", "--file", path.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", out.stderr);
    assert!(out.stderr.contains("sent 12 events"), "{}", out.stderr);
    let seen = proxy.put_events_seen();
    assert_eq!(seen.too_large, 0, "{seen:?}");
    assert!(
        seen.largest > 3 * 60 * 1024,
        "requests were filled: {seen:?}"
    );
    assert!(seen.requests >= 3, "{seen:?}");
}

/// A throttled entry is tried again; a refusal that would fail again is not.
#[tokio::test(flavor = "multi_thread")]
async fn only_refusals_that_can_pass_are_tried_again() {
    let moto = Moto::start();
    let proxy = common::proxy::FaultProxy::start(&moto.endpoint);
    let eb = moto.eventbridge();
    eb.create_event_bus()
        .name("zendesk-test")
        .send()
        .await
        .unwrap();
    let webhooks: Vec<Vec<u8>> = bodies()
        .into_iter()
        .filter(|b| source_of(b) == "zendesk.webhook")
        .take(5)
        .collect();
    let path = write_capture("send-refused", &capture(&webhooks));
    let args = ["--to-bus", "zendesk-test", "--file", path.to_str().unwrap()];

    proxy.set(common::proxy::Fault::EntryErrors(vec![
        "ThrottlingException",
    ]));
    let out = send_through(&proxy, &args);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(out.stderr.contains("sent 5 events"), "{}", out.stderr);
    assert_eq!(proxy.injected(), 1);

    let before = proxy.forwarded();
    proxy.set(common::proxy::Fault::EntryErrors(vec!["MalformedDetail"]));
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let out = send_through(&proxy, &json_args);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (doc["sent"].as_u64(), doc["refused"].as_u64()),
        (Some(0), Some(5)),
        "{doc}"
    );
    assert!(
        doc["refusals"][0]
            .as_str()
            .unwrap()
            .starts_with("MalformedDetail")
    );
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("sent 0 events")
            && out.stderr.contains("5 refused, e.g. MalformedDetail"),
        "{}",
        out.stderr
    );
    assert_eq!(proxy.injected(), 2, "refused once, not tried again");
    assert_eq!(proxy.forwarded(), before, "nothing more reached the bus");
}
