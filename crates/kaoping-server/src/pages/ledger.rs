//! 考核记录: a period's ledger, every entry ever appended, in order, with who, when and why; one page of
//! it at a time.

use axum::extract::{Path, Query, State};
use kaoping_app::china_time::date_of;
use kaoping_app::{entry_kind_name, LedgerQuery};
use kaoping_store::{Entry, Source};
use maud::{html, Markup};
use serde::Deserialize;

use super::html::{enc, layout, opt, pts, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct PageQuery {
    page: Option<i64>,
    unit: Option<String>,
    code: Option<String>,
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

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> PageResult<Markup> {
    let query = LedgerQuery {
        unit: q.unit.as_deref().and_then(opt),
        code: q.code.as_deref().and_then(opt),
    };
    let view = state
        .app
        .ledger(&user.actor, id, query, q.page.unwrap_or(1))
        .await?;
    // The page's own address without the page number, to page through the same selection.
    let mut here = format!("/periods/{id}/ledger?");
    if let Some(u) = &view.query.unit {
        here.push_str(&format!("unit={}&", enc(u)));
    }
    if let Some(c) = &view.query.code {
        here.push_str(&format!("code={}&", enc(c)));
    }
    let narrowed = view.query.unit.is_some() || view.query.code.is_some();
    let who = |uid: i64| {
        view.users
            .iter()
            .find(|u| u.id == uid)
            .map_or("?".to_string(), |u| u.display_name.clone())
    };
    let (page, pages) = (view.page_number, view.pages);
    Ok(layout(
        "考核记录",
        Some(&user),
        html! {
            h1 { (view.snapshot.period.name) " · 考核记录（只增不改）" }
            p.no-print { a.button.secondary href=(format!("/periods/{id}/ledger.xlsx")) { "下载Excel" } }
            @if narrowed {
                p {
                    "只看："
                    @if let Some(u) = &view.query.unit { "单位“" (u) "”（含其所属组的记录） " }
                    @if let Some(c) = &view.query.code { "编号“" (c) "” " }
                    a href=(format!("/periods/{id}/ledger")) { "查看全部" }
                }
            }
            p.muted { "共" (view.page.total) "条，第" (page) "/" (pages) "页。" }
            div.table-wrap { table {
                tr { th.num { "编号" } th { "类型" } th { "单位" } th { "编号" } th { "内容" } th { "录入人" } th { "时间" } th { "原因" } th { "状态" } }
                @for (e, counts) in &view.page.entries {
                    tr {
                        td.num { (e.id) }
                        td { (entry_kind_name(e.kind)) @if let Some(r) = e.replaces { "（替代#" (r) "）" } @if e.source == Source::SelfCheck { " 自查" } }
                        td { (e.unit_code) }
                        td { (e.code) }
                        td { (entry_summary(e)) }
                        td { (who(e.recorded_by)) }
                        td { (date_of(e.recorded_at)) }
                        td { (e.reason) }
                        td { @if *counts { span.badge.ok { "有效" } } @else { span.muted { "已替代" } } }
                    }
                }
            } }
            @if pages > 1 {
                nav.pager aria-label="分页" {
                    @if page > 1 {
                        a href=(format!("{here}page=1")) { "首页" } " "
                        a href=(format!("{here}page={}", page - 1)) { "上一页" } " "
                    }
                    span { "第" (page) "页" } " "
                    @if page < pages {
                        a href=(format!("{here}page={}", page + 1)) { "下一页" } " "
                        a href=(format!("{here}page={pages}")) { "末页" }
                    }
                }
            }
        },
    ))
}
