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
];

/// The action bound to `event` on `screen`, if any.
pub fn action_for(screen: Screen, event: &KeyEvent) -> Option<Action> {
    // Terminals report shifted letters with or without SHIFT; compare without it for characters.
    let mods = match event.code {
        KeyCode::Char(_) => event.modifiers - KeyModifiers::SHIFT,
        _ => event.modifiers,
    };
    BINDINGS
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
pub fn help_for(screen: Screen) -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().filter(move |b| b.screens.contains(&screen))
}

/// The key bindings as markdown tables, one per screen (README.md carries a copy; a test keeps it true).
pub fn markdown() -> String {
    let mut out = String::new();
    for &screen in SCREENS {
        out.push_str(&format!(
            "**{}**\n\n| key | does |\n|---|---|\n",
            screen.title()
        ));
        for b in help_for(screen) {
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
    fn no_key_is_bound_twice_on_one_screen() {
        for &screen in SCREENS {
            let keys: Vec<Key> = help_for(screen)
                .flat_map(|b| b.keys.iter().copied())
                .collect();
            for (i, k) in keys.iter().enumerate() {
                assert!(!keys[i + 1..].contains(k), "{screen:?}: {k:?} bound twice");
            }
        }
    }
}
