//! A session's shell: one long-lived shell per session, so that `cd`, `export`,
//! variables, functions and aliases persist from one `session.exec` to the next.
//!
//! How it is driven, and why that way. The shell (the sandbox's shell, started on the
//! first `exec` in the session's cwd and env) reads commands from a pipe on its stdin.
//! For each call the host writes the command text to a file in a private directory
//! (mode 0700) and sends one line of its own:
//!
//! ```sh
//! \builtin printf '%s 0\n' '<nonce>+' >&63; \builtin . '<dir>/cmd' <'<input>' >|'<dir>/out' 2>|'<dir>/err' 63>&-; \builtin printf '%s %d\n' '<nonce>' "$?" 2>|'<dir>/end-<nonce>-'"$?" >&63
//! ```
//!
//! - Nothing in it can be shadowed by the user's shell state: every command is
//!   `\builtin` (bash: the backslash defeats aliases, `builtin` defeats functions; other
//!   shells get `\command`, and a bare `\.`, which POSIX shells do not let functions
//!   replace); redirections are `>|`, which `set -o noclobber` does not refuse; the
//!   status goes to fd 63 (9 outside bash), a copy of the shell's first stdout made
//!   before any user code ran, so `exec >/dev/null` does not swallow it; and nothing
//!   depends on `PATH`, `IFS` or an unset variable.
//! - State no protocol can get past (a function named `builtin`, fd 63 closed) is caught:
//!   the first line says the shell took the command; a shell that does not say so
//!   within 5 s is replaced and the command runs in a fresh one. The status is also
//!   left as the name of an empty file, made by a redirection alone: a turn whose status
//!   line is late finds it there, and the shell is replaced after it (the next call
//!   reports `shellRestarted`). Never a hang, never a silent wrong answer.
//!
//! - The command is *sourced*, never pasted into the stream, so no text of the user's
//!   (an unbalanced quote, a here-document, a line that looks like our marker) can
//!   desynchronise the shell, and it runs in the shell itself, not a subshell: its state
//!   persists. A syntax error is the command's own exit status and stderr.
//! - stdout and stderr go to files, not through the shell's own output, so they come
//!   back separately and exactly (binary, no trailing newline, nothing of ours in them).
//! - Only the status line uses the shell's stdout; it carries a random nonce per call,
//!   so a command that writes to the shell's stdout itself cannot fake an end.
//! - `exit N` ends the shell: the host sees end of file instead of the status line, reaps
//!   the shell and returns N; the next call starts a fresh shell. So does a shell killed
//!   from outside, whose interrupted command fails with a message saying so.
//! - A timeout kills the processes the command started (the shell's descendants); if the
//!   status line still does not come (the shell itself is busy, e.g. a builtin loop), the
//!   shell is killed too and the error says it was restarted.
//!
//! Calls are serialised in call order by a fair async lock per session.

use crate::error::{Error, ErrorCode, Result};
use crate::group;
use crate::signal::Signal;
use crate::spawn::{self, SpawnSpec};
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// How long an idle shell may take to say it took a command: one that does not is
/// replaced (its state has broken the protocol), which only a very slow DEBUG trap
/// could otherwise cause.
const TAKE_WITHIN: Duration = Duration::from_secs(5);

/// How often a turn whose status line is late looks for its status file.
const LOOK_EVERY: Duration = Duration::from_millis(250);

/// How long the shell gets to report after a timed-out command's processes were killed.
const AFTER_KILL: Duration = Duration::from_millis(500);

/// What one command in the shell gave.
pub(crate) struct Outcome {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub exit_code: i32,
    /// This call started a fresh shell because the previous one had ended.
    pub fresh: bool,
}

/// How to start a session's shell.
#[derive(Clone)]
pub(crate) struct ShellSpec {
    pub program: PathBuf,
    pub env: Vec<(OsString, OsString)>,
    pub cwd: Option<PathBuf>,
}

/// One live shell.
struct Live {
    pid: u32,
    stdin: tokio::net::unix::pipe::Sender,
    status: mpsc::UnboundedReceiver<(String, i32)>,
    exited: tokio::sync::watch::Receiver<Option<i32>>,
    _lease: crate::watchdog::GroupLease,
}

impl Drop for Live {
    fn drop(&mut self) {
        // The shell and what it runs are the session's: they end with it.
        let _ = group::signal_group(self.pid, Signal::KILL);
    }
}

