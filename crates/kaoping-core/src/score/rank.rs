//! Ranking (排名): within each ranking group, by published score; ties share a rank (1, 1, 3).

use std::cmp::Reverse;

use rustc_hash::FxHashMap;

use super::UnitResult;
use crate::rubric::{Rubric, VetoEffect};
use crate::units::Units;

/// Sets `rank` on every result. A unit failed by a veto (一票否决) ranks below every unit that was not,
/// whatever its points: a vetoed unit at the top of a published list would contradict the veto.
pub fn rank(rubric: &Rubric, units: &Units, results: &mut [UnitResult]) {
    let ranked = ranks(rubric, units, &results.iter().collect::<Vec<_>>());
    for (r, rank) in results.iter_mut().zip(ranked) {
        r.rank = rank;
    }
}

/// The rank [`rank`] would give each result, by position, leaving the results untouched: for callers
/// that share results and change only the ranks that moved.
pub fn ranks(rubric: &Rubric, units: &Units, results: &[&UnitResult]) -> Vec<usize> {
    let vetoed = |r: &UnitResult| {
        r.vetoes
            .iter()
            .any(|v| rubric.vetoes()[v.veto].effect == VetoEffect::Fail)
    };
    let mut groups: FxHashMap<Option<&str>, Vec<usize>> = FxHashMap::default();
    for (i, r) in results.iter().enumerate() {
        groups
            .entry(units.unit(r.unit).ranking_group.as_deref())
            .or_default()
            .push(i);
    }
    let mut out = vec![0; results.len()];
    let mut keyed = Vec::new();
    for members in groups.values() {
        // The keys are gathered once, side by side: sorting 100,000 results by keys read through them
        // missed the cache on every comparison. The position last keeps equal scores in register order.
        keyed.clear();
        keyed.extend(
            members
                .iter()
                .map(|&i| (vetoed(results[i]), Reverse(results[i].final_score), i)),
        );
        keyed.sort_unstable();
        let mut previous = None;
        let mut rank = 0;
        for (pos, &(vetoed, Reverse(score), i)) in keyed.iter().enumerate() {
            if previous != Some((vetoed, score)) {
                rank = pos + 1;
                previous = Some((vetoed, score));
            }
            out[i] = rank;
        }
    }
    out
}
