//! `--bus NAME`: a personal debug queue attached to an event bus. A shared debug queue splits
//! its events between the engineers reading it; this gives each one their own: a queue
//! (`zdwatch-<user>-<id>`, SSE, short retention, tagged), a policy that lets only this rule send
//! to it, a rule on the bus (every Zendesk event, or `--pattern`), and the queue as its target.
//! Everything is removed on exit unless `--keep`; `zdwatch gc` removes what a crash left.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_sdk_eventbridge::types::{RuleState, Tag, Target};
use aws_sdk_sqs::types::QueueAttributeName;
use jiff::{SignedDuration, Timestamp};
use rand::Rng;

use super::sqs::{AwsOptions, classify, sdk_config};
use super::{Problem, ProblemKind};

mod replay;

pub use replay::{ARCHIVE_DELAY, Archive, Holds, POLICY_DELAY};

/// Every Zendesk event, in either format: the retired connector's partner source, or a webhook
/// relayed with its `zen:event-type:` type as the detail-type.
pub const DEFAULT_PATTERN: &str = r#"{"$or": [{"source": [{"prefix": "aws.partner/zendesk.com"}]}, {"detail-type": [{"prefix": "zen:event-type:"}]}]}"#;

/// Names of everything zdwatch creates start with this.
pub const PREFIX: &str = "zdwatch-";
const OWNER_TAG: &str = "zdwatch:owner";
const CREATED_TAG: &str = "zdwatch:created";
/// Messages older than this are dropped by the queue itself (a personal queue is not an archive).
const RETENTION_SECONDS: u32 = 4 * 3600;

pub struct Clients {
    pub sqs: aws_sdk_sqs::Client,
    pub eb: aws_sdk_eventbridge::Client,
}

impl Clients {
    pub async fn new(aws: &AwsOptions, bus: &str) -> Result<Clients, Problem> {
        let config = sdk_config(aws).await;
        // A bus given by ARN is in the ARN's region: its queue and rule go there too.
        let region = bus_region(bus)
            .or_else(|| config.region().map(|r| r.to_string()))
            .ok_or_else(|| Problem::new(ProblemKind::NoRegion, "no AWS region configured"))?;
        let region = aws_config::Region::new(region);
        Ok(Clients {
            sqs: aws_sdk_sqs::Client::from_conf(
                aws_sdk_sqs::config::Builder::from(&config)
                    .region(region.clone())
                    .build(),
            ),
            eb: aws_sdk_eventbridge::Client::from_conf(
                aws_sdk_eventbridge::config::Builder::from(&config)
                    .region(region)
                    .build(),
            ),
        })
    }
}

/// One attribute of a queue (GetQueueAttributes), `None` when the queue has none.
async fn attribute(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    name: QueueAttributeName,
) -> Result<Option<String>, Problem> {
    Ok(sqs
        .get_queue_attributes()
        .queue_url(queue_url)
        .attribute_names(name.clone())
        .send()
        .await
        .map_err(|e| classify(&e))?
        .attributes
        .and_then(|mut a| a.remove(&name)))
}

/// An EventBridge client for `bus`: in the region its ARN names (the bus is only there), else the
/// configured one.
pub async fn client(aws: &AwsOptions, bus: &str) -> Result<aws_sdk_eventbridge::Client, Problem> {
    let config = sdk_config(aws).await;
    let mut builder = aws_sdk_eventbridge::config::Builder::from(&config);
    match bus_region(bus) {
        Some(region) => builder = builder.region(aws_config::Region::new(region)),
        None if config.region().is_none() => {
            return Err(Problem::new(
                ProblemKind::NoRegion,
                "no AWS region configured",
            ));
        }
        None => {}
    }
    Ok(aws_sdk_eventbridge::Client::from_conf(builder.build()))
}

/// The region of a bus given by ARN (`arn:aws:events:eu-west-1:123456789012:event-bus/zendesk`).
pub fn bus_region(bus: &str) -> Option<String> {
    bus.strip_prefix("arn:")
        .and_then(|r| r.split(':').nth(2))
        .filter(|r| !r.is_empty())
        .map(String::from)
}

/// The account of a bus given by ARN.
pub fn bus_account(bus: &str) -> Option<&str> {
    bus.strip_prefix("arn:")
        .and_then(|r| r.split(':').nth(3))
        .filter(|a| !a.is_empty())
}

