//! Departments (纪委, 安全科, 计生办 …: they own rubric items and record findings) and the organisation tree
//! (厂 → 车间/支部, 镇 → 村) whose units are assessed.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::AnyConnection;

use crate::chain::canonical;
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
    /// Adds a department; a taken code is a [`StoreError::Conflict`].
    pub async fn create_department(&self, code: &str, name: &str) -> Result<i64, StoreError> {
        if code.trim().is_empty() {
            return Err(StoreError::Invalid("部门编号不能为空".into()));
        }
        let (mut tx, mut chain) = self.begin_org().await?;
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
