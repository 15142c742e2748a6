//! 首页: the periods the user may see; for each, scoring progress per department and the units heading
//! below the pass mark.

use axum::extract::{Query, State};
use kaoping_store::{ReviewStatus, Role};
use maud::{html, Markup};

use kaoping_app::{department_progress, score_bands, Snapshot};
use kaoping_core::Decimal;
use kaoping_store::{Department, Review};

use super::charts::{bars, histogram, Bar};
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
    // Those who do the scoring see its progress; leaders (领导, viewers) the ranking.
    let staff = matches!(role, Role::Admin | Role::Assessor);
    let mut blocks = Vec::new();
    for card in &board.cards {
        let view = &card.snapshot;
        let period = &view.period;
        let published = view.published();
        let can_summary = card.can_summary;
        // 预警 while the year is open, where the rubric counts records or has a pass mark.
        let counts_records = !view.rubric.record_kinds().is_empty();
        let warnings = if !published && (counts_records || view.rubric.pass_mark().is_some()) {
            state.app.warnings(&user.actor, period.id).await.ok()
        } else {
            None
        };
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
                    @if counts_records {
                        @if let Some(org) = &card.own_unit {
                            " " a.button.secondary href=(format!("/periods/{}/units/{}/records", period.id, org.code)) { "本单位记录本" }
                        }
                        @if staff {
                            " " a.button.secondary href=(format!("/periods/{}/records", period.id)) { "各单位记录本" }
                        }
                    }
                    @if kaoping_app::may_see_rectifications(&user.actor) {
                        " " a.button.secondary href=(format!("/periods/{}/rectifications", period.id)) { "整改" }
                    }
                }
                @if let Some(w) = &warnings {
                    (warnings_block(period.id, w, staff))
                }
                div.panels {
                    @if can_summary && staff {
                        div { (progress_block(view, &board.departments, &card.reviews)) }
                    }
                    @if can_summary && !view.results().is_empty() {
                        div { (scores_block(view, role)) }
                    }
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
            div.periods { @for b in blocks { (b) } }
        },
    ))
}

/// 预警 on the dashboard: counts with a link for those who score; a unit's own status and reasons.
fn warnings_block(id: i64, board: &kaoping_app::WarningBoard, staff: bool) -> Markup {
    use kaoping_app::Level;
    let (red, yellow) = board.counts();
    html! {
        @if staff {
            p {
                "预警："
                span.badge.bad { "红 " (red) } " " span.badge.warn { "黄 " (yellow) } " "
                a href=(format!("/periods/{id}/warnings")) { "查看预警" }
            }
        } @else {
            @for w in &board.warnings {
                div class=(if w.level == Level::Red { "flash alarm" } else { "flash warn" }) role="status" {
                    strong { (w.name) " · " (w.level.name()) }
                    ul { @for r in &w.reasons { li { (r.text) } } }
                }
            }
        }
    }
}

/// Units the ranking chart shows whole; a longer ranking shows its first ten (the summary has all).
const RANKING_AT_A_GLANCE: usize = 20;

fn review_badge(review: Option<ReviewStatus>) -> Markup {
    html! {
        @match review {
            Some(ReviewStatus::Approved) => span.badge.ok { "已通过" },
            Some(ReviewStatus::Returned) => span.badge.bad { "已退回" },
            Some(ReviewStatus::Submitted) => span.badge.warn { "待审核" },
            None => span.muted { "未提交" },
        }
    }
}

/// 各部门进度: each department's required scores entered (a bar), its findings, the units it has left
/// unscored and its review step.
fn progress_block(view: &Snapshot, departments: &[Department], reviews: &[Review]) -> Markup {
    let progress = department_progress(view, departments, reviews);
    let rows: Vec<Bar> = progress
        .iter()
        .filter(|p| p.required > 0)
        .map(|p| Bar {
            label: p.department.name.clone(),
            value: Decimal::from(p.required - p.missing),
            max: Decimal::from(p.required),
            text: format!("{}%", p.percent_done()),
            class: if p.missing > 0 { "bad" } else { "" },
        })
        .collect();
    let period = view.period.id;
    html! {
        h2 { "各部门进度" }
        @if !rows.is_empty() {
            (bars("各部门须评分项的完成度", &rows, None))
        }
        div.table-wrap { table.progress {
            thead { tr { th { "部门" } th.num { "负责项" } th.num { "有效记录" } th.num { "未评完单位" } th { "审核" } } }
            tbody {
                @for p in &progress {
                    tr {
                        td { (p.department.name) }
                        td.num { (p.items) }
                        td.num { (p.entries) }
                        td.num {
                            @if p.units_missing > 0 {
                                a href=(format!("/periods/{period}/grid?department={}", p.department.id)) { (p.units_missing) }
                            } @else { "0" }
                        }
                        td { (review_badge(p.review)) }
                    }
                }
            }
        } }
    }
}

/// 得分分布 and the units that need attention (below the pass mark, or not yet scored in full); for a
/// leader (领导, the viewer role), the ranking at a glance.
fn scores_block(view: &Snapshot, role: Role) -> Markup {
    let period = view.period.id;
    let pass = view.rubric.pass_mark();
    let bands = score_bands(view, Decimal::from(5));
    let below: Vec<_> = view
        .results()
        .iter()
        .filter(|r| pass.is_some_and(|p| r.final_score < p) || r.pass == Some(false))
        .collect();
    let incomplete: Vec<_> = view
        .results()
        .iter()
        .filter(|r| r.is_incomplete())
        .collect();
    let mut ranked: Vec<_> = view.results().iter().collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.final_score));
    let shown = if ranked.len() <= RANKING_AT_A_GLANCE {
        ranked.len()
    } else {
        10
    };
    let ranking: Vec<Bar> = ranked[..shown]
        .iter()
        .map(|r| Bar {
            label: view.units.unit(r.unit).name.clone(),
            value: r.final_score,
            max: view.rubric.total(),
            text: pts(r.final_score),
            class: if r.pass == Some(false) { "bad" } else { "" },
        })
        .collect();
    let unit_link = |r: &kaoping_core::score::UnitResult| {
        let u = view.units.unit(r.unit);
        html! { a href=(format!("/periods/{period}/units/{}", super::html::enc(&u.code))) { (u.name) } }
    };
    html! {
        h2 { "得分分布" }
        (histogram("各单位最终得分分布（每5分一档）", &bands, pass))
        @if role == Role::Viewer {
            h2 { "排名一览" @if shown < ranked.len() { span.muted { "（前" (shown) "名，全部见汇总表）" } } }
            (bars("各单位最终得分", &ranking, pass.map(|p| (p, format!("合格线{}", pts(p))))))
        }
        @if !below.is_empty() {
            h2 { "低于合格线的单位" }
            ul { @for r in &below { li { (unit_link(r)) "：" (pts(r.final_score)) "分" } } }
        }
        @if !incomplete.is_empty() {
            h2 { "尚未评完的单位" }
            p.muted { (incomplete.len()) "个单位尚有评分项未评（酌情评分或折合成绩未录入），暂按0分计。" }
            @if incomplete.len() <= 10 && matches!(role, Role::Admin | Role::Assessor) {
                ul { @for r in &incomplete {
                    li { (unit_link(r)) "：" @for m in &r.incomplete { (view.rubric.items()[m.item].code) " " } }
                } }
            }
        }
    }
}
