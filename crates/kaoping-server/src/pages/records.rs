//! 记录本: a unit's activity records by kind and month (`/periods/{id}/units/{code}/records`) with the
//! form to record one and the forms to withdraw or reject one; every unit's at a glance with the
//! deductions awaiting confirmation (`/periods/{id}/records`); and the 预警 board
//! (`/periods/{id}/warnings`). The application decides everything; these pages show and read forms.

use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use axum::Form;
use kaoping_app::china_time::datetime_of;
use kaoping_app::{
    AppError, CellState, Level, Provisional, RecordBook, RecordDraft, RecordsBoard, WarningBoard,
};
use kaoping_store::RecordAction;
use maud::{html, Markup};
use serde::Deserialize;

use super::html::{
    action, back, back_or_fail, enc, flash, layout, opt, parse_id, read_multipart, Flash,
    PageResult,
};
use crate::session::CurrentUser;
use crate::state::AppState;

/// A cell of the book: the records of a month or quarter, and how it stands.
fn cell(held: u32, needed: u32, state: CellState) -> Markup {
    let (class, title) = match state {
        CellState::Done => ("badge ok", "已记录"),
        CellState::Missed => ("badge bad", "缺记录"),
        CellState::Open => ("badge warn", "本期尚未记录"),
        CellState::Future => ("muted", "未到"),
    };
    html! {
        span class=(class) title=(title) {
            @match state {
                CellState::Future => { "·" }
                _ if needed > 1 => { (held) "/" (needed) }
                CellState::Done => { "✓" (if held > 1 { held.to_string() } else { String::new() }) }
                CellState::Missed => { "缺" }
                CellState::Open => { "待" }
            }
        }
    }
}

/// The pending deductions in words (a sheet shows the same).
pub fn provisional_list(records: &[Provisional]) -> Markup {
    html! {
        ul {
            @for p in records.iter().filter(|p| p.missed() > 0) {
                li {
                    strong { (p.code) } " "
                    @if p.settled { span.badge.ok { "已核定" } } @else if p.pending() { span.badge.warn { "待核定" } }
                    " " (p.note())
                }
            }
        }
    }
}

fn action_name(a: RecordAction) -> &'static str {
    match a {
        RecordAction::Record => "登记",
        RecordAction::Correct => "更正",
        RecordAction::Withdraw => "撤回",
        RecordAction::Reject => "退回",
    }
}

pub async fn book(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, code)): Path<(i64, String)>,
    Query(f): Query<Flash>,
) -> PageResult<Markup> {
    let book = state.app.record_book(&user.actor, id, &code).await?;
    Ok(layout(
        "记录本",
        Some(&user),
        book_page(&user, id, &book, &f),
    ))
}

