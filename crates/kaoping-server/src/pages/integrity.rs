//! 数据完整性: the administrator's view of `kaoping verify` — the last check of this process (run at
//! start), a button to run it again, and every problem it found.

use axum::extract::State;
use axum::response::Response;
use kaoping_app::china_time::datetime_of;
use maud::{html, Markup};

use super::html::{action, back, layout, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

pub async fn page(State(state): State<AppState>, user: CurrentUser) -> PageResult<Markup> {
    let check = match state.app.last_integrity(&user.actor) {
        Some(check) => check,
        None => state.app.check_integrity(&user.actor).await?,
    };
    let report = &check.report;
    Ok(layout(
        "数据完整性",
        Some(&user),
        html! {
            h1 { "数据完整性" }
            @if report.intact() {
                div.flash.ok role="status" {
                    "校验通过（" (datetime_of(check.at)) "）：" (report.records) "条记录与哈希链一致，"
                    (check.publications) "份发布结果按台账重新计分后摘要一致。"
                }
            } @else {
                div.flash role="alert" {
                    "校验未通过（" (datetime_of(check.at)) "）：发现" (report.problems.len()) "处问题。第一处："
                    (report.problems[0].to_string())
                }
                div.table-wrap { table {
                    tr { th { "问题" } th { "记录" } th { "位置" } th { "说明" } }
                    @for p in report.problems.iter().take(200) {
                        tr {
                            td { (p.kind.label()) }
                            td { (p.record) }
                            td { @if let (Some(c), Some(s)) = (&p.chain, p.seq) { (c) " 第" (s) "环" } }
                            td { (p.detail) }
                        }
                    }
                } }
            }
            h2 { "各哈希链的链头" }
            p.muted { "请把链头另行记下（例如随通报存档）：日后若链尾连同记录一起被删除，可据此发现。" }
            div.table-wrap { table {
                tr { th { "链" } th.num { "环数" } th { "链头哈希" } }
                @for h in &report.heads {
                    tr { td { (h.chain) } td.num { (h.seq) } td { code { (h.hash) } } }
                }
            } }
            form method="post" action=(action(&user, "/admin/integrity")) {
                button type="submit" { "重新校验" }
            }
            p.muted { "命令行：kaoping verify --data 数据目录（或 --database-url）。校验方法见 docs/hash-chain.md。" }
        },
    ))
}

pub async fn run(State(state): State<AppState>, user: CurrentUser) -> PageResult<Response> {
    let check = state.app.check_integrity(&user.actor).await?;
    let text = if check.report.intact() {
        "校验通过".to_string()
    } else {
        format!("校验未通过：发现{}处问题", check.report.problems.len())
    };
    Ok(back("/admin/integrity", "msg", &text))
}
