//! 审核: the administrator checks each department's entries in a period and approves them or returns them
//! for rework with a reason; a department marks its entries submitted when done. Every step is kept
//! (the review history); the department sees the latest, with the reason, on its dashboard and grid.

use axum::extract::{Path, Query, State};
use axum::response::Redirect;
use axum::Form;
use kaoping_store::{Review, ReviewStatus, Role, Source};
use maud::{html, Markup};
use serde::Deserialize;

use super::audit::{datetime_of, user_name};
use super::{action, department_of, enc, flash, layout, require, Flash};
use crate::auth::CurrentUser;
use crate::error::ServerError;
use crate::permissions::{allowed, Action};
use crate::scoring;
use crate::state::AppState;

pub fn status_badge(review: Option<&Review>) -> Markup {
    html! {
        @match review.map(|r| r.status) {
            Some(ReviewStatus::Approved) => span.badge.ok { "已通过" },
            Some(ReviewStatus::Returned) => span.badge.bad { "已退回" },
            Some(ReviewStatus::Submitted) => span.badge.warn { "待审核" },
            None => span.muted { "未提交" },
        }
    }
}

fn status_name(status: ReviewStatus) -> &'static str {
    match status {
        ReviewStatus::Approved => "通过",
        ReviewStatus::Returned => "退回修改",
        ReviewStatus::Submitted => "提交审核",
    }
}

async fn require_review(state: &AppState, user: &CurrentUser) -> Result<(), ServerError> {
    let dept = department_of(state, user).await?;
    require(
        allowed(&user.user, dept.as_ref(), Action::Review),
        "只有管理员可以审核各部门的考核记录",
    )
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(f): Query<Flash>,
) -> Result<Markup, ServerError> {
    require_review(&state, &user).await?;
    let view = scoring::load(&state.store, id).await?;
    let departments = state.store.departments().await?;
    let reviews = state.store.reviews(id).await?;
    let history = state.store.review_history(id).await?;
    let users = state.store.users().await?;
    let open = !view.published();
    Ok(layout(
        &format!("{} 审核", view.period.name),
        Some(&user),
        html! {
            h1 { (view.period.name) " · 审核各部门考核记录" }
            (flash(&f))
            @if !open { p { span.badge.ok { "已发布锁定" } " 发布后不再审核；更改只能通过申诉。" } }
            div.table-wrap { table {
                thead { tr { th { "部门" } th.num { "有效记录" } th { "审核状态" } th { "最近一步" } @if open { th { "审核" } } } }
                tbody {
                    @for d in &departments {
                        @let count = view.entries.iter().filter(|e| e.source == Source::Assessor && e.department_id == Some(d.id) && view.is_active(e)).count();
                        @let review = reviews.iter().find(|r| r.department_id == d.id);
                        tr {
                            td {
                                (d.name)
                                br;
                                a href=(format!("/periods/{id}/grid?department={}", d.id)) { "评分表" }
                            }
                            td.num { (count) }
                            td {
                                (status_badge(review))
                                @if let Some(r) = review { @if !r.reason.is_empty() { br; (r.reason) } }
                            }
                            td { @if let Some(r) = review { (datetime_of(r.at)) br; (user_name(&users, Some(r.by))) } }
                            @if open {
                                td {
                                    form.inline method="post" action=(action(&user, &format!("/periods/{id}/review"))) {
                                        input type="hidden" name="department" value=(d.id);
                                        input type="hidden" name="decision" value="approve";
                                        button type="submit" { "通过" }
                                    }
                                    form method="post" action=(action(&user, &format!("/periods/{id}/review"))) {
                                        input type="hidden" name="department" value=(d.id);
                                        input type="hidden" name="decision" value="return";
                                        label { "退回理由" input name="reason" required placeholder="写明需要修改的内容"; }
                                        button.secondary type="submit" { "退回修改" }
                                    }
                                }
                            }
                        }
                    }
                }
            } }
            h2 { "审核记录" }
            @if history.is_empty() { p.muted { "暂无审核记录。" } }
            @else {
                div.table-wrap { table {
                    thead { tr { th { "时间" } th { "部门" } th { "操作" } th { "理由" } th { "操作人" } } }
                    tbody {
                        @for r in history.iter().rev() {
                            tr {
                                td { (datetime_of(r.at)) }
                                td { (departments.iter().find(|d| d.id == r.department_id).map_or("?", |d| d.name.as_str())) }
                                td { (status_name(r.status)) }
                                td { (r.reason) }
                                td { (user_name(&users, Some(r.by))) }
                            }
                        }
                    }
                } }
            }
            p { a href=(format!("/periods/{id}/ledger")) { "查看全部考核记录" } }
        },
    ))
}

#[derive(Deserialize)]
pub struct Decision {
    #[serde(default)]
    department: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

pub async fn decide(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(d): Form<Decision>,
) -> Result<Redirect, ServerError> {
    require_review(&state, &user).await?;
    let period = state.store.period(id).await?;
    let back = format!("/periods/{id}/review");
    let err = |m: &str| Ok(Redirect::to(&format!("{back}?err={}", enc(m))));
    if period.status == kaoping_store::PeriodStatus::Published {
        return err("考评期已发布锁定，不能再审核");
    }
    let departments = state.store.departments().await?;
    let Some(dept) = d
        .department
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|i| departments.iter().find(|x| x.id == i))
    else {
        return err("部门：请选择要审核的部门");
    };
    let reason = d.reason.trim();
    let status = match d.decision.as_str() {
        "approve" => ReviewStatus::Approved,
        "return" => ReviewStatus::Returned,
        _ => return err("审核结果：请选择“通过”或“退回修改”"),
    };
    if status == ReviewStatus::Returned && reason.is_empty() {
        return err(&format!("退回理由：退回“{}”的记录必须写明理由", dept.name));
    }
    state
        .store
        .set_review(id, dept.id, status, reason, user.user.id)
        .await?;
    state
        .store
        .audit(
            Some(user.user.id),
            "review",
            &format!(
                "审核“{}”{}：{}{}",
                period.name,
                dept.name,
                status_name(status),
                if reason.is_empty() {
                    String::new()
                } else {
                    format!("（{reason}）")
                }
            ),
        )
        .await?;
    Ok(Redirect::to(&format!(
        "{back}?msg={}",
        enc(&format!("{}：{}", dept.name, status_name(status)))
    )))
}

/// A department says its entries are complete.
pub async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Redirect, ServerError> {
    let dept = department_of(&state, &user).await?;
    let period = state.store.period(id).await?;
    let published = period.status == kaoping_store::PeriodStatus::Published;
    let may = user.user.role == Role::Assessor
        && dept.as_ref().is_some_and(|d| {
            allowed(
                &user.user,
                Some(d),
                Action::RecordFinding {
                    owner: Some(&d.name),
                    published,
                },
            )
        });
    require(may, "只有考核部门可以在发布前提交本部门的记录审核")?;
    let dept = dept.expect("checked above");
    state
        .store
        .set_review(id, dept.id, ReviewStatus::Submitted, "", user.user.id)
        .await?;
    state
        .store
        .audit(
            Some(user.user.id),
            "review_submit",
            &format!("{}提交“{}”的考核记录审核", dept.name, period.name),
        )
        .await?;
    Ok(Redirect::to(&format!(
        "/?msg={}",
        enc(&format!(
            "已提交“{}”的考核记录，等待管理员审核",
            period.name
        ))
    )))
}
