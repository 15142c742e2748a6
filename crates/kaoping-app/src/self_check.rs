//! 自查表: a unit's own assessment of the whole rubric on one page, for its secretary before publication.
//! Every rule the grid takes (counts, ticks, levels, points) is a cell; the others are entered one finding
//! at a time. Saving writes only the changed cells as the unit's self-check entries, all or none, checked
//! inside the period's transaction (the department grid's cell rules, `grid::cell_changes`).

use std::collections::HashMap;
use std::sync::Arc;

use kaoping_core::rubric::{AppliesTo, ItemId, RuleId};
use kaoping_core::score::UnitResult;
use kaoping_core::units::UnitId;
use kaoping_store::{Entry, Source};

use crate::actor::Actor;
use crate::audit::AuditAction;
use crate::error::AppError;
use crate::grid::{cell_changes, cell_kind, CellKind, CellWriter, FormChanges, SubmittedCell};
use crate::limits::{bounded, NOTE_CHARS};
use crate::period::Snapshot;
use crate::permissions::Action;
use crate::App;

const NOT_YOURS: &str = "只能填写本单位的自查，且须在考评结果发布前";

/// A unit's self-check form.
pub struct SelfCheckForm {
    pub snapshot: Arc<Snapshot>,
    pub unit: UnitId,
    /// The unit's self-assessment as it stands, scored like the assessors'.
    pub own: Arc<UnitResult>,
    /// The unit's active self-check entries by rule, oldest first.
    cells: HashMap<RuleId, Vec<Entry>>,
}

impl SelfCheckForm {
    fn new(snapshot: Arc<Snapshot>, unit: UnitId) -> SelfCheckForm {
        let rubric = &snapshot.rubric;
        let mut cells: HashMap<RuleId, Vec<Entry>> = HashMap::new();
        for c in snapshot.self_check.parties[unit].iter() {
            // Self-assessment covers the first round.
            if rubric.round(&c.entry.round) != Some(0) {
                continue;
            }
            if let Some(kaoping_core::rubric::Coded::Rule(r)) = rubric.lookup(&c.entry.code) {
                cells.entry(r).or_default().push(c.entry.clone());
            }
        }
        for list in cells.values_mut() {
            list.sort_by_key(|e| e.id);
        }
        SelfCheckForm {
            own: snapshot.self_check.results()[unit].clone(),
            snapshot,
            unit,
            cells,
        }
    }

    /// The unit's code.
    pub fn code(&self) -> &str {
        &self.snapshot.units.unit(self.unit).code
    }

    /// How the form takes a rule, if it does: rules a unit's own findings may name.
    pub fn takes(&self, rule: RuleId) -> Option<CellKind> {
        let r = &self.snapshot.rubric.rules()[rule];
        if r.applies_to == AppliesTo::Group {
            return None;
        }
        cell_kind(&r.kind)
    }

    /// The rule's active self-check entries, oldest first.
    pub fn entries(&self, rule: RuleId) -> &[Entry] {
        self.cells.get(&rule).map_or(&[], Vec::as_slice)
    }

    /// What the rule's cell shows now: (value, reason); see `grid::cell_changes`.
    pub fn shown(&self, rule: RuleId, kind: CellKind) -> (String, String) {
        crate::grid::shown_state(kind, self.entries(rule))
    }

    /// Items the unit has not scored itself that need a score (分档 without a level, 酌情 without
    /// points): counted 0 in the self-assessment, and said so.
    pub fn unscored(&self) -> Vec<ItemId> {
        let mut items: Vec<ItemId> = self.own.incomplete.iter().map(|m| m.item).collect();
        items.dedup();
        items
    }
}

/// A submitted self-check form: each cell as shown and typed, by rule code; the note of new counting
/// records and the reason for changes.
#[derive(Debug, Clone, Default)]
pub struct SelfCheckSubmission {
    /// (rule code, the value the page showed).
    pub shown: Vec<(String, String)>,
    pub shown_notes: HashMap<String, String>,
    pub values: HashMap<String, String>,
    pub notes: HashMap<String, String>,
    pub note: String,
    pub reason: String,
}

/// What saving a self-check form did.
pub enum SelfCheckOutcome {
    Unchanged,
    Saved {
        entries: usize,
    },
    /// Nothing was written: each cell's error by rule code, and errors about the form as a whole.
    Rejected {
        form: Box<SelfCheckForm>,
        errors: HashMap<String, String>,
        general: Vec<String>,
        submission: Box<SelfCheckSubmission>,
    },
}

fn unit_of(snapshot: &Snapshot, code: &str) -> Result<UnitId, AppError> {
    snapshot
        .unit_id(code)
        .ok_or_else(|| AppError::NotFound(format!("单位“{code}”")))
}

