//! The service file (`procwright.toml`): parsed with its line numbers, and checked
//! whole before anything starts. Every problem names the file, the line when known,
//! the service and the field.

use crate::graph;
use procwright::{Command, Pattern, PortMode, RegexFlags, RestartPolicy, RestartSpec, Signal};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

/// A problem with the service file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub service: Option<String>,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ":")?;
        if let Some(s) = &self.service {
            write!(f, " service {s:?}")?;
        }
        if let Some(field) = &self.field {
            write!(f, " field {field:?}")?;
        }
        if self.service.is_some() || self.field.is_some() {
            write!(f, ":")?;
        }
        write!(f, " {}", self.message)
    }
}

/// When a dependency counts as satisfied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// Its process was started.
    Started,
    /// Its `ready` condition was met.
    Ready,
    /// It exited 0 (a one-shot step).
    Completed,
}

/// When a service counts as ready.
#[derive(Debug, Clone)]
pub enum Ready {
    /// As soon as it started.
    Started,
    /// A line of output matches.
    Log(Pattern),
    /// The port answers (`http`) or accepts (`tcp`).
    Port {
        port: u16,
        path: Option<String>,
        mode: PortMode,
    },
    /// It exited with this code: a one-shot step such as migrations.
    Exit(i32),
}

/// One checked service.
#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    pub command: Command,
    pub cwd: Option<PathBuf>,
    pub env: Vec<(String, String)>,
    pub ready: Ready,
    pub ready_timeout: Option<Duration>,
    pub depends_on: Vec<(String, Condition)>,
    pub restart: Option<RestartPolicy>,
    pub stop_signal: Signal,
    pub stop_timeout: Duration,
}

/// The checked file: services in a start order that respects every dependency.
#[derive(Debug, Clone)]
pub struct Config {
    pub services: Vec<Service>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    services: Spanned<BTreeMap<Spanned<String>, Spanned<RawService>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    command: Spanned<RawCommand>,
    cwd: Option<String>,
    env: Option<BTreeMap<String, String>>,
    ready: Option<Spanned<RawReady>>,
    depends_on: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    restart: Option<Spanned<RawRestart>>,
    stop_signal: Option<Spanned<String>>,
    stop_timeout: Option<Spanned<Time>>,
}

#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "a command: a string run by the shell, or an array of strings"
)]
enum RawCommand {
    Shell(String),
    Argv(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReady {
    log: Option<String>,
    regex: Option<String>,
    port: Option<i64>,
    path: Option<String>,
    mode: Option<String>,
    exit: Option<i64>,
    timeout: Option<Time>,
}

#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "a restart policy name, or a table with policy, max_restarts, backoff and reset_after"
)]
enum RawRestart {
    Policy(String),
    Table(RawRestartTable),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRestartTable {
    policy: Option<String>,
    max_restarts: Option<i64>,
    backoff: Option<RawBackoff>,
    reset_after: Option<Time>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBackoff {
    initial: Option<Time>,
    max: Option<Time>,
    factor: Option<f64>,
}

/// A time: a number of seconds, or a string with units (`"500ms"`, `"2m"`).
#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "a time: a number of seconds, or a string such as \"500ms\" or \"10s\""
)]
enum Time {
    Seconds(f64),
    Text(String),
}

impl Time {
    fn duration(&self, what: &str) -> Result<Duration, String> {
        match self {
            Time::Seconds(s) => {
                procwright::duration::from_secs_f64(what, *s).map_err(|e| e.message)
            }
            Time::Text(t) => humantime::parse_duration(t).map_err(|e| {
                format!("{what} {t:?} is not a time (\"500ms\", \"10s\", or seconds): {e}")
            }),
        }
    }
}

/// The default time a service gets between its stop signal and SIGKILL.
pub const DEFAULT_STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// Reads and checks a service file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: path.to_owned(),
        line: None,
        service: None,
        field: None,
        message: format!("cannot read it: {e}"),
    })?;
    parse(path, &text)
}

