//! zdwatch's core: what an event is and what can be known about it, without any I/O.
//!
//! `event` decodes SQS message bodies (both Zendesk formats, every envelope) into `TicketEvent`s
//! and masks them; `filter` is the filter language; `pattern` is EventBridge's pattern matcher;
//! `store` holds events in memory (dedupe, compact records, timelines); `stats` counts them;
//! `sanitize` makes untrusted text safe to show; `tree` is the JSON tree, borrowed from the body,
//! that the decoder and the matcher read bodies into. This crate depends on no async runtime, AWS,
//! terminal, SQLite or command-line crate: `scripts/check-layers` fails the build if it does.

pub mod event;
pub mod filter;
pub mod parallel;
pub mod pattern;
pub mod sanitize;
pub mod scan;
pub mod stats;
pub mod store;
pub mod tree;
