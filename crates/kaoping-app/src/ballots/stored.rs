//! How campaigns and ballots are kept: a campaign's rules as its `CampaignInput` JSON, rebuilt and checked
//! again when read; a ballot's ratings as a JSON array of decimals as text, in the candidates' order.

use kaoping_core::ballot::{Ballot, Campaign};
use kaoping_core::Decimal;
use kaoping_store::{CampaignRow, StoredBallot};

use super::input::{problems_message, CampaignInput};
use crate::error::AppError;

/// A stored campaign's rules, rebuilt.
pub(super) fn stored_campaign(row: &CampaignRow) -> Result<(CampaignInput, Campaign), AppError> {
    let input: CampaignInput = serde_json::from_str(&row.settings)
        .map_err(|e| AppError::Internal(format!("评议#{}的设置无法读取：{e}", row.id)))?;
    let campaign = input
        .campaign()
        .map_err(|p| AppError::Internal(problems_message(&p)))?;
    Ok((input, campaign))
}

/// A stored ballot's ratings: the values in the campaign's candidate order.
pub(super) fn ratings_json(ballot: &Ballot) -> String {
    let values: Vec<Option<String>> = ballot
        .ratings
        .iter()
        .map(|r| r.map(|d| d.normalize().to_string()))
        .collect();
    serde_json::to_string(&values).unwrap_or_else(|_| "[]".into())
}

fn stored_ballot(b: &StoredBallot, candidates: usize) -> Result<Ballot, AppError> {
    let values: Vec<Option<String>> = serde_json::from_str(&b.ratings)
        .map_err(|e| AppError::Internal(format!("选票无法读取：{e}")))?;
    if values.len() != candidates {
        return Err(AppError::Internal("选票的候选人数与评议不符".into()));
    }
    let ratings = values
        .into_iter()
        .map(|v| v.map(|t| t.parse::<Decimal>()).transpose())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AppError::Internal(format!("选票无法读取：{e}")))?;
    Ok(Ballot {
        class: usize::try_from(b.class_index).unwrap_or(usize::MAX),
        ratings,
    })
}

/// The tally of a campaign's stored ballots.
pub(super) fn tally_of(
    campaign: &Campaign,
    stored: &[StoredBallot],
) -> Result<kaoping_core::ballot::Tally, AppError> {
    let ballots = stored
        .iter()
        .map(|b| stored_ballot(b, campaign.candidates().len()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(campaign.tally(&ballots))
}
