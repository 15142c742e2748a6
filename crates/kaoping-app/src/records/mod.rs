//! 记录本: a unit's activity records (支委会, 党课, 党费 …), kept by the unit's secretary (the leader
//! account) or the administrator, rejected with a reason by a department whose items count them; and
//! what they make: provisional deductions for months and quarters missed (`provisional.rs`), confirmed
//! into the ledger by the owning department, and early warnings (`warnings.rs`).
//!
//! Records are append-only (see `kaoping_store::activity_records`); every write holds the period's lock,
//! checks under it, and is linked into the period's hash chain.

mod book;
pub(crate) mod provisional;
mod warnings;

use kaoping_core::date::Date;
use kaoping_core::records::Feed;
use kaoping_core::rubric::Rubric;
use kaoping_store::{ActivityRecord, NewRecord, RecordAction};

use crate::actor::Actor;
use crate::audit::AuditAction;
use crate::error::AppError;
use crate::evidence::{evidence_type, Upload};
use crate::findings::LOCKED;
use crate::limits::{bounded, NOTE_CHARS};
use crate::permissions::Action;
use crate::App;

pub use book::{CellState, KindRow, RecordBook, RecordsBoard, UnitKinds};
pub(crate) use provisional::provisional_for;
pub use provisional::{KindGaps, Provisional};
pub use warnings::{Level, Reason, Warning, WarningBoard};

/// How long a topic may be.
pub const TOPIC_CHARS: usize = 200;
/// The most attendees or members a record may give.
pub const MAX_PEOPLE: i64 = 100_000;

/// A record as a form or the API gives it.
#[derive(Debug, Clone, Default)]
pub struct RecordDraft {
    pub unit: String,
    pub kind: String,
    pub date: Option<Date>,
    pub topic: String,
    pub attendees: Option<i64>,
    pub eligible: Option<i64>,
    /// The record this one corrects.
    pub replaces: Option<i64>,
    /// Why it corrects it.
    pub reason: String,
}

/// The departments whose items count records of `kind` (they may reject one).
fn owners_of_kind<'r>(rubric: &'r Rubric, kind: &str) -> Vec<Option<&'r str>> {
    rubric
        .rules()
        .iter()
        .filter(|r| matches!(&r.feed, Some(Feed::Records(links)) if links.iter().any(|l| l.kind == kind)))
        .map(|r| rubric.items()[r.item].department.as_deref())
        .collect()
}

const KEEP_OWN: &str = "只能为本单位登记记录本（管理员可为任何单位登记），且须在发布前";

impl RecordDraft {
    /// Every field's problem, checked against the rubric's kinds and the period's year, as of `today`.
    fn check(&self, rubric: &Rubric, year: i32, today: Date) -> Result<Date, AppError> {
        let kinds = rubric.record_kinds();
        let kind = self.kind.trim();
        if !kinds.contains(&kind) {
            return Err(AppError::Invalid(if kinds.is_empty() {
                "本考评细则没有按记录本计分的规则，不能登记记录本".into()
            } else {
                format!("记录类型“{kind}”不在考评细则中，可选：{}", kinds.join("、"))
            }));
        }
        let date = self
            .date
            .ok_or_else(|| AppError::Invalid("日期：请填写活动日期，如 2024-03-12".into()))?;
        let year16 = u16::try_from(year).unwrap_or(0);
        let windows: Vec<(Date, Date)> = rubric
            .rules()
            .iter()
            .filter_map(|r| match &r.feed {
                Some(Feed::Records(links)) => Some(links),
                _ => None,
            })
            .flatten()
            .filter(|l| l.kind == kind)
            .map(|l| l.schedule.window(year16))
            .collect();
        let first = windows.iter().map(|w| w.0).min();
        let last = windows.iter().map(|w| w.1).max();
        if let (Some(first), Some(last)) = (first, last) {
            if date < first || date > last {
                return Err(AppError::Invalid(format!(
                    "日期：{date}不在本考评期（{first}至{last}）内"
                )));
            }
        }
        if date > today {
            return Err(AppError::Invalid(format!(
                "日期：{date}晚于今天（{today}），不能登记尚未开展的活动"
            )));
        }
        if self.topic.trim().is_empty() {
            return Err(AppError::Invalid("主题：请填写活动主题或内容".into()));
        }
        bounded("主题", &self.topic, TOPIC_CHARS).map_err(AppError::Invalid)?;
        bounded("更正原因", &self.reason, NOTE_CHARS).map_err(AppError::Invalid)?;
        for (field, n) in [("参加人数", self.attendees), ("应参加人数", self.eligible)] {
            if n.is_some_and(|n| !(0..=MAX_PEOPLE).contains(&n)) {
                return Err(AppError::Invalid(format!(
                    "{field}：应为0～{MAX_PEOPLE}的整数"
                )));
            }
        }
        if let (Some(a), Some(e)) = (self.attendees, self.eligible) {
            if a > e {
                return Err(AppError::Invalid(format!(
                    "参加人数：{a}人多于应参加的{e}人"
                )));
            }
        }
        if self.replaces.is_some() && self.reason.trim().is_empty() {
            return Err(AppError::Invalid("更正原因：更正记录须说明原因".into()));
        }
        Ok(date)
    }
}

