//! The SQS source: the only module (with the bus code to come) that knows AWS.
//!
//! Pollers long-poll the queue (20 s, 10 messages); with no `--pollers N` their number adapts:
//! another starts while batches come back full, extra ones retire on an empty receive.
//! A message is deleted (consume) or released (peek) only when the core sends an [`Ack`].

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry,
    MessageSystemAttributeName, QueueAttributeName,
};
use jiff::Timestamp;
use rand::Rng;
use tokio::sync::mpsc;

use super::{
    Ack, Delivery, Disposition, Message, Problem, ProblemKind, SourceContext, SourceEvent,
    SourceSetBuilder, SourceStatus,
};

/// How zdwatch reaches AWS: the usual flags, on top of aws-config's environment and profile chain.
#[derive(Clone, Debug, Default)]
pub struct AwsOptions {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
}

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
}

impl Default for SqsOptions {
    fn default() -> Self {
        SqsOptions {
            delivery: Delivery::Consume,
            pollers: None,
            max_pollers: 8,
            warn_redrive: false,
            watch_depth: false,
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
    let (ack_tx, ack_rx) = mpsc::channel::<Ack>(super::CHANNEL_CAPACITY);
    let ctx = sources.add(url.clone(), Some(ack_tx), true);
    if let Some(warning) = other_region {
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

    let fixed = opts.pollers.map(|n| n.max(1));
    let shared = Arc::new(Shared {
        client: RwLock::new(without_retries(&client)),
        aws: aws.clone(),
        queue: queue.to_string(),
        url,
        delivery: opts.delivery,
        adaptive: fixed.is_none(),
        max: fixed.unwrap_or(opts.max_pollers.max(1)),
        active: AtomicUsize::new(0),
        seen: Mutex::new(HashSet::new()),
        ctx,
    });
    if opts.watch_depth {
        shared.ctx.tasks.spawn(watch_depth(shared.clone()));
    }
    shared.ctx.tasks.spawn(acknowledge(shared.clone(), ack_rx));
    for _ in 0..fixed.unwrap_or(1) {
        spawn_poller(&shared);
    }
    Ok(())
}

/// The pollers and acks retry by themselves, with backoff and jitter, and show every failure;
/// the SDK's own silent retries would hide an outage or throttling for a minute.
fn without_retries(client: &Client) -> Client {
    let config = client
        .config()
        .to_builder()
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .build();
    Client::from_conf(config)
}

/// An SQS client for `queue`. A queue URL or ARN names its region, and that region is used even
/// when another one is configured (the queue is only there); a name needs a configured region.
pub async fn client(aws: &AwsOptions, queue: &str) -> Result<Client, Problem> {
    Ok(client_and_warning(aws, queue).await?.0)
}

/// [`client`], and what to tell the user when the queue's URL or ARN names another region than
/// the configured one.
async fn client_and_warning(
    aws: &AwsOptions,
    queue: &str,
) -> Result<(Client, Option<String>), Problem> {
    let config = sdk_config(aws).await;
    let mut builder = aws_sdk_sqs::config::Builder::from(&config);
    let configured = config.region().map(|r| r.to_string());
    let warning = match (region_of(queue), configured) {
        (Some(named), configured) => {
            builder = builder.region(aws_config::Region::new(named.clone()));
            configured.filter(|c| *c != named).map(|c| {
                format!(
                    "the queue is in {named} (its URL or ARN says so), not in the configured region {c}: reading it in {named}"
                )
            })
        }
        (None, Some(_)) => None,
        (None, None) => {
            return Err(Problem::new(
                ProblemKind::NoRegion,
                "no AWS region configured",
            ));
        }
    };
    Ok((Client::from_conf(builder.build()), warning))
}

/// The AWS configuration from the flags, the environment and the profile (any AWS service).
pub async fn sdk_config(aws: &AwsOptions) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(
        TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(5))
            // A long poll takes up to 20 s; an attempt that takes much longer is a hung connection.
            .operation_attempt_timeout(Duration::from_secs(WAIT_SECONDS as u64 + 10))
            .build(),
    );
    if let Some(p) = &aws.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &aws.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(e) = &aws.endpoint_url {
        loader = loader.endpoint_url(e);
    }
    loader.load().await
}

/// `https://sqs.eu-west-1.amazonaws.com/…`, `https://eu-west-1.queue.amazonaws.com/…` or
/// `arn:aws:sqs:eu-west-1:…` → `eu-west-1`.
pub fn region_of(queue: &str) -> Option<String> {
    if let Some(rest) = queue.strip_prefix("arn:") {
        return rest
            .split(':')
            .nth(2)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
    }
    let host = queue.split("://").nth(1)?.split('/').next()?;
    let mut parts = host.split('.');
    match (parts.next(), parts.next()) {
        (Some("sqs"), Some(region)) if host.ends_with(".amazonaws.com") => Some(region.to_string()),
        (Some(region), Some("queue")) if host.ends_with(".amazonaws.com") => {
            Some(region.to_string())
        }
        _ => None,
    }
}

/// A URL is used as it is; a name or an ARN is resolved with GetQueueUrl.
pub async fn queue_url(client: &Client, queue: &str) -> Result<String, Problem> {
    if queue.starts_with("https://") || queue.starts_with("http://") {
        return Ok(queue.to_string());
    }
    let mut req = client.get_queue_url();
    if let Some(rest) = queue.strip_prefix("arn:") {
        // arn:aws:sqs:REGION:ACCOUNT:NAME
        let parts: Vec<&str> = rest.split(':').collect();
        let [_, "sqs", _, account, name] = parts.as_slice() else {
            return Err(Problem::new(
                ProblemKind::QueueMissing,
                format!("'{queue}' is not an SQS queue ARN"),
            ));
        };
        req = req.queue_name(*name).queue_owner_aws_account_id(*account);
    } else {
        req = req.queue_name(queue);
    }
    match req.send().await {
        Ok(out) => out
            .queue_url
            .ok_or_else(|| Problem::new(ProblemKind::QueueMissing, "GetQueueUrl returned no URL")),
        Err(e) => Err(classify(&e)),
    }
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
    adaptive: bool,
    max: usize,
    active: AtomicUsize,
    /// Peek mode: message ids already received, to slow down when only old messages come back.
    seen: Mutex<HashSet<String>>,
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

fn spawn_poller(shared: &Arc<Shared>) {
    shared.active.fetch_add(1, Ordering::SeqCst);
    shared.ctx.tasks.spawn(poll(shared.clone()));
}

/// Boxed so that a poller can start another one (a recursive `async fn` has no nameable type).
fn poll(shared: Arc<Shared>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let mut backoff = Backoff::default();
        let mut connected = false;
        let mut peek_pause = Duration::ZERO;
        let (id, tx, cancel) = (shared.ctx.id, &shared.ctx.tx, &shared.ctx.cancel);
        loop {
            let receive = shared
                .client()
                .receive_message()
                .queue_url(&shared.url)
                .max_number_of_messages(MAX_MESSAGES)
                .wait_time_seconds(WAIT_SECONDS)
                .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
                .send();
            let result = tokio::select! {
                _ = cancel.cancelled() => break,
                r = receive => r,
            };
            let out = match result {
                Ok(out) => out,
                Err(e) => {
                    let problem = classify(&e);
                    tracing::debug!(queue = %shared.url, error = %DisplayErrorContext(&e), "receive failed");
                    connected = false;
                    let wait = backoff.next(problem.needs_user());
                    let expired = problem.kind == ProblemKind::ExpiredCredentials;
                    let failures = backoff.attempt;
                    if tx
                        .send(SourceEvent::Status(
                            id,
                            SourceStatus::Retrying {
                                wait,
                                problem,
                                failures,
                            },
                        ))
                        .await
                        .is_err()
                    {
                        break;
                    }
                    tokio::select! {
                        _ = cancel.cancelled() => break,
                        _ = tokio::time::sleep(wait) => {}
                    }
                    if expired {
                        // Read at the last moment: the user may have refreshed them meanwhile.
                        shared.reload_credentials().await;
                    }
                    continue;
                }
            };
            backoff = Backoff::default();
            if !connected {
                connected = true;
                if tx
                    .send(SourceEvent::Status(id, SourceStatus::Connected))
                    .await
                    .is_err()
                {
                    break;
                }
            }
            let received_at = Timestamp::now();
            let messages: Vec<Message> = out
                .messages
                .unwrap_or_default()
                .into_iter()
                .map(|m| Message {
                    source: id,
                    body: m.body.unwrap_or_default().into_bytes(),
                    message_id: m.message_id,
                    receipt: m.receipt_handle,
                    received_at,
                })
                .collect();
            let count = messages.len();
            let only_seen_before =
                shared.delivery == Delivery::Peek && count > 0 && remember(&shared.seen, &messages);
            if count > 0 && tx.send(SourceEvent::Batch(messages)).await.is_err() {
                break;
            }
            if shared.adaptive {
                if count == MAX_MESSAGES as usize
                    && shared.active.load(Ordering::SeqCst) < shared.max
                {
                    spawn_poller(&shared);
                } else if count == 0 && retire(&shared.active) {
                    return;
                }
            }
            // Peeking returns the same messages at once, forever: slow down while nothing is new.
            peek_pause = if only_seen_before {
                (peek_pause * 2).clamp(Duration::from_millis(500), Duration::from_secs(10))
            } else {
                Duration::ZERO
            };
            if !peek_pause.is_zero() {
                tokio::select! {
                    _ = cancel.cancelled() => break,
                    _ = tokio::time::sleep(peek_pause) => {}
                }
            }
        }
        shared.active.fetch_sub(1, Ordering::SeqCst);
    })
}

