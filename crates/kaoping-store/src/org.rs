//! Departments (纪委, 安全科, 计生办 …: they own rubric items and record findings) and the organisation tree
//! (厂 → 车间/支部, 镇 → 村) whose units are assessed.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::AnyConnection;

use crate::audit::{note_on, AuditNote};
use crate::chain::canonical;
use crate::rubrics::{rubric_from_row, RubricVersion, RUBRIC_COLUMNS};
use crate::{col, Store, StoreError};

/// A department that owns rubric items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department {
    pub id: i64,
    pub code: String,
    pub name: String,
}

impl Department {
    /// Whether a rubric's `department` field names this department: rubrics are written by hand, with
    /// the name (安全科) or the code (AQK).
    pub fn answers_to(&self, owner: &str) -> bool {
        owner == self.name || owner == self.code
    }
}

/// What a node of the organisation tree is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrgKind {
    /// An organisation that contains units (厂, 镇); not itself assessed unless a period says so.
    Organisation,
    /// An assessed unit (车间, 支部, 村).
    Unit,
    /// A group findings can name (科室, 调查组): a group finding applies to every member.
    Group,
}

impl OrgKind {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Organisation => "organisation",
            OrgKind::Unit => "unit",
            OrgKind::Group => "group",
        }
    }

    /// Parses the stored text.
    pub fn parse(text: &str) -> Option<OrgKind> {
        Some(match text {
            "organisation" => OrgKind::Organisation,
            "unit" => OrgKind::Unit,
            "group" => OrgKind::Group,
            _ => return None,
        })
    }
}

/// A node to add to the tree.
#[derive(Debug, Clone)]
pub struct NewOrgUnit {
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub kind: OrgKind,
    /// Units are ranked within their ranking group.
    pub ranking_group: Option<String>,
    /// Codes of the groups this unit belongs to, in order.
    pub member_of: Vec<String>,
}

/// What an administrator may change of a node: its code (while nothing names it by code), name (while no
/// published result shows it), kind (while nothing uses it) and parent (never under itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgChange {
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub parent_id: Option<i64>,
}

/// A stored node of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgUnit {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub kind: OrgKind,
    pub ranking_group: Option<String>,
    pub member_of: Vec<String>,
}

fn org_unit_from_row(row: &AnyRow) -> Result<OrgUnit, StoreError> {
    let kind: String = col(row, "kind")?;
    Ok(OrgUnit {
        id: col(row, "id")?,
        code: col(row, "code")?,
        name: col(row, "name")?,
        parent_id: col(row, "parent_id")?,
        kind: OrgKind::parse(&kind)
            .ok_or_else(|| StoreError::Invalid(format!("未知单位类型“{kind}”")))?,
        ranking_group: col(row, "ranking_group")?,
        member_of: Vec::new(),
    })
}

