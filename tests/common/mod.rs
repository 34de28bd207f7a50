//! Test harness: a real moto_server (SQS + EventBridge over HTTP) on a free 127.0.0.1 port
//! (moto.rs), AWS SDK clients pointed at it, and a runner for the built `zdwatch` binary.
//! Without moto the tests fail and say how to install it; they never skip.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod filters;
pub mod moto;
pub mod personal;
pub mod proxy;
pub mod pty;
pub mod screens;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub use moto::{Moto, REGION};

impl Moto {
    /// `zdwatch ARGS` against this server, with test credentials and no host AWS config.
    pub fn zdwatch(&self, args: &[&str]) -> Command {
        zdwatch_via(&self.endpoint, args)
    }
}

/// `zdwatch ARGS` against `endpoint` (moto, or the fault proxy in front of it), with test
/// credentials and no host AWS config.
pub fn zdwatch_via(endpoint: &str, args: &[&str]) -> Command {
    let mut cmd = zdwatch(args);
    cmd.args(["--endpoint-url", endpoint, "--region", REGION])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing");
    cmd
}

/// The built binary with a clean AWS environment (nothing from the host's profiles or instance metadata).
pub fn zdwatch(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zdwatch"));
    cmd.args(args)
        .env_remove("ZDWATCH_MASK")
        .env_remove("ZDWATCH_ZENDESK_SUBDOMAIN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("ZDWATCH_LOG")
        .env_remove("ZENDESK_WEBHOOK_SECRET")
        .env("AWS_CONFIG_FILE", "/nonexistent/zdwatch-test-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/zdwatch-test-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("XDG_DATA_HOME", data_home())
        .env_remove("ZDWATCH_CONFIG")
        .env("XDG_CONFIG_HOME", config_home())
        .env("XDG_STATE_HOME", state_home())
        .stdin(Stdio::null());
    cmd
}

/// The config directory the binary sees in tests: empty unless a test writes a config there
/// (never the user's own config).
pub fn config_home() -> PathBuf {
    own_temp("config")
}

/// The state directory the binary sees in tests: the monitor's daily logs go there, never into
/// the real `~/.local/state`.
pub fn state_home() -> PathBuf {
    own_temp("state")
}

/// The data directory the binary sees in tests (default journals go there, never in the real home).
pub fn data_home() -> PathBuf {
    own_temp("data")
}

pub struct Run {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn lines(&self) -> Vec<serde_json::Value> {
        self.stdout_text()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect()
    }
}

/// Runs a command to completion, killing it (and failing the test) after `limit`.
pub fn run(mut cmd: Command, limit: Duration) -> Run {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start zdwatch");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = String::new();
        let _ = stderr.read_to_string(&mut buf);
        buf
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            let stderr = err.join().unwrap_or_default();
            panic!("zdwatch did not finish within {limit:?}; stderr:\n{stderr}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Run {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

pub fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples")
}

/// Every sample body, by relative path, in a stable order.
pub fn samples() -> Vec<(String, Vec<u8>)> {
    let mut all = Vec::new();
    let root = samples_dir();
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|d| d.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|f| f.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            let rel = f
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            all.push((rel, std::fs::read(&f).unwrap()));
        }
    }
    all
}

/// `zdwatch-test-<this process>-<name>` in the temporary directory. The first call also removes
/// what test processes that have ended left there (a test cannot clean up after a panic, and the
/// harness has no "after all tests").
pub fn own_temp(name: &str) -> PathBuf {
    static SWEEP: std::sync::Once = std::sync::Once::new();
    let tmp = std::env::temp_dir();
    SWEEP.call_once(|| sweep_ended(&tmp, "zdwatch-test-"));
    tmp.join(format!("zdwatch-test-{}-{name}", std::process::id()))
}

/// Removes `<prefix><pid>-…` entries of `dir` whose process no longer runs (Linux: no /proc/<pid>).
pub fn sweep_ended(dir: &Path, prefix: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Writes `bytes` to `capture.ndjson` in a directory of this test process named `name`.
pub fn write_capture(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = own_temp(name);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("capture.ndjson");
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A capture file (one body per line, JSON line breaks folded) of the given bodies.
pub fn capture(bodies: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for body in bodies {
        let flat: Vec<u8> = body
            .iter()
            .map(|b| if *b == b'\n' || *b == b'\r' { b' ' } else { *b })
            .collect();
        out.extend_from_slice(flat.trim_ascii());
        out.push(b'\n');
    }
    out
}

/// An empty directory of this test process.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = own_temp(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A queue whose in-flight messages come back after `visibility` seconds.
pub async fn queue_with_visibility(
    sqs: &aws_sdk_sqs::Client,
    name: &str,
    visibility: u32,
) -> String {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    sqs.create_queue()
        .queue_name(name)
        .attributes(A::VisibilityTimeout, visibility.to_string())
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap()
}

/// Creates a queue and returns its URL.
pub async fn create_queue(sqs: &aws_sdk_sqs::Client, name: &str) -> String {
    sqs.create_queue()
        .queue_name(name)
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("queue url")
}

/// Visible + in-flight messages in a queue.
pub async fn queue_depth(sqs: &aws_sdk_sqs::Client, url: &str) -> (u64, u64) {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let out = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(A::ApproximateNumberOfMessages)
        .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .expect("queue attributes");
    let attrs = out.attributes.unwrap_or_default();
    let get = |k: &A| attrs.get(k).and_then(|v| v.parse().ok()).unwrap_or(0);
    (
        get(&A::ApproximateNumberOfMessages),
        get(&A::ApproximateNumberOfMessagesNotVisible),
    )
}

/// Receives and deletes everything on a queue (until two empty receives in a row); the bodies.
pub async fn drain_bodies(sqs: &aws_sdk_sqs::Client, url: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut empty = 0;
    while empty < 2 {
        let messages = take_some(sqs, url).await;
        if messages.is_empty() {
            empty += 1;
            continue;
        }
        empty = 0;
        out.extend(messages.into_iter().map(String::into_bytes));
    }
    out
}

/// One receive of up to ten messages (waiting a second at most), each deleted; their bodies.
pub async fn take_some(sqs: &aws_sdk_sqs::Client, url: &str) -> Vec<String> {
    let got = sqs
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .wait_time_seconds(1)
        .send()
        .await
        .expect("receive");
    let mut bodies = Vec::new();
    for m in got.messages.unwrap_or_default() {
        sqs.delete_message()
            .queue_url(url)
            .receipt_handle(m.receipt_handle.unwrap_or_default())
            .send()
            .await
            .expect("delete");
        bodies.push(m.body.unwrap_or_default());
    }
    bodies
}

pub async fn send_bodies(sqs: &aws_sdk_sqs::Client, url: &str, bodies: &[String]) {
    for chunk in bodies.chunks(10) {
        let entries = chunk.iter().enumerate().map(|(i, b)| {
            aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .message_body(b)
                .build()
                .unwrap()
        });
        let out = sqs
            .send_message_batch()
            .queue_url(url)
            .set_entries(Some(entries.collect()))
            .send()
            .await
            .expect("send");
        assert!(out.failed.is_empty(), "send failed: {:?}", out.failed);
    }
}

/// A queue's ARN (for rule targets).
pub async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> String {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    sqs.get_queue_attributes()
        .queue_url(url)
        .attribute_names(A::QueueArn)
        .send()
        .await
        .expect("queue attributes")
        .attributes
        .and_then(|mut a| a.remove(&A::QueueArn))
        .expect("queue ARN")
}

/// Waits until the queue holds `total` messages, visible or in flight (fails after a minute).
pub async fn wait_total(sqs: &aws_sdk_sqs::Client, url: &str, total: u64) {
    let start = Instant::now();
    loop {
        let (visible, in_flight) = queue_depth(sqs, url).await;
        if visible + in_flight == total {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "queue holds {visible} + {in_flight} in flight, want {total}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A rule named `rule` on `bus` with `pattern`, whose target is the queue at `url`: how a debug
/// queue is attached to a bus.
pub async fn route_to_queue(
    eb: &aws_sdk_eventbridge::Client,
    sqs: &aws_sdk_sqs::Client,
    bus: &str,
    rule: &str,
    pattern: &str,
    url: &str,
) {
    let rule_arn = eb
        .put_rule()
        .name(rule)
        .event_bus_name(bus)
        .event_pattern(pattern)
        .send()
        .await
        .expect("put rule")
        .rule_arn
        .expect("rule arn");
    let arn = queue_arn(sqs, url).await;
    // As on AWS, the queue's policy must let the rule send (moto delivers without it).
    allow_rules(sqs, url, &[rule_arn.as_str()]).await;
    let target = aws_sdk_eventbridge::types::Target::builder()
        .id("q")
        .arn(arn)
        .build()
        .expect("target");
    eb.put_targets()
        .rule(rule)
        .event_bus_name(bus)
        .targets(target)
        .send()
        .await
        .expect("put targets");
}

/// Sets the queue's policy to let EventBridge send for these rules (ARNs), as AWS requires.
pub async fn allow_rules(sqs: &aws_sdk_sqs::Client, url: &str, rules: &[&str]) {
    let arn = queue_arn(sqs, url).await;
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": rules}}
        }]
    });
    sqs.set_queue_attributes()
        .queue_url(url)
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::Policy,
            policy.to_string(),
        )
        .send()
        .await
        .expect("set queue policy");
}

/// The one test-event builder: a body decoded as if it arrived at `at` without an SQS message id
/// (so that its event id comes from the body alone).
pub fn decoded_at(
    body: impl Into<Vec<u8>>,
    at: jiff::Timestamp,
) -> zdwatch_core::event::TicketEvent {
    zdwatch_core::event::decode(zdwatch_core::event::Received {
        body: body.into(),
        message_id: None,
        received_at: at,
    })
}

/// [`decoded_at`] now.
pub fn decoded(body: impl Into<Vec<u8>>) -> zdwatch_core::event::TicketEvent {
    decoded_at(body, jiff::Timestamp::now())
}
