//! Voting codes: 8 characters without 0/O/1/I, random, issued once per voter of each class; only their
//! SHA-256 is kept. Ballot ids: 128 random bits.

use rand::Rng;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::actor::Actor;
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
                "投票码已经发放过（只显示一次，不能再次显示）".into(),
            ));
        }
        let mut codes = Vec::new();
        let mut hashes = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, class) in campaign.classes().iter().enumerate() {
            let mut n = 0;
            while n < class.voters {
                let code = new_code();
                if !seen.insert(code.clone()) {
                    continue;
                }
                hashes.push((i as i64, code_hash(&code)));
                codes.push(IssuedCode {
                    class: class.name.clone(),
                    code,
                });
                n += 1;
            }
        }
        tx.issue_codes(id, &hashes).await?;
        tx.audit(
            Some(actor.id()),
            "ballot_codes",
            &format!("评议#{id}“{}”：发放投票码{}个", row.title, codes.len()),
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
