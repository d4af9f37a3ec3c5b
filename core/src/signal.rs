//! Signal names and numbers, parsed the way users write them.

use crate::error::{Error, Result};
use std::fmt;

/// The signals a user may send, by Linux number and canonical name.
const SIGNALS: &[(i32, &str)] = &[
    (1, "SIGHUP"),
    (2, "SIGINT"),
    (3, "SIGQUIT"),
    (4, "SIGILL"),
    (5, "SIGTRAP"),
    (6, "SIGABRT"),
    (7, "SIGBUS"),
    (8, "SIGFPE"),
    (9, "SIGKILL"),
    (10, "SIGUSR1"),
    (11, "SIGSEGV"),
    (12, "SIGUSR2"),
    (13, "SIGPIPE"),
    (14, "SIGALRM"),
    (15, "SIGTERM"),
    (16, "SIGSTKFLT"),
    (17, "SIGCHLD"),
    (18, "SIGCONT"),
    (19, "SIGSTOP"),
    (20, "SIGTSTP"),
    (21, "SIGTTIN"),
    (22, "SIGTTOU"),
    (23, "SIGURG"),
    (24, "SIGXCPU"),
    (25, "SIGXFSZ"),
    (26, "SIGVTALRM"),
    (27, "SIGPROF"),
    (28, "SIGWINCH"),
    (29, "SIGIO"),
    (30, "SIGPWR"),
    (31, "SIGSYS"),
];

/// A signal that can be sent to a process group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signal(i32);

impl Signal {
    /// SIGTERM, the default for `kill`.
    pub const TERM: Signal = Signal(15);
    /// SIGKILL, the escalation after the kill timeout.
    pub const KILL: Signal = Signal(9);
    /// SIGINT.
    pub const INT: Signal = Signal(2);

    /// Parses `"SIGTERM"`, `"term"`, `"TERM"` or `"15"`.
    pub fn parse(text: &str) -> Result<Signal> {
        let t = text.trim();
        if let Ok(n) = t.parse::<i64>() {
            return Signal::from_number(n);
        }
        let upper = t.to_ascii_uppercase();
        let name = if upper.starts_with("SIG") {
            upper
        } else {
            format!("SIG{upper}")
        };
        let alias = match name.as_str() {
            "SIGIOT" => "SIGABRT",
            "SIGPOLL" => "SIGIO",
            "SIGCLD" => "SIGCHLD",
            other => other,
        };
        SIGNALS
            .iter()
            .find(|(_, n)| *n == alias)
            .map(|(num, _)| Signal(*num))
            .ok_or_else(|| Error::invalid(format!("unknown signal {text:?}")))
    }

    /// Accepts a signal number from 1 to 31.
    pub fn from_number(n: i64) -> Result<Signal> {
        SIGNALS
            .iter()
            .find(|(num, _)| i64::from(*num) == n)
            .map(|(num, _)| Signal(*num))
            .ok_or_else(|| Error::invalid(format!("unknown signal number {n}")))
    }

    /// The signal's number.
    pub fn number(self) -> i32 {
        self.0
    }

    /// The canonical name, e.g. `"SIGKILL"`.
    pub fn name(self) -> &'static str {
        name_of(self.0).unwrap_or("SIGUNKNOWN")
    }

    /// Whether `kill` waits for the exit (and escalates) after sending it.
    pub fn is_terminating(self) -> bool {
        matches!(self.0, 1 | 2 | 3 | 9 | 15)
    }

    pub(crate) fn to_rustix(self) -> rustix::process::Signal {
        rustix::process::Signal::from_named_raw(self.0)
            .expect("every table entry is a named signal")
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Signal {
    type Err = Error;
    fn from_str(s: &str) -> Result<Signal> {
        Signal::parse(s)
    }
}

/// The name of signal `n`, if it is one we know.
pub fn name_of(n: i32) -> Option<&'static str> {
    SIGNALS
        .iter()
        .find(|(num, _)| *num == n)
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_with_and_without_prefix_and_numbers() {
        assert_eq!(Signal::parse("SIGTERM").unwrap(), Signal::TERM);
        assert_eq!(Signal::parse("term").unwrap(), Signal::TERM);
        assert_eq!(Signal::parse("Kill").unwrap(), Signal::KILL);
        assert_eq!(Signal::parse("9").unwrap(), Signal::KILL);
        assert_eq!(Signal::parse("SIGIOT").unwrap().name(), "SIGABRT");
        assert_eq!(Signal::from_number(2).unwrap(), Signal::INT);
    }

    #[test]
    fn unknown_signals_are_invalid_arguments() {
        for bad in ["SIGNOPE", "", "0", "65", "-9", "SIG"] {
            let e = Signal::parse(bad).unwrap_err();
            assert_eq!(e.code, crate::ErrorCode::InvalidArgument, "{bad}");
        }
    }

    #[test]
    fn every_table_entry_maps_to_rustix() {
        for (n, name) in SIGNALS {
            let s = Signal::from_number(i64::from(*n)).unwrap();
            assert_eq!(s.name(), *name);
            assert_eq!(s.to_rustix().as_raw(), *n);
        }
    }

    #[test]
    fn terminating_set() {
        assert!(Signal::TERM.is_terminating());
        assert!(!Signal::parse("USR1").unwrap().is_terminating());
    }
}
