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
