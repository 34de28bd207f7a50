//! `zdwatch doctor` against moto_server: an attached queue passes; a queue no rule targets, a
//! missing queue and a missing bus fail with a reason; connector events are pointed out.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Moto, create_queue, run, samples, send_bodies};

const LIMIT: Duration = Duration::from_secs(60);

fn line<'a>(out: &'a str, what: &str) -> &'a str {
    out.lines()
        .find(|l| l.split_whitespace().nth(1) == Some(what))
        .unwrap_or_else(|| panic!("no {what} line in:\n{out}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_attached_queue_passes_and_an_unattached_one_fails() {
    let moto = Moto::start();
    let (sqs, eb) = (moto.sqs(), moto.eventbridge());
    let url = create_queue(&sqs, "zendesk-debug").await;
    let lonely = create_queue(&sqs, "lonely").await;
    eb.create_event_bus().name("zendesk").send().await.unwrap();
    let pattern = r#"{"source": [{"prefix": ""}]}"#;
    common::route_to_queue(&eb, &sqs, "zendesk", "to-debug", pattern, &url).await;
    // A connector event and a webhook event waiting in the queue.
    let bodies: Vec<String> = samples()
        .into_iter()
        .filter(|(n, _)| n == "legacy/status_changed.json" || n == "webhook/status_changed.json")
        .map(|(_, b)| String::from_utf8(b).unwrap())
        .collect();
    send_bodies(&sqs, &url, &bodies).await;

    let out = run(moto.zdwatch(&["doctor", "--queue", "zendesk-debug"]), LIMIT);
    let text = out.stdout_text();
    assert!(out.status.success(), "{text}\n{}", out.stderr);
    for what in [
        "credentials",
        "region",
        "identity",
        "queue",
        "receive",
        "release",
    ] {
        assert!(line(&text, what).starts_with('✓'), "{what}: {text}");
    }
    // moto's account, from STS GetCallerIdentity.
    assert!(
        line(&text, "identity").contains("(account 123456789012)"),
        "{text}"
    );
    assert!(
        line(&text, "attached").contains("rule to-debug on bus zendesk"),
        "{text}"
    );
    assert!(
        line(&text, "policy").starts_with('✓')
            && line(&text, "policy").contains("rule/zendesk/to-debug"),
        "{text}"
    );
    let format = line(&text, "format");
    assert!(
        format.starts_with('!') && format.contains("1 Dec 2025"),
        "{format}"
    );
    assert!(
        line(&text, "delete").starts_with('·'),
        "not tried: it would delete"
    );
    let (visible, _) = common::queue_depth(&sqs, &url).await;
    assert_eq!(visible, 2, "doctor leaves the messages where they were");

    let out = run(moto.zdwatch(&["doctor", "--queue", &lonely]), LIMIT);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        line(&out.stdout_text(), "attached").starts_with('✗'),
        "{}",
        out.stdout_text()
    );

    // Another account's rule, admitted by the policy, cannot be seen from here: information.
    let theirs = "arn:aws:events:us-east-1:999999999999:rule/their-bus/to-us";
    common::allow_rules(&sqs, &lonely, &[theirs]).await;
    let out = run(moto.zdwatch(&["doctor", "--queue", &lonely]), LIMIT);
    let text = out.stdout_text();
    let attached = line(&text, "attached");
    assert!(
        attached.starts_with('·') && attached.contains(theirs),
        "{text}"
    );
    assert!(out.status.success(), "{text}");

    // A rule targets the queue but its policy admits no rule: deliveries would be refused.
    let bare = create_queue(&sqs, "bare").await;
    common::route_to_queue(&eb, &sqs, "zendesk", "to-bare", pattern, &bare).await;
    sqs.set_queue_attributes()
        .queue_url(&bare)
        .attributes(aws_sdk_sqs::types::QueueAttributeName::Policy, "")
        .send()
        .await
        .unwrap();
    let out = run(moto.zdwatch(&["doctor", "--queue", &bare]), LIMIT);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        line(&out.stdout_text(), "policy").starts_with('✗'),
        "{}",
        out.stdout_text()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_queue_and_bus_fail_with_a_reason() {
    let moto = Moto::start();
    let eb = moto.eventbridge();
    let out = run(moto.zdwatch(&["doctor", "--queue", "nope"]), LIMIT);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        line(&out.stdout_text(), "queue").starts_with('✗'),
        "{}",
        out.stdout_text()
    );

    let out = run(moto.zdwatch(&["doctor", "--bus", "nope"]), LIMIT);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        line(&out.stdout_text(), "bus").starts_with('✗'),
        "{}",
        out.stdout_text()
    );

    eb.create_event_bus().name("zendesk").send().await.unwrap();
    let out = run(moto.zdwatch(&["doctor", "--bus", "zendesk"]), LIMIT);
    let text = out.stdout_text();
    assert!(out.status.success(), "{text}");
    for what in ["bus", "rules", "attach"] {
        assert!(line(&text, what).starts_with('✓'), "{what}: {text}");
    }
    assert!(
        line(&text, "attach").contains("created and removed queue and rule zdwatch-"),
        "{text}"
    );
    // What it tried with is gone again.
    let sqs = moto.sqs();
    let queues = sqs
        .list_queues()
        .send()
        .await
        .unwrap()
        .queue_urls
        .unwrap_or_default();
    assert!(queues.iter().all(|q| !q.contains("zdwatch-")), "{queues:?}");
    let rules = eb
        .list_rules()
        .event_bus_name("zendesk")
        .send()
        .await
        .unwrap();
    assert!(rules.rules.unwrap_or_default().is_empty());
}

