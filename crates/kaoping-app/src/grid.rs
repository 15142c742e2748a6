//! 评分表: one department's rules (columns) for every unit of a period (rows), for fast entry. Counting
//! rules (按次、累进、频次) take a number, fixed and zero rules (定额扣分、不得分) a tick, graded rules
//! (分档) a level and discretionary rules (酌情评分) points, each with its reason; rules that average raw
//! scores (折合), add judged deductions (酌情扣分) or need values or dates (比率、时限) are entered one
//! finding at a time.
//!
//! Saving compares what the page showed with what was submitted: only changed cells are written, each as
//! ledger entries (a new record for an increase; a correction or withdrawal of the latest records for a
//! decrease). Every change is checked first, inside the transaction that writes them, against the period
//! as committed plus the changes before it; with any error nothing is saved and every error is named by
//! its cell. A cell that someone else changed meanwhile is an error too (never overwritten).

use std::collections::HashMap;
use std::sync::Arc;

use kaoping_core::rubric::{AppliesTo, Coded, Rubric, RuleId, RuleKind};
use kaoping_core::Decimal;
use kaoping_store::{Department, Entry, EntryKind, NewEntry, Review, Role, Source};

use crate::actor::Actor;
use crate::audit::AuditAction;
use crate::error::AppError;
use crate::findings::LOCKED;
use crate::limits::{bounded, NOTE_CHARS};
use crate::period::check::Work;
use crate::period::{owner, Counted, Snapshot};
use crate::permissions::Action;
use crate::App;

/// The largest count a cell takes (the core refuses more than a million anyway).
const MAX_COUNT: u64 = 1_000_000;

/// How a rule is entered in the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    /// 按次、累进: the number of occurrences; no finding is the same as 0.
    Count,
    /// 频次: the number of times it was done; no finding means "as required" (no deduction), so an empty
    /// cell and 0 differ.
    Frequency,
    /// 定额扣分、不得分, 达到得分: found (met) or not.
    Flag,
    /// 分档得分: one of the rule's levels, or none yet.
    Level,
    /// 酌情评分: the points given, or none yet.
    Points,
}

impl CellKind {
    /// A cell holding one score-setting value (a level, points) rather than a count.
    pub fn sets_a_value(self) -> bool {
        matches!(self, CellKind::Level | CellKind::Points)
    }
}

/// How a rule of this kind is entered in the grid, if it is.
pub fn cell_kind(kind: &RuleKind) -> Option<CellKind> {
    match kind {
        RuleKind::PerOccurrence { .. } | RuleKind::Progressive { .. } => Some(CellKind::Count),
        RuleKind::Frequency { .. } => Some(CellKind::Frequency),
        RuleKind::Fixed { .. } | RuleKind::Zero => Some(CellKind::Flag),
        // 达到…得N分: met or not; 各得N分: how many of the criteria were met.
        RuleKind::Earned {
            max_count: Some(1), ..
        } => Some(CellKind::Flag),
        RuleKind::Earned { .. } => Some(CellKind::Count),
        RuleKind::Graded { .. } => Some(CellKind::Level),
        RuleKind::Discretionary => Some(CellKind::Points),
        _ => None,
    }
}

/// A cell's value: `None` is an empty cell (no active finding). Flags are `Some(1)` when ticked.
type Cell = Option<u64>;

/// Count cells: 0 and empty mean the same.
fn normalize(kind: CellKind, cell: Cell) -> Cell {
    match (kind, cell) {
        (CellKind::Count, Some(0)) => None,
        (CellKind::Flag, Some(_)) => Some(1),
        _ => cell,
    }
}

/// A finding's count as the scorer takes it (no count is one occurrence).
fn entry_count(e: &Entry) -> u64 {
    e.count.map_or(1, |c| u64::try_from(c).unwrap_or(0))
}

/// What the cell holds now, from its active entries `(id, count)`.
fn current(kind: CellKind, entries: &[(i64, u64)]) -> Cell {
    if entries.is_empty() {
        return None;
    }
    normalize(kind, Some(entries.iter().map(|e| e.1).sum()))
}

/// One ledger change for a cell.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    /// A new finding with this count (`None` for flags).
    Record(Option<u64>),
    /// Replace an entry with the same finding at another count.
    Correct {
        replaces: i64,
        count: u64,
    },
    Withdraw(i64),
}

