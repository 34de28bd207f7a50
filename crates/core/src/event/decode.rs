//! Unwraps the layers of an SQS message body (SNS notification, EventBridge envelope,
//! rule input transformers) down to the Zendesk payload, then hands it to the legacy or
//! webhook decoder. README, "What zdwatch decodes", lists the shapes; assets/samples has one of each.

use jiff::Timestamp;

use super::json::{self, path};
use super::reading::{Reading, TapeReading, TreeReading};
use super::{Envelope, Format, Kind, Sequence, TicketEvent, TicketSnapshot, legacy, webhook};
use crate::tree::{Shape, View};
#[cfg(doc)]
use crate::tree::{Tape, Tree};

/// Layers deeper than this are not unwrapped (the reference says 4 is plenty).
const MAX_DEPTH: usize = 4;

/// One message as it arrived, before decoding.
#[derive(Clone, Debug)]
pub struct Received {
    pub body: Vec<u8>,
    /// The SQS MessageId, when the body came from SQS.
    pub message_id: Option<String>,
    pub received_at: Timestamp,
}

/// Decodes bodies on every core, keeping their order.
pub fn decode_many(bodies: Vec<Received>) -> Vec<TicketEvent> {
    crate::parallel::map_in_order(bodies, decode)
}

/// Decodes one body. Never fails: what cannot be read becomes an unrecognized or malformed event.
///
/// Bodies are read onto a [`Tape`]. One that is not a Zendesk event is read again as a [`Tree`],
/// as it was before the tape (the tape reads a few texts differently that only matter there: an
/// integer of 20 digits with a leading zero, and where in the text an error is placed).
pub fn decode(msg: Received) -> TicketEvent {
    let event = decode_by::<TapeReading>(msg);
    if matches!(event.format, Format::Legacy | Format::Webhook) {
        return event;
    }
    decode_by::<TreeReading>(Received {
        body: event.raw,
        message_id: event.message_id,
        received_at: event.received_at,
    })
}

/// [`decode`] as it was before bodies were read onto a tape: every body read into a [`Tree`]. The
/// oracle the tests and the fuzzer hold [`decode`] against; not for use elsewhere.
#[doc(hidden)]
pub fn decode_by_tree(msg: Received) -> TicketEvent {
    decode_by::<TreeReading>(msg)
}

fn decode_by<R: Reading>(msg: Received) -> TicketEvent {
    let mut event = TicketEvent {
        event_id: String::new(),
        message_id: msg.message_id,
        format: Format::Malformed,
        kind: Kind::Malformed,
        domain: None,
        subject_id: None,
        ticket_id: None,
        occurred_at: None,
        received_at: msg.received_at,
        actor_id: None,
        previous: None,
        current: None,
        tags_added: Vec::new(),
        tags_removed: Vec::new(),
        users_added: Vec::new(),
        users_removed: Vec::new(),
        field: None,
        comment: None,
        attachment: None,
        ticket: TicketSnapshot::default(),
        sequence: None,
        envelope: Envelope::default(),
        problem: None,
        raw: Vec::new(),
        raw_is_json: false,
        source: None,
        trigrams: None,
    };

    // The tree borrows from the body; the body goes into the event once it is read.
    let raw = msg.body;
    match text_of(&raw) {
        Err(problem) => event.problem = Some(problem),
        Ok(text) => match parse_json::<R>(text) {
            Err(problem) => event.problem = Some(problem),
            Ok(doc) => {
                event.raw_is_json = !R::long_integers(&doc);
                if let Err(problem) = unwrap_layers::<R>(R::root(&doc), &mut event, 0) {
                    event.format = Format::Unrecognized;
                    event.kind = Kind::Unrecognized;
                    event.problem = Some(problem);
                }
            }
        },
    }
    event.raw = raw;

    let env = &event.envelope;
    let own = event.occurred_at;
    event.occurred_at = own.or(env.eventbridge_time).or(env.sns_timestamp);
    if matches!(event.format, Format::Legacy | Format::Webhook) && own.is_none() {
        // Never stamped with the time it was read: that would put it among "now" events.
        let why = event
            .problem
            .take()
            .unwrap_or_else(|| "it has no time".into());
        event.problem = Some(match event.occurred_at {
            Some(_) => format!("{why}: shown at the time its envelope gives"),
            None => format!("{why}: when it happened is unknown"),
        });
    }
    event.event_id = identity(&event);
    event
}

