//! The administrator's review of each department's entries in a period: a department submits, the
//! administrator approves or returns it for rework with a reason. Every step is kept (append-only); the
//! current state is the latest step.

use sqlx::any::AnyRow;
use sqlx::AnyConnection;

use crate::{col, now_ms, Store, StoreError};

/// Where a department's entries stand in the review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewStatus {
    /// The department says its entries are complete.
    Submitted,
    /// The administrator sent them back for rework (with a reason).
    Returned,
    /// The administrator accepted them.
    Approved,
}

impl ReviewStatus {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Submitted => "submitted",
            ReviewStatus::Returned => "returned",
            ReviewStatus::Approved => "approved",
        }
    }

    /// Parses the stored text.
    pub fn parse(text: &str) -> Option<ReviewStatus> {
        Some(match text {
            "submitted" => ReviewStatus::Submitted,
            "returned" => ReviewStatus::Returned,
            "approved" => ReviewStatus::Approved,
            _ => return None,
        })
    }
}

/// One review step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub period_id: i64,
    pub department_id: i64,
    pub status: ReviewStatus,
    pub reason: String,
    pub by: i64,
    pub at: i64,
}

const REVIEW_COLUMNS: &str = "period_id, department_id, status, reason, by_user, at";

fn review_from_row(row: &AnyRow) -> Result<Review, StoreError> {
    let status: String = col(row, "status")?;
    Ok(Review {
        period_id: col(row, "period_id")?,
        department_id: col(row, "department_id")?,
        status: ReviewStatus::parse(&status)
            .ok_or_else(|| StoreError::Invalid(format!("未知审核状态“{status}”")))?,
        reason: col(row, "reason")?,
        by: col(row, "by_user")?,
        at: col(row, "at")?,
    })
}

/// Records a review step on the caller's connection (a [`crate::PeriodTx`] holding the period's lock).
pub(crate) async fn set_review_on(
    conn: &mut AnyConnection,
    period_id: i64,
    department_id: i64,
    status: ReviewStatus,
    reason: &str,
    user_id: i64,
) -> Result<i64, StoreError> {
    if status == ReviewStatus::Returned && reason.trim().is_empty() {
        return Err(StoreError::Invalid("退回修改必须写明理由".into()));
    }
    Ok(sqlx::query_scalar(
        "INSERT INTO reviews (period_id, department_id, status, reason, by_user, at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(period_id)
    .bind(department_id)
    .bind(status.as_str())
    .bind(reason)
    .bind(user_id)
    .bind(now_ms())
    .fetch_one(&mut *conn)
    .await?)
}

/// The latest step of each department that has one in the period, by department id.
pub(crate) async fn reviews_on(
    conn: &mut AnyConnection,
    period_id: i64,
) -> Result<Vec<Review>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {REVIEW_COLUMNS} FROM reviews v \
         WHERE period_id = $1 AND id = (SELECT MAX(id) FROM reviews w \
         WHERE w.period_id = v.period_id AND w.department_id = v.department_id) \
         ORDER BY department_id"
    ))
    .bind(period_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(review_from_row).collect()
}

impl Store {
    /// Records a review step under the period's lock. Returning entries for rework needs a reason, so
    /// the department knows what to fix.
    pub async fn set_review(
        &self,
        period_id: i64,
        department_id: i64,
        status: ReviewStatus,
        reason: &str,
        user_id: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.lock_period(period_id).await?;
        tx.set_review(department_id, status, reason, user_id)
            .await?;
        tx.commit().await
    }

    /// The current review state of each department that has one in the period (its latest step), by
    /// department id.
    pub async fn reviews(&self, period_id: i64) -> Result<Vec<Review>, StoreError> {
        let mut conn = self.connection().await?;
        reviews_on(&mut conn, period_id).await
    }

    /// Every review step of the period, oldest first: the review's history.
    pub async fn review_history(&self, period_id: i64) -> Result<Vec<Review>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {REVIEW_COLUMNS} FROM reviews WHERE period_id = $1 ORDER BY id"
        ))
        .bind(period_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(review_from_row).collect()
    }
}
