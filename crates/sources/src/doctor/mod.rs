//! `zdwatch doctor`: what stands between this machine and a working debug queue or bus, one
//! line per check. No message is deleted. For a queue, the only side effect is one receive of up
//! to ten messages with a visibility timeout of zero (they stay visible; it counts as a receive);
//! for a bus, a personal queue and rule are created and removed, as `--bus` would. With a relay
//! (relay.rs), one signed test event goes through it to the queue and only that is deleted.

use aws_sdk_sqs::config::ProvideCredentials;
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};

use super::ProblemKind;
use super::sqs::{AwsOptions, classify, queue_url, region_of, sdk_config};
use zdwatch_core::event::{Format, Received, decode};

mod relay;
pub use relay::relay;

/// The outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail,
    /// Worth knowing; not needed for zdwatch to work.
    Warn,
    /// Not checked (it would change something), or plain information.
    Info,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub outcome: Outcome,
    pub what: String,
    pub detail: String,
}

fn check(outcome: Outcome, what: &str, detail: impl Into<String>) -> Check {
    Check {
        outcome,
        what: what.to_string(),
        detail: detail.into(),
    }
}

/// Whether every needed check passed (warnings and information do not count).
pub fn all_passed(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.outcome != Outcome::Fail)
}

/// Credentials and region: what every mode needs. `None` when nothing further can be checked.
async fn basics(
    aws: &AwsOptions,
    name_for_region: &str,
    checks: &mut Vec<Check>,
) -> Option<aws_config::SdkConfig> {
    let config = sdk_config(aws).await;
    match config.credentials_provider() {
        None => {
            checks.push(check(Outcome::Fail, "credentials", "none configured: set AWS_PROFILE, use --profile, or run `aws configure` / `aws sso login`"));
            return None;
        }
        Some(provider) => match provider.provide_credentials().await {
            Ok(_) => checks.push(check(Outcome::Pass, "credentials", "resolve")),
            Err(e) => {
                let why = e.to_string();
                let hint = if why.to_lowercase().contains("expired")
                    || why.to_lowercase().contains("sso")
                {
                    "refresh them (`aws sso login`)"
                } else {
                    "set AWS_PROFILE, use --profile, or run `aws configure`"
                };
                checks.push(check(
                    Outcome::Fail,
                    "credentials",
                    format!("do not resolve ({why}): {hint}"),
                ));
                return None;
            }
        },
    }
    let region = match config
        .region()
        .map(|r| r.to_string())
        .or_else(|| region_of(name_for_region))
    {
        Some(r) => {
            checks.push(check(Outcome::Pass, "region", r.clone()));
            r
        }
        None => {
            checks.push(check(
                Outcome::Fail,
                "region",
                "none: pass --region, set AWS_REGION, or give the queue as a URL",
            ));
            return None;
        }
    };
    checks.push(identity(&config, region).await);
    Some(config)
}

/// Who the credentials belong to (STS GetCallerIdentity, which needs no permission): the
/// account and role people most often get wrong.
async fn identity(config: &aws_config::SdkConfig, region: String) -> Check {
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(config)
            .region(aws_config::Region::new(region))
            .build(),
    );
    match sts.get_caller_identity().send().await {
        Ok(who) => check(
            Outcome::Pass,
            "identity",
            format!(
                "{} (account {})",
                who.arn().unwrap_or("?"),
                who.account().unwrap_or("?")
            ),
        ),
        Err(e) => {
            let problem = classify(&e);
            match problem.kind {
                ProblemKind::AccessDenied
                | ProblemKind::ExpiredCredentials
                | ProblemKind::NoCredentials => check(
                    Outcome::Fail,
                    "identity",
                    format!(
                        "the credentials are refused ({}): refresh them (`aws sso login`) or check the profile",
                        problem.detail
                    ),
                ),
                // STS out of reach (a VPC with only an SQS endpoint) does not stop zdwatch.
                _ => check(
                    Outcome::Warn,
                    "identity",
                    format!("could not ask STS: {problem}"),
                ),
            }
        }
    }
}

/// Credentials, region, identity, then the queue's client and URL: `None` (with the failed
/// check added) when something on the way fails.
async fn reach_queue(
    aws: &AwsOptions,
    queue: &str,
    checks: &mut Vec<Check>,
) -> Option<(aws_sdk_sqs::Client, String)> {
    basics(aws, queue, checks).await?;
    let found = match super::sqs::client(aws, queue).await {
        Ok(client) => queue_url(&client, queue).await.map(|url| (client, url)),
        Err(p) => Err(p),
    };
    match found {
        Ok(found) => Some(found),
        Err(p) => {
            checks.push(check(Outcome::Fail, "queue", p.to_string()));
            None
        }
    }
}

