//! The config file (`~/.config/zdwatch/config.toml`, the platform's config directory): defaults
//! under the environment and the flags. Precedence: command line > environment (`ZDWATCH_*`,
//! `AWS_*`) > file > built-in defaults. Mistakes are reported with the file, the line and the
//! valid choices, before anything runs.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use clap::ArgMatches;
use clap::parser::ValueSource;
use serde::Deserialize;
use toml::Spanned;

use crate::app::keymap::{Action, Keymap};
use crate::cli::{Cli, Command, InputArgs};
use crate::palette::Palette;
use zdwatch_core::filter::Filter;

/// The commented default configuration (`zdwatch config --print-default`).
pub const DEFAULT: &str = include_str!("../assets/config.toml");

/// What the file says, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct File {
    #[serde(default)]
    queues: Vec<String>,
    #[serde(default)]
    buses: Vec<String>,
    profile: Option<String>,
    region: Option<String>,
    endpoint_url: Option<String>,
    zendesk_subdomain: Option<Spanned<String>>,
    delivery: Option<DeliveryChoice>,
    mask: Option<bool>,
    utc: Option<bool>,
    max_events: Option<Spanned<usize>>,
    retention: Option<Spanned<String>>,
    log_level: Option<Spanned<String>>,
    #[serde(default)]
    filters: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    theme: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    keys: BTreeMap<Spanned<String>, Spanned<KeySpec>>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum DeliveryChoice {
    Consume,
    Peek,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum KeySpec {
    One(String),
    Several(Vec<String>),
}

/// The file's settings, checked.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Where it was read from (`None`: no file).
    pub path: Option<PathBuf>,
    queues: Vec<String>,
    buses: Vec<String>,
    profile: Option<String>,
    region: Option<String>,
    endpoint_url: Option<String>,
    zendesk_subdomain: Option<String>,
    peek: Option<bool>,
    mask: Option<bool>,
    utc: Option<bool>,
    max_events: Option<usize>,
    retention: Option<jiff::SignedDuration>,
    log_level: Option<String>,
    /// Named filters, in the file's order of names.
    pub filters: Vec<(String, String)>,
    pub palette: Palette,
    pub keymap: Keymap,
}

/// A mistake in the file: where, and what would be right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    /// 1-based; 0 when the file could not be read at all.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Both may quote the file's own text, control characters included.
        let path = zdwatch_core::sanitize::sanitize(&self.path.display().to_string()).into_owned();
        let message = zdwatch_core::sanitize::sanitize(&self.message);
        if self.line == 0 {
            write!(f, "{path}: {message}")
        } else {
            write!(f, "{path}, line {}: {message}", self.line)
        }
    }
}

impl std::error::Error for ConfigError {}

/// `<config dir>/zdwatch/config.toml` (`~/.config/zdwatch/config.toml` on Linux).
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "zdwatch").map(|d| d.config_dir().join("config.toml"))
}

/// The file named by `--config` / `ZDWATCH_CONFIG` (which must exist), or the default one
/// (which may not).
pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
    let (path, must_exist) = match explicit {
        Some(p) => (p.to_path_buf(), true),
        None => match default_path() {
            Some(p) => (p, false),
            None => return Ok(Config::default()),
        },
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text, &path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => Ok(Config::default()),
        Err(e) => Err(ConfigError {
            path,
            line: 0,
            message: format!("cannot read it: {e}"),
        }),
    }
}

const LOG_LEVELS: &[&str] = &["error", "warn", "info", "debug", "trace"];

