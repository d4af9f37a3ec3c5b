//! `Session`: the sandbox's process methods, scoped to one session.

use crate::process::Q;
use crate::sandbox::{ProcessScope, Scope};
use pyo3::prelude::*;

/// An isolated context in a sandbox: its own env, cwd and process list.
#[pyclass(extends = ProcessScope, frozen, module = "procwright")]
pub struct Session {
    id: String,
}

impl Session {
    pub(crate) fn init(session: procwright::Session) -> PyClassInitializer<Session> {
        let id = session.id().to_owned();
        PyClassInitializer::from(ProcessScope::new(Scope::Session(session)))
            .add_subclass(Session { id })
    }

    fn core(slf: &Bound<'_, Self>) -> procwright::Session {
        match slf.as_super().get().scope() {
            Scope::Session(s) => s.clone(),
            Scope::Sandbox(_) => unreachable!("a Session always holds a session"),
        }
    }
}

/// A core session on its way to Python: futures return it, and it becomes a `Session`
/// under the GIL.
pub struct NewSession(pub procwright::Session);

impl<'py> IntoPyObject<'py> for NewSession {
    type Target = Session;
    type Output = Bound<'py, Session>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, Session>> {
        Bound::new(py, Session::init(self.0))
    }
}

#[pymethods]
impl Session {
    /// The session id.
    #[getter]
    fn id(&self) -> &str {
        &self.id
    }

    /// Whether the session still exists (it does until `delete_session`).
    #[getter]
    fn exists(slf: &Bound<'_, Self>) -> bool {
        Self::core(slf).exists()
    }

    fn __repr__(slf: &Bound<'_, Self>) -> String {
        let s = Self::core(slf);
        format!(
            "<Session id={:?} processes={} exists={}>",
            Q(s.id()),
            s.list_processes().len(),
            if s.exists() { "True" } else { "False" }
        )
    }
}
