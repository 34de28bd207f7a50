//! One file per subcommand (`monitor` is zdwatch without one), and what they share to start
//! (`start`: sources, journals, filters and patterns from flags). A command that stops early has
//! already said why on stderr and returns a [`Stop`].

mod config;
mod docs;
mod doctor;
mod export;
mod gc;
mod journal;
mod monitor;
mod relay;
mod report;
mod send;
pub mod start;
mod tail;
mod test_pattern;

use std::io::Write;
use std::process::ExitCode;

pub use docs::man_page;

use crate::cli::{Cli, Command};
use crate::{EXIT_USAGE, headless};
use zdwatch_core::sanitize;

/// Why a command stopped before the end of its work; the reason is already on stderr.
#[derive(Debug)]
pub enum Stop {
    /// A usage error (a bad flag value, filter or pattern): exit status 2.
    Usage,
    /// Another failure (a queue that cannot be read, a journal that cannot be opened).
    Exit(ExitCode),
    /// Something unexpected, reported by `main`.
    Error(anyhow::Error),
}

impl From<anyhow::Error> for Stop {
    fn from(e: anyhow::Error) -> Stop {
        Stop::Error(e)
    }
}

impl From<std::io::Error> for Stop {
    fn from(e: std::io::Error) -> Stop {
        Stop::Error(e.into())
    }
}

impl From<serde_json::Error> for Stop {
    fn from(e: serde_json::Error) -> Stop {
        Stop::Error(e.into())
    }
}

/// What a command comes to: its exit status, or why it stopped early.
pub type Outcome<T = ExitCode> = Result<T, Stop>;

/// Runs the command line (with the config file's settings already in `cli`); the binary's
/// `main` only reads the config, sets up logging and the runtime.
pub async fn run(mut cli: Cli, settings: crate::config::Config) -> anyhow::Result<ExitCode> {
    // `-f @name`: a filter saved in the config file.
    let filter = match &mut cli.command {
        None => Some(&mut cli.monitor.filter),
        Some(Command::Tail(a)) => Some(&mut a.filter),
        Some(Command::Export(a)) => Some(&mut a.filter),
        Some(Command::Report(a)) => Some(&mut a.filter),
        _ => None,
    };
    if let Some(text) = filter {
        match settings.expand_filter(text) {
            Ok(expanded) => *text = expanded,
            Err(why) => {
                crate::say!("zdwatch: invalid --filter: {}", sanitize::sanitize(&why));
                return Ok(ExitCode::from(EXIT_USAGE));
            }
        }
    }
    let outcome = match cli.command {
        Some(Command::Config(args)) => Ok(config::run(&args, cli.config.as_deref())),
        Some(Command::Tail(args)) => tail::run(args, &cli.aws).await,
        Some(Command::Export(args)) => export::run(args, &cli.aws).await,
        Some(Command::Report(args)) => report::run(args, &cli.aws).await,
        Some(Command::TestPattern(args)) => test_pattern::run(args, &cli.aws).await,
        Some(Command::Send(args)) => send::run(args, &cli.aws).await,
        Some(Command::Relay(args)) => relay::run(args, &cli.aws).await,
        Some(Command::Gc(args)) => gc::run(args, &cli.aws).await,
        Some(Command::Journal(args)) => journal::run(args),
        Some(Command::Doctor(args)) => doctor::run(args, &cli.aws).await,
        Some(Command::Completions { shell }) => {
            docs::completions(shell);
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Man) => docs::man().map(|()| ExitCode::SUCCESS).map_err(Stop::from),
        Some(Command::Demo(args)) => demo(args),
        None => {
            let log_place = zdwatch_journal::private::log_place(cli.log_file.as_deref());
            monitor::run(cli.monitor, &cli.aws, &settings, log_place).await
        }
    };
    match outcome {
        Ok(code) | Err(Stop::Exit(code)) => Ok(code),
        Err(Stop::Usage) => Ok(ExitCode::from(EXIT_USAGE)),
        Err(Stop::Error(e)) => Err(e),
    }
}

/// `zdwatch demo --emit N`: the demo's traffic as a capture on stdout.
/// Prints one JSON document (`--format json` of doctor, gc and send) on a line of its own, with
/// the characters a terminal could act on escaped (`sanitize::json_text`).
pub(crate) fn print_json(document: &serde_json::Value) {
    println!(
        "{}",
        zdwatch_core::sanitize::json_text(&document.to_string())
    );
}

fn demo(args: crate::cli::DemoArgs) -> Outcome {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    match headless::emit::emit(args.emit, args.seed, args.start, args.format, &mut out)
        .and_then(|()| out.flush())
    {
        Ok(()) => Ok(ExitCode::SUCCESS),
        // `| head`: the reader has what it wanted.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(Stop::Error(
            anyhow::Error::from(e).context("writing to stdout"),
        )),
    }
}
