//! The output kept for one process: two bounded rings of bytes that share one
//! counter, so every byte read gets a position (its cursor) in read order across both
//! streams. Readers replay kept output from any cursor, then follow live output from
//! the same place with no gap, and learn exactly how much the log limit dropped.

use crate::error::{Error, ErrorCode, Result};
use crate::logfile::RotatingFile;
use crate::status::ExitInfo;
use bytes::Bytes;
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
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

    /// `"stdout"` or `"stderr"` as a stream; anything else is `INVALID_ARGUMENT`.
    pub fn parse(name: &str) -> Result<StreamKind> {
        match name {
            "stdout" => Ok(StreamKind::Stdout),
            "stderr" => Ok(StreamKind::Stderr),
            other => Err(Error::new(
                ErrorCode::InvalidArgument,
                format!("stream must be 'stdout' or 'stderr', got {other:?}"),
            )),
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    fn of(index: usize) -> StreamKind {
        if index == 0 {
            StreamKind::Stdout
        } else {
            StreamKind::Stderr
        }
    }
}

/// Bookkeeping charged per chunk against the limit, so a flood of tiny writes stays bounded too.
const CHUNK_COST: usize = 48;
/// First allocation of a ring; it doubles up to the limit as output grows.
const MIN_RING: usize = 64 * 1024;

/// One read from a pipe, as handed to readers (a copy out of the ring).
#[derive(Debug, Clone)]
pub(crate) struct Chunk {
    /// The cursor of `data`'s first byte.
    pub pos: u64,
    pub stream: StreamKind,
    /// Offset of `data` in its stream's kept bytes; a reader that finds it past where the
    /// previous chunk ended knows the bytes between were dropped.
    pub offset: u64,
    pub data: Bytes,
    pub at: SystemTime,
}

impl Chunk {
    /// The cursor just after this chunk.
    #[cfg(test)]
    pub fn end(&self) -> u64 {
        self.pos + self.data.len() as u64
    }

    /// The stream offset just after this chunk.
    pub fn end_offset(&self) -> u64 {
        self.offset + self.data.len() as u64
    }
}

/// One entry of the ordered event log.
#[derive(Debug, Clone)]
pub(crate) enum Entry {
    Output(Chunk),
    /// `dropped` bytes between the reader's cursor and `cursor` are gone (log limit).
    Truncated {
        dropped: u64,
        cursor: u64,
    },
    /// The run that ended with `exit_code` is followed by a new one (restart policy).
    Restart {
        exit_code: Option<i32>,
        at: SystemTime,
        cursor: u64,
    },
    Exit {
        info: ExitInfo,
        at: SystemTime,
        cursor: u64,
    },
}

/// Where one read's bytes sit: `start..end` in its stream, from cursor `pos` on.
#[derive(Debug, Clone, Copy)]
struct Meta {
    pos: u64,
    start: u64,
    end: u64,
    at: SystemTime,
}

impl Meta {
    fn end_pos(&self) -> u64 {
        self.pos + (self.end - self.start)
    }
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
    /// Bytes ever stored: the stream offset of the end.
    written: u64,
    /// Reads whose bytes are (at least partly) kept, oldest first; their stream
    /// offsets are contiguous, and so are their cursors within each read.
    metas: VecDeque<Meta>,
    /// Bytes of this stream dropped to stay within the limit.
    dropped: u64,
    /// The cursor just after the newest dropped byte of this stream (0: none dropped).
    lost_until: u64,
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
        if self.buf.is_empty() || n == 0 {
            return;
        }
        self.head = (self.head + n) % self.buf.len();
        self.len -= n;
        self.dropped += n as u64;
        let oldest = self.oldest();
        while let Some(m) = self.metas.front().copied() {
            if m.end > oldest {
                if m.start < oldest {
                    self.lost_until = self.lost_until.max(m.pos + (oldest - m.start));
                }
                break;
            }
            self.lost_until = self.lost_until.max(m.end_pos());
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

    /// The kept bytes between two stream offsets, as at most two slices.
    fn segments(&self, from: u64, to: u64) -> (&[u8], &[u8]) {
        let from = from.max(self.oldest());
        let to = to.min(self.written);
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

    /// Stores one read whose first byte has cursor `pos`.
    fn push(&mut self, pos: u64, parts: &[&[u8]], limit: usize) {
        let total: usize = parts.iter().map(|p| p.len()).sum();
        // Only the newest `limit` bytes of a huge read can be kept.
        let mut skip = total.saturating_sub(limit);
        if skip > 0 {
            self.dropped += skip as u64;
            self.lost_until = self.lost_until.max(pos + skip as u64);
        }
        let meta_pos = pos + skip as u64;
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
            pos: meta_pos,
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
                if self.metas.front().is_some_and(|m| m.pos == front.pos) {
                    self.lost_until = self.lost_until.max(front.end_pos());
                    self.metas.pop_front();
                }
            } else {
                self.drop_front(excess);
            }
        }
    }

    /// The index of the first read holding a kept byte at or after cursor `pos`, and
    /// that byte's stream offset and cursor.
    fn kept_from(&self, pos: u64) -> Option<(usize, u64, u64)> {
        let oldest = self.oldest();
        let i = self.metas.partition_point(|m| m.end_pos() <= pos);
        self.metas
            .iter()
            .enumerate()
            .skip(i)
            .find(|(_, m)| m.end > m.start && m.end > oldest)
            .map(|(i, m)| {
                let offset = (m.start + pos.saturating_sub(m.pos)).max(oldest);
                (i, offset, m.pos + (offset - m.start))
            })
    }

    /// The stream offset of the first kept byte at or after cursor `pos` (the end when
    /// there is none).
    fn offset_from(&self, pos: u64) -> u64 {
        self.kept_from(pos).map_or(self.written, |(_, o, _)| o)
    }

    /// The cursor of the kept byte at stream offset `offset` (of the end, for the end).
    fn pos_of(&self, offset: u64) -> u64 {
        let i = self.metas.partition_point(|m| m.end <= offset);
        match self.metas.get(i) {
            Some(m) if m.start <= offset => m.pos + (offset - m.start),
            _ => self.metas.back().map_or(0, |m| m.end_pos()),
        }
    }

    /// Kept bytes of this stream whose cursors lie in `from..to`.
    fn kept_between(&self, from: u64, to: u64) -> u64 {
        let oldest = self.oldest();
        self.metas
            .iter()
            .map(|m| {
                let a = (m.pos + m.start.max(oldest).saturating_sub(m.start)).max(from);
                let b = m.end_pos().min(to);
                b.saturating_sub(a)
            })
            .sum()
    }

    /// Where each of the last `n` lines kept from stream offset `from` on starts, with
    /// the cursor its ending (or the end of output, for an unfinished line) has.
    fn last_lines(&self, from: u64, n: usize) -> Vec<(u64, u64)> {
        let (a, b) = self.segments(from, self.written);
        let from = from.max(self.oldest());
        let total = (a.len() + b.len()) as u64;
        let byte_at = |i: u64| {
            if (i as usize) < a.len() {
                a[i as usize]
            } else {
                b[i as usize - a.len()]
            }
        };
        let mut newlines = memchr::memrchr_iter(b'\n', b)
            .map(|i| (i + a.len()) as u64)
            .chain(memchr::memrchr_iter(b'\n', a).map(|i| i as u64));
        let mut out = Vec::new();
        if total == 0 || n == 0 {
            return out;
        }
        // The last line ends at the last newline, or at the end when it is unfinished.
        let mut end = if byte_at(total - 1) == b'\n' {
            newlines.next();
            total - 1
        } else {
            total
        };
        while out.len() < n {
            let start = match newlines.next() {
                Some(nl) => nl + 1,
                None => 0,
            };
            out.push((from + start, self.pos_of(from + end)));
            if start == 0 {
                break;
            }
            end = start - 1;
        }
        out
    }
}

/// A restart between two runs. It takes one position on the counter, holding no byte,
/// so the output before it and the restart itself have different cursors.
#[derive(Debug, Clone, Copy)]
struct Marker {
    pos: u64,
    at: SystemTime,
    exit_code: Option<i32>,
}

/// Restarts remembered for readers; older ones read as dropped.
const MAX_MARKERS: usize = 4096;

struct Inner {
    /// Bytes ever read, both streams, and one position per restart: the cursor of the
    /// end of output.
    total: u64,
    markers: VecDeque<Marker>,
    rings: [Ring; 2],
    exit: Option<(ExitInfo, SystemTime)>,
    file: Option<RotatingFile>,
}

/// Which part of the kept output `get_logs` returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogQuery {
    /// Only output after this cursor (from a previous reply, event or match).
    pub since: Option<u64>,
    /// Only the last this many lines (of both streams together, in read order).
    pub tail: Option<usize>,
    /// Only this stream (the other comes back empty).
    pub stream: Option<StreamKind>,
    /// At most this many bytes: the newest.
    pub max_bytes: Option<usize>,
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
    /// Where to continue from: the cursor of the end of output when this was read.
    pub cursor: u64,
    /// Whether the log limit dropped output inside the window asked for.
    pub truncated: bool,
}

