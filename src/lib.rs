//! zdwatch: a terminal monitor for Zendesk ticket events read from an SQS debug queue.
//!
//! The core (`event`, `filter`, `store`) is pure and imports no AWS or terminal crate;
//! `source` reads queues and files; `headless` writes `tail` output; `cli` holds the flags.

pub mod app;
pub mod cli;
pub mod event;
pub mod filter;
pub mod headless;
pub mod pattern;
pub mod private;
pub mod sanitize;
pub mod source;
pub mod stats;
pub mod store;
pub mod tui;
pub mod ui;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use cli::{Cli, Command, ExportArgs, InputArgs, MonitorArgs, ReportArgs, TailArgs};
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
        Some(Command::Export(args)) => export(args, &cli.aws).await,
        Some(Command::Report(args)) => report(args, &cli.aws).await,
        Some(Command::TestPattern(args)) => test_pattern(args, &cli.aws).await,
        Some(Command::Send(args)) => send(args, &cli.aws).await,
        Some(Command::Gc(args)) => gc(args, &cli.aws).await,
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
    let pattern = match resolve_pattern(&args.patterns, aws).await {
        Ok(p) => p,
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
    };
    let mut app = app::App::new(config, &args.filter, jiff::Timestamp::now())?;
    app.set_pattern(pattern);
    let since = jiff::Timestamp::now()
        .checked_sub(args.history)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    if !args.history.is_zero() && !journals.is_empty() {
        // Before the screen is taken over: a large history takes a moment to read.
        eprintln!("zdwatch: loading the journal's recent history (--history)…");
        match journals.recent(since, app.config.max_events) {
            Ok(history) => app.load_history(history),
            Err(e) => app.notice = Some(format!("history not loaded: {e}")),
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
    let filter = match filter_flag(&args.filter) {
        Ok(f) => f,
        Err(code) => return Ok(code),
    };
    let pattern = match resolve_pattern(&args.patterns, aws).await {
        Ok(p) => p,
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
        journals,
    };
    let written = write_events(sources, opts).await;
    let clean = detach(attachments, args.input.keep).await;
    let code = written?;
    Ok(if clean { code } else { ExitCode::FAILURE })
}

/// Runs the headless writer to stdout and turns its report into an exit code.
async fn write_events(
    sources: source::SourceSet,
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
        journals: store::journal::Journals::default(),
    };
    write_events(sources, opts).await
}

