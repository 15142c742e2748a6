//! 考核记录: a period's ledger, every entry ever appended, in order, with who, when and why; one page of
//! it at a time, narrowed by the filter form at its top (unit, department, rule, recorder, days, text).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kaoping_app::china_time::stamp_of;
use kaoping_app::{entry_kind_name, EntryDeduction, LedgerQuery, LedgerView};
use kaoping_store::{Entry, Source};
use maud::{html, Markup};
use serde::Deserialize;

use super::html::{filter_query, layout, opt, pager, problem_beside, pts, PageResult};
use super::sheet::rectification_class;
use crate::session::CurrentUser;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct PageQuery {
    page: Option<i64>,
    unit: Option<String>,
    department: Option<String>,
    code: Option<String>,
    recorder: Option<String>,
    from: Option<String>,
    to: Option<String>,
    text: Option<String>,
}

fn entry_summary(e: &Entry) -> String {
    let mut parts = Vec::new();
    if let Some(c) = e.count {
        parts.push(format!("{c}次"));
    }
    if let Some(l) = &e.level {
        parts.push(l.clone());
    }
    if let Some(p) = e.points {
        parts.push(format!("{}分", pts(p)));
    }
    if !e.note.is_empty() {
        parts.push(e.note.clone());
    }
    parts.join(" · ")
}

