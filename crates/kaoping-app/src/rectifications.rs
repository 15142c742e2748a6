//! 整改 (rectification of deductions): the owning department of a deduction's item (or the administrator)
//! requires rectification by a date; the unit's leader (or the administrator) files the rectification
//! report with evidence; the owning department (or the administrator) accepts it or returns it with a
//! reason, and the unit reports again. Allowed before and after publication: rectification follows the
//! assessment and never changes a score. Each write is checked and written, with its audit record, in one
//! transaction under the period's lock (two racing decisions: one lands, the other is a 409).
//!
//! **Overdue** (逾期), as of `today` (the application's [`crate::Clock`], China time): a rectification is
//! overdue when `today > due`, it is not accepted, its deduction still counts (not corrected or withdrawn
//! since), and no report awaits a decision that was filed on or
//! before the due day. A step's day is the application's today when it was taken (stored with it). So a report filed in time stops the clock while it awaits; a report
//! returned, or one filed after the due day, does not. On the due day itself nothing is overdue.

use std::collections::HashMap;
use std::sync::Arc;

use kaoping_core::date::Date;
use kaoping_core::rubric::{Coded, RuleKind};
use kaoping_core::Decimal;
use kaoping_store::{
    Entry, EntryKind, NewRectification, NewStep, Rectification, RectificationState, Source,
    StepKind, User,
};

use crate::actor::Actor;
use crate::audit::AuditAction;
use crate::error::AppError;
use crate::evidence::{evidence_name, evidence_type, Upload};
use crate::ledger::{entry_deduction, EntryDeduction};
use crate::limits::{bounded, NOTE_CHARS};
use crate::period::Snapshot;
use crate::permissions::Action;
use crate::App;

/// What a requirement is asked with, as a form or the API typed it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RectificationRequest {
    /// The deduction (ledger entry) to rectify.
    pub entry_id: i64,
    /// The last day, `YYYY-MM-DD`.
    pub due: String,
    /// What is to be rectified.
    pub requirement: String,
}

/// A rectification's state as shown: the stored state and whether it is overdue today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RectificationShown {
    pub id: i64,
    pub state: RectificationState,
    pub overdue: bool,
}

impl RectificationShown {
    /// The state in words, 逾期 added when overdue (`待整改·逾期`).
    pub fn label(&self) -> String {
        if self.overdue {
            format!("{}·逾期", self.state.name())
        } else {
            self.state.name().to_string()
        }
    }

    /// The API's name of the state.
    pub fn key(&self) -> &'static str {
        self.state.key()
    }
}

/// An overdue rectification, for early warnings (预警: red).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overdue {
    pub rectification_id: i64,
    /// The unit (or group) of the deduction.
    pub unit_code: String,
    pub entry_id: i64,
    /// The deduction's rule code.
    pub code: String,
    pub due: Date,
}

/// What a list of rectifications is narrowed to, as typed (empty: not narrowed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RectificationQuery {
    /// A unit's (or group's) code.
    pub unit: Option<String>,
    /// A state's key (`pending`, `returned`, `awaiting`, `accepted`) or `overdue`.
    pub state: Option<String>,
}

/// One row of the list.
#[derive(Debug, Clone)]
pub struct RectificationRow {
    pub rectification: Rectification,
    pub shown: RectificationShown,
}

/// A period's rectifications the actor may see.
pub struct RectificationBoard {
    pub snapshot: Arc<Snapshot>,
    pub rows: Vec<RectificationRow>,
    pub query: RectificationQuery,
    pub today: Date,
}

/// One rectification with what the actor may do next.
pub struct RectificationView {
    pub snapshot: Arc<Snapshot>,
    pub rectification: Rectification,
    pub shown: RectificationShown,
    /// The deduction it follows, as recorded.
    pub entry: Entry,
    pub users: Vec<User>,
    /// The actor may file a report now.
    pub may_report: bool,
    /// The actor may accept or return the awaiting report now.
    pub may_decide: bool,
    pub today: Date,
}

