//! 评分表: one department's rules (columns) for every unit of a period (rows), for fast entry. Counting
//! rules (按次、累进、频次) take a number, fixed and zero rules (定额扣分、不得分) a tick; rules that set a
//! score (分档、酌情、折合) or need values or dates (比率、时限) link to the single-entry form.
//!
//! Saving compares what the page showed with what was submitted: only changed cells are written, each as
//! ledger entries (a new record for an increase; a correction or withdrawal of the latest records for a
//! decrease). Every change is checked first; with any error, nothing is saved and the page comes back with
//! the error in its cell. A cell that someone else changed meanwhile is an error too (never overwritten).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use kaoping_core::rubric::{AppliesTo, Coded, Rubric, RuleId, RuleKind};
use kaoping_store::{Department, Entry, EntryKind, NewEntry, ReviewStatus, Role, Source};
use maud::{html, Markup};
use serde::Deserialize;

use super::{action, dash, department_of, enc, flash, layout, require, Flash};
use crate::auth::CurrentUser;
use crate::error::ServerError;
use crate::permissions::{allowed, Action};
use crate::scoring::{self, PeriodView};
use crate::state::AppState;

/// The largest count a cell takes (the core refuses more than a million anyway).
const MAX_COUNT: u64 = 1_000_000;

/// How a rule is entered in the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CellKind {
    /// 按次、累进: the number of occurrences; no finding is the same as 0.
    Count,
    /// 频次: the number of times it was done; no finding means "as required" (no deduction), so an empty
    /// cell and 0 differ.
    Frequency,
    /// 定额扣分、不得分: found or not.
    Flag,
}

