//! Replays from the bus's archive into one attachment's rule: `--replay-since` (history), and the
//! attachment's own first minute, which AWS may not deliver while it applies the new queue policy.
//!
//! What AWS documents and this follows:
//! - a replay sends only to the rules named in `FilterArns`, and only events of `[start, end)` by
//!   their `time`, a minute at a time; DescribeReplay says STARTING → RUNNING → COMPLETED (or
//!   CANCELLING → CANCELLED, FAILED) and how far it got (`EventLastReplayedTime`);
//! - "there may be a delay between an event being received on an event bus and the event
//!   arriving in the archive. We recommend you delay replaying archived events for 10 minutes";
//! - an account runs a limited number of replays at once per region (10): more are refused with
//!   `LimitExceededException`;
//! - only an ENABLED archive can be replayed, and an archive with a pattern of its own keeps only
//!   what that pattern selects.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_eventbridge::types::{ArchiveState, ReplayDestination};
use jiff::{SignedDuration, Timestamp};
use zdwatch_core::pattern::Pattern;

use super::super::sqs::classify;
use super::super::{
    Problem, ProblemKind, ReplayProgress, SourceContext, SourceEvent, SourceStatus,
};
use super::Attachment;

/// AWS can take up to a minute to apply a new queue policy everywhere; EventBridge does not retry
/// what the queue refused in that time.
pub const POLICY_DELAY: SignedDuration = SignedDuration::from_secs(60);
/// AWS's advice: wait this long before replaying, so that every event has reached the archive.
pub const ARCHIVE_DELAY: SignedDuration = SignedDuration::from_secs(600);
/// Test hook: milliseconds to wait before the first minute is replayed (instead of
/// [`POLICY_DELAY`] + [`ARCHIVE_DELAY`]), so that tests need not wait eleven minutes.
const FIRST_MINUTE_AFTER_VARIABLE: &str = "ZDWATCH_FIRST_MINUTE_REPLAY_AFTER_MS";

/// The archive a replay comes from, and how much of what the rule wants it holds.
#[derive(Clone, Debug)]
pub struct Archive {
    pub name: String,
    arn: String,
    bus_arn: String,
    pub holds: Holds,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holds {
    /// No pattern of its own: every event of the bus.
    Everything,
    /// Its pattern lets through everything the rule's does.
    AllTheRuleWants,
    /// Its pattern may leave out some of what the rule wants.
    Part,
}

impl Archive {
    /// The archive's name, with what it cannot give when that is not everything.
    pub fn described(&self) -> String {
        match self.holds {
            Holds::Everything => self.name.clone(),
            Holds::AllTheRuleWants => {
                format!(
                    "{} (its pattern keeps everything the rule takes)",
                    self.name
                )
            }
            Holds::Part => format!(
                "{} (it keeps only the events its own pattern selects: those the rule wants and it does not keep cannot be replayed)",
                self.name
            ),
        }
    }
}

impl Attachment {
    /// The ENABLED archive of the bus that holds the most of what this rule wants: one without a
    /// pattern, else one whose pattern covers the rule's, else (said) one that keeps a part.
    pub async fn archive(&self) -> Result<Archive, Problem> {
        let eb = &self.clients.eb;
        let bus_arn = eb
            .describe_event_bus()
            .name(&self.bus)
            .send()
            .await
            .map_err(|e| classify(&e))?
            .arn
            .unwrap_or_default();
        let archives = crate::pages::archives(eb, &bus_arn).await?;
        let names: Vec<String> = archives
            .iter()
            .filter(|a| a.state == Some(ArchiveState::Enabled))
            .filter_map(|a| a.archive_name.clone())
            .collect();
        if names.is_empty() {
            let why = if archives.is_empty() {
                "has no archive: there is no history to replay"
            } else {
                "has no ENABLED archive: there is no history to replay now"
            };
            return Err(Problem::new(
                ProblemKind::Other,
                format!("bus {} {why}", self.bus),
            ));
        }
        let rule = Pattern::compile(&self.pattern).ok();
        let mut best: Option<Archive> = None;
        for name in names {
            let out = eb
                .describe_archive()
                .archive_name(&name)
                .send()
                .await
                .map_err(|e| classify(&e))?;
            let holds = match out.event_pattern().filter(|p| !p.trim().is_empty()) {
                None => Holds::Everything,
                Some(own) => match (Pattern::compile(own), &rule) {
                    (Ok(own), Some(rule)) if own.covers(rule) => Holds::AllTheRuleWants,
                    _ => Holds::Part,
                },
            };
            let candidate = Archive {
                name,
                arn: out.archive_arn.unwrap_or_default(),
                bus_arn: bus_arn.clone(),
                holds,
            };
            let rank = |h: Holds| match h {
                Holds::Everything => 0,
                Holds::AllTheRuleWants => 1,
                Holds::Part => 2,
            };
            if best.as_ref().is_none_or(|b| rank(holds) < rank(b.holds)) {
                best = Some(candidate);
            }
            if holds == Holds::Everything {
                break;
            }
        }
        best.ok_or_else(|| Problem::new(ProblemKind::Other, "no archive to replay from"))
    }