impl RectificationView {
    /// The name of a user by id.
    pub fn user_name(&self, id: i64) -> &str {
        self.users
            .iter()
            .find(|u| u.id == id)
            .map_or("", |u| u.display_name.as_str())
    }
}

const NOT_YOURS: &str = "只能查看本部门负责的评分项或本单位的整改";
const MAY_NOT_REQUIRE: &str = "只有评分项的负责部门或管理员可以要求整改";
const MAY_NOT_DECIDE: &str = "只有评分项的负责部门或管理员可以验收整改";
const MAY_NOT_REPORT: &str = "只有本单位负责人或管理员可以提交整改报告";

/// Whether `r` is overdue on `today`; see the module docs.
pub fn is_overdue(r: &Rectification, today: Date) -> bool {
    if r.superseded || today <= r.due || r.state() == RectificationState::Accepted {
        return false;
    }
    r.awaiting_report().is_none_or(|s| s.day > r.due)
}

/// The state of `r` as shown on `today`.
pub fn shown(r: &Rectification, today: Date) -> RectificationShown {
    RectificationShown {
        id: r.id,
        state: r.state(),
        overdue: is_overdue(r, today),
    }
}

/// Whether an assessor's entry deducts by its rule: what the ledger shows as 扣N分 or 不得分 (a
/// per-occurrence, fixed, 不得分 or judged deduction), or an occurrence of a progressive (累进扣分) rule.
/// Only such a deduction can require rectification; a level, a rate, a count of things done, a
/// conversion or a bonus cannot.
pub fn deducts(snapshot: &Snapshot, entry: &Entry) -> bool {
    if entry.source != Source::Assessor || entry.kind == EntryKind::Withdraw {
        return false;
    }
    match entry_deduction(&snapshot.rubric, entry) {
        Some(EntryDeduction::Points(p)) => p > Decimal::ZERO,
        Some(EntryDeduction::Zero) => true,
        None => {
            let rubric = &snapshot.rubric;
            matches!(rubric.lookup(entry.code.trim()), Some(Coded::Rule(r))
                if matches!(rubric.rules()[r].kind, RuleKind::Progressive { .. })
                    && entry.count.unwrap_or(1) > 0)
        }
    }
}

/// The organisation ids of the units a code concerns: the unit itself, or a group's members.
fn concerned_units<'s>(snapshot: &'s Snapshot, code: &'s str) -> impl Iterator<Item = i64> + 's {
    snapshot
        .org
        .iter()
        .filter(move |o| o.code == code || o.member_of.iter().any(|m| m == code))
        .map(|o| o.id)
}

fn may_view(actor: &Actor, snapshot: &Snapshot, r: &Rectification) -> bool {
    let owner = snapshot.owner(&r.code);
    actor.may(Action::ViewRectification { owner, unit_id: -1 })
        || concerned_units(snapshot, &r.unit_code)
            .any(|unit_id| actor.may(Action::ViewRectification { owner, unit_id }))
}

fn may_report(actor: &Actor, snapshot: &Snapshot, r: &Rectification) -> bool {
    concerned_units(snapshot, &r.unit_code)
        .chain(std::iter::once(-1))
        .any(|unit_id| actor.may(Action::ReportRectification { unit_id }))
}

fn may_decide(actor: &Actor, snapshot: &Snapshot, r: &Rectification) -> bool {
    actor.may(Action::DecideRectification {
        owner: snapshot.owner(&r.code),
    })
}

/// Whether the actor may require (or decide) rectifications of some item at all: an assessor of a
/// department, or the administrator.
fn may_require_any(actor: &Actor) -> bool {
    actor.may(Action::RequireRectification {
        owner: actor.department.as_ref().map(|d| d.name.as_str()),
    })
}

