//! Command-line flags (clap derive). Parsing only; `lib.rs` decides what to run.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "zdwatch",
    version = env!("ZDWATCH_VERSION"),
    about = "Watch Zendesk ticket events arriving through EventBridge in an SQS queue"
)]
#[command(
    after_help = "Without a subcommand zdwatch opens the interactive monitor; try `zdwatch --demo`.\n\
                  Run `zdwatch tail --help` for the headless stream. Filter syntax and ndjson fields: see README.md.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub monitor: MonitorArgs,

    #[command(flatten)]
    pub aws: AwsArgs,

    /// Log level for the diagnostic log on stderr (error, warn, info, debug, trace).
    /// Event bodies appear only at trace.
    #[arg(long, global = true, default_value = "warn", env = "ZDWATCH_LOG")]
    pub log_level: String,

    /// Write the diagnostic log to this file (created private, 0600). Without it, the monitor
    /// (which owns the terminal) logs to a daily file in the state directory (the path is at the
    /// end of --help and in the help screen); the other commands log to stderr.
    #[arg(long, global = true, value_name = "PATH", env = "ZDWATCH_LOG_FILE")]
    pub log_file: Option<PathBuf>,

    /// The config file (default: config.toml in the platform's config directory, e.g.
    /// ~/.config/zdwatch/config.toml; `zdwatch config` says where). Flags and environment beat it.
    #[arg(long, global = true, value_name = "PATH", env = "ZDWATCH_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Stream decoded events to stdout, one line each, for scripts and pipes.
    Tail(TailArgs),
    /// Write events from a journal (or a capture) to stdout.
    Export(ExportArgs),
    /// Figures of a time range for an incident review (JSON or markdown).
    Report(ReportArgs),
    /// Which events an EventBridge event pattern matches, and why the others do not.
    TestPattern(TestPatternArgs),
    /// Write a reproducible capture of the demo simulation to stdout.
    Demo(DemoArgs),
    /// Put events onto an event bus or a queue, or post them to a webhook relay signed as Zendesk
    /// signs them, to test rules, consumers and relays.
    Send(SendArgs),
    /// Relay Zendesk webhooks to an event bus: check each request's signature, put its event on
    /// the bus (PutEvents). The signing secret comes from ZENDESK_WEBHOOK_SECRET, Secrets Manager or
    /// Parameter Store.
    Relay(RelayArgs),
    /// Remove the personal queues and rules that `--bus` runs left behind (a crash, --keep).
    Gc(GcArgs),
    /// Check what reading a queue or a bus needs: credentials, identity, region, permissions, attachment
    /// (for a bus, a personal queue and rule are created and removed again).
    Doctor(DoctorArgs),
    /// Remove customer data from journals: events older than a retention period, or one
    /// ticket's events (`zdwatch journal purge --older-than 30d`).
    Journal(JournalCommandArgs),
    /// Print a shell completion script: `zdwatch completions bash > /etc/bash_completion.d/zdwatch`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `zdwatch man | man -l -`.
    Man,
    /// Where the config file is and whether it is valid; or a commented default to start from.
    Config(ConfigArgs),
}

#[derive(Debug, Args)]
pub struct JournalCommandArgs {
    #[command(subcommand)]
    pub action: JournalAction,
}

#[derive(Debug, Subcommand)]
pub enum JournalAction {
    /// Delete stored events (their text is overwritten in the file, not only unlinked).
    Purge(PurgeArgs),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).multiple(true).args(["older_than", "ticket"])))]
pub struct PurgeArgs {
    /// Events that occurred longer ago than this (30d, 12h).
    #[arg(long, value_name = "DURATION", value_parser = zdwatch_core::filter::parse_duration)]
    pub older_than: Option<jiff::SignedDuration>,

    /// Every event of this ticket.
    #[arg(long, value_name = "ID")]
    pub ticket: Option<u64>,

    /// The journal to purge (repeatable). Default: every journal in the data directory.
    #[arg(long = "journal", value_name = "PATH")]
    pub journals: Vec<PathBuf>,

