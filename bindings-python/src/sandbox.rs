//! `Sandbox` (the manager) and the methods it shares with `Session`.

use crate::convert;
use crate::error::{invalid, IntoPyResult};
use crate::event::LogStream;
use crate::exec::ExecResult;
use crate::future::{spawn, spawn_now, spawn_with, Nothing};
use crate::observer::{Callbacks, PyObserver};
use crate::process::{Logs, Process, Q};
use crate::session::NewSession;
use procwright::{ExecOptions, OutputCallback, ProcessObserver, ProcessOptions, SandboxOptions};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;
use std::sync::Arc;

/// What a `ProcessScope` acts on: the whole sandbox or one session of it.
#[derive(Clone)]
pub(crate) enum Scope {
    Sandbox(procwright::Sandbox),
    Session(procwright::Session),
}

impl Scope {
    fn list(&self) -> Vec<procwright::Process> {
        match self {
            Scope::Sandbox(s) => s.list_processes(),
            Scope::Session(s) => s.list_processes(),
        }
    }

    fn get(&self, id: &str) -> Option<procwright::Process> {
        match self {
            Scope::Sandbox(s) => s.get_process(id),
            Scope::Session(s) => s.get_process(id),
        }
    }

    fn require(&self, id: &str) -> procwright::Result<procwright::Process> {
        self.get(id).ok_or_else(|| procwright::Error::not_found(id))
    }
}

/// The process methods a `Sandbox` and a `Session` share.
#[pyclass(subclass, frozen, module = "procwright")]
pub struct ProcessScope {
    // An `Option` only so that `Drop` can release the sandbox without the GIL.
    scope: Option<Scope>,
}

impl ProcessScope {
    pub(crate) fn new(scope: Scope) -> Self {
        ProcessScope { scope: Some(scope) }
    }

    pub(crate) fn scope(&self) -> &Scope {
        self.scope.as_ref().expect("scope is only taken in drop")
    }
}

impl Drop for ProcessScope {
    fn drop(&mut self) {
        // Dropping the last handle on a sandbox kills its processes and waits for them
        // (SIGTERM, then SIGKILL after a grace period).
        let Some(scope) = self.scope.take() else {
            return;
        };
        if crate::forked() {
            // The parent's processes are not ours to kill.
            std::mem::forget(scope);
            return;
        }
        // No Python here: a dealloc can run while an exception is being raised.
        let finalizing = crate::EXITING.load(std::sync::atomic::Ordering::SeqCst);
        if !finalizing {
            // Collected while the program runs: kill on a thread of its own, so that a
            // garbage collection never stalls the event loop. (Should no thread be had,
            // the closure, and the sandbox with it, is dropped right here.)
            let _ = std::thread::Builder::new()
                .name("procwright-drop".into())
                .spawn(move || drop(scope));
            return;
        }
        // At interpreter shutdown: finish the kill before the process exits, GIL released.
        let mut scope = Some(scope);
        let _ = Python::try_attach(|py| py.detach(|| drop(scope.take())));
        drop(scope);
    }
}

