//! zdwatch: a terminal monitor for Zendesk ticket events read from an SQS debug queue.
//!
//! This is the binary's library: the command line (`cli`, `config`), one file per subcommand
//! (`commands`), the one ingest pipeline every reader of queues uses (`ingest`), the monitor
//! (`app` its state, `ui` drawing it, `tui` the terminal and the event loop) and the headless
//! writers (`headless`). What events are lives in the `zdwatch-core` crate, the journal in
//! `zdwatch-journal`, queues, files, buses and the demo in `zdwatch-sources` (README,
//! "Development", draws them).

pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod headless;
pub mod ingest;
pub mod palette;
pub mod threads;
pub mod tui;
pub mod ui;

use std::time::Duration;

/// `eprintln!` that never panics: with stderr closed (`2>&-`, a reader gone), a message is lost,
/// not the process.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub use commands::run;
pub use commands::start::describe_filter_error;

/// The demo always plays the same simulation, so what the README describes is what users see.
pub(crate) const DEMO_SEED: u64 = 35436;
/// How much simulated history the demo starts with.
pub(crate) const DEMO_HISTORY: Duration = Duration::from_secs(30 * 60);

/// Exit code for usage errors (bad flags, bad filter), as clap uses.
pub const EXIT_USAGE: u8 = 2;
