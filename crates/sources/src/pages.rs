//! Every page of AWS's list calls. EventBridge's SDK has no paginators, so its `NextToken` is
//! followed here; SQS ListQueues returns a `NextToken` only when `MaxResults` is given, so it is
//! given. A listing that stopped at the first page would make `gc` leave rules behind and
//! `doctor` say "no rule targets this queue" on a bus with more than 50 rules (AWS and moto page
//! ListRules at 50; README, "AWS").

use aws_sdk_eventbridge::Client as EventBridge;
use aws_sdk_eventbridge::types::{Archive, EventBus, Rule, Target};
use aws_sdk_sqs::Client as Sqs;

use crate::Problem;
use crate::sqs::classify;

/// At most this many pages of one listing: a server that always answers with a token does not
/// keep zdwatch looping.
const MAX_PAGES: usize = 1_000;

/// Collects `page(token)` until it returns no token.
async fn every_page<T, F, Fut>(mut page: F) -> Result<Vec<T>, Problem>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), Problem>>,
{
    let mut all = Vec::new();
    let mut token = None;
    for _ in 0..MAX_PAGES {
        let (items, next) = page(token.take()).await?;
        all.extend(items);
        match next {
            Some(t) if !t.is_empty() => token = Some(t),
            _ => break,
        }
    }
    Ok(all)
}

/// The rules on `bus` (whose names start with `prefix`, when given).
pub async fn rules(
    eb: &EventBridge,
    bus: &str,
    prefix: Option<&str>,
) -> Result<Vec<Rule>, Problem> {
    every_page(|token| async move {
        let out = eb
            .list_rules()
            .event_bus_name(bus)
            .set_name_prefix(prefix.map(str::to_string))
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify(&e))?;
        Ok((out.rules.unwrap_or_default(), out.next_token))
    })
    .await
}

/// The targets of one rule.
pub async fn targets(eb: &EventBridge, bus: &str, rule: &str) -> Result<Vec<Target>, Problem> {
    every_page(|token| async move {
        let out = eb
            .list_targets_by_rule()
            .rule(rule)
            .event_bus_name(bus)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify(&e))?;
        Ok((out.targets.unwrap_or_default(), out.next_token))
    })
    .await
}

/// The event buses of the region.
pub async fn buses(eb: &EventBridge) -> Result<Vec<EventBus>, Problem> {
    every_page(|token| async move {
        let out = eb
            .list_event_buses()
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify(&e))?;
        Ok((out.event_buses.unwrap_or_default(), out.next_token))
    })
    .await
}

/// The names of the rules on `bus` that target `arn`.
pub async fn rule_names_by_target(
    eb: &EventBridge,
    bus: &str,
    arn: &str,
) -> Result<Vec<String>, Problem> {
    every_page(|token| async move {
        let out = eb
            .list_rule_names_by_target()
            .target_arn(arn)
            .event_bus_name(bus)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify(&e))?;
        Ok((out.rule_names.unwrap_or_default(), out.next_token))
    })
    .await
}

/// The archives of the bus `source_arn`.
pub async fn archives(eb: &EventBridge, source_arn: &str) -> Result<Vec<Archive>, Problem> {
    every_page(|token| async move {
        let out = eb
            .list_archives()
            .event_source_arn(source_arn)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify(&e))?;
        Ok((out.archives.unwrap_or_default(), out.next_token))
    })
    .await
}

/// The URLs of the queues whose names start with `prefix` (1,000 a page).
pub async fn queues(sqs: &Sqs, prefix: &str) -> Result<Vec<String>, Problem> {
    every_page(|token| async move {
        let out = sqs
            .list_queues()
            .queue_name_prefix(prefix)
            .max_results(1_000)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify(&e))?;
        Ok((out.queue_urls.unwrap_or_default(), out.next_token))
    })
    .await
}