/// A session's shell, started on first use.
pub(crate) struct Shell {
    spec: ShellSpec,
    /// The live shell's pid (0 when none), readable without the session's lock, so that
    /// deleting the session can kill a shell that a call is using.
    pid: std::sync::Arc<std::sync::atomic::AtomicU32>,
    dir: PathBuf,
    live: Option<Live>,
    /// A shell has run before (so a new one is a restart).
    started: bool,
}

impl Drop for Shell {
    fn drop(&mut self) {
        self.live = None;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn shell_error(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::ProcessError, message)
}

/// A command name as the protocol writes it in `shell`: out of reach of the user's
/// aliases and functions (see the module doc).
pub(crate) fn safe(shell: &Path, name: &str) -> String {
    if is_bash(shell) {
        format!("\\builtin {name}")
    } else if name == "." {
        "\\.".to_owned()
    } else {
        format!("\\command {name}")
    }
}

fn is_bash(shell: &Path) -> bool {
    shell
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("bash"))
}

/// The descriptor the status line goes to: a copy of the shell's first stdout.
fn status_fd(shell: &Path) -> u8 {
    // Past the 0-9 that scripts use (`exec 9>lock`); other shells take one digit only.
    if is_bash(shell) {
        63
    } else {
        9
    }
}

/// `'text'` for the shell, with `'` written as `'\''`.
fn quoted(path: &Path) -> String {
    format!("'{}'", path.to_string_lossy().replace('\'', "'\\''"))
}

