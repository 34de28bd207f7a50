//! The oracle: the line as zdwatch wrote it before, through serde_json, which every line
//! written here must equal byte for byte.
#![allow(clippy::unwrap_used)]

use super::*;
use jiff::SignedDuration;
use serde::Serialize;
use zdwatch_core::event::{Received, decode};
use zdwatch_core::sanitize::json_text;

#[derive(Serialize)]
struct SerdeLine<'a> {
    event_id: &'a str,
    message_id: Option<&'a str>,
    format: &'static str,
    kind: &'a str,
    domain: Option<&'a str>,
    subject_id: Option<&'a str>,
    ticket_id: Option<u64>,
    occurred_at: Option<Timestamp>,
    received_at: Timestamp,
    actor_id: Option<u64>,
    previous: Option<&'a str>,
    current: Option<&'a str>,
    tags_added: &'a [String],
    tags_removed: &'a [String],
    users_added: &'a [u64],
    users_removed: &'a [u64],
    field: Option<&'a str>,
    comment: Option<Comment<'a>>,
    attachment: Option<Attachment<'a>>,
    ticket: Ticket<'a>,
    sequence: Option<Sequence<'a>>,
    envelope: Envelope<'a>,
    problem: Option<&'a str>,
    source: Option<&'a str>,
    /// The body, for unrecognized and malformed events only (as text when it is UTF-8).
    #[serde(skip_serializing_if = "Option::is_none")]
    raw: Option<&'a str>,
    /// The body in base64, for malformed bodies that are not UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    raw_base64: Option<String>,
}

#[derive(Serialize)]
struct Comment<'a> {
    id: Option<u64>,
    body: Option<&'a str>,
    public: Option<bool>,
    author_id: Option<u64>,
    author_name: Option<&'a str>,
    author_is_staff: Option<bool>,
    conversation_id: Option<&'a str>,
}

#[derive(Serialize)]
struct Attachment<'a> {
    id: Option<u64>,
    filename: Option<&'a str>,
    content_type: Option<&'a str>,
    comment_id: Option<u64>,
    content_url: Option<&'a str>,
}

#[derive(Serialize)]
struct Ticket<'a> {
    status: Option<&'a str>,
    priority: Option<&'a str>,
    #[serde(rename = "type")]
    ticket_type: Option<&'a str>,
    group_id: Option<u64>,
    assignee_id: Option<u64>,
    requester_id: Option<u64>,
    organization_id: Option<u64>,
    brand_id: Option<u64>,
    form_id: Option<u64>,
    custom_status_id: Option<u64>,
    channel: Option<&'a str>,
    tags: &'a [String],
    subject: Option<&'a str>,
    external_id: Option<&'a str>,
    created_at: Option<Timestamp>,
    updated_at: Option<Timestamp>,
}

#[derive(Serialize)]
struct Sequence<'a> {
    id: &'a str,
    position: Option<u32>,
    total: Option<u32>,
}

#[derive(Serialize)]
struct Envelope<'a> {
    eventbridge_id: Option<&'a str>,
    eventbridge_time: Option<Timestamp>,
    source: Option<&'a str>,
    detail_type: Option<&'a str>,
    sns_message_id: Option<&'a str>,
    webhook_id: Option<&'a str>,
    zendesk_account_id: Option<u64>,
}

/// The line as it was written before, through serde_json and [`json_text`].
fn by_serde(out: &mut impl Write, e: &TicketEvent) -> io::Result<()> {
    let keep_raw = matches!(e.format, Format::Unrecognized | Format::Malformed);
    let raw_text = keep_raw.then(|| std::str::from_utf8(&e.raw).ok()).flatten();
    let t = &e.ticket;
    let env = &e.envelope;
    let line = SerdeLine {
        event_id: &e.event_id,
        message_id: e.message_id.as_deref(),
        source: e.source.as_deref(),
        format: e.format.as_str(),
        kind: e.kind.as_str(),
        domain: e.domain.as_deref(),
        subject_id: e.subject_id.as_deref(),
        ticket_id: e.ticket_id,
        occurred_at: e.occurred_at,
        received_at: e.received_at,
        actor_id: e.actor_id,
        previous: e.previous.as_deref(),
        current: e.current.as_deref(),
        tags_added: &e.tags_added,
        tags_removed: &e.tags_removed,
        users_added: &e.users_added,
        users_removed: &e.users_removed,
        field: e.field.as_deref(),
        comment: e.comment.as_ref().map(|c| Comment {
            id: c.id,
            body: c.body.as_deref(),
            public: c.public,
            author_id: c.author_id,
            author_name: c.author_name.as_deref(),
            author_is_staff: c.author_is_staff,
            conversation_id: c.conversation_id.as_deref(),
        }),
        attachment: e.attachment.as_ref().map(|a| Attachment {
            id: a.id,
            filename: a.filename.as_deref(),
            content_type: a.content_type.as_deref(),
            comment_id: a.comment_id,
            content_url: a.content_url.as_deref(),
        }),
        ticket: Ticket {
            status: t.status.as_deref(),
            priority: t.priority.as_deref(),
            ticket_type: t.ticket_type.as_deref(),
            group_id: t.group_id,
            assignee_id: t.assignee_id,
            requester_id: t.requester_id,
            organization_id: t.organization_id,
            brand_id: t.brand_id,
            form_id: t.form_id,
            custom_status_id: t.custom_status_id,
            channel: t.channel.as_deref(),
            tags: &t.tags,
            subject: t.subject.as_deref(),
            external_id: t.external_id.as_deref(),
            created_at: t.created_at,
            updated_at: t.updated_at,
        },
        sequence: e.sequence.as_ref().map(|s| Sequence {
            id: &s.id,
            position: s.position,
            total: s.total,
        }),
        envelope: Envelope {
            eventbridge_id: env.eventbridge_id.as_deref(),
            eventbridge_time: env.eventbridge_time,
            source: env.source.as_deref(),
            detail_type: env.detail_type.as_deref(),
            sns_message_id: env.sns_message_id.as_deref(),
            webhook_id: env.webhook_id.as_deref(),
            zendesk_account_id: env.zendesk_account_id,
        },
        problem: e.problem.as_deref(),
        raw: raw_text,
        raw_base64: (keep_raw && raw_text.is_none())
            .then(|| base64::engine::general_purpose::STANDARD.encode(&e.raw)),
    };
    // Sized for a typical line at once (it would otherwise grow from 128 bytes, copying each time).
    let mut text = Vec::with_capacity(1024 + if keep_raw { e.raw.len() } else { 0 });
    serde_json::to_writer(&mut text, &line)?;
    let text = std::str::from_utf8(&text).map_err(io::Error::other)?;
    out.write_all(json_text(text).as_bytes())?;
    out.write_all(b"\n")
}

