//! Restart supervision: when a process that ended is started again, and after how
//! long. The waiting and the restarting themselves are the supervisor's
//! (`lifecycle.rs`); this module only decides.

use crate::error::{Error, Result};
use crate::status::ExitInfo;
use std::time::Duration;

/// When a process is started again after it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RestartMode {
    /// Never (the default).
    #[default]
    No,
    /// When it exits with a code other than 0, or a signal it was not sent by `kill`
    /// ends it.
    OnFailure,
    /// Whenever it ends, unless `kill`, `stop` or `destroy` ended it.
    Always,
}

impl std::str::FromStr for RestartMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<RestartMode> {
        match s {
            "no" => Ok(RestartMode::No),
            "on-failure" => Ok(RestartMode::OnFailure),
            "always" => Ok(RestartMode::Always),
            other => Err(Error::invalid(format!(
                "restart policy must be 'no', 'on-failure' or 'always', got {other:?}"
            ))),
        }
    }
}

/// Exponential backoff between restarts: `initial`, then times `factor` each restart,
/// at most `max`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The first delay (default 100 ms).
    pub initial: Duration,
    /// The longest delay (default 30 s).
    pub max: Duration,
    /// How much each delay grows (default 2, at least 1).
    pub factor: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(30),
            factor: 2.0,
        }
    }
}

impl Backoff {
    /// The delay before restart number `n` of a streak (0 for the first).
    pub fn delay(&self, n: u32) -> Duration {
        let grown = self.initial.as_secs_f64() * self.factor.powi(n.min(1024) as i32);
        if !grown.is_finite() || grown >= self.max.as_secs_f64() {
            return self.max;
        }
        Duration::from_secs_f64(grown)
    }
}

/// `restart` of `start_process`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RestartPolicy {
    /// When to restart.
    pub policy: RestartMode,
    /// Restarts allowed in all (`None`: no limit).
    pub max_restarts: Option<u32>,
    /// Delays between restarts.
    pub backoff: Backoff,
    /// A run that stayed up this long resets the backoff (default 10 s).
    pub reset_after: Duration,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        RestartPolicy {
            policy: RestartMode::No,
            max_restarts: None,
            backoff: Backoff::default(),
            reset_after: Duration::from_secs(10),
        }
    }
}

/// A restart option as the bindings receive it, every field optional (times already
/// converted from their units).
#[derive(Debug, Clone, Default)]
pub struct RestartSpec {
    /// `"no"`, `"on-failure"` or `"always"` (default `"no"`).
    pub policy: Option<String>,
    /// Restarts allowed in all; a negative count is refused.
    pub max_restarts: Option<i64>,
    /// First delay.
    pub initial: Option<Duration>,
    /// Longest delay.
    pub max: Option<Duration>,
    /// Growth per restart.
    pub factor: Option<f64>,
    /// Uptime that resets the backoff.
    pub reset_after: Option<Duration>,
}

impl RestartSpec {
    /// The policy, defaults filled in and checked: one rule for both bindings.
    pub fn into_policy(self) -> Result<RestartPolicy> {
        let d = RestartPolicy::default();
        let policy = RestartPolicy {
            policy: match self.policy {
                Some(p) => p.parse()?,
                None => RestartMode::No,
            },
            max_restarts: self
                .max_restarts
                .map(|n| {
                    u32::try_from(n).map_err(|_| {
                        Error::invalid(format!("maxRestarts must be 0 or more, got {n}"))
                    })
                })
                .transpose()?,
            backoff: Backoff {
                initial: self.initial.unwrap_or(d.backoff.initial),
                max: self.max.unwrap_or(d.backoff.max),
                factor: self.factor.unwrap_or(d.backoff.factor),
            },
            reset_after: self.reset_after.unwrap_or(d.reset_after),
        };
        policy.validate()?;
        Ok(policy)
    }
}

impl RestartPolicy {
    /// `INVALID_ARGUMENT` for a backoff that cannot grow or shrinks.
    pub fn validate(&self) -> Result<()> {
        let b = &self.backoff;
        if !(b.factor.is_finite() && b.factor >= 1.0) {
            return Err(Error::invalid(format!(
                "restart backoff factor must be a number of at least 1, got {}",
                b.factor
            )));
        }
        if b.max < b.initial {
            return Err(Error::invalid(format!(
                "restart backoff max ({:?}) is less than initial ({:?})",
                b.max, b.initial
            )));
        }
        Ok(())
    }

    /// Whether a run that ended so (and not by a stop) is started again.
    pub(crate) fn wants(&self, info: &ExitInfo, restarts: u32) -> bool {
        if self.max_restarts.is_some_and(|m| restarts >= m) {
            return false;
        }
        match self.policy {
            RestartMode::No => false,
            RestartMode::Always => true,
            RestartMode::OnFailure => info.exit_code != Some(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::ProcessStatus;

    #[test]
    fn backoff_grows_exponentially_up_to_its_max() {
        let b = Backoff::default();
        let ms: Vec<u128> = (0..11).map(|n| b.delay(n).as_millis()).collect();
        assert_eq!(
            ms,
            [100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]
        );
        assert_eq!(b.delay(u32::MAX), b.max);
        let flat = Backoff { factor: 1.0, ..b };
        assert_eq!(flat.delay(50), b.initial);
    }

    #[test]
    fn specs_fill_defaults_and_refuse_bad_values() {
        let p = RestartSpec {
            policy: Some("on-failure".into()),
            max_restarts: Some(3),
            ..Default::default()
        }
        .into_policy()
        .unwrap();
        assert_eq!(p.policy, RestartMode::OnFailure);
        assert_eq!(p.max_restarts, Some(3));
        assert_eq!(p.backoff, Backoff::default());
        for bad in [
            RestartSpec {
                max_restarts: Some(-1),
                ..Default::default()
            },
            RestartSpec {
                policy: Some("unless-stopped".into()),
                ..Default::default()
            },
            RestartSpec {
                factor: Some(f64::NAN),
                ..Default::default()
            },
        ] {
            assert_eq!(
                bad.into_policy().unwrap_err().code,
                crate::ErrorCode::InvalidArgument
            );
        }
    }

    #[test]
    fn policies_decide_by_exit_and_count() {
        let ok = ExitInfo {
            exit_code: Some(0),
            signal: None,
            status: ProcessStatus::Completed,
        };
        let bad = ExitInfo {
            exit_code: Some(3),
            signal: None,
            status: ProcessStatus::Failed,
        };
        let on_failure = RestartPolicy {
            policy: RestartMode::OnFailure,
            max_restarts: Some(2),
            ..Default::default()
        };
        assert!(on_failure.wants(&bad, 0));
        assert!(!on_failure.wants(&ok, 0));
        assert!(!on_failure.wants(&bad, 2));
        let always = RestartPolicy {
            policy: RestartMode::Always,
            ..Default::default()
        };
        assert!(always.wants(&ok, 1000));
        assert!(!RestartPolicy::default().wants(&bad, 0));
        assert_eq!(
            "sometimes".parse::<RestartMode>().unwrap_err().code,
            crate::ErrorCode::InvalidArgument
        );
        let shrinking = RestartPolicy {
            backoff: Backoff {
                factor: 0.5,
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(shrinking.validate().is_err());
        let inverted = RestartPolicy {
            backoff: Backoff {
                initial: Duration::from_secs(5),
                max: Duration::from_secs(1),
                factor: 2.0,
            },
            ..Default::default()
        };
        assert!(inverted.validate().is_err());
    }
}
