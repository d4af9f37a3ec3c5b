//! The route table and the layers every request passes: the access log, the guard
//! (Host, Origin, CORS, token), JSON errors, the body limit and the deadline of quick
//! requests.

use super::body::BODY_LIMIT;
use super::error::ApiError;
use super::state::App;
use super::{files, follow, guard, preview, processes, sandboxes};
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post, put};
use axum::Router;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a quick request (everything but events, waits, exec and previews) may take.
const DEADLINE: Duration = Duration::from_secs(30);

/// The whole API.
pub fn router(app: Arc<App>) -> Router {
    const SBX: &str = "/v1/sandboxes/{id}";
    const PROC: &str = "/v1/sandboxes/{id}/processes/{pid}";
    let quick = Router::new()
        .route(
            "/v1/sandboxes",
            post(sandboxes::create).get(sandboxes::list),
        )
        .route(SBX, get(sandboxes::get).delete(sandboxes::destroy))
        .route(
            &format!("{SBX}/processes"),
            post(processes::start).get(processes::list),
        )
        .route(PROC, get(processes::get).delete(processes::kill))
        .route(&format!("{PROC}/logs"), get(processes::logs))
        .route(&format!("{PROC}/stdin"), post(follow::stdin))
        .route(&format!("{SBX}/ports"), get(sandboxes::ports))
        .route(&format!("{SBX}/expose"), post(sandboxes::expose))
        .route(&format!("{SBX}/files"), get(files::get_root))
        .route(&format!("{SBX}/files/"), get(files::get_root))
        .route(
            &format!("{SBX}/files/{{*path}}"),
            get(files::get).delete(files::delete),
        )
        .layer(from_fn(deadline));
    let long = Router::new()
        // Streamed to disk under --max-file-bytes (not the JSON body limit), with an
        // idle timeout instead of the quick deadline.
        .route(
            &format!("{SBX}/files/{{*path}}"),
            put(files::put).layer(DefaultBodyLimit::disable()),
        )
        .route(&format!("{PROC}/events"), get(follow::events))
        .route(&format!("{PROC}/wait"), post(follow::wait))
        .route(&format!("{SBX}/exec"), post(sandboxes::exec));
    quick
        .merge(long)
        .fallback(|| async { ApiError::not_found("NOT_FOUND", "no such endpoint") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "this endpoint does not take that method",
            )
        })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(from_fn(json_errors))
        .route("/preview/{secret}", any(preview::root))
        .route("/preview/{secret}/", any(preview::root))
        .route("/preview/{secret}/{*rest}", any(preview::proxy))
        .layer(from_fn_with_state(app.clone(), guard::guard))
        .layer(from_fn(access_log))
        .with_state(app)
}

/// Ends a quick request that takes too long with 408 `REQUEST_TIMEOUT`.
async fn deadline(req: Request, next: Next) -> Response {
    match tokio::time::timeout(DEADLINE, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "REQUEST_TIMEOUT",
            format!("the request took over {} s", DEADLINE.as_secs()),
        )
        .into_response(),
    }
}

/// Gives a framework's plain-text error (a bad path, say) the contract's JSON shape.
async fn json_errors(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if status.as_u16() < 400 || is_json {
        return res;
    }
    let code = match status {
        StatusCode::NOT_FOUND => "NOT_FOUND",
        StatusCode::PAYLOAD_TOO_LARGE => "PAYLOAD_TOO_LARGE",
        StatusCode::METHOD_NOT_ALLOWED => "METHOD_NOT_ALLOWED",
        s if s.is_server_error() => "INTERNAL",
        _ => "INVALID_ARGUMENT",
    };
    let body = axum::body::to_bytes(res.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let message = String::from_utf8_lossy(&body).trim().to_string();
    ApiError::new(status, code, message).into_response()
}

/// One line per request on stderr: when, method, path (a preview's secret hidden),
/// status, how long. Never a header, so never a token.
async fn access_log(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = redact(req.uri().path());
    let res = next.run(req).await;
    eprintln!(
        "procwright serve: {} {method} {path} {} {:.1}ms",
        humantime::format_rfc3339_millis(std::time::SystemTime::now()),
        res.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    res
}

/// The path with a preview secret replaced.
fn redact(path: &str) -> String {
    match path.strip_prefix("/preview/") {
        Some(rest) => match rest.split_once('/') {
            Some((_, tail)) => format!("/preview/<secret>/{tail}"),
            None => "/preview/<secret>".to_string(),
        },
        None => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn preview_secrets_stay_out_of_the_log() {
        assert_eq!(
            super::redact("/preview/abc123/x/y"),
            "/preview/<secret>/x/y"
        );
        assert_eq!(super::redact("/preview/abc123"), "/preview/<secret>");
        assert_eq!(super::redact("/v1/sandboxes"), "/v1/sandboxes");
    }
}
