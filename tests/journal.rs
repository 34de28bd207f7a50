//! The journal end to end: real zdwatch processes, a real moto_server, SQLite files on disk.
//! Nothing is deleted from a queue before its event is committed, whatever happens to the
//! process (SIGKILL at random moments), the disk (full), the path (unwritable) or the file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::pty::Pty;
use common::{
    Moto, queue_depth, queue_with_visibility, run, samples, send_bodies, temp_dir, write_capture,
    zdwatch,
};
use jiff::{SignedDuration, Timestamp};
use rand::{Rng, SeedableRng};
use zdwatch_journal::Journal;

const LIMIT: Duration = Duration::from_secs(120);

async fn wait_total(sqs: &aws_sdk_sqs::Client, url: &str, total: u64, limit: Duration) {
    let start = Instant::now();
    loop {
        let (v, f) = queue_depth(sqs, url).await;
        if v + f == total {
            return;
        }
        assert!(
            start.elapsed() < limit,
            "queue holds {v} + {f} in flight, want {total}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The event ids the decoder gives these bodies: what the journal must end up holding.
fn unique_ids(bodies: &[String]) -> BTreeSet<String> {
    bodies
        .iter()
        .map(|b| common::decoded(b.clone().into_bytes()).event_id)
        .collect()
}

fn journal_ids(path: &Path) -> BTreeSet<String> {
    Journal::open_read_only(path)
        .unwrap()
        .event_ids()
        .unwrap()
        .into_iter()
        .collect()
}

/// Sample bodies that carry an event id of their own (a body without one is keyed by its SQS
/// message id, which a local decode cannot know).
fn ticket_texts() -> Vec<String> {
    samples()
        .into_iter()
        .filter(|(n, _)| {
            n.starts_with("legacy/") || n.starts_with("webhook/") || n.starts_with("envelopes/")
        })
        .map(|(_, b)| String::from_utf8(b).unwrap())
        .filter(|t| {
            !unique_ids(std::slice::from_ref(t))
                .iter()
                .all(|id| id.starts_with("xxh3:"))
        })
        .collect()
}

fn moto_tail(moto: &Moto, url: &str, extra: &[&str]) -> Command {
    let mut args = vec!["tail", "--queue", url];
    args.extend_from_slice(extra);
    moto.zdwatch(&args)
}

#[tokio::test(flavor = "multi_thread")]
async fn tail_stores_every_event_before_deleting_and_the_journal_reads_back() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let url = queue_with_visibility(&sqs, "journal-roundtrip", 30).await;
    let mut bodies = ticket_texts();
    bodies.extend(bodies[..5].to_vec()); // redeliveries
    send_bodies(&sqs, &url, &bodies).await;
    let dir = temp_dir("journal-roundtrip");
    // A name that says nothing: the journal is recognised by its content.
    let journal = dir.join("events.txt");
    let out = run(
        moto_tail(
            &moto,
            &url,
            &["--journal", journal.to_str().unwrap(), "--idle-exit", "3"],
        ),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    wait_total(&sqs, &url, 0, LIMIT).await;
    let want = unique_ids(&bodies);
    assert_eq!(journal_ids(&journal), want);

    let again = run(
        zdwatch(&[
            "tail",
            "--file",
            journal.to_str().unwrap(),
            "--format",
            "ndjson",
        ]),
        LIMIT,
    );
    assert!(again.status.success(), "{}", again.stderr);
    let read: BTreeSet<String> = again
        .lines()
        .iter()
        .map(|l| l["event_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(read, want, "tail --file JOURNAL gives back the same events");
}

/// Past its first 1,000 bodies a journal stores bodies compressed (schema 4), also when they come
/// from several short runs (the dictionary is then learnt from the bodies already stored): `tail`
/// consumes a queue fed in waves, one run a wave, and `export --format raw` gives every stored
/// body back byte for byte.
#[tokio::test(flavor = "multi_thread")]
async fn bodies_stored_by_short_runs_are_compressed_and_export_gives_them_back_as_they_came() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    // A short visibility timeout: a run that ends while moto answers a receive leaves those
    // messages in flight (they come back after it, and the next run takes them).
    let url = queue_with_visibility(&sqs, "journal-packed", 3).await;
    let journal = temp_dir("journal-packed").join("journal.db");
    let bodies = demo_bodies(21, 1300);
    // In waves: moto slows down sharply once a queue holds more than about a thousand messages.
    for wave in bodies.chunks(260) {
        send_bodies(&sqs, &url, wave).await;
        for _ in 0..10 {
            let out = run(
                moto_tail(
                    &moto,
                    &url,
                    &["--journal", journal.to_str().unwrap(), "--idle-exit", "2"],
                ),
                LIMIT,
            );
            assert!(out.status.success(), "{}", out.stderr);
            if queue_depth(&sqs, &url).await == (0, 0) {
                break;
            }
            tokio::time::sleep(Duration::from_secs(4)).await;
        }
        wait_total(&sqs, &url, 0, Duration::from_secs(1)).await;
    }
    let db = rusqlite::Connection::open(&journal).unwrap();
    let (packed, dictionaries): (i64, i64) = db
        .query_row(
            "SELECT count(*), (SELECT count(*) FROM dictionaries) FROM events
             WHERE raw_dictionary IS NOT NULL",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(dictionaries, 1);
    assert!(packed >= 260, "{packed} bodies compressed");
    assert_eq!(journal_ids(&journal), unique_ids(&bodies));
    let export = run(
        zdwatch(&[
            "export",
            "--file",
            journal.to_str().unwrap(),
            "--format",
            "raw",
            "--raw-bytes",
        ]),
        LIMIT,
    );
    assert!(export.status.success(), "{}", export.stderr);
    let sent: BTreeSet<&str> = bodies.iter().map(String::as_str).collect();
    let stdout = String::from_utf8(export.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len() as u64, journal_count(&journal));
    for line in &lines {
        assert!(
            sent.contains(line),
            "a body exported as it was not sent: {line}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_journal_stops_deletion_and_says_why() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let url = queue_with_visibility(&sqs, "journal-full", 30).await;
    let bodies = ticket_texts();
    send_bodies(&sqs, &url, &bodies).await;
    let journal = temp_dir("journal-full").join("j.db");
    let args = [
        "--journal",
        journal.to_str().unwrap(),
        "--journal-max-mb",
        "0",
        "--idle-exit",
        "3",
    ];
    let out = run(moto_tail(&moto, &url, &args), LIMIT);
    assert!(out.stderr.contains("journal (full)"), "{}", out.stderr);
    assert!(out.stderr.contains("no longer deletes"), "{}", out.stderr);
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    // Every message is still there (visible or coming back), none was deleted.
    wait_total(&sqs, &url, bodies.len() as u64, LIMIT).await;
}

/// Unmounts the tmpfs when the test ends, whatever happened.
struct Mounted(std::path::PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// A real full filesystem, not a size limit: a 192 KB tmpfs (mounting needs root, as CI runs).
/// The journal fills up part way; tail says so and exits 1, and every event whose message left
/// the queue is in the journal.
#[tokio::test(flavor = "multi_thread")]
async fn a_full_filesystem_stops_deletion_and_says_why() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let url = queue_with_visibility(&sqs, "journal-disk-full", 2).await;
    let bodies = demo_bodies(99, 300);
    send_bodies(&sqs, &url, &bodies).await;
    let mount = temp_dir("journal-disk-full").join("mnt");
    std::fs::create_dir_all(&mount).unwrap();
    let status = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=192k", "tmpfs"])
        .arg(&mount)
        .status();
    assert!(
        status.as_ref().is_ok_and(|s| s.success()),
        "mounting a 192 KB tmpfs for the full-disk test needs root (CI runs as root): {status:?}"
    );
    let _mounted = Mounted(mount.clone());
    let journal = mount.join("j.db");
    let out = run(
        moto_tail(
            &moto,
            &url,
            &["--journal", journal.to_str().unwrap(), "--idle-exit", "3"],
        ),
        LIMIT,
    );
    assert!(out.stderr.contains("journal (full)"), "{}", out.stderr);
    assert!(out.stderr.contains("no longer deletes"), "{}", out.stderr);
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    let stored = journal_ids(&journal);
    let all = unique_ids(&bodies);
    assert!(
        !stored.is_empty() && stored.len() < all.len(),
        "the disk filled part way: {} of {} stored",
        stored.len(),
        all.len()
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let left = drain_ids(&sqs, &url).await;
    let lost: Vec<&String> = all
        .iter()
        .filter(|id| !stored.contains(*id) && !left.contains(*id))
        .collect();
    assert!(lost.is_empty(), "deleted but not stored: {lost:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unwritable_journal_path_is_refused_before_anything_is_deleted() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let url = queue_with_visibility(&sqs, "journal-unwritable", 30).await;
    let bodies = ticket_texts();
    send_bodies(&sqs, &url, &bodies).await;
    // Under a regular file: no directory can be made there, not even by root.
    let file = write_capture("journal-unwritable", b"x");
    let journal = file.join("sub").join("j.db");
    let out = run(
        moto_tail(
            &moto,
            &url,
            &["--journal", journal.to_str().unwrap(), "--idle-exit", "3"],
        ),
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("cannot open the journal"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("--peek"),
        "says what to do instead: {}",
        out.stderr
    );
    wait_total(&sqs, &url, bodies.len() as u64, LIMIT).await;
}

#[test]
fn corrupt_and_foreign_databases_are_clear_errors() {
    let dir = temp_dir("journal-corrupt");
    let corrupt = dir.join("corrupt.db");
    let mut bytes = b"SQLite format 3\0".to_vec();
    bytes.extend(std::iter::repeat_n(0xA5u8, 8192));
    std::fs::write(&corrupt, bytes).unwrap();
    let out = run(
        zdwatch(&["tail", "--file", corrupt.to_str().unwrap()]),
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("corrupt.db"), "{}", out.stderr);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);

    let foreign = dir.join("music.db");
    let _ = std::fs::remove_file(&foreign);
    let c = rusqlite::Connection::open(&foreign).unwrap();
    c.execute_batch("CREATE TABLE songs (title TEXT); INSERT INTO songs VALUES ('x');")
        .unwrap();
    drop(c);
    let out = run(
        zdwatch(&["tail", "--file", foreign.to_str().unwrap()]),
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("not a zdwatch journal"),
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_share_one_journal_safely() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let (a, b) = (
        queue_with_visibility(&sqs, "journal-share-a", 30).await,
        queue_with_visibility(&sqs, "journal-share-b", 30).await,
    );
    let bodies = demo_bodies(11, 400);
    let (first, second) = bodies.split_at(200);
    send_bodies(&sqs, &a, first).await;
    send_bodies(&sqs, &b, second).await;
    let journal = temp_dir("journal-share").join("shared.db");
    let j = journal.to_str().unwrap();
    let spawn = |url: &str| {
        moto_tail(
            &moto,
            url,
            &["--journal", j, "--idle-exit", "3", "--format", "raw"],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
    };
    let (pa, pb) = (spawn(&a), spawn(&b));
    let (oa, ob) = (
        pa.wait_with_output().unwrap(),
        pb.wait_with_output().unwrap(),
    );
    assert!(
        oa.status.success(),
        "{}",
        String::from_utf8_lossy(&oa.stderr)
    );
    assert!(
        ob.status.success(),
        "{}",
        String::from_utf8_lossy(&ob.stderr)
    );
    wait_total(&sqs, &a, 0, LIMIT).await;
    wait_total(&sqs, &b, 0, LIMIT).await;
    assert_eq!(journal_ids(&journal), unique_ids(&bodies));
    let c = rusqlite::Connection::open(&journal).unwrap();
    let check: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

/// A journal written directly with `n` decoded demo events; returns the events.
fn journal_of_demo(path: &Path, seed: u64, n: usize) -> Vec<zdwatch_core::event::TicketEvent> {
    let events: Vec<_> = demo_bodies(seed, n)
        .into_iter()
        .map(|b| common::decoded(b.into_bytes()))
        .collect();
    let mut journal = Journal::open(path).unwrap();
    journal.append("demo", &events).unwrap();
    events
}

/// A reopened journal's compressed bodies are held as they are (the store takes the journal's
/// dictionary over instead of compressing every body again), and each event comes back with its
/// body and message id as they arrived.
#[test]
fn a_reopened_journal_s_compressed_bodies_are_held_as_they_are_and_come_back_as_they_came() {
    use common::screens::now;
    let path = temp_dir("reopen-packed").join("journal.db");
    let events: Vec<_> = demo_bodies(11, 2500)
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            zdwatch_core::event::decode(zdwatch_core::event::Received {
                body: b.into_bytes(),
                message_id: Some(format!("{i:08}-4a2b-4c3d-8e4f-5a6b7c8d9e0f")),
                received_at: now(),
            })
        })
        .collect();
    let mut journal = Journal::open(&path).unwrap();
    for chunk in events.chunks(500) {
        journal.append("demo", chunk).unwrap();
    }
    let stored = journal.count().unwrap();
    drop(journal);
    let mut journals = zdwatch_journal::Journals::default();
    journals.add(0, "demo", &path).unwrap();
    // As the monitor does, the store takes the journal's dictionary over before the history is
    // read; without that, it takes over the one the first compressed row names.
    for adopt_first in [true, false] {
        reopen_and_check(&journals, &events, stored, adopt_first);
    }
}

fn reopen_and_check(
    journals: &zdwatch_journal::Journals,
    events: &[zdwatch_core::event::TicketEvent],
    stored: u64,
    adopt_first: bool,
) {
    use common::screens::{config, now};
    use zdwatch_journal::Body;
    let mut app =
        zdwatch::app::App::new(config(zdwatch_sources::Delivery::Peek), "", now()).unwrap();
    if adopt_first {
        let dictionary = journals.dictionary().unwrap().expect("a dictionary");
        assert!(app.adopt_dictionary(&dictionary));
    }
    let mut history = Vec::new();
    journals
        .recent_each(Timestamp::UNIX_EPOCH, 10_000, 512, |s| history.extend(s))
        .unwrap();
    let packed: Vec<_> = history
        .iter()
        .filter_map(|h| match &h.body {
            Body::Packed { dictionary, .. } => Some(dictionary.clone()),
            Body::Raw(_) => None,
        })
        .collect();
    assert!(packed.len() > 1000, "{} rows compressed", packed.len());
    app.load_history(history);
    let store = app.store();
    assert!(
        store.uses_dictionary(&packed[0]),
        "the store holds the journal's bytes"
    );
    // The first delivery of an event is the one stored (the demo delivers some twice).
    let mut by_id = std::collections::HashMap::new();
    for e in events {
        by_id.entry(e.event_id.as_str()).or_insert(e);
    }
    let mut held = 0;
    for seq in store.first_seq()..store.next_seq() {
        let Some(e) = store.get(seq) else { continue };
        let want = by_id[e.event_id.as_str()];
        assert!(
            e.raw == want.raw,
            "{}: {}",
            e.event_id,
            String::from_utf8_lossy(&e.raw)
        );
        assert_eq!((&e.message_id, &e.kind), (&want.message_id, &want.kind));
        held += 1;
    }
    assert_eq!(held, stored, "every stored event is held");
}

/// Demo bodies: both formats, SNS-wrapped and duplicate deliveries.
fn demo_bodies(seed: u64, n: usize) -> Vec<String> {
    let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let mut sim = zdwatch_sources::demo::Simulator::new(seed, start);
    let mut out = Vec::new();
    let mut t = start;
    while out.len() < n {
        t += SignedDuration::from_secs(30);
        out.extend(
            sim.advance(t)
                .into_iter()
                .map(|d| String::from_utf8(d.body).unwrap()),
        );
    }
    out.truncate(n);
    out
}

/// How many events a journal holds (0 before it exists).
fn journal_count(path: &Path) -> u64 {
    Journal::open_read_only(path)
        .and_then(|j| j.count())
        .unwrap_or(0)
}

/// Feeds `bodies` in waves, and for each wave starts the reader, kills it with SIGKILL at a
/// random moment a few times, then lets one run drain the queue. `start` returns the pid.
/// At least one kill must land mid-consume (the run had stored some events and the queue still
/// held some), or the test proves nothing.
async fn kill_and_restart(
    sqs: &aws_sdk_sqs::Client,
    url: &str,
    journal: &Path,
    bodies: &[String],
    seed: u64,
    mut start: impl FnMut() -> Box<dyn FnMut() -> bool>,
) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut mid_consume = 0;
    for wave in bodies.chunks(500) {
        send_bodies(sqs, url, wave).await;
        for _ in 0..3 {
            let before = journal_count(journal);
            let mut kill = start();
            std::thread::sleep(Duration::from_millis(rng.random_range(300..2500)));
            let (v, f) = queue_depth(sqs, url).await;
            let during = journal_count(journal);
            assert!(kill(), "killed");
            if during > before && v + f > 0 {
                mid_consume += 1;
            }
        }
        // Killed readers leave messages in flight: they come back after the 2 s visibility timeout.
        let deadline = Instant::now() + LIMIT;
        loop {
            let mut kill = start();
            std::thread::sleep(Duration::from_secs(4));
            kill();
            let (v, f) = queue_depth(sqs, url).await;
            if v + f == 0 {
                break;
            }
            assert!(Instant::now() < deadline, "queue not drained: {v} + {f}");
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }
    assert!(
        mid_consume > 0,
        "no kill landed while events were being consumed: the test proved nothing"
    );
}

/// Receives (and deletes) everything left on the queue; returns the event ids found.
async fn drain_ids(sqs: &aws_sdk_sqs::Client, url: &str) -> BTreeSet<String> {
    common::drain_bodies(sqs, url)
        .await
        .into_iter()
        .map(|b| common::decoded(b).event_id)
        .collect()
}

#[derive(Clone, Copy)]
enum Reader {
    Tail,
    Monitor,
}

/// Starts `zdwatch tail` or the monitor (in a pseudo-terminal) consuming `url` into `journal`;
/// returns what kills it with SIGKILL.
fn spawn_reader(
    reader: Reader,
    endpoint: &str,
    url: &str,
    journal: &Path,
    env: &[(&str, &str)],
) -> Box<dyn FnMut() -> bool> {
    let j = journal.to_str().unwrap();
    let common = [
        "--queue",
        url,
        "--journal",
        j,
        "--endpoint-url",
        endpoint,
        "--region",
        common::REGION,
    ];
    match reader {
        Reader::Tail => {
            let mut cmd = zdwatch(&["tail", "--format", "raw"]);
            cmd.args(common);
            for (k, v) in env {
                cmd.env(k, v);
            }
            let mut child = cmd
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            Box::new(move || {
                let killed = child.kill().is_ok(); // SIGKILL
                let _ = child.wait();
                killed
            })
        }
        Reader::Monitor => {
            let mut pty = Some(Pty::spawn(&common, env, 100, 30));
            Box::new(move || {
                let Some(mut pty) = pty.take() else {
                    return false;
                };
                let pid = pty.pid().to_string();
                let ok = Command::new("kill")
                    .args(["-KILL", &pid])
                    .status()
                    .is_ok_and(|s| s.success());
                pty.wait_exit(LIMIT);
                ok
            })
        }
    }
}

/// Kills the reader while its journal's writer thread holds a commit open (the journal's
/// failpoint), after some commits went through: every event whose message left the queue must be
/// in the journal, and the events of the commit in flight must still be on the queue.
async fn kill_mid_commit_with(reader: Reader, name: &str) {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let url = queue_with_visibility(&sqs, name, 3).await;
    let bodies = demo_bodies(77, 300);
    send_bodies(&sqs, &url, &bodies).await;
    let dir = temp_dir(name);
    let journal = dir.join("j.db");
    let marks = dir.join("commits");
    let env = [
        ("ZDWATCH_FAILPOINT_COMMIT_MS", "700"),
        ("ZDWATCH_FAILPOINT_FILE", marks.to_str().unwrap()),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
    ];
    let mut kill = spawn_reader(reader, &moto.endpoint, &url, &journal, &env);
    // The third commit is in flight (two went through): kill now.
    let deadline = Instant::now() + LIMIT;
    let in_flight =
        |n: usize| std::fs::read_to_string(&marks).is_ok_and(|t| t.lines().count() >= n);
    while !in_flight(3) {
        assert!(Instant::now() < deadline, "no third commit began");
        std::thread::sleep(Duration::from_millis(20));
    }
    let stored_before_kill = journal_count(&journal);
    assert!(kill(), "killed");
    let stored = journal_ids(&journal);
    assert_eq!(
        stored.len() as u64,
        stored_before_kill,
        "the commit in flight never landed"
    );
    assert!(
        !stored.is_empty(),
        "two commits went through before the kill"
    );
    // What the killed process had received comes back after the visibility timeout.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let left = drain_ids(&sqs, &url).await;
    let all = unique_ids(&bodies);
    let lost: Vec<&String> = all
        .iter()
        .filter(|id| !stored.contains(*id) && !left.contains(*id))
        .collect();
    assert!(
        lost.is_empty(),
        "{} events were acknowledged (deleted) but are not in the journal: {lost:?}",
        lost.len()
    );
    assert!(
        left.len() + stored.len() >= all.len() && !left.is_empty(),
        "the commit in flight held events whose messages must still be on the queue"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tail_killed_while_a_commit_is_in_flight_loses_nothing_acknowledged() {
    kill_mid_commit_with(Reader::Tail, "journal-mid-commit-tail").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn monitor_killed_while_a_commit_is_in_flight_loses_nothing_acknowledged() {
    kill_mid_commit_with(Reader::Monitor, "journal-mid-commit-tui").await;
}

/// SIGKILL at random moments, again and again, then a run that drains the queue: every event in
/// the journal exactly once.
async fn killed_at_random_moments(reader: Reader, name: &str, bodies_seed: u64, seed: u64) {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let url = queue_with_visibility(&sqs, name, 2).await;
    let bodies = demo_bodies(bodies_seed, 2000);
    let journal = temp_dir(name).join("j.db");
    let env = [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
    ];
    kill_and_restart(&sqs, &url, &journal, &bodies, seed, || {
        spawn_reader(reader, &moto.endpoint, &url, &journal, &env)
    })
    .await;
    assert_eq!(
        journal_ids(&journal),
        unique_ids(&bodies),
        "every event in the journal exactly once"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tail_killed_at_random_moments_loses_nothing() {
    killed_at_random_moments(Reader::Tail, "journal-kill-tail", 2024, 7).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn monitor_killed_at_random_moments_loses_nothing() {
    killed_at_random_moments(Reader::Monitor, "journal-kill-tui", 4048, 9).await;
}

#[test]
fn readme_queries_run_on_a_journal_and_agree_with_a_direct_count() {
    let dir = temp_dir("journal-readme");
    let path = dir.join("demo.db");
    let events = journal_of_demo(&path, 35436, 6000);

    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("```sql\n")
        .expect("README has the example queries")
        + 7;
    let sql = &readme[start..start + readme[start..].find("```").unwrap()];
    let queries: Vec<&str> = sql
        .split(';')
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .collect();
    assert_eq!(queries.len(), 3, "three example queries");
    let c = rusqlite::Connection::open(&path).unwrap();
    let mut results = Vec::new();
    for q in &queries {
        let mut stmt = c.prepare(q).unwrap_or_else(|e| panic!("{e}\n{q}"));
        let columns = stmt.column_count();
        let rows: Vec<Vec<rusqlite::types::Value>> = stmt
            .query_map([], |r| (0..columns).map(|i| r.get(i)).collect())
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(!rows.is_empty(), "no rows from\n{q}");
        results.push(rows);
    }
    // Reopens per group add up to the reopens in the events, counted without SQL.
    let unique: BTreeSet<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
    let mut seen = BTreeSet::new();
    let reopens = events
        .iter()
        .filter(|e| seen.insert(e.event_id.as_str()) && e.is_reopen())
        .count();
    assert!(
        unique.len() < events.len(),
        "the demo delivers some events twice"
    );
    let summed: i64 = results[1]
        .iter()
        .map(|row| match row[1] {
            rusqlite::types::Value::Integer(n) => n,
            _ => 0,
        })
        .sum();
    assert_eq!(summed, reopens as i64);
}

#[tokio::test(flavor = "multi_thread")]
async fn export_writes_ndjson_raw_and_csv_from_a_journal() {
    let dir = temp_dir("journal-export");
    // The data directory holds exactly one journal: export finds it without --file.
    let data = dir.join("data");
    let path = data.join("zdwatch").join("journals").join("q.db");
    let events = journal_of_demo(&path, 99, 300);
    let unique: BTreeSet<String> = events.iter().map(|e| e.event_id.clone()).collect();
    let export = |args: &[&str]| {
        let mut cmd = zdwatch(&[&["export"], args].concat());
        cmd.env("XDG_DATA_HOME", &data);
        run(cmd, LIMIT)
    };

    let ndjson = export(&[]);
    assert!(ndjson.status.success(), "{}", ndjson.stderr);
    let ids: BTreeSet<String> = ndjson
        .lines()
        .iter()
        .map(|l| l["event_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, unique);

    let raw = export(&["--format", "raw"]);
    let capture = write_capture("journal-export-raw", &raw.stdout);
    let back = run(
        zdwatch(&["tail", "--file", capture.to_str().unwrap()]),
        LIMIT,
    );
    let ids: BTreeSet<String> = back
        .lines()
        .iter()
        .map(|l| l["event_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, unique, "raw export reads back as the same events");

    let csv = export(&["--format", "csv", "--filter", "type:status_changed"]);
    let text = String::from_utf8(csv.stdout).unwrap();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("event_id,occurred_at,received_at,ticket_id,kind")
    );
    let want = events
        .iter()
        .filter(|e| e.kind.as_str() == "status_changed")
        .map(|e| &e.event_id)
        .collect::<BTreeSet<_>>();
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), want.len());
    assert!(rows.iter().all(|r| r.contains(",status_changed,")));

    // --since counts from now: the demo events happened in January 2026.
    let none = export(&["--since", "1h"]);
    assert!(none.status.success());
    assert!(none.stdout.is_empty());
    let bad = export(&["--since", "soon"]);
    assert_eq!(bad.status.code(), Some(2), "{}", bad.stderr);

    // Two journals: export asks which one.
    drop(Journal::open(&path.with_file_name("other.db")).unwrap());
    let two = export(&[]);
    assert_eq!(two.status.code(), Some(2));
    assert!(
        two.stderr.contains("several journals") && two.stderr.contains("other.db"),
        "{}",
        two.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_monitor_says_when_its_journal_is_full_and_stops_deleting() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let url = queue_with_visibility(&sqs, "journal-full-tui", 30).await;
    let bodies = ticket_texts();
    send_bodies(&sqs, &url, &bodies).await;
    let journal = temp_dir("journal-full-tui").join("j.db");
    let args = [
        "--queue",
        url.as_str(),
        "--journal",
        journal.to_str().unwrap(),
        "--journal-max-mb",
        "0",
        "--endpoint-url",
        moto.endpoint.as_str(),
        "--region",
        common::REGION,
    ];
    let aws = [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
    ];
    let mut pty = Pty::spawn(&args, &aws, 200, 30);
    pty.wait_for("journal (full)", LIMIT);
    pty.wait_for("no longer deleting", LIMIT);
    pty.send("q");
    assert_eq!(pty.wait_exit(LIMIT), 0);
    wait_total(&sqs, &url, bodies.len() as u64, LIMIT).await;
}

/// An App that holds only 10 events, fed the sample bodies, with the journal the loop would have
/// written them to (what it does with `Effect::Commit`).
fn evicting_app_with_journal(
    name: &str,
    bodies: &[Vec<u8>],
) -> (zdwatch::app::App, zdwatch_journal::Journals) {
    use common::screens::{config, feed, now};
    use zdwatch::app::{App, Config};
    let mut app = App::new(
        Config {
            max_events: 10,
            ..config(zdwatch_sources::Delivery::Peek)
        },
        "",
        now(),
    )
    .unwrap();
    let mut journals = zdwatch_journal::Journals::default();
    journals
        .add(0, "zendesk-debug", &temp_dir(name).join("journal.db"))
        .unwrap();
    for effect in feed(&mut app, bodies) {
        if let zdwatch::app::Effect::Commit { events, .. } = effect {
            journals
                .append(events.iter().map(|(s, e)| (*s, &**e)))
                .unwrap();
        }
    }
    (app, journals)
}

/// Events that left memory (`--max-events`) are read back from the journal for a ticket's timeline.
#[test]
fn a_timeline_shows_events_evicted_from_memory_from_the_journal() {
    use common::screens::{now, sample_bodies, screen};
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use zdwatch::app::Msg;

    let bodies = sample_bodies();
    let (mut app, journals) = evicting_app_with_journal("journal-recall", &bodies);
    app.set_journaled(true);
    assert_eq!(app.store().len(), 10);
    assert!(app.store().counters().evicted > 0);
    // The newest event's ticket: every one of its events, held or not.
    let newest = common::decoded_at(bodies.last().unwrap().clone(), now());
    let ticket = newest.ticket_id.unwrap();
    let all: BTreeSet<String> = bodies
        .iter()
        .map(|b| common::decoded_at(b.clone(), now()))
        .filter(|e| e.ticket_id == Some(ticket))
        .map(|e| e.event_id)
        .collect();
    let held = app.store().ticket(ticket).len();
    assert!(held < all.len(), "some of the ticket's events left memory");

    let effects = app.update(
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        now(),
    );
    let asked: Vec<u64> = effects
        .iter()
        .filter_map(|e| match e {
            zdwatch::app::Effect::Recall(t) => Some(*t),
            _ => None,
        })
        .collect();
    assert_eq!(
        asked,
        vec![ticket],
        "the timeline asks the journal for the rest"
    );
    let result = journals
        .ticket(ticket, zdwatch::app::RECALL_LIMIT)
        .map_err(|e| e.to_string());
    app.update(Msg::Recalled { ticket, result }, now());
    let text = screen(&mut app, 160, 40);
    let want = format!(
        "{} events ({} read back from the journal)",
        all.len(),
        all.len() - held
    );
    assert!(text.contains(&format!("Ticket #{ticket}")), "{text}");
    assert!(text.contains(&want), "{want}\n{text}");
    assert_eq!(app.store().len(), 10, "the stream still holds only 10");
}

/// The same, through the real event loop with the journal on its writer thread and nothing else
/// arriving: the timeline's read-back events reach the screen while it is open (the answer must
/// not wait for the next commit, which on a quiet queue never comes).
#[tokio::test(flavor = "multi_thread")]
async fn on_a_quiet_queue_a_timeline_still_gets_its_events_back_from_the_journal() {
    use common::screens::{now, sample_bodies};
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use zdwatch::app::Msg;

    let (mut app, journals) = evicting_app_with_journal("journal-recall-loop", &sample_bodies());
    assert!(app.store().counters().evicted > 0);
    let durability = zdwatch::ingest::Durability::new(journals).unwrap();
    // A queue that stays open and quiet.
    let mut builder = zdwatch_sources::SourceSetBuilder::default();
    let quiet = builder.add("queue".into(), None, true);
    let sources = builder.build();
    let (keys, input) = tokio::sync::mpsc::channel(8);
    let presser = tokio::spawn(async move {
        let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
        let _ = keys.send(Msg::Key(enter)).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        // Dropping the keys ends the loop with the timeline still on screen.
        drop(keys);
    });
    struct NoEffects;
    impl zdwatch::tui::Effects for NoEffects {
        fn copy(&mut self, _: &[u8]) {}
        fn open(&mut self, _: &str) -> Result<(), String> {
            Ok(())
        }
    }
    let mut terminal = Terminal::new(TestBackend::new(160, 40)).unwrap();
    zdwatch::tui::run(
        &mut terminal,
        &mut app,
        sources,
        durability,
        input,
        &mut NoEffects,
        now,
    )
    .await
    .unwrap();
    presser.await.unwrap();
    drop(quiet);
    let buffer = terminal.backend().buffer();
    let shown: String = (0..40)
        .map(|y| {
            let line: String = (0..160)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect();
            line.trim_end().to_string() + "\n"
        })
        .collect();
    assert!(shown.contains("Ticket #"), "the timeline is open:\n{shown}");
    assert!(
        shown.contains("read back from the journal"),
        "the journal's answer reached the screen while the timeline was open:\n{shown}"
    );
}

/// A commit slower than the visibility timeout: the messages waiting for it are kept hidden
/// (ChangeMessageVisibility) instead of coming back for another reader (here zdwatch's own
/// poller, which keeps receiving), and are deleted once stored. Without that, they would be
/// visible again after 2 s of the 6 s commit and handed out a second time.
#[tokio::test(flavor = "multi_thread")]
async fn messages_waiting_for_a_slow_commit_stay_hidden() {
    let moto = Moto::start();
    let proxy = common::proxy::FaultProxy::start(&moto.endpoint);
    let sqs = moto.sqs();
    let url = queue_with_visibility(&sqs, "journal-slow-commit", 30).await;
    let bodies = demo_bodies(71, 6);
    send_bodies(&sqs, &url, &bodies).await;
    let dir = temp_dir("journal-slow-commit");
    let journal = dir.join("j.db");
    let marks = dir.join("commits");
    let mut cmd = common::zdwatch_via(
        &proxy.endpoint,
        &[
            "tail",
            "--queue",
            &url,
            "--journal",
            journal.to_str().unwrap(),
            "--visibility-timeout",
            "2",
            "--pollers",
            "1",
            "--idle-exit",
            "3",
        ],
    );
    cmd.env("ZDWATCH_FAILPOINT_COMMIT_MS", "6000")
        .env("ZDWATCH_FAILPOINT_FILE", &marks);
    let out = run(cmd, LIMIT);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        std::fs::read_to_string(&marks).is_ok_and(|m| m.contains("commit in flight")),
        "the commit was slow"
    );
    assert_eq!(out.lines().len(), bodies.len(), "{}", out.stderr);
    assert_eq!(
        proxy.received_messages(),
        bodies.len(),
        "each message handed out once: none came back during the commit"
    );
    wait_total(&sqs, &url, 0, LIMIT).await;
    assert_eq!(journal_ids(&journal), unique_ids(&bodies));
}
