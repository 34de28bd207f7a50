//! `--mask` and the `M` key: customer data hidden before it reaches a screen, a share or a file,
//! so that a screen can be shared during an incident.
//!
//! Kept: ids, statuses, priorities, types, tags, channels, kinds, times, custom field titles and
//! the before/after of changes that carry only ids or enumerations (status, priority, type,
//! assignee, group, organisation, brand, form, requester, submitter, custom status, SLA policy).
//! Hidden: everything else. Masking works from an allow-list, not a deny-list: in a raw body a
//! string is kept only under a key known to hold ids or vocabulary (README, "Customer data"), so
//! a field zdwatch has never heard of is hidden too. Subjects, descriptions, comment bodies,
//! names, e-mail addresses, phone numbers, attachment names, external ids, custom field values,
//! user and organisation changes, and bodies that are not JSON are hidden.

use serde_json::Value;

use super::{Kind, TicketEvent};

/// What a hidden value reads as.
pub const MASKED: &str = "‹masked›";
const EMAIL: &str = "‹email›";
const PHONE: &str = "‹phone›";

/// Keys whose string values are ids or vocabulary, kept as they are (lower case). Keys ending in
/// `_id`, `_ids` or `_at` are kept when their value looks like an id or a time.
const KEPT_KEYS: &[&str] = &[
    // EventBridge and SNS envelopes.
    "version",
    "source",
    "account",
    "time",
    "region",
    "resources",
    "detail-type",
    "type",
    "messageid",
    "topicarn",
    "timestamp",
    "signatureversion",
    "signingcerturl",
    "unsubscribeurl",
    // Zendesk's vocabulary.
    "status",
    "priority",
    "channel",
    "tags",
    "tags_added",
    "tags_removed",
    "ref",
    "zendesk_event_version",
    "event_type",
    "content_type",
    "title",
    "label",
    "relationship_target",
    "metric",
    "subdomain",
    "integration_key",
];

/// Keys whose values are personal whatever they hold, a number included (lower case).
const PERSONAL_KEYS: &[&str] = &[
    "external_id",
    "name",
    "email",
    "phone",
    "body",
    "html_body",
    "plain_body",
    "subject",
    "description",
    "filename",
    "file_name",
    "display_name",
    "author_name",
    "alias",
    "notes",
    "details",
    "signature",
    "address",
    "value",
];

/// The event as `--mask` shows it; the original stays as it was (the `M` key shows it again).
pub fn event(e: &TicketEvent) -> TicketEvent {
    let mut m = e.clone();
    let hide = |s: &mut Option<String>| {
        if s.is_some() {
            *s = Some(MASKED.to_string());
        }
    };
    hide(&mut m.ticket.subject);
    hide(&mut m.ticket.external_id);
    if let Some(c) = &mut m.comment {
        hide(&mut c.body);
        c.author_name = None;
        // A conversation id is kept only when it reads as one, as ids in a raw body are.
        if c.conversation_id.as_deref().is_some_and(|id| !id_like(id)) {
            hide(&mut c.conversation_id);
        }
    }
    if let Some(a) = &mut m.attachment {
        hide(&mut a.filename);
        hide(&mut a.content_url);
    }
    // The before and after of free-text changes (a subject, a description, a custom field, a
    // user's name): only ids and enumerations stay.
    if !diff_is_ids_or_enums(&m.kind) {
        hide(&mut m.previous);
        hide(&mut m.current);
    }
    m.problem = m.problem.as_deref().map(text);
    m.raw = body(&e.raw, &e.kind);
    m
}

/// Kinds whose `previous`/`current` hold only ids, enumerations, times or SLA policy names.
pub fn diff_is_ids_or_enums(kind: &Kind) -> bool {
    kind.has_id_diff()
        || kind.has_enum_diff()
        || matches!(
            kind,
            Kind::TaskDueAtChanged
                | Kind::SlaPolicyChanged
                | Kind::ScheduleChanged
                | Kind::OlaPolicyChanged
                | Kind::NextSlaBreachChanged
        )
}

/// A message body of an event of `kind` with its customer data hidden: JSON stays JSON (also
/// inside an SNS `Message` string); a body that is not JSON is hidden whole.
pub fn body(raw: &[u8], kind: &Kind) -> Vec<u8> {
    match serde_json::from_slice::<Value>(raw) {
        Ok(mut v) => {
            json(&mut v, kind);
            v.to_string().into_bytes()
        }
        Err(_) => format!("{MASKED} (a body of {} bytes that is not JSON)", raw.len()).into_bytes(),
    }
}

/// Hides customer data in the JSON of an event of `kind`, in place.
pub fn json(v: &mut Value, kind: &Kind) {
    walk(v, Under::Unknown, diff_is_ids_or_enums(kind));
}

