//! `NativeSandbox`: the root scope, with sessions and `destroy`.

use crate::convert::{byte_limit, env as env_changes};
use crate::error::{promise, throwable};
use crate::scope::NativeScope;
use crate::session::NativeSession;
use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;
use procwright::{Sandbox, SandboxOptions, SessionOptions};
use std::collections::HashMap;

/// Options of `new Sandbox()`.
#[napi(object)]
pub struct NativeSandboxOptions {
    pub cwd: Option<String>,
    pub env: Option<HashMap<String, Option<String>>>,
    pub shell: Option<String>,
    /// Bytes kept in memory per stream per process.
    pub log_limit: Option<f64>,
    pub log_dir: Option<String>,
}

fn sandbox_options(o: Option<NativeSandboxOptions>) -> procwright::Result<SandboxOptions> {
    let Some(o) = o else {
        return Ok(SandboxOptions::default());
    };
    Ok(SandboxOptions {
        cwd: o.cwd.map(Into::into),
        env: env_changes(o.env),
        shell: o.shell,
        log_limit: byte_limit("logLimit", o.log_limit)?,
        log_dir: o.log_dir.map(Into::into),
    })
}

/// Options of `createSession`.
#[napi(object)]
pub struct NativeSessionOptions {
    pub id: Option<String>,
    pub cwd: Option<String>,
    pub env: Option<HashMap<String, Option<String>>>,
}

/// A sandbox: its root scope, sessions and `destroy`.
#[napi]
pub struct NativeSandbox {
    sandbox: Sandbox,
}

#[napi]
impl NativeSandbox {
    /// A new sandbox; bad options throw.
    #[napi(constructor)]
    pub fn new(env: Env, options: Option<NativeSandboxOptions>) -> Result<Self> {
        let sandbox = sandbox_options(options)
            .and_then(Sandbox::new)
            .map_err(|e| throwable(&env, e))?;
        Ok(NativeSandbox { sandbox })
    }

    /// The one shared sandbox for `name` (default `"default"`).
    #[napi(factory)]
    pub fn named(env: Env, name: Option<String>) -> Result<Self> {
        let sandbox = procwright::get_sandbox(name.as_deref()).map_err(|e| throwable(&env, e))?;
        Ok(NativeSandbox { sandbox })
    }

    /// The root scope: every process of the sandbox.
    #[napi]
    pub fn scope(&self) -> NativeScope {
        NativeScope::new(self.sandbox.scope().clone())
    }

    /// The shell string commands run in.
    #[napi(getter)]
    pub fn shell(&self) -> String {
        self.sandbox.shell().to_string_lossy().into_owned()
    }

    /// Creates a session of this sandbox; bad options and taken ids throw.
    #[napi]
    pub fn create_session(
        &self,
        env: Env,
        options: Option<NativeSessionOptions>,
    ) -> Result<NativeSession> {
        let o = options.unwrap_or(NativeSessionOptions {
            id: None,
            cwd: None,
            env: None,
        });
        self.sandbox
            .create_session(SessionOptions {
                id: o.id,
                cwd: o.cwd.map(Into::into),
                env: env_changes(o.env),
            })
            .map(NativeSession::new)
            .map_err(|e| throwable(&env, e))
    }

    /// The session with this id; throws `SESSION_NOT_FOUND`.
    #[napi]
    pub fn get_session(&self, env: Env, id: String) -> Result<NativeSession> {
        self.sandbox
            .get_session(&id)
            .map(NativeSession::new)
            .map_err(|e| throwable(&env, e))
    }

    /// Kills a session's processes and forgets it.
    #[napi]
    pub fn delete_session<'env>(&self, env: &'env Env, id: String) -> Result<PromiseRaw<'env, ()>> {
        let sandbox = self.sandbox.clone();
        promise(
            env,
            async move { sandbox.delete_session(&id).await },
            |_, ()| Ok(()),
        )
    }

    /// Kills everything and forgets every record and session.
    #[napi]
    pub fn destroy<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, ()>> {
        let sandbox = self.sandbox.clone();
        promise(
            env,
            async move {
                sandbox.destroy().await;
                Ok(())
            },
            |_, ()| Ok(()),
        )
    }
}
