use super::*;
use crate::paths::file_stem;
use std::fs;
use std::sync::Arc;
use zdwatch_core::event::TicketEvent;
use zdwatch_core::event::{Received, decode};
use zdwatch_core::store::SAMPLES;

fn temp(name: &str) -> PathBuf {
    static SWEEP: std::sync::Once = std::sync::Once::new();
    SWEEP.call_once(sweep_ended);
    let dir = std::env::temp_dir().join(format!("zdwatch-journal-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir.join("sub").join("j.db")
}

/// Removes the directories that ended test processes left (a test cannot clean up after a
/// panic): `zdwatch-journal-<pid>-…` whose process is gone (Linux: no /proc/<pid>).
fn sweep_ended() {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let tmp = std::env::temp_dir();
    for entry in fs::read_dir(&tmp).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name
            .strip_prefix("zdwatch-journal-")
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = pid {
            if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
}

fn sample(name: &str) -> TicketEvent {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/samples")
        .join(name);
    let body = fs::read(path).unwrap_or_default();
    decode(Received {
        body,
        message_id: Some(format!("m-{name}")),
        received_at: Timestamp::UNIX_EPOCH,
    })
}

#[test]
fn recent_history_comes_in_slices_newest_n_in_arrival_order() {
    let path = temp("slices");
    let mut j = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let start: Timestamp = "2026-01-01T00:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let events: Vec<TicketEvent> = (0..10)
        .map(|i| {
            let body = format!(
                r#"{{"type":"zen:event-type:ticket.created","id":"e{i}","time":"2026-01-01T00:00:00Z","detail":{{"id":"{i}"}}}}"#
            );
            decode(Received {
                body: body.into_bytes(),
                message_id: Some(format!("m{i}")),
                received_at: start + jiff::SignedDuration::from_mins(i),
            })
        })
        .collect();
    assert_eq!(j.append("q", events.iter()).ok(), Some(10));
    let ids = |since: Timestamp, limit: usize| {
        let mut slices = Vec::new();
        j.recent_each(since, limit, 3, |s| {
            slices.push(
                s.iter()
                    .map(|e| e.message_id.clone().unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        })
        .unwrap_or_else(|e| panic!("{e}"));
        slices
    };
    assert_eq!(ids(start, 7), ["m3 m4 m5", "m6 m7 m8", "m9"]);
    let since = start + jiff::SignedDuration::from_mins(8);
    assert_eq!(
        ids(since, 7),
        ["m8 m9"],
        "only since, however many are allowed"
    );
    assert_eq!(ids(start, 0), Vec::<String>::new());
    assert_eq!(
        j.recent(start, 2).unwrap_or_default().len(),
        2,
        "recent collects the slices"
    );
}

#[test]
fn append_is_idempotent_and_reads_back() {
    let path = temp("idem");
    let mut j = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let a = sample("legacy/status_changed.json");
    let b = sample("webhook/tags_changed.json");
    assert_eq!(j.append("q", [&a, &b]).ok(), Some(2));
    assert_eq!(j.append("q", [&a]).ok(), Some(0), "same event id again");
    assert_eq!(j.count().ok(), Some(2));
    let back = j.recent(Timestamp::UNIX_EPOCH, 10).unwrap_or_default();
    assert_eq!(back.len(), 2);
    assert_eq!(back[0].raw(), a.raw);
    assert_eq!(
        back[1].message_id.as_deref(),
        Some("m-webhook/tags_changed.json")
    );
    drop(j);
    // Reopening keeps everything and does not migrate twice.
    let j = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(j.count().ok(), Some(2));
    assert_eq!(j.version().ok(), Some(SCHEMA_VERSION));
}

#[cfg(unix)]
#[test]
fn files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let path = temp("perm");
    let mut j = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let _ = j.append("q", [&sample("legacy/created.json")]);
    let mode = |p: &Path| {
        fs::metadata(p)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0)
    };
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap_or(Path::new("/"))), 0o700);
    let wal = path.with_extension("db-wal");
    assert!(
        !wal.exists() || mode(&wal) == 0o600,
        "WAL file {:o}",
        mode(&wal)
    );
}

#[test]
fn tickets_keep_the_latest_snapshot_whatever_the_arrival_order() {
    let path = temp("tickets");
    let mut j = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let mut newer = sample("legacy/priority_changed.json");
    newer.ticket.priority = Some("urgent".into());
    let mut older = sample("legacy/status_changed.json");
    older.ticket.priority = Some("low".into());
    older.occurred_at = newer
        .occurred_at
        .map(|t| t - jiff::SignedDuration::from_mins(5));
    assert!(j.append("q", [&newer]).is_ok());
    assert!(j.append("q", [&older]).is_ok());
    let (priority, first, last): (String, String, String) = j
        .conn
        .query_row(
            "SELECT priority, first_seen, last_changed FROM tickets WHERE ticket_id = 35436",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap_or_default();
    assert_eq!(priority, "urgent", "the late, older snapshot does not win");
    assert!(first < last);
    assert_eq!(
        last,
        time_text(newer.occurred_at.unwrap_or(Timestamp::UNIX_EPOCH))
    );
}

#[test]
fn a_full_journal_says_so() {
    let path = temp("full");
    let mut j = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(j.set_max_size(64 * 1024).is_ok());
    let e = sample("webhook/comment_added.json");
    let mut result = Ok(0);
    for i in 0..10_000 {
        let mut copy = e.clone();
        copy.event_id = format!("e{i}");
        result = j.append("q", [&copy]);
        if result.is_err() {
            break;
        }
    }
    let err = result.err().map(|e| (e.is_full(), e.to_string()));
    assert!(matches!(err, Some((true, _))), "{err:?}");
}

#[test]
fn foreign_and_newer_databases_are_refused() {
    let path = temp("foreign");
    fs::create_dir_all(path.parent().unwrap_or(Path::new("."))).unwrap_or_default();
    let c = Connection::open(&path).unwrap_or_else(|e| panic!("{e}"));
    c.execute_batch("CREATE TABLE songs (title TEXT)")
        .unwrap_or_default();
    drop(c);
    assert!(matches!(
        Journal::open(&path),
        Err(JournalError::Foreign { .. })
    ));
    assert!(matches!(
        Journal::open_read_only(&path),
        Err(JournalError::Foreign { .. })
    ));
    let newer = temp("newer");
    drop(Journal::open(&newer));
    let c = Connection::open(&newer).unwrap_or_else(|e| panic!("{e}"));
    c.pragma_update(None, "user_version", 99)
        .unwrap_or_default();
    drop(c);
    let e = Journal::open_read_only(&newer)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("newer zdwatch"), "{e}");
}

#[test]
fn default_paths_are_one_file_per_queue() {
    assert_eq!(
        file_stem("https://sqs.eu-west-1.amazonaws.com/123456789012/zendesk-debug"),
        "sqs.eu-west-1.amazonaws.com_123456789012_zendesk-debug"
    );
    assert_eq!(
        file_stem("http://127.0.0.1:4566/000000000000/q"),
        "127.0.0.1_4566_000000000000_q"
    );
    assert_eq!(time_text(Timestamp::UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
}

fn copies(e: &TicketEvent, from: usize, n: usize) -> Vec<(usize, Box<TicketEvent>)> {
    (from..from + n)
        .map(|i| {
            let mut copy = e.clone();
            copy.event_id = format!("e{i}");
            copy.ticket_id = Some(7);
            (0, Box::new(copy))
        })
        .collect()
}

#[test]
fn the_writer_reports_every_job_in_order_once_it_is_on_disk() {
    let path = temp("writer");
    let mut journals = Journals::default();
    journals
        .add(0, "q", &path)
        .unwrap_or_else(|e| panic!("{e}"));
    let reports = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = reports.clone();
    let writer = Writer::spawn(journals, move |d: Done<u32>| {
        // What is reported stored must be readable by another connection already.
        let on_disk = Journal::open_read_only(&path).and_then(|j| j.count()).ok();
        seen.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((d, on_disk));
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let e = sample("webhook/comment_added.json");
    for job in 0..20u32 {
        assert!(writer.store(copies(&e, job as usize * 50, 50), job));
    }
    assert!(writer.ticket(7, 10));
    writer.finish();
    let reports = reports.lock().unwrap_or_else(|p| p.into_inner());
    assert_eq!(reports.len(), 21);
    let mut stored = 0;
    for (i, (d, on_disk)) in reports.iter().take(20).enumerate() {
        match d {
            Done::Stored {
                ticket,
                events,
                result,
            } => {
                assert_eq!((*ticket, *events, result.is_ok()), (i as u32, 50, true));
                stored += 50;
                assert!(
                    on_disk.is_some_and(|n| n >= stored),
                    "job {i} reported before its events were committed: {on_disk:?}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
    match &reports[20].0 {
        Done::Ticket { ticket, result } => {
            assert_eq!((*ticket, result.as_ref().map(Vec::len).ok()), (7, Some(10)));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn after_a_failed_commit_the_writer_stores_nothing_more() {
    let path = temp("writer-full");
    let mut journals = Journals::default();
    journals
        .add(0, "q", &path)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(journals.set_max_size(64 * 1024).is_ok());
    let reports = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = reports.clone();
    let writer = Writer::spawn(journals, move |d: Done<usize>| {
        if let Done::Stored { ticket, result, .. } = d {
            seen.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((ticket, result));
        }
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let e = sample("webhook/comment_added.json");
    for job in 0..200 {
        writer.store(copies(&e, job * 20, 20), job);
    }
    writer.finish();
    let reports = reports.lock().unwrap_or_else(|p| p.into_inner());
    let first_failure = reports
        .iter()
        .position(|(_, r)| r.is_err())
        .unwrap_or_else(|| panic!("64 KB cannot hold 4,000 events"));
    assert!(
        reports[first_failure]
            .1
            .as_ref()
            .is_err_and(|w| w.contains("(full)"))
    );
    assert!(reports[first_failure..].iter().all(|(_, r)| r.is_err()));
    let stored = Journal::open_read_only(&path)
        .and_then(|j| j.count())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(stored < 4_000);
}

fn webhook_at(id: &str, ticket: u64, time: &str, event: &str) -> TicketEvent {
    let kind = if event.contains("comment") && event.contains("body") {
        "comment_added"
    } else if event.contains("comment") {
        "comment_redacted"
    } else {
        "status_changed"
    };
    let body = format!(
        r#"{{"type":"zen:event-type:ticket.{kind}","id":"{id}","time":"{time}","subject":"zen:ticket:{ticket}","detail":{{"id":"{ticket}"}},"event":{event}}}"#
    );
    decode(Received {
        body: body.into_bytes(),
        message_id: None,
        received_at: Timestamp::UNIX_EPOCH,
    })
}

/// Whether the bytes of the journal's files (database and write-ahead log) hold `needle`.
fn on_disk(path: &Path, needle: &str) -> bool {
    ["", "-wal"].iter().any(|suffix| {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        fs::read(&p)
            .unwrap_or_default()
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
    })
}

#[test]
fn purge_removes_old_events_or_a_ticket_and_the_text_leaves_the_files() {
    let path = temp("purge");
    let mut j = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let comment = |id: &str, ticket: u64, time: &str, text: &str| {
        webhook_at(
            id,
            ticket,
            time,
            &format!(r#"{{"comment":{{"id":"{id}9","body":"{text}","is_public":true}}}}"#),
        )
    };
    let events = [
        comment("old", 1, "2026-01-01T00:00:00Z", "OldSecretAlpha"),
        comment("new", 1, "2026-03-01T00:00:00Z", "NewSecretBeta"),
        comment("other", 2, "2026-03-01T00:00:00Z", "OtherSecretGamma"),
    ];
    assert_eq!(j.append("q", events.iter()).ok(), Some(3));
    let before: Timestamp = "2026-02-01T00:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let by_age = Purge {
        before: Some(before),
        ticket: None,
    };
    // Dry: counted, nothing removed.
    let dry = j.purge(by_age, true).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (dry.events, dry.tickets),
        (1, 0),
        "ticket 1 still has an event"
    );
    assert_eq!(j.count().unwrap_or_default(), 3);
    let done = j.purge(by_age, false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(done, dry);
    assert_eq!(j.count().unwrap_or_default(), 2);
    assert!(!on_disk(&path, "OldSecretAlpha"), "purged text overwritten");
    assert!(on_disk(&path, "NewSecretBeta"), "kept text is kept");
    let by_ticket = Purge {
        before: None,
        ticket: Some(1),
    };
    let done = j.purge(by_ticket, false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((done.events, done.tickets), (1, 1));
    assert!(!on_disk(&path, "NewSecretBeta"));
    assert!(on_disk(&path, "OtherSecretGamma"));
    assert_eq!(j.count().unwrap_or_default(), 1);
}

#[test]
fn a_stored_comment_redaction_rewrites_the_earlier_bodies_of_that_comment() {
    let path = temp("redact");
    let mut j = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let added = webhook_at(
        "a1",
        7,
        "2026-01-01T00:00:00Z",
        r#"{"comment":{"id":"55","body":"my card is 4111 RedactMe","is_public":true}}"#,
    );
    let other = webhook_at(
        "a2",
        7,
        "2026-01-01T00:01:00Z",
        r#"{"comment":{"id":"56","body":"KeepThisOne","is_public":true}}"#,
    );
    assert_eq!(j.append("q", [&added, &other]).ok(), Some(2));
    let digests = |j: &Journal| -> Vec<bool> {
        j.ticket(7, 100)
            .unwrap_or_default()
            .iter()
            .map(|s| s.digest.is_some())
            .collect()
    };
    assert_eq!(digests(&j), [true, true]);
    let redacted = webhook_at(
        "a3",
        7,
        "2026-01-01T00:02:00Z",
        r#"{"comment":{"id":"55"}}"#,
    );
    assert_eq!(redacted.kind, zdwatch_core::event::Kind::CommentRedacted);
    assert_eq!(j.append("q", [&redacted]).ok(), Some(1));
    let bodies: Vec<String> = j
        .ticket(7, 100)
        .unwrap_or_default()
        .iter()
        .map(|s| String::from_utf8_lossy(&s.raw()).into_owned())
        .collect();
    assert_eq!(bodies.len(), 3);
    assert!(bodies.iter().all(|b| !b.contains("RedactMe")), "{bodies:?}");
    assert!(bodies[0].contains(zdwatch_core::event::mask::REDACTED));
    assert!(bodies[1].contains("KeepThisOne"), "another comment stays");
    // The rewritten body's digest (with the search bits of the removed text) is gone; reopening
    // decodes that body instead. The others keep theirs.
    assert_eq!(digests(&j), [false, true, true]);
}

#[test]
fn an_untrusted_journal_is_read_with_trusted_schema_off_and_defensive_mode() {
    let path = temp("untrusted");
    drop(Journal::open(&path));
    let j = Journal::open_read_only(&path).unwrap_or_else(|e| panic!("{e}"));
    let trusted: i64 = j
        .conn
        .query_row("PRAGMA trusted_schema", [], |r| r.get(0))
        .unwrap_or(1);
    assert_eq!(trusted, 0);
    let defensive = j
        .conn
        .db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DEFENSIVE)
        .unwrap_or(false);
    assert!(defensive);
    // Read-only: nothing in it can be changed through this connection.
    assert!(j.conn.execute("DELETE FROM events", []).is_err());
}

#[cfg(unix)]
#[test]
fn an_existing_journal_readable_by_others_is_made_private_when_opened() {
    use std::os::unix::fs::PermissionsExt;
    let path = temp("loose");
    drop(Journal::open(&path));
    let wal = path.with_extension("db-wal");
    if !wal.exists() {
        fs::write(&wal, []).unwrap_or_default();
    }
    for p in [&path, &wal] {
        fs::set_permissions(p, fs::Permissions::from_mode(0o644)).unwrap_or_default();
    }
    let open = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
    for p in [&path, &wal] {
        let mode = fs::metadata(p).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode.ok(), Some(0o600), "{}", p.display());
    }
    drop(open);
}

#[test]
fn a_journal_is_created_by_its_first_events_and_refused_early_when_it_cannot_be() {
    let path = temp("later");
    let mut journals = Journals::default();
    journals
        .add(0, "q", &path)
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = path.parent().unwrap_or(Path::new("."));
    assert!(dir.is_dir(), "the directory is made at once");
    assert!(!path.exists(), "no file before the first event");
    assert_eq!(
        fs::read_dir(dir).map(|d| d.count()).ok(),
        Some(0),
        "no probe left"
    );
    assert!(journals.ticket(1, 10).is_ok_and(|v| v.is_empty()));
    let e = sample("webhook/comment_added.json");
    assert!(journals.append([(0, &e)]).is_ok());
    assert!(path.exists());
    assert_eq!(
        Journal::open_read_only(&path).and_then(|j| j.count()).ok(),
        Some(1)
    );

    // A journal whose directory cannot be made is refused when it is added, not later.
    let blocked = temp("blocked");
    let parent = blocked
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."));
    assert!(fs::create_dir_all(parent).is_ok());
    assert!(fs::write(parent.join("sub"), b"a file, not a directory").is_ok());
    assert!(Journals::default().add(0, "q", &blocked).is_err());
}

/// What version 1 of the schema created (`event_id` unique on its own), as such files are.
const SCHEMA_1: &str = r#"
CREATE TABLE events (
    seq               INTEGER PRIMARY KEY,      -- arrival order
    event_id          TEXT NOT NULL UNIQUE,     -- the dedupe key (README, "Event identity")
    message_id        TEXT,                     -- SQS MessageId
    source            TEXT,                     -- queue URL or file it came from
    format            TEXT NOT NULL,            -- legacy, webhook, unrecognized, malformed
    kind              TEXT NOT NULL,            -- status_changed, comment_added, ...
    ticket_id         INTEGER,
    occurred_at       TEXT,
    received_at       TEXT NOT NULL,
    actor_id          INTEGER,
    previous          TEXT,
    current           TEXT,
    tags_added        TEXT,                     -- JSON array
    tags_removed      TEXT,                     -- JSON array
    tags              TEXT,                     -- the ticket's tags after the event, JSON array
    sequence_id       TEXT,
    sequence_position INTEGER,
    raw               BLOB NOT NULL             -- the message body as received
);
CREATE INDEX events_by_ticket ON events (ticket_id, occurred_at);
CREATE INDEX events_by_occurred ON events (occurred_at);
CREATE INDEX events_by_received ON events (received_at);
CREATE TABLE tickets (
    ticket_id       INTEGER PRIMARY KEY,
    status          TEXT,
    priority        TEXT,
    assignee_id     INTEGER,
    group_id        INTEGER,
    brand_id        INTEGER,
    organization_id INTEGER,
    channel         TEXT,
    tags            TEXT,                       -- JSON array
    subject         TEXT,
    first_seen      TEXT NOT NULL,              -- earliest occurred_at seen
    last_changed    TEXT NOT NULL               -- occurred_at of the snapshot kept
);
"#;

/// A journal of schema 1 (before digests) is read as it is, opened read-only, and migrated when
/// opened for writing: its old rows have no digest (reopening decodes their bodies), new rows have
/// one that reads back as what their body decodes to.
#[test]
fn journals_from_before_digests_are_read_and_migrated() {
    use zdwatch_core::event::digest::{digested, from_digest};
    let path = temp("schema1");
    let old = sample("webhook/tags_changed.json");
    {
        assert!(fs::create_dir_all(path.parent().unwrap_or(Path::new("."))).is_ok());
        let c = Connection::open(&path).unwrap_or_else(|e| panic!("{e}"));
        c.execute_batch(&format!(
            "{SCHEMA_1} PRAGMA user_version = 1;
             INSERT INTO events (event_id, format, kind, received_at, raw)
             VALUES ('old', 'webhook', 'tags_changed', '2026-01-01T00:00:00.000Z', x'7b7d');"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    }
    let ro = Journal::open_read_only(&path).unwrap_or_else(|e| panic!("{e}"));
    let rows = ro.recent(Timestamp::UNIX_EPOCH, 10).unwrap_or_default();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].digest, None);
    assert_eq!(ro.version().ok(), Some(1), "reading does not migrate");
    drop(ro);
    let mut j = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(j.version().ok(), Some(SCHEMA_VERSION));
    j.append("q", [&old]).unwrap_or_else(|e| panic!("{e}"));
    let rows = j.recent(Timestamp::UNIX_EPOCH, 10).unwrap_or_default();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].digest, None, "the old row");
    let row = &rows[1];
    let back = from_digest(
        row.digest.as_deref().unwrap_or_default(),
        Received {
            body: row.raw(),
            message_id: row.message_id.clone(),
            received_at: row.received_at,
        },
    );
    assert_eq!(back.ok(), Some(digested(&old)));
    let ticket = j.ticket(old.ticket_id.unwrap_or(0), 10).unwrap_or_default();
    assert!(ticket.iter().all(|r| r.digest.is_some()), "{ticket:?}");
    // Migrated to version 3: the index of time and id is there, the old one of ids alone stays.
    assert_eq!(j.append("q", [&old]).ok(), Some(0), "stored once");
    let indexes = index_names(&path);
    assert!(
        indexes.contains(&"events_by_time_and_id".to_string()),
        "{indexes:?}"
    );
    assert!(
        indexes
            .iter()
            .any(|i| i.starts_with("sqlite_autoindex_events")),
        "{indexes:?}"
    );
}

fn index_names(path: &Path) -> Vec<String> {
    let c = Connection::open(path).unwrap_or_else(|e| panic!("{e}"));
    let mut stmt = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
        .unwrap_or_else(|e| panic!("{e}"));
    let names = stmt
        .query_map([], |r| r.get(0))
        .and_then(|rows| rows.collect::<Result<Vec<String>, _>>());
    names.unwrap_or_else(|e| panic!("{e}"))
}

/// A new journal keeps an event once by its time and id, with no index of ids alone (random ids
/// would have every commit rewrite pages all over it); events without a time (bodies that are not
/// JSON) are kept once by their id too; and the same id at another time is another event.
#[test]
fn events_are_stored_once_by_time_and_id() {
    let path = temp("identity");
    let mut j = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let timed = sample("webhook/tags_changed.json");
    assert!(timed.occurred_at.is_some());
    let timeless = decode(Received {
        body: b"not json at all".to_vec(),
        message_id: Some("m-1".into()),
        received_at: Timestamp::UNIX_EPOCH,
    });
    assert_eq!(timeless.occurred_at, None);
    let mut later = timed.clone();
    later.occurred_at = timed
        .occurred_at
        .and_then(|t| t.checked_add(jiff::SignedDuration::from_secs(1)).ok());
    // Twice in one transaction, then again in the next.
    let first = j.append("q", [&timed, &timeless, &timed, &timeless]);
    assert_eq!(first.ok(), Some(2));
    assert_eq!(j.append("q", [&timeless, &timed]).ok(), Some(0));
    assert_eq!(
        j.append("q", [&later]).ok(),
        Some(1),
        "another time: another event"
    );
    assert_eq!(j.count().ok(), Some(3));
    let indexes = index_names(&path);
    assert!(
        indexes.contains(&"events_by_time_and_id".to_string()),
        "{indexes:?}"
    );
    assert!(
        !indexes
            .iter()
            .any(|i| i.starts_with("sqlite_autoindex_events")),
        "no index of ids alone: {indexes:?}"
    );
}

/// `n` comment events on 50 tickets from `from` on, each with a message id, whose text repeats
/// `secret` (so that a dictionary learnt from the bodies as they came would hold it).
fn commented(from: usize, n: usize, secret: &str) -> Vec<TicketEvent> {
    (from..from + n)
        .map(|i| {
            let mut e = webhook_at(
                &format!("c{i:06}"),
                (i % 50) as u64 + 1,
                &format!("2026-01-01T00:{:02}:{:02}Z", i / 60 % 60, i % 60),
                &format!(
                    r#"{{"comment":{{"id":"{i}","body":"{secret} about order {i}, card ending {}","is_public":true}}}}"#,
                    i % 97
                ),
            );
            e.message_id = Some(format!("{i:08}-4a2b-4c3d-8e4f-5a6b7c8d9e0f"));
            e
        })
        .collect()
}

fn column_sums(path: &Path) -> (i64, i64, i64, i64) {
    let conn = rusqlite::Connection::open(path).unwrap_or_else(|e| panic!("{e}"));
    conn.query_row(
        "SELECT count(*), coalesce(sum(length(raw)), 0), coalesce(sum(raw_length), 0),
                (SELECT count(*) FROM dictionaries)
         FROM events WHERE raw_dictionary IS NOT NULL",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn bodies_are_compressed_with_the_journals_dictionary_and_read_back_byte_for_byte() {
    let path = temp("packed");
    let secret = "SecretPhraseQuokka";
    let events = commented(0, 1500, secret);
    let mut j = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
    for chunk in events.chunks(100) {
        assert_eq!(j.append("q", chunk).ok(), Some(chunk.len()));
    }
    // The first bodies are stored as they came while the dictionary is learnt from them.
    let (packed, bytes, framed, dictionaries) = column_sums(&path);
    assert_eq!(packed, 500, "every body after the first {SAMPLES}");
    assert_eq!(dictionaries, 1);
    assert!(bytes * 2 < framed, "{bytes} bytes for {framed}");
    // Every way of reading gives the bodies back as they came, with their message ids.
    let check = |stored: Vec<StoredEvent>, from: usize| {
        for (s, e) in stored.iter().zip(&events[from..]) {
            assert_eq!(s.raw(), e.raw);
            assert_eq!(s.message_id, e.message_id);
        }
    };
    check(j.recent(Timestamp::UNIX_EPOCH, 2000).unwrap(), 0);
    check(j.recent(Timestamp::UNIX_EPOCH, 300).unwrap(), 1200);
    let ticket: Vec<TicketEvent> = events
        .iter()
        .filter(|e| e.ticket_id == Some(7))
        .cloned()
        .collect();
    let back = j.ticket(7, 100).unwrap();
    assert_eq!(back.len(), ticket.len());
    for (s, e) in back.iter().zip(&ticket) {
        assert_eq!(s.raw(), e.raw);
    }
    // Bodies read back carry the journal's dictionary itself: the store, having taken it over,
    // tells by it the bodies it can hold as they are.
    let dictionary = j.dictionary().unwrap().expect("a dictionary");
    assert!(back.iter().any(
        |s| matches!(&s.body, Body::Packed { dictionary: d, .. } if Arc::ptr_eq(d, &dictionary))
    ));
    let mut all = Vec::new();
    Journal::open_read_only(&path)
        .unwrap()
        .each(64, |rows| {
            all.extend(rows);
            true
        })
        .unwrap();
    check(all, 0);
    // Opened again, the journal goes on with its dictionary: no second one is learnt.
    drop(j);
    let mut j = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let more = commented(1500, 20, secret);
    assert_eq!(j.append("q", &more).ok(), Some(20));
    let (packed, _, _, dictionaries) = column_sums(&path);
    assert_eq!((packed, dictionaries), (520, 1));
}

/// A dictionary holds the substrings its samples share: learnt from bodies as they came, it would
/// keep customer text that a purge or a redaction cannot reach. The journal's is learnt from the
/// bodies masked.
#[test]
fn the_journals_dictionary_holds_no_customer_text() {
    let path = temp("dictionary-text");
    let secret = "SecretPhraseQuokka";
    let events = commented(0, SAMPLES + 10, secret);
    let mut j = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(j.append("q", &events).ok(), Some(events.len()));
    let conn = rusqlite::Connection::open(&path).unwrap();
    let stored: Vec<u8> = conn
        .query_row("SELECT bytes FROM dictionaries", [], |r| r.get(0))
        .unwrap();
    let holds = |d: &[u8], needle: &str| d.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(
        !holds(&stored, secret),
        "the journal's dictionary holds customer text"
    );
    assert!(
        holds(&stored, "comment_added"),
        "it does hold the bodies' structure"
    );
    // The same bodies unmasked: their dictionary keeps the text (what the test guards against).
    let unmasked: Vec<Vec<u8>> = events[..SAMPLES]
        .iter()
        .map(|e| zdwatch_core::store::frame(e.message_id.as_deref(), &e.raw))
        .collect();
    let learnt = zdwatch_core::store::Dictionary::learn(&unmasked).unwrap();
    assert!(holds(learnt.bytes(), secret));
}

#[test]
fn a_redaction_rewrites_compressed_bodies_and_stores_them_as_they_came() {
    let path = temp("redact-packed");
    let mut j = Journal::open(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        j.append("q", &commented(0, SAMPLES, "Filler")).ok(),
        Some(SAMPLES)
    );
    let added = webhook_at(
        "a1",
        7,
        "2026-01-02T00:00:00Z",
        r#"{"comment":{"id":"55","body":"my card is 4111 RedactMe, and the rest of this comment is long enough","is_public":true}}"#,
    );
    assert_eq!(j.append("q", [&added]).ok(), Some(1));
    let last = |j: &Journal| j.ticket(7, 1000).unwrap().pop().unwrap();
    assert!(matches!(last(&j).body, Body::Packed { .. }), "compressed");
    let redacted = webhook_at(
        "a3",
        7,
        "2026-01-02T00:02:00Z",
        r#"{"comment":{"id":"55"}}"#,
    );
    assert_eq!(j.append("q", [&redacted]).ok(), Some(1));
    let back = j.ticket(7, 1000).unwrap();
    let rewritten = &back[back.len() - 2];
    let text = String::from_utf8_lossy(&rewritten.raw()).into_owned();
    assert!(
        !text.contains("RedactMe") && !text.contains("my card"),
        "{text}"
    );
    assert!(text.contains(zdwatch_core::event::mask::REDACTED), "{text}");
    assert!(matches!(rewritten.body, Body::Raw(_)), "stored as it came");
    assert_eq!(rewritten.digest, None);
}
