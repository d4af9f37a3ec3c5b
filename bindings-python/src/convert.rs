//! Python values to core values: seconds, paths, env maps, commands, signals, ports.
//! Wrong types are `InvalidArgumentTypeError` (an `InvalidArgumentError` and a
//! `TypeError`); wrong values are the core's own errors, with the core's words.
//!
//! Each parameter type is a `FromPyObject` newtype, so that a method's Rust signature
//! says what it takes, and pyo3 writes the `__text_signature__` the stub is checked
//! against. A marker type gives the newtype the parameter's name for its messages.

use crate::error::{wrong_type, wrong_type_coded, IntoPyResult};
use procwright::{Command, EnvChanges, Ownership, Signal};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyList, PyMapping, PyRange, PyString, PyTuple};
use std::path::PathBuf;
use std::time::Duration;

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_owned())
}

/// `None` stays `None`; a Python `None` is `None` too.
fn present<'a, 'py>(obj: Option<&'a Bound<'py, PyAny>>) -> Option<&'a Bound<'py, PyAny>> {
    obj.filter(|o| !o.is_none())
}

/// A number of seconds (int or float, not bool) as a duration.
fn seconds(what: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Duration>> {
    let Some(obj) = present(obj) else {
        return Ok(None);
    };
    let secs = number(what, obj)?;
    procwright::duration::from_secs_f64(what, secs)
        .py()
        .map(Some)
}

fn number(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<f64> {
    if obj.is_instance_of::<PyBool>()
        || !(obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyFloat>())
    {
        return Err(wrong_type(format!(
            "{what} must be a number of seconds, got {}",
            type_name(obj)
        )));
    }
    match obj.extract::<f64>() {
        Ok(v) => Ok(v),
        // An int too large for a float.
        Err(_) => Ok(f64::INFINITY),
    }
}

/// An int (not bool) that fits in 64 bits.
fn integer(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
        return Err(wrong_type(format!(
            "{what} must be an int, got {}",
            type_name(obj)
        )));
    }
    obj.extract::<i64>()
        .map_err(|_| crate::error::invalid(format!("{what} {} is out of range", obj)))
}

/// A `str`.
fn string(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<String> {
    match obj.cast::<PyString>() {
        Ok(s) => Ok(s.to_cow()?.into_owned()),
        Err(_) => Err(wrong_type(format!(
            "{what} must be a str, got {}",
            type_name(obj)
        ))),
    }
}

/// A `str` or `os.PathLike` that gives a `str`.
fn path(what: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<PathBuf>> {
    let Some(obj) = present(obj) else {
        return Ok(None);
    };
    let fspath = if obj.is_instance_of::<PyString>() {
        obj.clone()
    } else if obj.hasattr("__fspath__")? {
        obj.call_method0("__fspath__")?
    } else {
        return Err(wrong_type(format!(
            "{what} must be a str or os.PathLike, got {}",
            type_name(obj)
        )));
    };
    Ok(Some(PathBuf::from(string(what, &fspath)?)))
}

/// A mapping of names to `str` values, or `None` to remove a variable.
fn env(obj: Option<&Bound<'_, PyAny>>) -> PyResult<EnvChanges> {
    let mut out = EnvChanges::new();
    let Some(obj) = present(obj) else {
        return Ok(out);
    };
    let mapping = obj.cast::<PyMapping>().map_err(|_| {
        wrong_type(format!(
            "env must be a mapping of str to str or None, got {}",
            type_name(obj)
        ))
    })?;
    for item in mapping.items()?.iter() {
        let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
        let key = string("an env variable name", &k)?;
        let value = if v.is_none() {
            None
        } else {
            Some(string(&format!("env variable {key}"), &v)?)
        };
        out.insert(key, value);
    }
    Ok(out)
}

/// A shell string, or a list/tuple of `str` (or path-like) run with no shell.
fn command(obj: &Bound<'_, PyAny>) -> PyResult<Command> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Command::Shell(s.to_cow()?.into_owned()));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut argv = Vec::new();
        for item in obj.try_iter()? {
            let item = item?;
            // A malformed command is INVALID_COMMAND whatever is wrong with it.
            let bad = || {
                wrong_type_coded(
                    procwright::ErrorCode::InvalidCommand,
                    format!(
                        "each argv item must be a str or os.PathLike, got {}",
                        type_name(&item)
                    ),
                )
            };
            match path("each argv item", Some(&item)) {
                Ok(Some(p)) => argv.push(p.to_string_lossy().into_owned()),
                Ok(None) | Err(_) => return Err(bad()),
            }
        }
        return Ok(Command::Argv(argv));
    }
    Err(wrong_type_coded(
        procwright::ErrorCode::InvalidCommand,
        format!(
            "command must be a str (run by the shell) or a list of str (an argv), got {}",
            type_name(obj)
        ),
    ))
}

/// A signal name (`"SIGTERM"`, `"term"`), a number, or a `signal.Signals`.
fn signal(obj: &Bound<'_, PyAny>) -> PyResult<Signal> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Signal::parse(&s.to_cow()?).py();
    }
    if obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>() {
        return Signal::from_number(integer("signal", obj)?).py();
    }
    Err(wrong_type(format!(
        "signal must be a name such as \"SIGTERM\" or a number, got {}",
        type_name(obj)
    )))
}

/// `owned` of `wait_for_port`: `True`, `False`, or `None` / `"auto"` for the default.
fn ownership(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Ownership> {
    let Some(obj) = present(obj) else {
        return Ok(Ownership::Auto);
    };
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Ownership::from_flag(Some(b.is_true())));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return s.to_cow()?.parse::<Ownership>().py();
    }
    Err(wrong_type(format!(
        "owned must be True, False, None or \"auto\", got {}",
        type_name(obj)
    )))
}

