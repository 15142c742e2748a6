//! The one error type of the application layer. Each variant is a kind of refusal the adapters map to
//! their own terms (an HTTP status in `kaoping-server/src/error.rs`, an exit message in the CLI); the
//! message is for users, in Chinese, and says what and where.

use kaoping_store::StoreError;

/// Why a use case refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No session, or it expired.
    #[error("请先登录")]
    Unauthenticated,
    /// The actor may not do this (the message says what they may do).
    #[error("没有权限：{0}")]
    Forbidden(String),
    /// The thing asked for does not exist (the message names it).
    #[error("找不到：{0}")]
    NotFound(String),
    /// Bad input: what is wrong and where (the form field, the row, the key).
    #[error("{0}")]
    Invalid(String),
    /// The request collides with the state: a locked period, an entry already corrected, a second
    /// decision.
    #[error("{0}")]
    Conflict(String),
    /// Too many failed logins.
    #[error("登录失败次数过多，请15分钟后再试")]
    Throttled,
    /// Too many wrong voting codes from one address.
    #[error("投票码输错次数过多，请10分钟后再试")]
    VoteThrottled,
    /// The database failed; the details go to the log, not to users.
    #[error("数据库错误：{0}")]
    Store(StoreError),
    /// Something stored cannot be read (a rubric version that no longer parses): a fault, not the user's.
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    /// The message shown to users: database failures are not shown in detail.
    pub fn user_message(&self) -> String {
        match self {
            AppError::Store(_) => "数据库暂时不可用，请稍后再试".into(),
            other => other.to_string(),
        }
    }

    /// Whether this is a fault of the server rather than a refusal of the request.
    pub fn is_fault(&self) -> bool {
        matches!(self, AppError::Store(_) | AppError::Internal(_))
    }
}

impl From<StoreError> for AppError {
    /// The store's refusals are already phrased for users; only database failures stay wrapped.
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound(m) => AppError::NotFound(m),
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Invalid(m) => AppError::Invalid(m),
            other @ StoreError::Database(_) => AppError::Store(other),
        }
    }
}
