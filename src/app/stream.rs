//! The stream screen's list: which held events match, in which order, and which one is selected.
//! Events arrive in any order (several queues, a replayed archive, late retries); the list shows
//! them by arrival or merged by when they happened, and keeps the selected event selected while
//! others are placed before it.

use zdwatch_core::filter::Fields;
use zdwatch_core::store::{EventStore, Seq};

use super::ListView;

/// How the stream orders its events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    /// As they reached zdwatch (a queue's own order).
    #[default]
    Arrival,
    /// By when they happened (`occurred_at`, else arrival): sources merged, replayed history in place.
    Occurred,
}

impl Order {
    pub fn toggled(self) -> Order {
        match self {
            Order::Arrival => Order::Occurred,
            Order::Occurred => Order::Arrival,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Order::Arrival => "by arrival",
            Order::Occurred => "by time",
        }
    }
}

/// Out-of-order events fewer than this are put in place one by one; more, and the list is sorted.
const INSERT_ONE_BY_ONE: usize = 256;

/// The filtered, live list of events on the stream screen.
#[derive(Clone, Debug, Default)]
pub struct StreamView {
    /// Matching events, in `order`.
    pub visible: Vec<Seq>,
    pub order: Order,
    /// Every event before this one has been looked at by the filter.
    pub scanned: Seq,
    pub list: ListView,
    /// Keep the newest (last) event selected as events arrive.
    pub follow: bool,
    /// Matching events that arrived while not following.
    pub unseen: usize,
    /// Display frozen (events are still stored).
    pub paused: bool,
}

/// The sort key of `seq` in `order`: unique, so sorting needs no stability.
fn key(store: &EventStore, order: Order, seq: Seq) -> (Option<jiff::Timestamp>, Seq) {
    match order {
        Order::Arrival => (None, seq),
        // From the held record: sorting must not decode events.
        Order::Occurred => (store.held(seq).map(|e| e.order_time()), seq),
    }
}

impl StreamView {
    /// Forgets events the store no longer holds (evicted: every sequence number below `first`).
    pub fn drop_evicted(&mut self, first: Seq) {
        let selected = self.list.selected;
        let gone_before = match self.order {
            // Arrival order is sequence order: the evicted are a prefix.
            Order::Arrival => {
                let cut = self.visible.partition_point(|s| *s < first);
                self.visible.drain(..cut);
                cut
            }
            Order::Occurred => {
                if self.visible.iter().all(|s| *s >= first) {
                    return;
                }
                let before = self.visible[..selected.min(self.visible.len())]
                    .iter()
                    .filter(|s| **s < first)
                    .count();
                self.visible.retain(|s| *s >= first);
                before
            }
        };
        self.list.selected = selected.saturating_sub(gone_before);
    }

    /// Puts the events appended since `start` in their place; the selected event stays selected
    /// (unless following, when the caller selects the last).
    pub fn place(&mut self, start: usize, store: &EventStore) {
        if self.order == Order::Arrival {
            return;
        }
        let order = self.order;
        let k = |s: &Seq| key(store, order, *s);
        self.visible[start..].sort_unstable_by_key(k);
        let in_place = start == 0
            || self
                .visible
                .get(start)
                .is_none_or(|s| k(&self.visible[start - 1]) <= k(s));
        if in_place {
            return;
        }
        let kept = self.visible.get(self.list.selected).copied();
        if self.visible.len() - start <= INSERT_ONE_BY_ONE {
            // Usually a few late events near the end: a short move each.
            let late: Vec<Seq> = self.visible.drain(start..).collect();
            for seq in late {
                let at = self.visible.partition_point(|s| k(s) < k(&seq));
                self.visible.insert(at, seq);
            }
        } else {
            // The sort finds the two sorted runs and merges them.
            self.visible.sort_by_key(k);
        }
        if let Some(seq) = kept {
            self.list.selected = self.position(seq, store);
        }
    }

    /// Where `seq` is, or would be, in the list.
    pub fn position(&self, seq: Seq, store: &EventStore) -> usize {
        let target = key(store, self.order, seq);
        self.visible
            .partition_point(|s| key(store, self.order, *s) < target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zdwatch_core::event::{Received, TicketEvent, decode};

    fn event(id: &str, time: &str) -> TicketEvent {
        let body = format!(
            r#"{{"type":"zen:event-type:ticket.created","id":"{id}","time":"{time}","detail":{{"id":"1"}}}}"#
        );
        decode(Received {
            body: body.into_bytes(),
            message_id: None,
            received_at: jiff::Timestamp::UNIX_EPOCH,
        })
    }

    /// Inserts events with these minutes past 10:00, one scan each, and returns the event ids shown.
    fn shown(view: &mut StreamView, store: &mut EventStore, minutes: &[&[u32]]) -> Vec<String> {
        let mut n = store.next_seq();
        for batch in minutes {
            let start = view.visible.len();
            for m in *batch {
                let seq = store
                    .insert(&event(
                        &format!("e{n}"),
                        &format!("2026-01-01T10:{m:02}:00Z"),
                    ))
                    .unwrap_or_default();
                view.visible.push(seq);
                n += 1;
            }
            view.place(start, store);
        }
        view.visible
            .iter()
            .filter_map(|s| store.get(*s))
            .map(|e| {
                let id = e.envelope.webhook_id.clone().unwrap_or_default();
                format!("{id}@{}", e.order_time().strftime("%M"))
            })
            .collect()
    }

    #[test]
    fn by_time_merges_late_events_into_place_and_keeps_the_selection() {
        let mut store = EventStore::new(100);
        let mut view = StreamView {
            order: Order::Occurred,
            ..StreamView::default()
        };
        shown(&mut view, &mut store, &[&[1, 3, 5]]);
        view.list.selected = 1; // e1@03
        let ids = shown(&mut view, &mut store, &[&[4, 2], &[6], &[0]]);
        assert_eq!(
            ids,
            [
                "e6@00", "e0@01", "e4@02", "e1@03", "e3@04", "e2@05", "e5@06"
            ]
        );
        assert_eq!(view.visible[view.list.selected], 1, "still e1");
        assert_eq!(view.position(1, &store), 3);
    }

    #[test]
    fn a_large_late_batch_is_sorted_in() {
        let mut store = EventStore::new(1000);
        let mut view = StreamView {
            order: Order::Occurred,
            ..StreamView::default()
        };
        shown(&mut view, &mut store, &[&[30, 40]]);
        let late: Vec<u32> = (0..300).map(|i| i % 60).collect();
        let ids = shown(&mut view, &mut store, &[&late]);
        let times: Vec<&str> = ids.iter().map(|s| &s[s.len() - 2..]).collect();
        assert!(times.is_sorted(), "{times:?}");
        assert_eq!(ids.len(), 302);
    }

    #[test]
    fn by_arrival_leaves_the_order_alone_and_eviction_keeps_the_selection() {
        for order in [Order::Arrival, Order::Occurred] {
            let mut store = EventStore::new(3);
            let mut view = StreamView {
                order,
                ..StreamView::default()
            };
            shown(&mut view, &mut store, &[&[5, 1]]);
            let selected = 1; // the event at minute 1, which stays
            view.list.selected = view.position(selected, &store);
            shown(&mut view, &mut store, &[&[3, 2]]);
            view.drop_evicted(store.first_seq());
            assert_eq!(view.visible.len(), 3, "{order:?}");
            assert_eq!(view.visible[view.list.selected], selected, "{order:?}");
            if order == Order::Arrival {
                assert_eq!(view.visible, [1, 2, 3]);
            }
        }
    }
}
