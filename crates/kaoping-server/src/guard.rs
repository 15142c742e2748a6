//! What every request passes through: the CSRF check on every state-changing request, every change run
//! to its end even when the client goes away, and the security headers on every response. One layer for
//! all routes, so no handler can forget it.

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderValue};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kaoping_app::AppError;

use crate::api_plumbing::ApiError;
use crate::pages::html::{back, error_page_for, ErrorMessage, PageError};
use crate::session::current_user;
use crate::state::AppState;

/// Every request that changes something must come from this site (its `Origin`, when a browser sends
/// one) and carry the session's CSRF token, in the `X-CSRF-Token` header (API, scripts) or the `csrf`
/// query parameter (HTML forms post to `…?csrf=TOKEN`). Logging in has no session yet: only its origin
/// is checked.
pub async fn csrf_guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let path = request.uri().path();
    let api = path.starts_with("/api/");
    // A browser says where a request comes from: another site may not post here, the login form
    // included (it has no session and so no token to check).
    if !same_origin(request.headers()) {
        let error = AppError::Forbidden("跨站提交的请求被拒绝，请从本站页面操作".into());
        return if api {
            ApiError::App(error).into_response()
        } else {
            PageError(error).into_response()
        };
    }
    // Logging in has no session yet, and a vote's authority is its code, not a session.
    if matches!(path, "/login" | "/api/login" | "/vote" | "/api/vote") {
        return next.run(request).await;
    }
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

/// Paths a user who must change their password may still reach: the change itself, logging out, and
/// what the login page needs.
const WHILE_PASSWORD_MUST_CHANGE: &[&str] = &[
    "/account/password",
    "/logout",
    "/login",
    "/api/me",
    "/api/logout",
    "/api/login",
    "/api/account/password",
    "/api/openapi.json",
    "/vote",
    "/api/vote",
];

const MUST_CHANGE: &str = "请先修改密码：该密码由管理员设置，首次使用前必须改为自己的密码";

/// A password chosen by someone else (the first administrator's, a new account's, a reset) must be
/// changed before anything else: pages lead to the change, the API says how.
pub async fn password_gate(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    if path.starts_with("/static/") || WHILE_PASSWORD_MUST_CHANGE.contains(&path.as_str()) {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let must_change = match current_user(&mut parts, &state).await {
        Ok(Some(user)) => user.actor.user.must_change_password,
        Ok(None) => false,
        Err(e) if path.starts_with("/api/") => return ApiError::App(e).into_response(),
        Err(e) => return PageError(e).into_response(),
    };
    if !must_change {
        return next.run(Request::from_parts(parts, body)).await;
    }
    if path.starts_with("/api/") {
        ApiError::App(AppError::Forbidden(format!(
            "{MUST_CHANGE}（POST /api/account/password）"
        )))
        .into_response()
    } else {
        back("/account/password", "err", MUST_CHANGE)
    }
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

/// Whether a request's `Origin` (sent by browsers with every POST) names this site, the `Host` it was
/// sent to; requests without one (scripts, the API's clients) are judged by their token alone.
fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, authority)| authority);
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// Answers that axum itself gives in English plain text (an address that is no number, a form that does
/// not parse, a wrong method, a body too large) and unknown addresses become Chinese pages with the
/// user's navigation, or the API's JSON errors.
pub async fn plain_errors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let (mut parts, body) = request.into_parts();
    let response = next.run(Request::from_parts(parts.clone(), body)).await;
    let status = response.status();
    // A page's own error page, drawn before the user was known: again, with their navigation.
    if let Some(ErrorMessage(message)) = response.extensions().get::<ErrorMessage>().cloned() {
        let user = current_user(&mut parts, &state).await.ok().flatten();
        return (status, error_page_for(user.as_ref(), status, &message)).into_response();
    }
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|t| t.starts_with("text/plain"));
    if !(status.is_client_error() && plain) {
        return response;
    }
    let detail = match axum::body::to_bytes(response.into_body(), 64 * 1024).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => String::new(),
    };
    let message = plain_message(status, &detail, parts.uri.path());
    if api {
        let e = axum::Json(serde_json::json!({ "error": message }));
        return (status, e).into_response();
    }
    let user = current_user(&mut parts, &state).await.ok().flatten();
    (status, error_page_for(user.as_ref(), status, &message)).into_response()
}

/// A Chinese message for one of axum's plain answers.
fn plain_message(status: axum::http::StatusCode, detail: &str, path: &str) -> String {
    use axum::http::StatusCode;
    // "Invalid URL: Cannot parse `abc` to a `i64`": name the value that is no number.
    let quoted = detail
        .split_once("Cannot parse `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(value, _)| value.chars().take(60).collect::<String>());
    match status {
        StatusCode::NOT_FOUND => {
            format!("找不到页面“{}”", path.chars().take(200).collect::<String>())
        }
        StatusCode::BAD_REQUEST => match (quoted, crate::rejections::query(detail)) {
            (Some(v), _) => format!("地址有误：“{v}”不是有效的编号"),
            (None, Some(query)) => query,
            (None, None) => "请求有误：地址或表单的内容无法读取".into(),
        },
        StatusCode::METHOD_NOT_ALLOWED => "不支持这种请求方式".into(),
        StatusCode::PAYLOAD_TOO_LARGE => format!(
            "提交的内容过大（上传文件最多{}MB）",
            kaoping_app::MAX_UPLOAD_BYTES / 1024 / 1024
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "请求的格式不对（表单或JSON）".into(),
        StatusCode::UNPROCESSABLE_ENTITY => "表单的内容无法读取，请刷新页面后重新填写".into(),
        _ => format!("请求无法处理（{}）", status.as_u16()),
    }
}

/// For addresses no route knows: a 404 the plain-error layer turns into a page.
pub async fn not_found() -> Response {
    axum::http::StatusCode::NOT_FOUND.into_response()
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
    // A response may set a stricter policy of its own (evidence files: a sandbox).
    if !h.contains_key("content-security-policy") {
        h.insert(
            "content-security-policy",
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'",
            ),
        );
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
