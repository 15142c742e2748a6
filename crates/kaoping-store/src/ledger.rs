//! The findings ledger (考核发现台账): append-only. A correction, withdrawal or appeal decision is a new entry
//! that names the entry it replaces and says why; nothing is ever updated or deleted, so the history of
//! every point is always there to read. Scores are derived from the active entries by the core scorer.
//!
//! Two corrections of one entry cannot both land: `replaces` is UNIQUE, so on either backend the second one
//! fails with [`StoreError::Conflict`] even when both passed the "still active" check at the same moment.

use std::str::FromStr;

use kaoping_core::date::Date;
use kaoping_core::finding::FindingInput;
use kaoping_core::Decimal;
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

use crate::periods::PeriodStatus;
use crate::{col, now_ms, Store, StoreError};

/// Who recorded a finding: a department's assessor, or the unit itself in its self-assessment (自查). The two
/// are separate ledgers within a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    Assessor,
    SelfCheck,
}

impl Source {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Assessor => "assessor",
            Source::SelfCheck => "self_check",
        }
    }

    /// Parses the stored text.
    pub fn parse(text: &str) -> Option<Source> {
        Some(match text {
            "assessor" => Source::Assessor,
            "self_check" => Source::SelfCheck,
            _ => return None,
        })
    }
}

/// What an entry does to the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// A new finding.
    Record,
    /// Replaces an active entry with corrected content (needs a reason).
    Correct,
    /// Removes an active entry (needs a reason); the withdrawal itself is never active.
    Withdraw,
    /// The outcome of an accepted appeal, replacing the appealed entry; the only change a published period
    /// takes, and only through [`Store::decide_appeal`].
    AppealDecision,
}

impl EntryKind {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Record => "record",
            EntryKind::Correct => "correct",
            EntryKind::Withdraw => "withdraw",
            EntryKind::AppealDecision => "appeal_decision",
        }
    }

    /// Parses the stored text.
    pub fn parse(text: &str) -> Option<EntryKind> {
        Some(match text {
            "record" => EntryKind::Record,
            "correct" => EntryKind::Correct,
            "withdraw" => EntryKind::Withdraw,
            "appeal_decision" => EntryKind::AppealDecision,
            _ => return None,
        })
    }
}

/// An entry to append. The finding fields mirror the findings CSV (docs/findings-csv.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub period_id: i64,
    /// The unit's or group's code. A withdrawal may leave it (and `code`, `round`) empty: the replaced
    /// entry's are copied, so the history reads on its own.
    pub unit_code: String,
    /// Rule, item, bonus or veto code.
    pub code: String,
    pub round: String,
    pub count: Option<i64>,
    pub level: Option<String>,
    /// Exact decimal text (`4.5`); stored normalized (`4.50` → `4.5`), never as a float.
    pub points: Option<String>,
    pub note: String,
    pub matter: Option<String>,
    /// The day it was done (deadline rules), `2023-07-08`; stored normalized.
    pub date: Option<String>,
    pub due: Option<String>,
    pub source: Source,
    /// The department that recorded it (assessor entries).
    pub department_id: Option<i64>,
    pub recorded_by: i64,
    pub evidence_id: Option<i64>,
    pub kind: EntryKind,
    /// The entry this one replaces (Correct, Withdraw, AppealDecision); none for Record.
    pub replaces: Option<i64>,
    /// Why it was corrected or withdrawn (required for those), or the appeal decision's reason.
    pub reason: String,
}

impl NewEntry {
    /// An assessor's new record of a finding as a file or form gives it (the inverse of
    /// [`Entry::finding_input`]); department, evidence and the like are the caller's to add.
    pub fn record(period_id: i64, input: &FindingInput<'_>, recorded_by: i64) -> NewEntry {
        NewEntry {
            period_id,
            unit_code: input.unit.to_string(),
            code: input.code.to_string(),
            round: input.round.to_string(),
            count: input.count,
            level: input.level.map(String::from),
            points: input.value.map(|v| v.normalize().to_string()),
            note: input.note.to_string(),
            matter: input.matter.map(String::from),
            date: input.done.map(|d| d.to_string()),
            due: input.due.map(|d| d.to_string()),
            source: Source::Assessor,
            department_id: None,
            recorded_by,
            evidence_id: None,
            kind: EntryKind::Record,
            replaces: None,
            reason: String::new(),
        }
    }
}

