//! What an event changed: the keys both formats share once the container is known
//! (legacy: keys on `ticket_event`; webhook: keys on `event`). Key names the reference
//! marks as unverified are accepted under every plausible spelling.

use crate::tree::{Shape, View};

use super::decode::diff_value;
use super::json;
use super::{Attachment, Comment, Kind, TicketEvent};

pub(super) fn read<'t, V: View<'t>>(change: V, event: &mut TicketEvent) {
    let kind = event.kind.clone();
    // The keys every event is looked at for, in one pass over its members.
    let [
        previous,
        current,
        tags_added,
        added_tags,
        tags_removed,
        removed_tags,
        users_added,
        added_users,
        users_removed,
        removed_users,
        comment,
        attachment,
    ] = change.pick(&[
        "previous",
        "current",
        "tags_added",
        "added_tags",
        "tags_removed",
        "removed_tags",
        "users_added",
        "added_users",
        "users_removed",
        "removed_users",
        "comment",
        "attachment",
    ]);
    event.previous = diff_value(&kind, previous);
    event.current = diff_value(&kind, current);

    let first = |keys: &[&str]| keys.iter().find_map(|k| change.get(k));
    event.tags_added = json::string_list(tags_added.or(added_tags));
    event.tags_removed = json::string_list(tags_removed.or(removed_tags));
    event.users_added = json::id_list(users_added.or(added_users));
    event.users_removed = json::id_list(users_removed.or(removed_users));

    match kind {
        Kind::TagsChanged => {
            // Plain `added`/`removed`, or whole tag lists as the diff.
            if event.tags_added.is_empty() && event.tags_removed.is_empty() {
                event.tags_added = json::string_list(change.get("added"));
                event.tags_removed = json::string_list(change.get("removed"));
            }
            if event.tags_added.is_empty() && event.tags_removed.is_empty() {
                let array = |k: &str| change.get(k).map(View::shape) == Some(Shape::Array);
                if array("previous") && array("current") {
                    let before = json::string_list(change.get("previous"));
                    let after = json::string_list(change.get("current"));
                    event.tags_added = after
                        .iter()
                        .filter(|t| !before.contains(t))
                        .cloned()
                        .collect();
                    event.tags_removed = before
                        .iter()
                        .filter(|t| !after.contains(t))
                        .cloned()
                        .collect();
                }
            }
        }
        Kind::EmailCcsChanged | Kind::FollowersChanged
            if event.users_added.is_empty() && event.users_removed.is_empty() =>
        {
            event.users_added = json::id_list(change.get("added"));
            event.users_removed = json::id_list(change.get("removed"));
        }
        Kind::Merged => {
            let target = first(&[
                "target_ticket_id",
                "merged_into_ticket_id",
                "target_id",
                "merged_into",
            ]);
            event.current = event
                .current
                .take()
                .or_else(|| json::id(target).map(|id| id.to_string()));
        }
        _ => {}
    }

    event.field = field_name(change, &kind);
    match kind {
        // `{id, label}`: the label is shown, the id is what `custom_status:` filters on.
        Kind::CustomStatusChanged if event.ticket.custom_status_id.is_none() => {
            event.ticket.custom_status_id = change
                .get("current")
                .and_then(|c| json::id(c.get("id")).or_else(|| json::id(Some(c))));
        }
        Kind::NextSlaBreachChanged | Kind::SlaPolicyChanged | Kind::OlaPolicyChanged => {
            sla(change, event);
        }
        Kind::CsatReceived | Kind::CsatRequested => csat(change, event),
        _ => {}
    }

    let comment_value = comment.filter(|c| c.is_object());
    if let Some(c) = comment_value {
        let author = c.get("author");
        event.comment = Some(Comment {
            id: json::id(c.get("id")),
            body: json::string(c.get("body")).or_else(|| json::string(c.get("html_body"))),
            public: json::boolean(c.get("is_public")).or_else(|| json::boolean(c.get("public"))),
            author_id: json::id(author.and_then(|a| a.get("id")))
                .or_else(|| json::id(c.get("author_id"))),
            author_name: json::string(author.and_then(|a| a.get("name"))),
            author_is_staff: json::boolean(author.and_then(|a| a.get("is_staff"))),
            conversation_id: None,
        });
    }

    // Legacy puts `attachment` beside the ticket; webhooks probably nest it in `comment`.
    let attachment = attachment.or_else(|| comment_value.and_then(|c| c.get("attachment")));
    if let Some(a) = attachment.filter(|a| a.is_object()) {
        event.attachment = Some(Attachment {
            id: json::id(a.get("id")),
            filename: json::string(a.get("filename")).or_else(|| json::string(a.get("file_name"))),
            content_type: json::string(a.get("content_type")),
            comment_id: json::id(a.get("comment_id"))
                .or_else(|| comment_value.and_then(|c| json::id(c.get("id")))),
            content_url: json::string(a.get("content_url")).or_else(|| json::string(a.get("url"))),
        });
    }
}

