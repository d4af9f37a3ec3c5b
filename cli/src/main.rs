//! The `procwright` binary.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(procwright_cli::run(std::env::args_os()))
}
