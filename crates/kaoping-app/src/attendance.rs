//! Attendance and exams become findings by themselves (scheme C's 4.1–4.4 and 5.1): the attendance
//! machine's monthly export and the quarterly exam sheet are read (`kaoping_formats::attendance`), kept
//! as imported (`attendance_months`, `exam_scores`), and the ledger brought in line with every month
//! imported so far, all in one transaction under the period's lock, or nothing.
//!
//! The rubric says which rule takes which figure (`measure = "attendance_rate"` …,
//! [`kaoping_core::records::Measure`]). Per person and measure there is one assessor entry written
//! through the normal path: the attendance rate over all imported months (Σ present ÷ Σ due × 100, cut
//! to 4 decimals toward zero, so a rate is never rounded up past the threshold), and the late,
//! early-leave and absence sums (a zero sum is no entry; one written earlier is withdrawn). A figure that
//! changed corrects the previous import's entry (reason `考勤导入更新`); one that did not is left alone.
//! Exams: one entry per person and quarter, the score as its value; a quarter imported again corrects
//! it. The import's own entries are known by their note (`考勤导入：…`, `考试导入：第N季度…`); the rate
//! rule takes one entry per person, so a rate typed by hand is corrected too.

use std::collections::{BTreeMap, BTreeSet};

use kaoping_core::finding::FindingInput;
use kaoping_core::records::Measure;
use kaoping_core::units::Party;
use kaoping_core::Decimal;
use kaoping_formats::attendance::{read_attendance, read_exams, AttendanceError, Month, Persons};
use kaoping_store::{
    AttendanceMonth, Department, Entry, EntryKind, ExamScore, NewEntry, PeriodTx, Source,
};

use crate::actor::Actor;
use crate::audit::AuditAction;
use crate::error::AppError;
use crate::findings::{may_append, may_enter, LOCKED};
use crate::imports::{findings_text, FindingsImportError, RowProblem};
use crate::period::check::Work;
use crate::period::slot_of;
use crate::period::Snapshot;
use crate::App;

/// The reason of a correction or withdrawal an import writes.
pub const ATTENDANCE_REASON: &str = "考勤导入更新";
/// The reason of an exam import's correction.
pub const EXAM_REASON: &str = "考试导入更新";
const ATTENDANCE_NOTE: &str = "考勤导入：";
const EXAM_NOTE: &str = "考试导入：";
/// Decimals an attendance rate keeps (cut toward zero).
pub const RATE_DECIMALS: u32 = 4;

/// What an import changed in the ledger for one measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureTally {
    pub measure: Measure,
    /// The rule that takes it.
    pub code: String,
    pub recorded: usize,
    pub corrected: usize,
    pub withdrawn: usize,
    pub unchanged: usize,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    /// Rows read.
    pub rows: usize,
    /// The months (`2024-03`) or quarters (`第1季度`) the file brought.
    pub periods: Vec<String>,
    /// Those of them that replaced figures imported before.
    pub replaced: Vec<String>,
    pub measures: Vec<MeasureTally>,
}

/// One person's figures over every imported month.
#[derive(Debug, Default)]
struct Totals {
    due: i64,
    present: i64,
    late: i64,
    early: i64,
    absent: i64,
    months: BTreeSet<String>,
}

/// The attendance rate in percent, exactly, cut to [`RATE_DECIMALS`] toward zero; `None` without days due.
pub fn attendance_rate(present: i64, due: i64) -> Option<Decimal> {
    if due <= 0 {
        return None;
    }
    let rate = Decimal::from(present) * Decimal::ONE_HUNDRED / Decimal::from(due);
    Some(rate.trunc_with_scale(RATE_DECIMALS).normalize())
}

/// `1–6月`, `3月`, or `1、3、5月` (months of one year, `2024-01` …); other years spelt out.
fn months_label(months: &BTreeSet<String>) -> String {
    let parsed: Vec<Month> = months.iter().filter_map(|m| Month::parse(m)).collect();
    let one_year = parsed.windows(2).all(|w| w[0].year() == w[1].year());
    if parsed.is_empty() || !one_year || parsed.len() != months.len() {
        return months.iter().cloned().collect::<Vec<_>>().join("、");
    }
    let nums: Vec<u32> = parsed.iter().map(|m| m.month()).collect();
    let contiguous = nums.windows(2).all(|w| w[1] == w[0] + 1);
    match (nums.first(), nums.last()) {
        (Some(a), Some(b)) if a == b => format!("{a}月"),
        (Some(a), Some(b)) if contiguous => format!("{a}–{b}月"),
        _ => format!(
            "{}月",
            nums.iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join("、")
        ),
    }
}

