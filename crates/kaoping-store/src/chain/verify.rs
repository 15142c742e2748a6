//! `kaoping verify`'s half in the store: every chain recomputed link by link, every chained record
//! compared with its link, every evidence file hashed again. The application adds the publications'
//! digests (it re-scores them; the store never scores).

use std::collections::HashMap;

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

struct StoredLink {
    chain: String,
    seq: i64,
    kind: String,
    record_id: i64,
    content_hash: String,
    hash: String,
}

impl Store {
    /// Recomputes every chain and compares every chained record with its link; see the module docs.
    pub async fn verify_chains(&self) -> Result<VerifyReport, StoreError> {
        let mut conn = self.connection().await?;
        let mut report = VerifyReport::default();

        let rows: Vec<(String, i64, String, i64, String, String)> = sqlx::query_as(
            "SELECT chain, seq, kind, record_id, content_hash, hash FROM chain_links \
             ORDER BY chain, seq",
        )
        .fetch_all(&mut *conn)
        .await?;
        let links: Vec<StoredLink> = rows
            .into_iter()
            .map(
                |(chain, seq, kind, record_id, content_hash, hash)| StoredLink {
                    chain,
                    seq,
                    kind,
                    record_id,
                    content_hash,
                    hash,
                },
            )
            .collect();
        check_links(&links, &mut report);

        // The latest link of each record (links are in chain order, so later ones overwrite).
        let mut linked: HashMap<(&str, i64), (&StoredLink, usize)> = HashMap::new();
        for link in &links {
            let slot = linked
                .entry((link.kind.as_str(), link.record_id))
                .or_insert((link, 0));
            *slot = (link, slot.1 + 1);
        }

        for kind in KINDS {
            for (id, content) in kind.all_contents(&mut conn).await? {
                report.records += 1;
                let record = format!("{} {id}", kind.name);
                match linked.remove(&(kind.name, id)) {
                    None => report.problems.push(Problem {
                        kind: ProblemKind::Inserted,
                        chain: None,
                        seq: None,
                        record,
                        detail: format!("表 {} 中有此记录，哈希链中没有", kind.table),
                    }),
                    Some((link, times)) => {
                        if times > 1 && !kind.mutable {
                            report.problems.push(problem_at(
                                ProblemKind::Inserted,
                                link,
                                record.clone(),
                                format!("只应记入一次，链中出现{times}次"),
                            ));
                        }
                        if link.content_hash != sha256_hex(content.as_bytes()) {
                            report.problems.push(problem_at(
                                ProblemKind::Changed,
                                link,
                                record,
                                "记录内容的 SHA-256 与哈希链中登记的不符（与备份比对可知改了什么）"
                                    .to_string(),
                            ));
                        }
                    }
                }
            }
        }
        let mut missing: Vec<&StoredLink> = linked.into_values().map(|(link, _)| link).collect();
        missing.sort_by(|a, b| (&a.chain, a.seq).cmp(&(&b.chain, b.seq)));
        for link in missing {
            let known = KINDS.iter().any(|k| k.name == link.kind);
            report.problems.push(problem_at(
                ProblemKind::Missing,
                link,
                format!("{} {}", link.kind, link.record_id),
                if known {
                    "哈希链中有此记录，数据库中已没有".to_string()
                } else {
                    format!("未知的记录种类“{}”", link.kind)
                },
            ));
        }

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

fn problem_at(kind: ProblemKind, link: &StoredLink, record: String, detail: String) -> Problem {
    Problem {
        kind,
        chain: Some(link.chain.clone()),
        seq: Some(link.seq),
        record,
        detail,
    }
}

/// Each chain from its first link: positions 1, 2, 3 …, each hash recomputed from the hash before it
/// and the link's content hash. The first break of each chain is reported.
fn check_links(links: &[StoredLink], report: &mut VerifyReport) {
    let mut i = 0;
    while i < links.len() {
        let chain = &links[i].chain;
        let mut expected_seq = 1;
        let mut prev = GENESIS.to_string();
        let mut broken = false;
        while i < links.len() && &links[i].chain == chain {
            let link = &links[i];
            if !broken {
                let why = if link.seq != expected_seq {
                    Some(format!("应为第 {expected_seq} 环，链中缺环或多环"))
                } else if !KINDS.iter().any(|k| k.name == link.kind) {
                    Some(format!("未知的记录种类“{}”", link.kind))
                } else if link_hash(&prev, &link.content_hash) != link.hash {
                    Some("本环哈希与前一环及所记内容不符（链被改动）".to_string())
                } else {
                    None
                };
                if let Some(detail) = why {
                    report.problems.push(problem_at(
                        ProblemKind::ChainCut,
                        link,
                        format!("{} {}", link.kind, link.record_id),
                        detail,
                    ));
                    broken = true;
                }
            }
            prev = link.hash.clone();
            expected_seq = link.seq + 1;
            i += 1;
        }
        report.heads.push(ChainHead {
            chain: chain.clone(),
            seq: expected_seq - 1,
            hash: prev,
        });
    }
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
