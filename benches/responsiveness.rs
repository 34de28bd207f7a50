//! Keys while events pour in (performance issue: "keys stay responsive (≤ 50 ms) while 50,000
//! events/s are arriving", with 1,000,000 events held). Runs the monitor's real event loop
//! (`tui::run`, on ratatui's TestBackend) with 1M events loaded, a source task delivering demo
//! events at 50,000 a second in receives of 10, and a key (`y`, copy the selected event) pressed
//! every 20 ms. A key's latency is from the moment it is sent to the moment the loop carries out
//! its copy; printed as percentiles, with the events taken in. Run with
//! `scripts/bench responsiveness`; results in BENCHMARKS.md. Two runs: without a journal, and with
//! one (SQLite commits on the journal's thread, as when consuming a queue). The threads run at the
//! priorities the monitor gives them (`zdwatch::threads`).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::{SignedDuration, Timestamp};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use zdwatch::app::{App, Config, Msg};
use zdwatch::ingest::Durability;
use zdwatch::tui::Effects;
use zdwatch_journal::{Body, Journals, StoredEvent};
use zdwatch_sources::demo::Simulator;
use zdwatch_sources::{Delivery, Message, SourceEvent, SourceSetBuilder};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const HELD: usize = 1_000_000;
/// Events delivered a second; `ZDWATCH_BENCH_RATE` sets another (to see how many a second the
/// journal can store, deliver more than it keeps up with).
const RATE: usize = 50_000;
const SECONDS: u64 = 10;
const KEY_EVERY: Duration = Duration::from_millis(20);
const QUEUE: &str = "https://sqs.eu-west-1.amazonaws.com/123456789012/zendesk-debug";

/// Demo bodies: the first `held` to load, the rest to deliver live (the simulation goes on, so
/// every event id is new).
fn bodies(held: usize, live: usize) -> (Vec<StoredEvent>, Vec<Vec<u8>>) {
    let start: Timestamp = "2026-01-01T00:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let mut sim = Simulator::new(7, start);
    let mut all = Vec::with_capacity(held + live);
    let mut t = start;
    while all.len() < held + live {
        t += SignedDuration::from_mins(1);
        all.extend(sim.advance(t));
    }
    let rest = all.split_off(held);
    let history = all
        .into_iter()
        .map(|d| StoredEvent {
            body: Body::Raw(d.body),
            message_id: None,
            received_at: d.at,
            source: Some(QUEUE.into()),
            digest: None,
        })
        .collect();
    (
        history,
        rest.into_iter().take(live).map(|d| d.body).collect(),
    )
}

/// Records when each copy (a key carried out) happened.
struct Copies(Arc<Mutex<Vec<Instant>>>);