/// A file's problems as the import error says them.
fn rows_error(e: AttendanceError) -> FindingsImportError {
    FindingsImportError::Rows {
        file: e.file,
        problems: e
            .problems
            .into_iter()
            .map(|(line, message)| RowProblem {
                line: (line > 0).then_some(line),
                message,
            })
            .collect(),
        more: 0,
    }
}

/// The figure an entry should carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Figure {
    Value(Decimal),
    Count(i64),
}

/// What brings one person's measure in line.
struct Want {
    person: String,
    code: String,
    /// `None`: no entry should count (a zero count).
    figure: Option<Figure>,
    note: String,
    /// Whether an active entry is this measure's previous one.
    ours: Box<dyn Fn(&Entry) -> bool + Send>,
    reason: &'static str,
}

/// Writes entries in one transaction, each checked against the snapshot and the entries before it.
struct Writer<'s> {
    snapshot: &'s Snapshot,
    work: Work<'s>,
    department_id: Option<i64>,
    actor_id: i64,
    lines: BTreeMap<String, u64>,
    file: String,
    saved: Vec<Entry>,
    /// What this transaction wrote, by person and rule (indices into `saved`), and the entries it
    /// replaced or withdrew: each lookup reads one person's entries, not the whole import's.
    written: BTreeMap<(String, String), Vec<usize>>,
    replaced: BTreeSet<i64>,
}

impl<'s> Writer<'s> {
    /// The active assessor entries of a person on a rule, as of this transaction.
    fn active(&self, person: &str, code: &str) -> Vec<Entry> {
        let units = &*self.snapshot.units;
        let Some(Party::Unit(u)) = units.find(person) else {
            return Vec::new();
        };
        let slot = slot_of(units, Party::Unit(u));
        let mut out: Vec<Entry> = self.snapshot.assessor.parties[slot]
            .iter()
            .filter(|c| c.entry.code == code)
            .map(|c| c.entry.clone())
            .collect();
        // Entries this transaction wrote or replaced.
        out.retain(|e| !self.replaced.contains(&e.id));
        if let Some(written) = self.written.get(&(person.to_string(), code.to_string())) {
            out.extend(
                written
                    .iter()
                    .map(|&i| &self.saved[i])
                    .filter(|e| e.counts(self.replaced.contains(&e.id)))
                    .cloned(),
            );
        }
        out
    }

    fn problem(&self, person: &str, message: String) -> FindingsImportError {
        FindingsImportError::Rows {
            file: self.file.clone(),
            problems: vec![RowProblem {
                line: self.lines.get(person).copied(),
                message: format!("{person}：{message}"),
            }],
            more: 0,
        }
    }

    async fn append(
        &mut self,
        tx: &mut PeriodTx,
        entry: NewEntry,
        replaced: Option<Entry>,
    ) -> Result<(), FindingsImportError> {
        if entry.kind != EntryKind::Withdraw {
            if let Err(e) =
                self.work
                    .check(Source::Assessor, &entry.finding_input(), entry.replaces)
            {
                return Err(self.problem(&entry.unit_code, e.user_message()));
            }
        }
        let saved = tx
            .append(&entry)
            .await
            .map_err(|e| self.problem(&entry.unit_code, AppError::from(e).user_message()))?;
        self.work.apply(&saved, replaced.as_ref());
        if let Some(old) = saved.replaces {
            self.replaced.insert(old);
        }
        self.written
            .entry((saved.unit_code.clone(), saved.code.clone()))
            .or_default()
            .push(self.saved.len());
        self.saved.push(saved);
        Ok(())
    }

