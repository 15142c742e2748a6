//! Who is asking: Argon2id password hashes, server-side sessions (in the database), the session cookie,
//! CSRF protection on every state-changing request, login throttling and security headers.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{self, HeaderValue};
use axum::http::request::Parts;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use kaoping_store::{Session, User};

use crate::error::{ApiError, ServerError};
use crate::state::AppState;

pub const COOKIE: &str = "kaoping_session";
/// Sessions last a working day.
pub const SESSION_TTL_MS: i64 = 12 * 60 * 60 * 1000;
/// At most this many failed logins per user name or address per window.
pub const MAX_FAILURES: i64 = 5;
pub const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Hashes a password with Argon2id and a random salt.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters hashes any input")
        .to_string()
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A random password for first start (printed once): 16 characters without look-alikes.
pub fn random_password() -> String {
    use rand::Rng;
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
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

/// The logged-in user and their session (with its CSRF token).
#[derive(Clone)]
pub struct CurrentUser {
    pub user: User,
    pub session: Session,
}

async fn load(parts: &mut Parts, state: &AppState) -> Result<Option<CurrentUser>, ServerError> {
    if let Some(found) = parts.extensions.get::<Option<CurrentUser>>() {
        return Ok(found.clone());
    }
    let found = match session_id(parts) {
        Some(id) => state
            .store
            .session(&id)
            .await?
            .map(|(session, user)| CurrentUser { user, session }),
        None => None,
    };
    parts.extensions.insert(found.clone());
    Ok(found)
}

/// Pages: a missing session redirects to the login page.
pub enum PageRejection {
    Login(String),
    Error(ServerError),
}

impl IntoResponse for PageRejection {
    fn into_response(self) -> Response {
        match self {
            PageRejection::Login(next) => {
                Redirect::to(&format!("/login?next={}", encode(&next))).into_response()
            }
            PageRejection::Error(e) => e.into_response(),
        }
    }
}

fn encode(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = PageRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match load(parts, state).await {
            Ok(Some(user)) => Ok(user),
            Ok(None) => Err(PageRejection::Login(
                parts
                    .uri
                    .path_and_query()
                    .map_or("/".into(), |p| p.to_string()),
            )),
            Err(e) => Err(PageRejection::Error(e)),
        }
    }
}

/// The API's extractor: 401 JSON instead of a redirect.
pub struct ApiUser(pub CurrentUser);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match load(parts, state).await? {
            Some(user) => Ok(ApiUser(user)),
            None => Err(ApiError(ServerError::Unauthenticated)),
        }
    }
}

/// Every request that changes something must carry the session's CSRF token, in the `X-CSRF-Token`
/// header (API, scripts) or the `csrf` query parameter (HTML forms post to `…?csrf=TOKEN`). One check for
/// all routes, so no handler can forget it. Logging in has no session yet and is exempt.
pub async fn csrf_guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let path = request.uri().path();
    if path == "/login" || path == "/api/login" {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let current = match load(&mut parts, &state).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    if let Some(current) = &current {
        let header = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        let query = parts.uri.query().and_then(|q| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == "csrf")
                .map(|(_, v)| v.to_string())
        });
        let given = header.or(query).unwrap_or_default();
        if !constant_time_eq(given.as_bytes(), current.session.csrf_token.as_bytes()) {
            let error = ServerError::Forbidden("缺少或错误的CSRF令牌，请刷新页面后重试".into());
            return if parts.uri.path().starts_with("/api/") {
                ApiError(error).into_response()
            } else {
                error.into_response()
            };
        }
    }
    next.run(Request::from_parts(parts, body)).await
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Headers every response carries: no sniffing, no framing, no third-party anything.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Checks a login attempt, recording failures; `Ok(None)` is a wrong user name or password.
pub async fn attempt_login(
    state: &AppState,
    username: &str,
    password: &str,
    ip: &str,
) -> Result<Option<(Session, User)>, ServerError> {
    let since = now_ms() - FAILURE_WINDOW_MS;
    if state
        .store
        .login_failures_since(username, ip, since)
        .await?
        >= MAX_FAILURES
    {
        return Err(ServerError::Throttled);
    }
    let user = state.store.user_by_username(username).await?;
    let ok = match &user {
        Some(u) => u.active && verify_password(password, &u.password_hash),
        None => {
            // Spend the same time as a real check so user names cannot be probed by timing.
            let _ = verify_password(password, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$2mVJtMc1nYzA8G+Jg5tHCi7tPvh5F7cT/6KBUwD6HBw");
            false
        }
    };
    match user {
        Some(user) if ok => {
            state.store.clear_login_failures(username).await?;
            let session = state.store.create_session(user.id, SESSION_TTL_MS).await?;
            state
                .store
                .audit(Some(user.id), "login", &format!("{} 登录", user.username))
                .await?;
            Ok(Some((session, user)))
        }
        _ => {
            state.store.record_login_failure(username, ip).await?;
            Ok(None)
        }
    }
}
