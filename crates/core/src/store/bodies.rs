//! The bodies of the events the monitor holds, compressed. Zendesk events are small JSON documents
//! that repeat the same keys, so each is compressed on its own (random access for the screen) with
//! a zstd dictionary learnt from the first bodies seen: about 1.1 KB becomes about 200 bytes.
//! Bodies that came before the dictionary are compressed without one.
//!
//! A journal keeps its bodies compressed the same way, with a [`Dictionary`] of its own stored in
//! it; the store takes that dictionary over when it loads the journal's history, and then holds
//! the journal's bytes as they are ([`Bodies::adopt`]) instead of compressing every body again.
//!
//! A capture file's bodies are not compressed at all: each is held as its place in the file, with
//! a hash of its bytes ([`BodyFile`], as lnav holds a log's lines), and read back from there. A
//! body whose bytes are no longer what was read (the file was rewritten or cut short since) is
//! not shown in its place: the file is marked changed ([`BodyFile::changed`]) and the body is
//! missing ([`Bodies::unpack`] gives none), which the store turns into an event that says so. A
//! read that fails for another reason (an I/O error on a network disk, say) is not taken for a
//! change: the body is missing for now, the file is said to be unreadable
//! ([`BodyFile::unreadable`]), and the next read that works clears it.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use zstd::bulk::{Compressor, Decompressor};

/// How many bodies a dictionary learns from, and how large it may be.
pub const SAMPLES: usize = 1000;
const DICTIONARY_BYTES: usize = 32 * 1024;
/// zstd's fastest level: compression runs on the event loop, for every event.
const LEVEL: i32 = 1;
/// Smaller bodies are kept as they are.
const MIN_COMPRESS: usize = 64;

/// One body as held: the bytes and how to read them back.
#[derive(Debug)]
pub struct Packed {
    bytes: Box<[u8]>,
    /// The length before compression (zstd needs a bound to decompress into).
    len: u32,
    codec: Codec,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Codec {
    Stored,
    Plain,
    Dictionary,
    /// In the store's `files[i]`: `bytes` are the body's offset there and the hash of its bytes
    /// (eight bytes each, little-endian); `len` is the framed body's (one byte more).
    InFile(u16),
}

/// A body made ready away from the store (the monitor does this on the thread that decodes each
/// batch, not on the event loop): compressed with a dictionary, which a store that uses that
/// dictionary holds as it is, or placed in a capture file, which any store holds
/// ([`Bodies::accept`]).
#[derive(Debug)]
pub struct Prepacked {
    packed: Packed,
    from: Origin,
}

#[derive(Debug)]
enum Origin {
    Dictionary(Arc<Dictionary>),
    File(Arc<BodyFile>),
}

/// Reads bytes at an offset of a capture file. The core opens and reads no file itself: the
/// sources, which read the capture, hand it over open (`zdwatch_sources::file`).
pub trait ReadAt: Send + Sync {
    /// Fills `buf` with the bytes from `offset` on (an error when there are not that many).
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()>;
}

/// A capture file open for reading bodies back: the bodies of the events read from it are held
/// as their place in it ([`Place`]) instead of compressed copies. One rewritten since they were
/// read is told by their hashes.
pub struct BodyFile {
    file: Box<dyn ReadAt>,
    name: String,
    id: u64,
    /// A body read back was not what was read first: the file changed since.
    changed: AtomicBool,
    /// The last read failed for another reason than a change: why (see [`BodyFile::unreadable`]).
    /// `failing` says whether there is one, so that a read that works looks at no lock.
    failing: AtomicBool,
    failure: Mutex<Option<String>>,
}

impl std::fmt::Debug for BodyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BodyFile({})", self.name)
    }
}

/// Where a body is in a capture file: its first byte's offset (its length is the body's).
#[derive(Clone, Debug)]
pub struct Place {
    pub file: Arc<BodyFile>,
    pub offset: u64,
}

