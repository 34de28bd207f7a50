//! The compiled form of one element of a match list, and how it tests one leaf of an event.
//! Everything is parsed and normalised at compile time; matching only compares.

use std::net::IpAddr;

use super::event::Leaf;

pub use super::wildcard::Wildcard;

/// One element of a match list (`"text"`, `{"prefix": …}`, `{"numeric": […]}`, …).
#[derive(Clone, Debug, PartialEq)]
pub enum Matcher {
    String(String),
    /// A number literal: equal numerically, or, for digits f64 cannot hold, by its text.
    Number {
        value: Option<f64>,
        text: String,
    },
    Bool(bool),
    Null,
    Prefix(String),
    /// Compared lower-cased.
    PrefixIgnoreCase(String),
    Suffix(String),
    SuffixIgnoreCase(String),
    EqualsIgnoreCase(String),
    AnythingBut(AnythingBut),
    Numeric {
        lower: Option<Bound>,
        upper: Option<Bound>,
    },
    Cidr {
        network: IpAddr,
        bits: u8,
    },
    Exists(bool),
    Wildcard(Wildcard),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bound {
    pub value: f64,
    pub inclusive: bool,
}

/// `anything-but` in its forms; each list means "none of these".
#[derive(Clone, Debug, PartialEq)]
pub enum AnythingBut {
    Strings(Vec<String>),
    Numbers(Vec<f64>),
    Prefixes(Vec<String>),
    Suffixes(Vec<String>),
    /// Lower-cased.
    IgnoreCase(Vec<String>),
    Wildcards(Vec<Wildcard>),
}

impl Matcher {
    /// Whether one leaf value (never an object: objects are not leaves) satisfies this element.
    /// `Exists` is decided by the field, not per leaf: here it only says a leaf is present.
    pub fn matches(&self, leaf: Leaf<'_>) -> bool {
        match (self, leaf) {
            (Matcher::String(s), Leaf::String(v)) => s == v,
            (Matcher::Number { value, text }, Leaf::Number(n)) => match value {
                Some(x) => n.as_f64() == Some(*x) && exactly_f64(n),
                None => n.to_string() == *text,
            },
            (Matcher::Bool(b), Leaf::Bool(v)) => *b == v,
            (Matcher::Null, Leaf::Null) => true,
            (Matcher::Prefix(p), Leaf::String(v)) => v.starts_with(p.as_str()),
            (Matcher::PrefixIgnoreCase(p), Leaf::String(v)) => starts_folded(v, p),
            (Matcher::Suffix(p), Leaf::String(v)) => v.ends_with(p.as_str()),
            (Matcher::SuffixIgnoreCase(p), Leaf::String(v)) => ends_folded(v, p),
            (Matcher::EqualsIgnoreCase(p), Leaf::String(v)) => equals_folded(v, p),
            (Matcher::AnythingBut(a), v) => a.matches(v),
            (Matcher::Numeric { lower, upper }, Leaf::Number(n)) => {
                let Some(x) = n.as_f64() else { return false };
                lower.is_none_or(|b| {
                    if b.inclusive {
                        x >= b.value
                    } else {
                        x > b.value
                    }
                }) && upper.is_none_or(|b| {
                    if b.inclusive {
                        x <= b.value
                    } else {
                        x < b.value
                    }
                })
            }
            (Matcher::Cidr { network, bits }, Leaf::String(v)) => v
                .parse::<IpAddr>()
                .is_ok_and(|ip| in_network(ip, *network, *bits)),
            (Matcher::Exists(_), _) => true,
            (Matcher::Wildcard(w), Leaf::String(v)) => w.matches(v),
            _ => false,
        }
    }
}

impl AnythingBut {
    fn matches(&self, leaf: Leaf<'_>) -> bool {
        match (self, leaf) {
            (AnythingBut::Strings(list), Leaf::String(v)) => !list.iter().any(|s| s == v),
            (AnythingBut::Numbers(list), Leaf::Number(n)) => {
                n.as_f64().is_none_or(|x| !list.contains(&x))
            }
            (AnythingBut::Prefixes(list), Leaf::String(v)) => {
                !list.iter().any(|p| v.starts_with(p.as_str()))
            }
            (AnythingBut::Suffixes(list), Leaf::String(v)) => {
                !list.iter().any(|p| v.ends_with(p.as_str()))
            }
            (AnythingBut::IgnoreCase(list), Leaf::String(v)) => {
                !list.iter().any(|p| equals_folded(v, p))
            }
            (AnythingBut::Wildcards(list), Leaf::String(v)) => !list.iter().any(|w| w.matches(v)),
            // Type-strict: a value of another type is "anything but" these; so is null.
            _ => true,
        }
    }
}

/// `v` equals the folded `p` ignoring case, without allocating for ASCII text.
fn equals_folded(v: &str, p: &str) -> bool {
    if v.is_ascii() {
        v.eq_ignore_ascii_case(p)
    } else {
        fold(v) == p
    }
}

fn starts_folded(v: &str, p: &str) -> bool {
    if v.is_ascii() && p.is_ascii() {
        v.len() >= p.len() && v.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
    } else {
        fold(v).starts_with(p)
    }
}

fn ends_folded(v: &str, p: &str) -> bool {
    if v.is_ascii() && p.is_ascii() {
        v.len() >= p.len() && v.as_bytes()[v.len() - p.len()..].eq_ignore_ascii_case(p.as_bytes())
    } else {
        fold(v).ends_with(p)
    }
}

/// Case folding for equals-ignore-case (Unicode lower case; ASCII is what AWS confirms).
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.to_lowercase()
    }
}

