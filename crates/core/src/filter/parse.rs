//! Tokenizer and recursive-descent parser for the filter language.
//!
//! ```text
//! expr    := and ( "or" and )*
//! and     := unary ( ["and"] unary )*
//! unary   := ("-" | "!") unary | "(" expr ")" | term
//! term    := key ":" values | "#" id | "reopened" | word
//! ```

use std::ops::Range;

use jiff::{SignedDuration, Timestamp};

use super::{Expr, Filter, FilterError, IdField, TagScope, Term, When, vocabulary};
use crate::event::{Format, Kind};

#[derive(Debug, PartialEq)]
enum Tok {
    Open,
    Close,
    Not,
    Word(String),
}

struct Token {
    tok: Tok,
    span: Range<usize>,
}

fn err<T>(message: impl Into<String>, span: Range<usize>) -> Result<T, FilterError> {
    Err(FilterError {
        message: message.into(),
        span,
    })
}

fn tokenize(text: &str) -> Result<Vec<Token>, FilterError> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' => {
                chars.next();
                tokens.push(Token {
                    tok: if c == '(' { Tok::Open } else { Tok::Close },
                    span: start..start + 1,
                });
            }
            '-' | '!' if tokens_may_negate(text, start) => {
                chars.next();
                tokens.push(Token {
                    tok: Tok::Not,
                    span: start..start + 1,
                });
            }
            _ => {
                // A word runs to whitespace or a parenthesis; double quotes may enclose spaces.
                let mut word = String::new();
                let mut end = start;
                let mut quote_start = None;
                while let Some(&(i, c)) = chars.peek() {
                    if quote_start.is_none() && (c.is_whitespace() || c == '(' || c == ')') {
                        break;
                    }
                    chars.next();
                    end = i + c.len_utf8();
                    if c == '"' {
                        quote_start = if quote_start.is_some() { None } else { Some(i) };
                    } else {
                        word.push(c);
                    }
                }
                if let Some(q) = quote_start {
                    return err("unclosed quote", q..text.len());
                }
                tokens.push(Token {
                    tok: Tok::Word(word),
                    span: start..end,
                });
            }
        }
    }
    Ok(tokens)
}

/// `-` and `!` negate only at the start of a term, followed by something to negate.
fn tokens_may_negate(text: &str, at: usize) -> bool {
    text[at + 1..]
        .chars()
        .next()
        .is_some_and(|c| !c.is_whitespace())
}

/// The longest filter accepted, in bytes: far beyond what anyone types or saves.
pub const MAX_LENGTH: usize = 4096;
/// How deeply parentheses and negations may nest (the parser and the evaluator recurse).
pub const MAX_DEPTH: usize = 32;

pub fn parse(text: &str) -> Result<Filter, FilterError> {
    if text.len() > MAX_LENGTH {
        return err(
            format!(
                "the filter is {} bytes long; at most {MAX_LENGTH} are accepted",
                text.len()
            ),
            MAX_LENGTH..text.len(),
        );
    }
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return Ok(Filter { expr: None });
    }
    let mut p = Parser {
        tokens,
        pos: 0,
        len: text.len(),
        depth: 0,
    };
    let expr = p.expr()?;
    if let Some(t) = p.tokens.get(p.pos) {
        return err("unexpected ')'", t.span.clone());
    }
    Ok(Filter { expr: Some(expr) })
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    len: usize,
    /// Parentheses and negations open around the current term.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn is_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Word(w), .. }) if w.eq_ignore_ascii_case(kw))
    }

    fn expr(&mut self) -> Result<Expr, FilterError> {
        let mut alternatives = vec![self.and()?];
        while self.is_keyword("or") {
            let span = self.tokens[self.pos].span.clone();
            self.pos += 1;
            if self.peek().is_none_or(|t| t.tok == Tok::Close) {
                return err("'or' needs a term after it", span);
            }
            alternatives.push(self.and()?);
        }
        Ok(if alternatives.len() == 1 {
            alternatives.remove(0)
        } else {
            Expr::Or(alternatives)
        })
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut terms = vec![self.unary()?];
        loop {
            if self.is_keyword("and") {
                self.pos += 1;
            }
            match self.peek() {
                None
                | Some(Token {
                    tok: Tok::Close, ..
                }) => break,
                Some(_) if self.is_keyword("or") => break,
                Some(_) => terms.push(self.unary()?),
            }
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::And(terms)
        })
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        let Some(token) = self.tokens.get(self.pos) else {
            return err("expected a term", self.len..self.len);
        };
        let span = token.span.clone();
        if matches!(token.tok, Tok::Not | Tok::Open) {
            if self.depth == MAX_DEPTH {
                return err(
                    format!("nested more than {MAX_DEPTH} deep: write it flatter"),
                    span,
                );
            }
            self.depth += 1;
            let inner = self.nested(&span);
            self.depth -= 1;
            return inner;
        }
        match &token.tok {
            Tok::Close => err("unexpected ')'", span),
            Tok::Word(w) => {
                let w = w.clone();
                self.pos += 1;
                term(&w, span).map(Expr::Term)
            }
            Tok::Not | Tok::Open => err("expected a term", span),
        }
    }

    /// A negation or a parenthesised expression, at the token at `span`.
    fn nested(&mut self, span: &Range<usize>) -> Result<Expr, FilterError> {
        let span = span.clone();
        match self.tokens[self.pos].tok {
            Tok::Not => {
                self.pos += 1;
                Ok(Expr::Not(Box::new(self.unary()?)))
            }
            Tok::Open => {
                self.pos += 1;
                if matches!(
                    self.peek(),
                    Some(Token {
                        tok: Tok::Close,
                        ..
                    })
                ) {
                    return err("empty parentheses", span.start..span.start + 2);
                }
                let inner = self.expr()?;
                match self.peek() {
                    Some(Token {
                        tok: Tok::Close, ..
                    }) => {
                        self.pos += 1;
                        Ok(inner)
                    }
                    _ => err("missing ')'", span),
                }
            }
            _ => err("expected a term", span),
        }
    }
}