/// A personal queue attached to a bus, until [`Attachment::detach`].
pub struct Attachment {
    pub bus: String,
    pub name: String,
    pub queue_url: String,
    rule_arn: String,
    clients: Clients,
    /// What exists so far (a failed attach removes just that).
    rule_created: bool,
    target_added: bool,
    /// The rule's pattern.
    pattern: String,
    /// When attaching began, and when the target was added: the first minute's replay covers
    /// from the one to a minute after the other.
    attaching_since: Timestamp,
    wired_at: Timestamp,
    /// Replays started (cancelled on detach if still running).
    replays: Arc<Mutex<Vec<String>>>,
    /// The first minute's stretch while its replay is still due (see `cover_first_minute`).
    first_minute: Arc<Mutex<Option<(Timestamp, Timestamp)>>>,
}

/// `zdwatch-<user>-<6 hex>`: whose it is, and unique.
fn personal_name() -> String {
    let user: String = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "user".into())
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(32)
        .collect();
    let user = if user.is_empty() { "user".into() } else { user };
    let id: u32 = rand::rng().random_range(0..0x100_0000);
    format!("{PREFIX}{user}-{id:06x}")
}

fn owner() -> String {
    std::env::var("USER").unwrap_or_else(|_| "unknown".into())
}

impl Attachment {
    pub async fn attach(
        aws: &AwsOptions,
        bus: &str,
        pattern: Option<&str>,
    ) -> Result<Attachment, Problem> {
        let clients = Clients::new(aws, bus).await?;
        other_account(aws, bus).await?;
        let attaching_since = Timestamp::now();
        let name = personal_name();
        let created = attaching_since.to_string();
        let queue = clients
            .sqs
            .create_queue()
            .queue_name(&name)
            .attributes(QueueAttributeName::SqsManagedSseEnabled, "true")
            .attributes(
                QueueAttributeName::MessageRetentionPeriod,
                RETENTION_SECONDS.to_string(),
            )
            .tags(OWNER_TAG, owner())
            .tags(CREATED_TAG, &created)
            .send()
            .await
            .map_err(|e| classify(&e))?;
        let queue_url = queue
            .queue_url
            .ok_or_else(|| Problem::new(ProblemKind::Other, "CreateQueue returned no URL"))?;
        let mut a = Attachment {
            bus: bus.to_string(),
            name,
            queue_url,
            rule_arn: String::new(),
            clients,
            rule_created: false,
            target_added: false,
            pattern: pattern.unwrap_or(DEFAULT_PATTERN).to_string(),
            attaching_since,
            wired_at: attaching_since,
            replays: Arc::default(),
            first_minute: Arc::default(),
        };
        if let Err(p) = a.wire(&created).await {
            // Leave nothing behind for a half-made attachment.
            if let Err(left) = a.remove().await {
                tracing::warn!("{left}");
                return Err(Problem::new(p.kind, format!("{}; and {left}", p.detail)));
            }
            return Err(p);
        }
        Ok(a)
    }