/// The ledger changes that take a cell from its active entries (oldest first) to `target`. Increases are
/// one new record; decreases correct or withdraw the latest entries, with as few changes as possible.
fn plan(kind: CellKind, entries: &[(i64, u64)], target: Cell) -> Vec<Op> {
    let target = normalize(kind, target);
    let now = current(kind, entries);
    if target == now {
        return Vec::new();
    }
    let withdraw_all = || entries.iter().map(|e| Op::Withdraw(e.0)).collect();
    match kind {
        // Values are not counts: `value_changes` plans their cells.
        CellKind::Level | CellKind::Points => Vec::new(),
        CellKind::Flag => match target {
            Some(_) => vec![Op::Record(None)],
            None => withdraw_all(),
        },
        CellKind::Count | CellKind::Frequency => {
            let (Some(t), n) = (target, now) else {
                return withdraw_all();
            };
            let n = match n {
                Some(n) => n,
                None if kind == CellKind::Count || entries.is_empty() => {
                    return vec![Op::Record(Some(t))];
                }
                None => 0,
            };
            if t > n {
                return vec![Op::Record(Some(t - n))];
            }
            reduce(entries, n - t, kind == CellKind::Frequency)
        }
    }
}

/// Takes `deficit` occurrences off the latest entries. With `keep_one`, at least one entry stays (a
/// frequency rule's 0 is not the same as no finding).
fn reduce(entries: &[(i64, u64)], mut deficit: u64, keep_one: bool) -> Vec<Op> {
    // One change if one entry is large enough: the latest such.
    if let Some(&(id, c)) = entries.iter().rev().find(|e| e.1 >= deficit) {
        return if c == deficit && !(keep_one && entries.len() == 1) {
            vec![Op::Withdraw(id)]
        } else {
            vec![Op::Correct {
                replaces: id,
                count: c - deficit,
            }]
        };
    }
    let mut ops = Vec::new();
    for &(id, c) in entries.iter().rev() {
        if deficit == 0 {
            break;
        }
        if c <= deficit {
            ops.push(Op::Withdraw(id));
            deficit -= c;
        } else {
            ops.push(Op::Correct {
                replaces: id,
                count: c - deficit,
            });
            deficit = 0;
        }
    }
    if keep_one && ops.len() == entries.len() && ops.iter().all(|o| matches!(o, Op::Withdraw(_))) {
        if let Some(Op::Withdraw(id)) = ops.pop() {
            ops.push(Op::Correct {
                replaces: id,
                count: 0,
            });
        }
    }
    ops
}

/// A submitted cell as typed: empty, a tick, or a whole number.
fn parse_cell(kind: CellKind, text: Option<&str>) -> Result<Cell, String> {
    let text = text.map(str::trim).unwrap_or("");
    if kind == CellKind::Flag {
        return Ok((!text.is_empty()).then_some(1));
    }
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<u64>() {
        Ok(n) if n <= MAX_COUNT => Ok(Some(n)),
        Ok(_) => Err(format!("次数“{text}”太大")),
        Err(_) => Err(format!("次数“{text}”不是不小于0的整数")),
    }
}

/// A level or points entry's value as a cell shows it (`较好`, `4.5`).
fn entry_value(e: &Entry) -> String {
    match (&e.level, e.points) {
        (Some(l), _) => l.clone(),
        (None, Some(p)) => p.normalize().to_string(),
        (None, None) => String::new(),
    }
}

/// A score-setting entry's value: its level, or its points.
type LevelOrPoints = (Option<String>, Option<Decimal>);

/// A typed level or points value, checked against the rule: `Ok(None)` for an empty cell.
fn parse_value(
    kind: CellKind,
    rule: &kaoping_core::rubric::Rule,
    text: &str,
) -> Result<Option<LevelOrPoints>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match (kind, &rule.kind) {
        (CellKind::Level, RuleKind::Graded { levels }) => levels
            .iter()
            .find(|l| l.name == text)
            .map(|l| Some((Some(l.name.clone()), None)))
            .ok_or_else(|| {
                let names: Vec<&str> = levels.iter().map(|l| l.name.as_str()).collect();
                format!("“{text}”不是{}的等级（{}）", rule.code, names.join("、"))
            }),
        _ => text
            .parse::<Decimal>()
            .map(|p| Some((None, Some(p))))
            .map_err(|_| format!("分值“{text}”不是数字")),
    }
}

/// How a cell is shown and submitted (`""`, `"3"`, `"1"` for a tick).
fn cell_text(cell: Cell) -> String {
    cell.map(|n| n.to_string()).unwrap_or_default()
}

/// The rule a finding's code names (an item with one rule names that rule).
fn rule_of(rubric: &Rubric, code: &str) -> Option<RuleId> {
    match rubric.lookup(code)? {
        Coded::Rule(r) => Some(r),
        Coded::Item(i) if rubric.item_rules(i).len() == 1 => Some(rubric.items()[i].rules.start),
        _ => None,
    }
}

