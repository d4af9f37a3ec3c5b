//! `Sandbox`: the root scope, with sessions and `destroy`.

use crate::convert::{
    ByteLimit, Cwd, Env, Id, LogDir, LogLimit, PathArg, SandboxName, Shell, Text,
};
use crate::error::IntoPyResult;
use crate::future::{spawn, spawn_now, Nothing};
use crate::process::Q;
use crate::scope::ProcessScope;
use crate::session::NewSession;
use procwright::SandboxOptions;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

/// Starts and tracks background processes. Leaving `async with` and `destroy()` kill
/// what it started; so does dropping every handle on it (sandbox, sessions,
/// processes), without waiting, and interpreter exit.
#[pyclass(extends = ProcessScope, frozen, module = "procwright")]
pub struct Sandbox {
    sandbox: procwright::Sandbox,
}

impl Sandbox {
    fn init(sandbox: procwright::Sandbox) -> PyClassInitializer<Sandbox> {
        PyClassInitializer::from(ProcessScope::new(sandbox.scope().clone()))
            .add_subclass(Sandbox { sandbox })
    }
}

#[pymethods]
impl Sandbox {
    #[new]
    #[pyo3(signature = (cwd = None, env = None, shell = None, log_limit = None, log_dir = None))]
    fn py_new(
        cwd: Option<PathArg<Cwd>>,
        env: Option<Env>,
        shell: Option<Text<Shell>>,
        log_limit: Option<ByteLimit<LogLimit>>,
        log_dir: Option<PathArg<LogDir>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let options = SandboxOptions {
            cwd: cwd.map(|p| p.0),
            env: env.map(|e| e.0).unwrap_or_default(),
            shell: shell.map(|t| t.0),
            log_limit: log_limit.map(|l| l.0),
            log_dir: log_dir.map(|p| p.0),
        };
        Ok(Sandbox::init(procwright::Sandbox::new(options).py()?))
    }

    /// The shell string commands run in.
    #[getter]
    fn shell(&self) -> String {
        self.sandbox.shell().to_string_lossy().into_owned()
    }

    /// Creates a session: its own env, cwd and process list.
    #[pyo3(signature = (id = None, *, cwd = None, env = None))]
    fn create_session<'py>(
        &self,
        py: Python<'py>,
        id: Option<Text<Id>>,
        cwd: Option<PathArg<Cwd>>,
        env: Option<Env>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = procwright::SessionOptions {
            id: id.map(|t| t.0),
            cwd: cwd.map(|p| p.0),
            env: env.map(|e| e.0).unwrap_or_default(),
        };
        let result = self.sandbox.create_session(options).map(NewSession).py();
        crate::future::ready(py, result)
    }

    /// The session with this id; raises `SessionError` if there is none.
    fn get_session<'py>(&self, py: Python<'py>, id: Text<Id>) -> PyResult<Bound<'py, PyAny>> {
        let result = self.sandbox.get_session(&id.0).map(NewSession).py();
        crate::future::ready(py, result)
    }

    /// Kills a session's processes and forgets the session.
    fn delete_session<'py>(&self, py: Python<'py>, id: Text<Id>) -> PyResult<Bound<'py, PyAny>> {
        let sandbox = self.sandbox.clone();
        spawn(py, async move {
            sandbox.delete_session(&id.0).await.map(|()| Nothing).py()
        })
    }

    /// Kills everything (SIGTERM, then SIGKILL) and forgets every record and session.
    fn destroy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let sandbox = self.sandbox.clone();
        spawn(py, async move {
            sandbox.destroy().await;
            Ok(Nothing)
        })
    }

    fn __aenter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let me: Py<Sandbox> = slf.clone().unbind();
        spawn_now(slf.py(), async move { Ok(me) })
    }

    /// Destroys the sandbox, whatever ended the block; never swallows an exception.
    #[pyo3(signature = (exc_type, exc, tb))]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        exc_type: &Bound<'py, PyAny>,
        exc: &Bound<'py, PyAny>,
        tb: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let _ = (exc_type, exc, tb);
        let sandbox = self.sandbox.clone();
        spawn_now(py, async move {
            sandbox.destroy().await;
            Ok(false)
        })
    }

    fn __repr__(&self) -> String {
        let procs = self.sandbox.list_processes();
        let running = procs.iter().filter(|p| !p.status().is_final()).count();
        format!(
            "<Sandbox processes={} running={running} shell={:?}>",
            procs.len(),
            Q(&self.sandbox.shell().to_string_lossy())
        )
    }
}

/// The one shared sandbox for `name` (default `"default"`); the same object each time.
#[pyfunction]
#[pyo3(signature = (name = None))]
pub fn get_sandbox(py: Python<'_>, name: Option<Text<SandboxName>>) -> PyResult<Py<Sandbox>> {
    // The core keeps one sandbox per name; this keeps one Python object for each.
    static NAMED: PyOnceLock<Py<PyDict>> = PyOnceLock::new();
    let core = procwright::get_sandbox(name.as_ref().map(|t| t.0.as_str())).py()?;
    let key = name.map_or_else(|| "default".to_owned(), |t| t.0);
    let named = NAMED.get_or_init(py, || PyDict::new(py).unbind()).bind(py);
    if let Some(s) = named.get_item(&key)? {
        return Ok(s.cast_into::<Sandbox>()?.unbind());
    }
    let s = Py::new(py, Sandbox::init(core))?;
    named.set_item(&key, s.clone_ref(py))?;
    Ok(s)
}
