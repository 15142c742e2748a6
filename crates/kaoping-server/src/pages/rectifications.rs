//! 整改: a period's rectifications (state badges, 逾期 in red, narrowed by unit and state), one
//! rectification with its steps and the forms of the next step (the unit's report with an evidence file;
//! the department's acceptance or return), and the form that requires one from a deduction. The checks
//! are the application's; these pages show and read forms.

use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use axum::Form;
use kaoping_app::china_time::datetime_of;
use kaoping_app::{
    AppError, RectificationQuery, RectificationRequest, RectificationShown, Snapshot,
};
use kaoping_store::{Entry, Rectification, RectificationState};
use maud::{html, Markup};
use serde::Deserialize;

use super::html::{
    action, back, back_or_fail, enc, flash, layout, multiline, pts, read_multipart, Flash,
    PageError, PageResult,
};
use super::sheet::rectification_class;
use crate::session::CurrentUser;
use crate::state::AppState;

/// A state's badge: 逾期 in red, accepted in green, the rest in yellow.
fn badge(shown: &RectificationShown) -> Markup {
    html! { span class={ "badge " (rectification_class(shown)) } { (shown.label()) } }
}

fn unit_name(view: &Snapshot, code: &str) -> String {
    view.org
        .iter()
        .find(|o| o.code == code)
        .map_or(code.to_string(), |o| o.name.clone())
}

