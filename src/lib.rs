//! zdwatch: a terminal monitor for Zendesk ticket events read from an SQS debug queue.
//!
//! The core (`event`, `filter`, `store`) is pure and imports no AWS or terminal crate;
//! `source` reads queues and files; `headless` writes `tail` output; `cli` holds the flags.

pub mod app;
pub mod cli;
pub mod event;
pub mod filter;
pub mod headless;
pub mod sanitize;
pub mod source;
pub mod store;
pub mod tui;
pub mod ui;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use cli::{Cli, Command, InputArgs, MonitorArgs, TailArgs};
use filter::{Filter, FilterError};
use source::sqs::{AwsOptions, SqsOptions};
use source::{Delivery, SourceSetBuilder, SourceStatus};

/// The demo always plays the same simulation, so what the README describes is what users see.
const DEMO_SEED: u64 = 35436;
/// How much simulated history the demo starts with.
const DEMO_HISTORY: Duration = Duration::from_secs(30 * 60);

/// Exit code for usage errors (bad flags, bad filter), as clap uses.
pub const EXIT_USAGE: u8 = 2;

/// Runs the command line; the binary's `main` only sets up logging and the runtime.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Some(Command::Tail(args)) => tail(args, &cli.aws).await,
        None => monitor(cli.monitor, &cli.aws).await,
    }
}

/// The interactive monitor.
async fn monitor(args: MonitorArgs, aws: &cli::AwsArgs) -> anyhow::Result<ExitCode> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!(
            "zdwatch: the monitor needs a terminal; for pipes and scripts use `zdwatch tail` (same flags and filters)"
        );
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    let filter = match filter_flag(&args.filter) {
        Ok(f) => f,
        Err(code) => return Ok(code),
    };
    // Events live only in memory until the journal exists: deleting them from the queue would
    // lose them at exit, so the monitor peeks unless the user accepts that with --allow-loss.
    let delivery = if args.allow_loss {
        Delivery::Consume
    } else {
        Delivery::Peek
    };
    let sources = match start_sources(&args.input, aws, delivery, !filter.is_empty()).await? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let config = app::Config {
        sources: sources.names.clone(),
        delivery,
        reads_queues: !args.input.queue.is_empty(),
        utc: args.utc,
        zendesk_subdomain: args.zendesk_subdomain.clone(),
        max_events: args.max_events.max(1),
    };
    let mut app = app::App::new(config, &args.filter, jiff::Timestamp::now())?;
    let (tx, rx) = tokio::sync::mpsc::channel(256);
    let guard = tui::TerminalGuard::enter().context("setting up the terminal")?;
    tui::spawn_input_reader(tx.clone());
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = tx.send(app::Msg::Shutdown).await;
    });
    let backend = ratatui::backend::CrosstermBackend::new(std::io::stdout());
    let mut terminal = ratatui::Terminal::new(backend).context("setting up the terminal")?;
    let result = tui::run(
        &mut terminal,
        &mut app,
        sources,
        rx,
        &mut tui::TerminalEffects,
        jiff::Timestamp::now,
    )
    .await;
    drop(terminal);
    drop(guard);
    result.context("drawing the screen")?;
    Ok(ExitCode::SUCCESS)
}

