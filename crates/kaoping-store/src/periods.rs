//! Assessment periods (考评期): which rubric version and which units, and whether the period is still open
//! for findings or published and locked.

use sqlx::any::AnyRow;
use sqlx::AnyConnection;

use kaoping_core::units::Units;

use crate::chain::{self, canonical};
use crate::org::{OrgKind, OrgUnit};
use crate::{col, now_ms, Store, StoreError};

/// Open periods take findings; a published period is locked, and changes only through appeal decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodStatus {
    Open,
    Published,
}

impl PeriodStatus {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodStatus::Open => "open",
            PeriodStatus::Published => "published",
        }
    }

    /// Parses the stored text.
    pub fn parse(text: &str) -> Option<PeriodStatus> {
        Some(match text {
            "open" => PeriodStatus::Open,
            "published" => PeriodStatus::Published,
            _ => return None,
        })
    }
}

/// A period to create.
#[derive(Debug, Clone)]
pub struct NewPeriod {
    /// 2024年度, 2024年第三季度 …
    pub name: String,
    pub year: i32,
    /// The rubric version this period is scored under, for good.
    pub rubric_id: i64,
    /// The units assessed in this period.
    pub unit_ids: Vec<i64>,
}

/// A stored period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub id: i64,
    pub name: String,
    pub year: i32,
    pub rubric_id: i64,
    pub status: PeriodStatus,
    pub published_at: Option<i64>,
    pub published_by: Option<i64>,
    /// Counts the changes that alter the period's scores or how they read, other than ledger entries
    /// (publication, the organisation); see [`crate::LedgerHead`].
    pub revision: i64,
    pub unit_ids: Vec<i64>,
}

const PERIOD_COLUMNS: &str =
    "id, name, year, rubric_id, status, published_at, published_by, revision";

fn period_from_row(row: &AnyRow) -> Result<Period, StoreError> {
    let status: String = col(row, "status")?;
    let year: i64 = col(row, "year")?;
    Ok(Period {
        id: col(row, "id")?,
        name: col(row, "name")?,
        year: i32::try_from(year).map_err(|_| StoreError::Invalid(format!("年份{year}无效")))?,
        rubric_id: col(row, "rubric_id")?,
        status: PeriodStatus::parse(&status)
            .ok_or_else(|| StoreError::Invalid(format!("未知考评期状态“{status}”")))?,
        published_at: col(row, "published_at")?,
        published_by: col(row, "published_by")?,
        revision: col(row, "revision")?,
        unit_ids: Vec::new(),
    })
}

/// One period with its units; `lock` is appended to the period's query (`FOR UPDATE` to lock its row).
pub(crate) async fn period_on(
    conn: &mut AnyConnection,
    id: i64,
    lock: &str,
) -> Result<Period, StoreError> {
    let mut period = period_row_on(conn, id, lock).await?;
    period.unit_ids = unit_ids_on(conn, id).await?;
    Ok(period)
}

/// The period row alone (`unit_ids` left empty): what a write needs to know about its period.
pub(crate) async fn period_row_on(
    conn: &mut AnyConnection,
    id: i64,
    lock: &str,
) -> Result<Period, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {PERIOD_COLUMNS} FROM periods WHERE id = $1{lock}"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::not_found("考评期", id))?;
    period_from_row(&row)
}

/// The units a period assesses, by id.
pub(crate) async fn unit_ids_on(conn: &mut AnyConnection, id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(
        sqlx::query_scalar(
            "SELECT unit_id FROM period_units WHERE period_id = $1 ORDER BY unit_id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?,
    )
}

/// Marks a period published (its row is locked by the caller) and counts the change in its revision.
pub(crate) async fn publish_on(
    conn: &mut AnyConnection,
    id: i64,
    user_id: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE periods SET status = $1, published_at = $2, published_by = $3,          revision = revision + 1 WHERE id = $4",
    )
    .bind(PeriodStatus::Published.as_str())
    .bind(now_ms())
    .bind(user_id)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A period's name as it is compared with the others (the `name_key` column, unique): without spaces,
/// letters lowered, so `2025年度 考评` and `2025年度考评` are one name.
pub fn period_name_key(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Refuses a name another period (not `except`) already has, naming the field (`名称：…`).
pub(crate) async fn name_is_free_on(
    conn: &mut AnyConnection,
    name: &str,
    except: i64,
) -> Result<(), StoreError> {
    let taken: Option<String> =
        sqlx::query_scalar("SELECT name FROM periods WHERE name_key = $1 AND id <> $2")
            .bind(period_name_key(name))
            .bind(except)
            .fetch_optional(&mut *conn)
            .await?;
    match taken {
        Some(other) => Err(StoreError::Invalid(format!(
            "名称：已有考评期“{other}”，考评期不能重名（不计空格和大小写）"
        ))),
        None => Ok(()),
    }
}

/// What a period holds that forbids deleting it, in words (`12条考核记录`, `已发布` …).
pub(crate) async fn period_uses_on(
    conn: &mut AnyConnection,
    period: &Period,
) -> Result<Vec<String>, StoreError> {
    let mut uses = Vec::new();
    if period.status == PeriodStatus::Published {
        uses.push("已发布的结果".to_string());
    }
    for (table, unit) in [
        ("entries", "条考核记录"),
        ("reviews", "条审核记录"),
        ("appeals", "件申诉"),
        ("publications", "次发布"),
        ("ballot_campaigns", "项民主评议"),
        ("activity_records", "条记录本记录"),
        ("attendance_months", "条考勤数据"),
        ("exam_scores", "条考试成绩"),
    ] {
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM {table} WHERE period_id = $1"
        ))
        .bind(period.id)
        .fetch_one(&mut *conn)
        .await?;
        if n > 0 {
            uses.push(format!("{n}{unit}"));
        }
    }
    Ok(uses)
}

