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

/// Drops `items` on rayon's pool without waiting for it (a batch's events freed while the caller
/// goes on).
pub fn drop_later<T: Send + 'static>(items: Vec<T>) {
    if items.len() < PARALLEL_FROM {
        return;
    }
    rayon::spawn(move || drop(items));
}
