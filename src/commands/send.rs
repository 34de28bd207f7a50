//! `zdwatch send`: captures or demo traffic onto a queue or a bus, for testing a setup.

use std::process::ExitCode;
use std::time::Duration;

use zdwatch_core::sanitize;

use super::start::read_files;
use super::{Outcome, Stop};
use crate::cli;

/// `zdwatch send`: exit 0 when everything was sent, 1 when some entries were refused to the end.
pub(crate) async fn run(args: cli::SendArgs, aws: &cli::AwsArgs) -> Outcome {
    use zdwatch_sources::send::{BATCH, Sent, Target, looks_like_production, parse_rate};
    let rate = match parse_rate(&args.rate) {
        Ok(r) => r,
        Err(e) => {
            crate::say!("zdwatch: invalid --rate {}", sanitize::sanitize(&e));
            return Err(Stop::Usage);
        }
    };
    let options = aws.options();
    let (target, name) = match (&args.to_bus, &args.to_queue) {
        (Some(bus), _) => {
            if looks_like_production(bus) && !args.yes {
                crate::say!(
                    "zdwatch: {} looks like a production bus (its name has \"prod\", or it is Zendesk's partner bus); \
                     add --yes to send to it anyway",
                    sanitize::sanitize(bus)
                );
                return Err(Stop::Usage);
            }
            (Target::bus(&options, bus).await, bus)
        }
        (None, Some(queue)) => (Target::queue(&options, queue).await, queue),
        (None, None) => return Err(Stop::Usage),
    };
    let json = args.format == cli::ResultFormat::Json;
    let kind = if args.to_bus.is_some() {
        "bus"
    } else {
        "queue"
    };
    let report = |sent: &Sent, error: Option<String>| {
        if json {
            let refusals: Vec<&String> = sent.failed.iter().take(10).collect();
            super::print_json(&serde_json::json!({
                "command": "send",
                kind: name,
                "sent": sent.sent,
                "skipped": sent.skipped,
                "renamed_sources": sent.renamed,
                "refused": sent.failed.len(),
                "refusals": refusals,
                "error": error,
            }));
        }
    };
    let target = match target {
        Ok(t) => t,
        Err(problem) => {
            crate::say!("zdwatch: {}: {problem}", sanitize::sanitize(name));
            report(&Sent::default(), Some(problem.to_string()));
            return Err(Stop::Exit(ExitCode::FAILURE));
        }
    };
    let mut sent = Sent::default();
    let result = if args.demo {
        let total = (rate * args.duration.as_secs_f64()).round().max(0.0) as usize;
        // Fresh events (new ids) each run, unless a seed asks for the same ones again.
        let seed = args.seed.unwrap_or_else(rand::random);
        let bodies = demo_bodies(total, seed, jiff::Timestamp::now());
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
        let mut sources = read_files(args.file.clone()).await?;
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
        crate::say!("zdwatch: {}: {problem}", sanitize::sanitize(name));
        report(&sent, Some(problem.to_string()));
        return Err(Stop::Exit(ExitCode::FAILURE));
    }
    report(&sent, None);
    crate::say!(
        "zdwatch: sent {} events to {}{}{}{}",
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
        if sent.renamed > 0 {
            format!(
                "; {} Events Connector events went under source {}aws.partner/… (AWS refuses aws.* sources from PutEvents)",
                sent.renamed,
                zdwatch_sources::send::RENAMED_SOURCE_PREFIX
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

/// `n` deliveries of the demo simulation with `seed` that end at `end`: never in the future (a
/// consumer counts events by when they happened). The simulation runs once to learn how much
/// simulated time `n` deliveries take, then again from that long before `end`.
pub(crate) fn demo_bodies(n: usize, seed: u64, end: jiff::Timestamp) -> Vec<Vec<u8>> {
    let run = |start: jiff::Timestamp| {
        let mut sim = zdwatch_sources::demo::Simulator::new(seed, start);
        let mut out = Vec::with_capacity(n);
        let mut t = start;
        while out.len() < n {
            t = t
                .checked_add(jiff::SignedDuration::from_mins(1))
                .unwrap_or(t);
            out.extend(sim.advance(t));
        }
        out.truncate(n);
        out
    };
    let probe_start = jiff::Timestamp::UNIX_EPOCH;
    let span = run(probe_start)
        .last()
        .map_or(jiff::SignedDuration::ZERO, |d| {
            d.at.duration_since(probe_start)
        });
    let start = end.checked_sub(span).unwrap_or(end);
    run(start).into_iter().map(|d| d.body).collect()
}
