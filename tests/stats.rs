//! The aggregates against a direct count over the same events: an hour of the demo (both
//! formats, duplicates, late deliveries, an incident), windows of 15 and 60 minutes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, HashSet};

use jiff::{SignedDuration, Timestamp};
use zdwatch_core::event::{Kind, TicketEvent};
use zdwatch_core::stats::{Dimension, Stats};
use zdwatch_sources::demo::Simulator;

fn demo_hour() -> (Vec<TicketEvent>, Timestamp) {
    let start: Timestamp = "2026-03-01T08:00:00Z".parse().unwrap();
    let end = start + SignedDuration::from_hours(1);
    let mut sim = Simulator::new(77, start);
    let mut seen = HashSet::new();
    let events = sim
        .advance(end)
        .into_iter()
        .map(|d| common::decoded_at(d.body, d.at))
        // As the store does: each event once.
        .filter(|e| seen.insert(e.event_id.clone()))
        .collect();
    (events, end)
}

fn count<K: Ord>(items: impl Iterator<Item = K>) -> BTreeMap<K, u64> {
    let mut m = BTreeMap::new();
    for k in items {
        *m.entry(k).or_default() += 1;
    }
    m
}

#[test]
fn summaries_equal_a_direct_count() {
    let (events, end) = demo_hour();
    let mut stats = Stats::default();
    for e in &events {
        stats.add(e);
    }
    for minutes in [15, 60] {
        let from = end - SignedDuration::from_mins(minutes);
        let s = stats.summary(from, end);
        let inside: Vec<&TicketEvent> = events
            .iter()
            .filter(|e| e.order_time() >= from && e.order_time() < end)
            .collect();
        assert!(inside.len() > 100, "{minutes}m: {} events", inside.len());
        assert_eq!(s.total, inside.len() as u64, "{minutes}m total");

        let kinds = count(inside.iter().map(|e| e.kind.as_str().to_string()));
        assert_eq!(s.by_kind.iter().cloned().collect::<BTreeMap<_, _>>(), kinds);

        let transitions = count(
            inside
                .iter()
                .filter(|e| e.kind == Kind::StatusChanged)
                .map(|e| (e.previous.clone().unwrap(), e.current.clone().unwrap())),
        );
        assert_eq!(
            s.transitions.iter().cloned().collect::<BTreeMap<_, _>>(),
            transitions
        );

        let reopens = inside.iter().filter(|e| e.is_reopen()).count() as u64;
        assert_eq!(s.reopens, reopens, "{minutes}m reopens");
        assert!(reopens > 0, "the demo reopens tickets");

        let tags = count(
            inside
                .iter()
                .filter(|e| e.kind == Kind::Created)
                .flat_map(|e| e.ticket.tags.clone()),
        );
        assert_eq!(
            s.created[&Dimension::Tag]
                .iter()
                .cloned()
                .collect::<BTreeMap<_, _>>(),
            tags
        );

        let tickets = count(inside.iter().filter_map(|e| e.ticket_id));
        let busiest = tickets.values().max().copied().unwrap();
        assert_eq!(s.busiest_tickets[0].1, busiest);
    }
    // The per-minute series adds up to the hour's total.
    assert_eq!(
        stats
            .per_minute(None, end - SignedDuration::from_mins(1), 60)
            .iter()
            .sum::<u64>(),
        events.len() as u64
    );
}
