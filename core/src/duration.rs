//! Turning the numbers bindings receive into durations, with typed errors; and
//! deadlines that a huge duration cannot overflow.

use crate::error::{Error, Result};
use std::time::{Duration, Instant};

/// When `after` from now will have passed; `None` when that is too far off for an
/// `Instant`, which means never (a huge timeout is a wait for ever, not a panic).
pub(crate) fn deadline(after: Duration) -> Option<Instant> {
    Instant::now().checked_add(after)
}

/// Whether `deadline` (from [`deadline`]) has passed.
pub(crate) fn passed(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() >= d)
}

/// Seconds (Python) to a duration; negative, NaN or infinite values are `INVALID_ARGUMENT`.
pub fn from_secs_f64(what: &str, secs: f64) -> Result<Duration> {
    if !secs.is_finite() || secs < 0.0 {
        return Err(Error::invalid(format!(
            "{what} must be a finite, non-negative number of seconds, got {secs}"
        )));
    }
    Duration::try_from_secs_f64(secs)
        .map_err(|_| Error::invalid(format!("{what} of {secs} seconds is too large")))
}

/// Milliseconds (Node) to a duration, with the same checks.
pub fn from_millis_f64(what: &str, ms: f64) -> Result<Duration> {
    if !ms.is_finite() || ms < 0.0 {
        return Err(Error::invalid(format!(
            "{what} must be a finite, non-negative number of milliseconds, got {ms}"
        )));
    }
    from_secs_f64(what, ms / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_and_rejects() {
        assert_eq!(
            from_secs_f64("timeout", 1.5).unwrap(),
            Duration::from_millis(1500)
        );
        assert_eq!(
            from_millis_f64("timeout", 250.0).unwrap(),
            Duration::from_millis(250)
        );
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            assert!(from_secs_f64("timeout", bad).is_err());
            assert!(from_millis_f64("timeout", bad).is_err());
        }
        assert!(from_secs_f64("timeout", 1e300).is_err());
    }

    #[test]
    fn huge_durations_have_no_deadline() {
        for huge in [Duration::from_secs_f64(9.3e18), Duration::MAX] {
            assert_eq!(deadline(huge), None);
            assert!(!passed(deadline(huge)));
        }
        assert!(deadline(Duration::from_secs(1)).is_some());
        assert!(passed(deadline(Duration::ZERO)));
    }
}
