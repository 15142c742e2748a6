//! What every JSON API handler shares: the error answer (`{"error": …}` with the status of its kind), the
//! logged-in user or a 401, and a JSON body read with refusals that say what and where. `api.rs` and
//! `ballot_api.rs` both build on it.

use axum::extract::rejection::JsonRejection;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kaoping_app::AppError;
use serde_json::json;

use crate::error;
use crate::rejections;
use crate::session::{current_user, CurrentUser};
use crate::state::AppState;

/// The API's form of an error: JSON with the status of its kind.
#[derive(Debug)]
pub enum ApiError {
    App(AppError),
    /// A request that is not even well-formed (malformed JSON, no JSON content type).
    Request(StatusCode, String),
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError::App(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match &self {
            ApiError::App(e) => {
                error::log(e);
                (error::status(e), e.user_message())
            }
            ApiError::Request(status, m) => (*status, m.clone()),
        };
        (status, Json(json!({ "error": message }))).into_response()
    }
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

/// The API's user: 401 JSON instead of a redirect to the login page.
pub struct ApiUser(pub CurrentUser);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match current_user(parts, state).await? {
            Some(user) => Ok(ApiUser(user)),
            None => Err(ApiError::App(AppError::Unauthenticated)),
        }
    }
}

/// Malformed JSON gets a 400 that says what is wrong and where; well-formed JSON with a wrong field a
/// 422 naming the field; a body sent as something else than JSON a 415.
pub(crate) fn body<T>(json: Result<Json<T>, JsonRejection>) -> ApiResult<T> {
    json.map(|Json(v)| v).map_err(|e| {
        let (status, message) = rejections::json(&e);
        ApiError::Request(status, message)
    })
}
