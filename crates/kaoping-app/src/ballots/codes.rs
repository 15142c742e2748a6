//! Voting codes: 8 characters without 0/O/1/I, random, issued once per voter of each class; only their
//! SHA-256 is kept. Ballot ids: 128 random bits.

use rand::Rng;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::actor::Actor;
use crate::audit::AuditAction;
use crate::error::AppError;
use crate::App;

/// The letters of a voting code: no 0/O or 1/I to confuse on a printed slip.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// Characters of a voting code (32⁸ ≈ 10¹² codes).
pub const CODE_LENGTH: usize = 8;

/// A random ballot id: 128 bits in hex, so ids say nothing about order.
pub(super) fn ballot_id() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random voting code.
fn new_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LENGTH)
        .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

/// A code as typed: spaces and dashes dropped, letters upper-cased; `None` when it cannot be a code.
pub fn normalize_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == CODE_LENGTH && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

pub(super) fn code_hash(code: &str) -> String {
    let digest = Sha256::digest(code.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A code issued: shown once, printed on a slip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuedCode {
    pub class: String,
    pub code: String,
}

/// New codes for each class, as many as asked: (class index, how many). Shown once, kept as hashes.
fn fresh_codes(
    campaign: &kaoping_core::ballot::Campaign,
    per_class: &[(usize, u32)],
) -> (Vec<IssuedCode>, Vec<(i64, String)>) {
    let mut codes = Vec::new();
    let mut hashes = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for &(class, n) in per_class {
        let Some(spec) = campaign.classes().get(class) else {
            continue;
        };
        let mut made = 0;
        while made < n {
            let code = new_code();
            if !seen.insert(code.clone()) {
                continue;
            }
            hashes.push((class as i64, code_hash(&code)));
            codes.push(IssuedCode {
                class: spec.name.clone(),
                code,
            });
            made += 1;
        }
    }
    (codes, hashes)
}

impl App {
    /// Issues the campaign's codes, as many per class as it has voters: once. The codes are returned
    /// here and never again (only their hashes are kept).
    ///
    /// # Errors
    /// 409 when the codes were issued before or the campaign is closed.
    pub async fn issue_codes(&self, actor: &Actor, id: i64) -> Result<Vec<IssuedCode>, AppError> {
        let (mut tx, _, row, campaign) = self.run_campaign(actor, id).await?;
        if row.codes_issued_at.is_some() {
            return Err(AppError::Conflict(
                "投票码已经发放过（只显示一次，不能再次显示；选票遗失时可作废未用的投票码并重新发放）"
                    .into(),
            ));
        }
        let per_class: Vec<(usize, u32)> = campaign
            .classes()
            .iter()
            .enumerate()
            .map(|(i, c)| (i, c.voters))
            .collect();
        let (codes, hashes) = fresh_codes(&campaign, &per_class);
        tx.issue_codes(id, &hashes).await?;
        tx.audit(
            Some(actor.id()),
            AuditAction::BallotCodes.key(),
            &format!("评议#{id}“{}”：发放投票码{}个", row.title, codes.len()),
        )
        .await?;
        tx.commit().await?;
        Ok(codes)
    }

    /// A lost sheet of slips: every code not yet used is made void and as many new ones issued, per class,
    /// in one transaction. Used codes and cast ballots stay as they are; the void codes are refused from
    /// then on. The new codes are returned here and never again.
    ///
    /// # Errors
    /// 409 before the first issue, when every code is used, or when the campaign is closed.
    pub async fn reissue_codes(&self, actor: &Actor, id: i64) -> Result<Vec<IssuedCode>, AppError> {
        let (mut tx, _, row, campaign) = self.run_campaign(actor, id).await?;
        if row.codes_issued_at.is_none() {
            return Err(AppError::Conflict("还没有发放投票码".into()));
        }
        let voided = tx.void_unused_codes(id).await?;
        let per_class: Vec<(usize, u32)> = voided
            .iter()
            .filter_map(|&(class, n)| Some((usize::try_from(class).ok()?, u32::try_from(n).ok()?)))
            .collect();
        let (codes, hashes) = fresh_codes(&campaign, &per_class);
        if codes.is_empty() {
            return Err(AppError::Conflict(
                "投票码都已用过，没有可以重新发放的".into(),
            ));
        }
        tx.issue_codes(id, &hashes).await?;
        tx.audit(
            Some(actor.id()),
            AuditAction::BallotCodes.key(),
            &format!(
                "评议#{id}“{}”：作废未用的投票码{}个，重新发放{}个",
                row.title,
                codes.len(),
                codes.len()
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(codes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_the_unambiguous_alphabet_and_are_read_back_forgivingly() {
        for _ in 0..200 {
            let code = new_code();
            assert_eq!(code.len(), CODE_LENGTH);
            assert!(!code.contains(['0', 'O', '1', 'I']), "{code}");
            let typed = format!(" {}-{} ", &code[..4], code[4..].to_lowercase());
            assert_eq!(normalize_code(&typed).as_deref(), Some(code.as_str()));
        }
        assert_eq!(normalize_code("ABCD1234"), None);
        assert_eq!(normalize_code("ABC"), None);
    }
}
