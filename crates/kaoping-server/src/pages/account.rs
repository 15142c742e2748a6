//! A user's own account: changing the password (after an administrator's reset, or on first start).

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::{action, flash, layout, Flash};
use crate::auth::{self, hash_password, verify_password, CurrentUser};
use crate::error::ServerError;
use crate::state::AppState;

/// Passwords shorter than this are refused.
const MIN_LENGTH: usize = 8;

fn page(user: &CurrentUser, f: &Flash) -> Markup {
    layout(
        "修改密码",
        Some(user),
        html! {
            h1 { "修改密码" }
            (flash(f))
            form.stack method="post" action=(action(user, "/account/password")) {
                label { "当前密码" input name="current" type="password" autocomplete="current-password" required; }
                label { "新密码（至少" (MIN_LENGTH) "位）" input name="new" type="password" autocomplete="new-password" required; }
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

/// Checks the new password; the message names the field.
fn check(c: &Change, hash: &str) -> Result<(), String> {
    if !verify_password(&c.current, hash) {
        return Err("当前密码：不正确".into());
    }
    if c.new.chars().count() < MIN_LENGTH {
        return Err(format!("新密码：至少{MIN_LENGTH}位"));
    }
    if c.new != c.again {
        return Err("再输入一次新密码：两次输入不一致".into());
    }
    if c.new == c.current {
        return Err("新密码：不能与当前密码相同".into());
    }
    Ok(())
}

pub async fn change(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(c): Form<Change>,
) -> Result<Response, ServerError> {
    if let Err(e) = check(&c, &user.user.password_hash) {
        let f = Flash {
            msg: None,
            err: Some(e),
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&user, &f)).into_response());
    }
    // Setting the password ends every session of the user, this one included.
    state
        .store
        .set_password(user.user.id, &hash_password(&c.new))
        .await?;
    state
        .store
        .audit(
            Some(user.user.id),
            "password",
            &format!("{} 修改了密码", user.user.username),
        )
        .await?;
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, auth::clear_cookie());
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mistake_names_its_field() {
        let hash = hash_password("old-password");
        let change = |current: &str, new: &str, again: &str| {
            check(
                &Change {
                    current: current.into(),
                    new: new.into(),
                    again: again.into(),
                },
                &hash,
            )
        };
        assert_eq!(
            change("wrong", "new-password", "new-password").unwrap_err(),
            "当前密码：不正确"
        );
        assert_eq!(
            change("old-password", "short", "short").unwrap_err(),
            "新密码：至少8位"
        );
        assert_eq!(
            change("old-password", "new-password", "new-passw0rd").unwrap_err(),
            "再输入一次新密码：两次输入不一致"
        );
        assert_eq!(
            change("old-password", "old-password", "old-password").unwrap_err(),
            "新密码：不能与当前密码相同"
        );
        assert!(change("old-password", "new-password", "new-password").is_ok());
    }
}
