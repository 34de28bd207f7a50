//! Why a filter shows nothing: a tag, channel or source no held event has (a typo, a trailing
//! space), said with the closest values that are there (`no held event has tag 'vip ' — seen: vip`).

use std::collections::BTreeSet;

use super::eval::glob;
use super::vocabulary::nearest;
use super::{Expr, Fields, Filter, TagScope, Term};

/// Values of an open vocabulary a filter names, by what they are.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Tag(TagScope),
    Channel,
    Source,
}

impl Open {
    fn name(self) -> &'static str {
        match self {
            Open::Tag(TagScope::Has) => "tag",
            Open::Tag(TagScope::Added) => "tag+",
            Open::Tag(TagScope::Removed) => "tag-",
            Open::Channel => "channel",
            Open::Source => "source",
        }
    }
}

impl Filter {
    /// For a filter that matches none of `events`: the first value it names (outside a negation)
    /// that none of them has, and the closest values they do have. `None` when every value is seen.
    /// `among`: the events are the newest `n` of more, and the message says so.
    pub fn unseen<E: Fields>(
        &self,
        events: impl Iterator<Item = E>,
        among: Option<usize>,
    ) -> Option<String> {
        let mut wanted = Vec::new();
        if let Some(expr) = &self.expr {
            collect(expr, &mut wanted);
        }
        if wanted.is_empty() {
            return None;
        }
        let mut seen: Vec<BTreeSet<String>> = vec![BTreeSet::new(); wanted.len()];
        let mut found = vec![false; wanted.len()];
        for e in events {
            for (i, (what, value)) in wanted.iter().enumerate() {
                let mut test = |v: &str| {
                    if seen[i].len() < 10_000 && !seen[i].contains(v) {
                        seen[i].insert(v.to_string());
                    }
                    glob(value, v)
                };
                found[i] |= match what {
                    Open::Tag(scope) => e.any_tag(*scope, &mut test),
                    Open::Channel => e.channel().is_some_and(&mut test),
                    Open::Source => e.source().is_some_and(&mut test),
                };
            }
        }
        let i = found.iter().position(|f| !f)?;
        let (what, value) = &wanted[i];
        let values: Vec<&str> = seen[i].iter().map(String::as_str).collect();
        // The close values; or, when none is close, a few of those there are.
        let mut near = nearest(value.trim(), &values);
        if near.is_empty() {
            near = values.iter().take(5).copied().collect();
        }
        let more = if near.len() < values.len() && near.len() == 5 {
            ", …"
        } else {
            ""
        };
        let hint = if near.is_empty() {
            String::new()
        } else {
            format!(" — seen: {}{more}", near.join(", "))
        };
        let events = match among {
            None => "no held event has".to_string(),
            Some(n) => format!("none of the newest {n} events has"),
        };
        Some(format!("{events} {} '{value}'{hint}", what.name()))
    }
}

fn collect(expr: &Expr, out: &mut Vec<(Open, String)>) {
    match expr {
        Expr::And(all) | Expr::Or(all) => all.iter().for_each(|e| collect(e, out)),
        // Under a negation, a value nobody has is what the user wants.
        Expr::Not(_) => {}
        Expr::Term(t) => {
            let (what, values) = match t {
                Term::Tag(scope, v) => (Open::Tag(*scope), v),
                Term::Channel(v) => (Open::Channel, v),
                Term::Source(v) => (Open::Source, v),
                _ => return,
            };
            // `channel:none` means unset, not a channel called none.
            for v in values
                .iter()
                .filter(|v| *v != "none" || what != Open::Channel)
            {
                out.push((what, v.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Received, decode};

    fn tagged(tags: &str, channel: &str) -> crate::event::TicketEvent {
        let body = format!(
            r#"{{"type":"zen:event-type:ticket.created","id":"{channel}","subject":"zen:ticket:1","detail":{{"id":"1","tags":[{tags}],"via":{{"channel":"{channel}"}}}},"event":{{}}}}"#
        );
        decode(Received {
            body: body.into_bytes(),
            message_id: None,
            received_at: jiff::Timestamp::UNIX_EPOCH,
        })
    }

    #[test]
    fn a_value_no_event_has_is_named_with_the_close_ones_seen() {
        let events = [
            tagged(r#""vip","payment_failed""#, "email"),
            tagged(r#""vip_customer""#, "web"),
        ];
        let unseen = |f: &str| Filter::parse(f).ok()?.unseen(events.iter().cloned(), None);
        assert_eq!(
            unseen(r#"tag:"vip ""#).as_deref(),
            Some("no held event has tag 'vip ' — seen: vip")
        );
        assert_eq!(
            unseen("channel:emial").as_deref(),
            Some("no held event has channel 'emial' — seen: email")
        );
        assert_eq!(
            unseen("tag:payment_faild").as_deref(),
            Some("no held event has tag 'payment_faild' — seen: payment_failed")
        );
        assert_eq!(unseen("tag:vip channel:web"), None, "each value is held");
        let sampled = Filter::parse("tag:zzz")
            .ok()
            .and_then(|f| f.unseen(events.iter().cloned(), Some(50_000)));
        assert!(
            sampled.is_some_and(|m| m.starts_with("none of the newest 50000 events has tag 'zzz'")),
            "a sample says it is one"
        );
        assert_eq!(unseen("tag:vip* -tag:nothing_like_it"), None);
        assert_eq!(
            unseen("tag:zzz").as_deref(),
            Some("no held event has tag 'zzz' — seen: payment_failed, vip, vip_customer")
        );
    }
}
