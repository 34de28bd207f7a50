//! What the monitor holds of an event, in a few bytes: written into the journal beside the body
//! when the event is stored, so that reopening a journal builds its in-memory store without
//! decoding a million bodies again (the body is decoded when an event is shown, as for every
//! held event).
//!
//! A digest is only as good as the decoder that wrote it: [`DIGEST_VERSION`] goes up whenever
//! the decoder makes something else of a body in any of the fields below, and a digest of
//! another version is not read (the body is decoded instead). `tests/compact_store.rs` pins the
//! digests of its corpus, so a decoder change that forgets this fails there.

use jiff::Timestamp;

use super::{Comment, Format, Kind, Received, TicketEvent, TicketSnapshot};
use crate::filter::Trigrams;

/// The version of the decoder's output that digests describe.
pub const DIGEST_VERSION: u8 = 2;

/// The digest of `e`: its format, kind, ids, times, status change, tags, the ticket's status,
/// priority, channel, ids, tags and creation time, its comment's author, and the three-byte
/// sequences of what a word search reads ([`Trigrams`]). Not its texts (subject, comment), nor
/// anything only the detail screens show.
pub fn digest(e: &TicketEvent) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(64 + e.event_id.len()));
    w.0.push(DIGEST_VERSION);
    // The top bit: the decoder read the body as JSON (`raw_is_json`). Digests written before it
    // existed have it clear, which only means "check the body in full".
    let format: u8 = match e.format {
        Format::Legacy => 0,
        Format::Webhook => 1,
        Format::Unrecognized => 2,
        Format::Malformed => 3,
    };
    w.0.push(format | u8::from(e.raw_is_json) << 7);
    match &e.kind {
        Kind::Other(name) => {
            w.0.push(1);
            w.text(name);
        }
        Kind::Unrecognized => w.0.push(2),
        Kind::Malformed => w.0.push(3),
        known => {
            w.0.push(0);
            w.text(known.as_str());
        }
    }
    w.text(&e.event_id);
    w.id(e.ticket_id);
    w.time(e.occurred_at);
    w.id(e.actor_id);
    w.opt_text(e.previous.as_deref());
    w.opt_text(e.current.as_deref());
    w.list(&e.tags_added);
    w.list(&e.tags_removed);
    let t = &e.ticket;
    w.opt_text(t.status.as_deref());
    w.opt_text(t.priority.as_deref());
    w.opt_text(t.channel.as_deref());
    for id in [
        t.group_id,
        t.assignee_id,
        t.requester_id,
        t.organization_id,
        t.brand_id,
        t.custom_status_id,
    ] {
        w.id(id);
    }
    w.list(&t.tags);
    w.time(t.created_at);
    match &e.comment {
        None => w.0.push(0),
        Some(c) => {
            w.0.push(1);
            w.id(c.author_id);
            w.opt_text(c.author_name.as_deref());
        }
    }
    w.0.extend_from_slice(&e.search_trigrams().to_bytes());
    w.0
}

/// The event a digest describes, with the body it was written for: what [`digest`] keeps, and
/// nothing else (no subject, comment text, envelope…). The message back for a digest of another
/// version or one that does not read whole (its body is to be decoded).
pub fn from_digest(bytes: &[u8], msg: Received) -> Result<TicketEvent, Received> {
    match read(bytes) {
        Some(read) => Ok(read.with(msg)),
        None => Err(msg),
    }
}

/// What a digest says, before the message is added.
struct Read {
    event_id: String,
    format: Format,
    raw_is_json: bool,
    kind: Kind,
    ticket_id: Option<u64>,
    occurred_at: Option<Timestamp>,
    actor_id: Option<u64>,
    previous: Option<String>,
    current: Option<String>,
    tags_added: Vec<String>,
    tags_removed: Vec<String>,
    ticket: TicketSnapshot,
    comment: Option<Comment>,
    trigrams: Trigrams,
}

