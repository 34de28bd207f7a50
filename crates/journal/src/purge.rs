//! Removing customer data from a journal: events older than a retention period, or every event of
//! one ticket (`zdwatch journal purge`, the `retention` setting). Deleted rows are overwritten
//! (`secure_delete`) and the write-ahead log is emptied, so the text is gone from the files.

use jiff::Timestamp;
use rusqlite::params;

use crate::{Journal, JournalError, sqlite, time_text};

/// What to remove.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purge {
    /// Events that occurred (else arrived) before this time.
    pub before: Option<Timestamp>,
    /// Every event of this ticket.
    pub ticket: Option<u64>,
}

/// How much a purge removed (or, dry, would remove).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub events: u64,
    pub tickets: u64,
}

const SELECTED: &str = "(?1 IS NOT NULL AND coalesce(occurred_at, received_at) < ?1)
                        OR (?2 IS NOT NULL AND ticket_id = ?2)";

impl Journal {
    /// Removes what `what` names (both parts, when both are given); with `dry_run`, only counts.
    pub fn purge(&mut self, what: Purge, dry_run: bool) -> Result<Purged, JournalError> {
        let path = self.path.clone();
        let err = |e| sqlite(&path, e);
        let before = what.before.map(time_text);
        let ticket = what.ticket.and_then(|t| i64::try_from(t).ok());
        if before.is_none() && ticket.is_none() {
            return Ok(Purged::default());
        }
        let tx = self.conn.transaction().map_err(err)?;
        let events: i64 = tx
            .query_row(
                &format!("SELECT count(*) FROM events WHERE {SELECTED}"),
                params![before, ticket],
                |r| r.get(0),
            )
            .map_err(err)?;
        // A ticket's row goes when none of its events is left.
        let orphans = format!(
            "SELECT ticket_id FROM tickets t WHERE NOT EXISTS
                (SELECT 1 FROM events WHERE events.ticket_id = t.ticket_id AND NOT ({SELECTED}))"
        );
        let tickets: i64 = tx
            .query_row(
                &format!("SELECT count(*) FROM ({orphans})"),
                params![before, ticket],
                |r| r.get(0),
            )
            .map_err(err)?;
        if !dry_run {
            tx.execute(
                &format!("DELETE FROM tickets WHERE ticket_id IN ({orphans})"),
                params![before, ticket],
            )
            .map_err(err)?;
            tx.execute(
                &format!("DELETE FROM events WHERE {SELECTED}"),
                params![before, ticket],
            )
            .map_err(err)?;
            tx.commit().map_err(err)?;
            // The WAL still holds the old pages until a checkpoint copies and truncates it.
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                .map_err(err)?;
        }
        Ok(Purged {
            events: u64::try_from(events).unwrap_or(0),
            tickets: u64::try_from(tickets).unwrap_or(0),
        })
    }
}
