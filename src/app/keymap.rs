//! Every key binding, as data. The same table dispatches keys and generates the help screen,
//! so help can never disagree with what the keys do.

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

const fn key(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::NONE,
    }
}
const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}
/// Some terminals report an upper-case letter with SHIFT, some without: bind both.
const fn shift(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::SHIFT,
    }
}
const fn code(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}

pub struct Binding {
    pub screens: &'static [Screen],
    pub keys: &'static [Key],
    /// How the keys are written in the help screen.
    pub label: &'static str,
    pub action: Action,
    pub help: &'static str,
}

use Screen::{
    Dashboard, Detail, Explain, Help as HelpScreen, PatternEditor, Prompt, Stream, Timeline,
};

const LISTS: &[Screen] = &[Stream, Timeline];
const VIEWS: &[Screen] = &[Stream, Timeline, Detail];
/// Screens with a selection that moves a page or to either end.
const PAGED: &[Screen] = &[Stream, Dashboard, Timeline, Detail, Explain];
/// Screens that scroll (the help scrolls when it does not fit).
const SCROLLING: &[Screen] = &[Stream, Dashboard, Timeline, Detail, Explain, HelpScreen];
const ALL: &[Screen] = &[
    Stream,
    Dashboard,
    Timeline,
    Detail,
    Explain,
    PatternEditor,
    HelpScreen,
    Prompt,
];
/// Every screen, in the order of the help and README tables.
pub const SCREENS: &[Screen] = ALL;

