//! Request bodies and callers as extractors, so a bad body or a missing token is an
//! `ApiError` with the contract's JSON shape, never a framework's plain-text rejection.

use super::auth::Caller;
use super::error::ApiError;
use super::state::App;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// Largest request body accepted (413 past it).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A JSON body; an empty body reads as `{}`.
pub struct JsonBody<T>(pub T);

/// A raw body (stdin data, file contents).
pub struct RawBody(pub Bytes);

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
        let bytes = bytes_of(req, state).await?;
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

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        bytes_of(req, state).await.map(RawBody)
    }
}

impl FromRequestParts<Arc<App>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, ApiError> {
        match &app.tokens {
            None => Ok(Caller::open()),
            Some(t) => t.caller(&parts.headers),
        }
    }
}