/// The deduction in words: unit, rule and what was found.
fn deduction_text(view: &Snapshot, e: &Entry) -> Markup {
    let rubric = &view.rubric;
    let rule_text = match rubric.lookup(&e.code) {
        Some(kaoping_core::rubric::Coded::Rule(r)) => rubric.rules()[r].text.clone(),
        _ => String::new(),
    };
    html! {
        "记录#" (e.id) "：" (unit_name(view, &e.unit_code)) " · " strong { (e.code) } " " (rule_text)
        @if let Some(c) = e.count { " · " (c) "次" }
        @if let Some(p) = e.points { " · " (pts(p)) "分" }
        @if !e.note.is_empty() { " · " (e.note) }
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    unit: Option<String>,
    state: Option<String>,
    msg: Option<String>,
    err: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> PageResult<Markup> {
    let board = state
        .app
        .rectifications(
            &user.actor,
            id,
            &RectificationQuery {
                unit: q.unit,
                state: q.state,
            },
        )
        .await?;
    let view = &*board.snapshot;
    let f = Flash {
        msg: q.msg,
        err: q.err,
    };
    let chosen = board.query.state.as_deref().unwrap_or("");
    let overdue = board.rows.iter().filter(|r| r.shown.overdue).count();
    // The units to narrow to: those of the rectifications shown, and the one chosen.
    let mut units: Vec<String> = board
        .rows
        .iter()
        .map(|r| r.rectification.unit_code.clone())
        .chain(board.query.unit.clone())
        .collect();
    units.sort_unstable();
    units.dedup();
    Ok(layout(
        "整改",
        Some(&user),
        html! {
            h1 { (view.period.name) " · 整改" }
            (flash(&f))
            p.muted { "今天是" (board.today) "。超过整改期限、未验收通过且没有按期提交待验收报告的，标为“逾期”。" }
            form.filters method="get" action=(format!("/periods/{id}/rectifications")) {
                label { "单位"
                    select name="unit" {
                        option value="" { "全部" }
                        @for code in &units {
                            option value=(code) selected[board.query.unit.as_deref() == Some(code.as_str())] { (unit_name(view, code)) }
                        }
                    }
                }
                label { "状态"
                    select name="state" {
                        option value="" { "全部" }
                        @for s in RectificationState::ALL {
                            option value=(s.key()) selected[chosen == s.key()] { (s.name()) }
                        }
                        option value="overdue" selected[chosen == "overdue"] { "逾期" }
                    }
                }
                button type="submit" { "筛选" }
            }
            p.muted { "共" (board.rows.len()) "件，逾期" (overdue) "件。" }
            @if board.rows.is_empty() {
                p { "没有整改记录。要求整改：在考评表或考核记录中，点扣分记录旁的“要求整改”。" }
            }
            @for row in &board.rows {
                @let r = &row.rectification;
                section.card {
                    h2 {
                        a href=(format!("/rectifications/{}", r.id)) { "整改#" (r.id) } " "
                        (badge(&row.shown)) " " (unit_name(view, &r.unit_code))
                    }
                    p {
                        "记录#" (r.entry_id) " · " strong { (r.code) } " · 期限 " (r.due)
                        @if r.superseded { " " span.badge { "扣分已更正或撤回" } }
                    }
                    p { (r.requirement) }
                    p { a href=(format!("/periods/{id}/units/{}", enc(&r.unit_code))) { "考评表" } " · " a href=(format!("/rectifications/{}", r.id)) { "查看和处理" } }
                }
            }
        },
    ))
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(rid): Path<i64>,
    Query(f): Query<Flash>,
) -> PageResult<Markup> {
    let v = state.app.rectification(&user.actor, rid).await?;
    let view = &*v.snapshot;
    let r: &Rectification = &v.rectification;
    let id = view.period.id;
    Ok(layout(
        &format!("整改#{rid}"),
        Some(&user),
        html! {
            h1 { (view.period.name) " · 整改#" (rid) " " (badge(&v.shown)) }
            (flash(&f))
            p.card { (deduction_text(view, &v.entry)) }
            @if r.superseded { div.flash role="status" { "该扣分已被更正或撤回，不再计入得分，也不会标为逾期。" } }
            p { "整改要求：" (multiline(&r.requirement)) }
            p { "整改期限：" strong { (r.due) } @if v.shown.overdue { " " span.badge.bad { "逾期" } } }
            p.muted { (v.user_name(r.created_by)) " 于 " (datetime_of(r.created_at)) " 提出" }
            h2 { "整改过程" }
            @if r.steps.is_empty() { p.muted { "尚未提交整改报告。" } }
            ol {
                @for s in &r.steps {
                    li {
                        strong { (s.kind.name()) } " · " (v.user_name(s.actor)) " · " (s.day)
                        @if !s.text.is_empty() { div { (multiline(&s.text)) } }
                        @if let Some(ev) = s.evidence_id { div { a href=(format!("/periods/{id}/evidence/{ev}")) { "证据" } } }
                    }
                }
            }
            @if v.may_report {
                h2 { "提交整改报告" }
                form.stack method="post" enctype="multipart/form-data" action=(action(&user, &format!("/rectifications/{rid}/report"))) {
                    label { "整改情况（必填）" textarea name="text" rows="5" required {} }
                    label { "证据（图片、PDF或Office文件，可不附）" input type="file" name="evidence"; }
                    button type="submit" { "提交" }
                }
            }
            @if v.may_decide {
                h2 { "验收" }
                form.stack method="post" action=(action(&user, &format!("/rectifications/{rid}/decide"))) {
                    label { "验收意见（退回时必填）" textarea name="reason" rows="3" {} }
                    p {
                        button type="submit" name="decision" value="accept" { "验收通过" } " "
                        button.secondary type="submit" name="decision" value="return" { "退回重新整改" }
                    }
                }
            }
            p {
                a href=(format!("/periods/{id}/rectifications")) { "返回整改列表" } " · "
                a href=(format!("/periods/{id}/units/{}", enc(&r.unit_code))) { "考评表" }
            }
        },
    ))
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    entry: Option<String>,
    err: Option<String>,
}

/// The entry number a form gives. A bad one is refused after the permission: the form of entry 0
/// (which never exists) answers 403 to whoever may not require rectifications.
async fn entry_number(
    state: &AppState,
    user: &CurrentUser,
    period_id: i64,
    text: Option<&str>,
) -> Result<i64, AppError> {
    let t = text.map(str::trim).unwrap_or("");
    match t.parse() {
        Ok(n) => Ok(n),
        Err(_) => match state
            .app
            .rectification_form(&user.actor, period_id, 0)
            .await
        {
            Err(forbidden @ AppError::Forbidden(_)) => Err(forbidden),
            _ => Err(AppError::Invalid(format!("记录编号：“{t}”无效"))),
        },
    }
}

pub async fn form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<NewQuery>,
) -> PageResult<Markup> {
    let entry = entry_number(&state, &user, id, q.entry.as_deref()).await?;
    let (view, entry) = state.app.rectification_form(&user.actor, id, entry).await?;
    let today = state.app.today();
    Ok(layout(
        "要求整改",
        Some(&user),
        html! {
            h1 { (view.period.name) " · 要求整改" }
            @if let Some(e) = &q.err { div.flash role="alert" { (multiline(e)) } }
            p { "对以下扣分要求整改：" }
            p.card { (deduction_text(&view, &entry)) }
            form.stack method="post" action=(action(&user, &format!("/periods/{id}/rectifications"))) {
                input type="hidden" name="entry" value=(entry.id);
                label { "整改要求（必填）" textarea name="requirement" rows="4" required {} }
                label { "整改期限（必填，不早于今天）" input type="date" name="due" min=(today) required; }
                button type="submit" { "要求整改" }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct Requiring {
    #[serde(default)]
    entry: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    requirement: String,
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<Requiring>,
) -> PageResult<Response> {
    let entry = entry_number(&state, &user, id, Some(&f.entry)).await?;
    match state
        .app
        .require_rectification(
            &user.actor,
            id,
            &RectificationRequest {
                entry_id: entry,
                due: f.due,
                requirement: f.requirement,
            },
        )
        .await
    {
        Ok(rid) => Ok(back(
            &format!("/rectifications/{rid}"),
            "msg",
            &format!("已要求整改#{rid}"),
        )),
        Err(e @ (AppError::Forbidden(_) | AppError::NotFound(_))) => Err(e.into()),
        Err(e) => back_or_fail(
            &format!("/periods/{id}/rectifications/new?entry={entry}"),
            e,
        ),
    }
}

pub async fn report(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(rid): Path<i64>,
    multipart: Multipart,
) -> PageResult<Response> {
    let form = read_multipart(multipart, "evidence", "证据文件").await?;
    let text = form.text("text");
    match state
        .app
        .report_rectification(&user.actor, rid, &text, form.file)
        .await
    {
        Ok(()) => Ok(back(
            &format!("/rectifications/{rid}"),
            "msg",
            "已提交整改报告，等待验收",
        )),
        Err(e @ (AppError::Forbidden(_) | AppError::NotFound(_))) => Err(e.into()),
        Err(e) => back_or_fail(&format!("/rectifications/{rid}"), e),
    }
}

#[derive(Deserialize)]
pub struct Decision {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

pub async fn decide(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(rid): Path<i64>,
    Form(d): Form<Decision>,
) -> PageResult<Response> {
    let accept = match d.decision.as_str() {
        "accept" => true,
        "return" => false,
        _ => {
            return Err(PageError(AppError::Invalid(
                "验收结果：请选择“验收通过”或“退回重新整改”".into(),
            )))
        }
    };
    match state
        .app
        .decide_rectification(&user.actor, rid, accept, &d.reason)
        .await
    {
        Ok(()) => Ok(back(
            &format!("/rectifications/{rid}"),
            "msg",
            if accept {
                "已验收通过"
            } else {
                "已退回，等待单位重新整改"
            },
        )),
        Err(e @ (AppError::Forbidden(_) | AppError::NotFound(_))) => Err(e.into()),
        Err(e) => back_or_fail(&format!("/rectifications/{rid}"), e),
    }
}
