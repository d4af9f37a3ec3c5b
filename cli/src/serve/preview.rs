//! Preview URLs: `/preview/<secret>/…` proxied to an exposed port on loopback, HTTP and
//! upgraded connections (WebSocket) alike. The unguessable secret is the credential.

use super::error::ApiError;
use super::state::App;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

/// How long connecting to the exposed port may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Headers that belong to one hop, never forwarded (RFC 9110 7.6.1).
const HOP_BY_HOP: [&str; 7] = [
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "proxy-connection",
];

/// `ANY /preview/{secret}`: the root of the exposed port.
pub async fn root(
    State(app): State<Arc<App>>,
    Path(secret): Path<String>,
    req: Request,
) -> Response {
    match forward(&app, &secret, req).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

/// `ANY /preview/{secret}/{*rest}`.
pub async fn proxy(
    State(app): State<Arc<App>>,
    Path((secret, _)): Path<(String, String)>,
    req: Request,
) -> Response {
    match forward(&app, &secret, req).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn forward(app: &App, secret: &str, mut req: Request) -> Result<Response, ApiError> {
    let preview = app
        .preview(secret)
        .ok_or_else(|| ApiError::not_found("NOT_FOUND", "no such preview"))?;
    let upgrade = wants_upgrade(&req);
    let client_side = upgrade.then(|| hyper::upgrade::on(&mut req));
    let stream = connect(preview.port).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| bad_gateway(preview.port, &e.to_string()))?;
    tokio::spawn(async move {
        let _ = conn.with_upgrades().await;
    });
    // The path as the client sent it (still percent-encoded), less the preview prefix.
    let prefix = format!("/preview/{secret}");
    let rest = req.uri().path().get(prefix.len()..).unwrap_or("");
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let target = match req.uri().query() {
        Some(q) => format!("/{rest}?{q}"),
        None => format!("/{rest}"),
    };
    let (parts, body) = req.into_parts();
    let mut out = hyper::Request::builder()
        .method(parts.method)
        .uri(target)
        .version(hyper::Version::HTTP_11)
        .body(body)
        .map_err(|e| ApiError::invalid(format!("cannot forward this request: {e}")))?;
    for (name, value) in parts.headers.iter() {
        // The server's own credentials are not the service's to see: a client that
        // sends its token with every request must not hand it to sandbox code.
        let credential = name == header::AUTHORIZATION || name == header::PROXY_AUTHORIZATION;
        if !is_hop_by_hop(name, upgrade) && name != header::HOST && !credential {
            out.headers_mut().append(name, value.clone());
        }
    }
    let host = HeaderValue::from_str(&format!("127.0.0.1:{}", preview.port))
        .expect("an address is a valid header value");
    out.headers_mut().insert(header::HOST, host);
    let mut res = sender
        .send_request(out)
        .await
        .map_err(|e| bad_gateway(preview.port, &e.to_string()))?;
    if res.status() == StatusCode::SWITCHING_PROTOCOLS {
        if let Some(client_side) = client_side {
            let server_side = hyper::upgrade::on(&mut res);
            tokio::spawn(async move {
                if let (Ok(c), Ok(s)) = (client_side.await, server_side.await) {
                    let _ =
                        tokio::io::copy_bidirectional(&mut TokioIo::new(c), &mut TokioIo::new(s))
                            .await;
                }
            });
        }
    }
    Ok(res.map(Body::new))
}

fn wants_upgrade(req: &Request) -> bool {
    req.headers().contains_key(header::UPGRADE)
        && req
            .headers()
            .get(header::CONNECTION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("upgrade"))
}

fn is_hop_by_hop(name: &HeaderName, upgrade: bool) -> bool {
    if name == header::CONNECTION || name == header::UPGRADE {
        return !upgrade;
    }
    HOP_BY_HOP.contains(&name.as_str())
}

/// Connects to the port on IPv4 loopback, else IPv6 loopback.
async fn connect(port: u16) -> Result<TcpStream, ApiError> {
    let mut last = String::new();
    for host in ["127.0.0.1", "::1"] {
        match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((host, port))).await {
            Ok(Ok(s)) => return Ok(s),
            Ok(Err(e)) => last = e.to_string(),
            Err(_) => last = "timed out".into(),
        }
    }
    Err(bad_gateway(port, &last))
}

fn bad_gateway(port: u16, why: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        "UPSTREAM_UNREACHABLE",
        format!("nothing answers on port {port}: {why}"),
    )
}
