//! `exec`: run a command to completion and collect what it printed.

use crate::command::{Command, EnvChanges};
use crate::error::{Error, ErrorCode, Result};
use crate::logs::StreamKind;
use crate::process::{Process, ProcessObserver, DEFAULT_KILL_TIMEOUT};
use crate::records::Epoch;
use crate::sandbox::{Inner, ProcessOptions};

use crate::signal::Signal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Called with each chunk of output while `exec` runs.
pub type OutputCallback = Arc<dyn Fn(StreamKind, &str) + Send + Sync>;

/// Options of `exec`.
#[derive(Clone, Default)]
pub struct ExecOptions {
    /// Working directory.
    pub cwd: Option<PathBuf>,
    /// Environment changes.
    pub env: EnvChanges,
    /// Kill the command and fail with `PROCESS_READY_TIMEOUT` after this long.
    pub timeout: Option<Duration>,
    /// When `timeout` fires, how long after SIGTERM SIGKILL follows; default 5 s.
    pub kill_timeout: Option<Duration>,
    /// Streams output as it comes.
    pub on_output: Option<OutputCallback>,
    /// The session to run in.
    pub session_id: Option<String>,
    /// Bytes of memory each stream may take for the result (the bookkeeping of each read
    /// counts too); default [`DEFAULT_MAX_BUFFER`].
    pub max_buffer: Option<usize>,
    /// Written to the command's stdin, which is then closed (without it, stdin is
    /// `/dev/null`). What the command does not read is dropped, as a shell pipe does.
    pub input: Option<Vec<u8>>,
}

/// What `exec` keeps of each stream unless told otherwise: generous, as execa's default,
/// so a build's whole log comes back, yet bounded.
pub const DEFAULT_MAX_BUFFER: usize = 100 * 1024 * 1024;

impl std::fmt::Debug for ExecOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecOptions")
            .field("cwd", &self.cwd)
            .field("env", &self.env)
            .field("timeout", &self.timeout)
            .field("kill_timeout", &self.kill_timeout)
            .field("on_output", &self.on_output.is_some())
            .field("session_id", &self.session_id)
            .field("max_buffer", &self.max_buffer)
            .field("input", &self.input.as_ref().map(Vec::len))
            .finish()
    }
}

/// `COMMAND_TIMEOUT` for a command killed at its timeout, keeping the wait's context
/// (process, last lines); `note` adds what else happened. Other errors pass through.
pub(crate) fn command_timeout(e: Error, after: Duration, note: &str) -> Error {
    if e.code != ErrorCode::ProcessReadyTimeout {
        return e;
    }
    Error {
        code: ErrorCode::CommandTimeout,
        message: format!("the command did not finish within {after:?} and was killed{note}"),
        condition: None,
        ..e
    }
}

/// What `exec` returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecResult {
    /// Everything printed on stdout, or its newest `max_buffer` bytes.
    pub stdout: String,
    /// Everything printed on stderr, or its newest `max_buffer` bytes.
    pub stderr: String,
    /// Whether output beyond `max_buffer` was dropped (see the two counts).
    pub truncated: bool,
    /// Bytes of stdout dropped from the front to stay within `max_buffer`.
    pub stdout_dropped: u64,
    /// Bytes of stderr dropped from the front to stay within `max_buffer`.
    pub stderr_dropped: u64,
    /// The exit code (128+N after signal N).
    pub exit_code: i32,
    /// Whether the exit code is 0.
    pub success: bool,
    /// How long it ran.
    pub duration: Duration,
    /// The command as given.
    pub command: String,
    /// A session's `exec` ran in a fresh shell because the previous one had ended
    /// (`exit`, killed, or restarted after a timeout): shell state was reset.
    pub shell_restarted: bool,
}

struct Forward(OutputCallback);

impl ProcessObserver for Forward {
    fn on_output(&self, stream: StreamKind, data: &str) {
        (self.0)(stream, data)
    }
}

/// Runs `command` in `sandbox` for a call made in `epoch`; the session, if any, is
/// already decided by the scope.
pub(crate) async fn exec(
    sandbox: Arc<Inner>,
    epoch: Epoch,
    command: Command,
    options: ExecOptions,
) -> Result<ExecResult> {
    let max_buffer = crate::input::check_byte_limit(
        "max_buffer",
        options.max_buffer.unwrap_or(DEFAULT_MAX_BUFFER),
    )?;
    let started = Instant::now();
    let process: Process = crate::start::start(
        &sandbox,
        epoch,
        command,
        ProcessOptions {
            cwd: options.cwd,
            env: options.env,
            auto_cleanup: true,
            observer: options
                .on_output
                .map(|f| Arc::new(Forward(f)) as Arc<dyn ProcessObserver>),
            session_id: options.session_id,
            // Its own limit, not the sandbox's: exec returns what it kept, and must
            // say when that is not everything. The newest bytes are kept, as getLogs
            // does: the end of a build log is what explains its exit code.
            log_limit: Some(max_buffer),
            stdin: options.input.is_some().then_some(crate::StdinMode::Pipe),
            ..Default::default()
        },
    )
    .await?;
    if let Some(input) = options.input {
        let p = process.clone();
        tokio::spawn(async move {
            // A command that stops reading early (EPIPE) or ends first is no error: its
            // exit code says what happened.
            if p.write(&input).await.is_ok() {
                let _ = p.close_stdin().await;
            }
        });
    }
    let exit = match process.wait_for_exit(options.timeout).await {
        Ok(exit) => exit,
        Err(e) => {
            let grace = options.kill_timeout.unwrap_or(DEFAULT_KILL_TIMEOUT);
            process.kill(Signal::TERM, grace).await?;
            return Err(command_timeout(e, options.timeout.unwrap_or_default(), ""));
        }
    };
    let logs = process.logs();
    let exit_code = exit.exit_code.unwrap_or(-1);
    Ok(ExecResult {
        truncated: logs.stdout_dropped > 0 || logs.stderr_dropped > 0,
        stdout_dropped: logs.stdout_dropped,
        stderr_dropped: logs.stderr_dropped,
        stdout: logs.stdout,
        stderr: logs.stderr,
        exit_code,
        success: exit_code == 0,
        duration: started.elapsed(),
        command: process.command().to_owned(),
        shell_restarted: false,
    })
}