/// The keymap. Order matters only for the help screen.
pub const BINDINGS: &[Binding] = &[
    Binding {
        screens: ALL,
        keys: &[ctrl('c')],
        label: "Ctrl-c",
        action: Action::Quit,
        help: "quit",
    },
    Binding {
        screens: &[Stream],
        keys: &[key('q')],
        label: "q",
        action: Action::Quit,
        help: "quit",
    },
    Binding {
        screens: &[Dashboard, Timeline, Detail, Explain, HelpScreen],
        keys: &[key('q'), code(KeyCode::Esc)],
        label: "q/Esc",
        action: Action::Back,
        help: "back",
    },
    Binding {
        screens: &[HelpScreen],
        keys: &[key('?')],
        label: "?",
        action: Action::Back,
        help: "close help",
    },
    Binding {
        screens: SCROLLING,
        keys: &[key('k'), code(KeyCode::Up)],
        label: "k/↑",
        action: Action::Up,
        help: "up",
    },
    Binding {
        screens: SCROLLING,
        keys: &[key('j'), code(KeyCode::Down)],
        label: "j/↓",
        action: Action::Down,
        help: "down",
    },
    Binding {
        screens: PAGED,
        keys: &[code(KeyCode::PageUp), ctrl('b')],
        label: "PgUp/Ctrl-b",
        action: Action::PageUp,
        help: "page up",
    },
    Binding {
        screens: PAGED,
        keys: &[code(KeyCode::PageDown), ctrl('f')],
        label: "PgDn/Ctrl-f",
        action: Action::PageDown,
        help: "page down",
    },
    Binding {
        screens: PAGED,
        keys: &[key('g'), code(KeyCode::Home)],
        label: "g/Home",
        action: Action::Top,
        help: "first",
    },
    Binding {
        screens: PAGED,
        keys: &[key('G'), shift('G'), code(KeyCode::End)],
        label: "G/End",
        action: Action::Bottom,
        help: "last (on the stream: follow new events again)",
    },
    Binding {
        screens: &[Stream, Dashboard],
        keys: &[code(KeyCode::Tab)],
        label: "Tab",
        action: Action::ToggleDashboard,
        help: "stream / dashboard",
    },
    Binding {
        screens: &[Dashboard],
        keys: &[key('h'), code(KeyCode::Left)],
        label: "h/←",
        action: Action::Left,
        help: "panel (or matrix column) to the left",
    },
    Binding {
        screens: &[Dashboard],
        keys: &[key('l'), code(KeyCode::Right)],
        label: "l/→",
        action: Action::Right,
        help: "panel (or matrix column) to the right",
    },
    Binding {
        screens: &[Dashboard],
        keys: &[key('1')],
        label: "1",
        action: Action::Window(0),
        help: "window: last 5 minutes",
    },
    Binding {
        screens: &[Dashboard],
        keys: &[key('2')],
        label: "2",
        action: Action::Window(1),
        help: "window: last 15 minutes",
    },
    Binding {
        screens: &[Dashboard],
        keys: &[key('3')],
        label: "3",
        action: Action::Window(2),
        help: "window: last hour",
    },
    Binding {
        screens: &[Dashboard],
        keys: &[key('4')],
        label: "4",
        action: Action::Window(3),
        help: "window: last 24 hours",
    },
    Binding {
        screens: &[Dashboard],
        keys: &[code(KeyCode::Enter)],
        label: "Enter",
        action: Action::ApplySelection,
        help: "filter the stream to the events behind the selected row or cell",
    },
    Binding {
        screens: &[Stream, Explain],
        keys: &[key('p')],
        label: "p",
        action: Action::EditPattern,
        help: "EventBridge event pattern: edit (also `:pattern`)",
    },
    Binding {
        screens: &[Stream],
        keys: &[key('P'), shift('P')],
        label: "P",
        action: Action::TogglePatternMode,
        help: "the pattern filters the stream / only highlights",
    },
    Binding {
        screens: VIEWS,
        keys: &[key('e')],
        label: "e",
        action: Action::Explain,
        help: "why the event matches the pattern or not",
    },
    Binding {
        screens: &[PatternEditor],
        keys: &[ctrl('s')],
        label: "Ctrl-s",
        action: Action::ApplyPattern,
        help: "use the pattern (empty: none)",
    },
    Binding {
        screens: &[PatternEditor],
        keys: &[code(KeyCode::Esc)],
        label: "Esc",
        action: Action::Cancel,
        help: "close without changing the pattern",
    },
    Binding {
        screens: &[PatternEditor],
        keys: &[ctrl('u')],
        label: "Ctrl-u",
        action: Action::ClearInput,
        help: "clear the text",
    },
    Binding {
        screens: &[Stream],
        keys: &[key('/')],
        label: "/",
        action: Action::OpenFilter,
        help: "filter (live as you type)",
    },
    Binding {
        screens: &[Stream],
        keys: &[key('\\')],
        label: "\\",
        action: Action::ClearFilter,
        help: "clear the filter",
    },
    Binding {
        screens: &[Stream, Timeline],
        keys: &[key(':')],
        label: ":",
        action: Action::OpenCommand,
        help: "command: highlight EXPR, filter EXPR, pattern [JSON|off], utc, local, quit",
    },
    Binding {
        screens: LISTS,
        keys: &[key('n')],
        label: "n",
        action: Action::NextMatch,
        help: "next highlighted event",
    },
    Binding {
        screens: LISTS,
        keys: &[key('N'), shift('N')],
        label: "N",
        action: Action::PrevMatch,
        help: "previous highlighted event",
    },
    Binding {
        screens: &[Stream],
        keys: &[code(KeyCode::Enter)],
        label: "Enter",
        action: Action::OpenTimeline,
        help: "the ticket's timeline",
    },
    Binding {
        screens: &[Stream],
        keys: &[key('d')],
        label: "d",
        action: Action::OpenDetail,
        help: "event detail (raw JSON)",
    },
    Binding {
        screens: &[Timeline],
        keys: &[code(KeyCode::Enter), key('d')],
        label: "Enter/d",
        action: Action::OpenDetail,
        help: "event detail (raw JSON)",
    },
    Binding {
        screens: &[Stream],
        keys: &[key(' ')],
        label: "Space",
        action: Action::TogglePause,
        help: "pause / resume the display (nothing is lost meanwhile)",
    },
    Binding {
        screens: &[Stream],
        keys: &[key('s')],
        label: "s",
        action: Action::ToggleOrder,
        help: "order: by arrival / by time (sources merged)",
    },
    Binding {
        screens: &[Stream, Dashboard, Timeline, Detail, Explain],
        keys: &[key('M'), shift('M')],
        label: "M",
        action: Action::ToggleMask,
        help: "mask / show customer data (texts, names, e-mails)",
    },
    Binding {
        screens: VIEWS,
        keys: &[key('t')],
        label: "t",
        action: Action::ToggleUtc,
        help: "times in UTC / local time",
    },
    Binding {
        screens: VIEWS,
        keys: &[key('y')],
        label: "y",
        action: Action::Copy,
        help: "copy the raw event (OSC 52: works over SSH)",
    },
    Binding {
        screens: VIEWS,
        keys: &[key('o')],
        label: "o",
        action: Action::OpenInZendesk,
        help: "open the ticket in Zendesk (needs --zendesk-subdomain)",
    },
    Binding {
        screens: LISTS,
        keys: &[ctrl('s')],
        label: "Ctrl-s",
        action: Action::Save,
        help: "save the events shown to a file (a capture --file reads)",
    },
    Binding {
        screens: &[Stream, Dashboard, Timeline, Detail, Explain],
        keys: &[key('?')],
        label: "?",
        action: Action::Help,
        help: "help for this screen",
    },
    Binding {
        screens: &[Prompt],
        keys: &[code(KeyCode::Enter)],
        label: "Enter",
        action: Action::Accept,
        help: "keep it",
    },
    Binding {
        screens: &[Prompt],
        keys: &[code(KeyCode::Esc)],
        label: "Esc",
        action: Action::Cancel,
        help: "cancel",
    },
    Binding {
        screens: &[Prompt],
        keys: &[ctrl('u')],
        label: "Ctrl-u",
        action: Action::ClearInput,
        help: "clear the input",
    },
    Binding {
        screens: &[Prompt],
        keys: &[code(KeyCode::Up)],
        label: "↑",
        action: Action::HistoryPrev,
        help: "older entry from history",
    },
    Binding {
        screens: &[Prompt],
        keys: &[code(KeyCode::Down)],
        label: "↓",
        action: Action::HistoryNext,
        help: "newer entry from history",
    },
    Binding {
        screens: &[Prompt],
        keys: &[code(KeyCode::Tab)],
        label: "Tab",
        action: Action::NextSavedFilter,
        help: "filter bar: next saved filter (config [filters])",
    },
];