    /// The rule, the queue policy that admits only it, and the target.
    async fn wire(&mut self, created: &str) -> Result<(), Problem> {
        let (sqs, eb) = (&self.clients.sqs, &self.clients.eb);
        let queue_arn = attribute(sqs, &self.queue_url, QueueAttributeName::QueueArn)
            .await?
            .ok_or_else(|| Problem::new(ProblemKind::Other, "the new queue has no ARN"))?;
        let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build();
        let rule = eb
            .put_rule()
            .name(&self.name)
            .event_bus_name(&self.bus)
            .event_pattern(&self.pattern)
            .state(RuleState::Enabled)
            .description("zdwatch personal debug rule; zdwatch removes it on exit (or: zdwatch gc)")
            .set_tags(Some(
                [tag(OWNER_TAG, &owner()), tag(CREATED_TAG, created)]
                    .into_iter()
                    .filter_map(Result::ok)
                    .collect(),
            ))
            .send()
            .await
            .map_err(|e| classify(&e))?;
        self.rule_created = true;
        let rule_arn = rule.rule_arn.unwrap_or_default();
        self.rule_arn = rule_arn.clone();
        let policy = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "zdwatch-rule-only",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}
            }]
        });
        sqs.set_queue_attributes()
            .queue_url(&self.queue_url)
            .attributes(QueueAttributeName::Policy, policy.to_string())
            .send()
            .await
            .map_err(|e| classify(&e))?;
        // Read back: the policy must be the queue's before the rule gets its target. (AWS may
        // still take up to a minute to enforce it everywhere: see `replay::POLICY_DELAY`.)
        let stored = attribute(sqs, &self.queue_url, QueueAttributeName::Policy)
            .await?
            .unwrap_or_default();
        if !stored.contains(&rule_arn) {
            return Err(Problem::new(
                ProblemKind::Other,
                "the queue did not keep the policy that lets the rule send to it",
            ));
        }
        let target = Target::builder()
            .id("zdwatch")
            .arn(&queue_arn)
            .build()
            .map_err(|e| Problem::new(ProblemKind::Other, e.to_string()))?;
        let out = eb
            .put_targets()
            .rule(&self.name)
            .event_bus_name(&self.bus)
            .targets(target)
            .send()
            .await
            .map_err(|e| classify(&e))?;
        if out.failed_entry_count > 0 {
            return Err(Problem::new(
                ProblemKind::Other,
                "PutTargets refused the queue as the rule's target",
            ));
        }
        self.target_added = true;
        self.wired_at = Timestamp::now();
        Ok(())
    }

    /// Removes the target, the rule and the queue. On failure, says exactly what is left and
    /// how to remove it.
    pub async fn detach(mut self) -> Result<(), String> {
        self.remove().await
    }

    async fn remove(&mut self) -> Result<(), String> {
        let (sqs, eb) = (&self.clients.sqs, &self.clients.eb);
        let mut left = Vec::new();
        self.cancel_replays().await;
        if self.target_added {
            match eb
                .remove_targets()
                .rule(&self.name)
                .event_bus_name(&self.bus)
                .ids("zdwatch")
                .send()
                .await
            {
                Ok(_) => self.target_added = false,
                Err(e) => left.push(format!("target: {}", classify(&e).detail)),
            }
        }
        if self.rule_created && !self.target_added {
            match eb
                .delete_rule()
                .name(&self.name)
                .event_bus_name(&self.bus)
                .send()
                .await
            {
                Ok(_) => self.rule_created = false,
                Err(e) => left.push(format!("rule: {}", classify(&e).detail)),
            }
        }
        if let Err(e) = sqs.delete_queue().queue_url(&self.queue_url).send().await {
            left.push(format!("queue: {}", classify(&e).detail));
        }
        if left.is_empty() {
            return Ok(());
        }
        Err(format!(
            "could not remove everything zdwatch created ({}). Left: rule {} on bus {} and queue {}. \
             Remove them with `zdwatch gc --bus {} --older-than 0s`, or: aws events remove-targets --event-bus-name {} --rule {} --ids zdwatch; \
             aws events delete-rule --event-bus-name {} --name {}; aws sqs delete-queue --queue-url {}",
            left.join("; "),
            self.name,
            self.bus,
            self.queue_url,
            self.bus,
            self.bus,
            self.name,
            self.bus,
            self.name,
            self.queue_url
        ))
    }

    /// `--keep`: what stays, and how to use it again.
    pub fn kept(&self) -> String {
        format!(
            "kept rule {} on bus {} and queue {}: read it again with `zdwatch --queue {}`; remove both with `zdwatch gc --bus {} --older-than 0s`",
            self.name, self.bus, self.queue_url, self.queue_url, self.bus
        )
    }
}

/// What `zdwatch gc` found or removed.
#[derive(Debug, Default)]
pub struct Collected {
    pub rules: Vec<String>,
    pub queues: Vec<String>,
    pub problems: Vec<String>,
}

/// Finds zdwatch's rules on `bus` and zdwatch's queues (by name prefix and tag) created more than
/// `older_than` ago, and removes them unless `dry_run`.
pub async fn gc(
    aws: &AwsOptions,
    bus: &str,
    older_than: SignedDuration,
    dry_run: bool,
) -> Result<Collected, Problem> {
    let c = Clients::new(aws, bus).await?;
    let cutoff = Timestamp::now()
        .checked_sub(older_than)
        .unwrap_or(Timestamp::MIN);
    let mut found = Collected::default();
    let rules = crate::pages::rules(&c.eb, bus, Some(PREFIX)).await?;
    for rule in rules {
        let (Some(name), Some(arn)) = (rule.name, rule.arn) else {
            continue;
        };
        match collect_rule(&c, bus, &name, &arn, cutoff, dry_run).await {
            Ok(true) => found.rules.push(name),
            Ok(false) => {}
            Err(detail) => found.problems.push(format!("rule {name}: {detail}")),
        }
    }
    let queues = crate::pages::queues(&c.sqs, PREFIX).await?;
    for url in queues {
        match collect_queue(&c, &url, cutoff, dry_run).await {
            Ok(true) => found.queues.push(url),
            Ok(false) => {}
            Err(detail) => found.problems.push(format!("queue {url}: {detail}")),
        }
    }
    Ok(found)
}

