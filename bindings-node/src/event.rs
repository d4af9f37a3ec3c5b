//! `NativeLogStream`: a core `LogStream` read from JavaScript, one event at a time.
//! `close()` ends a pending read and drops the subscription at once.

use crate::convert::{cursor, stream};
use crate::error::promise;
use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;
use procwright::{LogEvent, LogStream};
use std::sync::Arc;
use tokio::sync::{watch, Mutex};

struct Shared {
    stream: Mutex<Option<LogStream>>,
    closed: watch::Sender<bool>,
}

/// `logs()`/`streamProcessLogs()` options: where to start and whether to follow.
#[napi(object)]
pub struct NativeLogStreamOptions {
    /// Start just after this cursor.
    pub since: Option<f64>,
    /// Replay kept output first (default true).
    pub replay: Option<bool>,
    /// Follow live output until the exit (default true).
    pub follow: Option<bool>,
    /// `'stdout'` or `'stderr'` only.
    pub stream: Option<String>,
}

impl NativeLogStreamOptions {
    pub(crate) fn into_core(self) -> procwright::Result<procwright::LogStreamOptions> {
        Ok(procwright::LogStreamOptions {
            since: cursor(self.since)?,
            replay: self.replay.unwrap_or(true),
            follow: self.follow.unwrap_or(true),
            stream: stream(self.stream)?,
        })
    }
}

/// The events of one process: kept output, live output, then `exit`.
#[napi]
pub struct NativeLogStream {
    shared: Arc<Shared>,
}

impl NativeLogStream {
    pub(crate) fn new(stream: LogStream) -> Self {
        NativeLogStream {
            shared: Arc::new(Shared {
                stream: Mutex::new(Some(stream)),
                closed: watch::Sender::new(false),
            }),
        }
    }
}

async fn next_event(shared: Arc<Shared>) -> Option<LogEvent> {
    let mut closed = shared.closed.subscribe();
    let mut guard = shared.stream.lock().await;
    if *closed.borrow_and_update() {
        *guard = None;
        return None;
    }
    let stream = guard.as_mut()?;
    let event = tokio::select! {
        e = stream.next() => e,
        _ = closed.wait_for(|c| *c) => None,
    };
    if event.is_none() {
        *guard = None;
    }
    event
}

#[napi]
impl NativeLogStream {
    /// The next event as JSON (`{type, data, processId, timestamp, exitCode?}`),
    /// or `null` after `exit` or `close()`.
    #[napi(ts_return_type = "Promise<string | null>")]
    pub fn next<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, Option<String>>> {
        let shared = self.shared.clone();
        promise(
            env,
            async move { Ok(next_event(shared).await.map(|e| e.to_json())) },
            |_, v| Ok(v),
        )
    }

    /// The next event as one SSE frame (`data: <json>` and a blank line), or `null` at the end.
    #[napi(ts_return_type = "Promise<string | null>")]
    pub fn next_frame<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, Option<String>>> {
        let shared = self.shared.clone();
        promise(
            env,
            async move { Ok(next_event(shared).await.map(|e| e.to_sse())) },
            |_, v| Ok(v),
        )
    }

    /// Ends the stream: a pending read resolves `null` and the subscription is released.
    #[napi]
    pub fn close(&self) {
        self.shared.closed.send_replace(true);
        if let Ok(mut guard) = self.shared.stream.try_lock() {
            *guard = None;
        }
    }

    /// Whether the stream has been released (ended or closed).
    #[napi(getter)]
    pub fn released(&self) -> bool {
        match self.shared.stream.try_lock() {
            Ok(guard) => guard.is_none(),
            Err(_) => false,
        }
    }
}
