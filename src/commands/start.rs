//! What the commands share to get going: sources (queues, files, the demo, personal queues on buses) and
//! their journals, the flags that are parsed beyond clap (filters, patterns), and the status
//! lines of sources on stderr.

use std::process::ExitCode;
use std::time::Duration;

use super::{Outcome, Stop};
use crate::cli::{self, InputArgs};
use crate::{DEMO_HISTORY, DEMO_SEED, headless};
use zdwatch_core::filter::{Filter, FilterError};
use zdwatch_core::{pattern, sanitize};
use zdwatch_sources::sqs::SqsOptions;
use zdwatch_sources::{Delivery, SourceSetBuilder, SourceStatus};

/// `--filter` and `--pattern` (or `--rule-from-bus`) together: what an event must pass.
pub(crate) async fn selection(
    filter: &str,
    patterns: &cli::PatternArgs,
    aws: &cli::AwsArgs,
) -> Outcome<(Filter, Option<pattern::Pattern>)> {
    let filter = filter_flag(filter)?;
    Ok((filter, resolve_pattern(patterns, aws).await?))
}

/// `--pattern JSON|@FILE` or `--rule-from-bus BUS --rule NAME`: compiled, or why not on stderr
/// (EventBridge's reason for an invalid pattern) and an exit code.
pub(crate) async fn resolve_pattern(
    args: &cli::PatternArgs,
    aws: &cli::AwsArgs,
) -> Outcome<Option<pattern::Pattern>> {
    if let (Some(bus), Some(rule)) = (&args.rule_from_bus, &args.rule) {
        let options = aws.options();
        return match zdwatch_sources::rules::rule_pattern(&options, bus, rule).await {
            Ok(text) => pattern::Pattern::compile(&text).map(Some).map_err(|e| {
                crate::say!(
                    "zdwatch: the pattern of rule {} is not valid: {}",
                    sanitize::sanitize(rule),
                    sanitize::sanitize(&e.to_string())
                );
                Stop::Usage
            }),
            Err(problem) => {
                crate::say!(
                    "zdwatch: cannot fetch rule {} on bus {}: {}",
                    sanitize::sanitize(rule),
                    sanitize::sanitize(bus),
                    sanitize::sanitize(&problem.to_string())
                );
                Err(Stop::Exit(ExitCode::FAILURE))
            }
        };
    }
    let Some(arg) = args.pattern.as_deref() else {
        return Ok(None);
    };
    headless::test_pattern::read_pattern(arg)
        .map(Some)
        .map_err(|why| {
            let lines: Vec<String> = why
                .lines()
                .map(|l| sanitize::sanitize(l).into_owned())
                .collect();
            crate::say!("zdwatch: invalid --pattern: {}", lines.join("\n"));
            Stop::Usage
        })
}

/// Reads captures or journals (nothing is deleted from anything).
pub(crate) async fn read_files(
    files: impl Into<Vec<std::path::PathBuf>>,
) -> Outcome<zdwatch_sources::SourceSet> {
    let input = InputArgs {
        demo: false,
        queue: Vec::new(),
        file: files.into(),
        bus: Vec::new(),
        keep: false,
        replay_since: None,
        replay_from: None,
        replay_to: None,
        peek: true,
        consume: false,
        pollers: None,
        visibility_timeout: None,
    };
    start_sources(
        &input,
        &cli::AwsArgs::default(),
        Reading::new(Delivery::Peek, false),
    )
    .await
}

/// The only journal in the data directory (or the one of queue `pick`); otherwise says which
/// ones there are.
pub(crate) fn the_default_journal(pick: Option<&str>) -> Outcome<std::path::PathBuf> {
    let dir = zdwatch_journal::journals_dir();
    let mut found = zdwatch_journal::default_journals();
    if let Some(queue) = pick {
        // Journals are named after their queue's URL: `<host>_<account>_<queue>.db`.
        let name = zdwatch_sources::short_name(queue);
        found.retain(|p| {
            p.file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| s == name || s.ends_with(&format!("_{name}")))
        });
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => {
            let where_ = dir
                .map(|d| d.display().to_string())
                .unwrap_or_else(|| "the data directory".into());
            let of = pick
                .map(|q| format!(" of queue {}", sanitize::sanitize(q)))
                .unwrap_or_default();
            crate::say!(
                "zdwatch: no journal{of} in {}; give --file PATH",
                sanitize::sanitize(&where_)
            );
            Err(Stop::Usage)
        }
        _ => {
            crate::say!(
                "zdwatch: several journals; choose one with --file PATH (or --queue NAME for export):"
            );
            for p in &found {
                crate::say!("  {}", sanitize::sanitize(&p.display().to_string()));
            }
            Err(Stop::Usage)
        }
    }
}

