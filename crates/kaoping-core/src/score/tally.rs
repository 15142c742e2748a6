//! Per-unit tallies of count-like rules, sized by what was found rather than by units × rules.
//!
//! Findings arrive in any order (a ledger export is in time order, not grouped by unit). Adding one to a
//! dense `[unit][round][rule]` array touches a random slot of an array far larger than the cache on every
//! row, and a 1,000-rule rubric for 100,000 units would need 800 MB of zeros. Here a finding is appended
//! (a sequential write) and the tallies are sorted once, before scoring; a unit's tallies are then one
//! contiguous run, which also tells the scorer which rules a unit was found on at all.
//!
//! Scorers that read parts of a file on several threads each sort their own tallies on their own thread;
//! merging them keeps the sorted parts side by side (a unit's count is the sum over parts) instead of
//! sorting everything again on one thread.

use super::prefetch::prefetch;
use crate::units::UnitId;

/// A tally's key: the unit in the high 32 bits and the (round, rule) slot in the low 32 bits, so sorting
/// by key groups each unit's tallies in slot order.
pub(super) fn key(unit: UnitId, slot: usize) -> u64 {
    let unit = u32::try_from(unit).expect("fewer than 2³² units");
    let slot = u32::try_from(slot).expect("fewer than 2³² rule slots");
    (u64::from(unit) << 32) | u64::from(slot)
}

fn unit_of(key: u64) -> usize {
    (key >> 32) as usize
}

fn slot_of(key: u64) -> usize {
    (key & u64::from(u32::MAX)) as usize
}

/// One part's tallies, sorted by key with one entry per key.
#[derive(Debug, Clone, Default)]
struct Part {
    entries: Vec<(u64, u64)>,
    /// The lowest unit with entries: a scorer of one unit (the server re-scoring unit 99,999) indexes just
    /// that one.
    first: usize,
    /// `starts[u - first]..starts[u - first + 1]` are the entries of the part's unit `u`; or, for a part
    /// whose units' runs are not in unit order, `spans[u - first]`: (start, length).
    starts: Vec<usize>,
    spans: Option<Vec<(u32, u32)>>,
    /// The part's unit for each unit of the whole; `None` when they are the same.
    local: Option<Vec<u32>>,
}

impl Part {
    /// The part's index of `unit`, from `first`.
    fn local(&self, unit: UnitId) -> Option<usize> {
        let local = match &self.local {
            None => unit,
            Some(map) => match map.get(unit) {
                Some(&l) if l != u32::MAX => l as usize,
                _ => return None,
            },
        };
        local.checked_sub(self.first)
    }

    /// Starts loading where `unit`'s run is recorded.
    fn prefetch_span(&self, unit: UnitId) {
        let Some(local) = self.local(unit) else {
            return;
        };
        match &self.spans {
            Some(spans) => spans.get(local).map(prefetch),
            None => self.starts.get(local).map(prefetch),
        };
    }

    fn of(&self, unit: UnitId) -> &[(u64, u64)] {
        let Some(local) = self.local(unit) else {
            return &[];
        };
        if let Some(spans) = &self.spans {
            return spans.get(local).map_or(&[], |&(start, len)| {
                &self.entries[start as usize..start as usize + len as usize]
            });
        }
        match (self.starts.get(local), self.starts.get(local + 1)) {
            (Some(&a), Some(&b)) => &self.entries[a..b],
            _ => &[],
        }
    }
}

/// Counts per (unit, slot). Appending keeps them unsorted; [`UnitTallies::seal`] sorts and sums them, after
/// which they are read by unit.
#[derive(Debug, Clone, Default)]
pub(super) struct UnitTallies {
    /// `(key, count)` as found, not yet sealed.
    found: Vec<(u64, u64)>,
    /// A scorer of one unit (the server re-scoring a unit of thousands of findings on every write) counts
    /// into one slot per (round, rule) instead, as cheap as it gets; `None` in a slot: nothing found.
    one_unit: Option<(UnitId, Vec<Option<u64>>)>,
    /// Sealed parts: one, or one per merged scorer.
    parts: Vec<Part>,
}

impl UnitTallies {
    /// Tallies for `unit` alone, with `slots` (round, rule) slots; another unit's are still taken.
    pub(super) fn for_one_unit(unit: UnitId, slots: usize) -> UnitTallies {
        UnitTallies {
            one_unit: Some((unit, vec![None; slots])),
            ..UnitTallies::default()
        }
    }

