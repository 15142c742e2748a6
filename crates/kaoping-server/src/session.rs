//! The session a request carries: its cookie, looked up once per request (the application checks it
//! and names the actor). The extractors that turn it into a page's or the API's user live with their
//! adapters (`pages::html`, `api`).

use axum::http::header::{self, HeaderValue};
use axum::http::request::Parts;
use kaoping_app::{Actor, AppError, SESSION_TTL_MS};
use kaoping_store::Session;

use crate::state::AppState;

pub const COOKIE: &str = "kaoping_session";

/// The logged-in user (as the application's actor) and their session (with its CSRF token).
#[derive(Clone)]
pub struct CurrentUser {
    pub actor: Actor,
    pub session: Session,
    /// For an administrator, when this process's last integrity check failed: what it found first.
    pub integrity_alarm: Option<String>,
}

/// The session cookie for a new session.
pub fn session_cookie(session: &Session, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let max_age = SESSION_TTL_MS / 1000;
    HeaderValue::from_str(&format!(
        "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}",
        session.id
    ))
    .expect("session ids are base64url")
}

pub fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("kaoping_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

fn session_id(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

/// The request's user, if logged in: looked up once, then kept in the request's extensions.
pub async fn current_user(
    parts: &mut Parts,
    state: &AppState,
) -> Result<Option<CurrentUser>, AppError> {
    if let Some(found) = parts.extensions.get::<Option<CurrentUser>>() {
        return Ok(found.clone());
    }
    let found = match session_id(parts) {
        Some(id) => state
            .app
            .authenticate(&id)
            .await?
            .map(|(session, actor)| CurrentUser {
                integrity_alarm: state.app.integrity_alarm(&actor),
                actor,
                session,
            }),
        None => None,
    };
    parts.extensions.insert(found.clone());
    Ok(found)
}
