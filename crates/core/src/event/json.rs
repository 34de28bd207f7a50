//! Lenient accessors over a body's JSON (a [`View`]: a place on a tape, or a [`Tree`](crate::tree::Tree)).
//!
//! Zendesk payloads are loosely typed: ids arrive as numbers or strings, enumerations in
//! either case, tags as a list or a space-separated string. These helpers accept every
//! form the reference lists and never fail: a value of the wrong type reads as "absent".

use jiff::Timestamp;
use serde_json::{Number, Value};

use crate::tree::{Shape, View};

/// A Zendesk id: numbers or decimal strings; `null`, `""`, `"0"` and `0` mean "none".
pub fn id<'t>(v: Option<impl View<'t>>) -> Option<u64> {
    match v?.shape() {
        Shape::Number(n) => number_id(n),
        Shape::String(s) => text_id(s),
        _ => None,
    }
}

/// [`id`] of a `serde_json::Value` (for code that rewrites bodies).
pub fn value_id(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => number_id(n),
        Value::String(s) => text_id(s),
        _ => None,
    }
}

fn number_id(n: &Number) -> Option<u64> {
    n.as_u64()
        .or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 1.0 && *f < 1.8e19)
                .map(|f| f as u64)
        })
        .filter(|&n| n != 0)
}

fn text_id(s: &str) -> Option<u64> {
    trimmed(s).parse::<u64>().ok().filter(|&n| n != 0)
}

/// `s.trim()`, without looking at its characters when it begins and ends with an ASCII letter or
/// digit (ids, enumerations and times nearly always do), which no trimming would take away.
pub fn trimmed(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z)) if a.is_ascii_alphanumeric() && z.is_ascii_alphanumeric() => s,
        _ => s.trim(),
    }
}

/// A plain string; an empty string reads as absent.
pub fn string<'t>(v: Option<impl View<'t>>) -> Option<String> {
    match v?.shape() {
        Shape::String(s) if !s.is_empty() => Some(s.to_string()),
        _ => None,
    }
}

/// An enumeration value (status, priority, ticket type), normalised to lower case.
pub fn enum_lower<'t>(v: Option<impl View<'t>>) -> Option<String> {
    match v?.shape() {
        Shape::String(s) if !s.is_empty() => Some(lower(trimmed(s))),
        _ => None,
    }
}

/// Lower case, without a copy's detour when the text is ASCII (enumerations nearly always are).
pub(super) fn lower(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.to_lowercase()
    }
}

/// Any scalar as display text: strings as they are, numbers in decimal, booleans as words.
/// Objects of the form `{"value": x}` (custom field diffs) read as `x`; lists join with commas.
pub fn scalar_text<'t>(v: Option<impl View<'t>>) -> Option<String> {
    let v = v?;
    match v.shape() {
        Shape::Null => None,
        Shape::String("") => None,
        Shape::String(s) => Some(s.to_string()),
        Shape::Number(n) => Some(n.to_string()),
        Shape::Bool(b) => Some(b.to_string()),
        Shape::Array => {
            let parts: Vec<String> = v.items().filter_map(|i| scalar_text(Some(i))).collect();
            (!parts.is_empty()).then(|| parts.join(","))
        }
        Shape::Object => ["value", "name", "label", "title", "id"]
            .iter()
            .find_map(|k| v.get(k).and_then(|x| scalar_text(Some(x)))),
    }
}

/// Integers with more digits than a `u64` holds (Zendesk sequence ids of 26 digits) would be
/// read as floating point and lose their digits (`3.93e25`): outside strings, such literals are
/// put in quotes before parsing, so that they are read as the text they were written as. The
/// body itself is kept as it came.
pub fn quote_long_integers(text: &str) -> std::borrow::Cow<'_, str> {
    // 19 digits always fit a u64; 20 may not.
    const LONGEST_KEPT: usize = 19;
    let bytes = text.as_bytes();
    // Quick check: no run of 20 digits anywhere, nothing to do (the usual case). Such a run
    // covers a position that is a multiple of 20, so only those are looked at first.
    if !has_digit_run(bytes, LONGEST_KEPT + 1) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    // `text[..copied]` is in `out` already.
    let mut copied = 0;
    let (mut in_string, mut escaped) = (false, false);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            i += 1;
        } else if b == b'"' {
            in_string = true;
            i += 1;
        } else if b.is_ascii_digit() || b == b'-' {
            let start = i;
            let mut end = i + 1;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
            let digits = end - start - usize::from(b == b'-');
            let integer = bytes
                .get(end)
                .is_none_or(|c| !matches!(c, b'.' | b'e' | b'E'));
            if digits > LONGEST_KEPT && integer {
                out.push_str(&text[copied..start]);
                out.push('"');
                out.push_str(&text[start..end]);
                out.push('"');
                copied = end;
            }
            // A number's fraction or exponent is skipped digit by digit: it is never long alone.
            i = end;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[copied..]);
    std::borrow::Cow::Owned(out)
}

