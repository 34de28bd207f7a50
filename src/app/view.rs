//! Small pieces of view state: a scrollable list selection and the events-per-second meter.

use jiff::{SignedDuration, Timestamp};

/// A selection in a list with a scroll offset, kept so the selection is always on screen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListView {
    pub selected: usize,
    pub offset: usize,
}

impl ListView {
    pub fn move_by(&mut self, delta: i64, len: usize, rows: u16) {
        let last = len.saturating_sub(1) as i64;
        self.selected = (self.selected as i64)
            .saturating_add(delta)
            .clamp(0, last.max(0)) as usize;
        self.clamp(len, rows);
    }

    /// Keeps `selected` in range and within the visible window of `rows` lines.
    pub fn clamp(&mut self, len: usize, rows: u16) {
        let rows = usize::from(rows).max(1);
        self.selected = self.selected.min(len.saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
        self.offset = self.offset.min(len.saturating_sub(rows));
    }
}

/// Events per second over the last few whole seconds, from live sources only, in two parts: the
/// events happening now, and the backlog — events older than [`BACKLOG_AGE`] that a queue or the
/// demo's history delivers at once — so that catching up on an hour of backlog never reads as a
/// spike of current traffic.
#[derive(Clone, Debug, Default)]
pub struct Rate {
    /// (second, current, backlog) for recent seconds, oldest first.
    buckets: Vec<(i64, u64, u64)>,
    last_second: i64,
    changed: bool,
}

const WINDOW: i64 = 5;

/// An event that happened longer ago than this when it arrived is backlog, not current traffic
/// (EventBridge to SQS takes a second or two; the dashboard's Sources panel shows the lag).
pub const BACKLOG_AGE: SignedDuration = SignedDuration::from_secs(30);

impl Rate {
    /// Counts an event that arrived at `now` and happened at `occurred` (when it says).
    pub fn count(&mut self, now: Timestamp, occurred: Option<Timestamp>) {
        let backlog = occurred.is_some_and(|t| now.duration_since(t) > BACKLOG_AGE);
        let second = now.as_second();
        match self.buckets.last_mut() {
            Some((s, ..)) if *s == second => {}
            _ => self.buckets.push((second, 0, 0)),
        }
        if let Some((_, current, old)) = self.buckets.last_mut() {
            *(if backlog { old } else { current }) += 1;
        }
        self.buckets.retain(|(s, ..)| *s > second - WINDOW - 1);
    }

    /// Called on every tick; notes whether a new second began (the status line then redraws).
    pub fn roll(&mut self, now: Timestamp) {
        let second = now.as_second();
        self.changed = second != self.last_second;
        self.last_second = second;
    }

    pub fn second_changed(&self) -> bool {
        self.changed
    }

    /// Events happening now, per second, averaged over the last `WINDOW` complete seconds.
    pub fn per_second(&self, now: Timestamp) -> f64 {
        self.average(now, |(_, current, _)| *current)
    }

    /// Backlog events per second over the same seconds.
    pub fn backlog_per_second(&self, now: Timestamp) -> f64 {
        self.average(now, |(.., old)| *old)
    }

    fn average(&self, now: Timestamp, part: impl Fn(&(i64, u64, u64)) -> u64) -> f64 {
        let second = now.as_second();
        let total: u64 = self
            .buckets
            .iter()
            .filter(|(s, ..)| *s < second && *s >= second - WINDOW)
            .map(part)
            .sum();
        total as f64 / WINDOW as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_stays_in_the_window() {
        let mut l = ListView::default();
        l.move_by(15, 100, 10);
        assert_eq!((l.selected, l.offset), (15, 6));
        l.move_by(-3, 100, 10);
        assert_eq!(
            (l.selected, l.offset),
            (12, 6),
            "moving up inside the window does not scroll"
        );
        l.move_by(-100, 100, 10);
        assert_eq!((l.selected, l.offset), (0, 0));
        l.move_by(1000, 100, 10);
        assert_eq!((l.selected, l.offset), (99, 90));
        l.clamp(5, 10);
        assert_eq!((l.selected, l.offset), (4, 0), "list shrank");
    }

    #[test]
    fn rate_averages_whole_seconds() {
        let mut r = Rate::default();
        let t = |s: i64| Timestamp::from_second(1_000 + s).unwrap();
        for s in 0..5 {
            for _ in 0..10 {
                r.count(t(s), Some(t(s - 3)));
            }
            r.count(t(s), None);
        }
        assert_eq!(r.per_second(t(5)), 11.0);
        assert_eq!(r.backlog_per_second(t(5)), 0.0);
        assert_eq!(r.per_second(t(30)), 0.0);
    }

    #[test]
    fn backlog_is_counted_apart() {
        let mut r = Rate::default();
        let t = |s: i64| Timestamp::from_second(10_000 + s).unwrap();
        for _ in 0..5_000 {
            r.count(t(0), Some(t(-1_800)));
        }
        r.count(t(0), Some(t(-2)));
        assert_eq!(r.per_second(t(1)), 0.2);
        assert_eq!(r.backlog_per_second(t(1)), 1_000.0);
    }
}
