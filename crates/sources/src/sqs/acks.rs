//! The ack task: deletes (consume) or releases (peek) messages when the core says their events are
//! durable, ten per request, retrying what failed and saying what could not be done.

use std::sync::Arc;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry,
};
use tokio::sync::mpsc;

use super::backoff::Backoff;
use super::client::classify;
use super::{ACK_ATTEMPTS, MAX_MESSAGES, Shared};
use crate::{Ack, Disposition, Problem, ProblemKind, SourceEvent, SourceStatus};

/// Deletes or releases messages as the core decides, ten per request.
pub(super) async fn acknowledge(shared: Arc<Shared>, mut acks: mpsc::Receiver<Ack>) {
    let (id, tx) = (shared.ctx.id, &shared.ctx.tx);
    while let Some(ack) = acks.recv().await {
        super::visibility::forget(&shared, &ack.receipts);
        if ack.disposition == Disposition::Leave {
            continue;
        }
        for chunk in ack.receipts.chunks(MAX_MESSAGES as usize) {
            let mut backoff = Backoff::default();
            let pending: Vec<&String> = chunk.iter().collect();
            for attempt in 1..=ACK_ATTEMPTS {
                match send_ack(&shared.client(), &shared.url, &pending, ack.disposition).await {
                    Ok(failed) if failed.is_empty() => break,
                    Ok(failed) => {
                        // Typically an expired receipt handle: the message comes back and is deduplicated.
                        let note = format!(
                            "{} of {} acknowledgements refused: {}",
                            failed.len(),
                            pending.len(),
                            failed.join("; ")
                        );
                        let _ = tx
                            .send(SourceEvent::Status(id, SourceStatus::Warning(note)))
                            .await;
                        break;
                    }
                    Err(problem) if attempt < ACK_ATTEMPTS => {
                        let wait = backoff.next(false);
                        let expired = problem.kind == ProblemKind::ExpiredCredentials;
                        let status = SourceStatus::Retrying {
                            wait,
                            problem,
                            failures: attempt,
                        };
                        let _ = tx.send(SourceEvent::Status(id, status)).await;
                        tokio::time::sleep(wait).await;
                        if expired {
                            shared.reload_credentials().await;
                        }
                    }
                    Err(problem) => {
                        let verb = if ack.disposition == Disposition::Delete {
                            "delete"
                        } else {
                            "release"
                        };
                        let note = format!(
                            "could not {verb} {} messages ({problem}); they will be delivered again",
                            pending.len()
                        );
                        let _ = tx
                            .send(SourceEvent::Status(id, SourceStatus::Warning(note)))
                            .await;
                    }
                }
            }
        }
    }
}

/// One batch request; returns the per-entry failures the service reported.
pub(super) async fn send_ack(
    client: &Client,
    url: &str,
    receipts: &[&String],
    disposition: Disposition,
) -> Result<Vec<String>, Problem> {
    let failed = match disposition {
        Disposition::Delete => {
            let entries = receipts.iter().enumerate().filter_map(|(i, r)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(*r)
                    .build()
                    .ok()
            });
            let request = client
                .delete_message_batch()
                .queue_url(url)
                .set_entries(Some(entries.collect()));
            request.send().await.map_err(|e| classify(&e))?.failed
        }
        Disposition::Leave => Vec::new(),
        Disposition::Release => {
            let entries = receipts.iter().enumerate().filter_map(|(i, r)| {
                ChangeMessageVisibilityBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(*r)
                    .visibility_timeout(0)
                    .build()
                    .ok()
            });
            let request = client
                .change_message_visibility_batch()
                .queue_url(url)
                .set_entries(Some(entries.collect()));
            request.send().await.map_err(|e| classify(&e))?.failed
        }
    };
    Ok(failed
        .iter()
        .map(|f| {
            format!(
                "entry {}: {} {}",
                f.id,
                f.code,
                f.message.as_deref().unwrap_or_default()
            )
        })
        .collect())
}
