//! What saves a client seed 003's polling loops: the event stream (SSE, resumable with
//! `Last-Event-ID`), a server-side wait, and writes to stdin.

use super::auth::{Caller, Role};
use super::body::{JsonBody, RawBody};
use super::error::{ApiError, ApiResult};
use super::processes::record_json;
use super::sandboxes::{running, timeout_of};
use super::state::{App, Record};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use procwright::{
    ErrorCode, LogEvent, LogEventKind, LogSince, LogStreamOptions, LogWaitOptions, Pattern,
    PortWaitOptions, RegexFlags, StreamKind,
};
use serde::Deserialize;
use serde_json::{json, Value};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// How often an idle event stream sends a comment, so a gone client is noticed.
const KEEPALIVE: Duration = Duration::from_secs(15);

/// How long an `EventSource` waits before it reconnects, sent once per stream.
const RETRY_MS: u64 = 2_000;

/// A wait with no `timeout_ms` gives up after this long.
const DEFAULT_WAIT_MS: u64 = 600_000;

/// The query of `GET .../events`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    since: Option<u64>,
    stream: Option<String>,
}

/// `GET .../processes/{pid}/events`: the library's log events as SSE, each with
/// `id: <cursor>`; `Last-Event-ID` (or `since`) resumes just after that cursor. A
/// resume from past the `exit` event is 204, which tells an `EventSource` to stop
/// reconnecting (it would otherwise replay the `exit` event for ever).
pub async fn events(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((id, pid)): Path<(String, String)>,
    Query(q): Query<EventsQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let sbx = running(&app, &caller, &id, Role::Viewer)?;
    let process = sbx.process(&pid)?;
    let last = match headers.get("last-event-id") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .ok_or_else(|| ApiError::invalid("Last-Event-ID must be a cursor (an integer)"))?,
        ),
    };
    let since = last.or(q.since);
    if since == Some(process.log_cursor() + 1) && process.status().is_final() {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let options = LogStreamOptions {
        since,
        stream: q.stream.as_deref().map(StreamKind::parse).transpose()?,
        ..LogStreamOptions::default()
    };
    let stream = process.stream_logs_with(&options)?;
    let retry =
        futures_util::stream::once(async { Ok::<_, Infallible>(format!("retry: {RETRY_MS}\n\n")) });
    let frames = futures_util::stream::unfold(Some(stream), |state| async move {
        let mut s = state?;
        tokio::select! {
            e = s.next() => e.map(|e| (Ok::<_, Infallible>(frame(&e)), Some(s))),
            _ = tokio::time::sleep(KEEPALIVE) => Some((Ok(": keepalive\n\n".to_string()), Some(s))),
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(futures_util::StreamExt::chain(retry, frames)),
    )
        .into_response())
}

/// One event as an SSE frame. The `exit` frame's id is one past the last cursor, so a
/// client that saw it resumes past it (204) and one that did not gets it again.
fn frame(event: &LogEvent) -> String {
    if event.kind == LogEventKind::Exit {
        return format!("id: {}\ndata: {}\n\n", event.cursor + 1, event.to_json());
    }
    event.to_sse()
}

/// The body of `POST .../wait`: exactly one of `log`, `regex`, `port`, `exit`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitBody {
    log: Option<String>,
    regex: Option<String>,
    port: Option<u16>,
    #[serde(default)]
    exit: bool,
    timeout_ms: Option<u64>,
    /// For `log`/`regex`: read from just after this cursor.
    since: Option<u64>,
}

/// `POST .../processes/{pid}/wait`: 200 with the result, 408 `PROCESS_READY_TIMEOUT`,
/// 409 `PROCESS_EXITED_BEFORE_READY`.
pub async fn wait(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((id, pid)): Path<(String, String)>,
    JsonBody(body): JsonBody<WaitBody>,
) -> ApiResult<Json<Value>> {
    let sbx = running(&app, &caller, &id, Role::Viewer)?;
    let timeout = timeout_of(body.timeout_ms, Some(DEFAULT_WAIT_MS))?;
    let asked = [
        body.log.is_some(),
        body.regex.is_some(),
        body.port.is_some(),
        body.exit,
    ];
    if asked.iter().filter(|a| **a).count() != 1 {
        return Err(ApiError::invalid(
            "give exactly one of \"log\", \"regex\", \"port\" or \"exit\": true",
        ));
    }
    let pattern = match (body.log, body.regex) {
        (Some(text), _) => Some(Pattern::substring(text)?),
        (_, Some(source)) => Some(Pattern::regex(&source, RegexFlags::default())?),
        _ => None,
    };
    // An ended process whose output is no longer kept still answers what needs none.
    if let record @ Record::Archived(..) = sbx.record(&pid)? {
        if body.exit {
            return Ok(Json(record_json(&sbx.id, &record)));
        }
        if let Some(port) = body.port {
            return Err(procwright::Error::new(
                ErrorCode::ProcessExitedBeforeReady,
                format!("process {pid} exited before port {port} was ready"),
            )
            .into());
        }
    }
    let process = sbx.process(&pid)?;
    if let Some(pattern) = pattern {
        let options = LogWaitOptions {
            timeout,
            since: body.since.map(LogSince::Cursor).unwrap_or_default(),
            ..LogWaitOptions::default()
        };
        let m = process.wait_for_log_with(&pattern, &options).await?;
        return Ok(Json(json!({
            "line": m.line, "stream": m.stream.as_str(), "cursor": m.cursor, "groups": m.groups,
        })));
    }
    if let Some(port) = body.port {
        let options = PortWaitOptions {
            timeout,
            mode: procwright::PortMode::Tcp,
            ..PortWaitOptions::default()
        };
        if port == 0 {
            let port = process.wait_for_any_port(&options).await?;
            return Ok(Json(json!({ "port": port })));
        }
        process.wait_for_port(port, &options).await?;
        return Ok(Json(json!({ "port": port })));
    }
    process.wait_for_exit(timeout).await?;
    Ok(Json(record_json(&sbx.id, &sbx.record(&pid)?)))
}

/// `POST .../processes/{pid}/stdin`: the raw body, written whole; 204 once the pipe
/// took every byte. The process needs `"stdin": true` at start.
pub async fn stdin(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((id, pid)): Path<(String, String)>,
    RawBody(data): RawBody,
) -> ApiResult<StatusCode> {
    let sbx = running(&app, &caller, &id, Role::Developer)?;
    if let Record::Archived(..) = sbx.record(&pid)? {
        return Err(procwright::Error::new(
            ErrorCode::ProcessError,
            format!("process {pid} has ended: its stdin is closed"),
        )
        .into());
    }
    sbx.process(&pid)?.write(&data).await?;
    Ok(StatusCode::NO_CONTENT)
}
