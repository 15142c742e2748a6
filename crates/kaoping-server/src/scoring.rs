//! A period's scores, always derived from the ledger: the stored rubric version is parsed, the period's
//! units registered, every active entry resolved and scored by the core. Nothing computed here is stored.

use kaoping_core::finding::Resolver;
use kaoping_core::rubric::{Coded, Rubric};
use kaoping_core::score::{Scorer, UnitResult};
use kaoping_core::units::Units;
use kaoping_formats::parse_rubric;
use std::collections::{HashMap, HashSet};

use kaoping_store::{Entry, EntryKind, NewEntry, OrgUnit, Period, PeriodStatus, Source, Store};

use crate::error::ServerError;

/// Everything a page about one period needs.
pub struct PeriodView {
    pub period: Period,
    pub rubric: Rubric,
    pub rubric_name: String,
    pub units: Units,
    /// The organisation records of the period's units, by position in `units`.
    pub org: Vec<OrgUnit>,
    /// Every ledger entry, in order: the history.
    pub entries: Vec<Entry>,
    /// Ids of the entries a later one replaces (derived from `entries` once, so `is_active` is cheap
    /// however long the ledger).
    replaced: HashSet<i64>,
    /// Position in `entries` by id: sheets look up every finding's entry.
    by_id: HashMap<i64, usize>,
    /// Assessors' results, with traces (origins are entry ids).
    pub results: Vec<UnitResult>,
    /// Self-assessment (自查) results, scored the same way.
    pub self_results: Vec<UnitResult>,
}

impl PeriodView {
    pub fn published(&self) -> bool {
        self.period.status == PeriodStatus::Published
    }

    pub fn result_of(&self, code: &str) -> Option<&UnitResult> {
        let id = self.units.units().iter().position(|u| u.code == code)?;
        self.results.iter().find(|r| r.unit == id)
    }

    pub fn self_result_of(&self, code: &str) -> Option<&UnitResult> {
        let id = self.units.units().iter().position(|u| u.code == code)?;
        self.self_results.iter().find(|r| r.unit == id)
    }

    pub fn entry(&self, id: i64) -> Option<&Entry> {
        self.by_id.get(&id).map(|&i| &self.entries[i])
    }

    /// Active entries are those no later entry replaces (withdrawals are never active).
    pub fn is_active(&self, entry: &Entry) -> bool {
        is_active(&self.replaced, entry)
    }

    /// A resolver and a scorer holding the active entries of `source` (all but `skip`, which a
    /// correction replaces), so a new finding can be checked against them exactly as the CLI checks a row
    /// against the rows before it. Stored entries get origins `stored_origin + id`.
    pub fn tally(&self, source: Source, skip: Option<i64>, stored_origin: u64) -> Tally<'_> {
        let mut units = self.units.clone();
        let resolver = Resolver::new(&self.rubric, false);
        let mut scorer = Scorer::new(&self.rubric);
        for e in self
            .entries
            .iter()
            .filter(|e| e.source == source && self.is_active(e))
        {
            if skip == Some(e.id) {
                continue;
            }
            if let Ok(f) =
                resolver.resolve(&mut units, &e.finding_input(), stored_origin + e.id as u64)
            {
                let _ = scorer.add(&units, f);
            }
        }
        Tally {
            units,
            resolver,
            scorer,
        }
    }
}

/// See [`PeriodView::tally`].
pub struct Tally<'v> {
    pub units: Units,
    pub resolver: Resolver<'v>,
    pub scorer: Scorer<'v>,
}

fn is_active(replaced: &HashSet<i64>, entry: &Entry) -> bool {
    entry.kind != EntryKind::Withdraw && !replaced.contains(&entry.id)
}

/// Parses a stored rubric version; it was checked when saved, so a failure is a server fault.
pub fn rubric_of(name: &str, toml: &str) -> Result<Rubric, ServerError> {
    parse_rubric(name, toml)
        .map_err(|e| ServerError::Invalid(format!("考评细则“{name}”无法读取：{e}")))
}

/// The core's unit register for a period: its units with ranking groups and group memberships.
pub fn units_of(period: &Period, org: &[OrgUnit]) -> Result<(Units, Vec<OrgUnit>), ServerError> {
    Ok(kaoping_store::period_units(period, org)?)
}

