//! Appeals (申诉): a unit leader contests a published finding; the administrator accepts or rejects it. An
//! accepted appeal is the only way a published period changes, and the change goes into the ledger as an
//! entry replacing the appealed one, in the same transaction as the decision.

use sqlx::any::AnyRow;
use sqlx::AnyConnection;

use crate::ledger::{self, Entry, EntryKind, NewEntry, Source, Via};
use crate::periods::{Period, PeriodStatus};
use crate::{col, now_ms, Store, StoreError};

/// Where an appeal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppealStatus {
    Pending,
    Accepted,
    Rejected,
}

/// An appeal with its decision, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appeal {
    pub id: i64,
    pub period_id: i64,
    /// The appealed ledger entry.
    pub entry_id: i64,
    /// The appealing unit.
    pub unit_id: i64,
    pub reason: String,
    pub filed_by: i64,
    pub filed_at: i64,
    pub status: AppealStatus,
    pub decision_reason: Option<String>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<i64>,
    /// The ledger entry an accepted appeal appended (the correction, or a withdrawal).
    pub decision_entry_id: Option<i64>,
}

const APPEAL_QUERY: &str =
    "SELECT a.id, a.period_id, a.entry_id, a.unit_id, a.reason, a.filed_by, \
     a.filed_at, d.accepted, d.reason AS decision_reason, d.decided_by, d.decided_at, \
     d.entry_id AS decision_entry_id \
     FROM appeals a LEFT JOIN appeal_decisions d ON d.appeal_id = a.id";

fn appeal_from_row(row: &AnyRow) -> Result<Appeal, StoreError> {
    let accepted: Option<i64> = col(row, "accepted")?;
    Ok(Appeal {
        id: col(row, "id")?,
        period_id: col(row, "period_id")?,
        entry_id: col(row, "entry_id")?,
        unit_id: col(row, "unit_id")?,
        reason: col(row, "reason")?,
        filed_by: col(row, "filed_by")?,
        filed_at: col(row, "filed_at")?,
        status: match accepted {
            None => AppealStatus::Pending,
            Some(0) => AppealStatus::Rejected,
            Some(_) => AppealStatus::Accepted,
        },
        decision_reason: col(row, "decision_reason")?,
        decided_by: col(row, "decided_by")?,
        decided_at: col(row, "decided_at")?,
        decision_entry_id: col(row, "decision_entry_id")?,
    })
}

const DECIDED: &str = "该申诉已处理";

/// Files an appeal; see [`crate::PeriodTx::file_appeal`]. The period's row is locked by the caller.
pub(crate) async fn file_on(
    conn: &mut AnyConnection,
    period: &Period,
    entry_id: i64,
    unit_id: i64,
    reason: &str,
    user_id: i64,
) -> Result<i64, StoreError> {
    if reason.trim().is_empty() {
        return Err(StoreError::Invalid("申诉必须写明理由".into()));
    }
    if period.status == PeriodStatus::Open {
        return Err(StoreError::Conflict("考评期尚未发布，不能申诉".into()));
    }
    let entry = ledger::active_entry_on(conn, entry_id).await?;
    if entry.period_id != period.id || entry.source != Source::Assessor {
        return Err(StoreError::Invalid(format!(
            "记录{entry_id}不是本考评期的考评记录"
        )));
    }
    let unit_code: Option<String> = sqlx::query_scalar("SELECT code FROM org_units WHERE id = $1")
        .bind(unit_id)
        .fetch_optional(&mut *conn)
        .await?;
    let unit_code = unit_code.ok_or_else(|| StoreError::not_found("单位", unit_id))?;
    let groups: Vec<String> =
        sqlx::query_scalar("SELECT group_code FROM org_unit_groups WHERE unit_id = $1")
            .bind(unit_id)
            .fetch_all(&mut *conn)
            .await?;
    if entry.unit_code != unit_code && !groups.contains(&entry.unit_code) {
        return Err(StoreError::Invalid("该记录不涉及本单位，不能申诉".into()));
    }
    // The period's lock serializes filings, so this check holds under concurrency.
    let pending: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM appeals a WHERE a.entry_id = $1 AND a.unit_id = $2 \
         AND NOT EXISTS (SELECT 1 FROM appeal_decisions d WHERE d.appeal_id = a.id)",
    )
    .bind(entry_id)
    .bind(unit_id)
    .fetch_one(&mut *conn)
    .await?;
    if pending > 0 {
        return Err(StoreError::Conflict("该记录已有待处理的申诉".into()));
    }
    Ok(sqlx::query_scalar(
        "INSERT INTO appeals (period_id, entry_id, unit_id, reason, filed_by, filed_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(period.id)
    .bind(entry_id)
    .bind(unit_id)
    .bind(reason)
    .bind(user_id)
    .bind(now_ms())
    .fetch_one(&mut *conn)
    .await?)
}

