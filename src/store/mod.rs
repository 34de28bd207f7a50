//! What zdwatch keeps of the events it has seen: the bounded dedupe set, the in-memory
//! event store the TUI shows, ticket timelines computed from it, and the journal on disk.

mod dedupe;
mod events;
pub mod journal;
pub mod timeline;

pub use dedupe::Dedupe;
pub use events::{Counters, EventStore, Seq};
pub use journal::{Journal, JournalError};
pub use timeline::Timeline;
