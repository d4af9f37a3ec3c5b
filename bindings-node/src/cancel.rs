//! `NativeCancel`: the JS layer's `AbortSignal`, as a token a native call watches.

use napi_derive::napi;
use std::future::Future;
use tokio::sync::watch;

/// Ends the pending calls given this token when `cancel()` is called.
#[napi]
pub struct NativeCancel(watch::Sender<bool>);

#[napi]
impl NativeCancel {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        NativeCancel(watch::Sender::new(false))
    }

    /// Cancels every call given this token.
    #[napi]
    pub fn cancel(&self) {
        self.0.send_replace(true);
    }
}

/// What a call watches: taken from the token before the call leaves the JS thread.
pub(crate) struct Watch(Option<watch::Receiver<bool>>);

impl Watch {
    pub(crate) fn new(cancel: Option<&NativeCancel>) -> Watch {
        Watch(cancel.map(|c| c.0.subscribe()))
    }

    /// Runs `fut` until it ends or the token is cancelled; cancelling drops `fut` (which
    /// stops a wait's work) and gives `aborted()`. The JS layer then rejects with the
    /// signal's reason.
    pub(crate) async fn run<T>(
        mut self,
        fut: impl Future<Output = procwright::Result<T>>,
        aborted: impl FnOnce() -> procwright::Error,
    ) -> procwright::Result<T> {
        let Some(rx) = self.0.as_mut() else {
            return fut.await;
        };
        tokio::select! {
            r = fut => r,
            _ = rx.wait_for(|c| *c) => Err(aborted()),
        }
    }
}
