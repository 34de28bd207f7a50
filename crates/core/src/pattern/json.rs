//! A small JSON reader for pattern text. A pattern's text is significant in ways a JSON map is
//! not: a key may repeat (EventBridge keeps the last), numbers must keep their original text
//! (`300` vs `300.0`, digits beyond f64), and errors should say where. Patterns are at most a
//! few kilobytes, so this favours clarity over speed.

/// A JSON value with its byte offset in the pattern text.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub at: usize,
    /// Where the value's text ends (exclusive).
    pub end: usize,
    pub value: Json,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// The number's text as written.
    Number(String),
    String(String),
    Array(Vec<Node>),
    /// Members in the order written, repeats included.
    Object(Vec<(String, Node)>),
}

/// Malformed JSON: what and where (byte offset).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub at: usize,
}

/// Deeper than this is refused (a pattern has no reason to nest so far; the stack stays small).
const MAX_DEPTH: usize = 64;

pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut p = Parser {
        text: text.as_bytes(),
        src: text,
        pos: 0,
    };
    p.skip_ws();
    let node = p.value(0)?;
    p.skip_ws();
    if p.pos < p.text.len() {
        return Err(p.error("unexpected text after the pattern"));
    }
    Ok(node)
}

struct Parser<'a> {
    text: &'a [u8],
    src: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> SyntaxError {
        SyntaxError {
            message: message.to_string(),
            at: self.pos,
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.text.get(self.pos) {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        let at = self.pos;
        let value = match self.text.get(self.pos) {
            None => return Err(self.error("unexpected end of the pattern")),
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Json::String(self.string()?),
            Some(b'-' | b'0'..=b'9') => Json::Number(self.number()?),
            Some(_) => {
                let word_end = self.text[self.pos..]
                    .iter()
                    .position(|b| !b.is_ascii_alphabetic())
                    .map_or(self.text.len(), |n| self.pos + n);
                let word = &self.src[self.pos..word_end];
                let v = match word {
                    "true" => Json::Bool(true),
                    "false" => Json::Bool(false),
                    "null" => Json::Null,
                    _ => {
                        return Err(self.error(
                            "expected a string, number, array, object, true, false or null",
                        ));
                    }
                };
                self.pos = word_end;
                v
            }
        };
        Ok(Node {
            at,
            end: self.pos,
            value,
        })
    }

    fn object(&mut self, depth: usize) -> Result<Json, SyntaxError> {
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_ws();
        if self.text.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_ws();
            if self.text.get(self.pos) != Some(&b'"') {
                return Err(self.error("expected a double-quoted field name"));
            }
            let key = self.string()?;
            self.skip_ws();
            if self.text.get(self.pos) != Some(&b':') {
                return Err(self.error("expected ':' after the field name"));
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value(depth + 1)?;
            members.push((key, value));
            self.skip_ws();
            match self.text.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json::Object(members));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, SyntaxError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.text.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.text.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let start = self.pos;
            while let Some(&b) = self.text.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.src[start..self.pos]);
            match self.text.get(self.pos) {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let c = match self.text.get(self.pos) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            let c = self.unicode_escape()?;
                            out.push(c);
                            continue;
                        }
                        _ => return Err(self.error("invalid escape in a string")),
                    };
                    self.pos += 1;
                    out.push(c);
                }
                Some(_) => return Err(self.error("control character in a string")),
            }
        }
    }

    /// After `\u`: four hex digits, and a low surrogate after a high one.
    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) {
            if self.text.get(self.pos..self.pos + 2) == Some(b"\\u") {
                self.pos += 2;
                let second = self.hex4()?;
                if (0xDC00..0xE000).contains(&second) {
                    let c = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                    return char::from_u32(c).ok_or_else(|| self.error("invalid \\u escape"));
                }
            }
            return Err(self.error("unpaired surrogate in a \\u escape"));
        }
        char::from_u32(first).ok_or_else(|| self.error("unpaired surrogate in a \\u escape"))
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let digits = self
            .src
            .get(self.pos..self.pos + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.error("a \\u escape needs four hex digits"))?;
        self.pos += 4;
        u32::from_str_radix(digits, 16).map_err(|_| self.error("invalid \\u escape"))
    }

    fn number(&mut self) -> Result<String, SyntaxError> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let s = p.pos;
            while p.text.get(p.pos).is_some_and(u8::is_ascii_digit) {
                p.pos += 1;
            }
            p.pos - s
        };
        if self.text.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        let n = digits(self);
        if n == 0 || (n > 1 && self.text[int_start] == b'0') {
            return Err(SyntaxError {
                message: "invalid number".into(),
                at: start,
            });
        }
        if self.text.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if digits(self) == 0 {
                return Err(self.error("invalid number: digits expected after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.text.get(self.pos) {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.text.get(self.pos) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.error("invalid number: digits expected in the exponent"));
            }
        }
        Ok(self.src[start..self.pos].to_string())
    }
}

/// 1-based line and column of a byte offset, for messages.
pub fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_repeated_keys_number_text_and_offsets() {
        let n = parse(r#"{"a": [1, 300.0], "a": {"b": "\u00e9\ud83d\ude00"}}"#).unwrap();
        let Json::Object(m) = n.value else { panic!() };
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].1.at, 6);
        let Json::Array(items) = &m[0].1.value else {
            panic!()
        };
        assert_eq!(items[1].value, Json::Number("300.0".into()));
        let Json::Object(inner) = &m[1].1.value else {
            panic!()
        };
        assert_eq!(inner[0].1.value, Json::String("é😀".into()));
    }

    #[test]
    fn malformed_text_says_where() {
        for (text, at) in [
            ("{", 1),
            ("{\"a\" 1}", 5),
            ("[1,]", 3),
            ("{'a': 1}", 1),
            ("[01]", 1),
            ("\"abc", 4),
            ("[1] x", 4),
            ("tru", 0),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.at, at, "{text}: {}", e.message);
        }
        assert!(parse(&"[".repeat(10_000)).is_err(), "no stack overflow");
        assert_eq!(line_column("{\n  \"a\": x}", 9), (2, 8));
    }
}