/// Starts every `--file` and `--queue`; an `Err` exit code means a usage or start-up error was printed.
/// How a front end reads its queues.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reading<'a> {
    pub(crate) delivery: Delivery,
    /// A filter drops some events (their messages are received but not deleted).
    pub(crate) filtered: bool,
    /// Report each queue's depth (the dashboard shows it).
    pub(crate) watch_depth: bool,
    /// `--bus`: the rule's pattern (`--pattern`), else every Zendesk event.
    pub(crate) rule_pattern: Option<&'a str>,
    /// A capture file's messages say where their bodies are in it (the monitor holds that place
    /// instead of a copy: `zdwatch_sources::file::start`).
    pub(crate) places: bool,
    /// `--idle-exit`: long polls wait no longer than it (a quiet queue answers within it).
    pub(crate) idle_exit: Option<Duration>,
}

impl Reading<'static> {
    pub(crate) fn new(delivery: Delivery, filtered: bool) -> Reading<'static> {
        Reading {
            delivery,
            filtered,
            watch_depth: false,
            rule_pattern: None,
            places: false,
            idle_exit: None,
        }
    }
}

pub(crate) async fn start_sources(
    input: &InputArgs,
    aws: &cli::AwsArgs,
    how: Reading<'_>,
) -> Outcome<zdwatch_sources::SourceSet> {
    if input.names_nothing() {
        crate::say!(
            "zdwatch: nothing to read: give --queue URL|NAME, --bus NAME or --file PATH, or try --demo (see --help)"
        );
        return Err(Stop::Usage);
    }
    let mut builder = SourceSetBuilder::default();
    if input.demo {
        let ctx = builder.add("demo".into(), None, true);
        zdwatch_sources::demo::start(DEMO_SEED, DEMO_HISTORY, ctx);
    }
    for path in &input.file {
        let name = path.to_string_lossy().into_owned();
        let ctx = builder.add(name.clone(), None, false);
        if let Err(e) = zdwatch_sources::file::start(&name, ctx, how.places) {
            crate::say!("zdwatch: cannot read {}: {e}", sanitize::sanitize(&name));
            return Err(Stop::Exit(ExitCode::FAILURE));
        }
    }
    let aws = aws.options();
    let opts = SqsOptions {
        long_poll: how.idle_exit,
        delivery: how.delivery,
        pollers: input.pollers.map(usize::from),
        visibility: input.visibility_timeout,
        warn_redrive: how.delivery == Delivery::Peek || how.filtered,
        filtered: how.filtered,
        watch_depth: how.watch_depth,
        ..SqsOptions::default()
    };
    for queue in &input.queue {
        if let Err(problem) =
            zdwatch_sources::sqs::start(queue, &aws, opts.clone(), &mut builder).await
        {
            crate::say!("zdwatch: queue {}: {problem}", sanitize::sanitize(queue));
            return Err(Stop::Exit(ExitCode::FAILURE));
        }
    }
    let mut attached: Vec<zdwatch_sources::bus::Attachment> = Vec::new();
    let mut journal_names = std::collections::HashMap::new();
    for bus in &input.bus {
        let mut a =
            match zdwatch_sources::bus::Attachment::attach(&aws, bus, how.rule_pattern).await {
                Ok(a) => a,
                Err(problem) => {
                    crate::say!("zdwatch: bus {}: {problem}", sanitize::sanitize(bus));
                    detach(attached, false).await;
                    return Err(Stop::Exit(ExitCode::FAILURE));
                }
            };
        crate::say!(
            "zdwatch: attached queue {} to bus {} with rule {}",
            sanitize::sanitize(&a.queue_url),
            sanitize::sanitize(bus),
            sanitize::sanitize(&a.name)
        );
        let id = builder.len();
        journal_names.insert(id, format!("bus/{bus}"));
        let started =
            zdwatch_sources::sqs::start(&a.queue_url, &aws, opts.clone(), &mut builder).await;
        if let Err(problem) = started {
            attached.push(a);
            crate::say!("zdwatch: bus {}: {problem}", sanitize::sanitize(bus));
            detach(attached, false).await;
            return Err(Stop::Exit(ExitCode::FAILURE));
        }
        // The archive is looked up once, for `--replay-*` and for the first minute.
        let archive = a.archive().await;
        if let Some((from, to)) = input.replay_window(jiff::Timestamp::now()) {
            // No history is no reason not to show what comes next.
            let replayed = match &archive {
                Ok(archive) => a.replay(archive, from, to).await.map(|()| archive),
                Err(problem) => Err(problem.clone()),
            };
            match replayed {
                Ok(archive) => {
                    crate::say!(
                        "zdwatch: replaying {} to {} from archive {} into it",
                        from.round(jiff::Unit::Second).unwrap_or(from),
                        to.round(jiff::Unit::Second).unwrap_or(to),
                        sanitize::sanitize(&archive.described())
                    );
                    a.watch_replay(builder.context(id));
                }
                Err(problem) => crate::say!("zdwatch: no replay: {problem}"),
            }
        }
        let note = a.cover_first_minute(archive.as_ref(), builder.context(id));
        crate::say!("zdwatch: {}", sanitize::sanitize(&note));
        attached.push(a);
    }
    let mut set = builder.build();
    set.attachments = attached;
    set.journal_names = journal_names;
    Ok(set)
}

