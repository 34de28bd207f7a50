//! EventBridge pattern matching (issue: event patterns). Run with `scripts/bench patterns`;
//! results go in BENCHMARKS.md. Inputs: 10,000 demo events (both formats), unwrapped to the
//! EventBridge event a rule sees, matched against 1, 10, 100 and 1,000 patterns:
//!
//! - `zdwatch decoded`: events already parsed into zdwatch's matching tree (only the parts the
//!   patterns look at) and held as such, owning their strings (`Tree::into_owned`), matched by a
//!   `PatternSet` (one shared index of all the patterns); `zdwatch decoded, borrowing`: the same
//!   trees still borrowing their strings from the 10,000 bodies, which matching then reads too;
//! - `zdwatch raw`: `PatternSet::matches_body`, reading each body (only those parts) and matching,
//!   every byte of it checked as JSON;
//! - `zdwatch event`: `PatternSet::matches_event` on the decoded events, and for one pattern
//!   `Pattern::matches_event`, which is what `tail --pattern`, `report` and `export` call, and
//!   what the monitor calls on a held body (`Pattern::matches_read_body`, the same function): the
//!   decoder read those bodies as JSON already, so what matching skips is only stepped over;
//! - `quamina raw`: the `quamina` crate on the same bytes and the same patterns (operators both
//!   support: exact values, prefix, anything-but, exists).
//!
//! Memory per pattern: `benches/pattern_memory.rs` (its own binary: counting every allocation
//! would slow the timings here).
//!
//! Before any timing, every function timed here is run on every event and must find exactly
//! quamina's matches. Ratios from interleaved passes are printed first (quamina, then each of
//! zdwatch's, 30 times over; the fastest pass of each): on a shared machine whose
//! speed drifts from second to second, a ratio of passes taken side by side is steadier than one
//! of criterion's rows, which are measured seconds apart.

use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use zdwatch_core::event::{Received, TicketEvent, decode};
use zdwatch_core::pattern::{Pattern, PatternSet};
use zdwatch_core::tree::{Needs, Tree};

#[path = "patterns/workload.rs"]
mod workload;

use workload::{compile, events, patterns, quamina_for};

// What `zdwatch` itself allocates with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The functions timed, on all the events: how many matches each finds (they must agree).
struct Candidates<'a> {
    set: &'a PatternSet,
    one: &'a Pattern,
    q: &'a quamina::Quamina<usize>,
    raw: &'a [Vec<u8>],
    events: &'a [TicketEvent],
    decoded: &'a [Tree<'static>],
}

impl Candidates<'_> {
    fn set_raw(&self) -> usize {
        let mut found = Vec::new();
        let mut hits = 0;
        for b in self.raw {
            self.set.matches_body(b, &mut found);
            hits += found.len();
        }
        hits
    }
    fn set_event(&self) -> usize {
        let mut found = Vec::new();
        let mut hits = 0;
        for e in self.events {
            self.set.matches_event(e, &mut found);
            hits += found.len();
        }
        hits
    }
    fn set_decoded(&self) -> usize {
        let mut found = Vec::new();
        let mut hits = 0;
        for v in self.decoded {
            self.set.matches(v, &mut found);
            hits += found.len();
        }
        hits
    }
    fn one_raw(&self) -> usize {
        self.raw.iter().filter(|b| self.one.matches_body(b)).count()
    }
    fn one_event(&self) -> usize {
        self.events
            .iter()
            .filter(|e| self.one.matches_event(e))
            .count()
    }
    fn quamina(&self) -> usize {
        self.raw
            .iter()
            .map(|b| self.q.matches_for_event(b).map_or(0, |m| m.len()))
            .sum()
    }
}

