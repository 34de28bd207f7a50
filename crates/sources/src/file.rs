//! Capture files: one SQS message body per line (ndjson of bodies, as `tail --format raw`
//! writes them), `-` for standard input. Lines are bytes: a line that is not UTF-8 becomes a
//! malformed event, it is not skipped. A journal database is read too (told apart by its
//! first bytes, not its name): its events come out in the order they were stored.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;

use jiff::Timestamp;

use super::{Message, SourceContext, SourceEvent, SourceStatus};
use zdwatch_core::store::{BodyFile, Place, ReadAt};
use zdwatch_journal::{self as journal, Journal};

/// Lines per batch sent to the core…
const BATCH: usize = 1024;
/// …or fewer, when their bodies add up to this many bytes: with the channel's
/// [`super::CHANNEL_CAPACITY`] batches, what is read ahead stays within a few megabytes whatever
/// the capture's size (memory is bounded, and it stays in cache).
const BATCH_BYTES: usize = 64 * 1024;

/// Opens the file now (so a missing file is an error before anything starts) and reads it on a
/// thread. With `places`, each body that is a line of a regular file as it is comes with its
/// place there ([`Message::place`]), the file kept open to read it back from.
pub fn start(path: &str, ctx: SourceContext, places: bool) -> io::Result<()> {
    let name = path.to_string();
    if path == "-" {
        spawn_reader(ctx, move |ctx| read_stream(io::stdin(), &name, ctx));
        return Ok(());
    }
    let file = File::open(path)?;
    if !file.metadata()?.is_file() {
        // A pipe (`<(zcat capture.gz)`), a FIFO or a device cannot be rewound: it is sniffed
        // from the bytes the line reader then goes on with.
        spawn_reader(ctx, move |ctx| read_stream(file, &name, ctx));
        return Ok(());
    }
    if journal::is_sqlite(Path::new(path)) {
        let journal = Journal::open_read_only(Path::new(path)).map_err(io::Error::other)?;
        spawn_reader(ctx, move |ctx| read_journal(&journal, ctx));
        return Ok(());
    }
    let places = if places {
        Some(BodyFile::new(Capture(file.try_clone()?), name.clone()))
    } else {
        None
    };
    spawn_reader(ctx, move |ctx| {
        let reader = BufReader::with_capacity(1 << 20, file);
        read_lines(reader, &name, ctx, places.as_ref());
    });
    Ok(())
}

/// A capture file kept open for its bodies to be read back from where they are (the store holds
/// their places: [`Place`]): renamed or deleted since, it is still read; rewritten in place, the
/// store's hashes tell.
pub struct Capture(pub File);

impl ReadAt for Capture {
    #[cfg(unix)]
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(&self.0, buf, offset)
    }

    #[cfg(windows)]
    fn read_exact_at(&self, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
        while !buf.is_empty() {
            match std::os::windows::fs::FileExt::seek_read(&self.0, buf, offset)? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => {
                    buf = &mut std::mem::take(&mut buf)[n..];
                    offset += n as u64;
                }
            }
        }
        Ok(())
    }
}

/// A stream that cannot be rewound: its first bytes are read once, looked at, and handed on to
/// the line reader in front of the rest. A journal cannot be read from a stream (SQLite reads
/// files): that is said, not shown as one malformed line.
fn read_stream(mut stream: impl Read + Send, name: &str, ctx: &SourceContext) {
    let mut head = Vec::with_capacity(journal::SQLITE_MAGIC.len());
    let taken = (&mut stream)
        .take(journal::SQLITE_MAGIC.len() as u64)
        .read_to_end(&mut head);
    if let Err(e) = taken {
        let _ = ctx.tx.blocking_send(SourceEvent::Status(
            ctx.id,
            SourceStatus::Failed(format!("reading {name}: {e}")),
        ));
        let _ = ctx.tx.blocking_send(SourceEvent::Finished(ctx.id));
        return;
    }
    if head == journal::SQLITE_MAGIC {
        let _ = ctx.tx.blocking_send(SourceEvent::Status(
            ctx.id,
            SourceStatus::Failed(format!(
                "{name} is a zdwatch journal (SQLite) arriving through a pipe: SQLite reads journals only from files; give the journal's own path (decompress it to a file first)"
            )),
        ));
        let _ = ctx.tx.blocking_send(SourceEvent::Finished(ctx.id));
        return;
    }
    let whole = io::Cursor::new(head).chain(stream);
    read_lines(BufReader::with_capacity(1 << 20, whole), name, ctx, None);
}

