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
        (Some(q), _) if args.relay.is_some() => {
            let secret = std::env::var_os(zdwatch_relay::SECRET_VARIABLE)
                .filter(|s| !s.is_empty())
                .map(|s| zdwatch_relay::Secret::new(s.into_encoded_bytes()));
            let url = args.relay.as_deref().unwrap_or_default();
            let wait = args.wait.unsigned_abs();
            zdwatch_sources::doctor::relay(&options, url, q, secret, wait).await
        }
        (Some(q), _) => zdwatch_sources::doctor::queue(&options, q).await,
        (None, Some(b)) => zdwatch_sources::doctor::bus(&options, b).await,
        (None, None) => return Err(Stop::Usage),
    };
    let passed = all_passed(&checks);
    if args.format == cli::ResultFormat::Json {
        let (kind, target) = match (&args.queue, &args.bus) {
            (Some(q), _) if args.relay.is_some() => ("relay", args.relay.as_ref().unwrap_or(q)),
            (Some(q), _) => ("queue", q),
            (None, Some(b)) => ("bus", b),
            (None, None) => return Err(Stop::Usage),
        };
        let checks: Vec<serde_json::Value> = checks
            .iter()
            .map(|c| {
                let outcome = match c.outcome {
                    Outcome::Pass => "pass",
                    Outcome::Fail => "fail",
                    Outcome::Warn => "warn",
                    Outcome::Info => "info",
                };
                serde_json::json!({"check": c.what, "outcome": outcome, "detail": c.detail})
            })
            .collect();
        super::print_json(&serde_json::json!({
            "command": "doctor",
            kind: target,
            "passed": passed,
            "checks": checks,
        }));
    } else {
        for c in &checks {
            let mark = match c.outcome {
                Outcome::Pass => "✓",
                Outcome::Fail => "✗",
                Outcome::Warn => "!",
                Outcome::Info => "·",
            };
            println!("{mark} {:<12} {}", c.what, sanitize::sanitize(&c.detail));
        }
    }
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
