//! Reading a body straight from its bytes into a [`Tree`], building only what [`Needs`] names
//! (or everything) and skipping the rest without a visitor per value: what the pattern matcher
//! does with every body it tests, so it is on the hot path of `tail --pattern` and the monitor.
//!
//! It accepts and refuses exactly what serde_json does (the oracle, see the tests): strict JSON,
//! strings that are built checked as UTF-8 and refused with raw control characters, strings that
//! are skipped checked only for their escapes and control characters (as serde_json's
//! `IgnoredAny`), nesting of what is built limited to serde_json's 128 levels while what is
//! skipped may nest without limit. The rare parts whose decoding is not zdwatch's own business
//! (strings with escapes, numbers other than plain integers) are handed to serde_json itself.

use std::borrow::Cow;

use serde::de::{DeserializeSeed, Error as _};
use smallvec::SmallVec;

use super::{Build, Member, Needs, Object, Tree};

/// serde_json's recursion limit: the 128th nested array or object being built is refused.
const MAX_DEPTH: usize = 128;

type Result<T> = std::result::Result<T, serde_json::Error>;

/// Reads `bytes` as one JSON value, building what `needs` names (all of it for `None`).
pub(super) fn read<'a>(bytes: &'a [u8], needs: Option<&Needs>) -> Result<Tree<'a>> {
    Reader::new(bytes, None).all(needs)
}

/// [`read`] of text: its strings are not checked as UTF-8 again.
pub(super) fn read_str<'a>(text: &'a str, needs: Option<&Needs>) -> Result<Tree<'a>> {
    Reader::new(text.as_bytes(), Some(text)).all(needs)
}

/// [`read`] of a body already read as JSON once (by the decoder): what is skipped is only
/// stepped over, not checked again. The tree is [`read`]'s; of a body that is not JSON, it is
/// whatever comes out (never a panic).
pub(super) fn read_known<'a>(bytes: &'a [u8], needs: &Needs) -> Result<Tree<'a>> {
    let mut r = Reader::new(bytes, None);
    r.known = true;
    r.all(Some(needs))
}

impl<'a> Reader<'a> {
    pub(super) fn new(b: &'a [u8], text: Option<&'a str>) -> Reader<'a> {
        Reader {
            b,
            i: 0,
            depth: 0,
            text,
            known: false,
        }
    }

    fn all(mut self, needs: Option<&Needs>) -> Result<Tree<'a>> {
        let tree = self.value(needs)?;
        if self.peek().is_some() {
            return Err(self.fail("trailing characters"));
        }
        Ok(tree)
    }
}

pub(super) struct Reader<'a> {
    b: &'a [u8],
    pub(super) i: usize,
    /// Arrays and objects being built around the current position.
    pub(super) depth: usize,
    /// The bytes as text, when they are known to be UTF-8.
    text: Option<&'a str>,
    /// The bytes are known to be JSON: skipping only steps over values.
    known: bool,
}

