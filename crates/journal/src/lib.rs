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

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use rusqlite::Connection;
use zdwatch_core::store::Dictionary;

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
#[derive(Clone, Debug)]
pub struct StoredEvent {
    pub body: Body,
    pub message_id: Option<String>,
    pub received_at: Timestamp,
    /// The queue URL or file it came from.
    pub source: Option<String>,
    /// What the monitor holds of it (`zdwatch_core::event::digest`), when the journal has it.
    pub digest: Option<Vec<u8>>,
}

impl StoredEvent {
    /// The body as it was received ([`Body::into_raw_or_note`]), leaving the event as it is.
    pub fn raw(&self) -> Vec<u8> {
        self.body.clone().into_raw_or_note()
    }
}

/// A stored event's message body.
#[derive(Clone, Debug)]
pub enum Body {
    /// As it was received.
    Raw(Vec<u8>),
    /// Compressed (schema 4): the body framed with its message id in front
    /// (`zdwatch_core::store::frame`), `len` bytes before compression, compressed with one of the
    /// journal's dictionaries. The in-memory store holds such bytes as they are when it uses the
    /// same dictionary.
    Packed {
        bytes: Vec<u8>,
        len: u32,
        dictionary: Arc<Dictionary>,
    },
}

impl Body {
    /// The body as it was received; none when compressed bytes do not decompress (the journal
    /// file was damaged: said in the log).
    pub fn into_raw(self) -> Option<Vec<u8>> {
        match self {
            Body::Raw(raw) => Some(raw),
            Body::Packed {
                bytes,
                len,
                dictionary,
            } => {
                let framed = dictionary.decompress(&bytes, len as usize)?;
                zdwatch_core::store::unframe(framed).map(|(_, raw)| raw)
            }
        }
    }

    /// [`Body::into_raw`], or a line saying the body could not be read back: what is shown and
    /// exported in its place (decoded as a malformed body), so that the event is not lost.
    pub fn into_raw_or_note(self) -> Vec<u8> {
        self.into_raw().unwrap_or_else(|| {
            b"(zdwatch: this event's body in the journal does not decompress; the file is damaged)"
                .to_vec()
        })
    }
}

pub struct Journal {
    conn: Connection,
    path: PathBuf,
    /// Whether its rows have a digest column (schema 2 and later).
    digests: bool,
    /// Whether its rows may be compressed (schema 4 and later).
    packed: bool,
    /// How bodies are compressed as they are written.
    packing: write::Packing,
    /// Its dictionaries, read once each: one `Arc` per dictionary, so that the store can tell
    /// the bodies it can hold as they are.
    dictionaries: Dictionaries,
}

impl Journal {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A journal's dictionaries by id, each read from the file once.
type Dictionaries = Mutex<HashMap<i64, Arc<Dictionary>>>;

fn lock(dictionaries: &Dictionaries) -> std::sync::MutexGuard<'_, HashMap<i64, Arc<Dictionary>>> {
    dictionaries
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
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
