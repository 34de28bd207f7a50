//! Finding where a JSON string stops, eight bytes at a time: what the body reader looks for
//! inside strings (`"`, `\`, a control character) and what the ndjson writer copies as it is
//! (printable ASCII other than `"` and `\`). The usual bit tricks: a byte that is zero after xor
//! with the one sought, below 0x20, or (beyond ASCII) from 0x7f up sets its high bit; bits set
//! above the first such byte may be false, the first one never is.

const ONES: u64 = u64::from_ne_bytes([1; 8]);
const HIGH: u64 = ONES * 0x80;

/// The position of the first `"`, `\` or byte below 0x20 in `s` (with `beyond_ascii`, also of the
/// first byte from 0x7f up).
#[inline(always)]
pub fn first_stop(s: &[u8], beyond_ascii: bool) -> Option<usize> {
    let mut chunks = s.chunks_exact(8);
    let mut at = 0;
    for chunk in chunks.by_ref() {
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let found = stops_in(x, beyond_ascii);
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&c| stops(c, beyond_ascii))
        .map(|i| at + i)
}

/// Copies `s` onto the end of `out` up to its first stop (as [`first_stop`] finds it) and returns
/// how many bytes were copied: the scan and the copy in one pass, eight bytes at a time (a
/// separate copy of each run was a library call for a few bytes).
#[inline]
pub fn copy_to_stop(s: &[u8], beyond_ascii: bool, out: &mut Vec<u8>) -> usize {
    out.reserve(s.len());
    let mut chunks = s.chunks_exact(8);
    let mut at = 0;
    for chunk in chunks.by_ref() {
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let found = stops_in(x, beyond_ascii);
        // The whole chunk is copied (eight bytes at once), then what follows a stop taken back.
        out.extend_from_slice(chunk);
        if found != 0 {
            let keep = (found.trailing_zeros() / 8) as usize;
            out.truncate(out.len() - (8 - keep));
            return at + keep;
        }
        at += 8;
    }
    for &c in chunks.remainder() {
        if stops(c, beyond_ascii) {
            return at;
        }
        out.push(c);
        at += 1;
    }
    at
}

/// The high bit of each byte of `x` that is a stop (bits above the first may be false).
#[inline(always)]
fn stops_in(x: u64, beyond_ascii: bool) -> u64 {
    let quote = x ^ (ONES * u64::from(b'"'));
    let backslash = x ^ (ONES * u64::from(b'\\'));
    let mut found = quote.wrapping_sub(ONES) & !quote
        | backslash.wrapping_sub(ONES) & !backslash
        | x.wrapping_sub(ONES * 0x20) & !x;
    if beyond_ascii {
        // From 0x80 up: the high bit itself; 0x7f: its low seven bits plus one (no carry
        // between bytes, each being at most 0x7f).
        found |= x | (x & !HIGH).wrapping_add(ONES);
    }
    found & HIGH
}

/// [`first_stop`] of one byte.
fn stops(c: u8, beyond_ascii: bool) -> bool {
    c == b'"' || c == b'\\' || c < 0x20 || (beyond_ascii && c >= 0x7f)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`copy_to_stop`] copies exactly what comes before [`first_stop`]'s stop, after what `out` held.
    fn copied_as_scanned(s: &[u8], beyond_ascii: bool) {
        let stop = first_stop(s, beyond_ascii).unwrap_or(s.len());
        let mut out = b"held".to_vec();
        assert_eq!(copy_to_stop(s, beyond_ascii, &mut out), stop, "{s:?}");
        assert_eq!(&out[..4], b"held");
        assert_eq!(&out[4..], &s[..stop], "{s:?}");
    }

    /// Every placement of each byte value in and around a chunk, against the plain scan.
    #[test]
    fn the_first_stop_is_where_a_byte_by_byte_scan_stops() {
        for beyond_ascii in [false, true] {
            let naive = |s: &[u8]| s.iter().position(|&c| stops(c, beyond_ascii));
            for len in 0..20 {
                for at in 0..len {
                    for byte in 0..=255u8 {
                        for fill in [b'a', 0x80, 0xff, 0x7f, 0x1f, b'!', b'#', b'[', b']', b'~'] {
                            let mut s = vec![fill; len];
                            s[at] = byte;
                            assert_eq!(first_stop(&s, beyond_ascii), naive(&s), "{s:?}");
                            copied_as_scanned(&s, beyond_ascii);
                            s[..at].fill(b'a');
                            assert_eq!(first_stop(&s, beyond_ascii), naive(&s), "{s:?}");
                            if at + 1 < len {
                                s[at + 1] = b'"';
                                assert_eq!(first_stop(&s, beyond_ascii), naive(&s), "{s:?}");
                            }
                        }
                    }
                }
            }
        }
    }
}
