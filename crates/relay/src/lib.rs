//! The relay from Zendesk to EventBridge. Zendesk retired its Events Connector on 1 December 2025;
//! since then ticket events reach a bus only through a webhook pointed at code that checks the
//! webhook's signature and calls PutEvents. This crate is that code, in one handler:
//!
//! ```text
//! POST / ──▶ signature::verify ──▶ entry::entry ──▶ bus::put ──▶ answer
//!            (401: bad, stale)     (400, 413)       (503/429 + Retry-After: Zendesk retries; 502: the bus refused)
//! ```
//!
//! served by `zdwatch relay --listen` (`http::serve`) and by the Lambda function, both through
//! [`http::router`]. Logs never carry a body or the secret.

pub mod bus;
pub mod entry;
pub mod http;
pub mod secrets;
pub mod signature;

use jiff::{SignedDuration, Timestamp};

pub use entry::DEFAULT_SOURCE;
pub use secrets::SecretSource;
pub use signature::Secret;

/// How long a signed request stays acceptable unless configured: Zendesk signs each attempt
/// when it sends it, so a genuine request is seconds old.
pub const DEFAULT_WINDOW: SignedDuration = SignedDuration::from_mins(5);

/// Seconds Zendesk is asked to wait before retrying. Zendesk retries a 429 or 503 only when its
/// `Retry-After` is under 60 seconds (its webhooks API introduction, "Webhook retries").
pub const RETRY_AFTER_SECONDS: u32 = 10;

/// The environment variable the signing secret is read from unless told otherwise.
pub const SECRET_VARIABLE: &str = "ZENDESK_WEBHOOK_SECRET";

/// What the relay needs besides an EventBridge client.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The bus, by name or ARN.
    pub bus: String,
    /// `Source` of every entry (never `aws.…`).
    pub source: String,
    /// The signing secret as read at start (the relay then keeps the one in use itself).
    pub secret: Secret,
    /// How far a signature's timestamp may be from now, either way.
    pub window: SignedDuration,
    /// Where the secret was read from, to read it again when a signature does not match (the
    /// webhook's secret was reset, or the stored one was still a placeholder); `None` for a secret
    /// that cannot change while the relay runs (an environment variable).
    pub reread: Option<Reread>,
}

/// Where [`Relay`] reads the signing secret again (see [`Settings::reread`]).
#[derive(Clone, Debug)]
pub struct Reread {
    pub from: SecretSource,
    pub config: aws_config::SdkConfig,
}

impl Reread {
    /// How to read `from` again, if it can change while the relay runs.
    pub fn of(from: &SecretSource, config: &aws_config::SdkConfig) -> Option<Reread> {
        match from {
            SecretSource::Environment(_) => None,
            _ => Some(Reread {
                from: from.clone(),
                config: config.clone(),
            }),
        }
    }
}

/// A signature that does not match has the secret read again at most this often: a new secret is
/// taken up within this long, and a flood of forged requests costs one read per period.
pub const REREAD_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// How long reading the secret again may take (Zendesk waits about ten seconds for an answer).
const REREAD_DEADLINE: std::time::Duration = std::time::Duration::from_secs(3);

/// The relay: checks, converts and puts one webhook at a time.
pub struct Relay {
    settings: Settings,
    client: aws_sdk_eventbridge::Client,
    /// The secret in use: the one read at start, or a newer one read again.
    secret: std::sync::RwLock<std::sync::Arc<Secret>>,
    /// When the secret was last read again; held while it is read.
    reread_at: tokio::sync::Mutex<Option<std::time::Instant>>,
}

/// The HTTP answer to one webhook request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// Seconds, for a failure Zendesk should retry.
    pub retry_after: Option<u32>,
    /// A small JSON document: `{"event_id": …}` on success, `{"error": …}` otherwise.
    pub body: String,
}

impl Answer {
    fn error(status: u16, message: &str) -> Answer {
        Answer {
            status,
            retry_after: None,
            body: serde_json::json!({ "error": message }).to_string(),
        }
    }
}

/// Text from a request (or an answer about it) as it may appear in a log line: through zdwatch's
/// one sanitiser (a signed but hostile event id cannot act on the terminal showing the log), at
/// most 200 characters.
pub fn shown(text: &str) -> String {
    let text = match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    };
    zdwatch_core::sanitize::sanitize(&text).into_owned()
}

impl Relay {
    /// A relay, or why the settings cannot work (an empty secret, a source PutEvents refuses).
    pub fn new(settings: Settings, client: aws_sdk_eventbridge::Client) -> Result<Relay, String> {
        entry::check_source(&settings.source)?;
        if settings.secret.is_empty() {
            return Err("the webhook signing secret is empty".into());
        }
        if settings.bus.trim().is_empty() {
            return Err("no event bus given".into());
        }
        Ok(Relay {
            secret: std::sync::RwLock::new(std::sync::Arc::new(settings.secret.clone())),
            settings,
            client,
            reread_at: tokio::sync::Mutex::new(None),
        })
    }

    fn secret(&self) -> std::sync::Arc<Secret> {
        let secret = self.secret.read().unwrap_or_else(|e| e.into_inner());
        std::sync::Arc::clone(&secret)
    }

