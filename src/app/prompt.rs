//! The one-line input at the bottom: the filter bar (`/`) and the command prompt (`:`).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::{Input, InputRequest};

use super::keymap::Action;
use zdwatch_core::filter::{Filter, FilterError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    Filter,
    Command,
    /// The path to save the events shown to (Ctrl-s).
    Save,
}

#[derive(Clone, Debug)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: Input,
    /// The parse error of the current text, with its position (filter bar only).
    pub error: Option<FilterError>,
    /// The text when the prompt opened, restored by Esc.
    pub original: String,
    /// The text is a valid filter that searches words, waiting for Enter: with many events held,
    /// a word search decodes them all, too slow to run at every key.
    pub deferred: bool,
    /// Enter was pressed on an invalid filter: the bar stayed open and the filter from before it
    /// opened is active again (until the text changes).
    pub refused: bool,
    /// Position while walking the history (None: not walking).
    history_pos: Option<usize>,
}

impl Prompt {
    pub fn new(kind: PromptKind, text: &str) -> Prompt {
        Prompt {
            kind,
            input: Input::new(text.to_string()),
            error: None,
            original: text.to_string(),
            deferred: false,
            refused: false,
            history_pos: None,
        }
    }

    pub fn text(&self) -> &str {
        self.input.value()
    }

    pub fn set(&mut self, text: &str) {
        self.input = Input::new(text.to_string());
    }

    pub fn insert(&mut self, text: &str) {
        for c in text.chars() {
            self.input.handle(InputRequest::InsertChar(c));
        }
    }

    /// Applies an editing key; returns whether the text changed.
    pub fn edit(&mut self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let request = match key.code {
            KeyCode::Char('a') if ctrl => InputRequest::GoToStart,
            KeyCode::Char('e') if ctrl => InputRequest::GoToEnd,
            KeyCode::Char('w') if ctrl => InputRequest::DeletePrevWord,
            KeyCode::Char('k') if ctrl => InputRequest::DeleteTillEnd,
            KeyCode::Char(_) if ctrl || alt => return false,
            KeyCode::Char(c) => InputRequest::InsertChar(c),
            KeyCode::Backspace if ctrl || alt => InputRequest::DeletePrevWord,
            KeyCode::Backspace => InputRequest::DeletePrevChar,
            KeyCode::Delete => InputRequest::DeleteNextChar,
            KeyCode::Left if ctrl => InputRequest::GoToPrevWord,
            KeyCode::Right if ctrl => InputRequest::GoToNextWord,
            KeyCode::Left => InputRequest::GoToPrevChar,
            KeyCode::Right => InputRequest::GoToNextChar,
            KeyCode::Home => InputRequest::GoToStart,
            KeyCode::End => InputRequest::GoToEnd,
            _ => return false,
        };
        self.input.handle(request).is_some_and(|r| r.value)
    }

    /// Up (older) / Down (newer) through earlier filters; past the newest is the text as typed.
    pub fn walk_history(&mut self, history: &[String], older: bool) {
        if history.is_empty() {
            return;
        }
        let next = match (self.history_pos, older) {
            (None, true) => Some(history.len() - 1),
            (None, false) => None,
            (Some(0), true) => Some(0),
            (Some(i), true) => Some(i - 1),
            (Some(i), false) if i + 1 < history.len() => Some(i + 1),
            (Some(_), false) => None,
        };
        self.history_pos = next;
        let text = next.map_or(self.original.clone(), |i| history[i].clone());
        self.set(&text);
    }
}

/// Beyond this many events held, a filter that searches words applies on Enter, not as it is typed.
pub const LIVE_WORD_SEARCH: usize = 50_000;

