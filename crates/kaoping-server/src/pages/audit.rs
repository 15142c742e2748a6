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
        "amend_publication" => "更正发布结果",
        "ballot_campaign" => "新建评议",
        "ballot_codes" => "发放投票码",
        "ballot_paper" => "录入纸质票",
        "ballot_close" => "结束评议",
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

#[cfg(test)]
mod tests {
    use super::action_name;

    /// The action keys the application and the store write: the literal after the first argument of
    /// every `audit(` call in their sources.
    fn written_actions() -> Vec<String> {
        let mut keys = Vec::new();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut dirs = vec![root.join("kaoping-app/src"), root.join("kaoping-store/src")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("source folder") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("source");
                for (i, _) in text.match_indices("audit(") {
                    let rest = &text[i + "audit(".len()..];
                    // Past the first argument (the user: `None`, `Some(…)`, a name), then a literal.
                    let mut depth = 0;
                    let Some(comma) = rest.char_indices().find_map(|(j, c)| match c {
                        '(' => {
                            depth += 1;
                            None
                        }
                        ')' if depth == 0 => Some(usize::MAX),
                        ')' => {
                            depth -= 1;
                            None
                        }
                        ',' if depth == 0 => Some(j),
                        _ => None,
                    }) else {
                        continue;
                    };
                    if comma == usize::MAX {
                        continue;
                    }
                    let after = rest[comma + 1..].trim_start();
                    if let Some(literal) = after.strip_prefix('"') {
                        if let Some(end) = literal.find('"') {
                            keys.push(literal[..end].to_string());
                        }
                    }
                }
            }
        }
        keys.sort();
        keys.dedup();
        keys
    }

    #[test]
    fn every_action_written_has_a_chinese_name() {
        let keys = written_actions();
        assert!(keys.len() >= 20, "actions found: {keys:?}");
        for key in &keys {
            assert_ne!(
                action_name(key),
                key,
                "no Chinese name for the audit action {key}"
            );
        }
    }
}