    /// Checks a request's signature. One that does not match is checked again with the secret read
    /// again from where it came from (at most every [`REREAD_EVERY`]), so that a reset secret is
    /// taken up without a restart once it is stored there.
    async fn verify(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        now: Timestamp,
    ) -> Result<(), signature::Unsigned> {
        let window = self.settings.window;
        let check =
            |secret: &Secret| signature::verify(secret, timestamp, signature, body, now, window);
        let secret = self.secret();
        let first = check(&secret);
        let Some(reread) = self.settings.reread.as_ref() else {
            return first;
        };
        if first != Err(signature::Unsigned::Mismatch) {
            return first;
        }
        let mut last = self.reread_at.lock().await;
        // Another request may have read a new secret while this one waited.
        let current = self.secret();
        if !std::sync::Arc::ptr_eq(&current, &secret) {
            let again = check(&current);
            if again != Err(signature::Unsigned::Mismatch) {
                return again;
            }
        }
        if last.is_some_and(|at| at.elapsed() < REREAD_EVERY) {
            return first;
        }
        *last = Some(std::time::Instant::now());
        let read =
            tokio::time::timeout(REREAD_DEADLINE, secrets::load(&reread.from, &reread.config))
                .await;
        match read {
            Ok(Ok(newer)) if !newer.same_as(&current) => {
                tracing::info!(from = %reread.from, "the signing secret changed where it is kept: the relay uses the new one");
                let verdict = check(&newer);
                *self.secret.write().unwrap_or_else(|e| e.into_inner()) =
                    std::sync::Arc::new(newer);
                verdict
            }
            Ok(Ok(_)) => first,
            Ok(Err(why)) => {
                tracing::warn!(reason = %shown(&why), "could not read the signing secret again; the one in use stays");
                first
            }
            Err(_) => {
                tracing::warn!(from = %reread.from, "reading the signing secret again took too long; the one in use stays");
                first
            }
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Looks at the bus before taking requests ([`bus::check`]): `Err` says why the relay must not
    /// start (no such bus); a bus it may not look at is logged as unchecked.
    pub async fn check_bus(&self) -> Result<(), String> {
        let bus = &self.settings.bus;
        match bus::check(&self.client, bus).await {
            bus::BusCheck::Found => Ok(()),
            bus::BusCheck::Missing(why) => Err(format!(
                "no event bus {}: {} (every event would be refused for good)",
                shown(bus),
                shown(&why)
            )),
            bus::BusCheck::Unchecked(why) => {
                tracing::warn!(
                    bus = %shown(bus),
                    reason = %shown(&why),
                    "could not look at the bus before starting (events:DescribeEventBus); the first request will tell"
                );
                Ok(())
            }
        }
    }

    /// Answers one webhook request: its signature headers and raw body, received at `now`.
    /// 200 only once the event is on the bus.
    pub async fn handle(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        now: Timestamp,
    ) -> Answer {
        let s = &self.settings;
        if let Err(why) = self.verify(timestamp, signature, body, now).await {
            tracing::warn!(reason = %shown(&why.to_string()), bytes = body.len(), "refused a request: signature");
            // The caller is not told which check failed; the log says.
            return Answer::error(401, "the webhook signature is missing, wrong or stale");
        }
        let entry = match entry::entry(body, &s.source) {
            Ok(e) => e,
            Err(why) => {
                let status = match why {
                    entry::Refused::TooLarge { .. } => 413,
                    _ => 400,
                };
                tracing::warn!(reason = %shown(&why.to_string()), status, "refused a signed request");
                return Answer::error(status, &why.to_string());
            }
        };
        match bus::put(&self.client, &s.bus, &entry).await {
            Ok(id) => {
                tracing::info!(
                    event = %shown(&entry.event_id),
                    detail_type = %shown(&entry.detail_type),
                    eventbridge_id = %shown(&id),
                    "put on the bus"
                );
                Answer {
                    status: 200,
                    retry_after: None,
                    body: serde_json::json!({ "event_id": entry.event_id, "eventbridge_id": id })
                        .to_string(),
                }
            }
            Err(failure) if failure.retry => {
                tracing::warn!(event = %shown(&entry.event_id), reason = %shown(&failure.reason), "not put; Zendesk is asked to retry");
                let status = if failure.reason.starts_with("ThrottlingException") {
                    429
                } else {
                    503
                };
                Answer {
                    retry_after: Some(RETRY_AFTER_SECONDS),
                    ..Answer::error(status, "the event bus is unavailable; try again")
                }
            }
            Err(failure) => {
                tracing::error!(event = %shown(&entry.event_id), reason = %shown(&failure.reason), "not put: the bus refused it");
                Answer::error(
                    502,
                    "the event bus refused the event (the relay's log says why)",
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn text_from_a_request_reaches_the_log_without_anything_a_terminal_would_act_on() {
        assert_eq!(shown("a8b9c1d2-ok"), "a8b9c1d2-ok");
        assert_eq!(shown("x\u{1b}]52;c;aGk=\u{7}y"), "x\\x1b]52;c;aGk=\\x07y");
        assert_eq!(shown("id\u{202E}gpj.exe"), "id\\u{202e}gpj.exe");
        assert_eq!(shown("line\nbreak\u{9b}2J"), "line\\nbreak\\x9b2J");
        assert_eq!(shown(&"é".repeat(300)).chars().count(), 201);
    }
}
