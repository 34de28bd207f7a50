//! An EventBridge pattern in the monitor: the active one (filtering or highlighting the stream,
//! with which events it matches worked out once per event), and the multi-line editor that
//! `:pattern` opens (validated as you type).

use std::collections::HashSet;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keymap::Action;
use super::{App, Mode};
use zdwatch_core::pattern::{Pattern, PatternError};
use zdwatch_core::store::{EventStore, Seq};

/// The pattern the stream is using.
#[derive(Clone, Debug)]
pub struct ActivePattern {
    pub pattern: Pattern,
    /// Highlight matching events instead of hiding the others.
    pub highlight_only: bool,
    /// Events (by seq) the pattern matches, among those checked.
    hits: HashSet<Seq>,
    /// Every event before this one has been checked.
    checked: Seq,
}

impl ActivePattern {
    pub fn new(pattern: Pattern, highlight_only: bool) -> ActivePattern {
        ActivePattern {
            pattern,
            highlight_only,
            hits: HashSet::new(),
            checked: 0,
        }
    }

    /// Checks the events that arrived since the last call (each body is read once per pattern),
    /// on every core: a pattern set with a million events held reads a million bodies.
    pub fn catch_up(&mut self, store: &EventStore) {
        let first = store.first_seq();
        let pattern = &self.pattern;
        let held: Vec<_> = store.since(self.checked.max(first)).collect();
        let hits = zdwatch_core::parallel::map_in_order(held, |held| {
            store
                .body(held.seq)
                .is_some_and(|body| pattern.matches_read_body(&body, held.body_is_json()))
                .then_some(held.seq)
        });
        self.hits.extend(hits.into_iter().flatten());
        self.checked = store.next_seq();
        // Evicted events need no answer any more.
        if self.hits.len() > 2 * store.len().max(1024) {
            self.hits.retain(|s| *s >= first);
        }
    }

    pub fn matches(&self, seq: Seq) -> bool {
        self.hits.contains(&seq)
    }

    pub fn count(&self) -> usize {
        self.hits.len()
    }
}

impl App {
    /// Uses `pattern` from now on (`--pattern`, the editor, `:pattern JSON`).
    pub fn set_pattern(&mut self, pattern: Option<Pattern>) {
        let highlight_only = self.pattern.as_ref().is_some_and(|p| p.highlight_only);
        self.pattern = pattern.map(|p| ActivePattern::new(p, highlight_only));
        self.refilter();
    }

    pub(super) fn open_pattern_editor(&mut self) {
        let text = self
            .pattern
            .as_ref()
            .map_or("", |p| p.pattern.text())
            .to_string();
        self.stack
            .push(Mode::PatternEditor(PatternEditor::new(&text)));
    }

    pub(super) fn pattern_editor_key(&mut self, action: Option<Action>, key: &KeyEvent) {
        let Some(Mode::PatternEditor(editor)) = self.stack.last_mut() else {
            return;
        };
        match action {
            Some(Action::Quit) => self.quit = true,
            Some(Action::Cancel) => {
                self.stack.pop();
            }
            Some(Action::ClearInput) => editor.clear(),
            Some(Action::ApplyPattern) => match editor.verdict.clone() {
                None => {
                    self.stack.pop();
                    self.set_pattern(None);
                    self.notice = Some("pattern removed".into());
                }
                Some(Ok(p)) => {
                    self.stack.pop();
                    self.set_pattern(Some(p));
                    let n = self.pattern.as_ref().map_or(0, ActivePattern::count);
                    self.notice = Some(format!("pattern set: {n} events held match"));
                }
                // Stay in the editor: the error is on screen where it is.
                Some(Err(_)) => {
                    self.notice = Some("the pattern is not valid: fix it or Esc".into())
                }
            },
            _ => {
                editor.edit(key);
            }
        }
    }

    /// `:pattern` (the editor), `:pattern off`, or `:pattern {…}` on one line.
    pub(super) fn pattern_command(&mut self, arg: &str) {
        match arg {
            "" => self.open_pattern_editor(),
            "off" | "none" => {
                self.set_pattern(None);
                self.notice = Some("pattern removed".into());
            }
            text => match Pattern::compile(text) {
                Ok(p) => self.set_pattern(Some(p)),
                Err(e) => self.notice = Some(e.with_position().replace('\n', " ")),
            },
        }
    }
}

/// The `:pattern` editor: lines of text, a cursor, and the verdict on the text so far.
#[derive(Clone, Debug, PartialEq)]
pub struct PatternEditor {
    pub lines: Vec<String>,
    /// Cursor: line, and character within it.
    pub row: usize,
    pub col: usize,
    /// `None` while the text is empty.
    pub verdict: Option<Result<Pattern, PatternError>>,
}

impl PatternEditor {
    pub fn new(text: &str) -> PatternEditor {
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        if lines.is_empty() {
            lines.push(String::new());
        }
        let row = lines.len() - 1;
        let col = lines[row].chars().count();
        let mut e = PatternEditor {
            lines,
            row,
            col,
            verdict: None,
        };
        e.validate();
        e
    }

    pub fn text(&self) -> String {
        self.lines.join("\n")
    }

    fn validate(&mut self) {
        let text = self.text();
        self.verdict = (!text.trim().is_empty()).then(|| Pattern::compile(text.trim()));
    }

