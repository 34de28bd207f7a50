//! Writing events: one transaction per call, idempotent on the event id.

use rusqlite::params;
use zdwatch_core::event::digest::digest;
use zdwatch_core::event::{Format, Kind, TicketEvent};

use crate::{Journal, JournalError, failpoint, sqlite, time_text};

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
        let path = self.path.clone();
        let err = |e| sqlite(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        let mut added = 0;
        // Comments Zendesk redacted: their text goes from the ticket's earlier bodies too.
        let mut redacted: Vec<(i64, u64)> = Vec::new();
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO events (event_id, message_id, source, format, kind, ticket_id,
                        occurred_at, received_at, actor_id, previous, current, tags_added, tags_removed,
                        tags, sequence_id, sequence_position, raw, digest)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
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
                    insert
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
                            e.raw,
                            digest(e),
                        ])
                        .map_err(err)?
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
            redact(&tx, ticket, comment).map_err(err)?;
        }
        failpoint::inside_commit();
        tx.commit().map_err(err)?;
        Ok(added)
    }
}

/// Rewrites the stored bodies of `ticket` that hold comment `comment` with its text redacted, and
/// drops their digests (`secure_delete` is on: the old text is overwritten in the file, not only
/// unlinked).
fn redact(tx: &rusqlite::Transaction<'_>, ticket: i64, comment: u64) -> rusqlite::Result<()> {
    let mut rewritten = Vec::new();
    {
        let mut read = tx.prepare_cached("SELECT seq, raw FROM events WHERE ticket_id = ?1")?;
        let mut rows = read.query(params![ticket])?;
        while let Some(row) = rows.next()? {
            let raw: Vec<u8> = row.get(1)?;
            if let Some(new) = zdwatch_core::event::mask::redact_comment(&raw, comment) {
                rewritten.push((row.get::<_, i64>(0)?, new));
            }
        }
    }
    // Its digest goes too: it holds the search bits of the text that was removed (reopening
    // decodes the redacted body instead).
    let mut update =
        tx.prepare_cached("UPDATE events SET raw = ?2, digest = NULL WHERE seq = ?1")?;
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
