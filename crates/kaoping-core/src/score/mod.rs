//! Exact scoring. A [`Scorer`] takes resolved findings in any order, folds them into per-unit, per-round,
//! per-rule tallies, and [`Scorer::finish`] turns the tallies into ranked [`UnitResult`]s.
//!
//! Tallies rather than finding lists keep scoring of millions of findings within memory; with
//! [`Scorer::with_trace`] every finding is also kept so each point can be explained.

mod entries_by_unit;
mod prefetch;
mod rank;
mod result;
mod tally;
mod unit;

use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

pub use rank::{rank, ranks};
pub use result::*;

use crate::finding::{Finding, FindingError, Input, Target};
use crate::plain::CountSlot;
use crate::rubric::{ItemId, RoundId, Rubric, RuleId, RuleKind};
use crate::units::{GroupId, Party, UnitId, Units};
use entries_by_unit::EntriesByUnit;
use tally::UnitTallies;

type Key = (Party, RoundId, RuleId);

/// A unit's plain entry, for [`Scorer::add_entries`]: the unit, round and rule it sets, its input, and
/// the line it was found on.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitEntry {
    pub unit: UnitId,
    pub round: RoundId,
    pub rule: RuleId,
    pub input: Input,
    pub origin: u64,
}

impl UnitEntry {
    fn key(&self) -> (UnitId, RoundId, RuleId) {
        (self.unit, self.round, self.rule)
    }
}

/// A conflict [`Scorer::absorb`] found between two scorers' findings.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// The origin of the finding that caused it: the later of the two.
    pub line: u64,
    /// For a second score-setting entry, the (party, round, rule) it sets: the entry it cites may itself
    /// give way to an earlier one added later ([`Scorer::add_entries`]), found by [`Scorer::first_origin`].
    pub key: Option<(Party, RoundId, RuleId)>,
    pub error: FindingError,
}

/// What results carry beyond the totals, sections and ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// No item scores and no trace (see [`Scorer::totals_only`]): for reports of many units.
    Totals,
    /// Item scores, no trace.
    Items,
    /// Item scores and the trace that explains every point.
    Trace,
}

/// Folds findings into tallies; see the module docs.
#[derive(Debug)]
pub struct Scorer<'r> {
    rubric: &'r Rubric,
    keep_trace: bool,
    /// Whether results carry item scores (see [`Scorer::totals_only`]).
    keep_items: bool,
    /// Items with a rule that does not only count (graded, discretionary, conversion, rate, frequency),
    /// ascending. The others (fixed, 不得分, per-occurrence, progressive, deadline) keep their full points
    /// for a unit found on none of their rules, so scoring skips them.
    uncounted_items: Vec<ItemId>,
    /// Per section, the sum of its items' maximums (what an ordinary section scores with nothing found).
    section_full: Vec<Decimal>,
    /// The one unit a focused scorer ([`Scorer::for_unit`]) takes; `None` takes any.
    focus: Option<UnitId>,
    /// Tallies for count-like rules: units' by what was found (see [`tally`]), the few groups' dense,
    /// `[group][round][rule]`.
    unit_counts: UnitTallies,
    group_counts: Vec<u64>,
    /// Graded levels, discretionary points, rates: one per unit, rule and round.
    entries: FxHashMap<Key, (Input, u64)>,
    /// Units' entries added in bulk ([`Scorer::add_entries`]), sorted by unit, round and rule; none of
    /// them is in `entries`.
    unit_entries: Vec<UnitEntry>,
    /// The units' entries laid out by unit, when many units are scored (see `entries_by_unit`).
    entries_by_unit: Option<EntriesByUnit>,
    /// Conversion raw scores: sum and count, averaged at the end.
    raw_scores: FxHashMap<Key, (Decimal, usize, u64)>,
    /// Frequency rules: sessions held (absent = nothing recorded).
    held: FxHashMap<Key, u64>,
    /// Bonus and veto findings, by the party they name.
    awards: Vec<Finding>,
    /// Inherited items: which group a member takes its score from.
    /// With the origin of the group finding that claimed it, to cite when another group claims it too.
    inherits: FxHashMap<(UnitId, ItemId), (GroupId, u64)>,
    /// Every finding, by key, when tracing.
    traced: FxHashMap<Key, Vec<Finding>>,
}

