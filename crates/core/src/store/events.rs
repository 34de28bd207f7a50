//! The in-memory event store the TUI shows: events in arrival order, each with a sequence
//! number that never changes, an index by ticket, and a bound on how many are kept.
//!
//! Events are held as compact [`Record`]s (see `compact.rs`): the filter runs on them directly
//! ([`Held`]), and [`EventStore::get`] decodes the full event again from its body when one is shown.

use std::collections::VecDeque;
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use jiff::Timestamp;

use super::Dedupe;
use super::bodies::{Bodies, Dictionary, Packed, Prepacked};
use super::compact::{Interner, Record};
use crate::event::{Format, Received, TicketEvent, decode};
use crate::filter::{Fields, IdField, TagScope, Trigrams};

/// Position of an event in arrival order; stays valid (and unique) after older events are evicted.
pub type Seq = u64;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub total: u64,
    pub duplicates: u64,
    pub malformed: u64,
    pub unrecognized: u64,
    pub evicted: u64,
}

pub struct EventStore {
    events: VecDeque<Record>,
    first: Seq,
    by_ticket: HashMap<u64, Vec<Seq>>,
    capacity: usize,
    dedupe: Dedupe,
    counters: Counters,
    strings: Interner,
    bodies: Bodies,
    /// Bytes of the compressed bodies held in `events`.
    body_bytes: usize,
    /// Evictions since the interned strings were last rebuilt, and how many there were then.
    turnover: usize,
    strings_at_rebuild: usize,
    /// User names learnt from comment authors, to show names instead of ids.
    names: HashMap<u64, String>,
    /// Events of a ticket read back from the journal for its timeline (they left memory, or were
    /// never loaded): numbered from [`RECALLED`] up, never part of the stream.
    recalled: HashMap<Seq, Record>,
    recalled_by_ticket: HashMap<u64, Vec<Seq>>,
    next_recalled: Seq,
}

/// Where the numbers of recalled events start (far above any arrival number).
pub const RECALLED: Seq = 1 << 62;

/// At most this many recalled events are kept (those of other tickets go first).
const RECALL_CAP: usize = 20_000;

impl EventStore {
    pub fn new(capacity: usize) -> Self {
        EventStore {
            events: VecDeque::new(),
            first: 0,
            by_ticket: HashMap::new(),
            capacity: capacity.max(1),
            dedupe: Dedupe::new(Dedupe::DEFAULT_CAPACITY.max(capacity)),
            counters: Counters::default(),
            strings: Interner::default(),
            bodies: Bodies::default(),
            body_bytes: 0,
            turnover: 0,
            strings_at_rebuild: 0,
            names: HashMap::new(),
            recalled: HashMap::new(),
            recalled_by_ticket: HashMap::new(),
            next_recalled: RECALLED,
        }
    }

    /// Makes room for `additional` more events at once (loading history), up to the capacity.
    pub fn reserve(&mut self, additional: usize) {
        let room = additional.min(self.capacity.saturating_sub(self.events.len()));
        self.events.reserve(room);
        self.dedupe.reserve(room);
    }

    /// Adds an event unless its id was seen before; returns its sequence number.
    pub fn insert(&mut self, event: &TicketEvent) -> Option<Seq> {
        if !self.is_new(event) {
            return None;
        }
        let body = self.bodies.pack(&Record::framed(event));
        Some(self.add(event, body, event.search_trigrams()))
    }

