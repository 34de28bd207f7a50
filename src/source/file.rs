//! Capture files: one SQS message body per line (ndjson of bodies, as `tail --format raw`
//! writes them), `-` for standard input. Lines are bytes: a line that is not UTF-8 becomes a
//! malformed event, it is not skipped.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};

use jiff::Timestamp;

use super::{Message, SourceContext, SourceEvent, SourceStatus};

/// Lines per batch sent to the core.
const BATCH: usize = 1024;

/// Opens the file now (so a missing file is an error before anything starts) and reads it on a thread.
pub fn start(path: &str, ctx: SourceContext) -> io::Result<()> {
    let reader: Box<dyn Read + Send> = if path == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(path)?)
    };
    let name = path.to_string();
    let handle = tokio::runtime::Handle::current();
    let tracker = ctx.tasks.clone();
    // Blocking reads on their own thread; the tracked future lets shutdown wait for it.
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    tracker.spawn(async move {
        let _ = done_rx.await;
    });
    std::thread::spawn(move || {
        let _guard = handle.enter();
        read_lines(BufReader::with_capacity(1 << 20, reader), &name, &ctx);
        let _ = done_tx.send(());
    });
    Ok(())
}

fn read_lines(mut reader: impl BufRead, name: &str, ctx: &SourceContext) {
    let mut batch = Vec::with_capacity(BATCH);
    let mut line = Vec::new();
    loop {
        if ctx.cancel.is_cancelled() {
            return;
        }
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {
                while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                    line.pop();
                }
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                batch.push(Message {
                    source: ctx.id,
                    body: line.clone(),
                    message_id: None,
                    receipt: None,
                    received_at: Timestamp::now(),
                });
                if batch.len() == BATCH
                    && ctx
                        .tx
                        .blocking_send(SourceEvent::Batch(std::mem::take(&mut batch)))
                        .is_err()
                {
                    return;
                }
            }
            Err(e) => {
                let _ = ctx.tx.blocking_send(SourceEvent::Status(
                    ctx.id,
                    SourceStatus::Failed(format!("reading {name}: {e}")),
                ));
                break;
            }
        }
    }
    if !batch.is_empty() && ctx.tx.blocking_send(SourceEvent::Batch(batch)).is_err() {
        return;
    }
    let _ = ctx.tx.blocking_send(SourceEvent::Finished(ctx.id));
}
