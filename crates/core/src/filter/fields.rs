//! What the filter reads from an event, so that it runs both on a decoded [`TicketEvent`] (`tail`)
//! and on the compact records the monitor holds (`store::Held`) without decoding them.

use jiff::Timestamp;

use super::{IdField, TagScope};
use crate::event::{Format, Kind, TicketEvent, reopens, summary};

pub trait Fields {
    /// The kind's canonical name (`status_changed`, `user.created`, …).
    fn kind_name(&self) -> &str;
    fn is_status_change(&self) -> bool;
    fn previous(&self) -> Option<&str>;
    fn current(&self) -> Option<&str>;
    /// The ticket's status, priority and channel after the event.
    fn status(&self) -> Option<&str>;
    fn priority(&self) -> Option<&str>;
    fn channel(&self) -> Option<&str>;
    /// Whether any tag in `scope` satisfies `test`.
    fn any_tag(&self, scope: TagScope, test: &mut dyn FnMut(&str) -> bool) -> bool;
    fn ticket_id(&self) -> Option<u64>;
    fn id(&self, field: IdField) -> Option<u64>;
    fn format(&self) -> Format;
    fn source(&self) -> Option<&str>;
    /// When it happened, else when it arrived.
    fn order_time(&self) -> Timestamp;
    /// Whether the summary, subject, comment or kind contains `word` (lower-case), ignoring case.
    fn contains_text(&self, word: &str) -> bool;

    /// A `solved`/`closed` → `open`/`new` status change.
    fn is_reopen(&self) -> bool {
        self.is_status_change() && reopens(self.previous(), self.current())
    }
}

impl Fields for TicketEvent {
    fn kind_name(&self) -> &str {
        self.kind.as_str()
    }
    fn is_status_change(&self) -> bool {
        self.kind == Kind::StatusChanged
    }
    fn previous(&self) -> Option<&str> {
        self.previous.as_deref()
    }
    fn current(&self) -> Option<&str> {
        self.current.as_deref()
    }
    fn status(&self) -> Option<&str> {
        self.ticket.status.as_deref()
    }
    fn priority(&self) -> Option<&str> {
        self.ticket.priority.as_deref()
    }
    fn channel(&self) -> Option<&str> {
        self.ticket.channel.as_deref()
    }
    fn any_tag(&self, scope: TagScope, test: &mut dyn FnMut(&str) -> bool) -> bool {
        let tags = match scope {
            TagScope::Has => &self.ticket.tags,
            TagScope::Added => &self.tags_added,
            TagScope::Removed => &self.tags_removed,
        };
        // A tag added by this event is on the ticket even when the snapshot is missing.
        let extra = if scope == TagScope::Has {
            self.tags_added.as_slice()
        } else {
            &[]
        };
        tags.iter().chain(extra).any(|t| test(t))
    }
    fn ticket_id(&self) -> Option<u64> {
        self.ticket_id
    }
    fn id(&self, field: IdField) -> Option<u64> {
        match field {
            IdField::Group => self.ticket.group_id,
            IdField::Assignee => self.ticket.assignee_id,
            IdField::Requester => self.ticket.requester_id,
            IdField::Organization => self.ticket.organization_id,
            IdField::Brand => self.ticket.brand_id,
            IdField::Actor => self.actor_id,
            IdField::CustomStatus => self.ticket.custom_status_id,
        }
    }
    fn format(&self) -> Format {
        self.format
    }
    fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }
    fn order_time(&self) -> Timestamp {
        TicketEvent::order_time(self)
    }
    fn contains_text(&self, word: &str) -> bool {
        self.searched_texts()
            .iter()
            .flatten()
            .any(|h| h.contains(word))
    }
}

impl TicketEvent {
    /// What a word search reads, lower-cased, each text on its own (a word is not found across
    /// two): the summary, the subject, the comment and the kind.
    pub fn searched_texts(&self) -> [Option<String>; 4] {
        self.searched_texts_as_they_are()
            .map(|text| text.map(|t| t.to_lowercase()))
    }

    /// [`TicketEvent::searched_texts`] before they are lower-cased.
    pub(crate) fn searched_texts_as_they_are(&self) -> [Option<std::borrow::Cow<'_, str>>; 4] {
        [
            Some(summary(self).into()),
            self.ticket.subject.as_deref().map(Into::into),
            self.comment
                .as_ref()
                .and_then(|c| c.body.as_deref())
                .map(Into::into),
            Some(self.kind.as_str().into()),
        ]
    }

    /// The three-byte sequences of [`TicketEvent::searched_texts`] (those its journal digest
    /// gave, for an event read from one: its texts are not there).
    pub fn search_trigrams(&self) -> super::Trigrams {
        self.trigrams.unwrap_or_else(|| super::Trigrams::of(self))
    }
}