impl<'r> Scorer<'r> {
    /// A scorer that keeps tallies only: results have empty traces.
    pub fn new(rubric: &'r Rubric) -> Scorer<'r> {
        let uncounted_items = rubric
            .items()
            .iter()
            .enumerate()
            .filter(|(_, item)| {
                !rubric.rules()[item.rules.clone()]
                    .iter()
                    .all(|r| r.kind.is_counted())
            })
            .map(|(i, _)| i)
            .collect();
        let section_full = rubric
            .sections()
            .iter()
            .map(|sec| {
                rubric.items()[sec.items.clone()]
                    .iter()
                    .map(|i| i.max)
                    .sum()
            })
            .collect();
        Scorer {
            rubric,
            keep_trace: false,
            keep_items: true,
            uncounted_items,
            section_full,
            focus: None,
            unit_counts: UnitTallies::default(),
            group_counts: Vec::new(),
            entries: FxHashMap::default(),
            unit_entries: Vec::new(),
            entries_by_unit: None,
            raw_scores: FxHashMap::default(),
            held: FxHashMap::default(),
            awards: Vec::new(),
            inherits: FxHashMap::default(),
            traced: FxHashMap::default(),
        }
    }

    /// A scorer that also keeps every finding so results carry a full trace.
    pub fn with_trace(rubric: &'r Rubric) -> Scorer<'r> {
        Scorer {
            keep_trace: true,
            ..Scorer::new(rubric)
        }
    }

    /// A scorer whose results carry `detail`.
    pub fn with_detail(rubric: &'r Rubric, detail: Detail) -> Scorer<'r> {
        match detail {
            Detail::Totals => Scorer::new(rubric).totals_only(),
            Detail::Items => Scorer::new(rubric),
            Detail::Trace => Scorer::with_trace(rubric),
        }
    }

    /// A scorer for one unit alone: it takes the findings that reach `unit` (its own, its groups', and
    /// awards on either) and [`Scorer::finish_unit`] scores it exactly as [`Scorer::finish`] would have
    /// among all units, but for `rank`. This is how a server keeps a period current: a new finding
    /// re-scores its own unit, not the whole period.
    ///
    /// # Panics
    /// [`Scorer::add`] panics on a finding naming another unit: the caller chose the findings.
    pub fn for_unit(rubric: &'r Rubric, unit: UnitId, trace: bool) -> Scorer<'r> {
        let slots = rubric.rounds().len() * rubric.rules().len();
        Scorer {
            keep_trace: trace,
            focus: Some(unit),
            unit_counts: UnitTallies::for_one_unit(unit, slots),
            ..Scorer::new(rubric)
        }
    }

    /// Results without item scores: `items` and each round's `items` are left empty. Totals, sections,
    /// rounds, bonus, grades, ranks and missing entries are as always. For reports of many units that show
    /// sections only (the CSV and the summary table): a 1,000-item rubric's item scores for 100,000 units
    /// would take 8 GB.
    pub fn totals_only(self) -> Scorer<'r> {
        Scorer {
            keep_items: false,
            ..self
        }
    }

    pub fn rubric(&self) -> &'r Rubric {
        self.rubric
    }

    fn stride(&self) -> usize {
        self.rubric.rounds().len() * self.rubric.rules().len()
    }

    /// A (round, rule) pair as one index.
    fn slot_of(&self, round: RoundId, rule: RuleId) -> usize {
        round * self.rubric.rules().len() + rule
    }

    /// Adds `n` to a count-like rule's tally.
    fn tally(&mut self, party: Party, round: RoundId, rule: RuleId, n: u64) {
        let slot = self.slot_of(round, rule);
        match party {
            Party::Unit(u) => {
                if let Some(f) = self.focus {
                    assert_eq!(
                        u, f,
                        "a scorer focused on one unit was given another unit's finding"
                    );
                }
                self.unit_counts.add(u, slot, n);
            }
            Party::Group(g) => {
                let stride = self.stride();
                if self.group_counts.len() < (g + 1) * stride {
                    self.group_counts.resize((g + 1) * stride, 0);
                }
                let c = &mut self.group_counts[g * stride + slot];
                *c = c.saturating_add(n);
            }
        }
    }

    fn group_count(&self, g: GroupId, round: RoundId, rule: RuleId) -> u64 {
        let i = g * self.stride() + self.slot_of(round, rule);
        self.group_counts.get(i).copied().unwrap_or(0)
    }

    /// Adds one finding. `units` must be the register the finding was resolved with.
    ///
    /// # Errors
    /// A second score-setting entry (graded level, discretionary points, rate) for the same unit, rule and
    /// round, or a member of two groups that both scored an inherited item. The scorer is unchanged then.
    pub fn add(&mut self, units: &Units, finding: Finding) -> Result<(), FindingError> {
        self.add_ref(units, &finding)
    }

    /// As [`Scorer::add`], for a finding the caller keeps: it is copied only where the scorer keeps it
    /// (a bonus or veto, or a trace), so re-scoring kept findings costs no allocation per finding.
    ///
    /// # Errors
    /// As [`Scorer::add`].
    pub fn add_ref(&mut self, units: &Units, finding: &Finding) -> Result<(), FindingError> {
        let rule = match finding.target {
            Target::Rule(r) => r,
            Target::Bonus(_) | Target::Veto(_) => {
                self.awards.push(finding.clone());
                return Ok(());
            }
        };
        let rubric = self.rubric;
        let rdef = &rubric.rules()[rule];
        let key = (finding.party, finding.round, rule);
        if let Party::Group(g) = finding.party {
            let item = &rubric.items()[rdef.item];
            if item.inherit {
                self.claim_inheritance(units, g, rdef.item, finding.origin)?;
            }
        }
        match (&rdef.kind, &finding.input) {
            (RuleKind::Graded { .. } | RuleKind::Discretionary | RuleKind::Rate { .. }, input) => {
                if let Some((_, previous)) = self.entries.get(&key) {
                    return Err(FindingError::Duplicate {
                        code: rdef.code.clone(),
                        round: rubric.rounds()[finding.round].name.clone(),
                        previous: *previous,
                    });
                }
                self.entries.insert(key, (input.clone(), finding.origin));
            }
            (RuleKind::Conversion { .. }, Input::NotApplicable)
                if self.raw_scores.contains_key(&key) =>
            {
                let previous = self.raw_scores[&key].2;
                return Err(self.duplicate(rule, finding.round, previous));
            }
            (RuleKind::Conversion { .. }, Input::Value(_)) if self.entries.contains_key(&key) => {
                let previous = self.entries[&key].1;
                return Err(self.duplicate(rule, finding.round, previous));
            }
            (RuleKind::Conversion { .. }, Input::NotApplicable) => {
                if let Some((_, previous)) = self.entries.get(&key) {
                    return Err(self.duplicate(rule, finding.round, *previous));
                }
                self.entries
                    .insert(key, (Input::NotApplicable, finding.origin));
            }
            (RuleKind::Conversion { .. } | RuleKind::RangeDeduction { .. }, Input::Value(v)) => {
                let e = self
                    .raw_scores
                    .entry(key)
                    .or_insert((Decimal::ZERO, 0, finding.origin));
                // Raw scores are within the rule's scale (|x| ≤ 10⁴, see `crate::limits`): the sum of
                // any usize count of them stays far inside `Decimal`.
                e.0 += *v;
                e.1 = e.1.saturating_add(1);
                e.2 = e.2.min(finding.origin);
            }
            // Tallies saturate: a file repeating a million-count row cannot wrap them.
            (RuleKind::Frequency { .. }, Input::Count(n)) => {
                let held = self.held.entry(key).or_insert(0);
                *held = held.saturating_add(*n);
            }
            (RuleKind::Deadline { .. }, Input::Dates { done, due }) => {
                self.tally(key.0, key.1, rule, u64::from(done > due));
            }
            (_, Input::Count(n)) => self.tally(key.0, key.1, rule, *n),
            (_, _) => self.tally(key.0, key.1, rule, 1),
        }
        if self.keep_trace {
            self.traced.entry(key).or_default().push(finding.clone());
        }
        Ok(())
    }

    /// The origin of the first score-setting finding taken for (party, round, rule): the one a second
    /// is reported against. Parallel readers use it to cite, for a part's second entry, a first one an
    /// earlier part holds.
    pub fn first_origin(&self, party: Party, round: RoundId, rule: RuleId) -> Option<u64> {
        let key = (party, round, rule);
        let entry = self.entries.get(&key).map(|&(_, origin)| origin);
        let raw = self.raw_scores.get(&key).map(|&(_, _, origin)| origin);
        let bulk = match party {
            Party::Unit(u) => self
                .unit_entries
                .binary_search_by_key(&(u, round, rule), UnitEntry::key)
                .ok()
                .map(|i| self.unit_entries[i].origin),
            Party::Group(_) => None,
        };
        entry.into_iter().chain(raw).chain(bulk).min()
    }

    /// Adds the tallies of plain findings a reader has already summed (see [`crate::plain`]): the tallies
    /// [`Scorer::add`] would have made of those findings, without a `Finding` each. They come unit by
    /// unit in any order of units: `spans[u]` = (start, length) of unit `u`'s run in `tallies`, one
    /// (slot, count) per slot in ascending slot order. Kept as they are, without copying.
    ///
    /// # Panics
    /// On a tracing or focused scorer (a trace cites each finding), or a span outside `tallies`.
    pub fn add_summed_runs(&mut self, tallies: Vec<(CountSlot, u64)>, spans: Vec<(u32, u32)>) {
        assert!(!self.keep_trace, "a traced scorer keeps every finding");
        assert!(
            self.focus.is_none(),
            "a focused scorer takes findings one by one"
        );
        let entries = tallies
            .into_iter()
            .map(|(slot, n)| (u64::from(slot.0), n))
            .collect();
        self.unit_counts.add_runs(entries, spans);
    }

    /// How many score-setting entries (graded levels, discretionary points, rates, 不适用) it holds.
    pub fn entries(&self) -> usize {
        self.entries.len() + self.unit_entries.len()
    }

    /// Room for `additional` more entries in the map without growing it as they come.
    pub fn reserve_entries(&mut self, additional: usize) {
        self.entries.reserve(additional);
    }

    /// Adds plain entries (see [`crate::plain`]) in bulk, as [`Scorer::add`] adds the findings they stand
    /// for, but kept sorted by unit rather than put in a map one by one: a quarter of a million entries
    /// inserted into a map miss the cache on every one. For each (unit, round, rule), the entry of the
    /// earliest line is kept, whether here or among those [`Scorer::add`] took; every later one is
    /// refused. Call it after merging ([`Scorer::absorb`]) and before [`Scorer::finish`].
    ///
    /// Returns the refused entries' lines, each with the error citing the earliest entry.
    ///
    /// # Panics
    /// Given entries, on a tracing or focused scorer, which take findings one by one.
    pub fn add_entries(&mut self, mut entries: Vec<UnitEntry>) -> Vec<(u64, FindingError)> {
        if entries.is_empty() {
            return Vec::new();
        }
        assert!(!self.keep_trace, "a traced scorer keeps every finding");
        assert!(
            self.focus.is_none(),
            "a focused scorer takes findings one by one"
        );
        entries.append(&mut self.unit_entries);
        // Sorted by (unit, round, rule) through the tallies' key (a radix sort moving 12 bytes, not a
        // whole entry, per pass), then by line where a key repeats: such groups are few and short.
        let mut order: Vec<(u64, u32)> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let key = tally::key(e.unit, self.slot_of(e.round, e.rule));
                (key, u32::try_from(i).expect("fewer than 2³² entries"))
            })
            .collect();
        radsort::sort_by_key(&mut order, |&(k, _)| k);
        for group in order.chunk_by_mut(|a, b| a.0 == b.0) {
            if group.len() > 1 {
                group.sort_unstable_by_key(|&(_, i)| entries[i as usize].origin);
            }
        }
        let mut entries: Vec<Option<UnitEntry>> = entries.into_iter().map(Some).collect();
        let mut kept: Vec<UnitEntry> = Vec::with_capacity(entries.len());
        let mut refused = Vec::new();
        // Taken in key order, each entry is a cache miss: the one eight ahead is asked for first.
        const AHEAD: usize = 8;
        for (at, &(_, i)) in order.iter().enumerate() {
            if let Some(&(_, next)) = order.get(at + AHEAD) {
                prefetch::prefetch(&entries[next as usize]);
            }
            let Some(e) = entries[i as usize].take() else {
                continue;
            };
            if let Some(first) = kept.last().filter(|k| k.key() == e.key()) {
                refused.push((e.origin, self.duplicate(e.rule, e.round, first.origin)));
                continue;
            }
            let key = (Party::Unit(e.unit), e.round, e.rule);
            if let Some(&(_, held)) = self.entries.get(&key) {
                if held < e.origin {
                    refused.push((e.origin, self.duplicate(e.rule, e.round, held)));
                    continue;
                }
                // The one `add` took is the later: it gives way.
                self.entries.remove(&key);
                refused.push((held, self.duplicate(e.rule, e.round, e.origin)));
            }
            kept.push(e);
        }
        self.unit_entries = kept;
        refused
    }

