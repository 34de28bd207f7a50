//! Canonical event kinds: the webhook names without the `zen:event-type:ticket.` prefix,
//! and the mapping of all 30 legacy Events Connector `type` strings (and their ZIS tags) onto them.

use std::fmt;

macro_rules! kinds {
    ($( $variant:ident => $name:literal, legacy: $legacy:expr, zis: $zis:expr; )*) => {
        /// What happened to a ticket (or, for `Other`, to something else Zendesk reports).
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Kind {
            $( $variant, )*
            /// A kind this build does not know, kept by name: an unknown ticket event type,
            /// or a non-ticket webhook event as `domain.event` (e.g. `user.created`).
            Other(Box<str>),
            /// Valid JSON that is no Zendesk event zdwatch recognises.
            Unrecognized,
            /// Not JSON, or not UTF-8.
            Malformed,
        }

        /// Every known ticket kind, in a stable order (used for help texts and filter suggestions).
        pub const KNOWN_KINDS: &[Kind] = &[ $( Kind::$variant, )* ];

        impl Kind {
            pub fn as_str(&self) -> &str {
                match self {
                    $( Kind::$variant => $name, )*
                    Kind::Other(name) => name,
                    Kind::Unrecognized => "unrecognized",
                    Kind::Malformed => "malformed",
                }
            }

            /// The kind whose [`Kind::as_str`] is `name` (its inverse).
            pub fn from_name(name: &str) -> Kind {
                match name {
                    "unrecognized" => Kind::Unrecognized,
                    "malformed" => Kind::Malformed,
                    $( $name => Kind::$variant, )*
                    other => Kind::Other(other.into()),
                }
            }

            /// The kind for a webhook event name after `zen:event-type:ticket.`.
            pub fn from_webhook(name: &str) -> Kind {
                match name {
                    $( $name => Kind::$variant, )*
                    other => match other.to_ascii_lowercase().as_str() {
                        $( $name => Kind::$variant, )*
                        _ => Kind::Other(other.into()),
                    },
                }
            }

            /// The kind for a legacy `ticket_event.type` ("Status Changed") or its ZIS tag
            /// ("ticket.StatusChanged"), compared without regard to case or spacing.
            pub fn from_legacy(name: &str) -> Kind {
                // As the connector writes it (nearly always): no squashing needed.
                $(
                    if $legacy == Some(name) {
                        return Kind::$variant;
                    }
                )*
                // Every legacy and ZIS name squashed, once per process (this runs for every
                // legacy body).
                static SQUASHED: std::sync::OnceLock<Vec<(String, Kind)>> =
                    std::sync::OnceLock::new();
                let table = SQUASHED.get_or_init(|| {
                    let mut table = Vec::new();
                    $(
                        if let Some(legacy) = $legacy {
                            table.push((squash(legacy), Kind::$variant));
                        }
                        if let Some(zis) = $zis {
                            table.push((squash(zis), Kind::$variant));
                        }
                    )*
                    table
                });
                let key = squash(name);
                if let Some((_, kind)) = table.iter().find(|(squashed, _)| *squashed == key) {
                    return kind.clone();
                }
                // The connector documents eleven "Custom Field Changed" variants under one prefix.
                if key.starts_with("customfieldchanged") {
                    return Kind::CustomFieldChanged;
                }
                Kind::Other(name.into())
            }

            /// The legacy `type` string, for kinds the Events Connector had.
            pub fn legacy_name(&self) -> Option<&'static str> {
                match self {
                    $( Kind::$variant => $legacy, )*
                    _ => None,
                }
            }
        }
    };
}

