//! A period as every page reads it: its rubric and units, the entries that count now (both ledgers), and
//! each unit's ranked result. A [`Snapshot`] is immutable and shared (`Arc`); a change builds the next one
//! from it, sharing everything the change did not touch:
//!
//! - active entries are kept per party (unit or group), each list behind its own `Arc`, so a new entry
//!   copies one party's list of pointers, not the ledger;
//! - each unit is scored alone from the findings that reach it ([`Scorer::for_unit`]), so a new finding
//!   re-scores its own unit (or a group's members), then every rank is recomputed and only the results
//!   whose rank moved are copied;
//! - the trace behind a unit's score is computed when a sheet first asks for it, once per snapshot.
//!
//! The result equals a full re-score of the ledger (property-tested in `tests/incremental.rs`).

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use kaoping_core::finding::{Finding, Resolver};
use kaoping_core::rubric::{Coded, Rubric};
use kaoping_core::score::{ranks, Scorer, UnitResult};
use kaoping_core::units::{Party, UnitId, Units};
use kaoping_store::{Entry, LedgerHead, OrgUnit, Period, PeriodLoad, PeriodStatus, Source};

pub use super::party_list::Counted;
pub(crate) use super::party_list::PartyList;

/// One ledger of a period (the assessors', or the units' own self-assessment) as it counts now.
#[derive(Debug, Clone)]
pub struct Side {
    /// Active entries by party: units first (by unit id), then groups; each in entry order.
    pub(crate) parties: Arc<Vec<Arc<PartyList>>>,
    /// One result per unit, by unit id, ranked; without traces.
    results: Arc<Vec<Arc<UnitResult>>>,
    /// Each unit's traced result, computed on first use.
    traced: Arc<Vec<Arc<OnceLock<Arc<UnitResult>>>>>,
    /// Active entries by the department that recorded them.
    by_department: Arc<BTreeMap<Option<i64>, usize>>,
}

/// Everything a page about one period needs; see the module docs.
#[derive(Debug)]
pub struct Snapshot {
    /// The ledger's head this snapshot reflects.
    pub head: LedgerHead,
    pub period: Period,
    pub rubric: Arc<Rubric>,
    /// `方案名 第N版`.
    pub rubric_label: String,
    pub units: Arc<Units>,
    /// The organisation records of the period's units, by unit id.
    pub org: Arc<Vec<OrgUnit>>,
    pub assessor: Side,
    pub self_check: Side,
}

/// Where a party's findings sit in [`Side::parties`].
pub(crate) fn slot_of(units: &Units, party: Party) -> usize {
    match party {
        Party::Unit(u) => u,
        Party::Group(g) => units.len() + g,
    }
}

/// The units whose score a finding on `party` can change.
fn reached(units: &Units, party: Party) -> Vec<UnitId> {
    match party {
        Party::Unit(u) => vec![u],
        Party::Group(g) => units.group(g).members.clone(),
    }
}

/// The findings that reach unit `u` (its own, its groups'), in entry order.
fn findings_of<'p>(units: &Units, parties: &'p [Arc<PartyList>], u: UnitId) -> Vec<&'p Finding> {
    let groups = &units.unit(u).groups;
    let mut all: Vec<&Counted> = parties[u].iter().map(|c| c.as_ref()).collect();
    for &g in groups {
        all.extend(
            parties[slot_of(units, Party::Group(g))]
                .iter()
                .map(|c| c.as_ref()),
        );
    }
    // Each party's list is in entry order already; only several need merging.
    if !groups.is_empty() {
        all.sort_unstable_by_key(|c| c.entry.id);
    }
    all.into_iter().map(|c| &c.finding).collect()
}

/// Scores unit `u` alone. Findings the scorer refuses (only a ledger written before its checks existed
/// can hold such) are left out, as a full score leaves them out.
fn score_unit(
    rubric: &Rubric,
    units: &Units,
    parties: &[Arc<PartyList>],
    u: UnitId,
    trace: bool,
) -> UnitResult {
    let mut scorer = Scorer::for_unit(rubric, u, trace);
    for f in findings_of(units, parties, u) {
        let _ = scorer.add_ref(units, f);
    }
    scorer.finish_unit(units, u)
}

