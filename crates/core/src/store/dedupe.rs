//! SQS delivers at least once, SNS and webhooks retry: the same event arrives again.
//! `Dedupe` remembers the last `capacity` event ids (as 128-bit hashes, 16 bytes each,
//! so memory stays bounded whatever the ids look like) and forgets the oldest first.

use std::collections::VecDeque;

use foldhash::{HashSet, HashSetExt};

pub struct Dedupe {
    seen: HashSet<u128>,
    order: VecDeque<u128>,
    capacity: usize,
    duplicates: u64,
}

impl Dedupe {
    /// Enough for a day of a busy instance at about 5 MB.
    pub const DEFAULT_CAPACITY: usize = 200_000;

    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Dedupe {
            seen: HashSet::with_capacity(capacity.min(1 << 16)),
            order: VecDeque::new(),
            capacity,
            duplicates: 0,
        }
    }

    /// Whether `event_id` was already seen (and counted as a duplicate). Does not record it.
    pub fn is_duplicate(&mut self, event_id: &str) -> bool {
        self.is_duplicate_key(Dedupe::key(event_id))
    }

    /// Remembers `event_id`; returns false when it was already there.
    pub fn insert(&mut self, event_id: &str) -> bool {
        self.insert_key(Dedupe::key(event_id))
    }

    /// What an id is remembered by: made where the id is (on the thread that decoded it), it
    /// spares the one-at-a-time part hashing it twice.
    pub fn key(event_id: &str) -> u128 {
        xxhash_rust::xxh3::xxh3_128(event_id.as_bytes())
    }

    /// [`Dedupe::is_duplicate`] of an id's [`Dedupe::key`].
    pub fn is_duplicate_key(&mut self, k: u128) -> bool {
        let dup = self.seen.contains(&k);
        self.duplicates += u64::from(dup);
        dup
    }

    /// [`Dedupe::insert`] of an id's [`Dedupe::key`].
    pub fn insert_key(&mut self, k: u128) -> bool {
        if !self.seen.insert(k) {
            return false;
        }
        self.order.push_back(k);
        if self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
        true
    }

    /// Makes room for `additional` more ids at once (bulk loads), up to the capacity.
    pub fn reserve(&mut self, additional: usize) {
        let room = additional.min(self.capacity.saturating_sub(self.order.len()));
        self.seen.reserve(room);
        self.order.reserve(room);
    }

    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_ids_and_counts_duplicates() {
        let mut d = Dedupe::new(10);
        assert!(!d.is_duplicate("a"));
        assert!(d.insert("a"));
        assert!(d.is_duplicate("a"));
        assert!(!d.insert("a"));
        assert!(!d.is_duplicate("b"));
        assert_eq!(d.duplicates(), 1);
    }

    #[test]
    fn forgets_the_oldest_beyond_capacity() {
        let mut d = Dedupe::new(3);
        for id in ["1", "2", "3", "4"] {
            d.insert(id);
        }
        assert_eq!(d.len(), 3);
        assert!(!d.is_duplicate("1"), "oldest forgotten");
        assert!(d.is_duplicate("2") && d.is_duplicate("4"));
    }
}
