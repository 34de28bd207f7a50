//! The one place untrusted text is made safe for a terminal, a pipe, a spreadsheet or the clipboard.
//!
//! Everything from an event (tags, subjects, comments, names, raw bodies) that reaches the
//! screen or a text output passes through here: control characters, escape sequences and
//! invisible characters become visible escapes, so an event cannot move the cursor, retitle the
//! window, write the clipboard (OSC 52), ring the bell, or make two different tags look alike.
//!
//! What is escaped, by Unicode property (unicode-properties, not hand lists):
//! - every control (Cc: C0, DEL, C1) and every format character (Cf: bidi controls, zero-width
//!   characters, the soft hyphen, U+180E, U+206A–206F, U+FFF9–FFFB, the tag block U+E0000–E007F),
//!   line and paragraph separators (Zl, Zp);
//! - the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0), which draw as blank letters;
//! - variation selectors, except U+FE0E/U+FE0F right after a symbol (the emoji form of ❤);
//! - combining marks beyond [`MAX_MARKS`] on one character (a "zalgo" stack that spills over lines).
//!
//! Widths are terminal columns (unicode-width), not characters: CJK and emoji take two.

use std::borrow::Cow;
use std::fmt::Write;

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
use unicode_width::UnicodeWidthChar;

/// Combining marks kept on one base character; the rest are escaped.
pub const MAX_MARKS: usize = 3;

/// Returns `s` with every unsafe character replaced by a visible escape (`\n`, `\t`, `\x1b`, `\u{202e}`).
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if s.is_ascii() && !s.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Cow::Borrowed(s);
    }
    let mut state = State::default();
    if !s.chars().any(|c| state.escapes(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut state = State::default();
    for c in s.chars() {
        push_char(&mut out, &mut state, c);
    }
    Cow::Owned(out)
}

/// Bytes that may not be UTF-8 (a malformed body): valid text is sanitised, invalid bytes show as `\xNN`.
pub fn sanitize_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut state = State::default();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            push_char(&mut out, &mut state, c);
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
            state = State::default();
        }
    }
    out
}

/// Whether `s` holds anything [`sanitize`] would escape.
pub fn is_clean(s: &str) -> bool {
    matches!(sanitize(s), Cow::Borrowed(_))
}

/// The characters JSON output writes as `\u` escapes even though JSON allows them raw: DEL, C1,
/// and the invisible characters [`sanitize`] escapes (still lossless: a JSON parser reads them back).
pub fn json_escapes(c: char) -> bool {
    c == '\u{7f}' || (c as u32 >= 0x80 && State::default().escapes(c))
}

/// Valid JSON text with the characters of [`json_escapes`] written as `\uXXXX` escapes. Such
/// characters can only occur inside strings (JSON whitespace is ASCII), where the escape means
/// the same character: a parser reads back exactly the same document.
pub fn json_text(json: &str) -> Cow<'_, str> {
    if json.is_ascii() && !json.contains('\u{7f}') {
        return Cow::Borrowed(json);
    }
    if !json.chars().any(json_escapes) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    let mut units = [0u16; 2];
    for c in json.chars() {
        if json_escapes(c) {
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A CSV cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or CR first) gets a
/// `'` in front, as OWASP advises; anything else is returned as it is.
pub fn csv_cell(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

fn push_char(out: &mut String, state: &mut State, c: char) {
    if !state.escapes(c) {
        out.push(c);
        return;
    }
    let _ = match c {
        '\n' => write!(out, "\\n"),
        '\r' => write!(out, "\\r"),
        '\t' => write!(out, "\\t"),
        c if (c as u32) < 0x100 => write!(out, "\\x{:02x}", c as u32),
        c => write!(out, "\\u{{{:x}}}", c as u32),
    };
}

/// What the previous characters were, for the rules that depend on them.
#[derive(Default)]
struct State {
    /// Combining marks on the current base character so far.
    marks: usize,
    /// The previous character was a symbol (a variation selector may choose its emoji form).
    after_symbol: bool,
}

impl State {
    /// Whether `c`, at this point of the text, is written as an escape.
    fn escapes(&mut self, c: char) -> bool {
        if c.is_ascii() {
            self.marks = 0;
            self.after_symbol = false;
            return c.is_ascii_control();
        }
        let category = c.general_category();
        let after_symbol = std::mem::replace(
            &mut self.after_symbol,
            matches!(
                category,
                GeneralCategory::OtherSymbol | GeneralCategory::MathSymbol
            ),
        );
        match category {
            GeneralCategory::NonspacingMark | GeneralCategory::EnclosingMark => {
                if is_variation_selector(c) {
                    return !(after_symbol && matches!(c, '\u{fe0e}' | '\u{fe0f}'));
                }
                self.marks += 1;
                self.marks > MAX_MARKS
            }
            GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator => {
                self.marks = 0;
                true
            }
            _ => {
                self.marks = 0;
                matches!(c, '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}')
            }
        }
    }
}

fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{fe00}'..='\u{fe0f}' | '\u{e0100}'..='\u{e01ef}' | '\u{180b}'..='\u{180d}' | '\u{180f}')
}

/// The terminal columns `s` takes (of sanitised text: escapes are ASCII).
pub fn width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// The longest start of `s` that fits in `columns` terminal columns.
pub fn take_columns(s: &str, columns: usize) -> &str {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        used += c.width().unwrap_or(0);
        if used > columns {
            return &s[..i];
        }
    }
    s
}