/// The payload's own time, or (when it is there but cannot be read) why not, as the problem.
pub(super) fn own_time<'t>(v: Option<impl View<'t>>, event: &mut TicketEvent) -> Option<Timestamp> {
    let v = v?;
    let t = json::timestamp(Some(v));
    if t.is_none() && !v.is_null() {
        let written = crate::sanitize::sanitize(&v.to_json()).into_owned();
        let written: String = written.chars().take(60).collect();
        event.problem = Some(format!("its time {written} cannot be read"));
    }
    t
}

fn text_of(body: &[u8]) -> Result<&str, String> {
    // Checked with SIMD (a body is checked once, whole); std says where it goes wrong.
    let text = simdutf8::basic::from_utf8(body).map_err(|_| {
        let at = std::str::from_utf8(body)
            .err()
            .map_or(0, |e| e.valid_up_to());
        format!("not UTF-8 (invalid byte at offset {at})")
    })?;
    if text.trim().is_empty() {
        return Err("empty body".into());
    }
    Ok(text)
}

fn parse_json<R: Reading>(text: &str) -> Result<R::Doc<'_>, String> {
    R::parse(text).map_err(|e| {
        if e.to_string().contains("recursion limit") {
            "JSON nested too deeply to decode".to_string()
        } else {
            format!("not JSON ({e})")
        }
    })
}

/// Takes the layers off `v` and decodes the Zendesk payload inside into `event`; `Err` says
/// why there is none. Inner layers written as JSON text (an SNS `Message`, a `detail` a relay
/// put in as a string) are read into trees that live only as long as this call.
fn unwrap_layers<R: Reading>(
    v: R::At<'_>,
    event: &mut TicketEvent,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("more than {MAX_DEPTH} nested envelopes"));
    }
    if !v.is_object() {
        return Err("JSON but not an object".into());
    }
    let env = &mut event.envelope;
    let [
        kind,
        message,
        message_id,
        timestamp,
        detail_type,
        detail,
        id,
        time,
        source,
    ] = v.pick(&[
        "Type",
        "Message",
        "MessageId",
        "Timestamp",
        "detail-type",
        "detail",
        "id",
        "time",
        "source",
    ]);

    // Layer 1: an SNS notification carries the next layer as a JSON string.
    if kind.and_then(View::as_str) == Some("Notification") {
        if let Some(Shape::String(message)) = message.map(View::shape) {
            if env.sns_message_id.is_none() {
                env.sns_message_id = json::string(message_id);
                env.sns_timestamp = json::timestamp(timestamp);
            }
            return match R::parse(message) {
                Ok(inner) => unwrap_layers::<R>(R::root(&inner), event, depth + 1),
                Err(_) => Err("SNS notification whose Message is not JSON".into()),
            };
        }
    }

    // Layer 2: the EventBridge envelope; the payload is `detail`.
    if detail_type.is_some() && detail.is_some() {
        if env.eventbridge_id.is_none() {
            env.eventbridge_id = json::string(id);
            env.eventbridge_time = json::timestamp(time);
            env.source = json::string(source);
            env.detail_type = json::string(detail_type);
            env.zendesk_account_id = env.source.as_deref().and_then(partner_account_id);
        }
        if let Some(detail) = detail {
            // A relay may have put the payload in as a string.
            if let Shape::String(s) = detail.shape() {
                if let Ok(inner) = R::parse(s) {
                    return zendesk_payload::<R>(R::root(&inner), event, depth);
                }
            }
            return zendesk_payload::<R>(detail, event, depth);
        }
    }
    zendesk_payload::<R>(v, event, depth)
}

