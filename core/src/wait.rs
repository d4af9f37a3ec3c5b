//! `wait_for_log`: kept output first, then live output, with no gap between.

use crate::error::{Error, ErrorCode, Result};
use crate::lines::{Ending, LineSplitter, Span};
use crate::logs::{Chunk, Entry, LogStore, StreamKind};
use crate::matcher::Cancel;
use crate::pattern::{Found, Pattern, PatternMatch};
use crate::process::Process;
use crate::status::ExitInfo;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How many lines of output an "exited before ready" error carries.
pub const ERROR_TAIL_LINES: usize = 20;
/// Entries handled before a long replay yields to other tasks.
const BATCH: usize = 64;
/// Lines up to this long are tested by a linear pattern inline, on the runtime (a scan
/// of 256 KiB costs well under a millisecond); longer ones go to the matcher pool.
const INLINE_LINE: usize = 256 * 1024;
/// How long a backtracking pattern may spend on one line before it is skipped: long
/// enough for any sane line, short enough that a pathological one cannot hold a pool
/// thread (and so the other waits queued behind it) for long.
pub const LINE_BUDGET: Duration = Duration::from_millis(200);
/// An unfinished line is retested at most once per this interval…
const TAIL_MIN_INTERVAL: Duration = Duration::from_millis(20);
/// …or per this many times the last test's cost, whichever is longer.
const TAIL_COST_FACTOR: u32 = 20;

/// Where a log wait starts reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogSince {
    /// From the oldest kept byte: kept output first, then live output.
    #[default]
    Start,
    /// Just after this cursor (from an event, a `get_logs` reply or an earlier match).
    Cursor(u64),
    /// Only output printed after the wait began.
    Now,
}

/// How `wait_for_log_with` waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogWaitOptions {
    /// Give up after this long (`PROCESS_READY_TIMEOUT`); `None` waits for ever.
    pub timeout: Option<Duration>,
    /// Resolve on the Nth matching line (at least 1).
    pub times: usize,
    /// Only lines of this stream.
    pub stream: Option<StreamKind>,
    /// Where reading starts.
    pub since: LogSince,
}

impl Default for LogWaitOptions {
    fn default() -> Self {
        LogWaitOptions {
            timeout: None,
            times: 1,
            stream: None,
            since: LogSince::Start,
        }
    }
}

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
    /// The cursor just after the line (and its newline): a wait from here finds the
    /// next match, not this one.
    pub cursor: u64,
}

pub(crate) async fn wait_for_log(
    process: &Process,
    pattern: &Pattern,
    options: &LogWaitOptions,
) -> Result<LogMatch> {
    let store = &process.inner.store;
    crate::input::times(i64::try_from(options.times).unwrap_or(i64::MAX))?;
    let start = match options.since {
        LogSince::Start => 0,
        LogSince::Cursor(c) => store.check_cursor(c)?,
        LogSince::Now => store.end(),
    };
    let mut condition = pattern.describe();
    if options.times > 1 {
        condition.push_str(&format!(" (match {} of {})", options.times, options.times));
    }
    let condition = condition;
    let timeout = options.timeout;
    let skipped = Skipped::default();
    let search = async {
        let cancel = Cancel::default();
        // Dropped with this future (a timeout, a cancelled task): stops pool work at once.
        let _stop = cancel.on_drop();
        let mut w = Waiter {
            process,
            pattern,
            store: &process.inner.store,
            cancel,
            skipped: &skipped,
            condition: &condition,
            split: Default::default(),
            start,
            only: options.stream,
            replay_end: store.end(),
            remembered: [None, None],
            tails: Default::default(),
            fed_end: [None, None],
            line: [0, 0],
            counted: [None, None],
            found: 0,
            times: options.times,
        };
        w.run().await
    };
    match timeout {
        Some(t) => tokio::time::timeout(t, search)
            .await
            .unwrap_or_else(|_| Err(skipped.explain(timeout_error(process, &condition, t)))),
        None => search.await,
    }
}

/// Lines a backtracking pattern could not finish within its budget.
#[derive(Default)]
struct Skipped {
    count: AtomicUsize,
    longest: AtomicUsize,
}

impl Skipped {
    fn note(&self, len: usize) {
        self.count.fetch_add(1, Ordering::Relaxed);
        self.longest.fetch_max(len, Ordering::Relaxed);
    }

