//! Log events, their SSE form, and the stream that replays then follows them.

use crate::error::Result;
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
    /// Output between the reader's cursor and the next kept byte was dropped by the
    /// log limit; `dropped` says how many bytes.
    Truncated,
    /// A run ended (`exitCode`) and the restart policy starts the next one.
    Restart,
    /// The process ended; always the last event.
    Exit,
}

impl LogEventKind {
    /// `"stdout"`, `"stderr"`, `"truncated"`, `"restart"` or `"exit"`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogEventKind::Stdout => "stdout",
            LogEventKind::Stderr => "stderr",
            LogEventKind::Truncated => "truncated",
            LogEventKind::Restart => "restart",
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

/// One event: `{type, data, processId, timestamp, cursor, exitCode?, dropped?}` in JSON.
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
    /// The cursor just after this event's data: a reader that resumes from it misses
    /// nothing and repeats nothing.
    pub cursor: u64,
    /// For exit and restart: the exit code of the run that ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// For truncated: how many bytes were dropped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dropped: Option<u64>,
}

fn rfc3339<S: serde::Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&humantime::format_rfc3339_millis(*t).to_string())
}

impl LogEvent {
    /// The event as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a log event always serialises")
    }

    /// The event as one SSE frame: `id: <cursor>\ndata: <json>\n\n`, so a client that
    /// reconnects can send the last id back as `since`.
    pub fn to_sse(&self) -> String {
        format!("id: {}\ndata: {}\n\n", self.cursor, self.to_json())
    }
}

/// Where a log stream starts and whether it follows live output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogStreamOptions {
    /// Start just after this cursor; `None` starts at the oldest kept byte (or at the
    /// live end when `replay` is false).
    pub since: Option<u64>,
    /// Replay kept output first (default); false starts at the live end.
    pub replay: bool,
    /// Follow live output until the exit (default); false ends once the kept output
    /// was read (with `exit` only if the process already ended).
    pub follow: bool,
    /// Only this stream's output (the exit and truncation events still come).
    pub stream: Option<StreamKind>,
}

impl Default for LogStreamOptions {
    fn default() -> Self {
        LogStreamOptions {
            since: None,
            replay: true,
            follow: true,
            stream: None,
        }
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
    /// Where a stream that does not follow ends: the end of output when it opened.
    stop_at: Option<u64>,
    only: Option<StreamKind>,
    pending: VecDeque<LogEvent>,
    done: bool,
}

impl LogStream {
    pub(crate) fn new(
        process_id: String,
        store: Arc<LogStore>,
        options: &LogStreamOptions,
    ) -> Result<LogStream> {
        // Subscribed before the end is read, so nothing lands unseen in between.
        let rx = store.watch();
        let end = store.end();
        let cursor = match options.since {
            Some(since) => store.check_cursor(since)?,
            None if options.replay => 0,
            None => end,
        };
        Ok(LogStream {
            process_id,
            store,
            rx,
            cursor,
            stop_at: (!options.follow).then_some(end),
            only: options.stream,
            pending: VecDeque::new(),
            done: false,
        })
    }

    /// The cursor just after the last event handed out.
    pub fn cursor(&self) -> u64 {
        self.cursor
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
            let (entries, _) = self.store.read_from(self.cursor, 256, self.only);
            if entries.is_empty() {
                if self.stop_at.is_some() || self.rx.changed().await.is_err() {
                    self.done = true;
                }
                continue;
            }
            for entry in entries {
                let event = match entry {
                    Entry::Output(c) => {
                        if self.stop_at.is_some_and(|end| c.pos >= end) {
                            self.done = true;
                            break;
                        }
                        // Output read after a stream that does not follow opened is
                        // left for the next reader, cut at the cursor it ends on.
                        let keep = self
                            .stop_at
                            .map_or(c.data.len(), |end| c.data.len().min((end - c.pos) as usize));
                        LogEvent {
                            kind: c.stream.into(),
                            data: String::from_utf8_lossy(&c.data[..keep]).into_owned(),
                            process_id: self.process_id.clone(),
                            timestamp: c.at,
                            cursor: c.pos + keep as u64,
                            exit_code: None,
                            dropped: None,
                        }
                    }
                    Entry::Truncated { dropped, cursor } => LogEvent {
                        kind: LogEventKind::Truncated,
                        data: String::new(),
                        process_id: self.process_id.clone(),
                        timestamp: SystemTime::now(),
                        cursor,
                        exit_code: None,
                        dropped: Some(dropped),
                    },
                    Entry::Restart {
                        exit_code,
                        at,
                        cursor,
                    } => LogEvent {
                        kind: LogEventKind::Restart,
                        data: String::new(),
                        process_id: self.process_id.clone(),
                        timestamp: at,
                        cursor,
                        exit_code,
                        dropped: None,
                    },
                    Entry::Exit { info, at, cursor } => {
                        self.done = true;
                        LogEvent {
                            kind: LogEventKind::Exit,
                            data: String::new(),
                            process_id: self.process_id.clone(),
                            timestamp: at,
                            cursor,
                            exit_code: info.exit_code,
                            dropped: None,
                        }
                    }
                };
                self.cursor = event.cursor;
                self.pending.push_back(event);
                if self.done {
                    break;
                }
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
            cursor: 42,
            exit_code: Some(0),
            dropped: None,
        };
        assert_eq!(
            e.to_sse(),
            "id: 42\ndata: {\"type\":\"exit\",\"data\":\"\",\"processId\":\"p1\",\"timestamp\":\"1970-01-01T00:00:01.500Z\",\"cursor\":42,\"exitCode\":0}\n\n"
        );
        let out = LogEvent {
            kind: LogEventKind::Stdout,
            exit_code: None,
            data: "hi\n".into(),
            ..e
        };
        assert!(!out.to_json().contains("exitCode"));
        let gap = LogEvent {
            kind: LogEventKind::Truncated,
            dropped: Some(7),
            ..out
        };
        assert!(gap.to_json().contains("\"type\":\"truncated\""));
        assert!(gap.to_json().contains("\"dropped\":7"));
    }
}