/// The custom field an event names: `custom_field {id, title}`, `field {id, name}`, or
/// `field_id` / `field_name` beside the diff; its title when given, else its id.
fn field_name<'t, V: View<'t>>(change: V, kind: &Kind) -> Option<String> {
    let object = ["custom_field", "field"]
        .iter()
        .find_map(|k| change.get(k).filter(|f| f.is_object()));
    let named = |v: V, keys: &[&str]| keys.iter().find_map(|k| json::string(v.get(k)));
    let numbered = |v: V, keys: &[&str]| keys.iter().find_map(|k| json::scalar_text(v.get(k)));
    if let Some(f) = object {
        return named(f, &["title", "name", "field_name", "label"])
            .or_else(|| numbered(f, &["id", "field_id"]));
    }
    let custom =
        matches!(kind, Kind::CustomFieldChanged) || kind.as_str().ends_with("custom_field_changed");
    if !custom && change.get("field_id").is_none() && change.get("field_name").is_none() {
        return None;
    }
    named(
        change,
        &["field_name", "field_title", "custom_field_name", "title"],
    )
    .or_else(|| numbered(change, &["field_id", "custom_field_id", "custom_field"]))
}

/// SLA and OLA events: the metric and, for a next breach, when it is due. `current` (or the
/// event itself) is `{metric, breach_at}` or similar; the breach time becomes `current` (RFC
/// 3339) and the metric `field`, so the summary reads `first_reply_time breach at 14:05 UTC`.
fn sla<'t, V: View<'t>>(change: V, event: &mut TicketEvent) {
    let metric_keys = ["metric", "metric_name", "sla_metric", "target_metric"];
    let time_keys = [
        "breach_at",
        "next_breach_at",
        "breach_time",
        "breached_at",
        "time",
    ];
    let side = |v: Option<V>| -> (Option<String>, Option<jiff::Timestamp>) {
        let Some(v) = v else { return (None, None) };
        match v.shape() {
            Shape::Object => (
                metric_keys.iter().find_map(|k| json::string(v.get(k))),
                time_keys.iter().find_map(|k| json::timestamp(v.get(k))),
            ),
            Shape::String(_) => (None, json::timestamp(Some(v))),
            _ => (None, None),
        }
    };
    let (metric_now, breach_now) = side(change.get("current"));
    let (metric_then, breach_then) = side(change.get("previous"));
    let (metric_here, breach_here) = side(Some(change));
    let metric = metric_now.or(metric_here).or(metric_then);
    if event.field.is_none() {
        event.field = metric;
    }
    if event.kind == Kind::NextSlaBreachChanged {
        if let Some(t) = breach_now.or(breach_here) {
            event.current = Some(t.to_string());
        }
        if let Some(t) = breach_then {
            event.previous = Some(t.to_string());
        }
    }
}

/// CSAT: the rating (`good`, `bad`, `offered`) as `current`, the customer's comment as the comment.
fn csat<'t, V: View<'t>>(change: V, event: &mut TicketEvent) {
    let rating = ["satisfaction_rating", "rating", "csat", "survey_response"]
        .iter()
        .find_map(|k| change.get(k).filter(|r| r.is_object()))
        .or_else(|| change.get("current").filter(|c| c.is_object()));
    let score = rating
        .and_then(|r| {
            ["score", "rating", "value", "outcome"]
                .iter()
                .find_map(|k| json::scalar_text(r.get(k)))
        })
        .or_else(|| {
            ["score", "rating", "outcome"]
                .iter()
                .find_map(|k| json::scalar_text(change.get(k)))
        });
    if let Some(score) = score {
        event.current = Some(score.to_lowercase());
    }
    let remark = rating
        .and_then(|r| json::string(r.get("comment")).or_else(|| json::string(r.get("reason"))))
        .or_else(|| json::string(change.get("comment")));
    if let Some(text) = remark {
        event.comment.get_or_insert_with(Comment::default).body = Some(text);
    }
}
