//! The embedded demo: a deterministic simulation of a busy Zendesk instance whose events
//! reach a queue the way real ones do.
//!
//! [`Simulator`] plays ticket lifecycles (created via web, email, chat, api or mobile;
//! triaged, assigned, commented, put on pending, solved, reopened, closed; tags and priorities
//! changed) in both event formats, and a recurring peak incident: every 20 minutes, for 4
//! minutes, a burst of urgent `payment_failed` tickets, many of which get reopened. It writes
//! real message bodies (EventBridge envelopes, some wrapped in SNS notifications, some
//! delivered twice, each delivered 0.1–3 s late so arrivals are out of order); the monitor
//! decodes them with the same decoder as a real queue's.
//!
//! Given a seed and a start time the output is always the same, byte for byte.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use super::{Message, SourceContext, SourceEvent, SourceStatus};

/// How often the demo source hands new events to the monitor.
const TICK: Duration = Duration::from_millis(200);

/// Minutes between the starts of two incidents, and how long each lasts.
const INCIDENT_EVERY_MIN: i64 = 20;
const INCIDENT_LASTS_MIN: i64 = 4;
/// The first incident starts this long after the simulation does.
const FIRST_INCIDENT_MIN: i64 = 4;

/// The Zendesk account the demo pretends to be.
const ACCOUNT_ID: u64 = 9_242_270;
const AWS_ACCOUNT: &str = "123456789012";

/// One body and when it reaches the queue.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub at: Timestamp,
    pub body: Vec<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    New,
    Open,
    Pending,
    Solved,
}

#[derive(Clone, Debug)]
struct SimTicket {
    id: u64,
    legacy: bool,
    incident: bool,
    stage: Stage,
    status: &'static str,
    priority: Option<&'static str>,
    ticket_type: &'static str,
    channel: &'static str,
    subject: String,
    requester: u64,
    assignee: Option<u64>,
    group: Option<u64>,
    brand: u64,
    organization: Option<u64>,
    tags: Vec<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

/// One change inside an agent's (or customer's, or trigger's) action.
enum Change {
    Created,
    Comment {
        body: String,
        public: bool,
        author: u64,
    },
    Status(&'static str, &'static str),
    Priority(Option<&'static str>, &'static str),
    Assignee(Option<u64>, u64),
    Group(Option<u64>, u64),
    Tags {
        added: Vec<String>,
        removed: Vec<String>,
    },
}

/// A deterministic Zendesk instance. Call [`Simulator::advance`] with increasing times.
pub struct Simulator {
    rng: ChaCha8Rng,
    start: Timestamp,
    /// Everything up to here has been simulated.
    now: Timestamp,
    next_ticket: u64,
    next_arrival: Timestamp,
    tickets: HashMap<u64, SimTicket>,
    /// (when, ticket): the next action on each live ticket.
    agenda: BinaryHeap<Reverse<(Timestamp, u64)>>,
    /// (delivery time, serial, body): bodies on their way to the queue.
    outbox: BinaryHeap<Reverse<(Timestamp, u64, Vec<u8>)>>,
    serial: u64,
}

impl Simulator {
    pub fn new(seed: u64, start: Timestamp) -> Simulator {
        let mut sim = Simulator {
            rng: ChaCha8Rng::seed_from_u64(seed),
            start,
            now: start,
            next_ticket: 35_400,
            next_arrival: start,
            tickets: HashMap::new(),
            agenda: BinaryHeap::new(),
            outbox: BinaryHeap::new(),
            serial: 0,
        };
        sim.next_arrival = start + sim.arrival_gap(start);
        sim
    }

    /// Simulates up to `to` and returns the bodies that reached the queue by then, in delivery order.
    pub fn advance(&mut self, to: Timestamp) -> Vec<Delivery> {
        while self.now < to {
            let next_action = self.agenda.peek().map(|Reverse((t, _))| *t);
            let next = match next_action {
                Some(t) if t < self.next_arrival => t,
                _ => self.next_arrival,
            };
            if next > to {
                self.now = to;
                break;
            }
            self.now = next;
            if next_action == Some(next) {
                if let Some(Reverse((_, id))) = self.agenda.pop() {
                    self.act(id);
                }
            } else {
                self.create_ticket();
                self.next_arrival = next + self.arrival_gap(next);
            }
        }
        let mut out = Vec::new();
        while self
            .outbox
            .peek()
            .is_some_and(|Reverse((at, _, _))| *at <= to)
        {
            if let Some(Reverse((at, _, body))) = self.outbox.pop() {
                out.push(Delivery { at, body });
            }
        }
        out
    }

