//! `zdwatch send`: puts events onto an event bus (PutEvents) or a queue (SendMessageBatch), ten
//! at a time, retrying the entries that fail, to test rules and whatever consumes them.

use std::time::Duration;

use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use serde_json::Value;

use super::sqs::{AwsOptions, classify, sdk_config};
use super::{Problem, ProblemKind};

/// At most ten entries per request, for both APIs.
pub const BATCH: usize = 10;
const ATTEMPTS: u32 = 5;

/// Where events go.
pub enum Target {
    Bus {
        client: aws_sdk_eventbridge::Client,
        bus: String,
    },
    Queue {
        client: aws_sdk_sqs::Client,
        url: String,
    },
}

/// What a send did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sent {
    pub sent: u64,
    /// Entries still refused after every attempt, with the service's reason.
    pub failed: Vec<String>,
    /// Bodies that are not an EventBridge event, so cannot be put on a bus.
    pub skipped: u64,
}

/// A bus name that looks like production, or the partner bus Zendesk itself writes to.
pub fn looks_like_production(bus: &str) -> bool {
    let name = bus.rsplit('/').next().unwrap_or(bus).to_ascii_lowercase();
    name.contains("prod")
        || bus.starts_with("aws.partner/")
        || bus.contains(":event-bus/aws.partner/")
}

impl Target {
    pub async fn bus(aws: &AwsOptions, bus: &str) -> Result<Target, Problem> {
        let config = sdk_config(aws).await;
        if config.region().is_none() && !bus.starts_with("arn:") {
            return Err(Problem::new(
                ProblemKind::NoRegion,
                "no AWS region configured",
            ));
        }
        let mut builder = aws_sdk_eventbridge::config::Builder::from(&config);
        if let Some(region) = bus.strip_prefix("arn:").and_then(|r| r.split(':').nth(2)) {
            if config.region().is_none() {
                builder = builder.region(aws_config::Region::new(region.to_string()));
            }
        }
        Ok(Target::Bus {
            client: aws_sdk_eventbridge::Client::from_conf(builder.build()),
            bus: bus.to_string(),
        })
    }

    pub async fn queue(aws: &AwsOptions, queue: &str) -> Result<Target, Problem> {
        let client = super::sqs::client(aws, queue).await?;
        let url = super::sqs::queue_url(&client, queue).await?;
        Ok(Target::Queue { client, url })
    }

    /// Sends up to [`BATCH`] bodies, retrying refused entries with a growing pause.
    pub async fn send(&self, bodies: &[Vec<u8>], sent: &mut Sent) -> Result<(), Problem> {
        let mut pending: Vec<usize> = (0..bodies.len()).collect();
        let mut last_errors: Vec<String> = Vec::new();
        for attempt in 0..ATTEMPTS {
            if pending.is_empty() {
                break;
            }
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
            }
            let refused = match self {
                Target::Queue { client, url } => {
                    send_to_queue(client, url, bodies, &pending, sent).await?
                }
                Target::Bus { client, bus } => {
                    put_on_bus(client, bus, bodies, &pending, sent).await?
                }
            };
            last_errors = refused.iter().map(|(_, why)| why.clone()).collect();
            pending = refused.into_iter().map(|(i, _)| i).collect();
        }
        sent.failed
            .extend(last_errors.into_iter().take(pending.len()));
        Ok(())
    }
}

/// Entries refused by the service: index into `bodies`, and why.
type Refused = Vec<(usize, String)>;

async fn send_to_queue(
    client: &aws_sdk_sqs::Client,
    url: &str,
    bodies: &[Vec<u8>],
    pending: &[usize],
    sent: &mut Sent,
) -> Result<Refused, Problem> {
    let mut entries = Vec::new();
    let mut refused = Refused::new();
    for &i in pending {
        match std::str::from_utf8(&bodies[i]) {
            Ok(text) => entries.push(
                SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(text)
                    .build()
                    .map_err(|e| Problem::new(ProblemKind::Other, e.to_string()))?,
            ),
            Err(_) => sent
                .failed
                .push("not UTF-8: SQS cannot carry this body".into()),
        }
    }
    if entries.is_empty() {
        return Ok(refused);
    }
    let out = match client
        .send_message_batch()
        .queue_url(url)
        .set_entries(Some(entries))
        .send()
        .await
    {
        Ok(out) => out,
        // A throttled or failed request: every entry is tried again.
        Err(e) => {
            let p = classify(&e);
            if p.needs_user() {
                return Err(p);
            }
            return Ok(pending.iter().map(|i| (*i, p.detail.clone())).collect());
        }
    };
    sent.sent += out.successful.len() as u64;
    for f in out.failed {
        if let Ok(i) = f.id.parse::<usize>() {
            refused.push((i, format!("{}: {}", f.code, f.message.unwrap_or_default())));
        }
    }
    Ok(refused)
}

