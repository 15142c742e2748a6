//! 操作日志: the latest audit records, newest first, with who did it.

use axum::extract::State;
use kaoping_app::china_time::datetime_of;
use maud::{html, Markup};

use super::html::{dash, layout, user_name, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

/// How many records the page shows.
const LIMIT: i64 = 500;

/// The Chinese name of an audit action (unknown ones as stored).
fn action_name(action: &str) -> &str {
    match action {
        "login" => "登录",
        "first_start" => "首次启动",
        "demo" => "演示数据",
        "entry" => "录入记录",
        "withdraw" => "撤回记录",
        "grid" => "评分表录入",
        "import" => "批量导入",
        "publish" => "发布",
        "review" => "审核",
        "review_submit" => "提交审核",
        "appeal" => "申诉",
        "appeal_decision" => "处理申诉",
        "password" => "修改密码",
        "user_create" => "新建用户",
        "user_active" => "启用/停用用户",
        "user_password" => "重置密码",
        "department_create" => "新建部门",
        "org_create" => "新建单位",
        "rubric_save" | "rubric" => "上传考评细则",
        "period_create" => "新建考评期",
        other => other,
    }
}

pub async fn page(State(state): State<AppState>, user: CurrentUser) -> PageResult<Markup> {
    let (log, users) = state.app.audit_log(&user.actor, LIMIT).await?;
    Ok(layout(
        "操作日志",
        Some(&user),
        html! {
            h1 { "操作日志" }
            p.muted { "最近" (LIMIT) "条记录，最新的在前。日志只增不改。" }
            @if log.is_empty() { p.muted { "暂无记录。" } }
            @else {
                div.table-wrap { table {
                    thead { tr { th.num { "编号" } th { "时间" } th { "用户" } th { "操作" } th { "内容" } } }
                    tbody {
                        @for a in &log {
                            tr {
                                td.num { (a.id) }
                                td { (datetime_of(a.at)) }
                                td { (user_name(&users, a.user_id)) }
                                td { @if a.action.is_empty() { (dash()) } @else { (action_name(&a.action)) } }
                                td { (a.detail) }
                            }
                        }
                    }
                } }
            }
        },
    ))
}
