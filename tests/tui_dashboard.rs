//! The dashboard, driven through `App::update` with a fixed clock and drawn on `TestBackend`:
//! its figures against direct counts over the events, its snapshot, and Enter on a row or cell
//! setting the stream's filter.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::screens::*;
use crossterm::event::KeyCode;
use jiff::{SignedDuration, Timestamp};
use zdwatch::app::{App, Config, Mode, Msg, Panel, Window};
use zdwatch_core::event::{Kind, TicketEvent};
use zdwatch_sources::{Delivery, Problem, ProblemKind, SourceStatus};

fn dashboard(app: &mut App) {
    key(app, KeyCode::Tab);
    assert_eq!(app.mode(), &Mode::Dashboard);
}

/// Every event held, whatever the stream's filter.
fn events(app: &App) -> Vec<TicketEvent> {
    app.store()
        .since(app.store().first_seq())
        .filter_map(|held| app.store().get(held.seq))
        .collect()
}

fn in_window(app: &App, e: &TicketEvent) -> bool {
    let f = &app.dashboard().figures;
    let start = f
        .end
        .checked_sub(SignedDuration::from_mins(f.window.minutes()))
        .unwrap();
    e.order_time() >= start && e.order_time() < f.end
}

/// Events on the stream that fall in the dashboard's window.
fn shown_in_window(app: &App) -> u64 {
    app.stream()
        .visible
        .iter()
        .filter(|s| in_window(app, &app.store().get(**s).unwrap()))
        .count() as u64
}

/// Moves the selection to `panel` with →, from the first panel.
fn go_to(app: &mut App, panel: Panel) {
    for _ in 0..10 {
        key(app, KeyCode::Left);
    }
    while app.dashboard().panel != panel {
        key(app, KeyCode::Right);
    }
}

#[test]
fn dashboard_screen() {
    let mut app = demo_app();
    dashboard(&mut app);
    let text = screen(&mut app, 120, 30);
    for part in [
        "Events per minute · last 60 min",
        "of the 5,000/min ceiling",
        "Tickets created · 15m vs the 15m before",
        "Status changes · 15m (from ↓ to →)",
        "Reopened · 15m",
        "Busiest tickets · 15m",
        "Waiting in new/open, no assignee",
        "zendesk-debug",
    ] {
        assert!(text.contains(part), "{part:?} missing:\n{text}");
    }
    insta::assert_snapshot!("dashboard_120x30", text);
    insta::assert_snapshot!("dashboard_60x15", screen(&mut app, 60, 15));
    for (w, h) in [(20, 5), (1, 1), (250, 3), (200, 60)] {
        screen(&mut app, w, h);
    }
    key(&mut app, KeyCode::Char('?'));
    let help = screen(&mut app, 120, 30);
    assert!(help.contains("window: last 5 minutes"), "{help}");
}

#[test]
fn figures_equal_direct_counts_over_the_events() {
    let mut app = demo_app();
    dashboard(&mut app);
    for window in ["1", "2", "3", "4"] {
        key(&mut app, KeyCode::Char(window.chars().next().unwrap()));
        let all = events(&app);
        let f = &app.dashboard().figures;
        let inside: Vec<&TicketEvent> = all.iter().filter(|e| in_window(&app, e)).collect();
        assert_eq!(f.current.total, inside.len() as u64, "window {window}");
        for from in &f.statuses {
            for to in &f.statuses {
                let direct = inside
                    .iter()
                    .filter(|e| {
                        e.kind == Kind::StatusChanged
                            && e.previous.as_deref() == Some(from)
                            && e.current.as_deref() == Some(to)
                    })
                    .count() as u64;
                assert_eq!(f.transitions(from, to), direct, "{from} → {to}");
            }
        }
        let reopens = inside.iter().filter(|e| e.is_reopen()).count() as u64;
        assert_eq!(f.current.reopens, reopens);
        let created_vip = inside
            .iter()
            .filter(|e| e.kind == Kind::Created && e.ticket.tags.iter().any(|t| t == "vip"))
            .count() as u64;
        let shown = f
            .created
            .iter()
            .find(|r| r.value == "vip")
            .map_or(0, |r| r.count);
        assert_eq!(shown, created_vip);
    }
    // The sparkline of all events: the newest minute is the events of the current minute.
    let f = &app.dashboard().figures;
    let minute_start = f.end.checked_sub(SignedDuration::from_mins(1)).unwrap();
    let newest = events(&app)
        .iter()
        .filter(|e| e.order_time() >= minute_start && e.order_time() < f.end)
        .count() as u64;
    assert_eq!(*f.rates[0].series.last().unwrap(), newest);
    assert!(f.rates.len() > 3, "kinds have their own sparkline");
}