/// Whether the rule's item belongs to the department (by name or code, as in the rubric).
pub fn owned_by(rubric: &Rubric, rule: RuleId, dept: &Department) -> bool {
    item_owned_by(&rubric.items()[rubric.rules()[rule].item], dept)
}

/// Whether the item belongs to the department (by name or code, as in the rubric).
pub(crate) fn item_owned_by(item: &kaoping_core::rubric::Item, dept: &Department) -> bool {
    item.department
        .as_deref()
        .is_some_and(|o| dept.answers_to(o))
}

/// The key of a cell in the form: `ROW|CODE`.
pub fn cell_key(row: &str, code: &str) -> String {
    format!("{row}|{code}")
}

/// A row of the grid: a unit, or a group whose findings reach every member.
pub struct GridRow {
    pub code: String,
    pub name: String,
    pub group: bool,
}

fn rows(snapshot: &Snapshot) -> Vec<GridRow> {
    let mut rows: Vec<GridRow> = snapshot
        .units
        .units()
        .iter()
        .map(|u| GridRow {
            code: u.code.clone(),
            name: u.name.clone(),
            group: false,
        })
        .collect();
    rows.extend(snapshot.units.groups().iter().map(|g| GridRow {
        code: g.code.clone(),
        name: format!("{}（组）", g.code),
        group: true,
    }));
    rows
}

/// What the grid shows: the period, the department, the round, and the active entries per cell.
pub struct Grid {
    pub snapshot: Arc<Snapshot>,
    pub department: Department,
    /// Every department (an administrator switches between them).
    pub departments: Vec<Department>,
    pub round: usize,
    /// The department's rules, in rubric order.
    pub rules: Vec<RuleId>,
    pub rows: Vec<GridRow>,
    /// The department's latest review step.
    pub review: Option<Review>,
    /// Active assessor entries by (row code, rule), oldest first.
    cells: HashMap<(String, RuleId), Vec<Arc<Counted>>>,
}

impl Grid {
    fn new(
        snapshot: Arc<Snapshot>,
        department: Department,
        departments: Vec<Department>,
        round: usize,
        review: Option<Review>,
    ) -> Grid {
        let rubric = &snapshot.rubric;
        let rules = (0..rubric.rules().len())
            .filter(|&r| owned_by(rubric, r, &department))
            .collect::<Vec<_>>();
        let mut cells: HashMap<(String, RuleId), Vec<Arc<Counted>>> = HashMap::new();
        for c in snapshot.assessor.parties.iter().flat_map(|p| p.iter()) {
            let Some(rule) = rule_of(rubric, &c.entry.code) else {
                continue;
            };
            if rules.contains(&rule) && rubric.round(&c.entry.round) == Some(round) {
                cells
                    .entry((c.entry.unit_code.clone(), rule))
                    .or_default()
                    .push(c.clone());
            }
        }
        for list in cells.values_mut() {
            list.sort_by_key(|c| c.entry.id);
        }
        Grid {
            rows: rows(&snapshot),
            snapshot,
            department,
            departments,
            round,
            rules,
            review,
            cells,
        }
    }

    /// The active entries of a cell, oldest first.
    pub fn entries(&self, row: &str, rule: RuleId) -> impl Iterator<Item = &Entry> {
        self.cells
            .get(&(row.to_string(), rule))
            .into_iter()
            .flat_map(|l| l.iter().map(|c| &c.entry))
    }

    /// What a counting or tick cell shows now (`""`, a number, `"1"` for a tick).
    pub fn cell_text(&self, row: &str, rule: RuleId, kind: CellKind) -> String {
        shown_state(kind, self.entries(row, rule)).0
    }

    /// What a level or points cell shows now: the value and the reason of its entry (one per unit, rule
    /// and round; empty when none).
    pub fn value_text(&self, row: &str, rule: RuleId) -> (String, String) {
        shown_state(CellKind::Level, self.entries(row, rule))
    }

    /// Whether a finding on the rule may name this row.
    pub fn applies(&self, rule: RuleId, row: &GridRow) -> bool {
        let rubric = &self.snapshot.rubric;
        let r = &rubric.rules()[rule];
        match (r.applies_to, row.group) {
            (AppliesTo::Any, false) | (AppliesTo::Unit, false) | (AppliesTo::Group, true) => true,
            (AppliesTo::Any, true) => {
                cell_kind(&r.kind).is_some() || rubric.items()[r.item].inherit
            }
            _ => false,
        }
    }