/// Removes the personal queues and rules of `--bus` (or, with `--keep`, says how to reuse them);
/// false when something could not be removed (what is left is printed).
pub(crate) async fn detach(attachments: Vec<zdwatch_sources::bus::Attachment>, keep: bool) -> bool {
    let mut clean = true;
    for a in attachments {
        if let Some(left) = a.first_minute_left() {
            crate::say!("zdwatch: {}", sanitize::sanitize(&left));
        }
        if keep {
            crate::say!("zdwatch: {}", sanitize::sanitize(&a.kept()));
            continue;
        }
        let name = a.name.clone();
        match a.detach().await {
            Ok(()) => crate::say!(
                "zdwatch: removed rule and queue {}",
                sanitize::sanitize(&name)
            ),
            Err(left) => {
                crate::say!("zdwatch: {}", sanitize::sanitize(&left));
                clean = false;
            }
        }
    }
    clean
}

/// Prints each source's status changes on stderr: `connected` once after each failure, not once
/// per poller or per long poll.
pub(crate) fn status_printer() -> impl FnMut(&str, &SourceStatus) {
    let mut connected = std::collections::HashSet::new();
    move |source: &str, status: &SourceStatus| {
        match status {
            SourceStatus::Connected if !connected.insert(source.to_string()) => return,
            SourceStatus::Connected | SourceStatus::Depth { .. } => {}
            _ => {
                connected.remove(source);
            }
        }
        print_status(source, status);
    }
}

pub(crate) fn print_status(source: &str, status: &SourceStatus) {
    let source = sanitize::sanitize(source);
    let line = match status {
        SourceStatus::Connected => format!("zdwatch: {source}: connected"),
        SourceStatus::Retrying {
            wait,
            problem,
            failures,
        } => {
            format!(
                "zdwatch: {source}: retrying in {:.1}s (failure {failures} in a row): {problem}",
                wait.as_secs_f64()
            )
        }
        SourceStatus::Warning(w) => format!("zdwatch: {source}: warning: {w}"),
        SourceStatus::Failed(why) => format!("zdwatch: {source}: failed: {why}"),
        SourceStatus::Replay(progress) => format!("zdwatch: {source}: {progress}"),
        // Only the dashboard asks for the depth.
        SourceStatus::Depth { .. } => return,
    };
    crate::say!("{}", sanitize::sanitize(&line));
}

