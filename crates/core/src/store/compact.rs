//! The compact form of a held event: a fixed-size [`Record`] with what the filter and the stream
//! read (strings interned as small numbers, ids as plain integers) and the body as it arrived,
//! compressed. Everything else is decoded again from the body when an event is shown.

use foldhash::HashMap;
use std::sync::Arc;

use jiff::Timestamp;

use super::bodies::{Bodies, Packed};
use crate::event::{Format, Kind, TicketEvent};
use crate::filter::{IdField, Trigrams};

/// An interned string; 0 is "none".
pub type Sym = u32;

/// Each distinct string once (kinds, statuses, tags, sources, …), numbered from 1.
#[derive(Default)]
pub struct Interner {
    ids: HashMap<Arc<str>, Sym>,
    names: Vec<Arc<str>>,
    /// Each distinct list of tags once, numbered from 1 (0 is the empty list).
    lists: HashMap<Box<[Sym]>, u32>,
    list_items: Vec<Box<[Sym]>>,
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let name: Arc<str> = s.into();
        self.names.push(name.clone());
        let id = self.names.len() as Sym;
        self.ids.insert(name, id);
        id
    }

    pub fn intern_opt(&mut self, s: Option<&str>) -> Sym {
        s.map_or(0, |s| self.intern(s))
    }

    pub fn name(&self, sym: Sym) -> Option<&str> {
        self.shared(sym).map(|s| &**s)
    }

    pub fn shared(&self, sym: Sym) -> Option<&Arc<str>> {
        self.names.get((sym as usize).checked_sub(1)?)
    }

    pub fn intern_list<S: AsRef<str>>(&mut self, tags: &[S]) -> u32 {
        if tags.is_empty() {
            return 0;
        }
        let items: Box<[Sym]> = tags.iter().map(|t| self.intern(t.as_ref())).collect();
        if let Some(&id) = self.lists.get(&items) {
            return id;
        }
        self.list_items.push(items.clone());
        let id = self.list_items.len() as u32;
        self.lists.insert(items, id);
        id
    }

    pub fn list(&self, id: u32) -> &[Sym] {
        (id as usize)
            .checked_sub(1)
            .and_then(|i| self.list_items.get(i))
            .map_or(&[], |l| l)
    }

    /// Distinct strings and tag lists held.
    pub fn len(&self) -> usize {
        self.names.len() + self.list_items.len()
    }

    /// A new interner with only what `records` use, the records renumbered to it: strings of
    /// events that left memory (a tag only they had, say) go too.
    pub fn rebuild<'a>(&self, records: impl Iterator<Item = &'a mut Record>) -> Interner {
        const UNSEEN: u32 = u32::MAX;
        let mut new = Interner::default();
        let mut names = vec![UNSEEN; self.names.len() + 1];
        let mut lists = vec![UNSEEN; self.list_items.len() + 1];
        (names[0], lists[0]) = (0, 0);
        for r in records {
            for sym in [
                &mut r.kind,
                &mut r.previous,
                &mut r.current,
                &mut r.status,
                &mut r.priority,
                &mut r.channel,
                &mut r.source,
            ] {
                let slot = &mut names[*sym as usize];
                if *slot == UNSEEN {
                    *slot = new.intern_opt(self.name(*sym));
                }
                *sym = *slot;
            }
            for list in [&mut r.tags, &mut r.tags_added, &mut r.tags_removed] {
                let slot = &mut lists[*list as usize];
                if *slot == UNSEEN {
                    let tags: Vec<&str> = self
                        .list(*list)
                        .iter()
                        .filter_map(|&t| self.name(t))
                        .collect();
                    *slot = new.intern_list(&tags);
                }
                *list = *slot;
            }
        }
        new
    }
}

