//! Failing networks, end to end: `zdwatch tail` reads a real moto_server through a proxy that
//! injects faults (tests/common/proxy.rs). Whatever the network does, every event ends up in the
//! journal and on stdout exactly once, nothing is deleted before it is stored, the user is told
//! what is happening, and zdwatch recovers by itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::proxy::{Fault, FaultProxy};
use common::pty::Pty;
use common::{Moto, queue_depth, queue_with_visibility, run, send_bodies, temp_dir, zdwatch};
use zdwatch_journal::Journal;

const LIMIT: Duration = Duration::from_secs(240);

/// `n` demo bodies of seed `seed` (duplicate deliveries included, as the simulator makes them).
fn demo_bodies(n: usize, seed: u64) -> Vec<String> {
    let out = run(
        zdwatch(&[
            "demo",
            "--emit",
            &n.to_string(),
            "--seed",
            &seed.to_string(),
        ]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    out.stdout_text().lines().map(str::to_string).collect()
}

fn event_id(body: &str) -> String {
    common::decoded(body.as_bytes().to_vec()).event_id
}

/// A `zdwatch tail` run in the background, its output in files the test can read as it goes.
struct Background {
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl Background {
    fn spawn(mut cmd: Command, dir: &Path) -> Background {
        let (stdout, stderr) = (dir.join("stdout"), dir.join("stderr"));
        cmd.stdout(std::fs::File::create(&stdout).unwrap())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .stdin(Stdio::null());
        Background {
            child: cmd.spawn().expect("start zdwatch"),
            stdout,
            stderr,
        }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// The event ids of the lines written so far (a line still being written is not one yet).
    fn stdout_ids(&self) -> Vec<String> {
        let text = std::fs::read_to_string(&self.stdout).unwrap_or_default();
        let complete = text.rfind('\n').map_or("", |end| &text[..end]);
        complete
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["event_id"].as_str().unwrap().to_string()
            })
            .collect()
    }

    /// Waits until `what` holds (checked every 100 ms), failing with the stderr after `limit`.
    fn wait_until(&self, what: &str, limit: Duration, mut done: impl FnMut(&Self) -> bool) {
        let start = Instant::now();
        while !done(self) {
            assert!(
                start.elapsed() < limit,
                "waited {limit:?} for {what}; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Ctrl-C: zdwatch stops reading, finishes its acknowledgements and exits.
    fn interrupt(&self) {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn wait_exit(&mut self, limit: Duration) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(
                    status.success(),
                    "exit {status}; stderr:\n{}",
                    self.stderr()
                );
                return;
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                panic!(
                    "zdwatch still running after {limit:?}; stderr:\n{}",
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `zdwatch tail` on `url` through the proxy, journaling to `journal`.
fn tail_through(proxy: &FaultProxy, url: &str, journal: &Path, idle: &str) -> Command {
    common::zdwatch_via(
        &proxy.endpoint,
        &[
            "tail",
            "--queue",
            url,
            "--journal",
            journal.to_str().unwrap(),
            "--idle-exit",
            idle,
        ],
    )
}

/// Every event of `bodies` exactly once in the journal and on stdout, and the queue empty.
async fn assert_exactly_once(
    sqs: &aws_sdk_sqs::Client,
    url: &str,
    bodies: &[String],
    journal: &Path,
    tail: &Background,
) {
    let want: BTreeSet<String> = bodies.iter().map(|b| event_id(b)).collect();
    let stored = Journal::open_read_only(journal)
        .unwrap()
        .event_ids()
        .unwrap();
    let stored_set: BTreeSet<String> = stored.iter().cloned().collect();
    assert_eq!(stored.len(), stored_set.len(), "an event stored twice");
    assert_eq!(stored_set, want, "the journal holds every event");
    let mut printed: BTreeMap<String, usize> = BTreeMap::new();
    for id in tail.stdout_ids() {
        *printed.entry(id).or_default() += 1;
    }
    let twice: Vec<_> = printed.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "printed more than once: {twice:?}");
    assert_eq!(
        printed.keys().cloned().collect::<BTreeSet<_>>(),
        want,
        "every event printed"
    );
    // Deletes lost with the connection leave messages that come back; zdwatch deletes them then.
    let start = Instant::now();
    loop {
        let depth = queue_depth(sqs, url).await;
        if depth == (0, 0) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "queue still holds {depth:?}; stderr:\n{}",
            tail.stderr()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_dies_mid_stream_and_comes_back_and_every_event_arrives_exactly_once() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.endpoint);
    let sqs = moto.sqs();
    let url = queue_with_visibility(&sqs, "faults-restart", 3).await;
    let first = demo_bodies(150, 11);
    send_bodies(&sqs, &url, &first).await;
    let dir = temp_dir("faults-restart");
    let journal = dir.join("journal.sqlite");
    // A few requests get through; then one reaches the server and its answer is lost (a receive
    // or a delete that zdwatch never hears back from), and the server is gone.
    proxy.set(Fault::CutAfter(4));
    let mut tail = Background::spawn(tail_through(&proxy, &url, &journal, "12"), &dir);
    tail.wait_until("the cut", LIMIT, |_| proxy.fault() == Fault::Down);
    tail.wait_until("a retry that says why", LIMIT, |t| {
        t.stderr().contains("retrying")
            && (t.stderr().contains("Connection refused") || t.stderr().contains("connection"))
    });
    proxy.set(Fault::None);
    let second = demo_bodies(100, 12);
    send_bodies(&sqs, &url, &second).await;
    tail.wait_exit(LIMIT);

    assert!(proxy.injected() >= 1, "the answer to one request was lost");
    let stderr = tail.stderr();
    assert!(stderr.contains("connected"), "says it is back: {stderr}");
    let all = [first, second].concat();
    assert_exactly_once(&sqs, &url, &all, &journal, &tail).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_black_hole_times_out_says_so_and_nothing_unstored_is_deleted() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.endpoint);
    let sqs = moto.sqs();
    let url = queue_with_visibility(&sqs, "faults-black-hole", 3).await;
    let first = demo_bodies(60, 21);
    send_bodies(&sqs, &url, &first).await;
    let dir = temp_dir("faults-black-hole");
    let journal = dir.join("journal.sqlite");
    // No --idle-exit to speak of: the black hole lasts longer than any sensible one.
    let mut tail = Background::spawn(tail_through(&proxy, &url, &journal, "600"), &dir);
    let wanted: BTreeSet<String> = first.iter().map(|b| event_id(b)).collect();
    tail.wait_until("the first events", LIMIT, |t| {
        t.stdout_ids().into_iter().collect::<BTreeSet<_>>() == wanted
    });
    // Requests now hang: each must end with a timeout (bounded), shown to the user. (The long
    // poll already waiting at the server ends first, empty.)
    proxy.set(Fault::BlackHole);
    let holed = Instant::now();
    tail.wait_until("a timeout", Duration::from_secs(120), |t| {
        t.stderr().contains("timed out")
    });
    // README: a request that gets no answer ends after 30 s; the long poll already waiting (at
    // most 20 s) ends first. So the timeout shows within 50 s, give or take the polling here.
    let took = holed.elapsed();
    assert!(
        took <= Duration::from_secs(56),
        "the request timeout took {took:?}, README promises 30 s"
    );
    let second = demo_bodies(60, 22);
    send_bodies(&sqs, &url, &second).await;
    std::thread::sleep(Duration::from_secs(3));
    let stored_during = Journal::open_read_only(&journal)
        .unwrap()
        .event_ids()
        .unwrap()
        .len();
    // The second wave is still there (and deletes of the first that the hole swallowed leave
    // those messages to come back, to be recognised as duplicates later).
    let (visible, in_flight) = queue_depth(&sqs, &url).await;
    assert!(
        visible + in_flight >= second.len() as u64,
        "{visible} + {in_flight}"
    );
    assert_eq!(stored_during, wanted.len(), "nothing got through the hole");
    proxy.set(Fault::None);
    let all_ids: BTreeSet<String> = first.iter().chain(&second).map(|b| event_id(b)).collect();
    tail.wait_until("every event", LIMIT, |t| {
        t.stdout_ids().into_iter().collect::<BTreeSet<_>>() == all_ids
    });
    tail.interrupt();
    tail.wait_exit(LIMIT);
    assert!(proxy.injected() >= 1);
    let all = [first, second].concat();
    assert_exactly_once(&sqs, &url, &all, &journal, &tail).await;
}

/// `--idle-exit` means a quiet queue, not a slow server: long polls wait no longer than the idle
/// time, and with every answer later than it, `tail` waits for them (once, it ended at its idle time with the receive in flight, and
/// what that receive took stayed hidden for the visibility timeout, unread).
#[tokio::test(flavor = "multi_thread")]
async fn a_server_slower_than_idle_exit_is_waited_for_not_taken_for_a_quiet_queue() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.endpoint);
    let sqs = moto.sqs();
    let url = queue_with_visibility(&sqs, "faults-slow", 30).await;
    let bodies = demo_bodies(40, 41);
    send_bodies(&sqs, &url, &bodies).await;
    let dir = temp_dir("faults-slow");
    let journal = dir.join("journal.sqlite");
    proxy.set(Fault::Slow(Duration::from_secs(3)));
    let mut tail = Background::spawn(tail_through(&proxy, &url, &journal, "1"), &dir);
    tail.wait_exit(LIMIT);
    assert!(proxy.injected() >= 1, "the requests were held");
    // A long poll waits no longer than the idle time, so a quiet queue answers within it.
    assert_eq!(proxy.longest_receive_wait(), 1, "{}", tail.stderr());
    proxy.set(Fault::None);
    assert_exactly_once(&sqs, &url, &bodies, &journal, &tail).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_and_server_errors_back_off_visibly_and_recover() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.endpoint);
    let sqs = moto.sqs();
    let url = queue_with_visibility(&sqs, "faults-throttled", 5).await;
    let bodies = demo_bodies(120, 31);
    send_bodies(&sqs, &url, &bodies).await;
    let dir = temp_dir("faults-throttled");
    let journal = dir.join("journal.sqlite");
    let throttled = (400, "ThrottlingException");
    let unavailable = (503, "ServiceUnavailable");
    // Five failures in a row: waits of up to 0.5 + 1 + 2 + 4 + 8 s, then --idle-exit's 20 s.
    proxy.set(Fault::Fail(vec![
        throttled,
        throttled,
        throttled,
        unavailable,
        unavailable,
    ]));
    let mut tail = Background::spawn(tail_through(&proxy, &url, &journal, "20"), &dir);
    tail.wait_exit(LIMIT);
    let stderr = tail.stderr();
    assert_eq!(
        proxy.fault(),
        Fault::None,
        "every injected error was met:\n{stderr}"
    );
    assert_eq!(
        count(&stderr, "retrying in"),
        proxy.injected(),
        "every failed request is shown (no silent retries):\n{stderr}"
    );
    assert!(count(&stderr, "ThrottlingException") >= 3, "{stderr}");
    assert!(
        stderr.contains("backs off"),
        "the hint says what happens: {stderr}"
    );
    assert!(count(&stderr, "ServiceUnavailable") >= 2, "{stderr}");
    assert!(
        stderr.contains("failure 2 in a row"),
        "the counter grows while failures go on: {stderr}"
    );
    // Backoff: consecutive waits grow (with jitter, each within its doubling bound).
    let waits: Vec<f64> = stderr
        .lines()
        .filter(|l| l.contains("ThrottlingException"))
        .filter_map(|l| {
            l.split("retrying in ")
                .nth(1)?
                .split('s')
                .next()?
                .parse()
                .ok()
        })
        .collect();
    assert!(waits.iter().all(|w| *w <= 30.0), "{waits:?}");
    // Each wait lies within its step: failure n waits between half and all of 0.5 s × 2^(n-1)
    // (equal jitter; shown to a tenth of a second).
    let steps: Vec<(u32, f64)> = stderr
        .lines()
        .filter_map(|l| {
            let wait: f64 = l
                .split("retrying in ")
                .nth(1)?
                .split('s')
                .next()?
                .parse()
                .ok()?;
            let n: u32 = l
                .split("(failure ")
                .nth(1)?
                .split(' ')
                .next()?
                .parse()
                .ok()?;
            Some((n, wait))
        })
        .collect();
    assert_eq!(steps.len(), 5, "{stderr}");
    for (n, wait) in &steps {
        let ceiling = 0.5 * f64::from(1u32 << (n - 1));
        assert!(
            *wait >= ceiling / 2.0 - 0.05 && *wait <= ceiling + 0.05,
            "failure {n} waited {wait} s, want {}..={ceiling} s:\n{stderr}",
            ceiling / 2.0
        );
    }
    assert_eq!(
        steps.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5],
        "one poller, five failures in a row: {stderr}"
    );
    assert_exactly_once(&sqs, &url, &bodies, &journal, &tail).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_credentials_are_explained_and_fresh_ones_picked_up_without_a_restart() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.endpoint);
    let sqs = moto.sqs();
    let url = queue_with_visibility(&sqs, "faults-expired", 5).await;
    let bodies = demo_bodies(80, 41);
    send_bodies(&sqs, &url, &bodies).await;
    let dir = temp_dir("faults-expired");
    let journal = dir.join("journal.sqlite");
    // Short-lived session credentials in a credentials file, as `aws sso login` or a
    // credential helper leaves them.
    let credentials = dir.join("credentials");
    let write_credentials = |key: &str| {
        std::fs::write(
            &credentials,
            format!(
                "[default]\naws_access_key_id = {key}\naws_secret_access_key = secret\naws_session_token = token-of-{key}\n"
            ),
        )
        .unwrap()
    };
    write_credentials("ASIAOLDSESSION");
    proxy.set(Fault::ExpiredKey("ASIAOLDSESSION".into()));
    let mut cmd = tail_through(&proxy, &url, &journal, "600");
    cmd.env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials);
    let mut tail = Background::spawn(cmd, &dir);
    tail.wait_until("the expiry explained", LIMIT, |t| {
        t.stderr().contains("expired")
    });
    let stderr = tail.stderr();
    assert!(
        stderr.contains("aws sso login"),
        "says what to do: {stderr}"
    );
    assert!(
        tail.stdout_ids().is_empty(),
        "nothing read with expired credentials"
    );
    // Wait for a second refused request (zdwatch keeps trying), then nothing must have been read.
    tail.wait_until("a second try", LIMIT, |_| proxy.injected() >= 2);
    assert!(tail.stdout_ids().is_empty());

    write_credentials("ASIANEWSESSION");
    let all_ids: BTreeSet<String> = bodies.iter().map(|b| event_id(b)).collect();
    tail.wait_until("every event", LIMIT, |t| {
        t.stdout_ids().into_iter().collect::<BTreeSet<_>>() == all_ids
    });
    tail.interrupt();
    tail.wait_exit(LIMIT);
    assert_exactly_once(&sqs, &url, &bodies, &journal, &tail).await;
    assert!(tail.stderr().contains("connected"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_monitor_shows_the_outage_and_the_recovery() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.endpoint);
    let sqs = moto.sqs();
    let url = queue_with_visibility(&sqs, "faults-monitor", 5).await;
    let bodies = demo_bodies(40, 51);
    send_bodies(&sqs, &url, &bodies).await;
    let dir = temp_dir("faults-monitor");
    let journal = dir.join("journal.sqlite");
    proxy.set(Fault::Down);
    let args = [
        "--queue",
        url.as_str(),
        "--endpoint-url",
        proxy.endpoint.as_str(),
        "--region",
        common::REGION,
        "--journal",
        journal.to_str().unwrap(),
    ];
    let aws = [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
    ];
    let mut pty = Pty::spawn(&args, &aws, 160, 30);
    let wait = Duration::from_secs(60);
    pty.wait_for("⟳ faults-monitor retrying in", wait);
    pty.wait_for("failed): ", wait);
    pty.wait_for("cannot reach the SQS endpoint", wait);
    proxy.set(Fault::None);
    pty.wait_for("● faults-monitor", wait);
    let unique: BTreeSet<String> = bodies.iter().map(|b| event_id(b)).collect();
    pty.wait_for(&format!("{} events", unique.len()), wait);
    pty.send("\t");
    pty.wait_for("throttled", wait);
    pty.send("q");
    pty.send("q");
    assert_eq!(pty.wait_exit(wait), 0);
    pty.assert_terminal_restored();
}

/// An SSE-KMS queue whose key refuses is explained as a KMS problem (the typed KmsDisabled,
/// KmsAccessDenied… errors of ReceiveMessage), not as a missing SQS permission.
#[tokio::test(flavor = "multi_thread")]
async fn a_refusing_kms_key_is_named_as_the_problem() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.endpoint);
    let sqs = moto.sqs();
    let url = queue_with_visibility(&sqs, "faults-kms", 5).await;
    let bodies = demo_bodies(10, 7);
    send_bodies(&sqs, &url, &bodies).await;
    let dir = temp_dir("faults-kms");
    let journal = dir.join("journal.sqlite");
    proxy.set(Fault::Fail(vec![
        (400, "KMS.DisabledException"),
        (400, "KMS.AccessDeniedException"),
    ]));
    let mut tail = Background::spawn(tail_through(&proxy, &url, &journal, "5"), &dir);
    tail.wait_exit(LIMIT);
    let stderr = tail.stderr();
    assert_eq!(proxy.fault(), Fault::None, "{stderr}");
    assert!(
        stderr.contains("KMS.DisabledException") && stderr.contains("KMS key that refuses"),
        "{stderr}"
    );
    assert!(!stderr.contains("lack an SQS permission"), "{stderr}");
    assert_exactly_once(&sqs, &url, &bodies, &journal, &tail).await;
}
