//! Every key binding, as data. The same table dispatches keys and generates the help screen,
//! so help can never disagree with what the keys do: `bindings.rs` is that table, `names.rs`
//! reads and writes keys and actions by name (the config file's `[keys]`).

mod bindings;
mod names;
#[cfg(test)]
mod tests;

use bindings::ctrl;
pub use bindings::{BINDINGS, SCREENS};
use names::label_of;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Which screen (or input mode) a binding belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    Stream,
    Dashboard,
    Timeline,
    Detail,
    /// Why the selected event matches the EventBridge pattern or not.
    Explain,
    /// The `:pattern` editor.
    PatternEditor,
    Help,
    /// The filter bar and the `:` command prompt.
    Prompt,
}

impl Screen {
    pub fn title(self) -> &'static str {
        match self {
            Screen::Stream => "Stream",
            Screen::Dashboard => "Dashboard",
            Screen::Timeline => "Ticket timeline",
            Screen::Detail => "Event detail",
            Screen::Explain => "Pattern explanation",
            Screen::PatternEditor => "Pattern editor",
            Screen::Help => "Help",
            Screen::Prompt => "Filter bar and command prompt",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    Back,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    OpenFilter,
    OpenCommand,
    OpenTimeline,
    OpenDetail,
    Help,
    TogglePause,
    ToggleUtc,
    /// The stream by arrival / by when events happened.
    ToggleOrder,
    /// Customer data hidden / shown.
    ToggleMask,
    NextMatch,
    PrevMatch,
    ClearFilter,
    Copy,
    OpenInZendesk,
    Save,
    /// Stream ↔ dashboard.
    ToggleDashboard,
    /// Dashboard: the panel (or matrix column) to the left / right.
    Left,
    Right,
    /// Dashboard: the time window of the figures.
    Window(u8),
    /// Dashboard: show the events behind the selected row or cell in the stream.
    ApplySelection,
    /// Open the EventBridge pattern editor.
    EditPattern,
    /// The pattern filters the stream / only highlights.
    TogglePatternMode,
    /// Why the selected event matches the pattern or not.
    Explain,
    /// Pattern editor: use the pattern.
    ApplyPattern,
    // Prompt editing (text keys go to the input field).
    Accept,
    Cancel,
    ClearInput,
    HistoryPrev,
    HistoryNext,
    /// Filter bar: the next filter saved in the config file.
    NextSavedFilter,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

pub struct Binding {
    pub screens: &'static [Screen],
    pub keys: &'static [Key],
    /// How the keys are written in the help screen.
    pub label: &'static str,
    pub action: Action,
    pub help: &'static str,
}

/// A binding in effect: the built-in one, or its keys as the config file sets them.
#[derive(Clone, Debug)]
pub struct ActiveBinding {
    pub screens: &'static [Screen],
    pub keys: Vec<Key>,
    pub label: String,
    pub action: Action,
    pub help: &'static str,
}

/// The key bindings in effect.
#[derive(Clone, Debug)]
pub struct Keymap {
    bindings: Vec<ActiveBinding>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap {
            bindings: BINDINGS
                .iter()
                .map(|b| ActiveBinding {
                    screens: b.screens,
                    keys: b.keys.to_vec(),
                    label: b.label.to_string(),
                    action: b.action,
                    help: b.help,
                })
                .collect(),
        }
    }
}

impl Keymap {
    /// The built-in keymap with these actions on other keys (written as in the config file).
    /// Every binding of an action takes the new keys, except that Ctrl-c always quits.
    /// A key that would do two things on one screen is refused, saying which.
    pub fn with(overrides: &[(Action, Vec<String>)]) -> Result<Keymap, String> {
        let mut map = Keymap::default();
        for (action, texts) in overrides {
            let keys = texts
                .iter()
                .map(|t| Key::parse(t))
                .collect::<Result<Vec<_>, _>>()?;
            for b in map.bindings.iter_mut().filter(|b| b.action == *action) {
                if b.keys == [ctrl('c')] {
                    continue;
                }
                b.keys = keys.clone();
                b.label = texts.join("/");
            }
        }
        for &screen in SCREENS {
            let on: Vec<&ActiveBinding> = map.help_for(screen).collect();
            for (i, a) in on.iter().enumerate() {
                // Two bindings of one action (the help's `q` and `?` both close it) may share keys.
                for b in on[i + 1..].iter().filter(|b| b.action != a.action) {
                    if let Some(k) = a.keys.iter().find(|k| b.keys.contains(k)) {
                        return Err(format!(
                            "key {} would do two things on the {} screen: '{}' and '{}'",
                            label_of(k),
                            screen.title(),
                            a.help,
                            b.help
                        ));
                    }
                }
            }
        }
        Ok(map)
    }

    /// The action bound to `event` on `screen`, if any.
    pub fn action_for(&self, screen: Screen, event: &KeyEvent) -> Option<Action> {
        // Terminals report shifted letters with or without SHIFT; compare without it for characters.
        let mods = match event.code {
            KeyCode::Char(_) => event.modifiers - KeyModifiers::SHIFT,
            _ => event.modifiers,
        };
        self.bindings
            .iter()
            .filter(|b| b.screens.contains(&screen))
            .find(|b| {
                b.keys
                    .iter()
                    .any(|k| k.code == event.code && (k.mods - KeyModifiers::SHIFT) == mods)
            })
            .map(|b| b.action)
    }

    /// The bindings shown on the help screen for `screen`.
    pub fn help_for(&self, screen: Screen) -> impl Iterator<Item = &ActiveBinding> {
        self.bindings
            .iter()
            .filter(move |b| b.screens.contains(&screen))
    }

    /// The first key in effect for `action` on `screen`, as written in hints on screen (`-`: none).
    pub fn label(&self, screen: Screen, action: Action) -> String {
        self.labels(screen, action)
            .into_iter()
            .next()
            .unwrap_or_else(|| "-".to_string())
    }

    /// The first key of every binding of `action` on `screen` (`q` and `?` close the help).
    pub fn labels(&self, screen: Screen, action: Action) -> Vec<String> {
        let mut labels: Vec<String> = Vec::new();
        for b in self.help_for(screen).filter(|b| b.action == action) {
            let first = b.keys.first().map(label_of);
            if let Some(l) = first.filter(|l| !labels.contains(l)) {
                labels.push(l);
            }
        }
        labels
    }
}

/// The key bindings as markdown tables, one per screen (README.md carries a copy; a test keeps it true).
pub fn markdown() -> String {
    let mut out = String::new();
    for &screen in SCREENS {
        out.push_str(&format!(
            "**{}**\n\n| key | does |\n|---|---|\n",
            screen.title()
        ));
        for b in BINDINGS.iter().filter(|b| b.screens.contains(&screen)) {
            let label = b.label.replace('|', "\\|");
            out.push_str(&format!("| `{label}` | {} |\n", b.help));
        }
        out.push('\n');
    }
    out
}
