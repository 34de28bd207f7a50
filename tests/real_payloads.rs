//! Real-world shapes: payloads built by us to the shapes that others have published (Zendesk's
//! documentation examples, relays and test fixtures of public projects that consume Zendesk
//! webhooks or the Events Connector), each decoded bare, EventBridge-wrapped and SNS-wrapped.
//! The source of each shape is noted beside it; the bodies are our own (no customer data).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on setup failures

mod common;

use jiff::Timestamp;
use serde_json::{Value, json};
use zdwatch_core::event::{Format, TicketEvent, mask, summary};
use zdwatch_core::filter::Filter;

/// How a payload reaches the queue.
#[derive(Clone, Copy, Debug)]
enum Wrap {
    /// As the relay or an `InputPath` rule delivers it.
    Bare,
    /// The EventBridge event a rule delivers whole.
    EventBridge,
    /// That event again inside an SNS notification (a topic between the bus and the queue).
    Sns,
}

const WRAPS: [Wrap; 3] = [Wrap::Bare, Wrap::EventBridge, Wrap::Sns];
const ENVELOPE_TIME: &str = "2026-11-30T09:00:00Z";

/// Wraps the payload's text as it is (a number of 26 digits keeps them all).
fn wrap(payload: &Value, how: Wrap) -> Vec<u8> {
    let text = match payload {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let keys: Value = serde_json::from_str(&text).unwrap();
    let legacy = keys.get("ticket").is_some() && keys.get("meta").is_some();
    let detail_type = if legacy {
        "Support Ticket: Event".to_string()
    } else {
        keys["type"].as_str().unwrap_or("unknown").to_string()
    };
    let (detail, source) = if legacy {
        (
            format!(r#"{{"ticket_event": {text}}}"#),
            "aws.partner/zendesk.com/9242270/default",
        )
    } else {
        (text.clone(), "webhook.custom")
    };
    let eventbridge = format!(
        r#"{{"version": "0", "id": "7d3f7a64-2b1f-4c11-9c36-0a5e1d2c3b4a", "detail-type": {}, "source": "{source}", "account": "123456789012", "time": "{ENVELOPE_TIME}", "region": "eu-west-1", "resources": [], "detail": {detail}}}"#,
        serde_json::to_string(&detail_type).unwrap()
    );
    match how {
        Wrap::Bare => text,
        Wrap::EventBridge => eventbridge,
        Wrap::Sns => format!(
            r#"{{"Type": "Notification", "MessageId": "c1f0e6a4-5d2b-4e4f-9a51-2f0b8d7e6c55", "TopicArn": "arn:aws:sns:eu-west-1:123456789012:zendesk", "Message": {}, "Timestamp": "{ENVELOPE_TIME}"}}"#,
            serde_json::to_string(&eventbridge).unwrap()
        ),
    }
    .into_bytes()
}

fn decoded(payload: &Value, how: Wrap) -> TicketEvent {
    common::decoded_at(wrap(payload, how), "2026-12-01T00:00:00Z".parse().unwrap())
}

/// A payload kept as its text, numbers exactly as written (`json!` would round a 26-digit one).
fn raw(text: &str) -> Value {
    Value::String(text.to_string())
}

/// One shape, what it must decode to in every wrapping.
struct Case {
    name: &'static str,
    /// Where this shape was published.
    source: &'static str,
    payload: Value,
    check: fn(&TicketEvent, Wrap),
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "a comment event whose detail.id is not the ticket",
            source: "relays published on GitHub that pass Zendesk's comment events through; the ticket is in `subject`",
            payload: json!({
                "type": "zen:event-type:ticket.comment_added",
                "account_id": 22129848,
                "id": "2f1c0d9e-0001-4b7a-9c6d-5e4f3a2b1c0d",
                "time": "2026-11-30T08:59:58Z",
                "zendesk_event_version": "2022-11-06",
                "subject": "zen:ticket:35436",
                "detail": {"id": "48123456789", "brand_id": "360001", "via": {"channel": "email"}},
                "event": {"comment": {"id": "48123456789", "body": "Any news?", "is_public": true,
                           "author": {"id": "945680", "name": "A. Customer", "is_staff": false}}}
            }),
            check: |e, _| {
                assert_eq!(e.ticket_id, Some(35436));
                assert_eq!(e.kind.as_str(), "comment_added");
            },
        },
        Case {
            name: "user.active_changed with booleans",
            source: "developer.zendesk.com/api-reference/webhooks/event-types/user-events (event.previous/current are booleans)",
            payload: json!({
                "type": "zen:event-type:user.active_changed",
                "account_id": 22129848,
                "id": "2f1c0d9e-0002-4b7a-9c6d-5e4f3a2b1c0d",
                "time": "2026-11-30T08:59:58Z",
                "subject": "zen:user:6596848315901",
                "detail": {"id": "6596848315901", "role": "end-user"},
                "event": {"previous": true, "current": false}
            }),
            check: |e, _| {
                assert_eq!(e.domain.as_deref(), Some("user"));
                assert_eq!(e.subject_id.as_deref(), Some("6596848315901"));
                assert_eq!(
                    (e.previous.as_deref(), e.current.as_deref()),
                    (Some("true"), Some("false"))
                );
                assert_eq!(e.ticket_id, None);
            },
        },
        Case {
            name: "custom status as objects",
            source: "developer.zendesk.com/api-reference/webhooks/event-types/ticket-events (custom_status_changed; statuses carry an id and a label)",
            payload: json!({
                "type": "zen:event-type:ticket.custom_status_changed",
                "id": "2f1c0d9e-0003-4b7a-9c6d-5e4f3a2b1c0d",
                "time": "2026-11-30T08:59:58Z",
                "subject": "zen:ticket:5158",
                "detail": {"id": "5158", "status": "OPEN"},
                "event": {"previous": {"id": 8447320465790u64, "label": "Waiting on vendor"},
                          "current": {"id": 8447320465791u64, "label": "In progress"}}
            }),
            check: |e, _| {
                assert_eq!(e.previous.as_deref(), Some("Waiting on vendor"));
                assert_eq!(e.current.as_deref(), Some("In progress"));
                assert_eq!(e.ticket.custom_status_id, Some(8447320465791));
                let now: Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
                assert!(
                    Filter::parse("custom_status:8447320465791")
                        .unwrap()
                        .matches(e, now)
                );
                assert!(
                    !Filter::parse("custom_status:8447320465790")
                        .unwrap()
                        .matches(e, now)
                );
                assert_eq!(summary(e), "custom status Waiting on vendor → In progress");
            },
        },
        Case {
            name: "the next SLA breach",
            source: "developer.zendesk.com/api-reference/webhooks/event-types/ticket-events (next_sla_breach_changed: a metric and its breach time)",
            payload: json!({
                "type": "zen:event-type:ticket.next_sla_breach_changed",
                "id": "2f1c0d9e-0004-4b7a-9c6d-5e4f3a2b1c0d",
                "time": "2026-11-30T08:59:58Z",
                "subject": "zen:ticket:5158",
                "detail": {"id": "5158"},
                "event": {"previous": null,
                          "current": {"metric": "first_reply_time", "breach_at": "2026-11-30T14:05:00Z"}}
            }),
            check: |e, _| {
                assert_eq!(e.field.as_deref(), Some("first_reply_time"));
                assert_eq!(summary(e), "first_reply_time breach at 14:05 UTC");
                // Vocabulary and times: kept with masking on.
                assert_eq!(
                    summary(&mask::event(e)),
                    "first_reply_time breach at 14:05 UTC"
                );
            },
        },
        Case {
            name: "a messaging ticket's message",
            source: "relays and consumers on GitHub subscribed to zen:event-type:messaging_ticket.message_added",
            payload: json!({
                "type": "zen:event-type:messaging_ticket.message_added",
                "id": "2f1c0d9e-0005-4b7a-9c6d-5e4f3a2b1c0d",
                "time": "2026-11-30T08:59:58Z",
                "subject": "zen:ticket:777",
                "detail": {"id": "777", "via": {"channel": "native_messaging"}},
                "event": {"message": {"id": "m-19", "body": "my card was charged twice",
                          "author": {"display_name": "Ana L.", "type": "user"},
                          "conversation_id": "c0ffee1234"}}
            }),
            check: |e, _| {
                assert_eq!(e.ticket_id, Some(777));
                let c = e.comment.as_ref().expect("the message");
                assert_eq!(c.body.as_deref(), Some("my card was charged twice"));
                assert_eq!(c.author_name.as_deref(), Some("Ana L."));
                assert_eq!(c.conversation_id.as_deref(), Some("c0ffee1234"));
                assert_eq!(summary(e), "message by Ana L.: my card was charged twice");
                let masked = mask::event(e);
                let shown = format!(
                    "{} {}",
                    summary(&masked),
                    String::from_utf8_lossy(&masked.raw)
                );
                assert!(
                    !shown.contains("charged") && !shown.contains("Ana"),
                    "{shown}"
                );
                let kept = masked
                    .comment
                    .as_ref()
                    .and_then(|c| c.conversation_id.as_deref());
                assert_eq!(kept, Some("c0ffee1234"), "an id stays");
                let mut named = e.clone();
                named.comment.as_mut().unwrap().conversation_id = Some("Ana L. chat".into());
                let hidden = mask::event(&named).comment.unwrap().conversation_id;
                assert_ne!(
                    hidden.as_deref(),
                    Some("Ana L. chat"),
                    "text that is no id is hidden"
                );
            },
        },
        Case {
            name: "a custom field named with field_id / field_name",
            source: "relays on GitHub that flatten custom_field into field_id and field_name",
            payload: json!({
                "type": "zen:event-type:ticket.custom_field_changed",
                "id": "2f1c0d9e-0006-4b7a-9c6d-5e4f3a2b1c0d",
                "time": "2026-11-30T08:59:58Z",
                "subject": "zen:ticket:5158",
                "detail": {"id": "5158"},
                "event": {"field_id": 360012345678u64, "field_name": "Plan", "previous": "basic", "current": "gold"}
            }),
            check: |e, _| {
                assert_eq!(e.field.as_deref(), Some("Plan"));
                assert_eq!(summary(e), "Plan basic → gold");
            },
        },
        Case {
            name: "a satisfaction rating",
            source: "developer.zendesk.com/api-reference/webhooks/event-types/ticket-events (csat_received)",
            payload: json!({
                "type": "zen:event-type:ticket.csat_received",
                "id": "2f1c0d9e-0007-4b7a-9c6d-5e4f3a2b1c0d",
                "time": "2026-11-30T08:59:58Z",
                "subject": "zen:ticket:5158",
                "detail": {"id": "5158"},
                "event": {"current": {"score": "BAD", "comment": "took three days"}}
            }),
            check: |e, _| {
                assert_eq!(e.current.as_deref(), Some("bad"));
                assert_eq!(summary(e), "csat bad: took three days");
            },
        },
        Case {
            name: "an attachment with its file URL",
            source: "developer.zendesk.com/api-reference/integration-services/trigger-events/ticket-events (attachment.content_url)",
            payload: json!({
                "type": "zen:event-type:ticket.attachment_linked_to_comment",
                "id": "2f1c0d9e-0008-4b7a-9c6d-5e4f3a2b1c0d",
                "time": "2026-11-30T08:59:58Z",
                "subject": "zen:ticket:5158",
                "detail": {"id": "5158"},
                "event": {"comment": {"id": "90", "attachment": {"id": "12345", "filename": "invoice.pdf",
                          "content_type": "application/pdf",
                          "content_url": "https://example.zendesk.com/attachments/token/abc/?name=invoice.pdf"}}}
            }),
            check: |e, _| {
                let a = e.attachment.as_ref().expect("the attachment");
                assert_eq!(
                    a.content_url.as_deref(),
                    Some("https://example.zendesk.com/attachments/token/abc/?name=invoice.pdf")
                );
                let masked = mask::event(e);
                assert_ne!(masked.attachment.unwrap().content_url, a.content_url);
            },
        },
        Case {
            name: "a legacy ticket event with a 26-digit sequence id",
            source: "developer.zendesk.com/api-reference/integration-services/trigger-events/ticket-events (input.ticket_event; sequence ids as long numbers in captures)",
            payload: raw(
                r#"{"meta": {"version": "1.0", "occurred_at": "2026-11-30T08:59:58Z", "ref": "1-1234567890",
                        "sequence": {"id": 39300000000000000000000001, "position": 1, "total": 2}},
                      "type": "Status Changed", "previous": "open", "current": "solved",
                      "ticket": {"id": 35436, "status": "solved", "brand_id": 360001, "via": {"channel": "web"}}}"#,
            ),
            check: |e, _| {
                assert_eq!(e.format, Format::Legacy);
                assert_eq!(e.ticket_id, Some(35436));
                let s = e.sequence.as_ref().expect("a sequence");
                assert_eq!(s.id, "39300000000000000000000001");
            },
        },
        Case {
            name: "a test fixture with a numeric detail.id and no id or time",
            source: "test fixtures of public projects that verify Zendesk webhook signatures (type and detail only)",
            payload: json!({"type": "zen:event-type:ticket.created", "detail": {"id": 4471, "status": "NEW"}}),
            check: |e, how| {
                assert_eq!(e.ticket_id, Some(4471));
                match how {
                    // Never the time it was read.
                    Wrap::Bare => {
                        assert!(e.time_unknown());
                        assert!(
                            e.problem.as_deref().unwrap().contains("unknown"),
                            "{:?}",
                            e.problem
                        );
                    }
                    _ => assert_eq!(e.occurred_at, Some(ENVELOPE_TIME.parse().unwrap())),
                }
            },
        },
        Case {
            name: "a time that cannot be read",
            source: "relays that put the time in their own format",
            payload: json!({
                "type": "zen:event-type:ticket.status_changed",
                "id": "2f1c0d9e-0010-4b7a-9c6d-5e4f3a2b1c0d",
                "time": "30/11/2026 08:59",
                "subject": "zen:ticket:5158",
                "detail": {"id": "5158"},
                "event": {"previous": "OPEN", "current": "SOLVED"}
            }),
            check: |e, how| {
                let p = e.problem.as_deref().unwrap_or_default();
                assert!(
                    p.contains("30/11/2026 08:59") && p.contains("cannot be read"),
                    "{p}"
                );
                match how {
                    Wrap::Bare => assert!(e.time_unknown() && e.occurred_at.is_none()),
                    _ => assert_eq!(e.occurred_at, Some(ENVELOPE_TIME.parse().unwrap())),
                }
            },
        },
    ]
}

