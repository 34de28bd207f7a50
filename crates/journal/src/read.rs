//! Reading events back: recent history a slice at a time, a ticket's events, every event.

use std::sync::Arc;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use zdwatch_core::store::Dictionary;

use crate::{Body, Dictionaries, Journal, JournalError, StoredEvent, sqlite, time_text};

impl Journal {
    /// Events received at or after `since`, in arrival order (at most `limit`, the newest).
    pub fn recent(&self, since: Timestamp, limit: usize) -> Result<Vec<StoredEvent>, JournalError> {
        let mut all = Vec::new();
        self.recent_each(since, limit, 4096, |slice| all.extend(slice))?;
        Ok(all)
    }

    /// As [`Journal::recent`], handed over `slice` events at a time, so that a large history is
    /// never in memory whole (rows are read in order from the first one wanted). `f` runs on a
    /// thread of its own while the next slice is read.
    pub fn recent_each(
        &self,
        since: Timestamp,
        limit: usize,
        slice: usize,
        f: impl FnMut(Vec<StoredEvent>) + Send,
    ) -> Result<(), JournalError> {
        if limit == 0 {
            return Ok(());
        }
        let err = |e| sqlite(&self.path, e);
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {} FROM events
                 WHERE received_at >= ?1 AND seq >= (
                   SELECT coalesce(min(seq), 0) FROM
                     (SELECT seq FROM events WHERE received_at >= ?1 ORDER BY seq DESC LIMIT ?2))
                 ORDER BY seq",
                self.columns()
            ))
            .map_err(err)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query(params![time_text(since), limit]).map_err(err)?;
        read_ahead(f, |hand| {
            in_slices(rows.mapped(|r| self.stored_event(r)), slice, hand)
        })
        .map_err(err)
    }

    /// A ticket's events in arrival order (at most `limit`, the newest), for its timeline.
    pub fn ticket(&self, ticket: u64, limit: usize) -> Result<Vec<StoredEvent>, JournalError> {
        let err = |e| sqlite(&self.path, e);
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {} FROM
                   (SELECT * FROM events WHERE ticket_id = ?1 ORDER BY seq DESC LIMIT ?2)
                 ORDER BY seq",
                self.columns()
            ))
            .map_err(err)?;
        let ticket = i64::try_from(ticket).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt
            .query_map(params![ticket, limit], |r| self.stored_event(r))
            .map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    }

    /// Every event in arrival order, `batch` rows at a time, for reading a journal as a source.
    pub fn each(
        &self,
        batch: usize,
        f: impl FnMut(Vec<StoredEvent>) -> bool,
    ) -> Result<(), JournalError> {
        let err = |e| sqlite(&self.path, e);
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {} FROM events ORDER BY seq",
                self.columns()
            ))
            .map_err(err)?;
        let rows = stmt.query([]).map_err(err)?;
        in_slices(rows.mapped(|r| self.stored_event(r)), batch, f).map_err(err)
    }

    /// The columns [`Journal::stored_event`] reads.
    fn columns(&self) -> &'static str {
        match (self.packed, self.digests) {
            (true, _) => "raw, raw_dictionary, raw_length, message_id, received_at, source, digest",
            (false, true) => "raw, NULL, NULL, message_id, received_at, source, digest",
            (false, false) => "raw, NULL, NULL, message_id, received_at, source, NULL",
        }
    }

    /// A row of [`Journal::columns`].
    fn stored_event(&self, r: &rusqlite::Row) -> rusqlite::Result<StoredEvent> {
        let received: String = r.get(4)?;
        Ok(StoredEvent {
            body: body(&self.conn, &self.dictionaries, r, 0)?,
            message_id: r.get(3)?,
            received_at: received.parse().unwrap_or(Timestamp::UNIX_EPOCH),
            source: r.get(5)?,
            digest: r.get(6)?,
        })
    }

    /// The dictionary the journal compresses bodies with (its newest), if it has one: the
    /// monitor's store takes it over before reading history, so that it holds the journal's
    /// compressed bodies as they are from the first one on. Bodies read back that were
    /// compressed with it carry this very `Arc`.
    pub fn dictionary(&self) -> Result<Option<Arc<Dictionary>>, JournalError> {
        Ok(self
            .newest_dictionary()
            .map_err(|e| sqlite(&self.path, e))?
            .map(|(_, d)| d))
    }

    /// The newest dictionary and its id, read from the file once.
    pub(crate) fn newest_dictionary(&self) -> rusqlite::Result<Option<(i64, Arc<Dictionary>)>> {
        if !self.packed {
            return Ok(None);
        }
        let newest: Option<(i64, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT id, bytes FROM dictionaries ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(newest.map(|(id, bytes)| {
            let mut cache = crate::lock(&self.dictionaries);
            let d = cache
                .entry(id)
                .or_insert_with(|| Arc::new(Dictionary::new(bytes)));
            (id, Arc::clone(d))
        }))
    }

    pub fn count(&self) -> Result<u64, JournalError> {
        self.conn
            .query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0))
            .map(|n| u64::try_from(n).unwrap_or(0))
            .map_err(|e| sqlite(&self.path, e))
    }

    /// The event ids held, for tests and checks.
    pub fn event_ids(&self) -> Result<Vec<String>, JournalError> {
        let err = |e| sqlite(&self.path, e);
        let mut stmt = self
            .conn
            .prepare("SELECT event_id FROM events ORDER BY seq")
            .map_err(err)?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    }
}