impl BodyFile {
    /// `file` (open for reading), called `name` on the screen.
    pub fn new(file: impl ReadAt + 'static, name: impl Into<String>) -> Arc<BodyFile> {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        Arc::new(BodyFile {
            file: Box::new(file),
            name: name.into(),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            changed: AtomicBool::new(false),
            failing: AtomicBool::new(false),
            failure: Mutex::new(None),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether a body read back was not what was read first (the file changed since).
    pub fn changed(&self) -> bool {
        self.changed.load(Ordering::Relaxed)
    }

    /// Why the last read of a body failed, when it failed for another reason than the file
    /// having changed (an I/O error): its bodies are missing for now. `None` once a read works.
    pub fn unreadable(&self) -> Option<String> {
        if !self.failing.load(Ordering::Relaxed) {
            return None;
        }
        self.failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The `len` bytes at `offset`, framed without a message id ([`frame`]), when they still hash
    /// to `hash`; none when they do not (the file marked changed), are not all there any more (cut
    /// short: changed too) or cannot be read (unreadable, until a read works again).
    fn read(&self, offset: u64, len: usize, hash: u64) -> Option<Vec<u8>> {
        let mut framed = vec![0; len + 1];
        let read = self.file.read_exact_at(&mut framed[1..], offset);
        let why = match read {
            Ok(()) if xxhash_rust::xxh3::xxh3_64(&framed[1..]) == hash => {
                self.set_failure(None);
                return Some(framed);
            }
            Ok(()) => "its bytes are not those read".to_string(),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => e.to_string(),
            Err(e) => {
                self.set_failure(Some(e.to_string()));
                return None;
            }
        };
        self.set_failure(None);
        if !self.changed.swap(true, Ordering::Relaxed) {
            tracing::warn!("{} changed since it was read: {why}", self.name);
        }
        None
    }

    /// Records why reading failed (`None`: it worked, or it failed because the file changed).
    fn set_failure(&self, why: Option<String>) {
        if why.is_none() && !self.failing.load(Ordering::Relaxed) {
            return;
        }
        let mut failure = self.failure.lock().unwrap_or_else(|p| p.into_inner());
        match (&*failure, &why) {
            (None, Some(why)) => tracing::warn!("cannot read {} back: {why}", self.name),
            (Some(_), None) => tracing::info!("{} reads back again", self.name),
            _ => {}
        }
        self.failing.store(why.is_some(), Ordering::Relaxed);
        *failure = why;
    }
}

impl Prepacked {
    /// A body (with no message id) held as its place in a capture file: `raw` is what was read
    /// there, hashed so that a read back can tell the file changed. None for a body of 4 GiB.
    pub fn in_file(place: Place, raw: &[u8]) -> Option<Prepacked> {
        let len = u32::try_from(raw.len() + 1).ok()?;
        let mut bytes = [0; 16];
        bytes[..8].copy_from_slice(&place.offset.to_le_bytes());
        bytes[8..].copy_from_slice(&xxhash_rust::xxh3::xxh3_64(raw).to_le_bytes());
        Some(Prepacked {
            packed: Packed {
                bytes: Box::new(bytes),
                len,
                codec: Codec::InFile(0),
            },
            from: Origin::File(place.file),
        })
    }
}

/// A zstd dictionary for event bodies: learnt from samples, or read back from a journal. Its
/// frames carry no checksum, dictionary id or size (every byte counts a million times), so a
/// frame is read back only with the dictionary it was written with and its length kept beside it.
pub struct Dictionary {
    bytes: Box<[u8]>,
    /// Which dictionary a thread's compressor was made for ([`Dictionary::with_compressor`]).
    id: u64,
    /// Decompressors not in use: one is taken out for each body read, so that several threads
    /// can read bodies at once (a word search over every held event), and put back after.
    unpack: Mutex<Vec<Decompressor<'static>>>,
}

impl std::fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Dictionary({} bytes)", self.bytes.len())
    }
}

impl Dictionary {
    /// Learns a dictionary from `samples`; none when zstd cannot (too few distinct bodies, say).
    pub fn learn(samples: &[Vec<u8>]) -> Option<Dictionary> {
        match zstd::dict::from_samples(samples, DICTIONARY_BYTES) {
            Ok(d) => Some(Dictionary::new(d)),
            Err(e) => {
                tracing::debug!(
                    "no compression dictionary from {} bodies: {e}",
                    samples.len()
                );
                None
            }
        }
    }

