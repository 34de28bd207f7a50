//! `zdwatch report`: read everything (queues until idle, never deleting), then print the figures.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use zdwatch_core::{filter, sanitize};
use zdwatch_sources::Delivery;

use super::start::{Reading, detach, selection, start_sources};
use super::{Outcome, Stop};
use crate::{cli, headless};

/// `zdwatch report`: read everything (queues: until idle, never deleting), then print the figures.
pub(crate) async fn run(mut args: cli::ReportArgs, aws: &cli::AwsArgs) -> Outcome {
    // Nothing named: the journal of this machine, as for `export`.
    if args.input.names_nothing() {
        args.input.file = vec![super::start::the_default_journal(None)?];
    }
    let (filter, pattern) = selection(&args.filter, &args.patterns, aws).await?;
    let when = |flag: &str, v: &Option<String>| -> Outcome<Option<jiff::Timestamp>> {
        let Some(text) = v else { return Ok(None) };
        if let Ok(t) = text.parse::<jiff::Timestamp>() {
            return Ok(Some(t));
        }
        match filter::parse_duration(text) {
            Ok(d) => Ok(jiff::Timestamp::now().checked_sub(d).ok()),
            Err(e) => {
                crate::say!(
                    "zdwatch: invalid {flag} '{}': {e}, or a time like 2026-03-01T08:00:00Z",
                    sanitize::sanitize(text)
                );
                Err(Stop::Usage)
            }
        }
    };
    let (from, to) = (when("--since", &args.since)?, when("--until", &args.until)?);
    let rule_pattern = pattern.as_ref().map(|p| p.text().to_string());
    let reading = Reading {
        rule_pattern: rule_pattern.as_deref(),
        ..Reading::new(Delivery::Peek, true)
    };
    let mut sources = start_sources(&args.input, aws, reading).await?;
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
    let written = match args.format {
        cli::ReportFormat::Json => {
            let text = serde_json::to_string_pretty(&report.json())?;
            writeln!(out, "{}", sanitize::json_text(&text))
        }
        cli::ReportFormat::Markdown => report.markdown(&mut out),
    }
    .and_then(|()| out.flush());
    match written {
        // `| head`: the reader has what it wanted.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}
