//! `zdwatch report`: the figures of a time range, as JSON (stable keys, README "Report") or as
//! markdown ready to paste into an incident review. Every figure comes from `stats`.

use std::io::{self, Write};
use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::ingest::AckPlan;
use zdwatch_core::event::{TicketEvent, decode};
use zdwatch_core::filter::Filter;
use zdwatch_core::sanitize::sanitize;
use zdwatch_core::stats::{Dimension, Durations, Stats, Summary, TimeInStatus, time_in_status};
use zdwatch_core::store::Dedupe;
use zdwatch_sources::{Disposition, SourceEvent, SourceSet};

/// Reads every source to its end (or until `idle_exit` passes without a new event, and a queue
/// has answered since: [`super::quiet_after`]) and returns each event once. Queue messages are
/// released at once: a report never deletes anything.
pub async fn collect(mut sources: SourceSet, idle_exit: Option<Duration>) -> Vec<TicketEvent> {
    let mut dedupe = Dedupe::new(usize::MAX >> 1);
    let mut events = Vec::new();
    // Idle means no *new* event: a peeked message that comes straight back does not count.
    let mut deadline = idle_exit.map(|d| tokio::time::Instant::now() + d);
    let answers = sources.answers();
    let mut mark = super::answered(answers.as_ref());
    loop {
        let next = match deadline {
            Some(at) => tokio::select! {
                // What has come in is read before the wait may end.
                biased;
                e = sources.events.recv() => e,
                () = super::quiet_after(at, answers.clone(), mark) => break,
            },
            None => sources.events.recv().await,
        };
        let Some(event) = next else { break };
        if let SourceEvent::Batch(batch) = event {
            // Peek only: every message goes back at once (nothing is stored, nothing deleted).
            let mut release = AckPlan::default();
            for m in batch {
                let source = m.source;
                let (body, receipt) = m.into_received();
                release.add(source, receipt, Disposition::Release);
                let e = decode(body);
                if dedupe.insert(&e.event_id) {
                    events.push(e);
                    deadline = idle_exit.map(|d| tokio::time::Instant::now() + d);
                    mark = super::answered(answers.as_ref());
                }
            }
            release.send(&sources).await;
        }
    }
    sources.shutdown().await;
    events
}

/// The events a report covers: in `[from, to)` by occurrence, and matching the filter (and the
/// EventBridge pattern, when there is one).
pub fn select(
    events: Vec<TicketEvent>,
    filter: &Filter,
    pattern: Option<&zdwatch_core::pattern::Pattern>,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
) -> Vec<TicketEvent> {
    let now = Timestamp::now();
    events
        .into_iter()
        .filter(|e| {
            from.is_none_or(|f| e.order_time() >= f) && to.is_none_or(|t| e.order_time() < t)
        })
        .filter(|e| filter.matches(e, now))
        .filter(|e| pattern.is_none_or(|p| p.matches_event(e)))
        .collect()
}

pub struct Report {
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub summary: Summary,
    pub times: TimeInStatus,
    pub tickets: usize,
}

impl Report {
    pub fn of(events: &[TicketEvent]) -> Report {
        let mut stats = Stats::default();
        for e in events {
            stats.add(e);
        }
        let from = events.iter().map(TicketEvent::order_time).min();
        let to = events.iter().map(TicketEvent::order_time).max();
        let summary = stats.summary(Timestamp::MIN, Timestamp::MAX);
        let tickets = events
            .iter()
            .filter_map(|e| e.ticket_id)
            .collect::<std::collections::HashSet<_>>()
            .len();
        Report {
            from,
            to,
            summary,
            times: time_in_status(events),
            tickets,
        }
    }