    /// Whether a peak incident is going on at `t`.
    pub fn incident_at(&self, t: Timestamp) -> bool {
        let minutes = t.duration_since(self.start).as_secs() / 60 - FIRST_INCIDENT_MIN;
        minutes >= 0 && minutes % INCIDENT_EVERY_MIN < INCIDENT_LASTS_MIN
    }

    /// Time to the next new ticket: about 15 a minute, 90 a minute more during an incident.
    fn arrival_gap(&mut self, t: Timestamp) -> SignedDuration {
        let per_second = if self.incident_at(t) { 1.75 } else { 0.25 };
        self.exponential(1.0 / per_second)
    }

    /// A random duration with the given mean in seconds (exponential, at least 1 ms).
    fn exponential(&mut self, mean_secs: f64) -> SignedDuration {
        let u: f64 = self.rng.random_range(f64::EPSILON..1.0);
        SignedDuration::from_secs_f64((-u.ln() * mean_secs).clamp(0.001, mean_secs * 8.0))
    }

    fn between(&mut self, lo_secs: f64, hi_secs: f64) -> SignedDuration {
        SignedDuration::from_secs_f64(self.rng.random_range(lo_secs..hi_secs))
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p.clamp(0.0, 1.0))
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.rng.random_range(0..items.len())]
    }

    fn schedule(&mut self, id: u64, after: SignedDuration) {
        self.agenda.push(Reverse((self.now + after, id)));
    }

    fn create_ticket(&mut self) {
        let id = self.next_ticket;
        self.next_ticket += 1;
        let incident = self.incident_at(self.now);
        let (subject, tags, ticket_type) = if incident {
            let s = self.pick(INCIDENT_SUBJECTS);
            (
                s.to_string(),
                vec!["payment_failed".to_string(), "checkout".to_string()],
                "incident",
            )
        } else {
            let (s, tags) = self.pick(SUBJECTS);
            let ticket_type = self.pick(&["question", "question", "problem", "incident", "task"]);
            (
                s.to_string(),
                tags.iter().map(|t| t.to_string()).collect(),
                ticket_type,
            )
        };
        let channel = if incident {
            self.pick(&["web", "chat", "mobile", "web"])
        } else {
            self.pick(&[
                "web", "web", "email", "email", "email", "chat", "api", "mobile",
            ])
        };
        let priority = match channel {
            "chat" | "api" => Some("normal"),
            _ if incident => Some("high"),
            _ => None,
        };
        let mut tags = tags;
        if self.chance(0.08) {
            tags.push("vip".into());
        }
        let ticket = SimTicket {
            id,
            legacy: self.chance(0.3),
            incident,
            stage: Stage::New,
            status: "new",
            priority,
            ticket_type,
            channel,
            subject,
            requester: 900_000 + self.rng.random_range(0..50_000),
            assignee: None,
            group: None,
            brand: if incident || self.chance(0.7) {
                123
            } else {
                124
            },
            organization: if self.chance(0.6) {
                Some(10_000 + self.rng.random_range(0..40))
            } else {
                None
            },
            tags,
            created_at: self.now,
            updated_at: self.now,
        };
        let requester = ticket.requester;
        let first = if incident {
            self.pick(INCIDENT_CUSTOMER)
        } else {
            self.pick(CUSTOMER_FIRST)
        };
        self.tickets.insert(id, ticket);
        self.emit(
            id,
            Some(requester),
            vec![
                Change::Created,
                Change::Comment {
                    body: first.to_string(),
                    public: true,
                    author: requester,
                },
            ],
        );
        let wait = if incident {
            self.between(10.0, 90.0)
        } else {
            self.between(20.0, 300.0)
        };
        self.schedule(id, wait);
    }

    /// The next step in a ticket's life.
    fn act(&mut self, id: u64) {
        let Some(t) = self.tickets.get(&id).cloned() else {
            return;
        };
        let agent = t.assignee.unwrap_or_else(|| self.pick(AGENTS).0);
        match t.stage {
            Stage::New => {
                let group = if t.incident {
                    98_741
                } else {
                    self.pick(&[98_738, 98_738, 98_739, 98_740])
                };
                let mut changes = vec![
                    Change::Assignee(None, agent),
                    Change::Group(t.group, group),
                    Change::Status("new", "open"),
                ];
                if t.incident {
                    changes.push(Change::Priority(t.priority, "urgent"));
                    changes.push(Change::Tags {
                        added: vec!["incident".into()],
                        removed: vec![],
                    });
                } else if t.priority.is_none() {
                    let p = self.pick(&["low", "normal", "normal", "normal", "high"]);
                    changes.push(Change::Priority(None, p));
                }
                self.emit(id, Some(agent), changes);
                self.set_stage(id, Stage::Open);
                let wait = if t.incident {
                    self.between(60.0, 360.0)
                } else {
                    self.exponential(240.0)
                };
                self.schedule(id, wait);
            }
            Stage::Open => {
                let roll: f64 = self.rng.random_range(0.0..1.0);
                let solve_share = if t.incident { 0.75 } else { 0.3 };
                if roll < solve_share {
                    let body = if t.incident {
                        self.pick(INCIDENT_AGENT)
                    } else {
                        self.pick(AGENT_SOLVE)
                    };
                    let changes = vec![
                        Change::Comment {
                            body: body.into(),
                            public: true,
                            author: agent,
                        },
                        Change::Status("open", "solved"),
                    ];
                    self.emit(id, Some(agent), changes);
                    self.set_stage(id, Stage::Solved);
                    let wait = if t.incident {
                        self.between(30.0, 240.0)
                    } else {
                        self.exponential(300.0)
                    };
                    self.schedule(id, wait);
                } else if roll < solve_share + 0.35 {
                    let body = self.pick(AGENT_ASK);
                    let changes = vec![
                        Change::Comment {
                            body: body.into(),
                            public: true,
                            author: agent,
                        },
                        Change::Status("open", "pending"),
                    ];
                    self.emit(id, Some(agent), changes);
                    self.set_stage(id, Stage::Pending);
                    let wait = self.exponential(360.0);
                    self.schedule(id, wait);
                } else if roll < solve_share + 0.5 {
                    let note = self.pick(AGENT_NOTES);
                    self.emit(
                        id,
                        Some(agent),
                        vec![Change::Comment {
                            body: note.into(),
                            public: false,
                            author: agent,
                        }],
                    );
                    let wait = self.exponential(180.0);
                    self.schedule(id, wait);
                } else if roll < solve_share + 0.6 && t.priority != Some("urgent") {
                    let to = if t.priority == Some("high") {
                        "urgent"
                    } else {
                        "high"
                    };
                    let tags = if t.tags.iter().any(|x| x == "escalated") {
                        vec![]
                    } else {
                        vec![Change::Tags {
                            added: vec!["escalated".into()],
                            removed: vec![],
                        }]
                    };
                    let mut changes = vec![Change::Priority(t.priority, to)];
                    changes.extend(tags);
                    self.emit(id, Some(agent), changes);
                    let wait = self.exponential(180.0);
                    self.schedule(id, wait);
                } else {
                    let other = self.pick(AGENTS).0;
                    if Some(other) != t.assignee {
                        self.emit(id, Some(agent), vec![Change::Assignee(t.assignee, other)]);
                    }
                    let wait = self.exponential(200.0);
                    self.schedule(id, wait);
                }
            }
            Stage::Pending => {
                if self.chance(0.7) {
                    let body = self.pick(CUSTOMER_REPLY);
                    let changes = vec![
                        Change::Comment {
                            body: body.into(),
                            public: true,
                            author: t.requester,
                        },
                        Change::Status("pending", "open"),
                    ];
                    self.emit(id, Some(t.requester), changes);
                    self.set_stage(id, Stage::Open);
                    let wait = self.exponential(200.0);
                    self.schedule(id, wait);
                } else {
                    self.emit(id, Some(agent), vec![Change::Status("pending", "solved")]);
                    self.set_stage(id, Stage::Solved);
                    let wait = self.exponential(300.0);
                    self.schedule(id, wait);
                }
            }
            Stage::Solved => {
                let reopen = if t.incident { 0.35 } else { 0.1 };
                if self.chance(reopen) {
                    let body = if t.incident {
                        self.pick(INCIDENT_REOPEN)
                    } else {
                        self.pick(CUSTOMER_REOPEN)
                    };
                    let changes = vec![
                        Change::Comment {
                            body: body.into(),
                            public: true,
                            author: t.requester,
                        },
                        Change::Status("solved", "open"),
                    ];
                    self.emit(id, Some(t.requester), changes);
                    self.set_stage(id, Stage::Open);
                    let wait = self.exponential(150.0);
                    self.schedule(id, wait);
                } else {
                    // Closed by the automation; nothing more happens to the ticket.
                    self.emit(id, None, vec![Change::Status("solved", "closed")]);
                    self.tickets.remove(&id);
                }
            }
        }
    }

    fn set_stage(&mut self, id: u64, stage: Stage) {
        if let Some(t) = self.tickets.get_mut(&id) {
            t.stage = stage;
        }
    }

    /// Applies one action's changes to the ticket and queues one body per change, all in one sequence.
    fn emit(&mut self, id: u64, actor: Option<u64>, changes: Vec<Change>) {
        let sequence = self.hex_id();
        let total = changes.len();
        for (i, change) in changes.into_iter().enumerate() {
            let occurred =
                self.now + SignedDuration::from_millis(i as i64 * 3 + self.rng.random_range(0..3));
            let Some(t) = self.tickets.get_mut(&id) else {
                return;
            };
            apply(t, &change, occurred);
            let t = t.clone();
            let seq = json!({"id": sequence, "position": i + 1, "total": total});
            let body = if t.legacy {
                legacy_event(&t, &change, occurred, actor, seq)
            } else {
                let event_id = self.uuid();
                webhook_event(&t, &change, occurred, actor, seq, &event_id)
            };
            self.send(body, occurred, t.legacy);
        }
    }

    /// Wraps a Zendesk event in its EventBridge envelope (and sometimes SNS) and queues it for delivery.
    fn send(&mut self, detail_and_type: (String, Value), occurred: Timestamp, legacy: bool) {
        let (detail_type, detail) = detail_and_type;
        let source = if legacy {
            format!("aws.partner/zendesk.com/{ACCOUNT_ID}/default")
        } else {
            "zendesk.webhook".into()
        };
        let bus_time = occurred + SignedDuration::from_millis(self.rng.random_range(50..900));
        let envelope = |id: &str| {
            json!({
                "version": "0",
                "id": id,
                "detail-type": detail_type,
                "source": source,
                "account": AWS_ACCOUNT,
                "time": bus_time.round(jiff::Unit::Second).unwrap_or(bus_time).to_string(),
                "region": "us-east-1",
                "resources": [],
                "detail": detail,
            })
        };
        let first_id = self.uuid();
        let body = self.maybe_sns(envelope(&first_id), bus_time);
        let delay = SignedDuration::from_millis(self.rng.random_range(100..3000));
        self.deliver(bus_time + delay, body.clone());
        if self.chance(0.015) {
            // At-least-once delivery: the connector's retry repeats the event as is; the webhook
            // relay's retry sends the same Zendesk event in a new EventBridge event.
            let again = if legacy {
                body
            } else {
                let id = self.uuid();
                self.maybe_sns(envelope(&id), bus_time)
            };
            let later = SignedDuration::from_millis(self.rng.random_range(500..8000));
            self.deliver(bus_time + delay + later, again);
        }
    }

    fn maybe_sns(&mut self, event: Value, at: Timestamp) -> Vec<u8> {
        let inner = event.to_string();
        if !self.chance(0.1) {
            return inner.into_bytes();
        }
        json!({
            "Type": "Notification",
            "MessageId": self.uuid(),
            "TopicArn": format!("arn:aws:sns:us-east-1:{AWS_ACCOUNT}:zendesk-ticket-events"),
            "Message": inner,
            "Timestamp": (at + SignedDuration::from_millis(30)).to_string(),
            "SignatureVersion": "1",
        })
        .to_string()
        .into_bytes()
    }

    fn deliver(&mut self, at: Timestamp, body: Vec<u8>) {
        self.serial += 1;
        self.outbox.push(Reverse((at, self.serial, body)));
    }

    fn hex_id(&mut self) -> String {
        let (a, b): (u64, u64) = (self.rng.random(), self.rng.random());
        format!("{a:016X}{b:016X}")
    }

    fn uuid(&mut self) -> String {
        let v: u128 = self.rng.random();
        let h = format!("{v:032x}");
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    }
}

