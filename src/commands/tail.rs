//! `zdwatch tail`: events from queues, files or the demo as lines on stdout, each message
//! acknowledged only once its line is flushed (and stored, with a journal).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use zdwatch_sources::Delivery;

use super::Outcome;
use super::start::{Reading, detach, selection, start_reading, status_printer};
use crate::{cli, headless};

pub(crate) async fn run(args: cli::TailArgs, aws: &cli::AwsArgs) -> Outcome {
    let (filter, pattern) = selection(&args.filter, &args.patterns, aws).await?;
    let delivery = if args.input.peek {
        Delivery::Peek
    } else {
        Delivery::Consume
    };
    let rule_pattern = pattern.as_ref().map(|p| p.text().to_string());
    let idle_exit = args
        .idle_exit
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64);
    let (mut sources, journals) = start_reading(
        &args.input,
        &args.journal,
        aws,
        Reading {
            rule_pattern: rule_pattern.as_deref(),
            idle_exit,
            ..Reading::new(delivery, !filter.is_empty() || pattern.is_some())
        },
    )
    .await?;
    let attachments = std::mem::take(&mut sources.attachments);
    let opts = headless::TailOptions {
        format: args.format,
        filter,
        pattern,
        delivery,
        max_events: args.max_events,
        idle_exit,
        raw_bytes: args.raw_bytes,
        mask: args.mask,
        journals,
    };
    let written = write_events(sources, opts).await;
    let clean = detach(attachments, args.input.keep).await;
    let code = written?;
    Ok(if clean { code } else { ExitCode::FAILURE })
}

/// Runs the headless writer to stdout and turns its report into an exit code.
pub(crate) async fn write_events(
    sources: zdwatch_sources::SourceSet,
    opts: headless::TailOptions,
) -> Outcome {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let report = headless::tail(sources, opts, &mut out, status_printer())
        .await
        .context("writing to stdout")?;
    if report.broken_pipe {
        return Ok(ExitCode::SUCCESS);
    }
    out.flush().context("writing to stdout")?;
    if std::io::stderr().is_terminal() {
        crate::say!(
            "zdwatch: {} events written, {} duplicates suppressed, {} filtered out, {} malformed, {} unrecognized",
            report.written,
            report.duplicates,
            report.filtered_out,
            report.malformed,
            report.unrecognized
        );
    }
    // A journal that stopped taking events means messages were left on the queue: not a clean run.
    Ok(
        if report.failed_sources.is_empty() && report.journal_error.is_none() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        },
    )
}
