//! What every page shares: the frame (header, navigation for the user's role), flash messages, form
//! actions with the CSRF token, number and text formatting, the error page, reading multipart uploads,
//! and the page extractor of the logged-in user (a missing session redirects to the login page).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kaoping_app::{role_name, AppError, Upload, MAX_UPLOAD_BYTES};
use kaoping_core::Decimal;
use kaoping_store::{Role, User};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::error;
use crate::session::{current_user, CurrentUser};
use crate::state::AppState;

/// A page's answer to a refusal: the error page with the refusal's status.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error::log(&self.0);
        let status = error::status(&self.0);
        let message = self.0.user_message();
        let mut response = (status, error_page_for(None, status, &message)).into_response();
        // The handler may not know who asked; `guard::plain_errors` redraws the page with the user's
        // navigation from this.
        response.extensions_mut().insert(ErrorMessage(message));
        response
    }
}

/// The message of an error page a handler answered with, for redrawing it with the user's navigation.
#[derive(Clone, Debug)]
pub struct ErrorMessage(pub String);

/// What a page handler returns.
pub type PageResult<T> = Result<T, PageError>;

/// Pages: a missing session redirects to the login page.
pub enum PageRejection {
    Login(String),
    Error(PageError),
}

impl IntoResponse for PageRejection {
    fn into_response(self) -> Response {
        match self {
            PageRejection::Login(next) => {
                Redirect::to(&format!("/login?next={}", enc_path(&next))).into_response()
            }
            PageRejection::Error(e) => e.into_response(),
        }
    }
}

/// Percent-encodes a path for the login redirect (`/` kept).
fn enc_path(path: &str) -> String {
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
        match current_user(parts, state).await {
            Ok(Some(user)) => Ok(user),
            Ok(None) => Err(PageRejection::Login(
                parts
                    .uri
                    .path_and_query()
                    .map_or("/".into(), |p| p.to_string()),
            )),
            Err(e) => Err(PageRejection::Error(PageError(e))),
        }
    }
}

/// A multipart form as read: its text fields, and the file of field `file_field` if one was chosen.
pub struct Form {
    pub fields: Vec<(String, String)>,
    pub file: Option<Upload>,
}

impl Form {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A text field, empty when missing.
    pub fn text(&self, name: &str) -> String {
        self.field(name).unwrap_or("").to_string()
    }
}

/// Reads a multipart form. A file over [`MAX_UPLOAD_BYTES`] is refused, saying so; `what` names the
/// file in messages (证据文件, 文件).
pub async fn read_multipart(
    mut multipart: axum::extract::Multipart,
    file_field: &str,
    what: &str,
) -> Result<Form, AppError> {
    let too_big = || {
        AppError::Invalid(format!(
            "{what}超过{}MB，或上传中断",
            MAX_UPLOAD_BYTES / 1024 / 1024
        ))
    };
    let mut form = Form {
        fields: Vec::new(),
        file: None,
    };
    while let Some(field) = multipart.next_field().await.map_err(|_| {
        AppError::Invalid("表单无法读取：上传的内容不完整或格式有误，请重新提交".into())
    })? {
        let name = field.name().unwrap_or("").to_string();
        if name == file_field {
            let filename = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(|_| too_big())?;
            if bytes.len() > MAX_UPLOAD_BYTES {
                return Err(too_big());
            }
            if !bytes.is_empty() {
                form.file = Some(Upload {
                    filename,
                    bytes: bytes.to_vec(),
                });
            }
        } else {
            let value = field
                .text()
                .await
                .map_err(|_| AppError::Invalid(format!("字段“{name}”不是文字")))?;
            form.fields.push((name, value));
        }
    }
    Ok(form)
}

/// Points as people write them: `97.5`, never `97.50`.
pub fn pts(d: Decimal) -> String {
    d.normalize().to_string()
}

/// A form's action URL with the session's CSRF token.
pub fn action(user: &CurrentUser, path: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}csrf={}", user.session.csrf_token)
}

/// A message carried in the query string after a redirect (`?msg=…`), shown once.
#[derive(serde::Deserialize, Default)]
pub struct Flash {
    pub msg: Option<String>,
    pub err: Option<String>,
}

pub fn flash(f: &Flash) -> Markup {
    html! {
        @if let Some(m) = &f.msg { div.flash.ok role="status" { (m) } }
        @if let Some(e) = &f.err { div.flash role="alert" { (multiline(e)) } }
    }
}

/// Percent-encodes a message or code for a URL.
pub fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The page frame: header with navigation for the user's role, then the content.
pub fn layout(title: &str, user: Option<&CurrentUser>, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · 考评" }
                link rel="stylesheet" href="/static/app.css";
            }
            body {
                @if let Some(u) = user {
                    // Below 600 px the navigation folds behind 菜单: a checkbox and its label open it,
                    // so the phone needs no script (app.css shows it whole on a desktop).
                    header.top {
                        a.brand href="/" { "考评" }
                        input #menu-toggle .menu-toggle type="checkbox" aria-label="展开菜单";
                        label.menu-button for="menu-toggle" { "菜单" }
                        div.menu {
                            nav aria-label="主导航" {
                                a href="/" { "首页" }
                                @if u.actor.role() == Role::Admin {
                                    a href="/admin" { "管理" }
                                    a href="/audit" { "日志" }
                                    a href="/admin/integrity" { "完整性" }
                                }
                            }
                            div.who {
                                span { (u.actor.user.display_name) "（" (role_name(u.actor.role())) "）" }
                                a href="/account/password" { "修改密码" }
                                form method="post" action=(action(u, "/logout")) { button type="submit" { "退出" } }
                            }
                        }
                    }
                }
                @if let Some(alarm) = user.and_then(|u| u.integrity_alarm.as_deref()) {
                    div.flash.alarm role="alert" {
                        strong { "数据完整性校验未通过：" } (alarm) " "
                        a href="/admin/integrity" { "查看详情" }
                    }
                }
                main { (content) }
            }
        }
    }
}

