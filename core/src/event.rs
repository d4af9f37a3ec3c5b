//! Log events, their SSE form, and the stream that replays then follows them.

use crate::logs::{Entry, LogStore, StreamKind};
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::SystemTime;
use tokio::sync::watch;

/// What a log event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogEventKind {
    /// Output on stdout.
    Stdout,
    /// Output on stderr.
    Stderr,
    /// The process ended; always the last event.
    Exit,
}

impl LogEventKind {
    /// `"stdout"`, `"stderr"` or `"exit"`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogEventKind::Stdout => "stdout",
            LogEventKind::Stderr => "stderr",
            LogEventKind::Exit => "exit",
        }
    }
}

impl From<StreamKind> for LogEventKind {
    fn from(s: StreamKind) -> Self {
        match s {
            StreamKind::Stdout => LogEventKind::Stdout,
            StreamKind::Stderr => LogEventKind::Stderr,
        }
    }
}

/// One event: `{type, data, processId, timestamp, exitCode?}` in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEvent {
    /// stdout, stderr or exit.
    #[serde(rename = "type")]
    pub kind: LogEventKind,
    /// The output (empty for exit).
    pub data: String,
    /// The process it belongs to.
    pub process_id: String,
    /// When it was read.
    #[serde(serialize_with = "rfc3339")]
    pub timestamp: SystemTime,
    /// For exit: the exit code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
}

fn rfc3339<S: serde::Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&humantime::format_rfc3339_millis(*t).to_string())
}

impl LogEvent {
    /// The event as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a log event always serialises")
    }

    /// The event as one SSE frame: `data: <json>\n\n`.
    pub fn to_sse(&self) -> String {
        format!("data: {}\n\n", self.to_json())
    }
}

/// The events of one process: kept output in read order, then live output, then `exit`.
/// Dropping it releases the subscription. A reader slower than the log limit skips
/// what was dropped rather than holding the child back.
pub struct LogStream {
    process_id: String,
    store: Arc<LogStore>,
    rx: watch::Receiver<u64>,
    cursor: u64,
    pending: VecDeque<LogEvent>,
    done: bool,
}

impl LogStream {
    pub(crate) fn new(process_id: String, store: Arc<LogStore>) -> LogStream {
        let rx = store.watch();
        LogStream {
            process_id,
            store,
            rx,
            cursor: 0,
            pending: VecDeque::new(),
            done: false,
        }
    }

    /// The next event, or `None` after `exit`.
    pub async fn next(&mut self) -> Option<LogEvent> {
        loop {
            if let Some(e) = self.pending.pop_front() {
                return Some(e);
            }
            if self.done {
                return None;
            }
            self.rx.borrow_and_update();
            let (entries, next) = self.store.read_from(self.cursor, 256);
            self.cursor = next;
            if entries.is_empty() {
                if self.rx.changed().await.is_err() {
                    self.done = true;
                }
                continue;
            }
            for entry in entries {
                let event = match entry {
                    Entry::Output(c) => LogEvent {
                        kind: c.stream.into(),
                        data: String::from_utf8_lossy(&c.data).into_owned(),
                        process_id: self.process_id.clone(),
                        timestamp: c.at,
                        exit_code: None,
                    },
                    Entry::Exit { info, at } => {
                        self.done = true;
                        LogEvent {
                            kind: LogEventKind::Exit,
                            data: String::new(),
                            process_id: self.process_id.clone(),
                            timestamp: at,
                            exit_code: info.exit_code,
                        }
                    }
                };
                self.pending.push_back(event);
            }
        }
    }

    /// The process these events belong to.
    pub fn process_id(&self) -> &str {
        &self.process_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn sse_frame_shape() {
        let e = LogEvent {
            kind: LogEventKind::Exit,
            data: String::new(),
            process_id: "p1".into(),
            timestamp: UNIX_EPOCH + Duration::from_millis(1500),
            exit_code: Some(0),
        };
        assert_eq!(
            e.to_sse(),
            "data: {\"type\":\"exit\",\"data\":\"\",\"processId\":\"p1\",\"timestamp\":\"1970-01-01T00:00:01.500Z\",\"exitCode\":0}\n\n"
        );
        let out = LogEvent {
            kind: LogEventKind::Stdout,
            exit_code: None,
            data: "hi\n".into(),
            ..e
        };
        assert!(!out.to_json().contains("exitCode"));
    }
}