/// A callable, or `None`.
fn callback(what: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Py<PyAny>>> {
    let Some(obj) = present(obj) else {
        return Ok(None);
    };
    if !obj.is_callable() {
        return Err(wrong_type(format!(
            "{what} must be callable, got {}",
            type_name(obj)
        )));
    }
    Ok(Some(obj.clone().unbind()))
}

/// A `bool`.
fn boolean(what: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
    let Some(obj) = present(obj) else {
        return Ok(false);
    };
    match obj.cast::<PyBool>() {
        Ok(b) => Ok(b.is_true()),
        Err(_) => Err(wrong_type(format!(
            "{what} must be a bool, got {}",
            type_name(obj)
        ))),
    }
}

/// Seconds since the epoch as an aware UTC `datetime`.
pub fn datetime<'py>(
    py: Python<'py>,
    t: std::time::SystemTime,
) -> PyResult<Bound<'py, pyo3::types::PyDateTime>> {
    let secs = match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    };
    let utc = pyo3::types::PyTzInfo::utc(py)?.to_owned();
    pyo3::types::PyDateTime::from_timestamp(py, secs, Some(&utc))
}

/// A parameter's name, for messages.
pub trait Name {
    /// The name as the Python signature spells it.
    const NAME: &'static str;
}

macro_rules! names {
    ($($t:ident = $s:literal),* $(,)?) => {
        $(
            #[doc = concat!("The `", $s, "` parameter.")]
            pub struct $t;
            impl Name for $t {
                const NAME: &'static str = $s;
            }
        )*
    };
}

names!(
    Timeout = "timeout",
    KillTimeout = "kill_timeout",
    Interval = "interval",
    Grace = "grace",
    Id = "id",
    ProcessId = "process_id",
    SessionId = "session_id",
    Shell = "shell",
    Mode = "mode",
    UrlPath = "path",
    Host = "host",
    Cwd = "cwd",
    LogDir = "log_dir",
    AutoCleanup = "auto_cleanup",
    OnStart = "on_start",
    OnOutput = "on_output",
    OnExit = "on_exit",
    OnError = "on_error",
    LogLimit = "log_limit",
    MaxBuffer = "max_buffer",
    SandboxName = "name",
    Tail = "tail",
    MaxBytes = "max_bytes",
    Replay = "replay",
    Follow = "follow",
);

/// Implements `FromPyObject` for a newtype through a conversion function.
macro_rules! from_py {
    ($t:ident<N>, |$obj:ident| $body:expr) => {
        impl<'a, 'py, N: Name> FromPyObject<'a, 'py> for $t<N> {
            type Error = PyErr;
            fn extract($obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
                let $obj: &Bound<'py, PyAny> = &$obj.to_owned();
                Ok($t($body?, std::marker::PhantomData))
            }
        }
    };
    ($t:ident, |$obj:ident| $body:expr) => {
        impl<'a, 'py> FromPyObject<'a, 'py> for $t {
            type Error = PyErr;
            fn extract($obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
                let $obj: &Bound<'py, PyAny> = &$obj.to_owned();
                Ok($t($body?))
            }
        }
    };
}

