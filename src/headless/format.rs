//! The `tail` and `export` line formats. The ndjson field names are a stable interface (README, "ndjson fields").

use std::io::{self, Write};

use jiff::{RoundMode, Timestamp, TimestampRound, Unit};

use crate::cli::OutputFormat;
use zdwatch_core::event::{Format, Kind, TicketEvent, summary};
use zdwatch_core::sanitize::{csv_cell, json_text, sanitize, sanitize_bytes};

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
        OutputFormat::Ndjson => super::write_ndjson(out, e),
        OutputFormat::Text => write_text(out, e),
        OutputFormat::Raw => write_raw(out, e, raw_bytes),
        OutputFormat::Csv => write_csv(out, e, raw_bytes),
    }
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
