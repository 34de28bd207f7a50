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
    let man = clap_mangen::Man::new(cmd);
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    man.render_subcommands_section(&mut out)?;
    man.render_extra_section(&mut out)?;
    out.extend_from_slice(SECTIONS.as_bytes());
    man.render_version_section(&mut out)?;
    Ok(out)
}

/// What clap does not know: exit codes, the environment and the files (roff).
const SECTIONS: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
Done; also when the reader of standard output went away (\fB| head\fR).
.TP
\fB1\fR
A runtime failure: a queue that does not exist, a file that cannot be read, a journal that stopped taking events (messages were left on the queue).
.TP
\fB2\fR
A usage error: a bad flag, filter, pattern or config file.
.SH ENVIRONMENT
.TP
\fBAWS_PROFILE\fR, \fBAWS_REGION\fR, \fBAWS_ENDPOINT_URL\fR, \fBAWS_*\fR
AWS settings, read by aws\-config (SSO and assume\-role profiles work).
.TP
\fBZDWATCH_CONFIG\fR
The config file (as \fB\-\-config\fR).
.TP
\fBZDWATCH_MASK\fR
Hide customer data (as \fB\-\-mask\fR).
.TP
\fBZDWATCH_ZENDESK_SUBDOMAIN\fR
The Zendesk subdomain \fBo\fR opens tickets in.
.TP
\fBZDWATCH_LOG\fR, \fBZDWATCH_LOG_FILE\fR
The diagnostic log's level and file.
.TP
\fBNO_COLOR\fR
When set and not empty, the monitor draws without colour.
.TP
\fBXDG_CONFIG_HOME\fR, \fBXDG_DATA_HOME\fR, \fBXDG_STATE_HOME\fR
Where the config file, the journals and the logs are (Linux).
.SH FILES
.TP
\fI~/.config/zdwatch/config.toml\fR
The config file (\fBzdwatch config\fR says where and whether it is valid).
.TP
\fI~/.local/share/zdwatch/journals/*.db\fR
One journal (SQLite) per queue, 0600, in a 0700 directory; \fBzdwatch journal purge\fR removes old events.
.TP
\fI~/.local/state/zdwatch/logs/zdwatch.YYYY\-MM\-DD.log\fR
The monitor's diagnostic log, one file a day, the newest 7 kept, 0600.
"#;
