//! `ProcessScope`: the core's `Scope`, the process methods `Sandbox` and `Session` share.

use crate::convert::{
    log_query, stream_options, AutoCleanup, ByteLimit, Callback, CommandArg, CursorArg, Cwd, Data,
    Env, Flag, Follow, Id, KillTimeout, LineCount, MaxBuffer, MaxBytes, OnError, OnExit, OnOutput,
    OnStart, PathArg, ProcessId, PtyArg, Replay, RestartArg, Seconds, SessionId, SignalArg,
    StdinArg, StreamArg, Tail, Text, Timeout,
};
use crate::error::IntoPyResult;
use crate::event::LogStream;
use crate::exec::ExecResult;
use crate::future::{ready, spawn, spawn_with, Nothing};
use crate::logs::Logs;
use crate::observer::{Callbacks, PyObserver};
use crate::process::Process;
use procwright::{ExecOptions, OutputCallback, ProcessObserver, ProcessOptions};
use pyo3::prelude::*;
use std::sync::Arc;

/// The process methods a `Sandbox` and a `Session` share.
#[pyclass(subclass, frozen, module = "procwright")]
pub struct ProcessScope {
    scope: procwright::Scope,
}

impl ProcessScope {
    pub(crate) fn new(scope: procwright::Scope) -> Self {
        ProcessScope { scope }
    }
}

/// Binds `observer`, if there is one, to the loop awaiting the call.
fn bind(py: Python<'_>, observer: &Option<PyObserver>) -> PyResult<()> {
    observer
        .as_ref()
        .map_or(Ok(()), |o| o.bind_running_loop(py))
}

fn observer(callbacks: Callbacks) -> Option<PyObserver> {
    (!callbacks.is_empty()).then(|| PyObserver::new(callbacks))
}