/// A held event: ~190 bytes plus its compressed body.
#[derive(Debug)]
pub struct Record {
    pub order_time: Timestamp,
    pub received_at: Timestamp,
    ticket_id: u64,
    /// Group, assignee, requester, organization, brand, actor, custom status (see [`id_slot`]).
    ids: [u64; 7],
    /// The body with the SQS message id in front (see [`Record::new`]).
    body: Packed,
    /// What a word search reads, as three-byte sequences (rules most events out undecoded).
    pub trigrams: Trigrams,
    pub kind: Sym,
    pub previous: Sym,
    pub current: Sym,
    pub status: Sym,
    pub priority: Sym,
    pub channel: Sym,
    pub source: Sym,
    pub tags: u32,
    pub tags_added: u32,
    pub tags_removed: u32,
    /// Bit 0: the ticket id is set; bit 1 + i: `ids[i]` is set.
    present: u8,
    pub format: Format,
    pub status_change: bool,
    /// The decoder read the body as JSON (`TicketEvent::raw_is_json`): a pattern steps over
    /// what it does not look at instead of checking it again.
    pub body_is_json: bool,
}

fn id_slot(field: IdField) -> usize {
    match field {
        IdField::Group => 0,
        IdField::Assignee => 1,
        IdField::Requester => 2,
        IdField::Organization => 3,
        IdField::Brand => 4,
        IdField::Actor => 5,
        IdField::CustomStatus => 6,
    }
}

impl Record {
    pub fn new(e: &TicketEvent, strings: &mut Interner, bodies: &mut Bodies) -> Record {
        let body = bodies.pack(&Record::framed(e));
        Record::with_body(e, strings, body, e.search_trigrams())
    }

    /// The body as a record holds it before compression ([`super::bodies::frame`]).
    pub fn framed(e: &TicketEvent) -> Vec<u8> {
        super::bodies::frame(e.message_id.as_deref(), &e.raw)
    }

    /// The record of `e` whose framed body ([`Record::framed`]) was packed, and whose searched
    /// text's sequences were found, already.
    pub fn with_body(
        e: &TicketEvent,
        strings: &mut Interner,
        body: Packed,
        trigrams: Trigrams,
    ) -> Record {
        let t = &e.ticket;
        let ids = [
            t.group_id,
            t.assignee_id,
            t.requester_id,
            t.organization_id,
            t.brand_id,
            e.actor_id,
            t.custom_status_id,
        ];
        let mut present = u8::from(e.ticket_id.is_some());
        for (i, id) in ids.iter().enumerate() {
            present |= u8::from(id.is_some()) << (i + 1);
        }
        Record {
            order_time: e.order_time(),
            received_at: e.received_at,
            ticket_id: e.ticket_id.unwrap_or(0),
            ids: ids.map(|id| id.unwrap_or(0)),
            body,
            trigrams,
            kind: strings.intern(e.kind.as_str()),
            previous: strings.intern_opt(e.previous.as_deref()),
            current: strings.intern_opt(e.current.as_deref()),
            status: strings.intern_opt(t.status.as_deref()),
            priority: strings.intern_opt(t.priority.as_deref()),
            channel: strings.intern_opt(t.channel.as_deref()),
            source: strings.intern_opt(e.source.as_deref()),
            tags: strings.intern_list(&t.tags),
            tags_added: strings.intern_list(&e.tags_added),
            tags_removed: strings.intern_list(&e.tags_removed),
            present,
            format: e.format,
            status_change: e.kind == Kind::StatusChanged,
            body_is_json: e.raw_is_json,
        }
    }

    pub fn ticket_id(&self) -> Option<u64> {
        (self.present & 1 != 0).then_some(self.ticket_id)
    }

    pub fn id(&self, field: IdField) -> Option<u64> {
        let slot = id_slot(field);
        (self.present & (1 << (slot + 1)) != 0).then_some(self.ids[slot])
    }

    /// The SQS message id and the body, as they arrived.
    pub fn body(&self, bodies: &Bodies) -> Option<(Option<String>, Vec<u8>)> {
        super::bodies::unframe(bodies.unpack(&self.body)?)
    }

    /// The body as held.
    pub fn packed(&self) -> &Packed {
        &self.body
    }

    /// Bytes of the compressed body.
    pub fn body_size(&self) -> usize {
        self.body.size()
    }
}