/// `zdwatch report`: read everything (queues: until idle, never deleting), then print the figures.
async fn report(args: ReportArgs, aws: &cli::AwsArgs) -> anyhow::Result<ExitCode> {
    let filter = match filter_flag(&args.filter) {
        Ok(f) => f,
        Err(code) => return Ok(code),
    };
    let pattern = match resolve_pattern(&args.patterns, aws).await {
        Ok(p) => p,
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

/// `--pattern JSON|@FILE` or `--rule-from-bus BUS --rule NAME`: compiled, or why not on stderr
/// (EventBridge's reason for an invalid pattern) and an exit code.
async fn resolve_pattern(
    args: &cli::PatternArgs,
    aws: &cli::AwsArgs,
) -> Result<Option<pattern::Pattern>, ExitCode> {
    if let (Some(bus), Some(rule)) = (&args.rule_from_bus, &args.rule) {
        let options = AwsOptions {
            profile: aws.profile.clone(),
            region: aws.region.clone(),
            endpoint_url: aws.endpoint_url.clone(),
        };
        return match source::rules::rule_pattern(&options, bus, rule).await {
            Ok(text) => pattern::Pattern::compile(&text).map(Some).map_err(|e| {
                eprintln!(
                    "zdwatch: the pattern of rule {} is not valid: {}",
                    sanitize::sanitize(rule),
                    sanitize::sanitize(&e.to_string())
                );
                ExitCode::from(EXIT_USAGE)
            }),
            Err(problem) => {
                eprintln!(
                    "zdwatch: cannot fetch rule {} on bus {}: {}",
                    sanitize::sanitize(rule),
                    sanitize::sanitize(bus),
                    sanitize::sanitize(&problem.to_string())
                );
                Err(ExitCode::FAILURE)
            }
        };
    }
    let Some(arg) = args.pattern.as_deref() else {
        return Ok(None);
    };
    headless::test_pattern::read_pattern(arg)
        .map(Some)
        .map_err(|why| {
            let lines: Vec<String> = why
                .lines()
                .map(|l| sanitize::sanitize(l).into_owned())
                .collect();
            eprintln!("zdwatch: invalid --pattern: {}", lines.join("\n"));
            ExitCode::from(EXIT_USAGE)
        })
}

/// `zdwatch gc`: removes zdwatch's leftover rules and queues; exit 1 when some could not be.
async fn gc(args: cli::GcArgs, aws: &cli::AwsArgs) -> anyhow::Result<ExitCode> {
    let options = AwsOptions {
        profile: aws.profile.clone(),
        region: aws.region.clone(),
        endpoint_url: aws.endpoint_url.clone(),
    };
    let found = match source::bus::gc(&options, &args.bus, args.older_than, args.dry_run).await {
        Ok(f) => f,
        Err(problem) => {
            eprintln!("zdwatch: gc: {problem}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let verb = if args.dry_run {
        "would remove"
    } else {
        "removed"
    };
    for rule in &found.rules {
        println!(
            "{verb} rule {} on bus {}",
            sanitize::sanitize(rule),
            sanitize::sanitize(&args.bus)
        );
    }
    for queue in &found.queues {
        println!("{verb} queue {}", sanitize::sanitize(queue));
    }
    for p in &found.problems {
        eprintln!("zdwatch: gc: {}", sanitize::sanitize(p));
    }
    if found.rules.is_empty() && found.queues.is_empty() {
        eprintln!("zdwatch: nothing of zdwatch's older than that");
    }
    Ok(if found.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `zdwatch send`: exit 0 when everything was sent, 1 when some entries were refused to the end.
async fn send(args: cli::SendArgs, aws: &cli::AwsArgs) -> anyhow::Result<ExitCode> {
    use source::send::{BATCH, Sent, Target, looks_like_production, parse_rate};
    let rate = match parse_rate(&args.rate) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("zdwatch: invalid --rate {}", sanitize::sanitize(&e));
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    let options = AwsOptions {
        profile: aws.profile.clone(),
        region: aws.region.clone(),
        endpoint_url: aws.endpoint_url.clone(),
    };
    let (target, name) = match (&args.to_bus, &args.to_queue) {
        (Some(bus), _) => {
            if looks_like_production(bus) && !args.yes {
                eprintln!(
                    "zdwatch: {} looks like a production bus (its name has \"prod\", or it is Zendesk's partner bus); \
                     add --yes to send to it anyway",
                    sanitize::sanitize(bus)
                );
                return Ok(ExitCode::from(EXIT_USAGE));
            }
            (Target::bus(&options, bus).await, bus)
        }
        (None, Some(queue)) => (Target::queue(&options, queue).await, queue),
        (None, None) => return Ok(ExitCode::from(EXIT_USAGE)),
    };
    let target = match target {
        Ok(t) => t,
        Err(problem) => {
            eprintln!("zdwatch: {}: {problem}", sanitize::sanitize(name));
            return Ok(ExitCode::FAILURE);
        }
    };
    let mut sent = Sent::default();
    let result = if args.demo {
        let total = (rate * args.duration.as_secs_f64()).round().max(0.0) as usize;
        let bodies = demo_bodies(total);
        let start = std::time::Instant::now();
        let mut done = 0;
        let mut outcome = Ok(());
        while done < bodies.len() && outcome.is_ok() {
            // Paced: as many as the rate allows by now, ten at a time.
            let due = ((start.elapsed().as_secs_f64() * rate) as usize).min(bodies.len());
            if due - done >= BATCH || due == bodies.len() {
                let end = due.min(done + BATCH);
                outcome = target.send(&bodies[done..end], &mut sent).await;
                done = end;
            } else {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        outcome
    } else {
        let mut sources = match read_files(args.file.clone()).await? {
            Ok(s) => s,
            Err(code) => return Ok(code),
        };
        let mut pending: Vec<Vec<u8>> = Vec::new();
        let mut outcome = Ok(());
        while let Some(event) = sources.events.recv().await {
            if let source::SourceEvent::Batch(batch) = event {
                pending.extend(batch.into_iter().map(|m| m.body));
                while pending.len() >= BATCH && outcome.is_ok() {
                    let chunk: Vec<Vec<u8>> = pending.drain(..BATCH).collect();
                    outcome = target.send(&chunk, &mut sent).await;
                }
            }
        }
        if outcome.is_ok() && !pending.is_empty() {
            outcome = target.send(&pending, &mut sent).await;
        }
        sources.shutdown().await;
        outcome
    };
    if let Err(problem) = result {
        eprintln!("zdwatch: {}: {problem}", sanitize::sanitize(name));
        return Ok(ExitCode::FAILURE);
    }
    eprintln!(
        "zdwatch: sent {} events to {}{}{}",
        sent.sent,
        sanitize::sanitize(name),
        if sent.skipped > 0 {
            format!(
                "; skipped {} bodies that are no EventBridge event",
                sent.skipped
            )
        } else {
            String::new()
        },
        if sent.failed.is_empty() {
            String::new()
        } else {
            format!(
                "; {} refused, e.g. {}",
                sent.failed.len(),
                sanitize::sanitize(&sent.failed[0])
            )
        }
    );
    Ok(if sent.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The first `n` deliveries of the demo simulation from now.
fn demo_bodies(n: usize) -> Vec<Vec<u8>> {
    let start = jiff::Timestamp::now();
    let mut sim = source::demo::Simulator::new(DEMO_SEED, start);
    let mut out = Vec::with_capacity(n);
    let mut t = start;
    while out.len() < n {
        t = t
            .checked_add(jiff::SignedDuration::from_mins(1))
            .unwrap_or(t);
        out.extend(sim.advance(t).into_iter().map(|d| d.body));
    }
    out.truncate(n);
    out
}

/// Reads captures or journals (nothing is deleted from anything).
async fn read_files(
    files: impl Into<Vec<std::path::PathBuf>>,
) -> anyhow::Result<Result<source::SourceSet, ExitCode>> {
    let input = InputArgs {
        demo: false,
        queue: Vec::new(),
        file: files.into(),
        bus: Vec::new(),
        keep: false,
        peek: true,
        pollers: None,
    };
    start_sources(
        &input,
        &cli::AwsArgs::default(),
        Reading::new(Delivery::Peek, false),
    )
    .await
}

/// The manual page, from the clap definitions (also in `assets/zdwatch.1`, kept equal by a test).
/// It carries the bare version, so that it does not change with every commit.
pub fn man_page() -> std::io::Result<Vec<u8>> {
    let cmd = <cli::Cli as clap::CommandFactory>::command().version(env!("CARGO_PKG_VERSION"));
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut out)?;
    Ok(out)
}

/// The only journal in the data directory; otherwise says which ones there are.
fn the_default_journal() -> Result<std::path::PathBuf, ExitCode> {
    let dir = store::journal::journals_dir();
    let mut found: Vec<std::path::PathBuf> = dir
        .as_ref()
        .and_then(|d| std::fs::read_dir(d).ok())
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "db"))
        .collect();
    found.sort();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => {
            let where_ = dir
                .map(|d| d.display().to_string())
                .unwrap_or_else(|| "the data directory".into());
            eprintln!(
                "zdwatch: no journal in {}; give --file PATH",
                sanitize::sanitize(&where_)
            );
            Err(ExitCode::from(EXIT_USAGE))
        }
        _ => {
            eprintln!("zdwatch: several journals; choose one with --file:");
            for p in &found {
                eprintln!("  {}", sanitize::sanitize(&p.display().to_string()));
            }
            Err(ExitCode::from(EXIT_USAGE))
        }
    }
}

/// Starts every `--file` and `--queue`; an `Err` exit code means a usage or start-up error was printed.
/// How a front end reads its queues.
#[derive(Clone, Copy, Debug)]
struct Reading<'a> {
    delivery: Delivery,
    /// A filter drops some events (their messages are received but not deleted).
    filtered: bool,
    /// Report each queue's depth (the dashboard shows it).
    watch_depth: bool,
    /// `--bus`: the rule's pattern (`--pattern`), else every Zendesk event.
    rule_pattern: Option<&'a str>,
}

impl Reading<'static> {
    fn new(delivery: Delivery, filtered: bool) -> Reading<'static> {
        Reading {
            delivery,
            filtered,
            watch_depth: false,
            rule_pattern: None,
        }
    }
}

async fn start_sources(
    input: &InputArgs,
    aws: &cli::AwsArgs,
    how: Reading<'_>,
) -> anyhow::Result<Result<source::SourceSet, ExitCode>> {
    if input.queue.is_empty() && input.file.is_empty() && input.bus.is_empty() && !input.demo {
        eprintln!(
            "zdwatch: nothing to read: give --queue URL|NAME, --bus NAME or --file PATH, or try --demo (see --help)"
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
        delivery: how.delivery,
        pollers: input.pollers.map(usize::from),
        warn_redrive: how.delivery == Delivery::Peek || how.filtered,
        watch_depth: how.watch_depth,
        ..SqsOptions::default()
    };
    for queue in &input.queue {
        if let Err(problem) = source::sqs::start(queue, &aws, opts.clone(), &mut builder).await {
            eprintln!("zdwatch: queue {}: {problem}", sanitize::sanitize(queue));
            return Ok(Err(ExitCode::FAILURE));
        }
    }
    let mut attached: Vec<source::bus::Attachment> = Vec::new();
    let mut journal_names = std::collections::HashMap::new();
    for bus in &input.bus {
        let a = match source::bus::Attachment::attach(&aws, bus, how.rule_pattern).await {
            Ok(a) => a,
            Err(problem) => {
                eprintln!("zdwatch: bus {}: {problem}", sanitize::sanitize(bus));
                detach(attached, false).await;
                return Ok(Err(ExitCode::FAILURE));
            }
        };
        eprintln!(
            "zdwatch: attached queue {} to bus {} with rule {}",
            sanitize::sanitize(&a.queue_url),
            sanitize::sanitize(bus),
            sanitize::sanitize(&a.name)
        );
        journal_names.insert(builder.len(), format!("bus/{bus}"));
        let started = source::sqs::start(&a.queue_url, &aws, opts.clone(), &mut builder).await;
        attached.push(a);
        if let Err(problem) = started {
            eprintln!("zdwatch: bus {}: {problem}", sanitize::sanitize(bus));
            detach(attached, false).await;
            return Ok(Err(ExitCode::FAILURE));
        }
    }
    let mut set = builder.build();
    set.attachments = attached;
    set.journal_names = journal_names;
    Ok(Ok(set))
}

/// Removes the personal queues and rules of `--bus` (or, with `--keep`, says how to reuse them);
/// false when something could not be removed (what is left is printed).
async fn detach(attachments: Vec<source::bus::Attachment>, keep: bool) -> bool {
    let mut clean = true;
    for a in attachments {
        if keep {
            eprintln!("zdwatch: {}", sanitize::sanitize(&a.kept()));
            continue;
        }
        let name = a.name.clone();
        match a.detach().await {
            Ok(()) => eprintln!(
                "zdwatch: removed rule and queue {}",
                sanitize::sanitize(&name)
            ),
            Err(left) => {
                eprintln!("zdwatch: {}", sanitize::sanitize(&left));
                clean = false;
            }
        }
    }
    clean
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
        // Only the dashboard asks for the depth.
        SourceStatus::Depth { .. } => return,
    };
    eprintln!("{}", sanitize::sanitize(&line));
}

/// Starts the sources, then opens their journals; if a journal cannot be opened, gives back what
/// was received and stops before anything is deleted.
async fn start_reading(
    input: &InputArgs,
    journal: &cli::JournalArgs,
    aws: &cli::AwsArgs,
    how: Reading<'_>,
) -> anyhow::Result<Result<(source::SourceSet, store::journal::Journals), ExitCode>> {
    let mut sources = match start_sources(input, aws, how).await? {
        Ok(s) => s,
        Err(code) => return Ok(Err(code)),
    };
    match open_journals(&sources, journal) {
        Ok(journals) => Ok(Ok((sources, journals))),
        Err(code) => {
            headless::release_unread(&mut sources).await;
            sources.shutdown().await;
            Ok(Err(code))
        }
    }
}

/// Opens the journal of every queue source (one per queue, or `--journal PATH` for all).
/// An `Err` exit code means the reason was printed.
fn open_journals(
    sources: &source::SourceSet,
    args: &cli::JournalArgs,
) -> Result<store::journal::Journals, ExitCode> {
    let mut journals = store::journal::Journals::default();
    if args.no_journal {
        return Ok(journals);
    }
    for (id, name) in sources
        .names
        .iter()
        .enumerate()
        .filter(|(id, _)| sources.is_queue(*id))
    {
        let name = sources.journal_names.get(&id).unwrap_or(name);
        let path = match (&args.journal, store::journal::default_path(name)) {
            (Some(p), _) => p.clone(),
            (None, Some(p)) => p,
            (None, None) => {
                eprintln!(
                    "zdwatch: no data directory for the journal (HOME is not set?): give --journal PATH, or --no-journal"
                );
                return Err(ExitCode::from(EXIT_USAGE));
            }
        };
        if let Err(e) = journals.add(id, name, &path) {
            eprintln!(
                "zdwatch: cannot open the journal: {}\n  zdwatch deletes a message only once its event is stored; \
                 give another --journal PATH, or --peek to read without deleting",
                sanitize::sanitize(&e.to_string())
            );
            return Err(ExitCode::FAILURE);
        }
    }
    if let Some(mb) = args.journal_max_mb {
        if let Err(e) = journals.set_max_size(mb.saturating_mul(1 << 20)) {
            eprintln!("zdwatch: journal: {}", sanitize::sanitize(&e.to_string()));
            return Err(ExitCode::FAILURE);
        }
    }
    Ok(journals)
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