    /// The JSON document (keys documented in README, "Report").
    pub fn json(&self) -> Value {
        let s = &self.summary;
        let pairs = |v: &[(String, u64)]| -> Value {
            v.iter()
                .map(|(k, n)| (k.clone(), json!(n)))
                .collect::<serde_json::Map<_, _>>()
                .into()
        };
        let created = |d: Dimension| s.created.get(&d).map_or_else(|| json!({}), |v| pairs(v));
        let durations =
            |d: &Durations| json!({"count": d.count, "p50_seconds": d.p50, "p90_seconds": d.p90});
        json!({
            "from": self.from.map(|t| t.to_string()),
            "to": self.to.map(|t| t.to_string()),
            "events": s.total,
            "tickets": self.tickets,
            "by_kind": pairs(&s.by_kind),
            "created": {
                "total": s.by_kind.iter().find(|(k, _)| k == "created").map_or(0, |(_, n)| *n),
                "by_tag": created(Dimension::Tag),
                "by_brand": created(Dimension::Brand),
                "by_channel": created(Dimension::Channel),
                "by_group": created(Dimension::Group),
            },
            "transitions": s.transitions.iter().map(|((f, t), n)| json!({"from": f, "to": t, "count": n})).collect::<Vec<_>>(),
            "reopens": {
                "count": s.reopens,
                "tickets": s.reopened_tickets.iter().map(|(t, n)| json!({"ticket_id": t, "reopens": n})).collect::<Vec<_>>(),
            },
            "time_in_status": {
                "open_to_solved": durations(&self.times.open_to_solved),
                "new_to_first_assignment": durations(&self.times.new_to_first_assignment),
            },
            "busiest_tickets": s.busiest_tickets.iter().take(10).map(|(t, n)| json!({"ticket_id": t, "events": n})).collect::<Vec<_>>(),
        })
    }

    /// Markdown for an incident review. Event text is sanitised and table-safe.
    pub fn markdown(&self, out: &mut impl Write) -> io::Result<()> {
        let s = &self.summary;
        let cell = |t: &str| sanitize(t).replace('|', "\\|");
        let time = |t: Option<Timestamp>| {
            t.map_or_else(
                || "–".to_string(),
                |t| t.strftime("%Y-%m-%d %H:%M UTC").to_string(),
            )
        };
        writeln!(
            out,
            "# Zendesk events {} – {}\n",
            time(self.from),
            time(self.to)
        )?;
        let created = s
            .by_kind
            .iter()
            .find(|(k, _)| k == "created")
            .map_or(0, |(_, n)| *n);
        writeln!(
            out,
            "**{} events** on {} tickets: {} created, {} reopens.\n",
            s.total, self.tickets, created, s.reopens
        )?;
        writeln!(out, "## Events by kind\n\n| kind | events |\n|---|---:|")?;
        for (k, n) in &s.by_kind {
            writeln!(out, "| {} | {n} |", cell(k))?;
        }
        for (d, title) in [
            (Dimension::Tag, "tag"),
            (Dimension::Channel, "channel"),
            (Dimension::Group, "group"),
            (Dimension::Brand, "brand"),
        ] {
            let Some(list) = s.created.get(&d) else {
                continue;
            };
            writeln!(
                out,
                "\n## Tickets created by {title}\n\n| {title} | created |\n|---|---:|"
            )?;
            for (v, n) in list.iter().take(15) {
                writeln!(out, "| {} | {n} |", cell(v))?;
            }
        }
        writeln!(
            out,
            "\n## Status transitions\n\n| from | to | count |\n|---|---|---:|"
        )?;
        for ((f, t), n) in &s.transitions {
            writeln!(out, "| {} | {} | {n} |", cell(f), cell(t))?;
        }
        writeln!(
            out,
            "\n## Reopened tickets ({})\n\n| ticket | reopens |\n|---|---:|",
            s.reopens
        )?;
        for (t, n) in s.reopened_tickets.iter().take(15) {
            writeln!(out, "| #{t} | {n} |")?;
        }
        let d = |x: &Durations| {
            let f = |v: Option<i64>| {
                v.map_or_else(
                    || "–".into(),
                    |v| {
                        zdwatch_core::store::timeline::short_duration(
                            jiff::SignedDuration::from_secs(v),
                        )
                    },
                )
            };
            format!("{} | {} | {}", x.count, f(x.p50), f(x.p90))
        };
        writeln!(
            out,
            "\n## Time in status\n\n| span | count | p50 | p90 |\n|---|---:|---:|---:|"
        )?;
        writeln!(out, "| open → solved | {} |", d(&self.times.open_to_solved))?;
        writeln!(
            out,
            "| created → first assignment | {} |",
            d(&self.times.new_to_first_assignment)
        )?;
        writeln!(
            out,
            "\n## Busiest tickets\n\n| ticket | events |\n|---|---:|"
        )?;
        for (t, n) in s.busiest_tickets.iter().take(10) {
            writeln!(out, "| #{t} | {n} |")?;
        }
        Ok(())
    }
}
