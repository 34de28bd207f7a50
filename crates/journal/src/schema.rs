//! The journal's schema: creating, opening and migrating the database.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::{Journal, JournalError, sqlite};

/// The schema version this build writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 4;

/// The first 16 bytes of every SQLite database file.
pub const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Each migration takes the schema from version `index` to `index + 1`.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE events (
    seq               INTEGER PRIMARY KEY,      -- arrival order
    event_id          TEXT NOT NULL,            -- the dedupe key (README, "Event identity"); unique
                                                -- with occurred_at (version 3; before it, on its own)
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
    raw               BLOB NOT NULL             -- the message body as received (compressed when
                                                -- raw_dictionary is set, version 4)
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
"#,
    // What the monitor holds of each event (zdwatch_core::event::digest), so that reopening a journal
    // need not decode every body again. NULL in rows written before version 2.
    "ALTER TABLE events ADD COLUMN digest BLOB;",
    // An event is stored once by its time and id, instead of by its id alone: ids are random, so
    // an index of them alone had every commit rewrite pages all over it (at 400,000 events about
    // 13 KB written an event, and slower the larger the journal grew), while times mostly grow,
    // so this index grows at its end. The same event always has the same time (both come from
    // its body). It also serves time ranges, as `events_by_occurred` did. Journals created
    // before version 3 keep their index of ids alone as well (dropping it means copying the table).
    "DROP INDEX IF EXISTS events_by_occurred;
     CREATE UNIQUE INDEX IF NOT EXISTS events_by_time_and_id ON events (occurred_at, event_id);",
    // Bodies compressed (about 1.1 KB to 250 bytes): a row whose `raw_dictionary` is set holds in
    // `raw` its body with the message id in front, compressed with that zstd dictionary;
    // `raw_length` is that framed body's length. Rows without keep the body as it was received.
    // A dictionary is learnt from bodies with their customer text masked, so it holds none.
    r#"
CREATE TABLE dictionaries (
    id    INTEGER PRIMARY KEY,
    bytes BLOB NOT NULL                         -- a zstd dictionary
);
ALTER TABLE events ADD COLUMN raw_dictionary INTEGER REFERENCES dictionaries (id);
ALTER TABLE events ADD COLUMN raw_length INTEGER;
"#,
];

impl Journal {
    /// Whether a journal can be created at `path` (which does not exist): its directory is made
    /// as [`Journal::open`] makes it, and a file is created in it and removed again.
    pub(crate) fn can_create(path: &Path) -> Result<(), JournalError> {
        let io = |source| JournalError::Io {
            path: path.display().to_string(),
            source,
        };
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        if let Some(dir) = dir {
            crate::private::create_dir(dir).map_err(io)?;
            if crate::paths::journals_dir().is_some_and(|own| own == dir) {
                crate::private::tighten(dir).map_err(io)?;
            }
        }
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let probe = dir
            .unwrap_or(Path::new("."))
            .join(format!(".{name}.probe-{}", std::process::id()));
        crate::private::options()
            .write(true)
            .create_new(true)
            .open(&probe)
            .map_err(io)?;
        std::fs::remove_file(&probe).map_err(io)
    }

    /// Opens or creates a journal for writing: the directory is created 0700, the file 0600.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let io = |source| JournalError::Io {
            path: path.display().to_string(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::private::create_dir(dir).map_err(io)?;
            // zdwatch's own directory is made private; a directory named with --journal is the user's.
            if crate::paths::journals_dir().is_some_and(|own| own == dir) {
                crate::private::tighten(dir).map_err(io)?;
            }
        }
        // Created (or made) 0600 before SQLite opens it (SQLite's WAL and shm files copy its
        // mode); a WAL or shm left by an older version is made private too.
        crate::private::open_append(path).map_err(io)?;
        for suffix in ["-wal", "-shm"] {
            let mut side = path.as_os_str().to_owned();
            side.push(suffix);
            crate::private::tighten(Path::new(&side)).map_err(io)?;
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        );
        let mut journal = Journal {
            conn: conn.map_err(|e| sqlite(path, e))?,
            path: path.to_path_buf(),
            digests: true,
            packed: true,
            packing: crate::write::Packing::default(),
            dictionaries: Default::default(),
        };
        journal.setup().map_err(|e| sqlite(path, e))?;
        journal.migrate()?;
        Ok(journal)
    }

    /// Opens an existing journal to read it (`--file`, `export`); never changes it. The file may
    /// come from anyone (a journal sent with a ticket), so SQLite runs no function a view or a
    /// trigger in it names (`trusted_schema` off) and refuses what could corrupt it (defensive mode).
    pub fn open_read_only(path: &Path) -> Result<Journal, JournalError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| sqlite(path, e))?;
        let untrusted = |conn: &Connection| -> rusqlite::Result<()> {
            use rusqlite::config::DbConfig;
            conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
            conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
            conn.pragma_update(None, "trusted_schema", "OFF")?;
            conn.busy_timeout(Duration::from_secs(5))
        };
        untrusted(&conn).map_err(|e| sqlite(path, e))?;
        let mut journal = Journal {
            conn,
            path: path.to_path_buf(),
            digests: false,
            packed: false,
            packing: crate::write::Packing::default(),
            dictionaries: Default::default(),
        };
        let version = journal.version()?;
        journal.digests = version >= 2;
        journal.packed = version >= 4;
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

    fn setup(&self) -> rusqlite::Result<()> {
        // Another zdwatch on the same journal waits for the lock instead of failing at once.
        self.conn.busy_timeout(Duration::from_secs(10))?;
        self.conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a committed batch survives a power cut, not only a crash, before its messages are deleted.
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        // Purged events and redacted comments are overwritten with zeros, not left in free pages.
        self.conn.pragma_update(None, "secure_delete", "ON")?;
        // 64 MiB of page cache (SQLite's default is 2 MiB): the four indexes of a growing journal
        // otherwise fall out of the cache and every insert reads their pages back from the file.
        self.conn.pragma_update(None, "cache_size", -65_536)?;
        // Checkpoints (copying the WAL into the file, with an fsync) every ~40 MB instead of 4 MB.
        self.conn
            .pragma_update(None, "wal_autocheckpoint", 10_000)?;
        Ok(())
    }

    pub(crate) fn version(&self) -> Result<i64, JournalError> {
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
}