    /// [`EventStore::insert`] for each event in turn (a repeat within `events` is the duplicate
    /// it would be), with the bodies compressed on every core: how batches and history get in.
    pub fn insert_many<'a>(
        &mut self,
        events: impl IntoIterator<Item = &'a TicketEvent>,
    ) -> Vec<Option<Seq>> {
        self.insert_many_packed(events.into_iter().map(|e| (e, None)).collect())
    }

    /// As [`EventStore::insert_many`], where an event may come with its framed body compressed
    /// already with the store's dictionary (a journal's rows, [`EventStore::adopt_dictionary`]):
    /// that body is held as it is, and the event's own `raw` is not read.
    pub fn insert_many_packed(
        &mut self,
        events: Vec<(&TicketEvent, Option<Packed>)>,
    ) -> Vec<Option<Seq>> {
        let new: Vec<bool> = events.iter().map(|(e, _)| self.is_new(e)).collect();
        let kept: Vec<&TicketEvent> = events
            .iter()
            .zip(&new)
            .filter_map(|((e, _), &new)| new.then_some(*e))
            .collect();
        let to_pack: Vec<&TicketEvent> = events
            .iter()
            .zip(&new)
            .filter_map(|((e, packed), &new)| (new && packed.is_none()).then_some(*e))
            .collect();
        let mut bodies = self
            .bodies
            .pack_many(&to_pack, |e| Record::framed(e))
            .into_iter();
        // Events decoded for the monitor come with theirs (found on the decoding thread): then
        // the loop's thread does not wait for the pool, which may be decoding the next batch.
        let mut trigrams = if kept.iter().all(|e| e.trigrams.is_some()) {
            kept.into_iter()
                .map(TicketEvent::search_trigrams)
                .collect::<Vec<_>>()
        } else {
            crate::parallel::map_in_order(kept, TicketEvent::search_trigrams)
        }
        .into_iter();
        new.into_iter()
            .zip(events)
            .map(|(new, (e, packed))| {
                // Only new events without a body packed had theirs packed.
                if !new {
                    return None;
                }
                let body = match packed {
                    Some(p) => p,
                    None => bodies.next()?,
                };
                Some(self.add(e, body, trigrams.next()?))
            })
            .collect()
    }

    /// Takes a journal's dictionary as the one bodies are compressed with, unless the store has
    /// one already; returns whether bodies compressed with it can be held as they are
    /// ([`EventStore::insert_many_packed`]).
    pub fn adopt_dictionary(&mut self, dictionary: &Arc<Dictionary>) -> bool {
        self.bodies.adopt(dictionary)
    }

    /// Whether bodies compressed with `dictionary` can be held as they are.
    pub fn uses_dictionary(&self, dictionary: &Arc<Dictionary>) -> bool {
        self.bodies.uses(dictionary)
    }

    /// The dictionary bodies are compressed with, once there is one (to compress bodies with
    /// away from the store: [`Dictionary::prepack`]).
    pub fn dictionary(&self) -> Option<&Arc<Dictionary>> {
        self.bodies.dictionary()
    }

    /// A body compressed away from the store, as [`EventStore::insert_many_packed`] takes it;
    /// `None` when it is to be compressed again ([`Bodies::accept`]).
    pub fn accept(&mut self, body: Prepacked) -> Option<Packed> {
        self.bodies.accept(body)
    }

    /// Whether an event's id is new (it is remembered); a repeat is counted as a duplicate.
    fn is_new(&mut self, event: &TicketEvent) -> bool {
        let key = Dedupe::key(&event.event_id);
        if self.dedupe.is_duplicate_key(key) {
            self.counters.duplicates += 1;
            return false;
        }
        self.dedupe.insert_key(key);
        true
    }

    /// Holds a new event whose framed body is packed.
    fn add(&mut self, event: &TicketEvent, body: Packed, trigrams: Trigrams) -> Seq {
        let seq = self.next_seq();
        self.counters.total += 1;
        match event.format {
            Format::Malformed => self.counters.malformed += 1,
            Format::Unrecognized => self.counters.unrecognized += 1,
            _ => {}
        }
        if let Some(ticket) = event.ticket_id {
            self.by_ticket.entry(ticket).or_default().push(seq);
        }
        if let Some(c) = &event.comment {
            if let (Some(id), Some(name)) = (c.author_id, &c.author_name) {
                if self.names.get(&id) != Some(name) {
                    self.names.insert(id, name.clone());
                }
            }
        }
        let record = Record::with_body(event, &mut self.strings, body, trigrams);
        self.body_bytes += record.body_size();
        self.events.push_back(record);
        if self.events.len() > self.capacity {
            self.evict_oldest();
        }
        seq
    }

    fn evict_oldest(&mut self) {
        if let Some(old) = self.events.pop_front() {
            self.body_bytes -= old.body_size();
            if let Some(ticket) = old.ticket_id() {
                if let Some(seqs) = self.by_ticket.get_mut(&ticket) {
                    seqs.retain(|s| *s != self.first);
                    if seqs.is_empty() {
                        self.by_ticket.remove(&ticket);
                    }
                }
            }
            self.first += 1;
            self.counters.evicted += 1;
            self.turnover += 1;
        }
        // Once every event held has turned over and the strings have doubled, drop those of
        // evicted events: memory stays bounded however many distinct tags pass through.
        if self.turnover >= self.capacity
            && self.strings.len() > 2 * self.strings_at_rebuild.max(4096)
        {
            let records = self.events.iter_mut().chain(self.recalled.values_mut());
            self.strings = self.strings.rebuild(records);
            self.strings_at_rebuild = self.strings.len();
            self.turnover = 0;
        }
    }

    fn record(&self, seq: Seq) -> Option<&Record> {
        if seq >= RECALLED {
            return self.recalled.get(&seq);
        }
        let index = usize::try_from(seq.checked_sub(self.first)?).ok()?;
        self.events.get(index)
    }

    /// An event as held: what the filter reads, without decoding it.
    pub fn held(&self, seq: Seq) -> Option<Held<'_>> {
        self.record(seq).map(|record| Held {
            seq,
            record,
            store: self,
        })
    }

    /// The whole event, decoded again from the body it arrived with (a few microseconds). An
    /// event whose body cannot be read back (its capture file changed since) is what the store
    /// knows of it, with a problem that says why the rest is missing: it is not left out of what
    /// shows or exports it.
    pub fn get(&self, seq: Seq) -> Option<TicketEvent> {
        self.get_lasting(seq).map(|(event, _)| event)
    }

    /// [`EventStore::get`], and whether the event given is the one to keep: `false` when its body
    /// is missing for now only (its capture file could not be read, but has not changed), so that
    /// what keeps decoded events (the screen's rows) asks again rather than keep the gap.
    pub fn get_lasting(&self, seq: Seq) -> Option<(TicketEvent, bool)> {
        let record = self.record(seq)?;
        Some(match record.body(&self.bodies) {
            Some((message_id, body)) => (self.decode(record, message_id, body), true),
            None => self.without_body(record),
        })
    }

    /// An event whose body is missing, from its record: kind, ticket, times, status, tags and
    /// ids, no texts, and the reason; and whether it is the one to keep
    /// ([`EventStore::get_lasting`]).
    fn without_body(&self, record: &Record) -> (TicketEvent, bool) {
        let (why, for_now) = self.bodies.why_missing(record.packed());
        let name = |sym| self.strings.name(sym).map(str::to_string);
        let list = |id| -> Vec<String> {
            self.strings
                .list(id)
                .iter()
                .filter_map(|&t| name(t))
                .collect()
        };
        let event = TicketEvent {
            event_id: String::new(),
            message_id: None,
            format: record.format,
            kind: crate::event::Kind::from_name(self.strings.name(record.kind).unwrap_or("")),
            domain: None,
            subject_id: None,
            ticket_id: record.ticket_id(),
            occurred_at: (record.order_time != record.received_at).then_some(record.order_time),
            received_at: record.received_at,
            actor_id: record.id(IdField::Actor),
            previous: name(record.previous),
            current: name(record.current),
            tags_added: list(record.tags_added),
            tags_removed: list(record.tags_removed),
            users_added: Vec::new(),
            users_removed: Vec::new(),
            field: None,
            comment: None,
            attachment: None,
            ticket: crate::event::TicketSnapshot {
                status: name(record.status),
                priority: name(record.priority),
                group_id: record.id(IdField::Group),
                assignee_id: record.id(IdField::Assignee),
                requester_id: record.id(IdField::Requester),
                organization_id: record.id(IdField::Organization),
                brand_id: record.id(IdField::Brand),
                custom_status_id: record.id(IdField::CustomStatus),
                channel: name(record.channel),
                tags: list(record.tags),
                ..Default::default()
            },
            sequence: None,
            envelope: Default::default(),
            problem: Some(why),
            raw: Vec::new(),
            raw_is_json: false,
            source: self.strings.shared(record.source).cloned(),
            trigrams: None,
        };
        // Kept by what shows it only when it cannot come back.
        (event, !for_now)
    }

    /// The capture files whose bytes changed since their events were read: those events' bodies
    /// are missing ([`EventStore::get`]).
    pub fn changed_files(&self) -> Vec<&str> {
        self.bodies.changed_files().collect()
    }

    /// The capture files whose bodies could not be read back lately (an I/O error), with why:
    /// those bodies are missing until a read works again.
    pub fn unreadable_files(&self) -> Vec<(&str, String)> {
        self.bodies.unreadable_files().collect()
    }

    fn decode(&self, record: &Record, message_id: Option<String>, body: Vec<u8>) -> TicketEvent {
        let mut event = decode(Received {
            body,
            message_id,
            received_at: record.received_at,
        });
        event.source = self.strings.shared(record.source).cloned();
        event
    }

    /// The body of an event as it arrived (for EventBridge patterns).
    pub fn body(&self, seq: Seq) -> Option<Vec<u8>> {
        self.record(seq)?.body(&self.bodies).map(|(_, body)| body)
    }

    /// Takes a ticket's events as the journal has them and keeps those not held in memory (for
    /// the ticket's timeline; they replace what was recalled for it before). Returns how many.
    pub fn recall(&mut self, ticket: u64, events: Vec<TicketEvent>) -> usize {
        self.forget_recalled(ticket);
        let held: HashSet<String> = self
            .ticket(ticket)
            .iter()
            .filter_map(|&s| self.get(s))
            .map(|e| e.event_id)
            .collect();
        let mut seen = HashSet::new();
        let missing: Vec<TicketEvent> = events
            .into_iter()
            .filter(|e| e.ticket_id == Some(ticket) && !held.contains(e.event_id.as_str()))
            .filter(|e| seen.insert(e.event_id.clone()))
            .take(RECALL_CAP)
            .collect();
        if self.recalled.len() + missing.len() > RECALL_CAP {
            let others: Vec<u64> = self.recalled_by_ticket.keys().copied().collect();
            for t in others {
                self.forget_recalled(t);
            }
        }
        let count = missing.len();
        for event in missing {
            let seq = self.next_recalled;
            self.next_recalled += 1;
            let record = Record::new(&event, &mut self.strings, &mut self.bodies);
            self.recalled.insert(seq, record);
            self.recalled_by_ticket.entry(ticket).or_default().push(seq);
        }
        count
    }

    fn forget_recalled(&mut self, ticket: u64) {
        for seq in self.recalled_by_ticket.remove(&ticket).unwrap_or_default() {
            self.recalled.remove(&seq);
        }
    }

    /// A ticket's events read back from the journal (see [`EventStore::recall`]).
    pub fn recalled(&self, ticket: u64) -> &[Seq] {
        self.recalled_by_ticket
            .get(&ticket)
            .map_or(&[], Vec::as_slice)
    }

    /// The sequence number the next event will get.
    pub fn next_seq(&self) -> Seq {
        self.first + self.events.len() as u64
    }

    pub fn first_seq(&self) -> Seq {
        self.first
    }

    /// Events from `from` (inclusive) to the newest, as held.
    pub fn since(&self, from: Seq) -> impl Iterator<Item = Held<'_>> {
        let skip = usize::try_from(from.saturating_sub(self.first)).unwrap_or(usize::MAX);
        self.events
            .iter()
            .enumerate()
            .skip(skip)
            .map(move |(i, record)| Held {
                seq: self.first + i as u64,
                record,
                store: self,
            })
    }

    /// The events of one ticket still held, in arrival order.
    pub fn ticket(&self, ticket: u64) -> &[Seq] {
        self.by_ticket.get(&ticket).map_or(&[], Vec::as_slice)
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// A user's name, when a comment of theirs has been seen.
    pub fn name(&self, user: u64) -> Option<&str> {
        self.names.get(&user).map(String::as_str)
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// What the held events take (for the benchmarks and the dashboard).
    pub fn footprint(&self) -> Footprint {
        Footprint {
            records: self.events.len() * std::mem::size_of::<Record>(),
            bodies: self.body_bytes,
            strings: self.strings.len(),
        }
    }
}

/// The size of the held events: fixed-size records, compressed bodies, interned strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Footprint {
    pub records: usize,
    pub bodies: usize,
    /// Distinct strings and tag lists.
    pub strings: usize,
}

