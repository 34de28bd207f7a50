use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use tracing_subscriber::EnvFilter;

/// Decoding builds and drops a JSON tree per event: mimalloc makes that a third cheaper than
/// glibc's allocator (BENCHMARKS.md, "tail against jq and jaq").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Whatever zdwatch creates (journals, logs, captures, their directories) is its owner's alone.
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let log_dir = zdwatch_journal::private::log_dir();
    let shown = zdwatch_journal::private::log_place(None);
    let matches = zdwatch::cli::Cli::command()
        .after_help(format!(
            "The monitor's log: {shown}; --log-file PATH puts it elsewhere."
        ))
        .get_matches();
    let mut cli = match zdwatch::cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // `zdwatch config` reports a broken file itself, and the generated texts do not depend on it;
    // everything else stops on a broken file before anything runs.
    use zdwatch::cli::Command;
    let config = if matches!(
        cli.command,
        Some(Command::Config(_) | Command::Completions { .. } | Command::Man)
    ) {
        zdwatch::config::Config::default()
    } else {
        match zdwatch::config::load(cli.config.as_deref()) {
            Ok(config) => config,
            Err(e) => {
                zdwatch::say!("zdwatch: {e}");
                return ExitCode::from(zdwatch::EXIT_USAGE);
            }
        }
    };
    config.apply(&mut cli, &matches);
    // The flag, or the environment's endpoints that aws-config will use.
    let endpoints: Vec<String> = match &cli.aws.endpoint_url {
        Some(flag) => vec![flag.clone()],
        None if std::env::var_os("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
            .is_some_and(|v| v.eq_ignore_ascii_case("true")) =>
        {
            Vec::new()
        }
        None => zdwatch::cli::ENDPOINT_VARIABLES
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .collect(),
    };
    for warning in endpoints
        .iter()
        .filter_map(|e| zdwatch::cli::endpoint_warning(e))
    {
        zdwatch::say!("zdwatch: warning: {warning}");
    }
    // A bare level applies to zdwatch; the AWS SDK's own chatter (IMDS probes, profile lookups) stays at
    // error unless a directive names it or the level is debug or trace.
    let level = cli.log_level.trim();
    let directives = match level {
        "error" | "warn" | "info" => format!("error,zdwatch={level}"),
        other => other.to_string(),
    };
    let filter =
        EnvFilter::try_new(directives).unwrap_or_else(|_| EnvFilter::new("error,zdwatch=warn"));
    let log = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    match (&cli.log_file, &cli.command) {
        (Some(path), _) => match zdwatch_journal::private::open_append(path) {
            Ok(file) => log
                .with_writer(std::sync::Mutex::new(file))
                .with_ansi(false)
                .init(),
            Err(e) => {
                zdwatch::say!("zdwatch: cannot write the log file {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        },
        // The monitor draws on the terminal: log lines on stderr would scribble over the screen,
        // so they go to a file in the state directory (in a 0700 directory), rotated daily.
        (None, None) => match log_dir.as_deref().map(rolling) {
            Some(Ok(appender)) => log.with_writer(appender).with_ansi(false).init(),
            Some(Err(e)) => {
                zdwatch::say!("zdwatch: no log file ({e})");
                log.with_writer(std::io::sink).init()
            }
            None => log.with_writer(std::io::sink).init(),
        },
        (None, Some(_)) => log
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .init(),
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            zdwatch::say!("zdwatch: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(zdwatch::run(cli, config)) {
        Ok(code) => code,
        Err(e) => {
            zdwatch::say!("zdwatch: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `<dir>/zdwatch.YYYY-MM-DD.log`, a new file each day, the newest seven kept.
fn rolling(
    dir: &std::path::Path,
) -> Result<tracing_appender::rolling::RollingFileAppender, String> {
    zdwatch_journal::private::create_dir(dir)
        .and_then(|()| zdwatch_journal::private::tighten_dir(dir))
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    tracing_appender::rolling::RollingFileAppender::builder()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("zdwatch")
        .filename_suffix("log")
        .max_log_files(7)
        .build(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))
}
