//! Zendesk's webhook signature: `X-Zendesk-Webhook-Signature` is
//! `base64(HMAC-SHA256(secret, timestamp + body))`, where the timestamp is the
//! `X-Zendesk-Webhook-Signature-Timestamp` header as sent and the body the raw request bytes
//! (developer.zendesk.com, "Verifying webhook authenticity"). A request whose timestamp is older
//! (or newer) than the allowed window is refused even when signed: a captured request cannot be
//! replayed later.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use jiff::{SignedDuration, Timestamp};
use sha2::Sha256;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "x-zendesk-webhook-signature";
/// The header that carries the signed timestamp.
pub const TIMESTAMP_HEADER: &str = "x-zendesk-webhook-signature-timestamp";

/// A webhook's signing secret. Never printed: its `Debug` says only how long it is.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(secret: impl Into<Vec<u8>>) -> Secret {
        Secret(secret.into())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether both are the same secret.
    pub fn same_as(&self, other: &Secret) -> bool {
        self.0 == other.0
    }

    fn mac(&self, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
        // HMAC takes a key of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        mac.update(timestamp.as_bytes());
        mac.update(body);
        mac
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({} bytes, not shown)", self.0.len())
    }
}

/// Why a request is not taken as Zendesk's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unsigned {
    #[error("no {SIGNATURE_HEADER} header")]
    NoSignature,
    #[error("no {TIMESTAMP_HEADER} header")]
    NoTimestamp,
    #[error("the signature timestamp is not a time")]
    BadTimestamp,
    #[error("signed {0} ago, longer than the allowed window")]
    Stale(SignedDuration),
    #[error("signed {0} in the future, further than the allowed window")]
    FromTheFuture(SignedDuration),
    #[error("the signature does not match the body (another secret, or a changed body)")]
    Mismatch,
}

/// The signature Zendesk sends for `body` signed at `timestamp`.
pub fn sign(secret: &Secret, timestamp: &str, body: &[u8]) -> String {
    STANDARD.encode(secret.mac(timestamp, body).finalize().into_bytes())
}

/// Checks a request's signature headers against its body: the signature must match (compared in
/// constant time) and the timestamp be within `window` of `now`, either way.
pub fn verify(
    secret: &Secret,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: Timestamp,
    window: SignedDuration,
) -> Result<(), Unsigned> {
    let signature = signature.ok_or(Unsigned::NoSignature)?;
    let timestamp = timestamp.ok_or(Unsigned::NoTimestamp)?;
    let Ok(given) = STANDARD.decode(signature.trim()) else {
        return Err(Unsigned::Mismatch);
    };
    // The signature first: an unsigned caller learns nothing about the clock.
    secret
        .mac(timestamp, body)
        .verify_slice(&given)
        .map_err(|_| Unsigned::Mismatch)?;
    let at: Timestamp = timestamp
        .trim()
        .parse()
        .map_err(|_| Unsigned::BadTimestamp)?;
    let age = now.duration_since(at);
    if age > window {
        return Err(Unsigned::Stale(age));
    }
    if -age > window {
        return Err(Unsigned::FromTheFuture(-age));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIVE_MINUTES: SignedDuration = SignedDuration::from_mins(5);

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap_or_else(|_| panic!("{text}"))
    }

    #[test]
    fn the_signature_is_base64_of_hmac_sha256_of_timestamp_then_body() {
        // Computed independently: printf '%s%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$KEY" -binary | base64
        let secret = Secret::new("dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==");
        let signature = sign(&secret, "2021-08-20T13:27:14Z", br#"{"a":1}"#);
        assert_eq!(signature, "iQqZMwW/hS/g+uJ3kpEn2pk1PdzleKD0zQJKd1UglzU=");
    }

    #[test]
    fn a_signed_request_inside_the_window_passes_and_anything_else_is_refused_with_its_reason() {
        let secret = Secret::new("s3cret");
        let ts = "2026-12-03T10:00:00Z";
        let body = br#"{"type":"zen:event-type:ticket.created"}"#;
        let good = sign(&secret, ts, body);
        let now = at("2026-12-03T10:04:59Z");
        let check = |ts: Option<&str>, sig: Option<&str>, body: &[u8], now| {
            verify(&secret, ts, sig, body, now, FIVE_MINUTES)
        };
        assert_eq!(check(Some(ts), Some(&good), body, now), Ok(()));
        assert_eq!(check(Some(ts), None, body, now), Err(Unsigned::NoSignature));
        assert_eq!(
            check(None, Some(&good), body, now),
            Err(Unsigned::NoTimestamp)
        );
        // One byte of the body changed, another timestamp, another secret, not base64.
        assert_eq!(
            check(
                Some(ts),
                Some(&good),
                br#"{"type":"zen:event-type:ticket.createD"}"#,
                now
            ),
            Err(Unsigned::Mismatch)
        );
        assert_eq!(
            check(Some("2026-12-03T10:00:01Z"), Some(&good), body, now),
            Err(Unsigned::Mismatch)
        );
        let other = sign(&Secret::new("other"), ts, body);
        assert_eq!(
            check(Some(ts), Some(&other), body, now),
            Err(Unsigned::Mismatch)
        );
        assert_eq!(
            check(Some(ts), Some("%%%"), body, now),
            Err(Unsigned::Mismatch)
        );
        // Signed, but too old or too far ahead.
        assert_eq!(
            check(Some(ts), Some(&good), body, at("2026-12-03T10:05:01Z")),
            Err(Unsigned::Stale(SignedDuration::from_secs(301)))
        );
        assert_eq!(
            check(Some(ts), Some(&good), body, at("2026-12-03T09:54:00Z")),
            Err(Unsigned::FromTheFuture(SignedDuration::from_secs(360)))
        );
        // Signed over a timestamp that is no time.
        let odd = sign(&secret, "yesterday", body);
        assert_eq!(
            check(Some("yesterday"), Some(&odd), body, now),
            Err(Unsigned::BadTimestamp)
        );
    }

    #[test]
    fn the_secret_never_shows_in_debug_output() {
        let shown = format!("{:?}", Secret::new("hunter2-very-secret"));
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