/// Checks the text of a service file.
pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let err = |span: Option<std::ops::Range<usize>>,
               service: Option<&str>,
               field: Option<&str>,
               message: String| ConfigError {
        file: path.to_owned(),
        line: span.map(|s| line_of(s.start)),
        service: service.map(str::to_owned),
        field: field.map(str::to_owned),
        message,
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let message = e.message().to_owned();
        // The service is the table the error sits in; the field, the one toml names.
        let service = e.span().and_then(|sp| service_at(text, sp.start));
        let field = message
            .split('`')
            .nth(1)
            .filter(|_| message.starts_with("unknown field"))
            .map(str::to_owned)
            .or_else(|| e.span().and_then(|sp| key_at(text, sp.start)));
        err(e.span(), service.as_deref(), field.as_deref(), message)
    })?;
    let mut services = Vec::new();
    let services_span = raw.services.span();
    for (name, raw) in raw.services.into_inner() {
        let (name_span, name) = (name.span(), name.into_inner());
        let raw = raw.into_inner();
        let at = |span: std::ops::Range<usize>, field: &str, message: String| {
            err(Some(span), Some(&name), Some(field), message)
        };
        if name.trim().is_empty() {
            return Err(err(
                Some(name_span),
                None,
                None,
                "a service name is empty".into(),
            ));
        }
        let command = match raw.command.get_ref() {
            RawCommand::Shell(s) if s.trim().is_empty() => {
                return Err(at(
                    raw.command.span(),
                    "command",
                    "the command is empty".into(),
                ))
            }
            RawCommand::Argv(v) if v.is_empty() || v[0].is_empty() => {
                return Err(at(
                    raw.command.span(),
                    "command",
                    "the command is empty".into(),
                ))
            }
            RawCommand::Shell(s) => Command::Shell(s.clone()),
            RawCommand::Argv(v) => Command::Argv(v.clone()),
        };
        command
            .validate()
            .map_err(|e| at(raw.command.span(), "command", e.message))?;
        let (ready, ready_timeout) = match &raw.ready {
            None => (Ready::Started, None),
            Some(r) => {
                let span = r.span();
                let r = r.get_ref();
                let kinds = [
                    r.log.is_some(),
                    r.regex.is_some(),
                    r.port.is_some(),
                    r.exit.is_some(),
                ]
                .iter()
                .filter(|k| **k)
                .count();
                if kinds != 1 {
                    return Err(at(
                        span,
                        "ready",
                        "give exactly one of log, regex, port and exit".into(),
                    ));
                }
                let timeout = r
                    .timeout
                    .as_ref()
                    .map(|t| t.duration("ready timeout"))
                    .transpose()
                    .map_err(|m| at(span.clone(), "ready.timeout", m))?;
                if (r.path.is_some() || r.mode.is_some()) && r.port.is_none() {
                    return Err(at(span, "ready", "path and mode go with port".into()));
                }
                let ready = if let Some(s) = &r.log {
                    Ready::Log(
                        Pattern::substring(s)
                            .map_err(|e| at(span.clone(), "ready.log", e.message))?,
                    )
                } else if let Some(s) = &r.regex {
                    Ready::Log(
                        Pattern::regex(s, RegexFlags::default())
                            .map_err(|e| at(span.clone(), "ready.regex", e.message))?,
                    )
                } else if let Some(p) = r.port {
                    Ready::Port {
                        port: procwright::input::port(p)
                            .map_err(|e| at(span.clone(), "ready.port", e.message))?,
                        path: r.path.clone(),
                        mode: match &r.mode {
                            Some(m) => m.parse().map_err(|e: procwright::Error| {
                                at(span.clone(), "ready.mode", e.message)
                            })?,
                            None => PortMode::Http,
                        },
                    }
                } else {
                    let code = r.exit.unwrap_or(0);
                    Ready::Exit(i32::try_from(code).map_err(|_| {
                        at(
                            span.clone(),
                            "ready.exit",
                            format!("exit code {code} is out of range"),
                        )
                    })?)
                };
                (ready, timeout)
            }
        };
        let mut depends_on = Vec::new();
        for (dep, cond) in raw.depends_on.unwrap_or_default() {
            let condition = match cond.get_ref().as_str() {
                "started" => Condition::Started,
                "ready" => Condition::Ready,
                "completed" => Condition::Completed,
                other => {
                    return Err(at(
                        cond.span(),
                        "depends_on",
                        format!("{other:?} must be \"started\", \"ready\" or \"completed\""),
                    ))
                }
            };
            depends_on.push((dep.into_inner(), condition));
        }
        let restart = match &raw.restart {
            None => None,
            Some(r) => {
                let span = r.span();
                let spec = match r.get_ref() {
                    RawRestart::Policy(p) => RestartSpec {
                        policy: Some(p.clone()),
                        ..Default::default()
                    },
                    RawRestart::Table(t) => {
                        let time = |t: &Option<Time>, what: &str| {
                            t.as_ref()
                                .map(|t| t.duration(what))
                                .transpose()
                                .map_err(|m| at(span.clone(), "restart", m))
                        };
                        let b = t.backoff.as_ref();
                        RestartSpec {
                            policy: t.policy.clone(),
                            max_restarts: t.max_restarts,
                            initial: time(
                                &b.and_then(|b| b.initial.as_ref().map(copy_time)),
                                "backoff initial",
                            )?,
                            max: time(
                                &b.and_then(|b| b.max.as_ref().map(copy_time)),
                                "backoff max",
                            )?,
                            factor: b.and_then(|b| b.factor),
                            reset_after: time(
                                &t.reset_after.as_ref().map(copy_time),
                                "reset_after",
                            )?,
                        }
                    }
                };
                Some(
                    spec.into_policy()
                        .map_err(|e| at(span, "restart", e.message))?,
                )
            }
        };
        let stop_signal = match &raw.stop_signal {
            None => Signal::TERM,
            Some(s) => {
                Signal::parse(s.get_ref()).map_err(|e| at(s.span(), "stop_signal", e.message))?
            }
        };
        let stop_timeout = match &raw.stop_timeout {
            None => DEFAULT_STOP_TIMEOUT,
            Some(t) => t
                .get_ref()
                .duration("stop_timeout")
                .map_err(|m| at(t.span(), "stop_timeout", m))?,
        };
        services.push((
            name_span,
            Service {
                name,
                command,
                cwd: raw.cwd.map(PathBuf::from),
                env: raw.env.unwrap_or_default().into_iter().collect(),
                ready,
                ready_timeout,
                depends_on,
                restart,
                stop_signal,
                stop_timeout,
            },
        ));
    }
    if services.is_empty() {
        return Err(err(
            Some(services_span),
            None,
            Some("services"),
            "no services".into(),
        ));
    }
    let names: Vec<&str> = services.iter().map(|(_, s)| s.name.as_str()).collect();
    for (span, s) in &services {
        for (dep, _) in &s.depends_on {
            if !names.contains(&dep.as_str()) {
                return Err(err(
                    Some(span.clone()),
                    Some(&s.name),
                    Some("depends_on"),
                    format!("unknown service {dep:?}"),
                ));
            }
            if dep == &s.name {
                return Err(err(
                    Some(span.clone()),
                    Some(&s.name),
                    Some("depends_on"),
                    format!("a service cannot depend on itself: {dep} -> {dep}"),
                ));
            }
        }
    }
    let edges: Vec<(String, Vec<String>)> = services
        .iter()
        .map(|(_, s)| {
            (
                s.name.clone(),
                s.depends_on.iter().map(|(d, _)| d.clone()).collect(),
            )
        })
        .collect();
    let order = graph::order(&edges).map_err(|cycle| {
        let first = &cycle[0];
        let span = services
            .iter()
            .find(|(_, s)| &s.name == first)
            .map(|(sp, _)| sp.clone());
        err(
            span,
            Some(first),
            Some("depends_on"),
            format!("dependency cycle: {}", cycle.join(" -> ")),
        )
    })?;
    let mut by_name: BTreeMap<String, Service> = services
        .into_iter()
        .map(|(_, s)| (s.name.clone(), s))
        .collect();
    Ok(Config {
        services: order
            .into_iter()
            .filter_map(|n| by_name.remove(&n))
            .collect(),
    })
}

