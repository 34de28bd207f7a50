//! End-to-end lag of a live source: how long after an event happened zdwatch received it
//! (received_at − occurred_at), over its most recent events.

use std::collections::VecDeque;

use jiff::{SignedDuration, Timestamp};

/// The lags of the last [`LagSamples::CAPACITY`] events, in milliseconds.
#[derive(Clone, Debug, Default)]
pub struct LagSamples {
    samples: VecDeque<i64>,
}

/// Percentiles of recent lags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LagFigures {
    pub count: usize,
    pub p50: SignedDuration,
    pub p95: SignedDuration,
    /// The oldest event seen: the largest lag among the recent events.
    pub max: SignedDuration,
}

impl LagSamples {
    pub const CAPACITY: usize = 1024;

    pub fn add(&mut self, occurred_at: Timestamp, received_at: Timestamp) {
        let ms = received_at.duration_since(occurred_at).as_millis();
        if self.samples.len() == Self::CAPACITY {
            self.samples.pop_front();
        }
        // A clock ahead of the receiver's shows as no lag rather than a negative one.
        self.samples
            .push_back(i64::try_from(ms).unwrap_or(i64::MAX).max(0));
    }

    pub fn figures(&self) -> Option<LagFigures> {
        let mut sorted: Vec<i64> = self.samples.iter().copied().collect();
        sorted.sort_unstable();
        let ms = |p| SignedDuration::from_millis(super::percentile(&sorted, p).unwrap_or(0));
        Some(LagFigures {
            count: sorted.len(),
            p50: ms(50),
            p95: ms(95),
            max: SignedDuration::from_millis(*sorted.last()?),
        })
    }
}