/// `s` cut to `columns` terminal columns, with `…` where it was cut.
pub fn fit_columns(s: &str, columns: usize) -> Cow<'_, str> {
    if width(s) <= columns {
        return Cow::Borrowed(s);
    }
    let mut out = take_columns(s, columns.saturating_sub(1)).to_string();
    if columns > 0 {
        out.push('…');
    }
    Cow::Owned(out)
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            sanitize("open → solved, ünïcode ✓"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn terminal_escape_sequences_become_visible() {
        let cases = [
            ("\x1b]52;c;aGVsbG8=\x07", "\\x1b]52;c;aGVsbG8=\\x07"),
            ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),
            ("line1\nline2\r\tx", "line1\\nline2\\r\\tx"),
            ("bell\x07del\x7f", "bell\\x07del\\x7f"),
            ("c1\u{9b}31m", "c1\\x9b31m"),
            ("abc\u{202e}cba", "abc\\u{202e}cba"),
            ("zero\u{200b}width", "zero\\u{200b}width"),
            ("nul\0", "nul\\x00"),
        ];
        for (input, want) in cases {
            let got = sanitize(input);
            assert_eq!(got, want);
            assert!(!got.chars().any(|c| c.is_control()), "{got:?}");
        }
    }

    #[test]
    fn invalid_utf8_bytes_show_as_hex() {
        assert_eq!(
            sanitize_bytes(b"ok \xff\xfe \x1b[31m"),
            "ok \\xff\\xfe \\x1b[31m"
        );
        assert_eq!(sanitize_bytes("é".as_bytes()), "é");
    }

    #[test]
    fn invisible_characters_are_escaped_so_look_alikes_differ() {
        for c in [
            '\u{ad}',
            '\u{180e}',
            '\u{3164}',
            '\u{115f}',
            '\u{1160}',
            '\u{ffa0}',
            '\u{206a}',
            '\u{206f}',
            '\u{fff9}',
            '\u{fffb}',
            '\u{e0001}',
            '\u{e0041}',
            '\u{e007f}',
            '\u{fe00}',
            '\u{e0100}',
            '\u{2029}',
            '\u{feff}',
        ] {
            let tag = format!("vip{c}");
            let shown = sanitize(&tag);
            assert_ne!(shown, "vip", "{c:?} hidden");
            assert!(shown.is_ascii(), "{c:?} kept as {shown:?}");
            assert!(!json_escapes('a') && json_escapes(c), "{c:?}");
        }
        // The emoji form of a symbol stays; a selector on a letter does not.
        assert_eq!(sanitize("❤\u{fe0f} ok"), "❤\u{fe0f} ok");
        assert_eq!(sanitize("a\u{fe0f}"), "a\\u{fe0f}");
        // A few accents on a letter stay; a stack is cut down.
        assert_eq!(sanitize("e\u{301}\u{302}"), "e\u{301}\u{302}");
        let zalgo = format!("z{}", "\u{336}".repeat(40));
        assert_eq!(
            sanitize(&zalgo).matches("\\u{336}").count(),
            40 - MAX_MARKS,
            "{zalgo}"
        );
        assert!(json_escapes('\u{7f}') && json_escapes('\u{85}') && !json_escapes('é'));
    }

    #[test]
    fn widths_are_columns_not_characters() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("支払い"), 6);
        assert_eq!(width("😀x"), 3);
        assert_eq!(take_columns("支払い", 5), "支払");
        assert_eq!(take_columns("支払い", 6), "支払い");
        assert_eq!(fit_columns("支払いエラー", 7), "支払い…");
        assert_eq!(width(&fit_columns("支払いエラー", 7)), 7);
        assert_eq!(fit_columns("short", 7), "short");
    }

    #[test]
    fn json_keeps_meaning_and_loses_invisible_bytes() {
        let doc =
            serde_json::json!({"tag": "vip\u{e0041}", "c1": "a\u{85}\u{9b}b\u{7f}", "ok": "é ❤"});
        let text = doc.to_string();
        let safe = json_text(&text);
        assert!(!safe.chars().any(json_escapes), "{safe}");
        assert!(
            safe.contains(r"\udb40\udc41") && safe.contains(r"\u0085") && safe.contains(r"\u007f")
        );
        assert!(safe.contains("é ❤"));
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap_or_default();
        assert_eq!(back, doc);
        assert!(matches!(json_text(r#"{"a":"plain"}"#), Cow::Borrowed(_)));
    }

    #[test]
    fn spreadsheet_formulas_are_neutralised() {
        for cell in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_cell(cell), format!("'{cell}"));
        }
        assert_eq!(csv_cell("open"), "open");
        assert_eq!(csv_cell("a=b"), "a=b");
    }
}