    /// The round's name, empty for a rubric of one round.
    pub fn round_name(&self) -> String {
        if self.snapshot.rubric.rounds().len() > 1 {
            self.snapshot.rubric.rounds()[self.round].name.clone()
        } else {
            String::new()
        }
    }
}

/// What the grid page shows: an administrator first picks a department.
pub enum GridView {
    Choose(Arc<Snapshot>, Vec<Department>),
    Grid(Box<Grid>),
}

/// A submitted grid form: the department and round, each cell's shown value (`o|ROW|CODE`) and typed
/// value (`v|ROW|CODE`; unticked boxes are not submitted), and the note and reason.
#[derive(Debug, Clone, Default)]
pub struct GridSubmission {
    pub department: Option<String>,
    pub round: Option<String>,
    /// (row, code, the value the page showed).
    pub shown: Vec<(String, String, String)>,
    /// Typed values by cell key.
    pub values: HashMap<String, String>,
    /// Level and points cells: the reason shown (`on|ROW|CODE`) and typed (`n|ROW|CODE`), by cell key.
    pub shown_notes: HashMap<String, String>,
    pub notes: HashMap<String, String>,
    pub note: String,
    pub reason: String,
}

/// What a save did.
pub enum GridOutcome {
    /// Nothing changed.
    Unchanged(Box<Grid>),
    /// Every change was written; counts of each kind and the entry ids.
    Saved {
        grid: Box<Grid>,
        recorded: usize,
        corrected: usize,
        withdrawn: usize,
    },
    /// The changes passed their checks but the ledger refused one (nothing was written).
    NotSaved { grid: Box<Grid>, message: String },
    /// Nothing was written: each cell's error by key, and errors about the form as a whole.
    Rejected {
        grid: Box<Grid>,
        errors: HashMap<String, String>,
        general: Vec<String>,
        submission: Box<GridSubmission>,
    },
}

/// The department whose grid is asked for: an assessor's own; for an administrator the one chosen.
fn chosen_department(
    actor: &Actor,
    departments: &[Department],
    asked: Option<&str>,
) -> Result<Option<Department>, AppError> {
    if actor.role() != Role::Admin {
        return Ok(actor.department.clone());
    }
    match asked.map(str::trim).filter(|a| !a.is_empty()) {
        None => Ok(None),
        Some(a) => {
            let id: i64 = a
                .parse()
                .map_err(|_| AppError::Invalid(format!("部门“{a}”无效")))?;
            departments
                .iter()
                .find(|d| d.id == id)
                .cloned()
                .map(Some)
                .ok_or_else(|| AppError::NotFound(format!("部门{id}")))
        }
    }
}

const GRID_WHO: &str = "只有考核部门（本部门的评分项）和管理员可以使用评分表";

/// 403 unless the actor may record on the department's items of this period (409 when locked for
/// someone who could record in an open period).
fn require_grid(
    snapshot: &Snapshot,
    actor: &Actor,
    chosen: Option<&Department>,
) -> Result<(), AppError> {
    let may = |published| {
        actor.may(Action::RecordFinding {
            owner: chosen.map(|d| d.name.as_str()),
            published,
        }) || (chosen.is_none() && actor.may(Action::EnterFindings))
    };
    if !may(false) {
        return Err(AppError::Forbidden(GRID_WHO.into()));
    }
    if snapshot.published() {
        return Err(AppError::Conflict(LOCKED.into()));
    }
    Ok(())
}

/// Who writes a form's changed cells into the ledger, and with what words.
pub(crate) struct CellWriter<'a> {
    pub period_id: i64,
    pub round: String,
    pub source: Source,
    pub department_id: Option<i64>,
    pub by: i64,
    /// The note of every new counting record.
    pub note: &'a str,
    /// Why a recorded count or value is corrected or withdrawn.
    pub reason: &'a str,
}

/// A cell as the page showed it and as submitted: (value, reason) each; the reason is a level or points
/// cell's own (counting cells share the form's note).
pub(crate) struct SubmittedCell {
    pub shown: (String, String),
    pub typed: (String, String),
}

/// A value as the page shows it: the state of a cell's entries.
pub(crate) fn shown_state<'e>(
    kind: CellKind,
    entries: impl IntoIterator<Item = &'e Entry>,
) -> (String, String) {
    if kind.sets_a_value() {
        return match entries.into_iter().last() {
            Some(e) => (entry_value(e), e.note.clone()),
            None => (String::new(), String::new()),
        };
    }
    (cell_text(current(kind, &counts_of(entries))), String::new())
}