/// The callbacks given, checked; `None` when there are none.
fn callbacks(
    on_start: Option<&Bound<'_, PyAny>>,
    on_output: Option<&Bound<'_, PyAny>>,
    on_exit: Option<&Bound<'_, PyAny>>,
    on_error: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<Callbacks>> {
    let cbs = Callbacks {
        on_start: convert::callback("on_start", on_start)?,
        on_output: convert::callback("on_output", on_output)?,
        on_exit: convert::callback("on_exit", on_exit)?,
        on_error: convert::callback("on_error", on_error)?,
    };
    Ok((!cbs.is_empty()).then_some(cbs))
}

/// Binds `observer`, if there is one, to the loop awaiting the call.
fn bind(py: Python<'_>, observer: &Option<PyObserver>) -> PyResult<()> {
    observer
        .as_ref()
        .map_or(Ok(()), |o| o.bind_running_loop(py))
}

#[pymethods]
impl ProcessScope {
    /// Starts a background process; resolves to a `Process` once it is running. The start
    /// belongs to the sandbox as it is when called: if `destroy()` begins before the
    /// process runs, it raises `ProcessError` and what it spawned is killed.
    #[pyo3(
        signature = (command, *, process_id = None, cwd = None, env = None, timeout = None, kill_timeout = None, auto_cleanup = None, on_output = None, on_exit = None, on_start = None, on_error = None, session_id = None),
        text_signature = "($self, command, *, process_id=None, cwd=None, env=None, timeout=None, kill_timeout=5.0, auto_cleanup=False, on_output=None, on_exit=None, on_start=None, on_error=None, session_id=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn start_process<'py>(
        &self,
        py: Python<'py>,
        command: &Bound<'py, PyAny>,
        process_id: Option<&Bound<'py, PyAny>>,
        cwd: Option<&Bound<'py, PyAny>>,
        env: Option<&Bound<'py, PyAny>>,
        timeout: Option<&Bound<'py, PyAny>>,
        kill_timeout: Option<&Bound<'py, PyAny>>,
        auto_cleanup: Option<&Bound<'py, PyAny>>,
        on_output: Option<&Bound<'py, PyAny>>,
        on_exit: Option<&Bound<'py, PyAny>>,
        on_start: Option<&Bound<'py, PyAny>>,
        on_error: Option<&Bound<'py, PyAny>>,
        session_id: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let command = convert::command(command)?;
        let session_id = convert::opt_string("session_id", session_id)?;
        let observer = callbacks(on_start, on_output, on_exit, on_error)?.map(PyObserver::new);
        let options = ProcessOptions {
            process_id: convert::opt_string("process_id", process_id)?,
            cwd: convert::path("cwd", cwd)?,
            env: convert::env(env)?,
            timeout: convert::seconds("timeout", timeout)?,
            kill_timeout: convert::seconds("kill_timeout", kill_timeout)?,
            auto_cleanup: convert::boolean("auto_cleanup", auto_cleanup)?,
            observer: observer
                .clone()
                .map(|o| Arc::new(o) as Arc<dyn ProcessObserver>),
            session_id: session_id.clone(),
            log_limit: None,
        };
        let scope = self.scope().clone();
        if let (Scope::Session(s), Some(sid)) = (&scope, &session_id) {
            if sid != s.id() {
                return Err(invalid(format!(
                    "session_id {sid:?} differs from this session's id {:?}",
                    s.id()
                )));
            }
        }
        // Called now, so that it belongs to the sandbox as it is now; it runs once awaited.
        let start = match &scope {
            Scope::Sandbox(s) => s.start_process(command, options),
            Scope::Session(s) => s.start_process(command, options),
        };
        spawn_with(py, move |py| {
            bind(py, &observer)?;
            Ok(async move { start.await.map(Process::from).py() })
        })
    }

    /// Every record kept, running or ended, in start order.
    fn list_processes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let scope = self.scope().clone();
        spawn(py, async move {
            Ok(scope
                .list()
                .into_iter()
                .map(Process::from)
                .collect::<Vec<_>>())
        })
    }

    /// The process with this id, or None.
    fn get_process<'py>(
        &self,
        py: Python<'py>,
        id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let id = convert::string("id", id)?;
        let scope = self.scope().clone();
        spawn(py, async move { Ok(scope.get(&id).map(Process::from)) })
    }

    /// Kills a process by id (see `Process.kill`); unknown ids raise `ProcessNotFoundError`.
    #[pyo3(signature = (id, signal = None), text_signature = "($self, id, signal='SIGTERM')")]
    fn kill_process<'py>(
        &self,
        py: Python<'py>,
        id: &Bound<'py, PyAny>,
        signal: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let id = convert::string("id", id)?;
        let signal = match signal.filter(|s| !s.is_none()) {
            Some(s) => convert::signal(s)?,
            None => procwright::Signal::TERM,
        };
        let scope = self.scope().clone();
        spawn(py, async move {
            match &scope {
                Scope::Sandbox(s) => s.kill_process(&id, signal).await,
                Scope::Session(s) => s.kill_process(&id, signal).await,
            }
            .map(|()| Nothing)
            .py()
        })
    }

    /// SIGTERM, then SIGKILL after the default timeout.
    fn stop_process<'py>(
        &self,
        py: Python<'py>,
        id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.kill_process(py, id, None)
    }

    /// Kills every process, and what is left of the groups of ended ones; returns how
    /// many it signalled.
    fn kill_all_processes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let scope = self.scope().clone();
        spawn(py, async move {
            Ok(match &scope {
                Scope::Sandbox(s) => s.kill_all_processes().await,
                Scope::Session(s) => s.kill_all_processes().await,
            })
        })
    }

    /// The output kept for a process: an object with `.stdout` and `.stderr`.
    fn get_process_logs<'py>(
        &self,
        py: Python<'py>,
        id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let id = convert::string("id", id)?;
        let scope = self.scope().clone();
        spawn(py, async move {
            scope.require(&id).map(|p| Logs::from(p.logs())).py()
        })
    }

    /// The live log events of a process, for `async for`.
    fn stream_process_logs(&self, id: &Bound<'_, PyAny>) -> PyResult<LogStream> {
        let id = convert::string("id", id)?;
        Ok(LogStream::new(
            self.scope().require(&id).py()?.stream_logs(),
        ))
    }

    /// Runs a command to completion: `stdout`, `stderr`, `exit_code`, `success`,
    /// `duration` (seconds) and `command`.
    #[pyo3(
        signature = (command, *, cwd = None, env = None, timeout = None, kill_timeout = None, on_output = None, max_buffer = None),
        text_signature = "($self, command, *, cwd=None, env=None, timeout=None, kill_timeout=5.0, on_output=None, max_buffer=104857600)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn exec<'py>(
        &self,
        py: Python<'py>,
        command: &Bound<'py, PyAny>,
        cwd: Option<&Bound<'py, PyAny>>,
        env: Option<&Bound<'py, PyAny>>,
        timeout: Option<&Bound<'py, PyAny>>,
        kill_timeout: Option<&Bound<'py, PyAny>>,
        on_output: Option<&Bound<'py, PyAny>>,
        max_buffer: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let command = convert::command(command)?;
        let observer = callbacks(None, on_output, None, None)?.map(PyObserver::new);
        let options = ExecOptions {
            cwd: convert::path("cwd", cwd)?,
            env: convert::env(env)?,
            timeout: convert::seconds("timeout", timeout)?,
            kill_timeout: convert::seconds("kill_timeout", kill_timeout)?,
            on_output: observer
                .clone()
                .map(|o| Arc::new(move |s, d: &str| o.on_output(s, d)) as OutputCallback),
            session_id: None,
            max_buffer: convert::byte_count("max_buffer", max_buffer)?,
        };
        // Called now, like `start_process`.
        let run = match self.scope() {
            Scope::Sandbox(s) => s.exec(command, options),
            Scope::Session(s) => s.exec(command, options),
        };
        spawn_with(py, move |py| {
            bind(py, &observer)?;
            Ok(async move { run.await.map(ExecResult::from).py() })
        })
    }
}

