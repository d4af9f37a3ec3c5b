//! Splits a stream's chunks into lines for waits, keeping the unfinished last line.

use bytes::Bytes;

/// Reassembles lines of one stream across chunk boundaries, within a byte bound.
pub(crate) struct LineAssembler {
    partial: Vec<u8>,
    max_line: usize,
    /// Whether `partial` was tested as it is now.
    tail_tested: bool,
}

impl LineAssembler {
    pub(crate) fn new(max_line: usize) -> LineAssembler {
        LineAssembler {
            partial: Vec::new(),
            max_line: max_line.max(1),
            tail_tested: false,
        }
    }

    /// Feeds a chunk, calling `on_line` for each complete line and keeping the rest as
    /// the unfinished line. Stops early when `on_line` returns `Some`.
    pub(crate) fn feed<T>(
        &mut self,
        data: &Bytes,
        mut on_line: impl FnMut(&[u8]) -> Option<T>,
    ) -> Option<T> {
        let mut rest: &[u8] = data;
        while let Some(pos) = memchr::memchr(b'\n', rest) {
            let (line, after) = rest.split_at(pos);
            rest = &after[1..];
            let found = if self.partial.is_empty() {
                on_line(strip_cr(line))
            } else {
                self.partial.extend_from_slice(line);
                let whole = std::mem::take(&mut self.partial);
                on_line(strip_cr(&whole))
            };
            self.tail_tested = false;
            if found.is_some() {
                self.partial.clear();
                return found;
            }
        }
        if !rest.is_empty() {
            self.partial.extend_from_slice(rest);
            self.tail_tested = false;
            if self.partial.len() > self.max_line {
                // A line longer than the log limit keeps only its newest bytes, as the log does.
                let cut = self.partial.len() - self.max_line;
                self.partial.drain(..cut);
            }
        }
        None
    }

    /// Tests the unfinished last line (a prompt without a newline), once per change.
    /// Called only when the reader has caught up, so a long line arriving in many
    /// chunks is not rescanned for every chunk.
    pub(crate) fn tail<T>(&mut self, on_line: impl FnOnce(&[u8]) -> Option<T>) -> Option<T> {
        if self.partial.is_empty() || self.tail_tested {
            return None;
        }
        self.tail_tested = true;
        on_line(&self.partial)
    }

    /// Forgets the unfinished line: the bytes that would continue it were dropped.
    pub(crate) fn reset(&mut self) {
        self.partial.clear();
        self.tail_tested = false;
    }
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines seen when each chunk is followed by a caught-up tail test.
    fn lines_of(chunks: &[&str]) -> Vec<String> {
        let mut a = LineAssembler::new(1 << 20);
        let mut seen = Vec::new();
        for c in chunks {
            a.feed::<()>(&Bytes::copy_from_slice(c.as_bytes()), |l| {
                seen.push(String::from_utf8_lossy(l).into_owned());
                None
            });
            a.tail::<()>(|l| {
                seen.push(format!("tail:{}", String::from_utf8_lossy(l)));
                None
            });
        }
        seen
    }

    #[test]
    fn joins_lines_split_across_chunks_and_reports_the_tail() {
        assert_eq!(
            lines_of(&["Ser", "ver ready\nnext"]),
            ["tail:Ser", "Server ready", "tail:next"]
        );
        assert_eq!(lines_of(&["a\r\nb\n"]), ["a", "b"]);
        assert_eq!(lines_of(&["> "]), ["tail:> "]);
    }

    #[test]
    fn the_tail_is_tested_once_per_change_and_forgotten_on_reset() {
        let mut a = LineAssembler::new(100);
        a.feed::<()>(&Bytes::from_static(b"abc"), |_| None);
        assert_eq!(a.tail(|l| Some(l.to_vec())), Some(b"abc".to_vec()));
        assert_eq!(a.tail(|l| Some(l.to_vec())), None);
        a.reset();
        a.feed::<()>(&Bytes::from_static(b"def"), |_| None);
        assert_eq!(a.tail(|l| Some(l.to_vec())), Some(b"def".to_vec()));
    }

    #[test]
    fn stops_at_the_first_hit() {
        let mut a = LineAssembler::new(100);
        let hit = a.feed(&Bytes::from_static(b"x\ny\nz\n"), |l| {
            (l == b"y").then_some(1)
        });
        assert_eq!(hit, Some(1));
    }

    #[test]
    fn an_endless_line_stays_bounded() {
        let mut a = LineAssembler::new(10);
        for _ in 0..100 {
            a.feed::<()>(&Bytes::from_static(b"0123456789abcdef"), |_| None);
        }
        assert!(a.partial.len() <= 10);
    }
}