    /// A dictionary from its bytes (as [`Dictionary::bytes`] gave them).
    pub fn new(bytes: impl Into<Box<[u8]>>) -> Dictionary {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        Dictionary {
            bytes: bytes.into(),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            unpack: Mutex::new(Vec::new()),
        }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Runs `f` with this thread's compressor for this dictionary: made the first time the thread
    /// compresses with it (making one digests the dictionary, with the parameters of [`tuned`]),
    /// and kept for the next body (until the thread compresses with another dictionary).
    fn with_compressor<R>(&self, f: impl FnOnce(Option<&mut Compressor<'static>>) -> R) -> R {
        thread_local! {
            static COMPRESSOR: RefCell<Option<(u64, Compressor<'static>)>> =
                const { RefCell::new(None) };
        }
        let made = || {
            Compressor::with_dictionary(LEVEL, &self.bytes)
                .and_then(tuned)
                .map_err(|e| tracing::error!("no compressor for event bodies: {e}"))
                .ok()
        };
        COMPRESSOR.with(|cell| match cell.try_borrow_mut() {
            Ok(mut kept) => {
                if kept.as_ref().is_none_or(|(id, _)| *id != self.id) {
                    *kept = made().map(|c| (self.id, c));
                }
                f(kept.as_mut().map(|(_, c)| c))
            }
            // Only if `f` compressed again itself: a compressor for this once.
            Err(_) => f(made().as_mut()),
        })
    }

    /// A compressor of its own for one writer (a journal's), which keeps it between batches.
    pub fn packer(&self) -> Option<Packer> {
        Compressor::with_dictionary(LEVEL, &self.bytes)
            .and_then(tuned)
            .map(|compressor| Packer { compressor })
            .map_err(|e| tracing::error!("no compressor for event bodies: {e}"))
            .ok()
    }

    /// `body` compressed with `compressor` (from [`Dictionary::compressor`]), when that makes it
    /// smaller; the length to give [`Dictionary::decompress`] is the body's.
    pub fn compress(compressor: &mut Compressor<'_>, body: &[u8]) -> Option<Vec<u8>> {
        if body.len() < MIN_COMPRESS || u32::try_from(body.len()).is_err() {
            return None;
        }
        // Compressed into a buffer the thread keeps, then copied out at its length: zstd's own
        // `compress` allocates for the worst case, which a store would then shrink again.
        thread_local! {
            static OUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        }
        with_scratch(&OUT, |out| {
            out.reserve(zstd::zstd_safe::compress_bound(body.len()));
            let n = compressor.compress_to_buffer(body, out).ok()?;
            out.get(..n)
                .filter(|bytes| bytes.len() < body.len())
                .map(<[u8]>::to_vec)
        })
    }

    /// A body with its message id ([`frame`]) compressed with this dictionary (on the calling
    /// thread), for a store that uses this dictionary. Framed in a buffer the thread keeps.
    pub fn prepack(self: &Arc<Self>, message_id: Option<&str>, raw: &[u8]) -> Prepacked {
        thread_local! {
            static FRAMED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        }
        let packed = with_scratch(&FRAMED, |framed| {
            frame_into(framed, message_id, raw);
            self.with_compressor(|c| squeeze(c, framed, Codec::Dictionary))
        });
        Prepacked {
            packed,
            from: Origin::Dictionary(Arc::clone(self)),
        }
    }

    /// What [`Dictionary::compress`] made of a body of `len` bytes. Threads may call this at once.
    pub fn decompress(&self, bytes: &[u8], len: usize) -> Option<Vec<u8>> {
        unpack_with(
            &self.unpack,
            || Decompressor::with_dictionary(&self.bytes),
            bytes,
            len,
        )
    }
}

/// Compresses bodies with one dictionary ([`Dictionary::packer`]).
pub struct Packer {
    compressor: Compressor<'static>,
}

impl Packer {
    /// As [`Dictionary::compress`].
    pub fn pack(&mut self, body: &[u8]) -> Option<Vec<u8>> {
        Dictionary::compress(&mut self.compressor, body)
    }
}

/// Decompresses with a decompressor from `pool` (made with `new` when every one is in use).
fn unpack_with(
    pool: &Mutex<Vec<Decompressor<'static>>>,
    new: impl FnOnce() -> std::io::Result<Decompressor<'static>>,
    bytes: &[u8],
    len: usize,
) -> Option<Vec<u8>> {
    let lock = || pool.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let spare = lock().pop();
    let mut d = match spare {
        Some(d) => d,
        None => new()
            .map_err(|e| tracing::error!("no decompressor for an event's body: {e}"))
            .ok()?,
    };
    let body = d.decompress(bytes, len);
    lock().push(d);
    match body {
        Ok(body) => Some(body),
        Err(e) => {
            tracing::error!("an event's body does not decompress: {e}");
            None
        }
    }
}

/// A body with the SQS message id in front, as the store holds it and a journal compresses it:
/// decoding needs both, and the id compresses with the body. One byte says how long the id is
/// (0: none; 255: its length follows in four bytes, for one too long to be SQS's).
pub fn frame(message_id: Option<&str>, raw: &[u8]) -> Vec<u8> {
    let mut framed = Vec::new();
    frame_into(&mut framed, message_id, raw);
    framed
}

/// Runs `f` with the thread's buffer `key`, emptied; with a new one when the thread is using it
/// already (`f` called again from within `f`).
fn with_scratch<R>(
    key: &'static std::thread::LocalKey<RefCell<Vec<u8>>>,
    f: impl FnOnce(&mut Vec<u8>) -> R,
) -> R {
    key.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buffer) => {
            buffer.clear();
            f(&mut buffer)
        }
        Err(_) => f(&mut Vec::new()),
    })
}

