//! The hash chains that make every change provable (docs/hash-chain.md).
//!
//! Each record that decides a score, or who may change one, is linked in the transaction that writes it:
//! the link keeps the SHA-256 of the record's canonical content (`canonical.rs`) and SHA-256(previous
//! hash, content hash). Only hashes are kept: a link costs 128 bytes, not a second copy of the record.
//! There is one chain per period (`period:N`: the period's state, entries, reviews, appeals, decisions,
//! publications, rectifications and their steps, and the evidence and audit records written with them) and one for the rest (`org`).
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

impl Tip {
    /// Before a chain's first link.
    pub(crate) fn genesis() -> Tip {
        Tip {
            seq: 0,
            hash: GENESIS.to_string(),
        }
    }
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
        None => Tip::genesis(),
    })
}

/// A link computed, not yet written.
struct Pending {
    seq: i64,
    kind: &'static str,
    record_id: i64,
    content_hash: String,
    hash: String,
}

/// A writer's place in one chain: the chain's name, its tip once read, and the links computed but not
/// yet written. Immediate links are written at once; a period's transaction defers them and writes them
/// together before it commits ([`Link::flush`]), one statement for a write's entry and audit record.
pub(crate) struct Link {
    chain: String,
    tip: Option<Tip>,
    pending: Vec<Pending>,
    deferred: bool,
}

/// Links a statement (6 parameters each). Fewer statements save round trips to the database thread;
/// more parameters cost sqlx's SQLite binding time that grows with their square.
const BATCH: usize = 64;

impl Link {
    /// Writes each link as it is made.
    pub(crate) fn new(chain: String) -> Link {
        Link {
            chain,
            tip: None,
            pending: Vec::new(),
            deferred: false,
        }
    }

    /// Keeps links until [`Link::flush`]; `tip` is the chain's tip when the caller took its lock.
    pub(crate) fn deferred(chain: String, tip: Tip) -> Link {
        Link {
            chain,
            tip: Some(tip),
            pending: Vec::new(),
            deferred: true,
        }
    }

    /// The chain's tip as of now in this transaction, links not yet written included.
    pub(crate) async fn tip(&mut self, conn: &mut AnyConnection) -> Result<Tip, StoreError> {
        if self.tip.is_none() {
            self.tip = Some(tip_on(conn, &self.chain).await?);
        }
        Ok(self.tip.clone().unwrap_or_else(Tip::genesis))
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

    /// Links the deletion of record `id` (its row deleted in this transaction): the record's last link,
    /// whose content is [`canonical::deleted_content`].
    pub(crate) async fn record_deleted(
        &mut self,
        conn: &mut AnyConnection,
        kind: &Kind,
        id: i64,
    ) -> Result<(), StoreError> {
        let content = canonical::deleted_content(kind, id);
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
        self.push(conn, kind, id, content).await?;
        if !self.deferred {
            self.flush(conn).await?;
        }
        Ok(())
    }

    /// Links records of one kind in the order given, from contents the caller read from the rows it
    /// wrote.
    pub(crate) async fn record_all(
        &mut self,
        conn: &mut AnyConnection,
        kind: &Kind,
        records: &[(i64, String)],
    ) -> Result<(), StoreError> {
        for (id, content) in records {
            self.push(conn, kind, *id, content).await?;
        }
        if !self.deferred {
            self.flush(conn).await?;
        }
        Ok(())
    }

    async fn push(
        &mut self,
        conn: &mut AnyConnection,
        kind: &Kind,
        id: i64,
        content: &str,
    ) -> Result<(), StoreError> {
        let tip = self.tip(conn).await?;
        let content_hash = sha256_hex(content.as_bytes());
        let hash = link_hash(&tip.hash, &content_hash);
        self.tip = Some(Tip {
            seq: tip.seq + 1,
            hash: hash.clone(),
        });
        self.pending.push(Pending {
            seq: tip.seq + 1,
            kind: kind.name,
            record_id: id,
            content_hash,
            hash,
        });
        Ok(())
    }

    /// Writes the links not yet written, in order, [`BATCH`] to a statement.
    pub(crate) async fn flush(&mut self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        for batch in self.pending.chunks(BATCH) {
            let mut sql = String::from(
                "INSERT INTO chain_links (chain, seq, kind, record_id, content_hash, hash) VALUES ",
            );
            for i in 0..batch.len() {
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
            }
            let mut query = sqlx::query(&sql);
            for p in batch {
                query = query
                    .bind(&self.chain)
                    .bind(p.seq)
                    .bind(p.kind)
                    .bind(p.record_id)
                    .bind(&p.content_hash)
                    .bind(&p.hash);
            }
            query.execute(&mut *conn).await?;
        }
        self.pending.clear();
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
        if self
            .pending
            .iter()
            .any(|p| p.kind == kind.name && p.record_id == id)
        {
            return Ok(());
        }
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
        "entry" | "review" | "appeal" | "publication" | "rectification" => {
            format!("SELECT period_id FROM {} WHERE id = $1", kind.table)
        }
        "appeal_decision" => "SELECT period_id FROM appeals WHERE id = $1".to_string(),
        "rectification_step" => "SELECT r.period_id FROM rectification_steps s \
             JOIN rectifications r ON r.id = s.rectification_id WHERE s.id = $1"
            .to_string(),
        _ => return Ok(None),
    };
    Ok(sqlx::query_scalar(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}
