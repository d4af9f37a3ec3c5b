//! Log patterns: a substring, or a regular expression with JS/Python-style flags.

use crate::error::{Error, ErrorCode, Result};
use std::collections::BTreeMap;

/// Regular-expression flags both bindings can express.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegexFlags {
    /// `i` / `re.IGNORECASE`.
    pub ignore_case: bool,
    /// `m` / `re.MULTILINE`.
    pub multi_line: bool,
    /// `s` / `re.DOTALL`.
    pub dot_all: bool,
    /// `x` / `re.VERBOSE`: whitespace and `#` comments in the pattern are ignored.
    pub verbose: bool,
}

/// What `wait_for_log` looks for in each line.
#[derive(Debug, Clone)]
pub enum Pattern {
    /// Matches a line that contains this text.
    Substring(String),
    /// Matches a line in which this expression finds a match.
    Regex {
        /// The source as the user wrote it.
        source: String,
        /// Its flags.
        flags: RegexFlags,
        /// The compiled form.
        compiled: fancy_regex::Regex,
        /// Needs backtracking (lookaround, backreference…): matched start position by
        /// start position, within a budget, off the runtime.
        hard: bool,
    },
}

/// What [`Pattern::matching_lines`] found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Grep {
    /// The byte ranges of the matching lines, line ends excluded, in order.
    pub lines: Vec<std::ops::Range<usize>>,
    /// Lines the pattern could not finish within its budget (not matched).
    pub skipped: usize,
}

/// How testing one line under a budget ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Found {
    /// The line matched.
    Match(PatternMatch),
    /// The line did not match.
    NoMatch,
    /// The pattern could not finish on this line within its budget.
    TooLong,
    /// The asker is gone.
    Cancelled,
}

/// Where and how a pattern matched one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternMatch {
    /// `[whole match, group 1, …]`; `None` for a group that did not take part.
    pub groups: Vec<Option<String>>,
    /// Named groups by name.
    pub named: BTreeMap<String, Option<String>>,
    /// Byte offset of the match in the line.
    pub index: usize,
}

/// Bounds backtracking at one start position; past it the line counts as too long for
/// the pattern (see [`Pattern::find_bounded`]).
const BACKTRACK_LIMIT: usize = 1_000_000;

fn to_match(compiled: &fancy_regex::Regex, caps: &fancy_regex::Captures<'_, str>) -> PatternMatch {
    let groups = (0..caps.len())
        .map(|i| caps.get(i).map(|m| m.as_str().to_owned()))
        .collect();
    let named = compiled
        .capture_names()
        .flatten()
        .map(|n| (n.to_owned(), caps.name(n).map(|m| m.as_str().to_owned())))
        .collect();
    let index = caps.get(0).map_or(0, |m| m.start());
    PatternMatch {
        groups,
        named,
        index,
    }
}

/// Whether the pattern has a construct only a backtracking engine runs (lookaround,
/// backreference, atomic group, conditional…); anything else fancy-regex hands whole to
/// the linear-time engine. When the parse is in doubt, it counts as backtracking.
fn needs_backtracking(source: &str, flags: RegexFlags) -> bool {
    use fancy_regex::Expr;
    let parse_flags = if flags.verbose { 1 << 4 } else { 0 };
    let Ok(tree) = Expr::parse_tree_with_flags(source, parse_flags) else {
        return true;
    };
    tree.expr.has_descendant_or_self(|e| {
        !matches!(
            e,
            Expr::Empty
                | Expr::Any { .. }
                | Expr::Assertion(_)
                | Expr::GeneralNewline { .. }
                | Expr::Literal { .. }
                | Expr::LiteralBytes { .. }
                | Expr::Concat(_)
                | Expr::Alt(_)
                | Expr::Group(_)
                | Expr::Repeat { .. }
                | Expr::Delegate { .. }
        )
    })
}

impl Pattern {
    /// A substring pattern; an empty one is `INVALID_PATTERN`.
    pub fn substring(text: impl Into<String>) -> Result<Pattern> {
        let text = text.into();
        if text.is_empty() {
            return Err(Error::new(ErrorCode::InvalidPattern, "pattern is empty"));
        }
        Ok(Pattern::Substring(text))
    }

    /// A JavaScript `RegExp`'s source and flags, read as V8 reads them; what the
    /// engine cannot read the same way is `INVALID_PATTERN`.
    pub fn from_js(source: &str, flags: &str) -> Result<Pattern> {
        let (engine, f) = crate::dialect::from_js(source, flags)?;
        Pattern::dialect(source, &engine, f)
    }