/// [`frame`] written at the end of `framed`.
fn frame_into(framed: &mut Vec<u8>, message_id: Option<&str>, raw: &[u8]) {
    let id = message_id.unwrap_or("");
    framed.reserve(raw.len() + id.len() + 5);
    match u8::try_from(id.len()) {
        Ok(len) if message_id.is_some() && len < 254 => {
            framed.push(len + 1);
            framed.extend_from_slice(id.as_bytes());
        }
        _ if message_id.is_some() => {
            framed.push(255);
            framed.extend_from_slice(&(id.len() as u32).to_le_bytes());
            framed.extend_from_slice(id.as_bytes());
        }
        _ => framed.push(0),
    }
    framed.extend_from_slice(raw);
}

/// The message id and the body of a [`frame`]; none when it is cut short.
pub fn unframe(framed: Vec<u8>) -> Option<(Option<String>, Vec<u8>)> {
    let (&marker, rest) = framed.split_first()?;
    let (id, raw) = match marker {
        0 => (None, rest),
        255 => {
            let len = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?) as usize;
            let rest = &rest[4..];
            (Some(rest.get(..len)?), rest.get(len..)?)
        }
        n => {
            let len = usize::from(n - 1);
            (Some(rest.get(..len)?), rest.get(len..)?)
        }
    };
    let id = id.map(|b| String::from_utf8_lossy(b).into_owned());
    // The body is the end of the buffer: drop the header in place rather than copy the body.
    let header = framed.len() - raw.len();
    let mut body = framed;
    body.drain(..header);
    Some((id, body))
}

pub struct Bodies {
    plain: Option<Compressor<'static>>,
    /// The dictionary once learnt (or taken over from a journal), and the compressor the loop's
    /// thread packs with.
    dictionary: Option<Arc<Dictionary>>,
    with_dictionary: Option<Compressor<'static>>,
    /// Decompressors for bodies packed before the dictionary (see [`Dictionary::decompress`]).
    unpack_plain: Mutex<Vec<Decompressor<'static>>>,
    samples: Vec<Vec<u8>>,
    /// The capture files bodies are held in ([`Codec::InFile`]).
    files: Vec<Arc<BodyFile>>,
}

impl Default for Bodies {
    fn default() -> Self {
        Bodies {
            plain: Compressor::new(LEVEL).ok(),
            dictionary: None,
            with_dictionary: None,
            unpack_plain: Mutex::new(Vec::new()),
            samples: Vec::new(),
            files: Vec::new(),
        }
    }
}

impl Bodies {
    /// Compresses a body (for the record of a held event).
    pub fn pack(&mut self, body: &[u8]) -> Packed {
        if self.learning() {
            self.samples.push(body.to_vec());
            if self.samples.len() == SAMPLES {
                self.learn();
            }
        }
        match (&mut self.with_dictionary, &mut self.plain) {
            (Some(c), _) => squeeze(Some(c), body, Codec::Dictionary),
            (None, c) => squeeze(c.as_mut(), body, Codec::Plain),
        }
    }