/// Layer 4: a Zendesk payload (or a transformer's wrapping of a whole event).
fn zendesk_payload<R: Reading>(
    payload: R::At<'_>,
    event: &mut TicketEvent,
    depth: usize,
) -> Result<(), String> {
    let [ticket_event, input, kind, content, ticket, meta] =
        payload.pick(&["ticket_event", "input", "type", "content", "ticket", "meta"]);
    if let Some(te) = ticket_event.filter(|t| t.is_object()) {
        legacy::decode(te, event);
        return Ok(());
    }
    if let Some(te) = input
        .and_then(|i| i.get("ticket_event"))
        .filter(|t| t.is_object())
    {
        legacy::decode(te, event);
        return Ok(());
    }
    if kind
        .and_then(View::as_str)
        .is_some_and(|t| t.starts_with("zen:event-type:"))
    {
        webhook::decode(payload, event);
        return Ok(());
    }
    if let Some(content) = content.filter(|c| is_ticket_event(*c)) {
        legacy::decode(content, event);
        return Ok(());
    }
    // A rule with `InputPath: $.detail.ticket_event` delivers the ticket event bare.
    let bare = kind.is_some_and(View::is_string) && ticket.is_some_and(View::is_object);
    if bare && meta.is_some_and(View::is_object) {
        legacy::decode(payload, event);
        return Ok(());
    }

    // A transformer template that wrapped the whole event one level down: {"raw": {...event...}}.
    let mut nested = payload
        .members()
        .map(|(_, v)| v)
        .filter(|x| is_envelope(*x));
    if let (Some(only), None) = (nested.next(), nested.next()) {
        return unwrap_layers::<R>(only, event, depth + 1);
    }
    Err(if event.envelope.eventbridge_id.is_some() {
        "EventBridge event whose detail is no Zendesk event".into()
    } else {
        "JSON that is no Zendesk event".into()
    })
}

/// The legacy ticket event, known by its structure: a `type` and a `ticket` (bare, a `meta` too).
fn is_ticket_event<'t>(v: impl View<'t>) -> bool {
    v.get("type").is_some_and(View::is_string) && v.get("ticket").is_some_and(View::is_object)
}

fn is_envelope<'t>(v: impl View<'t>) -> bool {
    (v.get("detail-type").is_some() && v.get("detail").is_some())
        || v.get("Type").and_then(View::as_str) == Some("Notification")
        || path(v, &["detail", "ticket_event"]).is_some()
}

/// `aws.partner/zendesk.com/9242270/default` → 9242270.
fn partner_account_id(source: &str) -> Option<u64> {
    let rest = source.strip_prefix("aws.partner/zendesk.com/")?;
    rest.split('/').next()?.parse().ok()
}

/// The dedupe key, first available wins (README, "Event identity").
fn identity(event: &TicketEvent) -> String {
    let env = &event.envelope;
    // A webhook id with its type: distinct events that share an id (copied fixtures, test
    // relays) stay distinct, and a relay's retry of one event is still the same key.
    if let Some(id) = &env.webhook_id {
        return match &env.webhook_type {
            Some(t) => [id.as_str(), " ", t.as_str()].concat(),
            None => id.clone(),
        };
    }
    if let Some(id) = &env.eventbridge_id {
        return id.clone();
    }
    if let Some(id) = &env.sns_message_id {
        return format!("sns:{id}");
    }
    if let Some(id) = &event.message_id {
        return format!("sqs:{id}");
    }
    format!("xxh3:{:032x}", xxhash_rust::xxh3::xxh3_128(&event.raw))
}

