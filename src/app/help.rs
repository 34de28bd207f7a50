//! What the help (`?`) says: the bindings in effect for the screen underneath and the filter
//! bar, filter examples, and where the log goes. The UI styles these lines; the app scrolls them.

use super::keymap::{Keymap, Screen};

/// One line of the help.
#[derive(Clone, Debug, PartialEq)]
pub enum HelpLine {
    Heading(String),
    Binding {
        keys: String,
        does: &'static str,
    },
    Example(&'static str),
    /// Where the monitor's log goes (untrusted: a path the user gave).
    Log(String),
    Blank,
}

const FILTER_EXAMPLES: [&str; 3] = [
    "status:open->solved   tag:vip   tag+:payment_failed   #35436",
    "reopened since:1h     type:comment -format:legacy",
    "priority:urgent or (tag:vip status:*->solved)",
];

impl HelpLine {
    /// The terminal columns the line takes as drawn.
    pub fn width(&self) -> usize {
        use zdwatch_core::sanitize::width;
        match self {
            HelpLine::Heading(t) => width(t),
            HelpLine::Binding { does, .. } => 14 + width(does),
            HelpLine::Example(e) => 2 + width(e),
            HelpLine::Log(place) => 5 + width(place),
            HelpLine::Blank => 0,
        }
    }
}

/// The help for `screen`, from the keymap in effect.
pub fn lines(keymap: &Keymap, screen: Screen, log_place: Option<&str>) -> Vec<HelpLine> {
    let mut lines = Vec::new();
    for s in [screen, Screen::Prompt] {
        lines.push(HelpLine::Heading(s.title().to_string()));
        for b in keymap.help_for(s) {
            lines.push(HelpLine::Binding {
                keys: b.label.clone(),
                does: b.help,
            });
        }
        lines.push(HelpLine::Blank);
    }
    if screen == Screen::Stream {
        lines.push(HelpLine::Heading("Filter examples".to_string()));
        lines.extend(FILTER_EXAMPLES.into_iter().map(HelpLine::Example));
    }
    if let Some(place) = log_place {
        lines.push(HelpLine::Blank);
        lines.push(HelpLine::Log(place.to_string()));
    }
    lines
}

/// How many lines of the help cannot be shown at once on a terminal of `size` (inside its box).
pub fn overflow(lines: usize, size: (u16, u16)) -> u16 {
    let room = super::layout::areas(size).main.height.saturating_sub(2);
    u16::try_from(lines)
        .unwrap_or(u16::MAX)
        .saturating_sub(room)
}
