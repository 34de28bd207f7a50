//! A corpus of bodies with personal data planted in every field that can hold it, for every
//! event kind in both formats, bare and SNS-wrapped. Every planted text holds `Zq` (in some case)
//! or the phone digits `7946`, so an output leaks iff it holds one of those.

use serde_json::{Value, json};
use zdwatch_core::event::{KNOWN_KINDS, Kind};

/// Whether `text` holds anything planted (case-insensitive).
pub fn leaks(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    // The phone's digits count unless they are the middle of some other number (a timestamp's
    // nanoseconds once read `…902794677Z`): after a non-digit, or after the `20` of the number.
    let planted = |needle: &str, at: usize| {
        needle != "7946"
            || !lower[..at].ends_with(|c: char| c.is_ascii_digit())
            || lower[..at].ends_with("20")
    };
    ["zq", "7946"].into_iter().find_map(|needle| {
        lower
            .match_indices(needle)
            .map(|(at, _)| at)
            .find(|&at| planted(needle, at))
            .map(|at| {
                let start = lower[..at]
                    .char_indices()
                    .rev()
                    .nth(40)
                    .map_or(0, |(i, _)| i);
                let end = (at + 40).min(lower.len());
                let end = (end..=lower.len())
                    .find(|i| lower.is_char_boundary(*i))
                    .unwrap_or(lower.len());
                format!("{needle:?} in …{}…", &text[start..end])
            })
    })
}

/// A person's words, numbered.
fn words(n: usize) -> String {
    format!("Zq{n} Lopez wrote: call me")
}

fn email(n: usize) -> String {
    format!("zq{n}.lopez@example.com")
}

fn phone(n: usize) -> String {
    format!("+44 20 7946 {n:04}")
}

/// Comment text with all three kinds of personal data.
fn comment_text(n: usize) -> String {
    format!("{} on {} or {}", words(n), phone(n), email(n))
}

/// Kinds whose before/after are free text (the rest carry ids or enumerations).
fn text_diff(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::SubjectChanged | Kind::DescriptionChanged | Kind::ExternalIdChanged
    )
}

fn diff_for(kind: &Kind) -> (Value, Value) {
    match kind {
        Kind::StatusChanged => (json!("OPEN"), json!("SOLVED")),
        Kind::PriorityChanged => (json!("LOW"), json!("URGENT")),
        Kind::TypeChanged => (json!("QUESTION"), json!("INCIDENT")),
        Kind::TaskDueAtChanged => (json!(null), json!("2026-01-09T10:00:00Z")),
        _ => (json!("360001"), json!("360002")),
    }
}

/// The `event` object of a webhook ticket event of `kind`, personal data planted where it fits.
fn webhook_event(kind: &Kind, n: usize) -> Value {
    let mut event = match kind {
        Kind::CommentAdded | Kind::CommentMadePrivate | Kind::CommentRedacted => json!({
            "comment": {"id": "77", "body": comment_text(n), "html_body": format!("<p>{}</p>", words(n + 1)),
                        "is_public": true,
                        "author": {"id": "945680", "name": words(n + 2), "email": email(n + 2), "is_staff": false}}
        }),
        Kind::AttachmentLinkedToComment | Kind::AttachmentRedactedFromComment => json!({
            "comment": {"id": "77", "is_public": true,
                        "attachment": {"id": "88", "filename": format!("Zq{n} passport.pdf"),
                                       "content_url": format!("https://acme.zendesk.com/attachments/token/t/?name=Zq{n}.pdf"),
                                       "content_type": "application/pdf", "is_public": true}}
        }),
        Kind::CustomFieldChanged => json!({
            "custom_field": {"id": "360001", "title": "Shipping address", "type": "text"},
            "previous": {"value": format!("Zq{n} Main Street 1, {}", phone(n))},
            "current": {"value": email(n + 1), "id": "9"}
        }),
        Kind::TagsChanged => json!({"tags_added": ["vip"], "tags_removed": ["new"]}),
        Kind::EmailCcsChanged | Kind::FollowersChanged => {
            json!({"users_added": ["945681"], "users_removed": []})
        }
        Kind::Merged => json!({"target_ticket_id": "5002"}),
        Kind::CsatReceived => json!({"satisfaction": {"score": "bad", "comment": comment_text(n)}}),
        k if text_diff(k) => json!({"previous": words(n), "current": comment_text(n + 1)}),
        k => {
            let (previous, current) = diff_for(k);
            json!({"previous": previous, "current": current})
        }
    };
    event["meta"] = json!({"sequence": {"id": "A1B2", "position": 1}});
    // A field zdwatch has never heard of.
    event["agent_note"] = json!(words(n + 3));
    event
}