/// Whether `bytes` holds `len` ASCII digits in a row.
fn has_digit_run(bytes: &[u8], len: usize) -> bool {
    let mut at = len - 1;
    while at < bytes.len() {
        if bytes[at].is_ascii_digit() {
            let before = bytes[..at]
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let after = bytes[at..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if before + after >= len {
                return true;
            }
            // The next run of `len` cannot start before the end of this one.
            at += after;
        }
        at += len;
    }
    false
}

/// A list of strings: a JSON array of strings (other items are turned into text),
/// or one space-separated string.
pub fn string_list<'t>(v: Option<impl View<'t>>) -> Vec<String> {
    let Some(v) = v else {
        return Vec::new();
    };
    match v.shape() {
        Shape::Array => v.items().filter_map(|i| scalar_text(Some(i))).collect(),
        Shape::String(s) => s.split_whitespace().map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

/// A list of ids (CC and follower changes); items that are not ids are skipped.
pub fn id_list<'t>(v: Option<impl View<'t>>) -> Vec<u64> {
    match v {
        Some(v) if v.shape() == Shape::Array => v
            .items()
            .filter_map(|i| match i.shape() {
                Shape::Object => id(i.get("id")),
                _ => id(Some(i)),
            })
            .collect(),
        _ => Vec::new(),
    }
}

pub fn boolean<'t>(v: Option<impl View<'t>>) -> Option<bool> {
    match v?.shape() {
        Shape::Bool(b) => Some(b),
        Shape::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Shape::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// An RFC 3339 timestamp with any number of fractional digits and any offset.
pub fn timestamp<'t>(v: Option<impl View<'t>>) -> Option<Timestamp> {
    match v?.shape() {
        Shape::String(s) => parse_timestamp(s),
        _ => None,
    }
}

pub use super::time::parse_timestamp;

/// Walks a path of object keys.
pub fn path<'t, V: View<'t>>(v: V, keys: &[&str]) -> Option<V> {
    keys.iter().try_fold(v, |cur, k| cur.get(k))
}

#[cfg(test)]
// The accessors are generic over a lifetime: passed to `on` (which lends a tree of its own) they
// need a closure.
#[allow(clippy::redundant_closure)]
mod tests {
    use super::*;
    use crate::tree::Tree;
    use serde_json::json;

    /// `trimmed` is `trim`, whatever is at either end (Unicode spaces, letters beyond ASCII).
    #[test]
    fn trimmed_is_trim() {
        let ends = [
            "", " ", "\t", "\n", "\u{a0}", "\u{3000}", "\u{2028}", "a", "Z", "7", "-", "\u{e9}",
            "\u{ff10}",
        ];
        let middles = ["", "x", " ", "35436", "open", "\u{a0}"];
        for a in ends {
            for m in middles {
                for z in ends {
                    let s = format!("{a}{m}{z}");
                    assert_eq!(trimmed(&s), s.trim(), "{s:?}");
                }
            }
        }
    }

    /// Reads `v` as a body's tree and hands it to `f`.
    fn on<R>(v: &Value, f: impl FnOnce(Option<&Tree<'_>>) -> R) -> R {
        let text = v.to_string();
        let tree = Tree::parse(text.as_bytes()).unwrap();
        f(Some(&tree))
    }

    #[test]
    fn ids_accept_numbers_and_strings_and_treat_zero_and_empty_as_none() {
        let cases = [
            (json!(35436), Some(35436)),
            (json!("8447388090494"), Some(8447388090494)),
            (json!(" 12 "), Some(12)),
            (json!(""), None),
            (json!("0"), None),
            (json!(0), None),
            (json!(null), None),
            (json!(-3), None),
            (json!("abc"), None),
            (json!(12.0), Some(12)),
            (json!(12.5), None),
            (json!({"id": 1}), None),
        ];
        for (input, want) in cases {
            assert_eq!(on(&input, |t| id(t)), want, "{input}");
            assert_eq!(value_id(Some(&input)), want, "{input}");
        }
        assert_eq!(id(None::<&Tree<'_>>), None);
    }

    #[test]
    fn enums_are_lower_cased() {
        assert_eq!(
            on(&json!("SOLVED"), |t| enum_lower(t)),
            Some("solved".into())
        );
        assert_eq!(on(&json!("Open"), |t| enum_lower(t)), Some("open".into()));
        assert_eq!(on(&json!(null), |t| enum_lower(t)), None);
        assert_eq!(on(&json!(3), |t| enum_lower(t)), None);
    }

    #[test]
    fn tags_accept_lists_and_space_separated_strings() {
        assert_eq!(on(&json!(["a", "b"]), |t| string_list(t)), vec!["a", "b"]);
        assert_eq!(
            on(&json!("a  b c"), |t| string_list(t)),
            vec!["a", "b", "c"]
        );
        assert_eq!(
            on(&json!(["a", 3, null]), |t| string_list(t)),
            vec!["a", "3"]
        );
        assert!(on(&json!({"a": 1}), |t| string_list(t)).is_empty());
        assert!(string_list(None::<&Tree<'_>>).is_empty());
    }

    #[test]
    fn timestamps_take_any_fraction_length_and_offsets() {
        let a = parse_timestamp("2019-05-25T01:23:45.465719851Z").map(|t| t.as_nanosecond());
        let b = parse_timestamp("2019-05-25T01:23:45Z").map(|t| t.as_second());
        let c = parse_timestamp("2019-05-25T03:23:45+02:00").map(|t| t.as_second());
        assert_eq!(a.map(|n| n % 1_000_000_000), Some(465_719_851));
        assert_eq!(b, c);
        assert!(parse_timestamp("yesterday").is_none());
        assert!(on(&json!(1234), |t| timestamp(t)).is_none());
    }

    /// What the decoder vouches for (`raw_is_json`): a body it read as it came; not one it
    /// could read only after quoting long integers (a long integer as a key is not JSON).
    #[test]
    fn the_decoder_vouches_only_for_bodies_it_read_as_they_came() {
        let decoded = |body: &str| {
            crate::event::decode(crate::event::Received {
                body: body.as_bytes().to_vec(),
                message_id: None,
                received_at: jiff::Timestamp::UNIX_EPOCH,
            })
        };
        assert!(decoded(r#"{"a": 1}"#).raw_is_json);
        assert!(!decoded(r#"{"a": 1"#).raw_is_json);
        assert!(!decoded("\u{1}").raw_is_json);
        let keyed = r#"{123456789012345678901: 1}"#;
        assert!(Tree::parse(keyed.as_bytes()).is_err());
        assert!(!decoded(keyed).raw_is_json);
        assert!(!decoded(r#"{"a": 39300000000000000000000001}"#).raw_is_json);
        // Long runs of digits inside strings or a fraction are read as they came.
        assert!(decoded(r#"{"s": "F9003E4D96267984665311339629530D"}"#).raw_is_json);
        assert!(decoded(r#"{"f": 1.2345678901234567890123e5}"#).raw_is_json);
    }

    #[test]
    fn long_integers_keep_their_digits() {
        let text = r#"{"a": 39300000000000000000000001, "b": "12345678901234567890123", "c": 1.2345678901234567890123e5, "d": [-99999999999999999999], "e": 12}"#;
        let quoted = quote_long_integers(text);
        let t = Tree::parse(quoted.as_bytes()).unwrap();
        assert_eq!(
            scalar_text(t.get("a")),
            Some("39300000000000000000000001".into())
        );
        assert_eq!(
            t.get("b").and_then(Tree::as_str),
            Some("12345678901234567890123"),
            "strings untouched"
        );
        assert!(
            matches!(t.get("c"), Some(Tree::Number(n)) if n.is_f64()),
            "a fraction is no id"
        );
        assert_eq!(
            scalar_text(t.get("d")),
            Some("-99999999999999999999".into())
        );
        assert_eq!(t.get("e").and_then(Tree::as_u64), Some(12));
        // Nothing long: the text itself.
        assert!(matches!(
            quote_long_integers(r#"{"id": 9223372036854775807}"#),
            std::borrow::Cow::Borrowed(_)
        ));
        // Quotes inside strings do not confuse it.
        let tricky = r#"{"s": "a \" 123456789012345678901234", "n": 123456789012345678901234}"#;
        let v: Value = serde_json::from_str(&quote_long_integers(tricky)).unwrap();
        assert_eq!(v["s"], "a \" 123456789012345678901234");
        assert_eq!(v["n"], "123456789012345678901234");
    }

    #[test]
    fn digit_runs_are_found_wherever_they_sit() {
        let naive = |b: &[u8], len: usize| {
            let mut run = 0;
            b.iter().any(|c| {
                run = if c.is_ascii_digit() { run + 1 } else { 0 };
                run >= len
            })
        };
        // Every placement of runs of 18 to 22 digits in texts of up to 70 bytes, after other runs.
        for total in 0..70 {
            for start in 0..total {
                for run in 18..23 {
                    for lead in [0, 3, 19] {
                        let mut text = vec![b'x'; total];
                        text[start..(start + run).min(total)].fill(b'7');
                        text[..lead.min(start.saturating_sub(1))].fill(b'1');
                        assert_eq!(
                            has_digit_run(&text, 20),
                            naive(&text, 20),
                            "{}",
                            String::from_utf8_lossy(&text)
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn scalar_text_unwraps_custom_field_values() {
        assert_eq!(
            on(&json!({"value": "gold"}), |t| scalar_text(t)),
            Some("gold".into())
        );
        assert_eq!(on(&json!(42), |t| scalar_text(t)), Some("42".into()));
        assert_eq!(
            on(&json!(["x", "y"]), |t| scalar_text(t)),
            Some("x,y".into())
        );
        assert_eq!(on(&json!(""), |t| scalar_text(t)), None);
        assert_eq!(on(&json!(true), |t| scalar_text(t)), Some("true".into()));
        assert_eq!(
            on(
                &json!({"id": 8447320465790u64, "label": "Waiting on vendor"}),
                |t| scalar_text(t)
            ),
            Some("Waiting on vendor".into())
        );
    }
}
