//! The simulation: ticket lifecycles, agents' and customers' actions, the recurring incident,
//! and deliveries (duplicated, late, some SNS-wrapped) as a real queue would see them.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use jiff::{SignedDuration, Timestamp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use super::encode::{legacy_event, webhook_event};
use super::texts::*;

/// Minutes between the starts of two incidents, and how long each lasts.
pub(super) const INCIDENT_EVERY_MIN: i64 = 20;
pub(super) const INCIDENT_LASTS_MIN: i64 = 4;
/// The first incident starts this long after the simulation does.
pub(super) const FIRST_INCIDENT_MIN: i64 = 4;

/// The Zendesk account the demo pretends to be.
pub(super) const ACCOUNT_ID: u64 = 9_242_270;
pub(super) const AWS_ACCOUNT: &str = "123456789012";

/// One body and when it reaches the queue.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub at: Timestamp,
    pub body: Vec<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stage {
    New,
    Open,
    Pending,
    Solved,
}

#[derive(Clone, Debug)]
pub(super) struct SimTicket {
    pub(super) id: u64,
    pub(super) legacy: bool,
    pub(super) incident: bool,
    pub(super) stage: Stage,
    pub(super) status: &'static str,
    pub(super) priority: Option<&'static str>,
    pub(super) ticket_type: &'static str,
    pub(super) channel: &'static str,
    pub(super) subject: String,
    pub(super) requester: u64,
    pub(super) assignee: Option<u64>,
    pub(super) group: Option<u64>,
    pub(super) brand: u64,
    pub(super) organization: Option<u64>,
    pub(super) tags: Vec<String>,
    pub(super) created_at: Timestamp,
    pub(super) updated_at: Timestamp,
}

/// One change inside an agent's (or customer's, or trigger's) action.
pub(super) enum Change {
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
            Stage::New => self.triage(id, &t, agent),
            Stage::Open => self.work_on(id, &t, agent),
            Stage::Pending => self.customer_answers(id, &t, agent),
            Stage::Solved => self.solved(id, &t),
        }
    }

    /// A new ticket: assigned, grouped, opened, prioritised (incidents: urgent, tagged).
    fn triage(&mut self, id: u64, t: &SimTicket, agent: u64) {
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

    /// An open ticket: solved, a question to the customer, an internal note, escalated or passed on.
    fn work_on(&mut self, id: u64, t: &SimTicket, agent: u64) {
        let roll: f64 = self.rng.random_range(0.0..1.0);
        let solve_share = if t.incident { 0.75 } else { 0.3 };
        if roll < solve_share {
            let body = if t.incident {
                self.pick(INCIDENT_AGENT)
            } else {
                self.pick(AGENT_SOLVE)
            };
            let mut changes = vec![
                Change::Comment {
                    body: body.into(),
                    public: true,
                    author: agent,
                },
                Change::Status("open", "solved"),
            ];
            // Solved, an escalation is over: the tag goes (so that `tag-:` has something to find).
            if t.tags.iter().any(|x| x == "escalated") {
                changes.push(Change::Tags {
                    added: vec![],
                    removed: vec!["escalated".into()],
                });
            }
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

    /// A pending ticket: the customer replies (open again), or it is solved.
    fn customer_answers(&mut self, id: u64, t: &SimTicket, agent: u64) {
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

    /// A solved ticket: reopened by the customer, or closed by the automation.
    fn solved(&mut self, id: u64, t: &SimTicket) {
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