    /// Adds `n` to a unit's slot. Counts saturate: a file repeating a million-count row cannot wrap them.
    pub(super) fn add(&mut self, unit: UnitId, slot: usize, n: u64) {
        if let Some((one, slots)) = &mut self.one_unit {
            if let (true, Some(c)) = (*one == unit, slots.get_mut(slot)) {
                *c = Some(c.unwrap_or(0).saturating_add(n));
                return;
            }
        }
        let k = key(unit, slot);
        // Rows of one unit often come together: fold a repeat into the entry just made.
        if let Some(last) = self.found.last_mut() {
            if last.0 == k {
                last.1 = last.1.saturating_add(n);
                return;
            }
        }
        self.found.push((k, n));
    }

    /// Takes in another scorer's tallies, its units renumbered by `remap`. They are sealed first, so
    /// seal them on the thread that made them.
    pub(super) fn absorb(&mut self, mut other: UnitTallies, remap: &[UnitId]) {
        other.seal();
        for mut part in other.parts {
            let mut local = vec![u32::MAX; remap.iter().max().map_or(0, |&m| m + 1)];
            for (mine, &whole) in remap.iter().enumerate() {
                let l = match &part.local {
                    None => mine,
                    Some(map) => map.get(mine).map_or(u32::MAX as usize, |&l| l as usize),
                };
                local[whole] = u32::try_from(l).expect("fewer than 2³² units");
            }
            part.local = Some(local);
            self.parts.push(part);
        }
    }

    /// Sorts what was found since the last seal and sums each (unit, slot) into one entry.
    pub(super) fn seal(&mut self) {
        if let Some((unit, slots)) = self.one_unit.take() {
            for (slot, c) in slots.into_iter().enumerate() {
                if let Some(c) = c {
                    self.add(unit, slot, c);
                }
            }
        }
        if self.found.is_empty() {
            return;
        }
        let mut entries = std::mem::take(&mut self.found);
        // Already in order when units came grouped; otherwise a radix sort (a few linear passes: it skips
        // the key bytes no tally uses) rather than a comparison sort, several times slower on 10⁷ tallies.
        if !entries.is_sorted_by_key(|&(k, _)| k) {
            radsort::sort_by_key(&mut entries, |&(k, _)| k);
        }
        entries.dedup_by(|next, kept| {
            if next.0 == kept.0 {
                kept.1 = kept.1.saturating_add(next.1);
                true
            } else {
                false
            }
        });
        entries.shrink_to_fit();
        self.push_sorted(entries);
    }

    /// Adds a sealed part of tallies already summed: one per (unit, slot), in key order.
    fn push_sorted(&mut self, entries: Vec<(u64, u64)>) {
        if entries.is_empty() {
            return;
        }
        let first = entries.first().map_or(0, |&(k, _)| unit_of(k));
        let end = entries.last().map_or(0, |&(k, _)| unit_of(k) + 1);
        let mut starts = Vec::with_capacity(end - first + 1);
        let mut i = 0;
        for u in first..=end {
            while i < entries.len() && unit_of(entries[i].0) < u {
                i += 1;
            }
            starts.push(i);
        }
        // This scorer's own units: no renumbering.
        self.parts.push(Part {
            entries,
            first,
            starts,
            spans: None,
            local: None,
        });
    }

    /// Adds tallies a reader has already summed, unit by unit in any order of units: unit `u`'s are
    /// `entries[spans[u].0..][..spans[u].1]`, one per slot (the slot in the low 32 bits of the key; the
    /// high bits are not read). They are kept as they are, a sealed part beside the others.
    ///
    /// # Panics
    /// A span outside `entries`; in debug builds, a run whose slots do not ascend.
    pub(super) fn add_runs(&mut self, entries: Vec<(u64, u64)>, spans: Vec<(u32, u32)>) {
        for &(start, len) in &spans {
            let run = &entries[start as usize..start as usize + len as usize];
            debug_assert!(
                run.windows(2).all(|w| slot_of(w[0].0) < slot_of(w[1].0)),
                "a unit's summed tallies come once per slot, in order"
            );
        }
        self.parts.push(Part {
            entries,
            first: 0,
            starts: Vec::new(),
            spans: Some(spans),
            local: None,
        });
    }

