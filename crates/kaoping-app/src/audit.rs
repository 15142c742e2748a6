//! 操作日志: every kind of audit record the application writes, with its Chinese name (the writers use
//! [`AuditAction::key`], the page [`action_name`]), and the log read a page at a time, filtered in SQL.

use kaoping_store::{AuditFilter, AuditPage, User};

use crate::actor::Actor;
use crate::error::AppError;
use crate::lists::{day_range, pages, search_text, user_id, FieldProblem};
use crate::permissions::Action;
use crate::App;

/// What an audit record says was done. The stored key is [`AuditAction::key`]; nothing writes an audit
/// record with another key (a test reads every `audit(` call of the sources).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    FirstStart,
    Demo,
    Login,
    Password,
    UserCreate,
    UserActive,
    UserPassword,
    DepartmentCreate,
    OrgCreate,
    /// A rubric saved from its TOML text (the administration page).
    RubricSave,
    /// A rubric saved from a Word/Excel table, after its review.
    RubricImport,
    PeriodCreate,
    UserEdit,
    DepartmentEdit,
    DepartmentDelete,
    OrgEdit,
    OrgDelete,
    RubricLabel,
    RubricDelete,
    PeriodEdit,
    PeriodDelete,
    Entry,
    Withdraw,
    Grid,
    Import,
    ReviewSubmit,
    Review,
    Publish,
    Appeal,
    AppealDecision,
    AmendPublication,
    BallotCampaign,
    BallotCodes,
    BallotPaper,
    BallotClose,
    /// A row of a unit's 记录本: a record, its correction or withdrawal.
    RecordKeep,
    RecordReject,
    /// Provisional deductions from the 记录本 confirmed into the ledger.
    RecordsConfirm,
    RectificationRequire,
    RectificationReport,
    RectificationDecision,
    NotifyChannelCreate,
    NotifyChannelEdit,
    NotifyChannelDelete,
    NotifySmtp,
}

impl AuditAction {
    /// Every action, in the order the log's filter lists them.
    pub const ALL: [AuditAction; 45] = [
        AuditAction::Login,
        AuditAction::RecordKeep,
        AuditAction::RecordReject,
        AuditAction::RecordsConfirm,
        AuditAction::Entry,
        AuditAction::Withdraw,
        AuditAction::Grid,
        AuditAction::Import,
        AuditAction::ReviewSubmit,
        AuditAction::Review,
        AuditAction::Publish,
        AuditAction::Appeal,
        AuditAction::AppealDecision,
        AuditAction::AmendPublication,
        AuditAction::BallotCampaign,
        AuditAction::BallotCodes,
        AuditAction::BallotPaper,
        AuditAction::BallotClose,
        AuditAction::RectificationRequire,
        AuditAction::RectificationReport,
        AuditAction::RectificationDecision,
        AuditAction::Password,
        AuditAction::UserCreate,
        AuditAction::UserActive,
        AuditAction::UserPassword,
        AuditAction::DepartmentCreate,
        AuditAction::OrgCreate,
        AuditAction::RubricSave,
        AuditAction::RubricImport,
        AuditAction::PeriodCreate,
        AuditAction::UserEdit,
        AuditAction::DepartmentEdit,
        AuditAction::DepartmentDelete,
        AuditAction::OrgEdit,
        AuditAction::OrgDelete,
        AuditAction::RubricLabel,
        AuditAction::RubricDelete,
        AuditAction::PeriodEdit,
        AuditAction::PeriodDelete,
        AuditAction::NotifyChannelCreate,
        AuditAction::NotifyChannelEdit,
        AuditAction::NotifyChannelDelete,
        AuditAction::NotifySmtp,
        AuditAction::FirstStart,
        AuditAction::Demo,
    ];

