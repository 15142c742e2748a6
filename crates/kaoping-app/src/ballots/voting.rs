//! The voter's side, with no login: what a code opens, and a ballot cast with it (one that would not
//! count comes back with its reasons, in the candidates' names, unless the voter casts it anyway).

use kaoping_core::ballot::{Campaign, Invalidity};
use kaoping_store::{CampaignStatus, CodeLookup, StoredBallot, VoteLimits};

use crate::error::AppError;
use crate::period::Snapshot;
use crate::App;

use super::codes::{ballot_id, code_hash, normalize_code};
use super::stored::{ratings_json, stored_campaign};

/// Wrong codes one address may try before it waits: an office behind one address makes typing
/// mistakes too, so the limit is generous, and a right code is forgiven at once.
const VOTE_LIMITS: VoteLimits = VoteLimits {
    window_ms: 10 * 60 * 1000,
    per_address: 30,
};

/// Why a ballot would not count, naming candidates as the voter sees them (by name, not code).
fn reason_in_names(reason: &Invalidity, snapshot: &Snapshot) -> String {
    match reason {
        Invalidity::Incomplete { missing } => {
            let names: Vec<String> = missing.iter().map(|c| snapshot.unit_name(c)).collect();
            Invalidity::Incomplete { missing: names }.to_string()
        }
        other => other.to_string(),
    }
}

/// What a voter sees after entering their code.
#[derive(Debug, Clone)]
pub struct VoteForm {
    pub code: String,
    pub title: String,
    pub class_name: String,
    pub campaign: Campaign,
    /// (code, name) in ballot order.
    pub candidates: Vec<(String, String)>,
}

/// The answer to a cast ballot.
#[derive(Debug, Clone)]
pub enum CastOutcome {
    /// Stored; `reasons` is empty for a valid ballot.
    Cast { reasons: Vec<String> },
    /// Not stored: it would be invalid, for these reasons; the voter may go back or cast it anyway
    /// (the ballot to show again).
    WouldBeInvalid {
        reasons: Vec<String>,
        form: Box<VoteForm>,
    },
}

/// The ballot for a code: the campaign's candidates by name, in ballot order.
fn form_of(code: String, found: &CodeLookup, campaign: Campaign, snapshot: &Snapshot) -> VoteForm {
    let candidates = campaign
        .candidates()
        .iter()
        .map(|c| (c.clone(), snapshot.unit_name(c)))
        .collect();
    let class_name = campaign
        .classes()
        .get(usize::try_from(found.class_index).unwrap_or(usize::MAX))
        .map(|c| c.name.clone())
        .unwrap_or_default();
    VoteForm {
        code,
        title: found.campaign.title.clone(),
        class_name,
        campaign,
        candidates,
    }
}

impl App {
    /// What a code opens, for the voter: counted against the address's wrong codes.
    async fn code_campaign(
        &self,
        typed: &str,
        address: &str,
    ) -> Result<(String, kaoping_store::CodeLookup), AppError> {
        if self.store.vote_refused(address, VOTE_LIMITS).await? {
            return Err(AppError::VoteThrottled);
        }
        let found = match normalize_code(typed) {
            Some(code) => self
                .store
                .code_lookup(&code_hash(&code))
                .await?
                .map(|found| (code, found)),
            None => None,
        };
        let Some((code, found)) = found else {
            self.store.vote_failed(address, VOTE_LIMITS).await?;
            return Err(AppError::NotFound(
                "投票码不存在，请核对选票上的投票码".into(),
            ));
        };
        if found.campaign.status == CampaignStatus::Closed {
            return Err(AppError::Conflict("本次评议已结束，不再接受投票".into()));
        }
        if found.void {
            return Err(AppError::Conflict(kaoping_store::VOID_MESSAGE.into()));
        }
        if found.used {
            return Err(AppError::Conflict(
                "这个投票码已经投过票了，每个投票码只能投一次".into(),
            ));
        }
        Ok((code, found))
    }

    /// The ballot a code opens (no login: the code is the right to vote once).
    ///
    /// # Errors
    /// 404 for an unknown code, 409 for a used code or a closed campaign, 429 after too many wrong codes
    /// from the address.
    pub async fn vote_form(&self, typed: &str, address: &str) -> Result<VoteForm, AppError> {
        let (code, found) = self.code_campaign(typed, address).await?;
        let (_, campaign) = stored_campaign(&found.campaign)?;
        let snapshot = self
            .snapshot(found.campaign.period_id, |_| true, "")
            .await?;
        Ok(form_of(code, &found, campaign, &snapshot))
    }

    /// Casts a ballot with a code. A ballot that would be invalid is stored only when `cast_invalid`
    /// says the voter means it (a spoilt ballot is a voter's right); otherwise the reasons come back,
    /// with the ballot to show again.
    ///
    /// # Errors
    /// As [`App::vote_form`]; 422 for ratings that cannot be read (a score out of range, an unknown
    /// grade or candidate).
    pub async fn cast(
        &self,
        typed: &str,
        ratings: &[(String, String)],
        cast_invalid: bool,
        address: &str,
    ) -> Result<CastOutcome, AppError> {
        let (code, found) = self.code_campaign(typed, address).await?;
        let (_, campaign) = stored_campaign(&found.campaign)?;
        let class = usize::try_from(found.class_index).unwrap_or(usize::MAX);
        let pairs: Vec<(&str, &str)> = ratings
            .iter()
            .map(|(c, r)| (c.as_str(), r.as_str()))
            .collect();
        let ballot = campaign.read_ballot(class, &pairs).map_err(|e| {
            AppError::Invalid(
                e.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        })?;
        let snapshot = self
            .snapshot(found.campaign.period_id, |_| true, "")
            .await?;
        let reasons: Vec<String> = campaign
            .judge(&ballot)
            .iter()
            .map(|r| reason_in_names(r, &snapshot))
            .collect();
        if !reasons.is_empty() && !cast_invalid {
            let form = Box::new(form_of(code, &found, campaign, &snapshot));
            return Ok(CastOutcome::WouldBeInvalid { reasons, form });
        }
        self.store
            .cast_ballot(
                &code_hash(&code),
                found.campaign.id,
                &StoredBallot {
                    id: ballot_id(),
                    class_index: found.class_index,
                    valid: reasons.is_empty(),
                    ratings: ratings_json(&ballot),
                },
            )
            .await?;
        // Never the code: which campaign only.
        tracing::info!(campaign = found.campaign.id, "a ballot was cast");
        Ok(CastOutcome::Cast { reasons })
    }
}
