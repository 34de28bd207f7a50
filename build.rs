//! Puts the git revision into `zdwatch --version` (`0.1.0 (a1b2c3d4e)`), when built from a git
//! checkout; a source tarball gets the bare version.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    let version = env!("CARGO_PKG_VERSION");
    let rev = Command::new("git")
        .args(["rev-parse", "--short=9", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|r| !r.is_empty());
    let full = match rev {
        Some(rev) => format!("{version} ({rev})"),
        None => version.to_string(),
    };
    println!("cargo:rustc-env=ZDWATCH_VERSION={full}");
}