/// Checks for reading `queue` (URL, name or ARN).
pub async fn queue(aws: &AwsOptions, queue: &str) -> Vec<Check> {
    let mut checks = Vec::new();
    let Some((client, url)) = reach_queue(aws, queue, &mut checks).await else {
        return checks;
    };
    let attrs = match client
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
    {
        Ok(out) => out.attributes.unwrap_or_default(),
        Err(e) => {
            checks.push(check(
                Outcome::Fail,
                "queue",
                format!("{url}: {}", classify(&e)),
            ));
            return checks;
        }
    };
    let get = |a: QueueAttributeName| attrs.get(&a).cloned().unwrap_or_default();
    checks.push(check(
        Outcome::Pass,
        "queue",
        format!(
            "{url}: {} waiting, {} in flight (sqs:GetQueueAttributes allowed)",
            get(QueueAttributeName::ApproximateNumberOfMessages),
            get(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        ),
    ));
    checks.push(redrive(&attrs));
    checks.extend(fifo(&attrs));
    checks.push(encryption(&attrs));
    receive_and_release(&client, &url, &mut checks).await;
    let arn = get(QueueAttributeName::QueueArn);
    let senders = policy_senders(&get(QueueAttributeName::Policy));
    let attached = attached(aws, &arn).await;
    checks.push(policy_check(&senders, &attached));
    checks.push(other_accounts(attached, &senders, &arn));
    checks
}

/// Who the queue policy lets EventBridge send for: `Some(rule ARNs)` (an empty list: any rule,
/// no `aws:SourceArn` condition), or `None` when no statement allows EventBridge at all.
fn policy_senders(policy: &str) -> Option<Vec<String>> {
    let v: serde_json::Value = serde_json::from_str(policy).ok()?;
    let statements = match &v["Statement"] {
        serde_json::Value::Array(a) => a.clone(),
        one @ serde_json::Value::Object(_) => vec![one.clone()],
        _ => return None,
    };
    let texts = |v: &serde_json::Value| -> Vec<String> {
        match v {
            serde_json::Value::String(s) => vec![s.clone()],
            serde_json::Value::Array(a) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    let mut found: Option<Vec<String>> = None;
    for st in &statements {
        let allows = st["Effect"] == "Allow"
            && texts(&st["Principal"]["Service"])
                .iter()
                .any(|s| s == "events.amazonaws.com")
            && texts(&st["Action"])
                .iter()
                .any(|a| a == "sqs:SendMessage" || a == "sqs:*" || a == "*");
        if !allows {
            continue;
        }
        let arns: Vec<String> = ["ArnEquals", "ArnLike", "StringEquals", "StringLike"]
            .iter()
            .flat_map(|op| texts(&st["Condition"][op]["aws:SourceArn"]))
            .collect();
        if arns.is_empty() {
            // Any rule may send: that is what the empty list says.
            return Some(Vec::new());
        }
        found.get_or_insert_with(Vec::new).extend(arns);
    }
    found
}

/// Whether EventBridge may deliver to the queue, from its policy.
fn policy_check(senders: &Option<Vec<String>>, attached: &Check) -> Check {
    match senders {
        None if attached.outcome == Outcome::Pass => check(
            Outcome::Fail,
            "policy",
            "rules target this queue, but its policy lets no EventBridge rule send to it \
             (events.amazonaws.com, sqs:SendMessage): their deliveries are refused",
        ),
        None => check(
            Outcome::Info,
            "policy",
            "the queue policy lets no EventBridge rule send to it",
        ),
        Some(arns) if arns.is_empty() => check(
            Outcome::Warn,
            "policy",
            "EventBridge may send for any rule of any account (no aws:SourceArn condition): \
             limit it to your rule's ARN",
        ),
        Some(arns) => check(
            Outcome::Pass,
            "policy",
            format!("EventBridge may send for {}", arns.join(", ")),
        ),
    }
}

/// A rule of another account that the policy admits is information, not a failure: it cannot
/// be seen from this account, so "no rule targets this queue" would be wrong.
fn other_accounts(attached: Check, senders: &Option<Vec<String>>, queue_arn: &str) -> Check {
    let account = |arn: &str| arn.split(':').nth(4).map(str::to_string);
    let mine = account(queue_arn);
    let foreign: Vec<&String> = senders
        .iter()
        .flatten()
        .filter(|a| account(a) != mine)
        .collect();
    if attached.outcome == Outcome::Fail && !foreign.is_empty() {
        let list: Vec<&str> = foreign.iter().map(|s| s.as_str()).collect();
        return check(
            Outcome::Info,
            "attached",
            format!(
                "no rule of this account targets the queue; its policy lets {} send: \
                 another account's rule cannot be checked from here",
                list.join(", ")
            ),
        );
    }
    attached
}

/// A FIFO queue, and what that means for EventBridge and for zdwatch.
fn fifo(attrs: &std::collections::HashMap<QueueAttributeName, String>) -> Option<Check> {
    if attrs
        .get(&QueueAttributeName::FifoQueue)
        .map(String::as_str)
        != Some("true")
    {
        return None;
    }
    let dedup = match attrs
        .get(&QueueAttributeName::ContentBasedDeduplication)
        .map(String::as_str)
    {
        Some("true") => "content-based deduplication on",
        _ => "content-based deduplication off: a rule's target needs a deduplication id",
    };
    Some(check(
        Outcome::Info,
        "fifo",
        format!(
            "FIFO queue ({dedup}); a rule targeting it needs a message group id (SqsParameters); \
             `tail` refuses a filter in consume mode (skipped messages would hold back their group), \
             --peek holds a group for a second at most, `send` groups by ticket"
        ),
    ))
}

/// Server-side encryption, and whether EventBridge can deliver to the queue with it.
fn encryption(attrs: &std::collections::HashMap<QueueAttributeName, String>) -> Check {
    let key = attrs
        .get(&QueueAttributeName::KmsMasterKeyId)
        .filter(|k| !k.is_empty());
    match key.map(String::as_str) {
        Some("alias/aws/sqs") => check(
            Outcome::Fail,
            "encryption",
            "SSE-KMS with the AWS managed key alias/aws/sqs: EventBridge cannot send to it (its key \
             policy cannot be changed). Use SQS-managed SSE (SqsManagedSseEnabled) or a customer managed \
             key whose policy lets events.amazonaws.com use kms:GenerateDataKey and kms:Decrypt (README, \
             'AWS permissions')",
        ),
        Some(key) => check(
            Outcome::Info,
            "encryption",
            format!(
                "SSE-KMS with key {key}: its key policy must let events.amazonaws.com use \
                 kms:GenerateDataKey and kms:Decrypt, and zdwatch's credentials need kms:Decrypt"
            ),
        ),
        None => match attrs
            .get(&QueueAttributeName::SqsManagedSseEnabled)
            .map(String::as_str)
        {
            Some("true") => check(Outcome::Pass, "encryption", "SQS-managed SSE"),
            _ => check(Outcome::Info, "encryption", "not encrypted at rest"),
        },
    }
}

/// What a redrive policy means for zdwatch's receives.
fn redrive(attrs: &std::collections::HashMap<QueueAttributeName, String>) -> Check {
    match attrs.get(&QueueAttributeName::RedrivePolicy) {
        Some(policy) => {
            let v: serde_json::Value = serde_json::from_str(policy).unwrap_or_default();
            let max = v
                .get("maxReceiveCount")
                .map(|m| m.to_string().trim_matches('"').to_string())
                .unwrap_or_default();
            let dlq = v
                .get("deadLetterTargetArn")
                .and_then(|d| d.as_str())
                .unwrap_or("?");
            check(
                Outcome::Warn,
                "redrive",
                format!(
                    "after {max} receives a message moves to {dlq}: every peek (--peek) and every message a filter skips counts as a receive"
                ),
            )
        }
        None => check(
            Outcome::Info,
            "redrive",
            "no redrive policy: peeking never moves messages anywhere",
        ),
    }
}

/// Receives (visibility 0: the messages stay visible) and gives one back: two permissions, and a
/// look at which format the recent events are in.
async fn receive_and_release(client: &aws_sdk_sqs::Client, url: &str, checks: &mut Vec<Check>) {
    let received = client
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .visibility_timeout(0)
        .wait_time_seconds(0)
        .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
        .send()
        .await;
    let messages = match received {
        Ok(out) => {
            checks.push(check(
                Outcome::Pass,
                "receive",
                "sqs:ReceiveMessage allowed",
            ));
            out.messages.unwrap_or_default()
        }
        Err(e) => {
            checks.push(check(Outcome::Fail, "receive", classify(&e).to_string()));
            Vec::new()
        }
    };
    match messages.first().and_then(|m| m.receipt_handle.clone()) {
        Some(receipt) => match client
            .change_message_visibility()
            .queue_url(url)
            .receipt_handle(receipt)
            .visibility_timeout(0)
            .send()
            .await
        {
            Ok(_) => checks.push(check(
                Outcome::Pass,
                "release",
                "sqs:ChangeMessageVisibility allowed (peek and early stops)",
            )),
            Err(e) => checks.push(check(Outcome::Fail, "release", classify(&e).to_string())),
        },
        None => checks.push(check(
            Outcome::Info,
            "release",
            "sqs:ChangeMessageVisibility not checked (the queue is empty)",
        )),
    }
    checks.push(check(
        Outcome::Info,
        "delete",
        "sqs:DeleteMessage not checked (it would delete); consume mode needs it, --peek does not",
    ));
    let legacy = messages
        .iter()
        .filter_map(|m| m.body.clone())
        .map(|body| {
            decode(Received {
                body: body.into_bytes(),
                message_id: None,
                received_at: jiff::Timestamp::now(),
            })
        })
        .filter(|e| e.format == Format::Legacy)
        .count();
    checks.push(match (messages.len(), legacy) {
        (0, _) => check(Outcome::Info, "format", "the queue is empty: the event format is not checked"),
        (n, 0) => check(Outcome::Pass, "format", format!("{n} recent messages, none from the retired Events Connector")),
        (n, l) => check(
            Outcome::Warn,
            "format",
            format!(
                "{l} of {n} recent messages are Events Connector events (`detail.ticket_event`): that connector stopped \
                 delivering on 1 Dec 2025; set up Zendesk webhooks relayed onto the bus (README, 'What zdwatch decodes')"
            ),
        ),
    });
}

/// Whether any rule on any bus of the region targets the queue (else no event ever arrives).
async fn attached(aws: &AwsOptions, queue_arn: &str) -> Check {
    let config = sdk_config(aws).await;
    let mut builder = aws_sdk_eventbridge::config::Builder::from(&config);
    if config.region().is_none() {
        if let Some(r) = region_of(queue_arn) {
            builder = builder.region(aws_config::Region::new(r));
        }
    }
    let eb = aws_sdk_eventbridge::Client::from_conf(builder.build());
    let buses = match crate::pages::buses(&eb).await {
        Ok(buses) => buses,
        Err(p) => {
            return check(
                Outcome::Warn,
                "attached",
                format!("cannot list event buses ({}): not checked", p.detail),
            );
        }
    };
    let mut rules = Vec::new();
    for bus in buses.iter().filter_map(|b| b.name.clone()) {
        if let Ok(names) = crate::pages::rule_names_by_target(&eb, &bus, queue_arn).await {
            rules.extend(names.into_iter().map(|r| format!("rule {r} on bus {bus}")));
        }
    }
    if rules.is_empty() {
        check(
            Outcome::Fail,
            "attached",
            "no rule on any event bus of the region targets this queue: no event will arrive (or use --bus)",
        )
    } else {
        check(Outcome::Pass, "attached", rules.join(", "))
    }
}

/// Checks for `--bus NAME`.
pub async fn bus(aws: &AwsOptions, bus: &str) -> Vec<Check> {
    let mut checks = Vec::new();
    if basics(aws, bus, &mut checks).await.is_none() {
        return checks;
    }
    let clients = match super::bus::Clients::new(aws, bus).await {
        Ok(c) => c,
        Err(p) => {
            checks.push(check(Outcome::Fail, "bus", p.to_string()));
            return checks;
        }
    };
    match clients.eb.describe_event_bus().name(bus).send().await {
        Ok(out) => checks.push(check(
            Outcome::Pass,
            "bus",
            out.arn.unwrap_or_else(|| bus.to_string()),
        )),
        Err(e) => {
            checks.push(check(Outcome::Fail, "bus", classify(&e).to_string()));
            return checks;
        }
    }
    match crate::pages::rules(&clients.eb, bus, None).await {
        Ok(rules) => {
            let ours = rules
                .iter()
                .filter(|r| {
                    r.name
                        .as_deref()
                        .is_some_and(|n| n.starts_with(super::bus::PREFIX))
                })
                .count();
            checks.push(check(
                Outcome::Pass,
                "rules",
                format!(
                    "{} rules on the bus (events:ListRules allowed){}",
                    rules.len(),
                    if ours > 0 {
                        format!("; {ours} left by zdwatch: `zdwatch gc`")
                    } else {
                        String::new()
                    }
                ),
            ));
        }
        Err(e) => checks.push(check(Outcome::Fail, "rules", e.to_string())),
    }
    checks.push(attach(aws, bus).await);
    checks
}

/// What `--bus` does, done once: a personal queue and rule are created and removed again. The
/// only sure check of the permissions (SQS and EventBridge have no dry run).
async fn attach(aws: &AwsOptions, bus: &str) -> Check {
    let a = match super::bus::Attachment::attach(aws, bus, None).await {
        Ok(a) => a,
        Err(p) => {
            return check(
                Outcome::Fail,
                "attach",
                format!(
                    "could not create a personal queue and rule ({p}); README, 'AWS permissions', lists what --bus needs"
                ),
            );
        }
    };
    let name = a.name.clone();
    match a.detach().await {
        Ok(()) => check(
            Outcome::Pass,
            "attach",
            format!(
                "created and removed queue and rule {name} (sqs:CreateQueue, sqs:SetQueueAttributes, events:PutRule, events:PutTargets and their removal allowed)"
            ),
        ),
        Err(left) => check(Outcome::Fail, "detach", left),
    }
}
