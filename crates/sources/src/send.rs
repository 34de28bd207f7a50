//! `zdwatch send`: puts events onto an event bus (PutEvents) or a queue (SendMessageBatch), as
//! the services take them: at most ten entries and 256 KB a request, and retried only when a
//! retry can succeed (throttling, the service's own failures), never a refusal that would be
//! refused again (access denied, a malformed detail, a source EventBridge does not allow).

use std::time::Duration;

use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use serde_json::Value;

use super::sqs::{AwsOptions, classify};
use super::{Problem, ProblemKind};

/// At most ten entries per request, for both APIs.
pub const BATCH: usize = 10;
/// At most this many bytes of entries per request (PutEvents' limit, computed as AWS documents
/// it; SQS allows more today, but not on every queue).
pub const MAX_REQUEST_BYTES: usize = zdwatch_relay::entry::MAX_ENTRY_BYTES;
const ATTEMPTS: u32 = 5;

/// PutEvents refuses sources that start with `aws.` (NotAuthorizedForSourceException): the
/// Events Connector's `aws.partner/zendesk.com/…` events are put under this prefix instead, so
/// `{"source": [{"prefix": "zdwatch.aws.partner/zendesk.com"}]}` matches them (README, "send").
pub const RENAMED_SOURCE_PREFIX: &str = "zdwatch.";

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

/// Whether a queue URL names a FIFO queue (its name ends in `.fifo`).
pub fn is_fifo(url: &str) -> bool {
    url.trim_end_matches('/').ends_with(".fifo")
}

/// What a send did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sent {
    pub sent: u64,
    /// Entries refused (at once, or after every attempt when a retry could help), with the
    /// service's reason.
    pub failed: Vec<String>,
    /// Bodies that are not an EventBridge event, so cannot be put on a bus.
    pub skipped: u64,
    /// Connector events put under [`RENAMED_SOURCE_PREFIX`] + their source.
    pub renamed: u64,
}

/// A bus name that looks like production, or the partner bus Zendesk itself writes to.
pub fn looks_like_production(bus: &str) -> bool {
    let name = bus.rsplit('/').next().unwrap_or(bus).to_ascii_lowercase();
    name.contains("prod")
        || bus.starts_with("aws.partner/")
        || bus.contains(":event-bus/aws.partner/")
}

/// One entry ready to go: where it came from in the bodies given, and its size as the service
/// counts it.
struct Item<E> {
    index: usize,
    entry: E,
    size: usize,
}

/// An entry the service refused: which, why, and whether trying again could succeed.
struct Refusal {
    index: usize,
    why: String,
    retry: bool,
}

impl Target {
    pub async fn bus(aws: &AwsOptions, bus: &str) -> Result<Target, Problem> {
        Ok(Target::Bus {
            client: super::bus::client(aws, bus).await?,
            bus: bus.to_string(),
        })
    }

    pub async fn queue(aws: &AwsOptions, queue: &str) -> Result<Target, Problem> {
        let client = super::sqs::client(aws, queue).await?;
        let url = super::sqs::queue_url(&client, queue).await?;
        Ok(Target::Queue { client, url })
    }