/// Ticket snapshot fields common to both formats (legacy `ticket`, webhook `detail`), read in one
/// pass over its members (a repeated key: the last one, as a lookup finds it).
pub(super) fn snapshot<'t, V: View<'t>>(t: V) -> TicketSnapshot {
    let mut f: [Option<V>; 18] = [None; 18];
    for (key, v) in t.members() {
        let at = match key {
            "status" => 0,
            "priority" => 1,
            "type" => 2,
            "group_id" => 3,
            "assignee_id" => 4,
            "requester_id" => 5,
            "organization_id" => 6,
            "brand_id" => 7,
            "form_id" => 8,
            "ticket_form_id" => 9,
            "custom_status" => 10,
            "custom_status_id" => 11,
            "via" => 12,
            "tags" => 13,
            "subject" => 14,
            "external_id" => 15,
            "created_at" => 16,
            "updated_at" => 17,
            _ => continue,
        };
        f[at] = Some(v);
    }
    TicketSnapshot {
        status: json::enum_lower(f[0]),
        priority: json::enum_lower(f[1]),
        ticket_type: json::enum_lower(f[2]),
        group_id: json::id(f[3]),
        assignee_id: json::id(f[4]),
        requester_id: json::id(f[5]),
        organization_id: json::id(f[6]),
        brand_id: json::id(f[7]),
        form_id: json::id(f[8]).or_else(|| json::id(f[9])),
        custom_status_id: json::id(f[10]).or_else(|| json::id(f[11])),
        channel: channel(f[12].and_then(|via| via.get("channel"))),
        tags: json::string_list(f[13]),
        subject: json::string(f[14]),
        external_id: json::string(f[15]),
        created_at: json::timestamp(f[16]),
        updated_at: json::timestamp(f[17]),
    }
}

/// `via.channel` is a name (`web`, `web_service`) or a numeric via id.
fn channel<'t>(v: Option<impl View<'t>>) -> Option<String> {
    match v?.shape() {
        Shape::String(s) if !s.is_empty() => Some(json::lower(s)),
        Shape::Number(n) => {
            let id = n.as_u64()?;
            Some(
                VIA_TYPES
                    .iter()
                    .find(|(i, _)| *i == id)
                    .map_or_else(|| format!("via:{id}"), |(_, name)| name.to_string()),
            )
        }
        _ => None,
    }
}

/// Zendesk via ids and their via types (reference §7.4).
const VIA_TYPES: &[(u64, &str)] = &[
    (0, "web_form"),
    (4, "mail"),
    (5, "web_service"),
    (8, "rule"),
    (9, "linked_problem"),
    (10, "group_deletion"),
    (11, "user_change"),
    (12, "user_deletion"),
    (13, "group_change"),
    (14, "resource_push"),
    (15, "iphone"),
    (16, "get_satisfaction"),
    (17, "dropbox"),
    (19, "merge"),
    (20, "batch"),
    (21, "recovered_from_suspended_tickets"),
    (22, "automatic_solution_suggestions"),
    (23, "twitter_favorite"),
    (24, "topic"),
    (25, "user_merge"),
    (26, "twitter_dm"),
    (27, "closed_ticket"),
    (28, "logmein_rescue"),
    (29, "chat"),
    (30, "twitter"),
    (31, "ticket_sharing"),
    (32, "macro_reference"),
    (33, "voicemail"),
    (34, "phone_call_inbound"),
    (35, "phone_call_outbound"),
    (36, "blog"),
    (37, "text_message"),
    (38, "facebook_post"),
];

/// `previous`/`current` as text, normalised for the kind (lower-cased enums, decimal ids);
/// values of other types as they read (`true`, `42`), an object by its label or name.
pub(super) fn diff_value<'t>(kind: &Kind, v: Option<impl View<'t>>) -> Option<String> {
    let typed = match v?.shape() {
        Shape::String(_) | Shape::Number(_) if kind.has_enum_diff() => json::enum_lower(v),
        // An id; `0`, `"0"` and `""` mean "none" (a text that is no number is shown as it is).
        Shape::String(s) if kind.has_id_diff() && s.trim().parse::<u64>().is_ok() => {
            return json::id(v).map(|id| id.to_string());
        }
        Shape::Number(_) if kind.has_id_diff() => return json::id(v).map(|id| id.to_string()),
        _ => None,
    };
    typed.or_else(|| json::scalar_text(v))
}

