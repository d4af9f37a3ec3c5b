//! Reads one pipe of a child into the log store, fast and without ever blocking the child.

use crate::logs::{LogStore, StreamKind};
use bytes::{Bytes, BytesMut};
use std::io;
use std::sync::Arc;
use tokio::net::unix::pipe::Receiver;
use tokio::sync::watch;

/// Room reserved per read; a larger read means fewer wake-ups for fast writers.
const READ_SIZE: usize = 256 * 1024;
/// After the child exits, at most this much more is read from a pipe a grandchild still feeds.
const DRAIN_CAP: usize = 16 * 1024 * 1024;

/// Called with each decoded chunk, for `on_output` callbacks.
pub(crate) type OutputSink = Arc<dyn Fn(StreamKind, &str) + Send + Sync>;

/// Reads until end of file, or until `exited` turns true; then drains what the pipe holds.
///
/// Everything the child wrote before it exited is already in the pipe when it is reaped,
/// so reading until the pipe is empty (not until EOF) loses nothing and cannot hang on a
/// grandchild that keeps the write end open.
pub(crate) async fn read_pipe(
    rx: Receiver,
    stream: StreamKind,
    store: Arc<LogStore>,
    sink: Option<OutputSink>,
    mut exited: watch::Receiver<bool>,
) {
    let mut buf = BytesMut::new();
    let mut out = Utf8Carry::default();
    let mut deliver = |bytes: Bytes| {
        if let Some(chunk) = out.push(bytes) {
            if let Some(sink) = &sink {
                sink(stream, &String::from_utf8_lossy(&chunk));
            }
            store.push(stream, chunk);
        }
    };
    loop {
        tokio::select! {
            biased;
            ready = rx.readable() => {
                if ready.is_err() {
                    break;
                }
                match read_available(&rx, &mut buf, usize::MAX, &mut deliver) {
                    Ok(true) => break,
                    Ok(false) => {}
                    Err(_) => break,
                }
            }
            changed = exited.wait_for(|e| *e) => {
                let _ = changed;
                let _ = read_available(&rx, &mut buf, DRAIN_CAP, &mut deliver);
                break;
            }
        }
    }
    if let Some(tail) = out.finish() {
        if let Some(sink) = &sink {
            sink(stream, &String::from_utf8_lossy(&tail));
        }
        store.push(stream, tail);
    }
}

/// Reads until the pipe is empty (`Ok(false)`), at EOF (`Ok(true)`), or `cap` bytes were read.
fn read_available(
    rx: &Receiver,
    buf: &mut BytesMut,
    cap: usize,
    deliver: &mut impl FnMut(Bytes),
) -> io::Result<bool> {
    let mut total = 0usize;
    loop {
        if buf.capacity() - buf.len() < READ_SIZE / 4 {
            buf.reserve(READ_SIZE);
        }
        match rx.try_read_buf(buf) {
            Ok(0) => return Ok(true),
            Ok(n) => {
                total += n;
                deliver(buf.split().freeze());
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

/// Holds back an incomplete UTF-8 sequence at the end of a chunk so that no chunk
/// (and so no event or callback) splits a character.
#[derive(Default)]
struct Utf8Carry {
    held: Vec<u8>,
}

impl Utf8Carry {
    fn push(&mut self, bytes: Bytes) -> Option<Bytes> {
        let bytes = if self.held.is_empty() {
            bytes
        } else {
            let mut joined = std::mem::take(&mut self.held);
            joined.extend_from_slice(&bytes);
            Bytes::from(joined)
        };
        let keep = incomplete_tail(&bytes);
        if keep > 0 {
            self.held.extend_from_slice(&bytes[bytes.len() - keep..]);
        }
        let ready = bytes.slice(..bytes.len() - keep);
        (!ready.is_empty()).then_some(ready)
    }

    fn finish(&mut self) -> Option<Bytes> {
        (!self.held.is_empty()).then(|| Bytes::from(std::mem::take(&mut self.held)))
    }
}

/// The length of a UTF-8 sequence that starts near the end of `b` but is cut off.
fn incomplete_tail(b: &[u8]) -> usize {
    for back in 1..=b.len().min(3) {
        let byte = b[b.len() - back];
        if byte & 0xC0 == 0x80 {
            continue;
        }
        let need = match byte {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => return 0,
        };
        return if need > back { back } else { 0 };
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_back_a_split_character() {
        let mut c = Utf8Carry::default();
        let e = "é".as_bytes();
        let first = c.push(Bytes::from(vec![b'a', e[0]])).unwrap();
        assert_eq!(&first[..], b"a");
        let second = c.push(Bytes::copy_from_slice(&e[1..])).unwrap();
        assert_eq!(&second[..], e);
        assert!(c.finish().is_none());
    }

    #[test]
    fn invalid_bytes_pass_through() {
        let mut c = Utf8Carry::default();
        assert_eq!(
            &c.push(Bytes::from_static(b"\xff\xfe")).unwrap()[..],
            b"\xff\xfe"
        );
        assert_eq!(incomplete_tail("€".as_bytes()), 0);
        assert_eq!(incomplete_tail(&"€".as_bytes()[..2]), 2);
        // A cut sequence at EOF is flushed as it is.
        assert!(c.push(Bytes::from_static(b"\xe2")).is_none());
        assert_eq!(&c.finish().unwrap()[..], b"\xe2");
    }
}
