//! The command line describes itself: `--version` with the revision, shell completions, and the
//! manual page in `assets/zdwatch.1`, kept equal to what the clap definitions generate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{run, zdwatch};

const LIMIT: Duration = Duration::from_secs(30);

#[test]
fn the_manual_page_in_assets_is_the_generated_one() {
    let out = run(zdwatch(&["man"]), LIMIT);
    assert!(out.status.success(), "{}", out.stderr);
    let kept = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/zdwatch.1")).unwrap();
    assert!(
        out.stdout == kept,
        "assets/zdwatch.1 is out of date: run `cargo run -- man > assets/zdwatch.1`"
    );
    let text = out.stdout_text();
    for sub in [
        "tail",
        "export",
        "report",
        "test-pattern",
        "demo",
        "completions",
    ] {
        assert!(
            text.contains(&sub.replace('-', "\\-")),
            "{sub} missing from the man page"
        );
    }
    for section in [
        ".SH \"EXIT STATUS\"",
        ".SH ENVIRONMENT",
        ".SH FILES",
        "NO_COLOR",
    ] {
        assert!(
            text.contains(section),
            "{section} missing from the man page"
        );
    }
}

#[test]
fn version_and_completions() {
    let v = run(zdwatch(&["--version"]), LIMIT);
    assert!(v.status.success());
    assert!(
        v.stdout_text()
            .starts_with(&format!("zdwatch {}", env!("CARGO_PKG_VERSION"))),
        "{}",
        v.stdout_text()
    );
    for shell in ["bash", "zsh", "fish"] {
        let out = run(zdwatch(&["completions", shell]), LIMIT);
        assert!(out.status.success(), "{shell}: {}", out.stderr);
        let text = out.stdout_text();
        assert!(
            text.contains("test-pattern") && text.contains("--filter"),
            "{shell}"
        );
    }
}
