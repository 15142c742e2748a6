//! Logging in and out.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use kaoping_app::AppError;
use maud::html;
use serde::Deserialize;

use super::html::{enc, layout, PageResult};
use crate::session::{self, CurrentUser};
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct Next {
    next: Option<String>,
}

/// Only local paths may be returned to after login (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".into(),
    }
}

pub async fn form(Query(q): Query<Next>) -> impl IntoResponse {
    page(q.next.as_deref(), None)
}

fn page(next: Option<&str>, error: Option<&str>) -> maud::Markup {
    let target = format!("/login?next={}", enc(&safe_next(next)));
    layout(
        "登录",
        None,
        html! {
            div.login {
                h1 { "考评 · 登录" }
                @if let Some(e) = error { div.flash role="alert" { (e) } }
                form.stack method="post" action=(target) {
                    label { "用户名" input name="username" autocomplete="username" required autofocus; }
                    label { "密码" input name="password" type="password" autocomplete="current-password" required; }
                    button type="submit" { "登录" }
                }
            }
        },
    )
}

#[derive(Deserialize)]
pub struct Credentials {
    username: String,
    password: String,
}

pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    Query(q): Query<Next>,
    Form(c): Form<Credentials>,
) -> PageResult<Response> {
    let ip = state.client_ip(addr, &headers);
    match state.app.login(&c.username, &c.password, &ip).await {
        Ok(Some((session, _))) => {
            let mut response = Redirect::to(&safe_next(q.next.as_deref())).into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                session::session_cookie(&session, state.secure_cookies),
            );
            Ok(response)
        }
        Ok(None) => Ok((
            axum::http::StatusCode::UNAUTHORIZED,
            page(q.next.as_deref(), Some("用户名或密码错误")),
        )
            .into_response()),
        Err(AppError::Throttled) => Ok((
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            page(q.next.as_deref(), Some(&AppError::Throttled.to_string())),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

pub async fn logout(State(state): State<AppState>, user: CurrentUser) -> PageResult<Response> {
    state.app.logout(&user.session.id).await?;
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::clear_cookie());
    Ok(response)
}
