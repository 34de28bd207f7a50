//! Reading events back: recent history a slice at a time, a ticket's events, every event.

use jiff::Timestamp;
use rusqlite::params;

use crate::{Journal, JournalError, StoredEvent, sqlite, time_text};

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
        read_ahead(f, |hand| in_slices(rows.mapped(stored_event), slice, hand)).map_err(err)
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
            .query_map(params![ticket, limit], stored_event)
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
        in_slices(rows.mapped(stored_event), batch, f).map_err(err)
    }

    /// The columns [`stored_event`] reads.
    fn columns(&self) -> &'static str {
        if self.digests {
            "raw, message_id, received_at, source, digest"
        } else {
            "raw, message_id, received_at, source, NULL"
        }
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

/// A row of `SELECT raw, message_id, received_at, source, digest` ([`Journal::columns`]).
fn stored_event(r: &rusqlite::Row) -> rusqlite::Result<StoredEvent> {
    let received: String = r.get(2)?;
    Ok(StoredEvent {
        raw: r.get(0)?,
        message_id: r.get(1)?,
        received_at: received.parse().unwrap_or(Timestamp::UNIX_EPOCH),
        source: r.get(3)?,
        digest: r.get(4)?,
    })
}
