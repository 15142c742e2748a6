//! A user's own account: changing the password (after an administrator's reset, or on first start).

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use kaoping_app::{AppError, PasswordChange, MIN_PASSWORD_LENGTH};
use maud::{html, Markup};
use serde::Deserialize;

use super::html::{action, flash, layout, Flash, PageResult};
use crate::session::{self, CurrentUser};
use crate::state::AppState;

fn page(user: &CurrentUser, f: &Flash) -> Markup {
    layout(
        "修改密码",
        Some(user),
        html! {
            h1 { "修改密码" }
            (flash(f))
            form.stack method="post" action=(action(user, "/account/password")) {
                label { "当前密码" input name="current" type="password" autocomplete="current-password" required; }
                label { "新密码（至少" (MIN_PASSWORD_LENGTH) "位）" input name="new" type="password" autocomplete="new-password" required; }
                label { "再输入一次新密码" input name="again" type="password" autocomplete="new-password" required; }
                button type="submit" { "修改" }
            }
            p.muted { "修改后所有已登录的设备都会退出，请用新密码重新登录。" }
        },
    )
}

pub async fn form(user: CurrentUser, Query(f): Query<Flash>) -> Markup {
    page(&user, &f)
}

#[derive(Deserialize)]
pub struct Change {
    current: String,
    new: String,
    again: String,
}

pub async fn change(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(c): Form<Change>,
) -> PageResult<Response> {
    let change = PasswordChange {
        current: &c.current,
        new: &c.new,
        again: &c.again,
    };
    match state.app.change_password(&user.actor, &change).await {
        Ok(()) => {
            let mut response = Redirect::to("/login").into_response();
            response
                .headers_mut()
                .insert(header::SET_COOKIE, session::clear_cookie());
            Ok(response)
        }
        Err(AppError::Invalid(e)) => {
            let f = Flash {
                msg: None,
                err: Some(e),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&user, &f)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
