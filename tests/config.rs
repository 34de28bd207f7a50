//! The config file, end to end: the real binary reads it from the platform config directory (or
//! `--config`), reports mistakes with their line, and its settings sit under the environment and
//! the flags (CLI > environment > file > defaults).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::pty::Pty;
use common::{Moto, create_queue, run, samples, send_bodies, temp_dir, write_capture, zdwatch};

const LIMIT: Duration = Duration::from_secs(120);

/// A config file of its own in a directory of its own.
fn config_file(name: &str, text: &str) -> PathBuf {
    let path = temp_dir(name).join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A capture of the samples with a customer's words in them.
fn capture_with_subjects() -> PathBuf {
    let bodies: Vec<Vec<u8>> = samples()
        .into_iter()
        .filter(|(n, _)| n.starts_with("webhook/") || n.starts_with("legacy/"))
        .map(|(_, b)| b)
        .collect();
    write_capture("config-capture", &common::capture(&bodies))
}

fn with_config(args: &[&str], config: &Path) -> Command {
    let mut cmd = zdwatch(args);
    cmd.env("ZDWATCH_CONFIG", config);
    cmd
}

#[test]
fn the_default_is_printed_documented_and_found_in_the_platform_config_directory() {
    let printed = run(zdwatch(&["config", "--print-default"]), LIMIT);
    assert!(printed.status.success());
    let text = printed.stdout_text();
    assert_eq!(
        text,
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/config.toml"))
            .unwrap()
    );
    for key in [
        "queues",
        "profile",
        "region",
        "endpoint-url",
        "zendesk-subdomain",
        "delivery",
        "[filters]",
        "[theme]",
        "[keys]",
    ] {
        assert!(text.contains(key), "{key} documented");
    }
    // Where zdwatch looks by default: nothing there yet in the tests' config home.
    let said = run(zdwatch(&["config"]), LIMIT);
    assert!(said.status.success(), "{}", said.stderr);
    let where_ = said.stdout_text();
    let expected = common::config_home().join("zdwatch").join("config.toml");
    assert!(
        where_.contains(&expected.display().to_string()) && where_.contains("no file"),
        "{where_}"
    );
    // The printed default, saved, is a valid file.
    let saved = config_file("config-default", &text);
    let checked = run(
        zdwatch(&["config", "--config", saved.to_str().unwrap()]),
        LIMIT,
    );
    assert!(checked.status.success(), "{}", checked.stderr);
    assert!(checked.stdout_text().contains("valid"));
}

#[test]
fn a_mistake_stops_every_command_with_the_file_the_line_and_the_choices() {
    let path = config_file(
        "config-broken",
        "region = \"eu-west-1\"\n\n[theme]\nok = \"green\"\nbackground = \"red\"\n",
    );
    for args in [
        vec!["tail", "--file", "/nonexistent"],
        vec!["export"],
        vec!["config"],
    ] {
        let out = run(with_config(&args, &path), LIMIT);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", out.stderr);
        let want = format!(
            "{}, line 5: unknown theme part 'background'",
            path.display()
        );
        assert!(out.stderr.contains(&want), "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("header, selected"), "{}", out.stderr);
        assert!(out.stdout.is_empty());
    }
    // What is generated from the flags alone still works, to help fix the file.
    for args in [
        vec!["man"],
        vec!["completions", "bash"],
        vec!["config", "--print-default"],
    ] {
        let out = run(with_config(&args, &path), LIMIT);
        assert!(out.status.success(), "{args:?}: {}", out.stderr);
    }
    let missing = run(
        zdwatch(&["tail", "--config", "/nonexistent/zdwatch.toml", "--demo"]),
        LIMIT,
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        missing.stderr.contains("cannot read it"),
        "{}",
        missing.stderr
    );
}

#[test]
fn saved_filters_and_masking_follow_cli_over_environment_over_file() {
    let capture = capture_with_subjects();
    let capture = capture.to_str().unwrap();
    let path = config_file(
        "config-precedence",
        "mask = true\n[filters]\ncreated = \"type:created\"\n",
    );
    let tail = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec!["tail", "--file", capture, "-f", "@created"];
        args.extend_from_slice(extra);
        let mut cmd = with_config(&args, &path);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = run(cmd, LIMIT);
        assert!(out.status.success(), "{}", out.stderr);
        out.lines()
    };
    let file_only = tail(&[], &[]);
    assert!(!file_only.is_empty());
    assert!(
        file_only.iter().all(|l| l["kind"] == "created"),
        "the saved filter applied"
    );
    let masked = |lines: &[serde_json::Value]| {
        lines.iter().all(|l| {
            l["ticket"]["subject"]
                .as_str()
                .is_none_or(|s| s == "‹masked›")
        })
    };
    assert!(masked(&file_only), "mask = true from the file");
    let env_off = tail(&[], &[("ZDWATCH_MASK", "false")]);
    assert!(!masked(&env_off), "the environment beats the file");
    let cli_on = tail(&["--mask"], &[("ZDWATCH_MASK", "false")]);
    assert!(masked(&cli_on), "the command line beats the environment");

    let unknown = run(
        with_config(&["tail", "--file", capture, "-f", "@nope"], &path),
        LIMIT,
    );
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        unknown.stderr.contains("saved: created"),
        "{}",
        unknown.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn default_sources_region_and_endpoint_come_from_the_file_unless_overridden() {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let url = create_queue(&sqs, "config-default-queue").await;
    let bodies: Vec<String> = samples()
        .into_iter()
        .filter(|(n, _)| n.starts_with("webhook/"))
        .map(|(_, b)| String::from_utf8(b).unwrap())
        .collect();
    send_bodies(&sqs, &url, &bodies).await;
    let path = config_file(
        "config-sources",
        &format!(
            "queues = [\"config-default-queue\"]\nregion = \"{}\"\nendpoint-url = \"{}\"\ndelivery = \"peek\"\n",
            common::REGION,
            moto.endpoint
        ),
    );
    let tail = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec!["tail", "--idle-exit", "3", "--no-journal"];
        args.extend_from_slice(extra);
        let mut cmd = with_config(&args, &path);
        cmd.env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing");
        for (k, v) in env {
            cmd.env(k, v);
        }
        run(cmd, LIMIT)
    };
    // No flag at all: the file's queue, region, endpoint and delivery (peek: nothing deleted).
    let out = tail(&[], &[]);
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(out.lines().len(), bodies.len(), "{}", out.stderr);
    common::wait_total(&sqs, &url, bodies.len() as u64).await;
    // AWS_REGION beats the file: the queue is not in that region.
    let env_region = tail(&[], &[("AWS_REGION", "eu-west-3")]);
    assert_eq!(env_region.status.code(), Some(1), "{}", env_region.stderr);
    assert!(env_region.stderr.contains("queue"), "{}", env_region.stderr);
    // And --region beats AWS_REGION.
    let cli_region = tail(
        &["--region", common::REGION],
        &[("AWS_REGION", "eu-west-3")],
    );
    assert!(cli_region.status.success(), "{}", cli_region.stderr);
    // A source on the command line replaces the file's; --consume beats `delivery = "peek"`.
    let other = create_queue(&sqs, "config-other-queue").await;
    send_bodies(&sqs, &other, &bodies[..3]).await;
    let named = tail(&["--queue", "config-other-queue", "--consume"], &[]);
    assert!(named.status.success(), "{}", named.stderr);
    assert_eq!(named.lines().len(), 3, "{}", named.stderr);
    common::wait_total(&sqs, &other, 0).await;
    common::wait_total(&sqs, &url, bodies.len() as u64).await;
}

#[test]
fn keys_theme_and_saved_filters_reach_the_monitor() {
    let capture = capture_with_subjects();
    let path = config_file(
        "config-monitor",
        "[filters]\ncreated = \"type:created\"\nsolved = \"status:solved\"\n\
         [keys]\ndashboard = \"D\"\nback = \"x\"\n[theme]\nheader = \"#ff8800\"\n",
    );
    let mut pty = Pty::spawn(
        &["--file", capture.to_str().unwrap()],
        &[("ZDWATCH_CONFIG", path.to_str().unwrap())],
        140,
        30,
    );
    pty.wait_for("events", LIMIT);
    // Tab in the filter bar: the saved filters in turn.
    pty.send("/");
    pty.wait_for("Tab: saved filters", LIMIT);
    pty.send("\t");
    pty.wait_for("/type:created", LIMIT);
    pty.wait_for("saved filter 1 of 2: created", LIMIT);
    pty.send("\t");
    pty.wait_for("/status:solved", LIMIT);
    pty.wait_for("saved filter 2 of 2: solved", LIMIT);
    pty.send("\r");
    pty.wait_for("filter: status:solved", LIMIT);
    // D opens the dashboard; Tab no longer does.
    // Keys are handled in order: once the filter bar that `/` opens is on screen, Tab was handled.
    pty.send("\t");
    pty.send("/");
    pty.wait_for("/status:solved", LIMIT);
    assert!(!pty.screen().contains("Sources"), "{}", pty.screen());
    pty.send("\x1b");
    pty.wait_for("filter: status:solved", LIMIT);
    pty.send("D");
    pty.wait_for("Sources", LIMIT);
    pty.send("?");
    pty.wait_for("stream / dashboard", LIMIT);
    // The help's title names the keys in effect: `back` is x now, on every screen.
    pty.wait_for("x to close", LIMIT);
    let help = pty.screen();
    let line = help
        .lines()
        .find(|l| l.contains("stream / dashboard"))
        .unwrap_or_default();
    assert!(
        line.contains('D') && !line.contains("Tab"),
        "help shows D: {line}"
    );
    // The header colour from [theme] (#ff8800) is used for titles.
    let bytes = String::from_utf8_lossy(&pty.bytes()).into_owned();
    assert!(
        bytes.contains("38;2;255;136;0"),
        "the theme colour reaches the terminal"
    );
    // Out of the help, out of the dashboard (x, as configured), and quit.
    pty.send("x");
    pty.wait_for("Sources", LIMIT);
    pty.send("x");
    pty.wait_for("filter: status:solved", LIMIT);
    pty.send("q");
    assert_eq!(pty.wait_exit(LIMIT), 0);
    pty.assert_terminal_restored();
}

/// Every command the default config file tells users to run exists, with those flags.
#[test]
fn the_commands_the_default_config_suggests_exist() {
    use clap::Parser;
    let text = zdwatch::config::DEFAULT;
    let commands: Vec<&str> = text
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|c| c.starts_with("zdwatch"))
        .collect();
    assert!(commands.len() >= 2, "{commands:?}");
    for c in commands {
        let words: Vec<&str> = c.split_whitespace().collect();
        if let Err(e) = zdwatch::cli::Cli::try_parse_from(&words) {
            panic!("the default config suggests `{c}`, which zdwatch refuses: {e}");
        }
    }
}