    /// A Python `re.Pattern`'s source and `flags` (the int of `re.Pattern.flags`), read
    /// as `re` reads them; what the engine cannot read the same way is `INVALID_PATTERN`.
    pub fn from_python(source: &str, flags: u32) -> Result<Pattern> {
        let (engine, f) = crate::dialect::from_python(source, flags)?;
        Pattern::dialect(source, &engine, f)
    }

    /// Compiles a dialect's rewritten source, naming the pattern as the user wrote it.
    fn dialect(source: &str, engine: &str, flags: RegexFlags) -> Result<Pattern> {
        let mut p = Pattern::regex(engine, flags).map_err(|mut e| {
            e.message = e
                .message
                .replace(&format!("/{engine}/"), &format!("/{source}/"));
            e
        })?;
        if let Pattern::Regex { source: shown, .. } = &mut p {
            // Errors and conditions name the pattern as the user wrote it.
            *shown = source.to_owned();
        }
        Ok(p)
    }

    /// Compiles a regex (lookarounds and backreferences included) or fails with `INVALID_PATTERN`.
    pub fn regex(source: &str, flags: RegexFlags) -> Result<Pattern> {
        let compiled = fancy_regex::RegexBuilder::new(source)
            .case_insensitive(flags.ignore_case)
            .multi_line(flags.multi_line)
            .dot_matches_new_line(flags.dot_all)
            .verbose_mode(flags.verbose)
            .backtrack_limit(BACKTRACK_LIMIT)
            .build()
            .map_err(|e| {
                Error::new(
                    ErrorCode::InvalidPattern,
                    format!("invalid regex /{source}/: {e}"),
                )
            })?;
        Ok(Pattern::Regex {
            source: source.to_owned(),
            flags,
            compiled,
            hard: needs_backtracking(source, flags),
        })
    }

    /// The condition as error messages name it: `Server ready` or `/port \d+/`.
    pub fn describe(&self) -> String {
        match self {
            Pattern::Substring(s) => s.clone(),
            Pattern::Regex { source, flags, .. } => {
                let mut f = String::new();
                for (on, c) in [
                    (flags.ignore_case, 'i'),
                    (flags.multi_line, 'm'),
                    (flags.dot_all, 's'),
                    (flags.verbose, 'x'),
                ] {
                    if on {
                        f.push(c);
                    }
                }
                format!("/{source}/{f}")
            }
        }
    }

    /// Tests one line (without its newline).
    pub fn find(&self, line: &str) -> Result<Option<PatternMatch>> {
        match self {
            Pattern::Substring(s) => Ok(memchr::memmem::find(line.as_bytes(), s.as_bytes()).map(
                |index| PatternMatch {
                    groups: Vec::new(),
                    named: BTreeMap::new(),
                    index,
                },
            )),
            Pattern::Regex { compiled, .. } => {
                let caps = compiled.captures(line).map_err(|e| {
                    Error::new(
                        ErrorCode::InvalidPattern,
                        format!("regex {} could not run: {e}", self.describe()),
                    )
                })?;
                Ok(caps.map(|c| to_match(compiled, &c)))
            }
        }
    }

    /// Whether testing a line may cost more than a linear scan (a backtracking regex).
    pub(crate) fn is_hard(&self) -> bool {
        matches!(self, Pattern::Regex { hard: true, .. })
    }

    /// Tests one line, giving up when `cancel` is set or `deadline` passes. A backtracking
    /// pattern is tried start position by start position (anchored), so the checks run
    /// between positions: fancy-regex's own backtrack limit does not count the steps of
    /// the sub-expressions it delegates to the linear engine, which is how `(?!x).*b`
    /// spent 28 s on one 200 000-character line.
    pub(crate) fn find_bounded(
        &self,
        line: &str,
        cancel: &crate::matcher::Cancel,
        deadline: std::time::Instant,
    ) -> Found {
        let Pattern::Regex {
            compiled,
            hard: true,
            ..
        } = self
        else {
            return match self.find(line) {
                Ok(Some(m)) => Found::Match(m),
                Ok(None) => Found::NoMatch,
                Err(_) => Found::TooLong,
            };
        };
        let mut pos = 0;
        loop {
            if cancel.is_set() {
                return Found::Cancelled;
            }
            if std::time::Instant::now() >= deadline {
                return Found::TooLong;
            }
            let input = fancy_regex::RegexInput::new(line)
                .from_pos(pos)
                .anchored(true);
            match compiled.captures_input(input) {
                Ok(Some(c)) => return Found::Match(to_match(compiled, &c)),
                Ok(None) => {}
                // The backtrack limit: this line is too long for this pattern.
                Err(_) => return Found::TooLong,
            }
            if pos >= line.len() {
                return Found::NoMatch;
            }
            pos += line[pos..].chars().next().map_or(1, char::len_utf8);
        }
    }

