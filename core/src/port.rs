//! `wait_for_port`: probe a TCP port, or an HTTP endpoint, until it is ready.

use crate::error::{check_no_nul, Error, Result};
use crate::input::{check_port, check_status};
use crate::ownership::{Judge, Ownership};
use crate::process::Process;
use crate::wait::{bounded, exited_before_ready};
use http_body_util::Empty;
use hyper::body::Bytes;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpStream;

/// Default time between probes: short enough to see a fresh port within tens of ms.
pub const DEFAULT_PORT_INTERVAL: Duration = Duration::from_millis(10);
/// One probe gives up after this long (a server that accepts but never answers).
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// How readiness is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PortMode {
    /// `GET path` answers with a status in range.
    #[default]
    Http,
    /// A connection is accepted.
    Tcp,
}

impl std::str::FromStr for PortMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<PortMode> {
        match s.to_ascii_lowercase().as_str() {
            "http" => Ok(PortMode::Http),
            "tcp" => Ok(PortMode::Tcp),
            _ => Err(Error::invalid(format!(
                "unknown port wait mode {s:?} (expected \"http\" or \"tcp\")"
            ))),
        }
    }
}

/// An inclusive range of accepted HTTP statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusRange {
    /// Lowest accepted status.
    pub min: u16,
    /// Highest accepted status.
    pub max: u16,
}

impl Default for StatusRange {
    fn default() -> Self {
        StatusRange { min: 200, max: 399 }
    }
}

impl StatusRange {
    /// Exactly one status.
    pub fn exactly(status: u16) -> Result<StatusRange> {
        StatusRange::new(status, status)
    }

    /// `min..=max` where either end may be left open: 100 and 599 fill in.
    pub fn between(min: Option<u16>, max: Option<u16>) -> Result<StatusRange> {
        StatusRange::new(min.unwrap_or(100), max.unwrap_or(599))
    }

    /// `min..=max`, both HTTP statuses (100–599), `min <= max`.
    pub fn new(min: u16, max: u16) -> Result<StatusRange> {
        let (min, max) = (check_status(min)?, check_status(max)?);
        if min > max {
            return Err(Error::invalid(format!(
                "status range {min}..{max} has min above max"
            )));
        }
        Ok(StatusRange { min, max })
    }
}

/// Options of `wait_for_port`.
#[derive(Debug, Clone, Default)]
pub struct PortWaitOptions {
    /// `http` (default) or `tcp`.
    pub mode: PortMode,
    /// Path for HTTP probes; default `/`.
    pub path: Option<String>,
    /// Accepted statuses; default 200–399.
    pub status: StatusRange,
    /// Give up after this long; `None` waits for ever.
    pub timeout: Option<Duration>,
    /// Time between probes; default [`DEFAULT_PORT_INTERVAL`].
    pub interval: Option<Duration>,
    /// Host to probe; by default both `127.0.0.1` and `::1`.
    pub host: Option<String>,
    /// Whose listener counts; default [`Ownership::Auto`] (not a stale server's).
    pub owned: Ownership,
}

struct Probe {
    port: u16,
    mode: PortMode,
    path: String,
    status: StatusRange,
    hosts: Vec<String>,
}

impl Probe {
    fn new(port: u16, o: &PortWaitOptions) -> Result<Probe> {
        let port = check_port(port)?;
        let path = o.path.clone().unwrap_or_else(|| "/".to_owned());
        check_no_nul("path", &path)?;
        if !path.starts_with('/') || path.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::invalid(format!(
                "path {path:?} must start with '/' and hold no spaces or control characters"
            )));
        }
        if o.interval == Some(Duration::ZERO) {
            return Err(Error::invalid("interval must be greater than zero"));
        }
        let hosts = match &o.host {
            Some(h) => {
                check_no_nul("host", h)?;
                let h = h.trim().trim_start_matches('[').trim_end_matches(']');
                if h.is_empty() {
                    return Err(Error::invalid("host is empty"));
                }
                vec![h.to_owned()]
            }
            None => vec!["127.0.0.1".to_owned(), "::1".to_owned()],
        };
        Ok(Probe {
            port,
            mode: o.mode,
            path,
            status: o.status,
            hosts,
        })
    }

    fn describe(&self) -> String {
        match self.mode {
            PortMode::Http => format!("port {} (HTTP {})", self.port, self.path),
            PortMode::Tcp => format!("port {} (TCP)", self.port),
        }
    }

    /// True when any host is ready and `judge` (if any) accepts the listener that
    /// answered; hosts are probed concurrently.
    async fn ready(&self, judge: Option<&Arc<Mutex<Judge>>>) -> bool {
        let mut set = tokio::task::JoinSet::new();
        for host in &self.hosts {
            let (host, port, mode, path, status) = (
                host.clone(),
                self.port,
                self.mode,
                self.path.clone(),
                self.status,
            );
            set.spawn(async move {
                tokio::time::timeout(PROBE_TIMEOUT, probe_one(&host, port, mode, &path, status))
                    .await
                    .ok()
                    .flatten()
            });
        }
        while let Some(r) = set.join_next().await {
            let Some(peer) = r.ok().flatten() else {
                continue;
            };
            // Who listens is asked only once a probe succeeded: a port nobody listens on
            // yet, the usual case while waiting, costs no scan of /proc.
            let Some(judge) = judge else {
                return true;
            };
            let (judge, port) = (judge.clone(), self.port);
            let accepted =
                tokio::task::spawn_blocking(move || judge.lock().unwrap().accepts(peer, port))
                    .await
                    .unwrap_or(false);
            if accepted {
                return true;
            }
        }
        false
    }
}

