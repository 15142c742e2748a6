//! What a unit's 记录本 says about the rules that count records: for each such rule, the months or
//! quarters missed so far and the finding they make (a provisional deduction until the owning
//! department confirms it into the ledger, or publication does).

use std::collections::HashMap;

use kaoping_core::date::Date;
use kaoping_core::finding::{Finding, FindingInput, Resolver};
use kaoping_core::records::{missed, Feed, Gap, Schedule};
use kaoping_core::rubric::{RuleId, RuleKind};
use kaoping_core::units::UnitId;
use kaoping_store::ActivityRecord;

use crate::period::Snapshot;

/// The dates of the records that count, by unit code and kind.
pub(crate) type RecordDates = HashMap<(String, String), Vec<Date>>;

pub(crate) fn dates_by_unit_and_kind(records: &[ActivityRecord]) -> RecordDates {
    let mut by: RecordDates = HashMap::new();
    for r in records {
        by.entry((r.unit_code.clone(), r.kind.clone()))
            .or_default()
            .push(r.held_on);
    }
    by
}

/// One record kind of a rule as a unit's 记录本 stands.
#[derive(Debug, Clone)]
pub struct KindGaps {
    pub kind: String,
    pub schedule: Schedule,
    /// The months or quarters short so far: past ones (`closed`) and the one under way.
    pub gaps: Vec<Gap>,
}

impl KindGaps {
    /// Records missing in months or quarters already over.
    pub fn missed(&self) -> u32 {
        self.gaps
            .iter()
            .filter(|g| g.closed)
            .map(Gap::missing)
            .sum()
    }

    /// `支委会：2024年3月、2024年5月`, the past months or quarters short.
    pub fn missed_text(&self) -> Option<String> {
        let labels: Vec<String> = self
            .gaps
            .iter()
            .filter(|g| g.closed)
            .map(|g| {
                if g.slot.needed > 1 {
                    format!("{}（{}/{}）", g.slot.label, g.held, g.slot.needed)
                } else {
                    g.slot.label.clone()
                }
            })
            .collect();
        (!labels.is_empty()).then(|| format!("{}：{}", self.kind, labels.join("、")))
    }
}

/// A rule that counts records, for one unit.
#[derive(Debug, Clone)]
pub struct Provisional {
    pub rule: RuleId,
    pub code: String,
    /// The owning department (the rule's item's).
    pub owner: Option<String>,
    pub kinds: Vec<KindGaps>,
    /// The finding the misses make: `None` when nothing is missed yet.
    pub count: Option<Option<i64>>,
    /// An assessor's entry on this rule already counts for the unit: the department has spoken
    /// (confirmed the misses, or recorded otherwise), and nothing provisional is added.
    pub settled: bool,
}

impl Provisional {
    /// Missed records in months or quarters already over, over all the rule's kinds.
    pub fn missed(&self) -> u32 {
        self.kinds.iter().map(KindGaps::missed).sum()
    }

    /// What is missing, in words: `缺：支委会：2024年3月；党员大会：2024年第2季度`.
    pub fn note(&self) -> String {
        let parts: Vec<String> = self
            .kinds
            .iter()
            .filter_map(KindGaps::missed_text)
            .collect();
        format!("记录本缺：{}", parts.join("；"))
    }

    /// A deduction still to confirm.
    pub fn pending(&self) -> bool {
        self.count.is_some() && !self.settled
    }

    /// The finding as an input the core resolves.
    pub fn input<'a>(&self, unit: &'a str, code: &'a str, note: &'a str) -> FindingInput<'a> {
        FindingInput {
            unit,
            code,
            count: self.count.flatten(),
            note,
            ..FindingInput::default()
        }
    }
}

/// The finding `missed` records make on a rule of `kind` (`None`: nothing to record).
fn count_for(kind: &RuleKind, missed: u32) -> Option<Option<i64>> {
    let missed = i64::from(missed);
    match kind {
        RuleKind::Frequency { expected, .. } if missed > 0 => {
            Some(Some((i64::from(*expected) - missed).max(0)))
        }
        RuleKind::Fixed { .. } | RuleKind::Zero if missed > 0 => Some(None),
        RuleKind::PerOccurrence { .. }
        | RuleKind::Progressive { .. }
        | RuleKind::Deadline { .. }
            if missed > 0 =>
        {
            Some(Some(missed))
        }
        _ => None,
    }
}

/// Every record-counting rule of the rubric for unit `u`, as of `today`.
///
/// A period whose units keep no records in Kaoping (none counts yet: the 记录本 are on paper, and the
/// counts typed as findings) has nothing provisional: counting starts with the period's first record.
pub(crate) fn provisional_for(
    snapshot: &Snapshot,
    dates: &RecordDates,
    u: UnitId,
    today: Date,
) -> Vec<Provisional> {
    if dates.is_empty() {
        return Vec::new();
    }
    let rubric = &snapshot.rubric;
    let code = &snapshot.units.unit(u).code;
    let year = u16::try_from(snapshot.period.year).unwrap_or(0);
    let none = Vec::new();
    let settled_rules: Vec<&str> = snapshot.assessor.parties[u]
        .iter()
        .map(|c| c.entry.code.as_str())
        .collect();
    let mut out = Vec::new();
    for (id, rule) in rubric.rules().iter().enumerate() {
        let Some(Feed::Records(links)) = &rule.feed else {
            continue;
        };
        let kinds: Vec<KindGaps> = links
            .iter()
            .map(|l| {
                let held = dates.get(&(code.clone(), l.kind.clone())).unwrap_or(&none);
                KindGaps {
                    kind: l.kind.clone(),
                    schedule: l.schedule,
                    gaps: missed(l.schedule, year, held, today),
                }
            })
            .collect();
        let total = kinds.iter().map(KindGaps::missed).sum();
        let item = &rubric.items()[rule.item];
        out.push(Provisional {
            rule: id,
            code: rule.code.clone(),
            owner: item.department.clone(),
            count: count_for(&rule.kind, total),
            settled: settled_rules
                .iter()
                .any(|c| *c == rule.code || (*c == item.code && item.rules.len() == 1)),
            kinds,
        });
    }
    out
}

/// The pending deductions of `provisional` as findings the scorer takes (those the rubric refuses are
/// left out, as the ledger's would be).
pub(crate) fn findings(
    snapshot: &Snapshot,
    u: UnitId,
    provisional: &[Provisional],
) -> Vec<Finding> {
    let resolver = Resolver::new(&snapshot.rubric, false).as_recorded();
    let code = &snapshot.units.unit(u).code;
    provisional
        .iter()
        .filter(|p| p.pending())
        .filter_map(|p| {
            let input = p.input(code, &p.code, "");
            resolver.resolve_known(&snapshot.units, &input, 0).ok()
        })
        .collect()
}
