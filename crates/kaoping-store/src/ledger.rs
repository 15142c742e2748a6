//! The findings ledger (考核发现台账): append-only. A correction, withdrawal or appeal decision is a new entry
//! that names the entry it replaces and says why; nothing is ever updated or deleted, so the history of
//! every point is always there to read. Scores are derived from the active entries by the core scorer.
//!
//! Every append runs inside a [`crate::PeriodTx`], under the period's lock, so within a period entry ids
//! grow in commit order: a reader that has seen entry `n` has seen every entry of the period before it.
//! Two corrections of one entry cannot both land: `replaces` is UNIQUE as well.

use std::str::FromStr;

use kaoping_core::date::Date;
use kaoping_core::finding::FindingInput;
use kaoping_core::Decimal;
use sqlx::any::AnyRow;
use sqlx::AnyConnection;

use crate::chain::canonical;
use crate::conditions::Conditions;
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
    /// takes, and only through [`crate::PeriodTx::decide_appeal`].
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

/// An entry to append. The finding fields mirror the findings CSV (docs/findings-csv.md), already typed:
/// points are exact decimals and dates are dates, parsed once at the edge.
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
    /// Stored normalized (`4.50` → `4.5`), never as a float.
    pub points: Option<Decimal>,
    pub note: String,
    pub matter: Option<String>,
    /// The day it was done (deadline rules).
    pub date: Option<Date>,
    pub due: Option<Date>,
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
            unit_code: input.unit.trim().to_string(),
            code: input.code.trim().to_string(),
            round: input.round.trim().to_string(),
            count: input.count,
            level: input.level.map(|l| l.trim().to_string()),
            points: input.value,
            note: input.note.trim().to_string(),
            matter: input.matter.map(|m| m.trim().to_string()),
            date: input.done,
            due: input.due,
            source: Source::Assessor,
            department_id: None,
            recorded_by,
            evidence_id: None,
            kind: EntryKind::Record,
            replaces: None,
            reason: String::new(),
        }
    }

    /// The finding this entry records, as the core's resolver takes it.
    pub fn finding_input(&self) -> FindingInput<'_> {
        FindingInput {
            unit: &self.unit_code,
            code: &self.code,
            round: &self.round,
            count: self.count,
            level: self.level.as_deref(),
            value: self.points,
            note: &self.note,
            matter: self.matter.as_deref(),
            done: self.date,
            due: self.due,
        }
    }

    /// The one way to withdraw `old`: an entry that names it, copies what it was about (so the history
    /// reads on its own) and gives the reason.
    pub fn withdrawal(
        old: &Entry,
        department_id: Option<i64>,
        recorded_by: i64,
        reason: &str,
    ) -> NewEntry {
        NewEntry {
            count: None,
            level: None,
            points: None,
            note: String::new(),
            matter: None,
            date: None,
            due: None,
            evidence_id: None,
            department_id,
            recorded_by,
            kind: EntryKind::Withdraw,
            replaces: Some(old.id),
            reason: reason.trim().to_string(),
            ..NewEntry::replacing(old)
        }
    }

    /// A new entry carrying `old`'s finding and naming it as the entry it replaces, for the caller to
    /// change (a correction's new count, an appeal's decision). Kind, author and reason are the caller's.
    pub fn replacing(old: &Entry) -> NewEntry {
        NewEntry {
            period_id: old.period_id,
            unit_code: old.unit_code.clone(),
            code: old.code.clone(),
            round: old.round.clone(),
            count: old.count,
            level: old.level.clone(),
            points: old.points,
            note: old.note.clone(),
            matter: old.matter.clone(),
            date: old.date,
            due: old.due,
            source: old.source,
            department_id: old.department_id,
            recorded_by: old.recorded_by,
            evidence_id: old.evidence_id,
            kind: EntryKind::Correct,
            replaces: Some(old.id),
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
    pub points: Option<Decimal>,
    pub note: String,
    pub matter: Option<String>,
    pub date: Option<Date>,
    pub due: Option<Date>,
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
    /// the ledger entry).
    pub fn finding_input(&self) -> FindingInput<'_> {
        FindingInput {
            unit: &self.unit_code,
            code: &self.code,
            round: &self.round,
            count: self.count,
            level: self.level.as_deref(),
            value: self.points,
            note: &self.note,
            matter: self.matter.as_deref(),
            done: self.date,
            due: self.due,
        }
    }

    /// Whether this entry counts now, given whether a later entry replaces it: withdrawals never do.
    pub fn counts(&self, replaced: bool) -> bool {
        !replaced && self.kind != EntryKind::Withdraw
    }
}

