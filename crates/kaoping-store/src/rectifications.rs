//! 整改 (rectification): a deduction (an active assessor ledger entry) may require rectification by a
//! date; the unit reports, with evidence, and the owning department accepts the report or returns it.
//! A requirement and its steps are appended, never changed (migration 0011); the state is read from the
//! last step. Every write goes through [`crate::PeriodTx`], under the period's lock, and is linked into
//! the period's hash chain there.

use std::collections::HashMap;

use kaoping_core::date::Date;
use sqlx::any::AnyRow;
use sqlx::AnyConnection;

use crate::ledger::{self, Source};
use crate::{col, now_ms, Store, StoreError};

/// The longest requirement, report or reason the store keeps (the application's bounds are tighter).
const TEXT_CHARS: usize = 10_000;

/// What a step of a rectification does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepKind {
    /// The unit's rectification report (整改报告).
    Report,
    /// The owning department accepts the report (验收通过): the rectification is done.
    Accept,
    /// The owning department returns the report with a reason (退回): the unit reports again.
    Return,
}

impl StepKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Report => "report",
            StepKind::Accept => "accept",
            StepKind::Return => "return",
        }
    }

    /// The kind a stored name names.
    pub fn parse(s: &str) -> Option<StepKind> {
        match s {
            "report" => Some(StepKind::Report),
            "accept" => Some(StepKind::Accept),
            "return" => Some(StepKind::Return),
            _ => None,
        }
    }

    /// The Chinese name shown to users.
    pub fn name(self) -> &'static str {
        match self {
            StepKind::Report => "整改报告",
            StepKind::Accept => "验收通过",
            StepKind::Return => "退回",
        }
    }
}

/// Where a rectification stands, read from its last step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RectificationState {
    /// 待整改: no report yet.
    Pending,
    /// 已退回: the last report was returned; the unit reports again.
    Returned,
    /// 待验收: a report awaits the owning department's decision.
    Awaiting,
    /// 已通过: accepted; nothing follows.
    Accepted,
}

impl RectificationState {
    /// The state after `steps`, in order.
    pub fn of(steps: &[RectificationStep]) -> RectificationState {
        match steps.last().map(|s| s.kind) {
            None => RectificationState::Pending,
            Some(StepKind::Return) => RectificationState::Returned,
            Some(StepKind::Report) => RectificationState::Awaiting,
            Some(StepKind::Accept) => RectificationState::Accepted,
        }
    }

    /// The Chinese name shown to users.
    pub fn name(self) -> &'static str {
        match self {
            RectificationState::Pending => "待整改",
            RectificationState::Returned => "已退回",
            RectificationState::Awaiting => "待验收",
            RectificationState::Accepted => "已通过",
        }
    }

    /// The name in the API and in filters.
    pub fn key(self) -> &'static str {
        match self {
            RectificationState::Pending => "pending",
            RectificationState::Returned => "returned",
            RectificationState::Awaiting => "awaiting",
            RectificationState::Accepted => "accepted",
        }
    }

    /// Every state, in the order a filter lists them.
    pub const ALL: [RectificationState; 4] = [
        RectificationState::Pending,
        RectificationState::Returned,
        RectificationState::Awaiting,
        RectificationState::Accepted,
    ];

    /// The state a key names.
    pub fn from_key(key: &str) -> Option<RectificationState> {
        RectificationState::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// One step of a rectification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RectificationStep {
    pub id: i64,
    pub rectification_id: i64,
    pub kind: StepKind,
    /// The report, or the decision's reason.
    pub text: String,
    pub evidence_id: Option<i64>,
    pub actor: i64,
    /// The day of the step by the application's clock (China time): what overdue is judged on.
    pub day: Date,
    /// Unix milliseconds.
    pub at: i64,
}

/// A rectification requirement with its steps, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rectification {
    pub id: i64,
    pub period_id: i64,
    /// The deduction it follows.
    pub entry_id: i64,
    /// The entry's unit (or group) and rule, as recorded.
    pub unit_code: String,
    pub code: String,
    /// What is to be rectified.
    pub requirement: String,
    /// The last day of the rectification.
    pub due: Date,
    pub created_by: i64,
    pub created_at: i64,
    /// The deduction was corrected or withdrawn since (a later entry replaces it): it no longer counts,
    /// and nothing is overdue on it.
    pub superseded: bool,
    pub steps: Vec<RectificationStep>,
}

impl Rectification {
    /// Where it stands now.
    pub fn state(&self) -> RectificationState {
        RectificationState::of(&self.steps)
    }