    /// Say what would be removed, remove nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Print a commented default config file (`zdwatch config --print-default > ~/.config/zdwatch/config.toml`).
    #[arg(long)]
    pub print_default: bool,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("to").required(true).args(["to_bus", "to_queue", "to_webhook"])))]
#[command(group(clap::ArgGroup::new("what").required(true).args(["file", "demo"])))]
pub struct SendArgs {
    /// Put the events on this event bus (name or ARN) with PutEvents, ten at a time.
    #[arg(long, value_name = "BUS")]
    pub to_bus: Option<String>,

    /// Send the bodies, as they are, to this queue (URL, name or ARN).
    #[arg(long, value_name = "QUEUE")]
    pub to_queue: Option<String>,

    /// Post each webhook event (the Zendesk payload inside each body) to this URL as Zendesk
    /// would: signed with the secret in ZENDESK_WEBHOOK_SECRET, retried on 409, and on 429 and
    /// 503 with a Retry-After under a minute. Events Connector events have no webhook form and are
    /// skipped.
    #[arg(long, value_name = "URL")]
    pub to_webhook: Option<String>,

    /// Captures or journals to send (repeatable).
    #[arg(long, value_name = "PATH")]
    pub file: Vec<PathBuf>,

    /// Send the demo simulation's events, paced by --rate for --duration.
    #[arg(long)]
    pub demo: bool,

    /// With --demo: events per second or minute (50/s, 600/m).
    #[arg(long, default_value = "50/s")]
    pub rate: String,

    /// With --demo: for how long (90s, 2m).
    #[arg(long, default_value = "1m", value_parser = zdwatch_core::filter::parse_duration)]
    pub duration: jiff::SignedDuration,

    /// With --demo: the simulation's seed, to send the same events again (the same ids: a
    /// consumer sees duplicates). Without it every run sends new events.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Send to a bus whose name looks like production (it has "prod", or it is a partner bus).
    #[arg(long)]
    pub yes: bool,

    /// text: lines for people; json: one document with each check or action and its outcome,
    /// for CI and scripts (README, "Machine-readable results"). The exit code is the same.
    #[arg(long, value_enum, default_value_t = ResultFormat::Text)]
    pub format: ResultFormat,
}

#[derive(Debug, Args)]
pub struct RelayArgs {
    /// The address to listen on: 127.0.0.1:8080, or 0.0.0.0:8080 in a container; port 0 takes a
    /// free port (the address is printed on stderr).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,

    /// The event bus (name or ARN) the events are put on.
    #[arg(long, value_name = "NAME|ARN")]
    pub bus: String,

    /// The Source of every event put (never "aws.…": EventBridge keeps those for AWS). A rule
    /// or a pattern can match it: {"source": ["zendesk.webhook"]}.
    #[arg(long, default_value = zdwatch_relay::DEFAULT_SOURCE)]
    pub source: String,

    /// How old (or how far ahead of this machine's clock) a signed request may be: a captured
    /// request cannot be replayed later.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = zdwatch_core::filter::parse_duration)]
    pub max_age: jiff::SignedDuration,

    /// The environment variable holding the webhook's signing secret (never a flag: it would
    /// land in shell history).
    #[arg(long, value_name = "NAME", default_value = zdwatch_relay::SECRET_VARIABLE)]
    pub secret_env: String,

    /// Read the signing secret from this AWS Secrets Manager secret (name or ARN) instead.
    #[arg(long, value_name = "NAME|ARN", conflicts_with = "secret_parameter")]
    pub secret_id: Option<String>,

    /// Read the signing secret from this SSM Parameter Store parameter (a SecureString is
    /// decrypted) instead.
    #[arg(long, value_name = "NAME|ARN")]
    pub secret_parameter: Option<String>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["queue", "bus"])))]
pub struct DoctorArgs {
    /// The debug queue (URL, name or ARN).
    #[arg(long, short = 'q', value_name = "URL|ARN|NAME")]
    pub queue: Option<String>,

    /// The event bus (name or ARN) for `--bus`.
    #[arg(long, value_name = "NAME|ARN")]
    pub bus: Option<String>,