    /// Adds the skipped lines to a failed wait's message: the real reason a line that
    /// looked right did not match.
    fn explain(&self, mut e: Error) -> Error {
        let n = self.count.load(Ordering::Relaxed);
        if n > 0 {
            e.message.push_str(&format!(
                "; {n} line(s) were too long for this backtracking pattern to test within \
                 {LINE_BUDGET:?} each and were skipped (longest {} bytes)",
                self.longest.load(Ordering::Relaxed)
            ));
        }
        e
    }
}

/// When the unfinished line of one stream was last tested.
#[derive(Default)]
struct Tail {
    /// The unfinished line as last tested (or searched, for a substring).
    tested: (u64, u64),
    /// How far a substring search has looked into the unfinished line.
    searched_to: u64,
    at: Option<Instant>,
    cost: Duration,
}

impl Tail {
    /// When a regex may test the grown line again: the retests of an endless line then
    /// cost a bounded share of a core (1/20), and total work stays linear.
    fn next_due(&self) -> Option<Instant> {
        self.at
            .map(|at| at + (self.cost * TAIL_COST_FACTOR).max(TAIL_MIN_INTERVAL))
    }
}

struct Waiter<'a> {
    process: &'a Process,
    pattern: &'a Pattern,
    store: &'a Arc<LogStore>,
    cancel: Cancel,
    skipped: &'a Skipped,
    condition: &'a str,
    split: [LineSplitter; 2],
    /// The cursor reading starts from.
    start: u64,
    only: Option<StreamKind>,
    /// Output before this cursor was kept before the wait began.
    replay_end: u64,
    /// While replaying: the newest matching frame of each stream's current line.
    remembered: [Option<LogMatch>; 2],
    tails: [Tail; 2],
    /// Where the data fed to each splitter ends: a chunk elsewhere follows a gap.
    fed_end: [Option<u64>; 2],
    /// Where each stream's current terminal line (its frames included) starts.
    line: [u64; 2],
    /// The line of each stream that already counted as a match: a line counts once,
    /// however many of its frames match and whether its unfinished part matched first.
    counted: [Option<u64>; 2],
    found: usize,
    times: usize,
}

