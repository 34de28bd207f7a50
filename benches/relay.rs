//! The relay (issue 23): (1) criterion: its own work per request — check the signature, read the
//! body into a PutEvents entry, build the SDK's request entry — on a typical webhook body from the
//! demo and on one of 200 KB; (2) the rate `zdwatch relay` (release binary) holds against
//! moto_server's EventBridge, 16 requests in flight for 15 s, with p50/p99 latency, signed
//! requests made here. Zendesk's own ceiling to compare with: a few thousand events a minute per
//! account. Run with `scripts/bench relay`; results in BENCHMARKS.md.

#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "../tests/common/moto.rs"]
mod moto;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use zdwatch_relay::signature::{SIGNATURE_HEADER, Secret, TIMESTAMP_HEADER, sign, verify};

const SECRET: &str = "bench-signing-secret";

/// Webhook payloads of the demo (its webhook events' bodies as Zendesk sends them).
fn demo_payloads(n: usize) -> Vec<Vec<u8>> {
    let start: jiff::Timestamp = "2026-12-01T09:00:00Z".parse().unwrap();
    let mut sim = zdwatch_sources::demo::Simulator::new(7, start);
    let mut out = Vec::new();
    let mut t = start;
    while out.len() < n {
        t += jiff::SignedDuration::from_mins(1);
        out.extend(
            sim.advance(t)
                .into_iter()
                .filter_map(|d| zdwatch_sources::webhook::webhook_payload(&d.body)),
        );
    }
    out.truncate(n);
    out
}

fn per_request(c: &mut Criterion) {
    let secret = Secret::new(SECRET);
    let typical = demo_payloads(1).remove(0);
    let mut large: serde_json::Value = serde_json::from_slice(&typical).unwrap();
    large["detail"]["description"] = "x".repeat(200 * 1024).into();
    let large = serde_json::to_vec(&large).unwrap();
    let mut group = c.benchmark_group("relay per request");
    for (name, body) in [("demo webhook", &typical), ("200 KB webhook", &large)] {
        let ts = "2026-12-03T10:00:00Z";
        let signature = sign(&secret, ts, body);
        let now: jiff::Timestamp = "2026-12-03T10:00:01Z".parse().unwrap();
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(format!("{name} ({} bytes)", body.len()), |b| {
            b.iter(|| {
                verify(
                    &secret,
                    Some(ts),
                    Some(&signature),
                    body,
                    now,
                    zdwatch_relay::DEFAULT_WINDOW,
                )
                .unwrap();
                let entry =
                    zdwatch_relay::entry::entry(body, zdwatch_relay::DEFAULT_SOURCE).unwrap();
                zdwatch_relay::bus::request_entry("zendesk", &entry)
            })
        });
    }
    group.finish();
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[(((sorted.len() - 1) as f64) * p).round() as usize]
}

/// `zdwatch relay` against moto for `seconds`, `in_flight` requests at a time.
fn sustained(in_flight: usize, seconds: u64) {
    let moto = moto::Moto::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        aws_sdk_eventbridge::Client::new(&moto.sdk_config())
            .create_event_bus()
            .name("zendesk")
            .send()
            .await
            .unwrap();
    });
    let mut relay = Command::new(env!("CARGO_BIN_EXE_zdwatch"))
        .args([
            "relay",
            "--listen",
            "127.0.0.1:0",
            "--bus",
            "zendesk",
            "--endpoint-url",
            &moto.endpoint,
        ])
        .args(["--region", moto::REGION])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("ZENDESK_WEBHOOK_SECRET", SECRET)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("zdwatch relay");
    let mut lines = BufReader::new(relay.stderr.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("the relay's address").unwrap();
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let payloads = Arc::new(demo_payloads(2000));
    let (latencies, failures) = rt.block_on(async {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        for worker in 0..in_flight {
            let (client, url, payloads) = (client.clone(), url.clone(), payloads.clone());
            tasks.push(tokio::spawn(async move {
                let secret = Secret::new(SECRET);
                let (mut times, mut failures, mut i) = (Vec::new(), 0u64, worker);
                while Instant::now() < deadline {
                    let body = &payloads[i % payloads.len()];
                    i += in_flight;
                    let ts = jiff::Timestamp::now()
                        .strftime("%Y-%m-%dT%H:%M:%SZ")
                        .to_string();
                    let started = Instant::now();
                    let r = client
                        .post(&url)
                        .header(TIMESTAMP_HEADER, &ts)
                        .header(SIGNATURE_HEADER, sign(&secret, &ts, body))
                        .body(body.clone())
                        .send()
                        .await;
                    match r {
                        Ok(r) if r.status() == 200 => times.push(started.elapsed()),
                        _ => failures += 1,
                    }
                }
                (times, failures)
            }));
        }
        let (mut all, mut failures) = (Vec::new(), 0);
        for t in tasks {
            let (times, f) = t.await.unwrap();
            all.extend(times);
            failures += f;
        }
        (all, failures)
    });
    let _ = relay.kill();
    let _ = relay.wait();
    let mut sorted = latencies;
    sorted.sort();
    println!(
        "relay sustained, {in_flight} in flight for {seconds} s against moto_server: {} events put ({:.0}/s, {:.0}/min), {failures} failed; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        sorted.len(),
        sorted.len() as f64 / seconds as f64,
        sorted.len() as f64 * 60.0 / seconds as f64,
        percentile(&sorted, 0.5).as_secs_f64() * 1e3,
        percentile(&sorted, 0.99).as_secs_f64() * 1e3,
        sorted.last().unwrap().as_secs_f64() * 1e3,
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    per_request(&mut c);
    c.final_summary();
    // `cargo bench -- <filter>` with a filter that names neither skips the moto run.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if filter.is_none_or(|f| "relay sustained".contains(f.as_str())) {
        sustained(16, 15);
    }
}