/// What the App does with the bar: live filtering, history, saved filters, Enter and Esc.
impl super::App {
    pub(super) fn prompt_action(&mut self, action: Action, effects: &mut Vec<super::Effect>) {
        let Some(prompt) = &mut self.prompt else {
            return;
        };
        match action {
            // Enter on an invalid filter applies nothing of it: the filter from before the bar
            // opened is active again, and the bar stays open with the error.
            Action::Accept if prompt.kind == PromptKind::Filter && prompt.error.is_some() => {
                prompt.refused = true;
                let original = prompt.original.clone();
                self.restore_filter(original);
            }
            Action::Accept => {
                let prompt = self.prompt.take();
                if let Some(p) = prompt {
                    self.accept_prompt(p, effects);
                }
            }
            Action::Cancel => {
                if let Some(p) = self.prompt.take() {
                    if p.kind == PromptKind::Filter {
                        self.restore_filter(p.original);
                    }
                }
            }
            Action::ClearInput => {
                prompt.set("");
                self.prompt_changed();
            }
            Action::HistoryPrev | Action::HistoryNext if prompt.kind == PromptKind::Filter => {
                prompt.walk_history(&self.history, action == Action::HistoryPrev);
                self.prompt_changed();
            }
            Action::NextSavedFilter if prompt.kind == PromptKind::Filter => {
                let saved = &self.config.saved_filters;
                if saved.is_empty() {
                    self.notice = Some(
                        "no saved filters: add them under [filters] in the config file (zdwatch config)"
                            .into(),
                    );
                    return;
                }
                // The one after the filter in the bar, or the first.
                let next = saved
                    .iter()
                    .position(|(_, f)| f == prompt.text())
                    .map_or(0, |i| (i + 1) % saved.len());
                prompt.set(&saved[next].1);
                self.prompt_changed();
            }
            _ => {}
        }
    }

    /// The filter that was active before the bar opened, active again (Esc, or Enter on an error).
    fn restore_filter(&mut self, original: String) {
        if original != self.filter_text {
            if let Ok(f) = Filter::parse(&original) {
                self.filter = f;
                self.filter_text = original;
                self.refilter();
            }
        }
    }

    /// The filter applies live as it is typed; an invalid filter keeps the previous one active.
    pub(super) fn prompt_changed(&mut self) {
        let Some(p) = &mut self.prompt else { return };
        if p.kind != PromptKind::Filter {
            p.error = None;
            return;
        }
        p.refused = false;
        let text = p.text().to_string();
        match Filter::parse(&text) {
            Ok(f) => {
                p.error = None;
                p.deferred = f.searches_text() && self.store.len() > LIVE_WORD_SEARCH;
                if text != self.filter_text && !p.deferred {
                    self.filter = f;
                    self.filter_text = text;
                    // In slices between frames: the key shows at once, the count when ready.
                    self.begin_refilter();
                }
            }
            Err(e) => {
                p.error = Some(e);
                p.deferred = false;
            }
        }
    }

    fn accept_prompt(&mut self, p: Prompt, effects: &mut Vec<super::Effect>) {
        match p.kind {
            PromptKind::Filter => {
                if p.deferred {
                    if let Ok(f) = Filter::parse(p.text()) {
                        self.filter = f;
                        self.filter_text = p.text().to_string();
                        self.refilter();
                    }
                }
                let text = p.text().trim().to_string();
                if !text.is_empty() {
                    self.history.retain(|h| *h != text);
                    self.history.push(text);
                }
            }
            PromptKind::Command => self.command(p.text().trim()),
            PromptKind::Save => {
                let path = p.text().trim().to_string();
                let (bytes, events, left_out) = self.capture();
                effects.push(super::Effect::Save {
                    path,
                    bytes,
                    events,
                    left_out,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_walks_older_and_back_to_the_original() {
        let history = vec!["tag:a".to_string(), "tag:b".to_string()];
        let mut p = Prompt::new(PromptKind::Filter, "typed");
        p.walk_history(&history, true);
        assert_eq!(p.text(), "tag:b");
        p.walk_history(&history, true);
        assert_eq!(p.text(), "tag:a");
        p.walk_history(&history, true);
        assert_eq!(p.text(), "tag:a", "stays at the oldest");
        p.walk_history(&history, false);
        assert_eq!(p.text(), "tag:b");
        p.walk_history(&history, false);
        assert_eq!(p.text(), "typed");
    }

    #[test]
    fn editing_keys_change_the_text() {
        let mut p = Prompt::new(PromptKind::Filter, "");
        for c in "status:open tag:vip".chars() {
            assert!(p.edit(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
        }
        assert!(p.edit(&KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)));
        assert_eq!(p.text(), "status:open tag:vi");
        // Ctrl-w deletes back to the previous space, as in a shell.
        assert!(p.edit(&KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL)));
        assert_eq!(p.text(), "status:open ");
        assert!(!p.edit(&KeyEvent::new(KeyCode::F(5), KeyModifiers::NONE)));
    }
}