/// Starts the sources, then opens their journals; if a journal cannot be opened, gives back what
/// was received and stops before anything is deleted.
pub(crate) async fn start_reading(
    input: &InputArgs,
    journal: &cli::JournalArgs,
    aws: &cli::AwsArgs,
    how: Reading<'_>,
) -> Outcome<(zdwatch_sources::SourceSet, zdwatch_journal::Journals)> {
    let sources = start_sources(input, aws, how).await?;
    match open_journals(&sources, journal) {
        Ok(journals) => Ok((sources, journals)),
        Err(stop) => {
            sources.shutdown().await;
            Err(stop)
        }
    }
}

/// Opens the journal of every queue source (one per queue, or `--journal PATH` for all).
/// An `Err` exit code means the reason was printed.
pub(crate) fn open_journals(
    sources: &zdwatch_sources::SourceSet,
    args: &cli::JournalArgs,
) -> Outcome<zdwatch_journal::Journals> {
    let mut journals = zdwatch_journal::Journals::default();
    if args.no_journal {
        return Ok(journals);
    }
    for (id, name) in sources
        .names
        .iter()
        .enumerate()
        .filter(|(id, _)| sources.is_queue(*id))
    {
        let name = sources.journal_names.get(&id).unwrap_or(name);
        let path = match (&args.journal, zdwatch_journal::default_path(name)) {
            (Some(p), _) => p.clone(),
            (None, Some(p)) => p,
            (None, None) => {
                crate::say!(
                    "zdwatch: no data directory for the journal (HOME is not set?): give --journal PATH, or --no-journal"
                );
                return Err(Stop::Usage);
            }
        };
        if let Err(e) = journals.add(id, name, &path) {
            crate::say!(
                "zdwatch: cannot open the journal: {}\n  zdwatch deletes a message only once its event is stored; \
                 give another --journal PATH, or --peek to read without deleting",
                sanitize::sanitize(&e.to_string())
            );
            return Err(Stop::Exit(ExitCode::FAILURE));
        }
    }
    if let Some(mb) = args.journal_max_mb {
        if let Err(e) = journals.set_max_size(mb.saturating_mul(1 << 20)) {
            crate::say!("zdwatch: journal: {}", sanitize::sanitize(&e.to_string()));
            return Err(Stop::Exit(ExitCode::FAILURE));
        }
    }
    if let Some(age) = args.retention {
        let before = jiff::Timestamp::now().checked_sub(age).ok();
        let what = zdwatch_journal::Purge {
            before,
            ticket: None,
        };
        match journals.purge(what) {
            Ok(p) if p.events > 0 => tracing::info!(
                events = p.events,
                tickets = p.tickets,
                "retention: removed events older than {age:#}"
            ),
            Ok(_) => {}
            Err(e) => {
                crate::say!("zdwatch: retention: {}", sanitize::sanitize(&e.to_string()));
                return Err(Stop::Exit(ExitCode::FAILURE));
            }
        }
    }
    Ok(journals)
}

/// Parses `--filter`; on error prints where it went wrong and gives the usage exit code.
pub(crate) fn filter_flag(text: &str) -> Outcome<Filter> {
    Filter::parse(text).map_err(|e| {
        crate::say!("{}", describe_filter_error("--filter", text, &e));
        Stop::Usage
    })
}

/// `zdwatch: invalid --filter: unknown key 'stat:' …` with a caret under the offending text.
pub fn describe_filter_error(flag: &str, text: &str, e: &FilterError) -> String {
    use sanitize::width;
    // Columns, not characters (a CJK word takes two); a long filter is shown around the error.
    const CONTEXT: usize = 60;
    let floor = |mut i: usize| {
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(e.span.start.min(text.len()));
    let end = floor(e.span.end.clamp(start, text.len()).min(start + 2 * CONTEXT));
    let from = floor(start.saturating_sub(CONTEXT));
    let to = floor((end + CONTEXT).min(text.len()));
    let before = sanitize::sanitize(&text[from..start]);
    let marked = sanitize::sanitize(&text[start..end]);
    let lead = if from > 0 { "…" } else { "" };
    let tail = if to < text.len() { "…" } else { "" };
    let marks = width(&marked).clamp(1, 2 * CONTEXT);
    format!(
        "zdwatch: invalid {flag}: {}\n  {lead}{before}{}{}{tail}\n  {}{}",
        e.message,
        marked,
        sanitize::sanitize(&text[end..to]),
        " ".repeat(width(lead) + width(&before)),
        "^".repeat(marks)
    )
}
