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

/// Only a path of this site may be returned to after login (no open redirect): it starts with one `/`
/// followed by anything but another `/` or `\`, and holds only printable ASCII (a tab or a line break
/// would be dropped by browsers, turning `/\t/evil.example` into `//evil.example`, or would break the
/// `Location` header).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n[1..].starts_with(['/', '\\'])
                && n.bytes().all(|b| b.is_ascii_graphic())
                && !n.contains('\\') =>
        {
            n.to_string()
        }
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
        Ok(Some((session, actor))) => {
            let to = if actor.user.must_change_password {
                "/account/password".to_string()
            } else {
                safe_next(q.next.as_deref())
            };
            let mut response = Redirect::to(&to).into_response();
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
        Err(e @ (AppError::Throttled | AppError::Forbidden(_))) => Ok((
            crate::error::status(&e),
            page(q.next.as_deref(), Some(&e.user_message())),
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

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_paths_of_this_site_are_returned_to() {
        for ok in ["/", "/periods/2", "/periods/2/units/D01?msg=x%20y"] {
            assert_eq!(safe_next(Some(ok)), ok);
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/x",
            "/\r\nSet-Cookie:x",
            "https://evil.example",
            "evil",
            "/ space",
            "/\\",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
