//! `zdwatch export`: the matching events of journals or captures, to stdout (nothing deleted).

use zdwatch_core::{filter, sanitize};
use zdwatch_sources::Delivery;

use super::start::{filter_flag, read_files, resolve_pattern, the_default_journal};
use super::tail::write_events;
use super::{Outcome, Stop};
use crate::{cli, headless};

/// `zdwatch export`: matching events of journals or captures, to stdout.
pub(crate) async fn run(args: cli::ExportArgs, aws: &cli::AwsArgs) -> Outcome {
    filter_flag(&args.filter)?;
    let pattern = resolve_pattern(&args.patterns, aws).await?;
    let mut text = args.filter.clone();
    if let Some(since) = &args.since {
        if let Err(e) = filter::parse_duration(since) {
            crate::say!(
                "zdwatch: invalid --since '{}': {e}",
                sanitize::sanitize(since)
            );
            return Err(Stop::Usage);
        }
        text = if text.trim().is_empty() {
            format!("since:{since}")
        } else {
            format!("since:{since} ({text})")
        };
    }
    let filter = filter_flag(&text)?;
    let files = if args.file.is_empty() {
        vec![the_default_journal(args.queue.as_deref())?]
    } else {
        args.file.clone()
    };
    let sources = read_files(files).await?;
    let opts = headless::TailOptions {
        format: args.format,
        filter,
        pattern,
        delivery: Delivery::Peek,
        max_events: None,
        idle_exit: None,
        raw_bytes: args.raw_bytes,
        mask: args.mask,
        journals: zdwatch_journal::Journals::default(),
    };
    write_events(sources, opts).await
}
