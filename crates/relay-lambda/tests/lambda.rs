//! The relay's Lambda function, the real `bootstrap` binary, run as Lambda runs it (the runtime API
//! of tests/common/lambda_runtime.rs) against moto_server (EventBridge, SQS, Secrets Manager):
//! function URL requests in, the answers out, the event on the bus and in the debug queue.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../../tests/common/lambda_runtime.rs"]
mod lambda_runtime;
#[path = "../../../tests/common/moto.rs"]
mod moto;

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use lambda_runtime::{Outcome, RuntimeApi, function_url_event, wait_for};
use moto::{Moto, REGION};
use serde_json::Value;
use zdwatch_relay::signature::{SIGNATURE_HEADER, Secret, TIMESTAMP_HEADER, sign};

const SECRET: &str = "lambda-test-signing-secret";
const LIMIT: Duration = Duration::from_secs(60);

/// The function's process, stopped when dropped.
struct Function(Child);

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn bootstrap(api: &RuntimeApi, moto: &Moto, vars: &[(&str, &str)]) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bootstrap"));
    cmd.env_clear()
        .envs(api.environment())
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_REGION", REGION)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(vars.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.spawn().expect("start bootstrap")
}

fn webhook() -> String {
    serde_json::json!({
        "type": "zen:event-type:ticket.status_changed",
        "account_id": 22129848,
        "id": "lambda-1",
        "time": "2026-12-03T09:59:58Z",
        "zendesk_event_version": "2022-11-06",
        "subject": "zen:ticket:35436",
        "detail": {"id": "35436", "status": "SOLVED", "subject": "Refund not received"},
        "event": {"current": "SOLVED", "previous": "OPEN"}
    })
    .to_string()
}

fn signed_event(body: &str, secret: &str) -> String {
    let ts = jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let signature = sign(&Secret::new(secret), &ts, body.as_bytes());
    function_url_event(
        "POST",
        "/",
        &[
            ("content-type", "application/json"),
            (TIMESTAMP_HEADER, &ts),
            (SIGNATURE_HEADER, &signature),
        ],
        body,
    )
}

fn response(outcome: Outcome) -> Value {
    match outcome {
        Outcome::Response(text) => serde_json::from_str(&text).unwrap(),
        Outcome::Error(e) => panic!("the function failed: {e}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_lambda_function_puts_signed_webhooks_on_the_bus_and_refuses_the_rest() {
    let moto = Moto::start();
    let config = moto.sdk_config();
    let eb = aws_sdk_eventbridge::Client::new(&config);
    let sqs = aws_sdk_sqs::Client::new(&config);
    eb.create_event_bus().name("zendesk").send().await.unwrap();
    let url = sqs
        .create_queue()
        .queue_name("lambda-debug")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
        .clone();
    eb.put_rule()
        .name("debug")
        .event_bus_name("zendesk")
        .event_pattern(r#"{"source": ["zendesk.webhook"]}"#)
        .send()
        .await
        .unwrap();
    eb.put_targets()
        .rule("debug")
        .event_bus_name("zendesk")
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("q")
                .arn(arn)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    // The signing secret where the deploy template keeps it: Secrets Manager.
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    secrets
        .create_secret()
        .name("zendesk/webhook-signing-secret")
        .secret_string(SECRET)
        .send()
        .await
        .unwrap();

    let api = RuntimeApi::start();
    let _function = Function(bootstrap(
        &api,
        &moto,
        &[
            ("ZDWATCH_RELAY_BUS", "zendesk"),
            (
                "ZENDESK_WEBHOOK_SECRET_ID",
                "zendesk/webhook-signing-secret",
            ),
        ],
    ));

    let body = webhook();
    let ok = response(api.invoke(&signed_event(&body, SECRET), LIMIT));
    assert_eq!(ok["statusCode"], 200, "{ok}");
    let answer: Value = serde_json::from_str(ok["body"].as_str().unwrap()).unwrap();
    assert_eq!(answer["event_id"], "lambda-1");

    // The secret reset in Zendesk and stored again: the warm function takes it up (it reads the
    // secret again when a signature does not match), no new instance needed.
    secrets
        .put_secret_value()
        .secret_id("zendesk/webhook-signing-secret")
        .secret_string("lambda-test-rotated-secret")
        .send()
        .await
        .unwrap();
    let second = body.replace("lambda-1", "lambda-2");
    let rotated = response(api.invoke(&signed_event(&second, "lambda-test-rotated-secret"), LIMIT));
    assert_eq!(rotated["statusCode"], 200, "{rotated}");

    let wrong = response(api.invoke(&signed_event(&body, "another secret"), LIMIT));
    assert_eq!(wrong["statusCode"], 401, "{wrong}");
    let junk = response(api.invoke(
        &signed_event("not json", "lambda-test-rotated-secret"),
        LIMIT,
    ));
    assert_eq!(junk["statusCode"], 400, "{junk}");
    let health = response(api.invoke(&function_url_event("GET", "/healthz", &[], ""), LIMIT));
    assert_eq!(health["statusCode"], 200, "{health}");

    // Exactly the two signed events are on the queue, and zdwatch reads them as the webhooks they were.
    let mut bodies = Vec::new();
    for _ in 0..5 {
        let got = sqs
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        bodies.extend(
            got.messages
                .unwrap_or_default()
                .into_iter()
                .filter_map(|m| m.body),
        );
    }
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    let mut ids = Vec::new();
    for body in bodies {
        let event = zdwatch_core::event::decode(zdwatch_core::event::Received {
            body: body.into_bytes(),
            message_id: None,
            received_at: jiff::Timestamp::now(),
        });
        assert_eq!(event.format, zdwatch_core::event::Format::Webhook);
        assert_eq!(event.ticket_id, Some(35436));
        assert_eq!(event.current.as_deref(), Some("solved"));
        assert_eq!(event.envelope.source.as_deref(), Some("zendesk.webhook"));
        ids.extend(event.envelope.webhook_id);
    }
    ids.sort();
    assert_eq!(ids, ["lambda-1", "lambda-2"]);
}

/// A configuration that cannot work stops the function at start, with the reason in its log: no
/// secret, or a bus that does not exist (every event would be refused for good).
#[test]
fn a_function_without_its_secret_or_its_bus_stops_at_start_and_says_why() {
    let moto = Moto::start();
    let api = RuntimeApi::start();
    for (vars, why) in [
        (
            &[("ZDWATCH_RELAY_BUS", "zendesk")][..],
            "none of ZENDESK_WEBHOOK_SECRET_ID, ZENDESK_WEBHOOK_SECRET_PARAMETER or ZENDESK_WEBHOOK_SECRET is set",
        ),
        (
            &[
                ("ZDWATCH_RELAY_BUS", "zendesk-typo"),
                ("ZENDESK_WEBHOOK_SECRET", SECRET),
            ][..],
            "no event bus zendesk-typo",
        ),
    ] {
        let mut child = bootstrap(&api, &moto, vars);
        let exited = wait_for(LIMIT, || child.try_wait().unwrap().is_some());
        if !exited {
            let _ = child.kill();
        }
        assert!(exited, "the function kept running: {why}");
        assert!(!child.wait().unwrap().success());
        let mut out = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert!(out.contains(why), "{out}");
    }
}
