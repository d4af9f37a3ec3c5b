//! What to run: a shell string or an argv, validated, with its environment.

use crate::error::{check_no_nul, Error, ErrorCode, Result};
use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// A command: a shell string (`bash -c`) or an argv run with no shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run by the sandbox's shell.
    Shell(String),
    /// `argv[0]` is the program, looked up in `PATH`.
    Argv(Vec<String>),
}

impl Command {
    /// Rejects empty, blank or NUL-bearing commands with `INVALID_COMMAND`.
    pub fn validate(&self) -> Result<()> {
        let bad = |msg: &str| Err(Error::new(ErrorCode::InvalidCommand, msg));
        match self {
            Command::Shell(s) => {
                if s.trim().is_empty() {
                    return bad("command is empty");
                }
                if s.contains('\0') {
                    return bad("command contains a NUL byte");
                }
            }
            Command::Argv(argv) => {
                match argv.first() {
                    None => return bad("argv is empty"),
                    Some(p) if p.trim().is_empty() => return bad("argv[0] is empty"),
                    _ => {}
                }
                if argv.iter().any(|a| a.contains('\0')) {
                    return bad("argv contains a NUL byte");
                }
            }
        }
        Ok(())
    }

    /// The command as shown in `Process::command`: the shell string, or the argv joined.
    pub fn display(&self) -> String {
        match self {
            Command::Shell(s) => s.clone(),
            Command::Argv(argv) => argv
                .iter()
                .map(|a| {
                    // Anything but plainly safe characters is quoted, so that `|`, `*`, `;`
                    // and the like read back as the same argument.
                    let safe = |c: char| c.is_ascii_alphanumeric() || "_-+=/.,:@%^".contains(c);
                    if a.is_empty() || !a.chars().all(safe) {
                        format!("'{}'", a.replace('\'', r"'\''"))
                    } else {
                        a.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    /// The program and arguments to execute, given the shell to use.
    pub(crate) fn program_and_args(&self, shell: &Path) -> (OsString, Vec<OsString>) {
        match self {
            Command::Shell(s) => (shell.into(), vec!["-c".into(), s.into()]),
            Command::Argv(argv) => (
                argv[0].clone().into(),
                argv[1..].iter().map(Into::into).collect(),
            ),
        }
    }
}

impl From<&str> for Command {
    fn from(s: &str) -> Self {
        Command::Shell(s.to_owned())
    }
}

impl From<String> for Command {
    fn from(s: String) -> Self {
        Command::Shell(s)
    }
}

impl From<Vec<String>> for Command {
    fn from(v: Vec<String>) -> Self {
        Command::Argv(v)
    }
}

impl<const N: usize> From<[&str; N]> for Command {
    fn from(v: [&str; N]) -> Self {
        Command::Argv(v.iter().map(|s| s.to_string()).collect())
    }
}

/// Environment changes: `Some(value)` sets a variable, `None` removes it.
pub type EnvChanges = HashMap<String, Option<String>>;

/// Rejects variable names and values no environment can hold.
pub(crate) fn validate_env(env: &EnvChanges) -> Result<()> {
    for (k, v) in env {
        if k.is_empty() {
            return Err(Error::invalid("environment variable name is empty"));
        }
        if k.contains('=') {
            return Err(Error::invalid(format!(
                "environment variable name {k:?} contains '='"
            )));
        }
        check_no_nul("environment variable name", k)?;
        if let Some(v) = v {
            check_no_nul(&format!("environment variable {k}"), v)?;
        }
    }
    Ok(())
}

/// The host's environment with each layer of changes applied in order.
pub(crate) fn merged_env(layers: &[&EnvChanges]) -> Vec<(OsString, OsString)> {
    merged_env_over(std::env::vars_os().collect(), layers)
}

/// `base` with `layers` applied in order.
pub(crate) fn merged_env_over(
    base: Vec<(OsString, OsString)>,
    layers: &[&EnvChanges],
) -> Vec<(OsString, OsString)> {
    let mut env: HashMap<OsString, OsString> = base.into_iter().collect();
    for layer in layers {
        for (k, v) in layer.iter() {
            match v {
                Some(v) => env.insert(k.into(), v.into()),
                None => env.remove(std::ffi::OsStr::new(k)),
            };
        }
    }
    env.into_iter().collect()
}

/// Finds the shell: the one asked for, else bash on `PATH`, else `/bin/sh`.
pub(crate) fn resolve_shell(requested: Option<&str>) -> Result<PathBuf> {
    if let Some(s) = requested {
        check_no_nul("shell", s)?;
        if s.trim().is_empty() {
            return Err(Error::invalid("shell is empty"));
        }
        return host_program(s).ok_or_else(|| {
            Error::invalid(format!("shell {s:?} was not found or is not executable"))
        });
    }
    Ok(host_program("bash").unwrap_or_else(|| PathBuf::from("/bin/sh")))
}

/// A program on the host's own `PATH`, relative to the host's working directory.
fn host_program(name: &str) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    find_program(OsStr::new(name), std::env::var_os("PATH").as_deref(), &cwd)
}

/// Looks `name` up as `execvp` does: a name with a `/` is taken as a path (relative to
/// `cwd`), a bare name is searched on `path` (relative entries against `cwd`); only a
/// regular file with an execute bit counts. The one lookup for shells and argv names.
pub(crate) fn find_program(name: &OsStr, path: Option<&OsStr>, cwd: &Path) -> Option<PathBuf> {
    if name.is_empty() {
        return None;
    }
    // execvp's default search path when `PATH` is unset.
    let path = path.unwrap_or(OsStr::new("/bin:/usr/bin"));
    which::which_in(name, Some(path), cwd).ok()
}

/// Checks a working directory before anything is spawned.
pub(crate) fn validate_cwd(cwd: &Path) -> Result<()> {
    check_no_nul("cwd", &cwd.to_string_lossy())?;
    if !cwd.is_dir() {
        return Err(Error::new(
            ErrorCode::ProcessError,
            format!(
                "working directory {} does not exist or is not a directory",
                cwd.display()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_and_empty_commands_are_invalid() {
        for c in [
            Command::from(""),
            Command::from("  \t\n"),
            Command::Argv(vec![]),
            Command::from([""]),
        ] {
            assert_eq!(
                c.validate().unwrap_err().code,
                ErrorCode::InvalidCommand,
                "{c:?}"
            );
        }
        assert_eq!(
            Command::from("echo \0").validate().unwrap_err().code,
            ErrorCode::InvalidCommand
        );
        assert!(Command::from(["echo", "hi"]).validate().is_ok());
    }

    #[test]
    fn argv_display_quotes_what_a_shell_would_split() {
        assert_eq!(
            Command::from(["echo", "a b", "it's"]).display(),
            r"echo 'a b' 'it'\''s'"
        );
    }

    #[test]
    fn env_merge_sets_and_removes() {
        let mut a = EnvChanges::new();
        a.insert("PW_A".into(), Some("1".into()));
        a.insert("PATH".into(), None);
        let mut b = EnvChanges::new();
        b.insert("PW_A".into(), Some("2".into()));
        let env = merged_env(&[&a, &b]);
        assert!(env.iter().any(|(k, v)| k == "PW_A" && v == "2"));
        assert!(!env.iter().any(|(k, _)| k == "PATH"));
    }

    #[test]
    fn bad_env_names_are_invalid() {
        for k in ["", "A=B", "A\0"] {
            let mut e = EnvChanges::new();
            e.insert(k.into(), Some("x".into()));
            assert_eq!(
                validate_env(&e).unwrap_err().code,
                ErrorCode::InvalidArgument
            );
        }
    }

    #[test]
    fn shell_defaults_to_bash_or_sh() {
        let s = resolve_shell(None).unwrap();
        assert!(s.ends_with("bash") || s == Path::new("/bin/sh"));
        assert!(resolve_shell(Some("no-such-shell-xyz")).is_err());
    }
}
