//! A Zendesk webhook body turned into the PutEvents entry the relay puts on the bus, by one
//! convention (README, "The relay"):
//!
//! | entry field | value |
//! |---|---|
//! | `Source` | the relay's source, `zendesk.webhook` unless configured (never `aws.…`: PutEvents refuses it) |
//! | `DetailType` | the webhook's `type`, e.g. `zen:event-type:ticket.status_changed` |
//! | `Detail` | the webhook body, byte for byte |
//! | `Time` | the webhook's `time` (when the event occurred in Zendesk) |
//! | `Resources` | the webhook's `subject`, e.g. `zen:ticket:5158` |
//!
//! zdwatch's decoder reads the event EventBridge makes of it as a webhook event (tested).

use jiff::Timestamp;
use serde::Deserialize;

/// EventBridge's limit on one PutEvents entry (and on the whole request), as it counts it.
pub const MAX_ENTRY_BYTES: usize = 256 * 1024;
/// EventBridge's limit on `DetailType`.
pub const MAX_DETAIL_TYPE: usize = 128;
/// The prefix of every Zendesk webhook event type.
pub const EVENT_TYPE_PREFIX: &str = "zen:event-type:";
/// The relay's `Source` unless one is configured.
pub const DEFAULT_SOURCE: &str = "zendesk.webhook";

/// What goes on the bus for one webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub source: String,
    pub detail_type: String,
    pub detail: String,
    pub time: Option<Timestamp>,
    pub resources: Vec<String>,
    /// The webhook's own event id (Zendesk's, kept across its retries): for logs.
    pub event_id: String,
}

/// Why a body is not put on the bus.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    #[error("the body is not a Zendesk event: {0}")]
    NotAnEvent(&'static str),
    #[error(
        "the event is {size} bytes as EventBridge counts it; one entry may have at most {MAX_ENTRY_BYTES}"
    )]
    TooLarge { size: usize },
}

/// The fields the relay reads; the rest of the body goes on as it came.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    id: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    time: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    subject: Option<std::borrow::Cow<'a, str>>,
    detail: Option<serde::de::IgnoredAny>,
}

/// Whether `source` can be the relay's `Source`: PutEvents refuses `aws.` sources (they are
/// AWS's own) and takes at most 256 characters.
pub fn check_source(source: &str) -> Result<(), String> {
    if source.trim().is_empty() {
        return Err("the source is empty".into());
    }
    if source.starts_with("aws.") {
        return Err(format!(
            "{source:?} starts with \"aws.\", which EventBridge keeps for AWS's own events (PutEvents refuses it)"
        ));
    }
    if source.chars().count() > 256 {
        return Err("the source is longer than EventBridge's 256 characters".into());
    }
    Ok(())
}

/// The entry for a webhook body, or why there is none.
pub fn entry(body: &[u8], source: &str) -> Result<Entry, Refused> {
    let text = std::str::from_utf8(body).map_err(|e| Refused::NotJson(e.to_string()))?;
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| Refused::NotJson(e.to_string()))?;
    if !value.is_object() {
        return Err(Refused::NotAnEvent("not a JSON object"));
    }
    let head: Head<'_> = serde_json::from_str(text)
        .map_err(|_| Refused::NotAnEvent("a field has the wrong type"))?;
    let kind = head.kind.ok_or(Refused::NotAnEvent("no \"type\""))?;
    if !kind.starts_with(EVENT_TYPE_PREFIX) || kind.len() == EVENT_TYPE_PREFIX.len() {
        return Err(Refused::NotAnEvent("\"type\" is not zen:event-type:…"));
    }
    if kind.len() > MAX_DETAIL_TYPE {
        return Err(Refused::NotAnEvent(
            "\"type\" is longer than EventBridge's 128-character detail-type",
        ));
    }
    let id = head
        .id
        .filter(|id| !id.is_empty())
        .ok_or(Refused::NotAnEvent("no \"id\""))?;
    if head.detail.is_none() {
        return Err(Refused::NotAnEvent("no \"detail\""));
    }
    let time = match head.time {
        Some(t) => Some(
            t.parse::<Timestamp>()
                .map_err(|_| Refused::NotAnEvent("\"time\" is not an RFC 3339 time"))?,
        ),
        None => None,
    };
    let entry = Entry {
        source: source.to_string(),
        detail_type: kind.into_owned(),
        detail: text.to_string(),
        time,
        resources: head.subject.map(|s| s.into_owned()).into_iter().collect(),
        event_id: id.into_owned(),
    };
    let size = entry.size();
    if size > MAX_ENTRY_BYTES {
        return Err(Refused::TooLarge { size });
    }
    Ok(entry)
}

/// A PutEvents entry's size as EventBridge counts it (AWS, "Calculating PutEvents event entry
/// size"): 14 bytes for a time, then the UTF-8 bytes of source, detail-type, detail and each
/// resource (`texts`).
pub fn size<'a>(has_time: bool, texts: impl IntoIterator<Item = &'a str>) -> usize {
    14 * usize::from(has_time) + texts.into_iter().map(str::len).sum::<usize>()
}

