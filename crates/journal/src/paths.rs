//! Where journals live, and how a journal file is recognised.

use std::fs;
use std::path::{Path, PathBuf};

use crate::SQLITE_MAGIC;

/// The default journal of a queue: `<data dir>/zdwatch/journals/<host>_<account>_<queue>.db`.
pub fn default_path(queue_url: &str) -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "zdwatch")?;
    Some(journals_dir_in(dirs.data_dir()).join(format!("{}.db", file_stem(queue_url))))
}

/// Where default journals live.
pub fn journals_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "zdwatch").map(|d| journals_dir_in(d.data_dir()))
}

/// The journals in the data directory (`*.db` in [`journals_dir`]), sorted.
pub fn default_journals() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = journals_dir()
        .and_then(|d| fs::read_dir(d).ok())
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "db"))
        .collect();
    found.sort();
    found
}

fn journals_dir_in(data: &Path) -> PathBuf {
    data.join("journals")
}

/// A file name for a queue URL: its host and path, with anything but `[A-Za-z0-9.-]` as `_`.
pub(crate) fn file_stem(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let stem: String = rest
        .trim_end_matches('/')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    stem.chars().take(200).collect()
}

/// Whether the file starts like an SQLite database.
pub fn is_sqlite(path: &Path) -> bool {
    let mut head = [0u8; 16];
    fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && &head == SQLITE_MAGIC
}
