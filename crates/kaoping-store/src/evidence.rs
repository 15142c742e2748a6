//! Evidence files (images, PDF, Office documents) kept in the database, so every server process can serve
//! them and a backup of the database is a backup of everything. Files are addressed by SHA-256: uploading
//! the same bytes twice stores them once.

use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;

use crate::chain::canonical;
use crate::{col, now_ms, Store, StoreError};

/// An evidence file's description (the bytes are fetched separately with [`Store::evidence`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub id: i64,
    /// Lowercase hex SHA-256 of the bytes.
    pub sha256: String,
    pub mime: String,
    /// The name it was first uploaded under.
    pub filename: String,
    pub size: i64,
    pub uploaded_by: i64,
    pub uploaded_at: i64,
}

const EVIDENCE_COLUMNS: &str = "id, sha256, mime, filename, size, uploaded_by, uploaded_at";

fn evidence_from_row(row: &AnyRow) -> Result<Evidence, StoreError> {
    Ok(Evidence {
        id: col(row, "id")?,
        sha256: col(row, "sha256")?,
        mime: col(row, "mime")?,
        filename: col(row, "filename")?,
        size: col(row, "size")?,
        uploaded_by: col(row, "uploaded_by")?,
        uploaded_at: col(row, "uploaded_at")?,
    })
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Stores the bytes unless the same bytes are already stored, and returns the one row for them (with the
/// first upload's name and type). The caller checks type and size before.
pub(crate) async fn put_on(
    conn: &mut AnyConnection,
    bytes: &[u8],
    mime: &str,
    filename: &str,
    user_id: i64,
) -> Result<Evidence, StoreError> {
    if bytes.is_empty() {
        return Err(StoreError::Invalid("证据文件为空".into()));
    }
    let sha256 = hex(&Sha256::digest(bytes));
    let inserted = sqlx::query(&format!(
        "INSERT INTO evidence (sha256, mime, filename, size, uploaded_by, uploaded_at, bytes) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sha256) DO NOTHING \
         RETURNING {EVIDENCE_COLUMNS}"
    ))
    .bind(&sha256)
    .bind(mime)
    .bind(filename)
    .bind(bytes.len() as i64)
    .bind(user_id)
    .bind(now_ms())
    .bind(bytes)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = inserted {
        return evidence_from_row(&row);
    }
    let row = sqlx::query(&format!(
        "SELECT {EVIDENCE_COLUMNS} FROM evidence WHERE sha256 = $1"
    ))
    .bind(&sha256)
    .fetch_one(&mut *conn)
    .await?;
    evidence_from_row(&row)
}

impl Store {
    /// Stores an evidence file on its own; see [`crate::PeriodTx::put_evidence`] to store it with the
    /// entry that cites it.
    pub async fn put_evidence(
        &self,
        bytes: &[u8],
        mime: &str,
        filename: &str,
        user_id: i64,
    ) -> Result<Evidence, StoreError> {
        let (mut tx, mut chain) = self.begin_org().await?;
        let evidence = put_on(&mut tx, bytes, mime, filename, user_id).await?;
        chain
            .record_once(&mut tx, &canonical::EVIDENCE, evidence.id)
            .await?;
        tx.commit().await?;
        Ok(evidence)
    }

    /// An evidence file and its bytes.
    pub async fn evidence(&self, id: i64) -> Result<(Evidence, Vec<u8>), StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {EVIDENCE_COLUMNS}, bytes FROM evidence WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::not_found("证据文件", id))?;
        Ok((evidence_from_row(&row)?, col(&row, "bytes")?))
    }
}