/// The error page: a heading for the kind of error, its message, and a way on. With the user known, the
/// page has their navigation and no 登录 link.
pub fn error_page_for(user: Option<&CurrentUser>, status: StatusCode, message: &str) -> Markup {
    let heading = match status {
        StatusCode::FORBIDDEN => "无权访问",
        StatusCode::NOT_FOUND => "找不到",
        StatusCode::TOO_MANY_REQUESTS => "操作太频繁",
        s if s.is_server_error() => "服务器出错了",
        _ => "出错了",
    };
    layout(
        heading,
        user,
        html! {
            h1 { (heading) }
            div.flash role="alert" { (message) }
            @if status.is_server_error() {
                p.muted { "错误已记入服务器日志（" (status.as_u16()) "）。请稍后重试；如仍出错，请联系管理员。" }
            }
            p {
                a href="/" { "返回首页" }
                @if user.is_none() { " · " a href="/login" { "登录" } }
            }
        },
    )
}

/// A list's filters as given, as the query string its pager's links carry (`name=value&` each).
pub fn filter_query(fields: &[(&str, &Option<String>)]) -> String {
    fields
        .iter()
        .filter_map(|(name, v)| v.as_deref().map(|v| format!("{name}={}&", enc(v))))
        .collect()
}

/// A filter field's problem, beside it.
pub fn problem_beside(problems: &[kaoping_app::FieldProblem], field: &str) -> Markup {
    html! {
        @if let Some(m) = kaoping_app::problem_of(problems, field) { " " span.badge.bad role="alert" { (m) } }
    }
}

/// 首页 · 上一页 · 第N页 · 下一页 · 末页 for a list of `pages` pages; `here` is the list's address with its
/// filters, ending in `?` or `&`. Nothing for a single page.
pub fn pager(here: &str, page: i64, pages: i64) -> Markup {
    html! {
        @if pages > 1 {
            nav.pager aria-label="分页" {
                @if page > 1 {
                    a href=(format!("{here}page=1")) { "首页" } " "
                    a href=(format!("{here}page={}", page - 1)) { "上一页" } " "
                }
                span { "第" (page) "/" (pages) "页" } " "
                @if page < pages {
                    a href=(format!("{here}page={}", page + 1)) { "下一页" } " "
                    a href=(format!("{here}page={pages}")) { "末页" }
                }
            }
        }
    }
}

/// Text with line breaks kept.
pub fn multiline(text: &str) -> Markup {
    html! {
        @for (i, line) in text.lines().enumerate() {
            @if i > 0 { br; }
            (line)
        }
    }
}

/// A non-breaking placeholder for empty cells.
pub fn dash() -> Markup {
    PreEscaped("&mdash;".to_string())
}

/// A user's display name (and user name), or 系统 for none.
pub fn user_name(users: &[User], id: Option<i64>) -> Markup {
    match id.and_then(|id| users.iter().find(|u| u.id == id)) {
        Some(u) => html! { (u.display_name) " " span.muted { "(" (u.username) ")" } },
        None if id.is_some() => html! { "用户#" (id.unwrap_or_default()) },
        None => html! { span.muted { "系统" } },
    }
}

/// Empty text means "not given".
pub fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// An id typed into a form field: empty is none; anything but a number is an error naming the field.
pub fn parse_id(field: &str, text: &str) -> Result<Option<i64>, AppError> {
    match opt(text) {
        None => Ok(None),
        Some(t) => t
            .parse()
            .map(Some)
            .map_err(|_| AppError::Invalid(format!("{field}：“{t}”不是有效的编号"))),
    }
}

/// Back to `path` with a message (`msg`) or an error (`err`), and an optional `#anchor`.
pub fn back(path: &str, key: &str, text: &str) -> Response {
    let sep = if path.contains('?') { '&' } else { '?' };
    let (path, anchor) = match path.split_once('#') {
        Some((p, a)) => (p, format!("#{a}")),
        None => (path, String::new()),
    };
    Redirect::to(&format!("{path}{sep}{key}={}{anchor}", enc(text))).into_response()
}

/// A refusal a user can act on goes back to the form with the message; a fault is the error page.
pub fn back_or_fail(path: &str, e: AppError) -> PageResult<Response> {
    if e.is_fault() {
        return Err(PageError(e));
    }
    Ok(back(path, "err", &e.user_message()))
}

/// A count typed into a form field: a whole number, or an error that says what is wrong with it (a
/// number too large for any count is "too large", not "not a number").
pub fn parse_count(field: &str, text: &str) -> Result<i64, AppError> {
    let t = text.trim();
    if let Ok(n) = t.parse::<i64>() {
        return Ok(n);
    }
    let digits = t.strip_prefix('-').unwrap_or(t);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        let shown: String = t.chars().take(24).collect();
        return Err(AppError::Invalid(format!(
            "{field}：“{shown}…”太大，次数最多为1000000"
        )));
    }
    let shown: String = t.chars().take(40).collect();
    Err(AppError::Invalid(format!("{field}：“{shown}”不是整数")))
}
