//! Table-driven: every body in assets/samples decodes to the fields listed for it in
//! tests/fixtures/samples-expected.json (written by scripts/make-samples, independently of the decoder).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on setup failures

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde_json::{Value, json};
use zdwatch_core::event::{KNOWN_KINDS, Received, TicketEvent, decode};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn decode_file(rel: &str) -> TicketEvent {
    let body = std::fs::read(root().join("assets/samples").join(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"));
    let received_at: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    decode(Received {
        body,
        message_id: None,
        received_at,
    })
}

/// The decoded value for one expectation key, as JSON.
fn actual(e: &TicketEvent, key: &str) -> Value {
    let c = e.comment.as_ref();
    let a = e.attachment.as_ref();
    match key {
        "format" => json!(e.format.as_str()),
        "kind" => json!(e.kind.as_str()),
        "domain" => json!(e.domain),
        "subject_id" => json!(e.subject_id),
        "ticket_id" => json!(e.ticket_id),
        "event_id" => json!(e.event_id),
        "actor_id" => json!(e.actor_id),
        "occurred_at" => json!(e.occurred_at.map(|t| t.to_string())),
        "sequence_id" => json!(e.sequence.as_ref().map(|s| s.id.clone())),
        "status" => json!(e.ticket.status),
        "priority" => json!(e.ticket.priority),
        "group_id" => json!(e.ticket.group_id),
        "assignee_id" => json!(e.ticket.assignee_id),
        "channel" => json!(e.ticket.channel),
        "tags" => json!(e.ticket.tags),
        "subject" => json!(e.ticket.subject),
        "zendesk_account_id" => json!(e.envelope.zendesk_account_id),
        "sns_message_id" => json!(e.envelope.sns_message_id),
        "previous" => json!(e.previous),
        "current" => json!(e.current),
        "tags_added" => json!(e.tags_added),
        "tags_removed" => json!(e.tags_removed),
        "users_added" => json!(e.users_added),
        "users_removed" => json!(e.users_removed),
        "field" => json!(e.field),
        "comment_body" => json!(c.and_then(|c| c.body.clone())),
        "comment_author" => json!(c.and_then(|c| c.author_name.clone())),
        "comment_public" => json!(c.and_then(|c| c.public)),
        "comment_id" => json!(c.and_then(|c| c.id)),
        "attachment_filename" => json!(a.and_then(|a| a.filename.clone())),
        "attachment_comment_id" => json!(a.and_then(|a| a.comment_id)),
        other => panic!("samples-expected.json uses an unknown key {other:?}: add it to this test"),
    }
}

fn same_time(want: &Value, got: &Value) -> bool {
    let parse = |v: &Value| v.as_str().and_then(|s| s.parse::<Timestamp>().ok());
    parse(want).is_some() && parse(want) == parse(got)
}

#[test]
fn every_sample_decodes_to_its_expected_fields() {
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/samples-expected.json")).unwrap();
    let expected: Vec<Value> = serde_json::from_str(&text).unwrap();
    let mut failures = Vec::new();
    for want in &expected {
        let file = want["file"].as_str().unwrap();
        let event = decode_file(file);
        for (key, want_value) in want.as_object().unwrap() {
            let ok = match key.as_str() {
                "file" => true,
                "event_id_prefix" => event.event_id.starts_with(want_value.as_str().unwrap()),
                "problem_contains" => event
                    .problem
                    .as_deref()
                    .is_some_and(|p| p.contains(want_value.as_str().unwrap())),
                "occurred_at" => same_time(want_value, &actual(&event, key)),
                _ => &actual(&event, key) == want_value,
            };
            if !ok {
                failures.push(format!(
                    "{file}: {key}: want {want_value}, got {}",
                    actual_or_note(&event, key)
                ));
            }
        }
        // Nothing is lost: the body is kept byte for byte.
        assert_eq!(
            event.raw,
            std::fs::read(root().join("assets/samples").join(file)).unwrap(),
            "{file}"
        );
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn actual_or_note(e: &TicketEvent, key: &str) -> String {
    match key {
        "event_id_prefix" => e.event_id.clone(),
        "problem_contains" => format!("{:?}", e.problem),
        _ => actual(e, key).to_string(),
    }
}

#[test]
fn every_sample_file_has_expectations_and_every_kind_has_a_sample_in_each_format() {
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/samples-expected.json")).unwrap();
    let expected: Vec<Value> = serde_json::from_str(&text).unwrap();
    let listed: BTreeSet<String> = expected
        .iter()
        .map(|e| e["file"].as_str().unwrap().to_string())
        .collect();

    let mut on_disk = BTreeSet::new();
    for dir in std::fs::read_dir(root().join("assets/samples")).unwrap() {
        let dir = dir.unwrap().path();
        if dir.is_dir() {
            for f in std::fs::read_dir(&dir).unwrap() {
                let f = f.unwrap().path();
                let rel = f.strip_prefix(root().join("assets/samples")).unwrap();
                on_disk.insert(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    assert_eq!(
        listed, on_disk,
        "samples without expectations, or expectations without samples"
    );

    for kind in KNOWN_KINDS {
        let webhook = format!("webhook/{}.json", kind.as_str());
        assert!(
            Path::new(&root().join("assets/samples").join(&webhook)).exists(),
            "missing {webhook}"
        );
        if kind.legacy_name().is_some() {
            let legacy = format!("legacy/{}.json", kind.as_str());
            assert!(
                root().join("assets/samples").join(&legacy).exists(),
                "missing {legacy}"
            );
        }
    }
}

#[test]
fn identity_falls_back_from_webhook_id_to_eventbridge_to_sns_to_sqs_to_hash() {
    let at: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let d = |body: &str, mid: Option<&str>| {
        decode(Received {
            body: body.as_bytes().to_vec(),
            message_id: mid.map(Into::into),
            received_at: at,
        })
        .event_id
    };
    let webhook = r#"{"detail-type":"x","id":"eb-1","detail":{"type":"zen:event-type:ticket.created","id":"wh-1","detail":{"id":"1"}}}"#;
    // The webhook id with its type: two different events that share an id (copied fixtures)
    // are not merged.
    assert_eq!(d(webhook, Some("m")), "wh-1 zen:event-type:ticket.created");
    let same_id = webhook.replace("ticket.created", "ticket.status_changed");
    assert_ne!(d(&same_id, Some("m")), d(webhook, Some("m")));
    let legacy = r#"{"detail-type":"x","id":"eb-2","detail":{"ticket_event":{"type":"Ticket Created","ticket":{"id":1}}}}"#;
    assert_eq!(d(legacy, Some("m")), "eb-2");
    let sns = r#"{"Type":"Notification","MessageId":"sns-3","Message":"{\"ticket_event\":{\"type\":\"Ticket Created\"}}"}"#;
    assert_eq!(d(sns, Some("m")), "sns:sns-3");
    assert_eq!(d("not json", Some("m-4")), "sqs:m-4");
    let a = d("not json", None);
    assert!(a.starts_with("xxh3:"));
    assert_eq!(a, d("not json", None), "the hash is stable");
    assert_ne!(a, d("not json!", None));
}

#[test]
fn a_webhook_retried_through_the_relay_keeps_its_identity() {
    let at: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let body =
        std::fs::read_to_string(root().join("assets/samples/webhook/status_changed.json")).unwrap();
    let mut second: Value = serde_json::from_str(&body).unwrap();
    second["id"] = json!("another-eventbridge-id");
    let first = common::decoded_at(body.into_bytes(), at);
    let retry = common::decoded_at(second.to_string().into_bytes(), at);
    assert_eq!(first.event_id, retry.event_id);
    assert_ne!(first.envelope.eventbridge_id, retry.envelope.eventbridge_id);
}

#[test]
fn hostile_bodies_decode_without_panicking() {
    let at: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_obj = format!("{}1{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000));
    let many_tags = json!({"type": "zen:event-type:ticket.tags_changed", "id": "t",
        "detail": {"id": "1", "tags": (0..10_000).map(|i| format!("t{i}")).collect::<Vec<_>>()},
        "event": {"tags_added": ["x"]}})
    .to_string();
    let huge_number = r#"{"type":"zen:event-type:ticket.status_changed","id":"n","detail":{"id":1e400,"group_id":99999999999999999999999}}"#;
    let bodies: Vec<Vec<u8>> = vec![
        deep.into_bytes(),
        deep_obj.into_bytes(),
        many_tags.into_bytes(),
        huge_number.as_bytes().to_vec(),
        vec![0, 159, 146, 150],
        b"".to_vec(),
        b"null".to_vec(),
        b"\"just a string\"".to_vec(),
        br#"{"Type":"Notification","Message":"{\"Type\":\"Notification\",\"Message\":\"{\\\"Type\\\":\\\"Notification\\\",\\\"Message\\\":\\\"{}\\\"}\"}"}"#.to_vec(),
        vec![b'x'; 256 * 1024],
    ];
    for body in bodies {
        let len = body.len();
        let e = decode(Received {
            body,
            message_id: None,
            received_at: at,
        });
        assert_eq!(e.raw.len(), len, "raw body kept");
        assert!(!e.event_id.is_empty());
    }
}