fn apply(t: &mut SimTicket, change: &Change, at: Timestamp) {
    t.updated_at = at;
    match change {
        Change::Created | Change::Comment { .. } => {}
        Change::Status(_, to) => t.status = to,
        Change::Priority(_, to) => t.priority = Some(to),
        Change::Assignee(_, to) => t.assignee = Some(*to),
        Change::Group(_, to) => t.group = Some(*to),
        Change::Tags { added, removed } => {
            t.tags.retain(|x| !removed.contains(x));
            for a in added {
                if !t.tags.contains(a) {
                    t.tags.push(a.clone());
                }
            }
        }
    }
}

/// An agent's name, or a customer's made up from their id (the same id always gets the same name).
fn user_name(id: u64) -> String {
    if let Some((_, name)) = AGENTS.iter().find(|(a, _)| *a == id) {
        return (*name).to_string();
    }
    const FIRST: &[&str] = &[
        "Ana", "Ben", "Chloé", "Dmitri", "Emeka", "Fatima", "Grace", "Hiro", "Ines", "Jonas",
        "Kofi",
    ];
    const LAST: &[&str] = &[
        "Souza", "Okafor", "Dubois", "Ivanova", "Smith", "Haddad", "Kim", "Larsen", "Moreau",
        "Novak",
    ];
    let i = usize::try_from(id).unwrap_or(0);
    format!(
        "{} {}",
        FIRST[i % FIRST.len()],
        LAST[(i / FIRST.len()) % LAST.len()]
    )
}