fn webhook_payload(type_name: &str, subject: &str, detail: Value, event: Value, n: usize) -> Value {
    json!({
        "type": format!("zen:event-type:{type_name}"),
        "account_id": 9242270,
        "id": format!("pd-w-{n}"),
        "time": "2026-01-08T10:00:00Z",
        "zendesk_event_version": "2022-11-06",
        "subject": subject,
        "detail": detail,
        "event": event
    })
}

fn ticket_detail(n: usize) -> Value {
    json!({
        "id": "5001", "actor_id": "945680", "requester_id": "945680", "assignee_id": "10011",
        "status": "OPEN", "priority": "HIGH", "type": "INCIDENT",
        "subject": words(n), "description": comment_text(n + 1), "external_id": format!("crm-zq{n}"),
        "tags": ["vip", "payment_failed"], "is_public": true,
        "via": {"channel": "email", "source": {"from": {"address": email(n + 2), "name": words(n + 2)},
                                               "to": {"address": "support@acme.example"}}},
        "created_at": "2026-01-08T09:00:00Z", "updated_at": "2026-01-08T10:00:00Z"
    })
}

fn eventbridge(detail_type: &str, source: &str, detail: Value, n: usize) -> Value {
    json!({
        "version": "0", "id": format!("eb-{n}"), "detail-type": detail_type, "source": source,
        "account": "123456789012", "time": "2026-01-08T10:00:01Z", "region": "us-east-1",
        "resources": [], "detail": detail
    })
}

fn sns(inner: &Value, n: usize) -> Value {
    json!({
        "Type": "Notification", "MessageId": format!("sns-{n}"),
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:zendesk",
        "Subject": words(n + 7),
        "Message": inner.to_string(),
        "Timestamp": "2026-01-08T10:00:02.000Z",
        "SignatureVersion": "1", "Signature": "c2lnbmF0dXJl",
    })
}

/// The legacy `ticket_event` of `kind`, personal data planted where it fits.
fn legacy_event(kind: &Kind, name: &str, n: usize) -> Value {
    let mut te = json!({
        "meta": {"version": "1.0", "occurred_at": "2025-06-15T05:32:26Z", "ref": "21-461478505",
                 "sequence": {"id": "99246BC29B2E62BDA0DD85CF17977BB9", "position": 1, "total": 1},
                 "actor_id": 945680},
        "type": name,
        "ticket": {"id": 5003, "status": "open", "priority": "high", "type": "incident",
                   "requester_id": 945680, "assignee_id": 10011, "external_id": format!("Zq{n}-crm"),
                   "tags": ["vip"], "via": {"channel": "email", "source": {"from": {"name": words(n), "address": email(n)}}},
                   "created_at": "2025-06-15T05:00:00Z", "updated_at": "2025-06-15T05:32:26Z"}
    });
    match kind {
        Kind::CommentAdded | Kind::CommentMadePrivate | Kind::CommentRedacted => {
            te["comment"] = json!({"id": 77, "body": comment_text(n + 1), "is_public": true,
                                   "author": {"id": 945680, "name": words(n + 2), "is_staff": false}});
        }
        Kind::AttachmentLinkedToComment | Kind::AttachmentRedactedFromComment => {
            te["attachment"] = json!({"id": 88, "filename": format!("Zq{n} scan.png"),
                "content_url": format!("https://acme.zendesk.com/attachments/token/t/?name=Zq{n}.png"),
                "content_type": "image/png", "is_public": true, "comment_id": 77});
        }
        Kind::CustomFieldChanged => {
            te["custom_field"] = json!({"id": 360001, "title": "Home address", "type": "text"});
            te["previous"] = json!(format!("Zq{n} Old Road 2"));
            te["current"] = json!(phone(n));
        }
        Kind::TagsChanged => {
            te["tags_added"] = json!(["vip"]);
            te["tags_removed"] = json!([]);
        }
        k if text_diff(k) => {
            te["previous"] = json!(words(n + 3));
            te["current"] = json!(comment_text(n + 4));
        }
        k => {
            let (previous, current) = diff_for(k);
            te["previous"] = previous;
            te["current"] = current;
        }
    }
    te["agent_note"] = json!(words(n + 5));
    te
}