impl Store {
    /// What a period holds that forbids deleting it, in words.
    pub async fn period_uses(&self, id: i64) -> Result<Vec<String>, StoreError> {
        let mut conn = self.connection().await?;
        let period = period_row_on(&mut conn, id, "").await?;
        period_uses_on(&mut conn, &period).await
    }

    /// Creates an open period for a rubric version and a set of units. A name another period has (see
    /// [`period_name_key`]) is refused naming the field; of two racing, the unique index refuses one.
    pub async fn create_period(&self, p: &NewPeriod) -> Result<i64, StoreError> {
        if p.name.trim().is_empty() {
            return Err(StoreError::Invalid("考评期名称不能为空".into()));
        }
        let mut tx = self.begin().await?;
        name_is_free_on(&mut tx, &p.name, 0).await?;
        let rubric: Option<i64> = sqlx::query_scalar("SELECT id FROM rubrics WHERE id = $1")
            .bind(p.rubric_id)
            .fetch_optional(&mut *tx)
            .await?;
        if rubric.is_none() {
            return Err(StoreError::not_found("考评细则", p.rubric_id));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO periods (name, year, rubric_id, status, created_at, name_key) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&p.name)
        .bind(i64::from(p.year))
        .bind(p.rubric_id)
        .bind(PeriodStatus::Open.as_str())
        .bind(now_ms())
        .bind(period_name_key(&p.name))
        .fetch_one(&mut *tx)
        .await?;
        let mut unit_ids = p.unit_ids.clone();
        unit_ids.sort_unstable();
        unit_ids.dedup();
        for unit in unit_ids {
            let found: Option<i64> = sqlx::query_scalar("SELECT id FROM org_units WHERE id = $1")
                .bind(unit)
                .fetch_optional(&mut *tx)
                .await?;
            if found.is_none() {
                return Err(StoreError::not_found("单位", unit));
            }
            sqlx::query("INSERT INTO period_units (period_id, unit_id) VALUES ($1, $2)")
                .bind(id)
                .bind(unit)
                .execute(&mut *tx)
                .await?;
        }
        // The period's own chain starts with the period as created.
        chain::Link::new(chain::period_chain(id))
            .record(&mut tx, &canonical::PERIOD, id)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One period with its units.
    pub async fn period(&self, id: i64) -> Result<Period, StoreError> {
        let mut conn = self.connection().await?;
        period_on(&mut conn, id, "").await
    }

    /// All periods, newest first (by year, then id).
    pub async fn periods(&self) -> Result<Vec<Period>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {PERIOD_COLUMNS} FROM periods ORDER BY year DESC, id DESC"
        ))
        .fetch_all(self.pool())
        .await?;
        let mut periods = rows
            .iter()
            .map(period_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let links = sqlx::query("SELECT period_id, unit_id FROM period_units ORDER BY unit_id")
            .fetch_all(self.pool())
            .await?;
        for row in &links {
            let period_id: i64 = col(row, "period_id")?;
            if let Some(p) = periods.iter_mut().find(|p| p.id == period_id) {
                p.unit_ids.push(col(row, "unit_id")?);
            }
        }
        Ok(periods)
    }

    /// The periods that assess unit `unit_id`, newest first, their `unit_ids` left empty: a unit's
    /// history without reading every period's list of units (a thousand rows a period).
    pub async fn periods_assessing(&self, unit_id: i64) -> Result<Vec<Period>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {PERIOD_COLUMNS} FROM periods \
             WHERE id IN (SELECT period_id FROM period_units WHERE unit_id = $1) \
             ORDER BY year DESC, id DESC"
        ))
        .bind(unit_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(period_from_row).collect()
    }

    /// Publishes and locks a period with its results: from now on the ledger takes only appeal
    /// decisions. Publishing twice is a [`StoreError::Conflict`]. It waits for the period's lock, so no
    /// ordinary entry lands after it.
    pub async fn publish_period(
        &self,
        id: i64,
        publication: &crate::NewPublication,
    ) -> Result<crate::Publication, StoreError> {
        let mut tx = self.lock_period(id).await?;
        let published = tx.publish(publication).await?;
        tx.commit().await?;
        Ok(published)
    }

    /// The unit register the core scorer needs for a period: its assessed units in tree order, with their
    /// ranking groups and the groups (科室, 调查组) they belong to, so group findings reach every member.
    pub async fn scoring_units(&self, period_id: i64) -> Result<Units, StoreError> {
        let period = self.period(period_id).await?;
        Ok(period_units(&period, &self.org_units().await?)?.0)
    }
}

/// The units a period assesses, as the scorer's register (ranking groups, group memberships) and as
/// their organisation records, in the same order.
///
/// # Errors
/// Two units with one code (the register refuses them).
pub fn period_units(period: &Period, org: &[OrgUnit]) -> Result<(Units, Vec<OrgUnit>), StoreError> {
    let mut units = Units::new();
    let mut records = Vec::new();
    for unit in org
        .iter()
        .filter(|u| u.kind == OrgKind::Unit && period.unit_ids.contains(&u.id))
    {
        let groups: Vec<&str> = unit.member_of.iter().map(String::as_str).collect();
        units
            .add_unit(
                &unit.code,
                &unit.name,
                unit.ranking_group.as_deref(),
                &groups,
            )
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        records.push(unit.clone());
    }
    Ok((units, records))
}
