//! Several journals behind one front: each source writes to its own (or all to one).

use std::path::Path;

use jiff::Timestamp;
use zdwatch_core::event::TicketEvent;

use crate::{Journal, JournalError, StoredEvent};

/// The journals of a run, by source: each queue its own file, or all in one with `--journal PATH`.
/// Sources without a journal (files, the demo) are simply not written.
///
/// A journal that does not exist yet is created by the first events it is to hold, so that a run
/// that never received anything (a queue that could not be reached) leaves no empty file behind;
/// whether it could be created is checked at once.
#[derive(Default)]
pub struct Journals {
    journals: Vec<Slot>,
    /// Index into `journals` for each source id.
    by_source: Vec<Option<usize>>,
    names: Vec<String>,
    /// `--journal-max-mb`, for journals created later.
    max_size: Option<u64>,
}

enum Slot {
    Open(Box<Journal>),
    /// Not created yet: no event has been stored in it.
    Later(std::path::PathBuf),
}

impl Slot {
    fn path(&self) -> &Path {
        match self {
            Slot::Open(j) => &j.path,
            Slot::Later(path) => path,
        }
    }

    fn open(&self) -> Option<&Journal> {
        match self {
            Slot::Open(j) => Some(j),
            Slot::Later(_) => None,
        }
    }
}

impl Journals {
    /// Adds source `id` (named `name`, its queue URL) writing to the journal at `path`: opened
    /// now when it exists, else created with its first events (its directory is made now).
    pub fn add(&mut self, id: usize, name: &str, path: &Path) -> Result<(), JournalError> {
        let index = match self.journals.iter().position(|j| j.path() == path) {
            Some(i) => i,
            None if path.exists() => {
                self.journals
                    .push(Slot::Open(Box::new(Journal::open(path)?)));
                self.journals.len() - 1
            }
            None => {
                Journal::can_create(path)?;
                self.journals.push(Slot::Later(path.to_path_buf()));
                self.journals.len() - 1
            }
        };
        if self.by_source.len() <= id {
            self.by_source.resize(id + 1, None);
            self.names.resize(id + 1, String::new());
        }
        self.by_source[id] = Some(index);
        self.names[id] = name.to_string();
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.journals.is_empty()
    }

    /// How many source ids this knows about (covered or not).
    pub fn sources(&self) -> usize {
        self.by_source.len()
    }

    pub fn covers(&self, source: usize) -> bool {
        self.by_source.get(source).is_some_and(Option::is_some)
    }

    /// Every journal of the run, created yet or not.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.journals.iter().map(Slot::path)
    }

    fn existing(&self) -> impl Iterator<Item = &Journal> {
        self.journals.iter().filter_map(Slot::open)
    }

    /// Purges every journal (the `retention` setting); returns the sums.
    pub fn purge(&mut self, what: crate::Purge) -> Result<crate::Purged, JournalError> {
        let mut sum = crate::Purged::default();
        for slot in &mut self.journals {
            if let Slot::Open(j) = slot {
                let p = j.purge(what, false)?;
                sum.events += p.events;
                sum.tickets += p.tickets;
            }
        }
        Ok(sum)
    }

    /// Caps every journal's size (`--journal-max-mb`), those created later too.
    pub fn set_max_size(&mut self, bytes: u64) -> Result<(), JournalError> {
        self.max_size = Some(bytes);
        self.existing().try_for_each(|j| j.set_max_size(bytes))
    }

    /// The journal at `index`, created now if it was waiting for its first events.
    fn for_writing(&mut self, index: usize) -> Result<&mut Journal, JournalError> {
        let slot = &mut self.journals[index];
        if let Slot::Later(path) = slot {
            let journal = Journal::open(path)?;
            if let Some(bytes) = self.max_size {
                journal.set_max_size(bytes)?;
            }
            *slot = Slot::Open(Box::new(journal));
        }
        match slot {
            Slot::Open(j) => Ok(j),
            Slot::Later(_) => unreachable!("opened just above"),
        }
    }

    /// Stores the events of each source in its journal; `Ok` means all of them are on disk.
    pub fn append<'a>(
        &mut self,
        events: impl IntoIterator<Item = (usize, &'a TicketEvent)>,
    ) -> Result<(), JournalError> {
        let mut grouped: Vec<Vec<&TicketEvent>> = vec![Vec::new(); self.by_source.len()];
        for (source, e) in events {
            if let Some(group) = grouped.get_mut(source) {
                group.push(e);
            }
        }
        for (source, events) in grouped.into_iter().enumerate() {
            if events.is_empty() {
                continue;
            }
            if let Some(Some(i)) = self.by_source.get(source).copied() {
                let name = self.names[source].clone();
                self.for_writing(i)?.append(&name, events)?;
            }
        }
        Ok(())
    }

    /// The dictionary of the first journal that has one ([`Journal::dictionary`]).
    pub fn dictionary(
        &self,
    ) -> Result<Option<std::sync::Arc<zdwatch_core::store::Dictionary>>, JournalError> {
        for j in self.existing() {
            if let Some(d) = j.dictionary()? {
                return Ok(Some(d));
            }
        }
        Ok(None)
    }

    /// A ticket's events in every journal (at most `limit` from each).
    pub fn ticket(&self, ticket: u64, limit: usize) -> Result<Vec<StoredEvent>, JournalError> {
        let mut all = Vec::new();
        for j in self.existing() {
            all.extend(j.ticket(ticket, limit)?);
        }
        Ok(all)
    }

    /// The events received since `since` in every journal, oldest first (at most `limit`),
    /// handed over `slice` at a time. One journal is read a slice at a time; several are read
    /// whole, merged by time and then handed over.
    pub fn recent_each(
        &self,
        since: Timestamp,
        limit: usize,
        slice: usize,
        f: impl FnMut(Vec<StoredEvent>) + Send,
    ) -> Result<(), JournalError> {
        let existing: Vec<&Journal> = self.existing().collect();
        if let [only] = existing.as_slice() {
            return only.recent_each(since, limit, slice, f);
        }
        let mut all = Vec::new();
        for j in existing {
            all.extend(j.recent(since, limit)?);
        }
        all.sort_by_key(|e| e.received_at);
        let excess = all.len().saturating_sub(limit);
        let merged = all.into_iter().skip(excess).map(Ok::<_, JournalError>);
        crate::read::read_ahead(f, |hand| crate::read::in_slices(merged, slice, hand))
    }
}