/// SIGTERM and SIGHUP (a closed SSH session) end the monitor cleanly; Ctrl-c is a key in raw mode.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) {
            (Ok(mut term), Ok(mut hup)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = hup.recv() => {}
                }
            }
            _ => std::future::pending::<()>().await,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn tail(args: TailArgs, aws: &cli::AwsArgs) -> anyhow::Result<ExitCode> {
    let filter = match filter_flag(&args.filter) {
        Ok(f) => f,
        Err(code) => return Ok(code),
    };
    let delivery = if args.input.peek {
        Delivery::Peek
    } else {
        Delivery::Consume
    };
    let sources = match start_sources(&args.input, aws, delivery, !filter.is_empty()).await? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let stdout = std::io::stdout();
    let to_terminal = stdout.is_terminal();
    let opts = headless::TailOptions {
        format: args.format,
        filter,
        delivery,
        max_events: args.max_events,
        idle_exit: args
            .idle_exit
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64),
        to_terminal,
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let report = headless::tail(sources, opts, &mut out, print_status)
        .await
        .context("writing to stdout")?;
    if report.broken_pipe {
        return Ok(ExitCode::SUCCESS);
    }
    out.flush().context("writing to stdout")?;
    if std::io::stderr().is_terminal() {
        eprintln!(
            "zdwatch: {} events written, {} duplicates suppressed, {} filtered out, {} malformed, {} unrecognized",
            report.written,
            report.duplicates,
            report.filtered_out,
            report.malformed,
            report.unrecognized
        );
    }
    Ok(if report.failed_sources.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Starts every `--file` and `--queue`; an `Err` exit code means a usage or start-up error was printed.
async fn start_sources(
    input: &InputArgs,
    aws: &cli::AwsArgs,
    delivery: Delivery,
    filtered: bool,
) -> anyhow::Result<Result<source::SourceSet, ExitCode>> {
    if input.queue.is_empty() && input.file.is_empty() && !input.demo {
        eprintln!(
            "zdwatch: nothing to read: give --queue URL|NAME or --file PATH, or try --demo (see --help)"
        );
        return Ok(Err(ExitCode::from(EXIT_USAGE)));
    }
    let mut builder = SourceSetBuilder::default();
    if input.demo {
        let ctx = builder.add("demo".into(), None, true);
        source::demo::start(DEMO_SEED, DEMO_HISTORY, ctx);
    }
    for path in &input.file {
        let name = path.to_string_lossy().into_owned();
        let ctx = builder.add(name.clone(), None, false);
        if let Err(e) = source::file::start(&name, ctx) {
            eprintln!("zdwatch: cannot read {}: {e}", sanitize::sanitize(&name));
            return Ok(Err(ExitCode::FAILURE));
        }
    }
    let aws = AwsOptions {
        profile: aws.profile.clone(),
        region: aws.region.clone(),
        endpoint_url: aws.endpoint_url.clone(),
    };
    let opts = SqsOptions {
        delivery,
        pollers: input.pollers.map(usize::from),
        warn_redrive: delivery == Delivery::Peek || filtered,
        ..SqsOptions::default()
    };
    for queue in &input.queue {
        if let Err(problem) = source::sqs::start(queue, &aws, opts.clone(), &mut builder).await {
            eprintln!("zdwatch: queue {}: {problem}", sanitize::sanitize(queue));
            return Ok(Err(ExitCode::FAILURE));
        }
    }
    Ok(Ok(builder.build()))
}

fn print_status(source: &str, status: &SourceStatus) {
    let source = sanitize::sanitize(source);
    let line = match status {
        SourceStatus::Connected => format!("zdwatch: {source}: connected"),
        SourceStatus::Retrying { wait, problem } => {
            format!(
                "zdwatch: {source}: retrying in {:.1}s: {problem}",
                wait.as_secs_f64()
            )
        }
        SourceStatus::Warning(w) => format!("zdwatch: {source}: warning: {w}"),
        SourceStatus::Failed(why) => format!("zdwatch: {source}: failed: {why}"),
    };
    eprintln!("{}", sanitize::sanitize(&line));
}

/// Parses `--filter`; on error prints where it went wrong and gives the usage exit code.
fn filter_flag(text: &str) -> Result<Filter, ExitCode> {
    Filter::parse(text).map_err(|e| {
        eprintln!("{}", describe_filter_error("--filter", text, &e));
        ExitCode::from(EXIT_USAGE)
    })
}

/// `zdwatch: invalid --filter: unknown key 'stat:' …` with a caret under the offending text.
pub fn describe_filter_error(flag: &str, text: &str, e: &FilterError) -> String {
    let safe = sanitize::sanitize(text);
    let col = text
        .get(..e.span.start)
        .map_or(0, |s| sanitize::sanitize(s).chars().count());
    let width = text
        .get(e.span.clone())
        .map_or(1, |s| sanitize::sanitize(s).chars().count().max(1));
    format!(
        "zdwatch: invalid {flag}: {}\n  {safe}\n  {}{}",
        e.message,
        " ".repeat(col),
        "^".repeat(width)
    )
}
