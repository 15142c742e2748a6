//! `kaoping verify`'s half in the store: every chain recomputed link by link, every chained record
//! compared with its link, every evidence file hashed again. The application adds the publications'
//! digests (it re-scores them; the store never scores).

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use super::canonical::{self, link_hash, sha256_hex, GENESIS, KINDS};
use crate::{Store, StoreError};

/// What is wrong with a record or a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// The record's content no longer has the SHA-256 its link keeps.
    Changed,
    /// A link names a record that is no longer there.
    Missing,
    /// A record that no link names: written behind the application's back.
    Inserted,
    /// A link whose hash, previous hash or position does not follow from the one before it.
    ChainCut,
    /// An evidence file whose bytes no longer have the SHA-256 it was stored under.
    EvidenceBytes,
    /// A publication whose results, re-scored from the ledger up to its head, have another digest.
    Publication,
}

impl ProblemKind {
    /// The word for it, in Chinese, then in English.
    pub fn label(self) -> &'static str {
        match self {
            ProblemKind::Changed => "记录被改动（changed）",
            ProblemKind::Missing => "记录被删除（missing）",
            ProblemKind::Inserted => "记录未经系统写入（inserted）",
            ProblemKind::ChainCut => "哈希链断开（chain cut）",
            ProblemKind::EvidenceBytes => "证据文件内容被改动（evidence bytes changed）",
            ProblemKind::Publication => "发布结果摘要不符（publication digest）",
        }
    }
}

/// One thing `kaoping verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    /// The chain and position of the link concerned, when there is one.
    pub chain: Option<String>,
    pub seq: Option<i64>,
    /// The record: its kind and key (`entry 812`).
    pub record: String,
    pub detail: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}：{}", self.kind.label(), self.record)?;
        if let (Some(chain), Some(seq)) = (&self.chain, self.seq) {
            write!(f, "（链 {chain} 第 {seq} 环）")?;
        }
        if !self.detail.is_empty() {
            write!(f, "：{}", self.detail)?;
        }
        Ok(())
    }
}

/// The last link of a chain: what to write down (or print on a notice) to detect a truncated tail later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub chain: String,
    pub seq: i64,
    pub hash: String,
}

/// Everything `kaoping verify` found; intact when `problems` is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    pub problems: Vec<Problem>,
    pub heads: Vec<ChainHead>,
    /// How many records were compared with their links.
    pub records: usize,
}

impl VerifyReport {
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What verification keeps of a link while it reads the records: a few dozen bytes, so a ledger of
/// millions of entries is checked in bounded memory (links and records are read a page at a time).
struct Linked {
    chain: u32,
    seq: i64,
    content_hash: [u8; 32],
    times: u32,
}

/// Links and records are read this many rows at a time.
const PAGE: i64 = 20_000;

/// Each chain followed from its first link, one page of links at a time.
#[derive(Default)]
struct ChainWalk {
    chains: Vec<String>,
    seq: i64,
    prev: String,
    broken: bool,
}

impl ChainWalk {
    /// The next link, in (chain, seq) order: positions 1, 2, 3 …, each hash recomputed from the hash
    /// before it and the link's content hash. The first break of each chain is reported.
    fn step(
        &mut self,
        report: &mut VerifyReport,
        (chain, seq, kind, record_id, content_hash, hash): &LinkRow,
    ) -> u32 {
        if self.chains.last() != Some(chain) {
            self.finish(report);
            self.chains.push(chain.clone());
            self.seq = 0;
            self.prev = GENESIS.to_string();
            self.broken = false;
        }
        if !self.broken {
            let why = if *seq != self.seq + 1 {
                Some(format!("应为第 {} 环，链中缺环或多环", self.seq + 1))
            } else if !KINDS.iter().any(|k| k.name == kind) {
                Some(format!("未知的记录种类“{kind}”"))
            } else if link_hash(&self.prev, content_hash) != *hash {
                Some("本环哈希与前一环及所记内容不符（链被改动）".to_string())
            } else {
                None
            };
            if let Some(detail) = why {
                report.problems.push(Problem {
                    kind: ProblemKind::ChainCut,
                    chain: Some(chain.clone()),
                    seq: Some(*seq),
                    record: format!("{kind} {record_id}"),
                    detail,
                });
                self.broken = true;
            }
        }
        self.seq = *seq;
        self.prev = hash.clone();
        (self.chains.len() - 1) as u32
    }

    /// Records the head of the chain just walked.
    fn finish(&mut self, report: &mut VerifyReport) {
        if let Some(chain) = self.chains.last() {
            report.heads.push(ChainHead {
                chain: chain.clone(),
                seq: self.seq,
                hash: self.prev.clone(),
            });
        }
    }
}

type LinkRow = (String, i64, String, i64, String, String);

impl Store {
    /// Recomputes every chain and compares every chained record with its link; see the module docs.
    pub async fn verify_chains(&self) -> Result<VerifyReport, StoreError> {
        self.verify_chains_in_pages(PAGE).await
    }

