//! Workspace files: read, write (creating parent folders), delete, list a folder.

use super::auth::{Caller, Role};
use super::body::RawBody;
use super::error::{ApiError, ApiResult};
use super::sandboxes::running;
use super::state::App;
use super::workspace;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::io::AsyncReadExt;

/// Bytes read from a file per body chunk.
const CHUNK: usize = 64 * 1024;

fn not_found(rel: &str) -> ApiError {
    ApiError::not_found(
        "FILE_NOT_FOUND",
        format!("no file {rel:?} in the workspace"),
    )
}

fn io_error(rel: &str, e: std::io::Error) -> ApiError {
    match e.kind() {
        std::io::ErrorKind::NotFound => not_found(rel),
        _ => ApiError::invalid(format!("{rel:?}: {e}")),
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
    let path = workspace::resolve(&sbx.root, &rel, true)?;
    let meta = tokio::fs::metadata(&path)
        .await
        .map_err(|e| io_error(&rel, e))?;
    if q.contains_key("list") {
        if !meta.is_dir() {
            return Err(ApiError::invalid(format!("{rel:?} is not a folder")));
        }
        return Ok(Json(list(&path, &rel).await?).into_response());
    }
    if meta.is_dir() {
        return Err(ApiError::invalid(format!(
            "{rel:?} is a folder; add ?list to list it"
        )));
    }
    if !meta.is_file() {
        // A FIFO or a device would block the read for ever.
        return Err(ApiError::invalid(format!("{rel:?} is not a regular file")));
    }
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| io_error(&rel, e))?;
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

async fn list(dir: &std::path::Path, rel: &str) -> ApiResult<Value> {
    let mut entries = Vec::new();
    let mut rd = tokio::fs::read_dir(dir)
        .await
        .map_err(|e| io_error(rel, e))?;
    while let Some(e) = rd.next_entry().await.map_err(|e| io_error(rel, e))? {
        let Ok(meta) = tokio::fs::symlink_metadata(e.path()).await else {
            continue;
        };
        let kind = if meta.file_type().is_symlink() {
            "symlink"
        } else if meta.is_dir() {
            "dir"
        } else {
            "file"
        };
        entries.push(json!({
            "name": e.file_name().to_string_lossy(), "type": kind, "size": meta.len(),
        }));
    }
    entries.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    Ok(json!({ "path": rel, "entries": entries }))
}

/// `PUT .../files/{path}`: writes the body, creating missing parent folders.
pub async fn put(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((id, rel)): Path<(String, String)>,
    RawBody(data): RawBody,
) -> ApiResult<StatusCode> {
    let sbx = running(&app, &caller, &id, Role::Developer)?;
    let path = workspace::resolve(&sbx.root, &rel, true)?;
    if path == sbx.root || path.is_dir() {
        return Err(ApiError::invalid(format!("{rel:?} is a folder")));
    }
    if path.exists() && !path.is_file() {
        return Err(ApiError::invalid(format!("{rel:?} is not a regular file")));
    }
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(|e| io_error(&rel, e))?;
        // A folder created above may have raced with a symlink made inside the
        // sandbox: check again now that the parents exist.
        workspace::resolve(&sbx.root, &rel, true)?;
    }
    tokio::fs::write(&path, &data)
        .await
        .map_err(|e| io_error(&rel, e))?;
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
    let path = workspace::resolve(&sbx.root, &rel, false)?;
    if path == sbx.root {
        return Err(ApiError::invalid("the workspace itself cannot be deleted"));
    }
    let meta = tokio::fs::symlink_metadata(&path)
        .await
        .map_err(|e| io_error(&rel, e))?;
    let done = if meta.is_dir() {
        tokio::fs::remove_dir_all(&path).await
    } else {
        tokio::fs::remove_file(&path).await
    };
    done.map_err(|e| io_error(&rel, e))?;
    Ok(StatusCode::NO_CONTENT)
}