/// The address that answered, if the probe succeeded.
async fn probe_one(
    host: &str,
    port: u16,
    mode: PortMode,
    path: &str,
    status: StatusRange,
) -> Option<IpAddr> {
    let stream = TcpStream::connect((host, port)).await.ok()?;
    let peer = stream.peer_addr().ok()?.ip();
    let ok = match mode {
        PortMode::Tcp => true,
        PortMode::Http => http_status(stream, host, port, path)
            .await
            .is_some_and(|s| (status.min..=status.max).contains(&s)),
    };
    ok.then_some(peer)
}

async fn http_status(stream: TcpStream, host: &str, port: u16, path: &str) -> Option<u16> {
    let io = hyper_util::rt::TokioIo::new(stream);
    let (mut sender, conn) = hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(io)
        .await
        .ok()?;
    let driver = tokio::spawn(conn);
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let req = hyper::Request::get(path)
        .header(hyper::header::HOST, authority)
        .header(hyper::header::USER_AGENT, "procwright")
        .body(Empty::new())
        .ok()?;
    let res = sender.send_request(req).await;
    driver.abort();
    res.ok().map(|r| r.status().as_u16())
}

pub(crate) async fn wait_for_port(
    process: &Process,
    port: u16,
    options: &PortWaitOptions,
) -> Result<()> {
    let probe = Probe::new(port, options)?;
    let condition = probe.describe();
    let interval = options.interval.unwrap_or(DEFAULT_PORT_INTERVAL);
    let judge = (options.owned != Ownership::Any).then(|| {
        Arc::new(Mutex::new(Judge::new(
            options.owned,
            process.pid(),
            process.tag().to_owned(),
        )))
    });
    let mut exit = process.inner.exit_tx.subscribe();
    let run = async {
        loop {
            if let Some(info) = *exit.borrow_and_update() {
                return Err(exited_before_ready(process, &condition, info));
            }
            if probe.ready(judge.as_ref()).await {
                return Ok(());
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = exit.changed() => {}
            }
        }
    };
    bounded(process, &condition, options.timeout, run).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn ports_and_ranges_are_validated() {
        assert!(Probe::new(0, &PortWaitOptions::default()).is_err());
        assert!(StatusRange::new(300, 200).is_err());
        assert!(StatusRange::exactly(99).is_err());
        assert_eq!(
            StatusRange::exactly(204).unwrap(),
            StatusRange { min: 204, max: 204 }
        );
        assert_eq!("TCP".parse::<PortMode>().unwrap(), PortMode::Tcp);
        assert_eq!(
            "udp".parse::<PortMode>().unwrap_err().code,
            ErrorCode::InvalidArgument
        );
    }

    #[test]
    fn probe_describes_and_rejects_bad_paths() {
        let p = Probe::new(3000, &PortWaitOptions::default()).unwrap();
        assert_eq!(p.describe(), "port 3000 (HTTP /)");
        assert_eq!(p.hosts, ["127.0.0.1", "::1"]);
        let bad = PortWaitOptions {
            path: Some("/a b".into()),
            ..Default::default()
        };
        assert!(Probe::new(3000, &bad).is_err());
        let bad = PortWaitOptions {
            path: Some("/x\r\nHost: evil".into()),
            ..Default::default()
        };
        assert!(Probe::new(3000, &bad).is_err());
        let zero = PortWaitOptions {
            interval: Some(Duration::ZERO),
            ..Default::default()
        };
        assert!(Probe::new(3000, &zero).is_err());
    }
}