fn filter_form(view: &LedgerView, id: i64) -> Markup {
    let q = &view.query;
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let chosen = |v: &Option<String>, option: &str| v.as_deref() == Some(option);
    let units = view.snapshot.units.units();
    let groups = view.snapshot.units.groups();
    html! {
        form.filters method="get" action=(format!("/periods/{id}/ledger")) aria-label="筛选考核记录" {
            label { "单位 "
                select name="unit" {
                    option value="" { "全部" }
                    optgroup label="单位" {
                        @for u in units { option value=(u.code) selected[chosen(&q.unit, &u.code)] { (u.name) "（" (u.code) "）" } }
                    }
                    @if !groups.is_empty() {
                        optgroup label="组" {
                            @for g in groups {
                                option value=(g.code) selected[chosen(&q.unit, &g.code)] { (view.party_name(&g.code).unwrap_or(&g.code)) "（" (g.code) "）" }
                            }
                        }
                    }
                    // A value the period does not know stays in the form, beside its problem.
                    @if let Some(u) = q.unit.as_deref().filter(|u| view.snapshot.units.find(u).is_none()) {
                        option value=(u) selected { (u) }
                    }
                }
                (problem_beside(&view.problems, "unit"))
            }
            label { "部门 "
                select name="department" {
                    option value="" { "全部" }
                    @for o in &view.owners { option value=(o.owner) selected[chosen(&q.department, &o.owner)] { (o.label) } }
                    @if let Some(d) = q.department.as_deref().filter(|d| !view.owners.iter().any(|o| o.owner == *d)) {
                        option value=(d) selected { (d) }
                    }
                }
                (problem_beside(&view.problems, "department"))
            }
            label { "规则 " input type="text" name="code" size="8" placeholder="如 1.4.2" value=(value(&q.code)); (problem_beside(&view.problems, "code")) }
            label { "录入人 "
                select name="recorder" {
                    option value="" { "全部" }
                    @for u in &view.recorders {
                        option value=(u.id) selected[chosen(&q.recorder, &u.id.to_string())] { (u.display_name) }
                    }
                    @if let Some(r) = q.recorder.as_deref().filter(|r| !view.recorders.iter().any(|u| u.id.to_string() == *r)) {
                        option value=(r) selected { (r) }
                    }
                }
                (problem_beside(&view.problems, "recorder"))
            }
            label { "起始日期 " input type="date" name="from" value=(value(&q.from)); (problem_beside(&view.problems, "from")) }
            label { "截止日期 " input type="date" name="to" value=(value(&q.to)); (problem_beside(&view.problems, "to")) }
            label { "文字 " input type="search" name="text" placeholder="说明或原因中的文字" value=(value(&q.text)); (problem_beside(&view.problems, "text")) }
            button type="submit" { "筛选" }
            @if q.narrowed() { a href=(format!("/periods/{id}/ledger")) { "清除筛选" } }
        }
    }
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> PageResult<Response> {
    let given = |v: &Option<String>| v.as_deref().and_then(opt);
    let query = LedgerQuery {
        unit: given(&q.unit),
        department: given(&q.department),
        code: given(&q.code),
        recorder: given(&q.recorder),
        from: given(&q.from),
        to: given(&q.to),
        text: given(&q.text),
    };
    let view = state
        .app
        .ledger(&user.actor, id, query, q.page.unwrap_or(1))
        .await?;
    // Each deduction's rectification (整改), or a link to require one where the reader may.
    let rectified = state.app.rectification_states(&user.actor, id).await?;
    let may_require = |e: &kaoping_store::Entry| {
        kaoping_app::deducts(&view.snapshot, e)
            && user.actor.may(kaoping_app::Action::RequireRectification {
                owner: view.snapshot.owner(&e.code),
            })
    };
    // The page's own address with its filters but without the page number.
    let here = format!(
        "/periods/{id}/ledger?{}",
        filter_query(&view.query.fields())
    );
    let who = |uid: i64| {
        view.users
            .iter()
            .find(|u| u.id == uid)
            .map_or("?".to_string(), |u| u.display_name.clone())
    };
    let (page, pages) = (view.page_number, view.pages);
    let status = if view.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let markup = layout(
        "考核记录",
        Some(&user),
        html! {
            h1 { (view.snapshot.period.name) " · 考核记录（只增不改）" }
            p.no-print { a.button.secondary href=(format!("/periods/{id}/ledger.xlsx")) { "下载Excel" } }
            (filter_form(&view, id))
            @if !view.problems.is_empty() {
                div.flash role="alert" {
                    "筛选条件有误，请改正后再查："
                    ul { @for p in &view.problems { li { (p.message) } } }
                }
            } @else {
                p.muted {
                    @if view.query.narrowed() { "符合条件的记录" } @else { "全部记录" }
                    "共" (view.page.total) "条，第" (page) "/" (pages) "页。"
                    @if view.query.unit.is_some() { "选中单位时，也列出它所属组的记录。" }
                }
                div.table-wrap { table {
                    thead { tr {
                        th.num { "记录号" } th { "类型" } th { "单位" } th { "规则" } th { "内容" }
                        th.num { "扣分" } th { "录入人" } th { "时间" } th { "原因" } th { "状态" }
                    } }
                    tbody {
                        @for (e, counts) in &view.page.entries {
                            tr {
                                td.num { (e.id) }
                                td { (entry_kind_name(e.kind)) @if let Some(r) = e.replaces { "（替代#" (r) "）" } @if e.source == Source::SelfCheck { " 自查" } }
                                td {
                                    @if let Some(name) = view.party_name(&e.unit_code) { (name) " " small.muted { (e.unit_code) } }
                                    @else { (e.unit_code) }
                                }
                                td { (e.code) }
                                td { (entry_summary(e)) }
                                td.num {
                                    @match view.deduction(e) {
                                        Some(EntryDeduction::Points(p)) => { (pts(p)) }
                                        Some(EntryDeduction::Zero) => { "不得分" }
                                        None => {}
                                    }
                                }
                                td { (who(e.recorded_by)) }
                                td { (stamp_of(e.recorded_at)) }
                                td { (e.reason) }
                                td {
                                    @if *counts { span.badge.ok { "有效" } } @else { span.muted { "已替代" } }
                                    @if let Some(r) = rectified.get(&e.id) {
                                        " " a class={ "badge " (rectification_class(r)) } href={ "/rectifications/" (r.id) } { "整改：" (r.label()) }
                                    } @else if *counts && may_require(e) {
                                        " " a href={ "/periods/" (id) "/rectifications/new?entry=" (e.id) } { "要求整改" }
                                    }
                                }
                            }
                        }
                    }
                } }
                p.muted {
                    "扣分：按考评细则计的本条记录扣分（按次扣分为每次分值×次数，定额扣分为分值，酌情扣分为所评分值），"
                    "未计规则的次数上限、封顶和评分项的下限；分档、折合、比率等规则不在此列，实际得分以考评表为准。时间为北京时间。"
                }
                (pager(&here, page, pages))
            }
        },
    );
    Ok((status, markup).into_response())
}
