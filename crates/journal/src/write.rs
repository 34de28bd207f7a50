//! Writing events: one transaction per call, idempotent on the event id.

use std::sync::Arc;

use rusqlite::params;
use zdwatch_core::event::digest::digest;
use zdwatch_core::event::{Format, Kind, TicketEvent, mask};
use zdwatch_core::store::{Dictionary, Packer, SAMPLES, frame};

use crate::{Dictionaries, Journal, JournalError, failpoint, sqlite, time_text};

/// How a journal compresses the bodies it writes (schema 4).
#[derive(Default)]
pub(crate) enum Packing {
    /// Not known yet: the newest dictionary in the file is taken on the first write.
    #[default]
    Unread,
    /// The file has no dictionary yet: the first bodies written, their customer text masked
    /// (so that the dictionary holds none), are gathered to learn one from; until then bodies
    /// are written as they came.
    Learning(Vec<Vec<u8>>),
    /// Bodies are compressed with dictionary `id`.
    Ready { id: i64, packer: Packer },
    /// No dictionary could be learnt (too few distinct bodies): bodies are written as they came
    /// until the journal is opened again.
    Off,
}

impl Packing {
    /// Compressing with dictionary `id`.
    fn with(id: i64, dictionary: &Dictionary) -> Packing {
        match dictionary.packer() {
            Some(packer) => Packing::Ready { id, packer },
            None => Packing::Off,
        }
    }
}

impl Journal {
    /// Caps the file at about `bytes` (SQLite then reports the disk as full).
    pub fn set_max_size(&self, bytes: u64) -> Result<(), JournalError> {
        let page: i64 = self
            .conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .map_err(|e| sqlite(&self.path, e))?;
        let pages = i64::try_from(bytes).unwrap_or(i64::MAX) / page.max(1);
        self.conn
            .pragma_update(None, "max_page_count", pages.max(1))
            .map_err(|e| sqlite(&self.path, e))
    }