/// One page of a period's history, oldest first, each entry with whether it still counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerPage {
    pub entries: Vec<(Entry, bool)>,
    /// Entries in the whole history of the period.
    pub total: i64,
}

/// Which entries of a period's history a page shows: those every given condition keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerFilter {
    /// Entries naming one of these units or groups (all when empty).
    pub units: Vec<String>,
    /// Entries with exactly this rule, item, bonus or veto code.
    pub code: Option<String>,
    /// Entries with one of these codes (an owning department's, an item's rules); `Some` of none keeps
    /// nothing.
    pub codes: Option<Vec<String>>,
    /// Entries recorded by this user.
    pub recorded_by: Option<i64>,
    /// Entries recorded at or after this time (unix milliseconds).
    pub from_ms: Option<i64>,
    /// Entries recorded before this time (unix milliseconds).
    pub until_ms: Option<i64>,
    /// Entries whose note or reason contains this text (`%` and `_` are themselves; case ignored where
    /// the backend can).
    pub text: Option<String>,
}

impl LedgerFilter {
    fn conditions(&self, backend: crate::Backend, period_id: i64) -> Conditions {
        let mut c = Conditions::new(backend);
        c.int_eq("period_id", period_id);
        if !self.units.is_empty() {
            c.text_in("unit_code", &self.units);
        }
        if let Some(code) = given(&self.code) {
            c.text_eq("code", code);
        }
        if let Some(codes) = &self.codes {
            c.text_in("code", codes);
        }
        if let Some(user) = self.recorded_by {
            c.int_eq("recorded_by", user);
        }
        if let Some(from) = self.from_ms {
            c.at_least("recorded_at", from);
        }
        if let Some(until) = self.until_ms {
            c.below("recorded_at", until);
        }
        if let Some(text) = given(&self.text) {
            c.contains(&["note", "reason"], text);
        }
        c
    }
}

