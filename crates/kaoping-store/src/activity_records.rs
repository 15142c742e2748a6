//! Activity records (记录本): each 支委会, 党课, 党费 payment … a unit records, append-only. A correction,
//! a withdrawal and a department's rejection are rows of their own naming the record they replace
//! (`replaces` is unique: a record is replaced once); the records that count are those no row replaces.

use kaoping_core::date::Date;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{col, now_ms, Store, StoreError};

/// What a row does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordAction {
    Record,
    /// Replaces a record with a corrected one.
    Correct,
    /// The recorder takes it back.
    Withdraw,
    /// The owning department refuses it (with a reason).
    Reject,
}

impl RecordAction {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordAction::Record => "record",
            RecordAction::Correct => "correct",
            RecordAction::Withdraw => "withdraw",
            RecordAction::Reject => "reject",
        }
    }

    fn parse(s: &str) -> Result<RecordAction, StoreError> {
        Ok(match s {
            "record" => RecordAction::Record,
            "correct" => RecordAction::Correct,
            "withdraw" => RecordAction::Withdraw,
            "reject" => RecordAction::Reject,
            other => return Err(StoreError::Invalid(format!("未知的记录操作“{other}”"))),
        })
    }

    /// Whether a row of this action is itself a record that can count.
    pub fn counts(self) -> bool {
        matches!(self, RecordAction::Record | RecordAction::Correct)
    }
}

/// A row as the application builds it.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub unit_code: String,
    pub kind: String,
    pub held_on: Date,
    pub topic: String,
    pub attendees: Option<i64>,
    pub eligible: Option<i64>,
    pub evidence_id: Option<i64>,
    pub action: RecordAction,
    pub replaces: Option<i64>,
    pub reason: String,
    pub recorded_by: i64,
}

/// A stored row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRecord {
    pub id: i64,
    pub period_id: i64,
    pub unit_code: String,
    pub kind: String,
    pub held_on: Date,
    pub topic: String,
    pub attendees: Option<i64>,
    pub eligible: Option<i64>,
    pub evidence_id: Option<i64>,
    pub action: RecordAction,
    pub replaces: Option<i64>,
    pub reason: String,
    pub recorded_by: i64,
    pub recorded_at: i64,
    /// The row that replaced this one, if any (read with it, not stored on it).
    pub replaced_by: Option<i64>,
}

const COLUMNS: &str = "r.id, r.period_id, r.unit_code, r.kind, r.held_on, r.topic, r.attendees, \
    r.eligible, r.evidence_id, r.action, r.replaces, r.reason, r.recorded_by, r.recorded_at, \
    (SELECT n.id FROM activity_records n WHERE n.replaces = r.id) AS replaced_by";

fn from_row(row: &AnyRow) -> Result<ActivityRecord, StoreError> {
    let held_on: String = col(row, "held_on")?;
    let action: String = col(row, "action")?;
    Ok(ActivityRecord {
        id: col(row, "id")?,
        period_id: col(row, "period_id")?,
        unit_code: col(row, "unit_code")?,
        kind: col(row, "kind")?,
        held_on: held_on
            .parse()
            .map_err(|e: kaoping_core::date::DateError| StoreError::Invalid(e.to_string()))?,
        topic: col(row, "topic")?,
        attendees: row.try_get("attendees")?,
        eligible: row.try_get("eligible")?,
        evidence_id: row.try_get("evidence_id")?,
        action: RecordAction::parse(&action)?,
        replaces: row.try_get("replaces")?,
        reason: col(row, "reason")?,
        recorded_by: col(row, "recorded_by")?,
        recorded_at: col(row, "recorded_at")?,
        replaced_by: row.try_get("replaced_by")?,
    })
}

/// Appends a row to period `period_id`; a replacement must name a record of the period that counts
/// now. The caller holds the period's lock.
pub(crate) async fn append_on(
    conn: &mut AnyConnection,
    period_id: i64,
    new: &NewRecord,
) -> Result<ActivityRecord, StoreError> {
    if let Some(old) = new.replaces {
        let old = record_on(conn, period_id, old).await?;
        if old.replaced_by.is_some() || !old.action.counts() {
            return Err(StoreError::Conflict(format!(
                "记录本#{}已被更正、撤回或退回，请刷新后再试",
                old.id
            )));
        }
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO activity_records (period_id, unit_code, kind, held_on, topic, attendees, eligible, \
         evidence_id, action, replaces, reason, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(period_id)
    .bind(&new.unit_code)
    .bind(&new.kind)
    .bind(new.held_on.to_string())
    .bind(&new.topic)
    .bind(new.attendees)
    .bind(new.eligible)
    .bind(new.evidence_id)
    .bind(new.action.as_str())
    .bind(new.replaces)
    .bind(&new.reason)
    .bind(new.recorded_by)
    .bind(now_ms())
    .fetch_one(&mut *conn)
    .await?;
    record_on(conn, period_id, id).await
}

/// One row of period `period_id`.
pub(crate) async fn record_on(
    conn: &mut AnyConnection,
    period_id: i64,
    id: i64,
) -> Result<ActivityRecord, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM activity_records r WHERE r.id = $1 AND r.period_id = $2"
    ))
    .bind(id)
    .bind(period_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::not_found("记录本记录", id))?;
    from_row(&row)
}

/// The records of a period that count now (recorded or corrected, not replaced), by unit then date.
pub(crate) async fn active_on(
    conn: &mut AnyConnection,
    period_id: i64,
) -> Result<Vec<ActivityRecord>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM activity_records r WHERE r.period_id = $1 \
         AND r.action IN ('record', 'correct') \
         AND NOT EXISTS (SELECT 1 FROM activity_records n WHERE n.replaces = r.id) \
         ORDER BY r.unit_code, r.held_on, r.id"
    ))
    .bind(period_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

impl Store {
    /// The records of a period that count now, by unit then date.
    pub async fn active_records(&self, period_id: i64) -> Result<Vec<ActivityRecord>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        active_on(&mut conn, period_id).await
    }

    /// Every row of one unit's 记录本 in a period, replaced ones and rejections included, oldest
    /// first: the history a page shows.
    pub async fn unit_records(
        &self,
        period_id: i64,
        unit_code: &str,
    ) -> Result<Vec<ActivityRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM activity_records r WHERE r.period_id = $1 AND r.unit_code = $2 \
             ORDER BY r.id"
        ))
        .bind(period_id)
        .bind(unit_code)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// One row of a period.
    pub async fn activity_record(
        &self,
        period_id: i64,
        id: i64,
    ) -> Result<ActivityRecord, StoreError> {
        let mut conn = self.pool().acquire().await?;
        record_on(&mut conn, period_id, id).await
    }
}
