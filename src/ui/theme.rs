//! Colours. Each kind has one colour everywhere (stream, timeline, detail).

use ratatui::style::{Color, Modifier, Style};

use zdwatch_core::event::Kind;

pub fn kind(kind: &Kind) -> Style {
    let color = match kind {
        Kind::Created => Color::Green,
        Kind::StatusChanged => Color::Yellow,
        Kind::CommentAdded | Kind::CommentMadePrivate | Kind::CommentRedacted => Color::Cyan,
        Kind::AttachmentLinkedToComment | Kind::AttachmentRedactedFromComment => Color::Cyan,
        Kind::TagsChanged => Color::Magenta,
        Kind::PriorityChanged => Color::LightRed,
        Kind::AgentAssignmentChanged | Kind::GroupAssignmentChanged => Color::LightBlue,
        Kind::Merged | Kind::SoftDeleted | Kind::PermanentlyDeleted | Kind::MarkedAsSpam => {
            Color::Red
        }
        Kind::Malformed => return Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        Kind::Unrecognized => Color::DarkGray,
        Kind::Other(name) if name.contains('.') => Color::Gray,
        _ => Color::Blue,
    };
    Style::new().fg(color)
}

pub fn status(status: &str) -> Style {
    let color = match status {
        "new" => Color::LightYellow,
        "open" => Color::LightRed,
        "pending" => Color::LightBlue,
        "hold" => Color::Gray,
        "solved" => Color::Green,
        "closed" => Color::DarkGray,
        _ => Color::White,
    };
    Style::new().fg(color)
}

pub fn priority(priority: &str) -> Style {
    match priority {
        "urgent" => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        "high" => Style::new().fg(Color::LightRed),
        "low" => Style::new().fg(Color::DarkGray),
        _ => Style::new(),
    }
}

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
        }
    }
}

impl Palette {
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

static PALETTE: std::sync::OnceLock<Palette> = std::sync::OnceLock::new();

/// Puts the config file's colours in effect (once, at start; before that the defaults are).
pub fn install(palette: Palette) {
    let _ = PALETTE.set(palette);
}

fn palette() -> &'static Palette {
    PALETTE.get_or_init(Palette::default)
}

pub fn header() -> Style {
    palette().header
}
pub fn selected() -> Style {
    palette().selected
}
pub fn highlight() -> Style {
    palette().highlight
}
pub fn dim() -> Style {
    palette().dim
}
pub fn error() -> Style {
    palette().error
}
pub fn warn() -> Style {
    palette().warn
}
/// The border of the panel that has the focus.
pub fn focus() -> Style {
    palette().focus
}
pub fn ok() -> Style {
    palette().ok
}