impl App {
    /// Records an activity in a unit's 记录本, or corrects one (`draft.replaces`), with its minutes or
    /// photo as evidence (type-checked by content).
    ///
    /// # Errors
    /// 403 outside the actor's unit; 409 after publication or on a record already replaced; 422 for a
    /// kind the rubric does not count, a date outside the period or after today, a missing topic.
    pub async fn keep_record(
        &self,
        actor: &Actor,
        period_id: i64,
        draft: RecordDraft,
        evidence: Option<Upload>,
    ) -> Result<ActivityRecord, AppError> {
        let mime = evidence
            .as_ref()
            .map(|e| evidence_type(&e.bytes))
            .transpose()?;
        let (mut tx, snapshot) = self.begin(period_id).await?;
        let unit = draft.unit.trim().to_string();
        let org = snapshot
            .org_of(&unit)
            .ok_or_else(|| AppError::NotFound(format!("单位“{unit}”")))?;
        let may = |published| {
            actor.may(Action::KeepRecords {
                unit_id: org.id,
                published,
            })
        };
        if !may(false) {
            return Err(AppError::Forbidden(KEEP_OWN.into()));
        }
        if snapshot.published() {
            return Err(AppError::Conflict(LOCKED.into()));
        }
        let date = draft.check(&snapshot.rubric, snapshot.period.year, self.today())?;
        if let Some(old) = draft.replaces {
            let old = tx.activity_record(old).await?;
            if old.unit_code != unit {
                return Err(AppError::Invalid(format!(
                    "记录本#{}不是单位“{unit}”的记录",
                    old.id
                )));
            }
        }
        let mut new = NewRecord {
            unit_code: unit,
            kind: draft.kind.trim().to_string(),
            held_on: date,
            topic: draft.topic.trim().to_string(),
            attendees: draft.attendees,
            eligible: draft.eligible,
            evidence_id: None,
            action: if draft.replaces.is_some() {
                RecordAction::Correct
            } else {
                RecordAction::Record
            },
            replaces: draft.replaces,
            reason: draft.reason.trim().to_string(),
            recorded_by: actor.id(),
        };
        if let (Some(upload), Some(mime)) = (&evidence, mime) {
            let name = crate::evidence::evidence_name(&upload.filename, mime);
            let stored = tx
                .put_evidence(&upload.bytes, mime, &name, actor.id())
                .await?;
            new.evidence_id = Some(stored.id);
        }
        let saved = tx.append_record(&new).await?;
        tx.audit(
            Some(actor.id()),
            AuditAction::RecordKeep.key(),
            &format!(
                "记录本#{}：{} {} {} {}",
                saved.id, saved.unit_code, saved.kind, saved.held_on, saved.topic
            ),
        )
        .await?;
        // Records do not change the ledger: the period's snapshot stays as it is.
        self.commit(tx, &snapshot, &[]).await?;
        Ok(saved)
    }

    /// Takes a record back (its recorder's unit, or the administrator), or rejects it (`reject`: a
    /// department whose items count its kind, or the administrator), with a reason.
    ///
    /// # Errors
    /// 403 for anyone else; 409 after publication or on a record already replaced; 422 without a
    /// reason.
    pub async fn replace_record(
        &self,
        actor: &Actor,
        period_id: i64,
        record_id: i64,
        reject: bool,
        reason: &str,
    ) -> Result<ActivityRecord, AppError> {
        let (mut tx, snapshot) = self.begin(period_id).await?;
        let old = tx.activity_record(record_id).await?;
        let published = snapshot.published();
        let allowed = if reject {
            owners_of_kind(&snapshot.rubric, &old.kind)
                .into_iter()
                .any(|owner| {
                    actor.may(Action::RecordFinding {
                        owner,
                        published: false,
                    })
                })
        } else {
            let unit_id = snapshot.org_of(&old.unit_code).map_or(-1, |o| o.id);
            actor.may(Action::KeepRecords {
                unit_id,
                published: false,
            })
        };
        if !allowed {
            return Err(AppError::Forbidden(if reject {
                format!("只有负责“{}”计分项目的部门可以退回这条记录", old.kind)
            } else {
                KEEP_OWN.into()
            }));
        }
        if published {
            return Err(AppError::Conflict(LOCKED.into()));
        }
        if reason.trim().is_empty() {
            return Err(AppError::Invalid(if reject {
                "退回原因：请写明退回的原因".into()
            } else {
                "撤回原因：请写明撤回的原因".into()
            }));
        }
        bounded("原因", reason, NOTE_CHARS).map_err(AppError::Invalid)?;
        let new = NewRecord {
            unit_code: old.unit_code.clone(),
            kind: old.kind.clone(),
            held_on: old.held_on,
            topic: old.topic.clone(),
            attendees: old.attendees,
            eligible: old.eligible,
            evidence_id: None,
            action: if reject {
                RecordAction::Reject
            } else {
                RecordAction::Withdraw
            },
            replaces: Some(old.id),
            reason: reason.trim().to_string(),
            recorded_by: actor.id(),
        };
        let saved = tx.append_record(&new).await?;
        let action = if reject {
            AuditAction::RecordReject
        } else {
            AuditAction::RecordKeep
        };
        tx.audit(
            Some(actor.id()),
            action.key(),
            &format!(
                "记录本#{}{}#{}：{}",
                saved.id,
                if reject { "退回" } else { "撤回" },
                old.id,
                saved.reason
            ),
        )
        .await?;
        self.commit(tx, &snapshot, &[]).await?;
        Ok(saved)
    }
}

