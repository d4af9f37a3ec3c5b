//! `wait_for_log`: kept output first, then live output, with no gap between.

use crate::error::{Error, ErrorCode, Result};
use crate::lines::LineAssembler;
use crate::logs::{Entry, StreamKind};
use crate::pattern::{Pattern, PatternMatch};
use crate::process::Process;
use crate::status::ExitInfo;
use std::collections::BTreeMap;
use std::time::Duration;

/// How many lines of output an "exited before ready" error carries.
pub const ERROR_TAIL_LINES: usize = 20;
/// Entries handled before a long replay yields to other tasks.
const BATCH: usize = 64;

/// The line that satisfied `wait_for_log`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogMatch {
    /// The whole line, without its newline.
    pub line: String,
    /// The stream it was printed on.
    pub stream: StreamKind,
    /// For a regex: `[whole match, group 1, …]`; `None` for a substring.
    pub groups: Option<Vec<Option<String>>>,
    /// Named groups of a regex.
    pub named: BTreeMap<String, Option<String>>,
    /// Byte offset of the match within the line.
    pub index: usize,
}

pub(crate) async fn wait_for_log(
    process: &Process,
    pattern: &Pattern,
    timeout: Option<Duration>,
) -> Result<LogMatch> {
    let condition = pattern.describe();
    let search = async {
        let store = &process.inner.store;
        let mut rx = store.watch();
        let mut cursor = 0;
        let limit = process.inner.log_limit;
        let mut lines = [LineAssembler::new(limit), LineAssembler::new(limit)];
        let mut ends: [Option<u64>; 2] = [None, None];
        let test = |line: &[u8], stream: StreamKind| {
            let text = String::from_utf8_lossy(line);
            match pattern.find(&text) {
                Ok(Some(m)) => Some(Ok(to_log_match(&text, stream, pattern, m))),
                Ok(None) => None,
                Err(e) => Some(Err(e)),
            }
        };
        let test_tails = |lines: &mut [LineAssembler; 2]| {
            let [out, err] = lines;
            out.tail(|l| test(l, StreamKind::Stdout))
                .or_else(|| err.tail(|l| test(l, StreamKind::Stderr)))
        };
        loop {
            rx.borrow_and_update();
            let (entries, next) = store.read_from(cursor, BATCH);
            cursor = next;
            if entries.is_empty() {
                if rx.changed().await.is_err() {
                    return Err(Error::new(
                        ErrorCode::ProcessError,
                        "process record was dropped",
                    ));
                }
                continue;
            }
            let full = entries.len() == BATCH;
            for entry in entries {
                match entry {
                    Entry::Output(chunk) => {
                        let i = chunk.stream as usize;
                        if ends[i].is_some_and(|end| end != chunk.offset) {
                            // Output this wait had not read was dropped by the log limit:
                            // the unfinished line cannot be continued by what follows.
                            lines[i].reset();
                        }
                        ends[i] = Some(chunk.offset + chunk.data.len() as u64);
                        if let Some(result) =
                            lines[i].feed(&chunk.data, |line| test(line, chunk.stream))
                        {
                            return result;
                        }
                    }
                    Entry::Exit { info, .. } => {
                        // A last line without a newline still counts before the exit does.
                        if let Some(result) = test_tails(&mut lines) {
                            return result;
                        }
                        return Err(exited_before_ready(process, &condition, info));
                    }
                }
            }
            if !full {
                if let Some(result) = test_tails(&mut lines) {
                    return result;
                }
            }
            if full {
                tokio::task::yield_now().await;
            }
        }
    };
    match timeout {
        Some(t) => tokio::time::timeout(t, search)
            .await
            .unwrap_or_else(|_| Err(timeout_error(process, &condition, t))),
        None => search.await,
    }
}

fn to_log_match(line: &str, stream: StreamKind, pattern: &Pattern, m: PatternMatch) -> LogMatch {
    LogMatch {
        line: line.to_owned(),
        stream,
        groups: pattern.is_regex().then_some(m.groups),
        named: m.named,
        index: m.index,
    }
}

/// `PROCESS_EXITED_BEFORE_READY` with the exit code and the last lines of output.
pub(crate) fn exited_before_ready(process: &Process, condition: &str, info: ExitInfo) -> Error {
    let code = info
        .exit_code
        .map_or_else(|| "no exit code".to_owned(), |c| format!("exit code {c}"));
    let mut e = Error::new(
        ErrorCode::ProcessExitedBeforeReady,
        format!(
            "process {} exited ({code}, {}) before {condition}",
            process.id(),
            info.status
        ),
    )
    .with_process(process.id())
    .with_condition(condition);
    e.exit_code = info.exit_code;
    e.last_lines = process.inner.store.tail_lines(ERROR_TAIL_LINES);
    e
}

/// `PROCESS_READY_TIMEOUT` naming the condition; the process keeps running.
pub(crate) fn timeout_error(process: &Process, condition: &str, after: Duration) -> Error {
    let mut e = Error::new(
        ErrorCode::ProcessReadyTimeout,
        format!(
            "timed out after {:?} waiting for {condition} (process {})",
            after,
            process.id()
        ),
    )
    .with_process(process.id())
    .with_condition(condition);
    e.last_lines = process.inner.store.tail_lines(ERROR_TAIL_LINES);
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::LogStore;

    #[tokio::test(flavor = "current_thread")]
    async fn a_gap_from_the_log_limit_never_joins_two_half_lines() {
        let limit = 200;
        let p = Process::new(
            "gap".into(),
            "test".into(),
            None,
            LogStore::new(limit, None),
            limit,
        );
        let store = p.inner.store.clone();
        store.push(StreamKind::Stdout, &[b"start-of-"]);
        let waiter = {
            let p = p.clone();
            tokio::spawn(async move {
                let pattern = Pattern::substring("start-of-end").unwrap();
                wait_for_log(&p, &pattern, Some(Duration::from_millis(300))).await
            })
        };
        // Let the wait read "start-of-" and park.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        // A whole line is written and dropped before the wait reads again, then "end".
        store.push(StreamKind::Stdout, &[&[b'm'; 140][..], b"\n"]);
        store.push(StreamKind::Stdout, &[b"end\n", &[b'z'; 140][..], b"\n"]);
        let err = waiter.await.unwrap().unwrap_err();
        assert_eq!(err.code, ErrorCode::ProcessReadyTimeout, "{err}");
    }
}
