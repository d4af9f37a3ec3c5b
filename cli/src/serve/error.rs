//! The server's one error type: an HTTP status plus the contract's
//! `{"error": {"code", "message"}}` body.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use procwright::ErrorCode;

/// An error answer: status, code and a message for a person.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The code, e.g. `PROCESS_NOT_FOUND`.
    pub code: &'static str,
    /// What went wrong; never holds a token.
    pub message: String,
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 `INVALID_ARGUMENT`.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", message)
    }

    /// 404 with a code naming what was not found.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 500 for a failure of the host (a file system error, say).
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", message)
    }
}

/// The status each library code is answered with.
fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::ProcessNotFound | ErrorCode::SessionNotFound => StatusCode::NOT_FOUND,
        ErrorCode::ProcessReadyTimeout | ErrorCode::CommandTimeout => StatusCode::REQUEST_TIMEOUT,
        ErrorCode::ProcessExitedBeforeReady
        | ErrorCode::ProcessError
        | ErrorCode::ProcessIdInUse
        | ErrorCode::SessionAlreadyExists => StatusCode::CONFLICT,
        ErrorCode::InvalidCommand | ErrorCode::InvalidPattern | ErrorCode::InvalidArgument => {
            StatusCode::BAD_REQUEST
        }
    }
}

impl From<procwright::Error> for ApiError {
    fn from(e: procwright::Error) -> ApiError {
        ApiError::new(status_of(e.code), e.code.as_str(), e.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": {"code": self.code, "message": self.message}});
        let mut res = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}
