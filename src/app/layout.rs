//! Where things go on screen. Pure functions of the terminal size, owned by the app (page size,
//! mouse clicks) and read by drawing, so both always agree and the app needs nothing of the UI.

use ratatui::layout::Rect;

use super::Mode;

/// Lines above a timeline's event list (ticket state, status durations, tags, rule).
pub const TIMELINE_HEADER: u16 = 4;

pub struct Areas {
    /// The screen's own content.
    pub main: Rect,
    /// The status line, or the prompt while it is open.
    pub bottom: Rect,
}

pub fn areas(size: (u16, u16)) -> Areas {
    let (w, h) = size;
    let main_h = h.saturating_sub(1);
    Areas {
        main: Rect::new(0, 0, w, main_h),
        bottom: Rect::new(0, main_h, w, h.min(1)),
    }
}

/// The rows of a list (below its header line) on the given screen.
pub fn list_area(mode: &Mode, size: (u16, u16)) -> Rect {
    let main = areas(size).main;
    let skip = match mode {
        Mode::Timeline { .. } => TIMELINE_HEADER + 1,
        _ => 1,
    };
    Rect::new(
        main.x,
        main.y + skip.min(main.height),
        main.width,
        main.height.saturating_sub(skip),
    )
}

/// How many list rows fit (the page size).
pub fn list_rows(mode: &Mode, size: (u16, u16)) -> u16 {
    list_area(mode, size).height.max(1)
}

/// The list row under screen line `y`, if any.
pub fn list_row_at(mode: &Mode, size: (u16, u16), y: u16) -> Option<usize> {
    let area = list_area(mode, size);
    (y >= area.y && y < area.y + area.height).then(|| usize::from(y - area.y))
}
