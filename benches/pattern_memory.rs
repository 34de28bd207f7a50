//! Memory each pattern costs in a `PatternSet` and in quamina, at 1, 10, 100 and 1,000 of the
//! patterns of `benches/patterns.rs`: the bytes live after building each (every allocation
//! counted). Run with `scripts/bench pattern_memory`; results go in BENCHMARKS.md.

#[path = "patterns/workload.rs"]
mod workload;

use cap::Cap;
use workload::{compile, patterns, quamina_for};
use zdwatch_core::pattern::PatternSet;

#[global_allocator]
static ALLOCATOR: Cap<mimalloc::MiMalloc> = Cap::new(mimalloc::MiMalloc, usize::MAX);

/// The bytes `build`'s result holds (live after building it, less what was live before).
fn held<T>(build: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATOR.allocated();
    let built = build();
    (built, ALLOCATOR.allocated().saturating_sub(before))
}

fn main() {
    println!("| patterns | zdwatch set, bytes per pattern | quamina, bytes per pattern |");
    println!("|---|---|---|");
    for n in [1, 10, 100, 1000] {
        let texts = patterns(n);
        // Compiling counts, as quamina's parsing of the text does.
        let (set, ours) = held(|| PatternSet::new(compile(&texts)));
        let (q, theirs) = held(|| quamina_for(&texts));
        println!("| {n} | {} | {} |", ours / n, theirs / n);
        drop((set, q));
    }
}
