//! How long to wait before the next try.

use std::time::Duration;

use rand::Rng;

/// Exponential backoff with equal jitter (a wait between half and all of the ceiling, so that it visibly
/// grows): the ceiling is 0.5 s doubling to 30 s (to 60 s for problems that need the user).
#[derive(Default)]
pub(super) struct Backoff {
    pub(super) attempt: u32,
}

impl Backoff {
    pub(super) fn next(&mut self, slow: bool) -> Duration {
        let cap_ms: u64 = if slow { 60_000 } else { 30_000 };
        let ceiling = (500u64 << self.attempt.min(8)).min(cap_ms);
        self.attempt += 1;
        Duration::from_millis(rand::rng().random_range(ceiling / 2..=ceiling))
    }
}