/// Records the batch's message ids; true when every one had been seen before.
fn remember(seen: &Mutex<HashSet<String>>, messages: &[Message]) -> bool {
    let Ok(mut seen) = seen.lock() else {
        return false;
    };
    if seen.len() > 100_000 {
        seen.clear();
    }
    let mut all_old = true;
    for m in messages {
        if let Some(id) = &m.message_id {
            all_old &= !seen.insert(id.clone());
        }
    }
    all_old
}

/// Leaves one poller running: returns true (and counts itself out) when this one may stop.
fn retire(active: &AtomicUsize) -> bool {
    active
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
            (n > 1).then(|| n - 1)
        })
        .is_ok()
}

/// Deletes or releases messages as the core decides, ten per request.
async fn acknowledge(shared: Arc<Shared>, mut acks: mpsc::Receiver<Ack>) {
    let (id, tx) = (shared.ctx.id, &shared.ctx.tx);
    while let Some(ack) = acks.recv().await {
        for chunk in ack.receipts.chunks(MAX_MESSAGES as usize) {
            let mut backoff = Backoff::default();
            let pending: Vec<&String> = chunk.iter().collect();
            for attempt in 1..=ACK_ATTEMPTS {
                match send_ack(&shared.client(), &shared.url, &pending, ack.disposition).await {
                    Ok(failed) if failed.is_empty() => break,
                    Ok(failed) => {
                        // Typically an expired receipt handle: the message comes back and is deduplicated.
                        let note = format!(
                            "{} of {} acknowledgements refused: {}",
                            failed.len(),
                            pending.len(),
                            failed.join("; ")
                        );
                        let _ = tx
                            .send(SourceEvent::Status(id, SourceStatus::Warning(note)))
                            .await;
                        break;
                    }
                    Err(problem) if attempt < ACK_ATTEMPTS => {
                        let wait = backoff.next(false);
                        let expired = problem.kind == ProblemKind::ExpiredCredentials;
                        let status = SourceStatus::Retrying {
                            wait,
                            problem,
                            failures: attempt,
                        };
                        let _ = tx.send(SourceEvent::Status(id, status)).await;
                        tokio::time::sleep(wait).await;
                        if expired {
                            shared.reload_credentials().await;
                        }
                    }
                    Err(problem) => {
                        let verb = if ack.disposition == Disposition::Delete {
                            "delete"
                        } else {
                            "release"
                        };
                        let note = format!(
                            "could not {verb} {} messages ({problem}); they will be delivered again",
                            pending.len()
                        );
                        let _ = tx
                            .send(SourceEvent::Status(id, SourceStatus::Warning(note)))
                            .await;
                    }
                }
            }
        }
    }
}