    /// With --queue: send one signed test event (ticket 0) through this webhook relay and wait for
    /// it on the queue, a line per hop. The secret comes from ZENDESK_WEBHOOK_SECRET; only the test
    /// event is deleted from the queue.
    #[arg(long, value_name = "URL", requires = "queue")]
    pub relay: Option<String>,

    /// With --relay: how long the test event may take to reach the queue (30s).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = zdwatch_core::filter::parse_duration, requires = "relay")]
    pub wait: jiff::SignedDuration,

    /// text: lines for people; json: one document with each check or action and its outcome,
    /// for CI and scripts (README, "Machine-readable results"). The exit code is the same.
    #[arg(long, value_enum, default_value_t = ResultFormat::Text)]
    pub format: ResultFormat,
}

/// The most events the monitor holds: about 6 GB at ~600 bytes each.
pub const MAX_EVENTS: usize = 10_000_000;

/// `--max-events` (and `max-events` in the config): 1 to [`MAX_EVENTS`].
pub fn parse_max_events(text: &str) -> Result<usize, String> {
    let n: usize = text
        .trim()
        .replace('_', "")
        .parse()
        .map_err(|_| format!("'{text}' is not a number of events"))?;
    check_max_events(n)
}

pub fn check_max_events(n: usize) -> Result<usize, String> {
    if (1..=MAX_EVENTS).contains(&n) {
        Ok(n)
    } else {
        Err(format!(
            "{n} events cannot be held: from 1 to {MAX_EVENTS} (about 600 bytes each; older events stay in the journal)"
        ))
    }
}

/// `--zendesk-subdomain`: one DNS label (`acme` for acme.zendesk.com), so that `o` can only open
/// `https://<label>.zendesk.com/…`.
pub fn parse_subdomain(text: &str) -> Result<String, String> {
    let label = text.trim();
    let valid = (1..=63).contains(&label.len())
        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !label.starts_with('-')
        && !label.ends_with('-');
    if valid {
        return Ok(label.to_ascii_lowercase());
    }
    // A whole host or URL given: say which part is wanted.
    let host = label
        .split_once("://")
        .map_or(label, |(_, rest)| rest)
        .split(['/', '#', '?'])
        .next()
        .unwrap_or_default();
    let hint = match host.strip_suffix(".zendesk.com") {
        Some(sub) if !sub.is_empty() && !sub.contains('.') => format!(" (for {host}, write {sub})"),
        _ => String::new(),
    };
    Err(format!(
        "'{}' is not a Zendesk subdomain: letters, digits and '-' only, as in acme for acme.zendesk.com{hint}",
        zdwatch_core::sanitize::sanitize(text)
    ))
}

/// A warning for an `--endpoint-url` that sends AWS requests (signed with your credentials, event
/// bodies in the answers) unencrypted to another machine: anything but https or a loopback address.
/// The environment variables that set endpoints for the services zdwatch calls (aws-config reads
/// them; zdwatch only looks at them to warn about an unencrypted one).
pub const ENDPOINT_VARIABLES: [&str; 4] = [
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_SQS",
    "AWS_ENDPOINT_URL_EVENTBRIDGE",
    "AWS_ENDPOINT_URL_STS",
];

pub fn endpoint_warning(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.rsplit_once('@') {
        Some((_, h)) => h,
        None => authority,
    };
    let host = if let Some(v6) = host.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    (!loopback).then(|| {
        format!(
            "the endpoint {} is not https: requests and the events in their answers cross the network unencrypted (use https, or a loopback address for a local server)",
            zdwatch_core::sanitize::sanitize(url)
        )
    })
}

fn parse_time(text: &str) -> Result<jiff::Timestamp, String> {
    text.parse()
        .map_err(|e| format!("{e}: a time is RFC 3339 with an offset, e.g. 2026-11-28T09:00:00Z"))
}

impl InputArgs {
    /// No queue, bus, file or demo named.
    pub fn names_nothing(&self) -> bool {
        self.queue.is_empty() && self.file.is_empty() && self.bus.is_empty() && !self.demo
    }