/// A stored entry: what was appended, plus its id and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    pub period_id: i64,
    pub unit_code: String,
    pub code: String,
    pub round: String,
    pub count: Option<i64>,
    pub level: Option<String>,
    pub points: Option<String>,
    pub note: String,
    pub matter: Option<String>,
    pub date: Option<String>,
    pub due: Option<String>,
    pub source: Source,
    pub department_id: Option<i64>,
    pub recorded_by: i64,
    pub evidence_id: Option<i64>,
    pub kind: EntryKind,
    pub replaces: Option<i64>,
    pub reason: String,
    pub recorded_at: i64,
}

impl Entry {
    /// The entry as the core's resolver takes it (use `entry.id` as the finding's origin, so traces cite
    /// the ledger entry). Points and dates were checked when the entry was appended, so they always parse
    /// for entries read from the store; see [`Entry::try_finding_input`] for entries built by hand.
    pub fn finding_input(&self) -> FindingInput<'_> {
        FindingInput {
            unit: &self.unit_code,
            code: &self.code,
            round: &self.round,
            count: self.count,
            level: self.level.as_deref(),
            value: self
                .points
                .as_deref()
                .and_then(|p| Decimal::from_str(p).ok()),
            note: &self.note,
            matter: self.matter.as_deref(),
            done: self.date.as_deref().and_then(|d| Date::from_str(d).ok()),
            due: self.due.as_deref().and_then(|d| Date::from_str(d).ok()),
        }
    }

    /// Like [`Entry::finding_input`], but says which field does not parse instead of leaving it out.
    pub fn try_finding_input(&self) -> Result<FindingInput<'_>, StoreError> {
        let mut input = self.finding_input();
        input.value = self.points.as_deref().map(parse_points).transpose()?;
        input.done = self.date.as_deref().map(parse_date).transpose()?;
        input.due = self.due.as_deref().map(parse_date).transpose()?;
        Ok(input)
    }
}

fn parse_points(text: &str) -> Result<Decimal, StoreError> {
    Decimal::from_str(text.trim())
        .map_err(|_| StoreError::Invalid(format!("分值“{text}”不是有效的数")))
}

fn parse_date(text: &str) -> Result<Date, StoreError> {
    Date::from_str(text).map_err(|e| StoreError::Invalid(e.to_string()))
}

/// Empty optional text means "not given".
fn given(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

const ENTRY_COLUMNS: &str = "id, period_id, unit_code, code, round, count, level, points, note, matter, \
     date, due, source, department_id, recorded_by, evidence_id, kind, replaces, reason, recorded_at";

fn entry_from_row(row: &AnyRow) -> Result<Entry, StoreError> {
    let source: String = col(row, "source")?;
    let kind: String = col(row, "kind")?;
    Ok(Entry {
        id: col(row, "id")?,
        period_id: col(row, "period_id")?,
        unit_code: col(row, "unit_code")?,
        code: col(row, "code")?,
        round: col(row, "round")?,
        count: col(row, "count")?,
        level: col(row, "level")?,
        points: col(row, "points")?,
        note: col(row, "note")?,
        matter: col(row, "matter")?,
        date: col(row, "date")?,
        due: col(row, "due")?,
        source: Source::parse(&source)
            .ok_or_else(|| StoreError::Invalid(format!("未知来源“{source}”")))?,
        department_id: col(row, "department_id")?,
        recorded_by: col(row, "recorded_by")?,
        evidence_id: col(row, "evidence_id")?,
        kind: EntryKind::parse(&kind)
            .ok_or_else(|| StoreError::Invalid(format!("未知记录类型“{kind}”")))?,
        replaces: col(row, "replaces")?,
        reason: col(row, "reason")?,
        recorded_at: col(row, "recorded_at")?,
    })
}

/// Why an append may bypass the period lock: only an appeal decision may change a published period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// An ordinary append from [`Store::append_entry`].
    Direct,
    /// The correction (or withdrawal) of an accepted appeal, from [`Store::decide_appeal`].
    Appeal,
}