/// `{id, position, total?}`: legacy `meta.sequence`, webhook `event.meta.sequence`.
pub(super) fn sequence<'t>(v: Option<impl View<'t>>) -> Option<Sequence> {
    let s = v?;
    let small = |k: &str| {
        s.get(k)
            .and_then(View::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    };
    Some(Sequence {
        id: json::scalar_text(s.get("id"))?,
        position: small("position"),
        total: small("total"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(detail: &str) -> TicketSnapshot {
        let body = format!(
            r#"{{"type":"zen:event-type:ticket.priority_changed","id":"w","time":"2026-01-01T00:00:00Z","detail":{detail}}}"#
        );
        let event = decode(Received {
            body: body.into_bytes(),
            message_id: None,
            received_at: Timestamp::UNIX_EPOCH,
        });
        assert_eq!(event.format, Format::Webhook);
        event.ticket
    }

    /// A body that is not UTF-8 is kept as malformed, with where it goes wrong; one that is, is
    /// read (the check is simdutf8's, the place std's).
    #[test]
    fn a_body_that_is_not_utf8_says_where() {
        let read = |body: &[u8]| {
            decode(Received {
                body: body.to_vec(),
                message_id: None,
                received_at: Timestamp::UNIX_EPOCH,
            })
        };
        for (body, at) in [
            (&b"{\"a\":\"\xff\"}"[..], 6),
            (b"{\"caf\xc3\xa9\":\"\xe2\x82\"}", 10),
            (b"\xc0\x80{}", 0),
        ] {
            let e = read(body);
            assert_eq!(e.format, Format::Malformed);
            let expected = format!("not UTF-8 (invalid byte at offset {at})");
            assert!(
                e.problem.as_deref().is_some_and(|p| p.contains(&expected)),
                "{:?}",
                e.problem
            );
        }
        let e = read("{\"caf\u{e9}\":\"\u{1F600}\"}".as_bytes());
        assert_eq!(e.format, Format::Unrecognized, "{:?}", e.problem);
    }

    /// The snapshot is read in one pass over the ticket's members: the same fields as looking each
    /// up, the last of a repeated key, a second name only when the first is missing.
    #[test]
    fn the_ticket_snapshot_reads_every_field_the_last_of_a_repeat_and_second_names() {
        let t = ticket(
            r#"{"status":"OPEN","priority":"low","priority":"HIGH","type":"task","group_id":"7","assignee_id":8,
                "requester_id":9,"organization_id":"10","brand_id":11,"ticket_form_id":12,"custom_status":13,
                "via":{"channel":"Email"},"via":{"channel":4},"tags":"a b","subject":"s","external_id":"x",
                "created_at":"2026-01-01T00:00:01Z","updated_at":"2026-01-01T00:00:02.5Z","tags":["c"]}"#,
        );
        assert_eq!(t.status.as_deref(), Some("open"));
        assert_eq!(t.priority.as_deref(), Some("high"));
        assert_eq!(t.ticket_type.as_deref(), Some("task"));
        let ids = [
            t.group_id,
            t.assignee_id,
            t.requester_id,
            t.organization_id,
            t.brand_id,
        ];
        assert_eq!(ids, [Some(7), Some(8), Some(9), Some(10), Some(11)]);
        assert_eq!((t.form_id, t.custom_status_id), (Some(12), Some(13)));
        assert_eq!(t.channel.as_deref(), Some("mail"));
        assert_eq!(t.tags, vec!["c"]);
        assert_eq!(
            (t.subject.as_deref(), t.external_id.as_deref()),
            (Some("s"), Some("x"))
        );
        assert_eq!(t.created_at.map(|t| t.as_second()), Some(1_767_225_601));
        assert_eq!(
            t.updated_at.map(|t| t.as_millisecond()),
            Some(1_767_225_602_500)
        );
        // `form_id` before `ticket_form_id`, `custom_status` before `custom_status_id`, in any order.
        let t =
            ticket(r#"{"custom_status_id":2,"form_id":3,"ticket_form_id":4,"custom_status":5}"#);
        assert_eq!((t.form_id, t.custom_status_id), (Some(3), Some(5)));
        // A detail that is no object has no snapshot.
        assert_eq!(ticket(r#"["status", "open"]"#), TicketSnapshot::default());
    }
}
