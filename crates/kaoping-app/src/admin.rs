//! 管理: users (create, deactivate, reset password), departments, the organisation tree, rubric versions
//! (checked whole before saving) and periods. Only the administrator; every change is audited.

use kaoping_formats::parse_rubric;
use kaoping_store::{
    Department, NewOrgUnit, NewPeriod, NewUser, OrgKind, OrgUnit, Period, Role, RubricVersion, User,
};

use crate::actor::{role_name, Actor};
use crate::audit::AuditAction;
use crate::auth::{hash_password, random_password};
use crate::error::AppError;
use crate::imports::rubric_problems;
use crate::limits::{bounded, CODE_CHARS, NAME_CHARS};
use crate::permissions::Action;
use crate::App;

/// Everything the administration page lists.
pub struct AdminBoard {
    pub users: Vec<User>,
    pub departments: Vec<Department>,
    pub org: Vec<OrgUnit>,
    pub rubrics: Vec<RubricVersion>,
    pub periods: Vec<Period>,
}

/// A new user as the form gives it (ids already parsed).
#[derive(Debug, Clone, Default)]
pub struct NewUserForm {
    pub username: String,
    pub display_name: String,
    pub role: Option<Role>,
    pub department_id: Option<i64>,
    pub unit_id: Option<i64>,
}

/// A new node of the organisation tree as the form gives it.
#[derive(Debug, Clone, Default)]
pub struct NewOrgUnitForm {
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub kind: Option<OrgKind>,
    pub ranking_group: String,
    /// Group codes separated by commas (either width), 、 or spaces.
    pub member_of: String,
}

/// A new period as the form gives it.
#[derive(Debug, Clone, Default)]
pub struct NewPeriodForm {
    pub name: String,
    /// As typed; must be a year between 2000 and 2100.
    pub year: String,
    pub rubric_id: Option<i64>,
    /// Only these units (otherwise every unit of the tree).
    pub only: Option<Vec<i64>>,
}

/// A rubric upload that could not be saved: what was typed, and every problem, located.
#[derive(Debug, Clone, Default)]
pub struct RubricDraft {
    pub name: String,
    pub toml: String,
    pub problems: Vec<String>,
}

const ADMIN_ONLY: &str = "只有管理员可以管理用户、部门、组织、考评细则和考评期";

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Group codes as typed: separated by commas (either width), 、 or spaces.
pub fn split_codes(text: &str) -> Vec<String> {
    let mut codes: Vec<String> = text
        .split(|c: char| {
            c == ',' || c == '，' || c == '、' || c == ';' || c == '；' || c.is_whitespace()
        })
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(String::from)
        .collect();
    codes.dedup();
    codes
}

/// Checks a new user's fields against the departments and units; the error names the field.
fn new_user(
    f: &NewUserForm,
    departments: &[Department],
    org: &[OrgUnit],
    password_hash: String,
) -> Result<NewUser, String> {
    let username = f.username.trim();
    if username.is_empty() {
        return Err("用户名：不能为空".into());
    }
    bounded("用户名", username, CODE_CHARS)?;
    if username
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err("用户名：不能含空格".into());
    }
    bounded("姓名", &f.display_name, NAME_CHARS)?;
    let role = f.role.ok_or("角色：请选择角色")?;
    let department = match f.department_id {
        Some(id) => Some(
            departments
                .iter()
                .find(|x| x.id == id)
                .ok_or("部门：所选部门不存在")?
                .id,
        ),
        None => None,
    };
    let unit = match f.unit_id {
        Some(id) => Some(
            org.iter()
                .find(|x| x.id == id && x.kind == OrgKind::Unit)
                .ok_or("单位：所选单位不存在")?
                .id,
        ),
        None => None,
    };
    let (department_id, unit_id) = match role {
        Role::Assessor => (
            Some(department.ok_or("部门：考核部门的用户必须选择所属部门")?),
            None,
        ),
        Role::Leader => (
            None,
            Some(unit.ok_or("单位：单位负责人必须选择所负责的单位")?),
        ),
        Role::Admin | Role::Viewer => (None, None),
    };
    Ok(NewUser {
        username: username.to_string(),
        display_name: opt(&f.display_name).unwrap_or_else(|| username.to_string()),
        password_hash,
        role,
        department_id,
        unit_id,
        // The password is a random one the administrator passes on: its owner chooses their own.
        must_change_password: true,
    })
}

