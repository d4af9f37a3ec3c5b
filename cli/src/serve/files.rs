//! Workspace files: read, write (creating parent folders), delete, list a folder. Every
//! operation goes through the core's `files::Workspace`, which resolves paths beneath
//! the workspace by descriptor: no symlink, even one swapped in during the call, leads
//! out.

use super::auth::{Caller, Role};
use super::body::RawStream;
use super::error::{ApiError, ApiResult};
use super::sandboxes::running;
use super::state::{App, Sbx};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use procwright::files::{is_escape, is_folder_error, EntryKind, Workspace};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::io::AsyncReadExt;

/// Bytes read from a file per body chunk.
const CHUNK: usize = 64 * 1024;

/// An upload that sends nothing for this long is ended (408): uploads have no deadline
/// of their own (a large file takes its time), only this.
const UPLOAD_IDLE: std::time::Duration = std::time::Duration::from_secs(60);

/// Chunks of an upload in flight between the request and the thread that writes them.
const UPLOAD_QUEUE: usize = 4;

fn not_found(rel: &str) -> ApiError {
    ApiError::not_found(
        "FILE_NOT_FOUND",
        format!("no file {rel:?} in the workspace"),
    )
}

fn io_error(rel: &str, e: std::io::Error) -> ApiError {
    if is_escape(&e) {
        return ApiError::invalid(format!("{rel:?} leads outside the workspace"));
    }
    if is_folder_error(&e) {
        return ApiError::invalid(format!("{rel:?} is a folder"));
    }
    match e.kind() {
        std::io::ErrorKind::NotFound => not_found(rel),
        std::io::ErrorKind::InvalidInput => ApiError::invalid(e.to_string()),
        std::io::ErrorKind::NotADirectory => {
            ApiError::invalid(format!("{rel:?}: a part of the path is not a folder"))
        }
        _ => ApiError::invalid(format!("{rel:?}: {e}")),
    }
}

/// Runs a file operation of `sbx`'s workspace off the runtime (they are system calls),
/// beneath the server's root as opened at start.
async fn on_workspace<T: Send + 'static>(
    app: &Arc<App>,
    sbx: &Sbx,
    rel: &str,
    op: impl FnOnce(&Workspace) -> std::io::Result<T> + Send + 'static,
) -> ApiResult<T> {
    let (app, id) = (app.clone(), sbx.id.clone());
    let done = tokio::task::spawn_blocking(move || op(&app.files.open_dir(&id)?)).await;
    match done {
        Ok(r) => r.map_err(|e| io_error(rel, e)),
        Err(e) => Err(ApiError::internal(format!("a file operation failed: {e}"))),
    }
}

/// `GET .../files` (the workspace root; `?list` to list it).
pub async fn get_root(
    state: State<Arc<App>>,
    caller: Caller,
    Path(id): Path<String>,
    query: Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    get(state, caller, Path((id, String::new())), query).await
}

/// `GET .../files/{path}`: the file's bytes, or with `?list` the folder's entries.
pub async fn get(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((id, rel)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let sbx = running(&app, &caller, &id, Role::Viewer)?;
    if q.contains_key("list") {
        let r = rel.clone();
        let entries = on_workspace(&app, &sbx, &rel, move |ws| ws.list(&r)).await?;
        return Ok(Json(listing(&rel, entries)).into_response());
    }
    let r = rel.clone();
    let (file, meta) = on_workspace(&app, &sbx, &rel, move |ws| ws.read(&r))
        .await
        .map_err(|e| match e.message == format!("{rel:?} is a folder") {
            true => ApiError::invalid(format!("{rel:?} is a folder; add ?list to list it")),
            false => e,
        })?;
    let file = tokio::fs::File::from_std(file);
    // Streamed in chunks, so a large file costs no more memory than a small one.
    let chunks = futures_util::stream::unfold(Some(file), |state| async move {
        let mut f = state?;
        let mut buf = vec![0u8; CHUNK];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(buf), Some(f)))
            }
            Err(e) => Some((Err(e), None)),
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_LENGTH, meta.len().to_string()),
        ],
        Body::from_stream(chunks),
    )
        .into_response())
}

fn listing(rel: &str, entries: Vec<procwright::files::Entry>) -> Value {
    let entries: Vec<Value> = entries
        .into_iter()
        .map(|e| {
            let kind = match e.kind {
                EntryKind::Symlink => "symlink",
                EntryKind::Dir => "dir",
                EntryKind::File => "file",
                EntryKind::Other => "other",
            };
            json!({"name": e.name, "type": kind, "size": e.size})
        })
        .collect();
    json!({ "path": rel, "entries": entries })
}

/// `PUT .../files/{path}`: writes the body (streamed, up to `--max-file-bytes`) to a
/// temporary file that then replaces the file, creating missing parent folders.
pub async fn put(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((id, rel)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    RawStream(body): RawStream,
) -> ApiResult<StatusCode> {
    let length: Option<u64> = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let sbx = running(&app, &caller, &id, Role::Developer)?;
    let max = app.limits.max_file_bytes;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("the file is over {max} bytes (--max-file-bytes)"),
        )
    };
    if length.is_some_and(|n| n > max) {
        return Err(too_large());
    }
    let r = rel.clone();
    let upload = on_workspace(&app, &sbx, &rel, move |ws| ws.upload(&r)).await?;
    // A thread writes what the request brings, a few chunks behind at most, so a
    // slow disk holds the client back instead of filling memory.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<axum::body::Bytes>(UPLOAD_QUEUE);
    let writer = tokio::task::spawn_blocking(move || {
        let mut upload = upload;
        while let Some(chunk) = rx.blocking_recv() {
            std::io::Write::write_all(upload.file(), &chunk)?;
        }
        Ok::<_, std::io::Error>(upload)
    });
    let mut stream = body.into_data_stream();
    let mut total: u64 = 0;
    let mut failed = None;
    loop {
        let chunk = match tokio::time::timeout(UPLOAD_IDLE, stream.next()).await {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(_) => {
                failed = Some(ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "REQUEST_TIMEOUT",
                    format!("the upload sent nothing for {} s", UPLOAD_IDLE.as_secs()),
                ));
                break;
            }
        };
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                failed = Some(ApiError::invalid(format!(
                    "cannot read the request body: {e}"
                )));
                break;
            }
        };
        total += chunk.len() as u64;
        if total > max {
            failed = Some(too_large());
            break;
        }
        if tx.send(chunk).await.is_err() {
            break; // the writer failed: its error is below
        }
    }
    drop(tx);
    let upload = match writer.await {
        Ok(Ok(u)) => u,
        Ok(Err(e)) => return Err(io_error(&rel, e)),
        Err(e) => return Err(ApiError::internal(format!("the upload failed: {e}"))),
    };
    if let Some(e) = failed {
        // Dropping the upload removes its temporary file.
        return Err(e);
    }
    let committed = tokio::task::spawn_blocking(move || upload.commit()).await;
    match committed {
        Ok(r) => r.map_err(|e| io_error(&rel, e))?,
        Err(e) => return Err(ApiError::internal(format!("the upload failed: {e}"))),
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE .../files/{path}`: a file, a symlink (not its target) or a folder and all
/// it holds; never the workspace itself.
pub async fn delete(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((id, rel)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let sbx = running(&app, &caller, &id, Role::Developer)?;
    let r = rel.clone();
    on_workspace(&app, &sbx, &rel, move |ws| ws.remove(&r)).await?;
    Ok(StatusCode::NO_CONTENT)
}
