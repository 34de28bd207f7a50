//! The journal: an SQLite database (WAL) that holds every event zdwatch has taken from a queue.
//! A message is deleted from its queue only after the transaction holding its event committed.
//!
//! The schema is meant to be queried with the `sqlite3` shell (README, "The journal"): one row
//! per event in `events`, the latest known state of each ticket in `tickets`. Times are text,
//! RFC 3339 in UTC with milliseconds (`2025-01-08T16:20:20.987Z`), so they sort as text and
//! SQLite's date functions read them.

pub mod private;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use zdwatch_core::event::{Format, TicketEvent};

/// The schema version this build writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 1;

/// The first 16 bytes of every SQLite database file.
pub const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Each migration takes the schema from version `index` to `index + 1`.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE events (
    seq               INTEGER PRIMARY KEY,      -- arrival order
    event_id          TEXT NOT NULL UNIQUE,     -- the dedupe key (README, "Event identity")
    message_id        TEXT,                     -- SQS MessageId
    source            TEXT,                     -- queue URL or file it came from
    format            TEXT NOT NULL,            -- legacy, webhook, unrecognized, malformed
    kind              TEXT NOT NULL,            -- status_changed, comment_added, ...
    ticket_id         INTEGER,
    occurred_at       TEXT,
    received_at       TEXT NOT NULL,
    actor_id          INTEGER,
    previous          TEXT,
    current           TEXT,
    tags_added        TEXT,                     -- JSON array
    tags_removed      TEXT,                     -- JSON array
    tags              TEXT,                     -- the ticket's tags after the event, JSON array
    sequence_id       TEXT,
    sequence_position INTEGER,
    raw               BLOB NOT NULL             -- the message body as received
);
CREATE INDEX events_by_ticket ON events (ticket_id, occurred_at);
CREATE INDEX events_by_occurred ON events (occurred_at);
CREATE INDEX events_by_received ON events (received_at);
CREATE TABLE tickets (
    ticket_id       INTEGER PRIMARY KEY,
    status          TEXT,
    priority        TEXT,
    assignee_id     INTEGER,
    group_id        INTEGER,
    brand_id        INTEGER,
    organization_id INTEGER,
    channel         TEXT,
    tags            TEXT,                       -- JSON array
    subject         TEXT,
    first_seen      TEXT NOT NULL,              -- earliest occurred_at seen
    last_changed    TEXT NOT NULL               -- occurred_at of the snapshot kept
);
"#];

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{path}: {source}")]
    Sqlite {
        path: String,
        source: rusqlite::Error,
    },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is an SQLite database but not a zdwatch journal (no events table)")]
    Foreign { path: String },
    #[error(
        "{path} was written by a newer zdwatch (schema {found}, this build knows up to {SCHEMA_VERSION}); upgrade zdwatch"
    )]
    Newer { path: String, found: i64 },
}

impl JournalError {
    /// The disk (or the journal's size limit) is full.
    pub fn is_full(&self) -> bool {
        matches!(self, JournalError::Sqlite { source, .. }
            if source.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull))
    }
}

/// One stored event, as needed to show it again: the body goes back through the decoder.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEvent {
    pub raw: Vec<u8>,
    pub message_id: Option<String>,
    pub received_at: Timestamp,
    /// The queue URL or file it came from.
    pub source: Option<String>,
}

pub struct Journal {
    conn: Connection,
    path: PathBuf,
}

