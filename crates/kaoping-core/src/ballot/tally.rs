//! The tally: valid ballots into each candidate's raw score.
//!
//! For each candidate and class: the class's ratings on valid ballots; when there are at least `trim`
//! of them, the highest and the lowest dropped (one each); their mean, rounded to 2 decimals (四舍五入).
//! The raw score is the weighted mean of the class means, rounded to 2 decimals. A class with no rating
//! of the candidate drops out and the other classes' weights are scaled up to sum to 1 (said in the
//! explanation); a candidate nobody validly rated has no raw score.

use rust_decimal::{Decimal, RoundingStrategy};

use super::{Ballot, Campaign, Invalidity};

/// Decimal places of a class mean and a raw score.
const SCORE_DECIMALS: u32 = 2;

fn round(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(SCORE_DECIMALS, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// The result of a campaign's ballots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Ballots cast per class (valid or not).
    pub cast: Vec<usize>,
    /// Valid ballots per class.
    pub valid: Vec<usize>,
    /// Invalid ballots by reason: blank, incomplete, too many top grades (a ballot may have two).
    pub blank: usize,
    pub incomplete: usize,
    pub too_many_excellent: usize,
    pub candidates: Vec<CandidateTally>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateTally {
    pub code: String,
    /// One per rater class, in the campaign's order.
    pub classes: Vec<ClassTally>,
    /// The weighted mean of the class means; `None` when no class rated the candidate.
    pub raw: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClassTally {
    /// Ratings on valid ballots.
    pub ratings: usize,
    /// The highest and the lowest rating dropped by trimming.
    pub dropped: Option<(Decimal, Decimal)>,
    /// Ratings averaged (after trimming).
    pub counted: usize,
    pub mean: Option<Decimal>,
}

impl Tally {
    pub fn cast_total(&self) -> usize {
        self.cast.iter().sum()
    }

    pub fn valid_total(&self) -> usize {
        self.valid.iter().sum()
    }

    pub fn invalid_total(&self) -> usize {
        self.cast_total() - self.valid_total()
    }
}

impl Campaign {
    /// Tallies `ballots` (each judged again here, so the result never depends on a stored flag).
    pub fn tally<'b>(&self, ballots: impl IntoIterator<Item = &'b Ballot>) -> Tally {
        let classes = self.spec.classes.len();
        let candidates = self.spec.candidates.len();
        let mut tally = Tally {
            cast: vec![0; classes],
            valid: vec![0; classes],
            blank: 0,
            incomplete: 0,
            too_many_excellent: 0,
            candidates: Vec::new(),
        };
        // ratings[candidate][class]: the values given on valid ballots.
        let mut ratings: Vec<Vec<Vec<Decimal>>> = vec![vec![Vec::new(); classes]; candidates];
        for ballot in ballots {
            if ballot.class >= classes || ballot.ratings.len() != candidates {
                continue; // Not this campaign's ballot; read_ballot never makes one.
            }
            tally.cast[ballot.class] += 1;
            let reasons = self.judge(ballot);
            for r in &reasons {
                match r {
                    Invalidity::Blank => tally.blank += 1,
                    Invalidity::Incomplete { .. } => tally.incomplete += 1,
                    Invalidity::TooManyExcellent { .. } => tally.too_many_excellent += 1,
                }
            }
            if !reasons.is_empty() {
                continue;
            }
            tally.valid[ballot.class] += 1;
            for (i, r) in ballot.ratings.iter().enumerate() {
                if let Some(v) = r {
                    ratings[i][ballot.class].push(*v);
                }
            }
        }
        for (i, by_class) in ratings.into_iter().enumerate() {
            let classes: Vec<ClassTally> =
                by_class.into_iter().map(|r| self.class_tally(r)).collect();
            let raw = self.weighted(&classes);
            tally.candidates.push(CandidateTally {
                code: self.spec.candidates[i].clone(),
                classes,
                raw,
            });
        }
        tally
    }

    fn class_tally(&self, mut values: Vec<Decimal>) -> ClassTally {
        let ratings = values.len();
        let mut dropped = None;
        let trim = self.spec.trim as usize;
        if trim > 0 && ratings >= trim {
            values.sort_unstable();
            let lowest = values.remove(0);
            let highest = values.pop().unwrap_or(lowest);
            dropped = Some((highest, lowest));
        }
        let counted = values.len();
        let mean = (counted > 0).then(|| {
            // Values are bounded (±10,000, 4 decimals) and at most 10,000 of them: the sum fits.
            let sum: Decimal = values.iter().sum();
            round(sum / Decimal::from(counted))
        });
        ClassTally {
            ratings,
            dropped,
            counted,
            mean,
        }
    }

    fn weighted(&self, classes: &[ClassTally]) -> Option<Decimal> {
        let mut sum = Decimal::ZERO;
        let mut weights = Decimal::ZERO;
        for (class, spec) in classes.iter().zip(&self.spec.classes) {
            if let Some(mean) = class.mean {
                sum += mean * spec.weight;
                weights += spec.weight;
            }
        }
        (!weights.is_zero()).then(|| round(sum / weights))
    }

    /// The tally of one candidate in words, as the score sheet shows it beside the points:
    /// "2023年度民主评议：有效票38张、无效2张；班子成员均分91.5（5票）×0.3 + 职工均分88.2（31票，去掉最高99、最低60）×0.7 = 89.19".
    pub fn explain(&self, tally: &Tally, candidate: usize) -> String {
        let Some(c) = tally.candidates.get(candidate) else {
            return String::new();
        };
        let mut text = format!(
            "{}：有效票{}张、无效{}张；",
            self.spec.title,
            tally.valid_total(),
            tally.invalid_total()
        );
        let mut terms = Vec::new();
        let mut absent = Vec::new();
        for (class, spec) in c.classes.iter().zip(&self.spec.classes) {
            match class.mean {
                Some(mean) => {
                    let trimmed = class
                        .dropped
                        .map(|(hi, lo)| {
                            format!("，去掉最高{}、最低{}", hi.normalize(), lo.normalize())
                        })
                        .unwrap_or_default();
                    terms.push(format!(
                        "{}均分{}（{}票{}）×{}",
                        spec.name,
                        mean,
                        class.counted,
                        trimmed,
                        spec.weight.normalize()
                    ));
                }
                None => absent.push(spec.name.as_str()),
            }
        }
        match c.raw {
            Some(raw) => {
                text.push_str(&terms.join(" + "));
                if absent.is_empty() {
                    text.push_str(&format!(" = {raw}"));
                } else {
                    text.push_str(&format!(
                        "，{}无有效评价，按其余类别权重折算 = {raw}",
                        absent.join("、")
                    ));
                }
            }
            None => text.push_str("无有效评价"),
        }
        text
    }
}
