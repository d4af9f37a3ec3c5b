//! `cliMain`: the `procwright` command, for the package's `bin`. The command is the
//! `cli` crate's, as the binary's and the Python console script's are.

use napi_derive::napi;

/// Runs the `procwright` command line `args` (the program name first) and returns its
/// exit code. It blocks the calling thread until the command ends: call it only from
/// the command's own script.
#[napi]
pub fn cli_main(args: Vec<String>) -> u32 {
    u32::from(procwright_cli::run(args))
}
