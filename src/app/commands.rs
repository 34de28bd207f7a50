//! The `:` commands and Ctrl-s (saving what is on screen as a capture).

use super::{App, Mode};
use zdwatch_core::filter::Filter;
use zdwatch_core::store::{Seq, Timeline};

impl App {
    pub(super) fn command(&mut self, text: &str) {
        let (name, arg) = text
            .split_once(' ')
            .map_or((text, ""), |(n, a)| (n, a.trim()));
        match name {
            "" => {}
            "q" | "quit" => self.quit = true,
            "utc" => self.utc = true,
            "local" => self.utc = false,
            "highlight" | "hl" => {
                if arg.is_empty() {
                    self.highlight = None;
                    self.highlight_text.clear();
                } else {
                    match Filter::parse(arg) {
                        Ok(f) => {
                            self.highlight = Some(f);
                            self.highlight_text = arg.to_string();
                        }
                        Err(e) => self.notice = Some(format!("highlight: {e}")),
                    }
                }
            }
            "pattern" | "p" => self.pattern_command(arg),
            "filter" | "f" => match Filter::parse(arg) {
                Ok(f) => {
                    self.filter = f;
                    self.filter_text = arg.to_string();
                    self.refilter();
                }
                Err(e) => self.notice = Some(format!("filter: {e}")),
            },
            other => {
                self.notice = Some(format!(
                    "unknown command '{other}': try highlight EXPR, filter EXPR, pattern [JSON|off], utc, local, quit"
                ))
            }
        }
    }

    /// The events on screen (the filtered stream, or the open timeline) as a capture: one raw
    /// body per line, how many, and how many were left out because their bodies are missing
    /// (their capture file changed since it was read). The loop writes the file (`Effect::Save`).
    pub(super) fn capture(&self) -> (Vec<u8>, usize, usize) {
        let seqs: Vec<Seq> = match self
            .stack
            .iter()
            .rev()
            .find(|m| matches!(m, Mode::Timeline { .. }))
        {
            Some(Mode::Timeline { ticket, .. }) => Timeline::build(&self.store, *ticket)
                .entries
                .iter()
                .map(|e| e.seq)
                .collect(),
            _ => self.stream.visible.clone(),
        };
        let mut out = Vec::new();
        let (mut n, mut left_out) = (0, 0);
        for e in seqs.iter().filter_map(|s| self.shown(*s)) {
            if e.body_missing() {
                left_out += 1;
                continue;
            }
            // Writing to memory cannot fail.
            let _ = crate::headless::write_raw(&mut out, &e, false);
            n += 1;
        }
        (out, n, left_out)
    }

    /// What became of a capture the loop wrote.
    pub(super) fn saved(
        &mut self,
        path: &str,
        events: usize,
        left_out: usize,
        result: Result<(), String>,
    ) {
        let missing = match left_out {
            0 => String::new(),
            // A file that could not be read for now (an I/O error) has not changed: saying so
            // would send the user to open a file that is as it was.
            n if !self.store.unreadable_files().is_empty() => format!(
                " ({n} left out: their bodies could not be read back from the file they were read from; try again)"
            ),
            n => format!(
                " ({n} left out: their bodies are no longer in the file they were read from)"
            ),
        };
        self.notice = Some(match result {
            Ok(()) => format!("saved {events} events to {path}{missing}"),
            Err(e) => format!("could not save to {path}: {e}"),
        });
    }
}