fn require_self(snapshot: &Snapshot, actor: &Actor, unit: UnitId) -> Result<(), AppError> {
    actor.require(
        Action::SelfAssess {
            unit_id: snapshot.org[unit].id,
            published: snapshot.published(),
        },
        NOT_YOURS,
    )
}

impl App {
    /// The self-check form of the unit with `code`.
    ///
    /// # Errors
    /// 403 unless the actor may record this unit's self-assessment (its leader, before publication);
    /// 404 for a unit not in the period.
    pub async fn self_check(
        &self,
        actor: &Actor,
        period_id: i64,
        code: &str,
    ) -> Result<SelfCheckForm, AppError> {
        let snapshot = self.snapshot(period_id, |_| true, NOT_YOURS).await?;
        let unit = unit_of(&snapshot, code)?;
        require_self(&snapshot, actor, unit)?;
        Ok(SelfCheckForm::new(snapshot, unit))
    }

    /// Saves a self-check form: every changed cell as the unit's self-check entries, all or none, in one
    /// transaction under the period's lock.
    ///
    /// # Errors
    /// As [`App::self_check`]; 422 for a code the rubric does not have.
    pub async fn save_self_check(
        &self,
        actor: &Actor,
        period_id: i64,
        code: &str,
        sub: SelfCheckSubmission,
    ) -> Result<SelfCheckOutcome, AppError> {
        let (mut tx, snapshot) = self.begin(period_id).await?;
        let unit = unit_of(&snapshot, code)?;
        require_self(&snapshot, actor, unit)?;
        let form = Box::new(SelfCheckForm::new(snapshot.clone(), unit));
        let rubric = &*snapshot.rubric;
        let note = sub.note.trim().to_string();
        let reason = sub.reason.trim().to_string();
        bounded("说明", &note, NOTE_CHARS)
            .and_then(|()| bounded("修改原因", &reason, NOTE_CHARS))
            .map_err(AppError::Invalid)?;
        let writer = CellWriter {
            period_id,
            // Self-assessment covers the first round (a rubric of one round has only that).
            round: if rubric.rounds().len() > 1 {
                rubric.rounds()[0].name.clone()
            } else {
                String::new()
            },
            source: Source::SelfCheck,
            department_id: None,
            by: actor.id(),
            note: &note,
            reason: &reason,
        };
        let mut checked = FormChanges::new(&snapshot, Source::SelfCheck);
        for (rule_code, original) in &sub.shown {
            let Some(kaoping_core::rubric::Coded::Rule(rule)) = rubric.lookup(rule_code) else {
                return Err(AppError::Invalid(format!(
                    "评分规则“{rule_code}”不在考评细则中"
                )));
            };
            let Some(kind) = form.takes(rule) else {
                continue;
            };
            let typed = |m: &HashMap<String, String>| m.get(rule_code).cloned().unwrap_or_default();
            let cell = SubmittedCell {
                shown: (original.clone(), typed(&sub.shown_notes)),
                typed: (typed(&sub.values), typed(&sub.notes)),
            };
            let def = &rubric.rules()[rule];
            checked.take(
                rule_code.clone(),
                cell_changes(&writer, def, kind, code, form.entries(rule), &cell),
            );
        }
        let FormChanges {
            mut work,
            changes,
            errors,
            removals,
            ..
        } = checked;
        let mut general = Vec::new();
        if removals && reason.is_empty() {
            general
                .push("修改原因：改动或取消已填的自查会更正或撤回原记录，必须写明原因".to_string());
        }
        if !errors.is_empty() || !general.is_empty() {
            return Ok(SelfCheckOutcome::Rejected {
                form,
                errors,
                general,
                submission: Box::new(sub),
            });
        }
        if changes.is_empty() {
            return Ok(SelfCheckOutcome::Unchanged);
        }
        let mut saved = Vec::with_capacity(changes.len());
        for (entry, replaced) in &changes {
            let e = tx.append(entry).await?;
            work.apply(&e, replaced.as_ref());
            saved.push(e);
        }
        let ids: Vec<String> = saved.iter().map(|e| format!("#{}", e.id)).collect();
        tx.audit(
            Some(actor.id()),
            AuditAction::Entry.key(),
            &format!(
                "自查表（{}，{}）保存记录{}",
                snapshot.period.name,
                snapshot.units.unit(unit).name,
                ids.join("、")
            ),
        )
        .await?;
        self.commit(tx, &snapshot, &saved).await?;
        Ok(SelfCheckOutcome::Saved {
            entries: saved.len(),
        })
    }
}
