//! The prefilter (`tail` skips bodies that cannot match before decoding them) never skips a body
//! whose event the filter selects: checked over demo events in both formats, SNS-wrapped, and
//! rewritten the ways producers write the same values differently (upper case, ids as strings
//! or floats, `\u` escapes), with filters built from the events' own values. It must also skip:
//! a prefilter that decodes everything would pass the first check and help nobody.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use zdwatch_core::event::TicketEvent;
use zdwatch_core::filter::{Filter, Prefilter};
use zdwatch_sources::demo::Simulator;

fn demo_bodies() -> Vec<Vec<u8>> {
    let start: Timestamp = "2026-03-01T08:00:00Z".parse().unwrap();
    let mut sim = Simulator::new(11, start);
    sim.advance(start + SignedDuration::from_mins(40))
        .into_iter()
        .map(|d| d.body)
        .take(1500)
        .collect()
}

fn decoded(body: &[u8]) -> TicketEvent {
    common::decoded_at(body.to_vec(), Timestamp::UNIX_EPOCH)
}

/// Rewrites every string and number of a body's JSON (and of an SNS message inside it).
fn rewrite(v: &mut Value, how: &dyn Fn(&mut Value)) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k == "Message" {
                    if let Some(inner) = x
                        .as_str()
                        .and_then(|s| serde_json::from_str::<Value>(s).ok())
                    {
                        let mut inner = inner;
                        rewrite(&mut inner, how);
                        *x = Value::String(inner.to_string());
                        continue;
                    }
                }
                rewrite(x, how);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| rewrite(x, how)),
        _ => how(v),
    }
}

/// The same events written otherwise.
fn variants(body: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![body.to_vec()];
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return out;
    };
    let upper = |x: &mut Value| {
        if let Value::String(s) = x {
            if !s.contains(':') && !s.contains('-') {
                *s = s.to_uppercase();
            }
        }
    };
    let ids_as_strings = |x: &mut Value| {
        if let Some(n) = x.as_u64() {
            *x = Value::String(n.to_string());
        }
    };
    for how in [&upper as &dyn Fn(&mut Value), &ids_as_strings] {
        let mut w = v.clone();
        rewrite(&mut w, how);
        out.push(w.to_string().into_bytes());
    }
    // Numbers as floats with an exponent (serde_json writes them out, so edit the text).
    let text = v.to_string();
    let mut floats = String::new();
    let mut digits = String::new();
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars().chain(std::iter::once(' ')) {
        if !in_string && c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if !digits.is_empty() {
            if digits.len() > 1 {
                floats.push_str(&format!(
                    "{}.{}e{}",
                    &digits[..1],
                    &digits[1..],
                    digits.len() - 1
                ));
            } else {
                floats.push_str(&digits);
            }
            digits.clear();
        }
        if in_string {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
        } else {
            in_string = c == '"';
        }
        floats.push(c);
    }
    out.push(floats.trim_end().as_bytes().to_vec());
    // One letter of every status, priority and tag escaped.
    let escaped = text
        .replace("\"open\"", "\"\\u006fpen\"")
        .replace("\"solved\"", "\"\\u0073olved\"")
        .replace("\"urgent\"", "\"urg\\u0065nt\"")
        .replace("\"payment_failed\"", "\"payment\\u005ffailed\"");
    out.push(escaped.into_bytes());
    out
}

#[test]
fn the_prefilter_never_skips_an_event_the_filter_selects_and_skips_many_that_it_does_not() {
    let bodies = demo_bodies();
    let events: Vec<TicketEvent> = bodies.iter().map(|b| decoded(b)).collect();
    let now = Timestamp::UNIX_EPOCH;
    let (mut checked, mut selected, mut skipped) = (0u64, 0u64, 0u64);
    let written: Vec<(Vec<u8>, TicketEvent)> = bodies
        .iter()
        .step_by(5)
        .flat_map(|b| variants(b))
        .map(|v| {
            let e = decoded(&v);
            (v, e)
        })
        .collect();
    // Filters from every 25th event, over every fifth body and its variants.
    for source in events.iter().step_by(25) {
        for text in common::filters::from_event(source) {
            let filter = Filter::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            let pre = Prefilter::new(&filter);
            for (body, event) in &written {
                let matches = filter.matches(event, now);
                let may = pre.may_match(body);
                assert!(
                    may || !matches,
                    "{text} selects this body but the prefilter skips it:\n{}",
                    String::from_utf8_lossy(body)
                );
                checked += 1;
                selected += u64::from(matches);
                skipped += u64::from(!may);
            }
        }
    }
    assert!(
        selected > 1000,
        "the filters select something ({selected} of {checked})"
    );
    assert!(
        skipped * 2 > checked,
        "most bodies are skipped ({skipped} of {checked})"
    );
}
