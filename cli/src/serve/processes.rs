//! Seed 003's process endpoints: start, list, get, logs (the merged log file), kill.

use super::auth::{Caller, Role};
use super::body::JsonBody;
use super::error::{ApiError, ApiResult};
use super::sandboxes::{cwd_of, env_of, running, EnvBody};
use super::state::{random_id, App, Record, Sbx};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use procwright::{Command, ErrorCode, ProcessOptions, Signal, StdinMode};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// The body of `POST .../processes`, as seed 003 (plus `stdin`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartBody {
    command: Vec<String>,
    env: Option<EnvBody>,
    cwd: Option<String>,
    /// A pipe for `POST .../stdin`; without it stdin is `/dev/null`.
    #[serde(default)]
    stdin: bool,
}

/// A record with exactly seed 003's fields.
pub fn record_json(sandbox: &str, r: &Record) -> Value {
    let f = r.fields();
    json!({
        "id": r.id(), "sandbox_id": sandbox, "command": r.argv(),
        "pid": f.pid, "state": f.state, "exit_code": f.exit_code,
        "started_at": f.started_at, "exited_at": f.exited_at,
    })
}

/// Prunes the sandbox's records off the runtime (it reads `/proc`), after a start.
fn prune(app: &App, sbx: &Arc<Sbx>) {
    let (sbx, limits) = (sbx.clone(), app.limits);
    tokio::task::spawn_blocking(move || sbx.prune(limits));
}

/// `POST /v1/sandboxes/{id}/processes`: 201 with the record (state `failed` when the
/// command could not be started, its log saying why).
pub async fn start(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<StartBody>,
) -> ApiResult<Response> {
    let sbx = running(&app, &caller, &id, Role::Developer)?;
    let command = Command::Argv(body.command.clone());
    command.validate()?;
    let options = ProcessOptions {
        process_id: Some(random_id("proc_")),
        cwd: Some(cwd_of(&sbx, body.cwd.as_deref())?),
        env: env_of(body.env)?,
        stdin: body.stdin.then_some(StdinMode::Pipe),
        ..ProcessOptions::default()
    };
    let pid = options.process_id.clone().unwrap_or_default();
    let (slot, pending) = {
        let destroyed = sbx.life.read().await;
        if *destroyed {
            return Err(sbx.check_running().unwrap_err());
        }
        let slot = sbx.reserve(&pid, app.limits.max_processes).ok_or_else(|| {
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TOO_MANY_PROCESSES",
                format!(
                    "sandbox {id} has {} processes running, the most allowed",
                    app.limits.max_processes
                ),
            )
        })?;
        (slot, sbx.sandbox.scope().start_process(command, options))
    };
    // The rest runs on its own task: a client that hangs up mid-start must not leave a
    // process running that no record shows.
    let argv = body.command;
    let (sbx, app) = (sbx.clone(), app.clone());
    let finish = tokio::spawn(async move {
        let started = pending.await;
        drop(slot);
        match started {
            Ok(p) => {
                sbx.started(p.id(), argv.clone());
                prune(&app, &sbx);
                // From the process itself: a destroy right after the start may already
                // have dropped it from the sandbox's list.
                let r = Record::Started(p, argv);
                Ok((StatusCode::CREATED, Json(record_json(&sbx.id, &r))).into_response())
            }
            Err(e) if e.code == ErrorCode::ProcessError => {
                sbx.check_running()?;
                let _ = std::fs::create_dir_all(&sbx.logs);
                let _ = std::fs::write(sbx.logs.join(format!("proc-{pid}.log")), format!("{e}\n"));
                sbx.failed(&pid, argv);
                prune(&app, &sbx);
                let r = sbx.record(&pid)?;
                Ok((StatusCode::CREATED, Json(record_json(&sbx.id, &r))).into_response())
            }
            Err(e) => Err(e.into()),
        }
    });
    finish
        .await
        .map_err(|e| ApiError::internal(format!("the start failed: {e}")))?
}

/// `GET /v1/sandboxes/{id}/processes`: every record, ended ones too.
pub async fn list(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let sbx = running(&app, &caller, &id, Role::Viewer)?;
    let all: Vec<Value> = sbx
        .records()
        .iter()
        .map(|r| record_json(&sbx.id, r))
        .collect();
    Ok(Json(json!({ "processes": all })))
}

/// `GET /v1/sandboxes/{id}/processes/{pid}`.
pub async fn get(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((id, pid)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let sbx = running(&app, &caller, &id, Role::Viewer)?;
    Ok(Json(record_json(&sbx.id, &sbx.record(&pid)?)))
}

/// `GET .../processes/{pid}/logs`: the current `proc-<id>.log`, stdout and stderr merged.
pub async fn logs(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((id, pid)): Path<(String, String)>,
) -> ApiResult<Response> {
    let sbx = running(&app, &caller, &id, Role::Viewer)?;
    sbx.record(&pid)?;
    let data = tokio::fs::read(log_path(&sbx, &pid)).await.map_err(|_| {
        ApiError::not_found("LOG_NOT_FOUND", format!("process {pid} has no log file"))
    })?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], data).into_response())
}

fn log_path(sbx: &Sbx, pid: &str) -> std::path::PathBuf {
    sbx.logs.join(format!("proc-{pid}.log"))
}

/// `DELETE .../processes/{pid}`: SIGTERM, then SIGKILL; 204 also when it had ended.
pub async fn kill(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((id, pid)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let sbx = running(&app, &caller, &id, Role::Developer)?;
    if let Record::Started(p, _) = sbx.record(&pid)? {
        if !p.status().is_final() {
            // On its own task, so a client that hangs up cannot stop the SIGKILL that
            // follows a SIGTERM that was ignored.
            let signal = Signal::parse("SIGTERM")?;
            tokio::spawn(async move { p.kill(signal, procwright::DEFAULT_KILL_TIMEOUT).await })
                .await
                .map_err(|e| ApiError::internal(format!("the kill failed: {e}")))??;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}