/// Empty optional text means "not given".
fn given(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

const ENTRY_COLUMNS: &str = "id, period_id, unit_code, code, round, count, level, points, note, matter, \
     date, due, source, department_id, recorded_by, evidence_id, kind, replaces, reason, recorded_at";

/// Whether a later entry replaces `entries.id`, as a column (an integer on both backends).
const REPLACED_BY: &str =
    "(SELECT COUNT(*) FROM entries r WHERE r.replaces = entries.id) AS replaced_by";

fn stored<T: FromStr>(row: &AnyRow, name: &str, what: &str) -> Result<Option<T>, StoreError> {
    let text: Option<String> = col(row, name)?;
    text.map(|t| {
        t.parse()
            .map_err(|_| StoreError::Invalid(format!("已存储的{what}“{t}”无法读取")))
    })
    .transpose()
}

pub(crate) fn entry_from_row(row: &AnyRow) -> Result<Entry, StoreError> {
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
        points: stored(row, "points", "分值")?,
        note: col(row, "note")?,
        matter: col(row, "matter")?,
        date: stored(row, "date", "日期")?,
        due: stored(row, "due", "日期")?,
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

fn entry_with_state(row: &AnyRow) -> Result<(Entry, bool), StoreError> {
    let entry = entry_from_row(row)?;
    let replaced_by: i64 = col(row, "replaced_by")?;
    let counts = entry.counts(replaced_by > 0);
    Ok((entry, counts))
}

/// Why an append may bypass the period lock: only an appeal decision may change a published period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// An ordinary append.
    Direct,
    /// The correction (or withdrawal) of an accepted appeal, from [`crate::PeriodTx::decide_appeal`].
    Appeal,
}

pub(crate) const REPLACED: &str = "该记录已被更正或撤回";
pub(crate) const LOCKED: &str = "考评期已发布锁定";

/// Appends an entry on the connection of a [`crate::PeriodTx`] (which holds the period's lock and knows
/// its status), checking what the ledger itself guarantees: a published period takes only appeal
/// decisions, a replacement names an active entry of the same period and source, corrections and
/// withdrawals give a reason.
pub(crate) async fn append_on(
    conn: &mut AnyConnection,
    status: PeriodStatus,
    e: &NewEntry,
    via: Via,
) -> Result<Entry, StoreError> {
    Ok(append_linkable_on(conn, status, e, via).await?.0)
}

/// [`append_on`], also returning the entry's canonical content for its hash-chain link, read from the
/// row the insert returned (a bulk import links every entry without reading it again).
pub(crate) async fn append_linkable_on(
    conn: &mut AnyConnection,
    status: PeriodStatus,
    e: &NewEntry,
    via: Via,
) -> Result<(Entry, String), StoreError> {
    let allowed = match via {
        Via::Direct => e.kind != EntryKind::AppealDecision,
        Via::Appeal => matches!(e.kind, EntryKind::AppealDecision | EntryKind::Withdraw),
    };
    if !allowed {
        return Err(StoreError::Invalid(match e.kind {
            EntryKind::AppealDecision => "申诉处理结果只能在处理申诉时记入".into(),
            other => format!("不能以此方式记入“{}”记录", other.as_str()),
        }));
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
    if matches!(e.kind, EntryKind::Correct | EntryKind::Withdraw) && e.reason.trim().is_empty() {
        return Err(StoreError::Invalid("更正或撤回必须写明理由".into()));
    }
    if status == PeriodStatus::Published && via == Via::Direct {
        return Err(StoreError::Conflict(LOCKED.into()));
    }

    let (mut unit_code, mut code, mut round) = (e.unit_code.trim(), e.code.trim(), e.round.trim());
    let replaced;
    if let Some(old) = e.replaces {
        replaced = active_entry_on(conn, old).await?;
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
    .bind(e.points.map(|p| p.normalize().to_string()))
    .bind(&e.note)
    .bind(given(&e.matter))
    .bind(e.date.map(|d| d.to_string()))
    .bind(e.due.map(|d| d.to_string()))
    .bind(e.source.as_str())
    .bind(e.department_id)
    .bind(e.recorded_by)
    .bind(e.evidence_id)
    .bind(e.kind.as_str())
    .bind(e.replaces)
    .bind(&e.reason)
    .bind(now_ms())
    .fetch_one(&mut *conn)
    .await
    .map_err(|err| match StoreError::from(err) {
        StoreError::Conflict(_) => StoreError::Conflict(REPLACED.into()),
        other => other,
    })?;
    Ok((
        entry_from_row(&row)?,
        canonical::ENTRY.content_of_row(&row)?,
    ))
}

/// The entry `id`, which must still be active (not replaced, not a withdrawal).
pub(crate) async fn active_entry_on(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Entry, StoreError> {
    let (entry, counts) = entry_state_on(conn, id).await?;
    if !counts {
        return Err(StoreError::Conflict(REPLACED.into()));
    }
    Ok(entry)
}

/// The entry `id`, active or not, and whether it counts now.
pub(crate) async fn entry_state_on(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<(Entry, bool), StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {ENTRY_COLUMNS}, {REPLACED_BY} FROM entries WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::not_found("记录", id))?;
    entry_with_state(&row)
}

/// Every entry of a period after entry `after`, both sources, in the order they were written.
pub(crate) async fn entries_since_on(
    conn: &mut AnyConnection,
    period_id: i64,
    after: i64,
) -> Result<Vec<Entry>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {ENTRY_COLUMNS} FROM entries WHERE period_id = $1 AND id > $2 ORDER BY id"
    ))
    .bind(period_id)
    .bind(after)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(entry_from_row).collect()
}

/// What counts now in a period, both sources: records, corrections and appeal decisions that no later
/// entry replaces, in the order they were written.
pub(crate) async fn active_entries_on(
    conn: &mut AnyConnection,
    period_id: i64,
) -> Result<Vec<Entry>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {ENTRY_COLUMNS} FROM entries e WHERE e.period_id = $1 AND e.kind <> $2 \
         AND NOT EXISTS (SELECT 1 FROM entries r WHERE r.replaces = e.id) ORDER BY e.id"
    ))
    .bind(period_id)
    .bind(EntryKind::Withdraw.as_str())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(entry_from_row).collect()
}

