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
                if args.format == cli::ResultFormat::Json {
                    super::print_json(&serde_json::json!({
                        "command": "gc", "bus": args.bus, "error": problem.to_string(),
                    }));
                }
                return Err(Stop::Exit(ExitCode::FAILURE));
            }
        };
    if args.format == cli::ResultFormat::Json {
        let action = if args.dry_run {
            "would_remove"
        } else {
            "removed"
        };
        let mut actions: Vec<serde_json::Value> = Vec::new();
        for rule in &found.rules {
            actions.push(serde_json::json!({"kind": "rule", "name": rule, "outcome": action}));
        }
        for queue in &found.queues {
            actions.push(serde_json::json!({"kind": "queue", "url": queue, "outcome": action}));
        }
        for problem in &found.problems {
            actions.push(serde_json::json!({"outcome": "failed", "detail": problem}));
        }
        super::print_json(&serde_json::json!({
            "command": "gc",
            "bus": args.bus,
            "older_than": format!("{:#}", args.older_than),
            "dry_run": args.dry_run,
            "actions": actions,
        }));
        return Ok(if found.problems.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
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