impl Journal {
    /// Opens or creates a journal for writing: the directory is created 0700, the file 0600.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let io = |source| JournalError::Io {
            path: path.display().to_string(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::private::create_dir(dir).map_err(io)?;
        }
        // Created 0600 before SQLite opens it (SQLite's WAL and shm files copy its mode).
        crate::private::options()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        );
        let mut journal = Journal {
            conn: conn.map_err(|e| sqlite(path, e))?,
            path: path.to_path_buf(),
        };
        journal.setup().map_err(|e| sqlite(path, e))?;
        journal.migrate()?;
        Ok(journal)
    }

    /// Opens an existing journal to read it (`--file`, `export`); never changes it.
    pub fn open_read_only(path: &Path) -> Result<Journal, JournalError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| sqlite(path, e))?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(|e| sqlite(path, e))?;
        let journal = Journal {
            conn,
            path: path.to_path_buf(),
        };
        let version = journal.version()?;
        let has_events = journal
            .conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'",
                [],
                |_| Ok(()),
            )
            .optional()
            .map_err(|e| sqlite(path, e))?
            .is_some();
        if !has_events || version == 0 {
            return Err(JournalError::Foreign {
                path: path.display().to_string(),
            });
        }
        if version > SCHEMA_VERSION {
            return Err(JournalError::Newer {
                path: path.display().to_string(),
                found: version,
            });
        }
        Ok(journal)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn setup(&self) -> rusqlite::Result<()> {
        // Another zdwatch on the same journal waits for the lock instead of failing at once.
        self.conn.busy_timeout(Duration::from_secs(10))?;
        self.conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a committed batch survives a power cut, not only a crash, before its messages are deleted.
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(())
    }

    fn version(&self) -> Result<i64, JournalError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| sqlite(&self.path, e))
    }

    /// Brings an older schema up to date. The whole check runs under the write lock, so two
    /// zdwatch processes opening a new journal at once do not both create it.
    fn migrate(&mut self) -> Result<(), JournalError> {
        let path = self.path.clone();
        let err = |e| sqlite(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let found: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        if found > SCHEMA_VERSION {
            return Err(JournalError::Newer {
                path: path.display().to_string(),
                found,
            });
        }
        if found == 0 {
            let tables: i64 = tx
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                    [],
                    |r| r.get(0),
                )
                .map_err(err)?;
            if tables > 0 {
                return Err(JournalError::Foreign {
                    path: path.display().to_string(),
                });
            }
        }
        for (from, sql) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(found).unwrap_or(0))
        {
            tx.execute_batch(sql).map_err(err)?;
            tx.pragma_update(None, "user_version", from as i64 + 1)
                .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

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

    /// Stores events in one transaction; returns how many were new. Idempotent on `event_id`.
    /// When this returns `Ok`, the events are on disk.
    pub fn append<'a>(
        &mut self,
        source: &str,
        events: impl IntoIterator<Item = &'a TicketEvent>,
    ) -> Result<usize, JournalError> {
        let path = self.path.clone();
        let err = |e| sqlite(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        let mut added = 0;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO events (event_id, message_id, source, format, kind, ticket_id,
                        occurred_at, received_at, actor_id, previous, current, tags_added, tags_removed,
                        tags, sequence_id, sequence_position, raw)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
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
                added += insert
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
                    ])
                    .map_err(err)?;
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
        tx.commit().map_err(err)?;
        Ok(added)
    }

    /// Events received at or after `since`, in arrival order (at most `limit`, the newest).
    pub fn recent(&self, since: Timestamp, limit: usize) -> Result<Vec<StoredEvent>, JournalError> {
        let mut all = Vec::new();
        self.recent_each(since, limit, 4096, |slice| all.extend(slice))?;
        Ok(all)
    }

    /// As [`Journal::recent`], handed over `slice` events at a time, so that a large history is
    /// never in memory whole (rows are read in order from the first one wanted).
    pub fn recent_each(
        &self,
        since: Timestamp,
        limit: usize,
        slice: usize,
        mut f: impl FnMut(Vec<StoredEvent>),
    ) -> Result<(), JournalError> {
        if limit == 0 {
            return Ok(());
        }
        let err = |e| sqlite(&self.path, e);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT raw, message_id, received_at, source FROM events
                 WHERE received_at >= ?1 AND seq >= (
                   SELECT coalesce(min(seq), 0) FROM
                     (SELECT seq FROM events WHERE received_at >= ?1 ORDER BY seq DESC LIMIT ?2))
                 ORDER BY seq",
            )
            .map_err(err)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query(params![time_text(since), limit]).map_err(err)?;
        in_slices(rows, slice, |s| {
            f(s);
            true
        })
        .map_err(err)
    }

    /// A ticket's events in arrival order (at most `limit`, the newest), for its timeline.
    pub fn ticket(&self, ticket: u64, limit: usize) -> Result<Vec<StoredEvent>, JournalError> {
        let err = |e| sqlite(&self.path, e);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT raw, message_id, received_at, source FROM
                   (SELECT seq, raw, message_id, received_at, source FROM events
                    WHERE ticket_id = ?1 ORDER BY seq DESC LIMIT ?2)
                 ORDER BY seq",
            )
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
            .prepare("SELECT raw, message_id, received_at, source FROM events ORDER BY seq")
            .map_err(err)?;
        let rows = stmt.query([]).map_err(err)?;
        in_slices(rows, batch, f).map_err(err)
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

