//! `zdwatch doctor`: checks a queue's or a bus's setup, a line per check.

use std::process::ExitCode;

use zdwatch_core::sanitize;

use super::{Outcome, Stop};
use crate::cli;

/// `zdwatch doctor`: a line per check; exit 0 only when every needed check passes.
pub(crate) async fn run(args: cli::DoctorArgs, aws: &cli::AwsArgs) -> Outcome {
    use zdwatch_sources::doctor::{Outcome, all_passed};
    let options = aws.options();
    let checks = match (&args.queue, &args.bus) {
        (Some(q), _) => zdwatch_sources::doctor::queue(&options, q).await,
        (None, Some(b)) => zdwatch_sources::doctor::bus(&options, b).await,
        (None, None) => return Err(Stop::Usage),
    };
    for c in &checks {
        let mark = match c.outcome {
            Outcome::Pass => "✓",
            Outcome::Fail => "✗",
            Outcome::Warn => "!",
            Outcome::Info => "·",
        };
        println!("{mark} {:<12} {}", c.what, sanitize::sanitize(&c.detail));
    }
    Ok(if all_passed(&checks) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
