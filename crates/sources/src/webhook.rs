//! `zdwatch send --to-webhook`: Zendesk, simulated. Each webhook event is posted to a relay as
//! Zendesk posts it: the payload as the body, signed over a fresh timestamp with the webhook's
//! secret, and retried the way Zendesk's webhooks API introduction ("Webhook retries") describes:
//! a 409 up to three times; a 429 or 503 only when its `Retry-After` is under 60 seconds, after
//! waiting that long; a request that timed out (or could not connect) up to five times. Anything
//! else is the relay's answer, reported as it is.

use std::time::Duration;

use jiff::Timestamp;
use serde_json::Value;
use zdwatch_relay::signature::{SIGNATURE_HEADER, Secret, TIMESTAMP_HEADER, sign};

/// Zendesk waits about ten seconds for an answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(12);
const CONFLICT_RETRIES: u32 = 3;
const TIMEOUT_RETRIES: u32 = 5;
/// 429/503 retries honoured in a row (Zendesk does not document a number; its circuit breaker
/// stops a webhook that keeps failing).
const BUSY_RETRIES: u32 = 5;

/// What posting did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Posted {
    /// Answered 2xx.
    pub sent: u64,
    /// Bodies with no webhook event in them (Events Connector events, other JSON).
    pub skipped: u64,
    /// Attempts after the first that the answers asked for.
    pub retries: u64,
    /// Events the relay did not take in the end, with its last answer.
    pub failed: Vec<String>,
}

/// Posts webhook events to one URL.
pub struct Webhook {
    client: reqwest::Client,
    url: String,
    secret: Secret,
}

/// The Zendesk webhook payload in a body: the body itself when it is one, or the `detail` of the
/// EventBridge event it holds (under SNS layers, if any) when that is one.
pub fn webhook_payload(body: &[u8]) -> Option<Vec<u8>> {
    let v = crate::send::without_sns(body)?;
    let is_webhook = |v: &Value| {
        v.get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.starts_with(zdwatch_relay::entry::EVENT_TYPE_PREFIX))
    };
    if is_webhook(&v) {
        return serde_json::to_vec(&v).ok();
    }
    let detail = v.get("detail")?;
    is_webhook(detail).then(|| serde_json::to_vec(detail).ok())?
}

/// The timestamp Zendesk signs: the current second, RFC 3339 in UTC.
fn signing_timestamp(now: Timestamp) -> String {
    now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// How to go on after one attempt.
enum Next {
    Done,
    Retry(Duration),
    Fail(String),
}

impl Webhook {
    pub fn new(url: &str, secret: Secret) -> Result<Webhook, String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err("the URL must be http or https".into());
        }
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .user_agent("Zendesk Webhook (simulated by zdwatch)")
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Webhook {
            client,
            url: url.to_string(),
            secret,
        })
    }

    /// Posts one payload, retrying as Zendesk would.
    pub async fn post(&self, payload: &[u8], posted: &mut Posted) {
        let (mut conflicts, mut timeouts, mut busy) = (0, 0, 0);
        let invocation = format!("{:016x}", rand::random::<u64>());
        loop {
            let next = self.attempt(payload, &invocation).await;
            let next = match next {
                Attempt::Answered(status, retry_after, text) => {
                    if (200..300).contains(&status) {
                        Next::Done
                    } else if status == 409 && conflicts < CONFLICT_RETRIES {
                        conflicts += 1;
                        Next::Retry(Duration::ZERO)
                    } else if matches!(status, 429 | 503)
                        && busy < BUSY_RETRIES
                        && retry_after.is_some_and(|s| s < 60)
                    {
                        busy += 1;
                        Next::Retry(Duration::from_secs(retry_after.unwrap_or(0)))
                    } else {
                        Next::Fail(format!("HTTP {status}: {}", text.trim()))
                    }
                }
                Attempt::NoAnswer(why) if timeouts < TIMEOUT_RETRIES => {
                    timeouts += 1;
                    tracing::warn!("no answer from the webhook ({why}); trying again");
                    Next::Retry(Duration::from_millis(500))
                }
                Attempt::NoAnswer(why) => Next::Fail(why),
            };
            match next {
                Next::Done => {
                    posted.sent += 1;
                    return;
                }
                Next::Retry(pause) => {
                    posted.retries += 1;
                    tokio::time::sleep(pause).await;
                }
                Next::Fail(why) => {
                    posted.failed.push(why);
                    return;
                }
            }
        }
    }

    /// Posts one payload once (no retries): the answer's status and text, or why there was none.
    pub async fn post_once(&self, payload: &[u8]) -> Result<(u16, String), String> {
        match self.attempt(payload, "zdwatch-doctor").await {
            Attempt::Answered(status, _, text) => Ok((status, text)),
            Attempt::NoAnswer(why) => Err(why),
        }
    }

    async fn attempt(&self, payload: &[u8], invocation: &str) -> Attempt {
        let timestamp = signing_timestamp(Timestamp::now());
        let signature = sign(&self.secret, &timestamp, payload);
        let sent = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(TIMESTAMP_HEADER, &timestamp)
            .header(SIGNATURE_HEADER, signature)
            .header("x-zendesk-webhook-invocation-id", invocation)
            .body(payload.to_vec())
            .send()
            .await;
        match sent {
            Ok(r) => {
                let status = r.status().as_u16();
                let retry_after = r
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok());
                let mut text = r.text().await.unwrap_or_default();
                text.truncate(300);
                Attempt::Answered(status, retry_after, text)
            }
            Err(e) => Attempt::NoAnswer(if e.is_timeout() {
                "timed out".to_string()
            } else {
                format!("{e}")
            }),
        }
    }
}

enum Attempt {
    Answered(u16, Option<u64>, String),
    NoAnswer(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_webhook_payload_is_found_in_every_shape_a_capture_holds_it_in() {
        let payload = r#"{"type":"zen:event-type:ticket.created","id":"e1","detail":{"id":"7"}}"#;
        let envelope = format!(
            r#"{{"version":"0","id":"x","detail-type":"zen:event-type:ticket.created","source":"zendesk.webhook","detail":{payload}}}"#
        );
        let sns = serde_json::json!({"Type": "Notification", "Message": envelope}).to_string();
        let want: Value = serde_json::from_str(payload).unwrap();
        for body in [payload, envelope.as_str(), sns.as_str()] {
            let got: Value =
                serde_json::from_slice(&webhook_payload(body.as_bytes()).unwrap()).unwrap();
            assert_eq!(got, want, "{body}");
        }
        // The retired connector's events have no webhook form; nor has other JSON.
        let legacy = r#"{"detail-type":"Support Ticket: Ticket Created","source":"aws.partner/zendesk.com/1/default","detail":{"ticket_event":{"type":"Ticket Created"}}}"#;
        assert_eq!(webhook_payload(legacy.as_bytes()), None);
        assert_eq!(webhook_payload(b"[1]"), None);
        assert_eq!(webhook_payload(b"not json"), None);
    }

    #[test]
    fn the_signed_timestamp_is_the_current_second_in_utc() {
        let t: Timestamp = "2026-12-03T10:00:07.123Z".parse().unwrap();
        assert_eq!(signing_timestamp(t), "2026-12-03T10:00:07Z");
    }
}
