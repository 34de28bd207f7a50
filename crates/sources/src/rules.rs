//! A deployed EventBridge rule's pattern (`--rule-from-bus BUS --rule NAME`), fetched with
//! DescribeRule so it need not be pasted.

use super::sqs::{AwsOptions, classify};
use super::{Problem, ProblemKind};

pub async fn rule_pattern(aws: &AwsOptions, bus: &str, rule: &str) -> Result<String, Problem> {
    let client = super::bus::client(aws, bus).await?;
    let out = client
        .describe_rule()
        .name(rule)
        .event_bus_name(bus)
        .send()
        .await
        .map_err(|e| classify(&e))?;
    out.event_pattern.ok_or_else(|| {
        Problem::new(
            ProblemKind::Other,
            format!("rule {rule} has no event pattern (a scheduled rule?)"),
        )
    })
}
