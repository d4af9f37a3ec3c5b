//! Reads one pipe of a child into the log store, fast and without ever blocking the child.

use crate::logs::{LogStore, StreamKind};
use std::io;
use std::sync::Arc;
use tokio::net::unix::pipe::Receiver;
use tokio::sync::watch;

/// One reusable read buffer per pipe. 64 KiB, not more: in benches/ a 256 KiB read
/// halved the capture throughput of a 1 GiB stream (0.69 s vs 0.30 s, pipe limit 0.24 s).
const READ_SIZE: usize = 64 * 1024;
/// After the child exits, at most this much more is read from a pipe a grandchild still feeds.
const DRAIN_CAP: usize = 16 * 1024 * 1024;

/// What a reader reads: a pipe, or the master side of a terminal.
pub(crate) enum Source {
    Pipe(Receiver),
    Pty(crate::pty::Terminal),
}

impl Source {
    async fn readable(&self) -> io::Result<()> {
        match self {
            Source::Pipe(rx) => rx.readable().await,
            Source::Pty(t) => t.readable().await,
        }
    }

    fn try_read_buf(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        match self {
            Source::Pipe(rx) => rx.try_read_buf(buf),
            Source::Pty(t) => {
                let spare = buf.spare_capacity_mut();
                // SAFETY: u8 has no invalid bit patterns and the bytes are written by
                // read(2) before `set_len` exposes them.
                let slice = unsafe {
                    std::slice::from_raw_parts_mut(spare.as_mut_ptr().cast::<u8>(), spare.len())
                };
                let n = t.try_read(slice)?;
                // SAFETY: read(2) initialised the first `n` bytes of the spare capacity.
                unsafe { buf.set_len(buf.len() + n) };
                Ok(n)
            }
        }
    }
}

/// Called with each decoded chunk, for `on_output` callbacks.
pub(crate) type OutputSink = Arc<dyn Fn(StreamKind, &str) + Send + Sync>;

/// Reads until end of file, or until `exited` turns true; then drains what the pipe holds.
///
/// Everything the child wrote before it exited is already in the pipe when it is reaped,
/// so reading until the pipe is empty (not until EOF) loses nothing and cannot hang on a
/// grandchild that keeps the write end open.
pub(crate) async fn read_pipe(
    rx: Source,
    stream: StreamKind,
    store: Arc<LogStore>,
    sink: Option<OutputSink>,
    mut exited: watch::Receiver<bool>,
) {
    // Allocated on first output, so an idle process costs no buffer.
    let mut buf: Vec<u8> = Vec::new();
    let mut carry = Utf8Carry::default();
    let mut deliver = |data: &[u8]| {
        let (prefix, body) = carry.split(data);
        let parts = [prefix.as_slice(), body];
        if let Some(sink) = &sink {
            let mut text = String::from_utf8_lossy(parts[0]).into_owned();
            text.push_str(&String::from_utf8_lossy(parts[1]));
            if !text.is_empty() {
                sink(stream, &text);
            }
        }
        store.push(stream, &parts);
    };
    loop {
        tokio::select! {
            biased;
            ready = rx.readable() => {
                if ready.is_err() {
                    break;
                }
                match read_available(&rx, &mut buf, usize::MAX, &mut deliver) {
                    Ok(false) => {}
                    Ok(true) | Err(_) => break,
                }
            }
            _ = exited.wait_for(|e| *e) => {
                let _ = read_available(&rx, &mut buf, DRAIN_CAP, &mut deliver);
                break;
            }
        }
    }
    let tail = carry.finish();
    if !tail.is_empty() {
        if let Some(sink) = &sink {
            sink(stream, &String::from_utf8_lossy(&tail));
        }
        store.push(stream, &[&tail]);
    }
}

