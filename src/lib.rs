//! zdwatch: a terminal monitor for Zendesk ticket events read from an SQS debug queue.
//!
//! The core (`event`, `filter`, `pattern`, `store`, `stats`) is pure and imports no AWS or
//! terminal crate; `source` reads queues, files and buses; `app`, `ui` and `tui` are the monitor;
//! `headless` writes `tail`, `report` and `test-pattern` output; `cli` holds the flags. This file
//! runs the subcommands; `setup` starts their sources and journals, `tools` holds `send` and `gc`.

pub mod app;
pub mod cli;
pub mod config;
pub mod headless;
mod setup;
mod tools;
pub mod tui;
pub mod ui;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use cli::{Cli, Command, ExportArgs, MonitorArgs, ReportArgs, TailArgs};
use setup::{
    Reading, detach, filter_flag, print_status, read_files, resolve_pattern, selection,
    start_reading, start_sources, the_default_journal,
};
use zdwatch_core::{event, filter, sanitize};
use zdwatch_journal::private;
use zdwatch_sources::Delivery;

pub use setup::describe_filter_error;

/// The demo always plays the same simulation, so what the README describes is what users see.
pub(crate) const DEMO_SEED: u64 = 35436;
/// How much simulated history the demo starts with.
pub(crate) const DEMO_HISTORY: Duration = Duration::from_secs(30 * 60);

/// Exit code for usage errors (bad flags, bad filter), as clap uses.
pub const EXIT_USAGE: u8 = 2;

/// Runs the command line (with the config file's settings already in `cli`); the binary's
/// `main` only reads the config, sets up logging and the runtime.
pub async fn run(mut cli: Cli, config: config::Config) -> anyhow::Result<ExitCode> {
    // `-f @name`: a filter saved in the config file.
    let filter = match &mut cli.command {
        None => Some(&mut cli.monitor.filter),
        Some(Command::Tail(a)) => Some(&mut a.filter),
        Some(Command::Export(a)) => Some(&mut a.filter),
        Some(Command::Report(a)) => Some(&mut a.filter),
        _ => None,
    };
    if let Some(text) = filter {
        match config.expand_filter(text) {
            Ok(expanded) => *text = expanded,
            Err(why) => {
                eprintln!("zdwatch: invalid --filter: {}", sanitize::sanitize(&why));
                return Ok(ExitCode::from(EXIT_USAGE));
            }
        }
    }
    match cli.command {
        Some(Command::Config(args)) => Ok(config_command(&args, cli.config.as_deref())),
        Some(Command::Tail(args)) => tail(args, &cli.aws).await,
        Some(Command::Export(args)) => export(args, &cli.aws).await,
        Some(Command::Report(args)) => report(args, &cli.aws).await,
        Some(Command::TestPattern(args)) => test_pattern(args, &cli.aws).await,
        Some(Command::Send(args)) => tools::send(args, &cli.aws).await,
        Some(Command::Gc(args)) => tools::gc(args, &cli.aws).await,
        Some(Command::Doctor(args)) => tools::doctor(args, &cli.aws).await,
        Some(Command::Completions { shell }) => {
            let mut cmd = <cli::Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "zdwatch", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Man) => {
            std::io::stdout().write_all(&man_page()?)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Demo(args)) => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            match headless::emit::emit(args.emit, args.seed, args.start, args.format, &mut out)
                .and_then(|()| out.flush())
            {
                Ok(()) => Ok(ExitCode::SUCCESS),
                // `| head`: the reader has what it wanted.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
                Err(e) => Err(e).context("writing to stdout"),
            }
        }
        None => {
            ui::theme::install(config.palette.clone());
            let log_place = private::log_place(cli.log_file.as_deref());
            monitor(cli.monitor, &cli.aws, &config, log_place).await
        }
    }
}

