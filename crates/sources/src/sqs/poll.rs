//! The pollers: long polls of ten messages, as many pollers as the queue keeps busy, every
//! failure shown and retried with backoff; in peek mode a message seen before is given back here.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::MessageSystemAttributeName;
use jiff::Timestamp;

use super::acks::send_ack;
use super::backoff::Backoff;
use super::client::classify;
use super::{MAX_MESSAGES, Shared};
use crate::{Delivery, Disposition, Message, ProblemKind, SourceEvent, SourceStatus};

pub(super) fn spawn_poller(shared: &Arc<Shared>) {
    shared.active.fetch_add(1, Ordering::SeqCst);
    shared.ctx.tasks.spawn(poll(shared.clone()));
}

/// Boxed so that a poller can start another one (a recursive `async fn` has no nameable type).
fn poll(shared: Arc<Shared>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let mut backoff = Backoff::default();
        let mut connected = false;
        let mut peek_pause = Duration::ZERO;
        let (id, tx, cancel) = (shared.ctx.id, &shared.ctx.tx, &shared.ctx.cancel);
        loop {
            // Peek polls briefly, so that the receive in flight when zdwatch stops can be waited
            // for and its messages given back (a long poll answered after the client has gone hides
            // its messages for the queue's visibility timeout).
            let wait = match shared.delivery {
                // Until the queue has answered once, a short poll: a quiet queue is "connected,
                // waiting" at once, not "connecting" for a whole long poll.
                _ if !connected => 0,
                Delivery::Peek => PEEK_WAIT_SECONDS,
                Delivery::Consume => shared.long_poll,
            };
            let mut receive = shared
                .client()
                .receive_message()
                .queue_url(&shared.url)
                .max_number_of_messages(MAX_MESSAGES);
            if let (Delivery::Consume, Some(secs)) = (shared.delivery, shared.visibility) {
                // Long enough to decode and store the batch; extended while it waits.
                receive = receive.visibility_timeout(secs);
            }
            let receive = receive
                .wait_time_seconds(wait)
                .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
                .send();
            tokio::pin!(receive);
            let result = tokio::select! {
                _ = cancel.cancelled() => {
                    if shared.delivery == Delivery::Peek {
                        give_back_last_receive(&shared, &mut receive).await;
                    }
                    break;
                }
                r = &mut receive => r,
            };
            let out = match result {
                Ok(out) => out,
                Err(e) => {
                    tracing::debug!(queue = %shared.url, error = %DisplayErrorContext(&e), "receive failed");
                    connected = false;
                    if !wait_after_failure(&shared, &mut backoff, classify(&e)).await {
                        break;
                    }
                    continue;
                }
            };
            backoff = Backoff::default();
            if !connected {
                connected = true;
                if tx
                    .send(SourceEvent::Status(id, SourceStatus::Connected))
                    .await
                    .is_err()
                {
                    break;
                }
            }
            let received_at = Timestamp::now();
            let messages: Vec<Message> = out
                .messages
                .unwrap_or_default()
                .into_iter()
                .map(|m| Message {
                    source: id,
                    body: m.body.unwrap_or_default().into_bytes(),
                    message_id: m.message_id,
                    receipt: m.receipt_handle,
                    received_at,
                    place: None,
                })
                .collect();
            let count = messages.len();
            // Peek: a message released earlier comes straight back. The source gives it back
            // again itself; only messages not seen before go on to be decoded.
            let (messages, again) = match shared.delivery {
                Delivery::Peek => remember(&shared.seen, messages),
                Delivery::Consume => (messages, Vec::new()),
            };
            let only_seen_before = count > 0 && messages.is_empty();
            if shared.delivery == Delivery::Consume {
                super::visibility::watch(
                    &shared,
                    messages.iter().filter_map(|m| m.receipt.clone()),
                );
            }
            if !again.is_empty() {
                release_later(&shared, again);
            }
            if !messages.is_empty() && tx.send(SourceEvent::Batch(messages)).await.is_err() {
                break;
            }
            // After the batch is handed over: what waits for an answer finds the batch first.
            shared.ctx.answered();
            if shared.adaptive {
                if count == MAX_MESSAGES as usize
                    && shared.active.load(Ordering::SeqCst) < shared.max
                {
                    spawn_poller(&shared);
                } else if count == 0 && retire(&shared.active) {
                    return;
                }
            }
            // Peeking returns the same messages at once, forever: slow down while nothing is new.
            peek_pause = if only_seen_before {
                (peek_pause * 2).clamp(Duration::from_millis(500), Duration::from_secs(10))
            } else {
                Duration::ZERO
            };
            if !peek_pause.is_zero() {
                tokio::select! {
                    _ = cancel.cancelled() => break,
                    _ = tokio::time::sleep(peek_pause) => {}
                }
            }
        }
        shared.active.fetch_sub(1, Ordering::SeqCst);
    })
}