/// Reads until the pipe is empty (`Ok(false)`), at EOF (`Ok(true)`), or `cap` bytes were read.
fn read_available(
    rx: &Source,
    buf: &mut Vec<u8>,
    cap: usize,
    deliver: &mut impl FnMut(&[u8]),
) -> io::Result<bool> {
    if buf.capacity() == 0 {
        // Not zeroed: a process that prints little touches only the pages it fills.
        buf.reserve_exact(READ_SIZE);
    }
    let mut total = 0usize;
    loop {
        buf.clear();
        match rx.try_read_buf(buf) {
            Ok(0) => return Ok(true),
            Ok(n) => {
                total += n;
                deliver(&buf[..n]);
                if total >= cap {
                    return Ok(false);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Holds back an incomplete UTF-8 sequence at the end of a read so that no chunk
/// (and so no event or callback) splits a character.
#[derive(Default)]
struct Utf8Carry {
    held: Vec<u8>,
}

impl Utf8Carry {
    /// Splits a read into the completed held sequence (if any) and the body to keep now;
    /// an incomplete sequence at the end is held for the next read.
    fn split<'a>(&mut self, data: &'a [u8]) -> (Vec<u8>, &'a [u8]) {
        let mut data = data;
        let mut prefix = Vec::new();
        if !self.held.is_empty() {
            let need = seq_len(self.held[0]).saturating_sub(self.held.len());
            let take = data
                .iter()
                .take(need)
                .take_while(|b| (**b & 0xC0) == 0x80)
                .count();
            self.held.extend_from_slice(&data[..take]);
            data = &data[take..];
            if take < need && data.is_empty() {
                return (prefix, data);
            }
            prefix = std::mem::take(&mut self.held);
        }
        let keep = incomplete_tail(data);
        self.held.extend_from_slice(&data[data.len() - keep..]);
        (prefix, &data[..data.len() - keep])
    }

    fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.held)
    }
}

/// The length of the UTF-8 sequence a lead byte starts (1 for anything else).
fn seq_len(lead: u8) -> usize {
    match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}

/// The length of a UTF-8 sequence that starts near the end of `b` but is cut off.
fn incomplete_tail(b: &[u8]) -> usize {
    for back in 1..=b.len().min(3) {
        let byte = b[b.len() - back];
        if byte & 0xC0 == 0x80 {
            continue;
        }
        let need = seq_len(byte);
        return if need > back { back } else { 0 };
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(c: &mut Utf8Carry, data: &[u8]) -> Vec<u8> {
        let (p, b) = c.split(data);
        [p.as_slice(), b].concat()
    }

    #[test]
    fn holds_back_a_split_character() {
        let mut c = Utf8Carry::default();
        let e = "é".as_bytes();
        assert_eq!(joined(&mut c, &[b'a', e[0]]), b"a");
        assert_eq!(joined(&mut c, &[e[1], b'b']), "éb".as_bytes());
        assert!(c.finish().is_empty());
        // A four-byte character split over three reads.
        let crab = "🦀".as_bytes();
        assert_eq!(joined(&mut c, &crab[..1]), b"");
        assert_eq!(joined(&mut c, &crab[1..2]), b"");
        assert_eq!(joined(&mut c, &crab[2..]), crab);
    }

    #[test]
    fn invalid_bytes_pass_through() {
        let mut c = Utf8Carry::default();
        assert_eq!(joined(&mut c, b"\xff\xfe"), b"\xff\xfe");
        assert_eq!(incomplete_tail("€".as_bytes()), 0);
        assert_eq!(incomplete_tail(&"€".as_bytes()[..2]), 2);
        // A lead byte followed by a non-continuation byte is not held forever.
        assert_eq!(joined(&mut c, b"\xe2"), b"");
        assert_eq!(joined(&mut c, b"x"), b"\xe2x");
        // A cut sequence at EOF is flushed as it is.
        assert_eq!(joined(&mut c, b"\xe2"), b"");
        assert_eq!(c.finish(), b"\xe2");
    }
}
