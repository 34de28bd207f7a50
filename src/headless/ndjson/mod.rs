//! `--format ndjson`: one event as a JSON object on one line, written field by field (README,
//! "ndjson fields": the names and their order are a stable interface). Strings are escaped as
//! serde_json escapes them, and DEL, C1 and the invisible characters the sanitiser knows are
//! written as `\u` escapes too ([`json_escapes`]; still lossless). The tests hold it against the
//! same line written through serde_json.

use std::io::{self, Write};

use base64::Engine;
use jiff::Timestamp;
use zdwatch_core::event::{Format, Kind, TicketEvent};
use zdwatch_core::sanitize::json_escapes;

/// `,"name":`, before a member after the first.
macro_rules! field {
    ($w:expr, $name:literal) => {
        $w.raw(concat!(",\"", $name, "\":"))
    };
}

/// `{"name":`, an object and its first member.
macro_rules! first {
    ($w:expr, $name:literal) => {
        $w.raw(concat!("{\"", $name, "\":"))
    };
}

/// One event as a JSON object on one line, with its line break.
pub fn write_ndjson(out: &mut impl Write, e: &TicketEvent) -> io::Result<()> {
    let mut line = Vec::new();
    ndjson_line(&mut line, e);
    out.write_all(&line)
}

/// [`write_ndjson`] into memory: the line is added to the end of `line` (where `tail`'s judging
/// threads write it, without a buffer of its own to copy from).
pub fn ndjson_line(line: &mut Vec<u8>, e: &TicketEvent) {
    let keep_raw = matches!(e.format, Format::Unrecognized | Format::Malformed);
    line.reserve(1024 + if keep_raw { 2 * e.raw.len() } else { 0 });
    let mut w = Line(line, Dates::new());
    first!(w, "event_id").string(&e.event_id);
    field!(w, "message_id").optional_string(e.message_id.as_deref());
    field!(w, "format").own(e.format.as_str());
    match &e.kind {
        Kind::Other(name) => field!(w, "kind").string(name),
        kind => field!(w, "kind").own(kind.as_str()),
    }
    field!(w, "domain").optional_string(e.domain.as_deref());
    field!(w, "subject_id").optional_string(e.subject_id.as_deref());
    field!(w, "ticket_id").optional_number(e.ticket_id);
    field!(w, "occurred_at").optional_time(e.occurred_at);
    field!(w, "received_at").time(e.received_at);
    field!(w, "actor_id").optional_number(e.actor_id);
    field!(w, "previous").optional_string(e.previous.as_deref());
    field!(w, "current").optional_string(e.current.as_deref());
    field!(w, "tags_added").strings(&e.tags_added);
    field!(w, "tags_removed").strings(&e.tags_removed);
    field!(w, "users_added").numbers(&e.users_added);
    field!(w, "users_removed").numbers(&e.users_removed);
    field!(w, "field").optional_string(e.field.as_deref());
    field!(w, "comment");
    match &e.comment {
        None => w.null(),
        Some(c) => {
            first!(w, "id").optional_number(c.id);
            field!(w, "body").optional_string(c.body.as_deref());
            field!(w, "public").optional_bool(c.public);
            field!(w, "author_id").optional_number(c.author_id);
            field!(w, "author_name").optional_string(c.author_name.as_deref());
            field!(w, "author_is_staff").optional_bool(c.author_is_staff);
            field!(w, "conversation_id").optional_string(c.conversation_id.as_deref());
            w.close();
        }
    }
    field!(w, "attachment");
    match &e.attachment {
        None => w.null(),
        Some(a) => {
            first!(w, "id").optional_number(a.id);
            field!(w, "filename").optional_string(a.filename.as_deref());
            field!(w, "content_type").optional_string(a.content_type.as_deref());
            field!(w, "comment_id").optional_number(a.comment_id);
            field!(w, "content_url").optional_string(a.content_url.as_deref());
            w.close();
        }
    }
    let t = &e.ticket;
    field!(w, "ticket");
    first!(w, "status").optional_string(t.status.as_deref());
    field!(w, "priority").optional_string(t.priority.as_deref());
    field!(w, "type").optional_string(t.ticket_type.as_deref());
    field!(w, "group_id").optional_number(t.group_id);
    field!(w, "assignee_id").optional_number(t.assignee_id);
    field!(w, "requester_id").optional_number(t.requester_id);
    field!(w, "organization_id").optional_number(t.organization_id);
    field!(w, "brand_id").optional_number(t.brand_id);
    field!(w, "form_id").optional_number(t.form_id);
    field!(w, "custom_status_id").optional_number(t.custom_status_id);
    field!(w, "channel").optional_string(t.channel.as_deref());
    field!(w, "tags").strings(&t.tags);
    field!(w, "subject").optional_string(t.subject.as_deref());
    field!(w, "external_id").optional_string(t.external_id.as_deref());
    field!(w, "created_at").optional_time(t.created_at);
    field!(w, "updated_at").optional_time(t.updated_at);
    w.close();
    field!(w, "sequence");
    match &e.sequence {
        None => w.null(),
        Some(s) => {
            first!(w, "id").string(&s.id);
            field!(w, "position").optional_number(s.position.map(u64::from));
            field!(w, "total").optional_number(s.total.map(u64::from));
            w.close();
        }
    }
    let env = &e.envelope;
    field!(w, "envelope");
    first!(w, "eventbridge_id").optional_string(env.eventbridge_id.as_deref());
    field!(w, "eventbridge_time").optional_time(env.eventbridge_time);
    field!(w, "source").optional_string(env.source.as_deref());
    field!(w, "detail_type").optional_string(env.detail_type.as_deref());
    field!(w, "sns_message_id").optional_string(env.sns_message_id.as_deref());
    field!(w, "webhook_id").optional_string(env.webhook_id.as_deref());
    field!(w, "zendesk_account_id").optional_number(env.zendesk_account_id);
    w.close();
    field!(w, "problem").optional_string(e.problem.as_deref());
    field!(w, "source").optional_string(e.source.as_deref());
    // The body, for unrecognized and malformed events only: as text when it is UTF-8, else in base64.
    if keep_raw {
        match std::str::from_utf8(&e.raw) {
            Ok(text) => field!(w, "raw").string(text),
            Err(_) => {
                let encoded = base64::engine::general_purpose::STANDARD.encode(&e.raw);
                field!(w, "raw_base64").string(&encoded);
            }
        }
    }
    w.close();
    w.0.push(b'\n');
}

