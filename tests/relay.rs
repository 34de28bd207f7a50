//! The relay end to end against moto_server: Zendesk simulated (`zdwatch send --to-webhook`, and
//! signed requests made here) → `zdwatch relay` → moto's EventBridge → rule → debug queue →
//! `zdwatch tail`. Refusals put nothing; a bus that cannot be reached gets an answer Zendesk
//! retries, and nothing is lost once it is back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::proxy::{Fault, FaultProxy};
use common::{Moto, capture, route_to_queue, run, write_capture};
use serde_json::Value;
use zdwatch_core::event::Format;
use zdwatch_relay::signature::{SIGNATURE_HEADER, Secret, TIMESTAMP_HEADER, sign};

const SECRET: &str = "relay-test-signing-secret";
const LIMIT: Duration = Duration::from_secs(120);
/// Posting a wave of ~290 events one at a time: each rule target adds about 0.13 s to a put in
/// moto (it parses JSONPaths for every event and target); 84 s with two targets on a quiet
/// 2-core machine, so a loaded one needs more than [`LIMIT`].
const SEND_LIMIT: Duration = Duration::from_secs(400);
const SOURCE_RULE: &str = r#"{"source": ["zendesk.webhook"]}"#;

/// `zdwatch relay` running against `endpoint` until dropped.
struct RelayServer {
    child: Child,
    url: String,
    log: Arc<Mutex<String>>,
}

impl RelayServer {
    fn start(endpoint: &str, bus: &str) -> RelayServer {
        Self::start_with(endpoint, bus, &[])
    }

