//! Recording findings (考核发现) and self-assessments (自查), correcting and withdrawing them: always as new
//! ledger entries, each checked and written in one transaction under the period's lock.
//!
//! The answer to a refused write is always the same for the same situation, checked in this order:
//! 1. 403 when the actor cannot record such findings at all (a viewer; a leader outside their unit);
//! 2. 409 when the period is published and locked (for anyone who could record in an open period), or
//!    the entry to correct or withdraw was already replaced;
//! 3. 422 when the finding itself is wrong (unknown code, a second discretionary score …);
//! 4. 403 when the item belongs to another department.

use std::sync::Arc;

use kaoping_core::date::Date;
use kaoping_core::finding::FindingInput;
use kaoping_core::Decimal;
use kaoping_store::{Entry, EntryKind, NewEntry, PeriodTx, Source};

use crate::actor::{role_name, Actor};
use crate::audit::AuditAction;
use crate::error::AppError;
use crate::evidence::{evidence_type, Upload};
use crate::limits::{bounded, MATTER_CHARS, NOTE_CHARS};
use crate::period::check::Work;
use crate::period::Snapshot;
use crate::permissions::Action;
use crate::App;

/// The message of a locked period.
pub(crate) const LOCKED: &str = "考评期已发布锁定，只能通过申诉更改";

/// A finding as a form, the API or a file gives it, already typed at the edge (points are exact
/// decimals, dates are dates).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingDraft {
    /// The unit's or group's code.
    pub unit: String,
    /// Rule, item, bonus or veto code.
    pub code: String,
    pub round: String,
    pub count: Option<i64>,
    pub level: Option<String>,
    pub points: Option<Decimal>,
    pub note: String,
    pub matter: Option<String>,
    pub date: Option<Date>,
    pub due: Option<Date>,
    /// 自查: the unit's own self-assessment rather than an assessor's finding.
    pub self_check: bool,
    /// The entry this one corrects.
    pub replaces: Option<i64>,
    /// Why it corrects it.
    pub reason: String,
}

impl FindingDraft {
    pub fn source(&self) -> Source {
        if self.self_check {
            Source::SelfCheck
        } else {
            Source::Assessor
        }
    }

    /// Refuses texts longer than a note, a matter or a reason may be.
    fn check_lengths(&self) -> Result<(), AppError> {
        bounded("说明", &self.note, NOTE_CHARS)
            .and_then(|()| bounded("事项", self.matter.as_deref().unwrap_or(""), MATTER_CHARS))
            .and_then(|()| bounded("更正原因", &self.reason, NOTE_CHARS))
            .map_err(AppError::Invalid)
    }

    fn input(&self) -> FindingInput<'_> {
        FindingInput {
            unit: self.unit.trim(),
            code: self.code.trim(),
            round: self.round.trim(),
            count: self.count,
            level: self.level.as_deref(),
            value: self.points,
            note: self.note.trim(),
            matter: self.matter.as_deref(),
            done: self.date,
            due: self.due,
        }
    }
}

/// A withdrawal as asked for: the entry and why.
#[derive(Debug, Clone)]
pub struct Withdrawal {
    pub entry_id: i64,
    pub reason: String,
}

/// The message when an assessor records on another department's item.
fn not_owner(actor: &Actor, owner: Option<&str>) -> String {
    format!(
        "{}只能录入本部门负责的评分项{}",
        role_name(actor.role()),
        owner
            .map(|o| format!("（该项由“{o}”负责）"))
            .unwrap_or_default()
    )
}

const OWN_UNIT_ONLY: &str = "只能为本单位录入自查，且须在发布前";

/// Step 1: whether the actor can record findings of `source` at all.
pub(crate) fn may_enter(actor: &Actor, source: Source) -> Result<(), AppError> {
    match source {
        Source::Assessor => actor.require(Action::EnterFindings, &not_owner(actor, None)),
        Source::SelfCheck => {
            let own = actor.user.unit_id.is_some_and(|unit_id| {
                actor.may(Action::SelfAssess {
                    unit_id,
                    published: false,
                })
            });
            if own {
                Ok(())
            } else {
                Err(AppError::Forbidden(OWN_UNIT_ONLY.into()))
            }
        }
    }
}