impl Side {
    /// A ledger side from its active entries (any order): resolves each against the period's units and
    /// scores every unit.
    fn build(rubric: &Rubric, units: &Units, entries: Vec<Entry>) -> Side {
        let mut parties: Vec<PartyList> =
            vec![PartyList::default(); units.len() + units.groups().len()];
        let mut by_department = BTreeMap::new();
        let resolver = Resolver::new(rubric, false).as_recorded();
        let mut entries = entries;
        entries.sort_by_key(|e| e.id);
        for entry in entries {
            // An entry that no longer resolves (its unit left the period) is kept out of the scores.
            let Ok(finding) =
                resolver.resolve_known(units, &entry.finding_input(), entry.id as u64)
            else {
                continue;
            };
            *by_department.entry(entry.department_id).or_insert(0) += 1;
            parties[slot_of(units, finding.party)].push(Arc::new(Counted { entry, finding }));
        }
        let parties: Vec<Arc<PartyList>> = parties.into_iter().map(Arc::new).collect();
        let results: Vec<Arc<UnitResult>> = (0..units.len())
            .map(|u| Arc::new(score_unit(rubric, units, &parties, u, false)))
            .collect();
        let mut side = Side {
            parties: Arc::new(parties),
            traced: Arc::new((0..units.len()).map(|_| Arc::default()).collect()),
            results: Arc::new(results),
            by_department: Arc::new(by_department),
        };
        side.rerank(rubric, units);
        side
    }

    /// Ranks every unit again; a unit whose rank moved gets its result copied with the new rank, and
    /// its trace (which carries the rank too) is computed again when next asked for.
    fn rerank(&mut self, rubric: &Rubric, units: &Units) {
        let refs: Vec<&UnitResult> = self.results.iter().map(|r| r.as_ref()).collect();
        let new = ranks(rubric, units, &refs);
        for (u, rank) in new.into_iter().enumerate() {
            if self.results[u].rank != rank {
                Arc::make_mut(&mut Arc::make_mut(&mut self.results)[u]).rank = rank;
                Arc::make_mut(&mut self.traced)[u] = Arc::default();
            }
        }
    }

    /// Every unit's result, by unit id, ranked (no traces).
    pub fn results(&self) -> &[Arc<UnitResult>] {
        &self.results
    }

    /// Unit `u`'s result with the trace that explains every point (rank as in [`Side::results`]).
    pub fn traced(&self, rubric: &Rubric, units: &Units, u: UnitId) -> Arc<UnitResult> {
        self.traced[u]
            .get_or_init(|| {
                let mut r = score_unit(rubric, units, &self.parties, u, true);
                r.rank = self.results[u].rank;
                Arc::new(r)
            })
            .clone()
    }

    /// Unit `u`'s result as it would be with `extra` findings on top of those that count (the
    /// provisional deductions of its 记录本): no trace, no rank.
    pub fn scored_with(
        &self,
        rubric: &Rubric,
        units: &Units,
        u: UnitId,
        extra: &[Finding],
    ) -> UnitResult {
        let mut scorer = Scorer::for_unit(rubric, u, false);
        for f in findings_of(units, &self.parties, u)
            .into_iter()
            .chain(extra)
        {
            let _ = scorer.add_ref(units, f);
        }
        scorer.finish_unit(units, u)
    }

    /// Active entries recorded by each department (`None`: no department, such as self-checks).
    pub fn by_department(&self) -> &BTreeMap<Option<i64>, usize> {
        &self.by_department
    }

    /// How many entries count now.
    pub fn active_count(&self) -> usize {
        self.by_department.values().sum()
    }

    /// Every entry that counts now, by party (units, then groups), each party in entry order.
    pub fn counted(&self) -> impl Iterator<Item = &Counted> {
        self.parties
            .iter()
            .flat_map(|p| p.iter().map(|c| c.as_ref()))
    }
}

