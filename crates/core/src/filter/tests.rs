//! Table-driven tests of the filter language: parsing (with error positions) and evaluation.

use jiff::Timestamp;

use super::*;
use crate::event::{Kind, TicketEvent, TicketSnapshot};

fn now() -> Timestamp {
    "2026-01-01T12:00:00Z".parse().unwrap()
}

/// A status change on ticket 35436 (open → solved, tags vip+enterprise, vip added) 10 minutes ago.
fn event() -> TicketEvent {
    TicketEvent {
        event_id: "e1".into(),
        message_id: None,
        format: Format::Legacy,
        kind: Kind::StatusChanged,
        domain: Some("ticket".into()),
        subject_id: None,
        ticket_id: Some(35436),
        occurred_at: Some("2026-01-01T11:50:00Z".parse().unwrap()),
        received_at: now(),
        actor_id: Some(7),
        previous: Some("open".into()),
        current: Some("solved".into()),
        tags_added: vec!["vip".into()],
        tags_removed: vec!["new_customer".into()],
        users_added: vec![],
        users_removed: vec![],
        field: None,
        comment: None,
        attachment: None,
        ticket: TicketSnapshot {
            status: Some("solved".into()),
            priority: Some("urgent".into()),
            group_id: Some(98738),
            assignee_id: None,
            channel: Some("web".into()),
            tags: vec!["enterprise".into(), "vip".into()],
            subject: Some("Printer on fire".into()),
            ..TicketSnapshot::default()
        },
        sequence: None,
        envelope: Default::default(),
        problem: None,
        raw: vec![],
        raw_is_json: false,
        source: Some("zendesk-debug".into()),
        trigrams: None,
    }
}