/// Each entry's id and count, in order.
fn counts_of<'e>(entries: impl IntoIterator<Item = &'e Entry>) -> Vec<(i64, u64)> {
    entries
        .into_iter()
        .map(|e| (e.id, entry_count(e)))
        .collect()
}

/// The ledger changes that take a cell from its active `entries` (oldest first) to what was typed, or
/// why not: a value the rule does not take, or a cell someone changed since the page was shown.
///
/// Counts: an increase is one new record of the difference; a decrease corrects or withdraws the latest
/// records. Levels and points: a new finding where there was none, a correction of the one there is (its
/// value or reason changed), its withdrawal when emptied.
pub(crate) fn cell_changes(
    w: &CellWriter,
    def: &kaoping_core::rubric::Rule,
    kind: CellKind,
    row: &str,
    entries: &[Entry],
    cell: &SubmittedCell,
) -> Result<Vec<(NewEntry, Option<Entry>)>, String> {
    let now = shown_state(kind, entries);
    let record =
        |count: Option<u64>, level: Option<String>, points: Option<Decimal>, note: &str| NewEntry {
            period_id: w.period_id,
            unit_code: row.to_string(),
            code: def.code.clone(),
            round: w.round.clone(),
            count: count.map(|c| c as i64),
            level,
            points,
            note: note.to_string(),
            matter: None,
            date: None,
            due: None,
            source: w.source,
            department_id: w.department_id,
            recorded_by: w.by,
            evidence_id: None,
            kind: EntryKind::Record,
            replaces: None,
            reason: String::new(),
        };
    let correct = |old: &Entry| NewEntry {
        reason: w.reason.to_string(),
        recorded_by: w.by,
        department_id: w.department_id,
        ..NewEntry::replacing(old)
    };
    let withdraw = |old: &Entry| {
        (
            NewEntry::withdrawal(old, w.department_id, w.by, w.reason),
            Some(old.clone()),
        )
    };
    if kind.sets_a_value() {
        let shown = (
            cell.shown.0.trim().to_string(),
            cell.shown.1.trim().to_string(),
        );
        let typed = (
            cell.typed.0.trim().to_string(),
            cell.typed.1.trim().to_string(),
        );
        if now != shown {
            return Err(changed_meanwhile(&now.0));
        }
        if typed == shown {
            return Ok(Vec::new());
        }
        let value = parse_value(kind, def, &typed.0)?;
        return Ok(match (value, entries.last()) {
            (None, None) => Vec::new(),
            (None, Some(old)) => vec![withdraw(old)],
            (Some((level, points)), Some(old)) => vec![(
                NewEntry {
                    level,
                    points,
                    note: typed.1,
                    ..correct(old)
                },
                Some(old.clone()),
            )],
            (Some((level, points)), None) => vec![(record(None, level, points, &typed.1), None)],
        });
    }
    let target = parse_cell(kind, Some(&cell.typed.0))?;
    let shown = normalize(kind, parse_cell(kind, Some(&cell.shown.0))?);
    if normalize(kind, target) == shown {
        return Ok(Vec::new());
    }
    let counts = counts_of(entries);
    if current(kind, &counts) != shown {
        return Err(changed_meanwhile(&match (kind, current(kind, &counts)) {
            (_, None) => String::new(),
            (CellKind::Flag, Some(_)) => "已勾选".to_string(),
            (_, Some(n)) => n.to_string(),
        }));
    }
    let by_id = |id: i64| {
        entries
            .iter()
            .find(|e| e.id == id)
            .expect("plans name the cell's entries")
    };
    Ok(plan(kind, &counts, target)
        .into_iter()
        .map(|op| match op {
            Op::Record(count) => (record(count, None, None, w.note), None),
            Op::Correct { replaces, count } => {
                let old = by_id(replaces);
                (
                    NewEntry {
                        count: Some(count as i64),
                        ..correct(old)
                    },
                    Some(old.clone()),
                )
            }
            Op::Withdraw(replaces) => withdraw(by_id(replaces)),
        })
        .collect())
}

/// A form's changes, checked cell by cell against the period as committed plus the changes before them
/// (the grid's and the self-check form's save).
pub(crate) struct FormChanges<'s> {
    pub work: Work<'s>,
    source: Source,
    pub changes: Vec<(NewEntry, Option<Entry>)>,
    /// Each refused cell's messages, by its key in the form.
    pub errors: HashMap<String, String>,
    /// Some change corrects or withdraws a recorded entry, so the form needs its reason.
    pub removals: bool,
}

