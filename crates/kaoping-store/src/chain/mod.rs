//! The hash chains that make every change provable (docs/hash-chain.md).
//!
//! Each record that decides a score, or who may change one, is linked in the transaction that writes it:
//! the link keeps the SHA-256 of the record's canonical content (`canonical.rs`) and SHA-256(previous
//! hash, content hash). Only hashes are kept: a link costs 128 bytes, not a second copy of the record.
//! There is one chain per period (`period:N`: the period's state, entries, reviews, appeals, decisions,
//! publications, and the evidence and audit records written with them) and one for the rest (`org`).
//! A period's chain grows under the period's lock ([`crate::PeriodTx`]); the org chain under SQLite's
//! write lock or PostgreSQL's advisory lock [`ORG_CHAIN_LOCK`]. `UNIQUE (chain, seq)` refuses a fork
//! whatever happens.
//!
//! `verify.rs` recomputes everything: the links, the records against their links, the evidence bytes.

pub(crate) mod canonical;
mod verify;

use sqlx::AnyConnection;

pub use verify::{ChainHead, Problem, ProblemKind, VerifyReport};

use crate::{now_ms, Backend, Store, StoreError};
use canonical::{link_hash, sha256_hex, Kind, GENESIS};

/// PostgreSQL advisory lock key of the org chain (any constant unlikely to collide; "kaop" in ASCII).
const ORG_CHAIN_LOCK: i64 = 0x6b61_6f70;

/// The chain of everything outside periods.
pub(crate) const ORG: &str = "org";

/// The chain of one period.
pub(crate) fn period_chain(period_id: i64) -> String {
    format!("period:{period_id}")
}

/// The last link of a chain, as a writer holding the chain's lock knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tip {
    pub seq: i64,
    pub hash: String,
}

/// The last link of `chain` (seq 0 and the genesis hash before the first).
pub(crate) async fn tip_on(conn: &mut AnyConnection, chain: &str) -> Result<Tip, StoreError> {
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT seq, hash FROM chain_links WHERE chain = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(chain)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some((seq, hash)) => Tip { seq, hash },
        None => Tip {
            seq: 0,
            hash: GENESIS.to_string(),
        },
    })
}

/// A writer's place in one chain: the chain's name and, once read, its tip (a transaction that links
/// many records reads it once).
pub(crate) struct Link {
    chain: String,
    tip: Option<Tip>,
}

impl Link {
    pub(crate) fn new(chain: String) -> Link {
        Link { chain, tip: None }
    }

    /// The chain's tip as of now in this transaction.
    pub(crate) async fn tip(&mut self, conn: &mut AnyConnection) -> Result<Tip, StoreError> {
        if self.tip.is_none() {
            self.tip = Some(tip_on(conn, &self.chain).await?);
        }
        Ok(self.tip.clone().unwrap_or(Tip {
            seq: 0,
            hash: GENESIS.to_string(),
        }))
    }

    /// Links record `id` of `kind` as it is stored now (in this transaction). The caller holds the
    /// chain's lock.
    pub(crate) async fn record(
        &mut self,
        conn: &mut AnyConnection,
        kind: &Kind,
        id: i64,
    ) -> Result<(), StoreError> {
        let content = kind
            .content_of(conn, id)
            .await?
            .ok_or_else(|| StoreError::not_found(kind.name, id))?;
        self.record_content(conn, kind, id, &content).await
    }

