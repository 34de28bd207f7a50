//! The subcommands that act on AWS rather than read events: `zdwatch send` and `zdwatch gc`.

use std::process::ExitCode;
use std::time::Duration;

use crate::cli;
use crate::setup::read_files;
use crate::{DEMO_SEED, EXIT_USAGE};
use zdwatch_core::sanitize;
use zdwatch_sources::sqs::AwsOptions;

/// `zdwatch gc`: removes zdwatch's leftover rules and queues; exit 1 when some could not be.
pub(crate) async fn gc(args: cli::GcArgs, aws: &cli::AwsArgs) -> anyhow::Result<ExitCode> {
    let options = aws_options(aws);
    let found =
        match zdwatch_sources::bus::gc(&options, &args.bus, args.older_than, args.dry_run).await {
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
pub(crate) async fn send(args: cli::SendArgs, aws: &cli::AwsArgs) -> anyhow::Result<ExitCode> {
    use zdwatch_sources::send::{BATCH, Sent, Target, looks_like_production, parse_rate};
    let rate = match parse_rate(&args.rate) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("zdwatch: invalid --rate {}", sanitize::sanitize(&e));
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    let options = aws_options(aws);
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
            if let zdwatch_sources::SourceEvent::Batch(batch) = event {
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
pub(crate) fn demo_bodies(n: usize) -> Vec<Vec<u8>> {
    let start = jiff::Timestamp::now();
    let mut sim = zdwatch_sources::demo::Simulator::new(DEMO_SEED, start);
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

/// `zdwatch doctor`: a line per check; exit 0 only when every needed check passes.
pub(crate) async fn doctor(args: cli::DoctorArgs, aws: &cli::AwsArgs) -> anyhow::Result<ExitCode> {
    use zdwatch_sources::doctor::{Outcome, all_passed};
    let options = aws_options(aws);
    let checks = match (&args.queue, &args.bus) {
        (Some(q), _) => zdwatch_sources::doctor::queue(&options, q).await,
        (None, Some(b)) => zdwatch_sources::doctor::bus(&options, b).await,
        (None, None) => return Ok(ExitCode::from(EXIT_USAGE)),
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

fn aws_options(aws: &cli::AwsArgs) -> AwsOptions {
    AwsOptions {
        profile: aws.profile.clone(),
        region: aws.region.clone(),
        endpoint_url: aws.endpoint_url.clone(),
    }
}