/// Shows a failed receive (every one: no silent retries) and waits its backoff; false when the
/// source is stopping.
async fn wait_after_failure(
    shared: &Shared,
    backoff: &mut Backoff,
    problem: crate::Problem,
) -> bool {
    let (id, tx, cancel) = (shared.ctx.id, &shared.ctx.tx, &shared.ctx.cancel);
    let wait = backoff.next(problem.needs_user());
    let expired = problem.kind == ProblemKind::ExpiredCredentials;
    let failures = backoff.attempt;
    let status = SourceStatus::Retrying {
        wait,
        problem,
        failures,
    };
    if tx.send(SourceEvent::Status(id, status)).await.is_err() {
        return false;
    }
    // An answer too (after the failure was shown): a queue that fails is not a stalled one.
    shared.ctx.answered();
    tokio::select! {
        _ = cancel.cancelled() => return false,
        _ = tokio::time::sleep(wait) => {}
    }
    if expired {
        // Read at the last moment: the user may have refreshed them meanwhile.
        shared.reload_credentials().await;
    }
    true
}

/// How long a receive waits for messages in peek mode (a long poll is 20 s).
const PEEK_WAIT_SECONDS: i32 = 1;

/// zdwatch is stopping while a peek receive is in flight: waits for its answer (at most a few
/// seconds) and gives what it brought back at once.
async fn give_back_last_receive<F, E>(shared: &Shared, receive: &mut std::pin::Pin<&mut F>)
where
    F: Future<Output = Result<aws_sdk_sqs::operation::receive_message::ReceiveMessageOutput, E>>,
{
    let limit = Duration::from_secs(PEEK_WAIT_SECONDS as u64 + 2);
    let Ok(Ok(out)) = tokio::time::timeout(limit, receive.as_mut()).await else {
        return;
    };
    let receipts: Vec<String> = out
        .messages
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| m.receipt_handle)
        .collect();
    let receipts: Vec<&String> = receipts.iter().collect();
    for chunk in receipts.chunks(MAX_MESSAGES as usize) {
        let _ = send_ack(&shared.client(), &shared.url, chunk, Disposition::Release).await;
    }
}

/// How long a message seen before stays out of sight before the poller gives it back: released at
/// once, it would be the first thing the next receive returns, again and again, and the messages
/// behind it would never be seen (SQS hands out at most ten at a time).
const AGAIN_HOLD: Duration = Duration::from_secs(1);

/// Gives messages seen before back to the queue after [`AGAIN_HOLD`] (at once when zdwatch stops).
fn release_later(shared: &Arc<Shared>, receipts: Vec<String>) {
    let shared_for_task = shared.clone();
    shared.ctx.tasks.spawn(async move {
        let shared = shared_for_task;
        tokio::select! {
            _ = shared.ctx.cancel.cancelled() => {}
            _ = tokio::time::sleep(AGAIN_HOLD) => {}
        }
        let receipts: Vec<&String> = receipts.iter().collect();
        for chunk in receipts.chunks(MAX_MESSAGES as usize) {
            // If this fails, the message comes back after its visibility timeout.
            let _ = send_ack(&shared.client(), &shared.url, chunk, Disposition::Release).await;
        }
    });
}

/// Records the batch's message ids; splits it into the messages not seen before and the receipts
/// of those seen before (peek mode's "same message again", not a duplicate event).
fn remember(seen: &Mutex<HashSet<String>>, messages: Vec<Message>) -> (Vec<Message>, Vec<String>) {
    let Ok(mut seen) = seen.lock() else {
        return (messages, Vec::new());
    };
    if seen.len() > 100_000 {
        // Bounded: what comes back after this is decoded again and dropped as a duplicate event.
        seen.clear();
    }
    let mut again = Vec::new();
    let new = messages
        .into_iter()
        .filter_map(|m| match &m.message_id {
            Some(id) if !seen.insert(id.clone()) => {
                again.extend(m.receipt);
                None
            }
            _ => Some(m),
        })
        .collect();
    (new, again)
}

/// Leaves one poller running: returns true (and counts itself out) when this one may stop.
pub(super) fn retire(active: &AtomicUsize) -> bool {
    active
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
            (n > 1).then(|| n - 1)
        })
        .is_ok()
}