impl Action {
    /// Every action a key can be bound to, by the name the config file's `[keys]` uses.
    pub const NAMED: &'static [(&'static str, Action)] = &[
        ("quit", Action::Quit),
        ("back", Action::Back),
        ("up", Action::Up),
        ("down", Action::Down),
        ("page-up", Action::PageUp),
        ("page-down", Action::PageDown),
        ("top", Action::Top),
        ("bottom", Action::Bottom),
        ("filter", Action::OpenFilter),
        ("command", Action::OpenCommand),
        ("timeline", Action::OpenTimeline),
        ("detail", Action::OpenDetail),
        ("help", Action::Help),
        ("pause", Action::TogglePause),
        ("utc", Action::ToggleUtc),
        ("order", Action::ToggleOrder),
        ("mask", Action::ToggleMask),
        ("next-match", Action::NextMatch),
        ("previous-match", Action::PrevMatch),
        ("clear-filter", Action::ClearFilter),
        ("copy", Action::Copy),
        ("open-in-zendesk", Action::OpenInZendesk),
        ("save", Action::Save),
        ("dashboard", Action::ToggleDashboard),
        ("left", Action::Left),
        ("right", Action::Right),
        ("window-5m", Action::Window(0)),
        ("window-15m", Action::Window(1)),
        ("window-1h", Action::Window(2)),
        ("window-24h", Action::Window(3)),
        ("apply-selection", Action::ApplySelection),
        ("edit-pattern", Action::EditPattern),
        ("pattern-mode", Action::TogglePatternMode),
        ("explain", Action::Explain),
        ("apply-pattern", Action::ApplyPattern),
        ("accept", Action::Accept),
        ("cancel", Action::Cancel),
        ("clear-input", Action::ClearInput),
        ("history-previous", Action::HistoryPrev),
        ("history-next", Action::HistoryNext),
        ("saved-filter", Action::NextSavedFilter),
    ];

    pub fn named(name: &str) -> Option<Action> {
        Self::NAMED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, a)| *a)
    }
}

