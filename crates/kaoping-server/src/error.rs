//! Errors of the web layer: why the server could not start, and the one mapping from the application's
//! refusals to HTTP statuses. Rendering is the adapters': pages show an error page
//! (`pages::html::PageError`), the API answers `{"error": …}` (`api_plumbing::ApiError`).

use axum::http::StatusCode;
use kaoping_app::AppError;
use kaoping_store::StoreError;

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("无法监听 {0}：{1}")]
    Bind(String, std::io::Error),
    #[error("服务器错误：{0}")]
    Serve(std::io::Error),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    App(#[from] AppError),
}

/// The HTTP status of each kind of refusal: the only place it is decided.
pub fn status(e: &AppError) -> StatusCode {
    match e {
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::Throttled | AppError::VoteThrottled => StatusCode::TOO_MANY_REQUESTS,
        AppError::Store(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Logs a fault (the user sees only that something failed).
pub fn log(e: &AppError) {
    if e.is_fault() {
        tracing::error!("{e}");
    }
}
