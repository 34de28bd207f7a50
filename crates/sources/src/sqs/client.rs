//! Reaching AWS: the configuration from flags, environment and profile, SQS clients for a queue
//! (in the queue's own region), queue URLs, and turning SDK errors into problems a user can act
//! on. Shared by the pollers, buses, rules, `doctor` and `send`.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use super::WAIT_SECONDS;
use crate::{Problem, ProblemKind};

/// How zdwatch reaches AWS: the usual flags, on top of aws-config's environment and profile chain.
#[derive(Clone, Debug, Default)]
pub struct AwsOptions {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
}

/// The pollers and acks retry by themselves, with backoff and jitter, and show every failure;
/// the SDK's own silent retries would hide an outage or throttling for a minute.
pub(super) fn without_retries(client: &Client) -> Client {
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
pub(super) async fn client_and_warning(
    aws: &AwsOptions,
    queue: &str,
) -> Result<(Client, Option<String>), Problem> {
    let config = sdk_config(aws).await;
    let mut builder = aws_sdk_sqs::config::Builder::from(&config);
    // A FIPS or dual-stack queue URL is reached through that kind of endpoint (unless an
    // endpoint is given, which the SDK then uses as it is).
    let host = queue_host(queue);
    if config.endpoint_url().is_none() {
        if host.fips {
            builder = builder.use_fips(true);
        }
        if host.dual_stack {
            builder = builder.use_dual_stack(true);
        }
    }
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

/// What a queue URL's host says about the endpoint it names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueHost {
    pub region: Option<String>,
    /// `sqs-fips.…`: a FIPS endpoint.
    pub fips: bool,
    /// `….api.aws` (`….api.amazonwebservices.com.cn` in China): a dual-stack endpoint.
    pub dual_stack: bool,
}

/// Reads an SQS URL's host: `sqs.eu-west-1.amazonaws.com`, `eu-west-1.queue.amazonaws.com`,
/// `queue.amazonaws.com` (us-east-1), `sqs.cn-north-1.amazonaws.com.cn` (aws-cn),
/// `sqs-fips.us-gov-west-1.amazonaws.com`, `sqs.eu-west-1.api.aws` (dual-stack) and VPC endpoint
/// hosts (`vpce-….sqs.eu-west-1.vpce.amazonaws.com`). Anything else (a local server) says nothing.
pub fn queue_host(url: &str) -> QueueHost {
    let Some(host) = url
        .split("://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .map(|h| h.split(':').next().unwrap_or(h).to_ascii_lowercase())
    else {
        return QueueHost::default();
    };
    const STANDARD: [&str; 2] = [".amazonaws.com", ".amazonaws.com.cn"];
    const DUAL_STACK: [&str; 2] = [".api.aws", ".api.amazonwebservices.com.cn"];
    let (labels, dual_stack) =
        if let Some(rest) = DUAL_STACK.iter().find_map(|s| host.strip_suffix(s)) {
            (rest, true)
        } else if let Some(rest) = STANDARD.iter().find_map(|s| host.strip_suffix(s)) {
            (rest, false)
        } else {
            return QueueHost::default();
        };
    let labels: Vec<&str> = labels.split('.').collect();
    let fips = labels.contains(&"sqs-fips");
    let region = labels
        .iter()
        .find(|l| looks_like_region(l))
        .map(|r| r.to_string())
        .or_else(|| (labels == ["queue"]).then(|| "us-east-1".to_string()));
    QueueHost {
        region,
        fips,
        dual_stack,
    }
}

/// `eu-west-1`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-5`: letters, dashes, a number last.
fn looks_like_region(label: &str) -> bool {
    let parts: Vec<&str> = label.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// The region a queue URL (see [`queue_host`]) or ARN (`arn:aws:sqs:eu-west-1:…`, any partition)
/// names.
pub fn region_of(queue: &str) -> Option<String> {
    if let Some(rest) = queue.strip_prefix("arn:") {
        return rest
            .split(':')
            .nth(2)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
    }
    queue_host(queue).region
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
            | "InvalidSecurity" => ProblemKind::AccessDenied,
            // The codes behind the SDK's typed KmsAccessDenied, KmsDisabled, … errors of an
            // SSE-KMS queue: the key, not SQS, refuses.
            "KMS.AccessDeniedException"
            | "KMS.DisabledException"
            | "KMS.NotFoundException"
            | "KMS.InvalidStateException"
            | "KMS.InvalidKeyUsageException"
            | "KMS.OptInRequired" => ProblemKind::Kms,
            "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => {
                ProblemKind::ExpiredCredentials
            }
            "Throttling"
            | "ThrottlingException"
            | "RequestThrottled"
            | "OverLimit"
            | "TooManyRequestsException"
            | "KMS.ThrottlingException" => ProblemKind::Throttled,
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
pub(super) fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
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