impl Key {
    /// `x`, `X`, `Ctrl-x`, `Alt-x`, `Enter`, `Esc`, `Tab`, `Backspace`, `Space`, `Up`, `Down`,
    /// `Left`, `Right`, `PgUp`, `PgDn`, `Home`, `End`, `Delete`, `F1`…`F12`.
    pub fn parse(text: &str) -> Result<Key, String> {
        let (mods, rest) = if let Some(r) = text.strip_prefix("Ctrl-") {
            (KeyModifiers::CONTROL, r)
        } else if let Some(r) = text.strip_prefix("Alt-") {
            (KeyModifiers::ALT, r)
        } else {
            (KeyModifiers::NONE, text)
        };
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if !c.is_control() && c != ' ' => KeyCode::Char(c),
            _ => match rest {
                "Enter" => KeyCode::Enter,
                "Esc" => KeyCode::Esc,
                "Tab" => KeyCode::Tab,
                "Backspace" => KeyCode::Backspace,
                "Space" => KeyCode::Char(' '),
                "Up" => KeyCode::Up,
                "Down" => KeyCode::Down,
                "Left" => KeyCode::Left,
                "Right" => KeyCode::Right,
                "PgUp" => KeyCode::PageUp,
                "PgDn" => KeyCode::PageDown,
                "Home" => KeyCode::Home,
                "End" => KeyCode::End,
                "Delete" => KeyCode::Delete,
                f if f.starts_with('F') => match f[1..].parse::<u8>() {
                    Ok(n @ 1..=12) => KeyCode::F(n),
                    _ => return Err(Self::invalid(text)),
                },
                _ => return Err(Self::invalid(text)),
            },
        };
        Ok(Key { code, mods })
    }

    fn invalid(text: &str) -> String {
        format!(
            "'{}' is not a key: use one character (x, X, ?), Ctrl-x, Alt-x, Enter, Esc, Tab, Backspace, \
             Space, Up, Down, Left, Right, PgUp, PgDn, Home, End, Delete or F1…F12",
            zdwatch_core::sanitize::sanitize(text)
        )
    }
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

/// How a key is written (for messages about keys).
fn label_of(key: &Key) -> String {
    let name = match key.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    if key.mods.contains(KeyModifiers::CONTROL) {
        format!("Ctrl-{name}")
    } else if key.mods.contains(KeyModifiers::ALT) {
        format!("Alt-{name}")
    } else {
        name
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

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    fn action_for(screen: Screen, key: &KeyEvent) -> Option<Action> {
        Keymap::default().action_for(screen, key)
    }

    #[test]
    fn keys_dispatch_per_screen() {
        let q = press(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(action_for(Screen::Stream, &q), Some(Action::Quit));
        assert_eq!(action_for(Screen::Timeline, &q), Some(Action::Back));
        assert_eq!(
            action_for(Screen::Prompt, &q),
            None,
            "typed into the prompt"
        );
        let ctrl_c = press(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for &s in SCREENS {
            assert_eq!(action_for(s, &ctrl_c), Some(Action::Quit), "{s:?}");
        }
        assert_eq!(
            action_for(
                Screen::Stream,
                &press(KeyCode::Char('G'), KeyModifiers::SHIFT)
            ),
            Some(Action::Bottom)
        );
        assert_eq!(
            action_for(
                Screen::Stream,
                &press(KeyCode::Char('N'), KeyModifiers::NONE)
            ),
            Some(Action::PrevMatch)
        );
    }

    #[test]
    fn back_can_be_rebound_though_the_help_has_two_bindings_of_it() {
        let map = Keymap::with(&[(Action::Back, vec!["x".to_string()])])
            .unwrap_or_else(|e| panic!("{e}"));
        let x = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE);
        for screen in [Screen::Help, Screen::Dashboard, Screen::Detail] {
            assert_eq!(map.action_for(screen, &x), Some(Action::Back), "{screen:?}");
        }
        let q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(map.action_for(Screen::Help, &q), None);
        // Another action on the same key is still refused.
        let clash = Keymap::with(&[
            (Action::Back, vec!["x".to_string()]),
            (Action::Down, vec!["x".to_string()]),
        ]);
        assert!(clash.is_err());
    }

    #[test]
    fn no_key_is_bound_twice_on_one_screen() {
        for &screen in SCREENS {
            let map = Keymap::default();
            let keys: Vec<Key> = map
                .help_for(screen)
                .flat_map(|b| b.keys.iter().copied())
                .collect();
            for (i, k) in keys.iter().enumerate() {
                assert!(!keys[i + 1..].contains(k), "{screen:?}: {k:?} bound twice");
            }
        }
    }
}