impl<'s> FormChanges<'s> {
    pub fn new(snapshot: &'s Snapshot, source: Source) -> FormChanges<'s> {
        FormChanges {
            work: Work::new(snapshot),
            source,
            changes: Vec::new(),
            errors: HashMap::new(),
            removals: false,
        }
    }

    /// Takes a cell's planned changes (from [`cell_changes`]), keeping those that pass their checks;
    /// what is refused is kept under the cell's `key`.
    pub fn take(&mut self, key: String, planned: Result<Vec<(NewEntry, Option<Entry>)>, String>) {
        let planned = match planned {
            Ok(p) => p,
            Err(e) => {
                self.errors.insert(key, e);
                return;
            }
        };
        let mut refused = Vec::new();
        for (entry, replaced) in planned {
            self.removals |= replaced.is_some();
            if entry.kind != EntryKind::Withdraw {
                let replaces = replaced.as_ref().map(|o| o.id);
                if let Err(e) = self
                    .work
                    .check(self.source, &entry.finding_input(), replaces)
                {
                    refused.push(e.user_message());
                    continue;
                }
            }
            self.changes.push((entry, replaced));
        }
        if !refused.is_empty() {
            self.errors.insert(key, refused.join("；"));
        }
    }
}

fn changed_meanwhile(now: &str) -> String {
    format!(
        "此格已被他人改为“{}”，请核对后重新填写",
        if now.is_empty() { "空" } else { now }
    )
}

fn round_of(snapshot: &Snapshot, asked: Option<&str>) -> usize {
    asked
        .and_then(|r| snapshot.rubric.round(r))
        .unwrap_or_default()
}

impl App {
    /// The grid of a department (an assessor's own; the one an administrator chose) in one round.
    ///
    /// # Errors
    /// 403 for those who may not record on the department's items, 409 on a published period.
    pub async fn grid(
        &self,
        actor: &Actor,
        period_id: i64,
        department: Option<&str>,
        round: Option<&str>,
    ) -> Result<GridView, AppError> {
        let snapshot = self
            .snapshot(period_id, |_| actor.may(Action::EnterFindings), GRID_WHO)
            .await?;
        let departments = self.store.departments().await?;
        let chosen = chosen_department(actor, &departments, department)?;
        require_grid(&snapshot, actor, chosen.as_ref())?;
        let Some(department) = chosen else {
            return Ok(GridView::Choose(snapshot, departments));
        };
        let review = self
            .store
            .reviews(period_id)
            .await?
            .into_iter()
            .find(|r| r.department_id == department.id);
        let round = round_of(&snapshot, round);
        Ok(GridView::Grid(Box::new(Grid::new(
            snapshot,
            department,
            departments,
            round,
            review,
        ))))
    }

