//! The monitor holds events in compact form (interned fields, compressed bodies) and decodes them
//! again to show them. These tests hold that to what arrived: every event held decodes back to the
//! event that was inserted, field for field, and the filter selects the same events from the
//! compact records as from the decoded events — over demo traffic in both formats (enough to
//! train the compression dictionary), every sample body and hostile bytes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use zdwatch_core::event::{Received, TicketEvent, decode};
use zdwatch_core::filter::Filter;
use zdwatch_core::store::EventStore;
use zdwatch_sources::demo::Simulator;

fn bodies() -> Vec<Vec<u8>> {
    let start: Timestamp = "2026-03-01T08:00:00Z".parse().unwrap();
    let mut sim = Simulator::new(5, start);
    let mut out: Vec<Vec<u8>> = sim
        .advance(start + SignedDuration::from_mins(90))
        .into_iter()
        .map(|d| d.body)
        .take(2500)
        .collect();
    out.extend(common::samples().into_iter().map(|(_, b)| b));
    let hostile: [&[u8]; 6] = [
        b"",
        b"\xff\xfe not utf-8",
        b"{\"type\":\"zen:event-type:ticket.tags_changed\",\"detail\":{\"id\":\"1\",\"tags\":[\"\x1b[31mred\"]}}",
        b"[1,2,3]",
        b"{\"detail\":{\"ticket_event\":{\"type\":\"Comment Created\"}}}",
        b"null",
    ];
    out.extend(hostile.iter().map(|b| b.to_vec()));
    // Text a word search finds only once decoded: escaped letters, a Kelvin sign (lower-cases to
    // k), an upper-case word, numbers written as floats, kinds named otherwise in legacy bodies.
    let comment = |id: &str, text: &str| {
        format!(
            r#"{{"type":"zen:event-type:ticket.comment_added","id":"{id}","time":"2026-03-01T08:00:00Z","detail":{{"id":"7","subject":"Parcel"}},"event":{{"comment":{{"id":1,"body":"{text}","is_public":true,"author":{{"id":2,"name":"Ann"}}}}}}}}"#
        )
        .into_bytes()
    };
    out.push(comment("t1", r"caf\u00e9 r\u0065fund please"));
    out.push(comment("t2", "\u{212a}iwi refund"));
    out.push(comment("t3", "REFUND NOW"));
    out.push(br#"{"type":"zen:event-type:ticket.agent_assignment_changed","id":"t4","time":"2026-03-01T08:00:00Z","detail":{"id":"8"},"event":{"previous":1.2e3,"current":"1300"}}"#.to_vec());
    out.push(br#"{"detail":{"ticket_event":{"type":"Status Changed","previous":"Open","current":"Solved","ticket":{"id":9}}}}"#.to_vec());
    out.push(vec![b'x'; 300_000]);
    out
}

/// Decodes the bodies as the monitor would receive them: message ids of every length (none,
/// SQS's, a long one from a file), times to the nanosecond, several sources.
fn events() -> Vec<TicketEvent> {
    let sources: [Option<Arc<str>>; 3] =
        [None, Some("zendesk-debug".into()), Some("capture".into())];
    let start: Timestamp = "2026-03-01T08:00:00.123456789Z".parse().unwrap();
    bodies()
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let message_id = match i % 4 {
                0 => None,
                1 => Some(format!("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1{:02x}", i % 256)),
                2 => Some("m".repeat(253 + i % 5)),
                _ => Some(String::new()),
            };
            let mut e = decode(Received {
                body,
                message_id,
                received_at: start + SignedDuration::from_nanos(i as i64 * 1_000_333),
            });
            e.source = sources[i % 3].clone();
            e
        })
        .collect()
}

/// Inserts `events` and returns each held one with its sequence number (duplicates are not held).
fn hold(store: &mut EventStore, events: &[TicketEvent]) -> Vec<(u64, TicketEvent)> {
    events
        .iter()
        .filter_map(|e| store.insert(e).map(|seq| (seq, e.clone())))
        .collect()
}

#[test]
fn every_held_event_decodes_back_to_the_event_that_arrived() {
    let events = events();
    let mut store = EventStore::new(100_000);
    let held = hold(&mut store, &events);
    assert!(held.len() > 2000, "{} held", held.len());
    assert!(
        held.len() < events.len(),
        "the demo's duplicate deliveries are held once"
    );
    for (seq, original) in &held {
        let back = store
            .get(*seq)
            .unwrap_or_else(|| panic!("event {seq} is held"));
        assert_eq!(&back, original, "event {seq}");
    }
    let f = store.footprint();
    let raw: usize = held.iter().map(|(_, e)| e.raw.len()).sum();
    assert!(
        f.bodies * 2 < raw,
        "bodies are held compressed: {} bytes for {raw}",
        f.bodies
    );
}

