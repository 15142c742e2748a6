//! 汇总表: the summary and ranking of a period, filterable by ranking group, with the latest correction
//! of its published results (publishing and the notice are in `publication.rs`).

use axum::extract::{Path, Query, State};
use kaoping_app::{Action, Snapshot};
use kaoping_core::score::UnitResult;
use kaoping_core::Decimal;
use maud::{html, Markup};
use serde::Deserialize;

use super::html::{enc, flash, layout, pts, Flash, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct Filter {
    group: Option<String>,
    msg: Option<String>,
    err: Option<String>,
    page: Option<usize>,
}

/// Units on one page of the summary: a long ranking is read a page at a time (the Excel download and the
/// printed notice hold all of it).
const SUMMARY_PAGE: usize = 100;

fn ranked<'v>(view: &'v Snapshot, group: Option<&str>) -> Vec<&'v UnitResult> {
    let mut rows: Vec<&UnitResult> = view
        .results()
        .iter()
        .map(|r| r.as_ref())
        .filter(|r| {
            group.is_none_or(|g| view.units.unit(r.unit).ranking_group.as_deref() == Some(g))
        })
        .collect();
    rows.sort_by(|a, b| {
        let (ua, ub) = (view.units.unit(a.unit), view.units.unit(b.unit));
        (&ua.ranking_group, a.rank, &ua.code).cmp(&(&ub.ranking_group, b.rank, &ub.code))
    });
    rows
}

