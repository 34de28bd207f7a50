//! The keymap table: every binding of every screen, in the order of the help and README.

use crossterm::event::{KeyCode, KeyModifiers};

use super::{Action, Binding, Key, Screen};

const fn key(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::NONE,
    }
}
pub(super) const fn ctrl(c: char) -> Key {
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