fn bench(c: &mut Criterion) {
    let raw = events();
    let events: Vec<TicketEvent> = raw
        .iter()
        .map(|b| {
            decode(Received {
                body: b.clone(),
                message_id: None,
                received_at: jiff::Timestamp::UNIX_EPOCH,
            })
        })
        .collect();
    let mut group = c.benchmark_group("patterns");
    group.throughput(Throughput::Elements(raw.len() as u64));
    group.sample_size(10);
    for n in [1, 10, 100, 1000] {
        let texts = patterns(n);
        let compiled = compile(&texts);
        let q = quamina_for(&texts);
        let needs = Needs::of(compiled.iter().flat_map(|p| p.paths()));
        let set = PatternSet::new(compile(&texts));
        let borrowing: Vec<Tree> = raw
            .iter()
            .map(|b| Tree::parse_needed(b, &needs).unwrap_or(Tree::Null))
            .collect();
        let decoded: Vec<Tree<'static>> = borrowing.iter().cloned().map(Tree::into_owned).collect();
        // Same work on both sides: the same matches, event by event, from each function timed.
        let mut total = 0;
        let mut found = Vec::new();
        for (((bytes, value), owned), event) in
            raw.iter().zip(&borrowing).zip(&decoded).zip(&events)
        {
            let mut theirs = q.matches_for_event(bytes).unwrap_or_default();
            theirs.sort_unstable();
            theirs.dedup();
            let shown = || String::from_utf8_lossy(bytes).into_owned();
            set.matches_body(bytes, &mut found);
            assert_eq!(found, theirs, "matches_body: {}", shown());
            set.matches(value, &mut found);
            assert_eq!(found, theirs, "matches: {}", shown());
            set.matches(owned, &mut found);
            assert_eq!(found, theirs, "matches, owned: {}", shown());
            set.matches_event(event, &mut found);
            assert_eq!(found, theirs, "matches_event: {}", shown());
            if n == 1 {
                let any = !theirs.is_empty();
                assert_eq!(compiled[0].matches_body(bytes), any, "{}", shown());
                assert_eq!(compiled[0].matches_event(event), any, "{}", shown());
            }
            total += theirs.len();
        }
        assert!(total > 0, "the patterns match something");
        let run = Candidates {
            set: &set,
            one: &compiled[0],
            q: &q,
            raw: &raw,
            events: &events,
            decoded: &decoded,
        };
        interleaved(n, &run);

        group.bench_function(format!("zdwatch decoded, {n} patterns"), |b| {
            b.iter(|| run.set_decoded())
        });
        group.bench_function(format!("zdwatch decoded, borrowing, {n} patterns"), |b| {
            b.iter(|| {
                let mut hits = 0usize;
                for v in &borrowing {
                    set.matches(v, &mut found);
                    hits += found.len();
                }
                hits
            })
        });
        group.bench_function(format!("zdwatch raw, {n} patterns"), |b| {
            b.iter(|| run.set_raw())
        });
        group.bench_function(format!("zdwatch event, {n} patterns"), |b| {
            b.iter(|| run.set_event())
        });
        if n == 1 {
            group.bench_function("zdwatch raw, Pattern::matches_body, 1 patterns", |b| {
                b.iter(|| run.one_raw())
            });
            group.bench_function("zdwatch event, Pattern::matches_event, 1 patterns", |b| {
                b.iter(|| run.one_event())
            });
        }
        group.bench_function(format!("quamina raw, {n} patterns"), |b| {
            b.iter(|| run.quamina())
        });
    }
    group.finish();
}

/// One of the functions timed.
type Timed<'a> = fn(&Candidates<'a>) -> usize;

/// The fastest of 30 interleaved passes of each function over all the events, as ratios to
/// quamina's.
fn interleaved<'a>(n: usize, run: &Candidates<'a>) {
    let mut rows: Vec<(&str, Timed<'a>)> = vec![
        ("quamina", Candidates::quamina),
        ("PatternSet::matches_body", Candidates::set_raw),
        ("PatternSet::matches_event", Candidates::set_event),
        ("PatternSet::matches (decoded)", Candidates::set_decoded),
    ];
    if n == 1 {
        rows.push(("Pattern::matches_body", Candidates::one_raw));
        rows.push(("Pattern::matches_event", Candidates::one_event));
    }
    let mut best = vec![f64::MAX; rows.len()];
    for _ in 0..30 {
        for (i, (_, f)) in rows.iter().enumerate() {
            let t = Instant::now();
            std::hint::black_box(f(run));
            best[i] = best[i].min(t.elapsed().as_secs_f64());
        }
    }
    print!("interleaved, {n} patterns: quamina {:.2} ms", best[0] * 1e3);
    for (i, (name, _)) in rows.iter().enumerate().skip(1) {
        print!(
            "; {name} {:.2} ms ({:.2}x quamina, {:.0} k events/s)",
            best[i] * 1e3,
            best[0] / best[i],
            run.raw.len() as f64 / best[i] / 1e3
        );
    }
    println!();
}

criterion_group!(benches, bench);
criterion_main!(benches);
