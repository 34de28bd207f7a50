//! The one place untrusted text is made safe for a terminal.
//!
//! Everything from an event (tags, subjects, comments, names, raw bodies) that reaches the
//! screen or a text output passes through here: control characters, escape sequences and
//! invisible direction overrides become visible escapes, so an event cannot move the cursor,
//! retitle the window, write the clipboard (OSC 52) or ring the bell.

use std::borrow::Cow;
use std::fmt::Write;

/// Returns `s` with every unsafe character replaced by a visible escape (`\n`, `\t`, `\x1b`, `\u{202e}`).
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_char(&mut out, c);
    }
    Cow::Owned(out)
}

/// Bytes that may not be UTF-8 (a malformed body): valid text is sanitised, invalid bytes show as `\xNN`.
pub fn sanitize_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            push_char(&mut out, c);
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

fn push_char(out: &mut String, c: char) {
    if !needs_escape(c) {
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

/// C0 and C1 controls and DEL, plus the invisible formatting characters that can disguise
/// text (bidirectional overrides and isolates, zero-width characters, line separators).
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
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
}
