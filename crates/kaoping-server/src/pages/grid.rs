//! 评分表: one department's rules (columns) for every unit of a period (rows), for fast entry. The grid,
//! its checks and its save are the application's (`kaoping_app::Grid`); this page lays it out and reads
//! the form back.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use kaoping_app::{
    cell_key, cell_kind, owned_by, AppError, CellKind, Grid, GridOutcome, GridRow, GridSubmission,
    GridView, Snapshot,
};
use kaoping_core::rubric::{RuleId, RuleKind};
use kaoping_store::{Department, Entry, ReviewStatus, Role};
use maud::{html, Markup};
use serde::Deserialize;

use super::html::{action, back, dash, enc, flash, layout, pts, Flash, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct GridQuery {
    department: Option<String>,
    round: Option<String>,
    msg: Option<String>,
    err: Option<String>,
}

/// The grid's own address: its department and round.
fn query(grid: &Grid) -> String {
    let mut q = format!("department={}", grid.department.id);
    if grid.snapshot.rubric.rounds().len() > 1 {
        q.push_str(&format!("&round={}", enc(&grid.round_name())));
    }
    q
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<GridQuery>,
) -> PageResult<Markup> {
    let fl = Flash {
        msg: q.msg,
        err: q.err,
    };
    match state
        .app
        .grid(&user.actor, id, q.department.as_deref(), q.round.as_deref())
        .await?
    {
        GridView::Choose(view, departments) => Ok(choose_page(&view, &user, &departments, &fl)),
        GridView::Grid(grid) => Ok(grid_page(&grid, &user, &fl, &Submitted::default())),
    }
}

/// An administrator first picks a department.
fn choose_page(
    view: &Snapshot,
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

/// What was submitted, for showing the form again after an error (the grid's and the self-check's):
/// values and reasons by cell key, each cell's error, errors about the whole form, the note and reason.
#[derive(Default)]
pub(super) struct Submitted {
    pub values: HashMap<String, String>,
    pub notes: HashMap<String, String>,
    pub errors: HashMap<String, String>,
    pub general: Vec<String>,
    pub note: String,
    pub reason: String,
}

/// A short description of a score-setting entry, for its cell.
fn entry_text(e: &Entry) -> String {
    let mut parts = Vec::new();
    if let Some(l) = &e.level {
        parts.push(l.clone());
    }
    if let Some(p) = e.points {
        parts.push(format!("{}分", pts(p)));
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

fn grid_page(grid: &Grid, user: &CurrentUser, fl: &Flash, sub: &Submitted) -> Markup {
    let view = &grid.snapshot;
    let rubric = &view.rubric;
    let id = view.period.id;
    let dept = &grid.department;
    let departments = &grid.departments;
    let review = grid.review.as_ref();
    let query = query(grid);
    let is_admin = user.actor.role() == Role::Admin;
    let any_input = grid
        .rules
        .iter()
        .any(|&r| cell_kind(&rubric.rules()[r].kind).is_some());
    let show_groups = grid
        .rows
        .iter()
        .any(|row| row.group && grid.rules.iter().any(|&r| grid.applies(r, row)));
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
                            @if let Some(e) = sub.errors.get(&cell_key(&row.code, &rubric.rules()[r].code)) {
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
                p.muted { "填写次数（按次、累进扣分；频次规则填实际开展次数，留空为未录入），勾选发现的问题（定额扣分、不得分），分档评分选等级、酌情评分填分值并写明理由（留空为未评，暂按0分计）。只保存改动过的格子；减少或取消已录入的次数、改动已评的等级或分值时，系统更正或撤回原记录，须写明修改原因。" }
                form method="post" action=(action(user, &format!("/periods/{id}/grid?{query}"))) {
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
            @if user.actor.role() == Role::Assessor && !view.published() {
                form.inline method="post" action=(action(user, &format!("/periods/{id}/review/submit"))) {
                    button.secondary type="submit" { "本部门录入完毕，提交审核" }
                }
            }
        },
    )
}

/// One cell: an input for counting and fixed rules, a link to the entry form for the others.
fn cell(grid: &Grid, row: &GridRow, r: RuleId, sub: &Submitted) -> Markup {
    let view = &grid.snapshot;
    let rubric = &view.rubric;
    let rule = &rubric.rules()[r];
    let id = view.period.id;
    if !grid.applies(r, row) {
        return html! { td.muted { (dash()) } };
    }
    let k = cell_key(&row.code, &rule.code);
    let label = format!("{} {}", row.name, rule.code);
    let error = sub.errors.get(&k);
    match cell_kind(&rule.kind) {
        Some(kind) if kind.sets_a_value() => {
            let (now, now_note) = grid.value_text(&row.code, r);
            let shown = sub.values.get(&k).cloned().unwrap_or_else(|| now.clone());
            let note = sub
                .notes
                .get(&k)
                .cloned()
                .unwrap_or_else(|| now_note.clone());
            html! {
                td.value.error[error.is_some()] {
                    input type="hidden" name=(format!("o|{k}")) value=(now);
                    input type="hidden" name=(format!("on|{k}")) value=(now_note);
                    @if let RuleKind::Graded { levels } = &rule.kind {
                        select name=(format!("v|{k}")) aria-label=(label) {
                            option value="" selected[shown.is_empty()] { "未评" }
                            @for l in levels {
                                option value=(l.name) selected[shown == l.name] { (l.name) "（" (pts(l.points)) "分）" }
                            }
                        }
                    } @else {
                        input.points type="text" name=(format!("v|{k}")) value=(shown) inputmode="decimal" placeholder="未评" aria-label=(format!("{label} 分值"));
                    }
                    input.reason type="text" name=(format!("n|{k}")) value=(note) placeholder="理由" aria-label=(format!("{label} 理由"));
                    @if let Some(e) = error { span.badge.bad role="alert" { (e) } }
                }
            }
        }
        Some(kind) => {
            let now = grid.cell_text(&row.code, r, kind);
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
            let entries: Vec<&Entry> = grid.entries(&row.code, r).collect();
            html! {
                td {
                    @for e in &entries {
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
) -> PageResult<Response> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.to_string())
    };
    let mut submission = GridSubmission {
        department: field("department"),
        round: field("round"),
        note: field("note").unwrap_or_default(),
        reason: field("reason").unwrap_or_default(),
        ..GridSubmission::default()
    };
    for (k, v) in &fields {
        if let Some(rest) = k.strip_prefix("o|") {
            let (row, code) = rest
                .rsplit_once('|')
                .ok_or_else(|| AppError::Invalid(format!("表单字段“{k}”无效")))?;
            submission
                .shown
                .push((row.to_string(), code.to_string(), v.clone()));
        } else if let Some(rest) = k.strip_prefix("v|") {
            submission.values.insert(rest.to_string(), v.clone());
        } else if let Some(rest) = k.strip_prefix("on|") {
            submission.shown_notes.insert(rest.to_string(), v.clone());
        } else if let Some(rest) = k.strip_prefix("n|") {
            submission.notes.insert(rest.to_string(), v.clone());
        }
    }
    match state.app.save_grid(&user.actor, id, submission).await? {
        // A change refused while writing: nothing was saved; say so on the grid.
        GridOutcome::NotSaved { grid, message } => Ok(back(
            &format!("/periods/{id}/grid?{}", query(&grid)),
            "err",
            &message,
        )),
        GridOutcome::Unchanged(grid) => Ok(back(
            &format!("/periods/{id}/grid?{}", query(&grid)),
            "msg",
            "没有改动，未保存",
        )),
        GridOutcome::Saved {
            grid,
            recorded,
            corrected,
            withdrawn,
        } => {
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
            Ok(back(
                &format!("/periods/{id}/grid?{}", query(&grid)),
                "msg",
                &format!("已保存：{}", parts.join("，")),
            ))
        }
        GridOutcome::Rejected {
            grid,
            errors,
            general,
            submission,
        } => {
            let mut sub = Submitted {
                values: submission.values.clone(),
                notes: submission.notes.clone(),
                errors,
                general,
                note: submission.note.trim().to_string(),
                reason: submission.reason.trim().to_string(),
            };
            // Unticked boxes are not submitted: show them unticked again.
            for (row, code, _) in &submission.shown {
                sub.values.entry(cell_key(row, code)).or_default();
            }
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                grid_page(&grid, &user, &Flash::default(), &sub),
            )
                .into_response())
        }
    }
}