#[test]
fn the_filter_selects_the_same_events_from_held_records_as_from_decoded_events() {
    let events = events();
    let mut store = EventStore::new(100_000);
    let held = hold(&mut store, &events);
    let now: Timestamp = "2026-03-01T09:00:00Z".parse().unwrap();
    let texts = texts(&held);
    let mut selected = 0;
    for text in &texts {
        let filter = Filter::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        for (seq, original) in &held {
            let record = store.held(*seq).unwrap();
            let want = filter.matches(original, now);
            assert_eq!(
                filter.matches(&record, now),
                want,
                "{text:?} on event {seq}: {}",
                String::from_utf8_lossy(&original.raw)
            );
            selected += usize::from(want);
        }
    }
    assert!(
        selected > texts.len() * 10,
        "the filters select something: {selected}"
    );
}

/// Reopening a journal builds the store from each row's digest instead of decoding its body: the
/// digest gives back exactly what it keeps, and a store (and the dashboard's figures) built from
/// digests is the store built from decoded events — same events, same records for every filter
/// and word, same names, same counts.
#[test]
fn a_store_built_from_journal_digests_is_the_store_decoding_builds() {
    use zdwatch_core::event::digest::{digest, digested, from_digest};
    use zdwatch_core::stats::Stats;
    let events = events();
    let from_digests: Vec<TicketEvent> = events
        .iter()
        .map(|e| {
            let received = Received {
                body: e.raw.clone(),
                message_id: e.message_id.clone(),
                received_at: e.received_at,
            };
            let mut back = from_digest(&digest(e), received)
                .unwrap_or_else(|_| panic!("a digest of this build reads back"));
            back.source = e.source.clone();
            assert_eq!(back, digested(e), "{}", String::from_utf8_lossy(&e.raw));
            back
        })
        .collect();
    let build = |events: &[TicketEvent]| {
        let mut store = EventStore::new(100_000);
        let mut stats = Stats::default();
        for batch in events.chunks(700) {
            for (e, seq) in batch.iter().zip(store.insert_many(batch)) {
                if seq.is_some() {
                    stats.add(e);
                }
            }
        }
        (store, stats)
    };
    let (decoded, decoded_stats) = build(&events);
    let (digests, digest_stats) = build(&from_digests);
    assert_eq!(digests.counters(), decoded.counters());
    let held: Vec<(u64, TicketEvent)> = decoded
        .since(0)
        .map(|h| (h.seq, decoded.get(h.seq).unwrap()))
        .collect();
    assert!(held.len() > 2000);
    let now: Timestamp = "2026-03-01T09:00:00Z".parse().unwrap();
    let filters: Vec<Filter> = texts(&held)
        .iter()
        .map(|t| Filter::parse(t).unwrap_or_else(|e| panic!("{t}: {e}")))
        .collect();
    for (seq, event) in &held {
        assert_eq!(digests.get(*seq).as_ref(), Some(event), "event {seq}");
        let (a, b) = (decoded.held(*seq).unwrap(), digests.held(*seq).unwrap());
        for f in &filters {
            assert_eq!(
                f.matches(&b, now),
                f.matches(&a, now),
                "{f:?} on event {seq}"
            );
        }
        if let Some(author) = event.comment.as_ref().and_then(|c| c.author_id) {
            assert_eq!(digests.name(author), decoded.name(author));
        }
    }
    let (from, to) = (Timestamp::MIN, Timestamp::MAX);
    assert_eq!(
        digest_stats.summary(from, to),
        decoded_stats.summary(from, to)
    );
    assert!(decoded_stats.summary(from, to).total > 2000);
    assert_eq!(
        digest_stats.tickets.waiting_unassigned(usize::MAX),
        decoded_stats.tickets.waiting_unassigned(usize::MAX)
    );
}

/// A digest describes what this build's decoder makes of a body; when the decoder changes what it
/// makes (a field read otherwise, a kind renamed), journals written before must not be trusted:
/// `DIGEST_VERSION` goes up. This pins the digests of the whole corpus so that such a change cannot
/// go unnoticed (the failure says what to do).
#[test]
fn the_decoder_output_that_digests_describe_is_pinned_to_their_version() {
    use zdwatch_core::event::digest::{DIGEST_VERSION, digest};
    let mut all = Vec::new();
    for e in events() {
        all.extend(digest(&e));
    }
    let hash = xxhash_rust::xxh3::xxh3_64(&all);
    assert_eq!(
        (DIGEST_VERSION, hash),
        // Pinned again when the format byte gained `raw_is_json` in its top bit: the decoder's
        // output did not change, and a reader of version 2 that does not know the bit refuses such
        // a digest (an unknown format) and decodes the body instead.
        (2, 15130188597215698408),
        "the digests of this corpus changed. If the decoder makes something else of a body it read \
         before, bump DIGEST_VERSION (journals written before are then decoded again) and pin the \
         new hash; if only the corpus grew (a sample added), pin the new hash"
    );
}

#[test]
fn evicted_events_are_gone_and_the_rest_still_decode() {
    let events = events();
    let mut store = EventStore::new(500);
    let held = hold(&mut store, &events);
    let first = store.first_seq();
    assert!(first > 0, "older events were evicted");
    for (seq, original) in &held {
        match store.get(*seq) {
            Some(back) => assert_eq!(&back, original),
            None => assert!(*seq < first, "event {seq} is still held"),
        }
    }
    assert_eq!(store.since(0).count(), 500);
}

