//! The embedded demo: a deterministic simulation of a busy Zendesk instance whose events
//! reach a queue the way real ones do.
//!
//! [`Simulator`] plays ticket lifecycles (created via web, email, chat, api or mobile;
//! triaged, assigned, commented, put on pending, solved, reopened, closed; tags and priorities
//! changed) in both event formats, and a recurring peak incident: every 20 minutes, for 4
//! minutes, a burst of urgent `payment_failed` tickets, many of which get reopened. It writes
//! real message bodies (EventBridge envelopes, some wrapped in SNS notifications, some
//! delivered twice, each delivered 0.1–3 s late so arrivals are out of order); the monitor
//! decodes them with the same decoder as a real queue's.
//!
//! Given a seed and a start time the output is always the same, byte for byte.

mod encode;
mod simulator;
#[cfg(test)]
mod tests;
mod texts;

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

pub use simulator::{Delivery, Simulator};

use super::{Message, SourceContext, SourceEvent, SourceStatus};

/// How often the demo source hands new events to the monitor.
const TICK: Duration = Duration::from_millis(200);

/// Runs the demo as a source: about 30 minutes of history at once, then live events.
pub fn start(seed: u64, history: Duration, ctx: SourceContext) {
    let tracker = ctx.tasks.clone();
    tracker.spawn(async move {
        let now = Timestamp::now();
        let since = SignedDuration::try_from(history).unwrap_or(SignedDuration::ZERO);
        let mut sim = Simulator::new(seed, now - since);
        let _ = ctx
            .tx
            .send(SourceEvent::Status(ctx.id, SourceStatus::Connected))
            .await;
        let mut serial = 0u64;
        let mut to_messages = |deliveries: Vec<Delivery>| -> Vec<Message> {
            deliveries
                .into_iter()
                .map(|d| {
                    serial += 1;
                    Message {
                        source: ctx.id,
                        body: d.body,
                        message_id: Some(format!("demo-{serial:08}")),
                        receipt: None,
                        received_at: d.at,
                        place: None,
                    }
                })
                .collect()
        };
        // The history a minute at a time, so the screen fills while the rest is simulated.
        let mut t = now - since;
        while t < now {
            t = (t + SignedDuration::from_mins(1)).min(now);
            let batch = to_messages(sim.advance(t));
            if ctx.cancel.is_cancelled() || !send(&ctx, batch).await {
                return;
            }
            tokio::task::yield_now().await;
        }
        let mut ticker = tokio::time::interval(TICK);
        loop {
            tokio::select! {
                _ = ctx.cancel.cancelled() => return,
                _ = ticker.tick() => {}
            }
            let batch = to_messages(sim.advance(Timestamp::now()));
            if !send(&ctx, batch).await {
                return;
            }
        }
    });
}

/// Sends in batches of at most 1024; false when the monitor has gone.
async fn send(ctx: &SourceContext, batch: Vec<Message>) -> bool {
    for chunk in batch.chunks(1024) {
        if ctx
            .tx
            .send(SourceEvent::Batch(chunk.to_vec()))
            .await
            .is_err()
        {
            return false;
        }
    }
    true
}
