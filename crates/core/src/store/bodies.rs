//! The bodies of the events the monitor holds, compressed. Zendesk events are small JSON documents
//! that repeat the same keys, so each is compressed on its own (random access for the screen) with
//! a zstd dictionary learnt from the first bodies seen: about 1.1 KB becomes about 200 bytes.
//! Bodies that came before the dictionary are compressed without one.

use std::sync::Mutex;

use zstd::bulk::{Compressor, Decompressor};
use zstd::dict::EncoderDictionary;

/// How many bodies the dictionary learns from, and how large it may be.
const SAMPLES: usize = 1000;
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
}

pub struct Bodies {
    plain: Option<Compressor<'static>>,
    with_dictionary: Option<Compressor<'static>>,
    /// The dictionary as each thread of [`Bodies::pack_many`] compresses with it.
    prepared: Option<EncoderDictionary<'static>>,
    /// Decompressors not in use: one is taken out for each body read, so that several threads
    /// can read bodies at once (a word search over every held event), and put back after.
    unpack_plain: Mutex<Vec<Decompressor<'static>>>,
    unpack_dictionary: Mutex<Vec<Decompressor<'static>>>,
    /// The dictionary, for more decompressors when every one is in use.
    dictionary: Option<Box<[u8]>>,
    samples: Vec<Vec<u8>>,
}

impl Default for Bodies {
    fn default() -> Self {
        Bodies {
            plain: Compressor::new(LEVEL).ok(),
            with_dictionary: None,
            prepared: None,
            unpack_plain: Mutex::new(Vec::new()),
            unpack_dictionary: Mutex::new(Vec::new()),
            dictionary: None,
            samples: Vec::new(),
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
        let packed = match &self.prepared {
            Some(dictionary) => crate::parallel::map_in_order_with(
                refs,
                || dictionary_compressor(dictionary).ok(),
                |c, item| squeeze(c.as_mut(), &body(item), Codec::Dictionary),
            ),
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
        self.with_dictionary.is_none() && self.samples.len() < SAMPLES
    }

    /// The body as it was given to [`Bodies::pack`]. Threads may call this at once.
    pub fn unpack(&self, packed: &Packed) -> Option<Vec<u8>> {
        let pool = match packed.codec {
            Codec::Stored => return Some(packed.bytes.to_vec()),
            Codec::Plain => &self.unpack_plain,
            Codec::Dictionary => &self.unpack_dictionary,
        };
        let lock = || pool.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let spare = lock().pop();
        let mut d = match (spare, packed.codec) {
            (Some(d), _) => Ok(d),
            (None, Codec::Dictionary) => Decompressor::with_dictionary(self.dictionary.as_deref()?),
            (None, _) => Decompressor::new(),
        }
        .map_err(|e| tracing::error!("no decompressor for a held event's body: {e}"))
        .ok()?;
        let body = d.decompress(&packed.bytes, packed.len as usize);
        lock().push(d);
        match body {
            Ok(body) => Some(body),
            Err(e) => {
                tracing::error!("a held event's body does not decompress: {e}");
                None
            }
        }
    }

    /// Learns the dictionary from the samples; without one (too few distinct bodies, say),
    /// bodies go on being compressed on their own.
    fn learn(&mut self) {
        let samples = std::mem::take(&mut self.samples);
        let dictionary = match zstd::dict::from_samples(&samples, DICTIONARY_BYTES) {
            Ok(d) => d,
            Err(e) => {
                tracing::debug!("no compression dictionary from {SAMPLES} bodies: {e}");
                return;
            }
        };
        let prepared = EncoderDictionary::copy(&dictionary, LEVEL);
        let compressor = Compressor::with_dictionary(LEVEL, &dictionary).and_then(frugal);
        if let Ok(c) = compressor {
            self.with_dictionary = Some(c);
            self.prepared = Some(prepared);
            self.dictionary = Some(dictionary.into_boxed_slice());
        }
    }
}

/// A compressor for one thread of [`Bodies::pack_many`], writing what the shared one writes.
fn dictionary_compressor<'a>(
    dictionary: &'a EncoderDictionary<'static>,
) -> std::io::Result<Compressor<'a>> {
    Compressor::with_prepared_dictionary(dictionary).and_then(frugal)
}

/// Every byte counts a million times: no checksum, dictionary id or size in the frames.
fn frugal(mut c: Compressor<'_>) -> std::io::Result<Compressor<'_>> {
    use zstd::zstd_safe::CParameter;
    c.set_parameter(CParameter::ChecksumFlag(false))?;
    c.set_parameter(CParameter::DictIdFlag(false))?;
    c.set_parameter(CParameter::ContentSizeFlag(false))?;
    Ok(c)
}

/// One body compressed with `compressor` (kept as it is when small, when there is no
/// compressor, or when compressing would not make it smaller).
fn squeeze(compressor: Option<&mut Compressor<'_>>, body: &[u8], codec: Codec) -> Packed {
    let stored = || Packed {
        bytes: body.into(),
        len: body.len() as u32,
        codec: Codec::Stored,
    };
    let Some(compressor) = compressor else {
        return stored();
    };
    if body.len() < MIN_COMPRESS || u32::try_from(body.len()).is_err() {
        return stored();
    }
    match compressor.compress(body) {
        Ok(bytes) if bytes.len() < body.len() => Packed {
            bytes: bytes.into_boxed_slice(),
            len: body.len() as u32,
            codec,
        },
        _ => stored(),
    }
}

impl Packed {
    /// Bytes held for this body (for tests and the benchmark's accounting).
    pub fn size(&self) -> usize {
        self.bytes.len()
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
        assert!(bodies.with_dictionary.is_some(), "a dictionary was learnt");
        let before = packed[SAMPLES - 100].size();
        let after = packed[SAMPLES + 100].size();
        assert_eq!(packed[SAMPLES - 100].codec, Codec::Plain);
        assert_eq!(packed[SAMPLES + 100].codec, Codec::Dictionary);
        assert!(after < before, "the dictionary helps: {after} < {before}");
        assert!(after * 3 < inputs[SAMPLES + 100].len(), "{after}");
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
        let spare = bodies.unpack_dictionary.lock().unwrap().len();
        assert!((1..=4).contains(&spare), "{spare} decompressors kept");
    }
}