    /// The stretch of the bus archive to replay (`--replay-since`, or `--replay-from/--replay-to`).
    pub fn replay_window(
        &self,
        now: jiff::Timestamp,
    ) -> Option<(jiff::Timestamp, jiff::Timestamp)> {
        if let Some(back) = self.replay_since {
            return Some((
                now.checked_sub(back).unwrap_or(jiff::Timestamp::UNIX_EPOCH),
                now,
            ));
        }
        self.replay_from
            .map(|from| (from, self.replay_to.unwrap_or(now)))
    }
}

#[derive(Debug, Args)]
pub struct GcArgs {
    /// The bus whose zdwatch rules to remove (queues are found by name and tag in the region).
    #[arg(long, default_value = "default")]
    pub bus: String,

    /// Only what was created longer ago than this (2h, 1d); 0s for everything.
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = zdwatch_core::filter::parse_duration)]
    pub older_than: jiff::SignedDuration,

    /// Say what would be removed, remove nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// text: lines for people; json: one document with each check or action and its outcome,
    /// for CI and scripts (README, "Machine-readable results"). The exit code is the same.
    #[arg(long, value_enum, default_value_t = ResultFormat::Text)]
    pub format: ResultFormat,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many deliveries to write (duplicates included, as a queue delivers them).
    #[arg(long, value_name = "N")]
    pub emit: u64,

    /// The simulation's seed: the same seed and start give the same bytes.
    #[arg(long, default_value_t = 35436)]
    pub seed: u64,

    /// When the simulated day starts (RFC 3339).
    #[arg(long, value_name = "TIME", default_value = "2026-01-01T00:00:00Z")]
    pub start: jiff::Timestamp,

    /// raw: the bodies, a capture `--file` reads; or decoded as by `tail`.
    #[arg(long, value_enum, default_value_t = OutputFormat::Raw)]
    pub format: OutputFormat,
}

/// Where an EventBridge event pattern comes from: pasted, a file, or a rule deployed on a bus.
#[derive(Debug, Args, Clone, Default)]
pub struct PatternArgs {
    /// Only events an EventBridge rule with this event pattern would match: the JSON, or @FILE
    /// (combines with --filter).
    #[arg(long, value_name = "JSON|@FILE", conflicts_with = "rule_from_bus")]
    pub pattern: Option<String>,

    /// Use the pattern of a rule deployed on this event bus (name or ARN), with --rule.
    #[arg(long, value_name = "BUS", requires = "rule")]
    pub rule_from_bus: Option<String>,

    /// The rule whose pattern --rule-from-bus fetches (events:DescribeRule).
    #[arg(long, value_name = "NAME", requires = "rule_from_bus")]
    pub rule: Option<String>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("events").required(true).args(["event", "file"])))]
#[command(group(clap::ArgGroup::new("pattern_from").required(true).args(["pattern", "rule_from_bus"])))]
pub struct TestPatternArgs {
    #[command(flatten)]
    pub patterns: PatternArgs,

    /// One event (a JSON file, or - for standard input).
    #[arg(long, value_name = "FILE")]
    pub event: Option<PathBuf>,

    /// A capture or journal: every event in it (repeatable).
    #[arg(long, value_name = "PATH")]
    pub file: Vec<PathBuf>,

    /// Say for each field and operator why an event matches or not.
    #[arg(long)]
    pub explain: bool,

    #[arg(long, value_enum, default_value_t = PatternFormat::Text)]
    pub format: PatternFormat,

    /// Hide customer data in the explanation's values (subjects, comments, names, e-mail
    /// addresses, phone numbers, free-text fields); whether an event matches is decided on the
    /// original all the same.
    #[arg(long, env = "ZDWATCH_MASK")]
    pub mask: bool,
}

