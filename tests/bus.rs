//! `--bus`: a personal queue and rule on an event bus, against moto_server. Events put on the
//! bus arrive; nothing of zdwatch's is left after it exits (unless --keep, then `zdwatch gc`);
//! a failed attach leaves nothing behind either.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use common::{Moto, run, samples};

const LIMIT: Duration = Duration::from_secs(60);

async fn zdwatch_rules(eb: &aws_sdk_eventbridge::Client, bus: &str) -> Vec<String> {
    eb.list_rules()
        .event_bus_name(bus)
        .name_prefix("zdwatch-")
        .send()
        .await
        .unwrap()
        .rules
        .unwrap_or_default()
        .into_iter()
        .filter_map(|r| r.name)
        .collect()
}

async fn zdwatch_queues(sqs: &aws_sdk_sqs::Client) -> Vec<String> {
    sqs.list_queues()
        .queue_name_prefix("zdwatch-")
        .send()
        .await
        .unwrap()
        .queue_urls
        .unwrap_or_default()
}

/// Waits until zdwatch has put its rule on the bus.
async fn wait_for_rule(eb: &aws_sdk_eventbridge::Client, bus: &str) {
    let start = Instant::now();
    while zdwatch_rules(eb, bus).await.is_empty() {
        assert!(start.elapsed() < LIMIT, "zdwatch never attached to {bus}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A bus named `bus` with an archive (no pattern of its own) named `archive`.
async fn bus_with_archive(eb: &aws_sdk_eventbridge::Client, bus: &str, archive: &str) {
    let bus_arn = eb
        .create_event_bus()
        .name(bus)
        .send()
        .await
        .unwrap()
        .event_bus_arn
        .unwrap();
    eb.create_archive()
        .archive_name(archive)
        .event_source_arn(&bus_arn)
        .send()
        .await
        .unwrap();
}

/// The webhook samples as PutEvents entries (what the relay Lambda puts on the bus).
fn webhook_entries(bus: &str) -> Vec<PutEventsRequestEntry> {
    samples()
        .into_iter()
        .filter(|(name, _)| name.starts_with("webhook/"))
        .map(|(_, body)| {
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            PutEventsRequestEntry::builder()
                .event_bus_name(bus)
                .source(v["source"].as_str().unwrap())
                .detail_type(v["detail-type"].as_str().unwrap())
                .detail(v["detail"].to_string())
                .build()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn tail_on_a_bus_gets_its_events_and_leaves_nothing_behind() {
    let moto = Moto::start();
    let (eb, sqs) = (moto.eventbridge(), moto.sqs());
    eb.create_event_bus().name("zendesk").send().await.unwrap();
    let entries = webhook_entries("zendesk");
    let n = 6;
    // Tests share a data directory: each run journals to its own file, or not at all.
    let cmd = moto.zdwatch(&[
        "tail",
        "--bus",
        "zendesk",
        "--no-journal",
        "--max-events",
        &n.to_string(),
    ]);
    let tail = std::thread::spawn(move || run(cmd, LIMIT));
    wait_for_rule(&eb, "zendesk").await;
    assert_eq!(zdwatch_queues(&sqs).await.len(), 1, "one personal queue");
    // Something that is no Zendesk event is not taken by the default rule.
    eb.put_events()
        .entries(
            PutEventsRequestEntry::builder()
                .event_bus_name("zendesk")
                .source("billing.app")
                .detail_type("Invoice Paid")
                .detail("{}")
                .build(),
        )
        .send()
        .await
        .unwrap();
    for chunk in entries[..n].chunks(10) {
        eb.put_events()
            .set_entries(Some(chunk.to_vec()))
            .send()
            .await
            .unwrap();
    }
    let out = tail.join().unwrap();
    assert!(out.status.success(), "{}", out.stderr);
    let lines = out.lines();
    assert_eq!(lines.len(), n, "{}", out.stderr);
    assert!(lines.iter().all(|l| l["format"] == "webhook"), "{lines:?}");
    assert!(
        out.stderr.contains("removed rule and queue zdwatch-"),
        "{}",
        out.stderr
    );
    assert!(zdwatch_rules(&eb, "zendesk").await.is_empty());
    assert!(zdwatch_queues(&sqs).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn keep_leaves_them_and_gc_removes_them() {
    let moto = Moto::start();
    let (eb, sqs) = (moto.eventbridge(), moto.sqs());
    eb.create_event_bus().name("zendesk").send().await.unwrap();
    let out = run(
        moto.zdwatch(&[
            "tail",
            "--bus",
            "zendesk",
            "--no-journal",
            "--keep",
            "--idle-exit",
            "1",
        ]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    assert!(out.stderr.contains("kept rule zdwatch-"), "{}", out.stderr);
    assert_eq!(zdwatch_rules(&eb, "zendesk").await.len(), 1);
    assert_eq!(zdwatch_queues(&sqs).await.len(), 1);

    let young = run(moto.zdwatch(&["gc", "--bus", "zendesk"]), LIMIT);
    assert!(young.status.success(), "{}", young.stderr);
    assert_eq!(
        zdwatch_rules(&eb, "zendesk").await.len(),
        1,
        "younger than an hour: kept"
    );

    let dry = run(
        moto.zdwatch(&["gc", "--bus", "zendesk", "--older-than", "0s", "--dry-run"]),
        LIMIT,
    );
    assert!(
        dry.stdout_text().contains("would remove rule zdwatch-"),
        "{}",
        dry.stdout_text()
    );
    assert!(
        dry.stdout_text().contains("would remove queue"),
        "{}",
        dry.stdout_text()
    );
    assert_eq!(
        zdwatch_queues(&sqs).await.len(),
        1,
        "a dry run removes nothing"
    );

    // The command the --keep message suggests is the one that removes them.
    let advice = out
        .stderr
        .split("remove both with `")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .unwrap_or_else(|| panic!("no advice: {}", out.stderr));
    let words: Vec<&str> = advice.split_whitespace().collect();
    assert_eq!(words[0], "zdwatch", "{advice}");
    let gc = run(moto.zdwatch(&words[1..]), LIMIT);
    assert!(gc.status.success(), "{}", gc.stderr);
    assert!(zdwatch_rules(&eb, "zendesk").await.is_empty());
    assert!(zdwatch_queues(&sqs).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_attach_leaves_nothing_behind() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let out = run(
        moto.zdwatch(&[
            "tail",
            "--bus",
            "no-such-bus",
            "--no-journal",
            "--idle-exit",
            "1",
        ]),
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("bus no-such-bus"), "{}", out.stderr);
    assert!(
        zdwatch_queues(&sqs).await.is_empty(),
        "the half-made queue is removed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_monitor_on_a_bus_shows_its_events_and_cleans_up_on_quit() {
    let moto = Moto::start();
    let (eb, sqs) = (moto.eventbridge(), moto.sqs());
    eb.create_event_bus().name("zendesk").send().await.unwrap();
    let aws = [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
    ];
    let journal = common::write_capture("bus-monitor", b"").with_file_name("journal.db");
    let args = [
        "--bus",
        "zendesk",
        "--journal",
        journal.to_str().unwrap(),
        "--endpoint-url",
        moto.endpoint.as_str(),
        "--region",
        common::REGION,
    ];
    let mut pty = common::pty::Pty::spawn(&args, &aws, 120, 30);
    pty.wait_for("● zdwatch-", LIMIT);
    let entries = webhook_entries("zendesk");
    eb.put_events()
        .set_entries(Some(entries[..3].to_vec()))
        .send()
        .await
        .unwrap();
    pty.wait_for("3 events", LIMIT);
    pty.send("q");
    assert_eq!(pty.wait_exit(LIMIT), 0);
    pty.assert_terminal_restored();
    assert!(
        String::from_utf8_lossy(&pty.bytes()).contains("removed rule and queue zdwatch-"),
        "said so after the screen was given back"
    );
    assert!(zdwatch_rules(&eb, "zendesk").await.is_empty());
    assert!(zdwatch_queues(&sqs).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_since_brings_the_archive_s_history_into_the_personal_queue() {
    let moto = Moto::start();
    let (eb, sqs) = (moto.eventbridge(), moto.sqs());
    bus_with_archive(&eb, "zendesk", "zendesk-history").await;
    // History: events put before zdwatch attaches.
    let entries = webhook_entries("zendesk");
    let n = 5;
    eb.put_events()
        .set_entries(Some(entries[..n].to_vec()))
        .send()
        .await
        .unwrap();
    let out = run(
        moto.zdwatch(&[
            "tail",
            "--bus",
            "zendesk",
            "--no-journal",
            "--replay-since",
            "1h",
            // Until quiet, not a count: the replay's progress may come after its events.
            "--idle-exit",
            "3",
        ]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stderr.contains(" from archive zendesk-history into it"),
        "{}",
        out.stderr
    );
    // The replay's progress, from DescribeReplay (moto replays at once).
    assert!(out.stderr.contains(": replay completed"), "{}", out.stderr);
    assert_eq!(out.lines().len(), n, "{}", out.stderr);
    assert!(zdwatch_queues(&sqs).await.is_empty());

    // A bus without an archive: said, and reading goes on.
    eb.create_event_bus().name("plain").send().await.unwrap();
    let out = run(
        moto.zdwatch(&[
            "tail",
            "--bus",
            "plain",
            "--no-journal",
            "--replay-from",
            "2026-11-28T09:00:00Z",
            "--replay-to",
            "2026-11-28T10:00:00+01:00",
            "--idle-exit",
            "1",
        ]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    assert!(out.stderr.contains("has no archive"), "{}", out.stderr);

    // One way of saying the stretch at a time.
    let out = run(
        moto.zdwatch(&[
            "tail",
            "--bus",
            "plain",
            "--replay-since",
            "1h",
            "--replay-from",
            "2026-11-28T09:00:00Z",
        ]),
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("cannot be used with"), "{}", out.stderr);
}

/// AWS (and moto) page ListRules at 50: `gc` follows every page, and `doctor --bus` counts
/// every rule.
#[tokio::test(flavor = "multi_thread")]
async fn gc_and_doctor_see_every_page_of_rules() {
    let moto = Moto::start();
    let (eb, sqs) = (moto.eventbridge(), moto.sqs());
    eb.create_event_bus().name("busy").send().await.unwrap();
    let old = "2020-01-01T00:00:00Z";
    for i in 0..70 {
        let name = format!("zdwatch-old-{i:03}");
        eb.put_rule()
            .name(&name)
            .event_bus_name("busy")
            .event_pattern(r#"{"source": ["zendesk.webhook"]}"#)
            .tags(
                aws_sdk_eventbridge::types::Tag::builder()
                    .key("zdwatch:owner")
                    .value("someone@host")
                    .build()
                    .unwrap(),
            )
            .tags(
                aws_sdk_eventbridge::types::Tag::builder()
                    .key("zdwatch:created")
                    .value(old)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }
    let first_page = zdwatch_rules(&eb, "busy").await.len();
    assert!(
        first_page < 70,
        "moto pages ListRules ({first_page} on the first page)"
    );

    let doctor = run(moto.zdwatch(&["doctor", "--bus", "busy"]), LIMIT);
    assert!(
        doctor.stdout_text().contains("70 rules on the bus"),
        "{}",
        doctor.stdout_text()
    );

    let dry = run(
        moto.zdwatch(&["gc", "--bus", "busy", "--dry-run", "--format", "json"]),
        LIMIT,
    );
    assert!(dry.status.success(), "{}", dry.stderr);
    let doc = &dry.lines()[0];
    assert_eq!(
        (doc["command"].as_str(), doc["dry_run"].as_bool()),
        (Some("gc"), Some(true))
    );
    let actions = doc["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 70, "{doc}");
    assert!(
        actions
            .iter()
            .all(|a| a["kind"] == "rule" && a["outcome"] == "would_remove")
    );

    let gc = run(
        moto.zdwatch(&["gc", "--bus", "busy", "--older-than", "1h"]),
        LIMIT,
    );
    assert!(gc.status.success(), "{}", gc.stderr);
    let left = eb
        .list_rules()
        .event_bus_name("busy")
        .send()
        .await
        .unwrap()
        .rules
        .unwrap_or_default();
    assert!(
        left.is_empty(),
        "gc left {} rules: {}",
        left.len(),
        gc.stdout_text()
    );
    assert!(zdwatch_queues(&sqs).await.is_empty());
}

/// A bus given by ARN is used in its own region (the configured one is us-east-1); a bus of
/// another account is refused before anything is created, with the reason.
#[tokio::test(flavor = "multi_thread")]
async fn a_bus_arn_is_used_in_its_region_and_another_account_s_bus_is_explained() {
    let moto = Moto::start();
    let config = moto
        .sdk_config()
        .into_builder()
        .region(aws_config::Region::new("eu-west-1"))
        .build();
    let (eb, sqs) = (
        aws_sdk_eventbridge::Client::new(&config),
        aws_sdk_sqs::Client::new(&config),
    );
    let arn = eb
        .create_event_bus()
        .name("zendesk-eu")
        .send()
        .await
        .unwrap()
        .event_bus_arn
        .unwrap();
    assert!(arn.contains(":eu-west-1:"), "{arn}");
    let out = run(
        moto.zdwatch(&[
            "tail",
            "--bus",
            &arn,
            "--no-journal",
            "--keep",
            "--idle-exit",
            "1",
        ]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(
        zdwatch_rules(&eb, &arn).await.len(),
        1,
        "the rule is in eu-west-1"
    );
    assert_eq!(zdwatch_queues(&sqs).await.len(), 1, "and so is its queue");

    let theirs = "arn:aws:events:us-east-1:999999999999:event-bus/zendesk";
    let out = run(
        moto.zdwatch(&["tail", "--bus", theirs, "--no-journal", "--idle-exit", "1"]),
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("belongs to account 999999999999")
            && out
                .stderr
                .contains("credentials are of account 123456789012"),
        "{}",
        out.stderr
    );
    assert!(
        zdwatch_queues(&moto.sqs()).await.is_empty(),
        "nothing created"
    );
}

/// Replays as they run on AWS: at most 10 at once per account and region (a refusal for that is
/// explained and reading goes on), and a replay still running when zdwatch stops is cancelled.
#[tokio::test(flavor = "multi_thread")]
async fn a_replay_still_running_is_cancelled_and_too_many_at_once_is_explained() {
    let moto = Moto::start();
    let proxy = common::proxy::FaultProxy::start(&moto.endpoint);
    let eb = moto.eventbridge();
    bus_with_archive(&eb, "zendesk", "zendesk-history").await;
    let tail = |proxy: &common::proxy::FaultProxy| {
        let args = [
            "tail",
            "--bus",
            "zendesk",
            "--no-journal",
            "--replay-since",
            "1h",
            "--idle-exit",
            "3",
        ];
        run(common::zdwatch_via(&proxy.endpoint, &args), LIMIT)
    };

    proxy.slow_replays();
    let out = tail(&proxy);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(out.stderr.contains("replay running"), "{}", out.stderr);
    assert!(!out.stderr.contains("replay completed"), "{}", out.stderr);
    assert_eq!(
        proxy.requests_to("AWSEvents.CancelReplay"),
        1,
        "the running replay is cancelled on the way out"
    );
    assert!(
        out.stderr
            .contains("events of that first minute are replayed from archive zendesk-history at"),
        "{}",
        out.stderr
    );

    proxy.set(common::proxy::Fault::FailTarget(
        "AWSEvents.StartReplay",
        400,
        "LimitExceededException",
    ));
    let out = tail(&proxy);
    assert!(out.status.success(), "reading goes on: {}", out.stderr);
    assert!(
        out.stderr
            .contains("only so many replays at once per account and region (10)"),
        "{}",
        out.stderr
    );
    // zdwatch stopped before the first minute's replay was due: said, with the command.
    assert!(out.stderr.contains("was not replayed"), "{}", out.stderr);
    assert_eq!(
        proxy.requests_to("AWSEvents.CancelReplay"),
        1,
        "nothing to cancel"
    );
}

/// AWS can take up to a minute to apply the new queue policy and does not retry what the queue
/// refused meanwhile: with an archive on the bus, the first minute is replayed to zdwatch's rule
/// once the archive has it; stopping before then says what was missed and how to get it; without
/// an archive, that it may be missing.
#[tokio::test(flavor = "multi_thread")]
async fn the_first_minute_after_attaching_is_replayed_from_the_archive() {
    let moto = Moto::start();
    let proxy = common::proxy::FaultProxy::start(&moto.endpoint);
    let eb = moto.eventbridge();
    bus_with_archive(&eb, "zendesk", "zendesk-history").await;
    // What the bus received while the policy was not in force: in the archive, not in the queue
    // (moto applies policies at once, so here they are put before the rule exists).
    let n = 4;
    eb.put_events()
        .set_entries(Some(webhook_entries("zendesk")[..n].to_vec()))
        .send()
        .await
        .unwrap();
    let tail = |after_ms: &str, idle: &str| {
        let args = [
            "tail",
            "--bus",
            "zendesk",
            "--no-journal",
            "--idle-exit",
            idle,
        ];
        let mut cmd = common::zdwatch_via(&proxy.endpoint, &args);
        cmd.env("ZDWATCH_FIRST_MINUTE_REPLAY_AFTER_MS", after_ms);
        run(cmd, LIMIT)
    };
    let before = jiff::Timestamp::now().as_second();
    let out = tail("1500", "4");
    let after = jiff::Timestamp::now().as_second();
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("events of that first minute are replayed from archive zendesk-history at"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(": replay completed"), "{}", out.stderr);
    assert_eq!(out.lines().len(), n, "{}", out.stderr);
    assert!(!out.stderr.contains("was not replayed"), "{}", out.stderr);
    // One replay, of the stretch from attaching on, to zdwatch's rule alone, never into the future.
    let replays = proxy.requests_with("AWSEvents.StartReplay");
    assert_eq!(replays.len(), 1, "{replays:?}");
    let r = &replays[0];
    assert!(
        r["ReplayName"].as_str().unwrap().ends_with("-first-minute"),
        "{r}"
    );
    let (from, to) = (
        r["EventStartTime"].as_f64().unwrap() as i64,
        r["EventEndTime"].as_f64().unwrap() as i64,
    );
    assert!(before - 1 <= from && from <= to && to <= after, "{r}");
    let filter = r["Destination"]["FilterArns"].as_array().unwrap();
    assert_eq!(filter.len(), 1, "{r}");
    assert!(
        filter[0]
            .as_str()
            .unwrap()
            .contains(":rule/zendesk/zdwatch-"),
        "{r}"
    );

    // Stopping before it is due: nothing started, and the way to get it said.
    let out = tail("600000", "1");
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stderr.contains("was not replayed") && out.stderr.contains("--replay-from"),
        "{}",
        out.stderr
    );
    assert_eq!(proxy.requests_to("AWSEvents.StartReplay"), 1);

    // No archive: said at once.
    eb.create_event_bus().name("plain").send().await.unwrap();
    let mut cmd = common::zdwatch_via(
        &proxy.endpoint,
        &["tail", "--bus", "plain", "--no-journal", "--idle-exit", "1"],
    );
    cmd.env("ZDWATCH_FIRST_MINUTE_REPLAY_AFTER_MS", "0");
    let out = run(cmd, LIMIT);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("first minute may be missing (bus plain has no archive"),
        "{}",
        out.stderr
    );
    assert_eq!(proxy.requests_to("AWSEvents.StartReplay"), 1);
}

/// Of several archives, one that keeps every event is chosen over one with a pattern of its own,
/// and one whose pattern covers the rule's over one that keeps a part;
/// an archive with a pattern, when it is the only one, is used and said to be partial.
#[tokio::test(flavor = "multi_thread")]
async fn the_replay_prefers_an_archive_that_keeps_every_event() {
    let moto = Moto::start();
    let eb = moto.eventbridge();
    let mut arns = Vec::new();
    for bus in ["two", "one", "three"] {
        arns.push(
            eb.create_event_bus()
                .name(bus)
                .send()
                .await
                .unwrap()
                .event_bus_arn
                .unwrap(),
        );
    }
    let archive = |name: &'static str, bus: usize, pattern: Option<&'static str>| {
        eb.create_archive()
            .archive_name(name)
            .event_source_arn(&arns[bus])
            .set_event_pattern(pattern.map(str::to_string))
            .send()
    };
    archive("two-billing", 0, Some(r#"{"detail-type": ["billing"]}"#))
        .await
        .unwrap();
    archive("two-everything", 0, None).await.unwrap();
    archive("one-billing", 1, Some(r#"{"detail-type": ["billing"]}"#))
        .await
        .unwrap();
    // A pattern that keeps every Zendesk event covers the rule's; listed after a partial one.
    archive("three-billing", 2, Some(r#"{"detail-type": ["billing"]}"#))
        .await
        .unwrap();
    archive(
        "three-zendesk",
        2,
        Some(r#"{"$or": [{"source": [{"prefix": "aws.partner/"}]}, {"detail-type": [{"prefix": "zen:"}]}]}"#),
    )
    .await
    .unwrap();
    let tail = |bus: &str| {
        run(
            moto.zdwatch(&[
                "tail",
                "--bus",
                bus,
                "--no-journal",
                "--replay-since",
                "1h",
                "--idle-exit",
                "1",
            ]),
            LIMIT,
        )
    };
    let out = tail("two");
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stderr.contains("from archive two-everything into it"),
        "{}",
        out.stderr
    );
    let out = tail("three");
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "from archive three-zendesk (its pattern keeps everything the rule takes) into it"
        ),
        "{}",
        out.stderr
    );
    let out = tail("one");
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("from archive one-billing (it keeps only the events its own pattern selects"),
        "{}",
        out.stderr
    );
}
