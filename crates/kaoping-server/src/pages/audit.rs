//! 操作日志: the latest audit records, newest first, with who did it.

use axum::extract::State;
use kaoping_store::User;
use maud::{html, Markup};

use super::{dash, department_of, layout, require};
use crate::auth::CurrentUser;
use crate::error::ServerError;
use crate::permissions::{allowed, Action};
use crate::state::AppState;

/// How many records the page shows.
const LIMIT: i64 = 500;

/// `YYYY年M月D日 HH:MM` of a unix-millisecond time, in China time (UTC+8).
pub fn datetime_of(ms: i64) -> String {
    let secs = (ms.div_euclid(1000) + 8 * 3600).rem_euclid(86_400);
    format!(
        "{} {:02}:{:02}",
        super::summary::date_of(ms),
        secs / 3600,
        secs % 3600 / 60
    )
}

/// The Chinese name of an audit action (unknown ones as stored).
fn action_name(action: &str) -> &str {
    match action {
        "login" => "登录",
        "first_start" => "首次启动",
        "demo" => "演示数据",
        "entry" => "录入记录",
        "withdraw" => "撤回记录",
        "grid" => "评分表录入",
        "publish" => "发布",
        "review" => "审核",
        "review_submit" => "提交审核",
        "appeal" => "申诉",
        "appeal_decision" => "处理申诉",
        "user_create" => "新建用户",
        "user_active" => "启用/停用用户",
        "user_password" => "重置密码",
        "department_create" => "新建部门",
        "org_create" => "新建单位",
        "rubric_save" => "上传考评细则",
        "period_create" => "新建考评期",
        other => other,
    }
}

/// A user's display name (and user name), or a dash for none.
pub fn user_name(users: &[User], id: Option<i64>) -> Markup {
    match id.and_then(|id| users.iter().find(|u| u.id == id)) {
        Some(u) => html! { (u.display_name) " " span.muted { "(" (u.username) ")" } },
        None if id.is_some() => html! { "用户#" (id.unwrap_or_default()) },
        None => html! { span.muted { "系统" } },
    }
}

pub async fn page(State(state): State<AppState>, user: CurrentUser) -> Result<Markup, ServerError> {
    let dept = department_of(&state, &user).await?;
    require(
        allowed(&user.user, dept.as_ref(), Action::ViewAudit),
        "只有管理员可以查看操作日志",
    )?;
    let log = state.store.audit_log(LIMIT).await?;
    let users = state.store.users().await?;
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

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_in_china_time() {
        // 2023-03-06T16:30:00Z is 2023-03-07 00:30 in Beijing.
        assert_eq!(super::datetime_of(1_678_120_200_000), "2023年3月7日 00:30");
        assert_eq!(
            super::datetime_of(1_678_120_200_000 + 13 * 3600 * 1000 + 59_999),
            "2023年3月7日 13:30"
        );
    }
}
