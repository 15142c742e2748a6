//! 申诉: after publication a unit's leader contests a finding on the unit; the administrator accepts it
//! (correcting the finding, or withdrawing it) or rejects it, always with a reason. An accepted appeal is
//! the only way a published period changes, and its change is a ledger entry replacing the appealed one,
//! checked and written with the decision under the period's lock.

use std::collections::HashMap;
use std::sync::Arc;

use kaoping_core::Decimal;
use kaoping_store::{Appeal, Entry, EntryKind, NewEntry, Source, User};

use crate::actor::Actor;
use crate::audit::AuditAction;
use crate::error::AppError;
use crate::limits::{bounded, NOTE_CHARS};
use crate::period::check::Work;
use crate::period::Snapshot;
use crate::permissions::Action;
use crate::App;

/// The appeals page: a period's appeals the actor may see, with the entries they name.
pub struct AppealBoard {
    pub snapshot: Arc<Snapshot>,
    pub appeals: Vec<Appeal>,
    /// The appealed entries and the decisions' entries, by id.
    pub entries: HashMap<i64, Entry>,
    pub users: Vec<User>,
    /// The actor decides appeals (otherwise they see their own unit's).
    pub may_decide: bool,
}

/// The corrected finding of an accepted appeal; what is left out keeps the appealed entry's value (the
/// note) or is cleared (count, level, points).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppealCorrection {
    pub count: Option<i64>,
    pub level: Option<String>,
    pub points: Option<Decimal>,
    pub note: Option<String>,
}

/// What the administrator decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppealDecision {
    /// The ledger stays as it is.
    Reject,
    /// The appealed entry is corrected, or withdrawn (`None`).
    Accept(Option<AppealCorrection>),
}

const LEADERS_ONLY: &str = "只有单位负责人可以在考评结果发布后为本单位申诉";

/// Whether the actor may appeal for their own unit at all, in a period published or not.
fn may_appeal(actor: &Actor, published: bool) -> bool {
    actor
        .user
        .unit_id
        .is_some_and(|unit_id| actor.may(Action::FileAppeal { unit_id, published }))
}

/// The actor's own unit, if they may appeal for it in this period.
fn own_unit(actor: &Actor, snapshot: &Snapshot) -> Option<i64> {
    actor.user.unit_id.filter(|&unit_id| {
        actor.may(Action::FileAppeal {
            unit_id,
            published: snapshot.published(),
        })
    })
}

/// The entry of an accepted appeal that corrects `old`.
fn correction_of(old: &Entry, c: &AppealCorrection, reason: &str, actor: &Actor) -> NewEntry {
    NewEntry {
        count: c.count,
        level: c.level.clone(),
        points: c.points,
        note: c.note.clone().unwrap_or_else(|| old.note.clone()),
        recorded_by: actor.id(),
        kind: EntryKind::AppealDecision,
        reason: reason.to_string(),
        ..NewEntry::replacing(old)
    }
}

impl App {
    /// The appeals of a period: all of them for the administrator, the unit's own for its leader.
    pub async fn appeals(&self, actor: &Actor, period_id: i64) -> Result<AppealBoard, AppError> {
        const OWN_ONLY: &str = "只能查看本单位的申诉";
        let snapshot = self
            .snapshot(
                period_id,
                |published| {
                    actor.may(Action::DecideAppeal)
                        || actor.user.unit_id.is_some_and(|unit_id| {
                            actor.may(Action::FileAppeal { unit_id, published })
                        })
                },
                OWN_ONLY,
            )
            .await?;
        let may_decide = actor.may(Action::DecideAppeal);
        let own = own_unit(actor, &snapshot);
        if !may_decide && own.is_none() {
            return Err(AppError::Forbidden(OWN_ONLY.into()));
        }
        let appeals: Vec<Appeal> = self
            .store
            .appeals(period_id)
            .await?
            .into_iter()
            .filter(|a| may_decide || Some(a.unit_id) == own)
            .collect();
        let mut entries = HashMap::new();
        for id in appeals
            .iter()
            .flat_map(|a| std::iter::once(a.entry_id).chain(a.decision_entry_id))
        {
            if let std::collections::hash_map::Entry::Vacant(slot) = entries.entry(id) {
                slot.insert(self.store.entry(id).await?);
            }
        }
        Ok(AppealBoard {
            snapshot,
            appeals,
            entries,
            users: self.store.users().await?,
            may_decide,
        })
    }

