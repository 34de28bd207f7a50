//! What zdwatch keeps of the events it has seen: the bounded dedupe set, the in-memory
//! event store the TUI shows, ticket timelines computed from it, and the journal on disk.

mod bodies;
mod compact;
mod dedupe;
mod events;
pub mod journal;
pub mod timeline;

pub use dedupe::Dedupe;
pub use events::{Counters, EventStore, Footprint, Held, Seq};
pub use journal::{Journal, JournalError};
pub use timeline::Timeline;