/// Step 4: whether the actor may append an entry of `source` about `unit` and `code` to this period.
pub(crate) fn may_append(
    actor: &Actor,
    snapshot: &Snapshot,
    source: Source,
    unit: &str,
    code: &str,
) -> Result<(), AppError> {
    let published = snapshot.published();
    match source {
        Source::SelfCheck => {
            let unit_id = snapshot.org_of(unit).map_or(-1, |o| o.id);
            actor.require(Action::SelfAssess { unit_id, published }, OWN_UNIT_ONLY)
        }
        Source::Assessor => {
            let owner = snapshot.owner(code);
            actor.require(
                Action::RecordFinding { owner, published },
                &not_owner(actor, owner),
            )
        }
    }
}

impl App {
    /// Locks the period and reads it as committed: the start of every write.
    pub(crate) async fn begin(
        &self,
        period_id: i64,
    ) -> Result<(PeriodTx, Arc<Snapshot>), AppError> {
        let mut tx = self.store.lock_period(period_id).await?;
        let snapshot = self.periods.current_in(&mut tx).await?;
        Ok((tx, snapshot))
    }

    /// Commits a write that appended `entries` on top of `snapshot`, and moves this process's snapshot
    /// on.
    pub(crate) async fn commit(
        &self,
        tx: PeriodTx,
        snapshot: &Snapshot,
        entries: &[Entry],
    ) -> Result<(), AppError> {
        let period_id = tx.period().id;
        tx.commit().await?;
        self.periods
            .committed(period_id, snapshot.head, entries)
            .await;
        Ok(())
    }

    /// Records a finding or a self-assessment, or corrects one (`draft.replaces`), with its evidence file
    /// if any (type-checked by content, stored in the same transaction).
    ///
    /// # Errors
    /// See the module docs for the order; [`AppError::NotFound`] for an unknown period or entry.
    pub async fn record(
        &self,
        actor: &Actor,
        period_id: i64,
        draft: FindingDraft,
        evidence: Option<Upload>,
    ) -> Result<Entry, AppError> {
        let source = draft.source();
        may_enter(actor, source)?;
        draft.check_lengths()?;
        let mime = evidence
            .as_ref()
            .map(|e| evidence_type(&e.bytes))
            .transpose()?;
        let (mut tx, snapshot) = self.begin(period_id).await?;
        if snapshot.published() {
            return Err(AppError::Conflict(LOCKED.into()));
        }
        if let Some(old) = draft.replaces {
            let old = tx.active_entry(old).await?;
            if old.source != source {
                return Err(AppError::Invalid(format!(
                    "记录#{}不属于本考评期的同一台账",
                    old.id
                )));
            }
            // A correction must also be allowed on the finding it replaces (another department's, say).
            may_append(actor, &snapshot, old.source, &old.unit_code, &old.code)?;
        }
        Work::new(&snapshot).check(source, &draft.input(), draft.replaces)?;
        may_append(actor, &snapshot, source, &draft.unit, &draft.code)?;

        let mut entry = NewEntry::record(period_id, &draft.input(), actor.id());
        entry.source = source;
        entry.department_id = actor.department.as_ref().map(|d| d.id);
        if let Some(old) = draft.replaces {
            entry.kind = EntryKind::Correct;
            entry.replaces = Some(old);
            entry.reason = draft.reason.trim().to_string();
        }
        if let (Some(upload), Some(mime)) = (&evidence, mime) {
            let name = crate::evidence::evidence_name(&upload.filename, mime);
            let stored = tx
                .put_evidence(&upload.bytes, mime, &name, actor.id())
                .await?;
            entry.evidence_id = Some(stored.id);
        }
        let saved = tx.append(&entry).await?;
        tx.audit(
            Some(actor.id()),
            AuditAction::Entry.key(),
            &format!(
                "记录#{}：{} {} {}",
                saved.id, saved.unit_code, saved.code, saved.note
            ),
        )
        .await?;
        self.commit(tx, &snapshot, std::slice::from_ref(&saved))
            .await?;
        Ok(saved)
    }