/// Reads and checks a config file's text.
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let error = |span: Option<std::ops::Range<usize>>, message: String| ConfigError {
        path: path.to_path_buf(),
        line: span.map_or(1, |s| line_of(text, s.start)),
        message,
    };
    let file: File = toml::from_str(text).map_err(|e| error(e.span(), e.message().to_string()))?;
    if let Some(level) = &file.log_level {
        if !LOG_LEVELS.contains(&level.get_ref().as_str()) {
            return Err(error(
                Some(level.span()),
                format!(
                    "log-level '{}' is not one of {}",
                    level.get_ref(),
                    LOG_LEVELS.join(", ")
                ),
            ));
        }
    }
    if let Some(n) = &file.max_events {
        crate::cli::check_max_events(*n.get_ref())
            .map_err(|m| error(Some(n.span()), format!("max-events: {m}")))?;
    }
    let retention = match &file.retention {
        Some(text) => Some(
            zdwatch_core::filter::parse_duration(text.get_ref())
                .map_err(|m| error(Some(text.span()), format!("retention: {m} (e.g. \"30d\")")))?,
        ),
        None => None,
    };
    let zendesk_subdomain = match &file.zendesk_subdomain {
        Some(sub) => Some(
            crate::cli::parse_subdomain(sub.get_ref())
                .map_err(|m| error(Some(sub.span()), format!("zendesk-subdomain: {m}")))?,
        ),
        None => None,
    };
    let mut filters = Vec::new();
    for (name, text) in &file.filters {
        if let Err(e) = Filter::parse(text.get_ref()) {
            return Err(error(
                Some(text.span()),
                format!(
                    "filter '{name}': {} (in '{}')",
                    e.message,
                    zdwatch_core::sanitize::fit_columns(text.get_ref(), 80)
                ),
            ));
        }
        filters.push((name.clone(), text.get_ref().clone()));
    }
    let mut palette = Palette::default();
    for (part, color) in &file.theme {
        let parsed = ratatui::style::Color::from_str(color.get_ref()).map_err(|_| {
            error(
                Some(color.span()),
                format!(
                    "'{}' is not a colour: use a name (red, light-blue, dark-gray, …), #rrggbb or 0-255",
                    color.get_ref()
                ),
            )
        })?;
        if !palette.set(part.get_ref(), parsed) {
            let parts: Vec<&str> = Palette::PARTS.iter().map(|(n, _)| *n).collect();
            return Err(error(
                Some(part.span()),
                format!(
                    "unknown theme part '{}', expected one of {}",
                    part.get_ref(),
                    parts.join(", ")
                ),
            ));
        }
    }
    let mut overrides = Vec::new();
    for (name, keys) in &file.keys {
        let Some(action) = Action::named(name.get_ref()) else {
            let names: Vec<&str> = Action::NAMED.iter().map(|(n, _)| *n).collect();
            return Err(error(
                Some(name.span()),
                format!(
                    "unknown action '{}', expected one of {}",
                    name.get_ref(),
                    names.join(", ")
                ),
            ));
        };
        let texts = match keys.get_ref() {
            KeySpec::One(k) => vec![k.clone()],
            KeySpec::Several(ks) => ks.clone(),
        };
        if texts.is_empty() {
            return Err(error(
                Some(keys.span()),
                format!("keys.{}: no key given", name.get_ref()),
            ));
        }
        overrides.push((action, texts, keys.span()));
    }
    // Checked one at a time first, so that a mistake points at its own line.
    for (action, texts, span) in &overrides {
        Keymap::with(&[(*action, texts.clone())]).map_err(|m| error(Some(span.clone()), m))?;
    }
    let all: Vec<(Action, Vec<String>)> =
        overrides.iter().map(|(a, t, _)| (*a, t.clone())).collect();
    let keymap = Keymap::with(&all).map_err(|m| {
        error(
            overrides.first().map(|(_, _, s)| s.clone()),
            format!("[keys]: {m}"),
        )
    })?;
    Ok(Config {
        path: Some(path.to_path_buf()),
        queues: file.queues,
        buses: file.buses,
        profile: file.profile,
        region: file.region,
        endpoint_url: file.endpoint_url,
        zendesk_subdomain,
        peek: file.delivery.map(|d| d == DeliveryChoice::Peek),
        mask: file.mask,
        utc: file.utc,
        max_events: file.max_events.map(Spanned::into_inner),
        retention,
        log_level: file.log_level.map(Spanned::into_inner),
        filters,
        palette,
        keymap,
    })
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(1, |before| before.matches('\n').count() + 1)
}

/// Whether the user set this flag, on the command line or through its environment variable.
fn given(matches: &ArgMatches, id: &str) -> bool {
    // An id this (sub)command does not have was not given.
    matches.try_get_raw(id).is_ok()
        && matches!(
            matches.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        )
}

/// The file's value, when it has one, for a flag the user did not set.
fn fill<T>(matches: &ArgMatches, id: &str, flag: &mut T, file: Option<T>) {
    if let (false, Some(value)) = (given(matches, id), file) {
        *flag = value;
    }
}

