//! EventBridge pattern matching (issue: event patterns). Run with `scripts/bench patterns`;
//! results go in BENCHMARKS.md. Inputs: 10,000 demo events (both formats), unwrapped to the
//! EventBridge event a rule sees, matched against 1, 10, 100 and 1,000 patterns:
//!
//! - `zdwatch decoded`: events already parsed into zdwatch's matching tree (only the parts the
//!   patterns look at), matched by a `PatternSet` (one shared index of all the patterns);
//! - `zdwatch raw`: `PatternSet::matches_body`, reading each body (only those parts) and matching;
//! - `zdwatch raw, Pattern::matches_body` (1 pattern): what `tail --pattern`, `report`, `export`
//!   and the monitor call on each body with their one pattern;
//! - `quamina raw`: the `quamina` crate on the same bytes and the same patterns (operators both
//!   support: exact values, prefix, anything-but, exists).
//!
//! Memory per pattern: `benches/pattern_memory.rs` (its own binary: counting every allocation
//! would slow the timings here).
//!
//! Before any timing, every function timed here is run on every event and must find exactly
//! quamina's matches. The raw ratios from interleaved passes are printed first
//! (zdwatch, quamina, zdwatch, … 30 times; the fastest pass of each): on a shared machine whose
//! speed drifts from second to second, a ratio of passes taken side by side is steadier than one
//! of criterion's rows, which are measured seconds apart.

use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use zdwatch_core::pattern::{Pattern, PatternSet};
use zdwatch_core::tree::{Needs, Tree};

#[path = "patterns/workload.rs"]
mod workload;

use workload::{compile, events, patterns, quamina_for};

// What `zdwatch` itself allocates with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn bench(c: &mut Criterion) {
    let raw = events();
    let mut group = c.benchmark_group("patterns");
    group.throughput(Throughput::Elements(raw.len() as u64));
    group.sample_size(10);
    for n in [1, 10, 100, 1000] {
        let texts = patterns(n);
        let compiled = compile(&texts);
        let q = quamina_for(&texts);
        let needs = Needs::of(compiled.iter().flat_map(|p| p.paths()));
        let set = PatternSet::new(compile(&texts));
        let decoded: Vec<Tree> = raw
            .iter()
            .map(|b| Tree::parse_needed(b, &needs).unwrap_or(Tree::Null))
            .collect();
        // Same work on both sides: the same matches, event by event, from each function timed.
        let mut total = 0;
        let (mut from_body, mut from_tree) = (Vec::new(), Vec::new());
        for (bytes, value) in raw.iter().zip(&decoded) {
            let mut theirs = q.matches_for_event(bytes).unwrap_or_default();
            theirs.sort_unstable();
            theirs.dedup();
            let shown = || String::from_utf8_lossy(bytes).into_owned();
            set.matches_body(bytes, &mut from_body);
            assert_eq!(from_body, theirs, "matches_body: {}", shown());
            set.matches(value, &mut from_tree);
            assert_eq!(from_tree, theirs, "matches: {}", shown());
            if n == 1 {
                assert_eq!(
                    compiled[0].matches_body(bytes),
                    !theirs.is_empty(),
                    "{}",
                    shown()
                );
            }
            total += theirs.len();
        }
        assert!(total > 0, "the patterns match something");
        interleaved(n, &raw, &set, &compiled[0], &q);

        group.bench_function(format!("zdwatch decoded, {n} patterns"), |b| {
            let mut found = Vec::new();
            b.iter(|| {
                let mut hits = 0usize;
                for v in &decoded {
                    set.matches(v, &mut found);
                    hits += found.len();
                }
                hits
            })
        });
        group.bench_function(format!("zdwatch raw, {n} patterns"), |b| {
            let mut found = Vec::new();
            b.iter(|| {
                let mut hits = 0usize;
                for bytes in &raw {
                    set.matches_body(bytes, &mut found);
                    hits += found.len();
                }
                hits
            })
        });
        if n == 1 {
            group.bench_function("zdwatch raw, Pattern::matches_body, 1 patterns", |b| {
                b.iter(|| raw.iter().filter(|b| compiled[0].matches_body(b)).count())
            });
        }
        group.bench_function(format!("quamina raw, {n} patterns"), |b| {
            b.iter(|| {
                let mut hits = 0usize;
                for bytes in &raw {
                    hits += q.matches_for_event(bytes).map_or(0, |m| m.len());
                }
                hits
            })
        });
    }
    group.finish();
}

/// The fastest of 30 interleaved passes over all the events: `PatternSet::matches_body`,
/// quamina, and (one pattern) `Pattern::matches_body`; printed as ratios.
fn interleaved(
    n: usize,
    raw: &[Vec<u8>],
    set: &PatternSet,
    one: &Pattern,
    q: &quamina::Quamina<usize>,
) {
    let mut best = [f64::MAX; 3];
    let mut found = Vec::new();
    for _ in 0..30 {
        let mut hits = 0;
        let t = Instant::now();
        for b in raw {
            set.matches_body(b, &mut found);
            hits += found.len();
        }
        best[0] = best[0].min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        for b in raw {
            hits += q.matches_for_event(b).map_or(0, |m| m.len());
        }
        best[1] = best[1].min(t.elapsed().as_secs_f64());
        if n == 1 {
            let t = Instant::now();
            hits += raw.iter().filter(|b| one.matches_body(b)).count();
            best[2] = best[2].min(t.elapsed().as_secs_f64());
        }
        std::hint::black_box(hits);
    }
    let ms = |s: f64| s * 1e3;
    print!(
        "interleaved, {n} patterns: zdwatch set {:.2} ms, quamina {:.2} ms: {:.2}x quamina",
        ms(best[0]),
        ms(best[1]),
        best[1] / best[0]
    );
    if n == 1 {
        print!(
            "; Pattern::matches_body {:.2} ms: {:.2}x quamina",
            ms(best[2]),
            best[1] / best[2]
        );
    }
    println!();
}

criterion_group!(benches, bench);
criterion_main!(benches);