/// A JSON line being written at the end of a buffer.
struct Line<'a>(&'a mut Vec<u8>, Dates);

impl Line<'_> {
    fn close(&mut self) {
        self.0.push(b'}');
    }

    /// Text of zdwatch's own (a key with its punctuation), as it is.
    fn raw(&mut self, text: &str) -> &mut Self {
        self.0.extend_from_slice(text.as_bytes());
        self
    }

    fn null(&mut self) {
        self.0.extend_from_slice(b"null");
    }

    fn string(&mut self, s: &str) {
        escaped(self.0, s);
    }

    /// A name of zdwatch's own (a format's, a known kind's: lower-case ASCII, nothing to escape,
    /// as the tests check), as it is.
    fn own(&mut self, name: &str) {
        self.0.push(b'"');
        self.0.extend_from_slice(name.as_bytes());
        self.0.push(b'"');
    }

    fn optional_string(&mut self, s: Option<&str>) {
        match s {
            Some(s) => escaped(self.0, s),
            None => self.null(),
        }
    }

    fn optional_number(&mut self, n: Option<u64>) {
        match n {
            Some(n) => self
                .0
                .extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
            None => self.null(),
        }
    }

    fn optional_bool(&mut self, b: Option<bool>) {
        match b {
            Some(true) => self.0.extend_from_slice(b"true"),
            Some(false) => self.0.extend_from_slice(b"false"),
            None => self.null(),
        }
    }

    fn time(&mut self, t: Timestamp) {
        self.0.push(b'"');
        write_time(self.0, t, &mut self.1);
        self.0.push(b'"');
    }

    fn optional_time(&mut self, t: Option<Timestamp>) {
        match t {
            Some(t) => self.time(t),
            None => self.null(),
        }
    }

    fn strings(&mut self, items: &[String]) {
        self.0.push(b'[');
        for (i, s) in items.iter().enumerate() {
            if i > 0 {
                self.0.push(b',');
            }
            escaped(self.0, s);
        }
        self.0.push(b']');
    }

    fn numbers(&mut self, items: &[u64]) {
        self.0.push(b'[');
        for (i, n) in items.iter().enumerate() {
            if i > 0 {
                self.0.push(b',');
            }
            self.0
                .extend_from_slice(itoa::Buffer::new().format(*n).as_bytes());
        }
        self.0.push(b']');
    }
}

