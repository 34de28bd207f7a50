//! Every case recorded against Amazon EventBridge's TestEventPattern API (156 of them: match,
//! no match, and invalid with AWS's reason) must come out the same here. The cases are test data
//! in tests/data/eventbridge-patterns (README.md there says where they come from).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use zdwatch_core::pattern::Pattern;
use zdwatch_core::tree::Tree;

fn cases() -> Vec<Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/eventbridge-patterns/cases.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// The reason's first line, as AWS words it.
fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or("").trim_end()
}

#[test]
fn every_recorded_case_agrees_with_eventbridge() {
    let cases = cases();
    assert_eq!(cases.len(), 156, "the recorded set has 156 cases");
    let mut wrong = Vec::new();
    let mut counts = [0usize; 3];
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let pattern = case["pattern"].as_str().unwrap();
        let event = &case["event"];
        let compiled = Pattern::compile(pattern);
        match case["expect"].as_str().unwrap() {
            expect @ ("match" | "no_match") => {
                counts[usize::from(expect == "no_match")] += 1;
                match compiled {
                    Err(e) => wrong.push(format!("{name}: refused a valid pattern: {e}")),
                    Ok(p) if p.matches(event) != (expect == "match") => wrong.push(format!(
                        "{name}: expected {expect}\n  pattern {pattern}\n  event {event}\n{}",
                        p.explain(event).to_text()
                    )),
                    // The tree zdwatch parses bodies into for matching must agree too.
                    Ok(p)
                        if p.matches(&Tree::parse(event.to_string().as_bytes()).unwrap())
                            != (expect == "match") =>
                    {
                        wrong.push(format!(
                            "{name}: the matching tree disagrees with serde_json"
                        ))
                    }
                    // And reading only the parts the pattern looks at, as bodies are matched.
                    Ok(p)
                        if p.matches_body(event.to_string().as_bytes()) != (expect == "match") =>
                    {
                        wrong.push(format!("{name}: matching the body read in part disagrees"))
                    }
                    Ok(_) => {}
                }
            }
            "invalid" => {
                counts[2] += 1;
                let want = first_line(case["aws_message"].as_str().unwrap());
                match compiled {
                    Ok(_) => wrong.push(format!("{name}: accepted; AWS says {want}")),
                    Err(e) if e.to_string() != want => {
                        wrong.push(format!("{name}:\n  AWS:     {want}\n  zdwatch: {e}"))
                    }
                    Err(_) => {}
                }
            }
            other => panic!("{name}: unknown expectation {other}"),
        }
    }
    assert_eq!(counts, [67, 51, 38]);
    assert!(
        wrong.is_empty(),
        "{} of 156 cases differ:\n{}",
        wrong.len(),
        wrong.join("\n\n")
    );
}

/// All the valid recorded patterns, and those of the event-ruler and quamina cases, as one set
/// (one shared index: strings, numbers and prefixes hashed, the rest tried in turn): against
/// every event of both, the set finds exactly the patterns that match one by one, from the body
/// and from the parsed tree.
#[test]
fn a_pattern_set_agrees_with_each_pattern_alone() {
    let recorded = cases();
    let semantics = semantics_cases();
    let all = recorded.iter().chain(&semantics);
    let patterns: Vec<Pattern> = all
        .clone()
        .filter_map(|c| Pattern::compile(c["pattern"].as_str().unwrap()).ok())
        .collect();
    let set = zdwatch_core::pattern::PatternSet::new(patterns.clone());
    assert_eq!(set.len(), 118 + semantics.len());
    let (mut found, mut from_tree) = (Vec::new(), Vec::new());
    let (mut matched, mut known) = (0, 0);
    for case in all {
        let body = case["event"].to_string();
        let alone: Vec<usize> = (0..patterns.len())
            .filter(|i| patterns[*i].matches(&case["event"]))
            .collect();
        set.matches_body(body.as_bytes(), &mut found);
        assert_eq!(found, alone, "{}", case["name"]);
        set.matches(&Tree::parse(body.as_bytes()).unwrap(), &mut from_tree);
        assert_eq!(from_tree, alone, "{} (tree)", case["name"]);
        // A decoded event's body, which the decoder read as JSON already.
        let event = zdwatch_core::event::decode(zdwatch_core::event::Received {
            body: body.clone().into_bytes(),
            message_id: None,
            received_at: jiff::Timestamp::UNIX_EPOCH,
        });
        // (Bodies with integers too long for a u64 are read after quoting them, so not trusted.)
        known += usize::from(event.raw_is_json);
        set.matches_event(&event, &mut from_tree);
        assert_eq!(from_tree, alone, "{} (event)", case["name"]);
        for (i, p) in patterns.iter().enumerate() {
            assert_eq!(
                p.matches_event(&event),
                alone.contains(&i),
                "{}",
                case["name"]
            );
        }
        matched += alone.len();
    }
    assert!(matched > 150, "{matched}");
    assert!(known > 150, "{known} bodies read as JSON by the decoder");
}

fn semantics_cases() -> Vec<Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/matcher-semantics/cases.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

/// Array consistency and `$or` key overriding, as event-ruler and quamina test them
/// (tests/data/matcher-semantics: each case names its source file and test).
#[test]
fn matcher_semantics_agree_with_event_ruler_and_quamina() {
    let cases = &semantics_cases();
    assert!(cases.len() >= 30, "{}", cases.len());
    let mut wrong = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let pattern = Pattern::compile(case["pattern"].as_str().unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let event = &case["event"];
        let want = case["matches"].as_bool().unwrap();
        let text = event.to_string();
        let parsed = Tree::parse(text.as_bytes()).unwrap();
        for (how, got) in [
            ("Value", pattern.matches(event)),
            ("Event", pattern.matches(&parsed)),
        ] {
            if got != want {
                wrong.push(format!(
                    "{name} ({how}; {} {}): expected {want}",
                    case["source"], case["where"]
                ));
            }
        }
        // --explain agrees with the verdict.
        if pattern.explain(event).matched != want {
            wrong.push(format!("{name}: the explanation says {}", !want));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