    /// Brings one person's measure in line; adds what it did to `tally`.
    async fn align(
        &mut self,
        tx: &mut PeriodTx,
        period_id: i64,
        want: Want,
        tally: &mut MeasureTally,
    ) -> Result<(), FindingsImportError> {
        let mut previous: Vec<Entry> = self
            .active(&want.person, &want.code)
            .into_iter()
            .filter(|e| (want.ours)(e))
            .collect();
        previous.sort_by_key(|e| e.id);
        let same = |e: &Entry, f: Figure| match f {
            Figure::Value(v) => e.points == Some(v) && e.count.is_none(),
            Figure::Count(n) => e.count == Some(n) && e.points.is_none(),
        };
        let mut first = previous.first().cloned();
        // More than one previous entry (typed by hand beside an import): the first is brought in line,
        // the others withdrawn.
        for extra in previous.iter().skip(1) {
            let w = NewEntry::withdrawal(extra, self.department_id, self.actor_id, want.reason);
            self.append(tx, w, Some(extra.clone())).await?;
            tally.withdrawn += 1;
        }
        match (want.figure, first.take()) {
            (None, None) => {}
            (None, Some(old)) => {
                let w = NewEntry::withdrawal(&old, self.department_id, self.actor_id, want.reason);
                self.append(tx, w, Some(old)).await?;
                tally.withdrawn += 1;
            }
            (Some(f), Some(old)) if same(&old, f) => tally.unchanged += 1,
            (Some(f), old) => {
                let (count, value) = match f {
                    Figure::Value(v) => (None, Some(v)),
                    Figure::Count(n) => (Some(n), None),
                };
                let input = FindingInput {
                    unit: &want.person,
                    code: &want.code,
                    round: "",
                    count,
                    level: None,
                    value,
                    note: &want.note,
                    matter: None,
                    done: None,
                    due: None,
                };
                let mut entry = NewEntry::record(period_id, &input, self.actor_id);
                entry.department_id = self.department_id;
                if let Some(old) = &old {
                    entry.round = old.round.clone();
                    entry.kind = EntryKind::Correct;
                    entry.replaces = Some(old.id);
                    entry.reason = want.reason.to_string();
                    tally.corrected += 1;
                } else {
                    tally.recorded += 1;
                }
                self.append(tx, entry, old).await?;
            }
        }
        Ok(())
    }
}

/// The rules that take `measures`, for someone who may record on them.
fn measured_rules(
    actor: &Actor,
    snapshot: &Snapshot,
    measures: &[Measure],
) -> Result<Vec<(Measure, String)>, AppError> {
    let rubric = &*snapshot.rubric;
    let rules: Vec<(Measure, String)> = measures
        .iter()
        .filter_map(|&m| {
            rubric
                .rule_measuring(m)
                .map(|r| (m, rubric.rules()[r].code.clone()))
        })
        .collect();
    if rules.is_empty() {
        let names: Vec<&str> = measures.iter().map(|m| m.label()).collect();
        return Err(AppError::Invalid(format!(
            "本考评期的考评细则没有取{}的规则（规则的 measure 字段）",
            names.join("、")
        )));
    }
    for (_, code) in &rules {
        may_append(actor, snapshot, Source::Assessor, "", code)?;
    }
    Ok(rules)
}

/// The department an import's entries are recorded for: the actor's, else the one owning the rule.
fn department_of(
    actor: &Actor,
    snapshot: &Snapshot,
    departments: &[Department],
    code: &str,
) -> Option<i64> {
    actor.department.as_ref().map(|d| d.id).or_else(|| {
        snapshot
            .owner(code)
            .and_then(|o| departments.iter().find(|d| d.answers_to(o)).map(|d| d.id))
    })
}