    /// Saves a grid: every changed cell as ledger entries, all or none, in one transaction.
    ///
    /// # Errors
    /// 403 for a rule the actor may not record on (the whole form is refused before anything else),
    /// 409 on a published period, 422 for a form that is not a grid.
    pub async fn save_grid(
        &self,
        actor: &Actor,
        period_id: i64,
        sub: GridSubmission,
    ) -> Result<GridOutcome, AppError> {
        let departments = self.store.departments().await?;
        let chosen = chosen_department(actor, &departments, sub.department.as_deref())?;
        let (mut tx, snapshot) = self.begin(period_id).await?;
        require_grid(&snapshot, actor, chosen.as_ref())?;
        let department = chosen.ok_or_else(|| AppError::Invalid("部门：请选择部门".into()))?;
        let review = tx
            .reviews()
            .await?
            .into_iter()
            .find(|r| r.department_id == department.id);
        let round = round_of(&snapshot, sub.round.as_deref());
        let grid = Box::new(Grid::new(
            snapshot.clone(),
            department,
            departments,
            round,
            review,
        ));
        let rubric = &*snapshot.rubric;

        // Every submitted cell's rule; any rule the actor may not record on is refused before anything
        // else.
        let mut cells = Vec::new();
        for (row, code, original) in &sub.shown {
            let rule = rule_of(rubric, code)
                .filter(|r| rubric.rules()[*r].code == *code)
                .ok_or_else(|| AppError::Invalid(format!("评分规则“{code}”不在考评细则中")))?;
            let owner = owner(rubric, code);
            actor.require(
                Action::RecordFinding {
                    owner,
                    published: false,
                },
                &format!(
                    "只能录入本部门负责的评分项{}",
                    owner
                        .map(|o| format!("（{code}由“{o}”负责）"))
                        .unwrap_or_default()
                ),
            )?;
            if !grid.rules.contains(&rule) {
                return Err(AppError::Forbidden(format!(
                    "只能录入本部门负责的评分项（{code}不属于“{}”）",
                    grid.department.name
                )));
            }
            cells.push((row.clone(), rule, original.clone()));
        }

        let note = sub.note.trim().to_string();
        let reason = sub.reason.trim().to_string();
        bounded("说明", &note, NOTE_CHARS)
            .and_then(|()| bounded("原因", &reason, NOTE_CHARS))
            .map_err(AppError::Invalid)?;
        let mut general = Vec::new();
        let mut form = FormChanges::new(&snapshot, Source::Assessor);
        let writer = CellWriter {
            period_id,
            round: grid.round_name(),
            source: Source::Assessor,
            department_id: Some(grid.department.id),
            by: actor.id(),
            note: &note,
            reason: &reason,
        };
        for (row_code, rule, original) in &cells {
            let def = &rubric.rules()[*rule];
            let k = cell_key(row_code, &def.code);
            let Some(kind) = cell_kind(&def.kind) else {
                continue;
            };
            let Some(row) = grid.rows.iter().find(|r| r.code == *row_code) else {
                form.errors
                    .insert(k, format!("“{row_code}”不是本考评期的单位或组"));
                continue;
            };
            if !grid.applies(*rule, row) {
                continue;
            }
            let typed = |m: &HashMap<String, String>| m.get(&k).cloned().unwrap_or_default();
            let cell = SubmittedCell {
                shown: (original.clone(), typed(&sub.shown_notes)),
                typed: (typed(&sub.values), typed(&sub.notes)),
            };
            let entries: Vec<Entry> = grid.entries(row_code, *rule).cloned().collect();
            form.take(
                k,
                cell_changes(&writer, def, kind, row_code, &entries, &cell),
            );
        }
        let FormChanges {
            mut work,
            changes,
            errors,
            removals,
            ..
        } = form;
        if removals && reason.is_empty() {
            general.push(
                "修改原因：减少或取消已录入的次数、改动已录入的等级或分值，会更正或撤回原记录，必须写明原因"
                    .to_string(),
            );
        }
        if !errors.is_empty() || !general.is_empty() {
            return Ok(GridOutcome::Rejected {
                grid,
                errors,
                general,
                submission: Box::new(sub),
            });
        }
        if changes.is_empty() {
            return Ok(GridOutcome::Unchanged(grid));
        }
        let mut saved = Vec::with_capacity(changes.len());
        for (i, (entry, replaced)) in changes.iter().enumerate() {
            match tx.append(entry).await.map_err(AppError::from) {
                Ok(e) => {
                    work.apply(&e, replaced.as_ref());
                    saved.push(e);
                }
                Err(e) if !e.is_fault() => {
                    return Ok(GridOutcome::NotSaved {
                        grid,
                        message: format!(
                            "第{}条改动未能保存：{}。所有改动均未保存，请核对后重试",
                            i + 1,
                            e.user_message()
                        ),
                    })
                }
                Err(e) => return Err(e),
            }
        }
        let (mut recorded, mut corrected, mut withdrawn) = (0, 0, 0);
        for e in &saved {
            match e.kind {
                EntryKind::Correct => corrected += 1,
                EntryKind::Withdraw => withdrawn += 1,
                _ => recorded += 1,
            }
        }
        let ids: Vec<String> = saved.iter().map(|e| format!("#{}", e.id)).collect();
        tx.audit(
            Some(actor.id()),
            AuditAction::Grid.key(),
            &format!(
                "评分表（{}，{}）保存记录{}",
                snapshot.period.name,
                grid.department.name,
                ids.join("、")
            ),
        )
        .await?;
        self.commit(tx, &snapshot, &saved).await?;
        Ok(GridOutcome::Saved {
            grid,
            recorded,
            corrected,
            withdrawn,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unchanged_cells_write_nothing() {
        assert_eq!(plan(CellKind::Count, &[], None), vec![]);
        assert_eq!(plan(CellKind::Count, &[], Some(0)), vec![]);
        assert_eq!(plan(CellKind::Count, &[(1, 2), (2, 1)], Some(3)), vec![]);
        assert_eq!(plan(CellKind::Flag, &[(1, 1)], Some(1)), vec![]);
        assert_eq!(plan(CellKind::Flag, &[], None), vec![]);
        assert_eq!(plan(CellKind::Frequency, &[(1, 0)], Some(0)), vec![]);
        assert_eq!(plan(CellKind::Frequency, &[], None), vec![]);
    }

    #[test]
    fn increases_are_one_new_record_of_the_difference() {
        assert_eq!(
            plan(CellKind::Count, &[], Some(3)),
            vec![Op::Record(Some(3))]
        );
        assert_eq!(
            plan(CellKind::Count, &[(1, 2)], Some(5)),
            vec![Op::Record(Some(3))]
        );
        assert_eq!(plan(CellKind::Flag, &[], Some(1)), vec![Op::Record(None)]);
        assert_eq!(
            plan(CellKind::Frequency, &[], Some(0)),
            vec![Op::Record(Some(0))]
        );
        assert_eq!(
            plan(CellKind::Frequency, &[(4, 1)], Some(3)),
            vec![Op::Record(Some(2))]
        );
    }

    #[test]
    fn decreases_correct_or_withdraw_the_latest_entries() {
        // One entry large enough: corrected (or withdrawn when it is exactly the difference).
        assert_eq!(
            plan(CellKind::Count, &[(1, 3), (2, 1)], Some(3)),
            vec![Op::Withdraw(2)]
        );
        assert_eq!(
            plan(CellKind::Count, &[(1, 3), (2, 1)], Some(2)),
            vec![Op::Correct {
                replaces: 1,
                count: 1
            }]
        );
        // None large enough: the latest go first.
        assert_eq!(
            plan(CellKind::Count, &[(1, 2), (2, 2), (3, 2)], Some(1)),
            vec![
                Op::Withdraw(3),
                Op::Withdraw(2),
                Op::Correct {
                    replaces: 1,
                    count: 1
                }
            ]
        );
        // Down to nothing: every entry withdrawn.
        assert_eq!(
            plan(CellKind::Count, &[(1, 2), (2, 1)], None),
            vec![Op::Withdraw(1), Op::Withdraw(2)]
        );
        assert_eq!(
            plan(CellKind::Count, &[(1, 2)], Some(0)),
            vec![Op::Withdraw(1)]
        );
        assert_eq!(
            plan(CellKind::Flag, &[(1, 1), (5, 1)], None),
            vec![Op::Withdraw(1), Op::Withdraw(5)]
        );
    }

    #[test]
    fn a_frequency_of_zero_keeps_a_finding() {
        // 0 times held is a full deduction; an empty cell is none, so they must stay different.
        assert_eq!(
            plan(CellKind::Frequency, &[(1, 2)], Some(0)),
            vec![Op::Correct {
                replaces: 1,
                count: 0
            }]
        );
        assert_eq!(
            plan(CellKind::Frequency, &[(1, 1), (2, 1)], Some(0)),
            vec![
                Op::Withdraw(2),
                Op::Correct {
                    replaces: 1,
                    count: 0
                }
            ]
        );
        assert_eq!(
            plan(CellKind::Frequency, &[(1, 2)], None),
            vec![Op::Withdraw(1)]
        );
    }

    #[test]
    fn plans_reach_the_target() {
        for kind in [CellKind::Count, CellKind::Frequency, CellKind::Flag] {
            let starts: [&[(i64, u64)]; 5] = [
                &[],
                &[(1, 1)],
                &[(1, 3)],
                &[(1, 1), (2, 2)],
                &[(1, 0), (2, 4)],
            ];
            for start in starts {
                for target in [None, Some(0), Some(1), Some(2), Some(5)] {
                    let mut cell: Vec<(i64, u64)> = start.to_vec();
                    let mut next = 100;
                    for op in plan(kind, start, target) {
                        match op {
                            Op::Record(c) => {
                                cell.push((next, c.unwrap_or(1)));
                                next += 1;
                            }
                            Op::Correct { replaces, count } => {
                                cell.retain(|e| e.0 != replaces);
                                cell.push((next, count));
                                next += 1;
                            }
                            Op::Withdraw(id) => cell.retain(|e| e.0 != id),
                        }
                    }
                    assert_eq!(
                        current(kind, &cell),
                        normalize(kind, target),
                        "{kind:?} {start:?} → {target:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn cells_parse_as_typed() {
        assert_eq!(parse_cell(CellKind::Count, Some(" 3 ")), Ok(Some(3)));
        assert_eq!(parse_cell(CellKind::Count, Some("")), Ok(None));
        assert_eq!(parse_cell(CellKind::Count, None), Ok(None));
        assert!(parse_cell(CellKind::Count, Some("-1"))
            .unwrap_err()
            .contains("不小于0的整数"));
        assert!(parse_cell(CellKind::Count, Some("1.5")).is_err());
        assert!(parse_cell(CellKind::Count, Some("99999999")).is_err());
        assert_eq!(parse_cell(CellKind::Flag, Some("1")), Ok(Some(1)));
        assert_eq!(parse_cell(CellKind::Flag, None), Ok(None));
    }
}