    /// Asks the processor to start loading what scoring `ahead` units from now will read: where unit
    /// `unit + 2 * ahead`'s runs are recorded, and unit `unit + ahead`'s runs themselves (recorded where
    /// the previous call asked for). A unit's runs lie wherever their part put them (a ledger in time
    /// order scatters them), and each was a cache miss that scoring waited on.
    pub(super) fn prefetch(&self, unit: UnitId, ahead: usize) {
        for part in &self.parts {
            part.prefetch_span(unit + 2 * ahead);
            if let Some(first) = part.of(unit + ahead).first() {
                prefetch(first);
            }
        }
    }

    /// A sealed unit's tallies.
    pub(super) fn of_unit(&self, unit: UnitId) -> UnitRun<'_> {
        debug_assert!(
            self.found.is_empty() && self.one_unit.is_none(),
            "tallies are read after seal"
        );
        let mut runs: [&[(u64, u64)]; 4] = [&[]; 4];
        let mut rest = Vec::new();
        for (i, part) in self.parts.iter().enumerate() {
            let run = part.of(unit);
            if i < runs.len() {
                runs[i] = run;
            } else if !run.is_empty() {
                rest.push(run);
            }
        }
        UnitRun { runs, rest }
    }
}

/// One unit's sealed tallies, from each part.
#[derive(Debug, Clone)]
pub(super) struct UnitRun<'t> {
    /// The first four parts' runs (a file read on two threads makes two or four), without allocating.
    runs: [&'t [(u64, u64)]; 4],
    rest: Vec<&'t [(u64, u64)]>,
}

impl UnitRun<'_> {
    fn all(&self) -> impl Iterator<Item = &[(u64, u64)]> + '_ {
        self.runs.iter().copied().chain(self.rest.iter().copied())
    }

    /// Lays the run out by slot in `counts` (emptied first).
    pub(super) fn fill(&self, counts: &mut SlotCounts) {
        counts.clear();
        for run in self.all() {
            for &(k, n) in run {
                let slot = slot_of(k);
                if !counts.seen[slot] {
                    counts.seen[slot] = true;
                    counts.found.push(slot);
                }
                counts.counts[slot] = counts.counts[slot].saturating_add(n);
            }
        }
    }
}

/// One unit's tallies by slot, for scoring it: the rules of each visited item read their counts here
/// rather than searching the runs. One per scoring thread, emptied between units.
#[derive(Debug, Clone)]
pub(super) struct SlotCounts {
    counts: Vec<u64>,
    seen: Vec<bool>,
    found: Vec<usize>,
}

impl SlotCounts {
    pub(super) fn new(slots: usize) -> SlotCounts {
        SlotCounts {
            counts: vec![0; slots],
            seen: vec![false; slots],
            found: Vec::new(),
        }
    }

    fn clear(&mut self) {
        for &slot in &self.found {
            self.counts[slot] = 0;
            self.seen[slot] = false;
        }
        self.found.clear();
    }

    pub(super) fn count(&self, slot: usize) -> u64 {
        self.counts.get(slot).copied().unwrap_or(0)
    }

    /// The slots found, each once (a finding counting 0 still marks its slot).
    pub(super) fn slots(&self) -> impl Iterator<Item = usize> + '_ {
        self.found.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(t: &UnitTallies, u: UnitId) -> Vec<usize> {
        let mut s: Vec<usize> = laid_out(t, u).slots().collect();
        s.sort_unstable();
        let all = s.len();
        s.dedup();
        assert_eq!(s.len(), all, "each slot once");
        s
    }

    fn laid_out(t: &UnitTallies, u: UnitId) -> SlotCounts {
        let mut c = SlotCounts::new(16);
        // Left over from another unit: filling empties it first.
        c.counts[15] = 9;
        c.seen[15] = true;
        c.found.push(15);
        t.of_unit(u).fill(&mut c);
        c
    }

    #[test]
    fn sums_per_unit_and_slot_in_any_order() {
        let mut t = UnitTallies::default();
        for (u, s, n) in [
            (2, 5, 1),
            (0, 3, 2),
            (2, 5, 4),
            (1, 0, 1),
            (0, 3, 1),
            (2, 1, 7),
        ] {
            t.add(u, s, n);
        }
        t.seal();
        assert_eq!(laid_out(&t, 0).count(3), 3);
        assert_eq!(laid_out(&t, 2).count(5), 5);
        assert_eq!(laid_out(&t, 2).count(1), 7);
        assert_eq!(laid_out(&t, 2).count(0), 0);
        assert_eq!(slots(&t, 1), vec![0]);
        assert_eq!(slots(&t, 2), vec![1, 5]);
        assert_eq!(slots(&t, 7), Vec::<usize>::new());
    }