/// Hands `items` to `f` `slice` at a time, until they end or `f` says stop (one way of handing
/// over history for one journal's rows and for several journals merged).
pub(crate) fn in_slices<E>(
    items: impl Iterator<Item = Result<StoredEvent, E>>,
    slice: usize,
    mut f: impl FnMut(Vec<StoredEvent>) -> bool,
) -> Result<(), E> {
    let slice = slice.max(1);
    let mut chunk = Vec::with_capacity(slice);
    for item in items {
        chunk.push(item?);
        if chunk.len() >= slice && !f(std::mem::replace(&mut chunk, Vec::with_capacity(slice))) {
            return Ok(());
        }
    }
    if !chunk.is_empty() {
        f(chunk);
    }
    Ok(())
}

/// Runs `read`, which hands slices to `hand` (false: stop reading), while `f` takes each slice on
/// a thread of its own: reading the next slice overlaps with what `f` does with the last one.
pub(crate) fn read_ahead<E>(
    mut f: impl FnMut(Vec<StoredEvent>) + Send,
    read: impl FnOnce(&mut dyn FnMut(Vec<StoredEvent>) -> bool) -> Result<(), E>,
) -> Result<(), E> {
    std::thread::scope(|scope| {
        // One slice read ahead: memory stays at about two slices.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<StoredEvent>>(1);
        let taker = scope.spawn(move || {
            for s in rx {
                f(s);
            }
        });
        let result = read(&mut |s| tx.send(s).is_ok());
        drop(tx);
        if let Err(panic) = taker.join() {
            std::panic::resume_unwind(panic);
        }
        result
    })
}

/// The body in columns `at` (`raw`), `at + 1` (`raw_dictionary`) and `at + 2` (`raw_length`).
pub(crate) fn body(
    conn: &Connection,
    dictionaries: &Dictionaries,
    r: &rusqlite::Row,
    at: usize,
) -> rusqlite::Result<Body> {
    let raw: Vec<u8> = r.get(at)?;
    let (Some(id), Some(len)) = (
        r.get::<_, Option<i64>>(at + 1)?,
        r.get::<_, Option<i64>>(at + 2)?,
    ) else {
        return Ok(Body::Raw(raw));
    };
    let cached = crate::lock(dictionaries).get(&id).cloned();
    let dictionary = match cached {
        Some(d) => Some(d),
        None => {
            let bytes: Option<Vec<u8>> = conn
                .query_row(
                    "SELECT bytes FROM dictionaries WHERE id = ?1",
                    params![id],
                    |r| r.get(0),
                )
                .optional()?;
            bytes.map(|b| {
                let d = Arc::new(Dictionary::new(b));
                crate::lock(dictionaries).insert(id, Arc::clone(&d));
                d
            })
        }
    };
    Ok(match (dictionary, u32::try_from(len)) {
        (Some(dictionary), Ok(len)) => Body::Packed {
            bytes: raw,
            len,
            dictionary,
        },
        _ => {
            tracing::error!("a body in the journal names dictionary {id}, which it lacks");
            Body::Raw(
                b"(zdwatch: this event's body is compressed with a dictionary the journal lacks)"
                    .to_vec(),
            )
        }
    })
}
