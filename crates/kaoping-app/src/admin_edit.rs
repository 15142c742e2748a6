//! 管理 that edits: users, departments, nodes of the organisation tree, a rubric version's label and
//! periods changed after they were created; departments, nodes, rubric versions and periods deleted
//! while nothing uses them (the store checks, in the transaction of the delete), with a reason that the
//! audit record keeps. Only the administrator; every change is audited in its own transaction.
//!
//! A form's refusal is a list of [`FieldProblem`]s, each naming the form field it belongs beside; the
//! page shows the form again with what was typed. What the store refuses is phrased `标签：…`, and
//! [`problems_from`] puts it beside the field its label names.

use kaoping_formats::parse_rubric;
use kaoping_store::{
    AuditNote, Department, OrgChange, OrgKind, OrgUnit, Period, PeriodStatus, Role, RubricVersion,
    StoreError, User, UserChange,
};

use crate::actor::{role_name, Actor};
use crate::admin::org_kind_name;
use crate::audit::AuditAction;
use crate::error::AppError;
use crate::limits::{bounded, CODE_CHARS, NAME_CHARS, NOTE_CHARS};
use crate::lists::FieldProblem;
use crate::permissions::Action;
use crate::App;

const ADMIN_ONLY: &str = "只有管理员可以管理用户、部门、组织、考评细则和考评期";

/// What a form gives back: the value saved, or every problem beside its field.
pub type Checked<T> = Result<T, Vec<FieldProblem>>;

/// A user's fields as typed into the edit form (the username is not among them: it stays); the page
/// reads the form into it, a missing field as empty.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct UserEdit {
    pub display_name: String,
    pub role: String,
    pub department: String,
    pub unit: String,
}

/// A node's fields as typed into the edit form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct OrgEdit {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent: String,
}

/// A period's fields as typed into the edit form (its rubric and units stay as created).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct PeriodEdit {
    pub name: String,
    pub year: String,
}

/// What can be deleted while nothing uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletable {
    Department,
    OrgUnit,
    Rubric,
    Period,
}

impl Deletable {
    /// The word for it.
    pub fn name(self) -> &'static str {
        match self {
            Deletable::Department => "部门",
            Deletable::OrgUnit => "组织节点",
            Deletable::Rubric => "考评细则版本",
            Deletable::Period => "考评期",
        }
    }
}

/// What a delete would remove and what still uses it (nothing: it may be deleted).
#[derive(Debug, Clone)]
pub struct Deletion {
    pub kind: Deletable,
    pub id: i64,
    /// The record in words: `部门“安全科”（AQK）`.
    pub what: String,
    /// What uses it, in words; empty when it may be deleted.
    pub uses: Vec<String>,
}