/// A legacy Events Connector `detail` (numbers as numbers, enums in lower case).
fn legacy_event(
    t: &SimTicket,
    change: &Change,
    at: Timestamp,
    actor: Option<u64>,
    seq: Value,
) -> (String, Value) {
    let mut meta = json!({"version": "1.0", "occurred_at": at.to_string(), "ref": format!("1-{}", at.as_millisecond()), "sequence": seq});
    if let Some(a) = actor {
        meta["actor_id"] = json!(a);
    }
    let mut ev = json!({"meta": meta});
    let name = match change {
        Change::Created => "Ticket Created",
        Change::Comment {
            body,
            public,
            author,
        } => {
            ev["comment"] = json!({"id": at.as_millisecond(), "body": body, "is_public": public,
                "author": {"id": author, "name": user_name(*author), "is_staff": AGENTS.iter().any(|(a, _)| a == author)}});
            "Comment Created"
        }
        Change::Status(from, to) => {
            ev["previous"] = json!(from);
            ev["current"] = json!(to);
            "Status Changed"
        }
        Change::Priority(from, to) => {
            ev["previous"] = json!(from);
            ev["current"] = json!(to);
            "Priority Changed"
        }
        Change::Assignee(from, to) => {
            ev["previous"] = json!(from);
            ev["current"] = json!(to);
            "Agent Assignment Changed"
        }
        Change::Group(from, to) => {
            ev["previous"] = json!(from);
            ev["current"] = json!(to);
            "Group Assignment Changed"
        }
        Change::Tags { added, removed } => {
            ev["tags_added"] = json!(added);
            ev["tags_removed"] = json!(removed);
            "Tags Changed"
        }
    };
    ev["type"] = json!(name);
    ev["ticket"] = json!({
        "id": t.id, "created_at": t.created_at.to_string(), "updated_at": t.updated_at.to_string(),
        "type": t.ticket_type, "priority": t.priority, "status": t.status,
        "requester_id": t.requester, "submitter_id": t.requester, "assignee_id": t.assignee,
        "organization_id": t.organization, "group_id": t.group, "brand_id": t.brand, "form_id": 6_876_543,
        "external_id": null, "tags": t.tags, "via": {"channel": t.channel},
    });
    (
        format!("Support Ticket: {name}"),
        json!({"ticket_event": ev}),
    )
}