    #[test]
    fn one_units_slots_count_as_appended_tallies_do() {
        let mut dense = UnitTallies::for_one_unit(7, 10);
        let mut sparse = UnitTallies::default();
        for (u, s, n) in [
            (7, 3, 2),
            (7, 0, 0),
            (7, 3, 1),
            (7, 9, u64::MAX),
            (7, 9, 5),
            (2, 1, 1),
        ] {
            dense.add(u, s, n);
            sparse.add(u, s, n);
        }
        dense.seal();
        sparse.seal();
        for u in [2, 7] {
            assert_eq!(slots(&dense, u), slots(&sparse, u), "unit {u}");
            for s in 0..10 {
                assert_eq!(laid_out(&dense, u).count(s), laid_out(&sparse, u).count(s));
            }
        }
        assert_eq!(
            slots(&dense, 7),
            vec![0, 3, 9],
            "a finding counting 0 still marks its slot"
        );
        assert_eq!(laid_out(&dense, 7).count(9), u64::MAX);
    }

    #[test]
    fn one_high_unit_indexes_only_itself() {
        let mut t = UnitTallies::default();
        t.add(99_999, 2, 1);
        t.add(99_999, 1, 4);
        t.seal();
        assert_eq!(t.parts[0].starts.len(), 2);
        assert_eq!(laid_out(&t, 99_999).count(1), 4);
        assert_eq!(laid_out(&t, 99_998).count(1), 0);
        assert_eq!(laid_out(&t, 100_000).count(1), 0);
        assert_eq!(laid_out(&t, 0).count(1), 0);
    }

    #[test]
    fn runs_in_any_order_of_units_read_as_sorted_tallies() {
        let mut t = UnitTallies::default();
        t.add(1, 2, 5);
        t.seal();
        // Unit 2's run first, then unit 0's; unit 1 has none here; the high key bits are not read.
        let entries = vec![(3, 1), (7 | 99 << 32, 2), (1, 4), (2, 8)];
        t.add_runs(entries, vec![(2, 2), (0, 0), (0, 2)]);
        assert_eq!(slots(&t, 0), vec![1, 2]);
        assert_eq!(laid_out(&t, 0).count(2), 8);
        assert_eq!(slots(&t, 1), vec![2]);
        assert_eq!(laid_out(&t, 1).count(2), 5);
        assert_eq!(slots(&t, 2), vec![3, 7]);
        assert_eq!(laid_out(&t, 2).count(7), 2);
        assert_eq!(slots(&t, 3), Vec::<usize>::new());
        // Merged into another scorer's tallies, renumbered.
        let mut whole = UnitTallies::default();
        whole.absorb(t, &[2, 0, 1]);
        assert_eq!(laid_out(&whole, 2).count(1), 4);
        assert_eq!(laid_out(&whole, 0).count(2), 5);
        assert_eq!(laid_out(&whole, 1).count(3), 1);
    }

    #[test]
    fn merged_parts_add_up_and_saturate() {
        let mut a = UnitTallies::default();
        a.add(0, 1, u64::MAX - 1);
        a.add(2, 4, 1);
        a.seal();
        let mut b = UnitTallies::default();
        b.add(0, 1, 5);
        b.add(1, 2, 1);
        b.add(1, 4, 2);
        // b's unit 0 is the whole's 0, its unit 1 the whole's 3.
        a.absorb(b, &[0, 3]);
        let mut c = UnitTallies::default();
        c.add(0, 4, 10);
        a.absorb(c, &[2]);
        assert_eq!(laid_out(&a, 0).count(1), u64::MAX);
        assert_eq!(laid_out(&a, 3).count(2), 1);
        assert_eq!(laid_out(&a, 3).count(4), 2);
        assert_eq!(laid_out(&a, 2).count(4), 11);
        assert_eq!(laid_out(&a, 1).count(2), 0);
        assert_eq!(slots(&a, 3), vec![2, 4]);
        assert_eq!(slots(&a, 9), Vec::<usize>::new());
    }
}
