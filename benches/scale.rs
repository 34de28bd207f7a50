//! The monitor at scale (performance issue): what holding 10k, 100k and 1M events costs in memory,
//! and how long the interactive operations take with that many held — changing the filter,
//! opening a ticket's timeline, drawing a frame. Run with `scripts/bench scale`; results go in
//! BENCHMARKS.md ("The monitor at scale").
//!
//! Memory is measured in a child process per size: its whole resident set after loading, and its
//! peak, printed once per size (a size, not a time, so criterion does not measure it). Inputs are
//! demo events with a fixed seed, loaded the way a restart loads the journal (`App::load_history`).

use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group};
use jiff::{SignedDuration, Timestamp};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use zdwatch::app::{App, Config, Msg};
use zdwatch_core::event::{Received, decode};
use zdwatch_core::filter::{Fields, Filter};
use zdwatch_journal::StoredEvent;
use zdwatch_sources::demo::Simulator;
use zdwatch_sources::{Delivery, Message};

/// As in the binary: the allocator shapes the resident memory measured here.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SIZES: &[usize] = &[10_000, 100_000, 1_000_000];

fn bodies(n: usize) -> Vec<StoredEvent> {
    let start: Timestamp = "2026-01-01T00:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let mut sim = Simulator::new(7, start);
    let mut out = Vec::with_capacity(n);
    let mut t = start;
    while out.len() < n {
        t += SignedDuration::from_mins(1);
        out.extend(sim.advance(t).into_iter().map(|d| StoredEvent {
            body: zdwatch_journal::Body::Raw(d.body),
            message_id: None,
            received_at: d.at,
            source: Some("https://sqs.eu-west-1.amazonaws.com/123456789012/zendesk-debug".into()),
            digest: None,
        }));
    }
    out.truncate(n);
    out
}

