//! The Chinese web pages: server-rendered HTML (maud escapes every value), one module per page family.
//! Forms post to `…?csrf=TOKEN`; after a change the handler redirects (post/redirect/get) with a message.

mod account;
mod admin;
mod appeals;
mod audit;
mod dashboard;
mod entries;
mod grid;
mod login;
mod review;
mod rubric;
mod sheet;
mod summary;

use axum::routing::{get, post};
use axum::Router;
use kaoping_core::Decimal;
use kaoping_store::{Department, Role};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::auth::CurrentUser;
use crate::error::ServerError;
use crate::state::AppState;

/// Evidence files above this size are refused (images, PDF and Office files of a normal size fit).
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route(
            "/account/password",
            get(account::form).post(account::change),
        )
        .route("/", get(dashboard::page))
        .route("/periods/{id}", get(summary::page))
        .route("/periods/{id}/notice", get(summary::notice))
        .route("/periods/{id}/publish", post(summary::publish))
        .route("/periods/{id}/units/{code}", get(sheet::page))
        .route("/periods/{id}/ledger", get(entries::ledger))
        .route("/periods/{id}/entries/new", get(entries::form))
        .route("/periods/{id}/entries", post(entries::create))
        .route(
            "/periods/{id}/entries/{entry}/correct",
            get(entries::correct_form),
        )
        .route(
            "/periods/{id}/entries/{entry}/withdraw",
            post(entries::withdraw),
        )
        .route("/periods/{id}/evidence/{evidence}", get(entries::evidence))
        .route("/rubrics/{id}", get(rubric::page))
        .route("/periods/{id}/grid", get(grid::page).post(grid::save))
        .route(
            "/periods/{id}/review",
            get(review::page).post(review::decide),
        )
        .route("/periods/{id}/review/submit", post(review::submit))
        .route("/audit", get(audit::page))
        .route("/admin", get(admin::page))
        .route("/admin/users", post(admin::create_user))
        .route("/admin/users/{uid}/active", post(admin::set_active))
        .route("/admin/users/{uid}/password", post(admin::reset_password))
        .route("/admin/departments", post(admin::create_department))
        .route("/admin/org", post(admin::create_org_unit))
        .route("/admin/rubrics", post(admin::upload_rubric))
        .route("/admin/periods", post(admin::create_period))
        .route(
            "/periods/{id}/appeals",
            get(appeals::list).post(appeals::file),
        )
        .route("/periods/{id}/appeals/new", get(appeals::form))
        .route(
            "/periods/{id}/appeals/{appeal}/decide",
            post(appeals::decide),
        )
        .with_state(state)
}

/// A multipart form as read: its text fields, and the file of field `file_field` (name, bytes) if one
/// was chosen. A file over [`MAX_UPLOAD_BYTES`] is refused, saying so.
pub struct Upload {
    pub fields: Vec<(String, String)>,
    pub file: Option<(String, Vec<u8>)>,
}

impl Upload {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads a multipart form; see [`Upload`]. `what` names the file in messages (证据文件, 文件).
pub async fn read_upload(
    mut multipart: axum::extract::Multipart,
    file_field: &str,
    what: &str,
) -> Result<Upload, ServerError> {
    let too_big = || {
        ServerError::Invalid(format!(
            "{what}超过{}MB，或上传中断",
            MAX_UPLOAD_BYTES / 1024 / 1024
        ))
    };
    let mut upload = Upload {
        fields: Vec::new(),
        file: None,
    };
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| ServerError::Invalid(format!("表单无法读取：{e}")))?
    {
        let name = field.name().unwrap_or("").to_string();
        if name == file_field {
            let filename = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(|_| too_big())?;
            if bytes.len() > MAX_UPLOAD_BYTES {
                return Err(too_big());
            }
            if !bytes.is_empty() {
                upload.file = Some((filename, bytes.to_vec()));
            }
        } else {
            let value = field
                .text()
                .await
                .map_err(|_| ServerError::Invalid(format!("字段“{name}”不是文字")))?;
            upload.fields.push((name, value));
        }
    }
    Ok(upload)
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

pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Admin => "管理员",
        Role::Assessor => "考核部门",
        Role::Leader => "单位负责人",
        Role::Viewer => "领导查看",
    }
}

/// The user's department, for assessors.
pub async fn department_of(
    state: &AppState,
    user: &CurrentUser,
) -> Result<Option<Department>, ServerError> {
    match user.user.department_id {
        Some(id) => Ok(state
            .store
            .departments()
            .await?
            .into_iter()
            .find(|d| d.id == id)),
        None => Ok(None),
    }
}

/// For the API: the same lookups the pages use.
pub async fn department_of_user(
    state: &AppState,
    user: &CurrentUser,
) -> Result<Option<Department>, ServerError> {
    department_of(state, user).await
}

pub use entries::evidence_type;
pub use summary::date_of as summary_date;

/// Looks up the user's department and denies with 403 unless the action is allowed.
pub async fn require_allowed(
    state: &AppState,
    user: &CurrentUser,
    action: crate::permissions::Action<'_>,
    what: &str,
) -> Result<(), ServerError> {
    let dept = department_of(state, user).await?;
    require(
        crate::permissions::allowed(&user.user, dept.as_ref(), action),
        what,
    )
}

/// Denies with 403 unless allowed.
pub fn require(allowed: bool, what: &str) -> Result<(), ServerError> {
    if allowed {
        Ok(())
    } else {
        Err(ServerError::Forbidden(what.to_string()))
    }
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
        @if let Some(e) = &f.err { div.flash role="alert" { (e) } }
    }
}

/// Percent-encodes a message for a redirect.
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
                    header.top {
                        a.brand href="/" { "考评" }
                        nav {
                            a href="/" { "首页" }
                            @if u.user.role == Role::Admin {
                                a href="/admin" { "管理" }
                                a href="/audit" { "日志" }
                            }
                        }
                        span { (u.user.display_name) "（" (role_name(u.user.role)) "）" }
                        a href="/account/password" { "修改密码" }
                        form method="post" action=(action(u, "/logout")) { button type="submit" { "退出" } }
                    }
                }
                main { (content) }
            }
        }
    }
}

/// The page for an error: status-specific wording, and a way back.
pub fn error_page(error: &ServerError) -> Markup {
    layout(
        "出错了",
        None,
        html! {
            h1 { "出错了" }
            div.flash role="alert" { (error.user_message()) }
            p { a href="/" { "返回首页" } " · " a href="/login" { "登录" } }
        },
    )
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