/// A FIFO queue is said so, and reading it the ways that would hold back its message groups is
/// refused or explained; `send` gives each message a group (the ticket) and a deduplication id
/// (SQS refuses a FIFO message without a group). An SSE-KMS queue with the AWS managed key
/// cannot receive from EventBridge: doctor fails it and says what to use.
#[tokio::test(flavor = "multi_thread")]
async fn fifo_and_kms_queues_are_explained() {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let moto = Moto::start();
    let sqs = moto.sqs();
    let url = sqs
        .create_queue()
        .queue_name("zd-debug.fifo")
        .attributes(A::FifoQueue, "true")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let bodies: Vec<Vec<u8>> = samples()
        .into_iter()
        .filter(|(n, _)| n.starts_with("webhook/"))
        .map(|(_, b)| b)
        .take(5)
        .collect();
    let path = common::write_capture("fifo-send", &common::capture(&bodies));
    let out = run(
        moto.zdwatch(&["send", "--to-queue", &url, "--file", path.to_str().unwrap()]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    assert!(out.stderr.contains("sent 5 events"), "{}", out.stderr);
    common::wait_total(&sqs, &url, 5).await;

    let out = run(moto.zdwatch(&["doctor", "--queue", &url]), LIMIT);
    let text = out.stdout_text();
    assert!(line(&text, "fifo").contains("FIFO queue"), "{text}");
    // The same checks as one JSON document, and the same exit code.
    let json = run(
        moto.zdwatch(&["doctor", "--queue", &url, "--format", "json"]),
        LIMIT,
    );
    assert_eq!(json.status.code(), out.status.code());
    let doc = &json.lines()[0];
    assert_eq!(doc["command"], "doctor");
    assert_eq!(doc["queue"], url.as_str());
    assert_eq!(doc["passed"], out.status.success());
    let checks = doc["checks"].as_array().unwrap();
    assert_eq!(checks.len(), text.lines().count(), "{doc}");
    let fifo = checks.iter().find(|c| c["check"] == "fifo").unwrap();
    assert_eq!(fifo["outcome"], "info");

    let out = run(
        moto.zdwatch(&[
            "tail",
            "--queue",
            &url,
            "--filter",
            "tag:vip",
            "--idle-exit",
            "1",
        ]),
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("this is a FIFO queue") && out.stderr.contains("--peek"),
        "{}",
        out.stderr
    );
    let (visible, in_flight) = common::queue_depth(&sqs, &url).await;
    assert_eq!((visible, in_flight), (5, 0), "nothing was received");

    let out = run(
        moto.zdwatch(&["tail", "--queue", &url, "--peek", "--idle-exit", "2"]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stderr.contains("FIFO queue: each peeked message"),
        "{}",
        out.stderr
    );
    assert_eq!(out.lines().len(), 5);

    let kms = sqs
        .create_queue()
        .queue_name("zd-kms")
        .attributes(A::KmsMasterKeyId, "alias/aws/sqs")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let out = run(moto.zdwatch(&["doctor", "--queue", &kms]), LIMIT);
    let text = out.stdout_text();
    let encryption = line(&text, "encryption");
    assert!(
        encryption.starts_with('✗') && encryption.contains("customer managed key"),
        "{text}"
    );
}
