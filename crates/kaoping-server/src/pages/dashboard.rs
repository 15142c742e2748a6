//! 首页: the periods the user may see; for each, scoring progress per department and the units heading
//! below the pass mark.

use axum::extract::{Query, State};
use kaoping_store::{ReviewStatus, Role};
use maud::{html, Markup};

use super::html::{action, flash, layout, pts, Flash, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(f): Query<Flash>,
) -> PageResult<Markup> {
    let board = state.app.dashboard(&user.actor).await?;
    let role = user.actor.role();
    let mut blocks = Vec::new();
    for card in &board.cards {
        let view = &card.snapshot;
        let period = &view.period;
        let published = view.published();
        let can_summary = card.can_summary;
        blocks.push(html! {
            section.card {
                h2 {
                    (period.name) " "
                    @if published { span.badge.ok { "已发布" } } @else { span.badge.warn { "考评中" } }
                }
                p.muted { "考评细则：" a href=(format!("/rubrics/{}", period.rubric_id)) { (view.rubric_label) } "；" (view.units.len()) "个单位" }
                @if let Some((revision, at, c)) = &card.own_correction {
                    div.flash.warn role="status" {
                        "本单位考评结果已更正（第" (revision) "版，" (kaoping_app::china_time::date_of(*at)) "）："
                        (c.old_score) "分第" (c.old_rank) "名 → " strong { (c.new_score) "分第" (c.new_rank) "名" }
                        " " a href=(format!("/periods/{}/notice", period.id)) { "查看通报" }
                    }
                }
                p {
                    @if can_summary { a.button href=(format!("/periods/{}", period.id)) { "汇总表" } " " }
                    @if let Some(org) = &card.own_unit {
                        a.button href=(format!("/periods/{}/units/{}", period.id, org.code)) { "本单位考评表" } " "
                    }
                    @if role == Role::Assessor && !published {
                        a.button href=(format!("/periods/{}/entries/new", period.id)) { "录入考核发现" } " "
                        a.button.secondary href=(format!("/periods/{}/grid", period.id)) { "本部门评分表" } " "
                        form.inline method="post" action=(action(&user, &format!("/periods/{}/review/submit", period.id))) {
                            button.secondary type="submit" { "提交审核" }
                        }
                    }
                    @if role == Role::Admin {
                        @if !published {
                            a.button.secondary href=(format!("/periods/{}/grid", period.id)) { "评分表" } " "
                            a.button.secondary href=(format!("/periods/{}/review", period.id)) { "审核" } " "
                        }
                        a.button.secondary href=(format!("/periods/{}/appeals", period.id)) { "申诉" }
                    }
                    @if published && card.own_unit.is_some() && role == Role::Leader {
                        a.button.secondary href=(format!("/periods/{}/appeals", period.id)) { "本单位申诉" }
                    }
                }
                @if can_summary && role != Role::Leader {
                    h2 { "各部门进度" }
                    div.table-wrap { table {
                        tr { th { "部门" } th.num { "有效记录" } th { "审核" } }
                        @for d in &board.departments {
                            @let count = view.assessor.by_department().get(&Some(d.id)).copied().unwrap_or(0);
                            @let review = card.reviews.iter().find(|r| r.department_id == d.id);
                            tr {
                                td { (d.name) }
                                td.num { (count) }
                                td { @match review.map(|r| r.status) {
                                    Some(ReviewStatus::Approved) => span.badge.ok { "已通过" },
                                    Some(ReviewStatus::Returned) => span.badge.bad { "已退回：" (review.map(|r| r.reason.as_str()).unwrap_or("")) },
                                    Some(ReviewStatus::Submitted) => span.badge.warn { "待审核" },
                                    None => span.muted { "未提交" },
                                } }
                            }
                        }
                    } }
                    @let pass = view.rubric.pass_mark();
                    @let below: Vec<_> = view.results().iter().filter(|r| pass.is_some_and(|p| r.final_score < p) || r.pass == Some(false)).collect();
                    @let incomplete = view.results().iter().filter(|r| r.is_incomplete()).count();
                    @if !below.is_empty() {
                        h2 { "低于合格线的单位" }
                        ul { @for r in below {
                            @let u = view.units.unit(r.unit);
                            li { a href=(format!("/periods/{}/units/{}", period.id, u.code)) { (u.name) } "：" (pts(r.final_score)) "分" }
                        } }
                    }
                    @if incomplete > 0 { p.muted { (incomplete) "个单位尚有评分项未评（酌情评分或折合成绩未录入），暂按0分计。" } }
                }
            }
        });
    }
    Ok(layout(
        "首页",
        Some(&user),
        html! {
            h1 { "考评期" }
            (flash(&f))
            @if blocks.is_empty() { p.muted { "暂无可查看的考评期。" } }
            div.cards { @for b in blocks { (b) } }
        },
    ))
}
