//! `NativePortOptions`: the options of `waitForPort`.

use crate::convert::millis;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use procwright::{input, Ownership, PortMode, PortWaitOptions, StatusRange};

/// A status given as a JavaScript number.
fn status(what: &str, n: f64) -> procwright::Result<u16> {
    input::status(input::integer(what, n)?)
}

/// `{min, max}` of accepted HTTP statuses (defaults 100 and 599).
#[napi(object)]
pub struct NativeStatusRange {
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// Options of `waitForPort`; times in milliseconds.
#[napi(object)]
pub struct NativePortOptions {
    /// `"http"` (default) or `"tcp"`.
    pub mode: Option<String>,
    pub path: Option<String>,
    pub status: Option<Either<f64, NativeStatusRange>>,
    pub timeout: Option<f64>,
    pub interval: Option<f64>,
    pub host: Option<String>,
    /// `true`: only the process tree's listener; `false`: any; `"auto"` (default): any
    /// but a stale server's.
    #[napi(ts_type = "boolean | 'auto'")]
    pub owned: Option<Either<bool, String>>,
}

impl NativePortOptions {
    pub(crate) fn into_core(self) -> procwright::Result<PortWaitOptions> {
        let status = match self.status {
            None => StatusRange::default(),
            Some(Either::A(n)) => StatusRange::exactly(status("status", n)?)?,
            Some(Either::B(r)) => StatusRange::between(
                r.min.map(|n| status("status.min", n)).transpose()?,
                r.max.map(|n| status("status.max", n)).transpose()?,
            )?,
        };
        Ok(PortWaitOptions {
            mode: match self.mode {
                Some(m) => m.parse()?,
                None => PortMode::Http,
            },
            path: self.path,
            status,
            timeout: millis("timeout", self.timeout)?,
            interval: millis("interval", self.interval)?,
            host: self.host,
            owned: match self.owned {
                None => Ownership::Auto,
                Some(Either::A(flag)) => Ownership::from_flag(Some(flag)),
                Some(Either::B(s)) => s.parse()?,
            },
        })
    }
}

/// A TCP socket in LISTEN state held by a process tree.
#[napi(object)]
pub struct NativeListeningPort {
    pub port: u32,
    /// The address it is bound to: `0.0.0.0` or `::` for every address.
    pub host: String,
    /// `'ipv4'` or `'ipv6'`.
    #[napi(ts_type = "'ipv4' | 'ipv6'")]
    pub family: String,
    /// The OS pid of the process holding it.
    pub pid: u32,
    /// The started process whose tree holds it.
    pub process_id: String,
}

impl From<procwright::ListeningPort> for NativeListeningPort {
    fn from(l: procwright::ListeningPort) -> Self {
        NativeListeningPort {
            port: u32::from(l.port),
            host: l.host,
            family: l.family.as_str().to_owned(),
            pid: l.pid,
            process_id: l.process_id,
        }
    }
}

/// The core's list as JavaScript objects.
pub(crate) fn to_js(ports: Vec<procwright::ListeningPort>) -> Vec<NativeListeningPort> {
    ports.into_iter().map(NativeListeningPort::from).collect()
}