fn read(bytes: &[u8]) -> Option<Read> {
    let mut r = Reader(bytes);
    if r.byte()? != DIGEST_VERSION {
        return None;
    }
    let format_byte = r.byte()?;
    let raw_is_json = format_byte & 0x80 != 0;
    let format = match format_byte & 0x7f {
        0 => Format::Legacy,
        1 => Format::Webhook,
        2 => Format::Unrecognized,
        3 => Format::Malformed,
        _ => return None,
    };
    let kind = match r.byte()? {
        0 => Kind::from_name(r.text()?),
        1 => Kind::Other(r.text()?.into()),
        2 => Kind::Unrecognized,
        3 => Kind::Malformed,
        _ => return None,
    };
    let event_id = r.text()?.to_string();
    let ticket_id = r.id()?;
    let occurred_at = r.time()?;
    let actor_id = r.id()?;
    let previous = r.opt_text()?;
    let current = r.opt_text()?;
    let tags_added = r.list()?;
    let tags_removed = r.list()?;
    let mut ticket = TicketSnapshot {
        status: r.opt_text()?,
        priority: r.opt_text()?,
        channel: r.opt_text()?,
        ..TicketSnapshot::default()
    };
    for id in [
        &mut ticket.group_id,
        &mut ticket.assignee_id,
        &mut ticket.requester_id,
        &mut ticket.organization_id,
        &mut ticket.brand_id,
        &mut ticket.custom_status_id,
    ] {
        *id = r.id()?;
    }
    ticket.tags = r.list()?;
    ticket.created_at = r.time()?;
    let comment = match r.byte()? {
        0 => None,
        1 => Some(Comment {
            author_id: r.id()?,
            author_name: r.opt_text()?,
            ..Comment::default()
        }),
        _ => return None,
    };
    let trigrams = Trigrams::from_bytes(r.0.try_into().ok()?);
    Some(Read {
        event_id,
        format,
        raw_is_json,
        kind,
        ticket_id,
        occurred_at,
        actor_id,
        previous,
        current,
        tags_added,
        tags_removed,
        ticket,
        comment,
        trigrams,
    })
}

impl Read {
    fn with(self, msg: Received) -> TicketEvent {
        TicketEvent {
            event_id: self.event_id,
            message_id: msg.message_id,
            format: self.format,
            kind: self.kind,
            domain: None,
            subject_id: None,
            ticket_id: self.ticket_id,
            occurred_at: self.occurred_at,
            received_at: msg.received_at,
            actor_id: self.actor_id,
            previous: self.previous,
            current: self.current,
            tags_added: self.tags_added,
            tags_removed: self.tags_removed,
            users_added: Vec::new(),
            users_removed: Vec::new(),
            field: None,
            comment: self.comment,
            attachment: None,
            ticket: self.ticket,
            sequence: None,
            envelope: Default::default(),
            problem: None,
            raw: msg.body,
            raw_is_json: self.raw_is_json,
            source: None,
            trigrams: Some(self.trigrams),
        }
    }
}

/// `e` with only what a digest keeps (what [`from_digest`] gives back), for tests.
#[doc(hidden)]
pub fn digested(e: &TicketEvent) -> TicketEvent {
    let t = &e.ticket;
    TicketEvent {
        event_id: e.event_id.clone(),
        message_id: e.message_id.clone(),
        format: e.format,
        kind: e.kind.clone(),
        ticket_id: e.ticket_id,
        occurred_at: e.occurred_at,
        received_at: e.received_at,
        actor_id: e.actor_id,
        previous: e.previous.clone(),
        current: e.current.clone(),
        tags_added: e.tags_added.clone(),
        tags_removed: e.tags_removed.clone(),
        comment: e.comment.as_ref().map(|c| Comment {
            author_id: c.author_id,
            author_name: c.author_name.clone(),
            ..Comment::default()
        }),
        ticket: TicketSnapshot {
            status: t.status.clone(),
            priority: t.priority.clone(),
            channel: t.channel.clone(),
            group_id: t.group_id,
            assignee_id: t.assignee_id,
            requester_id: t.requester_id,
            organization_id: t.organization_id,
            brand_id: t.brand_id,
            custom_status_id: t.custom_status_id,
            tags: t.tags.clone(),
            created_at: t.created_at,
            ..TicketSnapshot::default()
        },
        raw: e.raw.clone(),
        source: e.source.clone(),
        domain: None,
        subject_id: None,
        users_added: Vec::new(),
        users_removed: Vec::new(),
        field: None,
        attachment: None,
        sequence: None,
        envelope: Default::default(),
        problem: None,
        raw_is_json: e.raw_is_json,
        trigrams: Some(e.search_trigrams()),
    }
}

struct Writer(Vec<u8>);

impl Writer {
    /// LEB128: seven bits a byte, low first.
    fn number(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.0.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }

    fn text(&mut self, s: &str) {
        self.number(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    /// 0 for none, else the length plus one and the text.
    fn opt_text(&mut self, s: Option<&str>) {
        match s {
            None => self.0.push(0),
            Some(s) => {
                self.number(s.len() as u64 + 1);
                self.0.extend_from_slice(s.as_bytes());
            }
        }
    }

    fn list(&mut self, items: &[String]) {
        self.number(items.len() as u64);
        for s in items {
            self.text(s);
        }
    }

    fn id(&mut self, id: Option<u64>) {
        match id {
            None => self.0.push(0),
            Some(id) => {
                self.0.push(1);
                self.number(id);
            }
        }
    }

    /// Zig-zag: small numbers of either sign in few bytes.
    fn signed(&mut self, n: i64) {
        self.number(((n << 1) ^ (n >> 63)) as u64);
    }

    /// Seconds and nanoseconds since 1970 (both negative before it).
    fn time(&mut self, t: Option<Timestamp>) {
        match t {
            None => self.0.push(0),
            Some(t) => {
                self.0.push(1);
                self.signed(t.as_second());
                self.signed(i64::from(t.subsec_nanosecond()));
            }
        }
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn number(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    fn signed(&mut self) -> Option<i64> {
        let z = self.number()?;
        Some(((z >> 1) as i64) ^ -((z & 1) as i64))
    }

    fn bytes(&mut self, len: u64) -> Option<&'a str> {
        let len = usize::try_from(len).ok()?;
        if len > self.0.len() {
            return None;
        }
        let (s, rest) = self.0.split_at(len);
        self.0 = rest;
        std::str::from_utf8(s).ok()
    }

    fn text(&mut self) -> Option<&'a str> {
        let len = self.number()?;
        self.bytes(len)
    }

    fn opt_text(&mut self) -> Option<Option<String>> {
        match self.number()? {
            0 => Some(None),
            n => Some(Some(self.bytes(n - 1)?.to_string())),
        }
    }

    fn list(&mut self) -> Option<Vec<String>> {
        let n = self.number()?;
        // Each item takes at least a byte: a count larger than what is left is not a digest.
        if n > self.0.len() as u64 {
            return None;
        }
        (0..n).map(|_| self.text().map(str::to_string)).collect()
    }

    fn id(&mut self) -> Option<Option<u64>> {
        match self.byte()? {
            0 => Some(None),
            1 => Some(Some(self.number()?)),
            _ => None,
        }
    }

    fn time(&mut self) -> Option<Option<Timestamp>> {
        match self.byte()? {
            0 => Some(None),
            1 => {
                let seconds = self.signed()?;
                let nanos = i32::try_from(self.signed()?).ok()?;
                Timestamp::new(seconds, nanos).ok().map(Some)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn received(body: &[u8]) -> Received {
        Received {
            body: body.to_vec(),
            message_id: Some("m-1".into()),
            received_at: Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn times_before_and_after_1970_and_their_nanoseconds_come_back() {
        let parsed = [
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59.5Z",
            "1900-06-01T12:00:00.000000001Z",
            "2026-03-01T08:00:00.123456789Z",
        ]
        .map(|text| text.parse().unwrap_or_else(|e| panic!("{text}: {e}")));
        for t in parsed.into_iter().chain([Timestamp::MIN, Timestamp::MAX]) {
            let text = t.to_string();
            let mut w = Writer(Vec::new());
            w.time(Some(t));
            assert_eq!(Reader(&w.0).time(), Some(Some(t)), "{text}");
        }
    }

    #[test]
    fn a_kind_named_like_another_keeps_what_it_was() {
        for kind in [
            Kind::Other("unrecognized".into()),
            Kind::Other("malformed".into()),
            Kind::Unrecognized,
            Kind::Malformed,
            Kind::StatusChanged,
            Kind::Other("user.created".into()),
        ] {
            let e = TicketEvent {
                kind: kind.clone(),
                ..digested(&crate::event::decode(received(b"{}")))
            };
            let back = from_digest(&digest(&e), received(b"{}"));
            assert_eq!(back.ok().map(|b| b.kind), Some(kind));
        }
    }

    /// Whatever the bytes (a journal may come from anyone): a digest of this version that reads
    /// whole, or `None` — never a panic, never a partial event.
    #[test]
    fn cut_or_changed_digests_are_refused_not_misread() {
        let body = br#"{"type":"zen:event-type:ticket.tags_changed","id":"e1","time":"2026-01-01T00:00:00Z","detail":{"id":"35436","status":"OPEN","tags":["vip","b"],"created_at":"2025-12-01T00:00:00Z","assignee_id":"7"},"event":{"tags_added":["b"]}}"#;
        let e = crate::event::decode(received(body));
        let d = digest(&e);
        assert_eq!(from_digest(&d, received(body)).ok(), Some(digested(&e)));
        for cut in 0..d.len() {
            assert!(read(&d[..cut]).is_none(), "cut at {cut}");
        }
        let mut longer = d.clone();
        longer.push(0);
        assert!(read(&longer).is_none());
        let mut other = d.clone();
        other[0] = DIGEST_VERSION + 1;
        let back = from_digest(&other, received(body));
        assert_eq!(
            back.err().map(|m| m.body),
            Some(body.to_vec()),
            "the message comes back"
        );
        for i in 0..d.len() {
            for b in [0u8, 1, 0x7f, 0x80, 0xff] {
                let mut m = d.clone();
                m[i] = b;
                let _ = from_digest(&m, received(body));
            }
        }
    }
}