/// Decodes kept bytes, starting at a character boundary: a cursor or a cut can fall
/// inside a character, whose continuation bytes are then skipped.
fn decode(mut bytes: Vec<u8>) -> String {
    let skip = bytes
        .iter()
        .take(3)
        .take_while(|b| (**b & 0xC0) == 0x80)
        .count();
    bytes.drain(..skip);
    // Valid UTF-8 (the usual case) becomes the String without a second copy.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The bounded, ordered output of one process.
/// Most bytes of output one read of the store copies out. Each reader (a wait, an event
/// stream) holds its batch while it works through it: a hundred slow waits, each with
/// 64 reads of 64 KiB, held 400 MB of copies.
const READ_BYTES: usize = 64 * 1024;

pub(crate) struct LogStore {
    inner: Mutex<Inner>,
    limit: usize,
    version: watch::Sender<u64>,
    /// This process's turn on the matcher pool and the one buffer long lines are copied
    /// into for matching: held by one job at a time however many waits want one (see
    /// `wait.rs`).
    pub(crate) scratch: Arc<tokio::sync::Mutex<Vec<u8>>>,
}

impl LogStore {
    pub(crate) fn new(limit: usize, file: Option<RotatingFile>) -> LogStore {
        LogStore {
            inner: Mutex::new(Inner {
                total: 0,
                markers: VecDeque::new(),
                rings: Default::default(),
                exit: None,
                file,
            }),
            limit,
            version: watch::Sender::new(0),
            scratch: Arc::default(),
        }
    }

    /// Appends one read (given in parts), dropping the stream's oldest bytes beyond the limit.
    pub(crate) fn push(&self, stream: StreamKind, parts: &[&[u8]]) {
        let n: usize = parts.iter().map(|p| p.len()).sum();
        if n == 0 {
            return;
        }
        let mut g = self.inner.lock().unwrap();
        if g.exit.is_some() {
            return;
        }
        if let Some(f) = g.file.as_mut() {
            // A full disk must not stop the capture; the in-memory log is the contract.
            if parts.iter().try_for_each(|p| f.write(p)).is_err() {
                g.file = None;
            }
        }
        let pos = g.total;
        g.total += n as u64;
        g.rings[stream.index()].push(pos, parts, self.limit);
        drop(g);
        self.version.send_modify(|v| *v += 1);
    }

    /// Records that the run which ended with `exit_code` is followed by another.
    pub(crate) fn restart(&self, exit_code: Option<i32>) {
        let mut g = self.inner.lock().unwrap();
        if g.exit.is_some() {
            return;
        }
        let pos = g.total;
        g.total += 1;
        if g.markers.len() == MAX_MARKERS {
            g.markers.pop_front();
        }
        g.markers.push_back(Marker {
            pos,
            at: SystemTime::now(),
            exit_code,
        });
        drop(g);
        self.version.send_modify(|v| *v += 1);
    }

    /// Records the exit as the last event; nothing is pushed after it.
    pub(crate) fn close(&self, info: ExitInfo) {
        let mut g = self.inner.lock().unwrap();
        if g.exit.is_some() {
            return;
        }
        g.exit = Some((info, SystemTime::now()));
        g.file = None;
        drop(g);
        self.version.send_modify(|v| *v += 1);
    }

    /// A receiver that changes whenever an entry is added.
    pub(crate) fn watch(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }

    /// The cursor of the end of output: where a reader that starts now begins.
    pub(crate) fn end(&self) -> u64 {
        self.inner.lock().unwrap().total
    }

    /// `INVALID_ARGUMENT` for a cursor past the end of output (a cursor from another
    /// process, or made up); the end itself is fine.
    pub(crate) fn check_cursor(&self, since: u64) -> Result<u64> {
        let total = self.end();
        if since > total {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                format!(
                    "since {since} is past the end of this process's output (its cursor is {total})"
                ),
            ));
        }
        Ok(since)
    }

    /// Up to `max` entries from cursor `pos` on (of one stream, or both), in read order,
    /// and the cursor after them; past [`READ_BYTES`] of output no more are added. Output
    /// the log limit dropped in between comes back as one `Truncated` entry; the exit
    /// comes last, once every kept byte was read.
    pub(crate) fn read_from(
        &self,
        pos: u64,
        max: usize,
        only: Option<StreamKind>,
    ) -> (Vec<Entry>, u64) {
        let g = self.inner.lock().unwrap();
        let wanted = |i: usize| only.map_or(true, |s| s.index() == i);
        let mut out = Vec::new();
        let mut pos = pos;
        let mut bytes = 0;
        while out.len() < max && bytes < READ_BYTES {
            let next = (0..2)
                .filter(|&i| wanted(i))
                .filter_map(|i| g.rings[i].kept_from(pos).map(|k| (i, k)))
                .min_by_key(|(_, (_, _, at))| *at);
            let marker = g
                .markers
                .get(g.markers.partition_point(|m| m.pos < pos))
                .copied()
                .filter(|m| next.map_or(true, |(_, (_, _, at))| m.pos < at));
            if let Some(m) = marker {
                if m.pos > pos {
                    let dropped = self.gap(&g, pos, m.pos, only);
                    if dropped > 0 {
                        out.push(Entry::Truncated {
                            dropped,
                            cursor: m.pos,
                        });
                    }
                }
                out.push(Entry::Restart {
                    exit_code: m.exit_code,
                    at: m.at,
                    cursor: m.pos + 1,
                });
                pos = m.pos + 1;
                continue;
            }
            let Some((i, (m, offset, at))) = next else {
                // Nothing kept from here on: the rest, if any, was dropped.
                let until = match only {
                    None => g.total,
                    Some(s) => g.rings[s.index()].lost_until.max(pos),
                };
                if until > pos {
                    let dropped = self.gap(&g, pos, until, only);
                    if dropped > 0 {
                        out.push(Entry::Truncated {
                            dropped,
                            cursor: until,
                        });
                    }
                    pos = until;
                    continue;
                }
                if let Some((info, at)) = g.exit {
                    out.push(Entry::Exit {
                        info,
                        at,
                        cursor: g.total,
                    });
                    pos = g.total;
                }
                break;
            };
            if at > pos {
                let dropped = self.gap(&g, pos, at, only);
                if dropped > 0 {
                    out.push(Entry::Truncated {
                        dropped,
                        cursor: at,
                    });
                    if out.len() == max {
                        pos = at;
                        break;
                    }
                }
            }
            let ring = &g.rings[i];
            let meta = ring.metas[m];
            let data = Bytes::from(ring.copy(offset, meta.end));
            bytes += data.len();
            out.push(Entry::Output(Chunk {
                pos: at,
                stream: StreamKind::of(i),
                offset,
                data,
                at: meta.at,
            }));
            pos = at + (meta.end - offset);
        }
        (out, pos)
    }

    /// Bytes dropped between cursors `from` and `to`, where nothing of the streams read
    /// is kept. Reading both streams, that is all of them. Reading one, the other's kept
    /// bytes in between are not a loss; its dropped ones cannot be told apart any more,
    /// so the count is at most the stream's own drops.
    fn gap(&self, g: &Inner, from: u64, to: u64, only: Option<StreamKind>) -> u64 {
        // Restarts hold a position each, and no byte.
        let markers = g
            .markers
            .iter()
            .filter(|m| (from..to).contains(&m.pos))
            .count() as u64;
        let to = to - markers.min(to - from);
        match only {
            None => to - from,
            Some(s) => {
                let ring = &g.rings[s.index()];
                if from >= ring.lost_until {
                    return 0;
                }
                let other = &g.rings[1 - s.index()];
                let to = to.min(ring.lost_until);
                (to - from - other.kept_between(from, to)).min(ring.dropped)
            }
        }
    }

    /// The kept bytes of one stream between two stream offsets, clamped to what is
    /// still kept, with the offset the copy really starts at (later than `from` when the
    /// log limit dropped the start). Waits copy a long line out of here only while they
    /// test it, rather than each keeping its own copy.
    /// [`LogStore::copy_range`] into `buf` (its allocation reused).
    pub(crate) fn copy_range_into(
        &self,
        stream: StreamKind,
        from: u64,
        to: u64,
        buf: &mut Vec<u8>,
    ) {
        let g = self.inner.lock().unwrap();
        let ring = &g.rings[stream.index()];
        let start = from.max(ring.oldest());
        let (a, b) = ring.segments(start, to.min(ring.written));
        buf.clear();
        buf.extend_from_slice(a);
        buf.extend_from_slice(b);
    }

    pub(crate) fn copy_range(&self, stream: StreamKind, from: u64, to: u64) -> (Vec<u8>, u64) {
        let g = self.inner.lock().unwrap();
        let ring = &g.rings[stream.index()];
        let start = from.max(ring.oldest());
        (ring.copy(start, to.min(ring.written)), start)
    }

    /// The cursor just after stream offset `offset` of `stream`'s kept bytes (the byte
    /// before it must still be kept; else the cursor of the oldest kept byte).
    pub(crate) fn cursor_after(&self, stream: StreamKind, offset: u64) -> u64 {
        let g = self.inner.lock().unwrap();
        let ring = &g.rings[stream.index()];
        if offset == 0 || offset <= ring.oldest() {
            return ring.pos_of(ring.oldest());
        }
        ring.pos_of(offset - 1) + 1
    }

    /// Everything kept, per stream.
    pub(crate) fn snapshot(&self) -> Logs {
        self.query(&LogQuery::default())
            .expect("a query without a cursor never fails")
    }

    /// The kept output a query selects; see [`LogQuery`]. It copies only what it
    /// returns: a cursor is found by binary search over the reads kept.
    pub(crate) fn query(&self, q: &LogQuery) -> Result<Logs> {
        let g = self.inner.lock().unwrap();
        let since = q.since.unwrap_or(0);
        if since > g.total {
            drop(g);
            return self.check_cursor(since).map(|_| Logs::default());
        }
        let wanted = |i: usize| q.stream.map_or(true, |s| s.index() == i);
        let mut from = [0u64; 2];
        for (i, ring) in g.rings.iter().enumerate() {
            from[i] = if wanted(i) {
                ring.offset_from(since)
            } else {
                ring.written
            };
        }
        let truncated = (0..2).any(|i| wanted(i) && since < g.rings[i].lost_until);
        if let Some(n) = q.tail {
            let mut lines: Vec<(u64, usize, u64)> = Vec::new();
            for (i, ring) in g.rings.iter().enumerate() {
                if wanted(i) {
                    lines.extend(
                        ring.last_lines(from[i], n)
                            .into_iter()
                            .map(|(start, end)| (end, i, start)),
                    );
                }
            }
            lines.sort_unstable();
            let keep = lines.len().saturating_sub(n);
            let mut cut = [g.rings[0].written, g.rings[1].written];
            for &(_, i, start) in &lines[keep..] {
                cut[i] = cut[i].min(start);
            }
            for i in 0..2 {
                from[i] = from[i].max(cut[i]);
            }
        }
        if let Some(max) = q.max_bytes {
            from = newest(&g.rings, from, max);
        }
        let text = |i: usize| {
            let ring = &g.rings[i];
            decode(ring.copy(from[i], ring.written))
        };
        Ok(Logs {
            stdout: text(0),
            stderr: text(1),
            stdout_dropped: g.rings[0].dropped,
            stderr_dropped: g.rings[1].dropped,
            cursor: g.total,
            truncated,
        })
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
                let pos = metas.get(mi).map_or(0, |m| m.pos);
                let mut line = &text[line_start..if b == b'\n' { i } else { i + 1 }];
                if b == b'\n' {
                    line = line.strip_suffix(b"\r").unwrap_or(line);
                }
                lines.push((pos, String::from_utf8_lossy(line).into_owned()));
                line_start = i + 1;
            }
        }
        // Stable: lines completed by one read keep their order.
        lines.sort_by_key(|(pos, _)| *pos);
        let skip = lines.len().saturating_sub(n);
        lines.into_iter().skip(skip).map(|(_, l)| l).collect()
    }
}