/// Whether a JSON number's value is exactly what f64 holds (`12345678901234567890` is not).
pub(super) fn exactly_f64(n: &serde_json::Number) -> bool {
    if let Some(i) = n.as_i64() {
        return (i as f64) as i64 == i && i.unsigned_abs() <= 1 << 53;
    }
    if let Some(u) = n.as_u64() {
        return u <= 1 << 53;
    }
    true
}

fn in_network(ip: IpAddr, network: IpAddr, bits: u8) -> bool {
    match (ip, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::event::EventJson;
    use serde_json::json;

    trait MatchesJson {
        fn matches_json(&self, v: &serde_json::Value) -> bool;
    }
    impl MatchesJson for Matcher {
        fn matches_json(&self, v: &serde_json::Value) -> bool {
            self.matches(v.leaf().unwrap())
        }
    }

    #[test]
    fn numbers_compare_by_value_unless_f64_cannot_hold_them() {
        let n = |t: &str| Matcher::Number {
            value: t.parse().ok(),
            text: t.into(),
        };
        assert!(n("300").matches_json(&json!(300.0)));
        assert!(!n("300").matches_json(&json!("300")));
        let big = Matcher::Number {
            value: None,
            text: "12345678901234567890".into(),
        };
        assert!(big.matches_json(&serde_json::from_str("12345678901234567890").unwrap()));
        assert!(
            !n("12345678901234567000")
                .matches_json(&serde_json::from_str("12345678901234567890").unwrap())
        );
    }

    #[test]
    fn cidr_v4_and_v6() {
        let net = |s: &str, bits| Matcher::Cidr {
            network: s.parse().unwrap(),
            bits,
        };
        assert!(net("10.0.0.0", 24).matches_json(&json!("10.0.0.255")));
        assert!(!net("10.0.0.0", 24).matches_json(&json!("10.0.1.0")));
        assert!(!net("10.0.0.0", 24).matches_json(&json!("10.0.0.256")));
        assert!(
            net("2001:db8:1234:1a00::", 64)
                .matches_json(&json!("2001:0db8:1234:1a00:0000:0000:0000:0001"))
        );
        assert!(net("0.0.0.0", 0).matches_json(&json!("1.2.3.4")));
    }
}
