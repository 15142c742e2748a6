//! A scorer's score-setting entries laid out unit by unit, for scoring many units.
//!
//! Scoring asks for each unit's entry on every graded and discretionary rule. Asked of the map that
//! holds them (a quarter of a million entries for 100,000 units), each question is a cache miss, and they
//! were most of what scoring a unit waited on. Laid out by unit, a unit's few entries sit together and
//! units are scored in order, so the answers come from memory already read.

use rustc_hash::FxHashMap;

use super::{Key, UnitEntry};
use crate::finding::Input;
use crate::rubric::{RoundId, RuleId};
use crate::units::{Party, UnitId};

/// Below this many entries the map stays in the cache, and laying them out would cost more than it saves.
pub(super) const LAID_OUT_FROM: usize = 4096;

/// Each unit's entries, `(round, rule, input)`, unit `u`'s at `starts[u]..starts[u + 1]`.
#[derive(Debug, Default)]
pub(super) struct EntriesByUnit {
    starts: Vec<u32>,
    entries: Vec<(u32, u32, Input)>,
}

impl EntriesByUnit {
    /// The units' entries of `map` (groups' stay in the map) and those added in bulk, for units below
    /// `units`.
    pub(super) fn new(
        map: &FxHashMap<Key, (Input, u64)>,
        bulk: Vec<UnitEntry>,
        units: usize,
    ) -> EntriesByUnit {
        let as_u32 = |n: usize| u32::try_from(n).expect("fewer than 2³² entries, rounds and rules");
        let in_map = map
            .iter()
            .filter_map(|(&(party, round, rule), (input, _))| match party {
                Party::Unit(u) if u < units => Some((u, round, rule, input.clone())),
                _ => None,
            });
        let all = bulk
            .into_iter()
            .filter(|e| e.unit < units)
            .map(|e| (e.unit, e.round, e.rule, e.input))
            .chain(in_map);
        // A counting sort: how many each unit has, where each unit's begin, then each in its place.
        let mut starts = vec![0u32; units + 1];
        let mut placed: Vec<(usize, (u32, u32, Input))> = Vec::new();
        for (u, round, rule, input) in all {
            starts[u + 1] += 1;
            placed.push((u, (as_u32(round), as_u32(rule), input)));
        }
        for u in 0..units {
            starts[u + 1] += starts[u];
        }
        let mut next = starts.clone();
        let mut entries = vec![(u32::MAX, u32::MAX, Input::NotApplicable); placed.len()];
        for (u, entry) in placed {
            entries[next[u] as usize] = entry;
            next[u] += 1;
        }
        EntriesByUnit { starts, entries }
    }

    /// Unit `unit`'s entry on `rule` in `round`.
    pub(super) fn get(&self, unit: UnitId, round: RoundId, rule: RuleId) -> Option<&Input> {
        let (Some(&from), Some(&to)) = (self.starts.get(unit), self.starts.get(unit + 1)) else {
            return None;
        };
        self.entries[from as usize..to as usize]
            .iter()
            .find(|&&(r, x, _)| r as usize == round && x as usize == rule)
            .map(|(_, _, input)| input)
    }
}