fn same_line(e: &TicketEvent) {
    let (mut mine, mut serde) = (Vec::new(), Vec::new());
    write_ndjson(&mut mine, e).unwrap();
    by_serde(&mut serde, e).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&mine),
        String::from_utf8_lossy(&serde)
    );
    // As `tail`'s judging threads write it: added after what the buffer holds already.
    let mut after = b"before\n".to_vec();
    ndjson_line(&mut after, e);
    assert_eq!(after.strip_prefix(b"before\n"), Some(&serde[..]));
}

fn decoded(body: &[u8]) -> TicketEvent {
    decode(Received {
        body: body.to_vec(),
        message_id: Some("m\u{1b}1".into()),
        received_at: "2026-12-04T08:00:00.25Z".parse().unwrap(),
    })
}

#[test]
fn every_sample_and_demo_event_is_written_as_serde_json_writes_it() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let capture = std::fs::read(root.join("assets/capture/samples.ndjson")).unwrap();
    let mut n = 0;
    for body in capture.split(|b| *b == b'\n') {
        same_line(&decoded(body));
        n += 1;
    }
    let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let mut sim = zdwatch_sources::demo::Simulator::new(3, start);
    for d in sim.advance(start + SignedDuration::from_hours(1)) {
        let mut e = decoded(&d.body);
        e.source = Some("demo".into());
        same_line(&e);
        n += 1;
    }
    assert!(n > 1000, "{n} events");
}

#[test]
fn hostile_text_and_every_kind_of_value_are_written_as_serde_json_writes_them() {
    let mut e = decoded(br#"{"type":"zen:event-type:ticket.comment_added","id":"x","time":"2026-01-01T10:00:00.000000001Z","detail":{"id":"1","tags":["a\"b","c\\d"],"subject":"\u001b[31m\u0007\u007f\u0085\u200b\u202e\ud83d\ude00 ok","created_at":"1969-12-31T23:59:59.5Z","updated_at":"9999-12-31T23:59:59.999999999Z"},"event":{"comment":{"body":"\b\f\n\r\t\u0000\u001f\u00a0\u2028\u00e9","is_public":false,"author":{"id":3,"is_staff":true}},"tags_added":["\u0000"],"users_added":[1,18446744073709551615]}}"#);
    e.users_removed = vec![0, 7];
    e.sequence = Some(zdwatch_core::event::Sequence {
        id: "s\u{9b}".into(),
        position: Some(u32::MAX),
        total: Some(0),
    });
    e.problem = Some("\u{feff}problem".into());
    same_line(&e);
    // Unrecognized and malformed bodies carry themselves, as text or in base64.
    for body in [
        &b"{\"a\": \"\x1b]52;c;aGk=\x07\"}"[..],
        b"\xff\xfe not utf-8",
        b"not json \x7f",
        b"",
    ] {
        same_line(&decoded(body));
    }
    // Times on every edge jiff prints differently: before 1970, whole seconds, one digit.
    for t in [
        Timestamp::new(0, 0),
        Timestamp::new(-1, 0),
        Timestamp::new(-1, -500_000_000),
        Timestamp::new(1, 1),
        Timestamp::new(59, 100_000_000),
        Timestamp::new(951_782_400, 0),
        Timestamp::new(-62_135_596_800, 0),
        Ok(Timestamp::MIN),
        Ok(Timestamp::MAX),
    ] {
        e.received_at = t.unwrap();
        same_line(&e);
    }
    // Every day of four years (leap years included) at a time with a fraction.
    let mut t: Timestamp = "2099-12-30T23:59:59.010203Z".parse().unwrap();
    for _ in 0..(4 * 366) {
        e.occurred_at = Some(t);
        same_line(&e);
        t += SignedDuration::from_hours(24);
    }
}

/// Names of zdwatch's own are written as they are (`Line::own`): each one is what escaping it
/// would write, so none of them needs escaping.
#[test]
fn own_names_need_no_escaping() {
    use zdwatch_core::event::{KNOWN_KINDS, Kind};
    let kinds = KNOWN_KINDS
        .iter()
        .chain(&[Kind::Unrecognized, Kind::Malformed])
        .map(Kind::as_str);
    let formats = [
        Format::Legacy,
        Format::Webhook,
        Format::Unrecognized,
        Format::Malformed,
    ]
    .map(Format::as_str);
    for name in kinds.chain(formats) {
        let (mut own, mut escaped_name) = (Vec::new(), Vec::new());
        Line(&mut own, Dates::new()).own(name);
        escaped(&mut escaped_name, name);
        assert_eq!(own, escaped_name, "{name}");
    }
}
