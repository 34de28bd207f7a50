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

pub use crate::palette::Palette;
