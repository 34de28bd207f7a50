//! The decoder reads bodies onto a tape; before, it read them into a tree. The tree's decoder is
//! kept as the oracle (`decode_by_tree`): every body here must decode to the same `TicketEvent`
//! and the same ndjson line both ways — the samples, the capture, demo traffic in both formats,
//! the same bodies written the other ways Zendesk and relays write them (ids as strings, floats
//! and exponents, enums in upper case, `\u` escapes, SNS-wrapped, `detail` as a string), and
//! hostile texts. `tests/fuzz_regressions.rs` does the same for the fuzzer's inputs.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on setup failures

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde_json::{Value, json};
use zdwatch_core::event::{Received, TicketEvent, decode, decode_by_tree};
use zdwatch_sources::demo::Simulator;

fn both(body: &[u8]) -> (TicketEvent, TicketEvent) {
    let msg = Received {
        body: body.to_vec(),
        message_id: Some("m-1".into()),
        received_at: "2026-12-04T08:00:00Z".parse().unwrap(),
    };
    (decode(msg.clone()), decode_by_tree(msg))
}

fn ndjson(e: &TicketEvent) -> Vec<u8> {
    let mut line = Vec::new();
    zdwatch::headless::write_ndjson(&mut line, e).unwrap();
    line
}

/// The same event both ways; how many of them were Zendesk events (not malformed or unknown).
fn agree(bodies: impl IntoIterator<Item = Vec<u8>>) -> (usize, usize) {
    let (mut n, mut zendesk) = (0, 0);
    for body in bodies {
        let (tape, tree) = both(&body);
        assert_eq!(
            tape,
            tree,
            "decoded differently: {}",
            String::from_utf8_lossy(&body)
        );
        assert_eq!(ndjson(&tape), ndjson(&tree));
        n += 1;
        zendesk += usize::from(tape.problem.is_none());
    }
    (n, zendesk)
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn samples() -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    files_under(&root().join("assets/samples"), &mut files);
    files.sort();
    let mut bodies: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let capture = std::fs::read(root().join("assets/capture/samples.ndjson")).unwrap();
    bodies.extend(capture.split(|b| *b == b'\n').map(<[u8]>::to_vec));
    bodies
}

fn demo(seed: u64, hours: i64) -> Vec<Vec<u8>> {
    let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let mut sim = Simulator::new(seed, start);
    sim.advance(start + jiff::SignedDuration::from_hours(hours))
        .into_iter()
        .map(|d| d.body)
        .collect()
}

/// Each way the same body may be written: every id-like number as a string, a float, an
/// exponent; every enum-like string in upper case; every string with its letters `\u`-escaped;
/// SNS-wrapped; `detail` as a string.
fn rewritten(body: &[u8]) -> Vec<Vec<u8>> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let text = v.to_string();
    let mut out = vec![
        map_scalars(&v, &|x| match x {
            Value::Number(n) => Value::String(n.to_string()),
            other => other.clone(),
        })
        .to_string(),
        float_ids(&text),
        exponent_ids(&text),
        map_scalars(&v, &|x| match x {
            Value::String(s)
                if s.len() < 20 && s.chars().all(|c| c.is_ascii_lowercase() || c == '_') =>
            {
                Value::String(s.to_ascii_uppercase())
            }
            other => other.clone(),
        })
        .to_string(),
        escaped_letters(&text),
        json!({"Type": "Notification", "MessageId": "sns-1", "Timestamp": "2026-01-01T00:00:09.000Z",
               "Message": text})
        .to_string(),
    ];
    if let Some(detail) = v.get("detail") {
        let mut as_string = v.clone();
        as_string["detail"] = Value::String(detail.to_string());
        out.push(as_string.to_string());
        out.push(json!({"raw": v}).to_string());
    }
    out.into_iter().map(String::into_bytes).collect()
}

/// `v` with each scalar (not arrays and objects) replaced by what `f` makes of it.
fn map_scalars(v: &Value, f: &dyn Fn(&Value) -> Value) -> Value {
    match v {
        Value::Array(items) => Value::Array(items.iter().map(|i| map_scalars(i, f)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), map_scalars(x, f)))
                .collect(),
        ),
        scalar => f(scalar),
    }
}

/// Integers written outside strings, each replaced by what `f` makes of its digits.
fn rewrite_integers(text: &str, f: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    let (mut in_string, mut escaped) = (false, false);
    let mut digits = String::new();
    for c in text.chars() {
        if !in_string && c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if !digits.is_empty() {
            out.push_str(&f(&digits));
            digits.clear();
        }
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (_, false, '"') => in_string = !in_string,
            _ => {}
        }
        out.push(c);
    }
    out.push_str(&f(&digits));
    out
}

fn float_ids(text: &str) -> String {
    rewrite_integers(text, |d| format!("{d}.0"))
}

fn exponent_ids(text: &str) -> String {
    rewrite_integers(text, |d| {
        if d.len() > 1 && !d.ends_with('0') {
            format!("{}.{}e{}", &d[..1], &d[1..], d.len() - 1)
        } else {
            d.to_string()
        }
    })
}

/// Every ASCII letter inside strings (keys too) written as `\u00XX`.
fn escaped_letters(text: &str) -> String {
    let mut out = String::new();
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        match (in_string, escaped, c) {
            (true, true, _) => {
                escaped = false;
                out.push(c);
            }
            (true, false, '\\') => {
                escaped = true;
                out.push(c);
            }
            (_, false, '"') => {
                in_string = !in_string;
                out.push(c);
            }
            (true, false, c) if c.is_ascii_alphabetic() => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            _ => out.push(c),
        }
    }
    out
}