    /// The entry a leader is about to appeal, and whether it still counts.
    pub async fn appeal_form(
        &self,
        actor: &Actor,
        period_id: i64,
        entry_id: i64,
    ) -> Result<(Arc<Snapshot>, Entry, bool), AppError> {
        let snapshot = self
            .snapshot(period_id, |p| may_appeal(actor, p), LEADERS_ONLY)
            .await?;
        let unit_id =
            own_unit(actor, &snapshot).ok_or_else(|| AppError::Forbidden(LEADERS_ONLY.into()))?;
        let (entry, counts) = self.store.entry_state(entry_id).await?;
        if entry.period_id != period_id || entry.source != Source::Assessor {
            return Err(AppError::NotFound(format!("记录#{entry_id}")));
        }
        // Only a finding on the unit itself, or on a group it belongs to, is shown to its leader.
        let concerns_unit = snapshot.org.iter().any(|o| {
            o.id == unit_id && (o.code == entry.unit_code || o.member_of.contains(&entry.unit_code))
        });
        if !concerns_unit {
            return Err(AppError::Forbidden("该记录不涉及本单位，不能申诉".into()));
        }
        Ok((snapshot, entry, counts))
    }

    /// A leader appeals a published finding on their unit (or a group of it); returns the appeal's id.
    ///
    /// # Errors
    /// [`AppError::Forbidden`] for anyone but the unit's leader after publication; [`AppError::Invalid`]
    /// without a reason or for an entry not about the unit; [`AppError::Conflict`] for an entry already
    /// replaced or already appealed.
    pub async fn file_appeal(
        &self,
        actor: &Actor,
        period_id: i64,
        entry_id: i64,
        reason: &str,
    ) -> Result<i64, AppError> {
        let snapshot = self
            .snapshot(period_id, |p| may_appeal(actor, p), LEADERS_ONLY)
            .await?;
        let unit_id =
            own_unit(actor, &snapshot).ok_or_else(|| AppError::Forbidden(LEADERS_ONLY.into()))?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::Invalid("申诉理由：必须写明申诉理由".into()));
        }
        bounded("申诉理由", reason, NOTE_CHARS).map_err(AppError::Invalid)?;
        let (mut tx, snapshot) = self.begin(period_id).await?;
        let id = tx
            .file_appeal(entry_id, unit_id, reason, actor.id())
            .await?;
        tx.audit(
            Some(actor.id()),
            AuditAction::Appeal.key(),
            &format!("申诉#{id}：针对记录#{entry_id}，{reason}"),
        )
        .await?;
        self.commit(tx, &snapshot, &[]).await?;
        Ok(id)
    }

    /// The administrator decides an appeal; returns what was done, in words.
    ///
    /// # Errors
    /// [`AppError::Invalid`] without a reason, for a rejection with a correction, or for a correction the
    /// rubric refuses; [`AppError::Conflict`] for an appeal already decided.
    pub async fn decide_appeal(
        &self,
        actor: &Actor,
        period_id: i64,
        appeal_id: i64,
        decision: &AppealDecision,
        reason: &str,
    ) -> Result<&'static str, AppError> {
        actor.require(Action::DecideAppeal, "只有管理员可以处理申诉")?;
        let (mut tx, snapshot) = self.begin(period_id).await?;
        let appeal = tx.appeal(appeal_id).await?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::Invalid("处理理由：必须写明理由".into()));
        }
        bounded("处理理由", reason, NOTE_CHARS).map_err(AppError::Invalid)?;
        let (accept, fix) = match decision {
            AppealDecision::Reject => (false, None),
            AppealDecision::Accept(None) => (true, None),
            AppealDecision::Accept(Some(c)) => {
                let old = tx.active_entry(appeal.entry_id).await?;
                let fix = correction_of(&old, c, reason, actor);
                Work::new(&snapshot)
                    .check(Source::Assessor, &fix.finding_input(), Some(old.id))
                    .map_err(|e| match e {
                        AppError::Invalid(m) => AppError::Invalid(format!("更正后的考核发现：{m}")),
                        other => other,
                    })?;
                (true, Some(fix))
            }
        };
        let saved = tx
            .decide_appeal(appeal_id, accept, reason, actor.id(), fix.as_ref())
            .await?;
        let outcome = match (accept, fix.is_some()) {
            (false, _) => "驳回",
            (true, true) => "采纳并更正记录",
            (true, false) => "采纳并撤销记录",
        };
        tx.audit(
            Some(actor.id()),
            AuditAction::AppealDecision.key(),
            &format!(
                "申诉#{appeal_id}（记录#{}）：{outcome}，{reason}",
                appeal.entry_id
            ),
        )
        .await?;
        if accept {
            if let Some(revision) = crate::publication::amend_if_changed(
                &mut tx,
                &snapshot,
                &format!("申诉#{appeal_id}{outcome}：{reason}"),
                actor.id(),
            )
            .await?
            {
                tx.audit(
                    Some(actor.id()),
                    AuditAction::AmendPublication.key(),
                    &format!(
                        "“{}”考评结果更正为第{}版（摘要{}）",
                        snapshot.period.name,
                        revision.revision,
                        revision.short_digest()
                    ),
                )
                .await?;
            }
        }
        let saved: Vec<Entry> = saved.into_iter().collect();
        self.commit(tx, &snapshot, &saved).await?;
        Ok(outcome)
    }
}