#[test]
fn enter_on_a_matrix_cell_filters_the_stream() {
    let mut app = demo_app();
    dashboard(&mut app);
    let statuses = app.dashboard().figures.statuses.clone();
    let from = statuses.iter().position(|s| s == "open").unwrap();
    let to = statuses.iter().position(|s| s == "solved").unwrap();
    go_to(&mut app, Panel::Transitions);
    for _ in 0..to {
        key(&mut app, KeyCode::Right);
    }
    for _ in 0..from {
        key(&mut app, KeyCode::Down);
    }
    assert_eq!(app.dashboard().panel, Panel::Transitions);
    let count = app.dashboard().figures.transitions("open", "solved");
    assert!(count > 0);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.mode(), &Mode::Stream);
    assert_eq!(app.filter_text(), "status:open->solved since:15m");
    assert!(app.history().iter().any(|h| h == app.filter_text()));
    let shown: Vec<TicketEvent> = app
        .stream()
        .visible
        .iter()
        .map(|s| app.store().get(*s).unwrap())
        .collect();
    assert!(
        shown.iter().all(
            |e| e.previous.as_deref() == Some("open") && e.current.as_deref() == Some("solved")
        )
    );
    // The figures count whole minutes; the filter's 15 minutes end now and may start a little earlier.
    let counted = shown.iter().filter(|e| in_window(&app, e)).count() as u64;
    assert_eq!(counted, count);
    assert!(shown.len() as u64 >= count);
    let text = screen(&mut app, 250, 30);
    assert!(
        text.contains("filter: status:open->solved since:15m"),
        "{text}"
    );
}

#[test]
fn every_panel_sets_a_filter_that_matches_what_it_counts() {
    let mut app = demo_app();
    dashboard(&mut app);
    key(&mut app, KeyCode::Char('1'));
    assert_eq!(app.dashboard().window, Window::FiveMinutes);
    let cases = [
        (Panel::Rates, "since:1h"),
        (Panel::Reopened, "reopened since:5m"),
    ];
    for (panel, want) in cases {
        go_to(&mut app, panel);
        key(&mut app, KeyCode::Char('g'));
        key(&mut app, KeyCode::Enter);
        assert_eq!(app.filter_text(), want);
        dashboard(&mut app);
    }
    // Rows below: a kind's sparkline, a tag's creations, a ticket.
    go_to(&mut app, Panel::Rates);
    key(&mut app, KeyCode::Down);
    let kind = app.dashboard().figures.rates[1].kind.clone().unwrap();
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.filter_text(),
        format!("type:{} since:1h", kind.as_str())
    );
    assert!(
        app.stream()
            .visible
            .iter()
            .all(|s| app.store().get(*s).unwrap().kind == kind)
    );

    dashboard(&mut app);
    go_to(&mut app, Panel::Created);
    let row = app.dashboard().figures.created[0].clone();
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.filter_text(),
        format!("type:created tag:{} since:5m", row.value)
    );
    let counted = shown_in_window(&app);
    assert_eq!(counted, row.count);

    dashboard(&mut app);
    go_to(&mut app, Panel::Busiest);
    let (ticket, events) = app.dashboard().figures.current.busiest_tickets[0];
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.filter_text(), format!("#{ticket} since:5m"));
    let counted = shown_in_window(&app);
    assert_eq!(counted, events);

    dashboard(&mut app);
    go_to(&mut app, Panel::Sources);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.filter_text(), "source:zendesk-debug");
    assert_eq!(
        app.stream().visible.len(),
        app.store().len(),
        "one source: every event"
    );

    dashboard(&mut app);
    go_to(&mut app, Panel::Waiting);
    let waiting = app.dashboard().figures.waiting[0].clone();
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.filter_text(), format!("#{}", waiting.ticket));
    let last = app
        .stream()
        .visible
        .iter()
        .map(|s| app.store().get(*s).unwrap())
        .max_by_key(|e| e.order_time())
        .unwrap();
    assert_eq!(
        last.ticket.assignee_id, None,
        "waiting tickets have no assignee"
    );
    assert_eq!(last.ticket.status.as_deref(), Some(waiting.status.as_str()));
}

