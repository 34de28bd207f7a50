//! The interactive monitor (no subcommand): sources, journal history, the terminal, the loop.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context;
use zdwatch_sources::Delivery;

use super::start::{Reading, detach, selection, start_reading};
use super::{Outcome, Stop};
use crate::{app, cli, config, ingest, tui};

/// The interactive monitor.
pub(crate) async fn run(
    args: cli::MonitorArgs,
    aws: &cli::AwsArgs,
    settings: &config::Config,
    log_place: String,
) -> Outcome {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        crate::say!(
            "zdwatch: the monitor needs a terminal; for pipes and scripts use `zdwatch tail` (same flags and filters)"
        );
        return Err(Stop::Usage);
    }
    // Decoding and compressing (history and live) run beneath the event loop, on every core.
    crate::threads::start_background_pool();
    // The filter is checked here (a bad one stops with its error); the app parses its text again.
    let (_checked, pattern) = selection(&args.filter, &args.patterns, aws).await?;
    let reads_queues = !args.input.queue.is_empty() || !args.input.bus.is_empty();
    let rule_pattern = pattern.as_ref().map(|p| p.text().to_string());
    // Consume only when every event taken off a queue is stored first: in the journal, or (with
    // --no-journal) in memory only if the user accepts losing it at exit.
    let delivery = if args.input.peek {
        Delivery::Peek
    } else if args.journal.no_journal && reads_queues && !args.allow_loss {
        crate::say!(
            "zdwatch: --no-journal would keep the events zdwatch deletes from the queue only in memory, \
             and they would be gone when it exits.\n  Add --peek to read without deleting, --allow-loss to \
             consume anyway, or drop --no-journal."
        );
        return Err(Stop::Usage);
    } else {
        Delivery::Consume
    };
    let (sources, journals) = start_reading(
        &args.input,
        &args.journal,
        aws,
        Reading {
            watch_depth: true,
            rule_pattern: rule_pattern.as_deref(),
            // A capture's bodies stay in the file, held as their place in it (not compressed).
            places: true,
            // The monitor's filter only chooses what is shown: every message is stored and deleted.
            ..Reading::new(delivery, false)
        },
    )
    .await?;
    let mut sources = sources;
    let attachments = std::mem::take(&mut sources.attachments);
    let config = app::Config {
        sources: sources.names.clone(),
        delivery,
        reads_queues,
        live: sources.live.clone(),
        utc: args.utc,
        zendesk_subdomain: args.zendesk_subdomain.clone(),
        max_events: args.max_events.max(1),
        // Several sources, or history replayed behind live events, only make sense merged.
        order: if sources.names.len() > 1
            || args.input.replay_window(jiff::Timestamp::now()).is_some()
        {
            app::Order::Occurred
        } else {
            app::Order::Arrival
        },
        saved_filters: settings.filters.clone(),
        keymap: settings.keymap.clone(),
        log_place: Some(log_place),
        palette: crate::palette::Palette::for_env(
            &settings.palette,
            std::env::var_os("NO_COLOR").as_deref(),
        ),
    };
    // The filter was checked by `selection` above.
    let mut app = app::App::new(config, &args.filter, jiff::Timestamp::now())
        .map_err(|e| Stop::Error(anyhow::anyhow!("{e}")))?;
    app.set_pattern(pattern);
    app.set_mask(args.mask);
    load_history(&mut app, &journals, args.history);
    let durability = ingest::Durability::new(journals).context("starting the journal's thread")?;
    let (tx, rx) = tokio::sync::mpsc::channel(256);
    let guard = tui::TerminalGuard::enter().context("setting up the terminal")?;
    tui::spawn_input_reader(tx.clone());
    tokio::spawn(async move {
        ingest::stop_requested(false).await;
        let _ = tx.send(app::Msg::Shutdown).await;
    });
    let backend = ratatui::backend::CrosstermBackend::new(std::io::stdout());
    let mut terminal = ratatui::Terminal::new(backend).context("setting up the terminal")?;
    let result = tui::run(
        &mut terminal,
        &mut app,
        sources,
        durability,
        rx,
        &mut tui::TerminalEffects,
        jiff::Timestamp::now,
    )
    .await;
    drop(terminal);
    drop(guard);
    // After the terminal is back: what is removed (or left) is printed where it can be read.
    let clean = detach(attachments, args.input.keep).await;
    result.context("drawing the screen")?;
    Ok(if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The journal's last `--history` into the App before the screen is taken over (a large history
/// takes a moment to read); a failure is a notice, not a reason to stop.
fn load_history(
    app: &mut app::App,
    journals: &zdwatch_journal::Journals,
    history: jiff::SignedDuration,
) {
    // The store compresses bodies with the journal's dictionary, and holds its bodies as they are.
    match journals.dictionary() {
        Ok(Some(dictionary)) => {
            app.adopt_dictionary(&dictionary);
        }
        Ok(None) => {}
        Err(e) => app.notify(format!("journal: {e}")),
    }
    if history.is_zero() || journals.is_empty() {
        return;
    }
    let since = jiff::Timestamp::now()
        .checked_sub(history)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    crate::say!("zdwatch: loading the journal's recent history (--history)…");
    let max = app.config().max_events;
    let load = journals.recent_each(since, max, app::HISTORY_SLICE, |slice| {
        app.load_history(slice)
    });
    if let Err(e) = load {
        app.notify(format!("history not loaded: {e}"));
    }
}
