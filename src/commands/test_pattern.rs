//! `zdwatch test-pattern`: which events an EventBridge pattern matches, and why not.

use std::io::Write;
use std::process::ExitCode;

use zdwatch_core::{event, sanitize};

use super::start::{read_files, resolve_pattern};
use super::{Outcome, Stop};
use crate::{cli, headless};

/// `zdwatch test-pattern`: exit 0 once the pattern is valid, whatever matched; 2 when it is not.
pub(crate) async fn run(args: cli::TestPatternArgs, aws: &cli::AwsArgs) -> Outcome {
    let Some(pattern) = resolve_pattern(&args.patterns, aws).await? else {
        return Err(Stop::Usage);
    };
    let events = match &args.event {
        Some(path) => {
            let body = if path.as_os_str() == "-" {
                let mut b = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut b).map(|_| b)
            } else {
                std::fs::read(path)
            };
            match body {
                Ok(body) => vec![event::decode(event::Received {
                    body,
                    message_id: None,
                    received_at: jiff::Timestamp::now(),
                })],
                Err(e) => {
                    crate::say!(
                        "zdwatch: cannot read {}: {e}",
                        sanitize::sanitize(&path.to_string_lossy())
                    );
                    return Err(Stop::Exit(ExitCode::FAILURE));
                }
            }
        }
        None => {
            let sources = read_files(args.file.clone()).await?;
            headless::report::collect(sources, None).await
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let how = headless::test_pattern::How {
        explain: args.explain,
        format: args.format,
        mask: args.mask,
    };
    let written = headless::test_pattern::write(&pattern, &events, how, &mut out);
    // Near misses across all of them: why a rule that never fires does not (masked values when
    // masking, as everywhere else).
    let bodies: Vec<Vec<u8>> = events
        .iter()
        .map(|e| {
            if args.mask {
                event::mask::body(&e.raw, &e.kind)
            } else {
                e.raw.clone()
            }
        })
        .collect();
    let near = pattern.near_misses(bodies.iter().map(Vec::as_slice));
    let written = written.and_then(|matched| {
        if args.format == cli::PatternFormat::Json {
            // After the events, one summary document: what a script needs to say why a rule
            // never fires.
            let summary = serde_json::json!({"summary": {
                "events": events.len(),
                "matched": matched,
                "near_misses": near.iter().map(|(n, why)| serde_json::json!({"events": n, "why": why})).collect::<Vec<_>>(),
            }});
            let text = serde_json::to_string(&summary)?;
            writeln!(out, "{}", sanitize::json_text(&text))?;
        }
        out.flush().map(|()| matched)
    });
    let matched = match written {
        Ok(matched) => matched,
        // `| head`: the reader has what it wanted.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        Err(e) => return Err(e.into()),
    };
    crate::say!("zdwatch: {matched} of {} events match", events.len());
    for (n, hint) in near {
        crate::say!(
            "zdwatch: {n} events nearly match: {}",
            sanitize::sanitize(&hint)
        );
    }
    Ok(ExitCode::SUCCESS)
}