fn book_page(user: &CurrentUser, id: i64, book: &RecordBook, f: &Flash) -> Markup {
    let view = &book.snapshot;
    let unit = view.units.unit(book.unit);
    let here = format!("/periods/{id}/units/{}/records", enc(&unit.code));
    html! {
        h1 { (unit.name) " · 记录本" }
        p.muted { (view.period.name) " · 截至" (book.today) " · "
            a href=(format!("/periods/{id}/units/{}", enc(&unit.code))) { "考评表" } }
        @if !book.in_use {
            div.flash role="status" { "本考评期还没有登记记录本：登记第一条记录后，各单位缺少的月份和季度才计为扣分和预警（只在纸上记录、年底录入次数的年度不受影响）。" }
        }
        (flash(f))
        @if book.kinds.is_empty() {
            p { "本考评细则没有按记录本计分的规则。" }
        }
        @for k in &book.kinds {
            section.card {
                h2 { (k.kind) " " span.muted { (k.schedule.describe()) } }
                div.table-wrap { table {
                    thead { tr { @for c in &k.cells { th { (short_label(&c.0.label)) } } } }
                    tbody { tr { @for c in &k.cells { td { (cell(c.1, c.0.needed, c.2)) } } } }
                } }
            }
        }
        @if book.provisional.iter().any(|p| p.missed() > 0) {
            section.card {
                h2 { "记录本扣分（暂计）" }
                p.muted { "已过去的月份或季度缺少记录，按考评细则暂计扣分；负责部门核定后记入考核记录。" }
                (provisional_list(&book.provisional))
            }
        }
        @if book.may_keep {
            section.card {
                h2 { "登记记录" }
                form.stack method="post" enctype="multipart/form-data" action=(action(user, &here)) {
                    label { "记录类型" select name="kind" required {
                        @for k in view.rubric.record_kinds() { option value=(k) { (k) } }
                    } }
                    label { "日期" input type="date" name="date" required max=(book.today.to_string()); }
                    label { "主题或内容" input type="text" name="topic" required maxlength="200"; }
                    label { "参加人数" input type="number" name="attendees" min="0" inputmode="numeric"; }
                    label { "应参加人数" input type="number" name="eligible" min="0" inputmode="numeric"; }
                    label { "会议记录或照片（可选）" input type="file" name="evidence"; }
                    details {
                        summary { "更正已有记录" }
                        label { "更正的记录编号" input type="text" name="replaces" inputmode="numeric"; }
                        label { "更正原因" input type="text" name="reason"; }
                    }
                    button type="submit" { "登记" }
                }
            }
        }
        section {
            h2 { "全部记录" }
            @if book.history.is_empty() { p.muted { "还没有记录。" } }
            div.table-wrap { table {
                thead { tr { th { "编号" } th { "类型" } th { "日期" } th { "主题" } th { "参加/应参加" } th { "操作" } th { "登记时间" } th {} } }
                tbody {
                    @for r in book.history.iter().rev() {
                        tr {
                            td { "#" (r.id) }
                            td { (r.kind) }
                            td { (r.held_on) }
                            td {
                                (r.topic)
                                @if let Some(e) = r.evidence_id { " " a href=(format!("/periods/{id}/evidence/{e}")) { "附件" } }
                                @if !r.reason.is_empty() { br; span.muted { "原因：" (r.reason) } }
                            }
                            td { (r.attendees.map_or("-".into(), |a| a.to_string())) "/" (r.eligible.map_or("-".into(), |e| e.to_string())) }
                            td {
                                (action_name(r.action))
                                @if let Some(old) = r.replaces { " #" (old) }
                                @if let Some(by) = r.replaced_by { " " span.badge { "已被#" (by) "取代" } }
                            }
                            td { (datetime_of(r.recorded_at)) }
                            td {
                                @if r.action.counts() && r.replaced_by.is_none() {
                                    @if book.may_keep {
                                        form method="post" action=(action(user, &format!("/periods/{id}/records/{}/withdraw", r.id))) {
                                            input type="hidden" name="back" value=(here);
                                            input type="text" name="reason" placeholder="撤回原因" required;
                                            button type="submit" { "撤回" }
                                        }
                                    }
                                    @if book.may_reject.contains(&r.kind) {
                                        form method="post" action=(action(user, &format!("/periods/{id}/records/{}/reject", r.id))) {
                                            input type="hidden" name="back" value=(here);
                                            input type="text" name="reason" placeholder="退回原因" required;
                                            button type="submit" { "退回" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            } }
        }
    }
}

/// `2024年3月` → `3月`, `2024年第1季度（4月5日前）` → `第1季度（4月5日前）`: the year is the page's.
fn short_label(label: &str) -> &str {
    label.split_once('年').map_or(label, |(_, rest)| rest)
}

pub async fn keep(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, code)): Path<(i64, String)>,
    multipart: Multipart,
) -> PageResult<Response> {
    let here = format!("/periods/{id}/units/{}/records", enc(&code));
    let form = match read_multipart(multipart, "evidence", "附件").await {
        Ok(form) => form,
        Err(e) => return back_or_fail(&here, e),
    };
    let draft = (|| -> Result<RecordDraft, AppError> {
        let number = |field: &str, name: &str| -> Result<Option<i64>, AppError> {
            match opt(&form.text(name)) {
                None => Ok(None),
                Some(t) => t
                    .parse()
                    .map(Some)
                    .map_err(|_| AppError::Invalid(format!("{field}：“{t}”不是整数"))),
            }
        };
        let date = match opt(&form.text("date")) {
            None => None,
            Some(t) => Some(t.parse().map_err(|e: kaoping_core::date::DateError| {
                AppError::Invalid(format!("日期：{e}"))
            })?),
        };
        Ok(RecordDraft {
            unit: code.clone(),
            kind: form.text("kind"),
            date,
            topic: form.text("topic"),
            attendees: number("参加人数", "attendees")?,
            eligible: number("应参加人数", "eligible")?,
            replaces: parse_id("更正的记录编号", &form.text("replaces"))?,
            reason: form.text("reason"),
        })
    })();
    let draft = match draft {
        Ok(d) => d,
        Err(e) => return back_or_fail(&here, e),
    };
    match state
        .app
        .keep_record(&user.actor, id, draft, form.file)
        .await
    {
        Ok(r) => Ok(back(
            &here,
            "msg",
            &format!("已登记记录本#{}：{} {}", r.id, r.kind, r.held_on),
        )),
        Err(e @ AppError::Forbidden(_)) => Err(e.into()),
        Err(e) => back_or_fail(&here, e),
    }
}

#[derive(Deserialize)]
pub struct Replacing {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    back: String,
}

/// Where a form asked to go back to: only this period's record pages.
fn back_to(id: i64, asked: &str) -> String {
    let prefix = format!("/periods/{id}/");
    if asked.starts_with(&prefix) && !asked.contains("//") && asked.ends_with("/records") {
        asked.to_string()
    } else {
        format!("/periods/{id}/records")
    }
}

async fn replace(
    state: AppState,
    user: CurrentUser,
    id: i64,
    rid: i64,
    form: Replacing,
    reject: bool,
) -> PageResult<Response> {
    let here = back_to(id, &form.back);
    match state
        .app
        .replace_record(&user.actor, id, rid, reject, &form.reason)
        .await
    {
        Ok(r) => Ok(back(
            &here,
            "msg",
            &format!(
                "记录本#{rid}已{}（#{}）",
                if reject { "退回" } else { "撤回" },
                r.id
            ),
        )),
        Err(e @ AppError::Forbidden(_)) => Err(e.into()),
        Err(e) => back_or_fail(&here, e),
    }
}

pub async fn withdraw(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, rid)): Path<(i64, i64)>,
    Form(form): Form<Replacing>,
) -> PageResult<Response> {
    replace(state, user, id, rid, form, false).await
}

pub async fn reject(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, rid)): Path<(i64, i64)>,
    Form(form): Form<Replacing>,
) -> PageResult<Response> {
    replace(state, user, id, rid, form, true).await
}

pub async fn board(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(f): Query<Flash>,
) -> PageResult<Markup> {
    let board = state.app.records_board(&user.actor, id).await?;
    Ok(layout(
        "各单位记录本",
        Some(&user),
        board_page(&user, id, &board, &f),
    ))
}

fn board_page(user: &CurrentUser, id: i64, board: &RecordsBoard, f: &Flash) -> Markup {
    let view = &board.snapshot;
    let pending: usize = board.units.iter().map(|u| u.pending.len()).sum();
    html! {
        h1 { (view.period.name) " · 各单位记录本" }
        p.muted { "截至" (board.today) "。“缺”为已过去的月份或季度缺少记录的次数，“待”为本月或本季度尚未记录。 "
            a href=(format!("/periods/{id}/warnings")) { "预警" } }
        @if !board.in_use {
            div.flash role="status" { "本考评期还没有登记记录本：登记第一条记录后，各单位缺少的月份和季度才计为扣分和预警（只在纸上记录、年底录入次数的年度不受影响）。" }
        }
        (flash(f))
        @if board.may_confirm {
            form.card method="post" action=(action(user, &format!("/periods/{id}/records/confirm"))) {
                p { "本部门负责的记录本扣分有" strong { (pending) } "条待核定。核定后记入考核记录（可更正、撤回）。" }
                button type="submit" { "全部核定" }
            }
        }
        div.table-wrap { table {
            thead { tr {
                th { "单位" }
                @for (kind, schedule) in &board.kinds { th { (kind) br; span.muted { (schedule.describe()) } } }
                th { "待核定扣分" }
            } }
            tbody {
                @for u in &board.units {
                    @let unit = view.units.unit(u.unit);
                    tr {
                        td { a href=(format!("/periods/{id}/units/{}/records", enc(&unit.code))) { (unit.name) } }
                        @for (missed, open) in &u.cells {
                            td {
                                @if *missed > 0 { span.badge.bad { "缺" (missed) } " " }
                                @if *open { span.badge.warn { "待" } }
                                @if *missed == 0 && !*open { span.badge.ok { "✓" } }
                            }
                        }
                        td {
                            @for p in &u.pending { div { strong { (p.code) } " " (p.note()) } }
                            @if !u.pending.is_empty() {
                                form method="post" action=(action(user, &format!("/periods/{id}/records/confirm"))) {
                                    input type="hidden" name="unit" value=(unit.code);
                                    button type="submit" { "核定" }
                                }
                            }
                        }
                    }
                }
            }
        } }
    }
}

#[derive(Deserialize)]
pub struct Confirming {
    #[serde(default)]
    unit: String,
}

pub async fn confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<Confirming>,
) -> PageResult<Response> {
    let here = format!("/periods/{id}/records");
    let unit = opt(&form.unit);
    match state
        .app
        .confirm_records(&user.actor, id, unit.as_deref())
        .await
    {
        Ok(entries) if entries.is_empty() => Ok(back(&here, "msg", "没有待核定的记录本扣分")),
        Ok(entries) => Ok(back(
            &here,
            "msg",
            &format!("已核定{}条记录本扣分，记入考核记录", entries.len()),
        )),
        Err(e @ AppError::Forbidden(_)) => Err(e.into()),
        Err(e) => back_or_fail(&here, e),
    }
}

/// A warning level as a badge.
pub fn level_badge(level: Level) -> Markup {
    match level {
        Level::Red => html! { span.badge.bad { "红" } },
        Level::Yellow => html! { span.badge.warn { "黄" } },
    }
}

pub async fn warnings(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    let board = state.app.warnings(&user.actor, id).await?;
    Ok(layout("预警", Some(&user), warnings_page(id, &board)))
}

fn warnings_page(id: i64, board: &WarningBoard) -> Markup {
    let view = &board.snapshot;
    let (red, yellow) = board.counts();
    html! {
        h1 { (view.period.name) " · 预警" }
        @if view.published() {
            p { "考评结果已发布，本考评期不再预警。" }
        } @else {
            p { "红色预警" strong { (red) } "个单位，黄色预警" strong { (yellow) } "个单位；其余单位正常。 "
                a href=(format!("/periods/{id}/records")) { "各单位记录本" } }
            @if !board.by_department.is_empty() {
                h2 { "按部门" }
                div.table-wrap { table {
                    thead { tr { th { "部门" } th { "红色" } th { "黄色" } } }
                    tbody { @for (d, r, y) in &board.by_department {
                        tr { td { @if d.is_empty() { "（得分）" } @else { (d) } } td { (r) } td { (y) } }
                    } }
                } }
            }
            h2 { "按单位" }
            div.table-wrap { table {
                thead { tr { th { "单位" } th { "预警" } th { "原因" } } }
                tbody { @for w in &board.warnings {
                    tr {
                        td { a href=(format!("/periods/{id}/units/{}/records", enc(&w.unit))) { (w.name) } }
                        td { (level_badge(w.level)) }
                        td { ul { @for r in &w.reasons { li { (level_badge(r.level)) " " (r.text) } } } }
                    }
                } }
            } }
        }
    }
}