/// A row of `SELECT raw, message_id, received_at, source`.
/// Hands `rows` to `f` `slice` at a time, until they end or `f` says stop.
fn in_slices(
    mut rows: rusqlite::Rows<'_>,
    slice: usize,
    mut f: impl FnMut(Vec<StoredEvent>) -> bool,
) -> rusqlite::Result<()> {
    let slice = slice.max(1);
    let mut chunk = Vec::with_capacity(slice);
    while let Some(r) = rows.next()? {
        chunk.push(stored_event(r)?);
        if chunk.len() >= slice && !f(std::mem::replace(&mut chunk, Vec::with_capacity(slice))) {
            return Ok(());
        }
    }
    if !chunk.is_empty() {
        f(chunk);
    }
    Ok(())
}

fn stored_event(r: &rusqlite::Row) -> rusqlite::Result<StoredEvent> {
    let received: String = r.get(2)?;
    Ok(StoredEvent {
        raw: r.get(0)?,
        message_id: r.get(1)?,
        received_at: received.parse().unwrap_or(Timestamp::UNIX_EPOCH),
        source: r.get(3)?,
    })
}

/// The journals of a run, by source: each queue its own file, or all in one with `--journal PATH`.
/// Sources without a journal (files, the demo) are simply not written.
#[derive(Default)]
pub struct Journals {
    journals: Vec<Journal>,
    /// Index into `journals` for each source id.
    by_source: Vec<Option<usize>>,
    names: Vec<String>,
}

impl Journals {
    /// Adds source `id` (named `name`, its queue URL) writing to the journal at `path`.
    pub fn add(&mut self, id: usize, name: &str, path: &Path) -> Result<(), JournalError> {
        let index = match self.journals.iter().position(|j| j.path == path) {
            Some(i) => i,
            None => {
                self.journals.push(Journal::open(path)?);
                self.journals.len() - 1
            }
        };
        if self.by_source.len() <= id {
            self.by_source.resize(id + 1, None);
            self.names.resize(id + 1, String::new());
        }
        self.by_source[id] = Some(index);
        self.names[id] = name.to_string();
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.journals.is_empty()
    }

    pub fn covers(&self, source: usize) -> bool {
        self.by_source.get(source).is_some_and(Option::is_some)
    }

    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.journals.iter().map(|j| j.path.as_path())
    }

    /// Caps every journal's size (`--journal-max-mb`).
    pub fn set_max_size(&self, bytes: u64) -> Result<(), JournalError> {
        self.journals.iter().try_for_each(|j| j.set_max_size(bytes))
    }

    /// Stores the events of each source in its journal; `Ok` means all of them are on disk.
    pub fn append<'a>(
        &mut self,
        events: impl IntoIterator<Item = (usize, &'a TicketEvent)>,
    ) -> Result<(), JournalError> {
        let mut grouped: Vec<Vec<&TicketEvent>> = vec![Vec::new(); self.by_source.len()];
        for (source, e) in events {
            if let Some(group) = grouped.get_mut(source) {
                group.push(e);
            }
        }
        for (source, events) in grouped.into_iter().enumerate() {
            if events.is_empty() {
                continue;
            }
            if let Some(Some(i)) = self.by_source.get(source) {
                let name = self.names[source].clone();
                self.journals[*i].append(&name, events)?;
            }
        }
        Ok(())
    }

    /// A ticket's events in every journal (at most `limit` from each).
    pub fn ticket(&self, ticket: u64, limit: usize) -> Result<Vec<StoredEvent>, JournalError> {
        let mut all = Vec::new();
        for j in &self.journals {
            all.extend(j.ticket(ticket, limit)?);
        }
        Ok(all)
    }

    /// The events received since `since` in every journal, oldest first (at most `limit`),
    /// handed over `slice` at a time. One journal is read a slice at a time; several are read
    /// whole, merged by time and then handed over.
    pub fn recent_each(
        &self,
        since: Timestamp,
        limit: usize,
        slice: usize,
        mut f: impl FnMut(Vec<StoredEvent>),
    ) -> Result<(), JournalError> {
        if let [only] = self.journals.as_slice() {
            return only.recent_each(since, limit, slice, f);
        }
        let mut all = Vec::new();
        for j in &self.journals {
            all.extend(j.recent(since, limit)?);
        }
        all.sort_by_key(|e| e.received_at);
        let excess = all.len().saturating_sub(limit);
        let mut all = all.into_iter().skip(excess);
        loop {
            let chunk: Vec<StoredEvent> = all.by_ref().take(slice.max(1)).collect();
            if chunk.is_empty() {
                return Ok(());
            }
            f(chunk);
        }
    }
}

