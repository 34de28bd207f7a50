//! The terminal side of the monitor: a guard that always restores the terminal (on quit, on
//! error, on panic), the thread that reads keys, and the event loop. The loop is generic over
//! the ratatui backend and takes its inputs as channels, so tests run it with `TestBackend`.

use std::io::{self, Write};
use std::time::Duration;

use base64::Engine;
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
    KeyEventKind,
};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;

use crate::app::{App, Effect, Msg};
use crate::ingest::{Durability, Settled, Staged};
use zdwatch_sources::SourceSet;

/// At most one frame per interval, and only when something changed.
pub const FRAME: Duration = Duration::from_millis(33);

/// Puts the terminal in raw mode on the alternate screen; puts it back when dropped.
pub struct TerminalGuard;

impl TerminalGuard {
    pub fn enter() -> io::Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode()?;
        let guard = TerminalGuard;
        execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            EnableBracketedPaste
        )?;
        Ok(guard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

pub fn restore() {
    let _ = execute!(
        io::stdout(),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
}

/// A panic restores the terminal first, so its message is readable and the shell usable.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// Reads terminal events on a thread of its own and sends them to the loop.
pub fn spawn_input_reader(tx: mpsc::Sender<Msg>) {
    std::thread::spawn(move || {
        loop {
            let msg = match crossterm::event::read() {
                Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => Msg::Key(k),
                Ok(Event::Mouse(m)) => Msg::Mouse(m),
                Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
                Ok(Event::Paste(text)) => Msg::Paste(text),
                Ok(_) => continue,
                Err(_) => break,
            };
            if tx.blocking_send(msg).is_err() {
                break;
            }
        }
    });
}

/// Carries out what the app asks for beyond acks: the clipboard and the browser.
pub trait Effects {
    fn copy(&mut self, bytes: &[u8]);
    fn open(&mut self, url: &str) -> Result<(), String>;
}

/// The real terminal: OSC 52 for the clipboard (works over SSH), the desktop's URL opener.
pub struct TerminalEffects;

impl Effects for TerminalEffects {
    fn copy(&mut self, bytes: &[u8]) {
        let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
        let mut out = io::stdout();
        let _ = write!(out, "\x1b]52;c;{encoded}\x07");
        let _ = out.flush();
    }

    fn open(&mut self, url: &str) -> Result<(), String> {
        open::that_detached(url).map_err(|e| e.to_string())
    }
}

/// How long a refilter runs before the loop looks at keys and frames again.
const WORK_SLICE: std::time::Duration = std::time::Duration::from_millis(4);

/// Runs the monitor until the user quits. Sources end by themselves (files) or run until shutdown.
/// Events are stored by `durability` (the journal's own thread); their messages are acknowledged
/// when it says they are on disk, so the loop never waits on the disk.
pub async fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    mut sources: SourceSet,
    mut durability: Durability,
    mut input: mpsc::Receiver<Msg>,
    effects: &mut dyn Effects,
    clock: impl Fn() -> Timestamp,
) -> io::Result<()>
where
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut frames = tokio::time::interval(FRAME);
    frames.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut buffer = Vec::with_capacity(64);
    let mut keys = Vec::with_capacity(64);
    // Deliveries are decoded in the work pool while the loop holds the one before.
    let mut stage = crate::ingest::DecodeStage::default();
    let (mut sources_open, mut input_open) = (true, true);
    app.set_journaled(durability.has_journal());
    if let Ok(size) = terminal.size() {
        app.update(Msg::Resize(size.width, size.height), clock());
    }
    while !app.quit() {
        // Keys first, all that are waiting, then the frame, then the journal's word, then events:
        // however busy the sources, a key waits for at most the update in progress.
        let taking = sources_open && !durability.is_busy() && stage.has_room();
        let pending = tokio::select! {
            biased;
            n = input.recv_many(&mut keys, 64), if input_open => {
                if n == 0 {
                    // The terminal is gone (the input thread ended): nobody can quit any more.
                    input_open = false;
                    app.update(Msg::Shutdown, clock());
                }
                let mut out = Vec::new();
                for m in keys.drain(..) {
                    out.extend(app.update(m, clock()));
                }
                // A key is echoed at once, not on the next frame tick (up to 33 ms later): keys
                // come at a typist's pace, so this cannot flood the terminal.
                if app.dirty() && !app.quit() {
                    terminal.draw(|f| crate::ui::draw(f, app)).map_err(io::Error::other)?;
                    app.drawn();
                }
                out
            },
            _ = frames.tick() => {
                app.update(Msg::Tick, clock());
                if app.dirty() {
                    terminal.draw(|f| crate::ui::draw(f, app)).map_err(io::Error::other)?;
                    app.drawn();
                }
                Vec::new()
            }
            settled = durability.settled(), if durability.is_waiting() => {
                settle(settled, app, &sources, &clock).await;
                Vec::new()
            }
            // A refilter (typing in the filter bar) goes on between keys and frames, a slice at
            // a time: the key was echoed on the frame before.
            _ = std::future::ready(()), if app.filtering() => {
                app.work(Some(WORK_SLICE));
                Vec::new()
            }
            n = sources.events.recv_many(&mut buffer, 64), if taking => {
                if n == 0 {
                    sources_open = false;
                }
                if buffer.is_empty() {
                    Vec::new()
                } else {
                    let dictionary = app.store().dictionary().cloned();
                    stage.send(std::mem::take(&mut buffer), dictionary);
                    Vec::new()
                }
            },
            staged = stage.recv(), if stage.is_busy() => take_in(staged, app, &clock),
        };
        for effect in pending {
            carry_out(effect, app, &sources, &mut durability, effects, &clock).await;
        }
    }
    // What is on its way to the journal is stored, and its messages acknowledged, before leaving.
    for settled in durability.finish().await {
        settle(settled, app, &sources, &clock).await;
    }
    sources.shutdown().await;
    Ok(())
}