/// Loads and scores a period.
pub async fn load(store: &Store, period_id: i64) -> Result<PeriodView, ServerError> {
    let period = store.period(period_id).await?;
    let version = store.rubric(period.rubric_id).await?;
    let rubric = rubric_of(&version.name, &version.toml)?;
    let org = store.org_units().await?;
    let (mut units, org) = units_of(&period, &org)?;
    let entries = store.entries(period_id).await?;
    let replaced: HashSet<i64> = entries.iter().filter_map(|e| e.replaces).collect();
    let active_of = |source: Source| -> Vec<&Entry> {
        entries
            .iter()
            .filter(|e| e.source == source && is_active(&replaced, e))
            .collect()
    };
    let results = score(&rubric, &mut units, &active_of(Source::Assessor));
    let self_results = score(&rubric, &mut units, &active_of(Source::SelfCheck));
    Ok(PeriodView {
        rubric_name: format!("{} 第{}版", version.name, version.version),
        period,
        rubric,
        units,
        org,
        by_id: entries.iter().enumerate().map(|(i, e)| (e.id, i)).collect(),
        entries,
        replaced,
        results,
        self_results,
    })
}

/// Scores entries that were checked when appended; one that no longer resolves (a unit removed from the
/// period) is left out rather than failing the whole page.
fn score(rubric: &Rubric, units: &mut Units, entries: &[&Entry]) -> Vec<UnitResult> {
    let resolver = Resolver::new(rubric, false);
    let mut scorer = Scorer::with_trace(rubric);
    for entry in entries {
        if let Ok(finding) = resolver.resolve(units, &entry.finding_input(), entry.id as u64) {
            let _ = scorer.add(units, finding);
        }
    }
    scorer.finish(units)
}

/// Checks a new entry the way the CLI checks a CSV row, against the rubric, the period's units and the
/// entries already active (a second discretionary entry is an error). Returns the rubric's owner of the
/// item (its department), for the permission check.
pub fn check_entry(view: &PeriodView, entry: &NewEntry) -> Result<Option<String>, ServerError> {
    let Tally {
        mut units,
        resolver,
        mut scorer,
    } = view.tally(entry.source, entry.replaces, 0);
    let input = kaoping_core::finding::FindingInput {
        unit: &entry.unit_code,
        code: &entry.code,
        round: &entry.round,
        count: entry.count,
        level: entry.level.as_deref(),
        value: match entry.points.as_deref() {
            Some(p) => Some(
                p.trim()
                    .parse()
                    .map_err(|_| ServerError::Invalid(format!("分值“{p}”不是数字")))?,
            ),
            None => None,
        },
        note: &entry.note,
        matter: entry.matter.as_deref(),
        done: parse_date(entry.date.as_deref(), "完成日期")?,
        due: parse_date(entry.due.as_deref(), "截止日期")?,
    };
    let finding = resolver.resolve(&mut units, &input, 0).map_err(|errors| {
        ServerError::Invalid(
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("；"),
        )
    })?;
    scorer
        .add(&units, finding)
        .map_err(|e| ServerError::Invalid(e.message_with(|id| format!("记录#{id}"))))?;
    Ok(owner(&view.rubric, &entry.code))
}

fn parse_date(
    text: Option<&str>,
    what: &str,
) -> Result<Option<kaoping_core::date::Date>, ServerError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => t
            .parse()
            .map(Some)
            .map_err(|e| ServerError::Invalid(format!("{what}：{e}"))),
        None => Ok(None),
    }
}

/// The department that owns the item a code names (rules, items); bonus and veto codes have none.
pub fn owner(rubric: &Rubric, code: &str) -> Option<String> {
    let item = match rubric.lookup(code)? {
        Coded::Rule(r) => rubric.rules()[r].item,
        Coded::Item(i) => i,
        _ => return None,
    };
    rubric.items()[item].department.clone()
}

/// The ledger entry that withdraws `old`: it names it, copies what it was about, and gives the reason.
pub fn withdrawal(old: &Entry, department_id: Option<i64>, user_id: i64, reason: &str) -> NewEntry {
    NewEntry {
        period_id: old.period_id,
        unit_code: old.unit_code.clone(),
        code: old.code.clone(),
        round: old.round.clone(),
        count: None,
        level: None,
        points: None,
        note: String::new(),
        matter: None,
        date: None,
        due: None,
        source: old.source,
        department_id,
        recorded_by: user_id,
        evidence_id: None,
        kind: kaoping_store::EntryKind::Withdraw,
        replaces: Some(old.id),
        reason: reason.trim().to_string(),
    }
}
