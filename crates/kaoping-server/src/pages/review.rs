//! 审核: the administrator checks each department's entries in a period and approves them or returns them
//! for rework with a reason; a department marks its entries submitted when done. Every step is kept
//! (the review history); the department sees the latest, with the reason, on its dashboard and grid.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Form;
use kaoping_app::china_time::datetime_of;
use kaoping_app::review_step_name;
use kaoping_store::{Review, ReviewStatus};
use maud::{html, Markup};
use serde::Deserialize;

use super::html::{action, back, back_or_fail, flash, layout, user_name, Flash, PageResult};
use crate::session::CurrentUser;
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

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(f): Query<Flash>,
) -> PageResult<Markup> {
    let board = state.app.review_board(&user.actor, id).await?;
    let view = &board.snapshot;
    let (departments, reviews, history, users) = (
        &board.departments,
        &board.reviews,
        &board.history,
        &board.users,
    );
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
                    @for d in departments {
                        @let count = view.assessor.by_department().get(&Some(d.id)).copied().unwrap_or(0);
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
                            td { @if let Some(r) = review { (datetime_of(r.at)) br; (user_name(users, Some(r.by))) } }
                            @if open {
                                td {
                                    @if review.map(|r| r.status) != Some(ReviewStatus::Submitted) {
                                        span.muted { "待部门提交" }
                                    } @else {
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
                                td { (review_step_name(r.status)) }
                                td { (r.reason) }
                                td { (user_name(users, Some(r.by))) }
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
) -> PageResult<Response> {
    let back_to = format!("/periods/{id}/review");
    let status = match d.decision.as_str() {
        "approve" => Some(ReviewStatus::Approved),
        "return" => Some(ReviewStatus::Returned),
        _ => None,
    };
    let department = d.department.trim().parse::<i64>().ok();
    match state
        .app
        .decide_review(&user.actor, id, department, status, &d.reason)
        .await
    {
        Ok((dept, status)) => Ok(back(
            &back_to,
            "msg",
            &format!("{}：{}", dept.name, review_step_name(status)),
        )),
        Err(e @ (kaoping_app::AppError::Forbidden(_) | kaoping_app::AppError::NotFound(_))) => {
            Err(e.into())
        }
        Err(e) => back_or_fail(&back_to, e),
    }
}

/// A department says its entries are complete.
pub async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    match state.app.submit_review(&user.actor, id).await {
        Ok(name) => Ok(back(
            "/",
            "msg",
            &format!("已提交“{name}”的考核记录，等待管理员审核"),
        )),
        Err(kaoping_app::AppError::Conflict(m)) => Ok(back("/", "err", &m)),
        Err(e) => Err(e.into()),
    }
}