/// Moves each stream's start (`from`, a stream offset) later so that at most `max`
/// bytes remain, keeping the newest by cursor across both streams.
fn newest(rings: &[Ring; 2], from: [u64; 2], max: usize) -> [u64; 2] {
    let mut cut = [rings[0].written, rings[1].written];
    let mut next = [rings[0].metas.len(), rings[1].metas.len()];
    let mut budget = max as u64;
    loop {
        // The newest read not yet counted, of the two streams.
        let pick = (0..2)
            .filter(|&i| next[i] > 0 && cut[i] > from[i])
            .max_by_key(|&i| rings[i].metas[next[i] - 1].pos);
        let Some(i) = pick else {
            return cut;
        };
        let m = rings[i].metas[next[i] - 1];
        let start = m.start.max(from[i]).max(rings[i].oldest());
        let size = m.end.saturating_sub(start);
        if size > budget {
            cut[i] = m.end - budget;
            return cut;
        }
        budget -= size;
        cut[i] = start;
        next[i] -= 1;
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
        let (entries, next) = s.read_from(0, 100, None);
        let seen: Vec<String> = entries
            .iter()
            .map(|e| match e {
                Entry::Output(c) => {
                    format!("{}:{}", c.stream.as_str(), String::from_utf8_lossy(&c.data))
                }
                Entry::Exit { .. } => "exit".into(),
                Entry::Truncated { .. } => "truncated".into(),
                Entry::Restart { .. } => "restart".into(),
            })
            .collect();
        assert_eq!(seen, ["stdout:a", "stderr:b", "stdout:c", "exit"]);
        assert_eq!(next, 3);
        // A reader at the end of an ended process gets the exit again, and only that.
        let again = s.read_from(next, 100, None).0;
        assert!(
            matches!(again[..], [Entry::Exit { cursor: 3, .. }]),
            "{again:?}"
        );
        // A cursor in the middle resumes exactly there.
        assert_eq!(s.read_from(2, 1, None).0.len(), 1);
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
        let (first, next) = s.read_from(0, 10, None);
        let Entry::Output(c) = &first[0] else {
            panic!()
        };
        assert_eq!((c.offset, c.data.len()), (0, 100));
        for _ in 0..3 {
            push(&s, StreamKind::Stdout, &"b".repeat(100));
        }
        let (later, _) = s.read_from(next, 10, None);
        // The first "b" chunks were dropped: the reader is told how many bytes, and the
        // next kept byte is past offset 100.
        let Entry::Truncated { dropped, cursor } = later[0] else {
            panic!("{:?}", later[0])
        };
        let Entry::Output(c) = &later[1] else {
            panic!()
        };
        assert!(c.offset > 100, "{}", c.offset);
        assert_eq!(cursor, c.pos);
        assert_eq!(dropped, c.pos - 100);
        let Some(Entry::Output(last)) = later.last() else {
            panic!()
        };
        assert_eq!(last.end(), 400);
    }

    fn texts(entries: &[Entry]) -> Vec<String> {
        entries
            .iter()
            .map(|e| match e {
                Entry::Output(c) => format!(
                    "{}@{}:{}",
                    c.stream.as_str(),
                    c.pos,
                    String::from_utf8_lossy(&c.data)
                ),
                Entry::Truncated { dropped, cursor } => format!("truncated {dropped} to {cursor}"),
                Entry::Exit { cursor, .. } => format!("exit@{cursor}"),
                Entry::Restart { cursor, .. } => format!("restart@{cursor}"),
            })
            .collect()
    }

    #[test]
    fn one_cursor_counts_every_byte_of_both_streams() {
        let s = LogStore::new(1 << 20, None);
        push(&s, StreamKind::Stdout, "hello\n");
        push(&s, StreamKind::Stderr, "oops\n");
        push(&s, StreamKind::Stdout, "bye");
        assert_eq!(s.end(), 14);
        let (all, next) = s.read_from(0, 10, None);
        assert_eq!(
            texts(&all),
            ["stdout@0:hello\n", "stderr@6:oops\n", "stdout@11:bye"]
        );
        assert_eq!(next, 14);
        // A cursor inside a read starts inside it.
        assert_eq!(
            texts(&s.read_from(8, 10, None).0),
            ["stderr@8:ps\n", "stdout@11:bye"]
        );
        // One stream: the other's bytes are skipped, not reported lost.
        assert_eq!(
            texts(&s.read_from(0, 10, Some(StreamKind::Stdout)).0),
            ["stdout@0:hello\n", "stdout@11:bye"]
        );
        assert_eq!(
            texts(&s.read_from(3, 10, Some(StreamKind::Stderr)).0),
            ["stderr@6:oops\n"]
        );
    }

    #[test]
    fn get_logs_since_tail_stream_and_max_bytes() {
        let s = LogStore::new(1 << 20, None);
        push(&s, StreamKind::Stdout, "a1\na2\n");
        push(&s, StreamKind::Stderr, "e1\n");
        push(&s, StreamKind::Stdout, "a3\na4");
        let all = s.query(&LogQuery::default()).unwrap();
        assert_eq!(
            (all.stdout.as_str(), all.stderr.as_str()),
            ("a1\na2\na3\na4", "e1\n")
        );
        assert_eq!((all.cursor, all.truncated), (14, false));
        let q = |since, tail, stream, max_bytes| {
            let l = s
                .query(&LogQuery {
                    since,
                    tail,
                    stream,
                    max_bytes,
                })
                .unwrap();
            (l.stdout, l.stderr)
        };
        assert_eq!(
            q(Some(6), None, None, None),
            ("a3\na4".into(), "e1\n".into())
        );
        assert_eq!(q(Some(9), None, None, None), ("a3\na4".into(), "".into()));
        assert_eq!(q(Some(14), None, None, None), ("".into(), "".into()));
        // The last lines of both streams together, in read order.
        assert_eq!(q(None, Some(2), None, None), ("a3\na4".into(), "".into()));
        assert_eq!(
            q(None, Some(3), None, None),
            ("a3\na4".into(), "e1\n".into())
        );
        assert_eq!(
            q(None, Some(4), None, None),
            ("a2\na3\na4".into(), "e1\n".into())
        );
        assert_eq!(
            q(None, Some(2), Some(StreamKind::Stderr), None),
            ("".into(), "e1\n".into())
        );
        assert_eq!(q(None, Some(0), None, None), ("".into(), "".into()));
        // The newest bytes, across both streams by cursor.
        assert_eq!(q(None, None, None, Some(5)), ("a3\na4".into(), "".into()));
        assert_eq!(q(None, None, None, Some(6)), ("a3\na4".into(), "\n".into()));
        assert_eq!(
            q(None, None, None, Some(7)),
            ("a3\na4".into(), "1\n".into())
        );
        assert_eq!(
            q(None, None, Some(StreamKind::Stdout), Some(7)),
            ("2\na3\na4".into(), "".into())
        );
        let past = s
            .query(&LogQuery {
                since: Some(15),
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(past.code, ErrorCode::InvalidArgument);
        assert!(past.message.contains("15"), "{}", past.message);
    }

    #[test]
    fn a_cursor_older_than_the_oldest_byte_says_truncated() {
        let limit = 300;
        let s = LogStore::new(limit, None);
        for i in 0..100 {
            push(&s, StreamKind::Stdout, &format!("line {i:03}\n"));
        }
        let total = 100 * 9;
        let all = s.query(&LogQuery::default()).unwrap();
        assert!(all.truncated);
        assert_eq!(all.stdout.len() as u64 + all.stdout_dropped, total);
        // A reader at cursor 0 learns exactly how much is gone.
        let (entries, _) = s.read_from(0, 1, None);
        let Entry::Truncated { dropped, cursor } = entries[0] else {
            panic!()
        };
        assert_eq!(dropped, all.stdout_dropped);
        assert_eq!(cursor, all.stdout_dropped);
        // A reader past the loss is not truncated.
        let recent = s
            .query(&LogQuery {
                since: Some(total - 9),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            (recent.stdout.as_str(), recent.truncated),
            ("line 099\n", false)
        );
        // One huge read: only its newest bytes are kept, and its cursors still count all.
        push(&s, StreamKind::Stderr, &"x".repeat(1000));
        assert_eq!(s.end(), total + 1000);
        let (entries, _) = s.read_from(total, 10, Some(StreamKind::Stderr));
        assert_eq!(texts(&entries)[0], "truncated 700 to 1600");
    }

    #[test]
    fn a_restart_takes_one_position_and_no_byte() {
        let s = LogStore::new(1 << 20, None);
        push(&s, StreamKind::Stdout, "a\n");
        s.restart(Some(1));
        push(&s, StreamKind::Stdout, "b\n");
        assert_eq!(s.end(), 5);
        assert_eq!(
            texts(&s.read_from(0, 10, None).0),
            ["stdout@0:a\n", "restart@3", "stdout@3:b\n"]
        );
        // From the output before it, the restart comes; from the restart's own
        // cursor, it does not come again.
        assert_eq!(
            texts(&s.read_from(2, 10, None).0),
            ["restart@3", "stdout@3:b\n"]
        );
        assert_eq!(texts(&s.read_from(3, 10, None).0), ["stdout@3:b\n"]);
        assert_eq!(
            texts(&s.read_from(0, 10, Some(StreamKind::Stderr)).0),
            ["restart@3"]
        );
        let all = s.query(&LogQuery::default()).unwrap();
        assert_eq!(
            (all.stdout.as_str(), all.cursor, all.truncated),
            ("a\nb\n", 5, false)
        );
    }

    #[test]
    fn max_bytes_and_since_cut_at_character_boundaries() {
        let s = LogStore::new(1 << 20, None);
        push(&s, StreamKind::Stdout, "ééé");
        let l = s
            .query(&LogQuery {
                max_bytes: Some(3),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(l.stdout, "é");
        let l = s
            .query(&LogQuery {
                since: Some(1),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(l.stdout, "éé");
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
