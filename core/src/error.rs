//! The one error type of the crate: a code from the API contract plus context.

use std::fmt;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The error codes of the API contract; bindings map each to a class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// No process with that id.
    ProcessNotFound,
    /// A wait ran out of time; the process keeps running.
    ProcessReadyTimeout,
    /// The process ended before the awaited condition held.
    ProcessExitedBeforeReady,
    /// The process could not be started or signalled.
    ProcessError,
    /// A running process already uses that id.
    ProcessIdInUse,
    /// The command is empty, blank or malformed.
    InvalidCommand,
    /// The log pattern cannot be compiled or run.
    InvalidPattern,
    /// Any other bad input.
    InvalidArgument,
    /// A session with that id exists already.
    SessionAlreadyExists,
    /// No session with that id.
    SessionNotFound,
    /// A command run to completion (`exec`) outlived its timeout and was killed.
    CommandTimeout,
}

impl ErrorCode {
    /// The code as the contract spells it, e.g. `PROCESS_NOT_FOUND`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ProcessNotFound => "PROCESS_NOT_FOUND",
            ErrorCode::ProcessReadyTimeout => "PROCESS_READY_TIMEOUT",
            ErrorCode::ProcessExitedBeforeReady => "PROCESS_EXITED_BEFORE_READY",
            ErrorCode::ProcessError => "PROCESS_ERROR",
            ErrorCode::ProcessIdInUse => "PROCESS_ID_IN_USE",
            ErrorCode::InvalidCommand => "INVALID_COMMAND",
            ErrorCode::InvalidPattern => "INVALID_PATTERN",
            ErrorCode::InvalidArgument => "INVALID_ARGUMENT",
            ErrorCode::SessionAlreadyExists => "SESSION_ALREADY_EXISTS",
            ErrorCode::SessionNotFound => "SESSION_NOT_FOUND",
            ErrorCode::CommandTimeout => "COMMAND_TIMEOUT",
        }
    }

    /// The name of the error class both bindings raise for this code.
    pub fn class_name(self) -> &'static str {
        match self {
            ErrorCode::ProcessNotFound => "ProcessNotFoundError",
            ErrorCode::ProcessReadyTimeout => "ProcessReadyTimeoutError",
            ErrorCode::ProcessExitedBeforeReady => "ProcessExitedBeforeReadyError",
            ErrorCode::ProcessError => "ProcessError",
            ErrorCode::ProcessIdInUse
            | ErrorCode::InvalidCommand
            | ErrorCode::InvalidPattern
            | ErrorCode::InvalidArgument => "InvalidArgumentError",
            ErrorCode::SessionAlreadyExists | ErrorCode::SessionNotFound => "SessionError",
            ErrorCode::CommandTimeout => "CommandTimeoutError",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error with its code, a message that says what was wrong, and context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Which contract code this is.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// The process concerned, where there is one.
    pub process_id: Option<String>,
    /// The exit code of a process that ended before it was ready.
    pub exit_code: Option<i32>,
    /// The awaited condition, e.g. `port 3000 (HTTP /)`.
    pub condition: Option<String>,
    /// The last lines of output, oldest first, for errors about a process.
    pub last_lines: Vec<String>,
}

impl Error {
    /// A bare error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            process_id: None,
            exit_code: None,
            condition: None,
            last_lines: Vec::new(),
        }
    }

    /// Shorthand for [`ErrorCode::InvalidArgument`].
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidArgument, message)
    }

    /// Shorthand for [`ErrorCode::ProcessNotFound`].
    pub fn not_found(id: &str) -> Self {
        Error::new(
            ErrorCode::ProcessNotFound,
            format!("no process with id {id:?}"),
        )
        .with_process(id)
    }

    /// Attaches the process id.
    pub fn with_process(mut self, id: &str) -> Self {
        self.process_id = Some(id.to_owned());
        self
    }

    /// Attaches the awaited condition.
    pub fn with_condition(mut self, condition: &str) -> Self {
        self.condition = Some(condition.to_owned());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

/// Rejects a string with a NUL byte, which no OS interface can carry.
pub(crate) fn check_no_nul(what: &str, value: &str) -> Result<()> {
    if value.contains('\0') {
        return Err(Error::invalid(format!("{what} contains a NUL byte")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_classes_follow_the_contract() {
        assert_eq!(ErrorCode::ProcessIdInUse.as_str(), "PROCESS_ID_IN_USE");
        assert_eq!(
            ErrorCode::ProcessIdInUse.class_name(),
            "InvalidArgumentError"
        );
        assert_eq!(ErrorCode::SessionNotFound.class_name(), "SessionError");
        assert_eq!(ErrorCode::CommandTimeout.as_str(), "COMMAND_TIMEOUT");
        assert_eq!(
            ErrorCode::CommandTimeout.class_name(),
            "CommandTimeoutError"
        );
        let e = Error::not_found("web");
        assert_eq!(
            e.to_string(),
            "PROCESS_NOT_FOUND: no process with id \"web\""
        );
        assert_eq!(e.process_id.as_deref(), Some("web"));
    }

    #[test]
    fn nul_is_rejected() {
        assert!(check_no_nul("cwd", "/tmp").is_ok());
        let e = check_no_nul("cwd", "/t\0mp").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument);
        assert!(e.message.contains("cwd"));
    }
}