/// A number of seconds (int or float, not bool).
pub struct Seconds<N>(pub Duration, std::marker::PhantomData<N>);
from_py!(Seconds<N>, |obj| seconds(N::NAME, Some(obj))
    .map(|d| d.expect("not None")));

/// A `str`.
pub struct Text<N>(pub String, std::marker::PhantomData<N>);
from_py!(Text<N>, |obj| string(N::NAME, obj));

/// A `str` or `os.PathLike`.
pub struct PathArg<N>(pub PathBuf, std::marker::PhantomData<N>);
from_py!(PathArg<N>, |obj| path(N::NAME, Some(obj))
    .map(|p| p.expect("not None")));

/// A `bool` (not any truthy value).
pub struct Flag<N>(pub bool, std::marker::PhantomData<N>);
from_py!(Flag<N>, |obj| boolean(N::NAME, Some(obj)));

impl<N> Flag<N> {
    /// `True`, as a default (the signature shows `...`; the stub says `True`).
    pub const fn on() -> Self {
        Flag(true, std::marker::PhantomData)
    }
}

/// A callable.
pub struct Callback<N>(pub Py<PyAny>, std::marker::PhantomData<N>);
from_py!(Callback<N>, |obj| callback(N::NAME, Some(obj))
    .map(|c| c.expect("not None")));

/// A byte limit: an int the core judges.
pub struct ByteLimit<N>(pub usize, std::marker::PhantomData<N>);
from_py!(ByteLimit<N>, |obj| integer(N::NAME, obj)
    .and_then(|n| procwright::input::byte_limit(N::NAME, n).py()));

/// The environment changes: a mapping of names to `str` or `None`.
pub struct Env(pub EnvChanges);
from_py!(Env, |obj| env(Some(obj)));

/// A shell string or an argv.
pub struct CommandArg(pub Command);
from_py!(CommandArg, |obj| command(obj));

/// A signal name, number or `signal.Signals`.
pub struct SignalArg(pub Signal);
from_py!(SignalArg, |obj| signal(obj));

/// `owned` of `wait_for_port`.
pub struct Owned(pub Ownership);
from_py!(Owned, |obj| ownership(Some(obj)));

/// A TCP port.
pub struct Port(pub u16);
from_py!(Port, |obj| integer("port", obj)
    .and_then(|n| procwright::input::port(n).py()));

/// `mode` of `wait_for_port`.
pub struct ModeArg(pub procwright::PortMode);
from_py!(ModeArg, |obj| string(Mode::NAME, obj)
    .and_then(|m| m.parse::<procwright::PortMode>().py()));

/// Accepted HTTP statuses: an int, a `(min, max)` tuple, a `{'min', 'max'}` mapping
/// or a `range`.
pub struct Status(pub procwright::StatusRange);
from_py!(Status, |obj| status_range(obj));

/// `stdin` of `start_process`: `"pipe"` or `"ignore"`.
pub struct StdinArg(pub procwright::StdinMode);
from_py!(StdinArg, |obj| string("stdin", obj)
    .and_then(|m| m.parse::<procwright::StdinMode>().py()));

/// `pty`: `True` (80×24), or a mapping with `cols` and `rows`.
pub struct PtyArg(pub procwright::PtySize);
from_py!(PtyArg, |obj| pty(obj));

/// `resize(cols, rows)`'s arguments.
pub fn pty_size(cols: &Bound<'_, PyAny>, rows: &Bound<'_, PyAny>) -> PyResult<procwright::PtySize> {
    procwright::input::pty_size(integer("cols", cols)?, integer("rows", rows)?).py()
}

fn pty(obj: &Bound<'_, PyAny>) -> PyResult<procwright::PtySize> {
    if obj.is_instance_of::<PyBool>() {
        if obj.is_truthy()? {
            return Ok(procwright::PtySize::default());
        }
        return Err(crate::error::invalid(
            "pty=False: leave pty out for no terminal",
        ));
    }
    let Ok(mapping) = obj.cast::<PyMapping>() else {
        return Err(wrong_type(format!(
            "pty must be True or a mapping with 'cols' and 'rows', got {}",
            type_name(obj)
        )));
    };
    // An unknown key is a typo (`{'col': 120}`), not a default silently taken.
    let keys: Vec<String> = mapping
        .keys()?
        .iter()
        .map(|k| k.str().map(|s| s.to_string()))
        .collect::<PyResult<_>>()?;
    if let Some(bad) = keys.iter().find(|k| *k != "cols" && *k != "rows") {
        return Err(crate::error::invalid(format!(
            "pty takes 'cols' and 'rows', not {bad:?}"
        )));
    }
    let dim = |key: &str, default: i64| -> PyResult<i64> {
        match mapping.get_item(key) {
            Ok(v) => integer(&format!("pty {key}"), &v),
            Err(_) => Ok(default),
        }
    };
    procwright::input::pty_size(dim("cols", 80)?, dim("rows", 24)?).py()
}

