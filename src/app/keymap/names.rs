//! Keys and actions by name: `[keys]` in the config file, and how keys are written on screen.

use crossterm::event::{KeyCode, KeyModifiers};

use super::{Action, Key};

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

/// How a key is written (for messages about keys).
pub(super) fn label_of(key: &Key) -> String {
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
