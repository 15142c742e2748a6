//! Rubric versions (考评细则). The TOML text is stored as written; every save makes a new version, and a
//! period keeps pointing at the version it was scored under, so editing a rubric never changes a past
//! period's scores.

use sqlx::any::AnyRow;
use sqlx::AnyConnection;

use crate::audit::{note_on, AuditNote};
use crate::chain::canonical;
use crate::{col, now_ms, Store, StoreError};

/// One saved version of a named rubric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RubricVersion {
    pub id: i64,
    pub name: String,
    /// 1 for the first save of a name, then the previous highest + 1.
    pub version: i64,
    /// The rubric TOML as the administrator wrote it.
    pub toml: String,
    pub created_by: i64,
    pub created_at: i64,
    /// A display name the administrator gave this version (the content never changes); not part of
    /// the hash chain's record, since it decides nothing.
    pub label: Option<String>,
}

pub(crate) const RUBRIC_COLUMNS: &str = "id, name, version, toml, created_by, created_at, label";

pub(crate) fn rubric_from_row(row: &AnyRow) -> Result<RubricVersion, StoreError> {
    Ok(RubricVersion {
        id: col(row, "id")?,
        name: col(row, "name")?,
        version: col(row, "version")?,
        toml: col(row, "toml")?,
        created_by: col(row, "created_by")?,
        created_at: col(row, "created_at")?,
        label: col(row, "label")?,
    })
}

/// One rubric version by id, on the caller's connection.
pub(crate) async fn rubric_on(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<RubricVersion, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {RUBRIC_COLUMNS} FROM rubrics WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::not_found("考评细则", id))?;
    rubric_from_row(&row)
}

impl Store {
    /// Saves a new version of the rubric `name`. The caller validates the TOML first (kaoping-formats);
    /// the store keeps the text. Two processes saving the same name at once get consecutive versions.
    pub async fn save_rubric(
        &self,
        name: &str,
        toml: &str,
        user_id: i64,
    ) -> Result<RubricVersion, StoreError> {
        if name.trim().is_empty() {
            return Err(StoreError::Invalid("考评细则名称不能为空".into()));
        }
        let mut attempts = 0;
        loop {
            attempts += 1;
            match self.try_save_rubric(name, toml, user_id).await {
                Err(StoreError::Conflict(_)) if attempts < 5 => continue,
                other => return other,
            }
        }
    }

    async fn try_save_rubric(
        &self,
        name: &str,
        toml: &str,
        user_id: i64,
    ) -> Result<RubricVersion, StoreError> {
        let (mut tx, mut chain) = self.begin_org().await?;
        let last: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM rubrics WHERE name = $1")
                .bind(name)
                .fetch_one(&mut *tx)
                .await?;
        let row = sqlx::query(&format!(
            "INSERT INTO rubrics (name, version, toml, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING {RUBRIC_COLUMNS}"
        ))
        .bind(name)
        .bind(last.unwrap_or(0) + 1)
        .bind(toml)
        .bind(user_id)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let saved = rubric_from_row(&row)?;
        chain.record(&mut tx, &canonical::RUBRIC, saved.id).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// One rubric version by id.
    pub async fn rubric(&self, id: i64) -> Result<RubricVersion, StoreError> {
        let mut conn = self.connection().await?;
        rubric_on(&mut conn, id).await
    }

    /// Every version of every rubric, by name (in code-point order, the same on both backends) then
    /// version.
    pub async fn rubrics(&self) -> Result<Vec<RubricVersion>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {RUBRIC_COLUMNS} FROM rubrics"))
            .fetch_all(self.pool())
            .await?;
        let mut rubrics = rows
            .iter()
            .map(rubric_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        rubrics.sort_by(|a, b| (&a.name, a.version).cmp(&(&b.name, b.version)));
        Ok(rubrics)
    }

    /// Gives a version a label (None: none), with its audit record. The content stays as saved.
    pub async fn set_rubric_label(
        &self,
        id: i64,
        label: Option<&str>,
        note: &AuditNote,
    ) -> Result<(), StoreError> {
        let (mut tx, mut chain) = self.begin_org().await?;
        let done = sqlx::query("UPDATE rubrics SET label = $1 WHERE id = $2")
            .bind(label)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("考评细则", id));
        }
        note_on(&mut tx, &mut chain, note).await?;
        tx.commit().await
    }

    /// The names of the periods scored under a version.
    pub async fn rubric_uses(&self, id: i64) -> Result<Vec<String>, StoreError> {
        let mut conn = self.connection().await?;
        rubric_uses_on(&mut conn, id).await
    }

    /// Deletes a version no period uses (checked in this transaction; the database refuses it too), links
    /// its deletion and writes the audit record. In use: a [`StoreError::Conflict`] naming the periods.
    pub async fn delete_rubric(
        &self,
        id: i64,
        note: &AuditNote,
    ) -> Result<RubricVersion, StoreError> {
        let (mut tx, mut chain) = self.begin_org().await?;
        let rubric = rubric_on(&mut tx, id).await?;
        let periods = rubric_uses_on(&mut tx, id).await?;
        if !periods.is_empty() {
            return Err(StoreError::Conflict(format!(
                "考评细则“{}”第{}版仍被{}个考评期使用（{}），不能删除",
                rubric.name,
                rubric.version,
                periods.len(),
                periods
                    .iter()
                    .take(3)
                    .map(|p| format!("“{p}”"))
                    .collect::<Vec<_>>()
                    .join("、")
            )));
        }
        sqlx::query("DELETE FROM rubrics WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        chain
            .record_deleted(&mut tx, &canonical::RUBRIC, id)
            .await?;
        note_on(&mut tx, &mut chain, note).await?;
        tx.commit().await?;
        Ok(rubric)
    }
}

async fn rubric_uses_on(conn: &mut AnyConnection, id: i64) -> Result<Vec<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT name FROM periods WHERE rubric_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?,
    )
}
