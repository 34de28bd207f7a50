//! `zdwatch gc`: removes zdwatch's leftover rules and personal queues on a bus.

use std::process::ExitCode;

use zdwatch_core::sanitize;

use super::{Outcome, Stop};
use crate::cli;

/// `zdwatch gc`: removes zdwatch's leftover rules and queues; exit 1 when some could not be.
pub(crate) async fn run(args: cli::GcArgs, aws: &cli::AwsArgs) -> Outcome {
    let options = aws.options();
    let found =
        match zdwatch_sources::bus::gc(&options, &args.bus, args.older_than, args.dry_run).await {
            Ok(f) => f,
            Err(problem) => {
                crate::say!("zdwatch: gc: {problem}");
                return Err(Stop::Exit(ExitCode::FAILURE));
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
        crate::say!("zdwatch: gc: {}", sanitize::sanitize(p));
    }
    if found.rules.is_empty() && found.queues.is_empty() {
        crate::say!("zdwatch: nothing of zdwatch's older than that");
    }
    Ok(if found.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