/// Checks a new node against the tree; the error names the field.
fn new_org_unit(f: &NewOrgUnitForm, org: &[OrgUnit]) -> Result<NewOrgUnit, String> {
    let code = f.code.trim();
    if code.is_empty() {
        return Err("编号：不能为空".into());
    }
    bounded("编号", code, CODE_CHARS)?;
    if code.contains(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == '、') {
        return Err("编号：不能含空格或逗号".into());
    }
    if org.iter().any(|u| u.code == code) {
        return Err(format!("编号：“{code}”已被使用"));
    }
    let name = f.name.trim();
    if name.is_empty() {
        return Err("名称：不能为空".into());
    }
    bounded("名称", name, NAME_CHARS)?;
    bounded("排名组", &f.ranking_group, CODE_CHARS)?;
    bounded("所属组", &f.member_of, NAME_CHARS)?;
    let kind = f.kind.ok_or("类型：请选择类型")?;
    let parent_id = match f.parent_id {
        Some(p) if org.iter().any(|u| u.id == p) => Some(p),
        Some(_) => return Err("上级：所选上级不存在".into()),
        None => None,
    };
    let member_of = split_codes(&f.member_of);
    for g in &member_of {
        if !org.iter().any(|u| u.code == *g && u.kind == OrgKind::Group) {
            return Err(format!(
                "所属组：“{g}”不是已有的组，请先新建类型为“组”的节点"
            ));
        }
    }
    if kind != OrgKind::Unit && !member_of.is_empty() {
        return Err("所属组：只有考评单位可以属于组".into());
    }
    Ok(NewOrgUnit {
        code: code.to_string(),
        name: name.to_string(),
        parent_id,
        kind,
        ranking_group: opt(&f.ranking_group),
        member_of,
    })
}

/// Checks a new period's fields; the error names the field.
fn new_period(f: &NewPeriodForm, rubric_ids: &[i64], org: &[OrgUnit]) -> Result<NewPeriod, String> {
    let name = f.name.trim();
    if name.is_empty() {
        return Err("名称：不能为空".into());
    }
    bounded("名称", name, NAME_CHARS)?;
    let year = f.year.trim();
    let year: i32 = year
        .parse()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| format!("年度：“{year}”不是2000至2100之间的年份"))?;
    let rubric_id = f
        .rubric_id
        .filter(|id| rubric_ids.contains(id))
        .ok_or("考评细则：请选择考评细则")?;
    let units: Vec<i64> = org
        .iter()
        .filter(|u| u.kind == OrgKind::Unit)
        .map(|u| u.id)
        .collect();
    let unit_ids: Vec<i64> = match &f.only {
        Some(chosen) => {
            if let Some(bad) = chosen.iter().find(|id| !units.contains(id)) {
                return Err(format!("参加考评的单位：单位#{bad}不存在"));
            }
            chosen.clone()
        }
        None => units,
    };
    if unit_ids.is_empty() {
        return Err("参加考评的单位：至少选择一个单位".into());
    }
    Ok(NewPeriod {
        name: name.to_string(),
        year,
        rubric_id,
        unit_ids,
    })
}

/// The kind of an organisation node as users read it.
pub fn org_kind_name(kind: OrgKind) -> &'static str {
    match kind {
        OrgKind::Organisation => "组织（厂、镇）",
        OrgKind::Unit => "考评单位（车间、支部、村）",
        OrgKind::Group => "组（科室、调查组）",
    }
}

