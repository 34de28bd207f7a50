//! The SQS source: pollers (poll.rs), the ack task (acks.rs), clients and errors (client.rs),
//! and in consume mode the task that keeps waiting messages hidden (visibility.rs).
//!
//! Pollers long-poll the queue (20 s, 10 messages); with no `--pollers N` their number adapts:
//! another starts while batches come back full, extra ones retire on an empty receive.
//! A message is deleted (consume) or released (peek) only when the core sends an [`Ack`].

mod acks;
mod backoff;
mod client;
mod poll;
mod visibility;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::QueueAttributeName;
use tokio::sync::mpsc;

use acks::acknowledge;
pub use client::{AwsOptions, classify, client, queue_url, region_of, sdk_config};
use client::{client_and_warning, without_retries};
use poll::spawn_poller;

use super::{Ack, Delivery, Problem, SourceContext, SourceEvent, SourceSetBuilder, SourceStatus};

#[derive(Clone, Debug)]
pub struct SqsOptions {
    pub delivery: Delivery,
    /// A fixed number of pollers; `None` adapts between 1 and `max_pollers`.
    pub pollers: Option<usize>,
    pub max_pollers: usize,
    /// Tell the user when a redrive policy could move messages to a dead-letter queue
    /// because zdwatch receives them without deleting (peek, or a filter in consume mode).
    pub warn_redrive: bool,
    /// Report the queue's approximate depth every [`DEPTH_EVERY`] (for the dashboard).
    pub watch_depth: bool,
    /// A filter gives back the messages it skips (received, not deleted): refused on FIFO queues.
    pub filtered: bool,
    /// Consume mode: seconds a received message stays hidden (extended while it waits); `None`:
    /// the queue's own VisibilityTimeout.
    pub visibility: Option<u32>,
    /// Consume mode: the longest a long poll may wait (`--idle-exit`, so that a quiet queue is
    /// answered for within it); rounded up to whole seconds, 1–20. `None`: 20 s.
    pub long_poll: Option<Duration>,
}

impl Default for SqsOptions {
    fn default() -> Self {
        SqsOptions {
            delivery: Delivery::Consume,
            pollers: None,
            max_pollers: 8,
            warn_redrive: false,
            watch_depth: false,
            filtered: false,
            visibility: None,
            long_poll: None,
        }
    }
}

const WAIT_SECONDS: i32 = 20;
pub const DEPTH_EVERY: Duration = Duration::from_secs(5);
const MAX_MESSAGES: i32 = 10;
/// Tries for one batch of acknowledgements before its messages are left to come back.
const ACK_ATTEMPTS: u32 = 6;

/// Resolves the queue, checks it, and starts its pollers and ack task.
/// Errors here (no such queue, no credentials) stop zdwatch before anything runs.
pub async fn start(
    queue: &str,
    aws: &AwsOptions,
    opts: SqsOptions,
    sources: &mut SourceSetBuilder,
) -> Result<(), Problem> {
    let (client, other_region) = client_and_warning(aws, queue).await?;
    let url = queue_url(&client, queue).await?;
    let fifo_warning = fifo(&url, &opts)?;
    let (ack_tx, ack_rx) = mpsc::channel::<Ack>(super::CHANNEL_CAPACITY);
    let ctx = sources.add(url.clone(), Some(ack_tx), true);
    if let Some(warning) = other_region {
        let _ = ctx
            .tx
            .send(SourceEvent::Status(ctx.id, SourceStatus::Warning(warning)))
            .await;
    }

    if let Some(warning) = fifo_warning {
        let _ = ctx
            .tx
            .send(SourceEvent::Status(ctx.id, SourceStatus::Warning(warning)))
            .await;
    }

    if opts.warn_redrive {
        if let Some(warning) = redrive_warning(&client, &url, opts.delivery).await {
            let _ = ctx
                .tx
                .send(SourceEvent::Status(ctx.id, SourceStatus::Warning(warning)))
                .await;
        }
    }

    let visibility = opts
        .visibility
        .map(|secs| i32::try_from(secs.clamp(1, 43_200)).unwrap_or(30));
    let fixed = opts.pollers.map(|n| n.max(1));
    let shared = Arc::new(Shared {
        client: RwLock::new(without_retries(&client)),
        aws: aws.clone(),
        queue: queue.to_string(),
        url,
        delivery: opts.delivery,
        long_poll: opts.long_poll.map_or(WAIT_SECONDS, |at_most| {
            let secs = at_most.as_secs() + u64::from(at_most.subsec_nanos() > 0);
            i32::try_from(secs).map_or(WAIT_SECONDS, |s| s.clamp(1, WAIT_SECONDS))
        }),
        adaptive: fixed.is_none(),
        max: fixed.unwrap_or(opts.max_pollers.max(1)),
        active: AtomicUsize::new(0),
        seen: Mutex::new(HashSet::new()),
        visibility,
        hidden: Mutex::new(HashMap::new()),
        ctx,
    });
    if opts.delivery == Delivery::Consume {
        shared
            .ctx
            .tasks
            .spawn(visibility::keep_hidden(shared.clone()));
    }
    if opts.watch_depth {
        shared.ctx.tasks.spawn(watch_depth(shared.clone()));
    }
    shared.ctx.tasks.spawn(acknowledge(shared.clone(), ack_rx));
    for _ in 0..fixed.unwrap_or(1) {
        spawn_poller(&shared);
    }
    Ok(())
}