/// How `doctor`, `gc` and `send` report what they did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ResultFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PatternFormat {
    /// A line per event (`match` / `no match`), the explanation indented under it.
    Text,
    /// One JSON object per event: matched, the event's id and ticket, the explanation.
    Json,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Only events matching this filter (see README).
    #[arg(long, short = 'f', default_value = "")]
    pub filter: String,

    #[command(flatten)]
    pub patterns: PatternArgs,

    /// Start of the range: a duration back from now (2h) or a time (2026-03-01T08:00:00Z).
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,

    /// End of the range (exclusive), as for --since.
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,

    /// Stop reading a queue after this many seconds without a new event (once the queue has
    /// answered a receive since: a slow server is waited for).
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    pub idle_exit: f64,

    #[arg(long, value_enum, default_value_t = ReportFormat::Json)]
    pub format: ReportFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One JSON document with stable keys (README, "Report").
    Json,
    /// Tables for an incident review.
    Markdown,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Journal or capture to read (repeatable). Default: the journal in the data directory, when
    /// there is just one (or the one of --queue).
    #[arg(long, value_name = "PATH")]
    pub file: Vec<PathBuf>,

    /// Without --file: the journal of this queue (its name, URL or ARN), when there are several.
    #[arg(
        long,
        short = 'q',
        value_name = "URL|ARN|NAME",
        conflicts_with = "file"
    )]
    pub queue: Option<String>,

    /// Only events matching this filter (see README).
    #[arg(long, short = 'f', default_value = "")]
    pub filter: String,

    #[command(flatten)]
    pub patterns: PatternArgs,

    /// Only events that occurred in this last stretch of time (90m, 2h, 7d).
    #[arg(long, value_name = "DURATION")]
    pub since: Option<String>,

    /// Output format: raw bodies can be read back with `--file` or sent to a queue again.
    #[arg(long, value_enum, default_value_t = OutputFormat::Ndjson)]
    pub format: OutputFormat,

    /// Hide customer data (subjects, comments, descriptions, names, e-mail addresses, phone
    /// numbers); ids, statuses and tags stay.
    #[arg(long, env = "ZDWATCH_MASK")]
    pub mask: bool,

    /// Write raw bodies (--format raw) and CSV cells exactly as received: no escapes for control
    /// and invisible characters, no `'` before cells a spreadsheet would run as formulas. Only for
    /// output that goes to a program you trust, never to a terminal or a spreadsheet.
    #[arg(long)]
    pub raw_bytes: bool,
}

/// The usual AWS flags; the AWS_* environment variables and profiles work through aws-config.
#[derive(Debug, Args, Clone, Default)]
pub struct AwsArgs {
    /// AWS profile to use (SSO and assume-role profiles work).
    #[arg(long, global = true, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// AWS region (taken from a queue URL or ARN when not given).
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// Send AWS requests to this endpoint instead (a local SQS server, a VPC endpoint). The
    /// AWS_ENDPOINT_URL(_SQS, _EVENTBRIDGE, _STS) variables work through aws-config as the SDKs
    /// document them (service-specific ones win; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ignores them).
    #[arg(long, global = true)]
    pub endpoint_url: Option<String>,
}

/// The interactive monitor's flags (no subcommand).
#[derive(Debug, Args)]
pub struct MonitorArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Start with this filter, e.g. 'reopened priority:urgent' (change it with `/`).
    #[arg(long, short = 'f', default_value = "")]
    pub filter: String,

    #[command(flatten)]
    pub patterns: PatternArgs,

    #[command(flatten)]
    pub journal: JournalArgs,

    /// With --no-journal, consume anyway: events then live only in memory and are gone when
    /// zdwatch exits (without it, --no-journal on a queue is refused; --peek reads without deleting).
    #[arg(long, conflicts_with = "peek")]
    pub allow_loss: bool,

    /// Load this much recent history from the journal at start (e.g. 90m, 24h, 7d; 0 for none).
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = zdwatch_core::filter::parse_duration)]
    pub history: jiff::SignedDuration,

    /// Your Zendesk subdomain (`acme` for acme.zendesk.com): `o` opens tickets in the agent UI.
    #[arg(long, env = "ZDWATCH_ZENDESK_SUBDOMAIN", value_name = "NAME", value_parser = parse_subdomain)]
    pub zendesk_subdomain: Option<String>,

    /// Show times in UTC instead of the local time zone (toggle with `t`).
    #[arg(long)]
    pub utc: bool,

    /// Start with customer data hidden (subjects, comments, names, e-mails, phones; toggle with
    /// `M`); ids, statuses and tags stay.
    #[arg(long, env = "ZDWATCH_MASK")]
    pub mask: bool,

    /// Events held in memory (about 600 bytes each); the oldest are dropped beyond this.
    #[arg(long, value_name = "N", default_value = "500000", value_parser = parse_max_events)]
    pub max_events: usize,
}

