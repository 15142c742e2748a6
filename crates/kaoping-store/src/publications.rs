//! Publications (发布): the results of a period as they were announced, with the ledger head they were
//! scored from and their digest. Revision 1 is the publication itself; each correction after it (an
//! accepted appeal that changes a score) is a new revision listing what changed. Append-only.

use sqlx::any::AnyRow;
use sqlx::AnyConnection;

use crate::{col, now_ms, Store, StoreError};

/// A publication to write: what the application scored, under the period's lock.
#[derive(Debug, Clone)]
pub struct NewPublication {
    /// The results as canonical JSON (the application's format; the store keeps the text).
    pub results: String,
    /// Lowercase hex SHA-256 of `results`.
    pub digest: String,
    /// The last ledger entry the results were scored from.
    pub head_entry: i64,
    /// Revision 1: why it was published without every review approved (empty when all were).
    /// Later revisions: why the results changed.
    pub reason: String,
    /// Later revisions: the changed units as JSON (`[]` for revision 1).
    pub changes: String,
    pub by_user: i64,
    /// The notice's heading: the issuing office (发文单位) and the document number (文号).
    pub heading: NoticeHeading,
}

/// What a notice is headed with, as given when publishing; empty where not given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoticeHeading {
    pub issuer: String,
    pub doc_number: String,
}

/// A stored publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    pub id: i64,
    pub period_id: i64,
    pub revision: i64,
    pub head_entry: i64,
    /// The period's hash chain head just before this publication was linked.
    pub ledger_head: String,
    pub results: String,
    pub digest: String,
    pub reason: String,
    pub changes: String,
    pub by_user: i64,
    pub at: i64,
    /// Empty for publications written before headings existed.
    pub heading: NoticeHeading,
}

impl Publication {
    /// The digest as printed on a notice: its first 16 hex digits.
    pub fn short_digest(&self) -> &str {
        self.digest.get(..16).unwrap_or(&self.digest)
    }
}

const PUBLICATION_COLUMNS: &str =
    "id, period_id, revision, head_entry, ledger_head, results, digest, \
     reason, changes, by_user, at, issuer, doc_number";

fn publication_from_row(row: &AnyRow) -> Result<Publication, StoreError> {
    Ok(Publication {
        id: col(row, "id")?,
        period_id: col(row, "period_id")?,
        revision: col(row, "revision")?,
        head_entry: col(row, "head_entry")?,
        ledger_head: col(row, "ledger_head")?,
        results: col(row, "results")?,
        digest: col(row, "digest")?,
        reason: col(row, "reason")?,
        changes: col(row, "changes")?,
        by_user: col(row, "by_user")?,
        at: col(row, "at")?,
        heading: NoticeHeading {
            issuer: col::<Option<String>>(row, "issuer")?.unwrap_or_default(),
            doc_number: col::<Option<String>>(row, "doc_number")?.unwrap_or_default(),
        },
    })
}

/// The heading of a period's latest publication (empty when none has one): a correction keeps it.
pub(crate) async fn latest_heading(
    conn: &mut AnyConnection,
    period_id: i64,
) -> Result<NoticeHeading, StoreError> {
    let row = sqlx::query(
        "SELECT issuer, doc_number FROM publications WHERE period_id = $1 \
         ORDER BY revision DESC LIMIT 1",
    )
    .bind(period_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(r) => NoticeHeading {
            issuer: col::<Option<String>>(&r, "issuer")?.unwrap_or_default(),
            doc_number: col::<Option<String>>(&r, "doc_number")?.unwrap_or_default(),
        },
        None => NoticeHeading::default(),
    })
}

/// Writes the next revision of a period's publication (the caller holds the period's lock and links it).
pub(crate) async fn insert_on(
    conn: &mut AnyConnection,
    period_id: i64,
    ledger_head: &str,
    p: &NewPublication,
) -> Result<Publication, StoreError> {
    let last: Option<i64> =
        sqlx::query_scalar("SELECT MAX(revision) FROM publications WHERE period_id = $1")
            .bind(period_id)
            .fetch_one(&mut *conn)
            .await?;
    let row = sqlx::query(&format!(
        "INSERT INTO publications (period_id, revision, head_entry, ledger_head, results, digest, \
         reason, changes, by_user, at, issuer, doc_number) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         RETURNING {PUBLICATION_COLUMNS}"
    ))
    .bind(period_id)
    .bind(last.unwrap_or(0) + 1)
    .bind(p.head_entry)
    .bind(ledger_head)
    .bind(&p.results)
    .bind(&p.digest)
    .bind(&p.reason)
    .bind(&p.changes)
    .bind(p.by_user)
    .bind(now_ms())
    // Not given is NULL: the chain then writes the record as before headings existed.
    .bind((!p.heading.issuer.is_empty()).then_some(p.heading.issuer.as_str()))
    .bind((!p.heading.doc_number.is_empty()).then_some(p.heading.doc_number.as_str()))
    .fetch_one(&mut *conn)
    .await?;
    publication_from_row(&row)
}

impl Store {
    /// A period's publications, revision 1 first.
    pub async fn publications(&self, period_id: i64) -> Result<Vec<Publication>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {PUBLICATION_COLUMNS} FROM publications WHERE period_id = $1 ORDER BY revision"
        ))
        .bind(period_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(publication_from_row).collect()
    }

    /// Every publication of every period, by period then revision (what `kaoping verify` re-scores).
    pub async fn all_publications(&self) -> Result<Vec<Publication>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {PUBLICATION_COLUMNS} FROM publications ORDER BY period_id, revision"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(publication_from_row).collect()
    }

    /// The position of the link with `hash` in the period's chain, if there is one (a publication's
    /// ledger head must be such a link).
    pub async fn chain_has(&self, period_id: i64, hash: &str) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT seq FROM chain_links WHERE chain = $1 AND hash = $2")
                .bind(crate::chain::period_chain(period_id))
                .bind(hash)
                .fetch_optional(self.pool())
                .await?,
        )
    }
}
