//! Sandbox endpoints: create, list, get, destroy; and what acts on a whole sandbox:
//! `exec`, `ports`, `expose`.

use super::auth::{Caller, Role};
use super::body::JsonBody;
use super::error::{ApiError, ApiResult};
use super::state::{App, Sbx};
use super::workspace;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use procwright::{Command, EnvChanges, ExecOptions};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// Longest `timeout_ms` a request may ask for: one hour.
pub const MAX_TIMEOUT_MS: u64 = 3_600_000;

/// Bytes of each stream an `exec` answer holds at most.
const EXEC_MAX_BUFFER: usize = 16 * 1024 * 1024;

/// The sandbox `id` for a caller that needs `need`: 403 for a role too low or a
/// sandbox outside the token's list (before 404, so a token learns nothing of others).
pub fn open(app: &App, caller: &Caller, id: &str, need: Role) -> ApiResult<Arc<Sbx>> {
    caller.require(need)?;
    caller.require_sandbox(id)?;
    app.get(id)
}

/// As [`open`], and 409 `SANDBOX_NOT_RUNNING` once destroyed.
pub fn running(app: &App, caller: &Caller, id: &str, need: Role) -> ApiResult<Arc<Sbx>> {
    let sbx = open(app, caller, id, need)?;
    sbx.check_running()?;
    Ok(sbx)
}

fn sandbox_json(s: &Sbx) -> Value {
    json!({"id": s.id, "state": s.state(), "root": s.root, "created_at": s.created_at})
}

/// `POST /v1/sandboxes`.
pub async fn create(
    State(app): State<Arc<App>>,
    caller: Caller,
    JsonBody(_): JsonBody<Empty>,
) -> ApiResult<Response> {
    caller.require(Role::Admin)?;
    if caller.sandboxes_limited() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "a token limited to named sandboxes cannot create one",
        ));
    }
    let sbx = app.create()?;
    Ok((StatusCode::CREATED, Json(sandbox_json(&sbx))).into_response())
}

/// The body of `POST /v1/sandboxes`: nothing is configurable yet.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// `GET /v1/sandboxes`.
pub async fn list(State(app): State<Arc<App>>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require(Role::Viewer)?;
    let all: Vec<Value> = app
        .all()
        .iter()
        .filter(|s| caller.sees(&s.id))
        .map(|s| sandbox_json(s))
        .collect();
    Ok(Json(json!({ "sandboxes": all })))
}

/// `GET /v1/sandboxes/{id}`.
pub async fn get(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let sbx = open(&app, &caller, &id, Role::Viewer)?;
    Ok(Json(sandbox_json(&sbx)))
}

/// `DELETE /v1/sandboxes/{id}`: kills everything; the record stays as `destroyed`.
pub async fn destroy(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let sbx = open(&app, &caller, &id, Role::Admin)?;
    // On its own task: a client that hangs up (or the request deadline) must not stop
    // a destroy half way.
    tokio::spawn(async move { app.destroy(&sbx).await })
        .await
        .map_err(|e| ApiError::internal(format!("the destroy failed: {e}")))?;
    Ok(StatusCode::NO_CONTENT)
}

/// A command as JSON: argv, or a string for the shell.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum CommandBody {
    /// Run by the shell.
    Shell(String),
    /// Exec'd as is.
    Argv(Vec<String>),
}

/// Environment as JSON: `["K=V"]` (as seed 003) or `{"K": "V"}`.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum EnvBody {
    /// `KEY=value` strings.
    List(Vec<String>),
    /// A map.
    Map(std::collections::BTreeMap<String, String>),
}

/// The changes an env body asks for; 400 for an entry without `=` or an empty name.
pub fn env_of(env: Option<EnvBody>) -> ApiResult<EnvChanges> {
    let mut out = EnvChanges::new();
    match env {
        None => {}
        Some(EnvBody::Map(m)) => {
            for (k, v) in m {
                out.insert(k, Some(v));
            }
        }
        Some(EnvBody::List(list)) => {
            for item in list {
                match item.split_once('=') {
                    Some((k, v)) if !k.is_empty() => {
                        out.insert(k.to_string(), Some(v.to_string()));
                    }
                    _ => {
                        return Err(ApiError::invalid(format!(
                            "env entry {item:?} is not KEY=value"
                        )))
                    }
                }
            }
        }
    }
    Ok(out)
}