impl<'a> Reader<'a> {
    #[cold]
    #[inline(never)]
    /// An error at the current position, worded as serde_json words its own.
    pub(super) fn fail(&self, what: &str) -> serde_json::Error {
        let before = &self.b[..self.i.min(self.b.len())];
        let line = 1 + before.iter().filter(|b| **b == b'\n').count();
        let column = before.len()
            - before
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |n| n + 1);
        serde_json::Error::custom(format_args!("{what} at line {line} column {}", column + 1))
    }

    /// serde_json's error `e` about the token that starts at `start` (on one line), placed in
    /// the body.
    #[cold]
    #[inline(never)]
    fn moved(&self, start: usize, e: &serde_json::Error) -> serde_json::Error {
        let text = e.to_string();
        let what = text
            .rsplit_once(" at line ")
            .map_or(text.as_str(), |(w, _)| w);
        Reader {
            i: start + e.column().saturating_sub(1),
            ..*self
        }
        .fail(what)
    }

    /// The next byte after whitespace, not consumed.
    pub(super) fn peek(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
        self.b.get(self.i).copied()
    }

    /// Consumes the `,` between two members or elements (a last one before the end is refused).
    pub(super) fn comma(&mut self) -> Result<()> {
        self.i += 1;
        match self.peek() {
            Some(b']' | b'}') => Err(self.fail("trailing comma")),
            _ => Ok(()),
        }
    }

    /// Consumes `byte` (after whitespace) or fails with `what`.
    pub(super) fn expect(&mut self, byte: u8, what: &str) -> Result<()> {
        if self.peek() == Some(byte) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.fail(what))
        }
    }

    fn value(&mut self, needs: Option<&Needs>) -> Result<Tree<'a>> {
        match self.peek() {
            Some(b'{') => self.nested(|r| r.object(needs)),
            Some(b'[') => self.nested(|r| r.array(needs)),
            Some(b'"') => Ok(Tree::String(self.string()?)),
            Some(b'n') => self.ident(b"null").map(|_| Tree::Null),
            Some(b't') => self.ident(b"true").map(|_| Tree::Bool(true)),
            Some(b'f') => self.ident(b"false").map(|_| Tree::Bool(false)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.fail("expected value")),
            None => Err(self.fail("EOF while parsing a value")),
        }
    }

    /// An array or object being built, one level deeper.
    fn nested(&mut self, f: impl FnOnce(&mut Self) -> Result<Tree<'a>>) -> Result<Tree<'a>> {
        self.depth += 1;
        if self.depth >= MAX_DEPTH {
            return Err(self.fail("recursion limit exceeded"));
        }
        self.i += 1;
        let tree = f(self)?;
        self.depth -= 1;
        Ok(tree)
    }

    fn object(&mut self, needs: Option<&Needs>) -> Result<Tree<'a>> {
        let mut members = Vec::new();
        let mut dotted = false;
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Tree::Object(Object { members, dotted }));
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.fail("key must be a string"));
            }
            let member = match needs {
                None => {
                    let key = self.string()?;
                    self.expect(b':', "expected `:`")?;
                    Some((key, self.value(None)?))
                }
                Some(n) => self.needed_member(n)?,
            };
            if let Some((key, value)) = member {
                dotted |= key.contains('.');
                members.push(Member::new(key, value));
            }
            match self.peek() {
                Some(b',') => self.comma()?,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Tree::Object(Object { members, dotted }));
                }
                _ => return Err(self.fail("expected `,` or `}`")),
            }
        }
    }

    /// A member of an object read with `needs` (the reader at its key): built as far as they
    /// say, or skipped (`None`).
    fn needed_member(&mut self, needs: &Needs) -> Result<Option<(Cow<'a, str>, Tree<'a>)>> {
        let (key, child) = match self.plain_string()? {
            // The usual key, looked up as bytes (checked as UTF-8 as serde_json checks every key
            // of an object it builds: only a key that is not ASCII costs a full check).
            Some((start, end)) => match needs.child(&self.b[start..end]) {
                Some(c) => (self.text(start, end)?, Some(c)),
                None => {
                    self.check_utf8(start, end)?;
                    (Cow::Borrowed(""), None)
                }
            },
            None => {
                let key = self.string()?;
                let child = needs.child(key.as_bytes());
                (key, child)
            }
        };
        self.expect(b':', "expected `:`")?;
        let Some(child) = child else {
            self.skip()?;
            return Ok(None);
        };
        let value = if child.whole {
            self.value(None)?
        } else if !child.children.is_empty() {
            self.value(Some(child))?
        } else {
            // Only whether it is there matters.
            self.skip()?;
            Tree::Null
        };
        Ok(Some((key, value)))
    }

    fn array(&mut self, needs: Option<&Needs>) -> Result<Tree<'a>> {
        let mut items = Vec::new();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Tree::Array(items));
        }
        loop {
            // Array elements sit at the same path: the same needs apply to each.
            items.push(self.value(needs)?);
            match self.peek() {
                Some(b',') => self.comma()?,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Tree::Array(items));
                }
                _ => return Err(self.fail("expected `,` or `]`")),
            }
        }
    }

    pub(super) fn ident(&mut self, word: &[u8]) -> Result<()> {
        let rest = &self.b[self.i..];
        if rest.starts_with(word) {
            self.i += word.len();
            return Ok(());
        }
        // Placed where it stops being the word (or at the end), as serde_json places it.
        let same = rest.iter().zip(word).take_while(|(a, b)| a == b).count();
        let at = self.i + same;
        if at == self.b.len() {
            return Err(Reader { i: at, ..*self }.fail("EOF while parsing a value"));
        }
        Err(Reader { i: at, ..*self }.fail("expected ident"))
    }

    /// A string being built (the reader is at its `"`): borrowed when it has no escapes.
    pub(super) fn string(&mut self) -> Result<Cow<'a, str>> {
        if let Some((start, end)) = self.plain_string()? {
            return self.text(start, end);
        }
        let start = self.i;
        if let Some(unescaped) = self.simply_escaped() {
            return Ok(Cow::Owned(unescaped));
        }
        // `\u` escapes (or an error): serde_json decodes them (surrogate pairs and all).
        self.i = start + 1;
        self.skip_str_rest()?;
        serde_json::from_slice::<String>(&self.b[start..self.i])
            .map(Cow::Owned)
            .map_err(|e| self.moved(start, &e))
    }

    /// The string at the reader (at its `"`) unescaped, with the reader moved past it, when its
    /// only escapes are the two-character ones (`\"`, `\\`, `\n`, …: an SNS message is a whole
    /// event written that way) and it is text. `None` otherwise (a `\u` escape, a control
    /// character, a bad escape, the end of the body): the reader has moved, and the caller reads
    /// the string again from its start.
    fn simply_escaped(&mut self) -> Option<String> {
        let mut out: Vec<u8> = Vec::new();
        self.i += 1;
        loop {
            let rest = self.b.get(self.i..)?;
            let stop = self.i + crate::scan::copy_to_stop(rest, false, &mut out);
            match *self.b.get(stop)? {
                b'"' => {
                    self.i = stop + 1;
                    break;
                }
                b'\\' => {
                    out.push(match *self.b.get(stop + 1)? {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 0x08,
                        b'f' => 0x0c,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        _ => return None,
                    });
                    self.i = stop + 2;
                }
                // A control character.
                _ => return None,
            }
        }
        String::from_utf8(out).ok()
    }

    /// Where the text of the string at the reader (at its `"`) starts and ends, with the reader
    /// moved past it; `None`, the reader not moved, when the string has escapes.
    #[inline]
    pub(super) fn plain_string(&mut self) -> Result<Option<(usize, usize)>> {
        let start = self.i + 1;
        self.i = start;
        let end = self.to_quote_or_escape()?;
        if self.b[end] == b'"' {
            self.i = end + 1;
            Ok(Some((start, end)))
        } else {
            self.i = start - 1;
            Ok(None)
        }
    }

    /// The text between `start` and `end`, checked as UTF-8 unless the body is known to be.
    fn text(&self, start: usize, end: usize) -> Result<Cow<'a, str>> {
        if let Some(text) = self.text {
            // Text cut at ASCII quotes is still text.
            return Ok(Cow::Borrowed(&text[start..end]));
        }
        match std::str::from_utf8(&self.b[start..end]) {
            Ok(s) => Ok(Cow::Borrowed(s)),
            Err(_) => Err(self.fail("invalid unicode code point")),
        }
    }

    /// [`Reader::text`] for a string that is not kept: only whether it is UTF-8.
    #[inline]
    fn check_utf8(&self, start: usize, end: usize) -> Result<()> {
        let raw = &self.b[start..end];
        if self.known || self.text.is_some() || raw.is_ascii() || std::str::from_utf8(raw).is_ok() {
            Ok(())
        } else {
            Err(self.fail("invalid unicode code point"))
        }
    }

    /// The position of the next `"` or `\` from the current one; a control character or the
    /// end of the body first is an error.
    #[inline(always)]
    fn to_quote_or_escape(&self) -> Result<usize> {
        match crate::scan::first_stop(self.b.get(self.i..).unwrap_or_default(), false) {
            Some(at) if self.b[self.i + at] >= 0x20 => Ok(self.i + at),
            found => Err(self.string_error(found)),
        }
    }

    #[cold]
    #[inline(never)]
    fn string_error(&self, found: Option<usize>) -> serde_json::Error {
        match found {
            Some(at) => Reader {
                i: self.i + at,
                ..*self
            }
            .fail("control character (\\u0000-\\u001F) found while parsing a string"),
            None => Reader {
                i: self.b.len(),
                ..*self
            }
            .fail("EOF while parsing a string"),
        }
    }

    /// Skips the rest of a string (from inside it) up to and past its closing quote.
    fn skip_str_rest(&mut self) -> Result<()> {
        loop {
            self.i = self.to_quote_or_escape()?;
            if self.b[self.i] == b'"' {
                self.i += 1;
                return Ok(());
            }
            self.i += 1;
            match self.b.get(self.i) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 1,
                Some(b'u') => {
                    let hex = self.b.get(self.i + 1..self.i + 5);
                    if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                        return Err(self.fail("invalid escape"));
                    }
                    self.i += 5;
                }
                _ => return Err(self.fail("invalid escape")),
            }
        }
    }

    /// Where the number at the current position ends (JSON's grammar, as serde_json checks it).
    pub(super) fn number_end(&self) -> Result<usize> {
        let b = self.b;
        let digit = |j: usize| b.get(j).is_some_and(u8::is_ascii_digit);
        let bad = |j: usize| Err(Reader { i: j, ..*self }.fail("invalid number"));
        let mut j = self.i + usize::from(b[self.i] == b'-');
        match b.get(j) {
            Some(b'0') if digit(j + 1) => return bad(j + 1),
            Some(b'0') => j += 1,
            Some(b'1'..=b'9') => {
                while digit(j) {
                    j += 1;
                }
            }
            _ => return bad(j),
        }
        if b.get(j) == Some(&b'.') {
            j += 1;
            if !digit(j) {
                return bad(j);
            }
            while digit(j) {
                j += 1;
            }
        }
        if let Some(b'e' | b'E') = b.get(j) {
            j += 1;
            if let Some(b'+' | b'-') = b.get(j) {
                j += 1;
            }
            if !digit(j) {
                return bad(j);
            }
            while digit(j) {
                j += 1;
            }
        }
        Ok(j)
    }

    /// A number being built: plain integers here, anything else as serde_json reads it.
    fn number(&mut self) -> Result<Tree<'a>> {
        let end = self.number_end()?;
        self.number_to(end)
    }

    /// [`Reader::number`] of the number from the current position to `end` (its
    /// [`Reader::number_end`]).
    pub(super) fn number_to(&mut self, end: usize) -> Result<Tree<'a>> {
        let start = self.i;
        let token = &self.b[start..end];
        self.i = end;
        // Up to 19 digits always fit in a u64 (leading zeros were refused above).
        if token.len() <= 19 && token.iter().all(u8::is_ascii_digit) {
            let n = token.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
            return Ok(Tree::Number(n.into()));
        }
        let mut d = serde_json::Deserializer::from_slice(token);
        let tree = Build { needs: None }
            .deserialize(&mut d)
            .and_then(|t| d.end().map(|()| t))
            .map_err(|e| self.moved(start, &e))?;
        // The number's tree borrows nothing.
        Ok(match tree {
            Tree::Number(n) => Tree::Number(n),
            _ => Tree::Null,
        })
    }

    /// Skips one value without building it; what it contains may nest without limit.
    fn skip(&mut self) -> Result<()> {
        if self.known {
            return self.step_over();
        }
        // The closing bracket of each array or object open inside the skipped value.
        let mut open: SmallVec<[u8; 32]> = SmallVec::new();
        loop {
            match self.peek() {
                Some(b'{') => {
                    self.i += 1;
                    if self.peek() == Some(b'}') {
                        self.i += 1;
                    } else {
                        open.push(b'}');
                        self.skip_key()?;
                        continue;
                    }
                }
                Some(b'[') => {
                    self.i += 1;
                    if self.peek() == Some(b']') {
                        self.i += 1;
                    } else {
                        open.push(b']');
                        continue;
                    }
                }
                Some(b'"') => {
                    self.i += 1;
                    self.skip_str_rest()?;
                }
                Some(b'n') => self.ident(b"null")?,
                Some(b't') => self.ident(b"true")?,
                Some(b'f') => self.ident(b"false")?,
                Some(b'-' | b'0'..=b'9') => self.i = self.number_end()?,
                Some(_) => return Err(self.fail("expected value")),
                None => return Err(self.fail("EOF while parsing a value")),
            }
            // After a value: close what it ends, or go on to the next element or member.
            loop {
                let Some(&close) = open.last() else {
                    return Ok(());
                };
                match self.peek() {
                    Some(b',') => {
                        self.i += 1;
                        if close == b'}' {
                            self.skip_key()?;
                        }
                        break;
                    }
                    Some(c) if c == close => {
                        self.i += 1;
                        open.pop();
                    }
                    _ => return Err(self.fail("expected `,` or a closing bracket")),
                }
            }
        }
    }

    /// Steps over one value of text known to be JSON: strings by their quotes, arrays and objects
    /// by their brackets, anything else up to the `,` or bracket after it.
    fn step_over(&mut self) -> Result<()> {
        let mut depth = 0usize;
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b'"' => {
                    self.i += 1;
                    loop {
                        self.i = self.to_quote_or_escape()?;
                        self.i += 1;
                        if self.b[self.i - 1] == b'"' {
                            break;
                        }
                        // An escape: whatever it is, its second byte is not the closing quote.
                        self.i += 1;
                    }
                    if depth == 0 {
                        return Ok(());
                    }
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth == 0 => return Ok(()),
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        self.i += 1;
                        return Ok(());
                    }
                }
                b',' if depth == 0 => return Ok(()),
                _ => {}
            }
            self.i += 1;
        }
        Err(self.fail("EOF while parsing a value"))
    }

    /// Skips `"key":` (keys of skipped objects are not built, so not checked as UTF-8).
    fn skip_key(&mut self) -> Result<()> {
        self.expect(b'"', "key must be a string")?;
        self.skip_str_rest()?;
        self.expect(b':', "expected `:`")
    }
}