impl Waiter<'_> {
    async fn run(&mut self) -> Result<LogMatch> {
        let mut rx = self.store.watch();
        let mut cursor = self.start;
        let mut spans = Vec::new();
        loop {
            rx.borrow_and_update();
            let (entries, next) = self.store.read_from(cursor, BATCH, self.only);
            cursor = next;
            if entries.is_empty() {
                if let Some(found) = self.caught_up().await {
                    return found;
                }
                let due = self.tail_due();
                tokio::select! {
                    changed = rx.changed() => if changed.is_err() {
                        return Err(Error::new(ErrorCode::ProcessError, "process record was dropped"));
                    },
                    _ = async { tokio::time::sleep_until(due.unwrap().into()).await }, if due.is_some() => {}
                }
                continue;
            }
            let full = entries.len() == BATCH;
            for entry in entries {
                match entry {
                    Entry::Output(chunk) => {
                        let replaying = chunk.pos < self.replay_end;
                        if !replaying {
                            if let Some(m) = self.take_remembered() {
                                return Ok(m);
                            }
                        }
                        let i = chunk.stream as usize;
                        if self.fed_end[i] != Some(chunk.offset) {
                            // The first chunk, or one after a gap: a new line starts.
                            self.line[i] = chunk.offset;
                        }
                        self.fed_end[i] = Some(chunk.end_offset());
                        spans.clear();
                        self.split[i].feed(chunk.offset, &chunk.data, &mut spans);
                        spans.retain(|s| !(s.ending == Ending::Frame && s.start == s.end));
                        let hits = self.test_spans(&spans, &chunk, replaying).await;
                        for (span, hit) in spans.iter().zip(hits) {
                            match hit {
                                Some(Err(e)) => return Err(e),
                                // Frames of kept output: a terminal shows the newest one.
                                Some(Ok(m)) if replaying && span.ending == Ending::Frame => {
                                    self.remembered[i] = Some(m);
                                }
                                Some(Ok(m)) => {
                                    self.remembered[i] = None;
                                    if let Some(m) = self.count(i, m) {
                                        return Ok(m);
                                    }
                                }
                                None if span.ending == Ending::Newline => {
                                    if let Some(m) = self.remembered[i].take() {
                                        if let Some(m) = self.count(i, m) {
                                            return Ok(m);
                                        }
                                    }
                                }
                                None => {}
                            }
                            if span.ending == Ending::Newline {
                                self.line[i] = span.next;
                            }
                        }
                    }
                    Entry::Truncated { .. } => {}
                    Entry::Restart { .. } => {
                        // The run's last line without a newline counts, then the next
                        // run starts new lines.
                        if let Some(found) = self.test_tails(true).await {
                            return found;
                        }
                        if let Some(m) = self.take_remembered() {
                            return Ok(m);
                        }
                        self.fed_end = [None, None];
                        self.split = Default::default();
                        self.tails = Default::default();
                    }
                    Entry::Exit { info, .. } => {
                        // A last line without a newline still counts before the exit does.
                        if let Some(found) = self.test_tails(true).await {
                            return found;
                        }
                        if let Some(m) = self.take_remembered() {
                            return Ok(m);
                        }
                        let e = exited_before_ready(self.process, self.condition, info);
                        return Err(self.skipped.explain(e));
                    }
                }
            }
            if full {
                tokio::task::yield_now().await;
            }
        }
    }

    /// Counts a match on stream `i`'s current line (once per line); the match that
    /// makes `times` ends the wait.
    fn count(&mut self, i: usize, m: LogMatch) -> Option<LogMatch> {
        if self.counted[i] == Some(self.line[i]) {
            return None;
        }
        self.counted[i] = Some(self.line[i]);
        self.found += 1;
        (self.found >= self.times).then_some(m)
    }

    /// Counts the newest frame remembered while replaying, of each stream.
    fn take_remembered(&mut self) -> Option<LogMatch> {
        for i in 0..2 {
            if let Some(m) = self.remembered[i].take() {
                if let Some(m) = self.count(i, m) {
                    return Some(m);
                }
            }
        }
        None
    }

    /// All output read so far is handled: the unfinished lines, then what replay found.
    async fn caught_up(&mut self) -> Option<Result<LogMatch>> {
        if let Some(found) = self.test_tails(false).await {
            return Some(found);
        }
        self.take_remembered().map(Ok)
    }

    /// When a grown unfinished line that was held back is next due for a test.
    fn tail_due(&self) -> Option<Instant> {
        if !self.pattern.is_regex() {
            return None;
        }
        (0..2)
            .filter_map(|i| {
                let line = self.split[i].unfinished()?;
                let t = &self.tails[i];
                (t.tested != line).then(|| t.next_due()).flatten()
            })
            .min()
    }

    /// Tests each stream's unfinished line once per change: a substring only over the
    /// bytes not yet searched, a regex when the line has doubled or its time is due (or
    /// at once when `force`d, before an exit), so an endless line never costs quadratic
    /// work.
    async fn test_tails(&mut self, force: bool) -> Option<Result<LogMatch>> {
        for i in 0..2 {
            let Some((start, end)) = self.split[i].unfinished() else {
                continue;
            };
            let stream = if i == 0 {
                StreamKind::Stdout
            } else {
                StreamKind::Stderr
            };
            let t = &mut self.tails[i];
            if t.tested == (start, end) {
                continue;
            }
            if t.tested.0 != start {
                *t = Tail {
                    searched_to: start,
                    ..Tail::default()
                };
            }
            if let Pattern::Substring(needle) = self.pattern {
                let from = t
                    .searched_to
                    .saturating_sub(needle.len() as u64 - 1)
                    .max(start);
                t.searched_to = end;
                t.tested = (start, end);
                let (bytes, _) = self.store.copy_range(stream, from, end);
                if memchr::memmem::find(&bytes, needle.as_bytes()).is_none() {
                    continue;
                }
            } else {
                let len = end - start;
                let grown = len >= 2 * (t.tested.1 - t.tested.0);
                let due = t.next_due().map_or(true, |d| Instant::now() >= d);
                if !(force || grown || due) {
                    continue;
                }
                t.tested = (start, end);
            }
            let began = Instant::now();
            let found = self.test(stream, start, end, end, None).await;
            let t = &mut self.tails[i];
            t.cost = began.elapsed();
            t.at = Some(Instant::now());
            match found {
                Some(Ok(m)) => {
                    if let Some(m) = self.count(i, m) {
                        return Some(Ok(m));
                    }
                }
                Some(Err(e)) => return Some(Err(e)),
                None => {}
            }
        }
        None
    }

    /// Tests the lines a chunk finished, in order, up to the first that ends the wait.
    /// Cheap ones run inline; when any needs the matcher pool, the whole chunk's lines go
    /// in one job, so a backtracking pattern replaying many short lines pays one hand-off
    /// per chunk rather than one per line.
    async fn test_spans(
        &self,
        spans: &[Span],
        chunk: &Chunk,
        replaying: bool,
    ) -> Vec<Option<Result<LogMatch>>> {
        let offload = self.pattern.is_hard()
            || spans
                .iter()
                .any(|s| (s.end - s.start) as usize > INLINE_LINE);
        // A match ends the wait only when one is all it needs; counting goes on through
        // the chunk otherwise.
        let single = self.times == 1;
        let decisive = |span: &Span| single && (!replaying || span.ending == Ending::Newline);
        if !offload {
            let mut out = Vec::with_capacity(spans.len());
            for span in spans {
                let hit = self
                    .test(chunk.stream, span.start, span.end, span.next, Some(chunk))
                    .await;
                let stop = matches!(hit, Some(Err(_))) || (hit.is_some() && decisive(span));
                out.push(hit);
                if stop {
                    break;
                }
            }
            return out;
        }
        let stream = chunk.stream;
        let permit = self.pool_turn().await;
        let lines: Vec<(Span, Option<bytes::Bytes>)> = spans
            .iter()
            .map(|s| (*s, chunk_slice(chunk, stream, s.start, s.end)))
            .collect();
        let (store, pattern, cancel) = (
            self.store.clone(),
            self.pattern.clone(),
            self.cancel.clone(),
        );
        let job = move || {
            let mut scratch = permit;
            let mut owned = Vec::new();
            let mut out = Vec::with_capacity(lines.len());
            for (span, slice) in lines {
                if cancel.is_set() {
                    break;
                }
                let range = (span.start, span.end);
                let bytes = line_bytes(&store, stream, range, &slice, &mut scratch, &mut owned);
                let text = String::from_utf8_lossy(bytes);
                let found = pattern.find_bounded(&text, &cancel, Instant::now() + LINE_BUDGET);
                let stop = single
                    && matches!(found, Found::Match(_))
                    && (!replaying || span.ending == Ending::Newline);
                let line = if matches!(found, Found::Match(_)) {
                    text.into_owned()
                } else {
                    String::new()
                };
                out.push((found, line, (span.end - span.start) as usize));
                if stop {
                    break;
                }
            }
            out
        };
        let Some(results) = crate::matcher::run(job).await else {
            return Vec::new();
        };
        results
            .into_iter()
            .zip(spans)
            .map(|((found, line, len), span)| self.outcome(found, &line, len, stream, span.next))
            .collect()
    }

    /// This process's turn on the matcher pool, and its one buffer for copies of long
    /// lines (held until the job ends): one job per process at a time, so one process's
    /// pathological pattern takes one pool thread, never all of them (four such waits
    /// once made another process's wait time out), and its copies are one line's.
    async fn pool_turn(&self) -> Option<Scratch> {
        Some(Scratch(self.store.scratch.clone().lock_owned().await))
    }

    /// A pool result as a wait sees it; a line too long for the pattern is noted.
    fn outcome(
        &self,
        found: Found,
        line: &str,
        len: usize,
        stream: StreamKind,
        next: u64,
    ) -> Option<Result<LogMatch>> {
        match found {
            Found::Match(m) => Some(Ok(self.to_log_match(line, stream, m, next))),
            Found::TooLong => {
                self.skipped.note(len);
                None
            }
            Found::NoMatch | Found::Cancelled => None,
        }
    }

    /// Tests bytes `start..end` of a stream: from `chunk` when it holds them all, else
    /// copied out of the store for the test only. Cheap tests run inline; a backtracking
    /// pattern or a very long line goes to the matcher pool, off the runtime.
    async fn test(
        &self,
        stream: StreamKind,
        start: u64,
        end: u64,
        next: u64,
        chunk: Option<&Chunk>,
    ) -> Option<Result<LogMatch>> {
        let slice = chunk.and_then(|c| chunk_slice(c, stream, start, end));
        let len = (end - start) as usize;
        if !self.pattern.is_hard() && len <= INLINE_LINE {
            let bytes = match slice {
                Some(b) => b,
                None => self.store.copy_range(stream, start, end).0.into(),
            };
            let text = String::from_utf8_lossy(&bytes);
            return match self.pattern.find(&text) {
                Ok(Some(m)) => Some(Ok(self.to_log_match(&text, stream, m, next))),
                Ok(None) => None,
                Err(_) => {
                    self.skipped.note(len);
                    None
                }
            };
        }
        let (store, pattern, cancel) = (
            self.store.clone(),
            self.pattern.clone(),
            self.cancel.clone(),
        );
        let permit = self.pool_turn().await;
        let job = move || {
            let (mut scratch, mut owned) = (permit, Vec::new());
            let bytes = line_bytes(
                &store,
                stream,
                (start, end),
                &slice,
                &mut scratch,
                &mut owned,
            );
            let text = String::from_utf8_lossy(bytes);
            match pattern.find_bounded(&text, &cancel, Instant::now() + LINE_BUDGET) {
                Found::Match(m) => (Found::Match(m), text.into_owned()),
                other => (other, String::new()),
            }
        };
        let (found, line) = crate::matcher::run(job).await?;
        self.outcome(found, &line, len, stream, next)
    }

    /// The match as returned, with the cursor just after stream offset `next`.
    fn to_log_match(&self, line: &str, stream: StreamKind, m: PatternMatch, next: u64) -> LogMatch {
        LogMatch {
            line: line.to_owned(),
            stream,
            groups: self.pattern.is_regex().then_some(m.groups),
            named: m.named,
            index: m.index,
            cursor: self.store.cursor_after(stream, next),
        }
    }
}