    /// The stored key.
    pub fn key(self) -> &'static str {
        match self {
            AuditAction::FirstStart => "first_start",
            AuditAction::Demo => "demo",
            AuditAction::Login => "login",
            AuditAction::Password => "password",
            AuditAction::UserCreate => "user_create",
            AuditAction::UserActive => "user_active",
            AuditAction::UserPassword => "user_password",
            AuditAction::DepartmentCreate => "department_create",
            AuditAction::OrgCreate => "org_create",
            AuditAction::RubricSave => "rubric_save",
            AuditAction::RubricImport => "rubric",
            AuditAction::PeriodCreate => "period_create",
            AuditAction::UserEdit => "user_edit",
            AuditAction::DepartmentEdit => "department_edit",
            AuditAction::DepartmentDelete => "department_delete",
            AuditAction::OrgEdit => "org_edit",
            AuditAction::OrgDelete => "org_delete",
            AuditAction::RubricLabel => "rubric_label",
            AuditAction::RubricDelete => "rubric_delete",
            AuditAction::PeriodEdit => "period_edit",
            AuditAction::PeriodDelete => "period_delete",
            AuditAction::Entry => "entry",
            AuditAction::Withdraw => "withdraw",
            AuditAction::Grid => "grid",
            AuditAction::Import => "import",
            AuditAction::ReviewSubmit => "review_submit",
            AuditAction::Review => "review",
            AuditAction::Publish => "publish",
            AuditAction::Appeal => "appeal",
            AuditAction::AppealDecision => "appeal_decision",
            AuditAction::AmendPublication => "amend_publication",
            AuditAction::BallotCampaign => "ballot_campaign",
            AuditAction::BallotCodes => "ballot_codes",
            AuditAction::BallotPaper => "ballot_paper",
            AuditAction::BallotClose => "ballot_close",
            AuditAction::RecordKeep => "record_keep",
            AuditAction::RecordReject => "record_reject",
            AuditAction::RecordsConfirm => "records_confirm",
            AuditAction::RectificationRequire => "rectification_require",
            AuditAction::RectificationReport => "rectification_report",
            AuditAction::RectificationDecision => "rectification_decision",
            AuditAction::NotifyChannelCreate => "notify_channel_create",
            AuditAction::NotifyChannelEdit => "notify_channel_edit",
            AuditAction::NotifyChannelDelete => "notify_channel_delete",
            AuditAction::NotifySmtp => "notify_smtp",
        }
    }

    /// The Chinese name shown to users.
    pub fn name(self) -> &'static str {
        match self {
            AuditAction::FirstStart => "首次启动",
            AuditAction::Demo => "创建演示数据",
            AuditAction::Login => "登录",
            AuditAction::Password => "修改密码",
            AuditAction::UserCreate => "新建用户",
            AuditAction::UserActive => "启用/停用用户",
            AuditAction::UserPassword => "重置密码",
            AuditAction::DepartmentCreate => "新建部门",
            AuditAction::OrgCreate => "新建单位",
            AuditAction::RubricSave => "上传考评细则",
            AuditAction::RubricImport => "导入考评细则",
            AuditAction::PeriodCreate => "新建考评期",
            AuditAction::UserEdit => "修改用户",
            AuditAction::DepartmentEdit => "修改部门",
            AuditAction::DepartmentDelete => "删除部门",
            AuditAction::OrgEdit => "修改单位",
            AuditAction::OrgDelete => "删除单位",
            AuditAction::RubricLabel => "修改考评细则显示名称",
            AuditAction::RubricDelete => "删除考评细则版本",
            AuditAction::PeriodEdit => "修改考评期",
            AuditAction::PeriodDelete => "删除考评期",
            AuditAction::Entry => "录入记录",
            AuditAction::Withdraw => "撤回记录",
            AuditAction::Grid => "评分表录入",
            AuditAction::Import => "批量导入考核发现",
            AuditAction::ReviewSubmit => "提交审核",
            AuditAction::Review => "审核",
            AuditAction::Publish => "发布",
            AuditAction::Appeal => "申诉",
            AuditAction::AppealDecision => "处理申诉",
            AuditAction::AmendPublication => "更正发布结果",
            AuditAction::BallotCampaign => "新建评议",
            AuditAction::BallotCodes => "发放投票码",
            AuditAction::BallotPaper => "录入纸质票",
            AuditAction::BallotClose => "结束评议",
            AuditAction::RecordKeep => "记录本登记",
            AuditAction::RecordReject => "退回记录本记录",
            AuditAction::RecordsConfirm => "核定记录本扣分",
            AuditAction::RectificationRequire => "要求整改",
            AuditAction::RectificationReport => "提交整改报告",
            AuditAction::RectificationDecision => "整改验收",
            AuditAction::NotifyChannelCreate => "新建提醒渠道",
            AuditAction::NotifyChannelEdit => "修改提醒渠道",
            AuditAction::NotifyChannelDelete => "删除提醒渠道",
            AuditAction::NotifySmtp => "修改邮件服务器设置",
        }
    }

    /// The action a stored key names.
    pub fn from_key(key: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.key() == key)
    }
}

/// The Chinese name of a stored action key; a key no version of Kaoping wrote is shown as stored.
pub fn action_name(key: &str) -> &str {
    AuditAction::from_key(key).map_or(key, |a| a.name())
}

/// Audit records on one page of the log.
pub const AUDIT_PAGE_SIZE: i64 = 50;

/// What the log is narrowed to, as typed into its form (empty or absent: not narrowed).
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// A user's id.
    pub user: Option<String>,
    /// An action's key.
    pub action: Option<String>,
    /// `YYYY-MM-DD`, China time, inclusive.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Text in the records' details.
    pub text: Option<String>,
}

