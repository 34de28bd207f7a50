//! Driving the monitor's `App` in-process: a fixed clock, scripted messages and keys, and
//! frames drawn on ratatui's `TestBackend` as text.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use zdwatch::app::{App, Config, Effect, Msg, Order};
use zdwatch_sources::{Delivery, Disposition, Message};

pub fn now() -> Timestamp {
    "2025-01-08T17:00:00Z".parse().unwrap()
}

pub fn config(delivery: Delivery) -> Config {
    Config {
        sources: vec!["https://sqs.eu-west-1.amazonaws.com/123456789012/zendesk-debug".into()],
        delivery,
        reads_queues: true,
        live: vec![true],
        utc: true,
        zendesk_subdomain: Some("acme".into()),
        max_events: 10_000,
        order: Order::Arrival,
        saved_filters: Vec::new(),
        keymap: Default::default(),
        log_place: None,
        palette: Default::default(),
    }
}

pub fn app() -> App {
    App::new(config(Delivery::Peek), "", now()).unwrap()
}

/// A message as SQS delivers it, with receipt `r-N` and a message id that differs for another
/// body or another `n` (and stays the same from run to run, for the snapshots).
pub fn message(body: &[u8], n: usize) -> Message {
    let fnv = body.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    });
    Message {
        source: 0,
        body: body.to_vec(),
        message_id: Some(format!("m-{n}-{:08x}", fnv >> 32)),
        receipt: Some(format!("r-{n}")),
        received_at: now(),
        place: None,
    }
}

/// The legacy and webhook samples (two tickets, every kind), in file order.
pub fn sample_bodies() -> Vec<Vec<u8>> {
    super::samples()
        .into_iter()
        .filter(|(name, _)| name.starts_with("legacy/") || name.starts_with("webhook/"))
        .map(|(_, body)| body)
        .collect()
}

pub fn feed(app: &mut App, bodies: &[Vec<u8>]) -> Vec<Effect> {
    let batch = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| message(b, i))
        .collect();
    app.update(Msg::Batch(batch), now())
}

/// A key, and the refilter it may start carried to its end (the event loop does that between
/// frames).
pub fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    let effects = app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), now());
    while app.work(None) {}
    effects
}

pub fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    let effects = app.update(
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
        now(),
    );
    while app.work(None) {}
    effects
}

pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

pub fn screen(app: &mut App, width: u16, height: u16) -> String {
    app.update(Msg::Resize(width, height), now());
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| zdwatch::ui::draw(f, app)).unwrap();
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let line: String = (0..width)
            .map(|x| buffer[(x, y)].symbol().to_string())
            .collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

pub fn loaded() -> App {
    let mut app = app();
    feed(&mut app, &sample_bodies());
    app
}

/// 40 minutes of the demo simulation (fixed seed and start), as a real queue would deliver it.
pub fn demo_app() -> App {
    let start: Timestamp = "2025-01-08T16:20:00Z".parse().unwrap();
    let mut sim = zdwatch_sources::demo::Simulator::new(42, start);
    let mut app = App::new(
        Config {
            max_events: 100_000,
            ..config(Delivery::Peek)
        },
        "",
        now(),
    )
    .unwrap();
    let batch: Vec<Message> = sim
        .advance(now())
        .into_iter()
        .enumerate()
        .map(|(i, d)| Message {
            received_at: d.at,
            ..message(&d.body, i)
        })
        .collect();
    app.update(Msg::Batch(batch), now());
    app
}

/// The acks an update asked for (they go out once the loop has stored the events).
pub fn acks(effects: &[Effect]) -> Vec<(usize, Disposition, Vec<String>)> {
    effects
        .iter()
        .flat_map(|e| match e {
            Effect::Commit { acks, .. } => acks.groups(),
            _ => Vec::new(),
        })
        .collect()
}

/// Carries out a capture the App asked for, as the event loop does, and tells the App.
pub fn carry_out_saves(app: &mut App, effects: Vec<Effect>) {
    for e in effects {
        if let Effect::Save {
            path,
            bytes,
            events,
            left_out,
        } = e
        {
            let result = zdwatch::tui::save_capture(std::path::Path::new(&path), &bytes)
                .map_err(|e| e.to_string());
            app.update(
                Msg::Saved {
                    path,
                    events,
                    left_out,
                    result,
                },
                now(),
            );
        }
    }
}
