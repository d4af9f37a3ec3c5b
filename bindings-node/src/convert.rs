//! Numbers, env maps, commands and signals from JavaScript into core types.

use napi::bindgen_prelude::Either;
use procwright::{Command, EnvChanges, Result, Signal};
use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds as given by JavaScript (`undefined`/`null` = none).
pub(crate) fn millis(what: &str, ms: Option<f64>) -> Result<Option<Duration>> {
    ms.map(|ms| procwright::duration::from_millis_f64(what, ms))
        .transpose()
}

/// `Record<string, string | undefined>`: `undefined`/`null` removes a variable.
pub(crate) fn env(env: Option<HashMap<String, Option<String>>>) -> EnvChanges {
    env.unwrap_or_default().into_iter().collect()
}

/// A string runs in the shell; an array is an argv run directly.
pub(crate) fn command(c: Either<String, Vec<String>>) -> Command {
    match c {
        Either::A(s) => Command::Shell(s),
        Either::B(v) => Command::Argv(v),
    }
}

/// `"SIGTERM"`, `"term"` or `15`; default SIGTERM.
pub(crate) fn signal(s: Option<Either<String, f64>>) -> Result<Signal> {
    match s {
        None => Ok(Signal::TERM),
        Some(Either::A(name)) => Signal::parse(&name),
        Some(Either::B(n)) => Signal::from_number(procwright::input::integer("signal", n)?),
    }
}

/// A string (as UTF-8) or bytes, for a process's stdin.
pub(crate) fn bytes(data: Either<String, napi::bindgen_prelude::Uint8Array>) -> Vec<u8> {
    match data {
        Either::A(s) => s.into_bytes(),
        Either::B(b) => b.to_vec(),
    }
}

/// Milliseconds since the Unix epoch, for `new Date(ms)`.
pub(crate) fn epoch_ms(t: SystemTime) -> f64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64() * 1000.0,
        Err(e) => -(e.duration().as_secs_f64() * 1000.0),
    }
}

/// A log cursor (`since`), judged by the core.
pub(crate) fn cursor(v: Option<f64>) -> Result<Option<u64>> {
    v.map(|v| procwright::input::cursor(procwright::input::integer("since", v)?))
        .transpose()
}

/// `'stdout'` or `'stderr'`.
pub(crate) fn stream(s: Option<String>) -> Result<Option<procwright::StreamKind>> {
    s.map(|s| procwright::StreamKind::parse(&s)).transpose()
}

/// A byte limit (`None` when absent), judged by the core.
pub(crate) fn byte_limit(what: &str, v: Option<f64>) -> Result<Option<usize>> {
    v.map(|v| procwright::input::byte_limit(what, procwright::input::integer(what, v)?))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use procwright::ErrorCode;

    #[test]
    fn numbers_from_javascript() {
        assert_eq!(byte_limit("maxBuffer", Some(10.0)).unwrap(), Some(10));
        for bad in [1.5, f64::NAN, 0.0, -3.0] {
            assert_eq!(
                byte_limit("maxBuffer", Some(bad)).unwrap_err().code,
                ErrorCode::InvalidArgument
            );
        }
        assert_eq!(
            millis("timeout", Some(1500.0)).unwrap(),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(millis("timeout", None).unwrap(), None);
        assert!(millis("timeout", Some(-1.0)).is_err());
    }

    #[test]
    fn signals_by_name_or_number() {
        assert_eq!(signal(None).unwrap(), Signal::TERM);
        assert_eq!(
            signal(Some(Either::A("kill".into()))).unwrap(),
            Signal::KILL
        );
        assert_eq!(signal(Some(Either::B(2.0))).unwrap(), Signal::INT);
        assert!(signal(Some(Either::B(9.5))).is_err());
        assert!(signal(Some(Either::A("SIGNOPE".into()))).is_err());
    }

    #[test]
    fn commands_and_times() {
        assert_eq!(command(Either::A("ls".into())), Command::Shell("ls".into()));
        assert_eq!(
            command(Either::B(vec!["ls".into(), "-l".into()])),
            Command::Argv(vec!["ls".into(), "-l".into()])
        );
        assert_eq!(epoch_ms(UNIX_EPOCH + Duration::from_millis(1500)), 1500.0);
    }
}