    /// Compresses `bodies.len()` bodies, each as [`Bodies::pack`] would in turn, on every core
    /// once the dictionary is learnt (`body` hands each one over, built on the thread that
    /// compresses it).
    pub fn pack_many<T: Sync>(
        &mut self,
        items: &[T],
        body: impl Fn(&T) -> Vec<u8> + Sync,
    ) -> Vec<Packed> {
        let mut out = Vec::with_capacity(items.len());
        // The first bodies teach the dictionary, one after the other.
        let mut rest = items;
        while self.learning() {
            let Some((first, more)) = rest.split_first() else {
                return out;
            };
            out.push(self.pack(&body(first)));
            rest = more;
        }
        let refs: Vec<&T> = rest.iter().collect();
        let packed = match &self.dictionary {
            Some(dictionary) => crate::parallel::map_in_order(refs, |item| {
                dictionary.with_compressor(|c| squeeze(c, &body(item), Codec::Dictionary))
            }),
            None if self.plain.is_some() => crate::parallel::map_in_order_with(
                refs,
                || Compressor::new(LEVEL).ok(),
                |c, item| squeeze(c.as_mut(), &body(item), Codec::Plain),
            ),
            None => refs
                .into_iter()
                .map(|item| squeeze(None, &body(item), Codec::Stored))
                .collect(),
        };
        out.extend(packed);
        out
    }

    /// Whether bodies are still being gathered to learn the dictionary from.
    fn learning(&self) -> bool {
        self.dictionary.is_none() && self.samples.len() < SAMPLES
    }

    /// Takes `dictionary` (a journal's) as the one to pack with from now on, unless one is
    /// learnt already; returns whether it is the dictionary in use. Bodies compressed with it
    /// elsewhere are then held as they are ([`Bodies::packed`]).
    pub fn adopt(&mut self, dictionary: &Arc<Dictionary>) -> bool {
        if let Some(own) = &self.dictionary {
            return Arc::ptr_eq(own, dictionary);
        }
        let Some(packer) = dictionary.packer() else {
            return false;
        };
        self.with_dictionary = Some(packer.compressor);
        self.dictionary = Some(Arc::clone(dictionary));
        self.samples = Vec::new();
        true
    }

    /// Whether bodies compressed with `dictionary` can be held as they are.
    pub fn uses(&self, dictionary: &Arc<Dictionary>) -> bool {
        self.dictionary
            .as_ref()
            .is_some_and(|own| Arc::ptr_eq(own, dictionary))
    }

    /// The dictionary bodies are compressed with, once there is one.
    pub fn dictionary(&self) -> Option<&Arc<Dictionary>> {
        self.dictionary.as_ref()
    }

    /// A body made ready elsewhere, as this store holds it: when it was compressed with the
    /// dictionary in use, kept as it came (too small to compress), or placed in a file. `None`:
    /// it is to be packed here (the store learnt or took over another dictionary in between, or
    /// holds bodies in as many files as it can tell apart).
    pub fn accept(&mut self, body: Prepacked) -> Option<Packed> {
        let Prepacked { mut packed, from } = body;
        match from {
            _ if packed.codec == Codec::Stored => Some(packed),
            Origin::Dictionary(d) => self.uses(&d).then_some(packed),
            Origin::File(file) => {
                let at = match self.files.iter().position(|f| f.id == file.id) {
                    Some(at) => at,
                    None => {
                        self.files.push(file);
                        self.files.len() - 1
                    }
                };
                packed.codec = Codec::InFile(u16::try_from(at).ok()?);
                Some(packed)
            }
        }
    }

    /// The capture files bodies are held in whose bytes changed since they were read (their
    /// bodies are missing).
    pub fn changed_files(&self) -> impl Iterator<Item = &str> {
        self.files.iter().filter(|f| f.changed()).map(|f| f.name())
    }

    /// The capture files whose last read back failed with an I/O error, with why (their bodies
    /// are missing for now; [`BodyFile::unreadable`]).
    pub fn unreadable_files(&self) -> impl Iterator<Item = (&str, String)> {
        self.files
            .iter()
            .filter_map(|f| Some((f.name(), f.unreadable()?)))
    }

    /// Why a body that [`Bodies::unpack`] does not give back is missing, and whether it may come
    /// back (its file could not be read, but has not changed): what shows it is then not to keep
    /// the gap in its place.
    pub fn why_missing(&self, packed: &Packed) -> (String, bool) {
        match packed.codec {
            Codec::InFile(i) => match self.files.get(usize::from(i)) {
                Some(f) if !f.changed() => (
                    format!(
                        "its body could not be read back from {}{}: it is read again when shown",
                        f.name(),
                        f.unreadable()
                            .map(|why| format!(" ({why})"))
                            .unwrap_or_default()
                    ),
                    true,
                ),
                f => (
                    format!(
                        "its body is no longer in {}: the file changed since zdwatch read it (open it again to see its events)",
                        f.map_or("its file", |f| f.name())
                    ),
                    false,
                ),
            },
            _ => (
                "its body could not be read back (an internal error: see the log)".to_string(),
                false,
            ),
        }
    }