    /// [`Store::verify_chains`], reading `page` rows at a time (tests use small pages to cross page
    /// boundaries).
    #[doc(hidden)]
    pub async fn verify_chains_in_pages(&self, page: i64) -> Result<VerifyReport, StoreError> {
        let page_rows = page.max(1);
        // One snapshot for the links and the records, however many writes run meanwhile.
        let mut conn = self.read_snapshot().await?;
        let mut report = VerifyReport::default();

        // The chains, a page at a time; what is kept of each link is its record's latest content hash.
        let mut walk = ChainWalk::default();
        let mut linked: HashMap<(usize, i64), Linked> = HashMap::new();
        let (mut after_chain, mut after_seq) = (String::new(), 0i64);
        loop {
            let rows: Vec<LinkRow> = sqlx::query_as(
                "SELECT chain, seq, kind, record_id, content_hash, hash FROM chain_links \
                 WHERE chain > $1 OR (chain = $1 AND seq > $2) ORDER BY chain, seq LIMIT $3",
            )
            .bind(&after_chain)
            .bind(after_seq)
            .bind(page_rows)
            .fetch_all(&mut *conn)
            .await?;
            for row in &rows {
                let chain = walk.step(&mut report, row);
                let Some(kind) = KINDS.iter().position(|k| k.name == row.2) else {
                    continue;
                };
                let slot = linked.entry((kind, row.3)).or_insert(Linked {
                    chain,
                    seq: row.1,
                    content_hash: [0; 32],
                    times: 0,
                });
                slot.chain = chain;
                slot.seq = row.1;
                slot.content_hash = from_hex(&row.4);
                slot.times += 1;
            }
            match rows.last() {
                Some(last) if rows.len() as i64 == page_rows => {
                    after_chain = last.0.clone();
                    after_seq = last.1;
                }
                _ => break,
            }
        }
        walk.finish(&mut report);
        let chain_name = |i: u32| walk.chains.get(i as usize).cloned();

        // Every record, a page at a time, against its latest link.
        for (k, kind) in KINDS.iter().enumerate() {
            let mut after = i64::MIN;
            loop {
                let records = kind.contents_after(&mut conn, after, page_rows).await?;
                for (id, content) in &records {
                    report.records += 1;
                    let record = format!("{} {id}", kind.name);
                    let Some(link) = linked.remove(&(k, *id)) else {
                        report.problems.push(Problem {
                            kind: ProblemKind::Inserted,
                            chain: None,
                            seq: None,
                            record,
                            detail: format!("表 {} 中有此记录，哈希链中没有", kind.table),
                        });
                        continue;
                    };
                    if link.times > 1 && !kind.mutable {
                        report.problems.push(Problem {
                            kind: ProblemKind::Inserted,
                            chain: chain_name(link.chain),
                            seq: Some(link.seq),
                            record: record.clone(),
                            detail: format!("只应记入一次，链中出现{}次", link.times),
                        });
                    }
                    if link.content_hash[..] != Sha256::digest(content.as_bytes())[..] {
                        report.problems.push(Problem {
                            kind: ProblemKind::Changed,
                            chain: chain_name(link.chain),
                            seq: Some(link.seq),
                            record,
                            detail:
                                "记录内容的 SHA-256 与哈希链中登记的不符（与备份比对可知改了什么）"
                                    .to_string(),
                        });
                    }
                }
                match records.last() {
                    Some((id, _)) if records.len() as i64 == page_rows => after = *id,
                    _ => break,
                }
            }
        }

        // Links whose records are gone, in chain order.
        let mut missing: Vec<((usize, i64), Linked)> = linked.into_iter().collect();
        missing.sort_by_key(|(_, l)| (l.chain, l.seq));
        for ((k, id), link) in missing {
            // Deleted by the application: the record's last link says so.
            let deleted = canonical::deleted_content(KINDS[k], id);
            if link.content_hash[..] == Sha256::digest(deleted.as_bytes())[..] {
                continue;
            }
            report.problems.push(Problem {
                kind: ProblemKind::Missing,
                chain: chain_name(link.chain),
                seq: Some(link.seq),
                record: format!("{} {id}", KINDS[k].name),
                detail: "哈希链中有此记录，数据库中已没有".to_string(),
            });
        }

        conn.commit().await?;
        check_evidence_bytes(self, &mut report).await?;
        Ok(report)
    }

    /// The head of a period's chain now (seq 0 and 64 zeros before its first link).
    pub async fn period_chain_head(&self, period_id: i64) -> Result<ChainHead, StoreError> {
        let mut conn = self.connection().await?;
        let chain = super::period_chain(period_id);
        let tip = super::tip_on(&mut conn, &chain).await?;
        Ok(ChainHead {
            chain,
            seq: tip.seq,
            hash: tip.hash,
        })
    }
}

/// 64 hex digits as bytes; anything else as zeros (which no record's hash equals).
fn from_hex(hex: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    if hex.len() != 64 {
        return out;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        match u8::from_str_radix(&hex[2 * i..2 * i + 2], 16) {
            Ok(b) => *byte = b,
            Err(_) => return [0; 32],
        }
    }
    out
}

/// Every evidence file hashed again, one at a time (files may be large).
async fn check_evidence_bytes(store: &Store, report: &mut VerifyReport) -> Result<(), StoreError> {
    let mut conn = store.connection().await?;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM evidence ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    for id in ids {
        let row: Option<(String, Vec<u8>)> =
            sqlx::query_as("SELECT sha256, bytes FROM evidence WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
        if let Some((sha256, bytes)) = row {
            let actual = sha256_hex(&bytes);
            if actual != sha256 {
                report.problems.push(Problem {
                    kind: ProblemKind::EvidenceBytes,
                    chain: None,
                    seq: None,
                    record: format!("{} {id}", canonical::EVIDENCE.name),
                    detail: format!("登记的 SHA-256 为 {sha256}，文件内容的为 {actual}"),
                });
            }
        }
    }
    Ok(())
}
