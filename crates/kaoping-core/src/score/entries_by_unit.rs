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
    /// The units' entries of `map` (groups' stay in the map) and those added in bulk, sorted by unit (as
    /// [`super::Scorer::add_entries`] keeps them), for units below `units`.
    pub(super) fn new(
        map: &FxHashMap<Key, (Input, u64)>,
        bulk: Vec<UnitEntry>,
        units: usize,
    ) -> EntriesByUnit {
        debug_assert!(bulk.is_sorted_by_key(|e| e.unit), "bulk entries by unit");
        let as_u32 = |n: usize| u32::try_from(n).expect("fewer than 2³² entries, rounds and rules");
        // The map's (a few, or all of them when nothing came in bulk) sorted by unit too, then the two
        // merged in one pass: the bulk entries, the many, are moved once and in order.
        let mut in_map: Vec<(UnitId, u32, u32, Input)> = map
            .iter()
            .filter_map(|(&(party, round, rule), (input, _))| match party {
                Party::Unit(u) if u < units => {
                    Some((u, as_u32(round), as_u32(rule), input.clone()))
                }
                _ => None,
            })
            .collect();
        in_map.sort_unstable_by_key(|e| e.0);
        let mut in_map = in_map.into_iter().peekable();
        let mut bulk = bulk.into_iter().filter(|e| e.unit < units).peekable();
        let mut starts = Vec::with_capacity(units + 1);
        let mut entries = Vec::with_capacity(bulk.size_hint().1.unwrap_or(0) + in_map.len());
        for u in 0..units {
            starts.push(as_u32(entries.len()));
            while let Some(e) = bulk.next_if(|e| e.unit == u) {
                entries.push((as_u32(e.round), as_u32(e.rule), e.input));
            }
            while let Some((_, round, rule, input)) = in_map.next_if(|e| e.0 == u) {
                entries.push((round, rule, input));
            }
        }
        starts.push(as_u32(entries.len()));
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