/// Whether the text a word search looks at (summary, subject, comment, kind) could contain
/// `word` (lower case), judged from the body: false only when the word is plain (letters and
/// a few marks: no digits, which the decoder may write otherwise than the body, say 1e3) and
/// the body is plain ASCII JSON without `\u` escapes (so the decoded text is the body's own
/// letters) and does not contain it, whatever the case, nor does the kind name or a word the
/// summary writes itself.
fn could_contain(held: &Held<'_>, body: &[u8], word: &str) -> bool {
    let plain_word = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || matches!(b, b'_' | b'.' | b'@' | b'\'' | b'-'));
    let decoded_as_is = matches!(held.record.format, Format::Legacy | Format::Webhook)
        && body.is_ascii()
        && memchr::memmem::find(body, b"\\u").is_none();
    if !plain_word
        || !decoded_as_is
        || held.kind_name().contains(word)
        || crate::event::OWN_WORDS.iter().any(|w| w.contains(word))
    {
        return true;
    }
    memchr::memmem::find(&body.to_ascii_lowercase(), word.as_bytes()).is_some()
}

/// An event as the store holds it: the filter's fields, read without decoding.
#[derive(Clone, Copy)]
pub struct Held<'a> {
    pub seq: Seq,
    record: &'a Record,
    store: &'a EventStore,
}