impl Entry {
    /// The entry's size as EventBridge counts it ([`size`]).
    pub fn size(&self) -> usize {
        size(
            self.time.is_some(),
            [&self.source, &self.detail_type, &self.detail]
                .into_iter()
                .chain(&self.resources)
                .map(String::as_str),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn webhook(extra: &str) -> String {
        format!(
            r#"{{"type":"zen:event-type:ticket.status_changed","account_id":22129848,"id":"a8b9c1d2","time":"2025-01-08T16:45:20.987654321Z","zendesk_event_version":"2022-11-06","subject":"zen:ticket:5158","detail":{{"id":"5158","status":"SOLVED"}},"event":{{"current":"SOLVED","previous":"OPEN"}}{extra}}}"#
        )
    }

    #[test]
    fn a_webhook_becomes_an_entry_by_the_convention_with_its_body_unchanged() {
        let body = webhook("");
        let e = entry(body.as_bytes(), DEFAULT_SOURCE).unwrap();
        assert_eq!(e.source, "zendesk.webhook");
        assert_eq!(e.detail_type, "zen:event-type:ticket.status_changed");
        assert_eq!(e.detail, body);
        assert_eq!(
            e.time,
            Some("2025-01-08T16:45:20.987654321Z".parse().unwrap())
        );
        assert_eq!(e.resources, vec!["zen:ticket:5158".to_string()]);
        assert_eq!(e.event_id, "a8b9c1d2");
        assert_eq!(
            e.size(),
            14 + "zendesk.webhook".len() + e.detail_type.len() + body.len() + 15
        );
        // Without a time or a subject: no Time, no resources.
        let bare = r#"{"type":"zen:event-type:ticket.created","id":"x","detail":{}}"#;
        let e = entry(bare.as_bytes(), "acme.zendesk").unwrap();
        assert_eq!(
            (e.time, e.resources.len(), e.source.as_str()),
            (None, 0, "acme.zendesk")
        );
    }

    #[test]
    fn bodies_that_are_no_zendesk_event_are_refused_with_their_reason() {
        let not_json = |b: &[u8]| matches!(entry(b, DEFAULT_SOURCE), Err(Refused::NotJson(_)));
        assert!(not_json(b"not json"));
        assert!(not_json(b"{\"type\":"));
        assert!(not_json(b"\xff\xfe{}"));
        let why = |b: &str| match entry(b.as_bytes(), DEFAULT_SOURCE) {
            Err(Refused::NotAnEvent(why)) => why,
            other => panic!("{b}: {other:?}"),
        };
        assert_eq!(why("[1,2]"), "not a JSON object");
        assert_eq!(why(r#"{"id":"x","detail":{}}"#), "no \"type\"");
        assert_eq!(
            why(r#"{"type":7,"id":"x","detail":{}}"#),
            "a field has the wrong type"
        );
        assert_eq!(
            why(r#"{"type":"ticket.created","id":"x","detail":{}}"#),
            "\"type\" is not zen:event-type:…"
        );
        assert_eq!(
            why(r#"{"type":"zen:event-type:","id":"x","detail":{}}"#),
            "\"type\" is not zen:event-type:…"
        );
        assert_eq!(
            why(r#"{"type":"zen:event-type:ticket.created","detail":{}}"#),
            "no \"id\""
        );
        assert_eq!(
            why(r#"{"type":"zen:event-type:ticket.created","id":""}"#),
            "no \"id\""
        );
        assert_eq!(
            why(r#"{"type":"zen:event-type:ticket.created","id":"x"}"#),
            "no \"detail\""
        );
        assert_eq!(
            why(r#"{"type":"zen:event-type:ticket.created","id":"x","detail":{},"time":"soon"}"#),
            "\"time\" is not an RFC 3339 time"
        );
        let long = format!(
            r#"{{"type":"zen:event-type:{}","id":"x","detail":{{}}}}"#,
            "a".repeat(120)
        );
        assert!(why(&long).contains("128"));
    }

    #[test]
    fn an_event_over_eventbridges_entry_limit_is_refused_and_one_at_the_limit_is_not() {
        let base = webhook(r#","pad":"""#);
        let room = MAX_ENTRY_BYTES - entry(base.as_bytes(), DEFAULT_SOURCE).unwrap().size();
        let fits = webhook(&format!(r#","pad":"{}""#, "x".repeat(room)));
        assert_eq!(
            entry(fits.as_bytes(), DEFAULT_SOURCE).unwrap().size(),
            MAX_ENTRY_BYTES
        );
        let over = webhook(&format!(r#","pad":"{}""#, "x".repeat(room + 1)));
        assert_eq!(
            entry(over.as_bytes(), DEFAULT_SOURCE),
            Err(Refused::TooLarge {
                size: MAX_ENTRY_BYTES + 1
            })
        );
    }

    #[test]
    fn sources_eventbridge_refuses_are_refused_before_the_relay_starts() {
        assert!(check_source("zendesk.webhook").is_ok());
        assert!(check_source("aws.partner/zendesk.com/1/default").is_err());
        assert!(check_source(" ").is_err());
        assert!(check_source(&"a".repeat(257)).is_err());
    }
}
