//! The workload of the pattern benchmarks (`patterns.rs`, `pattern_memory.rs`): demo events and
//! the patterns people write for them.
// Each benchmark uses part of it.
#![allow(dead_code)]

use jiff::{SignedDuration, Timestamp};
use zdwatch_core::pattern::Pattern;
use zdwatch_sources::demo::Simulator;

const EVENTS: usize = 10_000;

/// The EventBridge events of the demo (SNS layers taken off), as bytes.
pub fn events() -> Vec<Vec<u8>> {
    let start: Timestamp = "2026-01-01T00:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let mut sim = Simulator::new(3, start);
    let mut out = Vec::with_capacity(EVENTS);
    let mut t = start;
    while out.len() < EVENTS {
        t += SignedDuration::from_mins(1);
        for d in sim.advance(t) {
            // An SNS-wrapped delivery carries the EventBridge event as its Message.
            let message = serde_json::from_slice::<serde_json::Value>(&d.body)
                .ok()
                .and_then(|v| v.get("Message")?.as_str().map(|m| m.as_bytes().to_vec()));
            out.push(message.unwrap_or(d.body));
        }
    }
    out.truncate(EVENTS);
    out
}

/// Patterns people write for Zendesk events, in both formats.
const TYPICAL: [&str; 10] = [
    r#"{"detail-type": ["Support Ticket: Status Changed"]}"#,
    r#"{"source": [{"prefix": "aws.partner/zendesk.com"}]}"#,
    r#"{"detail": {"type": ["zen:event-type:ticket.status_changed"]}}"#,
    r#"{"detail": {"ticket_event": {"previous": ["open"], "current": ["solved"]}}}"#,
    r#"{"detail": {"detail": {"tags": ["vip"]}}}"#,
    r#"{"detail": {"detail": {"priority": [{"anything-but": ["LOW", "NORMAL"]}]}}}"#,
    r#"{"detail": {"ticket_event": {"ticket": {"priority": ["urgent"]}}}}"#,
    r#"{"detail": {"event": {"current": ["SOLVED"]}}}"#,
    r#"{"detail-type": [{"prefix": "Support Ticket: Comment"}]}"#,
    r#"{"detail": {"ticket_event": {"ticket": {"via": {"channel": ["email", "web"]}, "assignee_id": [{"exists": true}]}}}}"#,
];

/// `n` patterns: the typical ten, then variations of them (other tags, statuses, channels).
pub fn patterns(n: usize) -> Vec<String> {
    let mut out: Vec<String> = TYPICAL.iter().map(|s| s.to_string()).collect();
    let mut i = 0;
    while out.len() < n {
        out.push(match i % 4 {
            0 => format!(r#"{{"detail": {{"detail": {{"tags": ["tag_{i}", "vip"]}}}}}}"#),
            1 => format!(
                r#"{{"detail": {{"ticket_event": {{"ticket": {{"group_id": [{}]}}}}}}}}"#,
                98_700 + i
            ),
            2 => format!(r#"{{"detail-type": [{{"prefix": "Support Ticket: {i}"}}]}}"#),
            _ => format!(
                r#"{{"source": ["zendesk.webhook"], "detail": {{"type": [{{"prefix": "zen:event-type:ticket.{i}"}}]}}}}"#
            ),
        });
        i += 1;
    }
    out.truncate(n);
    out
}

pub fn compile(texts: &[String]) -> Vec<Pattern> {
    texts
        .iter()
        .map(|t| Pattern::compile(t).unwrap_or_else(|e| panic!("{t}: {e}")))
        .collect()
}

pub fn quamina_for(texts: &[String]) -> quamina::Quamina<usize> {
    let mut q = quamina::Quamina::new();
    for (i, t) in texts.iter().enumerate() {
        q.add_pattern(i, t)
            .unwrap_or_else(|e| panic!("quamina refuses {t}: {e:?}"));
    }
    q
}
