//! Zendesk's two body formats, written the way Zendesk writes them: the legacy Events
//! Connector's `detail` and today's webhook events.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::simulator::{ACCOUNT_ID, Change, SimTicket};
use super::texts::AGENTS;

/// An agent's name, or a customer's made up from their id (the same id always gets the same name).
pub(super) fn user_name(id: u64) -> String {
    if let Some((_, name)) = AGENTS.iter().find(|(a, _)| *a == id) {
        return (*name).to_string();
    }
    const FIRST: &[&str] = &[
        "Ana", "Ben", "Chloé", "Dmitri", "Emeka", "Fatima", "Grace", "Hiro", "Ines", "Jonas",
        "Kofi",
    ];
    const LAST: &[&str] = &[
        "Souza", "Okafor", "Dubois", "Ivanova", "Smith", "Haddad", "Kim", "Larsen", "Moreau",
        "Novak",
    ];
    let i = usize::try_from(id).unwrap_or(0);
    format!(
        "{} {}",
        FIRST[i % FIRST.len()],
        LAST[(i / FIRST.len()) % LAST.len()]
    )
}

/// A legacy Events Connector `detail` (numbers as numbers, enums in lower case).
pub(super) fn legacy_event(
    t: &SimTicket,
    change: &Change,
    at: Timestamp,
    actor: Option<u64>,
    seq: Value,
) -> (String, Value) {
    let mut meta = json!({"version": "1.0", "occurred_at": at.to_string(), "ref": format!("1-{}", at.as_millisecond()), "sequence": seq});
    if let Some(a) = actor {
        meta["actor_id"] = json!(a);
    }
    let mut ev = json!({"meta": meta});
    let name = match change {
        Change::Created => "Ticket Created",
        Change::Comment {
            body,
            public,
            author,
        } => {
            ev["comment"] = json!({"id": at.as_millisecond(), "body": body, "is_public": public,
                "author": {"id": author, "name": user_name(*author), "is_staff": AGENTS.iter().any(|(a, _)| a == author)}});
            "Comment Created"
        }
        Change::Status(from, to) => {
            ev["previous"] = json!(from);
            ev["current"] = json!(to);
            "Status Changed"
        }
        Change::Priority(from, to) => {
            ev["previous"] = json!(from);
            ev["current"] = json!(to);
            "Priority Changed"
        }
        Change::Assignee(from, to) => {
            ev["previous"] = json!(from);
            ev["current"] = json!(to);
            "Agent Assignment Changed"
        }
        Change::Group(from, to) => {
            ev["previous"] = json!(from);
            ev["current"] = json!(to);
            "Group Assignment Changed"
        }
        Change::Tags { added, removed } => {
            ev["tags_added"] = json!(added);
            ev["tags_removed"] = json!(removed);
            "Tags Changed"
        }
    };
    ev["type"] = json!(name);
    ev["ticket"] = json!({
        "id": t.id, "created_at": t.created_at.to_string(), "updated_at": t.updated_at.to_string(),
        "type": t.ticket_type, "priority": t.priority, "status": t.status,
        "requester_id": t.requester, "submitter_id": t.requester, "assignee_id": t.assignee,
        "organization_id": t.organization, "group_id": t.group, "brand_id": t.brand, "form_id": 6_876_543,
        "external_id": null, "tags": t.tags, "via": {"channel": t.channel},
    });
    (
        format!("Support Ticket: {name}"),
        json!({"ticket_event": ev}),
    )
}

/// A Zendesk webhook event (ids as strings, enums in upper case), as the relay puts it on the bus.
pub(super) fn webhook_event(
    t: &SimTicket,
    change: &Change,
    at: Timestamp,
    actor: Option<u64>,
    seq: Value,
    event_id: &str,
) -> (String, Value) {
    let upper = |s: Option<&str>| s.map(str::to_ascii_uppercase);
    let id_str = |v: Option<u64>| v.map(|x| x.to_string());
    let seq = json!({"id": seq["id"], "position": seq["position"]});
    let mut ev = json!({"meta": {"sequence": seq}});
    let name = match change {
        Change::Created => "created",
        Change::Comment {
            body,
            public,
            author,
        } => {
            ev["comment"] = json!({"id": at.as_millisecond().to_string(), "body": body, "is_public": public,
                "author": {"id": author.to_string(), "name": user_name(*author), "is_staff": AGENTS.iter().any(|(a, _)| a == author)}});
            "comment_added"
        }
        Change::Status(from, to) => {
            ev["previous"] = json!(from.to_ascii_uppercase());
            ev["current"] = json!(to.to_ascii_uppercase());
            "status_changed"
        }
        Change::Priority(from, to) => {
            ev["previous"] = json!(upper(*from));
            ev["current"] = json!(to.to_ascii_uppercase());
            "priority_changed"
        }
        Change::Assignee(from, to) => {
            ev["previous"] = json!(id_str(*from));
            ev["current"] = json!(to.to_string());
            "agent_assignment_changed"
        }
        Change::Group(from, to) => {
            ev["previous"] = json!(id_str(*from));
            ev["current"] = json!(to.to_string());
            "group_assignment_changed"
        }
        Change::Tags { added, removed } => {
            ev["tags_added"] = json!(added);
            ev["tags_removed"] = json!(removed);
            "tags_changed"
        }
    };
    let event_type = format!("zen:event-type:ticket.{name}");
    let detail = json!({
        "type": event_type,
        "account_id": ACCOUNT_ID,
        "id": event_id,
        "time": at.to_string(),
        "zendesk_event_version": "2022-11-06",
        "subject": format!("zen:ticket:{}", t.id),
        "detail": {
            "id": t.id.to_string(), "actor_id": id_str(actor).unwrap_or_else(|| "-1".into()),
            "assignee_id": id_str(t.assignee), "brand_id": t.brand.to_string(),
            "created_at": t.created_at.to_string(), "updated_at": t.updated_at.to_string(),
            "status": t.status.to_ascii_uppercase(), "priority": upper(t.priority),
            "type": t.ticket_type.to_ascii_uppercase(), "subject": t.subject, "description": t.subject,
            "external_id": null, "form_id": "6876543", "group_id": id_str(t.group), "is_public": true,
            "organization_id": id_str(t.organization), "requester_id": t.requester.to_string(),
            "submitter_id": t.requester.to_string(), "tags": t.tags, "via": {"channel": t.channel},
        },
        "event": ev,
    });
    (event_type, detail)
}
