//! The audit log: who did what, when. Append-only (the database refuses updates and deletes).

use sqlx::AnyConnection;

use crate::chain::canonical;
use crate::{col, now_ms, Store, StoreError};

/// One audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    /// None for actions without a logged-in user (a failed login, the first start).
    pub user_id: Option<i64>,
    /// A short machine-readable name (`login`, `publish_period` …).
    pub action: String,
    /// Free text for people.
    pub detail: String,
}

/// Writes one audit record on the caller's connection (in the transaction of the change it records).
pub(crate) async fn audit_on(
    conn: &mut AnyConnection,
    user_id: Option<i64>,
    action: &str,
    detail: &str,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO audit_log (at, user_id, action, detail) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(now_ms())
    .bind(user_id)
    .bind(action)
    .bind(detail)
    .fetch_one(&mut *conn)
    .await?)
}

impl Store {
    /// Writes one audit record on its own (changes to a period write theirs with
    /// [`crate::PeriodTx::audit`], in the same transaction).
    pub async fn audit(
        &self,
        user_id: Option<i64>,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        let (mut tx, mut chain) = self.begin_org().await?;
        let id = audit_on(&mut tx, user_id, action, detail).await?;
        chain.record(&mut tx, &canonical::AUDIT, id).await?;
        tx.commit().await
    }

    /// The latest `limit` records, newest first.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, user_id, action, detail FROM audit_log ORDER BY id DESC LIMIT $1",
        )
        .bind(limit.max(0))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditEntry {
                    id: col(row, "id")?,
                    at: col(row, "at")?,
                    user_id: col(row, "user_id")?,
                    action: col(row, "action")?,
                    detail: col(row, "detail")?,
                })
            })
            .collect()
    }
}