fn cell_kind(kind: &RuleKind) -> Option<CellKind> {
    match kind {
        RuleKind::PerOccurrence { .. } | RuleKind::Progressive { .. } => Some(CellKind::Count),
        RuleKind::Frequency { .. } => Some(CellKind::Frequency),
        RuleKind::Fixed { .. } | RuleKind::Zero => Some(CellKind::Flag),
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
fn owned_by(rubric: &Rubric, rule: RuleId, dept: &Department) -> bool {
    let item = &rubric.items()[rubric.rules()[rule].item];
    item.department
        .as_deref()
        .is_some_and(|o| o == dept.name || o == dept.code)
}

/// A row of the grid: a unit, or a group whose findings reach every member.
struct Row {
    code: String,
    name: String,
    group: bool,
}

fn rows(view: &PeriodView) -> Vec<Row> {
    let mut rows: Vec<Row> = view
        .units
        .units()
        .iter()
        .map(|u| Row {
            code: u.code.clone(),
            name: u.name.clone(),
            group: false,
        })
        .collect();
    rows.extend(view.units.groups().iter().map(|g| Row {
        code: g.code.clone(),
        name: format!("{}（组）", g.code),
        group: true,
    }));
    rows
}

/// Whether a finding on the rule may name this row.
fn applies(rubric: &Rubric, rule: RuleId, row: &Row) -> bool {
    let r = &rubric.rules()[rule];
    match (r.applies_to, row.group) {
        (AppliesTo::Any, false) | (AppliesTo::Unit, false) | (AppliesTo::Group, true) => true,
        (AppliesTo::Any, true) => cell_kind(&r.kind).is_some() || rubric.items()[r.item].inherit,
        _ => false,
    }
}

/// What the grid shows: the period, the department, the round, and the active entries per cell.
struct Grid<'v> {
    view: &'v PeriodView,
    dept: Department,
    round: usize,
    /// The department's rules, in rubric order.
    rules: Vec<RuleId>,
    rows: Vec<Row>,
    /// Active assessor entries by (row code, rule), oldest first.
    cells: HashMap<(String, RuleId), Vec<&'v Entry>>,
}

impl<'v> Grid<'v> {
    fn new(view: &'v PeriodView, dept: Department, round: usize) -> Grid<'v> {
        let rubric = &view.rubric;
        let rules = (0..rubric.rules().len())
            .filter(|&r| owned_by(rubric, r, &dept))
            .collect::<Vec<_>>();
        let mut cells: HashMap<(String, RuleId), Vec<&Entry>> = HashMap::new();
        for e in view
            .entries
            .iter()
            .filter(|e| e.source == Source::Assessor && view.is_active(e))
        {
            let Some(rule) = rule_of(rubric, &e.code) else {
                continue;
            };
            if rules.contains(&rule) && rubric.round(&e.round) == Some(round) {
                cells
                    .entry((e.unit_code.clone(), rule))
                    .or_default()
                    .push(e);
            }
        }
        Grid {
            rows: rows(view),
            view,
            dept,
            round,
            rules,
            cells,
        }
    }

    fn entries(&self, row: &str, rule: RuleId) -> &[&'v Entry] {
        self.cells
            .get(&(row.to_string(), rule))
            .map_or(&[], Vec::as_slice)
    }

    fn counts(&self, row: &str, rule: RuleId) -> Vec<(i64, u64)> {
        self.entries(row, rule)
            .iter()
            .map(|e| (e.id, entry_count(e)))
            .collect()
    }

    fn round_name(&self) -> String {
        if self.view.rubric.rounds().len() > 1 {
            self.view.rubric.rounds()[self.round].name.clone()
        } else {
            String::new()
        }
    }

    fn query(&self) -> String {
        let mut q = format!("department={}", self.dept.id);
        if self.view.rubric.rounds().len() > 1 {
            q.push_str(&format!("&round={}", enc(&self.round_name())));
        }
        q
    }
}

fn key(row: &str, code: &str) -> String {
    format!("{row}|{code}")
}

#[derive(Deserialize, Default)]
pub struct GridQuery {
    department: Option<String>,
    round: Option<String>,
    msg: Option<String>,
    err: Option<String>,
}

/// The department whose grid is asked for: an assessor's own; for an administrator the one chosen.
fn chosen_department(
    user: &CurrentUser,
    own: Option<&Department>,
    departments: &[Department],
    asked: Option<&str>,
) -> Result<Option<Department>, ServerError> {
    if user.user.role != Role::Admin {
        return Ok(own.cloned());
    }
    match asked.map(str::trim).filter(|a| !a.is_empty()) {
        None => Ok(None),
        Some(a) => {
            let id: i64 = a
                .parse()
                .map_err(|_| ServerError::Invalid(format!("部门“{a}”无效")))?;
            departments
                .iter()
                .find(|d| d.id == id)
                .cloned()
                .map(Some)
                .ok_or_else(|| ServerError::NotFound(format!("部门{id}")))
        }
    }
}

/// 403 unless the user may record on the department's items of this period.
fn require_grid(
    view: &PeriodView,
    user: &CurrentUser,
    own: Option<&Department>,
    chosen: Option<&Department>,
) -> Result<(), ServerError> {
    let published = view.published();
    require(
        allowed(
            &user.user,
            own,
            Action::RecordFinding {
                owner: chosen.map(|d| d.name.as_str()),
                published,
            },
        ),
        if published {
            "考评期已发布锁定，只能通过申诉更改"
        } else {
            "只有考核部门（本部门的评分项）和管理员可以使用评分表"
        },
    )
}

fn round_of(view: &PeriodView, asked: Option<&str>) -> usize {
    asked.and_then(|r| view.rubric.round(r)).unwrap_or_default()
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<GridQuery>,
) -> Result<Markup, ServerError> {
    let view = scoring::load(&state.store, id).await?;
    let own = department_of(&state, &user).await?;
    let departments = state.store.departments().await?;
    let chosen = chosen_department(&user, own.as_ref(), &departments, q.department.as_deref())?;
    require_grid(&view, &user, own.as_ref(), chosen.as_ref())?;
    let fl = Flash {
        msg: q.msg,
        err: q.err,
    };
    let Some(dept) = chosen else {
        return Ok(choose_page(&view, &user, &departments, &fl));
    };
    let review = state
        .store
        .reviews(id)
        .await?
        .into_iter()
        .find(|r| r.department_id == dept.id);
    let grid = Grid::new(&view, dept, round_of(&view, q.round.as_deref()));
    Ok(grid_page(
        &grid,
        &user,
        &departments,
        &fl,
        review.as_ref(),
        &Submitted::default(),
    ))
}

/// An administrator first picks a department.
fn choose_page(
    view: &PeriodView,
    user: &CurrentUser,
    departments: &[Department],
    fl: &Flash,
) -> Markup {
    let id = view.period.id;
    layout(
        "评分表",
        Some(user),
        html! {
            h1 { (view.period.name) " · 评分表" }
            (flash(fl))
            p { "请选择部门：" }
            ul {
                @for d in departments {
                    @let n = (0..view.rubric.rules().len()).filter(|&r| owned_by(&view.rubric, r, d)).count();
                    li {
                        a href=(format!("/periods/{id}/grid?department={}", d.id)) { (d.name) }
                        span.muted { "（" (n) "条评分规则）" }
                    }
                }
            }
        },
    )
}

/// What was submitted, for showing the page again after an error.
#[derive(Default)]
struct Submitted {
    values: HashMap<String, String>,
    errors: HashMap<String, String>,
    general: Vec<String>,
    note: String,
    reason: String,
}

/// A short description of a score-setting entry, for its cell.
fn entry_text(e: &Entry) -> String {
    let mut parts = Vec::new();
    if let Some(l) = &e.level {
        parts.push(l.clone());
    }
    if let Some(p) = &e.points {
        parts.push(format!("{p}分"));
    }
    if let Some(c) = e.count {
        parts.push(format!("{c}次"));
    }
    if let (Some(d), Some(u)) = (&e.date, &e.due) {
        parts.push(format!("{d}/{u}"));
    }
    if parts.is_empty() {
        parts.push("已录入".into());
    }
    parts.join(" ")
}

fn grid_page(
    grid: &Grid<'_>,
    user: &CurrentUser,
    departments: &[Department],
    fl: &Flash,
    review: Option<&kaoping_store::Review>,
    sub: &Submitted,
) -> Markup {
    let view = grid.view;
    let rubric = &view.rubric;
    let id = view.period.id;
    let dept = &grid.dept;
    let is_admin = user.user.role == Role::Admin;
    let any_input = grid
        .rules
        .iter()
        .any(|&r| cell_kind(&rubric.rules()[r].kind).is_some());
    let show_groups = grid
        .rows
        .iter()
        .any(|row| row.group && grid.rules.iter().any(|&r| applies(rubric, r, row)));
    layout(
        &format!("{} 评分表", dept.name),
        Some(user),
        html! {
            h1 { (view.period.name) " · " (dept.name) " · 评分表" }
            (flash(fl))
            @if let Some(r) = review {
                @match r.status {
                    ReviewStatus::Returned => div.flash role="alert" { "已退回：" (r.reason) },
                    ReviewStatus::Submitted => p { span.badge.warn { "已提交，待审核" } },
                    ReviewStatus::Approved => p { span.badge.ok { "审核已通过" } @if !r.reason.is_empty() { " " (r.reason) } },
                }
            }
            @if !sub.errors.is_empty() || !sub.general.is_empty() {
                div.flash role="alert" {
                    "有" (sub.errors.len() + sub.general.len()) "处错误，未保存任何修改："
                    ul {
                        @for g in &sub.general { li { (g) } }
                        @for row in &grid.rows { @for &r in &grid.rules {
                            @if let Some(e) = sub.errors.get(&key(&row.code, &rubric.rules()[r].code)) {
                                li { (row.name) " · " (rubric.rules()[r].code) "：" (e) }
                            }
                        } }
                    }
                }
            }
            @if is_admin {
                div.filters {
                    span { "部门：" }
                    @for d in departments {
                        a.on[d.id == dept.id] href=(format!("/periods/{id}/grid?department={}", d.id)) { (d.name) }
                    }
                }
            }
            @if rubric.rounds().len() > 1 {
                div.filters {
                    span { "轮次：" }
                    @for (i, r) in rubric.rounds().iter().enumerate() {
                        a.on[i == grid.round] href=(format!("/periods/{id}/grid?department={}&round={}", dept.id, enc(&r.name))) { (r.name) }
                    }
                }
            }
            @if grid.rules.is_empty() {
                p.muted { "考评细则中没有由“" (dept.name) "”负责的评分项。" }
            } @else {
                p.muted { "填写次数（按次、累进扣分；频次规则填实际开展次数，留空为未录入），或勾选发现的问题（定额扣分、不得分）。只保存改动过的格子；减少或取消已录入的次数时，系统更正或撤回最近的记录，须写明原因。" }
                form method="post" action=(action(user, &format!("/periods/{id}/grid?{}", grid.query()))) {
                    input type="hidden" name="department" value=(dept.id);
                    input type="hidden" name="round" value=(grid.round_name());
                    div.table-wrap { table.grid {
                        thead { tr {
                            th { "单位" }
                            @for &r in &grid.rules {
                                @let rule = &rubric.rules()[r];
                                th title=(format!("{} {}（{}）", rule.code, rule.text, rule.kind.label())) {
                                    (rule.code) br; span.muted { (rule.kind.label()) }
                                }
                            }
                        } }
                        tbody {
                            @for row in grid.rows.iter().filter(|row| !row.group || show_groups) {
                                tr {
                                    th {
                                        @if row.group { (row.name) }
                                        @else { a href=(format!("/periods/{id}/units/{}", enc(&row.code))) { (row.name) } }
                                    }
                                    @for &r in &grid.rules {
                                        (cell(grid, row, r, sub))
                                    }
                                }
                            }
                        }
                    } }
                    @if any_input {
                        div.stack {
                            label { "说明（记入本次新增的每条记录，可不填）" input name="note" value=(sub.note); }
                            label { "修改原因（减少或取消已录入的次数时必填）" input name="reason" value=(sub.reason); }
                            button type="submit" { "保存修改" }
                        }
                    }
                }
                h2 { "评分规则" }
                div.table-wrap { table {
                    tr { th { "编号" } th { "评分项" } th { "评分标准" } th { "方式" } }
                    @for &r in &grid.rules {
                        @let rule = &rubric.rules()[r];
                        tr {
                            td { (rule.code) }
                            td { (rubric.items()[rule.item].title) }
                            td { (rule.text) }
                            td { (rule.kind.label()) }
                        }
                    }
                } }
            }
            @if user.user.role == Role::Assessor && !view.published() {
                form.inline method="post" action=(action(user, &format!("/periods/{id}/review/submit"))) {
                    button.secondary type="submit" { "本部门录入完毕，提交审核" }
                }
            }
        },
    )
}

/// One cell: an input for counting and fixed rules, a link to the entry form for the others.
fn cell(grid: &Grid<'_>, row: &Row, r: RuleId, sub: &Submitted) -> Markup {
    let view = grid.view;
    let rubric = &view.rubric;
    let rule = &rubric.rules()[r];
    let id = view.period.id;
    if !applies(rubric, r, row) {
        return html! { td.muted { (dash()) } };
    }
    let k = key(&row.code, &rule.code);
    let label = format!("{} {}", row.name, rule.code);
    let error = sub.errors.get(&k);
    match cell_kind(&rule.kind) {
        Some(kind) => {
            let now = cell_text(current(kind, &grid.counts(&row.code, r)));
            let shown = sub.values.get(&k).cloned().unwrap_or_else(|| now.clone());
            html! {
                td.num.error[error.is_some()] {
                    input type="hidden" name=(format!("o|{k}")) value=(now);
                    @if kind == CellKind::Flag {
                        input type="checkbox" name=(format!("v|{k}")) value="1" checked[!shown.is_empty()] aria-label=(label);
                    } @else {
                        input type="number" name=(format!("v|{k}")) value=(shown) min="0" step="1" inputmode="numeric" aria-label=(label);
                    }
                    @if let Some(e) = error { br; span.badge.bad role="alert" { (e) } }
                }
            }
        }
        None => {
            let entries = grid.entries(&row.code, r);
            html! {
                td {
                    @for e in entries {
                        a href=(format!("/periods/{id}/entries/{}/correct", e.id)) title="更正" { (entry_text(e)) } br;
                    }
                    @if entries.is_empty() || matches!(rule.kind, RuleKind::Conversion { .. } | RuleKind::Deadline { .. }) {
                        a href=(format!("/periods/{id}/entries/new?unit={}&code={}", enc(&row.code), enc(&rule.code))) aria-label=(format!("录入 {label}")) { "录入" }
                    }
                }
            }
        }
    }
}

pub async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, ServerError> {
    let view = scoring::load(&state.store, id).await?;
    let own = department_of(&state, &user).await?;
    let departments = state.store.departments().await?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let chosen = chosen_department(&user, own.as_ref(), &departments, field("department"))?;
    require_grid(&view, &user, own.as_ref(), chosen.as_ref())?;
    let dept = chosen.ok_or_else(|| ServerError::Invalid("部门：请选择部门".into()))?;
    let round = round_of(&view, field("round"));
    let grid = Grid::new(&view, dept, round);
    let rubric = &view.rubric;

    // Every submitted cell: its original value and its value now; any rule the user may not record on is
    // refused before anything else.
    let mut originals: Vec<(String, String, String)> = Vec::new();
    let mut values: HashMap<String, String> = HashMap::new();
    for (k, v) in &fields {
        if let Some(rest) = k.strip_prefix("o|") {
            let (row, code) = rest
                .rsplit_once('|')
                .ok_or_else(|| ServerError::Invalid(format!("表单字段“{k}”无效")))?;
            originals.push((row.to_string(), code.to_string(), v.clone()));
        } else if let Some(rest) = k.strip_prefix("v|") {
            values.insert(rest.to_string(), v.clone());
        }
    }
    let published = view.published();
    let mut cells = Vec::new();
    for (row, code, original) in &originals {
        let rule = rule_of(rubric, code)
            .filter(|r| rubric.rules()[*r].code == *code)
            .ok_or_else(|| ServerError::Invalid(format!("评分规则“{code}”不在考评细则中")))?;
        let owner = scoring::owner(rubric, code);
        require(
            allowed(
                &user.user,
                own.as_ref(),
                Action::RecordFinding {
                    owner: owner.as_deref(),
                    published,
                },
            ) && grid.rules.contains(&rule),
            &format!(
                "只能录入本部门负责的评分项{}",
                owner
                    .map(|o| format!("（{code}由“{o}”负责）"))
                    .unwrap_or_default()
            ),
        )?;
        cells.push((row.clone(), rule, original.clone()));
    }

    let mut sub = Submitted {
        values: values.clone(),
        note: field("note").unwrap_or("").trim().to_string(),
        reason: field("reason").unwrap_or("").trim().to_string(),
        ..Submitted::default()
    };
    // Unticked boxes are not submitted: show them unticked again.
    for (row, rule, _) in &cells {
        let k = key(row, &rubric.rules()[*rule].code);
        sub.values.entry(k).or_default();
    }
    let mut changes: Vec<NewEntry> = Vec::new();
    let mut removals = false;
    for (row_code, rule, original) in &cells {
        let def = &rubric.rules()[*rule];
        let k = key(row_code, &def.code);
        let Some(kind) = cell_kind(&def.kind) else {
            continue;
        };
        let Some(row) = grid.rows.iter().find(|r| r.code == *row_code) else {
            sub.errors
                .insert(k, format!("“{row_code}”不是本考评期的单位或组"));
            continue;
        };
        if !applies(rubric, *rule, row) {
            continue;
        }
        let target = match parse_cell(kind, values.get(&k).map(String::as_str)) {
            Ok(t) => t,
            Err(e) => {
                sub.errors.insert(k, e);
                continue;
            }
        };
        let shown = match parse_cell(kind, Some(original)) {
            Ok(t) => normalize(kind, t),
            Err(e) => {
                sub.errors.insert(k, e);
                continue;
            }
        };
        if normalize(kind, target) == shown {
            continue;
        }
        let counts = grid.counts(row_code, *rule);
        let now = current(kind, &counts);
        if now != shown {
            sub.errors.insert(
                k,
                format!(
                    "此格已被他人改为“{}”，请核对后重新填写",
                    match (kind, now) {
                        (_, None) => "空".to_string(),
                        (CellKind::Flag, Some(_)) => "已勾选".to_string(),
                        (_, Some(n)) => n.to_string(),
                    }
                ),
            );
            continue;
        }
        let entries = grid.entries(row_code, *rule);
        let mut cell_errors = Vec::new();
        for op in plan(kind, &counts, target) {
            let entry = match op {
                Op::Record(count) => NewEntry {
                    period_id: id,
                    unit_code: row_code.clone(),
                    code: def.code.clone(),
                    round: grid.round_name(),
                    count: count.map(|c| c as i64),
                    level: None,
                    points: None,
                    note: sub.note.clone(),
                    matter: None,
                    date: None,
                    due: None,
                    source: Source::Assessor,
                    department_id: Some(grid.dept.id),
                    recorded_by: user.user.id,
                    evidence_id: None,
                    kind: EntryKind::Record,
                    replaces: None,
                    reason: String::new(),
                },
                Op::Correct { replaces, count } => {
                    removals = true;
                    let old = entries
                        .iter()
                        .find(|e| e.id == replaces)
                        .expect("plans name the cell's entries");
                    NewEntry {
                        count: Some(count as i64),
                        kind: EntryKind::Correct,
                        replaces: Some(replaces),
                        reason: sub.reason.clone(),
                        recorded_by: user.user.id,
                        department_id: Some(grid.dept.id),
                        ..new_entry_from(old)
                    }
                }
                Op::Withdraw(replaces) => {
                    removals = true;
                    let old = entries
                        .iter()
                        .find(|e| e.id == replaces)
                        .expect("plans name the cell's entries");
                    NewEntry {
                        count: None,
                        level: None,
                        points: None,
                        note: String::new(),
                        matter: None,
                        date: None,
                        due: None,
                        evidence_id: None,
                        kind: EntryKind::Withdraw,
                        replaces: Some(replaces),
                        reason: sub.reason.clone(),
                        recorded_by: user.user.id,
                        department_id: Some(grid.dept.id),
                        ..new_entry_from(old)
                    }
                }
            };
            if entry.kind != EntryKind::Withdraw {
                if let Err(e) = scoring::check_entry(&view, &entry) {
                    cell_errors.push(e.user_message());
                    continue;
                }
            }
            changes.push(entry);
        }
        if !cell_errors.is_empty() {
            sub.errors.insert(k, cell_errors.join("；"));
        }
    }
    if removals && sub.reason.is_empty() {
        sub.general
            .push("修改原因：减少或取消已录入的次数会更正或撤回原记录，必须写明原因".into());
    }
    if !sub.errors.is_empty() || !sub.general.is_empty() {
        let review = state
            .store
            .reviews(id)
            .await?
            .into_iter()
            .find(|r| r.department_id == grid.dept.id);
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            grid_page(
                &grid,
                &user,
                &departments,
                &Flash::default(),
                review.as_ref(),
                &sub,
            ),
        )
            .into_response());
    }
    let back = format!("/periods/{id}/grid?{}", grid.query());
    if changes.is_empty() {
        return Ok(
            Redirect::to(&format!("{back}&msg={}", enc("没有改动，未保存"))).into_response(),
        );
    }
    // All cells in one transaction: either every change lands or none does.
    let saved = match state.store.append_entries(&changes).await {
        Ok(saved) => saved,
        Err((i, e)) => {
            let e = ServerError::from(e);
            if e.status().is_server_error() {
                return Err(e);
            }
            return Ok(Redirect::to(&format!(
                "{back}&err={}",
                enc(&format!(
                    "第{}条改动未能保存：{}。所有改动均未保存，请核对后重试",
                    i + 1,
                    e.user_message()
                ))
            ))
            .into_response());
        }
    };
    let (mut recorded, mut corrected, mut withdrawn) = (0, 0, 0);
    let mut ids = Vec::new();
    for entry in &saved {
        ids.push(format!("#{}", entry.id));
        match entry.kind {
            EntryKind::Correct => corrected += 1,
            EntryKind::Withdraw => withdrawn += 1,
            _ => recorded += 1,
        }
    }
    audit(&state, &user, &grid, &ids).await?;
    let mut parts = Vec::new();
    if recorded > 0 {
        parts.push(format!("新增{recorded}条记录"));
    }
    if corrected > 0 {
        parts.push(format!("更正{corrected}条"));
    }
    if withdrawn > 0 {
        parts.push(format!("撤回{withdrawn}条"));
    }
    Ok(Redirect::to(&format!(
        "{back}&msg={}",
        enc(&format!("已保存：{}", parts.join("，")))
    ))
    .into_response())
}

async fn audit(
    state: &AppState,
    user: &CurrentUser,
    grid: &Grid<'_>,
    ids: &[String],
) -> Result<(), ServerError> {
    if ids.is_empty() {
        return Ok(());
    }
    state
        .store
        .audit(
            Some(user.user.id),
            "grid",
            &format!(
                "评分表（{}，{}）保存记录{}",
                grid.view.period.name,
                grid.dept.name,
                ids.join("、")
            ),
        )
        .await?;
    Ok(())
}

/// A new entry carrying an existing entry's finding (to correct or withdraw it).
fn new_entry_from(e: &Entry) -> NewEntry {
    NewEntry {
        period_id: e.period_id,
        unit_code: e.unit_code.clone(),
        code: e.code.clone(),
        round: e.round.clone(),
        count: e.count,
        level: e.level.clone(),
        points: e.points.clone(),
        note: e.note.clone(),
        matter: e.matter.clone(),
        date: e.date.clone(),
        due: e.due.clone(),
        source: e.source,
        department_id: e.department_id,
        recorded_by: e.recorded_by,
        evidence_id: e.evidence_id,
        kind: e.kind,
        replaces: None,
        reason: e.reason.clone(),
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
