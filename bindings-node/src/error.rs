//! Core errors as JavaScript values: an `Error` whose `code`, `className`,
//! `processId`, `exitCode`, `condition` and `lastLines` are set as properties,
//! from the core's fields (never parsed out of the message). The JS layer turns
//! it into the exported class that `className` names.

use napi::bindgen_prelude::*;
use napi::Env;
use std::future::Future;

/// Builds the JavaScript error object for a core error.
pub(crate) fn to_js<'e>(env: &'e Env, e: &procwright::Error) -> Result<Object<'e>> {
    let mut obj = env.create_error(Error::new(Status::GenericFailure, e.message.clone()))?;
    obj.set("code", e.code.as_str())?;
    obj.set("className", e.code.class_name())?;
    if let Some(id) = &e.process_id {
        obj.set("processId", id.as_str())?;
    }
    if let Some(code) = e.exit_code {
        obj.set("exitCode", code)?;
    }
    if let Some(c) = &e.condition {
        obj.set("condition", c.as_str())?;
    }
    obj.set("lastLines", e.last_lines.clone())?;
    Ok(obj)
}

/// A `napi::Error` that rejects (or throws) with exactly that object.
pub(crate) fn throwable(env: &Env, e: procwright::Error) -> Error {
    match to_js(env, &e) {
        Ok(obj) => Error::from(obj.to_unknown()),
        Err(fallback) => fallback,
    }
}

/// Runs a core future on the runtime and settles a Promise on the JS thread:
/// `convert` builds the value, a core error rejects with its JS object.
pub(crate) fn promise<'env, T, V, F, C>(
    env: &'env Env,
    fut: F,
    convert: C,
) -> Result<PromiseRaw<'env, V>>
where
    T: Send + 'static,
    V: ToNapiValue,
    F: Future<Output = procwright::Result<T>> + Send + 'static,
    C: FnOnce(&'env Env, T) -> Result<V> + 'static,
{
    env.spawn_future_with_callback(async move { Ok(fut.await) }, move |env, r| match r {
        Ok(v) => convert(env, v),
        Err(e) => Err(throwable(env, e)),
    })
}