/// What reading a FIFO queue this way does to its message groups: refused when a filter would
/// give back the messages it skips (SQS then holds back the rest of their group — a ticket's
/// later events — until they are received again, over and over); said when peeking.
fn fifo(url: &str, opts: &SqsOptions) -> Result<Option<String>, Problem> {
    if !crate::send::is_fifo(url) {
        return Ok(None);
    }
    match opts.delivery {
        Delivery::Consume if opts.filtered => Err(Problem::new(
            crate::ProblemKind::Other,
            "this is a FIFO queue: a filter in consume mode gives back the messages it skips, and SQS \
             then holds back every later message of their group until they are received again, over \
             and over. Read it without --filter/--pattern (filter with jq or in the monitor), or with --peek",
        )),
        Delivery::Peek => Ok(Some(
            "FIFO queue: each peeked message is given back at once, but while zdwatch holds a message \
             group's messages (a second at most) other consumers get nothing from that group, and every \
             peek counts as a receive"
                .to_string(),
        )),
        Delivery::Consume => Ok(None),
    }
}

/// The queue's own VisibilityTimeout (SQS's default, 30 s, when it cannot be read).
pub(super) async fn queue_visibility(client: &Client, url: &str) -> i32 {
    client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::VisibilityTimeout)
        .send()
        .await
        .ok()
        .and_then(|out| out.attributes)
        .and_then(|mut a| a.remove(&QueueAttributeName::VisibilityTimeout))
        .and_then(|v| v.parse::<i32>().ok())
        .filter(|v| *v > 0)
        .unwrap_or(30)
}

async fn redrive_warning(client: &Client, url: &str, delivery: Delivery) -> Option<String> {
    let out = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::RedrivePolicy)
        .send()
        .await
        .ok()?;
    let policy = out.attributes?.remove(&QueueAttributeName::RedrivePolicy)?;
    let max: u64 = serde_json::from_str::<serde_json::Value>(&policy)
        .ok()?
        .get("maxReceiveCount")
        .and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })?;
    let why = match delivery {
        Delivery::Peek => "every peek counts as a receive",
        Delivery::Consume => "messages the filter skips are received without being deleted",
    };
    Some(format!(
        "this queue moves a message to its dead-letter queue after {max} receives, and {why}: messages may end up in the DLQ"
    ))
}