    /// Stores events in one transaction; returns how many were new. Idempotent on `event_id` and
    /// `occurred_at` (the unique index; an event without a time is looked up by its id among the
    /// others without one, as a unique index does not compare NULLs). When this returns `Ok`, the
    /// events are on disk.
    pub fn append<'a>(
        &mut self,
        source: &str,
        events: impl IntoIterator<Item = &'a TicketEvent>,
    ) -> Result<usize, JournalError> {
        let result = self.append_in_one(source, events);
        if result.is_err() {
            // A dictionary stored by the transaction that failed is not in the file.
            self.packing = Packing::Unread;
        }
        result
    }

    fn append_in_one<'a>(
        &mut self,
        source: &str,
        events: impl IntoIterator<Item = &'a TicketEvent>,
    ) -> Result<usize, JournalError> {
        let path = self.path.clone();
        let err = |e| sqlite(&path, e);
        if matches!(self.packing, Packing::Unread) {
            self.packing = self.packing().map_err(err)?;
        }
        let tx = self.conn.transaction().map_err(err)?;
        let mut added = 0;
        // Comments Zendesk redacted: their text goes from the ticket's earlier bodies too.
        let mut redacted: Vec<(i64, u64)> = Vec::new();
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO events (event_id, message_id, source, format, kind, ticket_id,
                        occurred_at, received_at, actor_id, previous, current, tags_added, tags_removed,
                        tags, sequence_id, sequence_position, raw, digest, raw_dictionary, raw_length)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                             ?19, ?20)",
                )
                .map_err(err)?;
            let mut timeless = tx
                .prepare_cached(
                    "SELECT 1 FROM events WHERE occurred_at IS NULL AND event_id = ?1 LIMIT 1",
                )
                .map_err(err)?;
            let mut ticket = tx
                .prepare_cached(
                    "INSERT INTO tickets (ticket_id, status, priority, assignee_id, group_id, brand_id,
                        organization_id, channel, tags, subject, first_seen, last_changed)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)
                     ON CONFLICT (ticket_id) DO UPDATE SET
                        first_seen = min(first_seen, excluded.first_seen),
                        status = iif(excluded.last_changed >= last_changed, excluded.status, status),
                        priority = iif(excluded.last_changed >= last_changed, excluded.priority, priority),
                        assignee_id = iif(excluded.last_changed >= last_changed, excluded.assignee_id, assignee_id),
                        group_id = iif(excluded.last_changed >= last_changed, excluded.group_id, group_id),
                        brand_id = iif(excluded.last_changed >= last_changed, excluded.brand_id, brand_id),
                        organization_id = iif(excluded.last_changed >= last_changed,
                                              excluded.organization_id, organization_id),
                        channel = coalesce(iif(excluded.last_changed >= last_changed, excluded.channel, channel),
                                           channel),
                        tags = iif(excluded.last_changed >= last_changed, excluded.tags, tags),
                        subject = coalesce(iif(excluded.last_changed >= last_changed, excluded.subject, subject),
                                           subject),
                        last_changed = max(last_changed, excluded.last_changed)",
                )
                .map_err(err)?;
            for e in events {
                let occurred = e.occurred_at.map(time_text);
                let seq = e.sequence.as_ref();
                // As INSERT OR IGNORE leaves a stored event, the rest (its ticket's row, a
                // redaction) is done again either way: it changes nothing the second time.
                let stored =
                    occurred.is_none() && timeless.exists(params![e.event_id]).map_err(err)?;
                added += if stored {
                    0
                } else {
                    // The body framed with its message id and compressed, when it gets smaller.
                    let packed = match &mut self.packing {
                        Packing::Ready { id, packer } => {
                            let framed = frame(e.message_id.as_deref(), &e.raw);
                            packer
                                .pack(&framed)
                                .map(|bytes| (bytes, *id, framed.len() as i64))
                        }
                        _ => None,
                    };
                    let (raw, dictionary, length) = match &packed {
                        Some((bytes, id, len)) => (bytes.as_slice(), Some(id), Some(len)),
                        None => (e.raw.as_slice(), None, None),
                    };
                    let added = insert
                        .execute(params![
                            e.event_id,
                            e.message_id,
                            source,
                            e.format.as_str(),
                            e.kind.as_str(),
                            e.ticket_id.and_then(|t| i64::try_from(t).ok()),
                            occurred,
                            time_text(e.received_at),
                            e.actor_id.and_then(|a| i64::try_from(a).ok()),
                            e.previous,
                            e.current,
                            json_list(&e.tags_added),
                            json_list(&e.tags_removed),
                            json_list(&e.ticket.tags),
                            seq.map(|s| s.id.as_str()),
                            seq.and_then(|s| s.position),
                            raw,
                            digest(e),
                            dictionary,
                            length,
                        ])
                        .map_err(err)?;
                    if added > 0 {
                        learn_from(&mut self.packing, &tx, &self.dictionaries, e).map_err(err)?;
                    }
                    added
                };
                if e.kind == Kind::CommentRedacted {
                    let comment = e.comment.as_ref().and_then(|c| c.id);
                    if let (Some(t), Some(c)) =
                        (e.ticket_id.and_then(|t| i64::try_from(t).ok()), comment)
                    {
                        redacted.push((t, c));
                    }
                }
                let ticket_event = matches!(e.format, Format::Legacy | Format::Webhook);
                if let (Some(id), true) = (
                    e.ticket_id.and_then(|t| i64::try_from(t).ok()),
                    ticket_event,
                ) {
                    let t = &e.ticket;
                    let id64 = |v: Option<u64>| v.and_then(|x| i64::try_from(x).ok());
                    ticket
                        .execute(params![
                            id,
                            t.status,
                            t.priority,
                            id64(t.assignee_id),
                            id64(t.group_id),
                            id64(t.brand_id),
                            id64(t.organization_id),
                            t.channel,
                            json_list(&t.tags),
                            t.subject,
                            time_text(e.order_time()),
                        ])
                        .map_err(err)?;
                }
            }
        }
        for (ticket, comment) in redacted {
            redact(&tx, &self.dictionaries, ticket, comment).map_err(err)?;
        }
        failpoint::inside_commit();
        tx.commit().map_err(err)?;
        Ok(added)
    }
}

