//! `cli_main`: the `procwright` command, for the console script `pip install` puts on
//! PATH. The command is the `cli` crate's, as the binary's and npm's are.

use pyo3::prelude::*;

/// Runs the `procwright` command line `argv` (the program name first) without the GIL,
/// and returns its exit code.
#[pyfunction]
pub fn cli_main(py: Python<'_>, argv: Vec<String>) -> u8 {
    py.detach(|| procwright_cli::run(argv))
}