impl Config {
    /// Fills in what neither the command line nor the environment set.
    pub fn apply(&self, cli: &mut Cli, matches: &ArgMatches) {
        fill(
            matches,
            "log_level",
            &mut cli.log_level,
            self.log_level.clone(),
        );
        fill(
            matches,
            "profile",
            &mut cli.aws.profile,
            self.profile.clone().map(Some),
        );
        // aws-config reads AWS_REGION itself; the file only applies when that is not set either.
        let env_region = ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .iter()
            .any(|v| std::env::var_os(v).is_some());
        if !env_region {
            fill(
                matches,
                "region",
                &mut cli.aws.region,
                self.region.clone().map(Some),
            );
        }
        let endpoint = self.endpoint_url.clone().map(Some);
        fill(matches, "endpoint_url", &mut cli.aws.endpoint_url, endpoint);
        let sub = matches.subcommand().map(|(_, m)| m).unwrap_or(matches);
        match &mut cli.command {
            None => {
                let args = &mut cli.monitor;
                self.apply_input(&mut args.input, sub);
                let subdomain = self.zendesk_subdomain.clone().map(Some);
                fill(
                    sub,
                    "zendesk_subdomain",
                    &mut args.zendesk_subdomain,
                    subdomain,
                );
                fill(sub, "mask", &mut args.mask, self.mask);
                fill(sub, "utc", &mut args.utc, self.utc);
                fill(sub, "max_events", &mut args.max_events, self.max_events);
                let retention = self.retention.map(Some);
                fill(sub, "retention", &mut args.journal.retention, retention);
            }
            Some(Command::Tail(args)) => {
                self.apply_input(&mut args.input, sub);
                let retention = self.retention.map(Some);
                fill(sub, "retention", &mut args.journal.retention, retention);
                fill(sub, "mask", &mut args.mask, self.mask);
            }
            Some(Command::Report(args)) => self.apply_input(&mut args.input, sub),
            Some(Command::Export(args)) => fill(sub, "mask", &mut args.mask, self.mask),
            Some(Command::TestPattern(args)) => fill(sub, "mask", &mut args.mask, self.mask),
            _ => {}
        }
    }

    fn apply_input(&self, input: &mut InputArgs, matches: &ArgMatches) {
        let named = !input.queue.is_empty()
            || !input.bus.is_empty()
            || !input.file.is_empty()
            || input.demo;
        if !named {
            input.queue = self.queues.clone();
            input.bus = self.buses.clone();
        }
        if !given(matches, "consume") {
            fill(matches, "peek", &mut input.peek, self.peek);
        }
    }