/// Whether the actor could see some rectification at all (before anything is read): the administrator,
/// an assessor of a department, a unit's leader. Pages link the list for them.
pub fn may_view_any(actor: &Actor) -> bool {
    may_require_any(actor)
        || actor.user.unit_id.is_some_and(|unit_id| {
            actor.may(Action::ViewRectification {
                owner: None,
                unit_id,
            })
        })
}

/// A requirement's due day, typed: required, a date, not before today.
fn due_day(due: &str, today: Date) -> Result<Date, AppError> {
    let due = due.trim();
    if due.is_empty() {
        return Err(AppError::Invalid("整改期限：必须填写".into()));
    }
    let date: Date = due
        .parse()
        .map_err(|_| AppError::Invalid(format!("整改期限：“{due}”不是日期，请按YYYY-MM-DD填写")))?;
    if date < today {
        return Err(AppError::Invalid(format!(
            "整改期限：不能早于今天（{today}）"
        )));
    }
    Ok(date)
}

impl App {
    /// The checks of a requirement on `entry` that need the period: a deduction, and the actor's item.
    fn check_requirement(
        actor: &Actor,
        snapshot: &Snapshot,
        entry: &Entry,
    ) -> Result<(), AppError> {
        if entry.source != Source::Assessor {
            return Err(AppError::Invalid(format!(
                "记录#{}是自查，不是考核扣分，不能要求整改",
                entry.id
            )));
        }
        if !deducts(snapshot, entry) {
            return Err(AppError::Invalid(format!(
                "记录#{}不是扣分记录，只有扣分才能要求整改",
                entry.id
            )));
        }
        let owner = snapshot.owner(&entry.code);
        actor.require(
            Action::RequireRectification { owner },
            &match owner {
                Some(o) => format!("{MAY_NOT_REQUIRE}（该项由“{o}”负责）"),
                None => MAY_NOT_REQUIRE.to_string(),
            },
        )
    }

    /// The deduction a requirement is about to name, for its form.
    ///
    /// # Errors
    /// 403 for someone who may not require it, 404 for an entry of another period, 409 for an entry
    /// replaced or already under a requirement, 422 for an entry that does not deduct.
    pub async fn rectification_form(
        &self,
        actor: &Actor,
        period_id: i64,
        entry_id: i64,
    ) -> Result<(Arc<Snapshot>, Entry), AppError> {
        if !may_require_any(actor) {
            return Err(AppError::Forbidden(MAY_NOT_REQUIRE.into()));
        }
        let snapshot = self.snapshot(period_id, |_| true, MAY_NOT_REQUIRE).await?;
        let (entry, counts) = self.store.entry_state(entry_id).await?;
        if entry.period_id != period_id {
            return Err(AppError::NotFound(format!("记录#{entry_id}")));
        }
        if !counts {
            return Err(AppError::Conflict("该记录已被更正或撤回".into()));
        }
        Self::check_requirement(actor, &snapshot, &entry)?;
        if self
            .store
            .rectifications(period_id)
            .await?
            .iter()
            .any(|r| r.entry_id == entry_id)
        {
            return Err(AppError::Conflict(format!("记录#{entry_id}已要求整改")));
        }
        Ok((snapshot, entry))
    }

    /// Requires rectification of a deduction by a date; returns the rectification's id.
    ///
    /// # Errors
    /// 403 for anyone but the administrator and the item's department; 422 for a missing, malformed or
    /// past due day, a missing or overlong requirement, or an entry that does not deduct; 404/409 as
    /// [`App::rectification_form`].
    pub async fn require_rectification(
        &self,
        actor: &Actor,
        period_id: i64,
        request: &RectificationRequest,
    ) -> Result<i64, AppError> {
        if !may_require_any(actor) {
            return Err(AppError::Forbidden(MAY_NOT_REQUIRE.into()));
        }
        let due = due_day(&request.due, self.today())?;
        bounded("整改要求", request.requirement.trim(), NOTE_CHARS).map_err(AppError::Invalid)?;
        let new = NewRectification::new(request.entry_id, &request.requirement, due, actor.id())?;
        let (mut tx, snapshot) = self.begin(period_id).await?;
        let entry = tx.active_entry(request.entry_id).await?;
        Self::check_requirement(actor, &snapshot, &entry)?;
        let id = tx.require_rectification(&new).await?;
        tx.audit(
            Some(actor.id()),
            AuditAction::RectificationRequire.key(),
            &format!(
                "整改#{id}：记录#{}（{} {}），{}前整改：{}",
                entry.id,
                entry.unit_code,
                entry.code,
                due,
                request.requirement.trim()
            ),
        )
        .await?;
        self.commit(tx, &snapshot, &[]).await?;
        Ok(id)
    }

