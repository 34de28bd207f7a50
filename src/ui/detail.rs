//! One event in full: the decoded fields, then the raw body pretty-printed with JSON colours.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::{full_time, safe};
use crate::app::App;
use crate::app::keymap::{Action, Screen};
use zdwatch_core::event::{TicketEvent, summary};
use zdwatch_core::sanitize::sanitize_bytes;
use zdwatch_core::store::Seq;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, seq: Seq, scroll: u16) {
    let pal = &app.config().palette;
    let Some(e) = app.shown(seq) else {
        frame.render_widget(
            Paragraph::new("This event is no longer held (evicted by --max-events)."),
            area,
        );
        return;
    };
    let mut lines = fields(&e, app);
    lines.push(Line::from(""));
    lines.push(Line::styled("raw body", pal.header));
    if e.body_missing() {
        lines.push(Line::styled("(missing: see problem)", pal.dim));
    }
    lines.extend(raw_lines(&e.raw));
    let title = format!(" event {} ", safe(&e.event_id));
    let hint = super::hints(
        app,
        Screen::Detail,
        &[
            (Action::Copy, "copy"),
            (Action::OpenInZendesk, "open in Zendesk"),
            (Action::Back, "back"),
        ],
    );
    let block = Block::bordered()
        .title(title)
        .title_bottom(Line::styled(hint, pal.dim));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        area,
    );
}

fn fields(e: &TicketEvent, app: &App) -> Vec<Line<'static>> {
    let pal = &app.config().palette;
    let utc = app.utc();
    let user = |id: u64| match app.user_name(id) {
        Some(name) => format!("{id} ({name})"),
        None => id.to_string(),
    };
    let mut rows: Vec<(&str, String)> = vec![
        ("kind", e.kind.as_str().to_string()),
        ("format", e.format.as_str().to_string()),
        ("change", summary(e)),
    ];
    let mut opt = |k: &'static str, v: Option<String>| {
        if let Some(v) = v {
            rows.push((k, v));
        }
    };
    opt("ticket", e.ticket_id.map(|t| format!("#{t}")));
    opt("subject id", e.subject_id.clone());
    opt(
        "occurred",
        match e.occurred_at {
            Some(t) => Some(full_time(t, utc)),
            None if e.time_unknown() => Some("unknown (see problem)".into()),
            None => None,
        },
    );
    opt("received", Some(full_time(e.received_at, utc)));
    opt("actor", e.actor_id.map(user));
    opt("previous", e.previous.clone());
    opt("current", e.current.clone());
    opt("comment", e.comment.as_ref().and_then(|c| c.body.clone()));
    opt(
        "author",
        e.comment.as_ref().and_then(|c| c.author_name.clone()),
    );
    opt(
        "conversation",
        e.comment.as_ref().and_then(|c| c.conversation_id.clone()),
    );
    if let Some(a) = &e.attachment {
        opt("attachment", a.filename.clone());
        // Shown for the engineer to open; zdwatch never fetches it.
        opt("file url", a.content_url.clone());
    }
    let t = &e.ticket;
    opt("status", t.status.clone());
    opt("priority", t.priority.clone());
    opt("subject", t.subject.clone());
    opt("assignee", t.assignee_id.map(user));
    opt("requester", t.requester_id.map(user));
    opt("group", t.group_id.map(|a| a.to_string()));
    opt("channel", t.channel.clone());
    opt("brand", t.brand_id.map(|b| b.to_string()));
    opt("cust. status", t.custom_status_id.map(|c| c.to_string()));
    opt("tags", (!t.tags.is_empty()).then(|| t.tags.join(" ")));
    opt(
        "sequence",
        e.sequence
            .as_ref()
            .map(|s| format!("{} #{}", s.id, s.position.unwrap_or(0))),
    );
    opt("source", e.envelope.source.clone());
    opt("detail-type", e.envelope.detail_type.clone());
    opt("SQS message", e.message_id.clone());
    opt("problem", e.problem.clone());
    rows.into_iter()
        .map(|(k, v)| {
            Line::from(vec![
                Span::styled(format!("{k:>12}  "), pal.dim),
                Span::raw(safe(&v).into_owned()),
            ])
        })
        .collect()
}