impl Held<'_> {
    fn name(&self, sym: u32) -> Option<&str> {
        self.store.strings.name(sym)
    }

    /// Its decoder read its body as JSON (see [`crate::pattern::Pattern::matches_read_body`]).
    pub fn body_is_json(&self) -> bool {
        self.record.body_is_json
    }
}

impl Fields for Held<'_> {
    fn kind_name(&self) -> &str {
        self.name(self.record.kind).unwrap_or("")
    }
    fn is_status_change(&self) -> bool {
        self.record.status_change
    }
    fn previous(&self) -> Option<&str> {
        self.name(self.record.previous)
    }
    fn current(&self) -> Option<&str> {
        self.name(self.record.current)
    }
    fn status(&self) -> Option<&str> {
        self.name(self.record.status)
    }
    fn priority(&self) -> Option<&str> {
        self.name(self.record.priority)
    }
    fn channel(&self) -> Option<&str> {
        self.name(self.record.channel)
    }
    fn any_tag(&self, scope: TagScope, test: &mut dyn FnMut(&str) -> bool) -> bool {
        let strings = &self.store.strings;
        let r = self.record;
        let lists: &[u32] = match scope {
            // A tag added by this event is on the ticket even when the snapshot is missing.
            TagScope::Has => &[r.tags, r.tags_added],
            TagScope::Added => &[r.tags_added],
            TagScope::Removed => &[r.tags_removed],
        };
        lists
            .iter()
            .flat_map(|&l| strings.list(l))
            .any(|&tag| strings.name(tag).is_some_and(&mut *test))
    }
    fn ticket_id(&self) -> Option<u64> {
        self.record.ticket_id()
    }
    fn id(&self, field: IdField) -> Option<u64> {
        self.record.id(field)
    }
    fn format(&self) -> Format {
        self.record.format
    }
    fn source(&self) -> Option<&str> {
        self.name(self.record.source)
    }
    fn order_time(&self) -> Timestamp {
        self.record.order_time
    }
    /// Words are searched in the decoded event (its summary, subject and comment), but most
    /// events are ruled out from their text's three-byte sequences, or from their body, without
    /// decoding it.
    fn contains_text(&self, word: &str) -> bool {
        if !self.record.trigrams.may_contain(word) {
            return false;
        }
        let Some((message_id, body)) = self.record.body(&self.store.bodies) else {
            return false;
        };
        if !could_contain(self, &body, word) {
            return false;
        }
        self.store
            .decode(self.record, message_id, body)
            .contains_text(word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Received, decode};

    fn event(id: &str, ticket: u64) -> TicketEvent {
        let body = format!(
            r#"{{"type":"zen:event-type:ticket.created","id":"{id}","time":"2026-01-01T00:00:00Z","detail":{{"id":"{ticket}"}}}}"#
        );
        decode(Received {
            body: body.into_bytes(),
            message_id: None,
            received_at: jiff::Timestamp::UNIX_EPOCH,
        })
    }

    /// Three status changes, one per line, as a capture holds them.
    fn capture_bodies() -> Vec<String> {
        (0..3)
            .map(|i| {
                format!(
                    r#"{{"type":"zen:event-type:ticket.status_changed","id":"e{i}","time":"2026-01-01T00:00:0{i}Z","detail":{{"id":"{}","status":"solved","tags":["vip","t{i}"]}},"event":{{"previous":"open","current":"solved"}}}}"#,
                    100 + i
                )
            })
            .collect()
    }

    /// A store holding `bodies` (the lines of `file`, in order) as their places in it, and the
    /// events they decode to.
    fn held_in_file(
        file: &Arc<crate::store::BodyFile>,
        bodies: &[String],
    ) -> (EventStore, Vec<TicketEvent>) {
        let mut store = EventStore::new(10);
        let mut at = 0;
        let (mut events, mut packed) = (Vec::new(), Vec::new());
        for b in bodies {
            let e = decode(Received {
                body: b.as_bytes().to_vec(),
                message_id: None,
                received_at: jiff::Timestamp::UNIX_EPOCH,
            });
            let place = crate::store::Place {
                file: Arc::clone(file),
                offset: at,
            };
            at += b.len() as u64 + 1;
            packed.push(store.accept(Prepacked::in_file(place, &e.raw).unwrap()));
            events.push(e);
        }
        let held = store.insert_many_packed(events.iter().zip(packed).collect());
        assert_eq!(held, (0..bodies.len() as u64).map(Some).collect::<Vec<_>>());
        (store, events)
    }

    /// Events whose bodies are held in a capture file: shown decoded from it while it is as it
    /// was read; once it changed, each is still there, as the store knows it (kind, ticket,
    /// status, tags), with a problem that says its body is missing and why: never left out.
    #[test]
    fn an_event_whose_capture_changed_is_what_the_store_knows_of_it_and_says_why() {
        use crate::store::BodyFile;
        use crate::store::bodies::MemoryFile;
        let bodies = capture_bodies();
        let capture = MemoryFile::default();
        *capture.0.lock().unwrap() = bodies.join("\n").into_bytes();
        let file = BodyFile::new(capture.clone(), "capture.ndjson");
        let (store, events) = held_in_file(&file, &bodies);
        for (seq, e) in (0..3).zip(&events) {
            assert_eq!(
                store.get(seq).as_ref(),
                Some(e),
                "decoded again from the file"
            );
        }
        assert!(store.changed_files().is_empty());

        *capture.0.lock().unwrap() = format!("\n{}", bodies.join("\n")).into_bytes();
        for (seq, e) in (0..3).zip(&events) {
            let shown = store.get(seq).expect("still held, still shown");
            assert_eq!(shown.ticket_id, e.ticket_id);
            assert_eq!(shown.kind, e.kind);
            assert_eq!((&shown.previous, &shown.current), (&e.previous, &e.current));
            assert_eq!(shown.ticket.status, e.ticket.status);
            assert_eq!(shown.ticket.tags, e.ticket.tags);
            assert_eq!(shown.occurred_at, e.occurred_at);
            assert!(shown.raw.is_empty(), "no other bytes in its place");
            let why = shown.problem.unwrap_or_default();
            assert!(why.contains("no longer in capture.ndjson"), "{why}");
        }
        assert_eq!(store.changed_files(), ["capture.ndjson"]);
    }

    /// A capture that cannot be read for a while (an I/O error, not a change): its events are
    /// shown as the store knows them, saying their body could not be read and why, not that the
    /// file changed, and not to be kept so; once reads work again, each comes back whole and
    /// nothing is said of the file any more.
    #[test]
    fn an_event_whose_capture_cannot_be_read_for_now_comes_back_when_it_can() {
        use crate::store::BodyFile;
        use crate::store::bodies::FlakyFile;
        use std::sync::atomic::Ordering;
        let bodies = capture_bodies();
        let capture = FlakyFile::default();
        *capture.file.0.lock().unwrap() = bodies.join("\n").into_bytes();
        let file = BodyFile::new(capture.clone(), "capture.ndjson");
        let (store, events) = held_in_file(&file, &bodies);

        capture.failing.store(true, Ordering::Relaxed);
        for (seq, e) in (0..3).zip(&events) {
            let (shown, lasting) = store.get_lasting(seq).expect("still held, still shown");
            assert!(!lasting, "a gap for now is not to be kept");
            assert_eq!((shown.ticket_id, &shown.kind), (e.ticket_id, &e.kind));
            assert!(shown.raw.is_empty());
            let why = shown.problem.unwrap_or_default();
            assert!(
                why.contains("could not be read back from capture.ndjson (Input/output error)"),
                "{why}"
            );
            assert!(!why.contains("changed"), "{why}");
        }
        assert!(store.changed_files().is_empty(), "not taken for a change");
        assert_eq!(
            store.unreadable_files(),
            [("capture.ndjson", "Input/output error".to_string())]
        );

        capture.failing.store(false, Ordering::Relaxed);
        for (seq, e) in (0..3).zip(&events) {
            assert_eq!(
                store.get_lasting(seq),
                Some((e.clone(), true)),
                "whole again"
            );
        }
        assert!(store.unreadable_files().is_empty());
        assert!(store.changed_files().is_empty());
    }

    #[test]
    fn duplicates_are_refused_and_counted() {
        let mut s = EventStore::new(10);
        assert_eq!(s.insert(&event("a", 1)), Some(0));
        assert_eq!(s.insert(&event("a", 1)), None);
        assert_eq!(s.insert(&event("b", 1)), Some(1));
        assert_eq!(s.counters().duplicates, 1);
        assert_eq!(s.ticket(1), &[0, 1]);
    }

    #[test]
    fn eviction_keeps_sequence_numbers_and_the_ticket_index_right() {
        let mut s = EventStore::new(2);
        s.insert(&event("a", 1));
        s.insert(&event("b", 2));
        s.insert(&event("c", 1));
        assert_eq!(s.len(), 2);
        assert!(s.get(0).is_none(), "evicted");
        assert_eq!(
            s.get(2).map(|e| e.event_id),
            Some("c zen:event-type:ticket.created".to_string())
        );
        assert_eq!(s.ticket(1), &[2]);
        assert_eq!(s.since(0).map(|h| h.seq).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(s.since(2).count(), 1);
        assert_eq!(s.counters().evicted, 1);
    }

    #[test]
    fn strings_of_evicted_events_do_not_pile_up() {
        let mut s = EventStore::new(100);
        let mut held = Vec::new();
        for i in 0..20_000 {
            let body = format!(
                r#"{{"type":"zen:event-type:ticket.tags_changed","id":"e{i}","time":"2026-01-01T00:00:00Z","detail":{{"id":"{}","tags":["vip","order_{i}"]}},"event":{{"tags_added":["order_{i}"]}}}}"#,
                i % 7
            );
            let e = decode(Received {
                body: body.into_bytes(),
                message_id: None,
                received_at: jiff::Timestamp::UNIX_EPOCH,
            });
            s.insert(&e);
            held.push(e);
        }
        assert!(
            s.footprint().strings < 10_000,
            "{} distinct strings for 100 events held",
            s.footprint().strings
        );
        let filter = crate::filter::Filter::parse("tag:order_19999 tag:vip")
            .unwrap_or_else(|e| panic!("{e}"));
        let now = jiff::Timestamp::UNIX_EPOCH;
        for h in s.since(0) {
            let original = &held[h.seq as usize];
            assert_eq!(s.get(h.seq).as_ref(), Some(original));
            assert_eq!(filter.matches(&h, now), filter.matches(original, now));
        }
        assert_eq!(s.since(0).filter(|h| filter.matches(h, now)).count(), 1);
    }

    /// Batches (history, a queue's receive) hold exactly what inserting their events one by one
    /// holds: before, while and after the dictionary is learnt, with repeats inside a batch,
    /// evictions and bodies of every size.
    #[test]
    fn a_batch_holds_what_its_events_one_by_one_hold() {
        let mut events: Vec<TicketEvent> = Vec::new();
        for i in 0..3_000u64 {
            let tags: Vec<String> = (0..i % 5)
                .map(|t| format!("\"t{}\"", (i + t) % 37))
                .collect();
            let body = format!(
                r#"{{"type":"zen:event-type:ticket.tags_changed","id":"e{}","time":"2026-01-01T00:{:02}:00Z","detail":{{"id":"{}","status":"OPEN","tags":[{}]}},"event":{{"tags_added":["x{}"]}}}}"#,
                i % 2_900,
                i % 60,
                i % 41,
                tags.join(","),
                i % 3
            );
            let mut e = decode(Received {
                body: body.into_bytes(),
                message_id: (i % 4 != 0).then(|| format!("m{i}")),
                received_at: jiff::Timestamp::UNIX_EPOCH,
            });
            // Bodies too small to compress, and one far longer than the rest.
            if i % 97 == 0 {
                e.raw.truncate(10);
            }
            if i == 2_500 {
                e.raw = vec![b'x'; 300_000];
            }
            events.push(e);
        }
        for capacity in [100, 10_000] {
            let mut one = EventStore::new(capacity);
            let seqs_one: Vec<Option<Seq>> = events.iter().map(|e| one.insert(e)).collect();
            let mut many = EventStore::new(capacity);
            let mut seqs_many = Vec::new();
            for batch in [&events[..7], &events[7..1_500], &events[1_500..]] {
                seqs_many.extend(many.insert_many(batch));
            }
            assert_eq!(seqs_many, seqs_one);
            assert_eq!(many.counters(), one.counters());
            assert_eq!(many.counters().duplicates, 100, "e0..e99 came twice");
            assert_eq!(many.len(), one.len());
            for h in one.since(0) {
                assert_eq!(many.get(h.seq), one.get(h.seq), "seq {}", h.seq);
                assert_eq!(
                    many.ticket(h.record.ticket_id().unwrap_or(0)),
                    one.ticket(h.record.ticket_id().unwrap_or(0))
                );
            }
            assert!(
                many.footprint().bodies < one.footprint().bodies * 11 / 10,
                "compressed as well: {} vs {}",
                many.footprint().bodies,
                one.footprint().bodies
            );
        }
    }

    #[test]
    fn recalled_events_fill_in_a_ticket_without_entering_the_stream() {
        let mut s = EventStore::new(2);
        for id in ["a", "b", "c", "d"] {
            s.insert(&event(id, 1));
        }
        assert_eq!(s.ticket(1), &[2, 3], "a and b left memory");
        let journal: Vec<TicketEvent> = ["a", "b", "c", "d", "a"]
            .iter()
            .map(|id| event(id, 1))
            .chain([event("x", 2)])
            .collect();
        assert_eq!(
            s.recall(1, journal.clone()),
            2,
            "only what is not held, once"
        );
        let recalled: Vec<String> = s
            .recalled(1)
            .iter()
            .filter_map(|&q| s.get(q))
            .map(|e| e.envelope.webhook_id.unwrap_or_default())
            .collect();
        assert_eq!(recalled, ["a", "b"]);
        assert!(s.recalled(1).iter().all(|&q| q >= RECALLED));
        assert_eq!(s.since(0).count(), 2, "the stream holds only what arrived");
        assert_eq!(
            s.recall(1, journal),
            2,
            "recalling again replaces, not adds"
        );
        assert_eq!(s.recalled(1).len(), 2);
    }

    /// Held events remember whether their decoder read the body as JSON, and a pattern asked
    /// with that answers as it does of the body alone: every sample, malformed ones included.
    #[test]
    fn held_bodies_match_patterns_as_the_bodies_do() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/samples");
        let patterns = [
            r#"{"detail-type": [{"prefix": "Support Ticket"}]}"#,
            r#"{"detail": {"type": [{"prefix": "zen:event-type:ticket."}]}}"#,
            r#"{"detail": {"ticket_event": {"ticket": {"id": [{"exists": true}]}}}}"#,
            r#"{"source": [{"anything-but": "x"}]}"#,
        ]
        .map(|t| crate::pattern::Pattern::compile(t).unwrap());
        let mut s = EventStore::new(10_000);
        let mut events = Vec::new();
        for group in std::fs::read_dir(&dir).unwrap() {
            for file in std::fs::read_dir(group.unwrap().path()).unwrap() {
                let body = std::fs::read(file.unwrap().path()).unwrap();
                let e = decode(Received {
                    body,
                    message_id: None,
                    received_at: jiff::Timestamp::UNIX_EPOCH,
                });
                if s.insert(&e).is_some() {
                    events.push(e);
                }
            }
        }
        let held: Vec<Held<'_>> = s.since(0).collect();
        assert_eq!(held.len(), events.len());
        let (mut json, mut other, mut matched) = (0, 0, 0);
        for (h, e) in held.iter().zip(&events) {
            assert_eq!(h.body_is_json(), e.raw_is_json);
            (json, other) = if e.raw_is_json {
                (json + 1, other)
            } else {
                (json, other + 1)
            };
            let body = s.body(h.seq).unwrap();
            assert_eq!(body, e.raw);
            for p in &patterns {
                let answer = p.matches_read_body(&body, h.body_is_json());
                assert_eq!(
                    answer,
                    p.matches_body(&body),
                    "{}",
                    String::from_utf8_lossy(&body)
                );
                matched += usize::from(answer);
            }
        }
        assert!(
            json > 40 && other >= 3 && matched > 40,
            "{json} {other} {matched}"
        );
    }
}