impl AuditQuery {
    /// Each condition by its name in the page's address, as given.
    pub fn fields(&self) -> [(&'static str, &Option<String>); 5] {
        [
            ("user", &self.user),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
            ("text", &self.text),
        ]
    }

    /// Whether any condition is given.
    pub fn narrowed(&self) -> bool {
        self.fields().iter().any(|(_, v)| v.is_some())
    }
}

/// One page of the audit log.
pub struct AuditView {
    pub query: AuditQuery,
    /// Filter values the log cannot use; the page is empty then.
    pub problems: Vec<FieldProblem>,
    pub page: AuditPage,
    /// 1-based.
    pub page_number: i64,
    pub pages: i64,
    /// Every user, to name them and to choose one.
    pub users: Vec<User>,
}

impl App {
    /// Page `page_number` (1-based, newest first) of the audit log, narrowed as `query` asks: only the
    /// administrator reads it.
    pub async fn audit_page(
        &self,
        actor: &Actor,
        query: AuditQuery,
        page_number: i64,
    ) -> Result<AuditView, AppError> {
        actor.require(Action::ViewAudit, "只有管理员可以查看操作日志")?;
        let users = self.store.users().await?;
        let mut problems = Vec::new();
        let user_id = user_id(
            "user",
            "用户",
            query.user.as_deref(),
            |id| users.iter().any(|u| u.id == id),
            &mut problems,
        );
        let action = query
            .action
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty());
        if let Some(a) = action {
            if AuditAction::from_key(a).is_none() {
                problems.push(FieldProblem::new(
                    "action",
                    format!("操作：没有“{a}”这种操作"),
                ));
            }
        }
        let (from_ms, until_ms) =
            day_range(query.from.as_deref(), query.to.as_deref(), &mut problems);
        let text = search_text(query.text.as_deref(), &mut problems);
        let page_number = page_number.max(1);
        let page = if problems.is_empty() {
            let filter = AuditFilter {
                user_id,
                action: action.map(String::from),
                from_ms,
                until_ms,
                text,
            };
            self.store
                .audit_page(
                    &filter,
                    (page_number - 1).saturating_mul(AUDIT_PAGE_SIZE),
                    AUDIT_PAGE_SIZE,
                )
                .await?
        } else {
            AuditPage {
                entries: Vec::new(),
                total: 0,
            }
        };
        Ok(AuditView {
            pages: pages(page.total, AUDIT_PAGE_SIZE),
            query,
            problems,
            page,
            page_number,
            users,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_its_own_key_and_a_chinese_name() {
        let mut keys: Vec<&str> = AuditAction::ALL.iter().map(|a| a.key()).collect();
        let mut names: Vec<&str> = AuditAction::ALL.iter().map(|a| a.name()).collect();
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::from_key(a.key()), Some(a));
            assert!(
                a.name().chars().all(|c| !c.is_ascii_alphabetic()),
                "{} is not named in Chinese",
                a.key()
            );
            assert_eq!(action_name(a.key()), a.name());
        }
        keys.sort_unstable();
        keys.dedup();
        names.sort_unstable();
        names.dedup();
        assert_eq!(keys.len(), AuditAction::ALL.len(), "keys are distinct");
        assert_eq!(names.len(), AuditAction::ALL.len(), "names are distinct");
        assert_eq!(action_name("something_old"), "something_old");
    }

    /// The second argument of every `audit(` call in the sources that write audit records (the
    /// application, the store, the server, the CLI): each must be an [`AuditAction`]'s key, and a
    /// literal key must be one of theirs.
    fn written_actions() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut dirs: Vec<_> = [
            "kaoping-app",
            "kaoping-store",
            "kaoping-server",
            "kaoping-cli",
        ]
        .iter()
        .map(|c| root.join(c).join("src"))
        .collect();
        let mut actions = Vec::new();
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
                if path.ends_with("kaoping-app/src/audit.rs") {
                    continue; // this test's own text
                }
                let text = std::fs::read_to_string(&path).expect("source");
                for (i, _) in text.match_indices(".audit(") {
                    let args = arguments(&text[i + ".audit(".len()..]);
                    if let Some(action) = args.get(1) {
                        actions.push(format!("{}: {action}", path.display()));
                    }
                }
            }
        }
        actions
    }

    /// The top-level arguments of a call, from just after its `(`.
    fn arguments(rest: &str) -> Vec<String> {
        let (mut args, mut current, mut depth, mut quoted) = (Vec::new(), String::new(), 0, false);
        for c in rest.chars() {
            match c {
                '"' => quoted = !quoted,
                '(' | '[' | '{' if !quoted => depth += 1,
                ')' | ']' | '}' if !quoted && depth == 0 => break,
                ')' | ']' | '}' if !quoted => depth -= 1,
                ',' if !quoted && depth == 0 => {
                    args.push(current.trim().to_string());
                    current.clear();
                    continue;
                }
                _ => {}
            }
            current.push(c);
        }
        if !current.trim().is_empty() {
            args.push(current.trim().to_string());
        }
        args
    }

    #[test]
    fn every_action_written_is_a_named_action() {
        let actions = written_actions();
        assert!(actions.len() >= 25, "audit calls found: {actions:#?}");
        for written in &actions {
            let (_, action) = written.split_once(": ").expect("path: action");
            let named = match action.strip_prefix('"') {
                Some(literal) => AuditAction::from_key(literal.trim_end_matches('"')).is_some(),
                None => {
                    (action.starts_with("AuditAction::") && action.ends_with(".key()"))
                        || action == "action.key()"
                }
            };
            assert!(
                named,
                "an audit record written without a named action: {written}"
            );
        }
    }
}
