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
    if let Some(url) = &args.to_webhook {
        return to_webhook(&args, url, rate).await;
    }
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

/// `send --to-webhook`: each webhook event of the bodies posted to a relay as Zendesk would post
/// it; exit 0 when the relay took every one.
async fn to_webhook(args: &cli::SendArgs, url: &str, rate: f64) -> Outcome {
    use zdwatch_sources::webhook::{Posted, Webhook, webhook_payload};
    let variable = zdwatch_relay::SECRET_VARIABLE;
    let Some(secret) = std::env::var_os(variable).filter(|s| !s.is_empty()) else {
        crate::say!(
            "zdwatch: --to-webhook signs as Zendesk does: set {variable} to the webhook's signing secret"
        );
        return Err(Stop::Usage);
    };
    let webhook = match Webhook::new(url, zdwatch_relay::Secret::new(secret.into_encoded_bytes())) {
        Ok(w) => w,
        Err(why) => {
            crate::say!(
                "zdwatch: --to-webhook {}: {}",
                sanitize::sanitize(url),
                sanitize::sanitize(&why)
            );
            return Err(Stop::Usage);
        }
    };
    let mut posted = Posted::default();
    let post = async |body: &[u8], posted: &mut Posted| match webhook_payload(body) {
        Some(payload) => webhook.post(&payload, posted).await,
        None => posted.skipped += 1,
    };
    if args.demo {
        let total = (rate * args.duration.as_secs_f64()).round().max(0.0) as usize;
        let seed = args.seed.unwrap_or_else(rand::random);
        let bodies = demo_bodies(total, seed, jiff::Timestamp::now());
        let start = std::time::Instant::now();
        for (i, body) in bodies.iter().enumerate() {
            // Paced: the i-th event goes no earlier than the rate allows.
            let due = Duration::try_from_secs_f64(i as f64 / rate).unwrap_or(Duration::MAX);
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                tokio::time::sleep(wait).await;
            }
            post(body, &mut posted).await;
        }
    } else {
        let mut sources = read_files(args.file.clone()).await?;
        while let Some(event) = sources.events.recv().await {
            if let zdwatch_sources::SourceEvent::Batch(batch) = event {
                for m in batch {
                    post(&m.body, &mut posted).await;
                }
            }
        }
        sources.shutdown().await;
    }
    if args.format == cli::ResultFormat::Json {
        let refusals: Vec<&String> = posted.failed.iter().take(10).collect();
        super::print_json(&serde_json::json!({
            "command": "send",
            "webhook": url,
            "sent": posted.sent,
            "skipped": posted.skipped,
            "retries": posted.retries,
            "refused": posted.failed.len(),
            "refusals": refusals,
        }));
    }
    crate::say!(
        "zdwatch: posted {} webhook events to {}{}{}{}",
        posted.sent,
        sanitize::sanitize(url),
        if posted.retries > 0 {
            format!("; {} retries the answers asked for", posted.retries)
        } else {
            String::new()
        },
        if posted.skipped > 0 {
            format!(
                "; skipped {} bodies with no webhook event (Events Connector events have no webhook form)",
                posted.skipped
            )
        } else {
            String::new()
        },
        if posted.failed.is_empty() {
            String::new()
        } else {
            format!(
                "; {} not taken, e.g. {}",
                posted.failed.len(),
                sanitize::sanitize(&posted.failed[0])
            )
        }
    );
    Ok(if posted.failed.is_empty() {
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
