//! Any of a few ASCII literals, in any case, in a body: the prefilter's one search.
//!
//! aho-corasick's case-insensitive automaton cannot use its SIMD (Teddy) searcher and falls back to
//! scanning for one or two bytes of the literals, which stops at every `o` of an English comment
//! when the filter is `status:open->solved`. Here every case of each literal's first few bytes
//! (the probes: at most 64 in all) goes to the packed SIMD searcher, and a place where a probe is
//! found is checked against the whole literals there. A place where a literal starts is always
//! a place where one of the probes starts, and places are visited left to right, so nothing
//! is missed; a differential test holds it to aho-corasick's case-insensitive search.

use aho_corasick::packed;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder};

/// The packed searcher takes at most this many probes (its SIMD searcher's limit).
const PROBES_UP_TO: usize = 64;
/// Probes longer than this add nothing to the SIMD searcher (it looks at up to four bytes).
const PROBE_LEN_UP_TO: usize = 4;

#[derive(Clone, Debug)]
pub(super) struct Literals {
    /// Each literal in lower case.
    lower: Vec<Vec<u8>>,
    search: Search,
}

#[derive(Clone, Debug)]
enum Search {
    /// Every case of the literals' first bytes; a hit is a candidate place.
    Probes(packed::Searcher),
    /// Too many literals for the probes, or no SIMD on this machine.
    Automaton(AhoCorasick),
}

impl Literals {
    /// `None` when there is nothing to look for (no literals, an empty one, or not all ASCII).
    pub(super) fn new(literals: &[&str]) -> Option<Literals> {
        if literals.is_empty() || literals.iter().any(|l| l.is_empty() || !l.is_ascii()) {
            return None;
        }
        let lower: Vec<Vec<u8>> = literals
            .iter()
            .map(|l| l.to_ascii_lowercase().into_bytes())
            .collect();
        let search = match probes(&lower) {
            Some(searcher) => Search::Probes(searcher),
            None => Search::Automaton(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .build(&lower)
                    .ok()?,
            ),
        };
        Some(Literals { lower, search })
    }

    /// The length of the shortest literal.
    pub(super) fn shortest(&self) -> usize {
        self.lower.iter().map(Vec::len).min().unwrap_or(0)
    }

    pub(super) fn found(&self, body: &[u8]) -> bool {
        match &self.search {
            Search::Automaton(ac) => ac.is_match(body),
            Search::Probes(searcher) => {
                let mut from = 0;
                while let Some(hit) =
                    searcher.find_in(body, aho_corasick::Span::from(from..body.len()))
                {
                    let here = &body[hit.start()..];
                    if self
                        .lower
                        .iter()
                        .any(|l| here.len() >= l.len() && here[..l.len()].eq_ignore_ascii_case(l))
                    {
                        return true;
                    }
                    from = hit.start() + 1;
                }
                false
            }
        }
    }
}

/// The packed searcher for every case of the literals' first bytes, as many bytes as keep the
/// probes within the limit; `None` when even one byte each is too many or SIMD is missing.
fn probes(lower: &[Vec<u8>]) -> Option<packed::Searcher> {
    let cases = |probe: &[u8]| 1usize << probe.iter().filter(|b| b.is_ascii_lowercase()).count();
    let len = (1..=PROBE_LEN_UP_TO).rev().find(|&len| {
        lower
            .iter()
            .map(|l| cases(&l[..len.min(l.len())]))
            .sum::<usize>()
            <= PROBES_UP_TO
    })?;
    let mut all: Vec<Vec<u8>> = Vec::new();
    for l in lower {
        let probe = &l[..len.min(l.len())];
        for mask in 0..cases(probe) {
            let mut letter = 0;
            let variant: Vec<u8> = probe
                .iter()
                .map(|&b| {
                    if !b.is_ascii_lowercase() {
                        return b;
                    }
                    letter += 1;
                    if mask & (1 << (letter - 1)) != 0 {
                        b.to_ascii_uppercase()
                    } else {
                        b
                    }
                })
                .collect();
            all.push(variant);
        }
    }
    all.sort();
    all.dedup();
    packed::Config::new()
        .match_kind(packed::MatchKind::LeftmostFirst)
        .builder()
        .extend(&all)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift), so that a failure can be replayed.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Bodies made of pieces of the literals in random case, near-misses and filler, compared with
    /// aho-corasick's case-insensitive search (the oracle).
    #[test]
    fn finds_what_a_case_insensitive_automaton_finds() {
        let sets: &[&[&str]] = &[
            &["open"],
            &["solved"],
            &["solved", "closed"],
            &["open", "new"],
            &["payment_failed"],
            &["35436", "3.5436", "35.436", "354.36", "3543.6"],
            &["vip", "vipx", "v"],
            &["a", "ab", "abcdef"],
            // More letters than 64 probes of four bytes allow: shorter probes.
            &["abcd", "efgh", "ijkl", "mnop", "qrst"],
            // More than 64 probes even of one byte: the automaton.
            &[
                "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p",
                "q", "r", "s", "t", "u", "v", "w", "x", "y", "z", "aa", "bb", "cc", "dd", "ee",
                "ff", "gg",
            ],
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut hits = 0;
        for set in sets {
            let ours = Literals::new(set).expect("plain literals");
            let oracle = AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .build(set.iter())
                .unwrap();
            for _ in 0..3_000 {
                let mut body = Vec::new();
                for _ in 0..rng.below(12) {
                    match rng.below(4) {
                        0 | 1 => {
                            let l = set[rng.below(set.len())].as_bytes();
                            // A whole literal or a prefix of it, each letter in either case.
                            let take = if rng.below(2) == 0 {
                                l.len()
                            } else {
                                rng.below(l.len() + 1)
                            };
                            body.extend(l[..take].iter().map(|&b| {
                                if rng.below(2) == 0 {
                                    b.to_ascii_uppercase()
                                } else {
                                    b
                                }
                            }));
                        }
                        2 => body.extend_from_slice(b"\"status\":\"PENDING\",\xc3\xa9 "),
                        _ => body.push(b"oOpPeEsS\"\\x.5"[rng.below(13)]),
                    }
                }
                let expected = oracle.is_match(&body);
                hits += usize::from(expected);
                assert_eq!(
                    ours.found(&body),
                    expected,
                    "{set:?} in {:?}",
                    String::from_utf8_lossy(&body)
                );
            }
        }
        assert!(hits > 5_000, "the bodies found something often ({hits})");
    }

    #[test]
    fn probes_fit_the_simd_searcher_or_fall_back() {
        #[cfg(target_arch = "x86_64")]
        if !std::arch::is_x86_feature_detected!("ssse3") {
            panic!(
                "the packed searcher needs SSSE3, which every x86-64 machine of the last 15 years has"
            );
        }
        assert!(matches!(
            Literals::new(&["solved"]).unwrap().search,
            Search::Probes(_)
        ));
        assert!(matches!(
            Literals::new(&["payment_failed"]).unwrap().search,
            Search::Probes(_)
        ));
        let many: Vec<String> = (0..40).map(|i| format!("x{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(matches!(
            Literals::new(&many).unwrap().search,
            Search::Automaton(_)
        ));
        assert!(Literals::new(&[]).is_none());
        assert!(Literals::new(&["é"]).is_none());
    }
}
