//! Core errors as the Python exception classes of `procwright._errors`.
//!
//! The classes are defined in Python (so they can also be `TimeoutError`, `LookupError`…)
//! and imported once; `ErrorCode::class_name()` picks the class.

use procwright::{Error, ErrorCode};
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};
use pyo3::PyErrArguments;

fn errors_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    MODULE
        .get_or_try_init(py, || Ok(py.import("procwright._errors")?.unbind()))
        .map(|m| m.bind(py))
}

/// A core error waiting to become a Python exception; built lazily, under the GIL,
/// whenever Python first looks at it (so futures can carry it without the GIL).
struct Lazy {
    error: Error,
    /// Raise `InvalidArgumentTypeError` (also a `TypeError`) for a value of the wrong type.
    wrong_type: bool,
}

impl Lazy {
    fn build(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let module = errors_module(py)?;
        let class_name = if self.wrong_type {
            "InvalidArgumentTypeError"
        } else {
            self.error.code.class_name()
        };
        let class = module.getattr(class_name)?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("code", self.error.code.as_str())?;
        kwargs.set_item("process_id", self.error.process_id.as_deref())?;
        kwargs.set_item("exit_code", self.error.exit_code)?;
        kwargs.set_item("condition", self.error.condition.as_deref())?;
        kwargs.set_item("last_lines", self.error.last_lines.clone())?;
        Ok(class
            .call((self.error.message.as_str(),), Some(&kwargs))?
            .unbind())
    }
}

impl PyErrArguments for Lazy {
    // The "arguments" are the finished exception instance: raising `Exception` with an
    // instance of one of its subclasses raises that instance.
    fn arguments(self, py: Python<'_>) -> Py<PyAny> {
        match self.build(py) {
            Ok(instance) => instance,
            Err(e) => e.into_value(py).into_any(),
        }
    }
}

/// The Python exception for a core error.
pub fn to_py(error: Error) -> PyErr {
    PyErr::new::<PyException, _>(Lazy {
        error,
        wrong_type: false,
    })
}

/// `InvalidArgumentError` (code `INVALID_ARGUMENT`) with this message.
pub fn invalid(message: impl Into<String>) -> PyErr {
    to_py(Error::invalid(message))
}

/// `InvalidArgumentTypeError`: an `InvalidArgumentError` that is also a `TypeError`.
pub fn wrong_type(message: impl Into<String>) -> PyErr {
    wrong_type_coded(ErrorCode::InvalidArgument, message)
}

/// `InvalidArgumentTypeError` with a code of its own, e.g. `INVALID_COMMAND`.
pub fn wrong_type_coded(code: ErrorCode, message: impl Into<String>) -> PyErr {
    PyErr::new::<PyException, _>(Lazy {
        error: Error::new(code, message),
        wrong_type: true,
    })
}

/// The Python exception instance for a core error, for callbacks (`on_error`).
pub fn instance(py: Python<'_>, error: Error) -> PyResult<Py<PyAny>> {
    Lazy {
        error,
        wrong_type: false,
    }
    .build(py)
}

/// Maps a core `Result` into a `PyResult` in one place (as lancedb's `infer_error`).
pub trait IntoPyResult<T> {
    /// The same result with the error as its Python class.
    fn py(self) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for procwright::Result<T> {
    fn py(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}

/// The code of a pattern error, for conversions that build patterns.
pub fn pattern_error(message: impl Into<String>) -> PyErr {
    to_py(Error::new(ErrorCode::InvalidPattern, message))
}