/// Bytes for a process's stdin: `bytes`, `bytearray`, `memoryview`, or a `str` (UTF-8).
pub struct Data(pub Vec<u8>);
from_py!(Data, |obj| data(obj));

fn data(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    use pyo3::types::{PyByteArray, PyBytes, PyMemoryView};
    // One copy each: the write runs on the runtime, without the GIL.
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(s.to_cow()?.as_bytes().to_vec());
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(b.to_vec());
    }
    if obj.is_instance_of::<PyMemoryView>() {
        let bytes = obj.call_method0("tobytes")?;
        return Ok(bytes.cast::<PyBytes>()?.as_bytes().to_vec());
    }
    Err(wrong_type(format!(
        "data must be bytes, bytearray, memoryview or str, got {}",
        type_name(obj)
    )))
}

/// `restart` of `start_process`: a policy name, or a mapping with `policy`,
/// `max_restarts`, `backoff` (`initial`, `max` in seconds, `factor`) and `reset_after`.
pub struct RestartArg(pub procwright::RestartPolicy);
from_py!(RestartArg, |obj| restart(obj));

fn restart(obj: &Bound<'_, PyAny>) -> PyResult<procwright::RestartPolicy> {
    let mut spec = procwright::RestartSpec::default();
    if obj.is_instance_of::<PyString>() {
        spec.policy = Some(string("restart", obj)?);
        return spec.into_policy().py();
    }
    let keys = |m: &Bound<'_, PyMapping>, allowed: &[&str], what: &str| -> PyResult<()> {
        for k in m.keys()?.iter() {
            let k = string(&format!("a key of {what}"), &k)?;
            if !allowed.contains(&k.as_str()) {
                return Err(crate::error::invalid(format!(
                    "{what} takes {allowed:?}, got {k:?}"
                )));
            }
        }
        Ok(())
    };
    let Ok(m) = obj.cast::<PyMapping>() else {
        return Err(wrong_type(format!(
            "restart must be a policy name or a mapping, got {}",
            type_name(obj)
        )));
    };
    keys(
        m,
        &["policy", "max_restarts", "backoff", "reset_after"],
        "restart",
    )?;
    fn get<'py>(m: &Bound<'py, PyMapping>, k: &str) -> Option<Bound<'py, PyAny>> {
        m.get_item(k).ok().filter(|v| !v.is_none())
    }
    if let Some(p) = get(m, "policy") {
        spec.policy = Some(string("restart policy", &p)?);
    }
    if let Some(n) = get(m, "max_restarts") {
        spec.max_restarts = Some(integer("max_restarts", &n)?);
    }
    spec.reset_after = seconds("reset_after", get(m, "reset_after").as_ref())?;
    if let Some(b) = get(m, "backoff") {
        let b = b.cast::<PyMapping>().map_err(|_| {
            wrong_type(format!(
                "restart backoff must be a mapping, got {}",
                type_name(&b)
            ))
        })?;
        keys(b, &["initial", "max", "factor"], "restart backoff")?;
        spec.initial = seconds("backoff initial", get(b, "initial").as_ref())?;
        spec.max = seconds("backoff max", get(b, "max").as_ref())?;
        if let Some(f) = get(b, "factor") {
            spec.factor = Some(number("backoff factor", &f)?);
        }
    }
    spec.into_policy().py()
}

/// A log cursor (`since`): an int, 0 or more.
pub struct CursorArg(pub u64);
from_py!(CursorArg, |obj| integer("since", obj)
    .and_then(|n| procwright::input::cursor(n).py()));

/// A wait's `since`: a cursor, or `"now"` to ignore kept output.
pub struct SinceArg(pub procwright::LogSince);
from_py!(SinceArg, |obj| since(obj));

