//! Service output as lines prefixed with the service's name, aligned, coloured on a
//! terminal (unless `NO_COLOR` is set), written whole so two services never interleave
//! inside a line.

use procwright::{ProcessObserver, StreamKind};
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Where prefixed lines go: the terminal, or a log file.
pub type Sink = Arc<Mutex<Box<dyn Write + Send>>>;

const COLOURS: [&str; 6] = ["36", "33", "32", "35", "34", "31"];

/// How one service's lines are prefixed.
#[derive(Clone)]
pub struct Prefix {
    label: String,
}

impl Prefix {
    /// The prefix of the `index`-th service, its name padded to `width`.
    pub fn new(name: &str, index: usize, width: usize, colour: bool) -> Prefix {
        let padded = format!("{name:<width$} |");
        let label = if colour {
            format!("\x1b[{}m{padded}\x1b[0m", COLOURS[index % COLOURS.len()])
        } else {
            padded
        };
        Prefix { label }
    }

    /// One line (its newline included or not) with the prefix.
    pub fn line(&self, text: &str) -> String {
        format!("{} {}\n", self.label, text.trim_end_matches(['\n', '\r']))
    }
}

/// Whether to colour: a terminal, and no `NO_COLOR` (https://no-color.org).
pub fn colour_wanted(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Receives a process's output and writes it as prefixed lines; a line split across
/// reads is held until its end (or the exit).
pub struct Printer {
    prefix: Prefix,
    sink: Sink,
    partial: Mutex<[String; 2]>,
}

impl Printer {
    pub fn new(prefix: Prefix, sink: Sink) -> Printer {
        Printer {
            prefix,
            sink,
            partial: Mutex::new([String::new(), String::new()]),
        }
    }

    /// Writes a note of procwright's own under the service's prefix.
    pub fn note(&self, text: &str) {
        let mut out = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        let _ = out.write_all(self.prefix.line(text).as_bytes());
        let _ = out.flush();
    }

    fn flush_partial(&self) {
        let rest: Vec<String> = {
            let mut p = self.partial.lock().unwrap_or_else(|e| e.into_inner());
            p.iter_mut().map(std::mem::take).collect()
        };
        for r in rest.into_iter().filter(|r| !r.is_empty()) {
            self.note(&r);
        }
    }
}

impl ProcessObserver for Printer {
    fn on_output(&self, stream: StreamKind, data: &str) {
        let mut lines = String::new();
        {
            let mut p = self.partial.lock().unwrap_or_else(|e| e.into_inner());
            let buf = &mut p[stream as usize];
            buf.push_str(data);
            while let Some(i) = buf.find('\n') {
                let line: String = buf.drain(..=i).collect();
                lines.push_str(&self.prefix.line(&line));
            }
        }
        if !lines.is_empty() {
            let mut out = self.sink.lock().unwrap_or_else(|e| e.into_inner());
            let _ = out.write_all(lines.as_bytes());
            let _ = out.flush();
        }
    }

    fn on_exit(&self, _exit_code: Option<i32>) {
        self.flush_partial();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_are_prefixed_aligned_and_kept_whole() {
        let buf = Buf::default();
        let sink: Sink = Arc::new(Mutex::new(Box::new(buf.clone())));
        let p = Printer::new(Prefix::new("db", 0, 5, false), sink);
        p.on_output(StreamKind::Stdout, "hel");
        p.on_output(StreamKind::Stderr, "oops\n");
        p.on_output(StreamKind::Stdout, "lo\nlast");
        p.on_exit(Some(0));
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text, "db    | oops\ndb    | hello\ndb    | last\n");
    }

    #[test]
    fn colour_only_on_a_terminal() {
        assert!(Prefix::new("a", 1, 1, true)
            .line("x")
            .starts_with("\x1b[33m"));
        assert_eq!(Prefix::new("a", 1, 1, false).line("x\r\n"), "a | x\n");
        assert!(!colour_wanted(false));
    }
}
