//! `zdwatch test-pattern`: which events an EventBridge pattern matches, and why not the others.

use std::io::Write;

use crate::cli::PatternFormat;
use zdwatch_core::event::TicketEvent;
use zdwatch_core::pattern::Pattern;
use zdwatch_core::pattern::event::with_eventbridge_event;
use zdwatch_core::sanitize::sanitize;

/// A pattern from a flag: the JSON itself, or `@FILE`.
pub fn read_pattern(arg: &str) -> Result<Pattern, String> {
    let text = match arg.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the pattern file {path}: {e}"))?,
        None => arg.to_string(),
    };
    Pattern::compile(text.trim()).map_err(|e| e.with_position())
}

/// How `test-pattern` writes its verdicts.
#[derive(Clone, Copy, Debug)]
pub struct How {
    pub explain: bool,
    pub format: PatternFormat,
    /// `--mask`: the explanation is of the masked event (its values hidden); the verdict is not.
    pub mask: bool,
}

/// Writes one line per event (`match` / `no match`, ticket, kind, id) or one JSON object per
/// event, with the explanation when asked. Returns how many matched.
pub fn write(
    pattern: &Pattern,
    events: &[TicketEvent],
    how: How,
    out: &mut impl Write,
) -> std::io::Result<usize> {
    let How {
        explain,
        format,
        mask,
    } = how;
    let mut matched = 0;
    for e in events {
        let verdict = with_eventbridge_event(&e.raw, &mut |v| pattern.explain(v));
        let ok = verdict.as_ref().is_some_and(|x| x.matched);
        matched += usize::from(ok);
        // Masked, the values shown come from the masked body; a line says when that reads
        // differently from the verdict (a value the pattern tests was hidden).
        let explanation = if mask && explain {
            let masked = zdwatch_core::event::mask::body(&e.raw, &e.kind);
            with_eventbridge_event(&masked, &mut |v| pattern.explain(v)).map(|mut x| {
                if x.matched != ok {
                    x.lines.push(zdwatch_core::pattern::explain::Line {
                        depth: 0,
                        mark: zdwatch_core::pattern::explain::Mark::Note,
                        text:
                            "(masked: the values above are hidden; run without --mask to see why)"
                                .into(),
                    });
                }
                x
            })
        } else {
            verdict
        };
        let ticket = e.ticket_id.map(|t| format!("#{t}"));
        match format {
            PatternFormat::Text => {
                writeln!(
                    out,
                    "{:<9} {:<8} {:<26} {}",
                    if ok { "match" } else { "no match" },
                    ticket.as_deref().unwrap_or("-"),
                    sanitize(e.kind.as_str()),
                    sanitize(&e.event_id)
                )?;
                if explain {
                    match &explanation {
                        Some(x) => {
                            for line in x.to_text().lines() {
                                writeln!(out, "    {}", sanitize(line))?;
                            }
                        }
                        None => writeln!(out, "    the body is not JSON: nothing to match")?,
                    }
                }
            }
            PatternFormat::Json => {
                let mut doc = serde_json::json!({
                    "matched": ok,
                    "event_id": e.event_id,
                    "ticket_id": e.ticket_id,
                    "kind": e.kind.as_str(),
                });
                if explain {
                    doc["explanation"] = match &explanation {
                        Some(x) => serde_json::to_value(&x.lines).unwrap_or_default(),
                        None => serde_json::json!("the body is not JSON: nothing to match"),
                    };
                }
                let text = serde_json::to_string(&doc)?;
                writeln!(out, "{}", zdwatch_core::sanitize::json_text(&text))?;
            }
        }
    }
    Ok(matched)
}