/// What the sources delivered, decoded, into the app (in the order it came); what it asks for.
fn take_in(staged: Vec<Staged>, app: &mut App, clock: &impl Fn() -> Timestamp) -> Vec<Effect> {
    let mut out = Vec::new();
    for s in staged {
        let msg = match s {
            Staged::Batch(batch) => Msg::Decoded(batch),
            Staged::Status(id, status) => Msg::Status(id, status),
            Staged::Finished(id) => Msg::Finished(id),
        };
        out.extend(app.update(msg, clock()));
    }
    out
}

/// Carries out one thing the app asked for.
async fn carry_out(
    effect: Effect,
    app: &mut App,
    sources: &SourceSet,
    durability: &mut Durability,
    effects: &mut dyn Effects,
    clock: &impl Fn() -> Timestamp,
) {
    match effect {
        Effect::Commit { events, acks } => {
            if let Some(settled) = durability.commit(events, acks) {
                settle(settled, app, sources, clock).await;
            }
        }
        Effect::Recall(ticket) => {
            durability.recall(ticket, crate::app::RECALL_LIMIT);
        }
        Effect::Save {
            path,
            bytes,
            events,
            left_out,
        } => {
            let result =
                save_capture(std::path::Path::new(&path), &bytes).map_err(|e| e.to_string());
            app.update(
                Msg::Saved {
                    path,
                    events,
                    left_out,
                    result,
                },
                clock(),
            );
        }
        Effect::Copy(bytes) => effects.copy(&bytes),
        Effect::OpenUrl(url) => {
            if let Err(e) = effects.open(&url) {
                app.notify(format!("cannot open {url}: {e}"));
            }
        }
    }
}

/// Writes a capture to a new file, 0600 (events hold customer data); never overwrites one.
pub fn save_capture(path: &std::path::Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = zdwatch_journal::private::options()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Carries out what the journal settled: acks, its failure, a ticket read back.
async fn settle(
    settled: Settled,
    app: &mut App,
    sources: &SourceSet,
    clock: &impl Fn() -> Timestamp,
) {
    match settled {
        Settled::Acks(acks) => acks.send(sources).await,
        Settled::Failed { why, acks } => {
            app.update(Msg::JournalFailed(why), clock());
            acks.send(sources).await;
        }
        Settled::Ticket { ticket, result } => {
            app.update(Msg::Recalled { ticket, result }, clock());
        }
    }
}
