//! `zdwatch man` and `zdwatch completions`: generated from the clap definitions.

use std::io::Write;

use crate::cli;

/// `zdwatch completions SHELL`.
pub(crate) fn completions(shell: clap_complete::Shell) {
    let mut cmd = <cli::Cli as clap::CommandFactory>::command();
    clap_complete::generate(shell, &mut cmd, "zdwatch", &mut std::io::stdout());
}

/// `zdwatch man`.
pub(crate) fn man() -> std::io::Result<()> {
    std::io::stdout().write_all(&man_page()?)
}

/// The manual page, from the clap definitions (also in `assets/zdwatch.1`, kept equal by a test).
/// It carries the bare version, so that it does not change with every commit.
pub fn man_page() -> std::io::Result<Vec<u8>> {
    let cmd = <cli::Cli as clap::CommandFactory>::command().version(env!("CARGO_PKG_VERSION"));
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut out)?;
    Ok(out)
}
