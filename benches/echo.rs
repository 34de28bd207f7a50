//! Typing in the filter bar with many events held (issue: "each key of a word filter took
//! 180–215 ms to appear with 12,000 events held"). Runs the release binary in a pseudo-terminal
//! on a demo capture of 12,000 and of 500,000 events, types filters one key at a time and
//! measures each key's echo: from writing the key to the terminal to the moment the bar on the
//! emulated screen (vt100) shows the text typed so far. Printed as p50 / p95 / max per case.
//! Run with `scripts/bench echo`; results in BENCHMARKS.md. A wall-clock measurement on a shared
//! machine: compare the cases of one run, not runs of different days.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const FILTERS: &[&str] = &["priority", "tag:payment_failed", "status:open->solved"];

fn capture(n: usize) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("zdwatch-echo-{n}.ndjson"));
    if !path.exists() {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_zdwatch"))
            .args(["demo", "--emit", &n.to_string(), "--seed", "7"])
            .output()
            .expect("zdwatch demo");
        std::fs::write(&path, out.stdout).expect("write the capture");
    }
    path
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn run(n: usize) {
    let path = capture(n);
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("a pseudo-terminal");
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_zdwatch"));
    cmd.args(["--file", path.to_str().unwrap_or_default(), "--utc"]);
    cmd.env("TERM", "xterm-256color");
    cmd.env(
        "XDG_STATE_HOME",
        std::env::temp_dir().join("zdwatch-echo-state"),
    );
    let mut child = pair.slave.spawn_command(cmd).expect("start zdwatch");
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().expect("pty reader");
    let mut writer = pair.master.take_writer().expect("pty writer");
    let (rows, cols) = (
        std::num::NonZeroU16::new(40).unwrap_or(std::num::NonZeroU16::MIN),
        std::num::NonZeroU16::new(120).unwrap_or(std::num::NonZeroU16::MIN),
    );
    let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
    let p = parser.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        while let Ok(k) = reader.read(&mut buf) {
            if k == 0 {
                break;
            }
            if let Ok(mut parser) = p.lock() {
                parser.process(&buf[..k]);
            }
        }
    });
    let screen = || {
        parser
            .lock()
            .map(|p| p.screen().contents())
            .unwrap_or_default()
    };
    let wait_for = |what: &str, limit: Duration| {
        let start = Instant::now();
        while !screen().contains(what) {
            assert!(
                start.elapsed() < limit,
                "no {what:?} after {limit:?}:\n{}",
                screen()
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    };
    // Read to the end (duplicate deliveries are held once), and settled: the screen unchanged
    // for two seconds.
    wait_for(".ndjson read", Duration::from_secs(600));
    let mut last = screen();
    let mut since = Instant::now();
    while since.elapsed() < Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(100));
        let now = screen();
        if now != last {
            last = now;
            since = Instant::now();
        }
    }
    for filter in FILTERS {
        let _ = writer.write_all(b"/");
        let _ = writer.flush();
        wait_for("match", Duration::from_secs(10));
        let mut echoes = Vec::new();
        let mut typed = String::from("/");
        for c in filter.chars() {
            typed.push(c);
            let sent = Instant::now();
            let _ = writer.write_all(c.to_string().as_bytes());
            let _ = writer.flush();
            wait_for(&typed, Duration::from_secs(30));
            echoes.push(sent.elapsed());
            // A typist's pace: the next key comes while the last filter may still be running.
            std::thread::sleep(Duration::from_millis(60));
        }
        echoes.sort();
        println!(
            "{n:>7} events held · {filter:<22} keys {:>2}: echo p50 {:>5.1} ms  p95 {:>5.1} ms  max {:>5.1} ms",
            echoes.len(),
            percentile(&echoes, 0.5).as_secs_f64() * 1000.0,
            percentile(&echoes, 0.95).as_secs_f64() * 1000.0,
            echoes.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        );
        // Esc: back to no filter, and let it settle.
        let _ = writer.write_all(b"\x1b");
        let _ = writer.flush();
        std::thread::sleep(Duration::from_millis(1500));
    }
    let _ = writer.write_all(b"q");
    let _ = writer.flush();
    let _ = child.wait();
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("echo: bench");
        return;
    }
    for n in [12_000, 500_000] {
        run(n);
    }
}
