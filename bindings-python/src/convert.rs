//! Python values to core values: seconds, paths, env maps, commands, signals, ports.
//! Wrong types are `InvalidArgumentTypeError` (an `InvalidArgumentError` and a
//! `TypeError`); wrong values are the core's own errors.

use crate::error::{wrong_type, IntoPyResult};
use procwright::{Command, EnvChanges, Ownership, Signal};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple};
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
pub fn seconds(what: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Duration>> {
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
pub fn integer(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<i64> {
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
pub fn string(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<String> {
    match obj.cast::<PyString>() {
        Ok(s) => Ok(s.to_str()?.to_owned()),
        Err(_) => Err(wrong_type(format!(
            "{what} must be a str, got {}",
            type_name(obj)
        ))),
    }
}

/// An optional `str`.
pub fn opt_string(what: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<String>> {
    present(obj).map(|o| string(what, o)).transpose()
}

/// A `str` or `os.PathLike` that gives a `str`.
pub fn path(what: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<PathBuf>> {
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
pub fn env(obj: Option<&Bound<'_, PyAny>>) -> PyResult<EnvChanges> {
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
pub fn command(obj: &Bound<'_, PyAny>) -> PyResult<Command> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Command::Shell(s.to_str()?.to_owned()));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut argv = Vec::new();
        for item in obj.try_iter()? {
            let item = item?;
            match path("each argv item", Some(&item))? {
                Some(p) => argv.push(p.to_string_lossy().into_owned()),
                None => {
                    return Err(wrong_type("each argv item must be a str, got NoneType"));
                }
            }
        }
        return Ok(Command::Argv(argv));
    }
    Err(wrong_type(format!(
        "command must be a str (run by the shell) or a list of str (an argv), got {}",
        type_name(obj)
    )))
}

/// A signal name (`"SIGTERM"`, `"term"`), a number, or a `signal.Signals`.
pub fn signal(obj: &Bound<'_, PyAny>) -> PyResult<Signal> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Signal::parse(s.to_str()?).py();
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
pub fn ownership(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Ownership> {
    let Some(obj) = present(obj) else {
        return Ok(Ownership::Auto);
    };
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Ownership::from_flag(Some(b.is_true())));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return s.to_str()?.parse::<Ownership>().py();
    }
    Err(wrong_type(format!(
        "owned must be True, False, None or \"auto\", got {}",
        type_name(obj)
    )))
}

/// A callable, or `None`.
pub fn callback(what: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Py<PyAny>>> {
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
pub fn boolean(what: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
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

/// A byte count (`None` when absent); the core judges its range, so a negative count
/// arrives as 0 and a huge one as the largest.
pub(crate) fn byte_count(what: &str, value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<usize>> {
    match value.filter(|v| !v.is_none()) {
        None => Ok(None),
        Some(v) => {
            let n = integer(what, v)?;
            Ok(Some(usize::try_from(n.max(0)).unwrap_or(usize::MAX)))
        }
    }
}
