//! The audit log: who did what, when. Append-only (the database refuses updates and deletes).

use sqlx::AnyConnection;

use crate::chain::canonical;
use crate::conditions::Conditions;
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

/// Which audit records a page shows: those every given condition keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Records of this user.
    pub user_id: Option<i64>,
    /// Records of this action (its stored key).
    pub action: Option<String>,
    /// Records written at or after this time (unix milliseconds).
    pub from_ms: Option<i64>,
    /// Records written before this time (unix milliseconds).
    pub until_ms: Option<i64>,
    /// Records whose detail contains this text (`%` and `_` are themselves; case ignored where the
    /// backend can).
    pub text: Option<String>,
}

/// One page of the audit log, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Records the filter keeps in all.
    pub total: i64,
}

fn audit_entry(row: &sqlx::any::AnyRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        id: col(row, "id")?,
        at: col(row, "at")?,
        user_id: col(row, "user_id")?,
        action: col(row, "action")?,
        detail: col(row, "detail")?,
    })
}

/// An audit record to write in the transaction of the change it describes (the application builds it
/// from its named actions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditNote {
    pub user_id: Option<i64>,
    pub action: &'static str,
    pub detail: String,
}

/// Writes `note` and links it into `chain`, on the caller's transaction.
pub(crate) async fn note_on(
    conn: &mut AnyConnection,
    chain: &mut crate::chain::Link,
    note: &AuditNote,
) -> Result<(), StoreError> {
    let id = audit_on(conn, note.user_id, note.action, &note.detail).await?;
    chain.record(conn, &canonical::AUDIT, id).await
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
        rows.iter().map(audit_entry).collect()
    }

    /// One page of the audit log, newest first: `limit` records from position `offset` of those `filter`
    /// keeps, and how many it keeps in all.
    pub async fn audit_page(
        &self,
        filter: &AuditFilter,
        offset: i64,
        limit: i64,
    ) -> Result<AuditPage, StoreError> {
        let mut c = Conditions::new(self.backend());
        if let Some(user) = filter.user_id {
            c.int_eq("user_id", user);
        }
        if let Some(action) = filter.action.as_deref().filter(|a| !a.is_empty()) {
            c.text_eq("action", action);
        }
        if let Some(from) = filter.from_ms {
            c.at_least("at", from);
        }
        if let Some(until) = filter.until_ms {
            c.below("at", until);
        }
        if let Some(text) = filter
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            c.contains(&["detail"], text);
        }
        let mut conn = self.connection().await?;
        let total: i64 = c
            .bind_scalar(sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM audit_log{}",
                c.sql()
            )))
            .fetch_one(&mut *conn)
            .await?;
        let sql = format!(
            "SELECT id, at, user_id, action, detail FROM audit_log{} ORDER BY id DESC LIMIT {} OFFSET {}",
            c.sql(),
            c.next_mark(1),
            c.next_mark(2)
        );
        let rows = c
            .bind(sqlx::query(&sql))
            .bind(limit.max(0))
            .bind(offset.max(0))
            .fetch_all(&mut *conn)
            .await?;
        Ok(AuditPage {
            entries: rows.iter().map(audit_entry).collect::<Result<_, _>>()?,
            total,
        })
    }
}
