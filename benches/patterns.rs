//! EventBridge pattern matching (issue: event patterns). Run with `scripts/bench patterns`;
//! results go in BENCHMARKS.md. Inputs: 10,000 demo events (both formats), unwrapped to the
//! EventBridge event a rule sees, matched against 1, 10 and 100 patterns:
//!
//! - `zdwatch decoded`: events already parsed into zdwatch's matching tree (only the parts the
//!   patterns look at), matched by a `PatternSet` (each field path looked up once);
//! - `zdwatch raw`: reading each body (only those parts), then matching: what `tail --pattern`
//!   and the monitor do with their one pattern;
//! - `quamina raw`: the `quamina` crate on the same bytes and the same patterns (operators both
//!   support: exact values, prefix, anything-but, exists), checked to find the same matches.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};
use zdwatch_core::pattern::{Pattern, PatternSet};
use zdwatch_core::tree::{Needs, Tree};
use zdwatch_sources::demo::Simulator;

const EVENTS: usize = 10_000;

/// The EventBridge events of the demo (SNS layers taken off), as bytes.
fn events() -> Vec<Vec<u8>> {
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
fn patterns(n: usize) -> Vec<String> {
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

fn compile(texts: &[String]) -> Vec<Pattern> {
    texts
        .iter()
        .map(|t| Pattern::compile(t).unwrap_or_else(|e| panic!("{t}: {e}")))
        .collect()
}

fn quamina_for(texts: &[String]) -> quamina::Quamina<usize> {
    let mut q = quamina::Quamina::new();
    for (i, t) in texts.iter().enumerate() {
        q.add_pattern(i, t)
            .unwrap_or_else(|e| panic!("quamina refuses {t}: {e:?}"));
    }
    q
}

fn bench(c: &mut Criterion) {
    let raw = events();
    let mut group = c.benchmark_group("patterns");
    group.throughput(Throughput::Elements(raw.len() as u64));
    group.sample_size(10);
    for n in [1, 10, 100] {
        let texts = patterns(n);
        let compiled = compile(&texts);
        let q = quamina_for(&texts);
        let needs = Needs::of(compiled.iter().flat_map(|p| p.paths()));
        let set = PatternSet::new(compiled.clone());
        let decoded: Vec<Tree> = raw
            .iter()
            .map(|b| Tree::parse_needed(b, &needs).unwrap_or(Tree::Null))
            .collect();
        // Same work on both sides: the same matches, event by event.
        let mut total = 0;
        for (bytes, value) in raw.iter().zip(&decoded) {
            let mut ours: Vec<usize> = (0..n).filter(|i| compiled[*i].matches(value)).collect();
            let mut theirs = q.matches_for_event(bytes).unwrap_or_default();
            ours.sort_unstable();
            theirs.sort_unstable();
            theirs.dedup();
            assert_eq!(ours, theirs, "{}", String::from_utf8_lossy(bytes));
            total += ours.len();
        }
        assert!(total > 0, "the patterns match something");

        group.bench_function(format!("zdwatch decoded, {n} patterns"), |b| {
            let mut found = Vec::new();
            b.iter(|| {
                let mut hits = 0usize;
                for v in &decoded {
                    set.matches(v, &mut found);
                    hits += found.len();
                }
                hits
            })
        });
        group.bench_function(format!("zdwatch raw, {n} patterns"), |b| {
            let mut found = Vec::new();
            b.iter(|| {
                let mut hits = 0usize;
                for bytes in &raw {
                    set.matches_body(bytes, &mut found);
                    hits += found.len();
                }
                hits
            })
        });
        group.bench_function(format!("quamina raw, {n} patterns"), |b| {
            b.iter(|| {
                let mut hits = 0usize;
                for bytes in &raw {
                    hits += q.matches_for_event(bytes).map_or(0, |m| m.len());
                }
                hits
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