#[test]
fn tab_and_escape_go_back_to_the_stream_with_its_filter_unchanged() {
    let mut app = demo_app();
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "tag:vip");
    key(&mut app, KeyCode::Enter);
    let shown = app.stream().visible.len();
    dashboard(&mut app);
    // The dashboard counts every event, not only those the filter shows.
    assert!(app.dashboard().figures.current.total as usize > shown);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.mode(), &Mode::Stream);
    dashboard(&mut app);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.mode(), &Mode::Stream);
    assert_eq!(app.filter_text(), "tag:vip");
    assert_eq!(app.stream().visible.len(), shown);
}

#[test]
fn figures_follow_new_events_at_most_once_a_second() {
    let mut app = demo_app();
    dashboard(&mut app);
    let before = app.dashboard().figures.current.total;
    // Another seed: the same one would replay the same events, which the store drops as duplicates.
    let mut sim = zdwatch_sources::demo::Simulator::new(7, now());
    let later = now().checked_add(SignedDuration::from_secs(20)).unwrap();
    let batch = sim
        .advance(later)
        .into_iter()
        .enumerate()
        .map(|(i, d)| zdwatch_sources::Message {
            received_at: d.at,
            ..message(&d.body, 100_000 + i)
        })
        .collect();
    app.update(Msg::Batch(batch), later);
    assert_eq!(
        app.dashboard().figures.current.total,
        before,
        "not on every batch"
    );
    app.update(Msg::Tick, later);
    assert!(app.dashboard().figures.current.total > before);
}

#[test]
fn sources_show_depth_lag_errors_and_throttles() {
    let mut app = demo_app();
    let throttled = Problem::new(ProblemKind::Throttled, "ThrottlingException: slow down");
    let unreachable = Problem::new(ProblemKind::Unreachable, "connection refused");
    for (failures, problem) in (1..).zip([throttled.clone(), throttled, unreachable]) {
        app.update(
            Msg::Status(
                0,
                SourceStatus::Retrying {
                    wait: std::time::Duration::from_secs(1),
                    problem,
                    failures,
                },
            ),
            now(),
        );
    }
    app.update(
        Msg::Status(
            0,
            SourceStatus::Depth {
                visible: 1234,
                in_flight: 56,
            },
        ),
        now(),
    );
    dashboard(&mut app);
    let text = screen(&mut app, 120, 30);
    let row = text
        .lines()
        .find(|l| l.contains("zendesk-debug"))
        .unwrap_or_else(|| panic!("{text}"));
    let cells: Vec<&str> = row
        .trim_matches(|c| c == '│' || c == ' ')
        .split_whitespace()
        .collect();
    assert_eq!(cells[1..3], ["1,234", "56"], "{row}");
    assert_eq!(
        cells[cells.len() - 2..],
        ["3", "2"],
        "errors, throttles: {row}"
    );
    let lag = app.dashboard().figures.lag[0].unwrap();
    assert!(lag.p50 <= lag.p95 && lag.p95 <= lag.max);
    assert!(
        lag.max <= SignedDuration::from_secs(60),
        "the demo delivers within seconds"
    );
}