/// Where events taken from a queue are stored before their messages are deleted.
#[derive(Debug, Args, Clone, Default)]
pub struct JournalArgs {
    /// The journal (SQLite) for every queue read, instead of one file per queue in the data directory.
    #[arg(long, value_name = "PATH", conflicts_with = "no_journal")]
    pub journal: Option<PathBuf>,

    /// Keep no journal.
    #[arg(long)]
    pub no_journal: bool,

    /// Stop storing (and so deleting) once a journal file reaches this size, in MB.
    #[arg(long, value_name = "MB")]
    pub journal_max_mb: Option<u64>,

    /// At start, remove events older than this from the journals this run opens (30d; the
    /// config's `retention`). Without it, the journal keeps events until `zdwatch journal purge`.
    #[arg(long, value_name = "DURATION", value_parser = zdwatch_core::filter::parse_duration)]
    pub retention: Option<jiff::SignedDuration>,
}

#[derive(Debug, Args)]
pub struct TailArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub journal: JournalArgs,

    /// Only events matching this filter, e.g. 'status:open->solved tag:vip' (see README).
    #[arg(long, short = 'f', default_value = "")]
    pub filter: String,

    #[command(flatten)]
    pub patterns: PatternArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Ndjson)]
    pub format: OutputFormat,

    /// Hide customer data in what is written (subjects, comments, descriptions, names, e-mail
    /// addresses, phone numbers); ids, statuses and tags stay. The journal keeps the originals.
    #[arg(long, env = "ZDWATCH_MASK")]
    pub mask: bool,

    /// Write raw bodies (--format raw) and CSV cells exactly as received: no escapes for control
    /// and invisible characters, no `'` before cells a spreadsheet would run as formulas. Only for
    /// output that goes to a program you trust, never to a terminal or a spreadsheet.
    #[arg(long)]
    pub raw_bytes: bool,

    /// Stop after writing this many events.
    #[arg(long)]
    pub max_events: Option<u64>,

    /// Stop after this many seconds without a new event (once the queue has answered a receive
    /// since: a slow server is waited for).
    #[arg(long, value_name = "SECS")]
    pub idle_exit: Option<f64>,
}

/// Where events come from (at least one of --queue, --file and --demo).
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Read a simulated Zendesk instance instead of AWS (no account needed).
    #[arg(long)]
    pub demo: bool,

    /// SQS queue URL, ARN or name (repeatable).
    #[arg(long, short = 'q', value_name = "URL|ARN|NAME")]
    pub queue: Vec<String>,

    /// A capture file: one message body per line, `-` for stdin (repeatable).
    #[arg(long, value_name = "PATH")]
    pub file: Vec<PathBuf>,

    /// An EventBridge bus (name or ARN) to attach a personal queue to (repeatable): a queue and a
    /// rule of your own (every Zendesk event, or --pattern), removed again on exit.
    #[arg(long, value_name = "NAME|ARN")]
    pub bus: Vec<String>,

    /// With --bus: leave the personal queue and rule in place on exit (for the next run).
    #[arg(long)]
    pub keep: bool,

    /// With --bus: replay this much history (2h, 1d) from the bus's archive into the personal
    /// queue, to this rule alone.
    #[arg(long, value_name = "DURATION", value_parser = zdwatch_core::filter::parse_duration, requires = "bus")]
    pub replay_since: Option<jiff::SignedDuration>,

    /// With --bus: replay the archive from this time (RFC 3339, e.g. 2026-11-28T09:00:00Z)…
    #[arg(long, value_name = "TIME", value_parser = parse_time, requires = "bus", conflicts_with = "replay_since")]
    pub replay_from: Option<jiff::Timestamp>,

    /// …to this time (default: now).
    #[arg(long, value_name = "TIME", value_parser = parse_time, requires = "replay_from")]
    pub replay_to: Option<jiff::Timestamp>,

    /// Never delete: release each message at once so other consumers still get it.
    #[arg(long)]
    pub peek: bool,

    /// Delete each message once its event is stored (the default; overrides `delivery = "peek"`
    /// in the config file).
    #[arg(long, conflicts_with = "peek")]
    pub consume: bool,

    /// Pollers per queue (default: adapts, 1 to 8, more while batches come back full).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub pollers: Option<u16>,

    /// Consume mode: how long a received message stays hidden from other readers while its event
    /// is decoded and stored (ReceiveMessage's VisibilityTimeout; default: the queue's own);
    /// zdwatch extends it while a slow journal commit is still on its way, up to 10 minutes.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u32).range(1..=43_200))]
    pub visibility_timeout: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// One normalised event per line (fields in README).
    Ndjson,
    /// One human-readable line per event, control characters escaped.
    Text,
    /// The original message bodies, one per line (a capture `--file` can read back).
    Raw,
    /// Comma-separated values with a header line (columns in README).
    Csv,
}