#[test]
fn published_shapes_decode_whole_in_every_wrapping() {
    for case in cases() {
        for how in WRAPS {
            let e = decoded(&case.payload, how);
            assert_ne!(
                e.format,
                Format::Unrecognized,
                "{} ({how:?}; {}): {:?}",
                case.name,
                case.source,
                e.problem
            );
            let run = std::panic::catch_unwind(|| (case.check)(&e, how));
            if run.is_err() {
                panic!("{} ({how:?}), shape from {}", case.name, case.source);
            }
        }
    }
}

/// A rule with `InputPath: $.detail.ticket_event` delivers the legacy ticket event on its own.
#[test]
fn a_bare_ticket_event_is_recognised_by_its_structure() {
    let bare = raw(
        r#"{"meta": {"version": "1.0", "occurred_at": "2026-11-30T08:59:58Z"},
                      "type": "Priority Changed", "previous": "low", "current": "high",
                      "ticket": {"id": 35436, "priority": "high"}}"#,
    );
    let e = decoded(&bare, Wrap::Bare);
    assert_eq!(e.format, Format::Legacy, "{:?}", e.problem);
    assert_eq!(e.kind.as_str(), "priority_changed");
    assert_eq!(
        (e.previous.as_deref(), e.current.as_deref()),
        (Some("low"), Some("high"))
    );
    // Something else with a `type` and a `ticket` is not taken for one without its `meta`.
    let other = json!({"type": "order", "ticket": {"id": 1}});
    assert_eq!(decoded(&other, Wrap::Bare).format, Format::Unrecognized);
}

/// Distinct events that share a webhook id (copied fixtures, test relays) are both kept; the same
/// event delivered twice is one.
#[test]
fn events_sharing_an_id_are_not_merged() {
    let a = json!({"type": "zen:event-type:ticket.created", "id": "evt-00000353", "time": "2026-11-30T08:59:58Z", "detail": {"id": "1"}});
    let mut b = a.clone();
    b["type"] = json!("zen:event-type:ticket.status_changed");
    let (ea, eb) = (decoded(&a, Wrap::Bare), decoded(&b, Wrap::Bare));
    assert_ne!(ea.event_id, eb.event_id);
    assert_eq!(
        decoded(&a, Wrap::Sns).event_id,
        ea.event_id,
        "one event, however wrapped"
    );
    let mut store = zdwatch_core::store::EventStore::new(10);
    assert!(store.insert(&ea).is_some());
    assert!(store.insert(&eb).is_some());
    assert!(store.insert(&decoded(&a, Wrap::EventBridge)).is_none());
}