    /// `@name` → the saved filter of that name; any other text as it is.
    pub fn expand_filter(&self, text: &str) -> Result<String, String> {
        let Some(name) = text.trim().strip_prefix('@') else {
            return Ok(text.to_string());
        };
        self.filters
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, f)| f.clone())
            .ok_or_else(|| {
                let names: Vec<&str> = self.filters.iter().map(|(n, _)| n.as_str()).collect();
                if names.is_empty() {
                    format!("no saved filter '{name}': the config file has no [filters]")
                } else {
                    format!("no saved filter '{name}'; saved: {}", names.join(", "))
                }
            })
    }

    /// What `zdwatch config` says about a good file.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if !self.queues.is_empty() || !self.buses.is_empty() {
            parts.push(format!(
                "{} default source(s)",
                self.queues.len() + self.buses.len()
            ));
        }
        parts.push(format!("{} saved filter(s)", self.filters.len()));
        if self.palette != Palette::default() {
            parts.push("theme colours".into());
        }
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<Config, ConfigError> {
        parse(text, Path::new("config.toml"))
    }

    #[test]
    fn the_printed_default_is_valid_with_every_line_uncommented() {
        assert!(check(DEFAULT).is_ok(), "as printed");
        let uncommented: String = DEFAULT
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(setting) if setting.contains(" = ") => {
                    setting.split("  #").next().unwrap_or(setting)
                }
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let config = check(&uncommented).unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
        assert_eq!(config.queues, ["zendesk-debug"]);
        assert_eq!(config.peek, Some(false));
        assert_eq!(config.filters.len(), 2);
        assert_eq!(config.max_events, Some(500_000));
    }

    #[test]
    fn the_readme_lists_every_action_name() {
        let readme = include_str!("../README.md");
        let list = readme
            .split("actions: ")
            .nth(1)
            .and_then(|rest| rest.split(".\n").next())
            .unwrap_or_default();
        let listed: Vec<&str> = list
            .split(", ")
            .map(|n| n.trim().trim_matches('`'))
            .collect();
        let names: Vec<&str> = Action::NAMED.iter().map(|(n, _)| *n).collect();
        assert_eq!(listed, names, "README.md, Configuration");
    }

    #[test]
    fn mistakes_are_reported_with_their_line_and_the_valid_choices() {
        let cases: &[(&str, usize, &[&str])] = &[
            (
                "region = \"eu-west-1\"\nqueue = \"x\"\n",
                2,
                &["unknown field `queue`", "`queues`"],
            ),
            (
                "max-events = \"many\"\n",
                1,
                &["invalid type: string \"many\""],
            ),
            ("delivery = \"pek\"\n", 1, &["pek", "`consume`", "`peek`"]),
            (
                "log-level = \"loud\"\n",
                1,
                &["loud", "error, warn, info, debug, trace"],
            ),
            (
                "[filters]\nok = \"tag:a\"\nbad = \"stat:open\"\n",
                3,
                &["filter 'bad'", "stat"],
            ),
            (
                "[theme]\n\nok = \"greenish\"\n",
                3,
                &["'greenish' is not a colour", "#rrggbb"],
            ),
            (
                "[theme]\nbackground = \"red\"\n",
                2,
                &["unknown theme part 'background'", "header, selected"],
            ),
            (
                "[keys]\ndashbord = \"D\"\n",
                2,
                &["unknown action 'dashbord'", "dashboard"],
            ),
            (
                "[keys]\ndashboard = \"Ctrl-\"\n",
                2,
                &["'Ctrl-' is not a key"],
            ),
            (
                "[keys]\ndashboard = \"j\"\n",
                2,
                &["key j would do two things on the Stream screen", "down"],
            ),
            ("[keys]\nhelp = []\n", 2, &["no key given"]),
            ("queues = [\"a\"\n", 1, &["unclosed array"]),
        ];
        for (text, line, needles) in cases {
            let e = check(text)
                .err()
                .unwrap_or_else(|| panic!("accepted: {text}"));
            assert_eq!(e.line, *line, "{text}: {e}");
            for n in *needles {
                assert!(e.message.contains(n), "{text}: '{}' lacks '{n}'", e.message);
            }
            assert!(e.to_string().starts_with("config.toml, line "), "{e}");
        }
        let e = check("[theme]\nok = \"\\u001b[31mred\"\n")
            .err()
            .unwrap_or_else(|| panic!("an escape sequence is no colour"));
        assert!(!e.to_string().contains('\u{1b}'), "escaped: {e}");
    }

    #[test]
    fn keys_theme_and_saved_filters_take_effect() {
        let config = check(
            "[keys]\ndashboard = [\"D\", \"F2\"]\nquit = \"x\"\n[theme]\nok = \"#00ff00\"\nselected = \"blue\"\n\
             [filters]\nreopened = \"status:solved->open\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        use crate::app::keymap::Screen;
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let press = |c| KeyEvent::new(c, KeyModifiers::NONE);
        let map = &config.keymap;
        assert_eq!(
            map.action_for(Screen::Stream, &press(KeyCode::Char('D'))),
            Some(Action::ToggleDashboard)
        );
        assert_eq!(
            map.action_for(Screen::Dashboard, &press(KeyCode::F(2))),
            Some(Action::ToggleDashboard)
        );
        assert_eq!(map.action_for(Screen::Stream, &press(KeyCode::Tab)), None);
        assert_eq!(
            map.action_for(Screen::Stream, &press(KeyCode::Char('x'))),
            Some(Action::Quit)
        );
        assert_eq!(
            map.action_for(Screen::Stream, &press(KeyCode::Char('q'))),
            None
        );
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(
            map.action_for(Screen::Stream, &ctrl_c),
            Some(Action::Quit),
            "Ctrl-c always quits"
        );
        assert!(
            map.help_for(Screen::Stream)
                .any(|b| b.label == "D/F2" && b.action == Action::ToggleDashboard),
            "help shows the keys in effect"
        );
        assert_eq!(
            config.palette.ok.fg,
            Some(ratatui::style::Color::Rgb(0, 255, 0))
        );
        assert_eq!(
            config.palette.selected.bg,
            Some(ratatui::style::Color::Blue)
        );
        assert_eq!(
            config.expand_filter("@reopened").as_deref(),
            Ok("status:solved->open")
        );
        assert_eq!(config.expand_filter("tag:vip").as_deref(), Ok("tag:vip"));
        let missing = config.expand_filter("@nope").err().unwrap_or_default();
        assert!(missing.contains("saved: reopened"), "{missing}");
    }
}
