//! Where one stream's lines begin and end, by absolute offset, as a terminal shows them.
//!
//! A line ends at `\n` (a `\r\n` pair is one ending), or at a `\r` not followed by `\n`:
//! progress bars and spinners redraw one line with bare `\r`, and each redraw is a frame
//! of that line. Only offsets are kept, never the bytes: the bytes stay in the log
//! store, and a wait copies a line out only while it tests it, so a hundred waits on
//! one endless line cost no more memory than one.

/// How a line ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// A bare `\r`: the line will be redrawn (a frame of a progress bar).
    Frame,
    /// `\n` or `\r\n`.
    Newline,
}

/// A finished line: bytes `start..end` of the stream, without its ending, which ends
/// before `next`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: u64,
    pub end: u64,
    pub next: u64,
    pub ending: Ending,
}

/// Finds line endings in one stream's chunks, keeping the unfinished line as offsets.
#[derive(Debug, Default)]
pub(crate) struct LineSplitter {
    /// Where the unfinished line starts.
    start: u64,
    /// Where the data fed so far ends; `None` before the first chunk.
    end: Option<u64>,
    /// A `\r` that ended the data fed so far: until the next byte shows whether `\n`
    /// follows, it is not known whether it ends a frame or a line.
    cr_at: Option<u64>,
}

impl LineSplitter {
    /// Feeds the chunk at `offset`, appending each line it finishes to `out`. A chunk
    /// that does not start where the last one ended follows output dropped by the log
    /// limit: the unfinished line is abandoned, so two half lines are never joined.
    pub(crate) fn feed(&mut self, offset: u64, data: &[u8], out: &mut Vec<Span>) {
        if self.end != Some(offset) {
            self.start = offset;
            self.cr_at = None;
        }
        self.end = Some(offset + data.len() as u64);
        let mut i = 0;
        if let Some(cr) = self.cr_at.take() {
            if data.first() == Some(&b'\n') {
                self.finish(cr, cr + 2, Ending::Newline, out);
                i = 1;
            } else {
                self.finish(cr, cr + 1, Ending::Frame, out);
            }
        }
        while let Some(found) = memchr::memchr2(b'\n', b'\r', &data[i..]) {
            let p = i + found;
            let at = offset + p as u64;
            i = p + 1;
            if data[p] == b'\n' {
                self.finish(at, at + 1, Ending::Newline, out);
            } else if p + 1 == data.len() {
                self.cr_at = Some(at);
            } else if data[p + 1] == b'\n' {
                self.finish(at, at + 2, Ending::Newline, out);
                i = p + 2;
            } else {
                self.finish(at, at + 1, Ending::Frame, out);
            }
        }
    }

    fn finish(&mut self, end: u64, next: u64, ending: Ending, out: &mut Vec<Span>) {
        out.push(Span {
            start: self.start,
            end,
            next,
            ending,
        });
        self.start = next;
    }

    /// The unfinished last line (a prompt without a newline, the frame being drawn) as
    /// `start..end`, if it has any bytes.
    pub(crate) fn unfinished(&self) -> Option<(u64, u64)> {
        let end = self.cr_at.or(self.end)?;
        (end > self.start).then_some((self.start, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines of `chunks` fed back to back, as text, with `|` after a frame.
    fn lines_of(chunks: &[&str]) -> (Vec<String>, Option<String>) {
        let all: String = chunks.concat();
        let mut s = LineSplitter::default();
        let mut out = Vec::new();
        let mut offset = 0u64;
        for c in chunks {
            s.feed(offset, c.as_bytes(), &mut out);
            offset += c.len() as u64;
        }
        let text = |a: u64, b: u64| all[a as usize..b as usize].to_owned();
        let lines = out
            .iter()
            .map(|l| match l.ending {
                Ending::Newline => text(l.start, l.end),
                Ending::Frame => format!("{}|", text(l.start, l.end)),
            })
            .collect();
        (lines, s.unfinished().map(|(a, b)| text(a, b)))
    }

    #[test]
    fn newline_crlf_and_bare_cr() {
        let (lines, rest) = lines_of(&["a\r\nb\nc\rd\re"]);
        assert_eq!(lines, ["a", "b", "c|", "d|"]);
        assert_eq!(rest.as_deref(), Some("e"));
    }

    #[test]
    fn a_cr_at_the_end_of_a_chunk_waits_for_the_next_byte() {
        let (lines, rest) = lines_of(&["Done\r"]);
        assert!(lines.is_empty());
        assert_eq!(rest.as_deref(), Some("Done"));
        let (lines, rest) = lines_of(&["a\r", "\nb"]);
        assert_eq!(lines, ["a"]);
        assert_eq!(rest.as_deref(), Some("b"));
        let (lines, _) = lines_of(&["a\r", "b\n"]);
        assert_eq!(lines, ["a|", "b"]);
    }

    #[test]
    fn lines_split_across_chunks_are_one_span() {
        let (lines, rest) = lines_of(&["Ser", "ver ready\nnext"]);
        assert_eq!(lines, ["Server ready"]);
        assert_eq!(rest.as_deref(), Some("next"));
    }

    #[test]
    fn a_gap_abandons_the_unfinished_line() {
        let mut s = LineSplitter::default();
        let mut out = Vec::new();
        s.feed(0, b"start-of-", &mut out);
        s.feed(100, b"end\n", &mut out);
        assert_eq!(
            out,
            [Span {
                start: 100,
                end: 103,
                next: 104,
                ending: Ending::Newline
            }]
        );
    }
}