/// Every body of the corpus, with a name for failure messages.
pub fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut n = 0;
    let mut push = |name: String, v: &Value, n: &mut usize| {
        out.push((name.clone(), v.to_string().into_bytes()));
        // Another event (other ids), not a second delivery of the same one.
        let mut other = v.clone();
        for path in ["/id", "/detail/id"] {
            if let Some(id) = other.pointer_mut(path) {
                if let Some(s) = id.as_str() {
                    *id = json!(format!("{s}-sns"));
                }
            }
        }
        if let Some(seq) = other.pointer_mut("/detail/ticket_event/meta/sequence/id") {
            *seq = json!("99246BC29B2E62BDA0DD85CF17977BC0");
        }
        out.push((
            format!("{name} (SNS)"),
            sns(&other, *n).to_string().into_bytes(),
        ));
        *n += 10;
    };
    for kind in KNOWN_KINDS {
        let payload = webhook_payload(
            &format!("ticket.{}", kind.as_str()),
            "zen:ticket:5001",
            ticket_detail(n),
            webhook_event(kind, n),
            n,
        );
        let event = eventbridge(
            &format!("zen:event-type:ticket.{}", kind.as_str()),
            "zendesk.webhook",
            payload,
            n,
        );
        push(format!("webhook {}", kind.as_str()), &event, &mut n);
        if let Some(name) = kind.legacy_name() {
            let event = eventbridge(
                &format!("Support Ticket: {name}"),
                "aws.partner/zendesk.com/9242270/default",
                json!({"ticket_event": legacy_event(kind, name, n)}),
                n,
            );
            push(format!("legacy {}", kind.as_str()), &event, &mut n);
        }
    }
    // Users and organisations: names, e-mail addresses, phones, notes.
    for (domain, change) in [
        ("user", "name_changed"),
        ("user", "notes_changed"),
        ("user", "identity_changed"),
        ("user", "custom_field_changed"),
        ("organization", "name_changed"),
        ("organization", "custom_field_changed"),
    ] {
        let detail = json!({"id": "77", "name": words(n), "email": email(n), "phone": phone(n),
                            "notes": words(n + 1), "organization_id": "12", "role": "end-user"});
        let event = json!({"previous": words(n + 2), "current": comment_text(n + 3),
                           "field": {"id": "1", "title": "Nickname"}});
        let payload = webhook_payload(
            &format!("{domain}.{change}"),
            &format!("zen:{domain}:77"),
            detail,
            event,
            n,
        );
        push(format!("webhook {domain}.{change}"), &payload, &mut n);
    }
    // Not Zendesk, and not JSON.
    out.push((
        "unrecognized JSON".into(),
        json!({"hello": words(900), "contact": email(901)})
            .to_string()
            .into_bytes(),
    ));
    out.push((
        "not JSON".into(),
        format!("plain text from {} at {}", words(902), phone(903)).into_bytes(),
    ));
    out
}