/// Puts a refusal phrased `标签：…` beside the field its label names (`fields`: label → field); a
/// message without a known label belongs to the form as a whole (field `""`).
pub fn problems_from(message: &str, fields: &[(&str, &'static str)]) -> Vec<FieldProblem> {
    let field = message
        .split_once('：')
        .and_then(|(label, _)| fields.iter().find(|(l, _)| *l == label))
        .map_or("", |(_, f)| *f);
    vec![FieldProblem::new(field, message.to_string())]
}

/// The store's refusals beside their fields; its faults stay errors.
fn refused<T>(e: StoreError, fields: &[(&str, &'static str)]) -> Result<Checked<T>, AppError> {
    match e {
        StoreError::Invalid(m) | StoreError::Conflict(m) => Ok(Err(problems_from(&m, fields))),
        other => Err(other.into()),
    }
}

fn note(actor: &Actor, action: AuditAction, detail: String) -> AuditNote {
    AuditNote {
        user_id: Some(actor.id()),
        action: action.key(),
        detail,
    }
}

/// An id chosen in a select: empty is none.
fn chosen_id(
    text: &str,
    field: &'static str,
    label: &str,
    problems: &mut Vec<FieldProblem>,
) -> Option<i64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    match t.parse() {
        Ok(id) => Some(id),
        Err(_) => {
            problems.push(FieldProblem::new(
                field,
                format!("{label}：“{t}”不是有效的编号"),
            ));
            None
        }
    }
}

/// A text field that must not be empty and has a length bound.
fn required(
    text: &str,
    field: &'static str,
    label: &str,
    max: usize,
    problems: &mut Vec<FieldProblem>,
) -> String {
    let t = text.trim();
    if t.is_empty() {
        problems.push(FieldProblem::new(field, format!("{label}：不能为空")));
    } else if let Err(e) = bounded(label, t, max) {
        problems.push(FieldProblem::new(field, e));
    }
    t.to_string()
}

/// The reason a delete needs: required, bounded.
fn reason_of(reason: &str) -> Checked<String> {
    let mut problems = Vec::new();
    let reason = required(reason, "reason", "删除原因", NOTE_CHARS, &mut problems);
    if problems.is_empty() {
        Ok(reason)
    } else {
        Err(problems)
    }
}

/// The year of a period as typed.
fn year_of(text: &str, problems: &mut Vec<FieldProblem>) -> i32 {
    let t = text.trim();
    match t.parse().ok().filter(|y| (2000..=2100).contains(y)) {
        Some(y) => y,
        None => {
            problems.push(FieldProblem::new(
                "year",
                format!("年度：“{t}”不是2000至2100之间的年份"),
            ));
            0
        }
    }
}

/// The owners (department names or codes) the items of `rubric` name.
fn owners_of(rubric: &RubricVersion) -> Vec<String> {
    match parse_rubric(&rubric.name, &rubric.toml) {
        Ok(r) => {
            let mut owners: Vec<String> = r
                .items()
                .iter()
                .filter_map(|i| i.department.clone())
                .collect();
            owners.sort();
            owners.dedup();
            owners
        }
        Err(_) => Vec::new(),
    }
}

/// Whether a rubric version names `department` as an item's owner.
fn names_department(rubric: &RubricVersion, department: &Department) -> bool {
    owners_of(rubric).iter().any(|o| department.answers_to(o))
}

/// A version's name as users read it.
pub fn rubric_title(r: &RubricVersion) -> String {
    match &r.label {
        Some(label) => format!("{label}（{} 第{}版）", r.name, r.version),
        None => format!("{} 第{}版", r.name, r.version),
    }
}

impl App {
    /// Changes a user's name, role, department and unit (the username stays). An administrator cannot
    /// take away their own role, and the last active administrator stays one.
    pub async fn edit_user(
        &self,
        actor: &Actor,
        id: i64,
        form: &UserEdit,
    ) -> Result<Checked<User>, AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        let before = self.store.user(id).await?;
        let departments = self.store.departments().await?;
        let org = self.store.org_units().await?;
        let mut problems = Vec::new();
        let display_name = required(
            &form.display_name,
            "display_name",
            "姓名",
            NAME_CHARS,
            &mut problems,
        );
        let role = Role::parse(form.role.trim());
        if role.is_none() {
            problems.push(FieldProblem::new("role", "角色：请选择角色".into()));
        }
        let department = chosen_id(&form.department, "department", "部门", &mut problems);
        let unit = chosen_id(&form.unit, "unit", "单位", &mut problems);
        if let Some(d) = department {
            if !departments.iter().any(|x| x.id == d) {
                problems.push(FieldProblem::new(
                    "department",
                    "部门：所选部门不存在".into(),
                ));
            }
        }
        if let Some(u) = unit {
            if !org.iter().any(|x| x.id == u && x.kind == OrgKind::Unit) {
                problems.push(FieldProblem::new("unit", "单位：所选单位不存在".into()));
            }
        }
        let (department_id, unit_id) = match role {
            Some(Role::Assessor) => {
                if department.is_none() {
                    problems.push(FieldProblem::new(
                        "department",
                        "部门：考核部门的用户必须选择所属部门".into(),
                    ));
                }
                (department, None)
            }
            Some(Role::Leader) => {
                if unit.is_none() {
                    problems.push(FieldProblem::new(
                        "unit",
                        "单位：单位负责人必须选择所负责的单位".into(),
                    ));
                }
                (None, unit)
            }
            _ => (None, None),
        };
        if id == actor.id() && role.is_some_and(|r| r != Role::Admin) {
            problems.push(FieldProblem::new(
                "role",
                "角色：不能取消自己的管理员角色，请由另一位管理员修改".into(),
            ));
        }
        let Some(role) = role.filter(|_| problems.is_empty()) else {
            return Ok(Err(problems));
        };
        let change = UserChange {
            display_name,
            role,
            department_id,
            unit_id,
        };
        let detail = format!(
            "修改用户{}（#{id}）：{}，{}",
            before.username,
            change.display_name,
            role_name(role)
        );
        match self
            .store
            .update_user(id, &change, &note(actor, AuditAction::UserEdit, detail))
            .await
        {
            Ok(user) => Ok(Ok(user)),
            Err(StoreError::Conflict(m)) => {
                Ok(Err(vec![FieldProblem::new("role", format!("角色：{m}"))]))
            }
            Err(e) => refused(e, &[]),
        }
    }

    /// Changes a department's code and name. A rubric of an open period that names the department by
    /// what is changed would leave its items without an owner: refused, naming the period.
    pub async fn edit_department(
        &self,
        actor: &Actor,
        id: i64,
        code: &str,
        name: &str,
    ) -> Result<Checked<Department>, AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        let before = self.store.department(id).await?;
        let mut problems = Vec::new();
        let code = required(code, "code", "部门编号", CODE_CHARS, &mut problems);
        let name = required(name, "name", "部门名称", NAME_CHARS, &mut problems);
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let after = Department {
            id,
            code: code.clone(),
            name: name.clone(),
        };
        if code != before.code || name != before.name {
            for period in self.store.periods().await? {
                if period.status != PeriodStatus::Open {
                    continue;
                }
                let rubric = self.store.rubric(period.rubric_id).await?;
                for owner in owners_of(&rubric) {
                    if before.answers_to(&owner) && !after.answers_to(&owner) {
                        let (field, label) = if owner == before.code {
                            ("code", "部门编号")
                        } else {
                            ("name", "部门名称")
                        };
                        return Ok(Err(vec![FieldProblem::new(
                            field,
                            format!(
                                "{label}：考评期“{}”的考评细则以“{owner}”指定责任部门，改后这些项目将无人负责",
                                period.name
                            ),
                        )]));
                    }
                }
            }
        }
        let detail = format!(
            "修改部门{}（{}，#{id}）为{name}（{code}）",
            before.name, before.code
        );
        match self
            .store
            .update_department(
                id,
                &code,
                &name,
                &note(actor, AuditAction::DepartmentEdit, detail),
            )
            .await
        {
            Ok(d) => Ok(Ok(d)),
            Err(e) => refused(e, &[("部门编号", "code"), ("部门名称", "name")]),
        }
    }

    /// Changes a node's code, name, kind and parent; see [`OrgChange`] for what is refused when.
    pub async fn edit_org_unit(
        &self,
        actor: &Actor,
        id: i64,
        form: &OrgEdit,
    ) -> Result<Checked<OrgUnit>, AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        let org = self.store.org_units().await?;
        let before = org
            .iter()
            .find(|u| u.id == id)
            .ok_or_else(|| AppError::NotFound(format!("单位 {id}")))?;
        let mut problems = Vec::new();
        let code = required(&form.code, "code", "编号", CODE_CHARS, &mut problems);
        if code.contains(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == '、') {
            problems.push(FieldProblem::new("code", "编号：不能含空格或逗号".into()));
        }
        let name = required(&form.name, "name", "名称", NAME_CHARS, &mut problems);
        let kind = OrgKind::parse(form.kind.trim());
        if kind.is_none() {
            problems.push(FieldProblem::new("kind", "类型：请选择类型".into()));
        }
        let parent_id = chosen_id(&form.parent, "parent", "上级", &mut problems);
        let Some(kind) = kind.filter(|_| problems.is_empty()) else {
            return Ok(Err(problems));
        };
        let change = OrgChange {
            code,
            name,
            kind,
            parent_id,
        };
        let detail = format!(
            "修改{}（{}，#{id}）为{}{}（{}）",
            before.name,
            before.code,
            org_kind_name(kind),
            change.name,
            change.code
        );
        match self
            .store
            .update_org_unit(id, &change, &note(actor, AuditAction::OrgEdit, detail))
            .await
        {
            Ok(u) => Ok(Ok(u)),
            Err(e) => refused(
                e,
                &[
                    ("编号", "code"),
                    ("名称", "name"),
                    ("类型", "kind"),
                    ("上级", "parent"),
                ],
            ),
        }
    }

    /// Gives a rubric version a label (empty: none). Its content never changes: a changed rubric is a new
    /// version.
    pub async fn label_rubric(
        &self,
        actor: &Actor,
        id: i64,
        label: &str,
    ) -> Result<Checked<RubricVersion>, AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        let before = self.store.rubric(id).await?;
        let label = label.trim();
        if let Err(e) = bounded("显示名称", label, NAME_CHARS) {
            return Ok(Err(vec![FieldProblem::new("label", e)]));
        }
        let label = (!label.is_empty()).then(|| label.to_string());
        let detail = format!(
            "考评细则“{}”第{}版（#{id}）的显示名称改为{}",
            before.name,
            before.version,
            label
                .as_deref()
                .map_or("（无）".to_string(), |l| format!("“{l}”"))
        );
        match self
            .store
            .set_rubric_label(
                id,
                label.as_deref(),
                &note(actor, AuditAction::RubricLabel, detail),
            )
            .await
        {
            Ok(()) => Ok(Ok(RubricVersion { label, ..before })),
            Err(e) => refused(e, &[("显示名称", "label")]),
        }
    }

    /// Renames an open period and changes its year, under its lock; a name another period has is
    /// refused (spaces and case aside). Its rubric and units stay as created.
    pub async fn edit_period(
        &self,
        actor: &Actor,
        id: i64,
        form: &PeriodEdit,
    ) -> Result<Checked<Period>, AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        let mut problems = Vec::new();
        let name = required(&form.name, "name", "名称", NAME_CHARS, &mut problems);
        let year = year_of(&form.year, &mut problems);
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let mut tx = self.store.lock_period(id).await?;
        let before = tx.period().clone();
        if let Err(e) = tx.edit(&name, year).await {
            return refused(e, &[("名称", "name"), ("年度", "year")]);
        }
        tx.audit(
            Some(actor.id()),
            AuditAction::PeriodEdit.key(),
            &format!(
                "修改考评期“{}”（#{id}，{}年）为“{name}”（{year}年）",
                before.name, before.year
            ),
        )
        .await?;
        let after = tx.period().clone();
        match tx.commit().await {
            Ok(()) => Ok(Ok(after)),
            Err(e) => refused(e, &[("名称", "name")]),
        }
    }

    /// What deleting a record would remove, and what still uses it.
    pub async fn deletion(
        &self,
        actor: &Actor,
        kind: Deletable,
        id: i64,
    ) -> Result<Deletion, AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        let (what, uses) = match kind {
            Deletable::Department => {
                let d = self.store.department(id).await?;
                let uses = self.store.department_uses(id, names_department).await?;
                (format!("部门“{}”（{}）", d.name, d.code), uses)
            }
            Deletable::OrgUnit => {
                let org = self.store.org_units().await?;
                let u = org
                    .iter()
                    .find(|u| u.id == id)
                    .ok_or_else(|| AppError::NotFound(format!("单位 {id}")))?;
                let uses = self.store.org_unit_uses(id).await?;
                (
                    format!("{}“{}”（{}）", org_kind_name(u.kind), u.name, u.code),
                    uses,
                )
            }
            Deletable::Rubric => {
                let r = self.store.rubric(id).await?;
                let periods = self.store.rubric_uses(id).await?;
                let uses = if periods.is_empty() {
                    Vec::new()
                } else {
                    vec![format!(
                        "{}个考评期在使用（{}）",
                        periods.len(),
                        periods
                            .iter()
                            .take(3)
                            .map(|p| format!("“{p}”"))
                            .collect::<Vec<_>>()
                            .join("、")
                    )]
                };
                (format!("考评细则“{}”", rubric_title(&r)), uses)
            }
            Deletable::Period => {
                let p = self.store.period(id).await?;
                let uses = self.store.period_uses(id).await?;
                (format!("考评期“{}”（{}年）", p.name, p.year), uses)
            }
        };
        Ok(Deletion {
            kind,
            id,
            what,
            uses,
        })
    }

    /// Deletes a record nothing uses, with the reason in its audit record; returns it in words. In use:
    /// [`AppError::Conflict`] naming the uses.
    pub async fn delete(
        &self,
        actor: &Actor,
        kind: Deletable,
        id: i64,
        reason: &str,
    ) -> Result<Checked<String>, AppError> {
        actor.require(Action::Administer, ADMIN_ONLY)?;
        let reason = match reason_of(reason) {
            Ok(r) => r,
            Err(p) => return Ok(Err(p)),
        };
        let what = self.deletion(actor, kind, id).await?.what;
        let detail = format!("删除{what}（#{id}），原因：{reason}");
        match kind {
            Deletable::Department => {
                self.store
                    .delete_department(
                        id,
                        names_department,
                        &note(actor, AuditAction::DepartmentDelete, detail),
                    )
                    .await?;
            }
            Deletable::OrgUnit => {
                self.store
                    .delete_org_unit(id, &note(actor, AuditAction::OrgDelete, detail))
                    .await?;
            }
            Deletable::Rubric => {
                self.store
                    .delete_rubric(id, &note(actor, AuditAction::RubricDelete, detail))
                    .await?;
            }
            Deletable::Period => {
                let mut tx = self.store.lock_period(id).await?;
                tx.delete().await?;
                tx.audit(Some(actor.id()), AuditAction::PeriodDelete.key(), &detail)
                    .await?;
                tx.commit().await?;
            }
        }
        Ok(Ok(what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_goes_beside_the_field_its_label_names() {
        let fields = [("名称", "name"), ("年度", "year")];
        assert_eq!(problems_from("年度：不对", &fields)[0].field, "year");
        assert_eq!(problems_from("别的：不对", &fields)[0].field, "");
        assert_eq!(problems_from("没有标签", &fields)[0].field, "");
    }

    #[test]
    fn a_delete_needs_a_reason() {
        assert!(reason_of("  ").is_err());
        assert_eq!(reason_of(" 建错了 ").unwrap(), "建错了");
    }
}