/// What the key a value sits under says about it.
#[derive(Clone, Copy, PartialEq)]
enum Under {
    /// Ids or vocabulary: kept (e-mail addresses excepted).
    Kept,
    /// An id or a time: kept when it looks like one.
    Id,
    /// Free text, or a key zdwatch does not know: hidden unless it is a number, an opaque id or a time.
    Unknown,
    /// The before/after of a free-text change: hidden whatever it is.
    Hidden,
}

fn under(key: &str, diff_kept: bool) -> Under {
    let key = key.to_ascii_lowercase();
    if key == "previous" || key == "current" {
        return if diff_kept {
            Under::Kept
        } else {
            Under::Hidden
        };
    }
    if KEPT_KEYS.contains(&key.as_str()) {
        Under::Kept
    } else if PERSONAL_KEYS.contains(&key.as_str()) {
        Under::Hidden
    } else if key == "id" || key.ends_with("_id") || key.ends_with("_ids") || key.ends_with("_at") {
        Under::Id
    } else {
        Under::Unknown
    }
}

fn walk(v: &mut Value, at: Under, diff_kept: bool) {
    match v {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                // An SNS notification carries the next layer as a JSON string.
                if key == "Message" {
                    if let Value::String(s) = value {
                        *s = match serde_json::from_str::<Value>(s) {
                            Ok(mut inner) => {
                                walk(&mut inner, Under::Unknown, diff_kept);
                                inner.to_string()
                            }
                            Err(_) => MASKED.to_string(),
                        };
                        continue;
                    }
                }
                // A webhook's `subject` names the resource (`zen:ticket:35436`): an id.
                if key == "subject" && value.as_str().is_some_and(|s| s.starts_with("zen:")) {
                    continue;
                }
                let inner = match under(key, diff_kept) {
                    // Hidden stays hidden all the way down; the rest is decided per key.
                    _ if at == Under::Hidden => Under::Hidden,
                    u => u,
                };
                walk(value, inner, diff_kept);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| walk(i, at, diff_kept)),
        Value::String(s) => {
            let keep = match at {
                Under::Kept => !is_email(s),
                Under::Id => id_like(s),
                Under::Unknown => s.is_empty() || opaque(s),
                Under::Hidden => s.is_empty(),
            };
            if !keep {
                *s = MASKED.to_string();
            }
        }
        Value::Number(_) if at == Under::Hidden => *v = Value::String(MASKED.to_string()),
        _ => {}
    }
}

/// An id as systems write them: letters, digits and `-_:.` (never an e-mail address).
fn id_like(s: &str) -> bool {
    s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_:.+/".contains(c))
}

/// Text that cannot be a person's words: a number, a hex or UUID id, a time.
fn opaque(s: &str) -> bool {
    let digits = s.chars().all(|c| c.is_ascii_digit() || c == '.');
    let hex = s.len() >= 8
        && s.chars().any(|c| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    digits || hex || s.parse::<jiff::Timestamp>().is_ok()
}

/// Free text with e-mail addresses and phone numbers hidden; a word without spaces (an id, a
/// status, a tag) is kept unless it is an e-mail address.
pub fn text(s: &str) -> String {
    if !s.contains(char::is_whitespace) {
        return if is_email(s) {
            EMAIL.to_string()
        } else {
            s.to_string()
        };
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        // Words (split at whitespace) are e-mail addresses or not; digit runs are phones or not.
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (word, tail) = rest.split_at(end);
        // Punctuation around an address (`<ana@example.com>,`) stays.
        let start = word.find(char::is_alphanumeric).unwrap_or(0);
        let stop = word
            .rfind(char::is_alphanumeric)
            .map_or(word.len(), |i| i + 1);
        if start < stop && is_email(&word[start..stop]) {
            out.push_str(&word[..start]);
            out.push_str(EMAIL);
            out.push_str(&word[stop..]);
        } else {
            out.push_str(word);
        }
        let space = tail.len() - tail.trim_start().len();
        out.push_str(&tail[..space]);
        rest = &tail[space..];
    }
    phones(&out)
}

fn is_email(word: &str) -> bool {
    let Some((local, domain)) = word.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "._%+-'".contains(c))
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || ".-".contains(c))
}

/// Runs of digits with phone punctuation between them (`+1 (415) 555-0100`, `030 1234567`)
/// holding at least seven digits become ‹phone›; shorter numbers (ticket ids) stay.
fn phones(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit()
            || (chars[i] == '+' || chars[i] == '(')
                && chars
                    .get(i + 1)
                    .is_some_and(|c| c.is_ascii_digit() || *c == '(');
        if !starts {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // The run: digits and the punctuation phone numbers are written with.
        let mut j = i;
        let mut digits = 0;
        let mut last_digit = i;
        while j < chars.len() && (chars[j].is_ascii_digit() || " +-().".contains(chars[j])) {
            if chars[j].is_ascii_digit() {
                digits += 1;
                last_digit = j;
            }
            j += 1;
        }
        if digits >= 7 {
            out.push_str(PHONE);
            i = last_digit + 1;
        } else {
            out.extend(&chars[i..=last_digit.max(i)]);
            i = last_digit.max(i) + 1;
        }
    }
    out
}