/// A working directory inside the workspace that exists and is a folder; 400 if not.
pub fn cwd_of(sbx: &Sbx, cwd: Option<&str>) -> ApiResult<std::path::PathBuf> {
    let rel = cwd.unwrap_or("");
    let path = workspace::resolve(&sbx.root, rel, true)?;
    if !path.is_dir() {
        return Err(ApiError::invalid(format!(
            "cwd {rel:?} is not a folder of the workspace"
        )));
    }
    Ok(path)
}

/// A `timeout_ms` as a duration; 400 past [`MAX_TIMEOUT_MS`].
pub fn timeout_of(ms: Option<u64>, default: Option<u64>) -> ApiResult<Option<Duration>> {
    match ms.or(default) {
        Some(ms) if ms > MAX_TIMEOUT_MS => Err(ApiError::invalid(format!(
            "timeout_ms {ms} is over the most allowed, {MAX_TIMEOUT_MS}"
        ))),
        Some(ms) => Ok(Some(Duration::from_millis(ms))),
        None => Ok(None),
    }
}

/// The body of `POST .../exec`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecBody {
    command: CommandBody,
    cwd: Option<String>,
    env: Option<EnvBody>,
    timeout_ms: Option<u64>,
    input: Option<String>,
}

/// `POST /v1/sandboxes/{id}/exec`: runs a command to completion.
pub async fn exec(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ExecBody>,
) -> ApiResult<Json<Value>> {
    let sbx = running(&app, &caller, &id, Role::Developer)?;
    let command = match body.command {
        CommandBody::Shell(s) => Command::Shell(s),
        CommandBody::Argv(v) => Command::Argv(v),
    };
    let options = ExecOptions {
        cwd: Some(cwd_of(&sbx, body.cwd.as_deref())?),
        env: env_of(body.env)?,
        timeout: timeout_of(body.timeout_ms, None)?,
        max_buffer: Some(EXEC_MAX_BUFFER),
        input: body.input.map(String::into_bytes),
        ..ExecOptions::default()
    };
    let _slot = sbx.execs.clone().try_acquire_owned().map_err(|_| {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TOO_MANY_PROCESSES",
            format!(
                "sandbox {id} runs {} execs already",
                app.limits.max_processes
            ),
        )
    })?;
    let pending = {
        // The call binds the exec to the sandbox as it is: a destroy from here on kills it.
        let destroyed = sbx.life.read().await;
        if *destroyed {
            return Err(sbx.check_running().unwrap_err());
        }
        sbx.sandbox.scope().exec(command, options)
    };
    let r = pending.await?;
    Ok(Json(json!({
        "stdout": r.stdout,
        "stderr": r.stderr,
        "exit_code": r.exit_code,
        "duration_ms": r.duration.as_millis() as u64,
        "truncated": r.truncated,
    })))
}

/// `GET /v1/sandboxes/{id}/ports`: every listener of the sandbox's process trees.
pub async fn ports(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let sbx = running(&app, &caller, &id, Role::Viewer)?;
    let ports: Vec<Value> = sbx
        .sandbox
        .scope()
        .list_ports()
        .await
        .into_iter()
        .map(|p| {
            json!({"port": p.port, "host": p.host, "family": p.family.as_str(),
                   "pid": p.pid, "process_id": p.process_id})
        })
        .collect();
    Ok(Json(json!({ "ports": ports })))
}

/// The body of `POST .../expose`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExposeBody {
    port: u16,
    name: Option<String>,
}

/// `POST /v1/sandboxes/{id}/expose`: a preview URL that proxies to the port.
pub async fn expose(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<ExposeBody>,
) -> ApiResult<Response> {
    let sbx = running(&app, &caller, &id, Role::Developer)?;
    if body.port == 0 {
        return Err(ApiError::invalid("port must be 1-65535"));
    }
    let own = app
        .public
        .rsplit(':')
        .next()
        .and_then(|p| p.parse::<u16>().ok());
    if own == Some(body.port) {
        // A preview of the server itself would proxy to itself without end.
        return Err(ApiError::invalid(format!(
            "port {} is this server's own",
            body.port
        )));
    }
    let secret = app.expose(&sbx.id, body.port);
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
        .unwrap_or_else(|| app.public.clone());
    let url = format!("http://{host}/preview/{secret}/");
    Ok((
        StatusCode::CREATED,
        Json(json!({"url": url, "port": body.port, "name": body.name})),
    )
        .into_response())
}
