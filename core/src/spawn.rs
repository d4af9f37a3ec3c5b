//! Spawning a child in its own process group, and reaping it through a pidfd.

use crate::error::{Error, ErrorCode, Result};
use crate::pty::Terminal;
use crate::reader::Source;
use crate::stdin::Writer;
use crate::watchdog::{self, GroupLease};
use rustix::process::Pid;
use std::ffi::{OsStr, OsString};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tokio::io::unix::AsyncFd;
use tokio::net::unix::pipe::{Receiver, Sender};

/// Bigger pipes mean fewer context switches for chatty children.
const PIPE_SIZE: usize = 1024 * 1024;

/// Everything needed to exec a child (kept for restarts).
#[derive(Clone)]
pub(crate) struct SpawnSpec {
    pub program: OsString,
    pub args: Vec<OsString>,
    pub env: Vec<(OsString, OsString)>,
    pub cwd: Option<PathBuf>,
    /// A pipe for stdin instead of `/dev/null`.
    pub stdin_pipe: bool,
    /// Run on a new pseudo-terminal of this size (stdin, stdout and stderr all on it).
    pub pty: Option<crate::pty::PtySize>,
}

/// A freshly spawned child: its pid (also its process group id), pidfd and pipes.
pub(crate) struct Spawned {
    pub pid: u32,
    pub pidfd: OwnedFd,
    /// Its group, guarded by the watchdog from now until the group is empty.
    pub lease: GroupLease,
    pub stdout: Source,
    /// `None` on a terminal, which has one output.
    pub stderr: Option<Source>,
    /// Where `write` goes: the stdin pipe, or the terminal.
    pub stdin: Option<Writer>,
    /// The terminal, for `resize`.
    pub terminal: Option<Terminal>,
}

/// Starts the child as leader of a new process group, its stdin at /dev/null or a pipe,
/// or on a new terminal as leader of a new session.
pub(crate) fn spawn(spec: &SpawnSpec) -> Result<Spawned> {
    let mut cmd = command(spec);
    let mut out = None;
    let mut terminal = None;
    let mut stdin_tx = None;
    match spec.pty {
        Some(size) => {
            let (t, child_side) = Terminal::open(size)?;
            let dup = || {
                child_side.try_clone().map(Stdio::from).map_err(|e| {
                    Error::new(
                        ErrorCode::ProcessError,
                        format!("could not share the terminal: {e}"),
                    )
                })
            };
            cmd.stdin(dup()?)
                .stdout(dup()?)
                .stderr(Stdio::from(child_side));
            // SAFETY: setsid and the TIOCSCTTY ioctl are async-signal-safe system calls
            // and touch no memory of the parent.
            unsafe {
                std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
                    rustix::process::setsid()?;
                    // fd 0 is the terminal: std set up the child's stdio first.
                    rustix::process::ioctl_tiocsctty(std::os::fd::BorrowedFd::borrow_raw(0))?;
                    Ok(())
                });
            }
            terminal = Some(t);
        }
        None => {
            let (out_r, out_w) = pipe()?;
            let (err_r, err_w) = pipe()?;
            cmd.stdout(Stdio::from(out_w)).stderr(Stdio::from(err_w));
            match spec.stdin_pipe.then(pipe).transpose()? {
                Some((r, w)) => {
                    cmd.stdin(Stdio::from(r));
                    stdin_tx = Some(w);
                }
                None => {
                    cmd.stdin(Stdio::null());
                }
            }
            std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
            out = Some((out_r, err_r));
        }
    }
    // Before the child exists, so that it is guarded as soon as its group is known.
    watchdog::prepare();
    let child = cmd.spawn().map_err(|e| {
        Error::new(
            ErrorCode::ProcessError,
            format!("could not start {}: {e}", spec.program.to_string_lossy()),
        )
    })?;
    // `cmd` holds the write ends; dropping it now means EOF arrives when the child's side closes.
    drop(cmd);
    let pid = child.id();
    // std's Child would reap on its own terms; we reap through the pidfd instead.
    drop(child);
    let raw = Pid::from_raw(pid as i32).expect("a child pid is positive");
    let pidfd =
        rustix::process::pidfd_open(raw, rustix::process::PidfdFlags::empty()).map_err(|e| {
            // Without a pidfd we cannot watch it, so do not leave it running unwatched.
            let _ = rustix::process::kill_process_group(raw, rustix::process::Signal::KILL);
            let _ = rustix::process::waitpid(Some(raw), rustix::process::WaitOptions::empty());
            Error::new(ErrorCode::ProcessError, format!("pidfd_open failed: {e}"))
        })?;
    let lease = GroupLease::guard(pid);
    let (stdout, stderr, stdin) = match (out, &terminal) {
        (Some((out_r, err_r)), _) => (
            Source::Pipe(receiver(out_r)?),
            Some(Source::Pipe(receiver(err_r)?)),
            stdin_tx.map(sender).transpose()?.map(Writer::Pipe),
        ),
        (None, Some(t)) => (Source::Pty(t.clone()), None, Some(Writer::Pty(t.clone()))),
        (None, None) => unreachable!("a child has pipes or a terminal"),
    };
    Ok(Spawned {
        pid,
        pidfd,
        lease,
        stdout,
        stderr,
        stdin,
        terminal,
    })
}

