//! The colours of the screen's parts: data the config file's `[theme]` sets and the monitor's
//! `App` carries, so that drawing reads them from the state it draws (no process global).

use ratatui::style::{Color, Modifier, Style};

/// The colours of the screen's parts, which the config file's `[theme]` can change.
#[derive(Clone, Debug, PartialEq)]
pub struct Palette {
    pub header: Style,
    pub selected: Style,
    pub highlight: Style,
    pub dim: Style,
    pub error: Style,
    pub warn: Style,
    /// The border of the panel that has the focus.
    pub focus: Style,
    pub ok: Style,
    /// `NO_COLOR`: no colour anywhere on the screen; selection, highlights and errors are marked
    /// with reverse video, underline and bold instead.
    pub monochrome: bool,
}

impl Default for Palette {
    fn default() -> Self {
        Palette {
            header: Style::new().add_modifier(Modifier::BOLD).fg(Color::Gray),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            highlight: Style::new().bg(Color::Indexed(58)),
            dim: Style::new().fg(Color::DarkGray),
            error: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            warn: Style::new().fg(Color::Yellow),
            focus: Style::new().fg(Color::Yellow),
            ok: Style::new().fg(Color::Green),
            monochrome: false,
        }
    }
}

impl Palette {
    /// Without colour (<https://no-color.org>): what colour marked is marked by a text attribute.
    pub fn monochrome() -> Palette {
        Palette {
            header: Style::new().add_modifier(Modifier::BOLD),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            highlight: Style::new().add_modifier(Modifier::UNDERLINED),
            dim: Style::new(),
            error: Style::new().add_modifier(Modifier::BOLD),
            warn: Style::new().add_modifier(Modifier::BOLD),
            focus: Style::new().add_modifier(Modifier::BOLD),
            ok: Style::new(),
            monochrome: true,
        }
    }

    /// The palette for this environment: [`Palette::monochrome`] when `NO_COLOR` is set and not
    /// empty, else the config file's.
    pub fn for_env(configured: &Palette, no_color: Option<&std::ffi::OsStr>) -> Palette {
        if no_color.is_some_and(|v| !v.is_empty()) {
            Palette::monochrome()
        } else {
            configured.clone()
        }
    }

    /// The parts `[theme]` may name, and whether the colour is the text's or the background's.
    pub const PARTS: &'static [(&'static str, &'static str)] = &[
        ("header", "text of titles and column headers"),
        (
            "selected",
            "background of the selected row (default: reversed)",
        ),
        ("highlight", "background of highlighted events"),
        ("dim", "text of secondary information"),
        ("error", "text of errors"),
        ("warn", "text of warnings and notices"),
        ("focus", "border of the focused panel"),
        ("ok", "text of healthy states"),
    ];

    /// Sets one part's colour (a name, `#rrggbb` or 0–255); `false` for an unknown part.
    pub fn set(&mut self, part: &str, color: Color) -> bool {
        let slot = match part {
            "header" => &mut self.header,
            "selected" => {
                self.selected = Style::new().bg(color);
                return true;
            }
            "highlight" => {
                self.highlight = Style::new().bg(color);
                return true;
            }
            "dim" => &mut self.dim,
            "error" => &mut self.error,
            "warn" => &mut self.warn,
            "focus" => &mut self.focus,
            "ok" => &mut self.ok,
            _ => return false,
        };
        *slot = slot.fg(color);
        true
    }
}