/// One batch request; returns the per-entry failures the service reported.
async fn send_ack(
    client: &Client,
    url: &str,
    receipts: &[&String],
    disposition: Disposition,
) -> Result<Vec<String>, Problem> {
    let failed = match disposition {
        Disposition::Delete => {
            let entries = receipts.iter().enumerate().filter_map(|(i, r)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(*r)
                    .build()
                    .ok()
            });
            let request = client
                .delete_message_batch()
                .queue_url(url)
                .set_entries(Some(entries.collect()));
            request.send().await.map_err(|e| classify(&e))?.failed
        }
        Disposition::Release => {
            let entries = receipts.iter().enumerate().filter_map(|(i, r)| {
                ChangeMessageVisibilityBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(*r)
                    .visibility_timeout(0)
                    .build()
                    .ok()
            });
            let request = client
                .change_message_visibility_batch()
                .queue_url(url)
                .set_entries(Some(entries.collect()));
            request.send().await.map_err(|e| classify(&e))?.failed
        }
    };
    Ok(failed
        .iter()
        .map(|f| {
            format!(
                "entry {}: {} {}",
                f.id,
                f.code,
                f.message.as_deref().unwrap_or_default()
            )
        })
        .collect())
}

/// Exponential backoff with full jitter: 0.5 s doubling to 30 s (to 60 s for problems that need the user).
#[derive(Default)]
struct Backoff {
    attempt: u32,
}

