//! Files that hold customer data or diagnostics (journals, saved captures, logs) are created
//! readable by their owner only: files 0600, directories 0700.

use std::fs::{DirBuilder, OpenOptions};
use std::io;
use std::path::Path;

/// `OpenOptions` whose newly created file is 0600; add `create`, `append`, `create_new` as needed.
pub fn options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Where the monitor's log goes: `<state dir>/zdwatch/logs` (Linux: `~/.local/state`), else the
/// local data directory. Files there are rotated daily, the newest 7 kept.
pub fn log_dir() -> Option<std::path::PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "zdwatch")?;
    Some(
        dirs.state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .join("logs"),
    )
}

/// Where the monitor's log goes, as the help says it: the file given, else the daily files.
pub fn log_place(log_file: Option<&Path>) -> String {
    match (log_file, log_dir()) {
        (Some(path), _) => path.display().to_string(),
        (None, Some(dir)) => format!(
            "{} (daily, 7 kept)",
            dir.join("zdwatch.YYYY-MM-DD.log").display()
        ),
        (None, None) => "none (no home directory)".to_string(),
    }
}

/// Creates `dir` and its missing parents 0700 (an existing directory is left as it is).
pub fn create_dir(dir: &Path) -> io::Result<()> {
    if dir.exists() {
        return Ok(());
    }
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}