impl Store {
    /// Adds a department; a taken code is a [`StoreError::Conflict`], a taken name
    /// [`StoreError::Invalid`] (checked under the organisation's lock).
    pub async fn create_department(&self, code: &str, name: &str) -> Result<i64, StoreError> {
        if code.trim().is_empty() {
            return Err(StoreError::Invalid("部门编号不能为空".into()));
        }
        // Names have no unique index (older databases may hold two alike); the organisation's lock,
        // held from here to the commit, makes this check and the insert one step.
        let (mut tx, mut chain) = self.begin_org().await?;
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM departments WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Invalid(format!("部门名称：“{name}”已存在")));
        }
        let id: i64 =
            sqlx::query_scalar("INSERT INTO departments (code, name) VALUES ($1, $2) RETURNING id")
                .bind(code)
                .bind(name)
                .fetch_one(&mut *tx)
                .await?;
        chain.record(&mut tx, &canonical::DEPARTMENT, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// All departments, by code.
    pub async fn departments(&self) -> Result<Vec<Department>, StoreError> {
        let rows = sqlx::query("SELECT id, code, name FROM departments")
            .fetch_all(self.pool())
            .await?;
        let mut departments = rows
            .iter()
            .map(|row| {
                Ok(Department {
                    id: col(row, "id")?,
                    code: col(row, "code")?,
                    name: col(row, "name")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        // Sorted here, not in SQL: text collation differs between the backends.
        departments.sort_by(|a, b| (&a.code, a.id).cmp(&(&b.code, b.id)));
        Ok(departments)
    }

    /// One department by id.
    pub async fn department(&self, id: i64) -> Result<Department, StoreError> {
        let row = sqlx::query("SELECT id, code, name FROM departments WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::not_found("部门", id))?;
        Ok(Department {
            id: col(&row, "id")?,
            code: col(&row, "code")?,
            name: col(&row, "name")?,
        })
    }

    /// Changes a department's code and name, with its audit record; a taken code or name is refused
    /// naming the field (`部门编号：…`, `部门名称：…`).
    pub async fn update_department(
        &self,
        id: i64,
        code: &str,
        name: &str,
        note: &AuditNote,
    ) -> Result<Department, StoreError> {
        let (mut tx, mut chain) = self.begin_org().await?;
        let taken: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT id, code, name FROM departments WHERE id <> $1")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        if taken.iter().any(|(_, c, _)| c == code) {
            return Err(StoreError::Invalid(format!("部门编号：“{code}”已存在")));
        }
        if taken.iter().any(|(_, _, n)| n == name) {
            return Err(StoreError::Invalid(format!("部门名称：“{name}”已存在")));
        }
        let done = sqlx::query("UPDATE departments SET code = $1, name = $2 WHERE id = $3")
            .bind(code)
            .bind(name)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("部门", id));
        }
        chain.record(&mut tx, &canonical::DEPARTMENT, id).await?;
        note_on(&mut tx, &mut chain, note).await?;
        tx.commit().await?;
        Ok(Department {
            id,
            code: code.to_string(),
            name: name.to_string(),
        })
    }

    /// What uses a department, in words (`2名用户`, `15条考核记录` …); `names` says whether a rubric
    /// version names it as an item's owner (the store does not read rubrics).
    pub async fn department_uses<F>(&self, id: i64, names: F) -> Result<Vec<String>, StoreError>
    where
        F: Fn(&RubricVersion, &Department) -> bool,
    {
        let mut conn = self.connection().await?;
        let department = self.department(id).await?;
        department_uses_on(&mut conn, &department, &names).await
    }

    /// Deletes a department nothing uses (checked in this transaction: no user, entry, review or rubric
    /// version names it), links its deletion and writes the audit record. In use: a
    /// [`StoreError::Conflict`] naming the uses.
    pub async fn delete_department<F>(
        &self,
        id: i64,
        names: F,
        note: &AuditNote,
    ) -> Result<Department, StoreError>
    where
        F: Fn(&RubricVersion, &Department) -> bool,
    {
        let (mut tx, mut chain) = self.begin_org().await?;
        let row = sqlx::query("SELECT id, code, name FROM departments WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::not_found("部门", id))?;
        let department = Department {
            id,
            code: col(&row, "code")?,
            name: col(&row, "name")?,
        };
        let uses = department_uses_on(&mut tx, &department, &names).await?;
        if !uses.is_empty() {
            return Err(StoreError::Conflict(format!(
                "部门“{}”仍有{}，不能删除",
                department.name,
                uses.join("、")
            )));
        }
        sqlx::query("DELETE FROM departments WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        chain
            .record_deleted(&mut tx, &canonical::DEPARTMENT, id)
            .await?;
        note_on(&mut tx, &mut chain, note).await?;
        tx.commit().await?;
        Ok(department)
    }

    /// Changes a node (see [`OrgChange`]), with its audit record; a refusal names its field (`编号：…`,
    /// `名称：…`, `类型：…`, `上级：…`). Every period is built again (names and the tree show in them).
    pub async fn update_org_unit(
        &self,
        id: i64,
        change: &OrgChange,
        note: &AuditNote,
    ) -> Result<OrgUnit, StoreError> {
        let (mut tx, mut chain) = self.begin_org().await?;
        let org = org_units_on(&mut tx).await?;
        let before = org
            .iter()
            .find(|u| u.id == id)
            .cloned()
            .ok_or_else(|| StoreError::not_found("单位", id))?;
        if let Some(parent) = change.parent_id {
            let Some(p) = org.iter().find(|u| u.id == parent) else {
                return Err(StoreError::Invalid("上级：所选上级不存在".into()));
            };
            // Walking up from the new parent must not reach the node itself.
            let mut at = Some(p);
            let mut steps = 0;
            while let Some(node) = at {
                if node.id == id {
                    return Err(StoreError::Invalid(format!(
                        "上级：“{}”是“{}”{}，选它作上级会使组织成环",
                        p.name,
                        before.name,
                        if p.id == id { "本身" } else { "的下级" }
                    )));
                }
                steps += 1;
                if steps > org.len() {
                    break;
                }
                at = node
                    .parent_id
                    .and_then(|pid| org.iter().find(|u| u.id == pid));
            }
        }
        let uses = org_unit_uses_on(&mut tx, &before).await?;
        if change.code != before.code {
            if org.iter().any(|u| u.id != id && u.code == change.code) {
                return Err(StoreError::Invalid(format!(
                    "编号：“{}”已被使用",
                    change.code
                )));
            }
            if let Some(why) = uses.by_code() {
                return Err(StoreError::Invalid(format!(
                    "编号：{why}以编号“{}”指称它，不能修改",
                    before.code
                )));
            }
        }
        if change.name != before.name {
            if let Some(period) = uses.published.first() {
                return Err(StoreError::Invalid(format!(
                    "名称：已发布的考评期“{period}”的结果中有此名称，改名会使已发布的结果与重新计分不符"
                )));
            }
        }
        if change.kind != before.kind {
            let words = uses.words();
            if !words.is_empty() {
                return Err(StoreError::Invalid(format!(
                    "类型：“{}”仍有{}，不能改变类型",
                    before.name,
                    words.join("、")
                )));
            }
        }
        sqlx::query(
            "UPDATE org_units SET code = $1, name = $2, kind = $3, parent_id = $4 WHERE id = $5",
        )
        .bind(&change.code)
        .bind(&change.name)
        .bind(change.kind.as_str())
        .bind(change.parent_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        // Names and memberships shape the periods' unit registers: every process re-reads them.
        sqlx::query("UPDATE periods SET revision = revision + 1")
            .execute(&mut *tx)
            .await?;
        chain.record(&mut tx, &canonical::ORG_UNIT, id).await?;
        note_on(&mut tx, &mut chain, note).await?;
        tx.commit().await?;
        Ok(OrgUnit {
            code: change.code.clone(),
            name: change.name.clone(),
            kind: change.kind,
            parent_id: change.parent_id,
            ..before
        })
    }

    /// What uses a node, in words (`3个下级`, `2名用户`, `考评期“2024年度”` …).
    pub async fn org_unit_uses(&self, id: i64) -> Result<Vec<String>, StoreError> {
        let mut conn = self.connection().await?;
        let org = org_units_on(&mut conn).await?;
        let unit = org
            .into_iter()
            .find(|u| u.id == id)
            .ok_or_else(|| StoreError::not_found("单位", id))?;
        Ok(org_unit_uses_on(&mut conn, &unit).await?.words())
    }

    /// Deletes a node nothing uses (checked in this transaction: no child, user, period, entry, appeal
    /// or member names it), links its deletion and writes the audit record. In use: a
    /// [`StoreError::Conflict`] naming the uses.
    pub async fn delete_org_unit(&self, id: i64, note: &AuditNote) -> Result<OrgUnit, StoreError> {
        let (mut tx, mut chain) = self.begin_org().await?;
        let org = org_units_on(&mut tx).await?;
        let unit = org
            .into_iter()
            .find(|u| u.id == id)
            .ok_or_else(|| StoreError::not_found("单位", id))?;
        let uses = org_unit_uses_on(&mut tx, &unit).await?.words();
        if !uses.is_empty() {
            return Err(StoreError::Conflict(format!(
                "“{}”仍有{}，不能删除",
                unit.name,
                uses.join("、")
            )));
        }
        sqlx::query("DELETE FROM org_unit_groups WHERE unit_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM org_units WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        chain
            .record_deleted(&mut tx, &canonical::ORG_UNIT, id)
            .await?;
        note_on(&mut tx, &mut chain, note).await?;
        tx.commit().await?;
        Ok(unit)
    }

    /// Adds a node to the organisation tree with its group memberships, in one transaction. A taken code is
    /// a [`StoreError::Conflict`]; an unknown parent is [`StoreError::NotFound`].
    pub async fn create_org_unit(&self, u: &NewOrgUnit) -> Result<i64, StoreError> {
        if u.code.trim().is_empty() {
            return Err(StoreError::Invalid("单位编号不能为空".into()));
        }
        let (mut tx, mut chain) = self.begin_org().await?;
        if let Some(parent) = u.parent_id {
            let found: Option<i64> = sqlx::query_scalar("SELECT id FROM org_units WHERE id = $1")
                .bind(parent)
                .fetch_optional(&mut *tx)
                .await?;
            if found.is_none() {
                return Err(StoreError::not_found("上级单位", parent));
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO org_units (code, name, parent_id, kind, ranking_group) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&u.code)
        .bind(&u.name)
        .bind(u.parent_id)
        .bind(u.kind.as_str())
        .bind(u.ranking_group.as_deref())
        .fetch_one(&mut *tx)
        .await?;
        let mut seen = Vec::new();
        for group in &u.member_of {
            let group = group.trim();
            if group.is_empty() || seen.contains(&group) {
                continue;
            }
            seen.push(group);
            sqlx::query(
                "INSERT INTO org_unit_groups (unit_id, position, group_code) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(seen.len() as i64)
            .bind(group)
            .execute(&mut *tx)
            .await?;
        }
        // Group memberships shape the periods' unit registers: every process re-reads them.
        sqlx::query("UPDATE periods SET revision = revision + 1")
            .execute(&mut *tx)
            .await?;
        chain.record(&mut tx, &canonical::ORG_UNIT, id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The whole tree in display order: every parent before its children, siblings by code.
    pub async fn org_units(&self) -> Result<Vec<OrgUnit>, StoreError> {
        let mut conn = self.connection().await?;
        org_units_on(&mut conn).await
    }
}

/// Counts of what refers to a department, in words.
async fn department_uses_on<F>(
    conn: &mut AnyConnection,
    department: &Department,
    names: &F,
) -> Result<Vec<String>, StoreError>
where
    F: Fn(&RubricVersion, &Department) -> bool,
{
    let mut uses = Vec::new();
    for (sql, unit) in [
        (
            "SELECT COUNT(*) FROM users WHERE department_id = $1",
            "名用户",
        ),
        (
            "SELECT COUNT(*) FROM entries WHERE department_id = $1",
            "条考核记录",
        ),
        (
            "SELECT COUNT(*) FROM reviews WHERE department_id = $1",
            "条审核记录",
        ),
    ] {
        let n: i64 = sqlx::query_scalar(sql)
            .bind(department.id)
            .fetch_one(&mut *conn)
            .await?;
        if n > 0 {
            uses.push(format!("{n}{unit}"));
        }
    }
    let rows = sqlx::query(&format!("SELECT {RUBRIC_COLUMNS} FROM rubrics ORDER BY id"))
        .fetch_all(&mut *conn)
        .await?;
    let mut named = Vec::new();
    for row in &rows {
        let rubric = rubric_from_row(row)?;
        if names(&rubric, department) {
            named.push(format!("考评细则“{}”第{}版", rubric.name, rubric.version));
        }
    }
    if !named.is_empty() {
        let more = named.len();
        named.truncate(3);
        let mut text = format!("{}中以它为责任部门的项目", named.join("、"));
        if more > 3 {
            text = format!(
                "{}等{more}个考评细则版本中以它为责任部门的项目",
                named.join("、")
            );
        }
        uses.push(text);
    }
    Ok(uses)
}

/// What refers to a node of the tree.
#[derive(Debug, Default)]
struct OrgUses {
    children: i64,
    users: i64,
    /// Names of the periods that assess it, published ones also in `published`.
    periods: Vec<String>,
    published: Vec<String>,
    entries: i64,
    appeals: i64,
    /// Units that belong to it (a group).
    members: i64,
}

impl OrgUses {
    /// Uses that name the node by its code, in words, if any.
    fn by_code(&self) -> Option<String> {
        let mut why = Vec::new();
        if let Some(p) = self.periods.first() {
            why.push(format!("考评期“{p}”"));
        }
        if self.entries > 0 {
            why.push(format!("{}条考核记录", self.entries));
        }
        if self.members > 0 {
            why.push(format!("{}个成员单位", self.members));
        }
        (!why.is_empty()).then(|| why.join("、"))
    }

    fn words(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.children > 0 {
            out.push(format!("{}个下级节点", self.children));
        }
        if self.users > 0 {
            out.push(format!("{}名用户", self.users));
        }
        if !self.periods.is_empty() {
            let mut names: Vec<String> = self
                .periods
                .iter()
                .take(3)
                .map(|p| format!("“{p}”"))
                .collect();
            if self.periods.len() > 3 {
                names.push(format!("等{}个", self.periods.len()));
            }
            out.push(format!("考评期{}", names.join("")));
        }
        if self.entries > 0 {
            out.push(format!("{}条考核记录", self.entries));
        }
        if self.appeals > 0 {
            out.push(format!("{}件申诉", self.appeals));
        }
        if self.members > 0 {
            out.push(format!("{}个成员单位", self.members));
        }
        out
    }
}

async fn org_unit_uses_on(conn: &mut AnyConnection, unit: &OrgUnit) -> Result<OrgUses, StoreError> {
    let mut uses = OrgUses::default();
    let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
    uses.children = count("SELECT COUNT(*) FROM org_units WHERE parent_id = $1")
        .bind(unit.id)
        .fetch_one(&mut *conn)
        .await?;
    uses.users = count("SELECT COUNT(*) FROM users WHERE unit_id = $1")
        .bind(unit.id)
        .fetch_one(&mut *conn)
        .await?;
    uses.appeals = count("SELECT COUNT(*) FROM appeals WHERE unit_id = $1")
        .bind(unit.id)
        .fetch_one(&mut *conn)
        .await?;
    uses.entries = count("SELECT COUNT(*) FROM entries WHERE unit_code = $1")
        .bind(&unit.code)
        .fetch_one(&mut *conn)
        .await?;
    uses.members = count("SELECT COUNT(*) FROM org_unit_groups WHERE group_code = $1")
        .bind(&unit.code)
        .fetch_one(&mut *conn)
        .await?;
    let periods: Vec<(String, String)> = sqlx::query_as(
        "SELECT p.name, p.status FROM periods p JOIN period_units pu ON pu.period_id = p.id \
         WHERE pu.unit_id = $1 ORDER BY p.id",
    )
    .bind(unit.id)
    .fetch_all(&mut *conn)
    .await?;
    for (name, status) in periods {
        if status == "published" {
            uses.published.push(name.clone());
        }
        uses.periods.push(name);
    }
    Ok(uses)
}

/// The whole tree in display order, on the caller's connection.
pub(crate) async fn org_units_on(conn: &mut AnyConnection) -> Result<Vec<OrgUnit>, StoreError> {
    let rows = sqlx::query("SELECT id, code, name, parent_id, kind, ranking_group FROM org_units")
        .fetch_all(&mut *conn)
        .await?;
    let mut units = rows
        .iter()
        .map(org_unit_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    // Sorted here, not in SQL: text collation differs between the backends.
    units.sort_by(|a, b| (&a.code, a.id).cmp(&(&b.code, b.id)));
    let groups =
        sqlx::query("SELECT unit_id, group_code FROM org_unit_groups ORDER BY unit_id, position")
            .fetch_all(&mut *conn)
            .await?;
    let index: HashMap<i64, usize> = units.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
    for row in &groups {
        let unit_id: i64 = col(row, "unit_id")?;
        if let Some(&i) = index.get(&unit_id) {
            units[i].member_of.push(col(row, "group_code")?);
        }
    }
    Ok(tree_order(units))
}

/// Depth-first order from the roots, children by code (the input is sorted by code already). A node whose
/// parent is missing is treated as a root, so nothing is ever dropped.
fn tree_order(units: Vec<OrgUnit>) -> Vec<OrgUnit> {
    let ids: std::collections::HashSet<i64> = units.iter().map(|u| u.id).collect();
    let mut children: HashMap<Option<i64>, Vec<usize>> = HashMap::new();
    for (i, u) in units.iter().enumerate() {
        let parent = u.parent_id.filter(|p| ids.contains(p));
        children.entry(parent).or_default().push(i);
    }
    let mut order = Vec::with_capacity(units.len());
    let mut stack: Vec<usize> = children.get(&None).cloned().unwrap_or_default();
    stack.reverse();
    let mut visited = vec![false; units.len()];
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut visited[i], true) {
            continue;
        }
        order.push(i);
        if let Some(kids) = children.get(&Some(units[i].id)) {
            stack.extend(kids.iter().rev());
        }
    }
    // Cycles cannot be created through this API, but never drop a row if one exists.
    order.extend((0..units.len()).filter(|&i| !visited[i]));
    let mut slots: Vec<Option<OrgUnit>> = units.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}