impl Effects for Copies {
    fn copy(&mut self, _bytes: &[u8]) {
        if let Ok(mut c) = self.0.lock() {
            c.push(Instant::now());
        }
    }
    fn open(&mut self, _url: &str) -> Result<(), String> {
        Ok(())
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

async fn measure(journal: bool, history: Vec<StoredEvent>, live: Vec<Vec<u8>>) {
    let config = Config {
        sources: vec![QUEUE.into()],
        delivery: Delivery::Consume,
        reads_queues: true,
        live: vec![true],
        utc: true,
        zendesk_subdomain: None,
        max_events: HELD,
        order: zdwatch::app::Order::Arrival,
        saved_filters: Vec::new(),
        keymap: Default::default(),
        log_place: None,
        palette: Default::default(),
    };
    let mut app = App::new(config, "", Timestamp::now()).unwrap_or_else(|e| panic!("{e}"));
    let loading = Instant::now();
    app.load_history(history);
    let loaded = loading.elapsed();
    let dir = std::env::temp_dir().join(format!("zdwatch-bench-keys-{}", std::process::id()));
    let mut journals = Journals::default();
    if journal {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        journals
            .add(0, QUEUE, &dir.join("journal.db"))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let durability = Durability::new(journals).unwrap_or_else(|e| panic!("{e}"));
    let held_before = app.store().counters().total;
    let held_after_load = app.store().len();

    let mut builder = SourceSetBuilder::default();
    let ctx = builder.add(QUEUE.into(), None, true);
    let sources = builder.build();
    let total = live.len();
    let feeder = tokio::spawn(async move {
        let started = Instant::now();
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        let per_tick = rate() / 100;
        let mut bodies = live.into_iter().enumerate();
        let mut sent = 0;
        while sent < total {
            tick.tick().await;
            for _ in 0..per_tick / 10 {
                let batch: Vec<Message> = bodies
                    .by_ref()
                    .take(10)
                    .map(|(i, body)| Message {
                        source: 0,
                        body,
                        message_id: Some(format!("m-{i}")),
                        receipt: None,
                        received_at: Timestamp::now(),
                        place: None,
                    })
                    .collect();
                sent += batch.len();
                if batch.is_empty() || ctx.tx.send(SourceEvent::Batch(batch)).await.is_err() {
                    return (sent, started.elapsed());
                }
            }
        }
        (sent, started.elapsed())
    });

    let (keys_tx, keys_rx) = tokio::sync::mpsc::channel(256);
    let sent_at: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let presser = {
        let sent_at = sent_at.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(KEY_EVERY);
            let end = Instant::now() + Duration::from_secs(SECONDS);
            while Instant::now() < end {
                tick.tick().await;
                if let Ok(mut s) = sent_at.lock() {
                    s.push(Instant::now());
                }
                let y = KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE);
                if keys_tx.send(Msg::Key(y)).await.is_err() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            let q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
            let _ = keys_tx.send(Msg::Key(q)).await;
        })
    };

    let copies: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let mut effects = Copies(copies.clone());
    let mut terminal = Terminal::new(TestBackend::new(160, 45)).unwrap_or_else(|e| panic!("{e}"));
    let running = Instant::now();
    zdwatch::tui::run(
        &mut terminal,
        &mut app,
        sources,
        durability,
        keys_rx,
        &mut effects,
        Timestamp::now,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    // The loop returns once everything handed to the journal is on disk.
    let ran = running.elapsed();
    let stored = if journal {
        zdwatch_journal::Journal::open_read_only(&dir.join("journal.db"))
            .and_then(|j| j.count())
            .unwrap_or_else(|e| panic!("{e}"))
    } else {
        0
    };
    let _ = presser.await;
    // The feeder stops at its next send, now that the loop has dropped the channel.
    let (delivered, took) = feeder.await.unwrap_or((0, Duration::ZERO));

    let sent = sent_at.lock().map(|s| s.clone()).unwrap_or_default();
    let done = copies.lock().map(|c| c.clone()).unwrap_or_default();
    let mut latencies: Vec<Duration> = sent.iter().zip(&done).map(|(s, d)| *d - *s).collect();
    latencies.sort();
    let taken = app.store().counters().total - held_before;
    println!(
        "{}: {} events held after loading for {:.1} s, then {} delivered in {:.1} s ({:.0}/s), {} taken in; \
         {} stored in the journal by the end ({:.0}/s over the delivery; run {:.1} s in all); \
         {} keys, {} carried out: latency p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        if journal {
            "with a journal"
        } else {
            "no journal"
        },
        held_after_load,
        loaded.as_secs_f64(),
        delivered,
        took.as_secs_f64(),
        delivered as f64 / took.as_secs_f64().max(1e-9),
        taken,
        stored,
        stored as f64 / took.as_secs_f64().max(1e-9),
        ran.as_secs_f64(),
        sent.len(),
        done.len(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.95).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn rate() -> usize {
    std::env::var("ZDWATCH_BENCH_RATE")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(RATE)
}

fn main() {
    // As the monitor does: decoding and compressing run beneath the event loop.
    zdwatch::threads::start_background_pool();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let live = rate() * SECONDS as usize + rate();
    for journal in [false, true] {
        // A few more than HELD: the demo delivers some events twice, and those are held once.
        let (history, live) = bodies(HELD + HELD / 20, live);
        runtime.block_on(measure(journal, history, live));
    }
}