pub(crate) const REPLACED: &str = "该记录已被更正或撤回";
pub(crate) const LOCKED: &str = "考评期已发布锁定";

impl Store {
    /// Appends an entry to the ledger, checking in one transaction that the period is open (or the entry is
    /// an appeal decision), and that a replacement names an entry of the same period and source that is
    /// still active. A stale replacement is a [`StoreError::Conflict`] ("该记录已被更正或撤回"), a locked
    /// period too ("考评期已发布锁定").
    ///
    /// Appeal decisions are not accepted here: they are appended by [`Store::decide_appeal`], together with
    /// the decision, so that every change to a published period is tied to an appeal.
    pub async fn append_entry(&self, e: &NewEntry) -> Result<Entry, StoreError> {
        if e.kind == EntryKind::AppealDecision {
            return Err(StoreError::Invalid(
                "申诉处理结果只能在处理申诉时记入".into(),
            ));
        }
        let mut tx = self.begin().await?;
        let entry = self.append_in(&mut tx, e, Via::Direct).await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// Appends several entries in one transaction: all of them or none (a bulk import, a grid of cells).
    /// Each is checked as [`Store::append_entry`] checks one.
    ///
    /// # Errors
    /// The first entry refused, with its position (0-based) in `entries`; nothing is appended then.
    pub async fn append_entries(
        &self,
        entries: &[NewEntry],
    ) -> Result<Vec<Entry>, (usize, StoreError)> {
        let mut tx = self.begin().await.map_err(|e| (0, e))?;
        let mut saved = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            if e.kind == EntryKind::AppealDecision {
                return Err((
                    i,
                    StoreError::Invalid("申诉处理结果只能在处理申诉时记入".into()),
                ));
            }
            saved.push(
                self.append_in(&mut tx, e, Via::Direct)
                    .await
                    .map_err(|err| (i, err))?,
            );
        }
        tx.commit().await.map_err(|e| (entries.len(), e.into()))?;
        Ok(saved)
    }

