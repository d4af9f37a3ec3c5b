//! Splits a stream's chunks into lines for waits, keeping the unfinished last line.

use bytes::Bytes;

/// Reassembles lines of one stream across chunk boundaries, within a byte bound.
pub(crate) struct LineAssembler {
    partial: Vec<u8>,
    max_line: usize,
}

impl LineAssembler {
    pub(crate) fn new(max_line: usize) -> LineAssembler {
        LineAssembler {
            partial: Vec::new(),
            max_line: max_line.max(1),
        }
    }

    /// Feeds a chunk, calling `on_line` for each complete line and then, if the chunk
    /// left one, for the unfinished tail (so a prompt without a newline is seen).
    /// Stops early when `on_line` returns `Some`.
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
            if found.is_some() {
                self.partial.clear();
                return found;
            }
        }
        if rest.is_empty() {
            return None;
        }
        self.partial.extend_from_slice(rest);
        if self.partial.len() > self.max_line {
            // A line longer than the log limit keeps only its newest bytes, as the log does.
            let cut = self.partial.len() - self.max_line;
            self.partial.drain(..cut);
        }
        on_line(&self.partial)
    }
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(chunks: &[&str]) -> Vec<String> {
        let mut a = LineAssembler::new(1 << 20);
        let mut seen = Vec::new();
        for c in chunks {
            a.feed::<()>(&Bytes::copy_from_slice(c.as_bytes()), |l| {
                seen.push(String::from_utf8_lossy(l).into_owned());
                None
            });
        }
        seen
    }

    #[test]
    fn joins_lines_split_across_chunks_and_reports_the_tail() {
        assert_eq!(
            lines_of(&["Ser", "ver ready\nnext"]),
            ["Ser", "Server ready", "next"]
        );
        assert_eq!(lines_of(&["a\r\nb\n"]), ["a", "b"]);
        assert_eq!(lines_of(&["> "]), ["> "]);
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