impl App {
    /// Confirms the provisional deductions of the 记录本 into the ledger: for `unit` (or every unit),
    /// each record-counting rule the actor's department owns (the administrator: every one) whose
    /// months or quarters missed make a finding and on which no assessor entry counts yet becomes an
    /// entry through the normal path, its note naming what is missing. Returns the entries written.
    ///
    /// # Errors
    /// 403 for those who may not record findings; 409 after publication.
    pub async fn confirm_records(
        &self,
        actor: &Actor,
        period_id: i64,
        unit: Option<&str>,
    ) -> Result<Vec<kaoping_store::Entry>, AppError> {
        crate::findings::may_enter(actor, kaoping_store::Source::Assessor)?;
        let (mut tx, snapshot) = self.begin(period_id).await?;
        if snapshot.published() {
            return Err(AppError::Conflict(LOCKED.into()));
        }
        let today = self.today();
        let dates = provisional::dates_by_unit_and_kind(&tx.active_records().await?);
        let units: Vec<usize> = match unit {
            Some(code) => vec![snapshot
                .unit_id(code)
                .ok_or_else(|| AppError::NotFound(format!("单位“{code}”")))?],
            None => (0..snapshot.units.len()).collect(),
        };
        let saved = confirm_in(
            &mut tx,
            &snapshot,
            actor.id(),
            actor.department.as_ref().map(|d| d.id),
            &dates,
            &units,
            today,
            |owner| {
                actor.may(Action::RecordFinding {
                    owner,
                    published: false,
                })
            },
        )
        .await?;
        if saved.is_empty() {
            return Ok(saved);
        }
        tx.audit(
            Some(actor.id()),
            AuditAction::RecordsConfirm.key(),
            &format!(
                "核定记录本扣分{}条：{}",
                saved.len(),
                saved
                    .iter()
                    .map(|e| format!("记录#{} {} {}", e.id, e.unit_code, e.code))
                    .collect::<Vec<_>>()
                    .join("；")
            ),
        )
        .await?;
        self.commit(tx, &snapshot, &saved).await?;
        Ok(saved)
    }
}

/// Appends, in `tx`, an entry for every pending provisional deduction of `units` on a rule `may_confirm`
/// allows (by its owner): the one path of confirming, by a department or by publication.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn confirm_in(
    tx: &mut kaoping_store::PeriodTx,
    snapshot: &crate::period::Snapshot,
    user_id: i64,
    department_id: Option<i64>,
    dates: &provisional::RecordDates,
    units: &[usize],
    today: Date,
    may_confirm: impl Fn(Option<&str>) -> bool,
) -> Result<Vec<kaoping_store::Entry>, AppError> {
    let mut work = crate::period::check::Work::new(snapshot);
    let mut saved = Vec::new();
    for &u in units {
        let code = snapshot.units.unit(u).code.clone();
        for p in provisional::provisional_for(snapshot, dates, u, today) {
            if !p.pending() || !may_confirm(p.owner.as_deref()) {
                continue;
            }
            let note = p.note();
            let input = p.input(&code, &p.code, &note);
            work.check(kaoping_store::Source::Assessor, &input, None)?;
            let mut entry = kaoping_store::NewEntry::record(snapshot.period.id, &input, user_id);
            entry.department_id = department_id;
            let e = tx.append(&entry).await?;
            work.apply(&e, None);
            saved.push(e);
        }
    }
    Ok(saved)
}