    /// `--replay-since`: replays `[from, to)` of `archive` to this attachment's rule only
    /// (StartReplay with FilterArns), so the history arrives in this queue alone.
    pub async fn replay(
        &mut self,
        archive: &Archive,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<(), Problem> {
        let name = self.name.clone();
        start(
            &self.clients.eb,
            archive,
            &self.rule_arn,
            &name,
            (from, to),
            &self.replays,
        )
        .await
    }

    /// Closes the gap of the first minute: when the bus has an archive (`archive`, as
    /// [`Attachment::archive`] found it), the stretch from the start of attaching to a minute after
    /// the target was added is replayed to this rule once the archive has it (AWS's ten minutes),
    /// unless zdwatch stops first. Returns what to tell the user now.
    pub fn cover_first_minute(
        &mut self,
        archive: Result<&Archive, &Problem>,
        ctx: SourceContext,
    ) -> String {
        let archive = match archive {
            Ok(a) => a.clone(),
            Err(p) => {
                return format!(
                    "AWS can take up to a minute to apply the new queue policy: events of that first minute may be missing ({})",
                    p.detail
                );
            }
        };
        let from = self.attaching_since;
        let to = self
            .wired_at
            .saturating_add(POLICY_DELAY)
            .unwrap_or(self.wired_at);
        let wait = std::env::var(FIRST_MINUTE_AFTER_VARIABLE)
            .ok()
            .and_then(|ms| ms.parse::<u64>().ok())
            .map_or(POLICY_DELAY + ARCHIVE_DELAY, |ms| {
                SignedDuration::from_millis(i64::try_from(ms).unwrap_or(i64::MAX))
            });
        let at = self.wired_at.saturating_add(wait).unwrap_or(self.wired_at);
        *lock(&self.first_minute) = Some((from, to));
        let eb = self.clients.eb.clone();
        let rule_arn = self.rule_arn.clone();
        let name = format!("{}-first-minute", self.name);
        let replays = Arc::clone(&self.replays);
        let state = Arc::clone(&self.first_minute);
        let note = format!(
            "AWS can take up to a minute to apply the new queue policy: events of that first minute are replayed from archive {} at {} (AWS advises waiting 10 minutes for the archive to have them)",
            archive.described(),
            at.strftime("%H:%M:%S UTC")
        );
        ctx.tasks.clone().spawn(async move {
            let wait = Duration::try_from(at.duration_since(Timestamp::now())).unwrap_or_default();
            tokio::select! {
                () = ctx.cancel.cancelled() => return,
                () = tokio::time::sleep(wait) => {}
            }
            // Never a window that ends in the future.
            let to = to.min(Timestamp::now());
            let started = start(&eb, &archive, &rule_arn, &name, (from, to), &replays).await;
            // Started or refused (said below): no longer due.
            *lock(&state) = None;
            match started {
                Ok(()) => watch(eb, name, ctx),
                Err(p) => {
                    let status = SourceStatus::Replay(ReplayProgress {
                        state: "FAILED".into(),
                        percent: None,
                        reason: Some(format!("the first minute could not be replayed: {p}")),
                    });
                    let _ = ctx.tx.send(SourceEvent::Status(ctx.id, status)).await;
                }
            }
        });
        note
    }

    /// When zdwatch stops before the first minute was replayed: what it missed, and the command
    /// that brings it.
    pub fn first_minute_left(&self) -> Option<String> {
        let (from, to) = (*lock(&self.first_minute))?;
        let second = |t: Timestamp| t.round(jiff::Unit::Second).unwrap_or(t);
        Some(format!(
            "the first minute after attaching ({} to {}) was not replayed: zdwatch stopped before the archive could be trusted to have it; `zdwatch --bus {} --replay-from {} --replay-to {}` brings it",
            second(from),
            second(to),
            self.bus,
            second(from),
            second(to)
        ))
    }

    /// Follows the replay of `--replay-since` (see [`watch`]).
    pub fn watch_replay(&self, ctx: SourceContext) {
        watch(self.clients.eb.clone(), self.name.clone(), ctx);
    }

    /// Cancels the replays still running: they would go on sending to a rule that is about to go.
    pub(super) async fn cancel_replays(&self) {
        let names = std::mem::take(&mut *lock(&self.replays));
        for name in names {
            // One that has ended cannot be cancelled (IllegalStatusException): nothing to do then.
            match self
                .clients
                .eb
                .cancel_replay()
                .replay_name(&name)
                .send()
                .await
            {
                Ok(_) => tracing::info!(replay = %name, "cancelled the replay"),
                Err(e) => {
                    tracing::debug!(replay = %name, error = %classify(&e), "no replay to cancel")
                }
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn start(
    eb: &aws_sdk_eventbridge::Client,
    archive: &Archive,
    rule_arn: &str,
    name: &str,
    (from, to): (Timestamp, Timestamp),
    replays: &Mutex<Vec<String>>,
) -> Result<(), Problem> {
    let destination = ReplayDestination::builder()
        .arn(&archive.bus_arn)
        .filter_arns(rule_arn)
        .build()
        .map_err(|e| Problem::new(ProblemKind::Other, e.to_string()))?;
    let seconds =
        |t: Timestamp| aws_sdk_eventbridge::primitives::DateTime::from_secs(t.as_second());
    eb.start_replay()
        .replay_name(name)
        .event_source_arn(&archive.arn)
        .event_start_time(seconds(from))
        .event_end_time(seconds(to))
        .destination(destination)
        .send()
        .await
        .map_err(|e| refused(&classify(&e)))?;
    lock(replays).push(name.to_string());
    Ok(())
}

/// Follows a replay (DescribeReplay every two seconds) and reports each change as the source's
/// status, until it ends or the source stops.
fn watch(eb: aws_sdk_eventbridge::Client, name: String, ctx: SourceContext) {
    ctx.tasks.clone().spawn(async move {
        let mut last: Option<ReplayProgress> = None;
        loop {
            let progress = match eb.describe_replay().replay_name(&name).send().await {
                Ok(out) => progress(&out),
                Err(e) => ReplayProgress {
                    state: "UNKNOWN".into(),
                    percent: None,
                    reason: Some(classify(&e).detail),
                },
            };
            if last.as_ref() != Some(&progress) {
                let status = SourceStatus::Replay(progress.clone());
                if ctx
                    .tx
                    .send(SourceEvent::Status(ctx.id, status))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            if progress.ended() {
                return;
            }
            last = Some(progress);
            tokio::select! {
                () = ctx.cancel.cancelled() => return,
                () = tokio::time::sleep(Duration::from_secs(2)) => {}
            }
        }
    });
}

fn progress(
    out: &aws_sdk_eventbridge::operation::describe_replay::DescribeReplayOutput,
) -> ReplayProgress {
    let time = |t: Option<&aws_sdk_eventbridge::primitives::DateTime>| {
        t.and_then(|t| Timestamp::from_second(t.secs()).ok())
    };
    let percent = match (
        time(out.event_start_time()),
        time(out.event_end_time()),
        time(out.event_last_replayed_time()),
    ) {
        (Some(start), Some(end), Some(last)) => Some(ReplayProgress::percent_of(start, end, last)),
        _ => None,
    };
    ReplayProgress {
        state: out
            .state()
            .map_or_else(|| "UNKNOWN".to_string(), |s| s.as_str().to_string()),
        percent,
        reason: out.state_reason().map(str::to_string),
    }
}

/// A refusal because too many replays run in the account says so.
fn refused(p: &Problem) -> Problem {
    if p.detail.starts_with("LimitExceededException") {
        return Problem::new(
            ProblemKind::Other,
            format!(
                "{}: EventBridge runs only so many replays at once per account and region (10), and \
                 that many are running; wait for one to end (aws events list-replays --state \
                 RUNNING) or cancel one (aws events cancel-replay), then start zdwatch again",
                p.detail
            ),
        );
    }
    p.clone()
}