/// Lower-case letters and digits only: "Email CCs Changed" and "ticket.CcsChanged" compare loosely.
fn squash(s: &str) -> String {
    let s = s.strip_prefix("ticket.").unwrap_or(s);
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

kinds! {
    AgentAssignmentChanged => "agent_assignment_changed", legacy: Some("Agent Assignment Changed"), zis: Some("ticket.AgentAssignmentChanged");
    AttachmentLinkedToComment => "attachment_linked_to_comment", legacy: Some("Attachment Linked to Comment"), zis: Some("ticket.AttachmentLinkedToComment");
    AttachmentRedactedFromComment => "attachment_redacted_from_comment", legacy: Some("Attachment Redacted from Comment"), zis: Some("ticket.AttachmentRedactedFromComment");
    BrandChanged => "brand_changed", legacy: Some("Brand Changed"), zis: Some("ticket.BrandChanged");
    CommentAdded => "comment_added", legacy: Some("Comment Created"), zis: Some("ticket.CommentAdded");
    CommentMadePrivate => "comment_made_private", legacy: Some("Comment Made Private"), zis: Some("ticket.CommentMadePrivate");
    CommentRedacted => "comment_redacted", legacy: Some("Comment Redacted"), zis: Some("ticket.CommentRedacted");
    CustomFieldChanged => "custom_field_changed", legacy: Some("Custom Field Changed"), zis: Some("ticket.CustomFieldChanged");
    CustomStatusChanged => "custom_status_changed", legacy: None, zis: None;
    DescriptionChanged => "description_changed", legacy: Some("Description Changed"), zis: Some("ticket.DescriptionChanged");
    EmailCcsChanged => "email_ccs_changed", legacy: Some("Email CCs Changed"), zis: Some("ticket.CcsChanged");
    ExternalIdChanged => "external_id_changed", legacy: Some("External ID Changed"), zis: Some("ticket.ExternalIdChanged");
    FollowersChanged => "followers_changed", legacy: Some("Followers Changed"), zis: Some("ticket.FollowersChanged");
    FormChanged => "form_changed", legacy: Some("Form Changed"), zis: Some("ticket.TicketFormChanged");
    GroupAssignmentChanged => "group_assignment_changed", legacy: Some("Group Assignment Changed"), zis: Some("ticket.GroupAssignmentChanged");
    OrganizationChanged => "organization_changed", legacy: Some("Organization Changed"), zis: Some("ticket.OrganizationChanged");
    PriorityChanged => "priority_changed", legacy: Some("Priority Changed"), zis: Some("ticket.PriorityChanged");
    ProblemLinkChanged => "problem_link_changed", legacy: Some("Problem Link Changed"), zis: Some("ticket.ProblemLinkChanged");
    RequesterChanged => "requester_changed", legacy: Some("Requester Changed"), zis: Some("ticket.RequesterChanged");
    StatusChanged => "status_changed", legacy: Some("Status Changed"), zis: Some("ticket.StatusChanged");
    SubjectChanged => "subject_changed", legacy: Some("Subject Changed"), zis: Some("ticket.SubjectChanged");
    SubmitterChanged => "submitter_changed", legacy: Some("Submitter Changed"), zis: Some("ticket.SubmitterChanged");
    TagsChanged => "tags_changed", legacy: Some("Tags Changed"), zis: Some("ticket.TagsChanged");
    TaskDueAtChanged => "task_due_at_changed", legacy: Some("Task Due At Changed"), zis: Some("ticket.TaskDueAtChanged");
    Created => "created", legacy: Some("Ticket Created"), zis: Some("ticket.TicketCreated");
    MarkedAsSpam => "marked_as_spam", legacy: Some("Ticket Marked as Spam"), zis: Some("ticket.MarkedAsSpam");
    Merged => "merged", legacy: Some("Ticket Merged"), zis: Some("ticket.TicketMerged");
    PermanentlyDeleted => "permanently_deleted", legacy: Some("Ticket Permanently Deleted"), zis: Some("ticket.TicketPermanentlyDeleted");
    SoftDeleted => "soft_deleted", legacy: Some("Ticket Soft Deleted"), zis: Some("ticket.TicketSoftDeleted");
    TypeChanged => "type_changed", legacy: Some("Ticket Type Changed"), zis: Some("ticket.TicketTypeChanged");
    Undeleted => "undeleted", legacy: Some("Ticket Undeleted"), zis: Some("ticket.TicketUndeleted");
    SlaPolicyChanged => "sla_policy_changed", legacy: None, zis: None;
    ScheduleChanged => "schedule_changed", legacy: None, zis: None;
    OlaPolicyChanged => "ola_policy_changed", legacy: None, zis: None;
    NextSlaBreachChanged => "next_sla_breach_changed", legacy: None, zis: None;
    CsatRequested => "csat_requested", legacy: None, zis: None;
    CsatReceived => "csat_received", legacy: None, zis: None;
}

impl Kind {
    /// Kinds whose `previous`/`current` are enumerations compared without case (status, priority, type).
    pub fn has_enum_diff(&self) -> bool {
        matches!(
            self,
            Kind::StatusChanged | Kind::PriorityChanged | Kind::TypeChanged
        )
    }

    /// Kinds whose `previous`/`current` are Zendesk ids.
    pub fn has_id_diff(&self) -> bool {
        matches!(
            self,
            Kind::AgentAssignmentChanged
                | Kind::BrandChanged
                | Kind::CustomStatusChanged
                | Kind::FormChanged
                | Kind::GroupAssignmentChanged
                | Kind::OrganizationChanged
                | Kind::ProblemLinkChanged
                | Kind::RequesterChanged
                | Kind::SubmitterChanged
        )
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_thirty_legacy_types_map_to_a_known_kind() {
        let legacy: Vec<_> = KNOWN_KINDS
            .iter()
            .filter_map(|k| k.legacy_name().map(|n| (n, k)))
            .collect();
        assert_eq!(legacy.len(), 30);
        for (name, kind) in legacy {
            assert_eq!(&Kind::from_legacy(name), kind, "{name}");
        }
    }

    #[test]
    fn irregular_legacy_names_map_as_documented() {
        let cases = [
            ("Comment Created", "comment_added"),
            ("Ticket Created", "created"),
            ("Ticket Merged", "merged"),
            ("Email CCs Changed", "email_ccs_changed"),
            ("Form Changed", "form_changed"),
            ("Ticket Type Changed", "type_changed"),
            ("ticket.CommentAdded", "comment_added"),
            ("ticket.TicketFormChanged", "form_changed"),
            ("status changed", "status_changed"),
            ("Custom Field Changed: Checkbox", "custom_field_changed"),
        ];
        for (legacy, want) in cases {
            assert_eq!(Kind::from_legacy(legacy).as_str(), want, "{legacy}");
        }
    }

    #[test]
    fn unknown_names_are_kept() {
        assert_eq!(
            Kind::from_legacy("Something New"),
            Kind::Other("Something New".into())
        );
        assert_eq!(
            Kind::from_webhook("comment_created").as_str(),
            "comment_created"
        );
        assert_eq!(Kind::from_webhook("STATUS_CHANGED"), Kind::StatusChanged);
    }

    #[test]
    fn canonical_names_round_trip() {
        for kind in KNOWN_KINDS {
            assert_eq!(&Kind::from_webhook(kind.as_str()), kind);
            assert_eq!(&Kind::from_name(kind.as_str()), kind);
        }
        for kind in [
            Kind::Unrecognized,
            Kind::Malformed,
            Kind::Other("x.y".into()),
        ] {
            assert_eq!(Kind::from_name(kind.as_str()), kind);
        }
        assert_eq!(KNOWN_KINDS.len(), 37);
    }
}