    /// With more flags (then the secret is not in the environment).
    fn start_with(endpoint: &str, bus: &str, extra: &[&str]) -> RelayServer {
        let mut args = vec![
            "relay",
            "--listen",
            "127.0.0.1:0",
            "--bus",
            bus,
            "--log-level",
            "info",
        ];
        args.extend_from_slice(extra);
        let mut cmd = common::zdwatch_via(endpoint, &args);
        if extra.is_empty() {
            cmd.env("ZENDESK_WEBHOOK_SECRET", SECRET);
        }
        cmd.stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start zdwatch relay");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let kept = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on ").nth(1) {
                    let url = rest
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    let _ = tx.send(url);
                }
                let mut log = kept.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| {
                panic!(
                    "the relay did not say where it listens: {}",
                    log.lock().unwrap()
                )
            });
        RelayServer { child, url, log }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Whether the log comes to say `text` within a few seconds (it is read on another thread).
    fn logs(&self, text: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.log().contains(text) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for RelayServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A bus `zendesk` whose rule sends the relay's events to a new queue `name`; its URL.
async fn bus_and_queue(moto: &Moto, name: &str) -> String {
    let eb = moto.eventbridge();
    let sqs = moto.sqs();
    eb.create_event_bus()
        .name("zendesk")
        .send()
        .await
        .expect("bus");
    // A short visibility timeout: a long poll that the previous `tail` left open when it exited
    // is still answered by the server, and the messages it took come back 2 s later rather than
    // after the default 30 s (as on SQS).
    let url = common::queue_with_visibility(&sqs, name, 2).await;
    route_to_queue(&eb, &sqs, "zendesk", "relay-debug", SOURCE_RULE, &url).await;
    url
}

/// A second queue the bus's events are copied into by a rule of their own (`relay-audit`), read
/// here without zdwatch: `tail` shows an event put twice once (that is its job), so what it
/// shows cannot tell how many times the relay put one.
async fn audit_queue(moto: &Moto, name: &str) -> String {
    let sqs = moto.sqs();
    let url = common::queue_with_visibility(&sqs, name, 2).await;
    route_to_queue(
        &moto.eventbridge(),
        &sqs,
        "zendesk",
        "relay-audit",
        SOURCE_RULE,
        &url,
    )
    .await;
    url
}

/// What reached the audit queue: each webhook id with the EventBridge ids it was put under (one
/// per PutEvents that carried it; SQS handing out one message twice is still one). Read until
/// `expect` webhook ids came and the queue stays empty for a few receives, or [`LIMIT`].
async fn puts_on(moto: &Moto, url: &str, expect: usize) -> BTreeMap<String, BTreeSet<String>> {
    let sqs = moto.sqs();
    let mut puts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let (started, mut empty) = (Instant::now(), 0);
    while (puts.len() < expect || empty < 3) && started.elapsed() < LIMIT {
        let bodies = common::take_some(&sqs, url).await;
        empty = if bodies.is_empty() { empty + 1 } else { 0 };
        for body in bodies {
            let event: Value = serde_json::from_str(&body).expect("an EventBridge event");
            let webhook_id = event["detail"]["id"]
                .as_str()
                .expect("detail.id")
                .to_string();
            let put = event["id"].as_str().expect("id").to_string();
            puts.entry(webhook_id).or_default().insert(put);
        }
    }
    puts
}

/// Each event was put on the bus as many times as it was posted (`posted`, by webhook id), more
/// only when the relay answered 503 and Zendesk retried: a put that timed out (a stalled server on
/// a loaded machine) may have landed all the same (README: "A retry after an answer that was lost
/// puts the event twice"). Fewer would be a 200 for an event not on the bus.
fn assert_puts(
    puts: &BTreeMap<String, BTreeSet<String>>,
    posted: &BTreeMap<String, usize>,
    relay: &RelayServer,
) {
    let log = relay.log();
    assert_eq!(
        puts.keys().collect::<Vec<_>>(),
        posted.keys().collect::<Vec<_>>(),
        "what reached the bus is what was posted"
    );
    for (webhook_id, ids) in puts {
        let times = posted[webhook_id];
        if ids.len() == times {
            continue;
        }
        let asked = format!("event={webhook_id}");
        let retried = log.lines().any(|l| {
            l.contains("Zendesk is asked to retry") && l.split_whitespace().any(|w| w == asked)
        });
        assert!(
            ids.len() > times && retried,
            "{webhook_id} posted {times} times, put on the bus {} times ({ids:?}); relay:\n{log}",
            ids.len()
        );
    }
}

/// Demo deliveries (both formats, SNS-wrapped ones and repeats among them), `minutes` of them.
fn demo_bodies(seed: u64, minutes: i64) -> Vec<Vec<u8>> {
    let start: jiff::Timestamp = "2026-12-01T09:00:00Z".parse().unwrap();
    let mut sim = zdwatch_sources::demo::Simulator::new(seed, start);
    sim.advance(start + jiff::SignedDuration::from_mins(minutes))
        .into_iter()
        .map(|d| d.body)
        .collect()
}

/// Every event `tail` reads from `queue` until it is idle, by event id; `tail` is run again
/// while fewer than `expect` distinct events came (each run ends with its idle wait, in which
/// any that should not be there would come too). Lines are keyed by `event_id`, or by the
/// webhook's own id with `by_webhook_id`.
///
/// One idle `tail` is not enough on a loaded machine: a stall of the local server longer than
/// `--idle-exit` ends it early, and a receive still under way when it ends leaves its messages
/// hidden for the queue's visibility timeout (they are not deleted: a later pass reads them).
/// Each run shows an event once; two runs may both show one (SQS delivers at least once, and a
/// delete that had not landed when the next run received the message is not an error), so how
/// often an event was put is read from an audit queue instead ([`puts_on`]).
fn tail_all(
    moto: &Moto,
    queue: &str,
    by_webhook_id: bool,
    expect: usize,
) -> BTreeMap<String, Value> {
    let key = |line: &Value| -> Value {
        if by_webhook_id {
            line["envelope"]["webhook_id"].clone()
        } else {
            line["event_id"].clone()
        }
    };
    let mut lines = BTreeMap::new();
    let started = std::time::Instant::now();
    loop {
        let out = run(
            moto.zdwatch(&["tail", "--queue", queue, "--idle-exit", "4", "--no-journal"]),
            LIMIT,
        );
        assert!(out.status.success(), "{}", out.stderr);
        for line in out.lines() {
            lines.insert(key(&line).as_str().unwrap().to_string(), line);
        }
        if lines.len() >= expect || started.elapsed() > LIMIT {
            return lines;
        }
    }
}

/// `zdwatch send --to-webhook URL --file CAPTURE`, signing with the relay's secret.
fn send_to_webhook(url: &str, capture: &std::path::Path) -> std::process::Command {
    let mut cmd = common::zdwatch(&[
        "send",
        "--to-webhook",
        url,
        "--file",
        capture.to_str().unwrap(),
    ]);
    cmd.env("ZENDESK_WEBHOOK_SECRET", SECRET);
    cmd
}

fn zendesk_timestamp(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A POST as Zendesk makes it, signed at `at` (or with the signature given).
async fn post(
    url: &str,
    body: &[u8],
    at: jiff::Timestamp,
    signature: Option<&str>,
) -> reqwest::Response {
    let ts = zendesk_timestamp(at);
    let signed = sign(&Secret::new(SECRET), &ts, body);
    reqwest::Client::new()
        .post(url)
        .header(TIMESTAMP_HEADER, &ts)
        .header(SIGNATURE_HEADER, signature.unwrap_or(&signed))
        .header("content-type", "application/json")
        .body(body.to_vec())
        .send()
        .await
        .expect("the relay answers")
}

fn webhook_body(id: &str, ticket: u64, pad: usize) -> Vec<u8> {
    serde_json::json!({
        "type": "zen:event-type:ticket.status_changed",
        "account_id": 22129848,
        "id": id,
        "time": "2026-12-01T09:30:00Z",
        "zendesk_event_version": "2022-11-06",
        "subject": format!("zen:ticket:{ticket}"),
        "detail": {"id": ticket.to_string(), "status": "SOLVED", "subject": "Printer on fire"},
        "event": {"current": "SOLVED", "previous": "OPEN"},
        "pad": "x".repeat(pad),
    })
    .to_string()
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn zendesk_webhooks_reach_the_debug_queue_through_the_relay_once_each_decoded_as_webhook_events()
 {
    let moto = Moto::start();
    let queue = bus_and_queue(&moto, "relay-e2e").await;
    let audit = audit_queue(&moto, "relay-e2e-audit").await;
    let relay = RelayServer::start(&moto.endpoint, "zendesk");
    let health = reqwest::get(format!("{}healthz", relay.url)).await.unwrap();
    assert_eq!(health.status(), 200);

    // Two waves (moto slows down with many messages in one queue), each drained before the next.
    let mut all_ids = BTreeSet::new();
    for (wave, seed) in [(1, 11u64), (2, 12)] {
        let bodies = demo_bodies(seed, 45)[3000..3400].to_vec();
        // What the relay must carry: the webhook events among them (the connector's have no
        // webhook form), as zdwatch decodes them from the demo's own bodies.
        let mut expected: BTreeMap<String, zdwatch_core::event::TicketEvent> = BTreeMap::new();
        let mut webhook_bodies = 0;
        // How many times each webhook event is posted (a repeated delivery is posted again).
        let mut posted: BTreeMap<String, usize> = BTreeMap::new();
        for b in &bodies {
            let e = common::decoded(b.clone());
            if e.format == Format::Webhook {
                webhook_bodies += 1;
                *posted
                    .entry(e.envelope.webhook_id.clone().expect("a webhook id"))
                    .or_default() += 1;
                expected.insert(e.event_id.clone(), e);
            }
        }
        assert!(
            (150..=400).contains(&webhook_bodies) && expected.len() < webhook_bodies,
            "wave {wave}: {webhook_bodies} webhook bodies, {} events (repeats expected among them)",
            expected.len()
        );
        let path = write_capture(&format!("relay-wave-{wave}"), &capture(&bodies));
        let out = run(send_to_webhook(&relay.url, &path), SEND_LIMIT);
        assert!(
            out.status.success(),
            "{}\nrelay:\n{}",
            out.stderr,
            relay.log()
        );
        assert!(
            out.stderr
                .contains(&format!("posted {webhook_bodies} webhook events"))
                && out
                    .stderr
                    .contains(&format!("skipped {} bodies", bodies.len() - webhook_bodies)),
            "{}",
            out.stderr
        );

        let lines = tail_all(&moto, &queue, false, expected.len());
        let missing: Vec<_> = expected
            .keys()
            .filter(|k| !lines.contains_key(*k))
            .collect();
        let extra: Vec<_> = lines
            .keys()
            .filter(|k| !expected.contains_key(*k))
            .collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "wave {wave}: of {} events, missing {missing:?}, extra {extra:?}",
            expected.len()
        );
        // Put once for each post (what `tail` cannot tell: it shows a repeat once).
        let puts = puts_on(&moto, &audit, posted.len()).await;
        assert_puts(&puts, &posted, &relay);
        for (id, line) in &lines {
            let want = &expected[id];
            assert_eq!(line["format"], "webhook", "{line}");
            assert_eq!(line["envelope"]["source"], "zendesk.webhook", "{line}");
            assert_eq!(
                line["envelope"]["detail_type"],
                format!("zen:event-type:ticket.{}", line["kind"].as_str().unwrap()).as_str(),
                "{line}"
            );
            // The same ticket (its timeline), kind, change and time as the body Zendesk sent.
            assert_eq!(line["ticket_id"].as_u64(), want.ticket_id, "{line}");
            assert_eq!(line["kind"].as_str(), Some(want.kind.as_str()), "{line}");
            assert_eq!(
                line["previous"].as_str(),
                want.previous.as_deref(),
                "{line}"
            );
            assert_eq!(line["current"].as_str(), want.current.as_deref(), "{line}");
            let occurred: Option<jiff::Timestamp> =
                line["occurred_at"].as_str().map(|t| t.parse().unwrap());
            assert_eq!(occurred, want.occurred_at, "{line}");
            assert!(all_ids.insert(id.clone()), "a new event in each wave");
        }
    }
    // The relay logs what it put, never a body.
    assert!(relay.logs("put on the bus"), "{}", relay.log());
    let log = relay.log();
    assert!(!log.contains("\"detail\""), "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_signatures_stale_requests_and_bodies_that_cannot_go_on_the_bus_are_refused_with_nothing_put()
 {
    let moto = Moto::start();
    let queue = bus_and_queue(&moto, "relay-refusals").await;
    let relay = RelayServer::start(&moto.endpoint, "zendesk");
    let now = jiff::Timestamp::now();
    let good = webhook_body("refusal-good", 41, 0);

    let other_secret = sign(
        &Secret::new("not-the-secret"),
        &zendesk_timestamp(now),
        &good,
    );
    // (what, body, signed at, signature if not the right one, status)
    type Case<'a> = (&'a str, Vec<u8>, jiff::Timestamp, Option<&'a str>, u16);
    let cases: Vec<Case> = vec![
        (
            "another secret",
            good.clone(),
            now,
            Some(other_secret.as_str()),
            401,
        ),
        ("no base64", good.clone(), now, Some("%%%"), 401),
        (
            "six minutes old",
            good.clone(),
            now - jiff::SignedDuration::from_mins(6),
            None,
            401,
        ),
        (
            "six minutes ahead",
            good.clone(),
            now + jiff::SignedDuration::from_mins(6),
            None,
            401,
        ),
        (
            "not JSON",
            b"Printer on fire, not JSON".to_vec(),
            now,
            None,
            400,
        ),
        (
            "not a Zendesk event",
            br#"{"hello":"Printer on fire"}"#.to_vec(),
            now,
            None,
            400,
        ),
        (
            "over 256 KB",
            webhook_body("refusal-large", 42, 256 * 1024),
            now,
            None,
            413,
        ),
        (
            "far over 256 KB",
            webhook_body("refusal-huge", 43, 2 * 1024 * 1024),
            now,
            None,
            413,
        ),
    ];
    for (what, body, at, signature, status) in &cases {
        let r = post(&relay.url, body, *at, *signature).await;
        assert_eq!(r.status().as_u16(), *status, "{what}");
        assert!(
            r.headers().get("retry-after").is_none(),
            "{what}: not to be retried"
        );
    }
    // Unsigned: no headers at all.
    let r = reqwest::Client::new()
        .post(&relay.url)
        .body(good.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);

    // The good one goes through, and it is the only event on the queue.
    let r = post(&relay.url, &good, now, None).await;
    assert_eq!(r.status().as_u16(), 200, "{}", relay.log());
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["event_id"], "refusal-good");
    let lines = tail_all(&moto, &queue, true, 1);
    assert_eq!(
        lines.keys().collect::<Vec<_>>(),
        vec!["refusal-good"],
        "nothing refused was put"
    );

    // Each refusal has a log line with its reason; no body text is logged.
    for reason in [
        "does not match",
        "ago, longer than",
        "in the future",
        "not JSON",
        "not a Zendesk event",
        "bytes as EventBridge counts it",
    ] {
        assert!(relay.logs(reason), "{reason}: {}", relay.log());
    }
    let log = relay.log();
    assert!(!log.contains("Printer on fire"), "{log}");
    assert!(!log.contains(SECRET), "{log}");

    // A signed event whose id would clear the terminal of whoever reads the log: put, and
    // logged escaped.
    let hostile = webhook_body("hostile-\u{1b}[2J-\u{202e}", 44, 0);
    let r = post(&relay.url, &hostile, now, None).await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(relay.logs("hostile-\\x1b[2J-\\u{202e}"), "{}", relay.log());
    assert!(!relay.log().contains('\u{1b}') && !relay.log().contains('\u{202e}'));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bus_out_of_reach_gets_answers_zendesk_retries_and_nothing_is_lost_once_it_is_back() {
    let moto = Moto::start();
    let queue = bus_and_queue(&moto, "relay-faults").await;
    let audit = audit_queue(&moto, "relay-faults-audit").await;
    let proxy = FaultProxy::start(&moto.endpoint);
    let relay = RelayServer::start(&proxy.endpoint, "zendesk");
    let now = jiff::Timestamp::now();

    // Unreachable: 503 with a Retry-After under a minute (Zendesk retries only then).
    proxy.set(Fault::Down);
    let r = post(&relay.url, &webhook_body("fault-down", 51, 0), now, None).await;
    assert_eq!(r.status().as_u16(), 503, "{}", relay.log());
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 0 && wait < 60, "{wait}");
    // Throttled: 429, also retried. Refused for good (no permission): 502, not retried.
    proxy.set(Fault::EntryErrors(vec!["ThrottlingException"]));
    let r = post(
        &relay.url,
        &webhook_body("fault-throttled", 52, 0),
        now,
        None,
    )
    .await;
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().get("retry-after").is_some());
    proxy.set(Fault::FailTarget(
        "AWSEvents.PutEvents",
        400,
        "AccessDeniedException",
    ));
    let r = post(&relay.url, &webhook_body("fault-denied", 53, 0), now, None).await;
    assert_eq!(r.status().as_u16(), 502);
    assert!(r.headers().get("retry-after").is_none());
    assert!(relay.logs("AccessDeniedException"), "{}", relay.log());

    // Zendesk (simulated) sends while the bus is gone; it comes back a few seconds later, and
    // the retries the 503s asked for bring every event through.
    proxy.set(Fault::Down);
    let bodies: Vec<Vec<u8>> = (0..20)
        .map(|i| webhook_body(&format!("fault-{i}"), 60 + i, 0))
        .collect();
    let path = write_capture("relay-faults", &capture(&bodies));
    let cmd = send_to_webhook(&relay.url, &path);
    let sender = std::thread::spawn(move || run(cmd, LIMIT));
    let start = Instant::now();
    while proxy.injected() < 3 && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(100));
    }
    proxy.set(Fault::None);
    let out = sender.join().unwrap();
    assert!(
        out.status.success(),
        "{}\nrelay:\n{}",
        out.stderr,
        relay.log()
    );
    assert!(
        out.stderr.contains("posted 20 webhook events") && out.stderr.contains("retries"),
        "{}",
        out.stderr
    );
    let lines = tail_all(&moto, &queue, true, 20);
    let want: BTreeSet<String> = (0..20).map(|i| format!("fault-{i}")).collect();
    assert_eq!(
        lines.keys().cloned().collect::<BTreeSet<_>>(),
        want,
        "nothing lost, nothing refused put"
    );
    let posted = want.iter().map(|id| (id.clone(), 1)).collect();
    assert_puts(&puts_on(&moto, &audit, 20).await, &posted, &relay);
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_sends_one_signed_event_through_the_relay_and_finds_it_on_the_queue_or_says_which_hop_failed()
 {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let queue = bus_and_queue(&moto, "relay-doctor").await;
    // Someone else's message on the shared debug queue: doctor leaves it there.
    common::send_bodies(&sqs, &queue, &["{\"not\": \"doctor's\"}".to_string()]).await;
    let unrouted = common::create_queue(&sqs, "relay-doctor-unrouted").await;
    let relay = RelayServer::start(&moto.endpoint, "zendesk");
    let doctor = |queue: &str, secret: &str, extra: &[&str]| {
        let mut args = vec!["doctor", "--relay", &relay.url, "--queue", queue];
        args.extend_from_slice(extra);
        let mut cmd = moto.zdwatch(&args);
        cmd.env("ZENDESK_WEBHOOK_SECRET", secret);
        run(cmd, LIMIT)
    };

    let out = doctor("relay-doctor", SECRET, &[]);
    let text = out.stdout_text();
    assert!(out.status.success(), "{text}\n{}", out.stderr);
    for line in ["✓ relay", "✓ queue", "✓ decode"] {
        assert!(text.contains(line), "{line}: {text}");
    }
    assert!(text.contains("reads it as a webhook event"), "{text}");
    // Only the test event was taken: the other message is back for its readers at once.
    let mut depth = (0, 0);
    for _ in 0..50 {
        depth = common::queue_depth(&sqs, &queue).await;
        if depth == (1, 0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(depth, (1, 0), "the other message stays, visible");

    // The wrong secret: the relay hop fails, and says what to look at.
    let out = doctor("relay-doctor", "not the relay's secret", &[]);
    let text = out.stdout_text();
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("✗ relay") && text.contains("signature was refused"),
        "{text}"
    );
    // A queue no rule sends to: the queue hop fails after --wait.
    let out = doctor(&unrouted, SECRET, &["--wait", "3s"]);
    let text = out.stdout_text();
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("✓ relay") && text.contains("✗ queue") && text.contains("did not reach"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_signing_secret_comes_from_secrets_manager_or_parameter_store_and_a_relay_without_one_does_not_start()
 {
    let moto = Moto::start();
    let config = moto.sdk_config();
    moto.eventbridge()
        .create_event_bus()
        .name("zendesk")
        .send()
        .await
        .unwrap();
    aws_sdk_secretsmanager::Client::new(&config)
        .create_secret()
        .name("zendesk/webhook")
        .secret_string(format!("{SECRET}\n"))
        .send()
        .await
        .unwrap();
    aws_sdk_ssm::Client::new(&config)
        .put_parameter()
        .name("/zendesk/webhook-secret")
        .value(SECRET)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    let body = webhook_body("secret-source", 71, 0);
    for flags in [
        ["--secret-id", "zendesk/webhook"],
        ["--secret-parameter", "/zendesk/webhook-secret"],
    ] {
        let relay = RelayServer::start_with(&moto.endpoint, "zendesk", &flags);
        let r = post(&relay.url, &body, jiff::Timestamp::now(), None).await;
        assert_eq!(r.status().as_u16(), 200, "{flags:?}: {}", relay.log());
    }
    // No secret where it is said to be: the relay does not start (it would refuse every request).
    let out = run(
        moto.zdwatch(&[
            "relay",
            "--listen",
            "127.0.0.1:0",
            "--bus",
            "zendesk",
            "--secret-id",
            "missing",
        ]),
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("no signing secret") && out.stderr.contains("missing"),
        "{}",
        out.stderr
    );
    let out = run(
        moto.zdwatch(&["relay", "--listen", "127.0.0.1:0", "--bus", "zendesk"]),
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("ZENDESK_WEBHOOK_SECRET holds no secret"),
        "{}",
        out.stderr
    );
}

/// A webhook's secret is reset in Zendesk and the new one stored: the relay reads it again on the
/// first signature that does not match and takes it up without a restart; it reads again at most
/// every 30 seconds (a flood of forged requests is not a flood of reads), and never logs a secret.
#[tokio::test(flavor = "multi_thread")]
async fn a_reset_signing_secret_is_taken_up_from_where_it_is_kept_without_a_restart() {
    const ROTATED: &str = "relay-test-rotated-secret";
    const AGAIN: &str = "relay-test-rotated-once-more";
    let moto = Moto::start();
    let config = moto.sdk_config();
    bus_and_queue(&moto, "rotation").await;
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    secrets
        .create_secret()
        .name("zendesk/webhook")
        .secret_string(SECRET)
        .send()
        .await
        .unwrap();
    let ssm = aws_sdk_ssm::Client::new(&config);
    let store = |value: &'static str, parameter: bool| {
        let (secrets, ssm) = (secrets.clone(), ssm.clone());
        async move {
            if parameter {
                ssm.put_parameter()
                    .name("/zendesk/webhook-secret")
                    .value(value)
                    .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
                    .overwrite(true)
                    .send()
                    .await
                    .map(|_| ())
                    .unwrap();
            } else {
                secrets
                    .put_secret_value()
                    .secret_id("zendesk/webhook")
                    .secret_string(value)
                    .send()
                    .await
                    .map(|_| ())
                    .unwrap();
            }
        }
    };
    let signed_with = |secret: &str, body: &[u8], at: jiff::Timestamp| {
        sign(&Secret::new(secret), &zendesk_timestamp(at), body)
    };
    for (flags, parameter) in [
        (["--secret-id", "zendesk/webhook"], false),
        (["--secret-parameter", "/zendesk/webhook-secret"], true),
    ] {
        store(SECRET, parameter).await;
        let relay = RelayServer::start_with(&moto.endpoint, "zendesk", &flags);
        let now = jiff::Timestamp::now;
        let first = webhook_body("before-reset", 81, 0);
        let r = post(&relay.url, &first, now(), None).await;
        assert_eq!(r.status().as_u16(), 200, "{flags:?}: {}", relay.log());

        // Reset in Zendesk, stored where the relay reads it: the next request is taken.
        store(ROTATED, parameter).await;
        let body = webhook_body("after-reset", 82, 0);
        let at = now();
        let r = post(
            &relay.url,
            &body,
            at,
            Some(&signed_with(ROTATED, &body, at)),
        )
        .await;
        assert_eq!(r.status().as_u16(), 200, "{flags:?}: {}", relay.log());
        assert!(relay.logs("the signing secret changed"), "{}", relay.log());

        // The old secret no longer passes; a second reset within 30 s is not read yet.
        let at = now();
        let r = post(&relay.url, &body, at, Some(&signed_with(SECRET, &body, at))).await;
        assert_eq!(r.status().as_u16(), 401, "{flags:?}: {}", relay.log());
        store(AGAIN, parameter).await;
        let at = now();
        let r = post(&relay.url, &body, at, Some(&signed_with(AGAIN, &body, at))).await;
        assert_eq!(r.status().as_u16(), 401, "{flags:?}: {}", relay.log());
        let log = relay.log();
        assert_eq!(
            log.matches("the signing secret changed").count(),
            1,
            "{log}"
        );
        for secret in [SECRET, ROTATED, AGAIN] {
            assert!(!log.contains(secret), "the log shows a secret: {log}");
        }
    }
}

/// A relay looks at its bus before it takes requests: a bus that does not exist would have every
/// event refused for good (502, which Zendesk does not retry), so it does not start; a bus it may
/// not look at (no `events:DescribeEventBus`) is no reason to stop, and it says so.
#[tokio::test(flavor = "multi_thread")]
async fn a_relay_whose_bus_does_not_exist_does_not_start_and_one_it_cannot_look_at_starts_and_says_so()
 {
    let moto = Moto::start();
    let queue = bus_and_queue(&moto, "relay-bus-check").await;
    let mut cmd = moto.zdwatch(&["relay", "--listen", "127.0.0.1:0", "--bus", "zendesk-typo"]);
    cmd.env("ZENDESK_WEBHOOK_SECRET", SECRET);
    let out = run(cmd, LIMIT);
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("no event bus zendesk-typo"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("listening on"), "{}", out.stderr);

    let proxy = FaultProxy::start(&moto.endpoint);
    proxy.set(Fault::FailTarget(
        "AWSEvents.DescribeEventBus",
        400,
        "AccessDeniedException",
    ));
    let relay = RelayServer::start(&proxy.endpoint, "zendesk");
    assert!(
        relay.logs("could not look at the bus before starting"),
        "{}",
        relay.log()
    );
    let r = post(
        &relay.url,
        &webhook_body("bus-unchecked", 91, 0),
        jiff::Timestamp::now(),
        None,
    )
    .await;
    assert_eq!(r.status().as_u16(), 200, "{}", relay.log());
    let lines = tail_all(&moto, &queue, true, 1);
    assert_eq!(lines.keys().collect::<Vec<_>>(), ["bus-unchecked"]);
    assert_eq!(lines["bus-unchecked"]["ticket_id"], 91);
}
