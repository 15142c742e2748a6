//! One error type for the web layer: each variant knows its HTTP status and its message for users.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kaoping_store::StoreError;

/// Why a request failed. Pages show the message in Chinese; the API returns `{"error": message}`.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("请先登录")]
    Unauthenticated,
    #[error("没有权限：{0}")]
    Forbidden(String),
    #[error("找不到：{0}")]
    NotFound(String),
    /// Bad input: what is wrong and where (the form field or JSON key).
    #[error("{0}")]
    Invalid(String),
    /// A request that is not even well-formed (malformed JSON).
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    #[error("登录失败次数过多，请15分钟后再试")]
    Throttled,
    #[error("无法监听 {0}：{1}")]
    Bind(String, std::io::Error),
    #[error("服务器错误：{0}")]
    Serve(std::io::Error),
    #[error("数据库错误：{0}")]
    Store(#[from] StoreError),
}

impl ServerError {
    pub fn status(&self) -> StatusCode {
        match self {
            ServerError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ServerError::Forbidden(_) => StatusCode::FORBIDDEN,
            ServerError::NotFound(_) | ServerError::Store(StoreError::NotFound(_)) => {
                StatusCode::NOT_FOUND
            }
            ServerError::Invalid(_) | ServerError::Store(StoreError::Invalid(_)) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ServerError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ServerError::Conflict(_) | ServerError::Store(StoreError::Conflict(_)) => {
                StatusCode::CONFLICT
            }
            ServerError::Throttled => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message shown to the user: store problems are phrased for users already, database failures
    /// are not shown in detail.
    pub fn user_message(&self) -> String {
        match self {
            ServerError::Store(StoreError::NotFound(m)) => format!("找不到：{m}"),
            ServerError::Store(StoreError::Conflict(m) | StoreError::Invalid(m)) => m.clone(),
            ServerError::Store(_) => "数据库暂时不可用，请稍后再试".into(),
            other => other.to_string(),
        }
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        if self.status().is_server_error() {
            tracing::error!("{self}");
        }
        (self.status(), crate::pages::error_page(&self)).into_response()
    }
}

/// The API's form of an error: JSON with the same status.
pub struct ApiError(pub ServerError);

impl From<ServerError> for ApiError {
    fn from(e: ServerError) -> Self {
        ApiError(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError(ServerError::Store(e))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.0.status().is_server_error() {
            tracing::error!("{}", self.0);
        }
        (
            self.0.status(),
            axum::Json(serde_json::json!({ "error": self.0.user_message() })),
        )
            .into_response()
    }
}