/// A Zendesk webhook event (ids as strings, enums in upper case), as the relay puts it on the bus.
fn webhook_event(
    t: &SimTicket,
    change: &Change,
    at: Timestamp,
    actor: Option<u64>,
    seq: Value,
    event_id: &str,
) -> (String, Value) {
    let upper = |s: Option<&str>| s.map(str::to_ascii_uppercase);
    let id_str = |v: Option<u64>| v.map(|x| x.to_string());
    let seq = json!({"id": seq["id"], "position": seq["position"]});
    let mut ev = json!({"meta": {"sequence": seq}});
    let name = match change {
        Change::Created => "created",
        Change::Comment {
            body,
            public,
            author,
        } => {
            ev["comment"] = json!({"id": at.as_millisecond().to_string(), "body": body, "is_public": public,
                "author": {"id": author.to_string(), "name": user_name(*author), "is_staff": AGENTS.iter().any(|(a, _)| a == author)}});
            "comment_added"
        }
        Change::Status(from, to) => {
            ev["previous"] = json!(from.to_ascii_uppercase());
            ev["current"] = json!(to.to_ascii_uppercase());
            "status_changed"
        }
        Change::Priority(from, to) => {
            ev["previous"] = json!(upper(*from));
            ev["current"] = json!(to.to_ascii_uppercase());
            "priority_changed"
        }
        Change::Assignee(from, to) => {
            ev["previous"] = json!(id_str(*from));
            ev["current"] = json!(to.to_string());
            "agent_assignment_changed"
        }
        Change::Group(from, to) => {
            ev["previous"] = json!(id_str(*from));
            ev["current"] = json!(to.to_string());
            "group_assignment_changed"
        }
        Change::Tags { added, removed } => {
            ev["tags_added"] = json!(added);
            ev["tags_removed"] = json!(removed);
            "tags_changed"
        }
    };
    let event_type = format!("zen:event-type:ticket.{name}");
    let detail = json!({
        "type": event_type,
        "account_id": ACCOUNT_ID,
        "id": event_id,
        "time": at.to_string(),
        "zendesk_event_version": "2022-11-06",
        "subject": format!("zen:ticket:{}", t.id),
        "detail": {
            "id": t.id.to_string(), "actor_id": id_str(actor).unwrap_or_else(|| "-1".into()),
            "assignee_id": id_str(t.assignee), "brand_id": t.brand.to_string(),
            "created_at": t.created_at.to_string(), "updated_at": t.updated_at.to_string(),
            "status": t.status.to_ascii_uppercase(), "priority": upper(t.priority),
            "type": t.ticket_type.to_ascii_uppercase(), "subject": t.subject, "description": t.subject,
            "external_id": null, "form_id": "6876543", "group_id": id_str(t.group), "is_public": true,
            "organization_id": id_str(t.organization), "requester_id": t.requester.to_string(),
            "submitter_id": t.requester.to_string(), "tags": t.tags, "via": {"channel": t.channel},
        },
        "event": ev,
    });
    (event_type, detail)
}