#[test]
fn samples_and_the_capture_decode_the_same_both_ways() {
    let bodies = samples();
    let (n, zendesk) = agree(bodies.clone());
    assert!(
        n >= 85 && zendesk >= 60,
        "{n} bodies, {zendesk} Zendesk events"
    );
    let (n, zendesk) = agree(bodies.iter().flat_map(|b| rewritten(b)));
    assert!(
        n >= 500 && zendesk >= 300,
        "{n} bodies, {zendesk} Zendesk events"
    );
}

#[test]
fn demo_traffic_in_both_formats_decodes_the_same_both_ways() {
    let bodies = demo(7, 3);
    let legacy = bodies
        .iter()
        .filter(|b| String::from_utf8_lossy(b).contains("ticket_event"))
        .count();
    assert!(
        legacy > 100 && bodies.len() - legacy > 100,
        "{legacy} of {}",
        bodies.len()
    );
    let (n, zendesk) = agree(bodies.clone());
    assert_eq!(zendesk, n, "demo bodies are all Zendesk events");
    // The rewritings of a sample of them (every 25th).
    agree(bodies.iter().step_by(25).flat_map(|b| rewritten(b)));
}

#[test]
fn awkward_and_hostile_texts_decode_the_same_both_ways() {
    let event = |inner: &str| {
        format!(
            r#"{{"detail-type":"zen:event-type:ticket.status_changed","detail":{{"type":"zen:event-type:ticket.status_changed","id":"w1","time":"2026-01-01T10:00:00Z","subject":"zen:ticket:35436","event":{{"meta":{{"sequence":{inner}}},"previous":"open","current":"solved"}},"detail":{{"id":35436}}}},"id":"eb-1","source":"zendesk.webhook","time":"2026-01-01T10:00:01Z"}}"#
        )
    };
    let mut bodies: Vec<String> = vec![
        // Long integers: kept as written, in sequence ids, in arrays, negative, with a leading zero
        // (not JSON, but readable once quoted), as a key (never readable).
        event(r#"{"id": 39300000000000000000000001, "position": 2}"#),
        event(r#"{"id": [-99999999999999999999], "position": 1}"#),
        event(r#"{"id": 0123456789012345678901, "position": 1}"#),
        event(r#"{"id": 1.2345678901234567890123e5, "position": 1}"#),
        event(r#"{"id": "12345678901234567890123", "position": 4294967296}"#),
        r#"{123456789012345678901: 1}"#.into(),
        // Repeated keys: the last one counts.
        event(r#"{"id": "a", "id": "b", "position": 1, "position": 2}"#),
        r#"{"type":"zen:event-type:ticket.status_changed","type":"zen:event-type:ticket.tags_changed","id":"x","detail":{"id":1},"event":{"tags_added":["a"],"tags_added":["b"]}}"#.into(),
        // Escapes in keys and values, surrogate pairs, lone surrogates.
        r#"{"\u0074ype":"zen:event-type:ticket.comment_added","id":"\ud83d\ude00","detail":{"id":"7","subject":"\u001b[31mred"},"event":{"comment":{"body":"\ud800 lone","author":{"name":"A\tB"}}}}"#.into(),
        // Not JSON in many ways.
        r#"{"a": 1,}"#.into(),
        r#"{"a": 01}"#.into(),
        r#"{"a": 1} x"#.into(),
        r#"{"a": "unterminated"#.into(),
        "[1, 2".into(),
        "\u{feff}{}".into(),
        " ".into(),
        "nul".into(),
        r#"{"Type":"Notification","Message":"{\"a\": 012345678901234567890123}"}"#.into(),
        r#"{"Type":"Notification","Message":"not json"}"#.into(),
        r#"{"detail-type":"x","detail":"{\"ticket_event\": {\"type\": \"Comment Created\", \"ticket\": {\"id\": 1}, \"meta\": {\"occurred_at\": 0123456789012345678901234}}}"}"#.into(),
        // Nested envelopes, one and two.
        r#"{"raw":{"detail-type":"x","detail":{"ticket_event":{"type":"Ticket Created","ticket":{"id":5}}}}}"#.into(),
        r#"{"a":{"detail-type":"x","detail":{}},"b":{"Type":"Notification","Message":"{}"}}"#.into(),
        // Deep nesting (serde_json's limit is 128 levels).
        format!("{}{}", "[".repeat(127), "]".repeat(127)),
        format!("{}{}", "[".repeat(128), "]".repeat(128)),
        format!(r#"{{"detail-type":"x","detail":{}1{}}}"#, r#"{"a":"#.repeat(200), "}".repeat(200)),
        // Times that cannot be read, ids of every type.
        r#"{"type":"zen:event-type:ticket.priority_changed","id":"t","time":{"at":"then"},"detail":{"id":true,"group_id":[1],"brand_id":{"id":2},"via":{"channel":33}},"event":{"previous":1e400,"current":-0}}"#.into(),
    ];
    bodies.push(String::from_utf8_lossy(&[b'{', 0xff, b'}']).into_owned());
    let mut raw: Vec<Vec<u8>> = bodies.into_iter().map(String::into_bytes).collect();
    raw.push(vec![0, 159, 146, 150]);
    raw.push(br#"{"a": "\xff"}"#.to_vec());
    raw.push(Vec::new());
    agree(raw);
}