/// Pretty JSON with colours; a body that is not JSON is shown escaped as it is.
/// Levels of indentation shown; deeper levels stay at this one.
const MAX_INDENT: usize = 32;

fn raw_lines(raw: &[u8]) -> Vec<Line<'static>> {
    let pretty = std::str::from_utf8(raw)
        .ok()
        .filter(|s| serde_json::from_str::<serde::de::IgnoredAny>(s).is_ok())
        .map(reindent);
    match pretty {
        Some(text) => text.lines().map(json_line).collect(),
        None => sanitize_bytes(raw)
            .lines()
            .map(|l| Line::raw(l.to_string()))
            .collect(),
    }
}

/// Pretty-prints valid JSON keeping its keys in the order they arrived (serde_json would sort them).
fn reindent(json: &str) -> String {
    fn newline(out: &mut String, depth: usize) {
        out.push('\n');
        // Capped, so that a body nested 10,000 deep is not 10,000 lines of up to 20,000 spaces.
        out.extend(std::iter::repeat_n("  ", depth.min(MAX_INDENT)));
    }
    let mut out = String::with_capacity(json.len() * 2);
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let mut chars = json.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                while chars.peek().is_some_and(|n| n.is_ascii_whitespace()) {
                    chars.next();
                }
                if let Some(close) = chars.next_if(|n| *n == '}' || *n == ']') {
                    out.push(close);
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_ascii_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

/// Colours one line of pretty-printed JSON: keys, strings, numbers, literals.
fn json_line(line: &str) -> Line<'static> {
    let key = Style::new().fg(Color::Cyan);
    let string = Style::new().fg(Color::Green);
    let number = Style::new().fg(Color::Magenta);
    let literal = Style::new().fg(Color::Yellow);
    let mut spans = Vec::new();
    let mut rest = line;
    while !rest.is_empty() {
        let Some(c) = rest.chars().next() else { break };
        if c == '"' {
            let end = string_end(rest);
            let token = &rest[..end];
            let after = rest[end..].trim_start();
            let style = if after.starts_with(':') { key } else { string };
            // serde_json escapes control characters; sanitize anyway (bidi overrides are not escaped by JSON).
            spans.push(Span::styled(safe(token).into_owned(), style));
            rest = &rest[end..];
        } else if c == '-' || c.is_ascii_digit() {
            let end = rest
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || "+-.".contains(ch)))
                .unwrap_or(rest.len());
            spans.push(Span::styled(rest[..end].to_string(), number));
            rest = &rest[end..];
        } else if let Some(word) = ["true", "false", "null"]
            .into_iter()
            .find(|w| rest.starts_with(w))
        {
            spans.push(Span::styled(word.to_string(), literal));
            rest = &rest[word.len()..];
        } else {
            spans.push(Span::raw(c.to_string()));
            rest = &rest[c.len_utf8()..];
        }
    }
    Line::from(spans)
}

/// Byte index just past the closing quote of the JSON string starting at `s[0]`.
fn string_end(s: &str) -> usize {
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return i + 1,
            _ => escaped = false,
        }
    }
    s.len()
}

#[cfg(test)]
mod tests {
    use super::{MAX_INDENT, reindent};

    #[test]
    fn reindent_keeps_key_order_and_strings() {
        let raw = r#"{"z":1,"a":{"b":[1, 2],"e":{},"f":[]},"s":"x, {y}: \"q\""}"#;
        let want = "{\n  \"z\": 1,\n  \"a\": {\n    \"b\": [\n      1,\n      2\n    ],\n    \"e\": {},\n    \"f\": []\n  },\n  \"s\": \"x, {y}: \\\"q\\\"\"\n}";
        assert_eq!(reindent(raw), want);
    }

    #[test]
    fn deep_nesting_is_indented_only_so_far() {
        let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
        let pretty = reindent(&deep);
        // Linear in the input: 20,001 lines of at most 64 spaces and a bracket or the 1.
        assert_eq!(pretty.lines().count(), 20_001);
        assert!(
            pretty.lines().all(|l| l.len() <= 2 * MAX_INDENT + 1),
            "capped"
        );
    }
}