    /// The append itself, inside the caller's transaction.
    pub(crate) async fn append_in(
        &self,
        tx: &mut Transaction<'static, Any>,
        e: &NewEntry,
        via: Via,
    ) -> Result<Entry, StoreError> {
        let allowed = match via {
            Via::Direct => e.kind != EntryKind::AppealDecision,
            Via::Appeal => matches!(e.kind, EntryKind::AppealDecision | EntryKind::Withdraw),
        };
        if !allowed {
            return Err(StoreError::Invalid(format!(
                "不能以此方式记入“{}”记录",
                e.kind.as_str()
            )));
        }
        match (e.kind, e.replaces) {
            (EntryKind::Record, Some(_)) => {
                return Err(StoreError::Invalid("新记录不能指定被更正的记录".into()))
            }
            (EntryKind::Record, None) => {}
            (_, None) => {
                return Err(StoreError::Invalid(
                    "更正、撤回或申诉处理必须指明所替代的记录".into(),
                ))
            }
            (_, Some(_)) => {}
        }
        if matches!(e.kind, EntryKind::Correct | EntryKind::Withdraw) && e.reason.trim().is_empty()
        {
            return Err(StoreError::Invalid("更正或撤回必须写明理由".into()));
        }
        let points = given(&e.points)
            .map(|p| parse_points(p).map(|d| d.normalize().to_string()))
            .transpose()?;
        let date = given(&e.date)
            .map(|d| parse_date(d).map(|d| d.to_string()))
            .transpose()?;
        let due = given(&e.due)
            .map(|d| parse_date(d).map(|d| d.to_string()))
            .transpose()?;

        // The period row is share-locked on PostgreSQL, so publishing waits for this append (and an append
        // after publishing sees the new status).
        let status: Option<String> = sqlx::query_scalar(&format!(
            "SELECT status FROM periods WHERE id = $1{}",
            self.for_share()
        ))
        .bind(e.period_id)
        .fetch_optional(&mut **tx)
        .await?;
        let status = status
            .as_deref()
            .and_then(PeriodStatus::parse)
            .ok_or_else(|| StoreError::not_found("考评期", e.period_id))?;
        if status == PeriodStatus::Published && via == Via::Direct {
            return Err(StoreError::Conflict(LOCKED.into()));
        }

        let (mut unit_code, mut code, mut round) =
            (e.unit_code.trim(), e.code.trim(), e.round.trim());
        let replaced;
        if let Some(old) = e.replaces {
            replaced = self.active_entry_in(tx, old).await?;
            if replaced.period_id != e.period_id || replaced.source != e.source {
                return Err(StoreError::Invalid(format!(
                    "记录{old}不属于本考评期的同一台账"
                )));
            }
            if e.kind == EntryKind::Withdraw && unit_code.is_empty() && code.is_empty() {
                unit_code = &replaced.unit_code;
                code = &replaced.code;
                round = &replaced.round;
            }
        }
        if unit_code.is_empty() {
            return Err(StoreError::Invalid("没有填写单位".into()));
        }
        if code.is_empty() {
            return Err(StoreError::Invalid("没有填写编号".into()));
        }

        let row = sqlx::query(&format!(
            "INSERT INTO entries (period_id, unit_code, code, round, count, level, points, note, matter, \
             date, due, source, department_id, recorded_by, evidence_id, kind, replaces, reason, \
             recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
             RETURNING {ENTRY_COLUMNS}"
        ))
        .bind(e.period_id)
        .bind(unit_code)
        .bind(code)
        .bind(round)
        .bind(e.count)
        .bind(given(&e.level))
        .bind(points)
        .bind(&e.note)
        .bind(given(&e.matter))
        .bind(date)
        .bind(due)
        .bind(e.source.as_str())
        .bind(e.department_id)
        .bind(e.recorded_by)
        .bind(e.evidence_id)
        .bind(e.kind.as_str())
        .bind(e.replaces)
        .bind(&e.reason)
        .bind(now_ms())
        .fetch_one(&mut **tx)
        .await
        .map_err(|err| match StoreError::from(err) {
            StoreError::Conflict(_) => StoreError::Conflict(REPLACED.into()),
            other => other,
        })?;
        entry_from_row(&row)
    }

    /// The entry `id`, which must still be active (not replaced, not a withdrawal).
    pub(crate) async fn active_entry_in(
        &self,
        tx: &mut Transaction<'static, Any>,
        id: i64,
    ) -> Result<Entry, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS}, \
             (SELECT COUNT(*) FROM entries r WHERE r.replaces = entries.id) AS replaced_by \
             FROM entries WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found("记录", id))?;
        let entry = entry_from_row(&row)?;
        let replaced_by: i64 = col(&row, "replaced_by")?;
        if replaced_by > 0 || entry.kind == EntryKind::Withdraw {
            return Err(StoreError::Conflict(REPLACED.into()));
        }
        Ok(entry)
    }

    /// The whole history of a period, both sources, in the order it was written.
    pub async fn entries(&self, period_id: i64) -> Result<Vec<Entry>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM entries WHERE period_id = $1 ORDER BY id"
        ))
        .bind(period_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// What counts now for one source: records, corrections and appeal decisions that no later entry
    /// replaces. This is what the server feeds to the scorer.
    pub async fn active_entries(
        &self,
        period_id: i64,
        source: Source,
    ) -> Result<Vec<Entry>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM entries e WHERE e.period_id = $1 AND e.source = $2 \
             AND e.kind <> $3 \
             AND NOT EXISTS (SELECT 1 FROM entries r WHERE r.replaces = e.id) ORDER BY e.id"
        ))
        .bind(period_id)
        .bind(source.as_str())
        .bind(EntryKind::Withdraw.as_str())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// One entry by id, active or not.
    pub async fn entry(&self, id: i64) -> Result<Entry, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM entries WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::not_found("记录", id))?;
        entry_from_row(&row)
    }
}