impl App {
    /// Imports an attendance export (CSV or .xlsx) into a period: the months kept, every person's
    /// rate and counts over all imported months brought into the ledger, all or nothing. `month` is the
    /// month of a file without a month column. `progress` is called with each row's line.
    ///
    /// # Errors
    /// 403 for someone who may not record on the measured items, 409 on a published period, the
    /// file's rows (every problem at its line), a conflict with an entry already there, the database.
    pub async fn import_attendance(
        &self,
        actor: &Actor,
        period_id: i64,
        file: &str,
        bytes: &[u8],
        month: Option<Month>,
        mut progress: impl FnMut(u64),
    ) -> Result<ImportSummary, FindingsImportError> {
        may_enter(actor, Source::Assessor)?;
        let departments = self.store.departments().await?;
        let (mut tx, snapshot) = self.begin(period_id).await?;
        if snapshot.published() {
            return Err(AppError::Conflict(LOCKED.into()).into());
        }
        let rules = measured_rules(
            actor,
            &snapshot,
            &[
                Measure::AttendanceRate,
                Measure::Late,
                Measure::EarlyLeave,
                Measure::Absence,
            ],
        )?;
        let text = findings_text(file, bytes)?;
        let persons = Persons::new(&snapshot.units);
        let rows = read_attendance(file, text.as_bytes(), &persons, month, &mut progress)
            .map_err(rows_error)?;
        let year = snapshot.period.year;
        let wrong_year: Vec<RowProblem> = rows
            .iter()
            .filter(|r| r.month.year() != year)
            .map(|r| RowProblem {
                line: Some(r.line),
                message: format!("“月份”列：{}不在考评期的{year}年内", r.month),
            })
            .collect();
        if !wrong_year.is_empty() {
            return Err(FindingsImportError::Rows {
                file: file.to_string(),
                problems: wrong_year,
                more: 0,
            });
        }
        let before: BTreeSet<(String, String)> = tx
            .attendance()
            .await?
            .into_iter()
            .map(|m| (m.unit_code, m.month))
            .collect();
        let months: BTreeSet<String> = rows.iter().map(|r| r.month.to_string()).collect();
        let replaced: BTreeSet<String> = rows
            .iter()
            .filter(|r| before.contains(&(r.person.clone(), r.month.to_string())))
            .map(|r| r.month.to_string())
            .collect();
        let kept: Vec<AttendanceMonth> = rows
            .iter()
            .map(|r| AttendanceMonth {
                unit_code: r.person.clone(),
                month: r.month.to_string(),
                days_due: i64::from(r.days_due),
                days_present: i64::from(r.days_present),
                late: i64::from(r.late),
                early: i64::from(r.early),
                absent: i64::from(r.absent),
            })
            .collect();
        tx.add_attendance(&kept, file, actor.id()).await?;
        let mut totals: BTreeMap<String, Totals> = BTreeMap::new();
        for m in tx.attendance().await? {
            let t = totals.entry(m.unit_code).or_default();
            t.due += m.days_due;
            t.present += m.days_present;
            t.late += m.late;
            t.early += m.early;
            t.absent += m.absent;
            t.months.insert(m.month);
        }
        let mut lines = BTreeMap::new();
        for r in &rows {
            lines.entry(r.person.clone()).or_insert(r.line);
        }
        let mut writer = Writer {
            snapshot: &snapshot,
            work: Work::new(&snapshot),
            department_id: None,
            actor_id: actor.id(),
            lines,
            file: file.to_string(),
            saved: Vec::new(),
            written: BTreeMap::new(),
            replaced: BTreeSet::new(),
        };
        let mut tallies = Vec::new();
        for (measure, code) in rules {
            writer.department_id = department_of(actor, &snapshot, &departments, &code);
            let mut tally = MeasureTally {
                measure,
                code: code.clone(),
                recorded: 0,
                corrected: 0,
                withdrawn: 0,
                unchanged: 0,
            };
            for (person, t) in &totals {
                let span = months_label(&t.months);
                let (figure, note) = match measure {
                    Measure::AttendanceRate => {
                        let rate = attendance_rate(t.present, t.due);
                        (
                            rate.map(Figure::Value),
                            format!(
                                "{ATTENDANCE_NOTE}{span}，应出勤{}天，实出勤{}天，出勤率{}%",
                                t.due,
                                t.present,
                                rate.unwrap_or_default()
                            ),
                        )
                    }
                    _ => {
                        let (n, what) = match measure {
                            Measure::Late => (t.late, "迟到"),
                            Measure::EarlyLeave => (t.early, "早退"),
                            _ => (t.absent, "旷工"),
                        };
                        (
                            (n > 0).then_some(Figure::Count(n)),
                            format!("{ATTENDANCE_NOTE}{span}，{what}{n}次"),
                        )
                    }
                };
                let rate_rule = measure == Measure::AttendanceRate;
                let want = Want {
                    person: person.clone(),
                    code: code.clone(),
                    figure,
                    note,
                    // The rate rule takes one entry per person: whatever is there is the previous one.
                    ours: Box::new(move |e: &Entry| {
                        rate_rule || e.note.starts_with(ATTENDANCE_NOTE)
                    }),
                    reason: ATTENDANCE_REASON,
                };
                writer.align(&mut tx, period_id, want, &mut tally).await?;
            }
            tallies.push(tally);
        }
        let saved = std::mem::take(&mut writer.saved);
        drop(writer);
        let summary = ImportSummary {
            rows: rows.len(),
            periods: months.into_iter().collect(),
            replaced: replaced.into_iter().collect(),
            measures: tallies,
        };
        self.close_import(
            tx,
            &snapshot,
            actor,
            &format!("从{file}导入考勤"),
            summary,
            &saved,
        )
        .await
    }

