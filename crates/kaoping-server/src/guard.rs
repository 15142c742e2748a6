//! What every request passes through: the CSRF check on every state-changing request, every change run
//! to its end even when the client goes away, and the security headers on every response. One layer for
//! all routes, so no handler can forget it.

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderValue};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kaoping_app::AppError;

use crate::api::ApiError;
use crate::pages::html::PageError;
use crate::session::current_user;
use crate::state::AppState;

/// Every request that changes something must carry the session's CSRF token, in the `X-CSRF-Token`
/// header (API, scripts) or the `csrf` query parameter (HTML forms post to `…?csrf=TOKEN`). Logging in has
/// no session yet and is exempt.
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
    let api = path.starts_with("/api/");
    let refuse = |error: AppError| {
        if api {
            ApiError::App(error).into_response()
        } else {
            PageError(error).into_response()
        }
    };
    let (mut parts, body) = request.into_parts();
    let current = match current_user(&mut parts, &state).await {
        Ok(c) => c,
        Err(e) => return refuse(e),
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
            return refuse(AppError::Forbidden(
                "缺少或错误的CSRF令牌，请刷新页面后重试".into(),
            ));
        }
    }
    next.run(Request::from_parts(parts, body)).await
}

/// Runs a state-changing request to its end on a task of its own. Otherwise a client that goes away (a
/// closed tab, a dropped phone connection) cancels the handler wherever it is: in the middle of a write
/// transaction, whose lock would then be held until the database connection is cleaned up, or between a
/// commit and the moment this process takes the change into what it keeps.
pub async fn run_to_completion(request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    match tokio::spawn(next.run(request)).await {
        Ok(response) => response,
        Err(e) => {
            tracing::error!("request task failed: {e}");
            axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
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