/// A line of /proc/self/status in bytes (`VmRSS`: resident now, `VmHWM`: the peak), Linux only.
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// The memory a monitor holding `n` events takes, measured in a process of its own (a child of
/// this one) so that nothing measured before is counted: the process's whole resident set after
/// loading (the target), its peak while loading, and the store's own accounting.
fn memory(n: usize) -> String {
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    let out = std::process::Command::new(exe)
        .env(MEMORY_CHILD, n.to_string())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

const MEMORY_CHILD: &str = "ZDWATCH_BENCH_MEMORY_OF";

fn memory_child(n: usize) {
    let start = status_bytes("VmRSS");
    let app = loaded(n);
    // Give the allocator a moment to return what loading freed (the history it was given).
    std::thread::sleep(Duration::from_millis(500));
    drop(bodies(1000));
    let rss = status_bytes("VmRSS");
    let f = app.store().footprint();
    println!(
        "memory: {n} events held: {:.0} MB resident in total ({:.0} MB at start), peak {:.0} MB \
         while loading; {:.0} bytes per event; records {:.0} B + compressed bodies {:.0} B per \
         event, {} distinct strings",
        rss as f64 / 1e6,
        start as f64 / 1e6,
        status_bytes("VmHWM") as f64 / 1e6,
        rss.saturating_sub(start) as f64 / n as f64,
        f.records as f64 / n as f64,
        f.bodies as f64 / n as f64,
        f.strings
    );
}

fn loaded(n: usize) -> App {
    // A few more than n: the demo delivers some events twice, and those are held once.
    let history = bodies(n + n / 20);
    let config = Config {
        sources: vec!["https://sqs.eu-west-1.amazonaws.com/123456789012/zendesk-debug".into()],
        delivery: Delivery::Consume,
        reads_queues: true,
        live: vec![true],
        utc: true,
        zendesk_subdomain: None,
        max_events: n,
        order: zdwatch::app::Order::Arrival,
        saved_filters: Vec::new(),
        keymap: Default::default(),
        log_place: None,
        palette: Default::default(),
    };
    let mut app = App::new(config, "", Timestamp::now()).unwrap_or_else(|e| panic!("{e}"));
    app.load_history(history);
    assert_eq!(app.store().len(), n, "every event held");
    app.update(Msg::Resize(200, 60), Timestamp::now());
    app
}

fn scale(c: &mut Criterion) {
    for &n in SIZES {
        println!("{}", memory(n));
        let mut app = loaded(n);
        let mut group = c.benchmark_group(format!("monitor with {n} events"));
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(if n >= 1_000_000 { 20 } else { 5 }));
        // The two filters alternate, so that every iteration really changes the filter.
        let filters = [
            Filter::parse("status:open->solved").unwrap_or_else(|e| panic!("{e:?}")),
            Filter::parse("tag:payment_failed priority:urgent").unwrap_or_else(|e| panic!("{e:?}")),
        ];
        let mut i = 0;
        group.bench_function("change the filter (refilter all)", |b| {
            b.iter(|| {
                i += 1;
                app.apply_filter(filters[i % 2].clone());
                app.stream().visible.len()
            })
        });
        // A bare word searches the summary, subject and comment: text held only in the compressed
        // body. Events whose text lacks one of the word's three-byte sequences are ruled out
        // undecoded; the others are decoded again.
        let word = Filter::parse("refund").unwrap_or_else(|e| panic!("{e:?}"));
        group.bench_function("filter by a word (refund)", |b| {
            b.iter(|| {
                app.apply_filter(word.clone());
                app.stream().visible.len()
            })
        });
        app.apply_filter(Filter::parse("").unwrap_or_else(|e| panic!("{e:?}")));
        // The ticket with the most events: the timeline's worst case.
        let mut per_ticket: std::collections::HashMap<u64, usize> =
            std::collections::HashMap::new();
        for e in app.store().since(0) {
            if let Some(t) = e.ticket_id() {
                *per_ticket.entry(t).or_default() += 1;
            }
        }
        let (ticket, events) = per_ticket
            .into_iter()
            .max_by_key(|(t, n)| (*n, *t))
            .unwrap_or((35436, 0));
        println!("timeline: ticket #{ticket} has {events} events held");
        group.bench_function("open a ticket's timeline", |b| {
            b.iter(|| {
                zdwatch_core::store::Timeline::build(app.store(), ticket)
                    .entries
                    .len()
            })
        });
        let mut terminal =
            Terminal::new(TestBackend::new(200, 60)).unwrap_or_else(|e| panic!("{e}"));
        group.bench_function("draw a frame (stream, 200x60)", |b| {
            b.iter(|| {
                terminal
                    .draw(|f| zdwatch::ui::draw(f, &app))
                    .map(|_| ())
                    .unwrap_or_else(|e| panic!("{e}"))
            })
        });
        // Keys wait for at most one update: the event loop merges up to 64 receives (640 messages)
        // into one before it looks at the keyboard again.
        let template: Vec<(Vec<u8>, String)> = bodies(700)
            .into_iter()
            .map(|b| {
                let id = decode(Received {
                    body: b.raw(),
                    message_id: None,
                    received_at: b.received_at,
                })
                .event_id;
                (b.raw(), id)
            })
            .filter(|(_, id)| id.len() >= 8 && !id.starts_with("xxh3:"))
            .take(640)
            .collect();
        let mut round = 0u64;
        group.bench_function("take in 640 new events (one merged update)", |b| {
            b.iter_batched(
                || {
                    round += 1;
                    // New event ids each round, so that none is a duplicate.
                    template
                        .iter()
                        .enumerate()
                        .map(|(i, (raw, id))| {
                            let fresh = format!("{round:08x}{}", &id[8..]);
                            let body = String::from_utf8_lossy(raw).replace(id.as_str(), &fresh);
                            Message {
                                source: 0,
                                body: body.into_bytes(),
                                message_id: Some(format!("m-{round}-{i}")),
                                receipt: None,
                                received_at: Timestamp::now(),
                                place: None,
                            }
                        })
                        .collect::<Vec<_>>()
                },
                |batch| app.update(Msg::Batch(batch), Timestamp::now()).len(),
                BatchSize::SmallInput,
            )
        });
        group.finish();
    }
}

criterion_group!(benches, scale);

fn main() {
    if let Some(n) = std::env::var(MEMORY_CHILD)
        .ok()
        .and_then(|n| n.parse().ok())
    {
        memory_child(n);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
