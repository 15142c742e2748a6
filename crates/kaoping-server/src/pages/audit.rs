//! 操作日志: the audit records, newest first, with who did it; a page at a time, narrowed by the filter
//! form at its top (user, action, days, text).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kaoping_app::china_time::stamp_of;
use kaoping_app::{action_name, AuditAction, AuditQuery, AuditView};
use maud::{html, Markup};
use serde::Deserialize;

use super::html::{dash, filter_query, layout, opt, pager, problem_beside, user_name, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct PageQuery {
    page: Option<i64>,
    user: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    text: Option<String>,
}

fn filter_form(view: &AuditView) -> Markup {
    let q = &view.query;
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let chosen = |v: &Option<String>, option: &str| v.as_deref() == Some(option);
    html! {
        form.filters method="get" action="/audit" aria-label="筛选操作日志" {
            label { "用户 "
                select name="user" {
                    option value="" { "全部" }
                    @for u in &view.users {
                        option value=(u.id) selected[chosen(&q.user, &u.id.to_string())] { (u.display_name) "（" (u.username) "）" }
                    }
                    @if let Some(v) = q.user.as_deref().filter(|v| !view.users.iter().any(|u| u.id.to_string() == *v)) {
                        option value=(v) selected { (v) }
                    }
                }
                (problem_beside(&view.problems, "user"))
            }
            label { "操作 "
                select name="action" {
                    option value="" { "全部" }
                    @for a in AuditAction::ALL {
                        option value=(a.key()) selected[chosen(&q.action, a.key())] { (a.name()) }
                    }
                    @if let Some(v) = q.action.as_deref().filter(|v| AuditAction::from_key(v).is_none()) {
                        option value=(v) selected { (v) }
                    }
                }
                (problem_beside(&view.problems, "action"))
            }
            label { "起始日期 " input type="date" name="from" value=(value(&q.from)); (problem_beside(&view.problems, "from")) }
            label { "截止日期 " input type="date" name="to" value=(value(&q.to)); (problem_beside(&view.problems, "to")) }
            label { "文字 " input type="search" name="text" placeholder="内容中的文字" value=(value(&q.text)); (problem_beside(&view.problems, "text")) }
            button type="submit" { "筛选" }
            @if q.narrowed() { a href="/audit" { "清除筛选" } }
        }
    }
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PageQuery>,
) -> PageResult<Response> {
    let given = |v: &Option<String>| v.as_deref().and_then(opt);
    let query = AuditQuery {
        user: given(&q.user),
        action: given(&q.action),
        from: given(&q.from),
        to: given(&q.to),
        text: given(&q.text),
    };
    let view = state
        .app
        .audit_page(&user.actor, query, q.page.unwrap_or(1))
        .await?;
    let here = format!("/audit?{}", filter_query(&view.query.fields()));
    let (page, pages) = (view.page_number, view.pages);
    let status = if view.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let markup = layout(
        "操作日志",
        Some(&user),
        html! {
            h1 { "操作日志" }
            (filter_form(&view))
            @if !view.problems.is_empty() {
                div.flash role="alert" {
                    "筛选条件有误，请改正后再查："
                    ul { @for p in &view.problems { li { (p.message) } } }
                }
            } @else {
                p.muted {
                    @if view.query.narrowed() { "符合条件的记录" } @else { "全部记录" }
                    "共" (view.page.total) "条，第" (page) "/" (pages) "页，最新的在前。日志只增不改；时间为北京时间。"
                }
                @if view.page.entries.is_empty() { p.muted { "没有记录。" } }
                @else {
                    div.table-wrap { table {
                        thead { tr { th.num { "序号" } th { "时间" } th { "用户" } th { "操作" } th { "内容" } } }
                        tbody {
                            @for a in &view.page.entries {
                                tr {
                                    td.num { (a.id) }
                                    td { (stamp_of(a.at)) }
                                    td { (user_name(&view.users, a.user_id)) }
                                    td { @if a.action.is_empty() { (dash()) } @else { (action_name(&a.action)) } }
                                    td { (a.detail) }
                                }
                            }
                        }
                    } }
                }
                (pager(&here, page, pages))
            }
        },
    );
    Ok((status, markup).into_response())
}
