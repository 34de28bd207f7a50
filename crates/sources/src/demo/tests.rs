use super::*;
use std::collections::HashSet;
use zdwatch_core::event::{Format, Kind, Received, decode};

fn start() -> Timestamp {
    "2026-11-28T09:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

fn run(seed: u64, minutes: i64) -> Vec<Delivery> {
    let mut sim = Simulator::new(seed, start());
    let mut out = Vec::new();
    // In uneven steps, as the live source does.
    let end = start() + SignedDuration::from_mins(minutes);
    let mut t = start();
    while t < end {
        t = (t + SignedDuration::from_millis(137)).min(end);
        out.extend(sim.advance(t));
    }
    out
}

#[test]
fn same_seed_same_bodies_and_steps_do_not_matter() {
    let a = run(7, 10);
    let mut sim = Simulator::new(7, start());
    let b = sim.advance(start() + SignedDuration::from_mins(10));
    assert!(a.len() > 500, "{} deliveries", a.len());
    assert!(
        a == b,
        "stepping changed the output: {} vs {} deliveries",
        a.len(),
        b.len()
    );
    assert!(a != run(8, 10), "another seed gives other bodies");
}

#[test]
fn bodies_decode_as_realistic_zendesk_events() {
    let deliveries = run(1, 45);
    let events: Vec<_> = deliveries
        .iter()
        .map(|d| {
            decode(Received {
                body: d.body.clone(),
                message_id: None,
                received_at: d.at,
            })
        })
        .collect();
    assert!(
        events
            .iter()
            .all(|e| matches!(e.format, Format::Legacy | Format::Webhook)),
        "every body decodes"
    );
    let legacy = events.iter().filter(|e| e.format == Format::Legacy).count();
    let webhook = events
        .iter()
        .filter(|e| e.format == Format::Webhook)
        .count();
    assert!(
        legacy > events.len() / 10 && webhook > events.len() / 2,
        "legacy {legacy} webhook {webhook}"
    );
    let sns = events
        .iter()
        .filter(|e| e.envelope.sns_message_id.is_some())
        .count();
    assert!(
        sns > events.len() / 20 && sns < events.len() / 5,
        "sns {sns} of {}",
        events.len()
    );

    let ids: HashSet<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
    let dups = events.len() - ids.len();
    assert!(
        dups > 0 && dups < events.len() / 20,
        "{dups} duplicates of {}",
        events.len()
    );

    // Deliveries are in delivery order, which is not occurred_at order.
    assert!(deliveries.windows(2).all(|w| w[0].at <= w[1].at));
    let out_of_order = events
        .windows(2)
        .filter(|w| w[0].order_time() > w[1].order_time())
        .count();
    assert!(out_of_order > 10, "{out_of_order} out-of-order arrivals");

    for kind in [
        Kind::Created,
        Kind::CommentAdded,
        Kind::StatusChanged,
        Kind::PriorityChanged,
        Kind::TagsChanged,
    ] {
        assert!(events.iter().any(|e| e.kind == kind), "no {kind}");
    }
    let reopens: Vec<_> = events.iter().filter(|e| e.is_reopen()).collect();
    assert!(
        reopens
            .iter()
            .any(|e| e.ticket.priority.as_deref() == Some("urgent")),
        "urgent reopens"
    );
    for channel in ["web", "email", "chat", "api", "mobile"] {
        assert!(
            events
                .iter()
                .any(|e| e.ticket.channel.as_deref() == Some(channel)),
            "channel {channel}"
        );
    }
}

#[test]
fn incidents_are_bursts_of_urgent_payment_failed_tickets() {
    let mut sim = Simulator::new(3, start());
    let events: Vec<_> = sim
        .advance(start() + SignedDuration::from_mins(30))
        .into_iter()
        .map(|d| {
            decode(Received {
                body: d.body,
                message_id: None,
                received_at: d.at,
            })
        })
        .filter(|e| e.kind == Kind::Created)
        .collect();
    let minute = |e: &zdwatch_core::event::TicketEvent| {
        e.order_time().duration_since(start()).as_secs() / 60
    };
    let in_incident = events
        .iter()
        .filter(|e| (4..8).contains(&minute(e)))
        .count();
    let quiet = events
        .iter()
        .filter(|e| (10..14).contains(&minute(e)))
        .count();
    assert!(
        in_incident > 4 * quiet,
        "incident {in_incident} vs quiet {quiet}"
    );
    assert!(
        events
            .iter()
            .filter(|e| (4..8).contains(&minute(e)))
            .all(|e| e.ticket.tags.iter().any(|t| t == "payment_failed"))
    );
}

#[test]
fn sequences_group_one_action_in_order() {
    let events: Vec<_> = run(5, 10)
        .into_iter()
        .map(|d| {
            decode(Received {
                body: d.body,
                message_id: None,
                received_at: d.at,
            })
        })
        .collect();
    let created = events
        .iter()
        .find(|e| e.kind == Kind::Created)
        .and_then(|e| e.sequence.clone());
    let seq = created.map(|s| s.id).unwrap_or_default();
    let same: Vec<_> = events
        .iter()
        .filter(|e| e.sequence.as_ref().is_some_and(|s| s.id == seq))
        .collect();
    assert!(
        same.iter().any(|e| e.kind == Kind::CommentAdded),
        "first comment in the creation's sequence"
    );
}

#[test]
fn solved_escalations_lose_their_tag_so_tag_minus_has_something_to_find() {
    let removed: Vec<_> = run(7, 240)
        .into_iter()
        .map(|d| {
            decode(Received {
                body: d.body,
                message_id: None,
                received_at: d.at,
            })
        })
        .filter(|e| e.tags_removed.iter().any(|t| t == "escalated"))
        .collect();
    assert!(!removed.is_empty(), "no tag is ever removed");
    assert!(removed.iter().all(|e| e.kind == Kind::TagsChanged));
}
