//! Request bodies and callers as extractors, so a bad body or a missing token is an
//! `ApiError` with the contract's JSON shape, never a framework's plain-text rejection.

use super::auth::Caller;
use super::error::ApiError;
use super::state::App;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// Largest request body accepted (413 past it).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A JSON body; an empty body reads as `{}`.
pub struct JsonBody<T>(pub T);

/// A raw body (stdin data), whole, within [`BODY_LIMIT`].
pub struct RawBody(pub Bytes);

/// A raw body as it comes (file contents), for a handler that streams it.
pub struct RawStream(pub axum::body::Body);

/// The media types a web page may send cross-site without a preflight: a raw body of
/// one of these is refused, so that no form or `text/plain` fetch can write to stdin or
/// to a file even where the Origin check does not run.
const SIMPLE_TYPES: [&str; 3] = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
];

/// The request's media type, lower-case, without parameters; `None` without one.
fn media_type(req: &Request) -> Option<String> {
    let value = req.headers().get(header::CONTENT_TYPE)?;
    let text = String::from_utf8_lossy(value.as_bytes());
    let essence = text.split(';').next().unwrap_or("").trim();
    Some(essence.to_ascii_lowercase())
}

/// Whether a media type is JSON: `application/json` or a `+json` type.
fn is_json(essence: &str) -> bool {
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn unsupported(message: String) -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_MEDIA_TYPE",
        message,
    )
}

async fn bytes_of<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                format!("the request body is over {BODY_LIMIT} bytes"),
            )
        } else {
            ApiError::invalid(format!("cannot read the request body: {}", e.body_text()))
        }
    })
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let media = media_type(&req);
        let bytes = bytes_of(req, state).await?;
        // Any body at all must say it is JSON: a blank one read as `{}` included.
        if !bytes.is_empty() && !media.as_deref().is_some_and(is_json) {
            return Err(unsupported(format!(
                "a request body must be sent with Content-Type: application/json, not {}",
                media.as_deref().unwrap_or("none")
            )));
        }
        let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &bytes
        };
        serde_json::from_slice(text)
            .map(JsonBody)
            .map_err(|e| ApiError::invalid(format!("bad JSON body: {e}")))
    }
}

/// 415 for raw data sent as a type a web page may send cross-site.
fn check_raw(req: &Request) -> Result<(), ApiError> {
    match media_type(req).filter(|m| SIMPLE_TYPES.contains(&m.as_str())) {
        Some(media) => Err(unsupported(format!(
            "raw data must be sent as application/octet-stream (or without a \
             Content-Type), not {media}"
        ))),
        None => Ok(()),
    }
}

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        check_raw(&req)?;
        bytes_of(req, state).await.map(RawBody)
    }
}

impl<S: Send + Sync> FromRequest<S> for RawStream {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        check_raw(&req)?;
        Ok(RawStream(req.into_body()))
    }
}

impl FromRequestParts<Arc<App>> for Caller {
    type Rejection = ApiError;

    /// The caller the guard proved; every routed request has passed it.
    async fn from_request_parts(parts: &mut Parts, _: &Arc<App>) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| ApiError::internal("the request did not pass the guard"))
    }
}