/// Where an active entry sits, so a later entry that replaces it can take it out.
pub(crate) type Located = (Source, usize);

impl Snapshot {
    /// A period built from its stored parts: the full load, on a process's first request for it or after
    /// a change to the period or the organisation.
    ///
    /// # Errors
    /// A stored rubric that no longer parses, or units the register refuses (two with one code).
    pub(crate) fn build(
        head: LedgerHead,
        period: Period,
        rubric_name: &str,
        rubric_version: i64,
        rubric_toml: &str,
        org: &[OrgUnit],
        active: Vec<Entry>,
    ) -> Result<(Snapshot, std::collections::HashMap<i64, Located>), String> {
        let rubric = kaoping_formats::parse_rubric(rubric_name, rubric_toml)
            .map_err(|e| format!("考评细则“{rubric_name}”无法读取：{e}"))?;
        let (units, org) = kaoping_store::period_units(&period, org).map_err(|e| e.to_string())?;
        let (assessor, own): (Vec<Entry>, Vec<Entry>) = active
            .into_iter()
            .partition(|e| e.source == Source::Assessor);
        let assessor = Side::build(&rubric, &units, assessor);
        let self_check = Side::build(&rubric, &units, own);
        let mut index = std::collections::HashMap::new();
        for (source, side) in [
            (Source::Assessor, &assessor),
            (Source::SelfCheck, &self_check),
        ] {
            for (slot, party) in side.parties.iter().enumerate() {
                for c in party.iter() {
                    index.insert(c.entry.id, (source, slot));
                }
            }
        }
        Ok((
            Snapshot {
                head,
                rubric_label: format!("{rubric_name} 第{rubric_version}版"),
                period,
                rubric: Arc::new(rubric),
                units: Arc::new(units),
                org: Arc::new(org),
                assessor,
                self_check,
            },
            index,
        ))
    }

    /// [`Snapshot::build`] from a period's stored parts as one load.
    pub(crate) fn build_load(
        load: PeriodLoad,
    ) -> Result<(Snapshot, std::collections::HashMap<i64, Located>), crate::AppError> {
        Snapshot::build(
            load.head,
            load.period,
            &load.rubric.name,
            load.rubric.version,
            &load.rubric.toml,
            &load.org,
            load.active,
        )
        .map_err(crate::AppError::Internal)
    }

    /// A period built from a load, without the index a process keeps to advance it (a publication's
    /// re-score, a revision's new results).
    pub(crate) fn from_load(load: PeriodLoad) -> Result<Snapshot, crate::AppError> {
        Ok(Snapshot::build_load(load)?.0)
    }