/// One appeal with its decision, on the caller's connection.
pub(crate) async fn appeal_on(conn: &mut AnyConnection, id: i64) -> Result<Appeal, StoreError> {
    let row = sqlx::query(&format!("{APPEAL_QUERY} WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("申诉", id))?;
    appeal_from_row(&row)
}

/// Decides an appeal; see [`Store::decide_appeal`]. The period's row is locked by the caller, which
/// serializes decisions; the decision table's primary key refuses a second one all the same.
pub(crate) async fn decide_on(
    conn: &mut AnyConnection,
    status: PeriodStatus,
    appeal: &Appeal,
    accept: bool,
    reason: &str,
    user_id: i64,
    correction: Option<&NewEntry>,
) -> Result<Option<Entry>, StoreError> {
    if reason.trim().is_empty() {
        return Err(StoreError::Invalid("处理申诉必须写明理由".into()));
    }
    if !accept && correction.is_some() {
        return Err(StoreError::Invalid("驳回申诉时不能更正记录".into()));
    }
    if appeal.status != AppealStatus::Pending {
        return Err(StoreError::Conflict(DECIDED.into()));
    }
    let mut decision_entry = None;
    if accept {
        let entry = match correction {
            Some(c) => {
                if c.replaces.is_some_and(|r| r != appeal.entry_id) {
                    return Err(StoreError::Invalid(format!(
                        "申诉针对记录{}，更正必须替代该记录",
                        appeal.entry_id
                    )));
                }
                if c.period_id != appeal.period_id {
                    return Err(StoreError::Invalid("更正不属于申诉所在的考评期".into()));
                }
                let mut c = c.clone();
                c.kind = EntryKind::AppealDecision;
                c.replaces = Some(appeal.entry_id);
                if c.reason.trim().is_empty() {
                    c.reason = reason.to_string();
                }
                c
            }
            None => {
                let old = ledger::active_entry_on(conn, appeal.entry_id).await?;
                NewEntry::withdrawal(&old, None, user_id, reason)
            }
        };
        decision_entry = Some(ledger::append_on(conn, status, &entry, Via::Appeal).await?);
    }
    sqlx::query(
        "INSERT INTO appeal_decisions (appeal_id, accepted, reason, decided_by, decided_at, entry_id) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(appeal.id)
    .bind(i64::from(accept))
    .bind(reason)
    .bind(user_id)
    .bind(now_ms())
    .bind(decision_entry.as_ref().map(|e| e.id))
    .execute(&mut *conn)
    .await
    .map_err(|e| match StoreError::from(e) {
        StoreError::Conflict(_) => StoreError::Conflict(DECIDED.into()),
        other => other,
    })?;
    Ok(decision_entry)
}

impl Store {
    /// Files an appeal of `unit_id` against an active assessor entry of a published period that names the
    /// unit (or a group it belongs to). One pending appeal per unit and entry.
    pub async fn file_appeal(
        &self,
        period_id: i64,
        entry_id: i64,
        unit_id: i64,
        reason: &str,
        user_id: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = self.lock_period(period_id).await?;
        let id = tx.file_appeal(entry_id, unit_id, reason, user_id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Decides an appeal, once ([`StoreError::Conflict`] "该申诉已处理" after that). Accepted with a
    /// `correction`: the correction is appended as an appeal decision replacing the appealed entry (its
    /// `kind`, `replaces` and `period_id` are set here; an empty reason takes the decision's). Accepted
    /// without one: the appealed entry is withdrawn. Rejected: the ledger is untouched. The ledger entry and
    /// the decision are written in one transaction, so neither exists without the other.
    pub async fn decide_appeal(
        &self,
        appeal_id: i64,
        accept: bool,
        reason: &str,
        user_id: i64,
        correction: Option<&NewEntry>,
    ) -> Result<(), StoreError> {
        let period_id = self.appeal(appeal_id).await?.period_id;
        let mut tx = self.lock_period(period_id).await?;
        tx.decide_appeal(appeal_id, accept, reason, user_id, correction)
            .await?;
        tx.commit().await
    }

    /// The appeals of a period with their decisions, in filing order.
    pub async fn appeals(&self, period_id: i64) -> Result<Vec<Appeal>, StoreError> {
        let rows = sqlx::query(&format!(
            "{APPEAL_QUERY} WHERE a.period_id = $1 ORDER BY a.id"
        ))
        .bind(period_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(appeal_from_row).collect()
    }

    /// One appeal with its decision.
    pub async fn appeal(&self, id: i64) -> Result<Appeal, StoreError> {
        let mut conn = self.connection().await?;
        appeal_on(&mut conn, id).await
    }
}