/// Blocking reads on their own thread; the tracked future lets shutdown wait for it.
fn spawn_reader(ctx: SourceContext, read: impl FnOnce(&SourceContext) + Send + 'static) {
    let handle = tokio::runtime::Handle::current();
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    ctx.tasks.spawn(async move {
        let _ = done_rx.await;
    });
    std::thread::spawn(move || {
        let _guard = handle.enter();
        read(&ctx);
        let _ = done_tx.send(());
    });
}

fn read_journal(journal: &Journal, ctx: &SourceContext) {
    let result = journal.each(BATCH, |rows| {
        let batch = rows
            .into_iter()
            .map(|r| Message {
                source: ctx.id,
                body: r.body.into_raw_or_note(),
                message_id: r.message_id,
                receipt: None,
                received_at: r.received_at,
                place: None,
            })
            .collect();
        !ctx.cancel.is_cancelled() && ctx.tx.blocking_send(SourceEvent::Batch(batch)).is_ok()
    });
    if let Err(e) = result {
        let _ = ctx.tx.blocking_send(SourceEvent::Status(
            ctx.id,
            SourceStatus::Failed(e.to_string()),
        ));
    }
    let _ = ctx.tx.blocking_send(SourceEvent::Finished(ctx.id));
}

/// How many lines are read between two looks at whether the source was stopped.
const CANCEL_EVERY: u32 = 256;

/// A pretty-printed document being gathered line by line (its first line was a lone `{`).
#[derive(Default)]
struct Document {
    body: Vec<u8>,
    depth: i64,
    in_string: bool,
    escaped: bool,
}

/// A document bigger than this is given up on: its lines are read one by one again.
const MAX_DOCUMENT: usize = 1 << 20;

impl Document {
    /// Adds a line; true once the braces and brackets balance.
    fn push(&mut self, line: &[u8]) -> bool {
        for &b in line {
            match (self.in_string, self.escaped, b) {
                (true, true, _) => self.escaped = false,
                (true, false, b'\\') => self.escaped = true,
                (true, false, b'"') => self.in_string = false,
                (false, _, b'"') => self.in_string = true,
                (false, _, b'{' | b'[') => self.depth += 1,
                (false, _, b'}' | b']') => self.depth -= 1,
                _ => {}
            }
        }
        self.body.extend_from_slice(line);
        self.body.push(b'\n');
        self.depth <= 0
    }
}

/// The next line, without its `\n`, in a vector of its own (the one copy out of the reader's
/// buffer; a line longer than what the buffer holds is put together from its pieces), and how
/// many bytes it took from the reader (with its `\n`). `None` at the end; a last line without
/// `\n` is a line.
fn next_line(reader: &mut impl BufRead) -> io::Result<Option<(Vec<u8>, usize)>> {
    let mut pieces: Option<Vec<u8>> = None;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(pieces.map(|line| {
                let taken = line.len();
                (line, taken)
            }));
        }
        match memchr::memchr(b'\n', available) {
            Some(end) => {
                let line = match pieces {
                    Some(mut line) => {
                        line.extend_from_slice(&available[..end]);
                        line
                    }
                    None => available[..end].to_vec(),
                };
                reader.consume(end + 1);
                let taken = line.len() + 1;
                return Ok(Some((line, taken)));
            }
            None => {
                let taken = available.len();
                pieces
                    .get_or_insert_with(Vec::new)
                    .extend_from_slice(available);
                reader.consume(taken);
            }
        }
    }
}