/// `exec` in a session: the command runs in the session's persistent shell (see
/// `shell.rs`), so its `cd`, `export`, variables, functions and aliases persist.
/// With `cwd` or `env` it runs in a subshell of it, which sees the shell's state but
/// does not change it.
pub(crate) async fn session_exec(
    sandbox: Arc<Inner>,
    session: &str,
    command: Command,
    options: ExecOptions,
) -> Result<ExecResult> {
    command.validate()?;
    crate::command::validate_env(&options.env)?;
    let max_buffer = crate::input::check_byte_limit(
        "max_buffer",
        options.max_buffer.unwrap_or(DEFAULT_MAX_BUFFER),
    )?;
    let (shell, pid_slot, spec) = {
        let sessions = sandbox.sessions.lock().unwrap();
        let s = sessions
            .get(session)
            .ok_or_else(|| crate::session::not_found(session))?;
        let mut env = crate::command::merged_env(&[&sandbox.env, &s.env]);
        crate::tree::set_tag(&mut env, &s.tag);
        let spec = crate::shell::ShellSpec {
            program: sandbox.shell.clone(),
            env,
            cwd: s.cwd.clone().or_else(|| sandbox.cwd.clone()),
        };
        (s.shell.clone(), s.shell_pid.clone(), spec)
    };
    if let Some(bad) = options.env.keys().find(|k| !is_identifier(k)) {
        return Err(crate::error::Error::invalid(format!(
            "env name {bad:?} cannot be set in a session's shell: names there are letters, digits and _"
        )));
    }
    let scoped = scope_prelude(&sandbox.shell, options.cwd.as_deref(), &options.env);
    let text = command.display();
    let started = Instant::now();
    let mut guard = shell.lock().await;
    if guard.is_none() {
        *guard = Some(crate::shell::Shell::new(spec, pid_slot)?);
    }
    let outcome = guard
        .as_mut()
        .expect("set above")
        .run(
            &text,
            options.input.as_deref(),
            options.timeout,
            options.kill_timeout.unwrap_or(DEFAULT_KILL_TIMEOUT),
            scoped,
        )
        .await?;
    drop(guard);
    let (stdout, stdout_dropped) = tail(outcome.stdout, max_buffer);
    let (stderr, stderr_dropped) = tail(outcome.stderr, max_buffer);
    if let Some(f) = &options.on_output {
        for (stream, text) in [(StreamKind::Stdout, &stdout), (StreamKind::Stderr, &stderr)] {
            if !text.is_empty() {
                f(stream, text);
            }
        }
    }
    Ok(ExecResult {
        truncated: stdout_dropped > 0 || stderr_dropped > 0,
        stdout_dropped,
        stderr_dropped,
        stdout,
        stderr,
        exit_code: outcome.exit_code,
        success: outcome.exit_code == 0,
        duration: started.elapsed(),
        command: text,
        shell_restarted: outcome.fresh,
    })
}

/// The newest `max` bytes of `data` as text (invalid UTF-8 replaced), and how many
/// bytes were dropped from the front.
fn tail(data: Vec<u8>, max: usize) -> (String, u64) {
    let dropped = data.len().saturating_sub(max);
    let mut start = dropped;
    // Not in the middle of a character.
    while start < data.len() && (data[start] & 0xC0) == 0x80 {
        start += 1;
    }
    (
        String::from_utf8_lossy(&data[start..]).into_owned(),
        start as u64,
    )
}

/// The shell text that sets a per-call cwd and env inside the subshell, or `None`.
fn scope_prelude(
    shell: &std::path::Path,
    cwd: Option<&std::path::Path>,
    env: &EnvChanges,
) -> Option<String> {
    if cwd.is_none() && env.is_empty() {
        return None;
    }
    let q = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let safe = |name: &str| crate::shell::safe(shell, name);
    let mut p = String::new();
    if let Some(c) = cwd {
        // `./` first: a relative folder is the folder, not one CDPATH finds, and `-` is
        // a name, not OLDPWD.
        let c = match c.is_absolute() {
            true => c.to_path_buf(),
            false => std::path::Path::new(".").join(c),
        };
        p.push_str(&format!(
            "{} -- {} || {} 1; ",
            safe("cd"),
            q(&c.to_string_lossy()),
            safe("exit")
        ));
    }
    for (k, v) in env.iter() {
        // Checked by the caller: a name is a shell identifier.
        match v {
            Some(v) => p.push_str(&format!("{} {k}={}; ", safe("export"), q(v))),
            None => p.push_str(&format!("{} {k}; ", safe("unset"))),
        }
    }
    Some(p)
}

fn is_identifier(name: &str) -> bool {
    let mut c = name.chars();
    c.next()
        .is_some_and(|f| f == '_' || f.is_ascii_alphabetic())
        && c.all(|x| x == '_' || x.is_ascii_alphanumeric())
}