#[test]
fn evaluation_table() {
    let e = event();
    let cases = [
        ("", true),
        ("type:status_changed", true),
        ("type:\"Status Changed\"", true),
        ("type:zen:event-type:ticket.status_changed", true),
        ("type:status", true),
        ("type:comment", false),
        ("type:comment,status_changed", true),
        ("type:*", true),
        ("type:*_changed", true),
        ("type:status*", true),
        ("type:\"Status *\"", true),
        ("type:comment_*", false),
        ("type:comment_*,*changed", true),
        ("status:open->solved", true),
        ("status:open→solved", true),
        ("status:*->solved", true),
        ("status:open->*", true),
        ("status:pending,open->solved,closed", true),
        ("status:solved->open", false),
        ("status:solved", true),
        ("status:open", false),
        ("tag:vip", true),
        ("tag:VIP", true),
        ("tag:ent*", true),
        ("tag:*prise", true),
        ("tag:e*p*e", true),
        ("tag:gold", false),
        ("tag+:vip", true),
        ("tag+:enterprise", false),
        ("tag-:new_customer", true),
        ("ticket:35436", true),
        ("#35436", true),
        ("ticket:1,35436", true),
        ("#1", false),
        ("priority:urgent", true),
        ("priority:low,normal", false),
        ("group:98738", true),
        ("assignee:none", true),
        ("assignee:5", false),
        ("actor:7", true),
        ("custom_status:8447320465790", false),
        ("channel:web", true),
        ("channel:email", false),
        ("format:legacy", true),
        ("format:webhook", false),
        ("reopened", false),
        ("since:15m", true),
        ("since:5m", false),
        ("since:2026-01-01T11:50:00Z", true),
        ("since:2026-01-01T11:50:01Z", false),
        ("since:2026-01-01T12:45:00+01:00", true),
        ("until:2026-01-01T11:50:01Z", true),
        ("until:2026-01-01T11:50:00Z", false),
        ("until:5m", true),
        ("until:15m", false),
        ("channel:none", false),
        ("source:zendesk-debug", true),
        ("source:ZENDESK*", true),
        ("queue:zendesk-debug,other", true),
        ("source:other", false),
        ("printer", true),
        ("FIRE", true),
        ("\"on fire\"", true),
        ("water", false),
        ("-tag:vip", false),
        ("!tag:gold", true),
        ("tag:gold or tag:vip", true),
        ("tag:gold OR #1", false),
        ("tag:vip and priority:low", false),
        ("tag:vip priority:low or #35436", true),
        ("-(tag:gold or priority:low)", true),
        ("(tag:gold or tag:vip) status:open->solved", true),
        ("tag-:x", false),
    ];
    let mut wrong = Vec::new();
    for (text, want) in cases {
        let f = Filter::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        if f.matches(&e, now()) != want {
            wrong.push(format!("{text:?} should be {want}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn channel_none_is_an_unset_channel() {
    let mut e = event();
    e.ticket.channel = None;
    assert!(Filter::parse("channel:none").unwrap().matches(&e, now()));
    assert!(!Filter::parse("channel:web").unwrap().matches(&e, now()));
}

#[test]
fn reopened_is_a_solved_or_closed_to_open_or_new_transition() {
    let mut e = event();
    e.previous = Some("closed".into());
    e.current = Some("open".into());
    assert!(Filter::parse("reopened").unwrap().matches(&e, now()));
    e.current = Some("pending".into());
    assert!(!Filter::parse("reopened").unwrap().matches(&e, now()));
}

#[test]
fn errors_point_at_the_offending_text() {
    let cases = [
        ("stat:open", "unknown key", 0..5),
        ("tag:vip stat:open", "unknown key", 8..13),
        ("status:->solved", "both sides", 7..15),
        ("ticket:abc", "not a ticket id", 7..10),
        ("#12x", "not a ticket id", 0..4),
        ("(tag:vip", "missing ')'", 0..1),
        ("tag:vip)", "unexpected ')'", 7..8),
        ("tag:", "needs a value", 4..4),
        ("since:15y", "unknown unit", 6..9),
        ("since:2026-13-01T00:00Z", "RFC 3339", 6..23),
        ("until:yesterday", "a duration is", 6..15),
        ("format:json", "unknown format", 7..11),
        ("tag:vip or", "needs a term", 8..10),
        ("\"unclosed", "unclosed quote", 0..9),
        ("()", "empty parentheses", 0..2),
        ("group:abc", "not an id", 6..9),
    ];
    for (text, message, span) in cases {
        match Filter::parse(text) {
            Ok(f) => panic!("{text:?} parsed as {f:?}"),
            Err(e) => {
                assert!(e.message.contains(message), "{text:?}: {}", e.message);
                assert_eq!(e.span, span, "{text:?}: {}", e.message);
            }
        }
    }
}

#[test]
fn and_binds_tighter_than_or() {
    let f = Filter::parse("a b or c").unwrap();
    let Some(Expr::Or(alternatives)) = f.expr else {
        panic!("{f:?}")
    };
    assert!(matches!(&alternatives[0], Expr::And(terms) if terms.len() == 2));
    assert!(matches!(&alternatives[1], Expr::Term(Term::Text(t)) if t == "c"));
}

#[test]
fn a_dash_inside_a_word_does_not_negate() {
    let f = Filter::parse("tag-:x tag:a-b").unwrap();
    let Some(Expr::And(terms)) = f.expr else {
        panic!()
    };
    assert_eq!(
        terms[0],
        Expr::Term(Term::Tag(TagScope::Removed, vec!["x".into()]))
    );
    assert_eq!(
        terms[1],
        Expr::Term(Term::Tag(TagScope::Has, vec!["a-b".into()]))
    );
}

#[test]
fn a_filter_says_whether_it_searches_words() {
    for (text, words) in [
        ("", false),
        ("status:open->solved tag:vip", false),
        ("refund", true),
        ("tag:vip (#1 or -\"cannot log in\")", true),
        ("-type:comment", false),
    ] {
        let f = Filter::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(f.searches_text(), words, "{text}");
    }
}

#[test]
fn deep_nesting_and_long_filters_are_errors_not_crashes() {
    for text in [
        format!("{}tag:vip{}", "(".repeat(20_000), ")".repeat(20_000)),
        format!("{}tag:vip", "-".repeat(20_000)),
        format!("{}tag:vip{}", "(!".repeat(5_000), ")".repeat(5_000)),
    ] {
        let e = Filter::parse(&text)
            .err()
            .unwrap_or_else(|| panic!("accepted"));
        assert!(
            e.message.contains("deep") || e.message.contains("bytes"),
            "{}",
            e.message
        );
    }
    let at_limit = format!(
        "{}tag:vip{}",
        "(".repeat(super::parse::MAX_DEPTH),
        ")".repeat(super::parse::MAX_DEPTH)
    );
    assert!(Filter::parse(&at_limit).is_ok());
    let deeper = format!("({at_limit})");
    let e = Filter::parse(&deeper)
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert_eq!(e.message, "nested more than 32 deep: write it flatter");
    assert_eq!(e.span, 32..33, "points at the parenthesis one too deep");
    let long = format!("tag:{}", "x".repeat(5000));
    let e = Filter::parse(&long)
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert!(e.message.contains("at most 4096"), "{}", e.message);
}