/// Starts and tracks background processes. Leaving `async with`, `destroy()`, garbage
/// collection of the last handle and interpreter exit all kill what it started.
#[pyclass(extends = ProcessScope, frozen, module = "procwright")]
pub struct Sandbox {}

impl Sandbox {
    pub(crate) fn wrap(py: Python<'_>, sandbox: procwright::Sandbox) -> PyResult<Py<Sandbox>> {
        Py::new(
            py,
            PyClassInitializer::from(ProcessScope::new(Scope::Sandbox(sandbox)))
                .add_subclass(Sandbox {}),
        )
    }

    fn core(slf: &Bound<'_, Self>) -> procwright::Sandbox {
        match slf.as_super().get().scope() {
            Scope::Sandbox(s) => s.clone(),
            Scope::Session(s) => s.sandbox().clone(),
        }
    }
}

#[pymethods]
impl Sandbox {
    #[new]
    #[pyo3(signature = (cwd = None, env = None, shell = None, log_limit = None, log_dir = None))]
    fn py_new(
        cwd: Option<&Bound<'_, PyAny>>,
        env: Option<&Bound<'_, PyAny>>,
        shell: Option<&Bound<'_, PyAny>>,
        log_limit: Option<&Bound<'_, PyAny>>,
        log_dir: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let log_limit = match log_limit.filter(|l| !l.is_none()) {
            None => None,
            Some(l) => {
                let n = convert::integer("log_limit", l)?;
                if n < 1 {
                    return Err(invalid(format!(
                        "log_limit must be at least 1 byte, got {n}"
                    )));
                }
                Some(usize::try_from(n).map_err(|_| invalid("log_limit is too large"))?)
            }
        };
        let options = SandboxOptions {
            cwd: convert::path("cwd", cwd)?,
            env: convert::env(env)?,
            shell: convert::opt_string("shell", shell)?,
            log_limit,
            log_dir: convert::path("log_dir", log_dir)?,
        };
        let sandbox = procwright::Sandbox::new(options).py()?;
        Ok(
            PyClassInitializer::from(ProcessScope::new(Scope::Sandbox(sandbox)))
                .add_subclass(Sandbox {}),
        )
    }

