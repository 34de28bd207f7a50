// What the fuzz targets check, shared with `tests/fuzz_regressions.rs`, which replays every input
// the fuzzer ever failed on (`tests/fuzz-regressions/TARGET/`).

use zdwatch_core::event::{Received, decode, decode_by_tree};
use zdwatch_core::filter::{Filter, Prefilter};
use zdwatch_core::pattern::Pattern;
use zdwatch_core::tree::{Tape, Tree, View};

/// Any bytes as a message body: decoding never panics, keeps the body, names the event; the
/// text line has no control character and the ndjson line is JSON.
pub fn decode_body(body: &[u8]) {
    same_tree_as_serde(body);
    let e = decode(Received {
        body: body.to_vec(),
        message_id: None,
        received_at: jiff::Timestamp::UNIX_EPOCH,
    });
    assert_eq!(e.raw, body);
    assert!(!e.event_id.is_empty());
    // The decoder as it was before bodies were read onto a tape, the oracle.
    let oracle = decode_by_tree(Received {
        body: body.to_vec(),
        message_id: None,
        received_at: jiff::Timestamp::UNIX_EPOCH,
    });
    assert_eq!(e, oracle, "the tape and the tree decode differently");
    let mut text = Vec::new();
    zdwatch::headless::write_text(&mut text, &e).unwrap_or_else(|err| panic!("{err}"));
    let text = String::from_utf8_lossy(&text);
    assert!(
        !text
            .trim_end_matches('\n')
            .chars()
            .any(|c| c.is_control() || c == '\u{1b}'),
        "a control character reached text output: {text:?}"
    );
    let mut line = Vec::new();
    zdwatch::headless::write_ndjson(&mut line, &e).unwrap_or_else(|err| panic!("{err}"));
    let v: serde_json::Value = serde_json::from_slice(&line).unwrap_or_else(|err| panic!("{err}"));
    assert!(v.is_object());
}

const BODY: &str = r#"{"detail":{"type":"zen:event-type:ticket.status_changed","id":"e1","time":"2026-01-01T10:00:00Z","event":{"previous":"OPEN","current":"SOLVED"},"detail":{"id":"35436","tags":["vip","payment_failed"],"priority":"URGENT","group_id":"98741","via":{"channel":"email"},"subject":"Refund"}}}"#;

/// Any text as a filter: it parses or points inside the text; a filter that parses judges an
/// event without panicking, and its prefilter never skips a body the filter selects.
pub fn filter_text(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Filter::parse(text) {
        Err(e) => assert!(e.span.start <= e.span.end && e.span.end <= text.len()),
        Ok(filter) => {
            let event = decode(Received {
                body: BODY.as_bytes().to_vec(),
                message_id: None,
                received_at: jiff::Timestamp::UNIX_EPOCH,
            });
            let selected = filter.matches(&event, jiff::Timestamp::UNIX_EPOCH);
            let may = Prefilter::new(&filter).may_match(BODY.as_bytes());
            assert!(
                may || !selected,
                "the prefilter skipped a body {text:?} selects"
            );
        }
    }
}

/// zdwatch's JSON reader (what decoding and matching read bodies with) accepts and builds exactly
/// what serde_json does, for the whole tree and for a pattern's needs.
pub fn same_tree_as_serde(body: &[u8]) {
    assert_eq!(
        Tree::parse(body).ok(),
        Tree::parse_by_serde(body, None).ok()
    );
    // The tape holds what the tree holds (a text with long integers: see the tape's own tests).
    if let Ok(text) = std::str::from_utf8(body) {
        let quoted = zdwatch_core::event::json::quote_long_integers(text);
        if matches!(quoted, std::borrow::Cow::Borrowed(_)) {
            assert_eq!(
                Tape::parse_str(text)
                    .ok()
                    .map(|t| t.root().to_tree().into_owned()),
                Tree::parse_str(text).ok()
            );
        }
    }
    let needs = zdwatch_core::tree::Needs::of(["detail.detail.tags", "id", "a.b"]);
    assert_eq!(
        Tree::parse_needed(body, &needs).ok(),
        Tree::parse_by_serde(body, Some(&needs)).ok()
    );
}

/// The first line as an EventBridge pattern, the rest as an event: compiling never panics, and
/// matching the parsed event agrees with matching the body read only as far as needed.
pub fn pattern_and_event(data: &[u8]) {
    let split = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let (pattern, event) = (&data[..split], data.get(split + 1..).unwrap_or_default());
    let Ok(text) = std::str::from_utf8(pattern) else {
        return;
    };
    let Ok(p) = Pattern::compile(text) else {
        return;
    };
    let by_body = p.matches_body(event);
    if let Ok(tree) = Tree::parse(event) {
        assert_eq!(p.matches(&tree), by_body, "tree and body disagree");
    }
}