/// What a redacted comment's text reads as in the journal.
pub const REDACTED: &str = "‹redacted›";

/// The body with the text of comment `comment_id` replaced by [`REDACTED`], wherever the body
/// holds that comment (also inside an SNS `Message`); `None` when it holds no such comment.
/// Zendesk redacts a comment after it was sent: the earlier events that carried it are rewritten.
pub fn redact_comment(raw: &[u8], comment_id: u64) -> Option<Vec<u8>> {
    let mut v: Value = serde_json::from_slice(raw).ok()?;
    redact_in(&mut v, comment_id).then(|| v.to_string().into_bytes())
}

fn redact_in(v: &mut Value, comment_id: u64) -> bool {
    match v {
        Value::Object(map) => {
            let mut changed = false;
            if let Some(Value::String(s)) = map.get_mut("Message") {
                if let Ok(mut inner) = serde_json::from_str::<Value>(s) {
                    if redact_in(&mut inner, comment_id) {
                        *s = inner.to_string();
                        changed = true;
                    }
                }
            }
            if let Some(Value::Object(comment)) = map.get_mut("comment") {
                let same = super::json::value_id(comment.get("id")) == Some(comment_id);
                if same {
                    for key in ["body", "html_body", "plain_body"] {
                        if let Some(text) = comment.get_mut(key) {
                            if text.as_str() != Some(REDACTED) {
                                *text = Value::String(REDACTED.into());
                                changed = true;
                            }
                        }
                    }
                }
            }
            for (key, value) in map.iter_mut() {
                if key != "Message" && key != "comment" {
                    changed |= redact_in(value, comment_id);
                }
            }
            changed
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |c, i| redact_in(i, comment_id) | c),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Received, decode};

    #[test]
    fn free_text_loses_addresses_and_phone_numbers_but_keeps_ids() {
        assert_eq!(
            text("Call me on +1 (415) 555-0100 or mail ana.lopez@example.com, ticket 35436."),
            "Call me on ‹phone› or mail ‹email›, ticket 35436."
        );
        assert_eq!(text("030 1234567"), "‹phone›");
        assert_eq!(text("ana@example.com"), "‹email›");
        assert_eq!(text("open"), "open");
        assert_eq!(text("360001234567"), "360001234567", "one word: an id");
        assert_eq!(text("order 12-34 of 2026"), "order 12-34 of 2026");
        assert_eq!(text("a@b"), "a@b");
    }

    #[test]
    fn a_comment_event_keeps_its_ids_and_loses_its_words() {
        let body = br#"{"Type":"Notification","MessageId":"m1","Message":"{\"detail-type\":\"zen:event-type:ticket.comment_added\",\"detail\":{\"type\":\"zen:event-type:ticket.comment_added\",\"id\":\"e1\",\"subject\":\"zen:ticket:35436\",\"time\":\"2026-01-01T10:00:00Z\",\"detail\":{\"id\":\"35436\",\"subject\":\"Refund for Ana Lopez\",\"requester_id\":\"945680\",\"tags\":[\"vip\"]},\"event\":{\"comment\":{\"id\":\"77\",\"body\":\"Hi, I am Ana (ana@example.com, +44 20 7946 0958)\",\"author\":{\"id\":\"945680\",\"name\":\"Ana Lopez\",\"is_staff\":false},\"is_public\":true}}}}"}"#;
        let e = decode(Received {
            body: body.to_vec(),
            message_id: None,
            received_at: jiff::Timestamp::UNIX_EPOCH,
        });
        assert_eq!(e.ticket.subject.as_deref(), Some("Refund for Ana Lopez"));
        let m = event(&e);
        assert_eq!(m.ticket_id, Some(35436));
        assert_eq!(m.ticket.tags, ["vip"]);
        assert_eq!(m.ticket.subject.as_deref(), Some(MASKED));
        let c = m.comment.as_ref().unwrap_or_else(|| panic!("a comment"));
        assert_eq!(
            (c.body.as_deref(), c.author_name.as_deref(), c.author_id),
            (Some(MASKED), None, Some(945680))
        );
        let raw = String::from_utf8(m.raw.clone()).unwrap_or_default();
        for gone in ["Ana", "ana@example.com", "7946", "Refund"] {
            assert!(!raw.contains(gone), "{gone} in {raw}");
        }
        for kept in [
            "35436",
            "945680",
            "vip",
            "zen:ticket:35436",
            "comment_added",
        ] {
            assert!(raw.contains(kept), "{kept} lost from {raw}");
        }
        // Still the same event when decoded again.
        let again = decode(Received {
            body: m.raw.clone(),
            message_id: None,
            received_at: jiff::Timestamp::UNIX_EPOCH,
        });
        assert_eq!(
            (again.event_id, again.ticket_id, again.kind),
            (e.event_id, e.ticket_id, e.kind)
        );
    }
}