    /// Sends `bodies` in requests of at most [`BATCH`] entries and [`MAX_REQUEST_BYTES`],
    /// retrying what may succeed with a growing pause. `Err` is a failure of the whole request
    /// that the user must fix (credentials, permissions, a missing bus or queue).
    pub async fn send(&self, bodies: &[Vec<u8>], sent: &mut Sent) -> Result<(), Problem> {
        match self {
            Target::Queue { client, url } => {
                let mut items = Vec::new();
                let fifo = is_fifo(url);
                for (index, body) in bodies.iter().enumerate() {
                    match queue_entry(index, body, fifo) {
                        Ok(item) => items.push(item),
                        Err(why) => sent.failed.push(why),
                    }
                }
                for request in requests(items) {
                    let mut pending = request;
                    for attempt in 0..ATTEMPTS {
                        pause(attempt).await;
                        let last = attempt + 1 == ATTEMPTS;
                        let refused = send_to_queue(client, url, &pending, sent).await?;
                        pending = settle(pending, refused, last, sent);
                        if pending.is_empty() {
                            break;
                        }
                    }
                }
            }
            Target::Bus { client, bus } => {
                let mut items = Vec::new();
                for (index, body) in bodies.iter().enumerate() {
                    match bus_entry(body, bus) {
                        None => sent.skipped += 1,
                        Some((entry, renamed)) => {
                            let size = entry_size(&entry);
                            if size > MAX_REQUEST_BYTES {
                                sent.failed.push(format!(
                                    "an event of {size} bytes: PutEvents takes at most {MAX_REQUEST_BYTES}"
                                ));
                                continue;
                            }
                            sent.renamed += u64::from(renamed);
                            items.push(Item { index, entry, size });
                        }
                    }
                }
                for request in requests(items) {
                    let mut pending = request;
                    for attempt in 0..ATTEMPTS {
                        pause(attempt).await;
                        let last = attempt + 1 == ATTEMPTS;
                        let refused = put_on_bus(client, &pending, sent).await?;
                        pending = settle(pending, refused, last, sent);
                        if pending.is_empty() {
                            break;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// Waits before attempt `attempt` (none before the first): 400 ms, 800 ms, 1.6 s, …
async fn pause(attempt: u32) {
    if attempt > 0 {
        tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
    }
}

/// Splits items into requests of at most [`BATCH`] entries and [`MAX_REQUEST_BYTES`].
fn requests<E>(items: Vec<Item<E>>) -> Vec<Vec<Item<E>>> {
    let mut out: Vec<Vec<Item<E>>> = Vec::new();
    let mut bytes = 0;
    for item in items {
        let full = out.last().is_none_or(|r| {
            r.len() >= BATCH || (!r.is_empty() && bytes + item.size > MAX_REQUEST_BYTES)
        });
        if full {
            out.push(Vec::new());
            bytes = 0;
        }
        bytes += item.size;
        if let Some(r) = out.last_mut() {
            r.push(item);
        }
    }
    out
}

/// What is left to try again: the refusals a retry can help, unless this was the last attempt;
/// the others are counted as failed.
fn settle<E>(
    pending: Vec<Item<E>>,
    refused: Vec<Refusal>,
    last: bool,
    sent: &mut Sent,
) -> Vec<Item<E>> {
    let mut again = Vec::new();
    for item in pending {
        let Some(r) = refused.iter().find(|r| r.index == item.index) else {
            continue;
        };
        if r.retry && !last {
            again.push(item);
        } else {
            sent.failed.push(r.why.clone());
        }
    }
    again
}

/// A queue entry; on a FIFO queue with the ticket as its message group (a ticket's events stay
/// in order) and the event id as its deduplication id (a resend within five minutes is dropped).
fn queue_entry(
    index: usize,
    body: &[u8],
    fifo: bool,
) -> Result<Item<SendMessageBatchRequestEntry>, String> {
    let text = std::str::from_utf8(body)
        .map_err(|_| "not UTF-8: SQS cannot carry this body".to_string())?;
    let mut entry = SendMessageBatchRequestEntry::builder()
        .id(index.to_string())
        .message_body(text);
    if fifo {
        let event = zdwatch_core::event::decode(zdwatch_core::event::Received {
            body: body.to_vec(),
            message_id: None,
            received_at: jiff::Timestamp::now(),
        });
        let group = event
            .ticket_id
            .map_or_else(|| "zdwatch".to_string(), |t| format!("ticket-{t}"));
        entry = entry
            .message_group_id(group)
            .message_deduplication_id(deduplication_id(&event.event_id));
    }
    let entry = entry.build().map_err(|e| e.to_string())?;
    Ok(Item {
        index,
        entry,
        size: body.len(),
    })
}

/// A MessageDeduplicationId for an event id: the id itself when SQS takes it (at most 128
/// characters, letters, digits and punctuation), else 32 hex digits of a hash of it.
fn deduplication_id(event_id: &str) -> String {
    let plain = !event_id.is_empty()
        && event_id.len() <= 128
        && event_id.bytes().all(|b| b.is_ascii_graphic());
    if plain {
        return event_id.to_string();
    }
    use std::hash::{Hash, Hasher};
    let half = |salt: u8| {
        let mut h = std::hash::DefaultHasher::new();
        salt.hash(&mut h);
        event_id.hash(&mut h);
        h.finish()
    };
    format!("{:016x}{:016x}", half(1), half(2))
}

/// A whole request's failure: the user's to fix (`Err`), or every entry refused with the reason
/// and whether a retry may help.
fn request_failed<E>(p: Problem, pending: &[Item<E>]) -> Result<Vec<Refusal>, Problem> {
    if p.needs_user() {
        return Err(p);
    }
    let retry = matches!(
        p.kind,
        ProblemKind::Throttled
            | ProblemKind::Timeout
            | ProblemKind::Unreachable
            | ProblemKind::ServerError
    );
    Ok(pending
        .iter()
        .map(|i| Refusal {
            index: i.index,
            why: p.detail.clone(),
            retry,
        })
        .collect())
}

async fn send_to_queue(
    client: &aws_sdk_sqs::Client,
    url: &str,
    pending: &[Item<SendMessageBatchRequestEntry>],
    sent: &mut Sent,
) -> Result<Vec<Refusal>, Problem> {
    let entries = pending.iter().map(|i| i.entry.clone()).collect();
    let out = match client
        .send_message_batch()
        .queue_url(url)
        .set_entries(Some(entries))
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => return request_failed(classify(&e), pending),
    };
    sent.sent += out.successful.len() as u64;
    Ok(out
        .failed
        .into_iter()
        .filter_map(|f| {
            Some(Refusal {
                index: f.id.parse().ok()?,
                why: format!("{}: {}", f.code, f.message.unwrap_or_default()),
                // SQS says whose fault it is: a sender's fault fails again.
                retry: !f.sender_fault,
            })
        })
        .collect())
}

async fn put_on_bus(
    client: &aws_sdk_eventbridge::Client,
    pending: &[Item<PutEventsRequestEntry>],
    sent: &mut Sent,
) -> Result<Vec<Refusal>, Problem> {
    let entries = pending.iter().map(|i| i.entry.clone()).collect();
    let out = match client.put_events().set_entries(Some(entries)).send().await {
        Ok(out) => out,
        Err(e) => return request_failed(classify(&e), pending),
    };
    let mut refused = Vec::new();
    // Results come back in the order of the entries.
    for (item, r) in pending.iter().zip(out.entries.unwrap_or_default()) {
        match r.error_code {
            Some(code) => refused.push(Refusal {
                index: item.index,
                retry: zdwatch_relay::bus::may_pass(&code),
                why: format!("{code}: {}", r.error_message.unwrap_or_default()),
            }),
            None => sent.sent += 1,
        }
    }
    Ok(refused)
}

/// A PutEvents entry's size as EventBridge counts it: 14 bytes for a time, then the UTF-8 bytes
/// of source, detail-type, detail and each resource.
fn entry_size(e: &PutEventsRequestEntry) -> usize {
    zdwatch_relay::entry::size(
        e.time().is_some(),
        [e.source(), e.detail_type(), e.detail()]
            .into_iter()
            .flatten()
            .chain(e.resources().iter().map(String::as_str)),
    )
}

/// The JSON of a body, under its SNS notification layers if any (at most four).
pub(crate) fn without_sns(body: &[u8]) -> Option<Value> {
    let mut v: Value = serde_json::from_slice(body).ok()?;
    for _ in 0..4 {
        if v.get("Type").and_then(Value::as_str) != Some("Notification") {
            break;
        }
        v = serde_json::from_str(v.get("Message")?.as_str()?).ok()?;
    }
    Some(v)
}

/// The PutEvents entry for a body holding an EventBridge event (under SNS layers, if any), and
/// whether its `aws.` source was renamed (see [`RENAMED_SOURCE_PREFIX`]).
fn bus_entry(body: &[u8], bus: &str) -> Option<(PutEventsRequestEntry, bool)> {
    let v = without_sns(body)?;
    let source = v.get("source")?.as_str()?;
    let renamed = source.starts_with("aws.");
    let source = if renamed {
        format!("{RENAMED_SOURCE_PREFIX}{source}")
    } else {
        source.to_string()
    };
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
    Some((e.build(), renamed))
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
        let (e, renamed) = bus_entry(&body, "bus").unwrap();
        assert_eq!(e.source(), Some("zendesk.webhook"));
        assert!(!renamed);
        assert!(e.detail().unwrap().contains("zen:event-type:ticket."));
        assert!(bus_entry(b"{\"ticket\": 1}", "bus").is_none());
    }

    #[test]
    fn connector_events_are_put_under_a_source_aws_allows() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/samples");
        let body = std::fs::read(dir.join("legacy/status_changed.json")).unwrap();
        let (e, renamed) = bus_entry(&body, "bus").unwrap();
        assert!(renamed);
        let source = e.source().unwrap();
        assert!(
            source.starts_with("zdwatch.aws.partner/zendesk.com/"),
            "{source}"
        );
    }

    #[test]
    fn requests_hold_ten_entries_and_256_kb_at_most() {
        let items = |sizes: &[usize]| -> Vec<Item<()>> {
            sizes
                .iter()
                .enumerate()
                .map(|(index, &size)| Item {
                    index,
                    entry: (),
                    size,
                })
                .collect()
        };
        let shape = |sizes: &[usize]| -> Vec<usize> {
            requests(items(sizes)).iter().map(Vec::len).collect()
        };
        assert_eq!(shape(&[1; 25]), [10, 10, 5]);
        let big = 100 * 1024;
        assert_eq!(shape(&[big, big, big, 10, big]), [2, 3]);
        assert_eq!(shape(&[big, big, big, big, big]), [2, 2, 1]);
        assert_eq!(shape(&[MAX_REQUEST_BYTES, 1]), [1, 1]);
        assert!(shape(&[]).is_empty());
    }

    #[test]
    fn fifo_entries_carry_the_ticket_as_group_and_the_event_as_deduplication_id() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/samples");
        let body = std::fs::read(dir.join("webhook/status_changed.json")).unwrap();
        let item = queue_entry(0, &body, true).unwrap();
        assert!(
            item.entry
                .message_group_id()
                .unwrap()
                .starts_with("ticket-")
        );
        let dedup = item.entry.message_deduplication_id().unwrap();
        assert!(!dedup.is_empty() && dedup.len() <= 128);
        assert!(
            queue_entry(0, &body, false)
                .unwrap()
                .entry
                .message_group_id()
                .is_none()
        );
        assert_eq!(deduplication_id("abc-1"), "abc-1");
        let hashed = deduplication_id(&"é".repeat(100));
        assert_eq!(hashed.len(), 32);
        assert_eq!(hashed, deduplication_id(&"é".repeat(100)));
        assert!(is_fifo("https://sqs.eu-west-1.amazonaws.com/1/zd.fifo"));
        assert!(!is_fifo("https://sqs.eu-west-1.amazonaws.com/1/zd"));
    }

    #[test]
    fn only_what_can_pass_is_tried_again() {
        assert!(zdwatch_relay::bus::may_pass("ThrottlingException"));
        assert!(zdwatch_relay::bus::may_pass("InternalFailure"));
        for code in [
            "NotAuthorizedForSourceException",
            "MalformedDetail",
            "InvalidArgument",
            "AccessDeniedException",
        ] {
            assert!(!zdwatch_relay::bus::may_pass(code), "{code}");
        }
    }
}
