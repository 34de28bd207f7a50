//! Properties on generated input. The decoder and the filter parser take anything without
//! panicking; so does the EventBridge pattern engine, and the three ways it matches an event (a
//! serde_json value, zdwatch's own event tree, and the body read only as far as the pattern
//! needs) always agree.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use serde_json::{Value, json};
use zdwatch_core::pattern::Pattern;
use zdwatch_core::tree::Tree;

/// Keys from a small set with dots, so that pattern paths and event paths meet often, also
/// across dotted keys (`a.b` in one, `a` then `b` in the other).
fn key() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "b", "a.b", "b.a"]).prop_map(String::from)
}

/// JSON values with keys from [`key`].
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-1000i64..1000).prop_map(|n| json!(n)),
        prop_oneof![Just(0.5f64), Just(300.0), Just(-2.25), Just(1e21)].prop_map(|f| json!(f)),
        "[ab*.\\\\ ]{0,5}".prop_map(Value::String),
        Just(Value::String("10.0.0.7".into())),
    ];
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Events: objects at the top, as EventBridge events are.
fn event() -> impl Strategy<Value = Value> {
    prop::collection::vec((key(), json_value()), 1..5)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
}

/// One element of a match list: mostly well-formed literals and operators (so that matching is
/// exercised), sometimes anything at all (so that refusals are).
fn element() -> impl Strategy<Value = Value> {
    let text = "[ab*.]{0,4}";
    let literal = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..3).prop_map(|n| json!(n)),
        Just(json!(300.0)),
        text.prop_map(Value::String),
    ];
    let operator = prop_oneof![
        text.prop_map(|t| json!({"prefix": t})),
        text.prop_map(|t| json!({"suffix": t})),
        text.prop_map(|t| json!({"equals-ignore-case": t})),
        text.prop_map(|t| json!({"prefix": {"equals-ignore-case": t}})),
        text.prop_map(|t| json!({"anything-but": t})),
        (-3i64..3).prop_map(|n| json!({"anything-but": [n, 300]})),
        text.prop_map(|t| json!({"anything-but": {"suffix": format!("{t}x")}})),
        text.prop_map(|t| json!({"anything-but": {"wildcard": t.replace("**", "*")}})),
        (-3i64..3).prop_map(|n| json!({"numeric": [">", n, "<=", 5]})),
        (-3i64..3).prop_map(|n| json!({"numeric": ["=", n]})),
        Just(json!({"cidr": "10.0.0.0/24"})),
        any::<bool>().prop_map(|b| json!({"exists": b})),
        text.prop_map(|t| json!({"wildcard": t.replace("**", "*")})),
    ];
    let anything = (
        prop::sample::select(vec!["prefix", "anything-but", "numeric", "cidr", "bogus"]),
        json_value(),
    )
        .prop_map(|(op, v)| json!({ op: v }));
    prop_oneof![4 => literal, 5 => operator, 1 => anything, 1 => json_value()]
}

/// Patterns: nested fields holding match lists, sometimes an `$or`.
fn pattern() -> impl Strategy<Value = Value> {
    fn object() -> BoxedStrategy<Value> {
        let list = prop::collection::vec(element(), 1..4).prop_map(Value::Array);
        prop::collection::vec((key(), list), 1..3)
            .prop_map(|m| Value::Object(m.into_iter().collect()))
            .boxed()
    }
    (object(), prop::option::of((object(), object()))).prop_map(|(mut base, or)| {
        if let (Some((a, b)), Value::Object(m)) = (or, &mut base) {
            m.insert("$or".into(), json!([a, b]));
        }
        base
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 3000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_body_decodes_without_panicking(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let e = zdwatch_core::event::decode(zdwatch_core::event::Received {
            body: bytes.clone(),
            message_id: None,
            received_at: jiff::Timestamp::UNIX_EPOCH,
        });
        prop_assert_eq!(e.raw, bytes, "the body is kept as it came");
    }

    #[test]
    fn any_json_decodes_without_panicking(v in event()) {
        let e = zdwatch_core::event::decode(zdwatch_core::event::Received {
            body: v.to_string().into_bytes(),
            message_id: None,
            received_at: jiff::Timestamp::UNIX_EPOCH,
        });
        prop_assert!(!e.event_id.is_empty());
    }

    #[test]
    fn any_filter_text_parses_or_points_at_an_error(text in "\\PC{0,60}") {
        if let Err(e) = zdwatch_core::filter::Filter::parse(&text) {
            prop_assert!(e.span.start <= e.span.end && e.span.end <= text.len(), "{:?} in {:?}", e.span, text);
        }
    }

    #[test]
    fn any_text_compiles_or_is_refused_without_panicking(text in "\\PC{0,120}") {
        let _ = Pattern::compile(&text);
    }

    #[test]
    fn any_bytes_are_read_without_panicking(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = Tree::parse(&bytes);
        let p = Pattern::compile(r#"{"a": [{"exists": true}], "b.a": ["x"]}"#).unwrap();
        let _ = p.matches_body(&bytes);
    }

    #[test]
    fn the_three_ways_of_matching_agree(pattern in pattern(), event in event()) {
        let text = pattern.to_string();
        if let Ok(p) = Pattern::compile(&text) {
            let body = event.to_string();
            let by_value = p.matches(&event);
            let tree = Tree::parse(body.as_bytes()).unwrap();
            prop_assert_eq!(p.matches(&tree), by_value, "tree: {} on {}", text, body);
            prop_assert_eq!(p.matches_body(body.as_bytes()), by_value, "body: {} on {}", text, body);
            let explained = p.explain(&event);
            prop_assert_eq!(explained.matched, by_value, "explain: {} on {}", text, body);
        }
    }
}

/// The generated patterns are mostly valid, so the agreement above is tested, not skipped.
#[test]
fn most_generated_patterns_compile() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = pattern();
    let (mut ok, mut matched) = (0, 0);
    for _ in 0..1000 {
        let p = strategy.new_tree(&mut runner).unwrap().current();
        let e = event().new_tree(&mut runner).unwrap().current();
        if let Ok(p) = Pattern::compile(&p.to_string()) {
            ok += 1;
            matched += usize::from(p.matches(&e));
        }
    }
    assert!(ok > 300, "only {ok} of 1000 generated patterns compile");
    assert!(matched > 20, "only {matched} generated events match");
    eprintln!("{ok} of 1000 compile, {matched} match");
}
