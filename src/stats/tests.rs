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

#[test]
fn percentiles_are_nearest_rank() {
    let v: Vec<i64> = (1..=10).collect();
    assert_eq!(percentile(&v, 50), Some(5));
    assert_eq!(percentile(&v, 90), Some(9));
    assert_eq!(percentile(&[7], 90), Some(7));
    assert_eq!(percentile(&[], 50), None);
}

#[test]
fn time_in_status_spans_open_to_solved_and_creation_to_assignment() {
    let status = sample("legacy/status_changed.json");
    let with = |to: &str, t: &str| {
        let mut e = at(&status, t);
        e.current = Some(to.into());
        e
    };
    let created = at(&sample("legacy/created.json"), "2026-01-01T09:50:00Z");
    let assigned = at(
        &sample("legacy/agent_assignment_changed.json"),
        "2026-01-01T09:55:00Z",
    );
    // Out of order on purpose; pending in between counts towards open → solved.
    let events = [
        with("solved", "2026-01-01T10:30:00Z"),
        with("open", "2026-01-01T10:00:00Z"),
        with("pending", "2026-01-01T10:05:00Z"),
        assigned,
        created,
    ];
    let t = time_in_status(events.iter());
    assert_eq!(
        t.open_to_solved,
        Durations {
            count: 1,
            p50: Some(1800),
            p90: Some(1800)
        }
    );
    assert_eq!(
        t.new_to_first_assignment,
        Durations {
            count: 1,
            p50: Some(300),
            p90: Some(300)
        }
    );
}

#[test]
fn empty_and_reversed_windows_are_empty_not_a_panic() {
    let mut stats = Stats::default();
    stats.add(&at(
        &sample("legacy/status_changed.json"),
        "2026-01-01T10:00:00Z",
    ));
    assert_eq!(
        stats.per_minute(None, ts("2026-01-01T10:00:00Z"), 0),
        Vec::<u64>::new()
    );
    let reversed = stats.summary(ts("2026-01-01T11:00:00Z"), ts("2026-01-01T09:00:00Z"));
    assert_eq!(reversed, Summary::default());
}