impl App {
    /// Everything the administration page lists.
    pub async fn admin_board(&self, actor: &Actor) -> Result<AdminBoard, AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        Ok(AdminBoard {
            users: self.store.users().await?,
            departments: self.store.departments().await?,
            org: self.store.org_units().await?,
            rubrics: self.store.rubrics().await?,
            periods: self.store.periods().await?,
        })
    }

    /// Creates a user with a random password, returned to be shown once.
    pub async fn create_user(
        &self,
        actor: &Actor,
        form: &NewUserForm,
    ) -> Result<(NewUser, String), AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        let departments = self.store.departments().await?;
        let org = self.store.org_units().await?;
        let password = random_password();
        let new = new_user(form, &departments, &org, hash_password(&password))
            .map_err(AppError::Invalid)?;
        // Named here; the database's unique index still decides between two racing requests.
        if self.store.user_by_username(&new.username).await?.is_some() {
            return Err(AppError::Invalid(format!(
                "用户名：“{}”已存在",
                new.username
            )));
        }
        let id = self.store.create_user(&new).await?;
        self.store
            .audit(
                Some(actor.id()),
                AuditAction::UserCreate.key(),
                &format!(
                    "新建用户{}（#{id}，{}，{}）",
                    new.username,
                    new.display_name,
                    role_name(new.role)
                ),
            )
            .await?;
        Ok((new, password))
    }

    /// Activates or deactivates a user (never oneself); returns the user.
    pub async fn set_user_active(
        &self,
        actor: &Actor,
        user_id: i64,
        active: bool,
    ) -> Result<User, AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        if user_id == actor.id() && !active {
            return Err(AppError::Invalid("不能停用自己的账号".into()));
        }
        let target = self.store.user(user_id).await?;
        self.store.set_user_active(user_id, active).await?;
        let what = if active { "启用" } else { "停用" };
        self.store
            .audit(
                Some(actor.id()),
                AuditAction::UserActive.key(),
                &format!("{what}用户{}（#{user_id}）", target.username),
            )
            .await?;
        Ok(target)
    }

    /// Gives a user a new random password (returned to be shown once); their sessions end.
    pub async fn reset_password(
        &self,
        actor: &Actor,
        user_id: i64,
    ) -> Result<(User, String), AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        let target = self.store.user(user_id).await?;
        let password = random_password();
        self.store
            .set_password(user_id, &hash_password(&password), true)
            .await?;
        self.store
            .audit(
                Some(actor.id()),
                AuditAction::UserPassword.key(),
                &format!("重置用户{}（#{user_id}）的密码", target.username),
            )
            .await?;
        Ok((target, password))
    }

    /// Creates a department; code and name must be new.
    pub async fn create_department(
        &self,
        actor: &Actor,
        code: &str,
        name: &str,
    ) -> Result<i64, AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        let (code, name) = (code.trim(), name.trim());
        if code.is_empty() {
            return Err(AppError::Invalid("部门编号：不能为空".into()));
        }
        if name.is_empty() {
            return Err(AppError::Invalid("部门名称：不能为空".into()));
        }
        bounded("部门编号", code, CODE_CHARS).map_err(AppError::Invalid)?;
        bounded("部门名称", name, NAME_CHARS).map_err(AppError::Invalid)?;
        let departments = self.store.departments().await?;
        if departments.iter().any(|d| d.code == code) {
            return Err(AppError::Invalid(format!("部门编号：“{code}”已存在")));
        }
        if departments.iter().any(|d| d.name == name) {
            return Err(AppError::Invalid(format!("部门名称：“{name}”已存在")));
        }
        let id = self.store.create_department(code, name).await?;
        self.store
            .audit(
                Some(actor.id()),
                AuditAction::DepartmentCreate.key(),
                &format!("新建部门{name}（{code}，#{id}）"),
            )
            .await?;
        Ok(id)
    }

    /// Adds a node to the organisation tree; returns its name.
    pub async fn create_org_unit(
        &self,
        actor: &Actor,
        form: &NewOrgUnitForm,
    ) -> Result<String, AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        let org = self.store.org_units().await?;
        let new = new_org_unit(form, &org).map_err(AppError::Invalid)?;
        let id = self.store.create_org_unit(&new).await?;
        self.store
            .audit(
                Some(actor.id()),
                AuditAction::OrgCreate.key(),
                &format!(
                    "新建{}{}（{}，#{id}）",
                    org_kind_name(new.kind),
                    new.name,
                    new.code
                ),
            )
            .await?;
        Ok(new.name)
    }

    /// Saves a rubric as the next version of its name, if it is valid as a whole.
    ///
    /// # Errors
    /// `Err(draft)` with every problem located by line and column; nothing is saved then.
    pub async fn save_rubric(
        &self,
        actor: &Actor,
        name: &str,
        toml: &str,
        action: AuditAction,
    ) -> Result<Result<RubricVersion, RubricDraft>, AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        let name = name.trim().to_string();
        let mut problems = Vec::new();
        if name.is_empty() {
            problems.push("名称：不能为空".into());
        }
        if let Err(e) = bounded("名称", &name, NAME_CHARS) {
            problems.push(e);
        }
        if problems.is_empty() && toml.trim().is_empty() {
            problems.push("TOML：请选择文件或粘贴考评细则文本".into());
        }
        if problems.is_empty() {
            if let Err(e) = parse_rubric(&name, toml) {
                problems = rubric_problems(&e);
            }
        }
        if !problems.is_empty() {
            return Ok(Err(RubricDraft {
                name,
                toml: toml.to_string(),
                problems,
            }));
        }
        let saved = self.store.save_rubric(&name, toml, actor.id()).await?;
        self.store
            .audit(
                Some(actor.id()),
                action.key(),
                &format!(
                    "{}“{}”第{}版（#{}）",
                    action.name(),
                    saved.name,
                    saved.version,
                    saved.id
                ),
            )
            .await?;
        Ok(Ok(saved))
    }

    /// Creates an open period; returns it as typed.
    pub async fn create_period(
        &self,
        actor: &Actor,
        form: &NewPeriodForm,
    ) -> Result<NewPeriod, AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        let rubric_ids: Vec<i64> = self.store.rubrics().await?.iter().map(|r| r.id).collect();
        let org = self.store.org_units().await?;
        let new = new_period(form, &rubric_ids, &org).map_err(AppError::Invalid)?;
        let id = self.store.create_period(&new).await?;
        self.store
            .audit(
                Some(actor.id()),
                AuditAction::PeriodCreate.key(),
                &format!(
                    "新建考评期“{}”（#{id}，{}个单位）",
                    new.name,
                    new.unit_ids.len()
                ),
            )
            .await?;
        Ok(new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: i64, code: &str, parent: Option<i64>, kind: OrgKind) -> OrgUnit {
        OrgUnit {
            id,
            code: code.into(),
            name: code.into(),
            parent_id: parent,
            kind,
            ranking_group: None,
            member_of: Vec::new(),
        }
    }

    fn tree() -> Vec<OrgUnit> {
        vec![
            node(1, "DLC", None, OrgKind::Organisation),
            node(2, "D01", Some(1), OrgKind::Unit),
            node(3, "KS", Some(1), OrgKind::Group),
            node(4, "D02", Some(1), OrgKind::Unit),
        ]
    }

    #[test]
    fn group_codes_split_on_any_separator() {
        assert_eq!(
            split_codes(" KS，A1、B2 ,C3 "),
            vec!["KS", "A1", "B2", "C3"]
        );
        assert!(split_codes("  ").is_empty());
    }

    #[test]
    fn users_need_the_link_their_role_needs() {
        let depts = vec![Department {
            id: 7,
            code: "AQK".into(),
            name: "安全科".into(),
        }];
        let form = |role: Option<Role>, department: Option<i64>, unit: Option<i64>| NewUserForm {
            username: "zhang".into(),
            display_name: String::new(),
            role,
            department_id: department,
            unit_id: unit,
        };
        let org = tree();
        let err = |f: NewUserForm| new_user(&f, &depts, &org, String::new()).unwrap_err();
        assert!(err(form(Some(Role::Assessor), None, None)).starts_with("部门"));
        assert!(err(form(Some(Role::Leader), None, None)).starts_with("单位"));
        assert!(
            err(form(Some(Role::Leader), None, Some(3))).starts_with("单位"),
            "a group is not a unit"
        );
        assert!(err(form(None, None, None)).starts_with("角色"));
        let ok = new_user(
            &form(Some(Role::Assessor), Some(7), Some(2)),
            &depts,
            &org,
            String::new(),
        )
        .unwrap();
        assert_eq!((ok.department_id, ok.unit_id), (Some(7), None));
        assert_eq!(ok.display_name, "zhang");
        let ok = new_user(
            &form(Some(Role::Leader), None, Some(2)),
            &depts,
            &org,
            String::new(),
        )
        .unwrap();
        assert_eq!((ok.department_id, ok.unit_id), (None, Some(2)));
    }

    #[test]
    fn nodes_are_checked_against_the_tree() {
        let org = tree();
        let form = |code: &str, kind: OrgKind, member_of: &str| NewOrgUnitForm {
            code: code.into(),
            name: "新单位".into(),
            parent_id: Some(1),
            kind: Some(kind),
            ranking_group: String::new(),
            member_of: member_of.into(),
        };
        assert!(new_org_unit(&form("D01", OrgKind::Unit, ""), &org)
            .unwrap_err()
            .contains("已被使用"));
        assert!(new_org_unit(&form("D03", OrgKind::Unit, "D02"), &org)
            .unwrap_err()
            .starts_with("所属组"));
        let ok = new_org_unit(&form("D03", OrgKind::Unit, "KS"), &org).unwrap();
        assert_eq!(ok.member_of, vec!["KS"]);
        assert_eq!(ok.parent_id, Some(1));
    }

    #[test]
    fn periods_take_all_units_or_the_chosen_ones() {
        let org = tree();
        let form = |year: &str, only: Option<Vec<i64>>| NewPeriodForm {
            name: "2025年度".into(),
            year: year.into(),
            rubric_id: Some(5),
            only,
        };
        assert_eq!(
            new_period(&form("2025", None), &[5], &org)
                .unwrap()
                .unit_ids,
            vec![2, 4]
        );
        assert_eq!(
            new_period(&form("2025", Some(vec![4])), &[5], &org)
                .unwrap()
                .unit_ids,
            vec![4]
        );
        assert!(new_period(&form("2025", Some(vec![])), &[5], &org)
            .unwrap_err()
            .contains("至少"));
        assert!(new_period(&form("2025", Some(vec![3])), &[5], &org).is_err());
        assert!(new_period(&form("25", None), &[5], &org)
            .unwrap_err()
            .starts_with("年度"));
    }
}
