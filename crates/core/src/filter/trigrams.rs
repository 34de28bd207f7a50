//! A word search over a million held events cannot decode a million bodies. Each held event keeps
//! 256 bits saying which three-byte sequences occur in the text a word search reads (its summary,
//! subject, comment and kind, lower-cased, each on its own): a word with a sequence the event
//! lacks is not in that text, and the event is ruled out without being decoded. The others are
//! decoded and searched as before, so the bits can only save work, never change an answer.

use crate::event::TicketEvent;

/// The three-byte sequences of an event's searched text, hashed onto 256 bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Trigrams([u64; 4]);

impl Trigrams {
    /// The sequences of what [`crate::filter::Fields::contains_text`] reads in `e`.
    pub fn of(e: &TicketEvent) -> Trigrams {
        let mut t = Trigrams::default();
        for text in e.searched_texts_as_they_are().into_iter().flatten() {
            if text.is_ascii() {
                // Lower-cased a byte at a time, as `to_lowercase` would (no copy of the text),
                // each byte once: the sequence rolls along as one number.
                let mut bytes = text.bytes().map(|b| u32::from(b.to_ascii_lowercase()));
                let (Some(a), Some(b)) = (bytes.next(), bytes.next()) else {
                    continue;
                };
                let mut gram = a | b << 8;
                for c in bytes {
                    gram |= c << 16;
                    t.set_number(gram);
                    gram >>= 8;
                }
            } else {
                for gram in text.to_lowercase().as_bytes().windows(3) {
                    t.set(gram);
                }
            }
        }
        t
    }

    fn set(&mut self, gram: &[u8]) {
        self.set_number(number(gram));
    }

    /// [`Trigrams::set`] of the sequence as [`number`] gives it.
    #[inline]
    fn set_number(&mut self, gram: u32) {
        let bit = bit_of(gram);
        self.0[usize::from(bit >> 6)] |= 1 << (bit & 63);
    }

    /// False only when `word` (lower case) cannot be in the text these bits were made from;
    /// words shorter than three bytes may always be.
    pub fn may_contain(&self, word: &str) -> bool {
        word.as_bytes().windows(3).all(|gram| {
            let bit = bit(gram);
            self.0[usize::from(bit >> 6)] & (1 << (bit & 63)) != 0
        })
    }

    pub fn to_bytes(self) -> [u8; 32] {
        let mut out = [0; 32];
        for (chunk, word) in out.chunks_exact_mut(8).zip(self.0) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        out
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Trigrams {
        let mut t = Trigrams::default();
        for (word, chunk) in t.0.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut b = [0; 8];
            b.copy_from_slice(chunk);
            *word = u64::from_le_bytes(b);
        }
        t
    }
}

/// Which of the 256 bits a sequence sets (a multiplicative hash of its three bytes).
fn bit(gram: &[u8]) -> u8 {
    bit_of(number(gram))
}

/// A three-byte sequence as one number, its first byte lowest.
fn number(gram: &[u8]) -> u32 {
    u32::from(gram[0]) | u32::from(gram[1]) << 8 | u32::from(gram[2]) << 16
}

#[inline]
fn bit_of(x: u32) -> u8 {
    (x.wrapping_mul(0x9E37_79B1) >> 24) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Received, decode};
    use crate::filter::Fields;

    #[test]
    fn every_part_of_the_searched_text_may_be_found_and_absent_words_mostly_are_not() {
        let body = br#"{"type":"zen:event-type:ticket.comment_added","id":"t1","time":"2026-03-01T08:00:00Z","detail":{"id":"7","subject":"Parcel LOST in transit"},"event":{"comment":{"id":1,"body":"Caf\u00e9 refund, please: order #4411","is_public":true,"author":{"id":2,"name":"Ann"}}}}"#;
        let e = decode(Received {
            body: body.to_vec(),
            message_id: None,
            received_at: jiff::Timestamp::UNIX_EPOCH,
        });
        let t = Trigrams::of(&e);
        let texts: Vec<String> = e.searched_texts().into_iter().flatten().collect();
        assert!(texts.len() >= 3, "{texts:?}");
        // Every substring of every searched text, of every length: never ruled out.
        for text in &texts {
            for start in 0..text.len() {
                for end in start..=text.len() {
                    if let Some(word) = text.get(start..end) {
                        assert!(e.contains_text(word), "{word:?}");
                        assert!(t.may_contain(word), "{word:?} of {text:?}");
                    }
                }
            }
        }
        let absent = ["kiwi", "zebra", "xylophone", "quorum", "jukebox", "vivid"];
        let ruled_out = absent.iter().filter(|w| !t.may_contain(w)).count();
        assert!(
            ruled_out >= 4,
            "{ruled_out} of {} absent words ruled out",
            absent.len()
        );
        assert_eq!(Trigrams::from_bytes(t.to_bytes()), t);
    }

    /// The bits are those of the lower-cased texts, however they are made (ASCII lower-cased a
    /// byte at a time, other text through `to_lowercase`).
    #[test]
    fn the_bits_are_those_of_the_lower_cased_searched_texts() {
        let bodies: [&[u8]; 3] = [
            br#"{"type":"zen:event-type:ticket.comment_added","id":"t1","time":"2026-03-01T08:00:00Z","detail":{"id":"7","subject":"Parcel LOST in TRANSIT"},"event":{"comment":{"id":1,"body":"REFUND Please","is_public":true,"author":{"id":2,"name":"Ann"}}}}"#,
            br#"{"type":"zen:event-type:ticket.comment_added","id":"t2","time":"2026-03-01T08:00:00Z","detail":{"id":"7","subject":"\u0130STANBUL Caf\u00c9 \u212Aelvin"},"event":{"comment":{"id":1,"body":"\u00c9T\u00c9 \u03a3\u039f\u03a3","is_public":true,"author":{"id":2,"name":"Ann"}}}}"#,
            br#"{"type":"zen:event-type:ticket.status_changed","id":"t3","time":"2026-03-01T08:00:00Z","detail":{"id":"7"},"event":{"previous":"OPEN","current":"SOLVED"}}"#,
        ];
        for body in bodies {
            let e = decode(Received {
                body: body.to_vec(),
                message_id: None,
                received_at: jiff::Timestamp::UNIX_EPOCH,
            });
            let mut expected = Trigrams::default();
            for text in e.searched_texts().into_iter().flatten() {
                for gram in text.as_bytes().windows(3) {
                    expected.set(gram);
                }
            }
            assert_ne!(expected, Trigrams::default());
            assert_eq!(
                Trigrams::of(&e),
                expected,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
