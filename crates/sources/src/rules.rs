//! A deployed EventBridge rule's pattern (`--rule-from-bus BUS --rule NAME`), fetched with
//! DescribeRule so it need not be pasted.

use super::sqs::{AwsOptions, classify, sdk_config};
use super::{Problem, ProblemKind};

pub async fn rule_pattern(aws: &AwsOptions, bus: &str, rule: &str) -> Result<String, Problem> {
    let config = sdk_config(aws).await;
    let mut builder = aws_sdk_eventbridge::config::Builder::from(&config);
    if config.region().is_none() {
        // arn:aws:events:REGION:ACCOUNT:event-bus/NAME
        match bus.strip_prefix("arn:").and_then(|r| r.split(':').nth(2)) {
            Some(region) if !region.is_empty() => {
                builder = builder.region(aws_config::Region::new(region.to_string()));
            }
            _ => {
                return Err(Problem::new(
                    ProblemKind::NoRegion,
                    "no AWS region configured",
                ));
            }
        }
    }
    let client = aws_sdk_eventbridge::Client::from_conf(builder.build());
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
