//! EventBridge patterns from the command line: `zdwatch test-pattern`, and `--pattern` on
//! `tail` and `report`, on the built binary over the sample events (both formats, SNS-wrapped).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{capture, run, samples, write_capture, zdwatch};
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(60);

/// The EventBridge event inside a sample body, unwrapped independently of zdwatch's decoder:
/// SNS notifications carry it as a string, a transformer may wrap it one level down.
fn eventbridge(body: &[u8]) -> Option<Value> {
    let mut v: Value = serde_json::from_slice(body).ok()?;
    for _ in 0..5 {
        if v["Type"] == "Notification" {
            v = serde_json::from_str(v["Message"].as_str()?).ok()?;
        } else if v.get("detail-type").is_some() {
            return Some(v);
        } else if let Some(inner) = v
            .as_object()
            .and_then(|m| m.values().find(|x| x.get("detail-type").is_some()))
        {
            v = inner.clone();
        } else {
            return Some(v);
        }
    }
    Some(v)
}

fn all_samples() -> (std::path::PathBuf, Vec<Vec<u8>>) {
    let bodies: Vec<Vec<u8>> = samples().into_iter().map(|(_, b)| b).collect();
    (write_capture("patterns", &capture(&bodies)), bodies)
}

#[test]
fn test_pattern_counts_what_a_direct_check_counts() {
    let (path, bodies) = all_samples();
    let want = bodies
        .iter()
        .filter_map(|b| eventbridge(b))
        .filter(|v| {
            v["source"] == "zendesk.webhook"
                && v["detail"]["type"] == "zen:event-type:ticket.status_changed"
        })
        .count();
    assert!(want > 0);
    let pattern = r#"{"source": ["zendesk.webhook"], "detail": {"type": ["zen:event-type:ticket.status_changed"]}}"#;
    let out = run(
        zdwatch(&[
            "test-pattern",
            "--pattern",
            pattern,
            "--file",
            path.to_str().unwrap(),
            "--format",
            "json",
        ]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    let mut lines = out.lines();
    // A line per event, then the summary: counts and the near misses over all of them.
    let summary = lines.pop().unwrap();
    assert_eq!(lines.len(), bodies.len(), "a line per event");
    let matched = lines.iter().filter(|l| l["matched"] == true).count();
    assert_eq!(matched, want);
    assert_eq!(summary["summary"]["events"], bodies.len());
    assert_eq!(summary["summary"]["matched"], want);
    assert!(summary["summary"]["near_misses"].is_array(), "{summary}");
    assert!(
        out.stderr
            .contains(&format!("{want} of {} events match", bodies.len())),
        "{}",
        out.stderr
    );
    assert!(
        lines
            .iter()
            .filter(|l| l["matched"] == true)
            .all(|l| l["kind"] == "status_changed")
    );
}

#[test]
fn the_classic_mistake_is_explained() {
    let event = common::samples_dir().join("legacy/status_changed.json");
    let out = run(
        zdwatch(&[
            "test-pattern",
            "--pattern",
            r#"{"detail-type": ["Support Ticket:Status Changed"]}"#,
            "--event",
            event.to_str().unwrap(),
            "--explain",
        ]),
        LIMIT,
    );
    assert!(
        out.status.success(),
        "a valid pattern exits 0 whatever matched: {}",
        out.stderr
    );
    let text = out.stdout_text();
    assert!(text.starts_with("no match"), "{text}");
    assert!(text.contains("✗ detail-type"), "{text}");
    assert!(text.contains("differ only in spaces"), "{text}");

    // The same pattern from a file, and the corrected one, on the pretty-printed file via --file.
    let rule = write_capture(
        "rule.json",
        br#"{"detail-type": ["Support Ticket: Status Changed"]}"#,
    );
    let out = run(
        zdwatch(&[
            "test-pattern",
            "--pattern",
            &format!("@{}", rule.display()),
            "--file",
            event.to_str().unwrap(),
        ]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stdout_text().starts_with("match "),
        "{}",
        out.stdout_text()
    );
    assert_eq!(
        out.stdout_text().lines().count(),
        1,
        "a pretty-printed file is one event"
    );
}

#[test]
fn invalid_patterns_exit_2_with_eventbridge_s_reason() {
    let event = common::samples_dir().join("legacy/status_changed.json");
    for (pattern, reason) in [
        (
            r#"{"detail-type": "Support Ticket: Status Changed"}"#,
            "Reason: \"detail-type\" must be an object or an array",
        ),
        (
            r#"{"x": [{"wildcard": "a**b"}]}"#,
            "Reason: Consecutive wildcard characters at pos 2",
        ),
        (r#"{"x": [1,]}"#, "Reason: malformed JSON"),
    ] {
        let out = run(
            zdwatch(&[
                "test-pattern",
                "--pattern",
                pattern,
                "--event",
                event.to_str().unwrap(),
            ]),
            LIMIT,
        );
        assert_eq!(out.status.code(), Some(2), "{pattern}: {}", out.stderr);
        assert!(
            out.stderr.contains("Event pattern is not valid. ") && out.stderr.contains(reason),
            "{pattern}: {}",
            out.stderr
        );
        assert!(out.stderr.contains("at line 1, column"), "{}", out.stderr);
    }
    let missing = run(
        zdwatch(&[
            "test-pattern",
            "--pattern",
            "@/nonexistent/rule.json",
            "--event",
            event.to_str().unwrap(),
        ]),
        LIMIT,
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        missing.stderr.contains("cannot read the pattern file"),
        "{}",
        missing.stderr
    );
}

#[test]
fn tail_and_report_take_a_pattern_with_a_filter() {
    let (path, bodies) = all_samples();
    let pattern = r#"{"source": [{"prefix": "aws.partner/zendesk.com"}]}"#;
    let legacy: Vec<Value> = bodies
        .iter()
        .filter_map(|b| eventbridge(b))
        .filter(|v| {
            v["source"]
                .as_str()
                .is_some_and(|s| s.starts_with("aws.partner/zendesk.com"))
        })
        .collect();
    let out = run(
        zdwatch(&[
            "tail",
            "--file",
            path.to_str().unwrap(),
            "--pattern",
            pattern,
        ]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    let lines = out.lines();
    assert_eq!(lines.len(), legacy.len());
    assert!(lines.iter().all(|l| l["format"] == "legacy"), "{lines:?}");

    // With a filter too: both must hold.
    let out = run(
        zdwatch(&[
            "tail",
            "--file",
            path.to_str().unwrap(),
            "--pattern",
            pattern,
            "--filter",
            "type:status_changed",
        ]),
        LIMIT,
    );
    let want = legacy
        .iter()
        // The connector's casing varies (`STATUS CHANGED`): the filter's kinds ignore it.
        .filter(|v| {
            v["detail"]["ticket_event"]["type"]
                .as_str()
                .is_some_and(|t| t.eq_ignore_ascii_case("Status Changed"))
        })
        .count();
    assert!(want > 0);
    assert_eq!(out.lines().len(), want, "{}", out.stdout_text());

    let out = run(
        zdwatch(&[
            "report",
            "--file",
            path.to_str().unwrap(),
            "--pattern",
            pattern,
        ]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout_text()).unwrap();
    assert_eq!(report["events"], legacy.len());

    let bad = run(
        zdwatch(&["tail", "--file", path.to_str().unwrap(), "--pattern", "[1]"]),
        LIMIT,
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        bad.stderr.contains("Filter is not an object"),
        "{}",
        bad.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deployed_rule_s_pattern_is_fetched_from_the_bus() {
    let moto = common::Moto::start();
    let eb = moto.eventbridge();
    eb.create_event_bus()
        .name("zendesk-bus")
        .send()
        .await
        .unwrap();
    let pattern = r#"{"source": [{"prefix": "aws.partner/zendesk.com"}], "detail-type": ["Support Ticket: Status Changed"]}"#;
    eb.put_rule()
        .name("status-changes")
        .event_bus_name("zendesk-bus")
        .event_pattern(pattern)
        .send()
        .await
        .unwrap();
    let (path, bodies) = all_samples();
    let want = bodies
        .iter()
        .filter_map(|b| eventbridge(b))
        .filter(|v| {
            v["source"]
                .as_str()
                .is_some_and(|s| s.starts_with("aws.partner/zendesk.com"))
                && v["detail-type"] == "Support Ticket: Status Changed"
        })
        .count();
    assert!(want > 0);
    let out = run(
        moto.zdwatch(&[
            "test-pattern",
            "--rule-from-bus",
            "zendesk-bus",
            "--rule",
            "status-changes",
            "--file",
            path.to_str().unwrap(),
            "--format",
            "json",
        ]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(
        out.lines().iter().filter(|l| l["matched"] == true).count(),
        want
    );

    let out = run(
        moto.zdwatch(&[
            "tail",
            "--file",
            path.to_str().unwrap(),
            "--rule-from-bus",
            "zendesk-bus",
            "--rule",
            "status-changes",
        ]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(out.lines().len(), want);

    let missing = run(
        moto.zdwatch(&[
            "test-pattern",
            "--rule-from-bus",
            "zendesk-bus",
            "--rule",
            "nope",
            "--file",
            path.to_str().unwrap(),
        ]),
        LIMIT,
    );
    assert_eq!(missing.status.code(), Some(1), "{}", missing.stderr);
    assert!(
        missing
            .stderr
            .contains("cannot fetch rule nope on bus zendesk-bus"),
        "{}",
        missing.stderr
    );
}

/// The summary counts near misses across every event, without --explain.
#[test]
fn the_summary_counts_near_misses_across_all_events() {
    let demo = common::run(common::zdwatch(&["demo", "--emit", "2000"]), LIMIT);
    let path = common::write_capture("near-misses", &demo.stdout);
    let test = |extra: &[&str]| {
        let mut args = vec![
            "test-pattern",
            "--file",
            path.to_str().unwrap(),
            "--pattern",
            r#"{"detail-type": ["Support Ticket:Status Changed"]}"#,
        ];
        args.extend_from_slice(extra);
        common::run(common::zdwatch(&args), LIMIT)
    };
    let out = test(&[]);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(out.stderr.contains("0 of "), "{}", out.stderr);
    assert!(
        out.stderr.contains("events nearly match: \"Support Ticket:Status Changed\" and \"Support Ticket: Status Changed\" differ only in spaces"),
        "{}",
        out.stderr
    );
    // The same in --format json, as the last document, with its count.
    let json = test(&["--format", "json"]);
    let summary = json.lines().pop().unwrap();
    let near = summary["summary"]["near_misses"].as_array().unwrap();
    assert!(
        near.iter().any(|n| n["events"].as_u64().unwrap() > 0
            && n["why"].as_str().unwrap().contains("differ only in spaces")),
        "{summary}"
    );
}