    /// The report awaiting a decision, if any.
    pub fn awaiting_report(&self) -> Option<&RectificationStep> {
        self.steps.last().filter(|s| s.kind == StepKind::Report)
    }
}

/// A requirement as the application asks for it, checked on construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRectification {
    entry_id: i64,
    requirement: String,
    due: Date,
    created_by: i64,
}

impl NewRectification {
    /// A requirement on entry `entry_id`: the text is trimmed and must not be empty.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for an empty or overlong requirement.
    pub fn new(
        entry_id: i64,
        requirement: &str,
        due: Date,
        created_by: i64,
    ) -> Result<NewRectification, StoreError> {
        let requirement = checked_text("整改要求", requirement, true)?;
        Ok(NewRectification {
            entry_id,
            requirement,
            due,
            created_by,
        })
    }

    pub fn entry_id(&self) -> i64 {
        self.entry_id
    }
}

/// A step as the application asks for it, checked on construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStep {
    kind: StepKind,
    text: String,
    evidence_id: Option<i64>,
    actor: i64,
    day: Date,
}

impl NewStep {
    /// A step of `kind` taken on `day` (the application's today): a report and a return need their
    /// text (an acceptance may leave it empty); only a report cites evidence.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a missing or overlong text, or evidence on a decision.
    pub fn new(
        kind: StepKind,
        text: &str,
        evidence_id: Option<i64>,
        actor: i64,
        day: Date,
    ) -> Result<NewStep, StoreError> {
        let field = match kind {
            StepKind::Report => "整改情况",
            StepKind::Accept | StepKind::Return => "验收意见",
        };
        let text = checked_text(field, text, kind != StepKind::Accept)?;
        if kind != StepKind::Report && evidence_id.is_some() {
            return Err(StoreError::Invalid("只有整改报告可以附证据".into()));
        }
        Ok(NewStep {
            kind,
            text,
            evidence_id,
            actor,
            day,
        })
    }

    pub fn kind(&self) -> StepKind {
        self.kind
    }
}

fn checked_text(field: &str, text: &str, required: bool) -> Result<String, StoreError> {
    let text = text.trim();
    if required && text.is_empty() {
        return Err(StoreError::Invalid(format!("{field}：必须填写")));
    }
    if text.chars().count() > TEXT_CHARS {
        return Err(StoreError::Invalid(format!(
            "{field}：太长，最多{TEXT_CHARS}个字"
        )));
    }
    Ok(text.to_string())
}

const COLUMNS: &str =
    "id, period_id, entry_id, unit_code, code, requirement, due, created_by, created_at, \
     (SELECT COUNT(*) FROM entries x WHERE x.replaces = rectifications.entry_id) AS replaced_by";
const STEP_COLUMNS: &str = "id, rectification_id, kind, text, evidence_id, actor, day, at";

fn from_row(row: &AnyRow) -> Result<Rectification, StoreError> {
    let due: String = col(row, "due")?;
    Ok(Rectification {
        id: col(row, "id")?,
        period_id: col(row, "period_id")?,
        entry_id: col(row, "entry_id")?,
        unit_code: col(row, "unit_code")?,
        code: col(row, "code")?,
        requirement: col(row, "requirement")?,
        due: due
            .parse()
            .map_err(|_| StoreError::Invalid(format!("已存储的整改期限“{due}”无法读取")))?,
        created_by: col(row, "created_by")?,
        created_at: col(row, "created_at")?,
        superseded: col::<i64>(row, "replaced_by")? > 0,
        steps: Vec::new(),
    })
}

fn step_from_row(row: &AnyRow) -> Result<RectificationStep, StoreError> {
    let kind: String = col(row, "kind")?;
    let day: String = col(row, "day")?;
    Ok(RectificationStep {
        id: col(row, "id")?,
        rectification_id: col(row, "rectification_id")?,
        kind: StepKind::parse(&kind)
            .ok_or_else(|| StoreError::Invalid(format!("未知的整改步骤“{kind}”")))?,
        text: col(row, "text")?,
        evidence_id: col(row, "evidence_id")?,
        actor: col(row, "actor")?,
        day: day
            .parse()
            .map_err(|_| StoreError::Invalid(format!("已存储的整改日期“{day}”无法读取")))?,
        at: col(row, "at")?,
    })
}

/// One rectification with its steps, on the caller's connection.
pub(crate) async fn rectification_on(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Rectification, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM rectifications WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::not_found("整改", id))?;
    let mut r = from_row(&row)?;
    let steps = sqlx::query(&format!(
        "SELECT {STEP_COLUMNS} FROM rectification_steps WHERE rectification_id = $1 ORDER BY id"
    ))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    r.steps = steps.iter().map(step_from_row).collect::<Result<_, _>>()?;
    Ok(r)
}