/// `zdwatch config`: where the file is and whether it is valid, or the commented default.
fn config_command(args: &cli::ConfigArgs, explicit: Option<&std::path::Path>) -> ExitCode {
    if args.print_default {
        print!("{}", config::DEFAULT);
        return ExitCode::SUCCESS;
    }
    let Some(path) = explicit
        .map(|p| p.to_path_buf())
        .or_else(config::default_path)
    else {
        eprintln!("zdwatch: no config directory on this system (no home directory?)");
        return ExitCode::FAILURE;
    };
    let shown = sanitize::sanitize(&path.display().to_string()).into_owned();
    if explicit.is_none() && !path.exists() {
        println!(
            "{shown}: no file (the built-in defaults apply); start from `zdwatch config --print-default > {shown}`"
        );
        return ExitCode::SUCCESS;
    }
    match config::load(Some(&path)) {
        Ok(c) => {
            println!("{shown}: valid ({})", c.summary());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("zdwatch: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// The interactive monitor.
async fn monitor(
    args: MonitorArgs,
    aws: &cli::AwsArgs,
    settings: &config::Config,
    log_place: String,
) -> anyhow::Result<ExitCode> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!(
            "zdwatch: the monitor needs a terminal; for pipes and scripts use `zdwatch tail` (same flags and filters)"
        );
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    let (filter, pattern) = match selection(&args.filter, &args.patterns, aws).await {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let reads_queues = !args.input.queue.is_empty() || !args.input.bus.is_empty();
    let rule_pattern = pattern.as_ref().map(|p| p.text().to_string());
    // Consume only when every event taken off a queue is stored first: in the journal, or (with
    // --no-journal) in memory only if the user accepts losing it at exit.
    let delivery = if args.input.peek {
        Delivery::Peek
    } else if args.journal.no_journal && reads_queues && !args.allow_loss {
        eprintln!(
            "zdwatch: --no-journal would keep the events zdwatch deletes from the queue only in memory, \
             and they would be gone when it exits.\n  Add --peek to read without deleting, --allow-loss to \
             consume anyway, or drop --no-journal."
        );
        return Ok(ExitCode::from(EXIT_USAGE));
    } else {
        Delivery::Consume
    };
    let (sources, journals) = match start_reading(
        &args.input,
        &args.journal,
        aws,
        Reading {
            watch_depth: true,
            rule_pattern: rule_pattern.as_deref(),
            ..Reading::new(delivery, !filter.is_empty())
        },
    )
    .await?
    {
        Ok(started) => started,
        Err(code) => return Ok(code),
    };
    let mut sources = sources;
    let attachments = std::mem::take(&mut sources.attachments);
    let config = app::Config {
        sources: sources.names.clone(),
        delivery,
        reads_queues,
        live: sources.live.clone(),
        utc: args.utc,
        zendesk_subdomain: args.zendesk_subdomain.clone(),
        max_events: args.max_events.max(1),
        // Several sources, or history replayed behind live events, only make sense merged.
        order: if sources.names.len() > 1
            || args.input.replay_window(jiff::Timestamp::now()).is_some()
        {
            app::Order::Occurred
        } else {
            app::Order::Arrival
        },
        saved_filters: settings.filters.clone(),
        keymap: settings.keymap.clone(),
        log_place: Some(log_place),
    };
    let mut app = app::App::new(config, &args.filter, jiff::Timestamp::now())?;
    app.set_pattern(pattern);
    app.mask = args.mask;
    let since = jiff::Timestamp::now()
        .checked_sub(args.history)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    if !args.history.is_zero() && !journals.is_empty() {
        // Before the screen is taken over: a large history takes a moment to read.
        eprintln!("zdwatch: loading the journal's recent history (--history)…");
        let load =
            journals.recent_each(since, app.config.max_events, app::HISTORY_SLICE, |slice| {
                app.load_history(slice)
            });
        if let Err(e) = load {
            app.notice = Some(format!("history not loaded: {e}"));
        }
    }
    app.journals = journals;
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
    // After the terminal is back: what is removed (or left) is printed where it can be read.
    let clean = detach(attachments, args.input.keep).await;
    result.context("drawing the screen")?;
    Ok(if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
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
    let (filter, pattern) = match selection(&args.filter, &args.patterns, aws).await {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let delivery = if args.input.peek {
        Delivery::Peek
    } else {
        Delivery::Consume
    };
    let rule_pattern = pattern.as_ref().map(|p| p.text().to_string());
    let (mut sources, journals) = match start_reading(
        &args.input,
        &args.journal,
        aws,
        Reading {
            rule_pattern: rule_pattern.as_deref(),
            ..Reading::new(delivery, !filter.is_empty() || pattern.is_some())
        },
    )
    .await?
    {
        Ok(started) => started,
        Err(code) => return Ok(code),
    };
    let attachments = std::mem::take(&mut sources.attachments);
    let opts = headless::TailOptions {
        format: args.format,
        filter,
        pattern,
        delivery,
        max_events: args.max_events,
        idle_exit: args
            .idle_exit
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64),
        to_terminal: std::io::stdout().is_terminal(),
        mask: args.mask,
        journals,
    };
    let written = write_events(sources, opts).await;
    let clean = detach(attachments, args.input.keep).await;
    let code = written?;
    Ok(if clean { code } else { ExitCode::FAILURE })
}

/// Runs the headless writer to stdout and turns its report into an exit code.
async fn write_events(
    sources: zdwatch_sources::SourceSet,
    opts: headless::TailOptions,
) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
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

/// `zdwatch export`: matching events of journals or captures, to stdout.
async fn export(args: ExportArgs, aws: &cli::AwsArgs) -> anyhow::Result<ExitCode> {
    if let Err(code) = filter_flag(&args.filter) {
        return Ok(code);
    }
    let pattern = match resolve_pattern(&args.patterns, aws).await {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let mut text = args.filter.clone();
    if let Some(since) = &args.since {
        if let Err(e) = filter::parse_duration(since) {
            eprintln!(
                "zdwatch: invalid --since '{}': {e}",
                sanitize::sanitize(since)
            );
            return Ok(ExitCode::from(EXIT_USAGE));
        }
        text = if text.trim().is_empty() {
            format!("since:{since}")
        } else {
            format!("since:{since} ({text})")
        };
    }
    let filter = match filter_flag(&text) {
        Ok(f) => f,
        Err(code) => return Ok(code),
    };
    let files = if args.file.is_empty() {
        match the_default_journal() {
            Ok(path) => vec![path],
            Err(code) => return Ok(code),
        }
    } else {
        args.file.clone()
    };
    let sources = match read_files(files).await? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let opts = headless::TailOptions {
        format: args.format,
        filter,
        pattern,
        delivery: Delivery::Peek,
        max_events: None,
        idle_exit: None,
        to_terminal: std::io::stdout().is_terminal(),
        mask: args.mask,
        journals: zdwatch_journal::Journals::default(),
    };
    write_events(sources, opts).await
}

/// `zdwatch report`: read everything (queues: until idle, never deleting), then print the figures.
async fn report(args: ReportArgs, aws: &cli::AwsArgs) -> anyhow::Result<ExitCode> {
    let (filter, pattern) = match selection(&args.filter, &args.patterns, aws).await {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let when = |flag: &str, v: &Option<String>| -> Result<Option<jiff::Timestamp>, ExitCode> {
        let Some(text) = v else { return Ok(None) };
        if let Ok(t) = text.parse::<jiff::Timestamp>() {
            return Ok(Some(t));
        }
        match filter::parse_duration(text) {
            Ok(d) => Ok(jiff::Timestamp::now().checked_sub(d).ok()),
            Err(e) => {
                eprintln!(
                    "zdwatch: invalid {flag} '{}': {e}, or a time like 2026-03-01T08:00:00Z",
                    sanitize::sanitize(text)
                );
                Err(ExitCode::from(EXIT_USAGE))
            }
        }
    };
    let (from, to) = match (when("--since", &args.since), when("--until", &args.until)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(code), _) | (_, Err(code)) => return Ok(code),
    };
    let rule_pattern = pattern.as_ref().map(|p| p.text().to_string());
    let reading = Reading {
        rule_pattern: rule_pattern.as_deref(),
        ..Reading::new(Delivery::Peek, true)
    };
    let mut sources = match start_sources(&args.input, aws, reading).await? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let attachments = std::mem::take(&mut sources.attachments);
    let idle = Duration::from_secs_f64(args.idle_exit.clamp(0.1, 3600.0));
    let live = !args.input.queue.is_empty() || !args.input.bus.is_empty() || args.input.demo;
    let idle = live.then_some(idle);
    let events = headless::report::collect(sources, idle).await;
    detach(attachments, args.input.keep).await;
    let events = headless::report::select(events, &filter, pattern.as_ref(), from, to);
    let report = headless::report::Report::of(&events);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        cli::ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report.json())?;
            writeln!(out)?;
        }
        cli::ReportFormat::Markdown => report.markdown(&mut out)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `zdwatch test-pattern`: exit 0 once the pattern is valid, whatever matched; 2 when it is not.
async fn test_pattern(args: cli::TestPatternArgs, aws: &cli::AwsArgs) -> anyhow::Result<ExitCode> {
    let pattern = match resolve_pattern(&args.patterns, aws).await {
        Ok(Some(p)) => p,
        Ok(None) => return Ok(ExitCode::from(EXIT_USAGE)),
        Err(code) => return Ok(code),
    };
    let events = match &args.event {
        Some(path) => {
            let body = if path.as_os_str() == "-" {
                let mut b = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut b).map(|_| b)
            } else {
                std::fs::read(path)
            };
            match body {
                Ok(body) => vec![event::decode(event::Received {
                    body,
                    message_id: None,
                    received_at: jiff::Timestamp::now(),
                })],
                Err(e) => {
                    eprintln!(
                        "zdwatch: cannot read {}: {e}",
                        sanitize::sanitize(&path.to_string_lossy())
                    );
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
        None => {
            let sources = match read_files(args.file.clone()).await? {
                Ok(s) => s,
                Err(code) => return Ok(code),
            };
            headless::report::collect(sources, None).await
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let matched =
        headless::test_pattern::write(&pattern, &events, args.explain, args.format, &mut out)?;
    out.flush()?;
    eprintln!("zdwatch: {matched} of {} events match", events.len());
    Ok(ExitCode::SUCCESS)
}

/// The manual page, from the clap definitions (also in `assets/zdwatch.1`, kept equal by a test).
/// It carries the bare version, so that it does not change with every commit.
pub fn man_page() -> std::io::Result<Vec<u8>> {
    let cmd = <cli::Cli as clap::CommandFactory>::command().version(env!("CARGO_PKG_VERSION"));
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut out)?;
    Ok(out)
}
