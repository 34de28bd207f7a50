//! What zdwatch keeps of the events it has seen: the bounded dedupe set, the in-memory
//! event store the TUI shows, and ticket timelines computed from it. The journal on disk is the `zdwatch-journal` crate.

mod bodies;
mod compact;
mod dedupe;
mod events;
pub mod timeline;

pub use bodies::{
    Bodies, BodyFile, Dictionary, Packed, Packer, Place, Prepacked, ReadAt, SAMPLES, frame, unframe,
};
pub use dedupe::Dedupe;
pub use events::{Counters, EventStore, Footprint, Held, Seq};
pub use timeline::Timeline;
