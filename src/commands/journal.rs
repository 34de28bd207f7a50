//! `zdwatch journal purge`: customer data out of the journals, by age or by ticket; and the
//! `retention` setting, which applies the same purge to the journals a run opens.

use std::process::ExitCode;

use zdwatch_core::sanitize;
use zdwatch_journal::{Journal, Purge};

use super::{Outcome, Stop};
use crate::cli::{JournalAction, JournalCommandArgs};

pub(crate) fn run(args: JournalCommandArgs) -> Outcome {
    let JournalAction::Purge(args) = args.action;
    let before = match args.older_than {
        Some(age) => Some(jiff::Timestamp::now().checked_sub(age).map_err(|e| {
            crate::say!("zdwatch: --older-than: {e}");
            Stop::Usage
        })?),
        None => None,
    };
    let what = Purge {
        before,
        ticket: args.ticket,
    };
    let paths = if args.journals.is_empty() {
        zdwatch_journal::default_journals()
    } else {
        args.journals.clone()
    };
    if paths.is_empty() {
        crate::say!("zdwatch: no journal in the data directory; name one with --journal PATH");
        return Err(Stop::Exit(ExitCode::FAILURE));
    }
    let verb = if args.dry_run {
        "would remove"
    } else {
        "removed"
    };
    let mut failed = false;
    for path in paths {
        let shown = sanitize::sanitize(&path.display().to_string()).into_owned();
        // Purging never creates a journal: a mistyped path is an error, not a new empty file.
        if !path.is_file() || !zdwatch_journal::is_sqlite(&path) {
            crate::say!("zdwatch: {shown}: not a journal");
            failed = true;
            continue;
        }
        match Journal::open(&path).and_then(|mut j| j.purge(what, args.dry_run)) {
            Ok(p) => println!(
                "{shown}: {verb} {} events and {} tickets",
                p.events, p.tickets
            ),
            Err(e) => {
                crate::say!("zdwatch: {}", sanitize::sanitize(&e.to_string()));
                failed = true;
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
