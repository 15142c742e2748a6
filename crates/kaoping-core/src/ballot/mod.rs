//! Ballots (民主评议, 述职评议): a campaign's rules ([`Campaign`]), one ballot read and judged valid or
//! not ([`Campaign::read_ballot`]), and the tally that turns valid ballots into each candidate's raw
//! score ([`Campaign::tally`]), which the rubric's conversion rule then turns into points.
//!
//! Pure like the rest of the core: codes, storage and anonymity are the application's and the store's.

mod campaign;
mod tally;

pub use campaign::{
    Campaign, CampaignProblem, CampaignSpec, ClassSpec, Grade, Scale, MAX_CANDIDATES, MAX_CLASSES,
    MAX_GRADES, MAX_NAME_CHARS, MAX_VOTERS,
};
pub use tally::{CandidateTally, ClassTally, Tally};

use rust_decimal::Decimal;

use crate::limits::{decimals, MAX_DECIMALS};

/// A ballot as read: its rater class and the value given to each candidate (in the campaign's order;
/// `None` where the rater left the candidate blank).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ballot {
    pub class: usize,
    pub ratings: Vec<Option<Decimal>>,
}

/// Why a ballot does not count (作废票). A ballot is cast either way: its code is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalidity {
    /// Nobody rated (空白票).
    Blank,
    /// Some candidates not rated (their codes).
    Incomplete { missing: Vec<String> },
    /// More candidates rated with the top grade than the campaign allows.
    TooManyExcellent {
        grade: String,
        given: usize,
        allowed: usize,
    },
}

impl std::fmt::Display for Invalidity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Invalidity::Blank => f.write_str("空白票：没有评价任何候选人"),
            Invalidity::Incomplete { missing } => {
                write!(
                    f,
                    "未评价全部候选人（还有{}名未评：{}）",
                    missing.len(),
                    missing.join("、")
                )
            }
            Invalidity::TooManyExcellent {
                grade,
                given,
                allowed,
            } => write!(f, "评为“{grade}”的有{given}名，超过上限{allowed}名"),
        }
    }
}

/// A rating that cannot be read: the ballot is refused as input (the voter or clerk corrects it), not
/// counted as invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingError {
    /// The candidate's code as given.
    pub candidate: String,
    pub message: String,
}

impl std::fmt::Display for RatingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}：{}", self.candidate, self.message)
    }
}

impl Campaign {
    /// Reads one ballot of `class`: each `(candidate code, rating as written)`; an empty rating is a
    /// candidate left blank. A score must be within the scale, a grade one of the campaign's.
    ///
    /// # Errors
    /// Every rating that cannot be read, and every unknown or repeated candidate.
    pub fn read_ballot(
        &self,
        class: usize,
        ratings: &[(&str, &str)],
    ) -> Result<Ballot, Vec<RatingError>> {
        let mut errors = Vec::new();
        let mut values = vec![None; self.spec.candidates.len()];
        let mut seen = vec![false; self.spec.candidates.len()];
        if class >= self.spec.classes.len() {
            errors.push(RatingError {
                candidate: String::new(),
                message: "评议人类别不存在".into(),
            });
        }
        for (candidate, text) in ratings {
            let candidate = candidate.trim();
            let Some(i) = self.spec.candidates.iter().position(|c| c == candidate) else {
                errors.push(RatingError {
                    candidate: candidate.into(),
                    message: "不是本次评议的候选人".into(),
                });
                continue;
            };
            if std::mem::replace(&mut seen[i], true) {
                errors.push(RatingError {
                    candidate: candidate.into(),
                    message: "重复评价".into(),
                });
                continue;
            }
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            match self.rating_value(text) {
                Ok(v) => values[i] = Some(v),
                Err(message) => errors.push(RatingError {
                    candidate: candidate.into(),
                    message,
                }),
            }
        }
        if errors.is_empty() {
            Ok(Ballot {
                class,
                ratings: values,
            })
        } else {
            Err(errors)
        }
    }

    /// The value of one rating as written.
    fn rating_value(&self, text: &str) -> Result<Decimal, String> {
        match &self.spec.scale {
            Scale::Score { min, max } => {
                let value: Decimal = text
                    .parse()
                    .map_err(|_| format!("“{text}”不是分数（{min}～{max}）"))?;
                if value < *min || value > *max || decimals(value) > MAX_DECIMALS {
                    return Err(format!("{text}不在{min}～{max}之间"));
                }
                Ok(value.normalize())
            }
            Scale::Grades(grades) => grades
                .iter()
                .find(|g| g.name == text)
                .map(|g| g.value)
                .ok_or_else(|| {
                    let names: Vec<&str> = grades.iter().map(|g| g.name.as_str()).collect();
                    format!("“{text}”不是评议等次（{}）", names.join("、"))
                }),
        }
    }

    /// Whether a ballot counts; every reason it does not.
    pub fn judge(&self, ballot: &Ballot) -> Vec<Invalidity> {
        let rated = ballot.ratings.iter().filter(|r| r.is_some()).count();
        if rated == 0 {
            return vec![Invalidity::Blank];
        }
        let mut reasons = Vec::new();
        let missing: Vec<String> = ballot
            .ratings
            .iter()
            .zip(&self.spec.candidates)
            .filter(|(r, _)| r.is_none())
            .map(|(_, c)| c.clone())
            .collect();
        if !missing.is_empty() {
            reasons.push(Invalidity::Incomplete { missing });
        }
        if let (Some(allowed), Some(top), Scale::Grades(grades)) =
            (self.max_excellent(), &self.top_grade, &self.spec.scale)
        {
            let top_value = grades.iter().find(|g| &g.name == top).map(|g| g.value);
            let given = ballot
                .ratings
                .iter()
                .filter(|r| r.is_some() && **r == top_value)
                .count();
            if given > allowed {
                reasons.push(Invalidity::TooManyExcellent {
                    grade: top.clone(),
                    given,
                    allowed,
                });
            }
        }
        reasons
    }

    /// The grade name of a stored value on a graded scale (for showing a ballot back).
    pub fn grade_of(&self, value: Decimal) -> Option<&str> {
        match &self.spec.scale {
            Scale::Grades(grades) => grades
                .iter()
                .find(|g| g.value == value)
                .map(|g| g.name.as_str()),
            Scale::Score { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests;
