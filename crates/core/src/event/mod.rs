//! The event model: every SQS message body becomes one [`TicketEvent`], whatever its shape.
//!
//! Pure: no AWS, terminal or UI code here. [`decode`] never fails and never panics;
//! a body it cannot read becomes an `Unrecognized` or `Malformed` event that keeps the raw bytes.

mod change;
mod decode;
pub mod digest;
pub mod json;
pub mod kinds;
mod legacy;
pub mod mask;
mod reading;
mod summary;
mod time;
mod webhook;

pub use decode::{Received, decode, decode_by_tree, decode_many};
pub use kinds::{KNOWN_KINDS, Kind};
pub use summary::{OWN_WORDS, summary};

use jiff::Timestamp;

/// Which producer's shape an event had.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// The retired Zendesk Events Connector (`detail.ticket_event`).
    Legacy,
    /// Zendesk webhook events (`zen:event-type:…`) relayed onto the bus.
    Webhook,
    /// Valid JSON, but no Zendesk event zdwatch recognises.
    Unrecognized,
    /// Not JSON, or not UTF-8.
    Malformed,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Legacy => "legacy",
            Format::Webhook => "webhook",
            Format::Unrecognized => "unrecognized",
            Format::Malformed => "malformed",
        }
    }
}

/// One decoded event. Everything a front end shows comes from here; `raw` keeps the body as received.
#[derive(Clone, Debug, PartialEq)]
pub struct TicketEvent {
    /// The dedupe key: webhook event id, else EventBridge id, else SNS message id,
    /// else SQS message id, else a hash of the body (see README, "Event identity").
    pub event_id: String,
    /// The SQS MessageId the body arrived in, when it came from SQS.
    pub message_id: Option<String>,
    pub format: Format,
    pub kind: Kind,
    /// `ticket`, `user`, `organization`, … (from the webhook type or subject); `ticket` for legacy.
    pub domain: Option<String>,
    /// The id in a webhook `subject` (`zen:user:123` → `123`), kept for non-ticket events.
    pub subject_id: Option<String>,
    pub ticket_id: Option<u64>,
    /// When the change happened in Zendesk (falls back to the EventBridge, then SNS time).
    pub occurred_at: Option<Timestamp>,
    /// When zdwatch read the message.
    pub received_at: Timestamp,
    pub actor_id: Option<u64>,
    /// Value before and after the change, as text; status, priority and type are lower-cased.
    pub previous: Option<String>,
    pub current: Option<String>,
    pub tags_added: Vec<String>,
    pub tags_removed: Vec<String>,
    /// Users added to or removed from CCs or followers.
    pub users_added: Vec<u64>,
    pub users_removed: Vec<u64>,
    /// The custom field a `custom_field_changed` event is about (title, else id).
    pub field: Option<String>,
    pub comment: Option<Comment>,
    pub attachment: Option<Attachment>,
    /// The ticket as it was after the change.
    pub ticket: TicketSnapshot,
    pub sequence: Option<Sequence>,
    pub envelope: Envelope,
    /// Why an event is unrecognized or malformed, for the user.
    pub problem: Option<String>,
    pub raw: Vec<u8>,
    /// The decoder read `raw`, as it came, as JSON: matching patterns against it need not check
    /// it again (false when it did not, or could only after quoting long integers).
    pub raw_is_json: bool,
    /// The queue or file it was read from (its short name), set by whoever read it.
    pub source: Option<std::sync::Arc<str>>,
    /// What a word search reads, as three-byte sequences, when already found (by whoever decoded
    /// the event, or read from a journal's digest, which has no texts); `None`: found on demand
    /// ([`TicketEvent::search_trigrams`]).
    pub trigrams: Option<crate::filter::Trigrams>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TicketSnapshot {
    pub status: Option<String>,
    pub priority: Option<String>,
    pub ticket_type: Option<String>,
    pub group_id: Option<u64>,
    pub assignee_id: Option<u64>,
    pub requester_id: Option<u64>,
    pub organization_id: Option<u64>,
    pub brand_id: Option<u64>,
    pub form_id: Option<u64>,
    pub custom_status_id: Option<u64>,
    pub channel: Option<String>,
    pub tags: Vec<String>,
    pub subject: Option<String>,
    pub external_id: Option<String>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comment {
    pub id: Option<u64>,
    pub body: Option<String>,
    pub public: Option<bool>,
    pub author_id: Option<u64>,
    pub author_name: Option<String>,
    pub author_is_staff: Option<bool>,
    /// The conversation a messaging event's message belongs to.
    pub conversation_id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attachment {
    pub id: Option<u64>,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub comment_id: Option<u64>,
    /// Where Zendesk serves the file (shown, never fetched: it carries an access token).
    pub content_url: Option<String>,
}

/// Events produced by one agent action share a sequence id.
#[derive(Clone, Debug, PartialEq)]
pub struct Sequence {
    pub id: String,
    pub position: Option<u32>,
    /// Legacy only; webhooks do not say how long a sequence is.
    pub total: Option<u32>,
}

/// What the outer layers (SNS, EventBridge) said about the event.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Envelope {
    pub sns_message_id: Option<String>,
    pub sns_timestamp: Option<Timestamp>,
    pub eventbridge_id: Option<String>,
    pub eventbridge_time: Option<Timestamp>,
    pub source: Option<String>,
    pub detail_type: Option<String>,
    /// The Zendesk account id (webhook `account_id`, or the third segment of a partner source).
    pub zendesk_account_id: Option<u64>,
    /// The webhook event's own id and type (together the preferred dedupe key).
    pub webhook_id: Option<String>,
    pub webhook_type: Option<String>,
}

impl TicketEvent {
    /// An event whose body could not be read back (its capture file changed since it was read):
    /// what the store knew of it, with the reason in `problem` and no `raw`.
    pub fn body_missing(&self) -> bool {
        self.raw.is_empty() && self.problem.is_some()
    }

    /// The time to sort by: when it happened, else when it arrived.
    pub fn order_time(&self) -> Timestamp {
        self.occurred_at.unwrap_or(self.received_at)
    }

    /// A Zendesk event that says no time zdwatch can read (nor does its envelope): its place in
    /// time is unknown, and it is shown so rather than at the time it was read.
    pub fn time_unknown(&self) -> bool {
        self.occurred_at.is_none() && matches!(self.format, Format::Legacy | Format::Webhook)
    }

    /// A `solved`/`closed` → `open`/`new` status change.
    pub fn is_reopen(&self) -> bool {
        self.kind == Kind::StatusChanged
            && reopens(self.previous.as_deref(), self.current.as_deref())
    }
}

/// Whether a status change from `previous` to `current` reopens the ticket.
pub fn reopens(previous: Option<&str>, current: Option<&str>) -> bool {
    matches!(previous, Some("solved" | "closed")) && matches!(current, Some("open" | "new"))
}
