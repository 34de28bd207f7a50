//! Journal benchmarks (issue: durable local event store). Run with `scripts/bench journal`;
//! results go in BENCHMARKS.md. Inputs are demo events (both formats, SNS-wrapped and duplicate
//! deliveries), generated with a fixed seed so every run measures the same bytes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};
use zdwatch::app::{App, Config, HISTORY_SLICE};
use zdwatch_core::event::{Received, TicketEvent, decode};
use zdwatch_journal::Journal;
use zdwatch_sources::Delivery;
use zdwatch_sources::demo::Simulator;

/// As in the binary: what reopening allocates and frees is timed with the allocator that ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn demo_events(seed: u64, n: usize) -> Vec<TicketEvent> {
    let start: Timestamp = "2026-01-01T00:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let mut sim = Simulator::new(seed, start);
    let mut out = Vec::with_capacity(n);
    let mut t = start;
    while out.len() < n {
        t += SignedDuration::from_mins(1);
        out.extend(sim.advance(t).into_iter().map(|d| {
            decode(Received {
                body: d.body,
                message_id: None,
                received_at: d.at,
            })
        }));
    }
    out.truncate(n);
    out
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("bench-data");
    let _ = std::fs::create_dir_all(&dir);
    dir.join(name)
}

fn remove_journal(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// Stores `events` in commits of `per_commit`.
fn append_in(journal: &mut Journal, events: &[TicketEvent], per_commit: usize) {
    for chunk in events.chunks(per_commit) {
        journal
            .append("bench", chunk)
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

/// Storing what a busy queue delivers: batches of 1,000 events, one synchronous commit each.
fn ingest(c: &mut Criterion) {
    let events = demo_events(1, 20_000);
    let path = scratch("ingest.db");
    let mut group = c.benchmark_group("journal");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.sample_size(10);
    group.bench_function("append 20k events, 1k per commit", |b| {
        b.iter_batched(
            || {
                remove_journal(&path);
                Journal::open(&path).unwrap_or_else(|e| panic!("{e}"))
            },
            |mut journal| append_in(&mut journal, &events, 1000),
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

/// Storing into a journal that already holds 400,000 events (and grows by 20,000 each timing, as a
/// long-running journal does): what a commit rewrites depends on how its indexes grow.
fn ingest_into_large(c: &mut Criterion) {
    const HELD: usize = 400_000;
    const EACH: usize = 20_000;
    let path = scratch("large.db");
    remove_journal(&path);
    let mut journal = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
    append_in(&mut journal, &demo_events(1, HELD), 5000);
    // Events never stored before: independent simulations, one after the other.
    let mut seed = 1000;
    let mut pool: Vec<TicketEvent> = Vec::new();
    let mut group = c.benchmark_group("journal");
    group.throughput(Throughput::Elements(EACH as u64));
    group.sample_size(10);
    group.bench_function(
        "append 20k events to a journal of 400k+, 2k per commit",
        |b| {
            b.iter_batched(
                || {
                    if pool.len() < EACH {
                        pool = demo_events(seed, 200_000);
                        seed += 1;
                    }
                    pool.split_off(pool.len() - EACH)
                },
                |events| append_in(&mut journal, &events, 2000),
                BatchSize::PerIteration,
            );
        },
    );
    group.finish();
    drop(journal);
    remove_journal(&path);
}

/// A journal of a million distinct events, as this build writes them (built once, kept in
/// target/bench-data, one file per schema version: from 4 on, bodies compressed).
fn million() -> PathBuf {
    const N: u64 = 1_000_000;
    let path = scratch(&format!(
        "million-schema{}.db",
        zdwatch_journal::SCHEMA_VERSION
    ));
    let count = |p: &Path| {
        Journal::open_read_only(p)
            .and_then(|j| j.count())
            .unwrap_or(0)
    };
    if count(&path) < N {
        remove_journal(&path);
        let mut journal = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
        // Independent simulations (their ids never collide), 100k deliveries at a time; the
        // journal keeps one row per event, so duplicate deliveries do not count.
        let mut seed = 100;
        while count(&path) < N {
            append_in(&mut journal, &demo_events(seed, 100_000), 5000);
            seed += 1;
        }
    }
    path
}

/// Opening the monitor on a journal of a million events: read the newest events, decode them,
/// build the in-memory store and timelines index.
fn reopen(c: &mut Criterion) {
    let path = million();
    let mut group = c.benchmark_group("reopen 1M-event journal");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    // The default `--max-events` (500,000), and all of it.
    for held in [500_000usize, 1_000_000] {
        group.throughput(Throughput::Elements(held as u64));
        group.bench_function(format!("load the newest {held}"), |b| {
            b.iter(|| {
                let journal = Journal::open_read_only(&path).unwrap_or_else(|e| panic!("{e}"));
                let config = Config {
                    sources: vec!["bench".into()],
                    delivery: Delivery::Consume,
                    reads_queues: true,
                    live: vec![true],
                    utc: true,
                    zendesk_subdomain: None,
                    order: zdwatch::app::Order::Arrival,
                    max_events: held,
                    saved_filters: Vec::new(),
                    keymap: Default::default(),
                    log_place: None,
                    palette: Default::default(),
                };
                let mut app =
                    App::new(config, "", Timestamp::now()).unwrap_or_else(|e| panic!("{e}"));
                // As the monitor does: the journal's dictionary taken over, the history a slice
                // at a time.
                if let Some(dictionary) = journal.dictionary().unwrap_or_else(|e| panic!("{e}")) {
                    app.adopt_dictionary(&dictionary);
                }
                journal
                    .recent_each(Timestamp::UNIX_EPOCH, held, HISTORY_SLICE, |slice| {
                        app.load_history(slice)
                    })
                    .unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(app.store().len(), held, "every event loaded");
                app
            });
        });
    }
    group.finish();
}

criterion_group!(benches, ingest, ingest_into_large, reopen);
criterion_main!(benches);