    /// The unit files its rectification report, with an evidence file if any (type-checked by content,
    /// stored in the same transaction).
    ///
    /// # Errors
    /// 403 for anyone but the unit's leader and the administrator; 422 without a text, with an overlong
    /// one or with evidence of a type not accepted; 409 while a report awaits a decision or after
    /// acceptance.
    pub async fn report_rectification(
        &self,
        actor: &Actor,
        rectification_id: i64,
        text: &str,
        evidence: Option<Upload>,
    ) -> Result<(), AppError> {
        let gate = actor.may(Action::ReportRectification {
            unit_id: actor.user.unit_id.unwrap_or(-1),
        });
        if !gate {
            return Err(AppError::Forbidden(MAY_NOT_REPORT.into()));
        }
        let text = text.trim();
        bounded("整改情况", text, NOTE_CHARS).map_err(AppError::Invalid)?;
        let mime = evidence
            .as_ref()
            .map(|e| evidence_type(&e.bytes))
            .transpose()?;
        let period_id = self.store.rectification(rectification_id).await?.period_id;
        let (mut tx, snapshot) = self.begin(period_id).await?;
        let r = tx.rectification(rectification_id).await?;
        if !may_report(actor, &snapshot, &r) {
            return Err(AppError::Forbidden(MAY_NOT_REPORT.into()));
        }
        // The text first (422), so a refused report stores no file.
        NewStep::new(StepKind::Report, text, None, actor.id(), self.today())?;
        let mut evidence_id = None;
        if let (Some(upload), Some(mime)) = (&evidence, mime) {
            let name = evidence_name(&upload.filename, mime);
            evidence_id = Some(
                tx.put_evidence(&upload.bytes, mime, &name, actor.id())
                    .await?
                    .id,
            );
        }
        let step = NewStep::new(
            StepKind::Report,
            text,
            evidence_id,
            actor.id(),
            self.today(),
        )?;
        tx.add_rectification_step(rectification_id, &step).await?;
        tx.audit(
            Some(actor.id()),
            AuditAction::RectificationReport.key(),
            &format!("整改#{rectification_id}（记录#{}）：{text}", r.entry_id),
        )
        .await?;
        self.commit(tx, &snapshot, &[]).await
    }

    /// The owning department accepts the awaiting report, or returns it with a reason.
    ///
    /// # Errors
    /// 403 for anyone but the item's department and the administrator; 422 for a return without a
    /// reason or an overlong one; 409 when no report awaits a decision (none filed, or decided already).
    pub async fn decide_rectification(
        &self,
        actor: &Actor,
        rectification_id: i64,
        accept: bool,
        reason: &str,
    ) -> Result<(), AppError> {
        if !may_require_any(actor) {
            return Err(AppError::Forbidden(MAY_NOT_DECIDE.into()));
        }
        let reason = reason.trim();
        bounded("验收意见", reason, NOTE_CHARS).map_err(AppError::Invalid)?;
        let kind = if accept {
            StepKind::Accept
        } else {
            StepKind::Return
        };
        if !accept && reason.is_empty() {
            return Err(AppError::Invalid("验收意见：退回必须写明理由".into()));
        }
        let step = NewStep::new(kind, reason, None, actor.id(), self.today())?;
        let period_id = self.store.rectification(rectification_id).await?.period_id;
        let (mut tx, snapshot) = self.begin(period_id).await?;
        let r = tx.rectification(rectification_id).await?;
        if !may_decide(actor, &snapshot, &r) {
            return Err(AppError::Forbidden(MAY_NOT_DECIDE.into()));
        }
        tx.add_rectification_step(rectification_id, &step).await?;
        tx.audit(
            Some(actor.id()),
            AuditAction::RectificationDecision.key(),
            &format!(
                "整改#{rectification_id}（记录#{}）：{}{}",
                r.entry_id,
                kind.name(),
                if reason.is_empty() {
                    String::new()
                } else {
                    format!("，{reason}")
                }
            ),
        )
        .await?;
        self.commit(tx, &snapshot, &[]).await
    }

