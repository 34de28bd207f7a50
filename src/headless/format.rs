//! The `tail` and `export` line formats. The ndjson field names are a stable interface (README, "ndjson fields").

use std::io::{self, Write};

use base64::Engine;
use jiff::{RoundMode, Timestamp, TimestampRound, Unit};
use serde::Serialize;

use crate::cli::OutputFormat;
use zdwatch_core::event::{Format, Kind, TicketEvent, summary};
use zdwatch_core::sanitize::{csv_cell, json_text, sanitize, sanitize_bytes};

#[derive(Serialize)]
struct Line<'a> {
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

/// One event in the chosen output format, with its line break. Event text is escaped whether
/// or not stdout is a terminal (`zdwatch tail | grep` must not write the clipboard either);
/// `raw_bytes` (`--raw-bytes`) writes raw bodies and CSV cells exactly as received instead.
pub fn write_event(
    out: &mut impl Write,
    e: &TicketEvent,
    format: OutputFormat,
    raw_bytes: bool,
) -> io::Result<()> {
    match format {
        OutputFormat::Ndjson => write_ndjson(out, e),
        OutputFormat::Text => write_text(out, e),
        OutputFormat::Raw => write_raw(out, e, raw_bytes),
        OutputFormat::Csv => write_csv(out, e, raw_bytes),
    }
}

/// One event as a JSON object on one line: serde_json escapes C0 controls, and DEL, C1 and the
/// invisible characters the sanitiser knows are written as `\u` escapes too (still lossless).
pub fn write_ndjson(out: &mut impl Write, e: &TicketEvent) -> io::Result<()> {
    let keep_raw = matches!(e.format, Format::Unrecognized | Format::Malformed);
    let raw_text = keep_raw.then(|| std::str::from_utf8(&e.raw).ok()).flatten();
    let t = &e.ticket;
    let env = &e.envelope;
    let line = Line {
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

/// `2025-01-08T16:45:20Z #5158 status_changed open → solved [mobile login]`, every field sanitised.
pub fn write_text(out: &mut impl Write, e: &TicketEvent) -> io::Result<()> {
    let exact = e.order_time();
    let time = exact
        .round(
            TimestampRound::new()
                .smallest(Unit::Second)
                .mode(RoundMode::Trunc),
        )
        .unwrap_or(exact);
    let who = match (e.ticket_id, &e.domain, &e.subject_id) {
        (Some(id), _, _) => format!("#{id}"),
        (None, Some(domain), Some(id)) => format!("{domain}:{id}"),
        _ => "-".into(),
    };
    let time = if e.time_unknown() {
        "????-??-??T??:??:??Z".to_string()
    } else {
        time.to_string()
    };
    let mut line = format!("{time} {who} {}", e.kind);
    let what = summary(e);
    if !what.is_empty() {
        line.push(' ');
        line.push_str(&what);
    }
    if !e.ticket.tags.is_empty() {
        line.push_str(&format!(" [{}]", e.ticket.tags.join(" ")));
    }
    // Where it came in and for which brand (a created event says its channel already).
    if let Some(channel) = e
        .ticket
        .channel
        .as_deref()
        .filter(|_| e.kind != Kind::Created)
    {
        line.push_str(&format!(" via {channel}"));
    }
    if let Some(brand) = e.ticket.brand_id {
        line.push_str(&format!(" brand {brand}"));
    }
    if e.format == Format::Malformed {
        let excerpt: String = sanitize_bytes(&e.raw).chars().take(200).collect();
        line.push_str(&format!(" body: {excerpt}"));
    }
    out.write_all(sanitize(line.trim_end()).as_bytes())?;
    out.write_all(b"\n")
}

/// The body on one line. A JSON body loses only insignificant line breaks, and its invisible
/// characters are written as `\u` escapes (the same JSON); a body that is not JSON is sanitised
/// like text. With `raw_bytes`, bodies are written as received (line breaks of a non-JSON body
/// as `\n`, so that one line stays one body).
pub fn write_raw(out: &mut impl Write, e: &TicketEvent, raw_bytes: bool) -> io::Result<()> {
    let json = e.format != Format::Malformed;
    if !raw_bytes {
        match std::str::from_utf8(&e.raw) {
            Ok(text) if json => {
                let flat = flatten(text.as_bytes());
                let flat = std::str::from_utf8(&flat).unwrap_or(text);
                out.write_all(json_text(flat.trim()).as_bytes())?;
            }
            _ => out.write_all(sanitize_bytes(e.raw.trim_ascii()).as_bytes())?,
        }
        return out.write_all(b"\n");
    }
    if json {
        out.write_all(flatten(&e.raw).trim_ascii())?;
    } else {
        for &b in e.raw.trim_ascii_end() {
            match b {
                b'\n' => out.write_all(b"\\n")?,
                b'\r' => out.write_all(b"\\r")?,
                _ => out.write_all(&[b])?,
            }
        }
    }
    out.write_all(b"\n")
}

/// Raw line breaks cannot occur inside JSON strings: in valid JSON they are whitespace.
fn flatten(json: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if !json.iter().any(|b| *b == b'\n' || *b == b'\r') {
        return std::borrow::Cow::Borrowed(json);
    }
    std::borrow::Cow::Owned(
        json.iter()
            .map(|b| if *b == b'\n' || *b == b'\r' { b' ' } else { *b })
            .collect(),
    )
}

/// The CSV columns, in order (README, "Export").
pub const CSV_HEADER: &[&str] = &[
    "event_id",
    "occurred_at",
    "received_at",
    "ticket_id",
    "kind",
    "format",
    "previous",
    "current",
    "actor_id",
    "status",
    "priority",
    "assignee_id",
    "group_id",
    "channel",
    "tags",
    "tags_added",
    "tags_removed",
    "subject",
    "comment",
];

/// One CSV record (RFC 4180 quoting by the csv crate); lists are space-separated. Text from the
/// event is sanitised like every other format, and a cell a spreadsheet would run as a formula
/// starts with `'` (README, "Export"); `raw_bytes` writes the cells as they are.
pub fn write_csv(out: &mut impl Write, e: &TicketEvent, raw_bytes: bool) -> io::Result<()> {
    let t = &e.ticket;
    let opt = |v: Option<u64>| v.map(|x| x.to_string()).unwrap_or_default();
    let time = |v: Option<Timestamp>| v.map(|x| x.to_string()).unwrap_or_default();
    let fields = [
        e.event_id.clone(),
        time(e.occurred_at),
        e.received_at.to_string(),
        opt(e.ticket_id),
        e.kind.as_str().to_string(),
        e.format.as_str().to_string(),
        e.previous.clone().unwrap_or_default(),
        e.current.clone().unwrap_or_default(),
        opt(e.actor_id),
        t.status.clone().unwrap_or_default(),
        t.priority.clone().unwrap_or_default(),
        opt(t.assignee_id),
        opt(t.group_id),
        t.channel.clone().unwrap_or_default(),
        t.tags.join(" "),
        e.tags_added.join(" "),
        e.tags_removed.join(" "),
        t.subject.clone().unwrap_or_default(),
        e.comment
            .as_ref()
            .and_then(|c| c.body.clone())
            .unwrap_or_default(),
    ];
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    if raw_bytes {
        w.write_record(&fields)?;
    } else {
        w.write_record(fields.iter().map(|f| csv_cell(&sanitize(f)).into_owned()))?;
    }
    w.flush()
}

pub fn write_csv_header(out: &mut impl Write) -> io::Result<()> {
    let mut w = csv::WriterBuilder::new().from_writer(out);
    w.write_record(CSV_HEADER)?;
    w.flush()
}
