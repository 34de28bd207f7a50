use super::*;
use crate::event::{Received, decode};

fn sample(name: &str) -> TicketEvent {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/samples")
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

fn ticket_event(id: u64, t: &str, status: &str, assignee: Option<u64>) -> TicketEvent {
    let mut e = at(&sample("webhook/status_changed.json"), t);
    e.ticket_id = Some(id);
    e.ticket.status = Some(status.into());
    e.ticket.assignee_id = assignee;
    e
}

#[test]
fn waiting_unassigned_is_new_or_open_without_assignee_longest_first() {
    let mut stats = Stats::default();
    stats.add(&ticket_event(1, "2026-01-01T10:05:00Z", "open", None));
    stats.add(&ticket_event(2, "2026-01-01T10:00:00Z", "new", None));
    stats.add(&ticket_event(3, "2026-01-01T09:00:00Z", "open", Some(7)));
    stats.add(&ticket_event(4, "2026-01-01T09:00:00Z", "pending", None));
    // Ticket 1 stays open: it has waited since 10:05, not since its latest event.
    stats.add(&ticket_event(1, "2026-01-01T10:20:00Z", "open", None));
    let w = stats.tickets.waiting_unassigned(10);
    let got: Vec<(u64, &str, Timestamp)> = w
        .iter()
        .map(|w| (w.ticket, w.status.as_str(), w.since))
        .collect();
    assert_eq!(
        got,
        vec![
            (2, "new", ts("2026-01-01T10:00:00Z")),
            (1, "open", ts("2026-01-01T10:05:00Z")),
        ]
    );
    assert_eq!(stats.tickets.waiting_unassigned(1).len(), 1);
}

#[test]
fn a_late_older_event_does_not_roll_a_ticket_back() {
    let mut stats = Stats::default();
    // Assigned at 10:10; the older unassigned event arrives afterwards.
    stats.add(&ticket_event(1, "2026-01-01T10:10:00Z", "open", Some(7)));
    stats.add(&ticket_event(1, "2026-01-01T10:00:00Z", "open", None));
    assert!(stats.tickets.waiting_unassigned(10).is_empty());
    // Unassigned again later: open since 10:00, which the late event told.
    stats.add(&ticket_event(1, "2026-01-01T10:30:00Z", "open", None));
    let w = stats.tickets.waiting_unassigned(10);
    assert_eq!(w[0].since, ts("2026-01-01T10:00:00Z"));
}

#[test]
fn lag_percentiles_over_recent_events() {
    let mut lag = LagSamples::default();
    assert_eq!(lag.figures(), None);
    let t0 = ts("2026-01-01T10:00:00Z");
    // 1..=100 seconds late, then one event from a clock ahead of ours.
    for s in 1..=100 {
        lag.add(
            t0,
            t0.checked_add(jiff::SignedDuration::from_secs(s)).unwrap(),
        );
    }
    lag.add(
        t0.checked_add(jiff::SignedDuration::from_secs(5)).unwrap(),
        t0,
    );
    let f = lag.figures().unwrap();
    assert_eq!(f.count, 101);
    assert_eq!(f.p50, jiff::SignedDuration::from_secs(50));
    assert_eq!(f.p95, jiff::SignedDuration::from_secs(95));
    assert_eq!(f.max, jiff::SignedDuration::from_secs(100));
    // Only the most recent events count.
    for _ in 0..LagSamples::CAPACITY {
        lag.add(t0, t0);
    }
    assert_eq!(lag.figures().unwrap().max, jiff::SignedDuration::ZERO);
}

#[test]
fn newest_is_the_end_of_the_last_minute_with_events() {
    let mut stats = Stats::default();
    assert_eq!(stats.newest(), None);
    let e = sample("webhook/status_changed.json");
    stats.add(&at(&e, "2026-01-01T10:00:10Z"));
    stats.add(&at(&e, "2026-01-01T09:00:00Z"));
    assert_eq!(stats.newest(), Some(ts("2026-01-01T10:01:00Z")));
}