/// A period's rectifications with their steps, in the order they were required.
async fn period_rectifications_on(
    conn: &mut AnyConnection,
    period_id: i64,
) -> Result<Vec<Rectification>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM rectifications WHERE period_id = $1 ORDER BY id"
    ))
    .bind(period_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out: Vec<Rectification> = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    let steps = sqlx::query(
        "SELECT s.id, s.rectification_id, s.kind, s.text, s.evidence_id, s.actor, s.day, s.at \
         FROM rectification_steps s JOIN rectifications r ON r.id = s.rectification_id \
         WHERE r.period_id = $1 ORDER BY s.id",
    )
    .bind(period_id)
    .fetch_all(&mut *conn)
    .await?;
    let index: HashMap<i64, usize> = out.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    for row in &steps {
        let step = step_from_row(row)?;
        if let Some(&i) = index.get(&step.rectification_id) {
            out[i].steps.push(step);
        }
    }
    Ok(out)
}

/// Stores a requirement on an active assessor entry of the period; see
/// [`crate::PeriodTx::require_rectification`]. The period's lock is held by the caller.
pub(crate) async fn require_on(
    conn: &mut AnyConnection,
    period_id: i64,
    r: &NewRectification,
) -> Result<i64, StoreError> {
    let entry = ledger::active_entry_on(conn, r.entry_id).await?;
    if entry.period_id != period_id {
        return Err(StoreError::not_found("记录", r.entry_id));
    }
    if entry.source != Source::Assessor {
        return Err(StoreError::Invalid(format!(
            "记录#{}是自查，不是考核扣分，不能要求整改",
            r.entry_id
        )));
    }
    let taken: Option<i64> =
        sqlx::query_scalar("SELECT id FROM rectifications WHERE entry_id = $1")
            .bind(r.entry_id)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(id) = taken {
        return Err(StoreError::Conflict(format!(
            "记录#{}已要求整改（整改#{id}）",
            r.entry_id
        )));
    }
    sqlx::query_scalar(
        "INSERT INTO rectifications \
         (period_id, entry_id, unit_code, code, requirement, due, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(period_id)
    .bind(r.entry_id)
    .bind(&entry.unit_code)
    .bind(&entry.code)
    .bind(&r.requirement)
    .bind(r.due.to_string())
    .bind(r.created_by)
    .bind(now_ms())
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| match StoreError::from(e) {
        StoreError::Conflict(_) => StoreError::Conflict(format!("记录#{}已要求整改", r.entry_id)),
        other => other,
    })
}

/// Appends a step to `r` (read under the caller's lock) when its state allows it: a report while none
/// awaits and none was accepted; a decision only on a report that awaits one.
pub(crate) async fn add_step_on(
    conn: &mut AnyConnection,
    r: &Rectification,
    step: &NewStep,
) -> Result<i64, StoreError> {
    let state = r.state();
    match (step.kind, state) {
        (_, RectificationState::Accepted) => {
            return Err(StoreError::Conflict("该整改已验收通过".into()))
        }
        (StepKind::Report, RectificationState::Awaiting) => {
            return Err(StoreError::Conflict(
                "已有待验收的整改报告，请等待验收".into(),
            ))
        }
        (
            StepKind::Accept | StepKind::Return,
            RectificationState::Pending | RectificationState::Returned,
        ) => return Err(StoreError::Conflict("没有待验收的整改报告".into())),
        _ => {}
    }
    Ok(sqlx::query_scalar(
        "INSERT INTO rectification_steps \
         (rectification_id, kind, text, evidence_id, actor, day, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(r.id)
    .bind(step.kind.as_str())
    .bind(&step.text)
    .bind(step.evidence_id)
    .bind(step.actor)
    .bind(step.day.to_string())
    .bind(now_ms())
    .fetch_one(&mut *conn)
    .await?)
}

impl Store {
    /// A period's rectifications with their steps, in the order they were required.
    pub async fn rectifications(&self, period_id: i64) -> Result<Vec<Rectification>, StoreError> {
        let mut conn = self.connection().await?;
        period_rectifications_on(&mut conn, period_id).await
    }

    /// One rectification with its steps.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when there is none.
    pub async fn rectification(&self, id: i64) -> Result<Rectification, StoreError> {
        let mut conn = self.connection().await?;
        rectification_on(&mut conn, id).await
    }
}