/// The last entry id of a period (0 when it has none): with the period's revision, the head that tells a
/// process whether what it keeps of the period is current.
pub(crate) async fn last_entry_on(
    conn: &mut AnyConnection,
    period_id: i64,
) -> Result<i64, StoreError> {
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM entries WHERE period_id = $1")
        .bind(period_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(last.unwrap_or(0))
}

impl Store {
    /// Appends an entry to the ledger in a transaction of its own, under the period's lock; see
    /// [`crate::PeriodTx::append`] for what is checked.
    pub async fn append_entry(&self, e: &NewEntry) -> Result<Entry, StoreError> {
        let mut tx = self.lock_period(e.period_id).await?;
        let entry = tx.append(e).await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// Appends several entries of one period in one transaction: all of them or none (a bulk import, a
    /// grid of cells). Each is checked as [`Store::append_entry`] checks one.
    ///
    /// # Errors
    /// The first entry refused, with its position (0-based) in `entries`; nothing is appended then.
    pub async fn append_entries(
        &self,
        entries: &[NewEntry],
    ) -> Result<Vec<Entry>, (usize, StoreError)> {
        let Some(first) = entries.first() else {
            return Ok(Vec::new());
        };
        let mut tx = self
            .lock_period(first.period_id)
            .await
            .map_err(|e| (0, e))?;
        let saved = tx.append_all(entries).await?;
        tx.commit().await.map_err(|e| (entries.len(), e))?;
        Ok(saved)
    }

    /// The whole history of a period, both sources, in the order it was written. Only exports read all
    /// of it; pages read [`Store::ledger_page`].
    pub async fn entries(&self, period_id: i64) -> Result<Vec<Entry>, StoreError> {
        let mut conn = self.connection().await?;
        entries_since_on(&mut conn, period_id, 0).await
    }

    /// Entries of a period after entry `after` (0 for the first), both sources, oldest first.
    pub async fn entries_since(
        &self,
        period_id: i64,
        after: i64,
    ) -> Result<Vec<Entry>, StoreError> {
        let mut conn = self.connection().await?;
        entries_since_on(&mut conn, period_id, after).await
    }

    /// What counts now for one source: records, corrections and appeal decisions that no later entry
    /// replaces, oldest first.
    pub async fn active_entries(
        &self,
        period_id: i64,
        source: Source,
    ) -> Result<Vec<Entry>, StoreError> {
        let mut conn = self.connection().await?;
        let mut all = active_entries_on(&mut conn, period_id).await?;
        all.retain(|e| e.source == source);
        Ok(all)
    }

    /// One page of a period's history, oldest first: `limit` entries from position `offset` of those
    /// `filter` keeps, each with whether it still counts, and how many it keeps in all.
    pub async fn ledger_page(
        &self,
        period_id: i64,
        filter: &LedgerFilter,
        offset: i64,
        limit: i64,
    ) -> Result<LedgerPage, StoreError> {
        let mut conn = self.connection().await?;
        let c = filter.conditions(self.backend(), period_id);
        let total: i64 = c
            .bind_scalar(sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM entries{}",
                c.sql()
            )))
            .fetch_one(&mut *conn)
            .await?;
        let page_sql = format!(
            "SELECT {ENTRY_COLUMNS}, {REPLACED_BY} FROM entries{} ORDER BY id LIMIT {} OFFSET {}",
            c.sql(),
            c.next_mark(1),
            c.next_mark(2)
        );
        let rows = c
            .bind(sqlx::query(&page_sql))
            .bind(limit.max(0))
            .bind(offset.max(0))
            .fetch_all(&mut *conn)
            .await?;
        Ok(LedgerPage {
            entries: rows
                .iter()
                .map(entry_with_state)
                .collect::<Result<_, _>>()?,
            total,
        })
    }

    /// Who recorded the entries of a period (user ids, ascending): whom a ledger page can be narrowed to.
    pub async fn ledger_recorders(&self, period_id: i64) -> Result<Vec<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT recorded_by FROM entries WHERE period_id = $1 ORDER BY recorded_by",
        )
        .bind(period_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// Up to `limit` entries of a period after entry `after`, oldest first, each with whether it still
    /// counts: the API's cursor over the history.
    pub async fn ledger_after(
        &self,
        period_id: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(Entry, bool)>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS}, {REPLACED_BY} FROM entries WHERE period_id = $1 AND id > $2 \
             ORDER BY id LIMIT $3"
        ))
        .bind(period_id)
        .bind(after)
        .bind(limit.max(0))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(entry_with_state).collect()
    }

    /// One entry by id, active or not.
    pub async fn entry(&self, id: i64) -> Result<Entry, StoreError> {
        Ok(self.entry_state(id).await?.0)
    }

    /// One entry by id and whether it still counts.
    pub async fn entry_state(&self, id: i64) -> Result<(Entry, bool), StoreError> {
        let mut conn = self.connection().await?;
        entry_state_on(&mut conn, id).await
    }

    /// The units (or groups) named by the entries of a period, or by rectifications whose reports cite
    /// an evidence file: who may see the file is who may see one of their sheets.
    pub async fn evidence_citations(
        &self,
        period_id: i64,
        evidence_id: i64,
    ) -> Result<Vec<String>, StoreError> {
        let mut codes: Vec<String> = sqlx::query_scalar(
            "SELECT unit_code FROM entries WHERE period_id = $1 AND evidence_id = $2 \
             UNION SELECT r.unit_code FROM rectification_steps s \
             JOIN rectifications r ON r.id = s.rectification_id \
             WHERE r.period_id = $1 AND s.evidence_id = $2",
        )
        .bind(period_id)
        .bind(evidence_id)
        .fetch_all(self.pool())
        .await?;
        codes.sort_unstable();
        codes.dedup();
        Ok(codes)
    }
}