/// The key of the `key = value` line that holds byte `offset` of the file.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let start = text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line = text[start..].lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    (!key.is_empty() && !key.starts_with('[')).then(|| key.to_owned())
}

/// The service whose `[services.NAME]` table holds byte `offset` of the file.
fn service_at(text: &str, offset: usize) -> Option<String> {
    text[..offset.min(text.len())].lines().rev().find_map(|l| {
        let l = l.trim();
        let inner = l.strip_prefix('[')?.strip_suffix(']')?.trim();
        let name = inner.strip_prefix("services.")?;
        Some(name.split('.').next()?.trim_matches('"').to_owned())
    })
}

fn copy_time(t: &Time) -> Time {
    match t {
        Time::Seconds(s) => Time::Seconds(*s),
        Time::Text(s) => Time::Text(s.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<Config, ConfigError> {
        parse(Path::new("procwright.toml"), text)
    }

    #[test]
    fn a_full_file_parses_in_dependency_order() {
        let c = check(
            r#"
[services.web]
command = "python3 -m http.server 8000"
ready = { port = 8000, path = "/", timeout = "20s" }
depends_on = { db = "ready", migrate = "completed" }
restart = { policy = "on-failure", max_restarts = 3, backoff = { initial = 0.2, factor = 2 } }
stop_signal = "SIGINT"
stop_timeout = 5

[services.db]
command = ["sh", "-c", "echo ready; sleep 300"]
env = { PGDATA = "/tmp/pg" }
ready = { log = "ready" }

[services.migrate]
command = "true"
ready = { exit = 0 }
depends_on = { db = "ready" }
"#,
        )
        .unwrap();
        let names: Vec<&str> = c.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["db", "migrate", "web"]);
        let web = &c.services[2];
        assert!(matches!(web.ready, Ready::Port { port: 8000, .. }));
        assert_eq!(web.ready_timeout, Some(Duration::from_secs(20)));
        assert_eq!(web.stop_signal, Signal::INT);
        assert_eq!(web.stop_timeout, Duration::from_secs(5));
        assert_eq!(web.restart.unwrap().max_restarts, Some(3));
        assert!(matches!(c.services[1].ready, Ready::Exit(0)));
    }

    #[test]
    fn each_problem_names_file_line_service_and_field() {
        let cases: &[(&str, &str)] = &[
            ("[services.a]\ncommand = \"x\"\nbogus = 1\n", "procwright.toml:3: service \"a\" field \"bogus\": unknown field"),
            ("[services.a]\ncommand = 5\n", "procwright.toml:2:"),
            ("[services.a]\ncommand = \"  \"\n", "service \"a\" field \"command\": the command is empty"),
            ("[services.a]\ncommand = []\n", "the command is empty"),
            ("[services.a]\ncommand = \"x\"\ndepends_on = { b = \"ready\" }\n", "field \"depends_on\": unknown service \"b\""),
            ("[services.a]\ncommand = \"x\"\ndepends_on = { a = \"ready\" }\n", "a -> a"),
            ("[services.a]\ncommand = \"x\"\ndepends_on = { b = \"sometime\" }\n[services.b]\ncommand = \"y\"\n", "procwright.toml:3: service \"a\" field \"depends_on\""),
            ("[services.a]\ncommand = \"x\"\nready = { log = \"x\", port = 80 }\n", "exactly one"),
            ("[services.a]\ncommand = \"x\"\nready = { port = 70000 }\n", "field \"ready.port\""),
            ("[services.a]\ncommand = \"x\"\nready = { regex = \"(\" }\n", "field \"ready.regex\""),
            ("[services.a]\ncommand = \"x\"\nrestart = \"sometimes\"\n", "field \"restart\""),
            ("[services.a]\ncommand = \"x\"\nstop_signal = \"SIGNOPE\"\n", "field \"stop_signal\""),
            ("[services.a]\ncommand = \"x\"\nstop_timeout = \"soon\"\n", "field \"stop_timeout\""),
            ("[services]\n", "no services"),
            ("", "missing field"),
        ];
        for (text, want) in cases {
            let e = check(text).unwrap_err().to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn a_cycle_is_named() {
        let e = check(
            "[services.a]\ncommand = \"x\"\ndepends_on = { b = \"ready\" }\n\
             [services.b]\ncommand = \"x\"\ndepends_on = { c = \"started\" }\n\
             [services.c]\ncommand = \"x\"\ndepends_on = { a = \"ready\" }\n",
        )
        .unwrap_err();
        assert!(e.message.contains("a -> b -> c -> a"), "{e}");
        assert_eq!(e.field.as_deref(), Some("depends_on"));
        assert_eq!(e.line, Some(1));
    }
}