impl Shell {
    pub fn new(
        spec: ShellSpec,
        pid: std::sync::Arc<std::sync::atomic::AtomicU32>,
    ) -> Result<Shell> {
        use std::os::unix::fs::DirBuilderExt;
        // Named for the host, so the watchdog removes it if the host dies (watchdog.rs).
        let dir = std::env::temp_dir().join(format!(
            "procwright-session-{}-{}",
            std::process::id(),
            nonce()
        ));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|e| shell_error(format!("could not create the session's directory: {e}")))?;
        Ok(Shell {
            spec,
            pid,
            dir,
            live: None,
            started: false,
        })
    }

    /// The shell's pid, if one runs.
    pub fn pid(&self) -> Option<u32> {
        self.live.as_ref().map(|l| l.pid)
    }

    fn start(&mut self) -> Result<()> {
        let child = spawn::spawn(&SpawnSpec {
            program: self.spec.program.clone().into_os_string(),
            args: Vec::new(),
            env: self.spec.env.clone(),
            cwd: self.spec.cwd.clone(),
            stdin_pipe: true,
            pty: None,
        })?;
        let spawn::Spawned {
            pid,
            pidfd,
            lease,
            stdout,
            stderr,
            stdin,
            ..
        } = child;
        let Some(crate::stdin::Writer::Pipe(stdin)) = stdin else {
            return Err(shell_error("the session's shell has no stdin pipe"));
        };
        let (tx, status) = mpsc::unbounded_channel();
        let crate::reader::Source::Pipe(out) = stdout else {
            return Err(shell_error("the session's shell has no stdout pipe"));
        };
        tokio::spawn(async move {
            let mut lines = BufReader::new(out).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some((nonce, code)) = line.rsplit_once(' ') {
                    if let Ok(code) = code.parse::<i32>() {
                        let _ = tx.send((nonce.to_owned(), code));
                    }
                }
            }
        });
        if let Some(crate::reader::Source::Pipe(err)) = stderr {
            // The shell's own complaints are not a command's; read so it never blocks.
            tokio::spawn(async move {
                let mut lines = BufReader::new(err).lines();
                while let Ok(Some(_)) = lines.next_line().await {}
            });
        }
        let (exit_tx, exited) = tokio::sync::watch::channel(None);
        tokio::spawn(async move {
            // SAFETY: the AsyncFd owns the pidfd, open and unchanged until it is dropped.
            let fd = unsafe {
                tokio::io::unix::AsyncFd::register_with_interest(
                    pidfd,
                    tokio::io::Interest::READABLE,
                )
            };
            loop {
                if let Ok(fd) = &fd {
                    spawn::exited(fd).await;
                }
                match spawn::try_reap(pid) {
                    Ok(Some(o)) => {
                        let code = o.code.unwrap_or_else(|| 128 + o.signal.unwrap_or(9));
                        let _ = exit_tx.send(Some(code));
                        return;
                    }
                    Ok(None) => tokio::time::sleep(Duration::from_millis(5)).await,
                    Err(_) => {
                        let _ = exit_tx.send(Some(137));
                        return;
                    }
                }
            }
        });
        self.pid.store(pid, std::sync::atomic::Ordering::SeqCst);
        self.live = Some(Live {
            pid,
            stdin,
            status,
            exited,
            _lease: lease,
        });
        Ok(())
    }

    /// Runs `command` in the shell (in a subshell when `scoped` is given, so a per-call
    /// cwd or env does not change the shell), with `input` as its stdin. A shell that
    /// does not take the command (state that the protocol cannot get past, such as a
    /// function named `builtin`) is replaced by a fresh one, which runs it.
    pub async fn run(
        &mut self,
        command: &str,
        input: Option<&[u8]>,
        timeout: Option<Duration>,
        kill_timeout: Duration,
        scoped: Option<String>,
    ) -> Result<Outcome> {
        let began = Instant::now();
        let args = (command, input, kill_timeout, scoped.as_deref());
        if let Some(outcome) = self.turn(args, timeout).await? {
            return Ok(outcome);
        }
        self.live = None;
        let left = timeout.map(|t| t.saturating_sub(began.elapsed()));
        match self.turn(args, left).await? {
            Some(outcome) => Ok(Outcome {
                fresh: true,
                ..outcome
            }),
            None => {
                self.live = None;
                Err(shell_error(
                    "the session's shell does not take commands, even when new; the next call starts another",
                ))
            }
        }
    }

    /// One turn: `None` when the shell did not start the command within [`TAKE_WITHIN`]
    /// (nothing of it ran), so that the caller can replace the shell.
    async fn turn(
        &mut self,
        (command, input, kill_timeout, scoped): (&str, Option<&[u8]>, Duration, Option<&str>),
        timeout: Option<Duration>,
    ) -> Result<Option<Outcome>> {
        // A shell that ended while idle (killed from outside) is replaced first.
        if self
            .live
            .as_ref()
            .is_some_and(|l| l.exited.borrow().is_some())
        {
            self.live = None;
        }
        let fresh = self.live.is_none() && self.started;
        let mut line = String::new();
        if self.live.is_none() {
            self.start()?;
            self.started = true;
            // bash expands aliases only when told to; other shells ignore the line (their
            // complaint goes to the shell's own stderr, which is discarded). The status
            // descriptor is made before any user code runs.
            line.push_str(&format!(
                "shopt -s expand_aliases 2>/dev/null\nexec {}>&1\n",
                status_fd(&self.spec.program)
            ));
        }
        let (cmd, out, err, inp) = (
            self.dir.join("cmd"),
            self.dir.join("out"),
            self.dir.join("err"),
            self.dir.join("in"),
        );
        write_private(&cmd, command.as_bytes())?;
        let input_path = match input {
            Some(data) => {
                write_private(&inp, data)?;
                quoted(&inp)
            }
            None => "/dev/null".to_owned(),
        };
        let nonce = nonce();
        let shell = &self.spec.program;
        let dot = safe(shell, ".");
        let source = match scoped {
            Some(prelude) => format!("( {prelude} {dot} {} )", quoted(&cmd)),
            None => format!("{dot} {}", quoted(&cmd)),
        };
        // First a line that says the shell took the command, then the command, then its
        // status line.
        let (printf, fd) = (safe(shell, "printf"), status_fd(shell));
        // The status is also left as the name of an empty file, made by a redirection
        // alone (no command to shadow), for when the status line cannot be printed.
        // The status goes twice into one command: as the status line, and as the name of
        // a file its (first) redirection makes, which needs no command to run. The command
        // runs with the status descriptor closed: what it leaves running cannot hold the
        // status pipe open, and what it does to that descriptor is undone after it.
        let taken = format!("{nonce}+");
        let end = quoted(&self.dir.join(format!("end-{nonce}-")));
        if is_bash(shell) {
            // The builtins the protocol uses, enabled again if the user disabled one
            // (`enable -n .`): otherwise the command would not run, and say nothing.
            line.push_str("\\builtin enable . printf cd export unset exit 2>/dev/null; ");
        }
        line.push_str(&format!(
            "{printf} '%s 0\\n' '{taken}' >&{fd}; {source} <{input_path} >|{} 2>|{} {fd}>&-; \
             {printf} '%s %d\\n' '{nonce}' \"$?\" 2>|{end}\"$?\" >&{fd}\n",
            quoted(&out),
            quoted(&err),
        ));
        let live = self.live.as_mut().expect("started above");
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let take_by = Instant::now() + TAKE_WITHIN;
        let mut took = false;
        let sent = live.stdin.write_all(line.as_bytes()).await;
        let ended = |code: i32, this: &mut Shell| -> Result<Outcome> {
            this.live = None;
            Ok(Outcome {
                stdout: std::fs::read(&out).unwrap_or_default(),
                stderr: stderr_of(&err, &cmd),
                exit_code: code,
                fresh,
            })
        };
        if sent.is_err() {
            let code = wait_exit(&mut live.exited).await;
            self.live = None;
            return Err(shell_error(format!(
                "the session's shell ended (exit code {code}) before it could run the command; the next call starts a new one"
            )));
        }
        loop {
            let until = match (took, deadline) {
                (false, Some(d)) => Some(d.min(take_by)),
                (false, None) => Some(take_by),
                (true, d) => d,
            };
            let look = Instant::now() + LOOK_EVERY;
            let wake = until.map_or(look, |u| u.min(look));
            let got = tokio::time::timeout_at(wake.into(), live.status.recv()).await;
            let got = match got {
                Ok(message) => Some(message),
                // Late: the command ran and its status line did not come (its state broke
                // printing it) if the status file is there; the shell is replaced.
                Err(_) if Instant::now() < until.unwrap_or(far()) => {
                    match status_file(&self.dir, &nonce) {
                        Some(_) if !took => return Ok(None),
                        Some(code) => {
                            self.live = None;
                            return Ok(Some(Outcome {
                                stdout: std::fs::read(&out).unwrap_or_default(),
                                stderr: stderr_of(&err, &cmd),
                                exit_code: code,
                                fresh,
                            }));
                        }
                        None => continue,
                    }
                }
                Err(_) => None,
            };
            match got {
                Some(Some((n, _))) if n == taken => took = true,
                // The status without the line that says the command was taken: the
                // protocol's own commands failed (`enable -n .`), so the command did not
                // run; a fresh shell runs it.
                Some(Some((n, _))) if n == nonce && !took => {
                    let _ = status_file(&self.dir, &nonce);
                    return Ok(None);
                }
                Some(Some((n, code))) if n == nonce => {
                    let _ = status_file(&self.dir, &nonce);
                    return Ok(Some(Outcome {
                        stdout: std::fs::read(&out).unwrap_or_default(),
                        stderr: stderr_of(&err, &cmd),
                        exit_code: code,
                        fresh,
                    }));
                }
                // Not taken in time, though time is left: nothing of the command ran.
                None if !took && deadline.map_or(true, |d| Instant::now() < d) => {
                    return Ok(None);
                }
                // A line of someone else's: not our end.
                Some(Some(_)) => continue,
                // End of the shell's output: it exited (`exit N`) or was killed.
                Some(None) => {
                    let code = wait_exit(&mut live.exited).await;
                    return ended(code, self).map(Some);
                }
                None => {
                    let restarted = self.time_out(&nonce, kill_timeout).await;
                    let t = timeout.unwrap_or_default();
                    return Err(Error::new(
                        ErrorCode::CommandTimeout,
                        format!(
                            "the command did not finish within {t:?} and was killed{}",
                            if restarted {
                                "; the session's shell had to be restarted (its state is reset)"
                            } else {
                                ""
                            }
                        ),
                    ));
                }
            }
        }
    }

    /// Kills what a timed-out command started; kills the shell too if it still does not
    /// report. Returns whether the shell was killed.
    async fn time_out(&mut self, nonce: &str, kill_timeout: Duration) -> bool {
        let Some(live) = self.live.as_mut() else {
            return true;
        };
        let shell = live.pid;
        for sig in [Signal::TERM, Signal::KILL] {
            for pid in descendants(shell) {
                let _ = rustix::process::kill_process(
                    rustix::process::Pid::from_raw(pid as i32).expect("a pid is positive"),
                    sig.to_rustix(),
                );
            }
            let grace = if sig == Signal::TERM {
                kill_timeout.min(AFTER_KILL)
            } else {
                AFTER_KILL
            };
            let until = Instant::now() + grace;
            loop {
                match tokio::time::timeout_at(until.into(), live.status.recv()).await {
                    Ok(Some((n, _))) if n == nonce => return false,
                    Ok(Some(_)) => continue,
                    _ => break,
                }
            }
        }
        self.live = None;
        true
    }

    /// The shell's working directory and exported environment now, for a process the
    /// session starts; `None` before the shell has started (or after it ended).
    pub async fn snapshot(&mut self) -> Result<Option<(PathBuf, Vec<(OsString, OsString)>)>> {
        let Some(pid) = self.pid() else {
            return Ok(None);
        };
        if self
            .live
            .as_ref()
            .is_some_and(|l| l.exited.borrow().is_some())
        {
            return Ok(None);
        }
        let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).map_err(|e| {
            shell_error(format!("could not read the session shell's directory: {e}"))
        })?;
        // `command -p`: the system's env, whatever the user did to PATH or to `env`.
        let env_all = format!("{} -p env -0", safe(&self.spec.program, "command"));
        let o = self
            .run(
                &env_all,
                None,
                Some(Duration::from_secs(10)),
                Duration::from_secs(1),
                None,
            )
            .await?;
        use std::os::unix::ffi::OsStrExt;
        let env = o
            .stdout
            .split(|b| *b == 0)
            .filter_map(|kv| {
                let eq = kv.iter().position(|b| *b == b'=')?;
                Some((
                    std::ffi::OsStr::from_bytes(&kv[..eq]).to_owned(),
                    std::ffi::OsStr::from_bytes(&kv[eq + 1..]).to_owned(),
                ))
            })
            .filter(|(k, _)| !["_", "SHLVL", "PWD", "OLDPWD"].iter().any(|name| k == name))
            .collect();
        Ok(Some((cwd, env)))
    }
}

