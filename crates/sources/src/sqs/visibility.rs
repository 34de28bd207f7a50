//! Consume mode: a received message stays hidden from other readers for the visibility timeout
//! each receive asks for (`--visibility-timeout`), else the queue's own (read from the queue the
//! first time a message has waited a second, so that a quick run makes no extra request). When its event is slow to be stored (a
//! journal shared with another process waiting on its lock, a slow disk), the message would come
//! back to another reader before zdwatch deletes it; so while it waits, this task makes it
//! hidden again (ChangeMessageVisibility) every half timeout, for at most [`KEEP_AT_MOST`]. The
//! ack task stops watching a message once the front end decides (delete, release or leave).

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::ChangeMessageVisibilityBatchRequestEntry;

use super::{MAX_MESSAGES, Shared};
use crate::{SourceEvent, SourceStatus};

/// A message whose event has not been stored after this long is left to come back.
pub(super) const KEEP_AT_MOST: Duration = Duration::from_secs(600);

/// Starts watching the receipts of a batch just handed over.
pub(super) fn watch(shared: &Shared, receipts: impl Iterator<Item = String>) {
    let now = Instant::now();
    if let Ok(mut hidden) = shared.hidden.lock() {
        hidden.extend(receipts.map(|r| (r, (now, now))));
    }
}

/// Stops watching receipts the front end has decided about.
pub(super) fn forget(shared: &Shared, receipts: &[String]) {
    if let Ok(mut hidden) = shared.hidden.lock() {
        for r in receipts {
            hidden.remove(r);
        }
    }
}

/// Every quarter timeout: makes the messages waiting longer than half a timeout hidden for a
/// whole timeout again; gives up on those older than [`KEEP_AT_MOST`], and says so.
pub(super) async fn keep_hidden(shared: Arc<Shared>) {
    let seconds = |s: i32| Duration::from_secs(u64::try_from(s).unwrap_or(30));
    let mut known = shared.visibility;
    let (id, tx, cancel) = (shared.ctx.id, &shared.ctx.tx, &shared.ctx.cancel);
    loop {
        let tick = known.map_or(Duration::from_secs(1), |s| {
            (seconds(s) / 4).clamp(Duration::from_millis(250), Duration::from_secs(5))
        });
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(tick) => {}
        }
        let now = Instant::now();
        let secs = match known {
            Some(s) => s,
            None => {
                let waiting = shared.hidden.lock().is_ok_and(|h| {
                    h.values()
                        .any(|(received, _)| now.duration_since(*received) >= tick)
                });
                if !waiting {
                    continue;
                }
                let s = super::queue_visibility(&shared.client(), &shared.url).await;
                known = Some(s);
                s
            }
        };
        let timeout = seconds(secs);
        let mut due = Vec::new();
        let mut given_up = 0;
        if let Ok(mut hidden) = shared.hidden.lock() {
            hidden.retain(|receipt, (received, last)| {
                if now.duration_since(*received) >= KEEP_AT_MOST {
                    given_up += 1;
                    return false;
                }
                if now.duration_since(*last) >= timeout / 2 {
                    *last = now;
                    due.push(receipt.clone());
                }
                true
            });
        }
        if given_up > 0 {
            let note = format!(
                "{given_up} messages waited more than {} min for the journal: no longer kept hidden, they will be delivered again",
                KEEP_AT_MOST.as_secs() / 60
            );
            let _ = tx
                .send(SourceEvent::Status(id, SourceStatus::Warning(note)))
                .await;
        }
        for chunk in due.chunks(MAX_MESSAGES as usize) {
            let entries = chunk.iter().enumerate().filter_map(|(i, r)| {
                ChangeMessageVisibilityBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(r)
                    .visibility_timeout(secs)
                    .build()
                    .ok()
            });
            let sent = shared
                .client()
                .change_message_visibility_batch()
                .queue_url(&shared.url)
                .set_entries(Some(entries.collect()))
                .send()
                .await;
            match sent {
                Ok(out) => tracing::debug!(
                    queue = %shared.url,
                    extended = chunk.len() - out.failed.len(),
                    refused = out.failed.len(),
                    "kept waiting messages hidden"
                ),
                // An acknowledgement may have raced ahead (the receipt is gone): nothing to do.
                Err(e) => tracing::debug!(
                    queue = %shared.url,
                    error = %aws_sdk_sqs::error::DisplayErrorContext(&e),
                    "could not keep waiting messages hidden"
                ),
            }
        }
    }
}