impl Backoff {
    fn next(&mut self, slow: bool) -> Duration {
        let cap_ms: u64 = if slow { 60_000 } else { 30_000 };
        let ceiling = (500u64 << self.attempt.min(8)).min(cap_ms);
        self.attempt += 1;
        Duration::from_millis(rand::rng().random_range(ceiling / 2..=ceiling))
    }
}

/// Turns an SDK error into a problem the user can act on. Never includes credentials or bodies.
pub fn classify<E, R>(err: &SdkError<E, R>) -> Problem
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let code = err.code().unwrap_or_default().to_string();
    let message = err.message().unwrap_or_default().to_string();
    let lower = DisplayErrorContext(err).to_string().to_lowercase();
    let detail = if code.is_empty() {
        root_cause(err)
    } else {
        format!("{code}: {message}")
    };
    let kind = match err {
        SdkError::TimeoutError(_) => ProblemKind::Timeout,
        SdkError::DispatchFailure(d) if d.is_timeout() => ProblemKind::Timeout,
        SdkError::DispatchFailure(_) | SdkError::ConstructionFailure(_)
            if lower.contains("credential") =>
        {
            if lower.contains("expired") {
                ProblemKind::ExpiredCredentials
            } else {
                ProblemKind::NoCredentials
            }
        }
        SdkError::DispatchFailure(_) => ProblemKind::Unreachable,
        SdkError::ResponseError(_) => ProblemKind::ServerError,
        _ => match code.as_str() {
            "AWS.SimpleQueueService.NonExistentQueue"
            | "QueueDoesNotExist"
            | "AWS.SimpleQueueService.QueueDoesNotExist" => ProblemKind::QueueMissing,
            "AccessDenied"
            | "AccessDeniedException"
            | "InvalidClientTokenId"
            | "UnrecognizedClientException"
            | "SignatureDoesNotMatch"
            | "InvalidSecurity"
            | "KMS.AccessDeniedException" => ProblemKind::AccessDenied,
            "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => {
                ProblemKind::ExpiredCredentials
            }
            "Throttling"
            | "ThrottlingException"
            | "RequestThrottled"
            | "OverLimit"
            | "TooManyRequestsException" => ProblemKind::Throttled,
            "InternalError" | "InternalFailure" | "ServiceUnavailable" => ProblemKind::ServerError,
            _ if lower.contains("expired") => ProblemKind::ExpiredCredentials,
            _ => ProblemKind::Other,
        },
    };
    let detail = match kind {
        ProblemKind::NoCredentials => "no AWS credentials found".to_string(),
        _ if detail.trim().is_empty() || detail == ": " => root_cause(err),
        _ => detail,
    };
    Problem::new(kind, detail)
}

/// The innermost error's own words ("Connection refused (os error 111)"), not the whole chain's Debug dump.
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    let mut text = err.to_string();
    while let Some(next) = cause.source() {
        let next_text = next.to_string();
        if !next_text.trim().is_empty() {
            text = next_text;
        }
        cause = next;
    }
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        ];
        for (queue, want) in cases {
            assert_eq!(region_of(queue).as_deref(), want, "{queue}");
        }
    }

    #[test]
    fn backoff_grows_and_stays_capped() {
        let mut b = Backoff::default();
        let first = b.next(false);
        assert!(first >= Duration::from_millis(250) && first <= Duration::from_millis(500));
        for _ in 0..20 {
            assert!(b.next(false) <= Duration::from_secs(30));
        }
        assert!(b.next(false) >= Duration::from_secs(15));
    }

    #[test]
    fn only_extra_pollers_retire() {
        let active = AtomicUsize::new(2);
        assert!(retire(&active));
        assert!(!retire(&active), "the last poller keeps running");
        assert_eq!(active.load(Ordering::SeqCst), 1);
    }
}