    /// A period's rectifications the actor may see (the administrator all; an assessor those of their
    /// department's items; a leader their unit's), narrowed by unit and state.
    ///
    /// # Errors
    /// 403 for viewers and anyone who could see none; 422 for a state that is not one.
    pub async fn rectifications(
        &self,
        actor: &Actor,
        period_id: i64,
        query: &RectificationQuery,
    ) -> Result<RectificationBoard, AppError> {
        if !may_view_any(actor) {
            return Err(AppError::Forbidden(NOT_YOURS.into()));
        }
        let snapshot = self.snapshot(period_id, |_| true, NOT_YOURS).await?;
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let unit = given(&query.unit);
        let state = given(&query.state);
        let wanted: Option<Option<RectificationState>> = match state.as_deref() {
            None => None,
            Some("overdue") => Some(None),
            Some(key) => Some(Some(RectificationState::from_key(key).ok_or_else(
                || {
                    AppError::Invalid(format!(
                    "状态：“{key}”不是整改状态（pending、returned、awaiting、accepted、overdue）"
                ))
                },
            )?)),
        };
        let today = self.today();
        let rows = self
            .store
            .rectifications(period_id)
            .await?
            .into_iter()
            .filter(|r| may_view(actor, &snapshot, r))
            .filter(|r| unit.as_deref().is_none_or(|u| r.unit_code == u))
            .map(|r| RectificationRow {
                shown: shown(&r, today),
                rectification: r,
            })
            .filter(|row| match wanted {
                None => true,
                Some(None) => row.shown.overdue,
                Some(Some(s)) => row.shown.state == s,
            })
            .collect();
        Ok(RectificationBoard {
            snapshot,
            rows,
            query: RectificationQuery { unit, state },
            today,
        })
    }

    /// One rectification with its steps, for whoever may see it.
    ///
    /// # Errors
    /// 404 when there is none, 403 when the actor may not see it.
    pub async fn rectification(
        &self,
        actor: &Actor,
        rectification_id: i64,
    ) -> Result<RectificationView, AppError> {
        if !may_view_any(actor) {
            return Err(AppError::Forbidden(NOT_YOURS.into()));
        }
        let r = self.store.rectification(rectification_id).await?;
        let snapshot = self.snapshot(r.period_id, |_| true, NOT_YOURS).await?;
        if !may_view(actor, &snapshot, &r) {
            return Err(AppError::Forbidden(NOT_YOURS.into()));
        }
        let today = self.today();
        let state = r.state();
        let view = RectificationView {
            may_report: may_report(actor, &snapshot, &r)
                && matches!(
                    state,
                    RectificationState::Pending | RectificationState::Returned
                ),
            may_decide: may_decide(actor, &snapshot, &r) && state == RectificationState::Awaiting,
            shown: shown(&r, today),
            entry: self.store.entry(r.entry_id).await?,
            users: self.store.users().await?,
            snapshot,
            rectification: r,
            today,
        };
        Ok(view)
    }

