//! The rubric page: the stored version laid out like the original 考评细则 table.

use axum::extract::{Path, State};
use maud::{html, Markup};

use super::html::{layout, multiline, pts, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    let (version, rubric) = state.app.rubric_version(&user.actor, id).await?;
    Ok(layout(
        rubric.title(),
        Some(&user),
        html! {
            h1 { (rubric.title()) }
            p.no-print { a.button.secondary href=(format!("/rubrics/{id}/rubric.xlsx")) { "下载Excel（可再导入）" } }
            p.muted {
                (version.name) " 第" (version.version) "版"
                @if let Some(i) = rubric.issuer() { "；" (i) }
                @if let Some(d) = rubric.issued() { " " (d) "印发" }
            }
            @if rubric.rounds().len() > 1 {
                p { "轮次：" @for r in rubric.rounds() { (r.name) " " (pts(r.weight * kaoping_core::Decimal::ONE_HUNDRED)) "%　" } }
            }
            div.table-wrap { table {
                tr { th { "栏目" } th.num { "分值" } th { "考核内容" } th { "评分标准" } th { "考核办法" } th { "责任部门" } }
                @for (si, section) in rubric.sections().iter().enumerate() {
                    @let items = rubric.section_items(si);
                    @for (i, item) in items.iter().enumerate() {
                        tr {
                            @if i == 0 {
                                td rowspan=(items.len()) { (section.title) }
                                td.num rowspan=(items.len()) { (pts(section.points)) "分" }
                            }
                            td { (multiline(&item.content)) @if !rubric.sections()[si].pool && items.len() > 1 { "（" (pts(item.max)) "分）" } }
                            td {
                                (multiline(&item.criteria))
                                ul { @for r in rubric.item_rules(rubric.items().iter().position(|x| x.code == item.code).unwrap_or(0)) {
                                    li.muted { (r.code) " " (r.kind.label()) }
                                } }
                            }
                            td { (multiline(&item.method)) }
                            td { (item.department.as_deref().unwrap_or("")) }
                        }
                    }
                }
                tr { td { "总分" } td.num { (pts(rubric.total())) "分" } td colspan="4" {} }
            } }
            @if !rubric.bonus().rules.is_empty() {
                h2 { "奖励加分" }
                ul {
                    @for b in &rubric.bonus().rules {
                        li { (b.code) " " (b.title) "：" (b.text)
                            @for l in &b.levels { "　" (l.name) (pts(l.points)) "分" }
                            @if let Some(a) = b.amount { "　" (pts(a)) "分" } }
                    }
                }
                p.muted {
                    @if let Some(t) = rubric.bonus().threshold { "总分" (pts(t)) "分以上方可加分；" }
                    @if let Some(c) = rubric.bonus().cap { "年度加分最高" (pts(c)) "分。" }
                }
            }
        },
    ))
}
