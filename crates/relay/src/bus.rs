//! Putting one entry on the bus, and telling a failure worth retrying (throttling, the service's
//! own failures, a connection that failed or timed out) from one that would fail again (access
//! denied, no such bus, a refused entry).

use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::config::http::HttpResponse;
use aws_sdk_eventbridge::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_eventbridge::operation::put_events::PutEventsError;
use aws_sdk_eventbridge::primitives::DateTime;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;

use crate::entry::Entry;

/// Why an entry is not on the bus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PutFailure {
    /// Whether the same request could succeed later.
    pub retry: bool,
    pub reason: String,
}

/// Error codes of PutEvents (the request's or an entry's) that a later try can get past (AWS's
/// PutEvents docs: throttling and the service's own failures).
pub fn may_pass(code: &str) -> bool {
    matches!(
        code,
        "ThrottlingException"
            | "InternalFailure"
            | "InternalException"
            | "ServiceUnavailable"
            | "ServiceUnavailableException"
    )
}

/// The PutEvents request entry for `entry` on `bus`.
pub fn request_entry(bus: &str, entry: &Entry) -> PutEventsRequestEntry {
    let mut e = PutEventsRequestEntry::builder()
        .event_bus_name(bus)
        .source(&entry.source)
        .detail_type(&entry.detail_type)
        .detail(&entry.detail)
        .set_resources(Some(entry.resources.clone()));
    if let Some(t) = entry.time {
        let nanos = u32::try_from(t.subsec_nanosecond()).unwrap_or(0);
        e = e.time(DateTime::from_secs_and_nanos(t.as_second(), nanos));
    }
    e.build()
}

/// Puts `entry` on `bus`; the EventBridge id of the event on success.
pub async fn put(client: &Client, bus: &str, entry: &Entry) -> Result<String, PutFailure> {
    let e = request_entry(bus, entry);
    let out = match client.put_events().entries(e).send().await {
        Ok(out) => out,
        Err(err) => return Err(request_failed(&err)),
    };
    let first = out.entries.unwrap_or_default().into_iter().next();
    match first {
        Some(r) => match (r.event_id, r.error_code) {
            (_, Some(code)) => Err(PutFailure {
                retry: may_pass(&code),
                reason: format!("{code}: {}", r.error_message.unwrap_or_default()),
            }),
            (Some(id), None) => Ok(id),
            (None, None) => Err(PutFailure {
                retry: true,
                reason: "PutEvents answered without an event id".into(),
            }),
        },
        None => Err(PutFailure {
            retry: true,
            reason: "PutEvents answered without a result for the entry".into(),
        }),
    }
}

fn request_failed(err: &SdkError<PutEventsError, HttpResponse>) -> PutFailure {
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => PutFailure {
            retry: true,
            reason: format!(
                "EventBridge could not be reached: {}",
                DisplayErrorContext(err)
            ),
        },
        SdkError::ResponseError(_) => PutFailure {
            retry: true,
            reason: format!("EventBridge's answer was cut: {}", DisplayErrorContext(err)),
        },
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("Unknown");
            PutFailure {
                retry: may_pass(code) || service.raw().status().is_server_error(),
                reason: format!("{code}: {}", service.err().message().unwrap_or_default()),
            }
        }
        _ => PutFailure {
            retry: false,
            reason: DisplayErrorContext(err).to_string(),
        },
    }
}

/// What a look at the bus found before the relay takes requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BusCheck {
    Found,
    /// There is no such bus: every event would be refused for good (502, which Zendesk does not
    /// retry), so the relay does not start.
    Missing(String),
    /// It could not be looked at (no `events:DescribeEventBus`, the service out of reach): the
    /// relay starts, and its first request tells.
    Unchecked(String),
}

/// Looks at `bus` (a name or an ARN) with DescribeEventBus.
pub async fn check(client: &Client, bus: &str) -> BusCheck {
    match client.describe_event_bus().name(bus).send().await {
        Ok(_) => BusCheck::Found,
        Err(e) if e.code() == Some("ResourceNotFoundException") => BusCheck::Missing(
            e.message()
                .map_or_else(|| "it does not exist".to_string(), str::to_string),
        ),
        Err(e) => BusCheck::Unchecked(DisplayErrorContext(&e).to_string()),
    }
}
