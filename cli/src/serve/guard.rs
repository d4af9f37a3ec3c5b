//! The checks every request passes before it is routed, so that no web page can drive
//! the server: the `Host` check (DNS rebinding), the `Origin` check (cross-site
//! requests), CORS for the origins allowed on purpose, and the token, asked for before
//! any route is revealed.

use super::auth::{Caller, Tokens};
use super::error::ApiError;
use super::state::App;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashSet;
use std::sync::Arc;

/// Host names a server without tokens answers to: a page on another site reaches a
/// loopback server by DNS rebinding only under a name of its own.
const LOOPBACK_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// What a preflight may ask for.
const ALLOW_METHODS: &str = "GET, POST, PUT, DELETE, OPTIONS";
const ALLOW_HEADERS: &str = "Authorization, Content-Type, Last-Event-ID";
/// How long a browser may cache a preflight's answer, in seconds.
const PREFLIGHT_MAX_AGE: &str = "600";

/// Who may send requests: which `Host` names, which web origins, which tokens.
pub struct Guard {
    /// `None`: any `Host` (the server has tokens). Lower-case names without a port.
    hosts: Option<HashSet<String>>,
    /// Origins (`scheme://host[:port]`) whose pages may call the API (`--cors-origin`).
    origins: HashSet<String>,
    /// Accepted tokens; `None` when the server is open (loopback only).
    pub tokens: Option<Tokens>,
}

impl Guard {
    /// Without tokens only loopback names, the address listened on and `allow_hosts`
    /// pass the `Host` check; with tokens any name does (the token protects the server).
    pub fn new(
        tokens: Option<Tokens>,
        listen: &[std::net::SocketAddr],
        allow_hosts: &[String],
        origins: &[String],
    ) -> Guard {
        let hosts = tokens.is_none().then(|| {
            let listened = listen.iter().map(|a| match a.ip() {
                std::net::IpAddr::V4(ip) => ip.to_string(),
                std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            });
            LOOPBACK_NAMES
                .iter()
                .map(|s| s.to_string())
                .chain(listened)
                .chain(allow_hosts.iter().filter_map(|h| host_name(h)))
                .collect()
        });
        Guard {
            hosts,
            origins: origins.iter().map(|o| normal_origin(o)).collect(),
            tokens,
        }
    }

    /// 403 unless the request's `Host` names this server.
    fn check_host(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(hosts) = &self.hosts else {
            return Ok(());
        };
        // An HTTP/1.0 request may have no Host; no browser sends one without it. Every
        // Host given must pass.
        let mut values = headers.get_all(header::HOST).iter().peekable();
        if values.peek().is_none() {
            return Ok(());
        }
        let bad = values.find(|v| {
            let name = v.to_str().ok().and_then(host_name);
            !name.is_some_and(|h| hosts.contains(&h))
        });
        let Some(value) = bad else {
            return Ok(());
        };
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            format!(
                "this server answers only to localhost, 127.0.0.1 and [::1], not to Host {:?}; \
                 behind a reverse proxy, start it with --allow-host NAME",
                String::from_utf8_lossy(value.as_bytes())
            ),
        ))
    }

    /// The request's `Origin` if it is allowed; 403 if it is not; `None` without one.
    fn check_origin(&self, headers: &HeaderMap) -> Result<Option<HeaderValue>, ApiError> {
        let mut values = headers.get_all(header::ORIGIN).iter();
        let Some(value) = values.next() else {
            return Ok(None);
        };
        let allowed = |v: &HeaderValue| {
            self.origins
                .contains(&normal_origin(v.to_str().unwrap_or("")))
        };
        // Every Origin given must be allowed (no browser sends two).
        let bad = std::iter::once(value).chain(values).find(|v| !allowed(v));
        let Some(value) = bad else {
            return Ok(Some(value.clone()));
        };
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            format!(
                "requests from web pages at {:?} are not allowed; start the server with \
                 --cors-origin ORIGIN to allow one",
                String::from_utf8_lossy(value.as_bytes())
            ),
        ))
    }

    /// The caller the request's token proves (anyone, without tokens), or 401.
    fn caller(&self, headers: &HeaderMap) -> Result<Caller, ApiError> {
        match &self.tokens {
            None => Ok(Caller::open()),
            Some(t) => t.caller(headers),
        }
    }
}

/// The name part of a `Host` value, lower-case: `LOCALHOST:7070` → `localhost`,
/// `[::1]:7070` → `[::1]`; `None` unless the rest is nothing or `:` and a port.
pub fn host_name(host: &str) -> Option<String> {
    let host = host.trim();
    let (name, rest) = match host.strip_prefix('[') {
        Some(_) => host.split_at(host.find(']')? + 1),
        None => host.split_at(host.find(':').unwrap_or(host.len())),
    };
    let port_ok = rest.is_empty()
        || rest
            .strip_prefix(':')
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    (port_ok && !name.is_empty()).then(|| name.to_ascii_lowercase())
}

