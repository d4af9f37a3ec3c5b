//! Values from the bindings' loosely typed worlds (JavaScript numbers, Python ints) into
//! the core's types. Each rule and its message is written here once, so the Rust API
//! and both bindings refuse the same input in the same words.

use crate::error::{Error, Result};

/// The largest integer a JavaScript number holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A JavaScript number that must be a whole number.
pub fn integer(what: &str, v: f64) -> Result<i64> {
    if !v.is_finite() || v.fract() != 0.0 || v.abs() > MAX_SAFE_INTEGER {
        // 1e300 as 301 digits helps nobody.
        let got = if v.abs() > MAX_SAFE_INTEGER {
            format!("{v:e}")
        } else {
            v.to_string()
        };
        return Err(Error::invalid(format!(
            "{what} must be an integer (at most 2^53 in size), got {got}"
        )));
    }
    Ok(v as i64)
}

/// A TCP port: 1 to 65535.
pub fn port(n: i64) -> Result<u16> {
    match u16::try_from(n) {
        Ok(p) => check_port(p),
        Err(_) => Err(bad_port(n)),
    }
}

pub(crate) fn check_port(p: u16) -> Result<u16> {
    if p == 0 {
        return Err(bad_port(0));
    }
    Ok(p)
}

fn bad_port(n: i64) -> Error {
    Error::invalid(format!("port {n} is outside 1-65535"))
}

/// An HTTP status: 100 to 599.
pub fn status(n: i64) -> Result<u16> {
    match u16::try_from(n) {
        Ok(s) => check_status(s),
        Err(_) => Err(bad_status(n)),
    }
}

pub(crate) fn check_status(s: u16) -> Result<u16> {
    if !(100..=599).contains(&s) {
        return Err(bad_status(i64::from(s)));
    }
    Ok(s)
}

fn bad_status(n: i64) -> Error {
    Error::invalid(format!("status {n} is not an HTTP status (100-599)"))
}

/// A terminal size: columns and rows, each 1 to 65535.
pub fn pty_size(cols: i64, rows: i64) -> Result<crate::pty::PtySize> {
    let cell = |what: &str, n: i64| match u16::try_from(n) {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(Error::invalid(format!(
            "pty {what} must be a whole number from 1 to 65535, got {n}"
        ))),
    };
    Ok(crate::pty::PtySize {
        cols: cell("cols", cols)?,
        rows: cell("rows", rows)?,
    })
}

/// A limit in bytes, such as `log_limit` or `max_buffer`: at least 1.
pub fn byte_limit(what: &str, n: i64) -> Result<usize> {
    if n < 1 {
        return Err(bad_limit(what, n.to_string()));
    }
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

pub(crate) fn check_byte_limit(what: &str, n: usize) -> Result<usize> {
    if n == 0 {
        return Err(bad_limit(what, "0".into()));
    }
    Ok(n)
}

pub(crate) fn check_log_limit(n: usize) -> Result<usize> {
    check_byte_limit("log_limit", n)
}

/// A log cursor (`since`): a whole number of bytes, 0 or more. Whether it is past
/// the end of a process's output is the process's to say.
pub fn cursor(n: i64) -> Result<u64> {
    u64::try_from(n).map_err(|_| {
        Error::invalid(format!(
            "since must be a cursor (0 or more, from an event, a getLogs reply or a match), got {n}"
        ))
    })
}

/// A count of lines (`tail`): 0 or more.
pub fn line_count(what: &str, n: i64) -> Result<usize> {
    usize::try_from(n).map_err(|_| Error::invalid(format!("{what} must be 0 or more, got {n}")))
}

/// How many matches a wait needs (`times`): at least 1.
pub fn times(n: i64) -> Result<usize> {
    match usize::try_from(n) {
        Ok(t) if t >= 1 => Ok(t),
        _ => Err(Error::invalid(format!("times must be at least 1, got {n}"))),
    }
}

fn bad_limit(what: &str, got: String) -> Error {
    Error::invalid(format!("{what} must be at least 1 byte, got {got}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn cursors_counts_and_times() {
        assert_eq!(cursor(0).unwrap(), 0);
        assert_eq!(cursor(-1).unwrap_err().code, ErrorCode::InvalidArgument);
        assert_eq!(line_count("tail", 0).unwrap(), 0);
        assert!(line_count("tail", -3).unwrap_err().message.contains("tail"));
        assert_eq!(times(2).unwrap(), 2);
        assert_eq!(times(0).unwrap_err().code, ErrorCode::InvalidArgument);
    }

    #[test]
    fn numbers_from_javascript() {
        assert_eq!(integer("port", 8080.0).unwrap(), 8080);
        assert!(integer("since", 1e300)
            .unwrap_err()
            .message
            .ends_with("got 1e300"));
        for bad in [1.5, f64::NAN, f64::INFINITY, -f64::INFINITY, 1e300] {
            let e = integer("port", bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidArgument);
            assert!(
                e.message.starts_with("port must be an integer"),
                "{}",
                e.message
            );
        }
    }

    #[test]
    fn ports_statuses_and_limits_have_one_rule_each() {
        assert_eq!(port(8080).unwrap(), 8080);
        for bad in [0, -1, 65536, i64::MAX, i64::MIN] {
            assert_eq!(
                port(bad).unwrap_err().message,
                format!("port {bad} is outside 1-65535")
            );
        }
        assert_eq!(
            check_port(0).unwrap_err().message,
            port(0).unwrap_err().message
        );
        assert_eq!(status(204).unwrap(), 204);
        for bad in [99, 600, -200, 70000] {
            assert!(status(bad).is_err(), "{bad}");
        }
        assert_eq!(
            check_status(99).unwrap_err().message,
            status(99).unwrap_err().message
        );
        assert_eq!(byte_limit("max_buffer", 1).unwrap(), 1);
        assert_eq!(
            byte_limit("max_buffer", i64::MAX).unwrap(),
            i64::MAX as usize
        );
        assert_eq!(
            byte_limit("log_limit", 0).unwrap_err().message,
            check_log_limit(0).unwrap_err().message
        );
        assert_eq!(
            byte_limit("max_buffer", -5).unwrap_err().message,
            "max_buffer must be at least 1 byte, got -5"
        );
    }
}
