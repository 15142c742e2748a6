//! Deleting a department, a node of the tree, a rubric version or a period: a confirmation page that
//! says what will be deleted (or what still uses it, and then offers no form), with the reason required;
//! the POST deletes, checked again in the transaction of the delete.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use kaoping_app::{AppError, Deletable, Deletion, FieldProblem};
use maud::{html, Markup};
use serde::Deserialize;

use super::{admin_layout, described, field_error, form_problems, invalid, section_name};
use crate::pages::html::{action, back, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

/// The page segment of a kind.
fn section(kind: Deletable) -> &'static str {
    match kind {
        Deletable::Department => "departments",
        Deletable::OrgUnit => "org",
        Deletable::Rubric => "rubrics",
        Deletable::Period => "periods",
    }
}

fn confirm_page(
    me: &CurrentUser,
    d: &Deletion,
    reason: &str,
    refusal: Option<&str>,
    p: &[FieldProblem],
) -> Markup {
    let section = section(d.kind);
    let title = format!("删除{}", d.kind.name());
    admin_layout(
        &title,
        me,
        section,
        html! {
            h1 { (title) }
            @if let Some(r) = refusal.filter(|_| d.uses.is_empty()) { div.flash role="alert" { (r) } }
            @if d.uses.is_empty() {
                div.flash.warn {
                    p { "将删除：" strong { (d.what) } "。" }
                    p { "删除不能撤销。删除和原因记入操作日志，哈希链记下这条记录已被删除。" }
                }
                (form_problems(p))
                form.stack method="post" action=(action(me, &format!("/admin/{section}/{}/delete", d.id))) novalidate {
                    label for="reason" { "删除原因（必填）" }
                    textarea #reason name="reason" rows="3" required aria-invalid=[invalid(p, "reason")] aria-describedby=[described(p, "reason")] { (reason) }
                    (field_error(p, "reason"))
                    div.actions {
                        button type="submit" { "确认删除" }
                        a.button.secondary href=(format!("/admin/{section}")) { "取消" }
                    }
                }
            } @else {
                div.flash role="alert" {
                    (d.what) "仍有" (d.uses.join("、")) "，不能删除。"
                }
                p { "只有没有被使用的" (d.kind.name()) "才能删除。" }
                p { a.button.secondary href=(format!("/admin/{section}")) { "返回" (section_name(section)) } }
            }
        },
    )
}

async fn confirm(
    state: AppState,
    user: CurrentUser,
    kind: Deletable,
    id: i64,
) -> PageResult<Markup> {
    let d = state.app.deletion(&user.actor, kind, id).await?;
    Ok(confirm_page(&user, &d, "", None, &[]))
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

async fn delete(
    state: AppState,
    user: CurrentUser,
    kind: Deletable,
    id: i64,
    reason: String,
) -> PageResult<Response> {
    let section = section(kind);
    match state.app.delete(&user.actor, kind, id, &reason).await {
        Ok(Ok(what)) => Ok(back(
            &format!("/admin/{section}"),
            "msg",
            &format!("已删除{what}"),
        )),
        Ok(Err(problems)) => {
            let d = state.app.deletion(&user.actor, kind, id).await?;
            let page = confirm_page(&user, &d, &reason, None, &problems);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(AppError::Conflict(m)) => {
            let d = state.app.deletion(&user.actor, kind, id).await?;
            let page = confirm_page(&user, &d, &reason, Some(&m), &[]);
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

macro_rules! deletable {
    ($confirm:ident, $delete:ident, $kind:expr) => {
        pub async fn $confirm(
            State(state): State<AppState>,
            user: CurrentUser,
            Path(id): Path<i64>,
        ) -> PageResult<Markup> {
            confirm(state, user, $kind, id).await
        }

        pub async fn $delete(
            State(state): State<AppState>,
            user: CurrentUser,
            Path(id): Path<i64>,
            Form(f): Form<ReasonForm>,
        ) -> PageResult<Response> {
            delete(state, user, $kind, id, f.reason).await
        }
    };
}

deletable!(confirm_department, delete_department, Deletable::Department);
deletable!(confirm_org_unit, delete_org_unit, Deletable::OrgUnit);
deletable!(confirm_rubric, delete_rubric, Deletable::Rubric);
deletable!(confirm_period, delete_period, Deletable::Period);
