//! Boxes on screen that only drawing needs; where lists and areas go is `app::layout` (the app
//! pages and hit-tests with it).

use ratatui::layout::{Constraint, Flex, Layout, Rect};

pub use crate::app::layout::{TIMELINE_HEADER, areas, list_area};

/// A box of at most `width` × `height` in the middle of `area` (popups: help, pattern editor).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    popup
}
