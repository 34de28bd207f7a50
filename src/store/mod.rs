//! What zdwatch keeps of the events it has seen. For now: the bounded dedupe set.

mod dedupe;

pub use dedupe::Dedupe;