    /// The next snapshot: this one with `entries` (newer than its head, in order) applied. `index`
    /// locates the active entries and is kept in step.
    pub(crate) fn advance(
        &self,
        entries: &[Entry],
        index: &mut std::collections::HashMap<i64, Located>,
    ) -> Snapshot {
        let units = &*self.units;
        let rubric = &*self.rubric;
        let mut sides = [self.assessor.clone(), self.self_check.clone()];
        let mut touched: [Vec<UnitId>; 2] = [Vec::new(), Vec::new()];
        let side_of = |s: Source| match s {
            Source::Assessor => 0,
            Source::SelfCheck => 1,
        };
        let resolver = Resolver::new(rubric, false).as_recorded();
        let mut last = self.head.last_entry;
        for entry in entries {
            last = last.max(entry.id);
            let s = side_of(entry.source);
            if let Some(old) = entry.replaces {
                if let Some((source, slot)) = index.remove(&old) {
                    let side = &mut sides[side_of(source)];
                    let list = Arc::make_mut(&mut Arc::make_mut(&mut side.parties)[slot]);
                    if let Some(gone) = list.remove(old) {
                        let dept = Arc::make_mut(&mut side.by_department);
                        if let Some(n) = dept.get_mut(&gone.entry.department_id) {
                            *n -= 1;
                            if *n == 0 {
                                dept.remove(&gone.entry.department_id);
                            }
                        }
                        touched[side_of(source)].extend(reached(units, gone.finding.party));
                    }
                }
            }
            if !entry.counts(false) {
                continue;
            }
            let Ok(finding) =
                resolver.resolve_known(units, &entry.finding_input(), entry.id as u64)
            else {
                continue;
            };
            let slot = slot_of(units, finding.party);
            touched[s].extend(reached(units, finding.party));
            index.insert(entry.id, (entry.source, slot));
            let side = &mut sides[s];
            *Arc::make_mut(&mut side.by_department)
                .entry(entry.department_id)
                .or_insert(0) += 1;
            Arc::make_mut(&mut Arc::make_mut(&mut side.parties)[slot]).push(Arc::new(Counted {
                entry: entry.clone(),
                finding,
            }));
        }
        for (side, touched) in sides.iter_mut().zip(&mut touched) {
            if touched.is_empty() {
                continue;
            }
            touched.sort_unstable();
            touched.dedup();
            for &u in touched.iter() {
                let result = score_unit(rubric, units, &side.parties, u, false);
                Arc::make_mut(&mut side.results)[u] = Arc::new(result);
                Arc::make_mut(&mut side.traced)[u] = Arc::default();
            }
            side.rerank(rubric, units);
        }
        let [assessor, self_check] = sides;
        Snapshot {
            head: LedgerHead {
                revision: self.head.revision,
                last_entry: last,
            },
            period: self.period.clone(),
            rubric: self.rubric.clone(),
            rubric_label: self.rubric_label.clone(),
            units: self.units.clone(),
            org: self.org.clone(),
            assessor,
            self_check,
        }
    }

    /// This snapshot with the period row as it now stands (publication changes the status and the
    /// revision, nothing the scores depend on; the units stay as they are).
    pub(crate) fn with_period(&self, mut period: Period) -> Snapshot {
        period.unit_ids.clone_from(&self.period.unit_ids);
        Snapshot {
            head: LedgerHead {
                revision: period.revision,
                last_entry: self.head.last_entry,
            },
            period,
            rubric: self.rubric.clone(),
            rubric_label: self.rubric_label.clone(),
            units: self.units.clone(),
            org: self.org.clone(),
            assessor: self.assessor.clone(),
            self_check: self.self_check.clone(),
        }
    }

    pub fn published(&self) -> bool {
        self.period.status == PeriodStatus::Published
    }

    /// One ledger side.
    pub fn side(&self, source: Source) -> &Side {
        match source {
            Source::Assessor => &self.assessor,
            Source::SelfCheck => &self.self_check,
        }
    }

    /// The assessors' results, by unit id, ranked.
    pub fn results(&self) -> &[Arc<UnitResult>] {
        self.assessor.results()
    }

    /// The unit with this code, by id.
    pub fn unit_id(&self, code: &str) -> Option<UnitId> {
        match self.units.find(code)? {
            Party::Unit(u) => Some(u),
            Party::Group(_) => None,
        }
    }

    /// A unit's name by its code, or the code itself when the period has no such unit.
    pub fn unit_name(&self, code: &str) -> String {
        self.unit_id(code)
            .map_or_else(|| code.to_string(), |u| self.units.unit(u).name.clone())
    }

    /// The organisation record of a unit (by code): its id is what permissions are about.
    pub fn org_of(&self, code: &str) -> Option<&OrgUnit> {
        self.unit_id(code).map(|u| &self.org[u])
    }

    /// The department (by the rubric's name for it) that owns the item a code names; bonus and veto
    /// codes have none.
    pub fn owner(&self, code: &str) -> Option<&str> {
        owner(&self.rubric, code)
    }
}

/// The department that owns the item a code names (rules, items); bonus and veto codes have none.
pub fn owner<'r>(rubric: &'r Rubric, code: &str) -> Option<&'r str> {
    let item = match rubric.lookup(code.trim())? {
        Coded::Rule(r) => rubric.rules()[r].item,
        Coded::Item(i) => i,
        _ => return None,
    };
    rubric.items()[item].department.as_deref()
}
