//! Where customer data is kept and for how long: `journal purge`, the retention setting, private
//! file modes whatever existed before, and the checks on settings that could send users or
//! data somewhere else (a subdomain, an endpoint) or exhaust the machine (filters, max-events).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Moto, create_queue, run, temp_dir, zdwatch};
use zdwatch_journal::Journal;

const LIMIT: Duration = Duration::from_secs(60);

/// A journal holding `n` demo events of January 2026 (long before the tests run).
fn old_journal(path: &Path, n: usize) {
    let start: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let mut sim = zdwatch_sources::demo::Simulator::new(7, start);
    let bodies = sim.advance(start + jiff::SignedDuration::from_mins(30));
    let events: Vec<_> = bodies
        .into_iter()
        .take(n)
        .map(|d| common::decoded(d.body))
        .collect();
    Journal::open(path)
        .unwrap()
        .append("demo", &events)
        .unwrap();
}

fn count(path: &Path) -> u64 {
    Journal::open_read_only(path).unwrap().count().unwrap()
}

#[test]
fn journal_purge_counts_dry_then_removes_by_age_and_by_ticket() {
    let dir = temp_dir("purge-cli");
    let path = dir.join("j.db");
    old_journal(&path, 40);
    let before = count(&path);
    assert!(before >= 20, "{before}");
    let p = path.to_str().unwrap();
    let dry = run(
        zdwatch(&[
            "journal",
            "purge",
            "--journal",
            p,
            "--older-than",
            "30d",
            "--dry-run",
        ]),
        LIMIT,
    );
    assert!(dry.status.success(), "{}", dry.stderr);
    assert!(
        dry.stdout_text()
            .contains(&format!("would remove {before} events")),
        "{}",
        dry.stdout_text()
    );
    assert_eq!(count(&path), before, "a dry run removes nothing");
    // A ticket: only its events go.
    let ticket = {
        let j = Journal::open_read_only(&path).unwrap();
        let all = j.recent(jiff::Timestamp::UNIX_EPOCH, 1000).unwrap();
        let e = common::decoded(all[0].raw());
        e.ticket_id.unwrap()
    };
    let one = run(
        zdwatch(&[
            "journal",
            "purge",
            "--journal",
            p,
            "--ticket",
            &ticket.to_string(),
        ]),
        LIMIT,
    );
    assert!(one.status.success(), "{}", one.stderr);
    let after_ticket = count(&path);
    assert!(
        after_ticket < before && after_ticket > 0,
        "{after_ticket} of {before}"
    );
    let all = run(
        zdwatch(&["journal", "purge", "--journal", p, "--older-than", "30d"]),
        LIMIT,
    );
    assert!(all.status.success(), "{}", all.stderr);
    assert_eq!(count(&path), 0);
    // Nothing to say what to purge, or no journal there: refused, nothing created.
    let none = run(zdwatch(&["journal", "purge", "--journal", p]), LIMIT);
    assert_eq!(none.status.code(), Some(2), "{}", none.stderr);
    let missing = dir.join("typo.db");
    let typo = run(
        zdwatch(&[
            "journal",
            "purge",
            "--journal",
            missing.to_str().unwrap(),
            "--older-than",
            "1d",
        ]),
        LIMIT,
    );
    assert_eq!(typo.status.code(), Some(1));
    assert!(typo.stderr.contains("not a journal"), "{}", typo.stderr);
    assert!(!missing.exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn retention_removes_old_events_from_the_journal_a_run_opens() {
    let moto = Moto::start();
    let url = create_queue(&moto.sqs(), "retention").await;
    let dir = temp_dir("retention");
    let kept = dir.join("kept.db");
    let trimmed = dir.join("trimmed.db");
    old_journal(&kept, 20);
    old_journal(&trimmed, 20);
    let tail = |journal: &Path, extra: &[&str]| {
        let mut args = vec![
            "tail",
            "--queue",
            &url,
            "--journal",
            journal.to_str().unwrap(),
            "--idle-exit",
            "1",
        ];
        args.extend_from_slice(extra);
        run(moto.zdwatch(&args), LIMIT)
    };
    let out = tail(&kept, &[]);
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(
        count(&kept),
        20,
        "no retention: the journal keeps everything"
    );
    // From the config file, as a team would set it.
    let config = dir.join("config.toml");
    std::fs::write(&config, "retention = \"30d\"\n").unwrap();
    let mut cmd = moto.zdwatch(&[
        "tail",
        "--queue",
        &url,
        "--journal",
        trimmed.to_str().unwrap(),
        "--idle-exit",
        "1",
    ]);
    cmd.env("ZDWATCH_CONFIG", &config);
    let out = run(cmd, LIMIT);
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(
        count(&trimmed),
        0,
        "events older than 30 days removed at start"
    );
}

#[cfg(unix)]
#[test]
fn an_existing_log_file_readable_by_others_is_made_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("log-mode");
    let log = dir.join("zdwatch.log");
    std::fs::write(&log, "older lines\n").unwrap();
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = run(
        zdwatch(&["demo", "--emit", "1", "--log-file", log.to_str().unwrap()]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    let mode = std::fs::metadata(&log).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn deep_or_long_filters_are_usage_errors_on_the_command_line_and_in_the_config() {
    let deep = format!("{}tag:vip{}", "(".repeat(2_000), ")".repeat(2_000));
    let out = run(
        zdwatch(&["tail", "--demo", "--max-events", "1", "--filter", &deep]),
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
    assert!(
        out.stderr.contains("nested more than 32 deep"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.len() < 1000,
        "the error shows the filter around the mistake: {}",
        out.stderr
    );
    let long = format!("tag:{}", "x".repeat(50_000));
    let out = run(
        zdwatch(&["tail", "--demo", "--max-events", "1", "--filter", &long]),
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
    assert!(
        out.stderr.contains("at most 4096"),
        "{}",
        &out.stderr[..out.stderr.len().min(300)]
    );
    assert!(out.stderr.len() < 1000, "{}", out.stderr.len());
    let dir = temp_dir("deep-config");
    let config = dir.join("config.toml");
    std::fs::write(&config, format!("[filters]\nbad = \"{deep}\"\n")).unwrap();
    let mut cmd = zdwatch(&["tail", "--demo", "--max-events", "1"]);
    cmd.env("ZDWATCH_CONFIG", &config);
    let out = run(cmd, LIMIT);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stderr
            .contains("line 2: filter 'bad': nested more than 32 deep"),
        "{}",
        &out.stderr[..300.min(out.stderr.len())]
    );
    assert!(out.stderr.len() < 1000, "{}", out.stderr.len());
}

#[test]
fn settings_that_could_mislead_or_exhaust_are_checked_with_a_clear_message() {
    let dir = temp_dir("settings");
    for (text, line, says) in [
        ("max-events = 0\n", 1, "max-events: 0 events cannot be held"),
        ("\nmax-events = 99999999999\n", 2, "from 1 to 10000000"),
        (
            "zendesk-subdomain = \"evil.example/#\"\n",
            1,
            "is not a Zendesk subdomain",
        ),
        ("retention = \"forever\"\n", 1, "retention:"),
    ] {
        let config = dir.join("config.toml");
        std::fs::write(&config, text).unwrap();
        let mut cmd = zdwatch(&["config"]);
        cmd.env("ZDWATCH_CONFIG", &config);
        let out = run(cmd, LIMIT);
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(
            out.stderr.contains(&format!("line {line}: ")),
            "{text}: {}",
            out.stderr
        );
        assert!(out.stderr.contains(says), "{text}: {}", out.stderr);
    }
    let out = run(
        zdwatch(&["--demo", "--zendesk-subdomain", "evil.example/#"]),
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stderr.contains("not a Zendesk subdomain"),
        "{}",
        out.stderr
    );
    let out = run(zdwatch(&["--demo", "--max-events", "20000000"]), LIMIT);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stderr.contains("from 1 to 10000000"), "{}", out.stderr);
    // Plain http to another machine: said, not refused (a private endpoint may be meant).
    let out = run(
        zdwatch(&[
            "tail",
            "--demo",
            "--max-events",
            "1",
            "--endpoint-url",
            "http://10.1.2.3:4566",
        ]),
        LIMIT,
    );
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("warning: the endpoint http://10.1.2.3:4566 is not https"),
        "{}",
        out.stderr
    );
    let out = run(
        zdwatch(&[
            "tail",
            "--demo",
            "--max-events",
            "1",
            "--endpoint-url",
            "http://127.0.0.1:4566",
        ]),
        LIMIT,
    );
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
}
