//! `NativeSession`: a scope with an id inside a sandbox.

use crate::scope::NativeScope;
use napi_derive::napi;

/// A session: its own env, cwd and process list.
#[napi]
pub struct NativeSession {
    session: procwright::Session,
}

impl NativeSession {
    pub(crate) fn new(session: procwright::Session) -> Self {
        NativeSession { session }
    }
}

#[napi]
impl NativeSession {
    /// The session id.
    #[napi(getter)]
    pub fn id(&self) -> String {
        self.session.id().to_owned()
    }

    /// Whether the session still exists (it does until `deleteSession` or `destroy`).
    #[napi(getter)]
    pub fn exists(&self) -> bool {
        self.session.exists()
    }

    /// The session's scope: its process methods.
    #[napi]
    pub fn scope(&self) -> NativeScope {
        NativeScope::new(self.session.scope().clone())
    }
}
