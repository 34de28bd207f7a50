//! A failpoint for the crash tests (tests/journal.rs): with `ZDWATCH_FAILPOINT_COMMIT_MS=N` in the
//! environment, every write transaction is held open for N ms before it commits, after a line
//! `commit in flight` is appended to the file named by `ZDWATCH_FAILPOINT_FILE` (or written to
//! stderr), so that a test can kill the process while a commit is in flight and check that
//! nothing acknowledged is lost. Unset (always, outside those tests), it costs one cached look-up.

use std::io::Write;
use std::sync::OnceLock;
use std::time::Duration;

struct Failpoint {
    delay: Duration,
    file: Option<std::path::PathBuf>,
}

pub fn inside_commit() {
    static POINT: OnceLock<Option<Failpoint>> = OnceLock::new();
    let point = POINT.get_or_init(|| {
        let ms = std::env::var("ZDWATCH_FAILPOINT_COMMIT_MS").ok()?;
        Some(Failpoint {
            delay: Duration::from_millis(ms.parse().ok()?),
            file: std::env::var_os("ZDWATCH_FAILPOINT_FILE").map(Into::into),
        })
    });
    let Some(point) = point else {
        return;
    };
    let line = "commit in flight\n";
    match &point.file {
        Some(path) => {
            if let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
            {
                let _ = f.write_all(line.as_bytes());
            }
        }
        None => {
            let _ = std::io::stderr().write_all(line.as_bytes());
        }
    }
    std::thread::sleep(point.delay);
}