fn term(word: &str, span: Range<usize>) -> Result<Term, FilterError> {
    if let Some(id) = word.strip_prefix('#') {
        return Ok(Term::Ticket(vec![ticket_id(id, span)?]));
    }
    if word.eq_ignore_ascii_case("reopened") {
        return Ok(Term::Reopened);
    }
    let Some((key, value)) = word.split_once(':') else {
        // `tag+vip`: a forgotten colon would silently search the words.
        for key in ["tag+", "tag-"] {
            if let Some(rest) = word.strip_prefix(key).filter(|r| !r.is_empty()) {
                return err(
                    format!("'{word}' would search the words; for a tag write {key}:{rest}"),
                    span,
                );
            }
        }
        return Ok(Term::Text(word.to_lowercase()));
    };
    // Spans of the value part, for errors that point at the value rather than the key.
    let vspan = span.start + key.len() + 1..span.end;
    if value.is_empty() {
        return err(format!("'{key}:' needs a value"), vspan);
    }
    let list = || -> Vec<String> {
        value
            .split(',')
            .filter(|v| !v.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let checked = |what: &str, vocabulary: &[&str]| -> Result<Vec<String>, FilterError> {
        let values = list();
        for v in &values {
            if let Some(message) = vocabulary::check(what, v, vocabulary) {
                return err(message, vspan.clone());
            }
        }
        Ok(values)
    };
    Ok(match key.to_ascii_lowercase().as_str() {
        "type" | "kind" => {
            let names: Vec<String> = value
                .split(',')
                .filter(|v| !v.is_empty())
                .map(kind_name)
                .collect();
            if let Some(message) = names.iter().find_map(|n| vocabulary::check_kind(n)) {
                return err(message, vspan);
            }
            Term::Kind(names)
        }
        "status" => status(value, vspan)?,
        "tag" | "tags" => Term::Tag(TagScope::Has, list()),
        "tag+" => Term::Tag(TagScope::Added, list()),
        "tag-" => Term::Tag(TagScope::Removed, list()),
        "ticket" | "id" => Term::Ticket(
            value
                .split(',')
                .map(|v| ticket_id(v.trim_start_matches('#'), vspan.clone()))
                .collect::<Result<_, _>>()?,
        ),
        "priority" => Term::Priority(checked("priority", vocabulary::PRIORITIES)?),
        "channel" | "via" => Term::Channel(list()),
        "source" | "queue" => Term::Source(list()),
        "group" => ids(IdField::Group, value, vspan)?,
        "assignee" => ids(IdField::Assignee, value, vspan)?,
        "requester" => ids(IdField::Requester, value, vspan)?,
        "org" | "organization" => ids(IdField::Organization, value, vspan)?,
        "brand" => ids(IdField::Brand, value, vspan)?,
        "actor" => ids(IdField::Actor, value, vspan)?,
        "custom_status" => ids(IdField::CustomStatus, value, vspan)?,
        "format" => Term::Format(
            value
                .split(',')
                .map(|f| match f.to_ascii_lowercase().as_str() {
                    "legacy" => Ok(Format::Legacy),
                    "webhook" => Ok(Format::Webhook),
                    "unrecognized" => Ok(Format::Unrecognized),
                    "malformed" => Ok(Format::Malformed),
                    _ => err(
                        format!(
                            "unknown format '{f}': use legacy, webhook, unrecognized or malformed"
                        ),
                        vspan.clone(),
                    ),
                })
                .collect::<Result<_, _>>()?,
        ),
        "since" => match when(value, vspan)? {
            When::Ago(d) => Term::Since(d),
            When::At(t) => Term::From(t),
        },
        "until" => Term::Until(when(value, vspan)?),
        _ => {
            return err(
                format!(
                    "unknown key '{key}:' (keys: type status tag tag+ tag- ticket priority group assignee requester org brand custom_status channel actor format source since until)"
                ),
                span.start..span.start + key.len() + 1,
            );
        }
    })
}

/// `Status Changed`, `zen:event-type:ticket.status_changed`, `comment` → a (prefix of a) canonical kind name.
fn kind_name(value: &str) -> String {
    let v = value.trim();
    let v = v.strip_prefix("zen:event-type:").unwrap_or(v);
    let v = v.strip_prefix("ticket.").unwrap_or(v);
    match Kind::from_legacy(v) {
        Kind::Other(_) => v.to_lowercase().replace([' ', '-'], "_"),
        known => known.as_str().to_string(),
    }
}

fn status(value: &str, span: Range<usize>) -> Result<Term, FilterError> {
    let arrow = value
        .find("->")
        .map(|i| (i, 2))
        .or_else(|| value.find('→').map(|i| (i, '→'.len_utf8())));
    let side = |s: &str| -> Result<Option<Vec<String>>, FilterError> {
        if s == "*" || s.is_empty() {
            return Ok(None);
        }
        let values: Vec<String> = s
            .split(',')
            .filter(|v| !v.is_empty())
            .map(str::to_lowercase)
            .collect();
        for v in &values {
            if let Some(message) = vocabulary::check("status", v, vocabulary::STATUSES) {
                return err(message, span.clone());
            }
        }
        Ok(Some(values))
    };
    match arrow {
        None => Ok(Term::Status(side(value)?.unwrap_or_default())),
        Some((i, len)) => {
            let (from, to) = (&value[..i], &value[i + len..]);
            if from.is_empty() || to.is_empty() {
                return err(
                    "a transition needs both sides: status:FROM->TO (use * for any)",
                    span,
                );
            }
            Ok(Term::Transition {
                from: side(from)?,
                to: side(to)?,
            })
        }
    }
}

fn ticket_id(v: &str, span: Range<usize>) -> Result<u64, FilterError> {
    v.parse()
        .or_else(|_| err(format!("'{v}' is not a ticket id"), span))
}

fn ids(field: IdField, value: &str, span: Range<usize>) -> Result<Term, FilterError> {
    let parsed = value
        .split(',')
        .map(|v| match v.to_ascii_lowercase().as_str() {
            "none" | "-" => Ok(None),
            _ => v
                .parse()
                .map(Some)
                .or_else(|_| err(format!("'{v}' is not an id (or 'none')"), span.clone())),
        })
        .collect::<Result<_, _>>()?;
    Ok(Term::Id(field, parsed))
}

/// `90s`, `15m`, `2h`, `7d`.
/// A duration before now (`15m`) or a time (`2026-11-28T10:15:00Z`, any RFC 3339 offset).
fn when(value: &str, span: Range<usize>) -> Result<When, FilterError> {
    if value.contains('T') || value.contains('-') {
        return value.parse::<Timestamp>().map(When::At).or_else(|_| {
            err(
                "a time is RFC 3339 with an offset: 2026-11-28T10:15:00Z",
                span,
            )
        });
    }
    duration(value, span).map(When::Ago)
}

pub(super) fn duration(value: &str, span: Range<usize>) -> Result<SignedDuration, FilterError> {
    let split = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let (n, unit) = value.split_at(split);
    let n: i64 = match n.parse() {
        Ok(n) => n,
        Err(_) => return err("a duration is a number and a unit: 90s, 15m, 2h, 7d", span),
    };
    let secs = match unit {
        "s" => 1,
        "m" | "" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return err(format!("unknown unit '{unit}': use s, m, h or d"), span),
    };
    Ok(SignedDuration::from_secs(n.saturating_mul(secs)))
}
