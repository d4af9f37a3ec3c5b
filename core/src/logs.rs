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

/// Bookkeeping charged per chunk, so that a flood of tiny writes stays bounded too.
const CHUNK_OVERHEAD: usize = 64;

/// One read from a pipe.
#[derive(Debug, Clone)]
pub(crate) struct Chunk {
    pub seq: u64,
    pub stream: StreamKind,
    pub data: Bytes,
    pub at: SystemTime,
}

/// One entry of the ordered event log.
#[derive(Debug, Clone)]
pub(crate) enum Entry {
    Output(Chunk),
    Exit { info: ExitInfo, at: SystemTime },
}

#[derive(Default)]
struct Ring {
    chunks: VecDeque<Chunk>,
    charged: usize,
    dropped: u64,
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

    /// Appends a chunk, dropping the stream's oldest bytes beyond the limit.
    pub(crate) fn push(&self, stream: StreamKind, data: Bytes) {
        if data.is_empty() {
            return;
        }
        let mut g = self.inner.lock().unwrap();
        if let Some(f) = g.file.as_mut() {
            // A full disk must not stop the capture; the in-memory log is the contract.
            if f.write(&data).is_err() {
                g.file = None;
            }
        }
        let seq = g.next_seq;
        g.next_seq += 1;
        let ring = &mut g.rings[stream.index()];
        ring.charged += data.len() + CHUNK_OVERHEAD;
        ring.chunks.push_back(Chunk {
            seq,
            stream,
            data,
            at: SystemTime::now(),
        });
        trim(ring, self.limit);
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
        let [a, b] = &g.rings;
        let mut ia = a.chunks.partition_point(|c| c.seq < cursor);
        let mut ib = b.chunks.partition_point(|c| c.seq < cursor);
        let mut next = cursor;
        while out.len() < max {
            let ca = a.chunks.get(ia);
            let cb = b.chunks.get(ib);
            let pick = match (ca, cb) {
                (Some(x), Some(y)) => Some(if x.seq < y.seq {
                    (x, &mut ia)
                } else {
                    (y, &mut ib)
                }),
                (Some(x), None) => Some((x, &mut ia)),
                (None, Some(y)) => Some((y, &mut ib)),
                (None, None) => None,
            };
            match pick {
                Some((c, i)) => {
                    *i += 1;
                    next = c.seq + 1;
                    out.push(Entry::Output(c.clone()));
                }
                None => {
                    if let Some((seq, info, at)) = g.exit {
                        if seq >= cursor {
                            out.push(Entry::Exit { info, at });
                            next = seq + 1;
                        }
                    }
                    break;
                }
            }
        }
        (out, next)
    }

    /// Everything kept, per stream.
    pub(crate) fn snapshot(&self) -> Logs {
        let g = self.inner.lock().unwrap();
        let text = |r: &Ring| {
            let mut buf = Vec::with_capacity(r.charged);
            for c in &r.chunks {
                buf.extend_from_slice(&c.data);
            }
            String::from_utf8_lossy(&buf).into_owned()
        };
        Logs {
            stdout: text(&g.rings[0]),
            stderr: text(&g.rings[1]),
            stdout_dropped: g.rings[0].dropped,
            stderr_dropped: g.rings[1].dropped,
        }
    }

    /// The last `n` lines of both streams merged in read order (for error context).
    pub(crate) fn tail_lines(&self, n: usize) -> Vec<String> {
        const TAIL_BYTES: usize = 8 * 1024;
        let g = self.inner.lock().unwrap();
        let mut picked: Vec<&Chunk> = Vec::new();
        for ring in &g.rings {
            let mut size = 0;
            for c in ring.chunks.iter().rev() {
                picked.push(c);
                size += c.data.len();
                if size >= TAIL_BYTES {
                    break;
                }
            }
        }
        picked.sort_by_key(|c| c.seq);
        let mut text = Vec::new();
        for c in picked {
            text.extend_from_slice(&c.data);
        }
        let start = text.len().saturating_sub(TAIL_BYTES * 2);
        let text = String::from_utf8_lossy(&text[start..]);
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..]
            .iter()
            .map(|l| l.to_string())
            .collect()
    }
}

/// Drops the oldest bytes of a ring until it is within `limit`.
fn trim(ring: &mut Ring, limit: usize) {
    while ring.charged > limit {
        let Some(front) = ring.chunks.front_mut() else {
            break;
        };
        let excess = ring.charged - limit;
        if excess >= front.data.len() {
            ring.charged -= front.data.len() + CHUNK_OVERHEAD;
            ring.dropped += front.data.len() as u64;
            ring.chunks.pop_front();
        } else {
            // Cut the front chunk, then forward to a character boundary so the kept text
            // does not start with half a UTF-8 sequence.
            let mut cut = excess.min(front.data.len());
            while cut < front.data.len() && (front.data[cut] & 0xC0) == 0x80 {
                cut += 1;
            }
            front.data = front.data.slice(cut..);
            ring.charged -= cut;
            ring.dropped += cut as u64;
            if front.data.is_empty() {
                ring.charged -= CHUNK_OVERHEAD;
                ring.chunks.pop_front();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::ProcessStatus;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    #[test]
    fn replays_both_streams_in_read_order_then_exit() {
        let s = LogStore::new(1 << 20, None);
        s.push(StreamKind::Stdout, b("a"));
        s.push(StreamKind::Stderr, b("b"));
        s.push(StreamKind::Stdout, b("c"));
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
        s.push(StreamKind::Stderr, b("keep me"));
        for i in 0..1000 {
            s.push(StreamKind::Stdout, b(&format!("line {i}\n")));
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
        s.push(StreamKind::Stdout, b(&"é".repeat(200)));
        let logs = s.snapshot();
        assert!(logs.stdout.len() <= 100);
        assert!(logs.stdout.chars().all(|c| c == 'é'));
    }

    #[test]
    fn tail_lines_merges_streams() {
        let s = LogStore::new(1 << 20, None);
        s.push(StreamKind::Stdout, b("one\ntwo\n"));
        s.push(StreamKind::Stderr, b("three\n"));
        s.push(StreamKind::Stdout, b("four"));
        assert_eq!(s.tail_lines(3), ["two", "three", "four"]);
    }

    #[test]
    fn watch_changes_on_push_and_close() {
        let s = LogStore::new(1 << 20, None);
        let mut rx = s.watch();
        assert!(!rx.has_changed().unwrap());
        s.push(StreamKind::Stdout, b("x"));
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