    fn duplicate(&self, rule: RuleId, round: RoundId, previous: u64) -> FindingError {
        FindingError::Duplicate {
            code: self.rubric.rules()[rule].code.clone(),
            round: self.rubric.rounds()[round].name.clone(),
            previous,
        }
    }

    fn claim_inheritance(
        &mut self,
        units: &Units,
        group: GroupId,
        item: ItemId,
        origin: u64,
    ) -> Result<(), FindingError> {
        let members = &units.group(group).members;
        for &m in members {
            if let Some(&(other, _)) = self.inherits.get(&(m, item)) {
                if other != group {
                    return Err(FindingError::AmbiguousInheritance {
                        unit: units.unit(m).code.clone(),
                        item: self.rubric.items()[item].code.clone(),
                        groups: [
                            units.group(other).code.clone(),
                            units.group(group).code.clone(),
                        ],
                    });
                }
            }
        }
        for &m in members {
            self.inherits.entry((m, item)).or_insert((group, origin));
        }
        Ok(())
    }

    /// Adds everything another scorer of the same rubric has folded in, as if its findings had been added
    /// here after this scorer's own. `remap[u]` is the unit in this scorer's register for the other's unit
    /// `u` (registers built apart, as parallel readers do); groups must be the same in both.
    ///
    /// # Errors
    /// The conflicts `add` would have reported for the combined findings (a second score-setting entry, an
    /// ambiguous inheritance), each with the origin of the finding that caused it. The rest is still merged.
    pub fn absorb(&mut self, other: Scorer<'r>, remap: &[UnitId], units: &Units) -> Vec<Conflict> {
        assert!(
            self.focus.is_none() && other.focus.is_none(),
            "focused scorers are not merged"
        );
        assert!(
            self.unit_entries.is_empty() && other.unit_entries.is_empty(),
            "entries are added in bulk after merging"
        );
        let map = |p: Party| match p {
            Party::Unit(u) => Party::Unit(remap[u]),
            group => group,
        };
        self.unit_counts.absorb(other.unit_counts, remap);
        let stride = self.stride();
        for (g, chunk) in other.group_counts.chunks(stride.max(1)).enumerate() {
            for (slot, &c) in chunk.iter().enumerate() {
                if c > 0 {
                    let rules = self.rubric.rules().len();
                    self.tally(Party::Group(g), slot / rules, slot % rules, c);
                }
            }
        }
        let mut conflicts = Vec::new();
        self.entries.reserve(other.entries.len());
        for ((p, round, rule), (input, origin)) in other.entries {
            let key = (map(p), round, rule);
            match self.entries.get(&key) {
                Some(&(_, previous)) => conflicts.push(Conflict {
                    line: origin.max(previous),
                    key: Some(key),
                    error: self.duplicate(rule, round, origin.min(previous)),
                }),
                None => {
                    self.entries.insert(key, (input, origin));
                }
            }
        }
        for ((p, round, rule), (sum, n, origin)) in other.raw_scores {
            let e =
                self.raw_scores
                    .entry((map(p), round, rule))
                    .or_insert((Decimal::ZERO, 0, origin));
            e.0 += sum;
            e.1 = e.1.saturating_add(n);
            e.2 = e.2.min(origin);
        }
        // 不适用 and raw scores for one conversion may have met only now, in different parts of a file.
        let raw_scores_met = !self.raw_scores.is_empty();
        for (key, (input, origin)) in self.entries.iter().filter(|_| raw_scores_met) {
            if let (Input::NotApplicable, Some(&(_, _, raw))) = (input, self.raw_scores.get(key)) {
                let already = conflicts.iter().any(|c| c.line == (*origin).max(raw));
                if !already {
                    conflicts.push(Conflict {
                        line: (*origin).max(raw),
                        key: Some(*key),
                        error: self.duplicate(key.2, key.1, (*origin).min(raw)),
                    });
                }
            }
        }
        for ((p, round, rule), held) in other.held {
            let mine = self.held.entry((map(p), round, rule)).or_insert(0);
            *mine = mine.saturating_add(held);
        }
        for mut f in other.awards {
            f.party = map(f.party);
            self.awards.push(f);
        }
        for ((u, item), g) in other.inherits {
            let (g, origin) = g;
            match self.inherits.get(&(remap[u], item)) {
                Some(&(mine, first)) if mine != g => conflicts.push(Conflict {
                    line: origin.max(first),
                    key: None,
                    error: FindingError::AmbiguousInheritance {
                        unit: units.unit(remap[u]).code.clone(),
                        item: self.rubric.items()[item].code.clone(),
                        groups: [units.group(mine).code.clone(), units.group(g).code.clone()],
                    },
                }),
                _ => {
                    self.inherits.entry((remap[u], item)).or_insert((g, origin));
                }
            }
        }
        for ((p, round, rule), findings) in other.traced {
            let list = self.traced.entry((map(p), round, rule)).or_default();
            list.extend(findings.into_iter().map(|mut f| {
                f.party = map(f.party);
                f
            }));
        }
        conflicts
    }