    /// Links record `id` whose canonical content the caller read from the row it just wrote.
    pub(crate) async fn record_content(
        &mut self,
        conn: &mut AnyConnection,
        kind: &Kind,
        id: i64,
        content: &str,
    ) -> Result<(), StoreError> {
        let tip = self.tip(conn).await?;
        let content_hash = sha256_hex(content.as_bytes());
        let hash = link_hash(&tip.hash, &content_hash);
        sqlx::query(
            "INSERT INTO chain_links (chain, seq, kind, record_id, content_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&self.chain)
        .bind(tip.seq + 1)
        .bind(kind.name)
        .bind(id)
        .bind(&content_hash)
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
        self.tip = Some(Tip {
            seq: tip.seq + 1,
            hash,
        });
        Ok(())
    }

    /// Links records of one kind in the order given, from contents the caller read from the rows it
    /// wrote, many links to a statement.
    pub(crate) async fn record_all(
        &mut self,
        conn: &mut AnyConnection,
        kind: &Kind,
        records: &[(i64, String)],
    ) -> Result<(), StoreError> {
        /// Links a statement (6 parameters each). Fewer statements save the round trips to the database
        /// thread; more parameters cost sqlx's SQLite binding time that grows with their square.
        const BATCH: usize = 64;
        let mut tip = self.tip(conn).await?;
        for batch in records.chunks(BATCH) {
            let mut sql = String::from(
                "INSERT INTO chain_links (chain, seq, kind, record_id, content_hash, hash) VALUES ",
            );
            let mut rows = Vec::with_capacity(batch.len());
            for (i, (id, content)) in batch.iter().enumerate() {
                let n = i * 6;
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${}, ${})",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5,
                    n + 6
                ));
                let content_hash = sha256_hex(content.as_bytes());
                let hash = link_hash(&tip.hash, &content_hash);
                tip = Tip {
                    seq: tip.seq + 1,
                    hash,
                };
                rows.push((*id, content_hash, tip.seq, tip.hash.clone()));
            }
            let mut query = sqlx::query(&sql);
            for (id, content_hash, seq, hash) in rows {
                query = query
                    .bind(&self.chain)
                    .bind(seq)
                    .bind(kind.name)
                    .bind(id)
                    .bind(content_hash)
                    .bind(hash);
            }
            query.execute(&mut *conn).await?;
        }
        self.tip = Some(tip);
        Ok(())
    }

    /// Links a record unless it is linked already (evidence is stored once per content, and a second
    /// upload of the same bytes finds the first record).
    pub(crate) async fn record_once(
        &mut self,
        conn: &mut AnyConnection,
        kind: &Kind,
        id: i64,
    ) -> Result<(), StoreError> {
        // The kind as a literal, so the partial index on evidence links serves the lookup (a kind's name
        // is a constant of this crate, never user input).
        let linked: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM chain_links WHERE kind = '{}' AND record_id = $1",
            kind.name
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        if linked.is_none() {
            self.record(conn, kind, id).await?;
        }
        Ok(())
    }
}

impl Store {
    /// A write transaction that may link records into the org chain: SQLite's write lock holds the
    /// chain already; on PostgreSQL the transaction takes the chain's advisory lock first.
    pub(crate) async fn begin_org(&self) -> Result<(crate::WriteTx, Link), StoreError> {
        let mut tx = self.begin().await?;
        if self.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(ORG_CHAIN_LOCK)
                .execute(&mut *tx)
                .await?;
        }
        Ok((tx, Link::new(ORG.to_string())))
    }

    /// Links the records that existed before the chain did, once: the first process on the new schema
    /// does it, and records that appear later without a link are reported by `kaoping verify`, never
    /// adopted. Run after the migrations.
    pub(crate) async fn adopt_unchained(&self) -> Result<(), StoreError> {
        let (mut tx, mut org) = self.begin_org().await?;
        let done: Option<i64> = sqlx::query_scalar("SELECT id FROM chain_adopted LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
        if done.is_some() {
            return Ok(());
        }
        // Links without the marker: the marker was removed behind the application's back. Adopting
        // now would bless whatever was inserted since; only the marker is put back.
        let linked: Option<i64> = sqlx::query_scalar("SELECT id FROM chain_links LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
        for kind in canonical::KINDS.iter().filter(|_| linked.is_none()) {
            // The chain is empty here: every record is adopted.
            let ids: Vec<i64> = sqlx::query_scalar(&format!(
                "SELECT {key} FROM {table} ORDER BY {key}",
                key = kind.key,
                table = kind.table
            ))
            .fetch_all(&mut *tx)
            .await?;
            for id in ids {
                match chain_of_record(&mut tx, kind, id).await? {
                    Some(period) => {
                        let mut link = Link::new(period_chain(period));
                        link.record(&mut tx, kind, id).await?;
                    }
                    None => org.record(&mut tx, kind, id).await?,
                }
            }
        }
        sqlx::query("INSERT INTO chain_adopted (at) VALUES ($1)")
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }
}

/// The period whose chain an adopted record joins (None: the org chain).
async fn chain_of_record(
    conn: &mut AnyConnection,
    kind: &Kind,
    id: i64,
) -> Result<Option<i64>, StoreError> {
    let sql = match kind.name {
        "period" => return Ok(Some(id)),
        "entry" | "review" | "appeal" | "publication" => {
            format!("SELECT period_id FROM {} WHERE id = $1", kind.table)
        }
        "appeal_decision" => "SELECT period_id FROM appeals WHERE id = $1".to_string(),
        _ => return Ok(None),
    };
    Ok(sqlx::query_scalar(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}
