//! Rubric versions (考评细则). The TOML text is stored as written; every save makes a new version, and a
//! period keeps pointing at the version it was scored under, so editing a rubric never changes a past
//! period's scores.

use sqlx::any::AnyRow;
use sqlx::AnyConnection;

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
}

const RUBRIC_COLUMNS: &str = "id, name, version, toml, created_by, created_at";

fn rubric_from_row(row: &AnyRow) -> Result<RubricVersion, StoreError> {
    Ok(RubricVersion {
        id: col(row, "id")?,
        name: col(row, "name")?,
        version: col(row, "version")?,
        toml: col(row, "toml")?,
        created_by: col(row, "created_by")?,
        created_at: col(row, "created_at")?,
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
}