    /// The shell string commands run in.
    #[getter]
    fn shell(slf: &Bound<'_, Self>) -> String {
        Self::core(slf).shell().to_string_lossy().into_owned()
    }

    /// Creates a session: its own env, cwd and process list.
    #[pyo3(signature = (id = None, *, cwd = None, env = None))]
    fn create_session<'py>(
        slf: &Bound<'py, Self>,
        id: Option<&Bound<'py, PyAny>>,
        cwd: Option<&Bound<'py, PyAny>>,
        env: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = procwright::SessionOptions {
            id: convert::opt_string("id", id)?,
            cwd: convert::path("cwd", cwd)?,
            env: convert::env(env)?,
        };
        let sandbox = Self::core(slf);
        spawn(slf.py(), async move {
            sandbox.create_session(options).map(NewSession).py()
        })
    }

    /// The session with this id; raises `SessionError` if there is none.
    fn get_session<'py>(
        slf: &Bound<'py, Self>,
        id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let id = convert::string("id", id)?;
        let sandbox = Self::core(slf);
        spawn(slf.py(), async move {
            sandbox.get_session(&id).map(NewSession).py()
        })
    }

    /// Kills a session's processes and forgets the session.
    fn delete_session<'py>(
        slf: &Bound<'py, Self>,
        id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let id = convert::string("id", id)?;
        let sandbox = Self::core(slf);
        spawn(slf.py(), async move {
            sandbox.delete_session(&id).await.map(|()| Nothing).py()
        })
    }

    /// Kills everything (SIGTERM, then SIGKILL) and forgets every record and session.
    fn destroy<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let sandbox = Self::core(slf);
        spawn(slf.py(), async move {
            sandbox.destroy().await;
            Ok(Nothing)
        })
    }

    fn __aenter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let me: Py<Sandbox> = slf.clone().unbind();
        spawn_now(slf.py(), async move { Ok(me) })
    }

    #[pyo3(signature = (*_exc))]
    fn __aexit__<'py>(
        slf: &Bound<'py, Self>,
        _exc: &Bound<'py, pyo3::types::PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let sandbox = Self::core(slf);
        spawn_now(slf.py(), async move {
            sandbox.destroy().await;
            Ok(false)
        })
    }

    fn __repr__(slf: &Bound<'_, Self>) -> String {
        let s = Self::core(slf);
        let procs = s.list_processes();
        let running = procs.iter().filter(|p| !p.status().is_final()).count();
        format!(
            "<Sandbox processes={} running={running} shell={:?}>",
            procs.len(),
            Q(&s.shell().to_string_lossy())
        )
    }
}

/// The one shared sandbox for `name` (default `"default"`); the same object each time.
#[pyfunction]
#[pyo3(signature = (name = None))]
pub fn get_sandbox(py: Python<'_>, name: Option<&Bound<'_, PyAny>>) -> PyResult<Py<Sandbox>> {
    static NAMED: PyOnceLock<Py<PyDict>> = PyOnceLock::new();
    let name = convert::opt_string("name", name)?.unwrap_or_else(|| "default".to_owned());
    let named = NAMED.get_or_init(py, || PyDict::new(py).unbind()).bind(py);
    if let Some(s) = named.get_item(&name)? {
        return Ok(s.cast_into::<Sandbox>()?.unbind());
    }
    let core = procwright::get_sandbox(Some(&name)).py()?;
    let s = Sandbox::wrap(py, core)?;
    named.set_item(&name, s.clone_ref(py))?;
    Ok(s)
}