impl AwsArgs {
    /// The AWS settings the sources use.
    pub fn options(&self) -> zdwatch_sources::sqs::AwsOptions {
        zdwatch_sources::sqs::AwsOptions {
            profile: self.profile.clone(),
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn window(args: &[&str]) -> Option<(jiff::Timestamp, jiff::Timestamp)> {
        let now: jiff::Timestamp = "2026-11-28T12:00:00Z".parse().ok()?;
        let cli = Cli::try_parse_from(["zdwatch", "tail", "--bus", "b"].iter().chain(args))
            .unwrap_or_else(|e| panic!("{e}"));
        match cli.command {
            Some(Command::Tail(t)) => t.input.replay_window(now),
            _ => panic!("not tail"),
        }
    }

    #[test]
    fn subdomains_endpoints_and_sizes_are_checked() {
        assert_eq!(parse_subdomain("Acme-2").as_deref(), Ok("acme-2"));
        for bad in [
            "evil.example/#",
            "",
            "-a",
            "a b",
            "acme.zendesk.com",
            "https://x/",
        ] {
            assert!(parse_subdomain(bad).is_err(), "{bad}");
        }
        let hint = parse_subdomain("https://acme.zendesk.com/agent").unwrap_err();
        assert!(hint.contains("write acme"), "{hint}");
        for quiet in [
            "https://sqs.eu-west-1.amazonaws.com",
            "http://127.0.0.1:4566",
            "http://localhost:5000/",
            "http://[::1]:9324",
        ] {
            assert_eq!(endpoint_warning(quiet), None, "{quiet}");
        }
        for loud in [
            "http://10.0.0.5:4566",
            "http://sqs.example.com",
            "http://127.0.0.1.evil.com/",
        ] {
            assert!(endpoint_warning(loud).is_some(), "{loud}");
        }
        assert_eq!(parse_max_events("500_000"), Ok(500_000));
        assert!(parse_max_events("0").is_err());
        let big = parse_max_events("18446744073709551615").unwrap_err();
        assert!(big.contains("from 1 to 10000000"), "{big}");
    }

    #[test]
    fn the_replay_window_ends_now_unless_told() {
        let t = |s: &str| s.parse::<jiff::Timestamp>().ok();
        assert_eq!(window(&[]), None);
        assert_eq!(
            window(&["--replay-since", "2h"]),
            Some((
                t("2026-11-28T10:00:00Z").unwrap(),
                t("2026-11-28T12:00:00Z").unwrap()
            ))
        );
        assert_eq!(
            window(&["--replay-from", "2026-11-28T09:00:00+01:00"]),
            Some((
                t("2026-11-28T08:00:00Z").unwrap(),
                t("2026-11-28T12:00:00Z").unwrap()
            ))
        );
        assert_eq!(
            window(&[
                "--replay-from",
                "2026-11-27T00:00:00Z",
                "--replay-to",
                "2026-11-27T06:00:00Z"
            ]),
            Some((
                t("2026-11-27T00:00:00Z").unwrap(),
                t("2026-11-27T06:00:00Z").unwrap()
            ))
        );
    }
}
