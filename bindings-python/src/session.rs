//! `Session`: a scope with an id inside a sandbox.

use crate::process::Q;
use crate::scope::ProcessScope;
use pyo3::prelude::*;

/// An isolated context in a sandbox: its own env, cwd and process list.
#[pyclass(extends = ProcessScope, frozen, module = "procwright")]
pub struct Session {
    session: procwright::Session,
}

/// A core session on its way to Python: it becomes a `Session` under the GIL.
pub struct NewSession(pub procwright::Session);

impl<'py> IntoPyObject<'py> for NewSession {
    type Target = Session;
    type Output = Bound<'py, Session>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, Session>> {
        let init = PyClassInitializer::from(ProcessScope::new(self.0.scope().clone()))
            .add_subclass(Session { session: self.0 });
        Bound::new(py, init)
    }
}

#[pymethods]
impl Session {
    /// The session id.
    #[getter]
    fn id(&self) -> &str {
        self.session.id()
    }

    /// Whether the session still exists (it does until `delete_session` or `destroy`).
    #[getter]
    fn exists(&self) -> bool {
        self.session.exists()
    }

    fn __repr__(&self) -> String {
        let s = &self.session;
        format!(
            "<Session id={:?} processes={} exists={}>",
            Q(s.id()),
            s.list_processes().len(),
            if s.exists() { "True" } else { "False" }
        )
    }
}