/// `s` as a JSON string: `"` and `\` escaped, C0 controls as serde_json writes them (`\n`,
/// `\u001b`), and the characters of [`json_escapes`] as `\u` escapes of their UTF-16 units.
fn escaped(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        // Runs of printable ASCII are copied as they are.
        start += zdwatch_core::scan::copy_to_stop(&bytes[start..], true, out);
        let Some(c) = s[start..].chars().next() else {
            break;
        };
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '\r' => out.extend_from_slice(b"\\r"),
            c if (c as u32) < 0x20 || json_escapes(c) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => {
                let mut utf8 = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
        }
        start += c.len_utf8();
    }
    out.push(b'"');
}

/// The last two days a line's times fell on (days since 1970-01-01) and their dates as written:
/// an event's own times mostly share a day, and the time it was read is another.
struct Dates([(i64, [u8; 10]); 2]);

impl Dates {
    fn new() -> Dates {
        Dates([(-1, [0; 10]); 2])
    }

    /// `YYYY-MM-DD` of a day count since 1970-01-01 (not negative); `None` after the year 9999.
    fn of(&mut self, days: i64) -> Option<[u8; 10]> {
        match self.0 {
            [(d, date), _] | [_, (d, date)] if d == days => Some(date),
            [last, _] => {
                let date = civil_date(days)?;
                self.0 = [(days, date), last];
                Some(date)
            }
        }
    }
}

/// `YYYY-MM-DD` of a day count since 1970-01-01 (not negative), by Howard Hinnant's
/// civil_from_days; `None` after the year 9999.
fn civil_date(days: i64) -> Option<[u8; 10]> {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    if year > 9999 {
        return None;
    }
    let mut date = *b"0000-00-00";
    for (at, n) in [(0, year / 100), (2, year % 100), (5, month), (8, day)] {
        two_digits(&mut date[at..at + 2], n);
    }
    Some(date)
}

/// The last two digits of `n` (not negative) into `to`, from a table.
fn two_digits(to: &mut [u8], n: i64) {
    let i = 2 * (n as usize % 100);
    to.copy_from_slice(&PAIRS[i..i + 2]);
}

/// "00" to "99", each number's two digits.
const PAIRS: &[u8; 200] = b"\
    0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// A time as jiff writes it (`2026-01-01T10:00:00.5Z`: the fraction without trailing zeros, none
/// when whole), without jiff's general printer for the times of years 0 to 9999.
fn write_time(out: &mut Vec<u8>, t: Timestamp, dates: &mut Dates) {
    let (seconds, nanos) = (t.as_second(), t.subsec_nanosecond());
    if seconds < 0 || nanos < 0 {
        let _ = write!(out, "{t}");
        return;
    }
    let (days, in_day) = (seconds / 86_400, seconds % 86_400);
    // Put together on the stack, then copied once (a push each cost a capacity check); two
    // digits at a time from a table.
    let mut buf = [0u8; 30];
    let two = |buf: &mut [u8; 30], at: usize, n: i64| two_digits(&mut buf[at..at + 2], n);
    let Some(date) = dates.of(days) else {
        let _ = write!(out, "{t}");
        return;
    };
    buf[..10].copy_from_slice(&date);
    buf[10] = b'T';
    two(&mut buf, 11, in_day / 3600);
    buf[13] = b':';
    two(&mut buf, 14, in_day / 60 % 60);
    buf[16] = b':';
    two(&mut buf, 17, in_day % 60);
    let mut len = 19;
    if nanos > 0 {
        buf[19] = b'.';
        let n = i64::from(nanos);
        two(&mut buf, 20, n / 10_000_000);
        two(&mut buf, 22, n / 100_000 % 100);
        two(&mut buf, 24, n / 1_000 % 100);
        two(&mut buf, 26, n / 10 % 100);
        buf[28] = b'0' + (n % 10) as u8;
        len = 29;
        while buf[len - 1] == b'0' {
            len -= 1;
        }
    }
    buf[len] = b'Z';
    out.extend_from_slice(&buf[..=len]);
}

#[cfg(test)]
mod tests;