async fn put_on_bus(
    client: &aws_sdk_eventbridge::Client,
    bus: &str,
    bodies: &[Vec<u8>],
    pending: &[usize],
    sent: &mut Sent,
) -> Result<Refused, Problem> {
    let mut entries = Vec::new();
    let mut order = Vec::new();
    for &i in pending {
        match entry(&bodies[i], bus) {
            Some(e) => {
                entries.push(e);
                order.push(i);
            }
            None => sent.skipped += 1,
        }
    }
    if entries.is_empty() {
        return Ok(Refused::new());
    }
    let out = match client.put_events().set_entries(Some(entries)).send().await {
        Ok(out) => out,
        Err(e) => {
            let p = classify(&e);
            if p.needs_user() {
                return Err(p);
            }
            return Ok(order.iter().map(|i| (*i, p.detail.clone())).collect());
        }
    };
    let mut refused = Refused::new();
    // Results come back in the order of the entries.
    for (i, r) in order.iter().zip(out.entries.unwrap_or_default()) {
        match r.error_code {
            Some(code) => refused.push((
                *i,
                format!("{code}: {}", r.error_message.unwrap_or_default()),
            )),
            None => sent.sent += 1,
        }
    }
    Ok(refused)
}

/// The PutEvents entry for a body holding an EventBridge event (under SNS layers, if any).
fn entry(body: &[u8], bus: &str) -> Option<PutEventsRequestEntry> {
    let mut v: Value = serde_json::from_slice(body).ok()?;
    for _ in 0..4 {
        if v.get("Type").and_then(Value::as_str) != Some("Notification") {
            break;
        }
        v = serde_json::from_str(v.get("Message")?.as_str()?).ok()?;
    }
    let source = v.get("source")?.as_str()?;
    let detail_type = v.get("detail-type")?.as_str()?;
    let detail = serde_json::to_string(v.get("detail")?).ok()?;
    let mut e = PutEventsRequestEntry::builder()
        .event_bus_name(bus)
        .source(source)
        .detail_type(detail_type)
        .detail(detail);
    if let Some(resources) = v.get("resources").and_then(Value::as_array) {
        for r in resources.iter().filter_map(Value::as_str) {
            e = e.resources(r);
        }
    }
    if let Some(t) = v
        .get("time")
        .and_then(Value::as_str)
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
    {
        e = e.time(aws_sdk_eventbridge::primitives::DateTime::from_secs(
            t.as_second(),
        ));
    }
    Some(e.build())
}

/// `50/s`, `600/m`: events per second.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let (n, unit) = text
        .split_once('/')
        .ok_or_else(|| format!("'{text}': a rate is a number per second or minute, e.g. 50/s"))?;
    let n: f64 = n
        .trim()
        .parse()
        .map_err(|_| format!("'{text}': not a number before '/'"))?;
    let per = match unit.trim() {
        "s" | "sec" | "second" => 1.0,
        "m" | "min" | "minute" => 60.0,
        _ => return Err(format!("'{text}': the unit is s or m")),
    };
    if !(n.is_finite() && n > 0.0) {
        return Err(format!("'{text}': the rate must be above zero"));
    }
    Ok(n / per)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_looking_buses() {
        assert!(looks_like_production("zendesk-prod"));
        assert!(looks_like_production(
            "arn:aws:events:eu-west-1:1:event-bus/Production-bus"
        ));
        assert!(looks_like_production(
            "aws.partner/zendesk.com/9242270/default"
        ));
        assert!(!looks_like_production("zendesk-staging"));
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("50/s"), Ok(50.0));
        assert_eq!(parse_rate("600/m"), Ok(10.0));
        assert!(parse_rate("50").is_err());
        assert!(parse_rate("0/s").is_err());
        assert!(parse_rate("5/h").is_err());
    }

    #[test]
    fn entries_come_from_the_eventbridge_event_inside_sns() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/samples");
        let body = std::fs::read(dir.join("envelopes/sns-webhook.json")).unwrap();
        let e = entry(&body, "bus").unwrap();
        assert_eq!(e.source(), Some("zendesk.webhook"));
        assert!(e.detail().unwrap().contains("zen:event-type:ticket."));
        assert!(entry(b"{\"ticket\": 1}", "bus").is_none());
    }
}