    /// Imports an exam score sheet (person, quarter, score) into a period: one entry per person and
    /// quarter on the rule measuring exam scores, a quarter imported again corrected, all or nothing.
    ///
    /// # Errors
    /// As [`App::import_attendance`].
    pub async fn import_exams(
        &self,
        actor: &Actor,
        period_id: i64,
        file: &str,
        bytes: &[u8],
        mut progress: impl FnMut(u64),
    ) -> Result<ImportSummary, FindingsImportError> {
        may_enter(actor, Source::Assessor)?;
        let departments = self.store.departments().await?;
        let (mut tx, snapshot) = self.begin(period_id).await?;
        if snapshot.published() {
            return Err(AppError::Conflict(LOCKED.into()).into());
        }
        let rules = measured_rules(actor, &snapshot, &[Measure::ExamScore])?;
        let (measure, code) = rules[0].clone();
        let scale = match &snapshot.rubric.rules()
            [snapshot.rubric.rule_measuring(measure).unwrap_or_default()]
        .kind
        {
            kaoping_core::rubric::RuleKind::Conversion {
                scale_min,
                scale_max,
                ..
            } => (*scale_min, *scale_max),
            _ => (Decimal::ZERO, Decimal::ONE_HUNDRED),
        };
        let text = findings_text(file, bytes)?;
        let persons = Persons::new(&snapshot.units);
        let rows = read_exams(file, text.as_bytes(), &persons, scale, &mut progress)
            .map_err(rows_error)?;
        let before: BTreeSet<(String, i64)> = tx
            .exam_scores()
            .await?
            .into_iter()
            .map(|s| (s.unit_code, s.quarter))
            .collect();
        let quarter_name = |q: i64| format!("第{q}季度");
        let quarters: BTreeSet<i64> = rows.iter().map(|r| i64::from(r.quarter)).collect();
        let replaced: BTreeSet<i64> = rows
            .iter()
            .filter(|r| before.contains(&(r.person.clone(), i64::from(r.quarter))))
            .map(|r| i64::from(r.quarter))
            .collect();
        let kept: Vec<ExamScore> = rows
            .iter()
            .map(|r| ExamScore {
                unit_code: r.person.clone(),
                quarter: i64::from(r.quarter),
                score: r.score,
            })
            .collect();
        tx.add_exam_scores(&kept, file, actor.id()).await?;
        let all = tx.exam_scores().await?;
        let mut lines = BTreeMap::new();
        for r in &rows {
            lines.entry(r.person.clone()).or_insert(r.line);
        }
        let mut writer = Writer {
            snapshot: &snapshot,
            work: Work::new(&snapshot),
            department_id: department_of(actor, &snapshot, &departments, &code),
            actor_id: actor.id(),
            lines,
            file: file.to_string(),
            saved: Vec::new(),
            written: BTreeMap::new(),
            replaced: BTreeSet::new(),
        };
        let mut tally = MeasureTally {
            measure,
            code: code.clone(),
            recorded: 0,
            corrected: 0,
            withdrawn: 0,
            unchanged: 0,
        };
        for s in all {
            let prefix = format!("{EXAM_NOTE}{}", quarter_name(s.quarter));
            let want = Want {
                person: s.unit_code.clone(),
                code: code.clone(),
                figure: Some(Figure::Value(s.score)),
                note: format!("{prefix}考试成绩{}分", s.score.normalize()),
                ours: Box::new(move |e: &Entry| e.note.starts_with(&prefix)),
                reason: EXAM_REASON,
            };
            writer.align(&mut tx, period_id, want, &mut tally).await?;
        }
        let saved = std::mem::take(&mut writer.saved);
        drop(writer);
        let summary = ImportSummary {
            rows: rows.len(),
            periods: quarters.into_iter().map(quarter_name).collect(),
            replaced: replaced.into_iter().map(quarter_name).collect(),
            measures: vec![tally],
        };
        self.close_import(
            tx,
            &snapshot,
            actor,
            &format!("从{file}导入考试成绩"),
            summary,
            &saved,
        )
        .await
    }