    /// Sorts the tallies for scoring. [`Scorer::finish`] does it anyway; a thread that read part of a file
    /// calls it before its scorer is merged ([`Scorer::absorb`]), so the sorting runs on every thread.
    pub fn seal(&mut self) {
        self.unit_counts.seal();
    }

    /// Scores the one unit of a [`Scorer::for_unit`] scorer. `rank` is 0: ranking needs every unit's
    /// result (see [`ranks`]).
    ///
    /// # Panics
    /// On a scorer that is not focused on `unit`.
    pub fn finish_unit(mut self, units: &Units, unit: UnitId) -> UnitResult {
        self.unit_counts.seal();
        assert_eq!(
            self.focus,
            Some(unit),
            "finish_unit on a scorer not focused on the unit"
        );
        let mut awards: FxHashMap<Party, Vec<usize>> = FxHashMap::default();
        for (i, f) in self.awards.iter().enumerate() {
            awards.entry(f.party).or_default().push(i);
        }
        unit::score_unit(&self, units, &awards, unit, &mut unit::Scratch::new(&self))
    }

    /// Scores every unit in the register (with or without findings) and ranks them.
    pub fn finish(self, units: &Units) -> Vec<UnitResult> {
        self.finish_parallel(units, 1)
    }

    /// As [`Scorer::finish`], scoring the units on up to `threads` threads. The result is the same.
    pub fn finish_parallel(mut self, units: &Units, threads: usize) -> Vec<UnitResult> {
        self.unit_counts.seal();
        let bulk = std::mem::take(&mut self.unit_entries);
        if !bulk.is_empty() || self.entries.len() >= entries_by_unit::LAID_OUT_FROM {
            self.entries_by_unit = Some(EntriesByUnit::new(&self.entries, bulk, units.len()));
        }
        let mut awards: FxHashMap<Party, Vec<usize>> = FxHashMap::default();
        for (i, f) in self.awards.iter().enumerate() {
            awards.entry(f.party).or_default().push(i);
        }
        let n = units.len();
        let threads = threads.clamp(1, n.max(1));
        let scorer = &self;
        let awards = &awards;
        let score = |u: UnitId, scratch: &mut unit::Scratch| {
            scorer.unit_counts.prefetch(u, 2);
            unit::score_unit(scorer, units, awards, u, scratch)
        };
        let mut results: Vec<UnitResult> = if threads == 1 {
            let mut scratch = unit::Scratch::new(scorer);
            (0..n).map(|u| score(u, &mut scratch)).collect()
        } else {
            // Units in blocks taken by whichever thread is free: one core slower than the other (a
            // busy machine, a virtual one) then costs its share, not half the phase.
            const BLOCK: usize = 1024;
            let next = std::sync::atomic::AtomicUsize::new(0);
            let mut blocks: Vec<(usize, Vec<UnitResult>)> = std::thread::scope(|s| {
                let parts: Vec<_> = (0..threads)
                    .map(|_| {
                        let next = &next;
                        s.spawn(move || {
                            let mut scratch = unit::Scratch::new(scorer);
                            let mut done = Vec::new();
                            loop {
                                let block = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                let start = block.saturating_mul(BLOCK);
                                if start >= n {
                                    return done;
                                }
                                let scored = (start..(start + BLOCK).min(n))
                                    .map(|u| score(u, &mut scratch))
                                    .collect::<Vec<_>>();
                                done.push((block, scored));
                            }
                        })
                    })
                    .collect();
                parts
                    .into_iter()
                    .flat_map(|p| p.join().expect("scoring thread"))
                    .collect()
            });
            blocks.sort_unstable_by_key(|&(block, _)| block);
            let mut results = Vec::with_capacity(n);
            for (_, scored) in blocks {
                results.extend(scored);
            }
            results
        };
        rank(self.rubric, units, &mut results);
        results
    }
}