/// Filters and words to hold the records to: field filters of every kind, filters made from
/// held events, and words of the text a word search looks at.
fn texts(held: &[(u64, TicketEvent)]) -> Vec<String> {
    let mut texts = vec![
        "type:comment".to_string(),
        "-type:status_changed".into(),
        "format:legacy,malformed".into(),
        "format:unrecognized".into(),
        "source:zendesk-*".into(),
        "-source:capture".into(),
        "channel:none".into(),
        "channel:web or channel:email".into(),
        "assignee:none".into(),
        "since:30m".into(),
        "until:2026-03-01T08:00:01Z".into(),
        "refund".into(),
        "red".into(),
        "tag-:*".into(),
    ];
    texts.extend(
        [
            "kiwi",
            "refund",
            "café",
            "1200",
            "assignee",
            "changed",
            "status_changed",
            "ann",
            "parcel",
            "via",
        ]
        .map(String::from),
    );
    for (i, (_, e)) in held.iter().enumerate() {
        if i % 40 == 0 {
            texts.extend(common::filters::from_event(e));
        }
        // Words of the text a word search looks at (the summary's own included), for some events
        // and for all of the last ones (the samples and the bodies above).
        if i % 97 == 0 || i + 40 > held.len() {
            let text = format!(
                "{} {} {}",
                zdwatch_core::event::summary(e),
                e.ticket.subject.as_deref().unwrap_or(""),
                e.comment
                    .as_ref()
                    .and_then(|c| c.body.as_deref())
                    .unwrap_or("")
            );
            texts.extend(
                text.split(|c: char| c.is_whitespace() || "():\"".contains(c))
                    .map(|w| w.trim_start_matches(['-', '!', '#', '+']).to_lowercase())
                    .filter(|w| w.len() > 1 && !matches!(w.as_str(), "or" | "and" | "reopened")),
            );
        }
    }
    texts.sort();
    texts.dedup();
    let words = texts.iter().filter(|t| !t.contains(':')).count();
    assert!(words > 100, "{words} words searched");
    texts
}

/// The monitor compresses a batch's bodies on the thread that decodes it, with the store's
/// dictionary as it was when the batch was handed over (`zdwatch::ingest::decode`), and the store
/// holds them as they are. Every event comes back with the body and message id it arrived with:
/// compressed by the store itself (while it learns its dictionary), while decoding, and while
/// decoding with a dictionary the store does not use (a stale one: compressed again).
#[test]
fn bodies_compressed_while_decoding_are_held_and_come_back_as_they_came() {
    use common::screens::{config, now};
    use zdwatch::app::{App, Msg};
    use zdwatch_core::store::{Dictionary, SAMPLES};
    let all = bodies();
    let messages = |range: std::ops::Range<usize>| -> Vec<zdwatch_sources::Message> {
        range
            .map(|i| zdwatch_sources::Message {
                source: 0,
                body: all[i].clone(),
                message_id: (i % 3 != 0).then(|| format!("{i:08}-4a2b-4c3d-8e4f-5a6b7c8d9e0f")),
                receipt: None,
                received_at: now(),
                place: None,
            })
            .collect()
    };
    let (learn, fresh) = (SAMPLES + 200, SAMPLES + 1300);
    assert!(all.len() > fresh + 100, "{} bodies", all.len());
    let mut app = App::new(config(zdwatch_sources::Delivery::Peek), "", now()).unwrap();
    app.update(
        Msg::Decoded(zdwatch::ingest::decode(messages(0..learn), None)),
        now(),
    );
    let dictionary = app
        .store()
        .dictionary()
        .cloned()
        .expect("the store learnt one");

    let decoded = zdwatch::ingest::decode(messages(learn..fresh), Some(&dictionary));
    assert!(
        decoded.iter().all(|d| d.packed.is_some()),
        "each body compressed"
    );
    app.update(Msg::Decoded(decoded), now());

    let samples: Vec<Vec<u8>> = all[..SAMPLES].iter().rev().cloned().collect();
    let stale = Arc::new(Dictionary::learn(&samples).expect("another dictionary"));
    let decoded = zdwatch::ingest::decode(messages(fresh..all.len()), Some(&stale));
    app.update(Msg::Decoded(decoded), now());
    assert!(Arc::ptr_eq(app.store().dictionary().unwrap(), &dictionary));

    // The first delivery of an event is the one held (the demo delivers some twice).
    let sent = messages(0..all.len());
    let mut first = std::collections::HashMap::new();
    for (m, e) in sent
        .iter()
        .zip(zdwatch::ingest::decode(messages(0..all.len()), None))
    {
        first.entry(e.event.event_id).or_insert(m);
    }
    let store = app.store();
    let mut held = 0;
    for seq in store.first_seq()..store.next_seq() {
        let e = store.get(seq).expect("held");
        let m = first[&e.event_id];
        assert!(
            e.raw == m.body,
            "{}: {}",
            e.event_id,
            String::from_utf8_lossy(&e.raw)
        );
        assert_eq!(e.message_id, m.message_id);
        held += 1;
    }
    assert_eq!(held, first.len(), "every event is held once");
}