    /// Withdraws an entry with a reason; returns the withdrawn entry and the withdrawal.
    ///
    /// # Errors
    /// See the module docs; [`AppError::Invalid`] without a reason.
    pub async fn withdraw(
        &self,
        actor: &Actor,
        period_id: i64,
        w: &Withdrawal,
    ) -> Result<(Entry, Entry), AppError> {
        if may_enter(actor, Source::Assessor).is_err() {
            may_enter(actor, Source::SelfCheck)?;
        }
        let (mut tx, snapshot) = self.begin(period_id).await?;
        if snapshot.published() {
            return Err(AppError::Conflict(LOCKED.into()));
        }
        let old = tx.active_entry(w.entry_id).await?;
        may_append(actor, &snapshot, old.source, &old.unit_code, &old.code)?;
        if w.reason.trim().is_empty() {
            return Err(AppError::Invalid("撤回必须写明原因".into()));
        }
        bounded("撤回原因", &w.reason, NOTE_CHARS).map_err(AppError::Invalid)?;
        let withdrawal = NewEntry::withdrawal(
            &old,
            actor.department.as_ref().map(|d| d.id),
            actor.id(),
            &w.reason,
        );
        let saved = tx.append(&withdrawal).await?;
        tx.audit(
            Some(actor.id()),
            AuditAction::Withdraw.key(),
            &format!("记录#{} 撤回记录#{}：{}", saved.id, old.id, w.reason.trim()),
        )
        .await?;
        self.commit(tx, &snapshot, std::slice::from_ref(&saved))
            .await?;
        Ok((old, saved))
    }

    /// The entry form of an open period, for someone who may record findings (or, with `self_check`,
    /// their unit's self-assessment).
    ///
    /// # Errors
    /// 403 as [`App::record`] would answer; 409 on a published period.
    pub async fn entry_form(
        &self,
        actor: &Actor,
        period_id: i64,
        self_check: bool,
    ) -> Result<Arc<Snapshot>, AppError> {
        let source = if self_check {
            Source::SelfCheck
        } else {
            Source::Assessor
        };
        may_enter(actor, source)?;
        let snapshot = self.snapshot(period_id, |_| true, "").await?;
        if snapshot.published() {
            return Err(AppError::Conflict(LOCKED.into()));
        }
        Ok(snapshot)
    }

    /// An active entry to correct, for someone who may correct it.
    ///
    /// # Errors
    /// [`AppError::NotFound`] when the period has no such entry, 403 when the actor may not correct it,
    /// 409 when it was replaced already or the period is locked.
    pub async fn entry_to_correct(
        &self,
        actor: &Actor,
        period_id: i64,
        entry_id: i64,
    ) -> Result<(Arc<Snapshot>, Entry), AppError> {
        if may_enter(actor, Source::Assessor).is_err() {
            may_enter(actor, Source::SelfCheck)?;
        }
        let snapshot = self.snapshot(period_id, |_| true, "").await?;
        let (entry, counts) = self.store.entry_state(entry_id).await?;
        if entry.period_id != period_id {
            return Err(AppError::NotFound(format!("记录#{entry_id}")));
        }
        may_enter(actor, entry.source)?;
        if snapshot.published() {
            return Err(AppError::Conflict(LOCKED.into()));
        }
        may_append(
            actor,
            &snapshot,
            entry.source,
            &entry.unit_code,
            &entry.code,
        )?;
        if !counts {
            return Err(AppError::Conflict("该记录已被更正或撤回".into()));
        }
        Ok((snapshot, entry))
    }
}
