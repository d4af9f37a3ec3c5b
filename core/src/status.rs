//! Process status and the facts recorded when a process ends.

use serde::Serialize;
use std::fmt;

/// Where a process is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProcessStatus {
    /// Being spawned.
    Starting,
    /// Spawned and not yet ended.
    Running,
    /// A run ended and the restart policy starts the next one after its backoff.
    Restarting,
    /// Exited with code 0.
    Completed,
    /// Exited with a non-zero code.
    Failed,
    /// Ended by a signal, or exited 128+N after this library signalled it.
    Killed,
    /// Could not be started.
    Error,
}

impl ProcessStatus {
    /// The status as the contract spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessStatus::Starting => "starting",
            ProcessStatus::Running => "running",
            ProcessStatus::Restarting => "restarting",
            ProcessStatus::Completed => "completed",
            ProcessStatus::Failed => "failed",
            ProcessStatus::Killed => "killed",
            ProcessStatus::Error => "error",
        }
    }

    /// Whether the process has ended (or never started).
    pub fn is_final(self) -> bool {
        !matches!(
            self,
            ProcessStatus::Starting | ProcessStatus::Running | ProcessStatus::Restarting
        )
    }
}

impl fmt::Display for ProcessStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a process ended: the result of `wait_for_exit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitInfo {
    /// The exit code; 128+N after signal N; `None` if it never started.
    pub exit_code: Option<i32>,
    /// The signal that ended it, e.g. `"SIGKILL"`.
    pub signal: Option<&'static str>,
    /// The final status.
    pub status: ProcessStatus,
}

impl ExitInfo {
    /// Classifies a wait status; `signalled_by_us` turns an exit of 128+N into `killed`.
    pub(crate) fn from_wait(
        code: Option<i32>,
        signal: Option<i32>,
        signalled_by_us: bool,
    ) -> ExitInfo {
        if let Some(sig) = signal {
            return ExitInfo {
                exit_code: Some(128 + sig),
                signal: Some(crate::signal::name_of(sig).unwrap_or("SIGUNKNOWN")),
                status: ProcessStatus::Killed,
            };
        }
        let code = code.unwrap_or(-1);
        let status = match code {
            0 => ProcessStatus::Completed,
            c if signalled_by_us && c > 128 && crate::signal::name_of(c - 128).is_some() => {
                ProcessStatus::Killed
            }
            _ => ProcessStatus::Failed,
        };
        let signal = if status == ProcessStatus::Killed {
            crate::signal::name_of(code - 128)
        } else {
            None
        };
        ExitInfo {
            exit_code: Some(code),
            signal,
            status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        let k = ExitInfo::from_wait(None, Some(9), false);
        assert_eq!(
            (k.exit_code, k.signal, k.status),
            (Some(137), Some("SIGKILL"), ProcessStatus::Killed)
        );
        assert_eq!(
            ExitInfo::from_wait(Some(0), None, true).status,
            ProcessStatus::Completed
        );
        assert_eq!(
            ExitInfo::from_wait(Some(143), None, false).status,
            ProcessStatus::Failed
        );
        let t = ExitInfo::from_wait(Some(143), None, true);
        assert_eq!(
            (t.status, t.signal),
            (ProcessStatus::Killed, Some("SIGTERM"))
        );
        assert_eq!(
            ExitInfo::from_wait(Some(3), None, true).status,
            ProcessStatus::Failed
        );
    }

    #[test]
    fn status_strings() {
        assert_eq!(ProcessStatus::Killed.to_string(), "killed");
        assert_eq!(
            serde_json::to_string(&ProcessStatus::Running).unwrap(),
            "\"running\""
        );
        assert!(ProcessStatus::Error.is_final() && !ProcessStatus::Starting.is_final());
    }
}
