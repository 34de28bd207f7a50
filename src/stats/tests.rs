use super::*;
use crate::event::{Received, decode};

fn sample(name: &str) -> TicketEvent {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/samples")
        .join(name);
    let body = std::fs::read(path).unwrap();
    decode(Received {
        body,
        message_id: None,
        received_at: Timestamp::UNIX_EPOCH,
    })
}

fn at(e: &TicketEvent, t: &str) -> TicketEvent {
    let mut e = e.clone();
    e.occurred_at = Some(t.parse().unwrap());
    e
}

fn ts(t: &str) -> Timestamp {
    t.parse().unwrap()
}

#[test]
fn late_arrivals_count_in_the_minute_they_happened() {
    let status = sample("legacy/status_changed.json");
    let mut stats = Stats::default();
    // Arrival order is not occurrence order.
    for t in [
        "2026-01-01T10:02:30Z",
        "2026-01-01T10:00:10Z",
        "2026-01-01T10:02:59Z",
        "2026-01-01T10:01:00Z",
    ] {
        stats.add(&at(&status, t));
    }
    assert_eq!(
        stats.per_minute(None, ts("2026-01-01T10:03:00Z"), 4),
        vec![1, 1, 2, 0]
    );
    assert_eq!(
        stats.per_minute(Some(&Kind::StatusChanged), ts("2026-01-01T10:02:00Z"), 2),
        vec![1, 2]
    );
    assert_eq!(
        stats.per_minute(Some(&Kind::Created), ts("2026-01-01T10:02:00Z"), 2),
        vec![0, 0]
    );
}

#[test]
fn windows_are_half_open_whole_minutes() {
    let status = sample("webhook/status_changed.json");
    let mut stats = Stats::default();
    stats.add(&at(&status, "2026-01-01T10:00:00Z"));
    stats.add(&at(&status, "2026-01-01T10:14:59Z"));
    stats.add(&at(&status, "2026-01-01T10:15:00Z"));
    let s = stats.summary(ts("2026-01-01T10:00:00Z"), ts("2026-01-01T10:15:00Z"));
    assert_eq!(s.total, 2);
    assert_eq!(
        s.transitions,
        vec![(("open".to_string(), "solved".to_string()), 2)]
    );
    stats.forget_before(ts("2026-01-01T10:15:00Z"));
    assert_eq!(
        stats
            .summary(ts("2026-01-01T09:00:00Z"), ts("2026-01-01T11:00:00Z"))
            .total,
        1
    );
}

#[test]
fn creations_reopens_and_busiest_tickets() {
    let mut stats = Stats::default();
    let created = at(&sample("webhook/created.json"), "2026-01-01T10:00:00Z");
    stats.add(&created);
    let mut reopen = at(
        &sample("legacy/status_changed.json"),
        "2026-01-01T10:01:00Z",
    );
    reopen.previous = Some("solved".into());
    reopen.current = Some("open".into());
    stats.add(&reopen);
    stats.add(&at(&reopen, "2026-01-01T10:02:00Z"));
    let s = stats.summary(ts("2026-01-01T10:00:00Z"), ts("2026-01-01T11:00:00Z"));
    assert_eq!(s.total, 3);
    assert_eq!(s.reopens, 2);
    assert_eq!(s.reopened_tickets, vec![(35436, 2)]);
    assert_eq!(s.busiest_tickets, vec![(35436, 2), (5158, 1)]);
    let tags = &s.created[&Dimension::Tag];
    assert_eq!(
        tags,
        &vec![("login".to_string(), 1), ("mobile".to_string(), 1)]
    );
    assert_eq!(
        s.created[&Dimension::Channel],
        vec![("web_service".to_string(), 1)]
    );
    assert_eq!(s.created[&Dimension::Group], vec![("none".to_string(), 1)]);
    assert_eq!(
        s.by_kind,
        vec![
            ("status_changed".to_string(), 2),
            ("created".to_string(), 1)
        ]
    );
}
