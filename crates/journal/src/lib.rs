//! The journal: an SQLite database (WAL) that holds every event zdwatch has taken from a queue.
//! A message is deleted from its queue only after the transaction holding its event committed.
//!
//! The schema is meant to be queried with the `sqlite3` shell (README, "The journal"): one row
//! per event in `events`, the latest known state of each ticket in `tickets`. Times are text,
//! RFC 3339 in UTC with milliseconds (`2025-01-08T16:20:20.987Z`), so they sort as text and
//! SQLite's date functions read them.

mod failpoint;
mod journals;
mod paths;
pub mod private;
mod purge;
mod read;
mod schema;
#[cfg(test)]
mod tests;
mod write;
pub mod writer;

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use rusqlite::Connection;

pub use journals::Journals;
pub use paths::{default_journals, default_path, is_sqlite, journals_dir};
pub use purge::{Purge, Purged};
pub use schema::{SCHEMA_VERSION, SQLITE_MAGIC};
pub use writer::{Done, Writer};

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
    /// What the monitor holds of it (`zdwatch_core::event::digest`), when the journal has it.
    pub digest: Option<Vec<u8>>,
}

pub struct Journal {
    conn: Connection,
    path: PathBuf,
    /// Whether its rows have a digest column (schema 2 and later).
    digests: bool,
}

impl Journal {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// RFC 3339, UTC, milliseconds: fixed width so text order is time order.
pub fn time_text(t: Timestamp) -> String {
    // Display with a precision (not strftime, which reads its format string on every call).
    format!("{t:.3}")
}

fn sqlite(path: &Path, source: rusqlite::Error) -> JournalError {
    JournalError::Sqlite {
        path: path.display().to_string(),
        source,
    }
}