const AGENTS: &[(u64, &str)] = &[
    (235_323, "Priya Raman"),
    (235_324, "Tom Becker"),
    (235_325, "Lucía Fernández"),
    (235_326, "Kwame Mensah"),
    (235_327, "Mei Tanaka"),
    (235_328, "Oskar Nilsson"),
];

const SUBJECTS: &[(&str, &[&str])] = &[
    ("Cannot log in to the mobile app", &["mobile", "login"]),
    ("Refund request for my last order", &["billing", "refund"]),
    ("Password reset email never arrives", &["login", "email"]),
    ("How do I export my invoices?", &["billing", "how_to"]),
    ("API returns 500 on /orders", &["api", "bug"]),
    ("Change the shipping address of an order", &["orders"]),
    ("Feature request: dark mode", &["feature_request"]),
    ("Please cancel my subscription", &["billing", "churn_risk"]),
    (
        "Slack integration stopped syncing",
        &["integrations", "bug"],
    ),
    ("Wrong item delivered", &["orders", "returns"]),
    ("Two-factor codes are rejected", &["login", "security"]),
    (
        "Invoice shows the wrong VAT number",
        &["billing", "invoice"],
    ),
];

const INCIDENT_SUBJECTS: &[&str] = &[
    "Payment failed at checkout",
    "Card declined but the money was taken",
    "Checkout error 402",
    "Cannot pay for my order",
    "Payment page keeps spinning",
];

const CUSTOMER_FIRST: &[&str] = &[
    "Hi, I have been trying this since yesterday and it still does not work. Can you help?",
    "Hello, could you please look into this? Screenshot attached.",
    "This is blocking our whole team, please advise.",
    "Quick question about my account.",
    "I followed the help centre article but it did not help.",
];

const INCIDENT_CUSTOMER: &[&str] = &[
    "I tried to pay three times and every time it says payment failed.",
    "My card was charged but the order says unpaid!",
    "Checkout shows error 402 with every card I try.",
    "Is your payment system down? I cannot complete my order.",
];