impl Journal {
    /// How bodies are to be compressed: with the newest dictionary in the file; else with one
    /// learnt from the newest bodies stored as they came (masked), stored now, when there are
    /// enough of them (a journal from before schema 4, or one that short runs wrote); else with
    /// one learnt once the bodies written next make enough.
    fn packing(&self) -> rusqlite::Result<Packing> {
        if let Some((id, dictionary)) = self.newest_dictionary()? {
            return Ok(Packing::with(id, &dictionary));
        }
        let mut samples = Vec::with_capacity(SAMPLES);
        {
            let mut stmt = self.conn.prepare(
                "SELECT raw, kind, message_id FROM events WHERE raw_dictionary IS NULL
                 ORDER BY seq DESC LIMIT ?1",
            )?;
            let mut rows = stmt.query(params![SAMPLES as i64])?;
            while let Some(row) = rows.next()? {
                let raw: Vec<u8> = row.get(0)?;
                let kind = Kind::from_name(&row.get::<_, String>(1)?);
                let message_id: Option<String> = row.get(2)?;
                samples.push(frame(message_id.as_deref(), &mask::body(&raw, &kind)));
            }
        }
        if samples.len() < SAMPLES {
            return Ok(Packing::Learning(samples));
        }
        learn(&self.conn, &self.dictionaries, &samples)
    }
}

/// Learns a dictionary from `samples` (masked bodies) and stores it: bodies are compressed with
/// it from then on.
fn learn(
    conn: &rusqlite::Connection,
    dictionaries: &Dictionaries,
    samples: &[Vec<u8>],
) -> rusqlite::Result<Packing> {
    let Some(dictionary) = Dictionary::learn(samples) else {
        return Ok(Packing::Off);
    };
    conn.execute(
        "INSERT INTO dictionaries (bytes) VALUES (?1)",
        params![dictionary.bytes()],
    )?;
    let id = conn.last_insert_rowid();
    let dictionary = Arc::new(dictionary);
    let packing = Packing::with(id, &dictionary);
    crate::lock(dictionaries).insert(id, dictionary);
    Ok(packing)
}

/// Adds the body of `e`, just stored as it came, to what the dictionary is learnt from; once
/// there are enough, learns it and stores it (in the transaction that stores `e`), and bodies are
/// compressed with it from the next one on.
fn learn_from(
    packing: &mut Packing,
    tx: &rusqlite::Transaction<'_>,
    dictionaries: &Dictionaries,
    e: &TicketEvent,
) -> rusqlite::Result<()> {
    let Packing::Learning(samples) = packing else {
        return Ok(());
    };
    samples.push(frame(e.message_id.as_deref(), &mask::body(&e.raw, &e.kind)));
    if samples.len() < SAMPLES {
        return Ok(());
    }
    *packing = learn(tx, dictionaries, samples)?;
    Ok(())
}

/// Rewrites the stored bodies of `ticket` that hold comment `comment` with its text redacted, and
/// drops their digests (`secure_delete` is on: the old text is overwritten in the file, not only
/// unlinked). A rewritten body is kept as it came, uncompressed.
fn redact(
    tx: &rusqlite::Transaction<'_>,
    dictionaries: &Dictionaries,
    ticket: i64,
    comment: u64,
) -> rusqlite::Result<()> {
    let mut rewritten = Vec::new();
    {
        let mut read = tx.prepare_cached(
            "SELECT seq, raw, raw_dictionary, raw_length FROM events WHERE ticket_id = ?1",
        )?;
        let mut rows = read.query(params![ticket])?;
        while let Some(row) = rows.next()? {
            let body = crate::read::body(tx, dictionaries, row, 1)?;
            // A body that does not decompress cannot be redacted: it goes whole.
            let redacted = match body.into_raw() {
                Some(raw) => zdwatch_core::event::mask::redact_comment(&raw, comment),
                None => Some(b"(zdwatch: a body that did not decompress, removed)".to_vec()),
            };
            if let Some(new) = redacted {
                rewritten.push((row.get::<_, i64>(0)?, new));
            }
        }
    }
    // Its digest goes too: it holds the search bits of the text that was removed (reopening
    // decodes the redacted body instead).
    let mut update = tx.prepare_cached(
        "UPDATE events SET raw = ?2, digest = NULL, raw_dictionary = NULL, raw_length = NULL
         WHERE seq = ?1",
    )?;
    for (seq, raw) in rewritten {
        update.execute(params![seq, raw])?;
    }
    Ok(())
}

fn json_list(items: &[String]) -> Option<String> {
    if items.is_empty() {
        None
    } else {
        serde_json::to_string(items).ok()
    }
}
