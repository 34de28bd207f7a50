//! Files that hold customer data or diagnostics (journals, saved captures, logs) are readable by
//! their owner only: files 0600, directories 0700. New ones are created so; ones that exist are
//! made so when zdwatch opens them ([`tighten`]), or zdwatch refuses and says how to fix it.

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
        // Today's file (the appender names them by UTC date), not a placeholder.
        (None, Some(dir)) => format!(
            "{} (a new file each day, 7 kept)",
            dir.join(format!(
                "zdwatch.{}.log",
                jiff::Timestamp::now().strftime("%Y-%m-%d")
            ))
            .display()
        ),
        (None, None) => "none (no home directory)".to_string(),
    }
}

/// Makes an existing file 0600 (a directory 0700) when others may read it. The error says
/// which `chmod` fixes it (a file of another user cannot be changed).
pub fn tighten(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        if meta.permissions().mode() & 0o077 == 0 {
            return Ok(());
        }
        let mode = if meta.is_dir() { 0o700 } else { 0o600 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "others may read it and it cannot be made private ({e}); run: chmod {mode:o} '{}'",
                    path.display()
                ),
            )
        })?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Opens (creating or appending) a file of zdwatch's own, 0600 whatever it was before.
pub fn open_append(path: &Path) -> io::Result<std::fs::File> {
    let file = options().create(true).append(true).open(path)?;
    tighten(path)?;
    Ok(file)
}

/// Makes every file in zdwatch's own directory `dir` private (the directory too): daily logs
/// written by an older version or under a looser umask.
pub fn tighten_dir(dir: &Path) -> io::Result<()> {
    tighten(dir)?;
    for entry in std::fs::read_dir(dir)?.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            tighten(&entry.path())?;
        }
    }
    Ok(())
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