    /// Byte index of the cursor in its line.
    fn byte_col(&self) -> usize {
        let line = &self.lines[self.row];
        line.char_indices()
            .nth(self.col)
            .map_or(line.len(), |(i, _)| i)
    }

    /// Inserts text at the cursor (pasted text keeps its line breaks).
    pub fn insert(&mut self, text: &str) {
        for c in text.chars() {
            self.insert_char(c);
        }
        self.validate();
    }

    fn insert_char(&mut self, c: char) {
        let at = self.byte_col();
        match c {
            '\r' => {}
            '\n' => {
                let rest = self.lines[self.row].split_off(at);
                self.row += 1;
                self.lines.insert(self.row, rest);
                self.col = 0;
            }
            // Tabs would break the column arithmetic of the error marker.
            '\t' => {
                self.lines[self.row].insert_str(at, "  ");
                self.col += 2;
            }
            c if c.is_control() => {}
            c => {
                self.lines[self.row].insert(at, c);
                self.col += 1;
            }
        }
    }

    /// An editing key; returns whether the text changed.
    pub fn edit(&mut self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let changed = match key.code {
            KeyCode::Char(_) if ctrl || key.modifiers.contains(KeyModifiers::ALT) => false,
            KeyCode::Char(c) => {
                self.insert_char(c);
                true
            }
            KeyCode::Enter => {
                self.insert_char('\n');
                true
            }
            KeyCode::Tab => {
                self.insert_char('\t');
                true
            }
            KeyCode::Backspace => self.backspace(),
            KeyCode::Delete => {
                let len = self.lines[self.row].chars().count();
                if self.col < len {
                    let at = self.byte_col();
                    self.lines[self.row].remove(at);
                    true
                } else if self.row + 1 < self.lines.len() {
                    let next = self.lines.remove(self.row + 1);
                    self.lines[self.row].push_str(&next);
                    true
                } else {
                    false
                }
            }
            KeyCode::Left => {
                if self.col > 0 {
                    self.col -= 1;
                } else if self.row > 0 {
                    self.row -= 1;
                    self.col = self.lines[self.row].chars().count();
                }
                false
            }
            KeyCode::Right => {
                if self.col < self.lines[self.row].chars().count() {
                    self.col += 1;
                } else if self.row + 1 < self.lines.len() {
                    self.row += 1;
                    self.col = 0;
                }
                false
            }
            KeyCode::Up | KeyCode::Down => {
                let up = key.code == KeyCode::Up;
                if up && self.row > 0 {
                    self.row -= 1;
                } else if !up && self.row + 1 < self.lines.len() {
                    self.row += 1;
                }
                self.col = self.col.min(self.lines[self.row].chars().count());
                false
            }
            KeyCode::Home => {
                self.col = 0;
                false
            }
            KeyCode::End => {
                self.col = self.lines[self.row].chars().count();
                false
            }
            _ => false,
        };
        if changed {
            self.validate();
        }
        changed
    }

    fn backspace(&mut self) -> bool {
        if self.col > 0 {
            self.col -= 1;
            let at = self.byte_col();
            self.lines[self.row].remove(at);
            true
        } else if self.row > 0 {
            let line = self.lines.remove(self.row);
            self.row -= 1;
            self.col = self.lines[self.row].chars().count();
            self.lines[self.row].push_str(&line);
            true
        } else {
            false
        }
    }

    pub fn clear(&mut self) {
        *self = PatternEditor::new("");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(e: &mut PatternEditor, code: KeyCode) {
        e.edit(&KeyEvent::new(code, KeyModifiers::NONE));
    }

    #[test]
    fn typing_over_lines_validates_as_it_goes() {
        let mut e = PatternEditor::new("");
        assert!(e.verdict.is_none());
        for c in "{\"a\": [1]".chars() {
            press(&mut e, KeyCode::Char(c));
        }
        assert!(matches!(e.verdict, Some(Err(_))), "not closed yet");
        press(&mut e, KeyCode::Enter);
        press(&mut e, KeyCode::Char('}'));
        assert_eq!(e.text(), "{\"a\": [1]\n}");
        assert!(matches!(e.verdict, Some(Ok(_))));
        // Backspace at the start of a line joins it to the one above.
        press(&mut e, KeyCode::Left);
        press(&mut e, KeyCode::Backspace);
        assert_eq!(e.text(), "{\"a\": [1]}");
        assert_eq!((e.row, e.col), (0, 9));
    }

    #[test]
    fn pasted_text_keeps_its_lines_and_errors_say_where() {
        let mut e = PatternEditor::new("");
        e.insert("{\r\n  \"detail\": {\"x\": [{\"prefix\": 1}]}\n}");
        assert_eq!(e.lines.len(), 3);
        let Some(Err(err)) = &e.verdict else {
            panic!("{:?}", e.verdict)
        };
        assert_eq!(err.position, Some((2, 31)));
        assert!(err.reason.contains("prefix match pattern must be a string"));
    }

    #[test]
    fn multibyte_characters_move_by_character() {
        let mut e = PatternEditor::new("{\"é\": [\"ü\"]}");
        press(&mut e, KeyCode::Home);
        press(&mut e, KeyCode::Right);
        press(&mut e, KeyCode::Right);
        press(&mut e, KeyCode::Delete);
        assert_eq!(e.text(), "{\"\": [\"ü\"]}");
    }
}