/// A process's buffer for long-line copies, held by one matcher job.
struct Scratch(tokio::sync::OwnedMutexGuard<Vec<u8>>);

impl Drop for Scratch {
    /// The buffer is freed when no other job is waiting for it (they hold the mutex's
    /// `Arc` while they wait): a process's long line costs memory only while matched.
    fn drop(&mut self) {
        let arc = tokio::sync::OwnedMutexGuard::mutex(&self.0);
        if Arc::strong_count(arc) <= 2 {
            *self.0 = Vec::new();
        }
    }
}

/// The bytes `start..end` of `stream`: `slice` if given, else copied out of the store,
/// into `scratch` when there is one.
fn line_bytes<'a>(
    store: &LogStore,
    stream: StreamKind,
    (start, end): (u64, u64),
    slice: &'a Option<bytes::Bytes>,
    scratch: &'a mut Option<Scratch>,
    owned: &'a mut Vec<u8>,
) -> &'a [u8] {
    if let Some(b) = slice {
        return b;
    }
    let buf = match scratch {
        Some(s) => &mut *s.0,
        None => owned,
    };
    store.copy_range_into(stream, start, end, buf);
    buf
}

/// Bytes `start..end` of `stream` when `chunk` holds them all (no copy).
fn chunk_slice(chunk: &Chunk, stream: StreamKind, start: u64, end: u64) -> Option<bytes::Bytes> {
    let inside = chunk.stream == stream
        && chunk.offset <= start
        && end <= chunk.offset + chunk.data.len() as u64;
    inside.then(|| {
        chunk
            .data
            .slice((start - chunk.offset) as usize..(end - chunk.offset) as usize)
    })
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

/// Runs a wait under its timeout, if any: `PROCESS_READY_TIMEOUT` naming `condition`
/// when it expires (the wait is dropped; the process keeps running).
pub(crate) async fn bounded<T>(
    process: &Process,
    condition: &str,
    timeout: Option<Duration>,
    wait: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    match timeout {
        Some(t) => tokio::time::timeout(t, wait)
            .await
            .unwrap_or_else(|_| Err(timeout_error(process, condition, t))),
        None => wait.await,
    }
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
            "0-0-0".into(),
            "test".into(),
            None,
            LogStore::new(limit, None),
        );
        let store = p.inner.store.clone();
        store.push(StreamKind::Stdout, &[b"start-of-"]);
        let waiter = {
            let p = p.clone();
            tokio::spawn(async move {
                let pattern = Pattern::substring("start-of-end").unwrap();
                let options = LogWaitOptions {
                    timeout: Some(Duration::from_millis(300)),
                    ..Default::default()
                };
                wait_for_log(&p, &pattern, &options).await
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
