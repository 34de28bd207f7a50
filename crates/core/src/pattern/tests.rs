//! Zendesk-shaped events in both formats against the patterns people write for them.

use serde_json::Value;

use super::*;

fn sample(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/samples")
        .join(name);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn zendesk_patterns_in_both_formats() {
    let legacy = sample("legacy/status_changed.json");
    let webhook = sample("webhook/status_changed.json");
    // (pattern, legacy matches, webhook matches)
    let cases = [
        (
            r#"{"detail-type": ["Support Ticket: Status Changed"]}"#,
            true,
            false,
        ),
        // The classic mistake: no space after the colon.
        (
            r#"{"detail-type": ["Support Ticket:Status Changed"]}"#,
            false,
            false,
        ),
        (
            r#"{"source": [{"prefix": "aws.partner/zendesk.com"}]}"#,
            true,
            false,
        ),
        (
            r#"{"detail": {"type": ["zen:event-type:ticket.status_changed"]}}"#,
            false,
            true,
        ),
        (
            r#"{"detail": {"ticket_event": {"ticket": {"id": [35436]}}}}"#,
            true,
            false,
        ),
        // Legacy ids are numbers, webhook ids strings.
        (
            r#"{"detail": {"ticket_event": {"ticket": {"id": ["35436"]}}}}"#,
            false,
            false,
        ),
        (r#"{"detail": {"detail": {"id": ["5158"]}}}"#, false, true),
        (
            r#"{"detail": {"ticket_event.ticket.id": [35436]}}"#,
            true,
            false,
        ),
        (
            r#"{"detail": {"ticket_event": {"previous": ["new"], "current": ["open"]}}}"#,
            true,
            false,
        ),
        (
            r#"{"detail": {"event": {"current": [{"equals-ignore-case": "solved"}]}}}"#,
            false,
            true,
        ),
        (
            r#"{"detail": {"detail": {"tags": ["login", "vip"]}}}"#,
            false,
            true,
        ),
        // Per element: the only tag is the excluded one.
        (
            r#"{"detail": {"ticket_event": {"ticket": {"tags": [{"anything-but": "enterprise"}]}}}}"#,
            false,
            false,
        ),
        (
            r#"{"detail": {"detail": {"tags": [{"anything-but": "mobile"}]}}}"#,
            false,
            true,
        ),
        (
            r#"{"detail": {"ticket_event": {"ticket": {"priority": [{"anything-but": ["low", "normal"]}]}}}}"#,
            false,
            false,
        ),
        (
            r#"{"detail": {"ticket_event": {"ticket": {"group_id": [{"numeric": [">", 98700, "<=", 98738]}]}}}}"#,
            true,
            false,
        ),
        (
            r#"{"detail": {"ticket_event": {"ticket": {"external_id": [{"exists": true}]}}}}"#,
            true,
            false,
        ),
        (
            r#"{"detail": {"detail": {"external_id": [null]}}}"#,
            false,
            true,
        ),
        (
            r#"{"detail": {"detail": {"external_id": [{"exists": true}]}}}"#,
            false,
            true,
        ),
        (
            r#"{"detail": {"detail": {"missing": [{"exists": false}]}}}"#,
            true,
            true,
        ),
        (
            r#"{"detail": {"detail": {"subject": [{"wildcard": "*log in*"}]}}}"#,
            false,
            true,
        ),
        (
            r#"{"detail": {"detail": {"via": {"channel": [{"suffix": "_service"}]}}}}"#,
            false,
            true,
        ),
        (
            r#"{"$or": [{"detail-type": ["Support Ticket: Status Changed"]}, {"detail": {"type": [{"prefix": "zen:event-type:ticket."}]}}]}"#,
            true,
            true,
        ),
        (r#"{"resources": ["Support Ticket"]}"#, true, false),
        (r#"{"resources": [{"exists": false}]}"#, false, true),
    ];
    let raw = |name: &str| {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../assets/samples")
                .join(name),
        )
        .unwrap()
    };
    // Bodies as they arrive, read only as far as each pattern needs; SNS-wrapped ones too.
    let bodies = [
        (raw("legacy/status_changed.json"), true),
        (raw("webhook/status_changed.json"), false),
    ];
    let sns = raw("envelopes/sns-legacy.json");
    let mut wrong = Vec::new();
    for (text, want_legacy, want_webhook) in cases {
        let p = Pattern::compile(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        for (body, legacy) in &bodies {
            let want = if *legacy { want_legacy } else { want_webhook };
            if p.matches_body(body) != want {
                wrong.push(format!(
                    "body ({}) {text} should be {want}",
                    if *legacy { "legacy" } else { "webhook" }
                ));
            }
        }
        let inner = with_sns_message(&sns);
        if p.matches_body(&sns) != p.matches(&inner) {
            wrong.push(format!(
                "SNS-wrapped body disagrees with its message: {text}"
            ));
        }
        if p.matches(&legacy) != want_legacy {
            wrong.push(format!("legacy {text} should be {want_legacy}"));
        }
        if p.matches(&webhook) != want_webhook {
            wrong.push(format!("webhook {text} should be {want_webhook}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn with_sns_message(body: &[u8]) -> Value {
    let outer: Value = serde_json::from_slice(body).unwrap();
    serde_json::from_str(outer["Message"].as_str().unwrap()).unwrap()
}

#[test]
fn explain_marks_each_field_and_points_at_near_misses() {
    let legacy = sample("legacy/status_changed.json");
    let p = Pattern::compile(
        r#"{"detail-type": ["Support Ticket:Status Changed"], "source": [{"prefix": "aws.partner/"}],
            "ticket_event": {"ticket": {"id": ["35436"]}}}"#,
    )
    .unwrap();
    let e = p.explain(&legacy);
    assert!(!e.matched);
    let text = e.to_text();
    assert!(text.contains("✗ detail-type"), "{text}");
    assert!(text.contains("✓ source"), "{text}");
    assert!(
        text.contains("the event has \"Support Ticket: Status Changed\""),
        "{text}"
    );
    assert!(text.contains("differ only in spaces"), "{text}");
    assert!(text.contains("under detail"), "{text}");

    let p = Pattern::compile(
        r#"{"detail": {"ticket_event": {"ticket": {"id": ["35436"], "priority": ["LOW"]}}}}"#,
    )
    .unwrap();
    let text = p.explain(&legacy).to_text();
    assert!(text.contains("write it without quotes"), "{text}");
    assert!(text.contains("differ only in case"), "{text}");

    let p =
        Pattern::compile(r#"{"$or": [{"source": ["x"]}, {"account": ["123456789012"]}]}"#).unwrap();
    let e = p.explain(&legacy);
    assert!(e.matched);
    assert!(e.to_text().contains("✓ $or: any of"), "{}", e.to_text());
    assert!(e.to_text().contains("✗ branch 1"), "{}", e.to_text());
}

#[test]
fn errors_say_where() {
    let e = Pattern::compile("{\n  \"detail\": {\"state\": [{\"prefix\": 1}]}\n}").unwrap_err();
    assert_eq!(
        e.to_string(),
        "Event pattern is not valid. Reason: prefix match pattern must be a string"
    );
    assert_eq!(e.position, Some((2, 35)));
    let e = Pattern::compile("{\"a\": [1,]}").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("Event pattern is not valid. Reason: malformed JSON"),
        "{e}"
    );
    assert_eq!(e.position, Some((1, 10)));
}

#[test]
fn limits() {
    let branch = |n: usize| {
        let alts: Vec<String> = (0..n).map(|i| format!("{{\"f{i}\": [1]}}")).collect();
        format!("[{}]", alts.join(","))
    };
    // 10 × 10 × 10 = 1000 combinations: allowed; one more branch tips it over.
    let ok = format!(
        r#"{{"a": {{"$or": {b}}}, "b": {{"$or": {b}}}, "c": {{"$or": {b}}}}}"#,
        b = branch(10)
    );
    Pattern::compile(&ok).unwrap();
    let over = format!(
        r#"{{"a": {{"$or": {b}}}, "b": {{"$or": {b}}}, "c": {{"$or": {c}}}}}"#,
        b = branch(10),
        c = branch(11)
    );
    let e = Pattern::compile(&over).unwrap_err();
    assert!(e.reason.contains("1100 combinations"), "{e}");
    let long = format!(r#"{{"a": ["{}"]}}"#, "x".repeat(MAX_PATTERN_CHARS));
    assert!(Pattern::compile(&long).unwrap_err().reason.contains("2048"));
}

#[test]
fn wildcard_complexity() {
    let states = |w: &str| {
        wildcard::wildcard_states(&matcher::Wildcard {
            parts: w.split('*').map(String::from).collect(),
        })
    };
    for simple in [
        "*",
        "dir/*.png",
        "*/lib/*",
        "arn:aws:events:us-east-1:*:event-bus/*",
        "zen:event-type:ticket.*",
        "/Users/*/dir/dir/dir/dir/dir/doc.txt",
        "*:*:*:*",
    ] {
        assert!(states(simple) <= 4, "{simple}: {}", states(simple));
    }
    assert!(states("*:*:*:*:*:event-bus/*") > 4);
    assert!(wildcard::wildcard("*:*:*:*:*:event-bus/*", 0).is_err());
    assert!(wildcard::wildcard("/Users/*/dir/dir/dir/dir/dir/doc.txt", 0).is_ok());
}

#[test]
fn near_misses_are_counted_across_events() {
    let p = Pattern::compile(r#"{"detail-type": ["Support Ticket:Status Changed"]}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    let body = |dt: &str, id: u32| {
        format!(r#"{{"version":"0","id":"{id}","source":"s","account":"1","time":"2026-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail-type":"{dt}","detail":{{}}}}"#)
            .into_bytes()
    };
    let bodies: Vec<Vec<u8>> = (0..5)
        .map(|i| body("Support Ticket: Status Changed", i))
        .chain((5..7).map(|i| body("Support Ticket: Comment Created", i)))
        .chain([b"not json".to_vec()])
        .collect();
    let misses = p.near_misses(bodies.iter().map(Vec::as_slice));
    assert_eq!(misses.len(), 1, "{misses:?}");
    assert_eq!(misses[0].0, 5);
    assert!(
        misses[0].1.contains("differ only in spaces"),
        "{}",
        misses[0].1
    );
    let exact = Pattern::compile(r#"{"detail-type": ["Support Ticket: Status Changed"]}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        exact
            .near_misses(bodies.iter().map(Vec::as_slice))
            .is_empty()
    );
}

#[test]
fn explain_names_the_array_element_that_satisfied_the_pattern_or_says_none_did() {
    let event: Value = serde_json::from_str(
        r#"{"employees": [{"firstName": "John", "lastName": "Doe"}, {"firstName": "Anna", "lastName": "Smith"}]}"#,
    )
    .unwrap();
    let p = Pattern::compile(r#"{"employees": {"firstName": ["Anna"], "lastName": ["Smith"]}}"#)
        .unwrap();
    let x = p.explain(&event);
    assert!(x.matched);
    assert!(
        x.to_text().contains("employees[1] satisfies every field"),
        "{}",
        x.to_text()
    );
    let p =
        Pattern::compile(r#"{"employees": {"firstName": ["Anna"], "lastName": ["Doe"]}}"#).unwrap();
    let x = p.explain(&event);
    assert!(!x.matched && !p.matches(&event));
    assert!(
        x.to_text().contains("no single array element"),
        "{}",
        x.to_text()
    );
}
