//! Where a period stands, for the overview: each department's progress on the items it owns, and how the
//! scores are spread. Pure functions over a [`Snapshot`]; the pages draw them.

use std::collections::BTreeSet;

use kaoping_core::Decimal;
use kaoping_store::{Department, Review, ReviewStatus};

use crate::Snapshot;

/// One department's progress in a period.
#[derive(Debug, Clone, PartialEq)]
pub struct DepartmentProgress {
    pub department: Department,
    /// The items of the rubric this department owns.
    pub items: usize,
    /// Its findings that count (corrections and withdrawals applied).
    pub entries: usize,
    /// Unit × item pairs it must score (items with a discretionary or converted rule: without an entry
    /// they count 0 and the result is incomplete).
    pub required: usize,
    /// Of those, the pairs still without a score.
    pub missing: usize,
    /// The units with at least one of its items unscored.
    pub units_missing: usize,
    /// Its latest review step, if any.
    pub review: Option<ReviewStatus>,
}

impl DepartmentProgress {
    /// The share of required scores entered, in whole percent (100 when nothing is required).
    pub fn percent_done(&self) -> u32 {
        if self.required == 0 {
            return 100;
        }
        let done = self.required - self.missing;
        u32::try_from(done * 100 / self.required).unwrap_or(100)
    }
}

/// Each department's progress on the items it owns, in the departments' order. Departments that own no
/// item of this rubric are left out.
pub fn department_progress(
    snapshot: &Snapshot,
    departments: &[Department],
    reviews: &[Review],
) -> Vec<DepartmentProgress> {
    let rubric = &snapshot.rubric;
    let units = snapshot.units.len();
    departments
        .iter()
        .filter_map(|d| {
            let owned: BTreeSet<usize> = rubric
                .items()
                .iter()
                .enumerate()
                .filter(|(_, item)| item.department.as_deref().is_some_and(|n| d.answers_to(n)))
                .map(|(i, _)| i)
                .collect();
            if owned.is_empty() {
                return None;
            }
            let required_items = owned
                .iter()
                .filter(|&&i| {
                    rubric.items()[i]
                        .rules
                        .clone()
                        .any(|r| rubric.rules()[r].kind.required_entry())
                })
                .count();
            let mut missing = 0;
            let mut units_missing = 0;
            for result in snapshot.results() {
                let pairs: BTreeSet<usize> = result
                    .incomplete
                    .iter()
                    .map(|m| m.item)
                    .filter(|i| owned.contains(i))
                    .collect();
                missing += pairs.len();
                units_missing += usize::from(!pairs.is_empty());
            }
            Some(DepartmentProgress {
                department: d.clone(),
                items: owned.len(),
                entries: snapshot
                    .assessor
                    .by_department()
                    .get(&Some(d.id))
                    .copied()
                    .unwrap_or(0),
                required: required_items * units,
                missing,
                units_missing,
                review: reviews
                    .iter()
                    .find(|r| r.department_id == d.id)
                    .map(|r| r.status),
            })
        })
        .collect()
}

/// How many final scores fall in each band of a histogram.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreBand {
    /// From, inclusive.
    pub from: Decimal,
    /// To, exclusive (the last band includes the rubric's total).
    pub to: Decimal,
    pub units: usize,
}

/// The final scores in bands of `width` points from the band holding the lowest score up to the
/// rubric's total (a bonus above it falls in the last band).
pub fn score_bands(snapshot: &Snapshot, width: Decimal) -> Vec<ScoreBand> {
    let scores: Vec<Decimal> = snapshot.results().iter().map(|r| r.final_score).collect();
    bands_of(&scores, snapshot.rubric.total(), width)
}

/// [`score_bands`] over plain scores: bands of `width` from the multiple of `width` at or below the
/// lowest score (never below 0) up to `total`, each score counted in exactly one.
fn bands_of(scores: &[Decimal], total: Decimal, width: Decimal) -> Vec<ScoreBand> {
    let Some(lowest) = scores.iter().min().copied() else {
        return Vec::new();
    };
    if width <= Decimal::ZERO {
        return Vec::new();
    }
    let start = ((lowest.min(total) / width).floor() * width).max(Decimal::ZERO);
    let mut bands = Vec::new();
    let mut from = start;
    while from < total {
        let to = (from + width).min(total);
        bands.push(ScoreBand { from, to, units: 0 });
        from = to;
    }
    if bands.is_empty() {
        bands.push(ScoreBand {
            from: start,
            to: start + width,
            units: 0,
        });
    }
    let last = bands.len() - 1;
    for &s in scores {
        let i = bands
            .iter()
            .position(|b| s >= b.from && s < b.to)
            .unwrap_or(if s < start { 0 } else { last });
        bands[i].units += 1;
    }
    bands
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(n: i64) -> Decimal {
        Decimal::from(n)
    }

    #[test]
    fn bands_start_below_the_lowest_score_and_end_at_the_total() {
        let scores = [d(67), Decimal::new(935, 1), d(100), d(88)];
        let bands = bands_of(&scores, d(100), d(5));
        assert_eq!(bands.first().map(|b| b.from), Some(d(65)));
        assert_eq!(bands.last().map(|b| (b.from, b.to)), Some((d(95), d(100))));
        let count = |from: i64| bands.iter().find(|b| b.from == d(from)).map(|b| b.units);
        assert_eq!(count(65), Some(1));
        assert_eq!(count(85), Some(1));
        assert_eq!(count(90), Some(1));
        // The full score and a bonus above it are in the last band.
        assert_eq!(count(95), Some(1));
        let with_bonus = bands_of(&[d(103), d(96)], d(100), d(5));
        assert_eq!(with_bonus.len(), 1);
        assert_eq!(with_bonus[0].units, 2);
    }

    #[test]
    fn no_scores_or_no_width_no_bands() {
        assert!(bands_of(&[], d(100), d(5)).is_empty());
        assert!(bands_of(&[d(80)], d(100), Decimal::ZERO).is_empty());
        // A rubric of 0 points still has one band to hold its units.
        assert_eq!(bands_of(&[d(0)], d(0), d(5))[0].units, 1);
    }

    proptest! {
        /// Every score is counted once, and the bands follow each other without gaps.
        #[test]
        fn every_score_is_in_exactly_one_band(
            tenths in proptest::collection::vec(-50i64..1200, 1..60),
            total in 1i64..150,
            width in 1i64..25,
        ) {
            let scores: Vec<Decimal> = tenths.iter().map(|&t| Decimal::new(t, 1)).collect();
            let bands = bands_of(&scores, d(total), d(width));
            prop_assert_eq!(bands.iter().map(|b| b.units).sum::<usize>(), scores.len());
            for pair in bands.windows(2) {
                prop_assert_eq!(pair[0].to, pair[1].from);
            }
            prop_assert!(bands.iter().all(|b| b.from < b.to));
        }
    }
}