/// One event per line (ndjson, raw bodies); a JSON document pretty-printed over several lines
/// (starting with a line that is just `{`) is one event too. With `file` (the one read, from its
/// start), a one-line body comes with its place in it.
fn read_lines(
    mut reader: impl BufRead,
    name: &str,
    ctx: &SourceContext,
    file: Option<&Arc<BodyFile>>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    let mut bytes = 0;
    // Where the next line starts in the file.
    let mut at: u64 = 0;
    let mut document: Option<Document> = None;
    // Read at: the clock is asked once per batch (per line it was a visible share of the work).
    let mut now = Timestamp::now();
    let mut lines: u32 = 0;
    loop {
        // Asked every so many lines, not at every one: the token takes a lock (2 % of a run whose
        // filter skips nearly every body).
        lines = lines.wrapping_add(1);
        if lines % CANCEL_EVERY == 0 && ctx.cancel.is_cancelled() {
            return;
        }
        match next_line(&mut reader) {
            Ok(None) => break,
            Ok(Some((mut line, taken))) => {
                let start = at;
                at += taken as u64;
                while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                    line.pop();
                }
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                // A line is where it was read, byte for byte; a document, put together from lines, is not.
                let (body, place) = match document.as_mut() {
                    None if line.trim_ascii() == b"{" => {
                        let mut d = Document::default();
                        d.push(&line);
                        document = Some(d);
                        continue;
                    }
                    None => {
                        let place = file.map(|f| Place {
                            file: Arc::clone(f),
                            offset: start,
                        });
                        (line, place)
                    }
                    Some(d) => {
                        let complete = d.push(&line);
                        if !complete && d.body.len() <= MAX_DOCUMENT {
                            continue;
                        }
                        let whole = std::mem::take(&mut d.body);
                        document = None;
                        (whole, None)
                    }
                };
                bytes += body.len();
                batch.push(Message {
                    source: ctx.id,
                    body,
                    message_id: None,
                    receipt: None,
                    received_at: now,
                    place,
                });
                if batch.len() == BATCH || bytes >= BATCH_BYTES {
                    bytes = 0;
                    // Room for as many as the last batch held: batches of large bodies end at
                    // BATCH_BYTES long before BATCH messages.
                    let room = batch.len();
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(room));
                    if ctx.tx.blocking_send(SourceEvent::Batch(full)).is_err() {
                        return;
                    }
                    now = Timestamp::now();
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
    // An unfinished document is still passed on (as a malformed body), never dropped.
    if let Some(d) = document {
        batch.push(Message {
            source: ctx.id,
            body: d.body,
            message_id: None,
            receipt: None,
            received_at: Timestamp::now(),
            place: None,
        });
    }
    if !batch.is_empty() && ctx.tx.blocking_send(SourceEvent::Batch(batch)).is_err() {
        return;
    }
    let _ = ctx.tx.blocking_send(SourceEvent::Finished(ctx.id));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every one-line body comes with its place in the file, where its bytes are, whatever the
    /// line endings, blank lines and the reader's buffer; a document put together from several
    /// lines comes without one.
    #[test]
    fn each_one_line_body_comes_with_where_it_is_in_the_file() {
        let text: &[u8] = b"{\"a\":1}\n\r\n{\"b\":2}\r\n\n  \n{\"long\":\"0123456789abcdef0123456789\"}\n{\n  \"doc\": 1\n}\n{\"c\":3}";
        let dir = std::env::temp_dir().join(format!("zdwatch-places-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("capture.ndjson");
        std::fs::write(&path, text).unwrap();
        for capacity in [1, 7, 1 << 20] {
            let (tx, mut rx) = tokio::sync::mpsc::channel(64);
            let ctx = SourceContext {
                id: 0,
                tx,
                cancel: tokio_util::sync::CancellationToken::new(),
                tasks: tokio_util::task::TaskTracker::new(),
                answers: std::sync::Arc::new(tokio::sync::watch::Sender::new(0)),
            };
            let file = BodyFile::new(Capture(File::open(&path).unwrap()), "capture.ndjson");
            let reader = BufReader::with_capacity(capacity, File::open(&path).unwrap());
            read_lines(reader, "capture.ndjson", &ctx, Some(&file));
            drop(ctx);
            let mut messages = Vec::new();
            while let Some(event) = rx.blocking_recv() {
                if let SourceEvent::Batch(batch) = event {
                    messages.extend(batch);
                }
            }
            let bodies: Vec<&[u8]> = messages.iter().map(|m| m.body.as_slice()).collect();
            assert_eq!(
                bodies,
                [
                    &b"{\"a\":1}"[..],
                    b"{\"b\":2}",
                    b"{\"long\":\"0123456789abcdef0123456789\"}",
                    b"{\n  \"doc\": 1\n}\n",
                    b"{\"c\":3}"
                ],
                "read {capacity} bytes at a time"
            );
            for m in &messages {
                match &m.place {
                    Some(p) => {
                        assert!(Arc::ptr_eq(&p.file, &file));
                        let at = p.offset as usize;
                        assert_eq!(&text[at..at + m.body.len()], m.body.as_slice());
                    }
                    None => assert!(m.body.starts_with(b"{\n"), "only the document has none"),
                }
            }
            assert_eq!(messages.iter().filter(|m| m.place.is_some()).count(), 4);
        }
    }

    /// A capture is read back from the file it was opened as: after it is deleted (still open),
    /// byte for byte; rewritten in place, the bytes there now (which the store's hashes refuse).
    #[test]
    fn a_capture_is_read_back_from_the_file_it_was_opened_as() {
        let dir = std::env::temp_dir().join(format!("zdwatch-capture-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (kept, rewritten) = (dir.join("kept.ndjson"), dir.join("rewritten.ndjson"));
        for path in [&kept, &rewritten] {
            std::fs::write(path, b"{\"a\":1}\n{\"b\":2}\n").unwrap();
        }
        let read = |c: &Capture, at, len| {
            let mut buf = vec![0; len];
            c.read_exact_at(&mut buf, at).map(|()| buf)
        };
        let capture = Capture(File::open(&kept).unwrap());
        std::fs::remove_file(&kept).unwrap();
        assert_eq!(read(&capture, 8, 7).unwrap(), b"{\"b\":2}");
        assert!(
            read(&capture, 8, 100).is_err(),
            "past the end: an error, not fewer bytes"
        );
        let capture = Capture(File::open(&rewritten).unwrap());
        std::fs::write(&rewritten, b"\n{\"a\":1}\n").unwrap();
        assert_eq!(read(&capture, 0, 7).unwrap(), b"\n{\"a\":1");
        assert!(read(&capture, 8, 7).is_err(), "cut short");
    }

    /// Lines come out as `read_until` splits them, whatever the buffer's size: lines longer than
    /// the buffer, a last line without `\n`, empty lines.
    #[test]
    fn lines_are_split_as_read_until_splits_them() {
        let texts: [&[u8]; 5] = [
            b"{\"a\":1}\n{\"b\":2}\n",
            b"no newline at the end",
            b"\n\n\nx\n\ny",
            b"a line much longer than the buffer it is read through\nshort\n",
            b"",
        ];
        for text in texts {
            let mut expected = Vec::new();
            let mut whole = text;
            loop {
                let mut line = Vec::new();
                if whole.read_until(b'\n', &mut line).unwrap() == 0 {
                    break;
                }
                if line.last() == Some(&b'\n') {
                    line.pop();
                }
                expected.push(line);
            }
            for capacity in [1, 3, 8, 1 << 20] {
                let mut reader = BufReader::with_capacity(capacity, text);
                let mut got = Vec::new();
                let mut taken = 0;
                while let Some((line, n)) = next_line(&mut reader).unwrap() {
                    got.push(line);
                    taken += n;
                }
                assert_eq!(taken, text.len(), "every byte is taken once");
                assert_eq!(
                    got,
                    expected,
                    "{:?} read {capacity} bytes at a time",
                    String::from_utf8_lossy(text)
                );
            }
        }
    }
}
