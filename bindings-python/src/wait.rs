//! `LogMatch`: the line that satisfied `wait_for_log`.

use crate::process::{preview, Q};
use pyo3::prelude::*;
use std::collections::BTreeMap;

/// The line that satisfied `wait_for_log`.
#[pyclass(frozen, module = "procwright")]
pub struct LogMatch {
    inner: procwright::LogMatch,
}

impl From<procwright::LogMatch> for LogMatch {
    fn from(inner: procwright::LogMatch) -> Self {
        LogMatch { inner }
    }
}

#[pymethods]
impl LogMatch {
    /// The whole line, without its newline.
    #[getter]
    fn line(&self) -> &str {
        &self.inner.line
    }

    /// `"stdout"` or `"stderr"`.
    #[getter]
    fn stream(&self) -> &'static str {
        self.inner.stream.as_str()
    }

    /// For a regex: `[whole match, group 1, …]` (None for a group that did not take
    /// part); None for a substring.
    #[getter]
    fn r#match(&self) -> Option<Vec<Option<String>>> {
        self.inner.groups.clone()
    }

    /// Named groups of a regex.
    #[getter]
    fn named(&self) -> BTreeMap<String, Option<String>> {
        self.inner.named.clone()
    }

    /// Where the match starts within the line (in bytes of its UTF-8 form).
    #[getter]
    fn index(&self) -> usize {
        self.inner.index
    }

    /// The cursor just after the line: `since=` this finds the next match.
    #[getter]
    fn cursor(&self) -> u64 {
        self.inner.cursor
    }

    fn __repr__(&self) -> String {
        let groups = match &self.inner.groups {
            None => "None".to_owned(),
            Some(g) => format!(
                "[{}]",
                g.iter()
                    .map(|x| x
                        .as_ref()
                        .map_or("None".to_owned(), |s| format!("{:?}", Q(s))))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        format!(
            "<LogMatch stream={:?} line={} match={groups}>",
            Q(self.inner.stream.as_str()),
            preview(&self.inner.line)
        )
    }
}