#[pymethods]
impl ProcessScope {
    /// Starts a background process; resolves to a `Process` once it is running. The start
    /// belongs to the sandbox as it is when called: if `destroy()` begins before the
    /// process runs, it raises `ProcessError` and what it spawned is killed.
    #[pyo3(signature = (command, *, process_id = None, cwd = None, env = None, timeout = None, kill_timeout = None, auto_cleanup = None, on_output = None, on_exit = None, on_start = None, on_error = None, session_id = None, stdin = None, pty = None, restart = None))]
    #[allow(clippy::too_many_arguments)]
    fn start_process<'py>(
        &self,
        py: Python<'py>,
        command: CommandArg,
        process_id: Option<Text<ProcessId>>,
        cwd: Option<PathArg<Cwd>>,
        env: Option<Env>,
        timeout: Option<Seconds<Timeout>>,
        kill_timeout: Option<Seconds<KillTimeout>>,
        auto_cleanup: Option<Flag<AutoCleanup>>,
        on_output: Option<Callback<OnOutput>>,
        on_exit: Option<Callback<OnExit>>,
        on_start: Option<Callback<OnStart>>,
        on_error: Option<Callback<OnError>>,
        session_id: Option<Text<SessionId>>,
        stdin: Option<StdinArg>,
        pty: Option<PtyArg>,
        restart: Option<RestartArg>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let observer = observer(Callbacks {
            on_start: on_start.map(|c| c.0),
            on_output: on_output.map(|c| c.0),
            on_exit: on_exit.map(|c| c.0),
            on_error: on_error.map(|c| c.0),
        });
        let options = ProcessOptions {
            process_id: process_id.map(|t| t.0),
            cwd: cwd.map(|p| p.0),
            env: env.map(|e| e.0).unwrap_or_default(),
            timeout: timeout.map(|s| s.0),
            kill_timeout: kill_timeout.map(|s| s.0),
            auto_cleanup: auto_cleanup.is_some_and(|f| f.0),
            observer: observer
                .clone()
                .map(|o| Arc::new(o) as Arc<dyn ProcessObserver>),
            session_id: session_id.map(|t| t.0),
            log_limit: None,
            stdin: stdin.map(|s| s.0),
            pty: pty.map(|p| p.0),
            restart: restart.map(|r| r.0),
        };
        // Called now, so that it belongs to the sandbox as it is now; it runs once awaited.
        let start = self.scope.start_process(command.0, options);
        spawn_with(py, move |py| {
            bind(py, &observer)?;
            Ok(async move { start.await.map(Process::from).py() })
        })
    }

    /// Every record kept, running or ended, in start order.
    fn list_processes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let list: Vec<Process> = self
            .scope
            .list_processes()
            .into_iter()
            .map(Process::from)
            .collect();
        ready(py, Ok(list))
    }

    /// The process with this id, or None.
    fn get_process<'py>(&self, py: Python<'py>, id: Text<Id>) -> PyResult<Bound<'py, PyAny>> {
        ready(py, Ok(self.scope.get_process(&id.0).map(Process::from)))
    }

    /// Kills a process by id (see `Process.kill`); unknown ids raise `ProcessNotFoundError`.
    #[pyo3(signature = (id, signal = None, *, timeout = None))]
    fn kill_process<'py>(
        &self,
        py: Python<'py>,
        id: Text<Id>,
        signal: Option<SignalArg>,
        timeout: Option<Seconds<Timeout>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let signal = signal.map_or(procwright::Signal::TERM, |s| s.0);
        let timeout = timeout.map_or(procwright::DEFAULT_KILL_TIMEOUT, |t| t.0);
        let scope = self.scope.clone();
        spawn(py, async move {
            scope
                .kill_process_within(&id.0, signal, timeout)
                .await
                .map(|()| Nothing)
                .py()
        })
    }

    /// SIGTERM, then SIGKILL after the default timeout.
    fn stop_process<'py>(&self, py: Python<'py>, id: Text<Id>) -> PyResult<Bound<'py, PyAny>> {
        self.kill_process(py, id, None, None)
    }

    /// Kills every process, and what is left of the groups of ended ones; returns how
    /// many it signalled.
    fn kill_all_processes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let scope = self.scope.clone();
        spawn(py, async move { Ok(scope.kill_all_processes().await) })
    }

    /// The TCP sockets in LISTEN state of every process here, each with its `process_id`.
    fn list_ports<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let scope = self.scope.clone();
        spawn(py, async move {
            Ok(crate::ports::to_py(scope.list_ports().await))
        })
    }

    /// The output kept for a process, selected as by `Process.get_logs`.
    #[pyo3(signature = (id, *, since = None, tail = None, stream = None, max_bytes = None))]
    fn get_process_logs<'py>(
        &self,
        py: Python<'py>,
        id: Text<Id>,
        since: Option<CursorArg>,
        tail: Option<LineCount<Tail>>,
        stream: Option<StreamArg>,
        max_bytes: Option<ByteLimit<MaxBytes>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let query = log_query(since, tail, stream, max_bytes);
        ready(
            py,
            self.scope
                .get_process_logs_with(&id.0, &query)
                .map(Logs::from)
                .py(),
        )
    }

    /// The log events of a process, for `async for`, as by `Process.stream_logs`.
    #[pyo3(signature = (id, *, since = None, replay = Flag::on(), follow = Flag::on(), stream = None))]
    fn stream_process_logs(
        &self,
        id: Text<Id>,
        since: Option<CursorArg>,
        replay: Flag<Replay>,
        follow: Flag<Follow>,
        stream: Option<StreamArg>,
    ) -> PyResult<LogStream> {
        let options = stream_options(since, replay, follow, stream);
        Ok(LogStream::new(
            self.scope.stream_process_logs_with(&id.0, &options).py()?,
        ))
    }

    /// Runs a command to completion: `stdout`, `stderr`, `exit_code`, `success`,
    /// `duration` (seconds) and `command`.
    #[pyo3(signature = (command, *, cwd = None, env = None, timeout = None, kill_timeout = None, on_output = None, max_buffer = None, input = None))]
    #[allow(clippy::too_many_arguments)]
    fn exec<'py>(
        &self,
        py: Python<'py>,
        command: CommandArg,
        cwd: Option<PathArg<Cwd>>,
        env: Option<Env>,
        timeout: Option<Seconds<Timeout>>,
        kill_timeout: Option<Seconds<KillTimeout>>,
        on_output: Option<Callback<OnOutput>>,
        max_buffer: Option<ByteLimit<MaxBuffer>>,
        input: Option<Data>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let observer = observer(Callbacks {
            on_start: None,
            on_output: on_output.map(|c| c.0),
            on_exit: None,
            on_error: None,
        });
        let options = ExecOptions {
            cwd: cwd.map(|p| p.0),
            env: env.map(|e| e.0).unwrap_or_default(),
            timeout: timeout.map(|s| s.0),
            kill_timeout: kill_timeout.map(|s| s.0),
            on_output: observer
                .clone()
                .map(|o| Arc::new(move |s, d: &str| o.on_output(s, d)) as OutputCallback),
            session_id: None,
            max_buffer: max_buffer.map(|b| b.0),
            input: input.map(|d| d.0),
        };
        // Called now, like `start_process`.
        let run = self.scope.exec(command.0, options);
        spawn_with(py, move |py| {
            bind(py, &observer)?;
            Ok(async move { run.await.map(ExecResult::from).py() })
        })
    }
}