/// Sends the queue's approximate depth now and every [`DEPTH_EVERY`]. A failed request is only
/// logged: the pollers report the same problems with their retries.
async fn watch_depth(shared: Arc<Shared>) {
    let (id, tx, cancel) = (shared.ctx.id, &shared.ctx.tx, &shared.ctx.cancel);
    loop {
        let request = shared
            .client()
            .get_queue_attributes()
            .queue_url(&shared.url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send();
        let result = tokio::select! {
            _ = cancel.cancelled() => return,
            r = request => r,
        };
        match result {
            Ok(out) => {
                let attrs = out.attributes.unwrap_or_default();
                let number = |name: &QueueAttributeName| {
                    attrs
                        .get(name)
                        .and_then(|v| v.parse::<u64>().ok())
                        .unwrap_or(0)
                };
                let depth = SourceStatus::Depth {
                    visible: number(&QueueAttributeName::ApproximateNumberOfMessages),
                    in_flight: number(&QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
                };
                if tx.send(SourceEvent::Status(id, depth)).await.is_err() {
                    return;
                }
            }
            Err(e) => {
                tracing::debug!(queue = %shared.url, error = %DisplayErrorContext(&e), "queue attributes failed")
            }
        }
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(DEPTH_EVERY) => {}
        }
    }
}

struct Shared {
    /// Replaced when the credentials expire, so that refreshed ones are read again.
    client: RwLock<Client>,
    /// How the client was made (to make it again).
    aws: AwsOptions,
    queue: String,
    url: String,
    delivery: Delivery,
    /// Consume mode: how long a receive waits for messages, in seconds.
    long_poll: i32,
    adaptive: bool,
    max: usize,
    active: AtomicUsize,
    /// Peek mode: message ids already received: those that come back are released here, and
    /// the pollers slow down while only they come back.
    seen: Mutex<HashSet<String>>,
    /// Consume mode: the VisibilityTimeout each receive asks for, in seconds (`None`: the
    /// queue's own, read only when a commit is slow enough to need it).
    visibility: Option<i32>,
    /// Consume mode: receipts handed over and not yet acknowledged, with when they were received
    /// and last made hidden again (`visibility.rs`).
    hidden: Mutex<HashMap<String, (Instant, Instant)>>,
    ctx: SourceContext,
}

impl Shared {
    fn client(&self) -> Client {
        match self.client.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// After an expired-credentials answer: a new client reads the credentials again (the
    /// profile, the SSO cache, the environment), so that `aws sso login` is enough.
    async fn reload_credentials(&self) {
        match client_and_warning(&self.aws, &self.queue).await {
            Ok((client, _)) => {
                let client = without_retries(&client);
                match self.client.write() {
                    Ok(mut c) => *c = client,
                    Err(poisoned) => *poisoned.into_inner() = client,
                }
                tracing::info!(queue = %self.url, "AWS configuration and credentials loaded again");
            }
            Err(problem) => {
                tracing::debug!(queue = %self.url, %problem, "reloading the AWS configuration failed")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use backoff::Backoff;
    use poll::retire;
    use std::sync::atomic::Ordering;

    #[test]
    fn region_comes_from_urls_and_arns() {
        let cases = [
            (
                "https://sqs.eu-west-1.amazonaws.com/123456789012/zd-debug",
                Some("eu-west-1"),
            ),
            (
                "https://us-east-2.queue.amazonaws.com/123456789012/zd-debug",
                Some("us-east-2"),
            ),
            (
                "arn:aws:sqs:ap-southeast-2:123456789012:zd-debug",
                Some("ap-southeast-2"),
            ),
            ("http://127.0.0.1:5000/123456789012/zd-debug", None),
            ("zd-debug", None),
            (
                "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/zd-debug",
                Some("cn-north-1"),
            ),
            (
                "arn:aws-cn:sqs:cn-northwest-1:123:q",
                Some("cn-northwest-1"),
            ),
            (
                "https://sqs-fips.us-gov-west-1.amazonaws.com/123456789012/q",
                Some("us-gov-west-1"),
            ),
            (
                "https://sqs.eu-west-1.api.aws/123456789012/q",
                Some("eu-west-1"),
            ),
            (
                "https://vpce-0a1b-c2d3.sqs.eu-central-1.vpce.amazonaws.com/123456789012/q",
                Some("eu-central-1"),
            ),
            (
                "https://queue.amazonaws.com/123456789012/q",
                Some("us-east-1"),
            ),
            ("https://sqs.example.com/123456789012/q", None),
        ];
        for (queue, want) in cases {
            assert_eq!(region_of(queue).as_deref(), want, "{queue}");
        }
    }

    #[test]
    fn fips_and_dual_stack_hosts_are_recognised() {
        let host = client::queue_host("https://sqs-fips.us-east-1.amazonaws.com/1/q");
        assert!(host.fips && !host.dual_stack);
        let host = client::queue_host("https://sqs-fips.us-east-1.api.aws/1/q");
        assert!(host.fips && host.dual_stack);
        let host = client::queue_host("https://sqs.cn-north-1.api.amazonwebservices.com.cn/1/q");
        assert_eq!(
            (host.region.as_deref(), host.fips, host.dual_stack),
            (Some("cn-north-1"), false, true)
        );
        assert_eq!(
            client::queue_host("http://127.0.0.1:5000/1/q"),
            Default::default()
        );
    }

    #[test]
    fn backoff_grows_and_stays_capped() {
        for (slow, cap) in [(false, 30_000u64), (true, 60_000)] {
            let mut b = Backoff::default();
            for attempt in 0..20u32 {
                let ceiling = (500u64 << attempt.min(8)).min(cap);
                let wait = b.next(slow).as_millis() as u64;
                assert!(
                    (ceiling / 2..=ceiling).contains(&wait),
                    "attempt {attempt}: {wait} ms, want {}..={ceiling}",
                    ceiling / 2
                );
            }
        }
    }

    #[test]
    fn only_extra_pollers_retire() {
        let active = AtomicUsize::new(2);
        assert!(retire(&active));
        assert!(!retire(&active), "the last poller keeps running");
        assert_eq!(active.load(Ordering::SeqCst), 1);
    }
}