/// The command's stderr, where the shell names the command by its private file (a
/// syntax error: `<dir>/cmd: line 1: …`): named `command` instead, so no private path
/// shows.
fn stderr_of(err: &Path, cmd: &Path) -> Vec<u8> {
    let raw = std::fs::read(err).unwrap_or_default();
    let private = cmd.as_os_str().as_encoded_bytes();
    let mut out = Vec::with_capacity(raw.len());
    let mut rest = &raw[..];
    while let Some(i) = memchr::memmem::find(rest, private) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(b"command");
        rest = &rest[i + private.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// The status a turn left as a file name (`end-<nonce>-<status>`), which is removed.
fn status_file(dir: &Path, nonce: &str) -> Option<i32> {
    let prefix = format!("end-{nonce}-");
    let entry = std::fs::read_dir(dir).ok()?.flatten().find(|e| {
        e.file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(&prefix))
    })?;
    let _ = std::fs::remove_file(entry.path());
    entry.file_name().to_str()?[prefix.len()..].parse().ok()
}

/// A time no deadline reaches.
fn far() -> Instant {
    Instant::now() + Duration::from_secs(86_400 * 365)
}

async fn wait_exit(exited: &mut tokio::sync::watch::Receiver<Option<i32>>) -> i32 {
    match tokio::time::timeout(Duration::from_secs(5), exited.wait_for(Option::is_some)).await {
        Ok(Ok(v)) => v.unwrap_or(137),
        _ => 137,
    }
}

/// Every live descendant of `pid`.
fn descendants(pid: u32) -> Vec<u32> {
    let table = crate::proctree::ProcTable::read();
    table
        .iter()
        .filter(|s| s.pid != pid && table.in_tree(s.pid, pid))
        .map(|s| s.pid)
        .collect()
}

fn write_private(path: &Path, data: &[u8]) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| shell_error(format!("could not write {}: {e}", path.display())))?;
    f.write_all(data)
        .map_err(|e| shell_error(format!("could not write {}: {e}", path.display())))
}

/// 128 random bits as hex, from the OS.
fn nonce() -> String {
    let mut b = [0u8; 16];
    if rustix::rand::getrandom(&mut b, rustix::rand::GetRandomFlags::empty()).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        b = t.to_le_bytes();
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}