/// An origin as compared: lower-case, no trailing `/`, no default port.
fn normal_origin(origin: &str) -> String {
    let o = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    for (scheme, port) in [("http://", ":80"), ("https://", ":443")] {
        if o.starts_with(scheme) && o.ends_with(port) {
            return o[..o.len() - port.len()].to_string();
        }
    }
    o
}

/// Whether a request comes from a web page that did not say where from: a browser
/// marks every fetch with `Sec-Fetch-Site` (`none` when the user typed the URL), and a
/// same-origin GET carries no `Origin`. The API serves no pages, so a page that reads
/// it without an allowed origin is a preview's (same origin) or another site's.
fn from_a_page(headers: &HeaderMap) -> bool {
    headers
        .get_all("sec-fetch-site")
        .iter()
        .any(|v| v.as_bytes() != b"none")
}

/// Whether a path is a preview's: those are proxied to a service in the sandbox, whose
/// own pages send their own origin, and are guarded by their secret.
fn is_preview(path: &str) -> bool {
    path.starts_with("/preview/")
}

/// The middleware: Host, then Origin (previews aside), then a preflight's answer, then
/// the token; the caller goes into the request's extensions for the handlers.
pub async fn guard(State(app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    let guard = &app.guard;
    if let Err(e) = guard.check_host(req.headers()) {
        return e.into_response();
    }
    // A request line in absolute form names its host too; it must agree.
    if let Some(authority) = req.uri().authority() {
        let mut named = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(authority.as_str()) {
            named.insert(header::HOST, v);
        }
        if let Err(e) = guard.check_host(&named) {
            return e.into_response();
        }
    }
    if is_preview(req.uri().path()) {
        return next.run(req).await;
    }
    let origin = match guard.check_origin(req.headers()) {
        Ok(o) => o,
        Err(e) => return e.into_response(),
    };
    if origin.is_none() && from_a_page(req.headers()) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "requests from web pages (a preview's among them) are not allowed; start the \
             server with --cors-origin ORIGIN to allow a page",
        )
        .into_response();
    }
    if let Some(origin) = &origin {
        if req.method() == Method::OPTIONS
            && req
                .headers()
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
        {
            return preflight(origin.clone());
        }
    }
    let mut res = match guard.caller(req.headers()) {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    };
    if let Some(origin) = origin {
        let h = res.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    res
}

/// 204 to a preflight from an allowed origin.
fn preflight(origin: HeaderValue) -> Response {
    let mut res = StatusCode::NO_CONTENT.into_response();
    let h = res.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOW_METHODS),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(ALLOW_HEADERS),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(PREFLIGHT_MAX_AGE),
    );
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), v.parse().unwrap());
        }
        h
    }

    #[test]
    fn host_names_lose_their_port_and_case() {
        assert_eq!(host_name("LOCALHOST:7070").as_deref(), Some("localhost"));
        assert_eq!(host_name("[::1]:7070").as_deref(), Some("[::1]"));
        assert_eq!(host_name("[::1]").as_deref(), Some("[::1]"));
        assert_eq!(host_name("127.0.0.1").as_deref(), Some("127.0.0.1"));
        for bad in ["[::1]evil", "localhost:80x", "localhost:", "[::1", ":80"] {
            assert_eq!(host_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn origins_compare_without_default_ports() {
        assert_eq!(normal_origin("HTTPS://X.example:443/"), "https://x.example");
        assert_eq!(normal_origin("http://x:80"), "http://x");
        assert_eq!(normal_origin("http://x:8080"), "http://x:8080");
    }

    #[test]
    fn without_tokens_only_loopback_and_allowed_hosts_pass() {
        let listen: Vec<std::net::SocketAddr> = vec!["127.0.0.2:7070".parse().unwrap()];
        let g = Guard::new(None, &listen, &["Dev.Example:8080".into()], &[]);
        for ok in [
            "localhost:1",
            "127.0.0.1:7070",
            "[::1]:9",
            "dev.example:443",
            "127.0.0.2:7070",
        ] {
            assert!(
                g.check_host(&headers(&[(header::HOST, ok)])).is_ok(),
                "{ok}"
            );
        }
        for bad in [
            "attacker.example",
            "127.0.0.1.nip.io:7070",
            "localhost.evil:1",
        ] {
            let e = g.check_host(&headers(&[(header::HOST, bad)])).unwrap_err();
            assert_eq!(e.status, StatusCode::FORBIDDEN, "{bad}");
        }
    }

    #[test]
    fn only_listed_origins_pass() {
        let g = Guard::new(None, &[], &[], &["http://app.example:3000/".into()]);
        assert!(g.check_origin(&HeaderMap::new()).unwrap().is_none());
        let ok = g.check_origin(&headers(&[(header::ORIGIN, "http://app.example:3000")]));
        assert!(ok.unwrap().is_some());
        for bad in ["http://attacker.example", "null", "http://app.example:3001"] {
            let e = g
                .check_origin(&headers(&[(header::ORIGIN, bad)]))
                .unwrap_err();
            assert_eq!(e.status, StatusCode::FORBIDDEN, "{bad}");
        }
    }
}
