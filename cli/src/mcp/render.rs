//! The short texts tool results are made of: a status line per process, a page of
//! output with its markers, an error led by its code, an `exec` result.

use super::output::{start_of_last_lines, Page, MAX_BYTES, MAX_LINES};
use procwright::{Error, ExecResult, Process, ProcessStatus};
use rmcp::model::{CallToolResult, ContentBlock};
use std::time::{Duration, SystemTime};

/// Longest command shown in a status line; the rest is elided.
const MAX_COMMAND: usize = 80;

/// What a tool answers: a text for people and models, and for tools that return data,
/// the same as `structuredContent`.
pub struct Answer {
    /// The text content.
    pub text: String,
    /// The structured content, for tools with an output schema.
    pub data: Option<serde_json::Value>,
}

impl Answer {
    /// A text alone.
    pub fn text(text: String) -> Answer {
        Answer { text, data: None }
    }

    /// A text and its data.
    pub fn data(text: String, data: impl serde::Serialize) -> Answer {
        Answer {
            text,
            // Plain structs of strings and numbers: serializing cannot fail.
            data: serde_json::to_value(data).ok(),
        }
    }
}

/// A successful tool result of one text.
pub fn ok(text: String) -> CallToolResult {
    CallToolResult::success(vec![ContentBlock::text(text)])
}

/// The tool result of an operation: its answer, or its error led by the code.
pub fn respond(result: procwright::Result<Answer>) -> CallToolResult {
    match result {
        Ok(Answer { text, data }) => {
            let mut r = ok(text);
            r.structured_content = data;
            r
        }
        Err(e) => fail(&e),
    }
}

/// A failed tool result whose text starts with the error's code.
pub fn fail(e: &Error) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(error_text(e))])
}

/// `CODE: message`, then the process's last lines of output when the error has them.
pub fn error_text(e: &Error) -> String {
    let mut text = e.to_string();
    if !e.last_lines.is_empty() {
        text.push_str("\nlast output:\n");
        text.push_str(&e.last_lines.join("\n"));
    }
    text
}

/// One line: id, state, pid or exit, how long, and the command.
pub fn status_line(p: &Process) -> String {
    let took = seconds(ran_for(p));
    let state = match p.status() {
        ProcessStatus::Starting => "starting".to_owned(),
        s @ (ProcessStatus::Running | ProcessStatus::Restarting) => {
            let pid = p
                .pid()
                .map_or_else(String::new, |pid| format!(" pid {pid}"));
            format!("{s}{pid} for {took}")
        }
        ProcessStatus::Completed | ProcessStatus::Failed => match p.exit_code() {
            Some(code) => format!("exited with code {code} after {took}"),
            None => format!("exited after {took}"),
        },
        ProcessStatus::Killed => match (p.signal(), p.exit_code()) {
            (Some(sig), _) => format!("killed by {sig} after {took}"),
            (None, Some(code)) => format!("killed (exit code {code}) after {took}"),
            (None, None) => format!("killed after {took}"),
        },
        ProcessStatus::Error => "failed to start".to_owned(),
    };
    format!("{} {state} ({})", p.id(), shorten(p.command(), MAX_COMMAND))
}

fn ran_for(p: &Process) -> Duration {
    let until = p.end_time().unwrap_or_else(SystemTime::now);
    until.duration_since(p.start_time()).unwrap_or_default()
}

/// `1.2 s`, for people.
pub fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// `text` on one line (a script's newlines would break the status line), elided after
/// `max` characters.
fn shorten(text: &str, max: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line,
    }
}

/// A page of output under a heading line: markers for what is not shown, and the
/// cursor to continue from.
pub fn page(heading: &str, page: &Page<'_>, start: u64) -> String {
    let mut text = heading.to_owned();
    if page.text.is_empty() {
        text.push_str(&format!("\n(no new output)\n[cursor {}]", page.next));
        return text;
    }
    if page.skipped_before > 0 {
        text.push_str(&format!(
            "\n[… {} earlier bytes not shown; read_logs with since={start} for them]",
            page.skipped_before
        ));
    }
    text.push('\n');
    text.push_str(page.text);
    if !page.text.ends_with('\n') {
        text.push('\n');
    }
    if let Some((left, at)) = page.left_after {
        text.push_str(&format!(
            "[… {left} more bytes; read_logs with since={at} to continue]\n"
        ));
    }
    text.push_str(&format!("[cursor {}]", page.next));
    text
}

/// Exit code and time, then each stream's newest output within the limits.
pub fn exec(r: &ExecResult) -> String {
    let mut text = format!(
        "exit code {} after {} ({})",
        r.exit_code,
        seconds(r.duration),
        shorten(&r.command, MAX_COMMAND)
    );
    for (name, out, dropped) in [
        ("stdout", &r.stdout, r.stdout_dropped),
        ("stderr", &r.stderr, r.stderr_dropped),
    ] {
        if !out.is_empty() || dropped > 0 {
            text.push_str(&format!("\n--- {name} ---\n"));
            text.push_str(&newest(out, dropped));
        }
    }
    text
}

/// The newest part of `out` within the limits, and how many bytes before it are not
/// shown (`dropped` bytes were not even kept).
pub fn newest_part(out: &str, dropped: u64) -> (&str, u64) {
    let by_lines = start_of_last_lines(out, MAX_LINES);
    let mut cut = by_lines.max(out.len().saturating_sub(MAX_BYTES));
    while !out.is_char_boundary(cut) {
        cut += 1;
    }
    (&out[cut..], cut as u64 + dropped)
}

/// The newest part of `out` within the limits, with a marker counting what is not shown.
fn newest(out: &str, dropped: u64) -> String {
    let (shown, hidden) = newest_part(out, dropped);
    let mut text = String::new();
    if hidden > 0 {
        text.push_str(&format!("[… {hidden} earlier bytes not shown]\n"));
    }
    text.push_str(shown);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_commands_are_elided() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("abcdef", 3), "abc…");
        assert_eq!(shorten("a\n  b", 5), "a b");
    }

    #[test]
    fn exec_output_keeps_the_newest_and_counts_the_rest() {
        let out: String = (0..300).map(|i| format!("{i}\n")).collect();
        let text = newest(&out, 5);
        assert!(text.starts_with("[… "));
        assert!(text.ends_with("299\n"));
        assert!(!text.contains("\n99\n"));
    }
}
