//! Lenient accessors over `serde_json::Value`.
//!
//! Zendesk payloads are loosely typed: ids arrive as numbers or strings, enumerations in
//! either case, tags as a list or a space-separated string. These helpers accept every
//! form the reference lists and never fail: a value of the wrong type reads as "absent".

use jiff::Timestamp;
use serde_json::Value;

/// A Zendesk id: numbers or decimal strings; `null`, `""`, `"0"` and `0` mean "none".
pub fn id(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 1.0 && *f < 1.8e19)
                    .map(|f| f as u64)
            })
            .filter(|&n| n != 0),
        Value::String(s) => s.trim().parse::<u64>().ok().filter(|&n| n != 0),
        _ => None,
    }
}

/// A plain string; an empty string reads as absent.
pub fn string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// An enumeration value (status, priority, ticket type), normalised to lower case.
pub fn enum_lower(v: Option<&Value>) -> Option<String> {
    string(v).map(|s| s.trim().to_lowercase())
}

/// Any scalar as display text: strings as they are, numbers in decimal, booleans as words.
/// Objects of the form `{"value": x}` (custom field diffs) read as `x`; lists join with commas.
pub fn scalar_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(|i| scalar_text(Some(i))).collect();
            (!parts.is_empty()).then(|| parts.join(","))
        }
        Value::Object(map) => map
            .get("value")
            .and_then(|x| scalar_text(Some(x)))
            .or_else(|| map.get("name").and_then(|x| scalar_text(Some(x))))
            .or_else(|| map.get("id").and_then(|x| scalar_text(Some(x)))),
    }
}

/// A list of strings: a JSON array of strings (other items are turned into text),
/// or one space-separated string.
pub fn string_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items.iter().filter_map(|i| scalar_text(Some(i))).collect(),
        Some(Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

/// A list of ids (CC and follower changes); items that are not ids are skipped.
pub fn id_list(v: Option<&Value>) -> Vec<u64> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| match i {
                Value::Object(o) => id(o.get("id")),
                other => id(Some(other)),
            })
            .collect(),
        _ => Vec::new(),
    }
}

pub fn boolean(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// An RFC 3339 timestamp with any number of fractional digits and any offset.
pub fn timestamp(v: Option<&Value>) -> Option<Timestamp> {
    match v? {
        Value::String(s) => parse_timestamp(s),
        _ => None,
    }
}

pub fn parse_timestamp(s: &str) -> Option<Timestamp> {
    s.trim().parse::<Timestamp>().ok()
}

/// Walks a path of object keys.
pub fn path<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().try_fold(v, |cur, k| cur.get(k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
            assert_eq!(id(Some(&input)), want, "{input}");
        }
        assert_eq!(id(None), None);
    }

    #[test]
    fn enums_are_lower_cased() {
        assert_eq!(enum_lower(Some(&json!("SOLVED"))), Some("solved".into()));
        assert_eq!(enum_lower(Some(&json!("Open"))), Some("open".into()));
        assert_eq!(enum_lower(Some(&json!(null))), None);
        assert_eq!(enum_lower(Some(&json!(3))), None);
    }

    #[test]
    fn tags_accept_lists_and_space_separated_strings() {
        assert_eq!(string_list(Some(&json!(["a", "b"]))), vec!["a", "b"]);
        assert_eq!(string_list(Some(&json!("a  b c"))), vec!["a", "b", "c"]);
        assert_eq!(string_list(Some(&json!(["a", 3, null]))), vec!["a", "3"]);
        assert!(string_list(Some(&json!({"a": 1}))).is_empty());
        assert!(string_list(None).is_empty());
    }

    #[test]
    fn timestamps_take_any_fraction_length_and_offsets() {
        let a = parse_timestamp("2019-05-25T01:23:45.465719851Z").map(|t| t.as_nanosecond());
        let b = parse_timestamp("2019-05-25T01:23:45Z").map(|t| t.as_second());
        let c = parse_timestamp("2019-05-25T03:23:45+02:00").map(|t| t.as_second());
        assert_eq!(a.map(|n| n % 1_000_000_000), Some(465_719_851));
        assert_eq!(b, c);
        assert!(parse_timestamp("yesterday").is_none());
        assert!(timestamp(Some(&json!(1234))).is_none());
    }

    #[test]
    fn scalar_text_unwraps_custom_field_values() {
        assert_eq!(
            scalar_text(Some(&json!({"value": "gold"}))),
            Some("gold".into())
        );
        assert_eq!(scalar_text(Some(&json!(42))), Some("42".into()));
        assert_eq!(scalar_text(Some(&json!(["x", "y"]))), Some("x,y".into()));
        assert_eq!(scalar_text(Some(&json!(""))), None);
    }
}