const INCIDENT_AGENT: &[&str] = &[
    "We had a problem with our payment provider. It is fixed now: please try again. Sorry for the trouble!",
    "The checkout issue is resolved; any duplicate charge will be refunded within 3 days.",
];

const INCIDENT_REOPEN: &[&str] = &[
    "Still failing for me, same error.",
    "I tried again and it failed again. I was charged twice now.",
    "Not fixed: the payment page still spins forever.",
];

const AGENT_ASK: &[&str] = &[
    "Thanks for reaching out! Could you send us the order number and a screenshot of the error?",
    "Could you tell us which browser and app version you are using?",
    "We need a bit more information: when did this start happening?",
];

const AGENT_SOLVE: &[&str] = &[
    "This should be sorted now. Let us know if anything else comes up!",
    "I have processed the refund; it will show on your statement in 3-5 business days.",
    "Our engineers deployed a fix. Marking this as solved.",
];

const AGENT_NOTES: &[&str] = &[
    "Checked the logs: request id 7f3a... shows a timeout upstream.",
    "Escalating to tier 2, customer is on the enterprise plan.",
    "Known issue, linked to problem ticket.",
];

const CUSTOMER_REPLY: &[&str] = &[
    "Order number is 10293847, screenshot attached.",
    "I am on the latest version of the app, on iOS.",
    "It started on Monday after the update.",
];

const CUSTOMER_REOPEN: &[&str] = &[
    "Sorry, it is happening again.",
    "The refund has not arrived yet.",
    "That did not fix it, unfortunately.",
];

/// Runs the demo as a source: about 30 minutes of history at once, then live events.
pub fn start(seed: u64, history: Duration, ctx: SourceContext) {
    let tracker = ctx.tasks.clone();
    tracker.spawn(async move {
        let now = Timestamp::now();
        let since = SignedDuration::try_from(history).unwrap_or(SignedDuration::ZERO);
        let mut sim = Simulator::new(seed, now - since);
        let _ = ctx
            .tx
            .send(SourceEvent::Status(ctx.id, SourceStatus::Connected))
            .await;
        let mut serial = 0u64;
        let mut to_messages = |deliveries: Vec<Delivery>| -> Vec<Message> {
            deliveries
                .into_iter()
                .map(|d| {
                    serial += 1;
                    Message {
                        source: ctx.id,
                        body: d.body,
                        message_id: Some(format!("demo-{serial:08}")),
                        receipt: None,
                        received_at: d.at,
                    }
                })
                .collect()
        };
        // The history a minute at a time, so the screen fills while the rest is simulated.
        let mut t = now - since;
        while t < now {
            t = (t + SignedDuration::from_mins(1)).min(now);
            let batch = to_messages(sim.advance(t));
            if ctx.cancel.is_cancelled() || !send(&ctx, batch).await {
                return;
            }
            tokio::task::yield_now().await;
        }
        let mut ticker = tokio::time::interval(TICK);
        loop {
            tokio::select! {
                _ = ctx.cancel.cancelled() => return,
                _ = ticker.tick() => {}
            }
            let batch = to_messages(sim.advance(Timestamp::now()));
            if !send(&ctx, batch).await {
                return;
            }
        }
    });
}