    /// The lines of `text` this pattern matches, as byte ranges (line ends excluded),
    /// found on the matcher pool, off the caller's runtime, each line within
    /// [`crate::wait::LINE_BUDGET`]; lines the pattern cannot finish in time are counted,
    /// not matched. Dropping the future stops the work. For a `grep` over kept output.
    pub async fn matching_lines(&self, text: String) -> Result<Grep> {
        let (pattern, cancel) = (self.clone(), crate::matcher::Cancel::default());
        let _stop = cancel.on_drop();
        let job = move || {
            let mut grep = Grep::default();
            let mut start = 0;
            for line in text.split_inclusive('\n') {
                let end = start + line.trim_end_matches(['\n', '\r']).len();
                let budget = std::time::Instant::now() + crate::wait::LINE_BUDGET;
                match pattern.find_bounded(&text[start..end], &cancel, budget) {
                    Found::Match(_) => grep.lines.push(start..end),
                    Found::TooLong => grep.skipped += 1,
                    Found::NoMatch => {}
                    Found::Cancelled => break,
                }
                start += line.len();
            }
            grep
        };
        crate::matcher::run(job)
            .await
            .ok_or_else(|| Error::new(ErrorCode::ProcessError, "the matcher pool is gone"))
    }

    /// Whether this is a regex (so results carry groups).
    pub fn is_regex(&self) -> bool {
        matches!(self, Pattern::Regex { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substring_and_regex_groups() {
        let p = Pattern::substring("ready").unwrap();
        assert!(p.find("server ready now").unwrap().is_some());
        assert!(p.find("server starting").unwrap().is_none());
        let r = Pattern::regex(r"Port: (\d+)", RegexFlags::default()).unwrap();
        let m = r.find("listening. Port: 8080").unwrap().unwrap();
        assert_eq!(
            m.groups,
            [Some("Port: 8080".to_string()), Some("8080".to_string())]
        );
    }

    #[test]
    fn flags_named_groups_lookarounds_backrefs() {
        let r = Pattern::from_js("ready", "ig").unwrap();
        assert!(r.find("READY").unwrap().is_some());
        let n = Pattern::regex(r"port (?<port>\d+)", RegexFlags::default()).unwrap();
        assert_eq!(
            n.find("port 99").unwrap().unwrap().named["port"].as_deref(),
            Some("99")
        );
        let py = Pattern::regex(r"port (?P<port>\d+)", RegexFlags::default()).unwrap();
        assert!(py.find("port 1").unwrap().is_some());
        let look = Pattern::regex(r"(?<!not )ready", RegexFlags::default()).unwrap();
        assert!(look.find("not ready").unwrap().is_none());
        assert!(look.find("now ready").unwrap().is_some());
        let back = Pattern::regex(r"(\w+) \1", RegexFlags::default()).unwrap();
        assert!(back.find("hello hello").unwrap().is_some());
        assert!(back.find("hello world").unwrap().is_none());
    }

    #[test]
    fn bad_patterns_are_invalid_pattern() {
        assert_eq!(
            Pattern::regex("(unclosed", RegexFlags::default())
                .unwrap_err()
                .code,
            ErrorCode::InvalidPattern
        );
        assert_eq!(
            Pattern::substring("").unwrap_err().code,
            ErrorCode::InvalidPattern
        );
        assert_eq!(
            Pattern::from_js("a", "x").unwrap_err().code,
            ErrorCode::InvalidPattern
        );
    }

    #[test]
    fn verbose_ignores_whitespace_and_comments() {
        let flags = RegexFlags {
            verbose: true,
            ..Default::default()
        };
        let r = Pattern::regex("port \\s+ (\\d+)  # the port", flags).unwrap();
        let m = r.find("port 8080").unwrap().unwrap();
        assert_eq!(m.groups[1].as_deref(), Some("8080"));
        assert_eq!(r.describe(), "/port \\s+ (\\d+)  # the port/x");
        let plain = Pattern::regex("port \\s+ (\\d+)", RegexFlags::default()).unwrap();
        assert!(plain.find("port 8080").unwrap().is_none());
    }

    #[test]
    fn describe_names_the_condition() {
        assert_eq!(
            Pattern::substring("Server ready").unwrap().describe(),
            "Server ready"
        );
        let r = Pattern::regex(
            r"port \d+",
            RegexFlags {
                ignore_case: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(r.describe(), r"/port \d+/i");
    }
}