    /// The end of either import: its audit record, then the commit that moves the snapshot on.
    async fn close_import(
        &self,
        mut tx: kaoping_store::PeriodTx,
        snapshot: &Snapshot,
        actor: &Actor,
        what: &str,
        summary: ImportSummary,
        saved: &[kaoping_store::Entry],
    ) -> Result<ImportSummary, FindingsImportError> {
        tx.audit(
            Some(actor.id()),
            AuditAction::Import.key(),
            &format!(
                "{what}到“{}”：{}{}；{}",
                snapshot.period.name,
                summary.periods.join("、"),
                if summary.replaced.is_empty() {
                    String::new()
                } else {
                    format!("（替换此前导入的{}）", summary.replaced.join("、"))
                },
                tally_words(&summary.measures)
            ),
        )
        .await?;
        self.commit(tx, snapshot, saved).await?;
        Ok(summary)
    }

    /// The import page of a period: for the administrator and the departments owning a measured item.
    ///
    /// # Errors
    /// 403 for anyone else, [`AppError::NotFound`] for an unknown period.
    pub async fn attendance_form(
        &self,
        actor: &Actor,
        period_id: i64,
    ) -> Result<std::sync::Arc<Snapshot>, AppError> {
        may_enter(actor, Source::Assessor)?;
        let snapshot = self.snapshot(period_id, |_| true, "").await?;
        let any = Measure::ALL.iter().any(|&m| {
            snapshot.rubric.rule_measuring(m).is_some_and(|r| {
                let code = &snapshot.rubric.rules()[r].code;
                may_append(actor, &snapshot, Source::Assessor, "", code).is_ok()
            })
        });
        if !any {
            return Err(AppError::Forbidden(
                "只有管理员和负责考勤、考试评分项的部门可以导入考勤和考试成绩".into(),
            ));
        }
        Ok(snapshot)
    }
}

/// `4.1 出勤率：记录3条、更正1条` for the audit record and the CLI.
pub fn tally_words(tallies: &[MeasureTally]) -> String {
    tallies
        .iter()
        .map(|t| {
            format!(
                "{} {}：记录{}条、更正{}条、撤回{}条、未变{}条",
                t.code,
                t.measure.label(),
                t.recorded,
                t.corrected,
                t.withdrawn,
                t.unchanged
            )
        })
        .collect::<Vec<_>>()
        .join("；")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_exact_and_cut_toward_zero() {
        let r = |p, d| attendance_rate(p, d).map(|r| r.to_string());
        assert_eq!(r(114, 120).as_deref(), Some("95"));
        assert_eq!(r(189, 200).as_deref(), Some("94.5"));
        assert_eq!(r(108, 120).as_deref(), Some("90"));
        // 2/3 = 66.666… → 66.6666, never 66.6667.
        assert_eq!(r(2, 3).as_deref(), Some("66.6666"));
        // Just below 95 stays below 95.
        assert_eq!(r(18999, 20000).as_deref(), Some("94.995"));
        assert_eq!(r(0, 0), None);
    }

    #[test]
    fn months_read_as_a_clerk_writes_them() {
        let set = |ms: &[&str]| ms.iter().map(|m| m.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(
            months_label(&set(&["2024-01", "2024-02", "2024-03"])),
            "1–3月"
        );
        assert_eq!(months_label(&set(&["2024-03"])), "3月");
        assert_eq!(months_label(&set(&["2024-01", "2024-03"])), "1、3月");
    }
}