    /// A body of `len` bytes that [`Dictionary::compress`] compressed with this store's
    /// dictionary ([`Bodies::uses`]), held as it is.
    pub fn packed(bytes: Vec<u8>, len: u32) -> Packed {
        Packed {
            bytes: bytes.into_boxed_slice(),
            len,
            codec: Codec::Dictionary,
        }
    }

    /// The body as it was given to [`Bodies::pack`]. Threads may call this at once.
    pub fn unpack(&self, packed: &Packed) -> Option<Vec<u8>> {
        let len = packed.len as usize;
        match packed.codec {
            Codec::Stored => Some(packed.bytes.to_vec()),
            Codec::Plain => unpack_with(&self.unpack_plain, Decompressor::new, &packed.bytes, len),
            Codec::Dictionary => self.dictionary.as_ref()?.decompress(&packed.bytes, len),
            Codec::InFile(i) => {
                let offset = u64::from_le_bytes(packed.bytes.get(..8)?.try_into().ok()?);
                let hash = u64::from_le_bytes(packed.bytes.get(8..16)?.try_into().ok()?);
                let file = self.files.get(usize::from(i))?;
                file.read(offset, len.checked_sub(1)?, hash)
            }
        }
    }

    /// Learns the dictionary from the samples; without one (too few distinct bodies, say),
    /// bodies go on being compressed on their own.
    fn learn(&mut self) {
        let samples = std::mem::take(&mut self.samples);
        if let Some(dictionary) = Dictionary::learn(&samples) {
            self.adopt(&Arc::new(dictionary));
        }
    }
}

