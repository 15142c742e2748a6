//! Checking a new entry against what counts now, the way the CLI checks a CSV row against the rows
//! before it: the rubric and the period's units (through the core's resolver) and the entries already
//! active (a second score-setting entry for one unit, rule and round; a member of two groups that both
//! score an inherited item; through the core's scorer).
//!
//! A write checks inside its transaction against the snapshot taken under the period's lock. A write of
//! several entries (a grid of cells) checks each against the snapshot plus the entries before it, which
//! [`Work`] keeps.

use std::sync::Arc;

use kaoping_core::finding::{Finding, FindingInput, Resolver, Target};
use kaoping_core::rubric::{Rubric, RuleKind};
use kaoping_core::score::Scorer;
use kaoping_core::units::{Party, Units};
use kaoping_store::{Entry, Source};

use super::snapshot::{slot_of, Counted, PartyList, Snapshot};
use crate::error::AppError;

/// A snapshot and the entries a transaction has added on top of it so far.
pub(crate) struct Work<'s> {
    snapshot: &'s Snapshot,
    /// The parties of each side (assessors, self-checks), copied on first change.
    sides: [Arc<Vec<Arc<PartyList>>>; 2],
}

fn side_index(source: Source) -> usize {
    match source {
        Source::Assessor => 0,
        Source::SelfCheck => 1,
    }
}

/// The finding errors of a resolver, in one message.
fn resolve_message(errors: &[kaoping_core::finding::FindingError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("；")
}

/// Whether any finding can collide with this one: a score-setting rule (one entry per unit, rule and
/// round), or a group's finding on an item its members inherit. Counting rules, bonus and veto
/// findings add up whatever else is there, so nothing already recorded needs to be read for them.
fn may_collide_at_all(rubric: &Rubric, new: &Finding) -> bool {
    match new.target {
        Target::Rule(r) => {
            let rule = &rubric.rules()[r];
            matches!(
                rule.kind,
                RuleKind::Graded { .. }
                    | RuleKind::Discretionary
                    | RuleKind::Rate { .. }
                    | RuleKind::Conversion { .. }
            ) || (matches!(new.party, Party::Group(_)) && rubric.items()[rule.item].inherit)
        }
        Target::Bonus(_) | Target::Veto(_) => false,
    }
}

/// Whether a finding on a rule can collide with another on `target` (same rule, or both on items that
/// inherit a group's score).
fn may_collide(rubric: &Rubric, new: &Finding, other: &Finding) -> bool {
    if other.target == new.target {
        return true;
    }
    let inherited = |f: &Finding| match f.target {
        Target::Rule(r) => rubric.items()[rubric.rules()[r].item].inherit,
        _ => false,
    };
    matches!(new.party, Party::Group(_))
        && matches!(other.party, Party::Group(_))
        && inherited(new)
        && inherited(other)
}

impl<'s> Work<'s> {
    pub(crate) fn new(snapshot: &'s Snapshot) -> Work<'s> {
        Work {
            snapshot,
            sides: [
                snapshot.assessor.parties.clone(),
                snapshot.self_check.parties.clone(),
            ],
        }
    }

    /// Resolves `input` against the period and checks it against the active entries of `source` (but
    /// `skip`, the entry a correction replaces). The finding's origin is 0.
    ///
    /// # Errors
    /// [`AppError::Invalid`] with every problem of the finding, in the words a clerk reads; conflicts
    /// with an active entry name it (`记录#12`).
    pub(crate) fn check(
        &self,
        source: Source,
        input: &FindingInput<'_>,
        skip: Option<i64>,
    ) -> Result<Finding, AppError> {
        let snapshot = self.snapshot;
        let rubric = &*snapshot.rubric;
        let units = &*snapshot.units;
        let finding = Resolver::new(rubric, false)
            .resolve_known(units, input, 0)
            .map_err(|e| AppError::Invalid(resolve_message(&e)))?;
        if !may_collide_at_all(rubric, &finding) {
            return Ok(finding);
        }
        let parties = &self.sides[side_index(source)];
        let slots: Vec<usize> = match finding.party {
            Party::Unit(u) => vec![u],
            Party::Group(g) => {
                // The group itself, and every group sharing a member with it (inheritance conflicts).
                let mut groups: Vec<usize> = units
                    .group(g)
                    .members
                    .iter()
                    .flat_map(|&m| units.unit(m).groups.iter().copied())
                    .collect();
                groups.push(g);
                groups.sort_unstable();
                groups.dedup();
                groups
                    .into_iter()
                    .map(|g| slot_of(units, Party::Group(g)))
                    .collect()
            }
        };
        let mut existing: Vec<&Counted> = slots
            .iter()
            .flat_map(|&s| parties[s].iter().map(|c| c.as_ref()))
            .filter(|c| Some(c.entry.id) != skip && may_collide(rubric, &finding, &c.finding))
            .collect();
        existing.sort_by_key(|c| c.entry.id);
        let mut scorer = match finding.party {
            Party::Unit(u) => Scorer::for_unit(rubric, u, false),
            Party::Group(_) => Scorer::new(rubric),
        };
        for c in existing {
            let _ = scorer.add_ref(units, &c.finding);
        }
        scorer
            .add(units, finding.clone())
            .map_err(|e| AppError::Invalid(e.message_with(|id| format!("记录#{id}"))))?;
        Ok(finding)
    }

    /// Takes `entry` (appended in this transaction) into account for the next check: the entry it
    /// replaces stops counting, and it counts itself unless it is a withdrawal.
    pub(crate) fn apply(&mut self, entry: &Entry, replaced: Option<&Entry>) {
        let units: &Units = &self.snapshot.units;
        let resolver = Resolver::new(&self.snapshot.rubric, false).as_recorded();
        let side = &mut self.sides[side_index(entry.source)];
        if let Some(old) = replaced {
            if let Ok(f) = resolver.resolve_known(units, &old.finding_input(), old.id as u64) {
                Arc::make_mut(&mut Arc::make_mut(side)[slot_of(units, f.party)]).remove(old.id);
            }
        }
        if !entry.counts(false) {
            return;
        }
        if let Ok(finding) = resolver.resolve_known(units, &entry.finding_input(), entry.id as u64)
        {
            let slot = slot_of(units, finding.party);
            Arc::make_mut(&mut Arc::make_mut(side)[slot]).push(Arc::new(Counted {
                entry: entry.clone(),
                finding,
            }));
        }
    }
}