/// Whether tags say zdwatch made it before `cutoff`.
fn ours_and_old(tags: &HashMap<String, String>, cutoff: Timestamp) -> bool {
    tags.contains_key(OWNER_TAG)
        && tags
            .get(CREATED_TAG)
            .and_then(|t| t.parse::<Timestamp>().ok())
            .is_some_and(|t| t <= cutoff)
}

/// Removes one rule (its targets first) if it is zdwatch's and old enough; true if it was (or
/// would be, in a dry run).
async fn collect_rule(
    c: &Clients,
    bus: &str,
    name: &str,
    arn: &str,
    cutoff: Timestamp,
    dry_run: bool,
) -> Result<bool, String> {
    let detail = |p: Problem| p.detail;
    let tags: HashMap<String, String> =
        c.eb.list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(|e| detail(classify(&e)))?
            .tags
            .unwrap_or_default()
            .into_iter()
            .map(|t| (t.key, t.value))
            .collect();
    if !ours_and_old(&tags, cutoff) {
        return Ok(false);
    }
    if dry_run {
        return Ok(true);
    }
    let ids: Vec<String> = crate::pages::targets(&c.eb, bus, name)
        .await
        .map_err(detail)?
        .into_iter()
        .map(|t| t.id)
        .collect();
    if !ids.is_empty() {
        c.eb.remove_targets()
            .rule(name)
            .event_bus_name(bus)
            .set_ids(Some(ids))
            .send()
            .await
            .map_err(|e| detail(classify(&e)))?;
    }
    c.eb.delete_rule()
        .name(name)
        .event_bus_name(bus)
        .send()
        .await
        .map_err(|e| detail(classify(&e)))?;
    Ok(true)
}

/// Removes one queue if it is zdwatch's and old enough.
async fn collect_queue(
    c: &Clients,
    url: &str,
    cutoff: Timestamp,
    dry_run: bool,
) -> Result<bool, String> {
    let tags = c
        .sqs
        .list_queue_tags()
        .queue_url(url)
        .send()
        .await
        .map_err(|e| classify(&e).detail)?
        .tags
        .unwrap_or_default();
    if !ours_and_old(&tags, cutoff) {
        return Ok(false);
    }
    if !dry_run {
        c.sqs
            .delete_queue()
            .queue_url(url)
            .send()
            .await
            .map_err(|e| classify(&e).detail)?;
    }
    Ok(true)
}

/// `--bus` on another account's bus cannot work: only a bus's own account can put a rule on it.
/// Said before anything is created (when STS answers; else PutRule says AccessDenied later).
async fn other_account(aws: &AwsOptions, bus: &str) -> Result<(), Problem> {
    let Some(owner) = bus_account(bus) else {
        return Ok(());
    };
    let config = sdk_config(aws).await;
    let mut builder = aws_sdk_sts::config::Builder::from(&config);
    if let Some(region) = bus_region(bus) {
        builder = builder.region(aws_config::Region::new(region));
    }
    let sts = aws_sdk_sts::Client::from_conf(builder.build());
    let Ok(who) = sts.get_caller_identity().send().await else {
        return Ok(());
    };
    match who.account() {
        Some(mine) if mine != owner => Err(Problem::new(
            ProblemKind::Other,
            format!(
                "bus {bus} belongs to account {owner}, and these credentials are of account {mine}: only the bus's own account can put a rule on it. Ask its owner for a rule that forwards to a bus of account {mine} and attach to that one, or use credentials of account {owner}"
            ),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_pattern_takes_every_zendesk_event_and_nothing_else() {
        let p = zdwatch_core::pattern::Pattern::compile(DEFAULT_PATTERN).unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/samples");
        for name in [
            "legacy/status_changed.json",
            "webhook/created.json",
            "envelopes/sns-webhook.json",
        ] {
            assert!(
                p.matches_body(&std::fs::read(dir.join(name)).unwrap()),
                "{name}"
            );
        }
        let ec2 = std::fs::read(dir.join("other/unrecognized-ec2-event.json")).unwrap();
        assert!(!p.matches_body(&ec2));
    }

    #[test]
    fn personal_names_say_whose_and_are_unique() {
        let (a, b) = (personal_name(), personal_name());
        assert!(a.starts_with(PREFIX) && a != b, "{a} {b}");
        assert!(a.len() <= 80, "SQS queue names are at most 80 characters");
    }
}
