//! `zdwatch doctor --relay URL --queue Q`: the whole path from Zendesk to the debug queue in one
//! command. One signed test event goes to the relay as Zendesk would send it; it must come back
//! out of the queue, as zdwatch reads it. A line for each hop, and for the first that fails, what
//! to look at. Only the test event is deleted from the queue; other messages it meets are released
//! at once (visibility 0) for their readers.

use std::time::{Duration, Instant};

use aws_sdk_sqs::types::MessageSystemAttributeName;
use zdwatch_core::event::{Format, Received, decode};
use zdwatch_relay::Secret;

use super::{Check, Outcome, check, reach_queue};
use crate::sqs::{AwsOptions, classify};
use crate::webhook::Webhook;

/// The test event: a status change of ticket 0, which no Zendesk account has, whose id says what
/// it is.
fn test_event(id: &str, at: jiff::Timestamp) -> String {
    serde_json::json!({
        "type": "zen:event-type:ticket.status_changed",
        "account_id": 0,
        "id": id,
        "time": at.to_string(),
        "zendesk_event_version": "2022-11-06",
        "subject": "zen:ticket:0",
        "detail": {"id": "0", "status": "OPEN", "subject": "zdwatch doctor test event"},
        "event": {"current": "OPEN", "previous": "NEW"}
    })
    .to_string()
}

/// What an answer of the relay means, for the user.
fn refused(status: u16, body: &str) -> String {
    let hint = match status {
        401 => {
            "the signature was refused: is ZENDESK_WEBHOOK_SECRET the webhook's signing secret (the relay's), and this machine's clock right? (a secret the relay keeps in Secrets Manager or SSM is read again at most every 30 s: one stored just now is taken up then)"
        }
        400 | 413 => "the relay did not take the test event as a Zendesk event",
        429 | 503 => {
            "the relay could not put the event on the bus (throttled, or the bus out of reach); its log says why"
        }
        502 => "the bus refused the event (permissions, the bus's name); the relay's log says why",
        403 => {
            "the URL refuses the request before the relay sees it (a function URL needs both lambda:InvokeFunctionUrl and lambda:InvokeFunction permissions for everyone)"
        }
        404 | 405 => "no relay answers POST at this URL",
        _ => "unexpected answer",
    };
    format!("HTTP {status} {}: {hint}", body.trim())
}

/// Runs the checks; `wait` is how long the test event may take to reach the queue.
pub async fn relay(
    aws: &AwsOptions,
    url: &str,
    queue: &str,
    secret: Option<Secret>,
    wait: Duration,
) -> Vec<Check> {
    let mut checks = Vec::new();
    let Some(secret) = secret else {
        checks.push(check(
            Outcome::Fail,
            "secret",
            "ZENDESK_WEBHOOK_SECRET is not set: the test event is signed as Zendesk signs it",
        ));
        return checks;
    };
    let webhook = match Webhook::new(url, secret) {
        Ok(w) => w,
        Err(why) => {
            checks.push(check(Outcome::Fail, "relay", format!("{url}: {why}")));
            return checks;
        }
    };
    let Some((client, queue_url)) = reach_queue(aws, queue, &mut checks).await else {
        return checks;
    };
    let id = format!("zdwatch-doctor-{:016x}", rand::random::<u64>());
    let sent_at = Instant::now();
    match webhook
        .post_once(test_event(&id, jiff::Timestamp::now()).as_bytes())
        .await
    {
        Ok((200..=299, _)) => checks.push(check(
            Outcome::Pass,
            "relay",
            format!("{url} took a signed test event ({id}, ticket 0) and put it on its bus"),
        )),
        Ok((status, body)) => {
            checks.push(check(Outcome::Fail, "relay", refused(status, &body)));
            return checks;
        }
        Err(why) => {
            checks.push(check(
                Outcome::Fail,
                "relay",
                format!("{url}: no answer ({why})"),
            ));
            return checks;
        }
    }
    let deadline = sent_at + wait;
    while Instant::now() < deadline {
        let left = deadline.saturating_duration_since(Instant::now()).as_secs();
        let out = match client
            .receive_message()
            .queue_url(&queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(left.clamp(1, 5) as i32)
            .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                checks.push(check(
                    Outcome::Fail,
                    "queue",
                    format!("{queue_url}: {}", classify(&e)),
                ));
                return checks;
            }
        };
        for m in out.messages.unwrap_or_default() {
            let (Some(body), Some(receipt)) = (m.body, m.receipt_handle) else {
                continue;
            };
            if !body.contains(&id) {
                // Someone else's: back on the queue at once.
                let _ = client
                    .change_message_visibility()
                    .queue_url(&queue_url)
                    .receipt_handle(receipt)
                    .visibility_timeout(0)
                    .send()
                    .await;
                continue;
            }
            checks.push(check(
                Outcome::Pass,
                "queue",
                format!(
                    "the test event reached {queue_url} after {:.1} s",
                    sent_at.elapsed().as_secs_f64()
                ),
            ));
            let _ = client
                .delete_message()
                .queue_url(&queue_url)
                .receipt_handle(receipt)
                .send()
                .await;
            let event = decode(Received {
                body: body.into_bytes(),
                message_id: m.message_id,
                received_at: jiff::Timestamp::now(),
            });
            let read = event.format == Format::Webhook
                && event.envelope.webhook_id.as_deref() == Some(id.as_str());
            checks.push(if read {
                check(
                    Outcome::Pass,
                    "decode",
                    format!(
                        "zdwatch reads it as a webhook event (source {}, detail-type {})",
                        event.envelope.source.as_deref().unwrap_or("?"),
                        event.envelope.detail_type.as_deref().unwrap_or("?")
                    ),
                )
            } else {
                check(
                    Outcome::Fail,
                    "decode",
                    format!(
                        "zdwatch does not read it as the webhook event sent ({:?}): does the rule's target have an input transformer?",
                        event.format
                    ),
                )
            });
            return checks;
        }
    }
    checks.push(check(
        Outcome::Fail,
        "queue",
        format!(
            "the test event did not reach {queue_url} within {} s: does a rule on the relay's bus send its events \
             (source zendesk.webhook) to this queue, and does the queue's policy let that rule send? \
             (`zdwatch doctor --queue` checks the policy)",
            wait.as_secs()
        ),
    ));
    checks
}
