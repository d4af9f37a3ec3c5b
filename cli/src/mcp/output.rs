//! A process's output as one text in read order (stdout and stderr interleaved), with
//! the cursor of every byte, so a page can end anywhere and say where to continue.

use procwright::{LogEventKind, LogStreamOptions, Pattern, Process};

/// Most bytes of output one tool result shows.
pub const MAX_BYTES: usize = 8 * 1024;
/// Most lines of output one tool result shows.
pub const MAX_LINES: usize = 200;

/// A run of text and the cursors it spans. Notes (dropped output, restarts) span none.
struct Segment {
    text_start: usize,
    cursor_start: u64,
    cursor_end: u64,
}

/// Output read from a cursor up to the end of what was kept.
pub struct Output {
    text: String,
    segments: Vec<Segment>,
    /// The cursor the read started at.
    pub start: u64,
    /// The cursor after everything read.
    pub end: u64,
}

/// What of an [`Output`] a result shows.
pub struct Page<'a> {
    /// The text shown.
    pub text: &'a str,
    /// Bytes before the text that are not shown (the read started at `Output::start`).
    pub skipped_before: usize,
    /// Bytes after the text that are not shown, and the cursor they start at.
    pub left_after: Option<(usize, u64)>,
    /// Where the next read continues.
    pub next: u64,
}

impl Output {
    fn new(start: u64) -> Output {
        Output {
            text: String::new(),
            segments: Vec::new(),
            start,
            end: start,
        }
    }

    fn push(&mut self, data: &str, cursor_end: u64) {
        self.segments.push(Segment {
            text_start: self.text.len(),
            cursor_start: self.end,
            cursor_end,
        });
        self.text.push_str(data);
        self.end = cursor_end;
    }

    /// The cursor of the byte at `offset` of the text. Inside a note, the note's start,
    /// so a read from there shows the note again rather than skipping it.
    fn cursor_at(&self, offset: usize) -> u64 {
        if offset >= self.text.len() {
            return self.end;
        }
        let i = self.segments.partition_point(|s| s.text_start <= offset) - 1;
        let s = &self.segments[i];
        // Invalid UTF-8 was replaced while decoding, so text and cursor lengths can
        // differ: the cursor is clamped to the segment's own span.
        (s.cursor_start + (offset - s.text_start) as u64).min(s.cursor_end)
    }

    /// The lines that `pattern` matches, each without its line end and with the cursor
    /// just after it, and how many lines the pattern could not finish in time. The
    /// matching runs on the core's matcher pool, bounded per line: a backtracking
    /// pattern never holds the server.
    pub async fn matching_lines(
        &self,
        pattern: &Pattern,
    ) -> procwright::Result<(Vec<(String, u64)>, usize)> {
        let grep = pattern.matching_lines(self.text.clone()).await?;
        let found = grep
            .lines
            .into_iter()
            .map(|r| {
                // Just after the line and its line end, where reading on continues.
                let rest = &self.text[r.end..];
                let ending = rest.len() - rest.trim_start_matches(['\r', '\n']).len();
                let ending = ending.min(rest.find('\n').map_or(0, |n| n + 1));
                (
                    self.text[r.clone()].to_owned(),
                    self.cursor_at(r.end + ending),
                )
            })
            .collect();
        Ok((found, grep.skipped))
    }

    /// The newest output within the limits (and within the last `lines`, if given): for
    /// following a process, where the latest is what matters.
    pub fn newest(&self, lines: Option<usize>) -> Page<'_> {
        let lines = lines.unwrap_or(MAX_LINES).min(MAX_LINES);
        let by_lines = start_of_last_lines(&self.text, lines);
        let by_bytes = self.text.len().saturating_sub(MAX_BYTES);
        let mut cut = ceil_char(&self.text, by_lines.max(by_bytes));
        if cut > by_lines && self.text.as_bytes()[cut - 1] != b'\n' {
            // Cut inside a line: start the page at the next whole line if there is one.
            if let Some(nl) = self.text[cut..].find('\n') {
                if cut + nl + 1 < self.text.len() {
                    cut += nl + 1;
                }
            }
        }
        Page {
            text: &self.text[cut..],
            skipped_before: cut,
            left_after: None,
            next: self.end,
        }
    }

    /// The oldest output within the limits: for paging forward from a cursor.
    pub fn oldest(&self) -> Page<'_> {
        let by_lines = end_of_first_lines(&self.text, MAX_LINES);
        let mut cut = floor_char(&self.text, by_lines.min(MAX_BYTES));
        if cut < self.text.len() {
            // End the page at a line end if the page holds one.
            if let Some(nl) = self.text[..cut].rfind('\n') {
                cut = nl + 1;
            }
        }
        let left = self.text.len() - cut;
        let next = self.cursor_at(cut);
        Page {
            text: &self.text[..cut],
            skipped_before: 0,
            left_after: (left > 0).then_some((left, next)),
            next,
        }
    }
}