/// The default journal of a queue: `<data dir>/zdwatch/journals/<host>_<account>_<queue>.db`.
pub fn default_path(queue_url: &str) -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "zdwatch")?;
    Some(journals_dir_in(dirs.data_dir()).join(format!("{}.db", file_stem(queue_url))))
}

/// Where default journals live.
pub fn journals_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "zdwatch").map(|d| journals_dir_in(d.data_dir()))
}

fn journals_dir_in(data: &Path) -> PathBuf {
    data.join("journals")
}

/// A file name for a queue URL: its host and path, with anything but `[A-Za-z0-9.-]` as `_`.
fn file_stem(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let stem: String = rest
        .trim_end_matches('/')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    stem.chars().take(200).collect()
}

/// RFC 3339, UTC, milliseconds: fixed width so text order is time order.
pub fn time_text(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn json_list(items: &[String]) -> Option<String> {
    if items.is_empty() {
        None
    } else {
        serde_json::to_string(items).ok()
    }
}

fn sqlite(path: &Path, source: rusqlite::Error) -> JournalError {
    JournalError::Sqlite {
        path: path.display().to_string(),
        source,
    }
}

/// Whether the file starts like an SQLite database.
pub fn is_sqlite(path: &Path) -> bool {
    let mut head = [0u8; 16];
    fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && &head == SQLITE_MAGIC
}

#[cfg(test)]
mod tests {
    use super::*;
    use zdwatch_core::event::{Received, decode};

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("zdwatch-journal-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir.join("sub").join("j.db")
    }

    fn sample(name: &str) -> TicketEvent {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../assets/samples")
            .join(name);
        let body = fs::read(path).unwrap_or_default();
        decode(Received {
            body,
            message_id: Some(format!("m-{name}")),
            received_at: Timestamp::UNIX_EPOCH,
        })
    }

    #[test]
    fn recent_history_comes_in_slices_newest_n_in_arrival_order() {
        let path = temp("slices");
        let mut j = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let start: Timestamp = "2026-01-01T00:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        let events: Vec<TicketEvent> = (0..10)
            .map(|i| {
                let body = format!(
                    r#"{{"type":"zen:event-type:ticket.created","id":"e{i}","time":"2026-01-01T00:00:00Z","detail":{{"id":"{i}"}}}}"#
                );
                decode(Received {
                    body: body.into_bytes(),
                    message_id: Some(format!("m{i}")),
                    received_at: start + jiff::SignedDuration::from_mins(i),
                })
            })
            .collect();
        assert_eq!(j.append("q", events.iter()).ok(), Some(10));
        let ids = |since: Timestamp, limit: usize| {
            let mut slices = Vec::new();
            j.recent_each(since, limit, 3, |s| {
                slices.push(
                    s.iter()
                        .map(|e| e.message_id.clone().unwrap_or_default())
                        .collect::<Vec<_>>()
                        .join(" "),
                )
            })
            .unwrap_or_else(|e| panic!("{e}"));
            slices
        };
        assert_eq!(ids(start, 7), ["m3 m4 m5", "m6 m7 m8", "m9"]);
        let since = start + jiff::SignedDuration::from_mins(8);
        assert_eq!(
            ids(since, 7),
            ["m8 m9"],
            "only since, however many are allowed"
        );
        assert_eq!(ids(start, 0), Vec::<String>::new());
        assert_eq!(
            j.recent(start, 2).unwrap_or_default().len(),
            2,
            "recent collects the slices"
        );
    }

    #[test]
    fn append_is_idempotent_and_reads_back() {
        let path = temp("idem");
        let mut j = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let a = sample("legacy/status_changed.json");
        let b = sample("webhook/tags_changed.json");
        assert_eq!(j.append("q", [&a, &b]).ok(), Some(2));
        assert_eq!(j.append("q", [&a]).ok(), Some(0), "same event id again");
        assert_eq!(j.count().ok(), Some(2));
        let back = j.recent(Timestamp::UNIX_EPOCH, 10).unwrap_or_default();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].raw, a.raw);
        assert_eq!(
            back[1].message_id.as_deref(),
            Some("m-webhook/tags_changed.json")
        );
        drop(j);
        // Reopening keeps everything and does not migrate twice.
        let j = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(j.count().ok(), Some(2));
        assert_eq!(j.version().ok(), Some(SCHEMA_VERSION));
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let path = temp("perm");
        let mut j = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let _ = j.append("q", [&sample("legacy/created.json")]);
        let mode = |p: &Path| {
            fs::metadata(p)
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or(0)
        };
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap_or(Path::new("/"))), 0o700);
        let wal = path.with_extension("db-wal");
        assert!(
            !wal.exists() || mode(&wal) == 0o600,
            "WAL file {:o}",
            mode(&wal)
        );
    }

    #[test]
    fn tickets_keep_the_latest_snapshot_whatever_the_arrival_order() {
        let path = temp("tickets");
        let mut j = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let mut newer = sample("legacy/priority_changed.json");
        newer.ticket.priority = Some("urgent".into());
        let mut older = sample("legacy/status_changed.json");
        older.ticket.priority = Some("low".into());
        older.occurred_at = newer
            .occurred_at
            .map(|t| t - jiff::SignedDuration::from_mins(5));
        assert!(j.append("q", [&newer]).is_ok());
        assert!(j.append("q", [&older]).is_ok());
        let (priority, first, last): (String, String, String) = j
            .conn
            .query_row(
                "SELECT priority, first_seen, last_changed FROM tickets WHERE ticket_id = 35436",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap_or_default();
        assert_eq!(priority, "urgent", "the late, older snapshot does not win");
        assert!(first < last);
        assert_eq!(
            last,
            time_text(newer.occurred_at.unwrap_or(Timestamp::UNIX_EPOCH))
        );
    }

    #[test]
    fn a_full_journal_says_so() {
        let path = temp("full");
        let mut j = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(j.set_max_size(64 * 1024).is_ok());
        let e = sample("webhook/comment_added.json");
        let mut result = Ok(0);
        for i in 0..10_000 {
            let mut copy = e.clone();
            copy.event_id = format!("e{i}");
            result = j.append("q", [&copy]);
            if result.is_err() {
                break;
            }
        }
        let err = result.err().map(|e| (e.is_full(), e.to_string()));
        assert!(matches!(err, Some((true, _))), "{err:?}");
    }

    #[test]
    fn foreign_and_newer_databases_are_refused() {
        let path = temp("foreign");
        fs::create_dir_all(path.parent().unwrap_or(Path::new("."))).unwrap_or_default();
        let c = Connection::open(&path).unwrap_or_else(|e| panic!("{e}"));
        c.execute_batch("CREATE TABLE songs (title TEXT)")
            .unwrap_or_default();
        drop(c);
        assert!(matches!(
            Journal::open(&path),
            Err(JournalError::Foreign { .. })
        ));
        assert!(matches!(
            Journal::open_read_only(&path),
            Err(JournalError::Foreign { .. })
        ));
        let newer = temp("newer");
        drop(Journal::open(&newer));
        let c = Connection::open(&newer).unwrap_or_else(|e| panic!("{e}"));
        c.pragma_update(None, "user_version", 99)
            .unwrap_or_default();
        drop(c);
        let e = Journal::open_read_only(&newer)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("newer zdwatch"), "{e}");
    }

    #[test]
    fn default_paths_are_one_file_per_queue() {
        assert_eq!(
            file_stem("https://sqs.eu-west-1.amazonaws.com/123456789012/zendesk-debug"),
            "sqs.eu-west-1.amazonaws.com_123456789012_zendesk-debug"
        );
        assert_eq!(
            file_stem("http://127.0.0.1:4566/000000000000/q"),
            "127.0.0.1_4566_000000000000_q"
        );
        assert_eq!(time_text(Timestamp::UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
    }
}