fn since(obj: &Bound<'_, PyAny>) -> PyResult<procwright::LogSince> {
    if let Ok(s) = obj.cast::<PyString>() {
        return match &*s.to_cow()? {
            "now" => Ok(procwright::LogSince::Now),
            other => Err(crate::error::invalid(format!(
                "since must be a cursor or 'now', got {other:?}"
            ))),
        };
    }
    if obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>() {
        return procwright::input::cursor(integer("since", obj)?)
            .map(procwright::LogSince::Cursor)
            .py();
    }
    Err(wrong_type(format!(
        "since must be an int cursor or 'now', got {}",
        type_name(obj)
    )))
}

/// A number of lines, 0 or more.
pub struct LineCount<N>(pub usize, std::marker::PhantomData<N>);
from_py!(LineCount<N>, |obj| integer(N::NAME, obj)
    .and_then(|n| procwright::input::line_count(N::NAME, n).py()));

/// `times` of `wait_for_log`: at least 1.
pub struct Times(pub usize);
from_py!(Times, |obj| integer("times", obj)
    .and_then(|n| procwright::input::times(n).py()));

/// `"stdout"` or `"stderr"`.
pub struct StreamArg(pub procwright::StreamKind);
from_py!(StreamArg, |obj| string("stream", obj)
    .and_then(|s| procwright::StreamKind::parse(&s).py()));

/// The selection of `get_logs`.
pub fn log_query(
    since: Option<CursorArg>,
    tail: Option<LineCount<Tail>>,
    stream: Option<StreamArg>,
    max_bytes: Option<ByteLimit<MaxBytes>>,
) -> procwright::LogQuery {
    procwright::LogQuery {
        since: since.map(|c| c.0),
        tail: tail.map(|t| t.0),
        stream: stream.map(|s| s.0),
        max_bytes: max_bytes.map(|m| m.0),
    }
}

/// Where a log stream starts and whether it follows.
pub fn stream_options(
    since: Option<CursorArg>,
    replay: Flag<Replay>,
    follow: Flag<Follow>,
    stream: Option<StreamArg>,
) -> procwright::LogStreamOptions {
    procwright::LogStreamOptions {
        since: since.map(|c| c.0),
        replay: replay.0,
        follow: follow.0,
        stream: stream.map(|s| s.0),
    }
}

/// A log pattern: a `str` substring or a compiled `re.Pattern`.
pub struct PatternArg(pub procwright::Pattern);
from_py!(PatternArg, |obj| crate::pattern::pattern(obj));

fn status_range(obj: &Bound<'_, PyAny>) -> PyResult<procwright::StatusRange> {
    use procwright::{input, StatusRange};
    let int = |o: &Bound<'_, PyAny>| integer("status", o).and_then(|n| input::status(n).py());
    if let Ok(r) = obj.cast::<PyRange>() {
        let (start, stop, step): (i64, i64, i64) = (
            r.getattr("start")?.extract()?,
            r.getattr("stop")?.extract()?,
            r.getattr("step")?.extract()?,
        );
        if step != 1 {
            return Err(crate::error::invalid("a status range must have step 1"));
        }
        let (min, max) = (input::status(start).py()?, input::status(stop - 1).py()?);
        return StatusRange::new(min, max).py();
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        if t.len() == 2 {
            return StatusRange::new(int(&t.get_item(0)?)?, int(&t.get_item(1)?)?).py();
        }
        return Err(crate::error::invalid(
            "a status tuple must be (min, max), inclusive",
        ));
    }
    if obj.cast::<PyMapping>().is_ok() {
        let keys: Vec<String> = obj
            .call_method0("keys")?
            .try_iter()?
            .map(|k| k.and_then(|k| k.str().map(|s| s.to_string())))
            .collect::<PyResult<_>>()?;
        if keys.is_empty() || keys.iter().any(|k| k != "min" && k != "max") {
            return Err(crate::error::invalid(format!(
                "a status dict takes 'min' and/or 'max', got keys {keys:?}"
            )));
        }
        let end = |k: &str| -> PyResult<Option<u16>> {
            match obj.get_item(k) {
                Ok(v) => int(&v).map(Some),
                Err(_) => Ok(None),
            }
        };
        return StatusRange::between(end("min")?, end("max")?).py();
    }
    if obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>() {
        return StatusRange::exactly(int(obj)?).py();
    }
    Err(wrong_type(format!(
        "status must be an int, a (min, max) tuple, a {{'min', 'max'}} dict or a range, got {}",
        type_name(obj)
    )))
}