fn pass_badge(r: &UnitResult) -> Markup {
    html! {
        @match r.pass {
            Some(true) => span.badge.ok { "合格" },
            Some(false) => span.badge.bad { "不合格" },
            None => "",
        }
    }
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(filter): Query<Filter>,
) -> PageResult<Markup> {
    let view = state.app.summary(&user.actor, id).await?;
    let latest = if view.published() {
        state.app.published_revisions(&user.actor, id).await?.pop()
    } else {
        None
    };
    let mut groups: Vec<&str> = view
        .units
        .units()
        .iter()
        .filter_map(|u| u.ranking_group.as_deref())
        .collect();
    groups.sort_unstable();
    groups.dedup();
    let group = filter.group.as_deref().filter(|g| groups.contains(g));
    let multi_round = view.rubric.rounds().len() > 1;
    let can_publish = !view.published() && user.actor.may(Action::Publish);
    // 民主评议 for whoever may see a campaign on one of the rubric's conversion rules.
    let ballots = view.rubric.rules().iter().any(|r| {
        matches!(r.kind, kaoping_core::rubric::RuleKind::Conversion { .. })
            && user.actor.may(Action::ViewBallot {
                owner: view.owner(&r.code),
            })
    });
    // Attendance and exam imports for whoever may record on a rule the rubric feeds from them.
    let attendance = !view.published()
        && kaoping_core::records::Measure::ALL.iter().any(|&m| {
            view.rubric.rule_measuring(m).is_some_and(|r| {
                user.actor.may(Action::RecordFinding {
                    owner: view.owner(&view.rubric.rules()[r].code),
                    published: false,
                })
            })
        });
    let incomplete = view.results().iter().filter(|r| r.is_incomplete()).count();
    let rows = ranked(&view, group);
    let pages = rows.len().div_ceil(SUMMARY_PAGE).max(1);
    let page = filter.page.unwrap_or(1).clamp(1, pages);
    let shown = &rows[(page - 1) * SUMMARY_PAGE..(page * SUMMARY_PAGE).min(rows.len())];
    let here = match group {
        Some(g) => format!("/periods/{id}?group={}&", enc(g)),
        None => format!("/periods/{id}?"),
    };
    // 是否合格 and 等次 only where the rubric has a pass mark or grades.
    let has_pass = view.rubric.pass_mark().is_some();
    let has_grades = !view.rubric.grades().is_empty();
    let columns = 5
        + usize::from(!groups.is_empty())
        + if multi_round {
            view.rubric.rounds().len()
        } else {
            0
        }
        + usize::from(has_pass)
        + usize::from(has_grades);
    let unit_link = |r: &UnitResult| -> Markup {
        let u = view.units.unit(r.unit);
        // A link only where the sheet opens for this user: a unit's leader sees the whole ranking once
        // published, but only their own unit's details.
        let opens = user.actor.may(Action::ViewSheet {
            unit_id: view.org[r.unit].id,
            published: view.published(),
        });
        html! {
            @if opens { a href=(format!("/periods/{id}/units/{}", enc(&u.code))) { (u.name) } }
            @else { (u.name) }
        }
    };
    let grade_of = |r: &UnitResult| -> String {
        r.grade
            .map_or(String::new(), |g| view.rubric.grades()[g].name.clone())
    };
    let remarks = |r: &UnitResult| -> Markup {
        html! {
            @if r.is_incomplete() { span.badge.warn { "未评完" } " " }
            @for v in &r.vetoes { span.badge.bad { "一票否决：" (view.rubric.vetoes()[v.veto].title) } }
        }
    };
    // Ranks restart in each ranking group: the rows (all groups shown) where one begins.
    let starts_group = |i: usize| {
        let group_of = |i: usize| &view.units.unit(shown[i].unit).ranking_group;
        group.is_none() && !groups.is_empty() && (i == 0 || group_of(i - 1) != group_of(i))
    };
    let flash_msg = Flash {
        msg: filter.msg.clone(),
        err: filter.err.clone(),
    };
    Ok(layout(
        &format!("{} 汇总表", view.period.name),
        Some(&user),
        html! {
            h1 { (view.period.name) " · 汇总表" }
            (flash(&flash_msg))
            p.muted {
                (view.rubric_label)
                @if let Some(p) = view.rubric.pass_mark() { "；合格线" (pts(p)) "分" }
                @if view.published() { "；已发布锁定" } @else { "；考评中（未发布）" }
                @if let Some(r) = &latest { "；发布编号 " (r.number()) "，结果摘要 " code { (r.publication.short_digest()) } }
            }
            @if let Some(r) = &latest {
                (super::publication::revision_note(r))
                @if r.publication.revision > 1 {
                    p.no-print { a href=(format!("/periods/{id}/notice?revision=1")) { "查看第1版通报" } }
                }
            }
            @if !groups.is_empty() {
                div.filters {
                    span { "排名分组：" }
                    a.on[group.is_none()] href=(format!("/periods/{id}")) { "全部" }
                    @for g in &groups {
                        a.on[group == Some(*g)] href=(format!("/periods/{id}?group={}", enc(g))) { (g) }
                    }
                }
            }
            div.table-wrap.wide-only { table id="summary" {
                thead { tr {
                    th.num { "排名" } th { "单位" }
                    @if !groups.is_empty() { th { "分组" } }
                    @if multi_round { @for r in view.rubric.rounds() { th.num { (r.name) "（" (pts(r.weight * Decimal::ONE_HUNDRED)) "%）" } } }
                    th.num { "总分" } th.num { "加分" } th.num { "最终得分" }
                    @if has_pass { th { "是否合格" } }
                    @if has_grades { th { "等次" } }
                    th { "备注" }
                } }
                tbody {
                    @for (i, r) in shown.iter().enumerate() {
                        @let u = view.units.unit(r.unit);
                        // Ranks restart in each ranking group: say where one begins.
                        @if starts_group(i) {
                            tr.group-head { td colspan=(columns) { (u.ranking_group.as_deref().unwrap_or("未分组")) "（组内排名）" } }
                        }
                        tr.fail[r.pass == Some(false)] {
                            td.num { (r.rank) }
                            td { (unit_link(r)) }
                            @if !groups.is_empty() { td { (u.ranking_group.as_deref().unwrap_or("")) } }
                            @if multi_round { @for rs in &r.rounds { td.num { (pts(rs.total)) } } }
                            td.num { (pts(r.total)) }
                            td.num { (pts(r.bonus)) }
                            td.num { strong { (pts(r.final_score)) } }
                            @if has_pass { td { (pass_badge(r)) } }
                            @if has_grades { td { (grade_of(r)) } }
                            td { (remarks(r)) }
                        }
                    }
                }
            } }
            // On a phone: the ranking as a list, one unit to a line, its final score at the right.
            div.phone-only {
                @for (i, r) in shown.iter().enumerate() {
                    @let u = view.units.unit(r.unit);
                    @if starts_group(i) {
                        h2.group-head { (u.ranking_group.as_deref().unwrap_or("未分组")) }
                    }
                    div.rank-row.fail[r.pass == Some(false)] {
                        span.rank { (r.rank) }
                        span.who {
                            (unit_link(r))
                            span.detail {
                                @if !r.bonus.is_zero() { "总分" (pts(r.total)) " · 加分" (pts(r.bonus)) }
                                @if has_grades { " · " (grade_of(r)) }
                                " " (pass_badge(r)) " " (remarks(r))
                            }
                        }
                        strong.final { (pts(r.final_score)) }
                    }
                }
            }
            @if pages > 1 {
                nav.pager aria-label="分页" {
                    span { "共" (rows.len()) "个单位，第" (page) "/" (pages) "页" } " "
                    @if page > 1 { a href=(format!("{here}page={}", page - 1)) { "上一页" } " " }
                    @if page < pages { a href=(format!("{here}page={}", page + 1)) { "下一页" } }
                }
            }
            @if incomplete > 0 { p.muted { (incomplete) "个单位尚有评分项未评，暂按0分计；发布前请补齐。" } }
            p.no-print {
                a.button.secondary href=(format!("/periods/{id}/notice")) { "打印通报" } " "
                a.button.secondary href=(format!("/periods/{id}/ledger")) { "考核记录" } " "
                @if kaoping_app::may_see_rectifications(&user.actor) {
                    a.button.secondary href=(format!("/periods/{id}/rectifications")) { "整改" } " "
                }
                a.button.secondary href=(format!("/periods/{id}/summary.xlsx")) { "下载Excel" } " "
                @if ballots {
                    a.button.secondary href=(format!("/periods/{id}/ballots")) { "民主评议" } " "
                }
                @if attendance {
                    a.button.secondary href=(format!("/periods/{id}/attendance")) { "导入考勤和考试成绩" } " "
                }
                @if can_publish {
                    a.button.secondary href=(format!("/periods/{id}/findings/import")) { "批量导入考核发现" } " "
                }
                @if can_publish {
                    a.button href=(format!("/periods/{id}/publish")) { "发布并锁定" }
                }
            }
        },
    ))
}