/// Reads what `process` kept after cursor `since`; `INVALID_ARGUMENT` for a cursor past
/// the end of its output.
pub async fn read(process: &Process, since: u64) -> procwright::Result<Output> {
    let options = LogStreamOptions {
        since: Some(since),
        replay: true,
        follow: false,
        stream: None,
    };
    let mut stream = process.stream_logs_with(&options)?;
    let mut out = Output::new(since);
    while let Some(event) = stream.next().await {
        match event.kind {
            LogEventKind::Stdout | LogEventKind::Stderr => out.push(&event.data, event.cursor),
            LogEventKind::Truncated => out.push(
                &format!(
                    "[… {} bytes dropped by the log limit]\n",
                    event.dropped.unwrap_or(0)
                ),
                event.cursor,
            ),
            LogEventKind::Restart => out.push(
                &format!("[restarted after exit code {:?}]\n", event.exit_code),
                event.cursor,
            ),
            // The status line says how it ended.
            LogEventKind::Exit => {}
        }
    }
    Ok(out)
}

/// The offset where the last `n` lines of `text` begin (a final unfinished line counts).
pub fn start_of_last_lines(text: &str, n: usize) -> usize {
    if n == 0 {
        return text.len();
    }
    let body = text.strip_suffix('\n').unwrap_or(text);
    body.rmatch_indices('\n')
        .nth(n - 1)
        .map_or(0, |(i, _)| i + 1)
}

/// The offset just after the first `n` lines of `text`.
fn end_of_first_lines(text: &str, n: usize) -> usize {
    text.match_indices('\n')
        .nth(n.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i + 1)
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(text: &str, start: u64) -> Output {
        let mut o = Output::new(start);
        o.push(text, start + text.len() as u64);
        o
    }

    #[test]
    fn last_lines_count_an_unfinished_line() {
        assert_eq!(start_of_last_lines("a\nb\nc\n", 2), 2);
        assert_eq!(start_of_last_lines("a\nb\nc", 2), 2);
        assert_eq!(start_of_last_lines("a\nb\n", 5), 0);
        assert_eq!(start_of_last_lines("a\n", 0), 2);
    }

    #[test]
    fn newest_keeps_the_last_lines_and_says_what_it_skipped() {
        let text: String = (0..500).map(|i| format!("line {i}\n")).collect();
        let o = output(&text, 10);
        let page = o.newest(None);
        assert!(page.text.starts_with("line 300\n"));
        assert!(page.text.ends_with("line 499\n"));
        assert_eq!(page.skipped_before + page.text.len(), text.len());
        assert_eq!(page.next, 10 + text.len() as u64);
    }

    #[test]
    fn oldest_pages_forward_with_exact_cursors() {
        let text: String = (0..500).map(|i| format!("line {i}\n")).collect();
        let o = output(&text, 10);
        let page = o.oldest();
        assert!(page.text.starts_with("line 0\n"));
        assert!(page.text.ends_with("line 199\n"));
        let (left, next) = page.left_after.expect("more to read");
        assert_eq!(next, 10 + page.text.len() as u64);
        assert_eq!(left + page.text.len(), text.len());
    }

    #[test]
    fn a_byte_limit_never_cuts_a_character() {
        let text = "é".repeat(MAX_BYTES);
        let o = output(&text, 0);
        assert!(o.newest(None).text.len() <= MAX_BYTES);
        assert!(o.oldest().text.len() <= MAX_BYTES);
    }
}