/// The command line of `spec`, without its stdio.
fn command(spec: &SpawnSpec) -> std::process::Command {
    // A bare name is looked up on the child's PATH here: std falls back from posix_spawn
    // (vfork-like) to fork, which copies the host's page tables, whenever the environment
    // sets PATH and the program is not a path. Measured in benches/: ~35% off a spawn.
    let mut cmd = match resolve_on_path(&spec.program, &spec.env, spec.cwd.as_deref()) {
        Some(path) => {
            let mut cmd = std::process::Command::new(path);
            std::os::unix::process::CommandExt::arg0(&mut cmd, &spec.program);
            cmd
        }
        None => std::process::Command::new(&spec.program),
    };
    cmd.args(&spec.args)
        .env_clear()
        .envs(spec.env.iter().map(|(k, v)| (k, v)));
    if let Some(cwd) = &spec.cwd {
        cmd.current_dir(cwd);
    }
    cmd
}

/// Where `execvp` would find a bare `program` on the child's `PATH`, from the child's
/// working directory; `None` for a program that is already a path or is not found:
/// those are left to std, which reports the error.
fn resolve_on_path(
    program: &OsStr,
    env: &[(OsString, OsString)],
    cwd: Option<&Path>,
) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    if program.as_bytes().contains(&b'/') {
        return None;
    }
    let path = env
        .iter()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.as_os_str());
    let here;
    let cwd = match cwd {
        Some(c) => c,
        None => {
            here = std::env::current_dir().ok()?;
            &here
        }
    };
    crate::command::find_program(program, path, cwd)
}

fn pipe() -> Result<(OwnedFd, OwnedFd)> {
    let (r, w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).map_err(|e| {
        Error::new(
            ErrorCode::ProcessError,
            format!("could not create a pipe: {e}"),
        )
    })?;
    let _ = rustix::pipe::fcntl_setpipe_size(&r, PIPE_SIZE);
    Ok((r, w))
}

fn sender(fd: OwnedFd) -> Result<Sender> {
    Sender::from_owned_fd(fd).map_err(|e| {
        Error::new(
            ErrorCode::ProcessError,
            format!("could not watch the stdin pipe: {e}"),
        )
    })
}

fn receiver(fd: OwnedFd) -> Result<Receiver> {
    Receiver::from_owned_fd(fd).map_err(|e| {
        Error::new(
            ErrorCode::ProcessError,
            format!("could not watch a pipe: {e}"),
        )
    })
}

/// The raw outcome of `waitid`: an exit code or a terminating signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WaitOutcome {
    pub code: Option<i32>,
    pub signal: Option<i32>,
}

/// Reaps the child `pid` if it has exited, without blocking.
pub(crate) fn try_reap(pid: u32) -> std::io::Result<Option<WaitOutcome>> {
    let raw = Pid::from_raw(pid as i32).expect("a child pid is positive");
    let status = rustix::process::waitpid(Some(raw), rustix::process::WaitOptions::NOHANG)?;
    Ok(status.and_then(|(_, s)| {
        if s.exited() {
            Some(WaitOutcome {
                code: s.exit_status(),
                signal: None,
            })
        } else if s.signaled() {
            Some(WaitOutcome {
                code: None,
                signal: s.terminating_signal(),
            })
        } else {
            None
        }
    }))
}

/// Waits until the pidfd reports the exit; the pidfd becomes readable then.
pub(crate) async fn exited(pidfd: &AsyncFd<OwnedFd>) {
    loop {
        match pidfd.readable().await {
            Ok(mut guard) => {
                guard.retain_ready();
                return;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(path: &str) -> Vec<(OsString, OsString)> {
        vec![("PATH".into(), path.into())]
    }

    #[test]
    fn bare_names_resolve_on_the_childs_path_like_execvp() {
        let root = Some(Path::new("/"));
        let sh =
            resolve_on_path(OsStr::new("sh"), &env("/nonexistent:/bin:/usr/bin"), root).unwrap();
        assert!(sh.is_absolute() && sh.ends_with("sh"), "{sh:?}");
        // Paths and unknown names are left to std, which reports the error.
        assert_eq!(
            resolve_on_path(OsStr::new("/bin/sh"), &env("/bin"), root),
            None
        );
        assert_eq!(
            resolve_on_path(OsStr::new("no-such-prog-xyz"), &env("/bin"), root),
            None
        );
        // A relative PATH entry is read from the child's working directory.
        let sh = resolve_on_path(OsStr::new("sh"), &env("bin"), root).unwrap();
        assert!(sh.starts_with("/bin"), "{sh:?}");
        // A directory or a file without an execute bit is skipped, as execvp does.
        assert_eq!(resolve_on_path(OsStr::new("tmp"), &env("/"), root), None);
        let dir = std::env::temp_dir().join(format!("pw-which-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("plain"), "#!/bin/sh\n").unwrap();
        let path = dir.as_os_str().to_owned();
        let found = resolve_on_path(OsStr::new("plain"), &[("PATH".into(), path)], root);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            found, None,
            "a file without an execute bit is not a program"
        );
    }
}