/// Every byte counts a million times: no checksum, dictionary id or size in the frames.
fn frugal(mut c: Compressor<'_>) -> std::io::Result<Compressor<'_>> {
    use zstd::zstd_safe::CParameter;
    c.set_parameter(CParameter::ChecksumFlag(false))?;
    c.set_parameter(CParameter::DictIdFlag(false))?;
    c.set_parameter(CParameter::ContentSizeFlag(false))?;
    Ok(c)
}

/// [`frugal`], and matches of at least 7 bytes in a table of 2^14: for bodies of about 1 KB with a
/// dictionary, 7 % faster and 6 % smaller than level 1's own (6 bytes, 2^13; BENCHMARKS.md).
/// Frames read back the same whatever they were written with.
fn tuned(c: Compressor<'_>) -> std::io::Result<Compressor<'_>> {
    use zstd::zstd_safe::CParameter;
    let mut c = frugal(c)?;
    c.set_parameter(CParameter::MinMatch(7))?;
    c.set_parameter(CParameter::HashLog(14))?;
    Ok(c)
}

/// One body compressed with `compressor` (kept as it is when small, when there is no
/// compressor, or when compressing would not make it smaller).
fn squeeze(compressor: Option<&mut Compressor<'_>>, body: &[u8], codec: Codec) -> Packed {
    let packed = compressor.and_then(|c| Dictionary::compress(c, body));
    match packed {
        Some(bytes) => Packed {
            bytes: bytes.into_boxed_slice(),
            len: body.len() as u32,
            codec,
        },
        None => Packed {
            bytes: body.into(),
            len: body.len() as u32,
            codec: Codec::Stored,
        },
    }
}

impl Packed {
    /// Bytes held for this body (for tests and the benchmark's accounting).
    pub fn size(&self) -> usize {
        self.bytes.len()
    }
}

/// A capture held in memory, which a test may rewrite (the sources hand the store a real file;
/// their own tests read one).
#[cfg(test)]
#[derive(Clone, Default)]
pub(crate) struct MemoryFile(pub(crate) Arc<Mutex<Vec<u8>>>);

#[cfg(test)]
impl ReadAt for MemoryFile {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        let text = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let at = usize::try_from(offset).map_err(std::io::Error::other)?;
        let bytes = text
            .get(at..at + buf.len())
            .ok_or(std::io::ErrorKind::UnexpectedEof)?;
        buf.copy_from_slice(bytes);
        Ok(())
    }
}

/// A [`MemoryFile`] whose reads fail with an I/O error while `failing` is set (a disk that
/// comes and goes).
#[cfg(test)]
#[derive(Clone, Default)]
pub(crate) struct FlakyFile {
    pub(crate) file: MemoryFile,
    pub(crate) failing: Arc<AtomicBool>,
}

#[cfg(test)]
impl ReadAt for FlakyFile {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        if self.failing.load(Ordering::Relaxed) {
            return Err(std::io::Error::other("Input/output error"));
        }
        self.file.read_exact_at(buf, offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(i: usize) -> Vec<u8> {
        format!(
            r#"{{"type":"zen:event-type:ticket.status_changed","id":"{i:08}-aaaa","time":"2026-01-01T00:00:00Z","detail":{{"id":"{}","status":"open","tags":["vip","t{}"]}},"event":{{"previous":"new","current":"open"}}}}"#,
            i % 97,
            i % 13
        )
        .into_bytes()
    }

    #[test]
    fn every_body_comes_back_byte_for_byte_before_and_after_the_dictionary() {
        let mut bodies = Bodies::default();
        let odd = [b"".to_vec(), b"x".to_vec(), vec![0xff; 10], vec![0; 5000]];
        let inputs: Vec<Vec<u8>> = (0..SAMPLES + 200)
            .map(body)
            .chain(odd.iter().cloned())
            .collect();
        let packed: Vec<Packed> = inputs.iter().map(|b| bodies.pack(b)).collect();
        for (input, p) in inputs.iter().zip(&packed) {
            assert_eq!(bodies.unpack(p).as_ref(), Some(input));
        }
        assert!(bodies.dictionary.is_some(), "a dictionary was learnt");
        let before = packed[SAMPLES - 100].size();
        let after = packed[SAMPLES + 100].size();
        assert_eq!(packed[SAMPLES - 100].codec, Codec::Plain);
        assert_eq!(packed[SAMPLES + 100].codec, Codec::Dictionary);
        assert!(after < before, "the dictionary helps: {after} < {before}");
        assert!(after * 3 < inputs[SAMPLES + 100].len(), "{after}");
    }

    /// Bodies compressed away from the store (the monitor's decoding thread) are held as they
    /// are only when the store uses the dictionary they were compressed with; small ones, kept
    /// as they came, by any store.
    #[test]
    fn bodies_compressed_elsewhere_are_held_only_with_their_own_dictionary() {
        let mut store = Bodies::default();
        for i in 0..SAMPLES {
            store.pack(&body(i));
        }
        let own = Arc::clone(store.dictionary().expect("learnt from the samples"));
        let samples: Vec<Vec<u8>> = (0..SAMPLES).map(|i| body(i + 7)).collect();
        let other = Arc::new(Dictionary::learn(&samples).expect("another dictionary"));

        let raw = body(SAMPLES + 5);
        let input = frame(Some("message-1"), &raw);
        let packed = store
            .accept(own.prepack(Some("message-1"), &raw))
            .expect("compressed with the store's dictionary");
        assert_eq!(packed.codec, Codec::Dictionary);
        assert!(packed.size() * 3 < input.len(), "{}", packed.size());
        assert_eq!(store.unpack(&packed), Some(input.clone()));

        // The thread's compressor is the other dictionary's now, and its frames are that one's.
        let elsewhere = other.prepack(Some("message-1"), &raw);
        assert_eq!(
            other.decompress(&elsewhere.packed.bytes, input.len()),
            Some(input.clone())
        );
        assert!(
            store.accept(elsewhere).is_none(),
            "another dictionary's frame would not read back"
        );
        let kept = store
            .accept(other.prepack(None, b"{}"))
            .expect("kept as it came: any store reads it");
        assert_eq!(store.unpack(&kept), Some(frame(None, b"{}")));
        // And back to the store's own, on the same thread.
        let again = store
            .accept(own.prepack(Some("message-1"), &raw))
            .expect("the store's own");
        assert_eq!(store.unpack(&again), Some(input));
    }

    /// `bodies` one per line (`\r\n`), held by a store as their places in that capture.
    fn held(name: &str, bodies: &[Vec<u8>]) -> (MemoryFile, Arc<BodyFile>, Bodies, Vec<Packed>) {
        let capture = MemoryFile::default();
        let file = BodyFile::new(capture.clone(), name);
        let mut store = Bodies::default();
        let mut packed = Vec::new();
        for b in bodies {
            let offset = {
                let mut text = capture.0.lock().unwrap();
                let at = text.len() as u64;
                text.extend_from_slice(b);
                text.extend_from_slice(b"\r\n");
                at
            };
            packed.push(held_in(&mut store, &file, offset, b));
        }
        (capture, file, store, packed)
    }

    fn held_in(store: &mut Bodies, file: &Arc<BodyFile>, offset: u64, raw: &[u8]) -> Packed {
        let place = Place {
            file: Arc::clone(file),
            offset,
        };
        store
            .accept(Prepacked::in_file(place, raw).expect("small"))
            .expect("any store holds a place in a file")
    }

    /// A capture's bodies are held as their place in the file (16 bytes each) and read back byte
    /// for byte, framed as a compressed body would be, whatever dictionary the store has.
    #[test]
    fn bodies_in_a_capture_file_come_back_byte_for_byte_and_take_sixteen_bytes() {
        let raws: Vec<Vec<u8>> = (0..50).map(body).chain([b"x".to_vec()]).collect();
        let (capture, file, mut store, packed) = held("capture.ndjson", &raws);
        // Another file (a second --file of the same capture) is another file to the store.
        let again = BodyFile::new(capture.clone(), "again");
        let other = held_in(&mut store, &again, 0, &raws[0]);
        assert_eq!(store.files.len(), 2);
        for (raw, p) in raws.iter().zip(&packed) {
            assert_eq!(p.size(), 16);
            assert_eq!(store.unpack(p), Some(frame(None, raw)));
        }
        assert_eq!(store.unpack(&other), Some(frame(None, &raws[0])));
        assert!(!file.changed());
        assert_eq!(store.changed_files().count(), 0);
    }

    /// A capture rewritten (its bodies moved, or others written) or cut short since it was read:
    /// no body is read back from where it changed, its file is said to have changed, and why a
    /// body is missing names it. Never another body in its place.
    #[test]
    fn a_capture_rewritten_or_cut_short_gives_no_body_and_says_it_changed() {
        let raws: Vec<Vec<u8>> = (0..20).map(body).collect();
        type Rewrite = Box<dyn Fn(&[u8]) -> Vec<u8>>;
        let cases: [(&str, Rewrite); 3] = [
            ("shifted", Box::new(|text| [b"\n", text].concat())),
            ("cut", Box::new(|text| text[..text.len() / 2].to_vec())),
            (
                "one byte",
                Box::new(|text| {
                    let mut t = text.to_vec();
                    t[40] ^= 1;
                    t
                }),
            ),
        ];
        for (case, rewrite) in cases {
            let name = format!("{case}.ndjson");
            let (capture, file, store, packed) = held(&name, &raws);
            {
                let mut text = capture.0.lock().unwrap();
                *text = rewrite(&text);
            }
            // Each body is itself (one the rewrite left where it was) or missing, never another.
            let back: Vec<Option<Vec<u8>>> = packed.iter().map(|p| store.unpack(p)).collect();
            for (raw, b) in raws.iter().zip(&back) {
                assert!(
                    b.is_none() || b.as_ref() == Some(&frame(None, raw)),
                    "{case}"
                );
            }
            let missing = back.iter().filter(|b| b.is_none()).count();
            let want = if case == "one byte" {
                1
            } else {
                raws.len() / 2
            };
            assert!(missing >= want, "{case}: {missing} missing");
            assert!(file.changed(), "{case}");
            assert_eq!(store.changed_files().collect::<Vec<_>>(), [name.as_str()]);
            let (why, _) = store.why_missing(&packed[raws.len() - 1]);
            assert!(why.contains(&format!("no longer in {name}")), "{why}");
        }
    }

    /// Threads reading bodies at once (a word search on every core) each get them back byte for
    /// byte, with and without the dictionary, each thread with a decompressor of its own.
    #[test]
    fn bodies_come_back_when_read_on_several_threads_at_once() {
        let mut bodies = Bodies::default();
        let inputs: Vec<Vec<u8>> = (0..SAMPLES + 3000).map(body).collect();
        let packed: Vec<Packed> = inputs.iter().map(|b| bodies.pack(b)).collect();
        std::thread::scope(|s| {
            for t in 0..4 {
                let (bodies, inputs, packed) = (&bodies, &inputs, &packed);
                s.spawn(move || {
                    for round in 0..3 {
                        for (i, (input, p)) in inputs.iter().zip(packed).enumerate() {
                            if (i + t + round) % 2 == 0 {
                                assert_eq!(bodies.unpack(p).as_ref(), Some(input), "{i}");
                            }
                        }
                    }
                });
            }
        });
        let spare = bodies
            .dictionary
            .as_ref()
            .unwrap()
            .unpack
            .lock()
            .unwrap()
            .len();
        assert!((1..=4).contains(&spare), "{spare} decompressors kept");
    }
}