#[test]
fn a_recording_is_shown_up_to_its_newest_event_with_absolute_filters() {
    let mut app = App::new(
        Config {
            live: vec![false],
            ..config(Delivery::Peek)
        },
        "",
        now(),
    )
    .unwrap();
    feed(&mut app, &sample_bodies());
    dashboard(&mut app);
    let f = &app.dashboard().figures;
    let newest = events(&app).iter().map(|e| e.order_time()).max().unwrap();
    assert!(f.end > newest && f.end <= newest.checked_add(SignedDuration::from_mins(1)).unwrap());
    let text = screen(&mut app, 120, 30);
    assert!(text.contains("recording, up to"), "{text}");
    key(&mut app, KeyCode::Char('4'));
    go_to(&mut app, Panel::Rates);
    key(&mut app, KeyCode::Enter);
    let end = app.dashboard().figures.end;
    let start = end.checked_sub(SignedDuration::from_hours(1)).unwrap();
    let fmt = |t: Timestamp| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    assert_eq!(
        app.filter_text(),
        format!("since:{} until:{}", fmt(start), fmt(end))
    );
    let in_hour = events(&app)
        .iter()
        .filter(|e| e.order_time() >= start && e.order_time() < end)
        .count();
    assert_eq!(app.stream().visible.len(), in_hour);
    assert!(in_hour > 0);
}

#[test]
fn a_live_dashboard_forgets_aggregates_older_than_it_can_show() {
    // The legacy samples happened in 2019, the webhook ones an hour before `now`.
    let mut app = loaded();
    let day = |t: &str| t.parse::<Timestamp>().unwrap();
    let old = (day("2019-01-01T00:00:00Z"), day("2020-01-01T00:00:00Z"));
    let recent = (day("2025-01-08T00:00:00Z"), now());
    assert!(app.stats().summary(old.0, old.1).total > 0);
    dashboard(&mut app);
    assert_eq!(app.stats().summary(old.0, old.1).total, 0, "forgotten");
    assert!(app.stats().summary(recent.0, recent.1).total > 0, "kept");
}

/// At 80×24 the matrix keeps a row per status (so the reopen row `solved` is on screen, with its
/// `from` label), and where a terminal is too small for it, the bottom border names the statuses
/// it cannot show; moving the selection down brings them into view.
#[test]
fn the_matrix_keeps_its_reopen_row_on_small_screens_and_names_what_it_hides() {
    let mut app = demo_app();
    dashboard(&mut app);
    let statuses = app.dashboard().figures.statuses.clone();
    assert!(statuses.len() >= 5, "{statuses:?}");
    let reopens = app.dashboard().figures.transitions("solved", "open");
    assert!(reopens > 0);
    let text = screen(&mut app, 80, 24);
    let solved = text
        .lines()
        .find(|l| l.contains("││solved "))
        .unwrap_or_else(|| panic!("no solved row at 80×24:\n{text}"));
    assert!(solved.contains(&reopens.to_string()), "{solved}");
    assert!(!text.contains('↓'), "nothing is hidden at 80×24:\n{text}");

    let small = screen(&mut app, 60, 15);
    let note = small
        .lines()
        .find(|l| l.contains("↓ "))
        .unwrap_or_else(|| panic!("no note of the hidden rows:\n{small}"));
    let hidden: Vec<&str> = note
        .split('↓')
        .nth(1)
        .unwrap()
        .trim_end_matches('┘')
        .split_whitespace()
        .collect();
    assert!(hidden.contains(&"solved"), "{note}");
    for status in &hidden {
        assert!(
            !small.contains(&format!("││{status} ")),
            "{status} is both shown and named hidden:\n{small}"
        );
    }
    go_to(&mut app, Panel::Transitions);
    for _ in 0..statuses.len() {
        key(&mut app, KeyCode::Down);
    }
    let scrolled = screen(&mut app, 60, 15);
    assert!(scrolled.contains("││solved "), "{scrolled}");
    assert!(scrolled.contains("↑ new"), "{scrolled}");
}
