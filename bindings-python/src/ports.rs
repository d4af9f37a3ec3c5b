//! `ListeningPort` and `PortReady`: the listening sockets of a process tree, and what
//! `wait_for_port()` without a port resolves.

use crate::process::Q;
use pyo3::prelude::*;

/// A TCP socket in LISTEN state held by a process tree.
#[pyclass(frozen, module = "procwright", get_all)]
pub struct ListeningPort {
    /// The port.
    pub port: u16,
    /// The address it is bound to: `"0.0.0.0"` or `"::"` for every address.
    pub host: String,
    /// `"ipv4"` or `"ipv6"`.
    pub family: &'static str,
    /// The OS pid of the process holding it.
    pub pid: u32,
    /// The started process whose tree holds it.
    pub process_id: String,
}

impl From<procwright::ListeningPort> for ListeningPort {
    fn from(l: procwright::ListeningPort) -> Self {
        ListeningPort {
            port: l.port,
            host: l.host,
            family: l.family.as_str(),
            pid: l.pid,
            process_id: l.process_id,
        }
    }
}

#[pymethods]
impl ListeningPort {
    fn __repr__(&self) -> String {
        format!(
            "<ListeningPort port={} host={:?} family={:?} pid={} process_id={:?}>",
            self.port,
            Q(&self.host),
            Q(self.family),
            self.pid,
            Q(&self.process_id)
        )
    }
}

/// What `wait_for_port()` without a port resolves: the port the tree listens on.
#[pyclass(frozen, module = "procwright", get_all)]
pub struct PortReady {
    /// The port.
    pub port: u16,
}

#[pymethods]
impl PortReady {
    fn __repr__(&self) -> String {
        format!("<PortReady port={}>", self.port)
    }
}

/// The core's list as Python objects.
pub fn to_py(ports: Vec<procwright::ListeningPort>) -> Vec<ListeningPort> {
    ports.into_iter().map(ListeningPort::from).collect()
}
