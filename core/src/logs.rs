//! The output kept for one process: two bounded rings of chunks sharing one
//! sequence, so a reader can replay both streams in the order they were read
//! and then follow live output from the same cursor with no gap.

use crate::logfile::RotatingFile;
use crate::status::ExitInfo;
use bytes::Bytes;
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::SystemTime;
use tokio::sync::watch;

/// Which output stream a chunk came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StreamKind {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl StreamKind {
    /// `"stdout"` or `"stderr"`.
    pub fn as_str(self) -> &'static str {
        match self {
            StreamKind::Stdout => "stdout",
            StreamKind::Stderr => "stderr",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Bookkeeping charged per chunk against the limit, so a flood of tiny writes stays bounded too.
const CHUNK_COST: usize = 48;
/// First allocation of a ring; it doubles up to the limit as output grows.
const MIN_RING: usize = 64 * 1024;

/// One read from a pipe, as handed to readers (a copy out of the ring).
#[derive(Debug, Clone)]
pub(crate) struct Chunk {
    pub seq: u64,
    pub stream: StreamKind,
    /// Absolute offset of `data` in its stream; a reader that finds it past where the
    /// previous chunk ended knows the bytes between were dropped.
    pub offset: u64,
    pub data: Bytes,
    pub at: SystemTime,
}

/// One entry of the ordered event log.
#[derive(Debug, Clone)]
pub(crate) enum Entry {
    Output(Chunk),
    Exit { info: ExitInfo, at: SystemTime },
}

/// Where one read's bytes sit in the stream, by absolute offset.
#[derive(Debug, Clone, Copy)]
struct Meta {
    seq: u64,
    start: u64,
    end: u64,
    at: SystemTime,
}

/// A stream's kept bytes: one circular buffer, allocated as it fills and never beyond
/// the limit, so a process printing gigabytes costs no allocation per read.
#[derive(Default)]
struct Ring {
    buf: Vec<u8>,
    /// Index in `buf` of the oldest kept byte.
    head: usize,
    /// Bytes kept.
    len: usize,
    /// Bytes ever pushed: the absolute offset of the end.
    written: u64,
    metas: VecDeque<Meta>,
    dropped: u64,
}

impl Ring {
    fn oldest(&self) -> u64 {
        self.written - self.len as u64
    }

    fn charged(&self) -> usize {
        self.len + CHUNK_COST * self.metas.len()
    }

    /// Drops `n` of the oldest kept bytes.
    fn drop_front(&mut self, n: usize) {
        let n = n.min(self.len);
        if self.buf.is_empty() {
            return;
        }
        self.head = (self.head + n) % self.buf.len();
        self.len -= n;
        self.dropped += n as u64;
        let oldest = self.oldest();
        while self.metas.front().is_some_and(|m| m.end <= oldest) {
            self.metas.pop_front();
        }
    }

    /// Makes room for `n` more bytes within `limit`, growing the buffer first.
    fn reserve(&mut self, n: usize, limit: usize) {
        let want = self.len + n;
        if want > self.buf.len() && self.buf.len() < limit {
            let size = want.max(self.buf.len() * 2).max(MIN_RING).min(limit);
            // Straighten the ring in place, then grow it: a large realloc can remap pages
            // instead of holding the old and new buffers at once.
            self.buf.rotate_left(self.head);
            self.head = 0;
            self.buf.resize(size, 0);
        }
        if self.len + n > self.buf.len() {
            self.drop_front(self.len + n - self.buf.len());
        }
    }

    fn write(&mut self, data: &[u8]) {
        let size = self.buf.len();
        let at = (self.head + self.len) % size;
        let first = data.len().min(size - at);
        self.buf[at..at + first].copy_from_slice(&data[..first]);
        self.buf[..data.len() - first].copy_from_slice(&data[first..]);
        self.len += data.len();
        self.written += data.len() as u64;
    }

    /// The kept bytes between two absolute offsets, as at most two slices.
    fn segments(&self, from: u64, to: u64) -> (&[u8], &[u8]) {
        let from = from.max(self.oldest());
        if to <= from || self.buf.is_empty() {
            return (&[], &[]);
        }
        let size = self.buf.len();
        let start = (self.head + (from - self.oldest()) as usize) % size;
        let n = (to - from) as usize;
        let first = n.min(size - start);
        (&self.buf[start..start + first], &self.buf[..n - first])
    }

    fn copy(&self, from: u64, to: u64) -> Vec<u8> {
        let (a, b) = self.segments(from, to);
        let mut v = Vec::with_capacity(a.len() + b.len());
        v.extend_from_slice(a);
        v.extend_from_slice(b);
        v
    }

    fn push(&mut self, seq: u64, parts: &[&[u8]], limit: usize) {
        let total: usize = parts.iter().map(|p| p.len()).sum();
        // Only the newest `limit` bytes of a huge read can be kept.
        let mut skip = total.saturating_sub(limit);
        self.dropped += skip as u64;
        let kept = total - skip;
        self.reserve(kept, limit);
        let start = self.written;
        for part in parts {
            let s = skip.min(part.len());
            skip -= s;
            if s < part.len() {
                self.write(&part[s..]);
            }
        }
        self.metas.push_back(Meta {
            seq,
            start,
            end: self.written,
            at: SystemTime::now(),
        });
        // The newest read always stays (at most `limit` bytes, its bookkeeping aside):
        // charging it its cost too would leave a limit under CHUNK_COST keeping nothing,
        // and waits, which read through this ring, would never see any output.
        while self.charged() > limit && self.metas.len() > 1 {
            let excess = self.charged() - limit;
            let front = self.metas[0];
            let kept_of_front = (front.end - front.start.max(self.oldest())) as usize;
            if excess >= kept_of_front {
                self.drop_front(kept_of_front);
                if self.metas.front().is_some_and(|m| m.seq == front.seq) {
                    self.metas.pop_front();
                }
            } else {
                self.drop_front(excess);
            }
        }
    }

    /// All kept text, starting at a character boundary.
    fn text(&self) -> String {
        let mut bytes = self.copy(self.oldest(), self.written);
        if self.dropped > 0 {
            let skip = bytes
                .iter()
                .take(3)
                .take_while(|b| (**b & 0xC0) == 0x80)
                .count();
            bytes.drain(..skip);
        }
        // Valid UTF-8 (the usual case) becomes the String without a second copy.
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

struct Inner {
    next_seq: u64,
    rings: [Ring; 2],
    exit: Option<(u64, ExitInfo, SystemTime)>,
    file: Option<RotatingFile>,
}

/// Output kept so far, decoded as UTF-8 with invalid bytes replaced.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Logs {
    /// Standard output kept.
    pub stdout: String,
    /// Standard error kept.
    pub stderr: String,
    /// Bytes of stdout dropped to stay within the log limit.
    pub stdout_dropped: u64,
    /// Bytes of stderr dropped to stay within the log limit.
    pub stderr_dropped: u64,
}

/// The bounded, ordered output of one process.
pub(crate) struct LogStore {
    inner: Mutex<Inner>,
    limit: usize,
    version: watch::Sender<u64>,
}

impl LogStore {
    pub(crate) fn new(limit: usize, file: Option<RotatingFile>) -> LogStore {
        LogStore {
            inner: Mutex::new(Inner {
                next_seq: 0,
                rings: Default::default(),
                exit: None,
                file,
            }),
            limit,
            version: watch::Sender::new(0),
        }
    }

    /// Appends one read (given in parts), dropping the stream's oldest bytes beyond the limit.
    pub(crate) fn push(&self, stream: StreamKind, parts: &[&[u8]]) {
        if parts.iter().all(|p| p.is_empty()) {
            return;
        }
        let mut g = self.inner.lock().unwrap();
        if let Some(f) = g.file.as_mut() {
            // A full disk must not stop the capture; the in-memory log is the contract.
            if parts.iter().try_for_each(|p| f.write(p)).is_err() {
                g.file = None;
            }
        }
        let seq = g.next_seq;
        g.next_seq += 1;
        g.rings[stream.index()].push(seq, parts, self.limit);
        drop(g);
        self.version.send_modify(|v| *v = seq + 1);
    }

    /// Records the exit as the last event; nothing is pushed after it.
    pub(crate) fn close(&self, info: ExitInfo) {
        let mut g = self.inner.lock().unwrap();
        if g.exit.is_some() {
            return;
        }
        let seq = g.next_seq;
        g.next_seq += 1;
        g.exit = Some((seq, info, SystemTime::now()));
        g.file = None;
        drop(g);
        self.version.send_modify(|v| *v = seq + 1);
    }

    /// A receiver that changes whenever an entry is added.
    pub(crate) fn watch(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }

    /// Up to `max` entries with `seq >= cursor`, in order, and the cursor after them.
    /// Entries dropped by the limit are skipped.
    pub(crate) fn read_from(&self, cursor: u64, max: usize) -> (Vec<Entry>, u64) {
        let g = self.inner.lock().unwrap();
        let mut out = Vec::new();
        let mut idx = [0usize; 2];
        for (i, ring) in g.rings.iter().enumerate() {
            idx[i] = ring.metas.partition_point(|m| m.seq < cursor);
        }
        let mut next = cursor;
        while out.len() < max {
            let heads = [g.rings[0].metas.get(idx[0]), g.rings[1].metas.get(idx[1])];
            let pick = match heads {
                [Some(a), Some(b)] => Some(if a.seq < b.seq { 0 } else { 1 }),
                [Some(_), None] => Some(0),
                [None, Some(_)] => Some(1),
                [None, None] => None,
            };
            let Some(i) = pick else {
                if let Some((seq, info, at)) = g.exit {
                    if seq >= cursor {
                        out.push(Entry::Exit { info, at });
                        next = seq + 1;
                    }
                }
                break;
            };
            let ring = &g.rings[i];
            let m = ring.metas[idx[i]];
            idx[i] += 1;
            next = m.seq + 1;
            let stream = if i == 0 {
                StreamKind::Stdout
            } else {
                StreamKind::Stderr
            };
            out.push(Entry::Output(Chunk {
                seq: m.seq,
                stream,
                offset: m.start.max(ring.oldest()),
                data: Bytes::from(ring.copy(m.start, m.end)),
                at: m.at,
            }));
        }
        (out, next)
    }

    /// The kept bytes of one stream between two absolute offsets, clamped to what is
    /// still kept, with the offset the copy really starts at (later than `from` when the
    /// log limit dropped the start). Waits copy a long line out of here only while they
    /// test it, rather than each keeping its own copy.
    pub(crate) fn copy_range(&self, stream: StreamKind, from: u64, to: u64) -> (Vec<u8>, u64) {
        let g = self.inner.lock().unwrap();
        let ring = &g.rings[stream.index()];
        let start = from.max(ring.oldest());
        (ring.copy(start, to.min(ring.written)), start)
    }

    /// The sequence number the next entry will get: what a reader that starts now has
    /// to replay ends before it.
    pub(crate) fn next_seq(&self) -> u64 {
        self.inner.lock().unwrap().next_seq
    }

    /// Everything kept, per stream.
    pub(crate) fn snapshot(&self) -> Logs {
        let g = self.inner.lock().unwrap();
        Logs {
            stdout: g.rings[0].text(),
            stderr: g.rings[1].text(),
            stdout_dropped: g.rings[0].dropped,
            stderr_dropped: g.rings[1].dropped,
        }
    }

    /// The last `n` lines of both streams merged in read order (for error context).
    pub(crate) fn tail_lines(&self, n: usize) -> Vec<String> {
        const TAIL_BYTES: u64 = 8 * 1024;
        let g = self.inner.lock().unwrap();
        // Lines are cut per stream (reads of the two pipes interleave mid-line), each
        // placed by the read that completed it, then the streams are merged.
        let mut lines: Vec<(u64, String)> = Vec::new();
        for ring in &g.rings {
            let floor = ring.written.saturating_sub(TAIL_BYTES).max(ring.oldest());
            let text = ring.copy(floor, ring.written);
            let metas: Vec<&Meta> = ring.metas.iter().filter(|m| m.end > floor).collect();
            let (mut mi, mut line_start) = (0usize, 0usize);
            for (i, &b) in text.iter().enumerate() {
                if b != b'\n' && i + 1 != text.len() {
                    continue;
                }
                let at = floor + i as u64;
                while mi + 1 < metas.len() && metas[mi].end <= at {
                    mi += 1;
                }
                let seq = metas.get(mi).map_or(0, |m| m.seq);
                let mut line = &text[line_start..if b == b'\n' { i } else { i + 1 }];
                if b == b'\n' {
                    line = line.strip_suffix(b"\r").unwrap_or(line);
                }
                lines.push((seq, String::from_utf8_lossy(line).into_owned()));
                line_start = i + 1;
            }
        }
        // Stable: lines completed by one read keep their order.
        lines.sort_by_key(|(seq, _)| *seq);
        let skip = lines.len().saturating_sub(n);
        lines.into_iter().skip(skip).map(|(_, l)| l).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::ProcessStatus;

    fn push(s: &LogStore, stream: StreamKind, text: &str) {
        s.push(stream, &[text.as_bytes()]);
    }

    #[test]
    fn replays_both_streams_in_read_order_then_exit() {
        let s = LogStore::new(1 << 20, None);
        push(&s, StreamKind::Stdout, "a");
        push(&s, StreamKind::Stderr, "b");
        push(&s, StreamKind::Stdout, "c");
        s.close(ExitInfo {
            exit_code: Some(0),
            signal: None,
            status: ProcessStatus::Completed,
        });
        let (entries, next) = s.read_from(0, 100);
        let seen: Vec<String> = entries
            .iter()
            .map(|e| match e {
                Entry::Output(c) => {
                    format!("{}:{}", c.stream.as_str(), String::from_utf8_lossy(&c.data))
                }
                Entry::Exit { .. } => "exit".into(),
            })
            .collect();
        assert_eq!(seen, ["stdout:a", "stderr:b", "stdout:c", "exit"]);
        assert_eq!(next, 4);
        assert!(s.read_from(next, 100).0.is_empty());
        // A cursor in the middle resumes exactly there.
        assert_eq!(s.read_from(2, 1).0.len(), 1);
    }

    #[test]
    fn each_stream_is_bounded_and_counts_what_it_dropped() {
        let limit = 1000;
        let s = LogStore::new(limit, None);
        push(&s, StreamKind::Stderr, "keep me");
        for i in 0..1000 {
            push(&s, StreamKind::Stdout, &format!("line {i}\n"));
        }
        let logs = s.snapshot();
        assert!(logs.stdout.len() <= limit, "{}", logs.stdout.len());
        assert!(logs.stdout.ends_with("line 999\n"));
        assert!(logs.stdout_dropped > 0);
        assert_eq!(logs.stderr, "keep me");
        assert_eq!(logs.stderr_dropped, 0);
        let total: u64 = (0..1000).map(|i| format!("line {i}\n").len() as u64).sum();
        assert_eq!(logs.stdout.len() as u64 + logs.stdout_dropped, total);
    }

    #[test]
    fn one_huge_chunk_is_cut_to_the_limit_at_a_char_boundary() {
        let s = LogStore::new(100, None);
        push(&s, StreamKind::Stdout, &"é".repeat(200));
        let logs = s.snapshot();
        assert!(logs.stdout.len() <= 100);
        assert!(logs.stdout.chars().all(|c| c == 'é'));
    }

    #[test]
    fn tail_lines_merges_streams() {
        let s = LogStore::new(1 << 20, None);
        push(&s, StreamKind::Stdout, "one\ntwo\n");
        push(&s, StreamKind::Stderr, "three\n");
        push(&s, StreamKind::Stdout, "four");
        assert_eq!(s.tail_lines(3), ["two", "three", "four"]);
    }

    #[test]
    fn chunks_carry_their_offsets_so_readers_see_gaps() {
        let s = LogStore::new(200, None);
        push(&s, StreamKind::Stdout, &"a".repeat(100));
        let (first, next) = s.read_from(0, 10);
        let Entry::Output(c) = &first[0] else {
            panic!()
        };
        assert_eq!((c.offset, c.data.len()), (0, 100));
        for _ in 0..3 {
            push(&s, StreamKind::Stdout, &"b".repeat(100));
        }
        let (later, _) = s.read_from(next, 10);
        let Entry::Output(c) = &later[0] else {
            panic!()
        };
        // The first "b" chunks were dropped: the next kept byte is past offset 100.
        assert!(c.offset > 100, "{}", c.offset);
    }

    #[test]
    fn tail_lines_keep_lines_whole_when_reads_interleave() {
        // `print()` in an unbuffered Python writes the text and the newline apart, so
        // the other stream's read can land between them.
        let s = LogStore::new(1 << 20, None);
        push(&s, StreamKind::Stdout, "loading config");
        push(&s, StreamKind::Stderr, "fatal: config file missing");
        push(&s, StreamKind::Stdout, "\n");
        push(&s, StreamKind::Stderr, "\r\n");
        push(&s, StreamKind::Stdout, "partial");
        assert_eq!(
            s.tail_lines(20),
            ["loading config", "fatal: config file missing", "partial"]
        );
    }

    #[test]
    fn watch_changes_on_push_and_close() {
        let s = LogStore::new(1 << 20, None);
        let mut rx = s.watch();
        assert!(!rx.has_changed().unwrap());
        push(&s, StreamKind::Stdout, "x");
        assert!(rx.has_changed().unwrap());
        rx.borrow_and_update();
        s.close(ExitInfo {
            exit_code: Some(1),
            signal: None,
            status: ProcessStatus::Failed,
        });
        assert!(rx.has_changed().unwrap());
    }
}
