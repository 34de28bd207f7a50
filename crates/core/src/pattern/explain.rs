//! Why an event matches a pattern or not: the pattern as a tree with a mark per field and per
//! operator, the event's own values beside each failure, and a hint when a near miss is likely
//! (spaces or case, a number written as a string, a field under `detail` or not).

use serde_json::Value;

use super::compile::{Cond, Field};
use super::event::{EventJson, Leaf};
use super::matcher::{Matcher, fold};
use super::{any_leaf, field_matches};

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Explanation {
    pub matched: bool,
    pub lines: Vec<Line>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mark {
    Pass,
    Fail,
    /// The event's value, or a hint.
    Note,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Line {
    pub depth: usize,
    pub mark: Mark,
    pub text: String,
}

impl Explanation {
    /// Plain text, one line each: `✓`/`✗` marks, notes indented under what they explain.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for l in &self.lines {
            let mark = match l.mark {
                Mark::Pass => "✓ ",
                Mark::Fail => "✗ ",
                Mark::Note => "  ",
            };
            out.push_str(&"  ".repeat(l.depth));
            out.push_str(mark);
            out.push_str(&l.text);
            out.push('\n');
        }
        out
    }
}

pub fn explain<E: EventJson>(root: &Cond, event: &E) -> Explanation {
    let mut lines = Vec::new();
    let matched = walk(root, event, 0, &mut lines);
    Explanation { matched, lines }
}

fn mark(ok: bool) -> Mark {
    if ok { Mark::Pass } else { Mark::Fail }
}

fn walk<E: EventJson>(cond: &Cond, event: &E, depth: usize, lines: &mut Vec<Line>) -> bool {
    match cond {
        Cond::All(all) => {
            let mut ok = true;
            for c in all {
                ok &= walk(c, event, depth, lines);
            }
            ok
        }
        Cond::Any(branches) => {
            let at = lines.len();
            lines.push(Line {
                depth,
                mark: Mark::Note,
                text: "$or: any of".into(),
            });
            let mut ok = false;
            for (i, b) in branches.iter().enumerate() {
                let head = lines.len();
                lines.push(Line {
                    depth: depth + 1,
                    mark: Mark::Note,
                    text: format!("branch {}", i + 1),
                });
                let branch_ok = walk(b, event, depth + 2, lines);
                lines[head].mark = mark(branch_ok);
                ok |= branch_ok;
            }
            lines[at].mark = mark(ok);
            ok
        }
        Cond::Field(f) => field(f, event, depth, lines),
    }
}

fn field<E: EventJson>(f: &Field, event: &E, depth: usize, lines: &mut Vec<Line>) -> bool {
    let ok = field_matches(f, event);
    lines.push(Line {
        depth,
        mark: mark(ok),
        text: f.path.clone(),
    });
    let mut values: Vec<Value> = Vec::new();
    any_leaf(event, &f.path, &mut |v| {
        values.push(match v {
            Leaf::Null => Value::Null,
            Leaf::Bool(b) => Value::Bool(b),
            Leaf::Number(n) => Value::Number(n.clone()),
            Leaf::String(s) => Value::String(s.to_string()),
        });
        false
    });
    for (m, written) in f.matchers.iter().zip(&f.written) {
        let hit = match m {
            Matcher::Exists(false) => values.is_empty(),
            m => values
                .iter()
                .filter_map(EventJson::leaf)
                .any(|v| m.matches(v)),
        };
        lines.push(Line {
            depth: depth + 1,
            mark: mark(hit),
            text: written.clone(),
        });
    }
    if !ok {
        let note = |text: String| Line {
            depth: depth + 1,
            mark: Mark::Note,
            text,
        };
        if values.is_empty() {
            lines.push(note(format!("the event has no value at {}", f.path)));
        } else {
            let shown: Vec<String> = values.iter().take(5).map(short).collect();
            let more = if values.len() > 5 {
                format!(" and {} more", values.len() - 5)
            } else {
                String::new()
            };
            lines.push(note(format!("the event has {}{more}", shown.join(", "))));
        }
        for hint in hints(f, event, &values) {
            lines.push(note(format!("hint: {hint}")));
        }
    }
    ok
}

fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 80 {
        let cut: String = text.chars().take(79).collect();
        format!("{cut}…")
    } else {
        text
    }
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Near misses worth pointing out.
fn hints<E: EventJson>(f: &Field, event: &E, values: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    for m in &f.matchers {
        for v in values {
            match (m, v) {
                (Matcher::String(s), Value::String(e)) if s != e => {
                    if squash(s) == squash(e) {
                        out.push(format!(
                            "{} and {} differ only in spaces",
                            Value::String(s.clone()),
                            v
                        ));
                    } else if fold(s) == fold(e) {
                        out.push(format!(
                            "{} and {} differ only in case: {{\"equals-ignore-case\": {}}} would match",
                            Value::String(s.clone()),
                            v,
                            Value::String(s.clone())
                        ));
                    }
                }
                (Matcher::String(s), Value::Number(n)) if s.parse::<f64>().ok() == n.as_f64() => {
                    out.push(format!(
                        "the event has the number {n}, the pattern the string \"{s}\": write it without quotes"
                    ));
                }
                (Matcher::Number { text, .. }, Value::String(e))
                    if e.parse::<f64>().ok() == text.parse::<f64>().ok() =>
                {
                    out.push(format!(
                        "the event has the string {v}, the pattern the number {text}: quote it"
                    ));
                }
                _ => {}
            }
        }
    }
    if values.is_empty() {
        let has = |path: &str| any_leaf(event, path, &mut |_| true);
        if let Some(top) = f.path.strip_prefix("detail.") {
            if has(top) {
                out.push(format!(
                    "the event has {top} at the top level, not under detail"
                ));
            }
        } else if has(&format!("detail.{}", f.path)) {
            out.push(format!(
                "the event has detail.{} (under detail), not at the top level",
                f.path
            ));
        }
    }
    out.dedup();
    out
}
