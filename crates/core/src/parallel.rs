//! Work on every core, for batches of bodies (decoding is most of what zdwatch spends time on).

use rayon::prelude::*;

/// Below this many items, one thread does them all (sharing the work would cost more).
const PARALLEL_FROM: usize = 256;

/// `items.map(f)` on rayon's pool, whose threads live on (new threads per batch would each start
/// with cold, freshly mapped memory), keeping the order.
pub fn map_in_order<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync + Send) -> Vec<R> {
    if items.len() < PARALLEL_FROM {
        return items.into_iter().map(f).collect();
    }
    items.into_par_iter().with_min_len(64).map(f).collect()
}

/// As [`map_in_order`], with a value each thread makes once (`init`) and lends to `f` for every
/// item it does (a compressor, say).
pub fn map_in_order_with<T: Send, S, R: Send>(
    items: Vec<T>,
    init: impl Fn() -> S + Sync + Send,
    f: impl Fn(&mut S, T) -> R + Sync + Send,
) -> Vec<R> {
    if items.len() < PARALLEL_FROM {
        let mut state = init();
        return items.into_iter().map(|item| f(&mut state, item)).collect();
    }
    items
        .into_par_iter()
        .with_min_len(64)
        .map_init(init, f)
        .collect()
}

/// `items` in runs of `run` (the last may be shorter), each run given whole to `f` on rayon's
/// pool, the results in order: what `f` makes once for a run (one buffer its items write into, say)
/// is shared by its items.
pub fn map_runs_in_order<T: Send, R: Send>(
    items: Vec<T>,
    run: usize,
    f: impl Fn(Vec<T>) -> R + Sync + Send,
) -> Vec<R> {
    let run = run.max(1);
    let parallel = items.len() >= PARALLEL_FROM;
    let mut runs = Vec::with_capacity(items.len().div_ceil(run));
    let mut items = items.into_iter();
    loop {
        let next: Vec<T> = items.by_ref().take(run).collect();
        if next.is_empty() {
            break;
        }
        runs.push(next);
    }
    if !parallel {
        return runs.into_iter().map(f).collect();
    }
    runs.into_par_iter().map(f).collect()
}

/// Drops `items` on rayon's pool without waiting for it (a batch's events freed while the caller
/// goes on).
pub fn drop_later<T: Send + 'static>(items: Vec<T>) {
    if items.len() < PARALLEL_FROM {
        return;
    }
    rayon::spawn(move || drop(items));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every item is in exactly one run, in order, runs of the length asked (the last shorter),
    /// whether the pool is used or not.
    #[test]
    fn runs_hold_every_item_once_in_order() {
        for (len, run) in [
            (0, 64),
            (1, 64),
            (200, 64),
            (256, 64),
            (1000, 64),
            (1000, 7),
            (5, 0),
        ] {
            let items: Vec<usize> = (0..len).collect();
            let runs = map_runs_in_order(items, run, |r| r);
            let flat: Vec<usize> = runs.iter().flatten().copied().collect();
            assert_eq!(flat, (0..len).collect::<Vec<_>>(), "{len} {run}");
            let run = run.max(1);
            assert_eq!(runs.len(), len.div_ceil(run));
            if let Some((last, whole)) = runs.split_last() {
                assert!(whole.iter().all(|r| r.len() == run));
                assert!((1..=run).contains(&last.len()));
            }
        }
    }
}