/// Sends in batches of at most 1024; false when the monitor has gone.
async fn send(ctx: &SourceContext, batch: Vec<Message>) -> bool {
    for chunk in batch.chunks(1024) {
        if ctx
            .tx
            .send(SourceEvent::Batch(chunk.to_vec()))
            .await
            .is_err()
        {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use zdwatch_core::event::{Format, Kind, Received, decode};

    fn start() -> Timestamp {
        "2026-11-28T09:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn run(seed: u64, minutes: i64) -> Vec<Delivery> {
        let mut sim = Simulator::new(seed, start());
        let mut out = Vec::new();
        // In uneven steps, as the live source does.
        let end = start() + SignedDuration::from_mins(minutes);
        let mut t = start();
        while t < end {
            t = (t + SignedDuration::from_millis(137)).min(end);
            out.extend(sim.advance(t));
        }
        out
    }

    #[test]
    fn same_seed_same_bodies_and_steps_do_not_matter() {
        let a = run(7, 10);
        let mut sim = Simulator::new(7, start());
        let b = sim.advance(start() + SignedDuration::from_mins(10));
        assert!(a.len() > 500, "{} deliveries", a.len());
        assert!(
            a == b,
            "stepping changed the output: {} vs {} deliveries",
            a.len(),
            b.len()
        );
        assert!(a != run(8, 10), "another seed gives other bodies");
    }

    #[test]
    fn bodies_decode_as_realistic_zendesk_events() {
        let deliveries = run(1, 45);
        let events: Vec<_> = deliveries
            .iter()
            .map(|d| {
                decode(Received {
                    body: d.body.clone(),
                    message_id: None,
                    received_at: d.at,
                })
            })
            .collect();
        assert!(
            events
                .iter()
                .all(|e| matches!(e.format, Format::Legacy | Format::Webhook)),
            "every body decodes"
        );
        let legacy = events.iter().filter(|e| e.format == Format::Legacy).count();
        let webhook = events
            .iter()
            .filter(|e| e.format == Format::Webhook)
            .count();
        assert!(
            legacy > events.len() / 10 && webhook > events.len() / 2,
            "legacy {legacy} webhook {webhook}"
        );
        let sns = events
            .iter()
            .filter(|e| e.envelope.sns_message_id.is_some())
            .count();
        assert!(
            sns > events.len() / 20 && sns < events.len() / 5,
            "sns {sns} of {}",
            events.len()
        );

        let ids: HashSet<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
        let dups = events.len() - ids.len();
        assert!(
            dups > 0 && dups < events.len() / 20,
            "{dups} duplicates of {}",
            events.len()
        );

        // Deliveries are in delivery order, which is not occurred_at order.
        assert!(deliveries.windows(2).all(|w| w[0].at <= w[1].at));
        let out_of_order = events
            .windows(2)
            .filter(|w| w[0].order_time() > w[1].order_time())
            .count();
        assert!(out_of_order > 10, "{out_of_order} out-of-order arrivals");

        for kind in [
            Kind::Created,
            Kind::CommentAdded,
            Kind::StatusChanged,
            Kind::PriorityChanged,
            Kind::TagsChanged,
        ] {
            assert!(events.iter().any(|e| e.kind == kind), "no {kind}");
        }
        let reopens: Vec<_> = events.iter().filter(|e| e.is_reopen()).collect();
        assert!(
            reopens
                .iter()
                .any(|e| e.ticket.priority.as_deref() == Some("urgent")),
            "urgent reopens"
        );
        for channel in ["web", "email", "chat", "api", "mobile"] {
            assert!(
                events
                    .iter()
                    .any(|e| e.ticket.channel.as_deref() == Some(channel)),
                "channel {channel}"
            );
        }
    }

    #[test]
    fn incidents_are_bursts_of_urgent_payment_failed_tickets() {
        let mut sim = Simulator::new(3, start());
        let events: Vec<_> = sim
            .advance(start() + SignedDuration::from_mins(30))
            .into_iter()
            .map(|d| {
                decode(Received {
                    body: d.body,
                    message_id: None,
                    received_at: d.at,
                })
            })
            .filter(|e| e.kind == Kind::Created)
            .collect();
        let minute = |e: &zdwatch_core::event::TicketEvent| {
            e.order_time().duration_since(start()).as_secs() / 60
        };
        let in_incident = events
            .iter()
            .filter(|e| (4..8).contains(&minute(e)))
            .count();
        let quiet = events
            .iter()
            .filter(|e| (10..14).contains(&minute(e)))
            .count();
        assert!(
            in_incident > 4 * quiet,
            "incident {in_incident} vs quiet {quiet}"
        );
        assert!(
            events
                .iter()
                .filter(|e| (4..8).contains(&minute(e)))
                .all(|e| e.ticket.tags.iter().any(|t| t == "payment_failed"))
        );
    }

    #[test]
    fn sequences_group_one_action_in_order() {
        let events: Vec<_> = run(5, 10)
            .into_iter()
            .map(|d| {
                decode(Received {
                    body: d.body,
                    message_id: None,
                    received_at: d.at,
                })
            })
            .collect();
        let created = events
            .iter()
            .find(|e| e.kind == Kind::Created)
            .and_then(|e| e.sequence.clone());
        let seq = created.map(|s| s.id).unwrap_or_default();
        let same: Vec<_> = events
            .iter()
            .filter(|e| e.sequence.as_ref().is_some_and(|s| s.id == seq))
            .collect();
        assert!(
            same.iter().any(|e| e.kind == Kind::CommentAdded),
            "first comment in the creation's sequence"
        );
    }
}
