//! What an event changed: the keys both formats share once the container is known
//! (legacy: keys on `ticket_event`; webhook: keys on `event`). Key names the reference
//! marks as unverified are accepted under every plausible spelling.

use serde_json::Value;

use super::decode::diff_value;
use super::json;
use super::{Attachment, Comment, Kind, TicketEvent};

pub(super) fn read(change: &Value, event: &mut TicketEvent) {
    let kind = event.kind.clone();
    event.previous = diff_value(&kind, change.get("previous"));
    event.current = diff_value(&kind, change.get("current"));

    let first = |keys: &[&str]| keys.iter().find_map(|k| change.get(*k));
    event.tags_added = json::string_list(first(&["tags_added", "added_tags"]));
    event.tags_removed = json::string_list(first(&["tags_removed", "removed_tags"]));
    event.users_added = json::id_list(first(&["users_added", "added_users"]));
    event.users_removed = json::id_list(first(&["users_removed", "removed_users"]));

    match kind {
        Kind::TagsChanged => {
            // Plain `added`/`removed`, or whole tag lists as the diff.
            if event.tags_added.is_empty() && event.tags_removed.is_empty() {
                event.tags_added = json::string_list(change.get("added"));
                event.tags_removed = json::string_list(change.get("removed"));
            }
            if event.tags_added.is_empty() && event.tags_removed.is_empty() {
                if let (Some(Value::Array(_)), Some(Value::Array(_))) =
                    (change.get("previous"), change.get("current"))
                {
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

    if let Some(field) = change.get("custom_field") {
        event.field =
            json::string(field.get("title")).or_else(|| json::scalar_text(field.get("id")));
    }

    let comment_value = change.get("comment").filter(|c| c.is_object());
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
        });
    }

    // Legacy puts `attachment` beside the ticket; webhooks probably nest it in `comment`.
    let attachment = change
        .get("attachment")
        .or_else(|| comment_value.and_then(|c| c.get("attachment")));
    if let Some(a) = attachment.filter(|a| a.is_object()) {
        event.attachment = Some(Attachment {
            id: json::id(a.get("id")),
            filename: json::string(a.get("filename")).or_else(|| json::string(a.get("file_name"))),
            content_type: json::string(a.get("content_type")),
            comment_id: json::id(a.get("comment_id"))
                .or_else(|| comment_value.and_then(|c| json::id(c.get("id")))),
        });
    }
}