    /// The rectification state of each deduction of a period the actor may see, by entry id: what the
    /// score sheet shows beside each deduction. Empty for those who may see none (viewers).
    ///
    /// # Errors
    /// 404 for an unknown period.
    pub async fn rectification_states(
        &self,
        actor: &Actor,
        period_id: i64,
    ) -> Result<HashMap<i64, RectificationShown>, AppError> {
        if !may_view_any(actor) {
            return Ok(HashMap::new());
        }
        let snapshot = self.snapshot(period_id, |_| true, NOT_YOURS).await?;
        let today = self.today();
        Ok(self
            .store
            .rectifications(period_id)
            .await?
            .iter()
            .filter(|r| may_view(actor, &snapshot, r))
            .map(|r| (r.entry_id, shown(r, today)))
            .collect())
    }

    /// Every overdue rectification of a period as of today (see the module docs), in the order they were
    /// required. No actor: the caller (early warnings) decides who sees what it makes of them.
    ///
    /// # Errors
    /// 404 for an unknown period.
    pub async fn overdue_rectifications(&self, period_id: i64) -> Result<Vec<Overdue>, AppError> {
        self.store.period_head(period_id).await?;
        let today = self.today();
        Ok(self
            .store
            .rectifications(period_id)
            .await?
            .into_iter()
            .filter(|r| is_overdue(r, today))
            .map(|r| Overdue {
                rectification_id: r.id,
                unit_code: r.unit_code,
                entry_id: r.entry_id,
                code: r.code,
                due: r.due,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaoping_store::RectificationStep;

    fn day(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn rect(due: &str, steps: &[(StepKind, &str)]) -> Rectification {
        Rectification {
            id: 1,
            period_id: 1,
            entry_id: 1,
            unit_code: "D01".into(),
            code: "1.4.2".into(),
            requirement: "整改".into(),
            due: day(due),
            created_by: 1,
            created_at: 0,
            superseded: false,
            steps: steps
                .iter()
                .enumerate()
                .map(|(i, (kind, at))| RectificationStep {
                    id: i as i64 + 1,
                    rectification_id: 1,
                    kind: *kind,
                    text: "x".into(),
                    evidence_id: None,
                    actor: 1,
                    day: day(at),
                    at: 0,
                })
                .collect(),
        }
    }

    #[test]
    fn overdue_only_after_the_due_day_without_a_timely_report() {
        use StepKind::*;
        let none = rect("2024-07-31", &[]);
        assert!(!is_overdue(&none, day("2024-07-31")), "the due day itself");
        assert!(is_overdue(&none, day("2024-08-01")));
        let in_time = rect("2024-07-31", &[(Report, "2024-07-31")]);
        assert!(
            !is_overdue(&in_time, day("2024-09-01")),
            "awaits, filed in time"
        );
        let late = rect("2024-07-31", &[(Report, "2024-08-01")]);
        assert!(
            is_overdue(&late, day("2024-08-02")),
            "filed after the due day"
        );
        let returned = rect(
            "2024-07-31",
            &[(Report, "2024-07-20"), (Return, "2024-07-25")],
        );
        assert!(!is_overdue(&returned, day("2024-07-31")));
        assert!(is_overdue(&returned, day("2024-08-01")));
        let accepted = rect(
            "2024-07-31",
            &[(Report, "2024-08-05"), (Accept, "2024-08-06")],
        );
        assert!(!is_overdue(&accepted, day("2024-12-31")));
        assert_eq!(accepted.state(), RectificationState::Accepted);
        let withdrawn = Rectification {
            superseded: true,
            ..rect("2024-07-31", &[])
        };
        assert!(
            !is_overdue(&withdrawn, day("2024-08-01")),
            "the deduction no longer counts"
        );
    }

    #[test]
    fn the_due_day_is_required_a_date_and_not_past() {
        let today = day("2024-07-21");
        assert_eq!(due_day(" 2024-07-21 ", today).unwrap(), today);
        for (bad, says) in [
            ("", "整改期限：必须填写"),
            ("2024-7", "不是日期"),
            ("2024-07-20", "不能早于今天（2024-07-21）"),
        ] {
            let e = due_day(bad, today).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
