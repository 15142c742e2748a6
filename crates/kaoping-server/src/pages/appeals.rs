//! 申诉: after publication a unit's leader contests a finding on the unit; the administrator accepts it
//! (correcting the finding, or withdrawing it) or rejects it, always with a reason. The decision and its
//! ledger entry are the application's; this page shows the appeals and reads the forms.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Form;
use kaoping_app::china_time::datetime_of;
use kaoping_app::{AppError, AppealBoard, AppealCorrection, AppealDecision, Snapshot};
use kaoping_store::{Appeal, AppealStatus, Entry, EntryKind};
use maud::{html, Markup};
use serde::Deserialize;

use super::html::{
    action, back, back_or_fail, enc, flash, layout, opt, parse_count, pts, user_name, Flash,
    PageError, PageResult,
};
use crate::session::CurrentUser;
use crate::state::AppState;

/// The finding an appeal is about, in words: rule, counts, level, points, note.
fn finding_text(view: &Snapshot, e: &Entry) -> Markup {
    let rubric = &view.rubric;
    let rule_text = match rubric.lookup(&e.code) {
        Some(kaoping_core::rubric::Coded::Rule(r)) => rubric.rules()[r].text.clone(),
        Some(kaoping_core::rubric::Coded::Item(i)) => rubric.items()[i].title.clone(),
        Some(kaoping_core::rubric::Coded::Bonus(b)) => rubric.bonus().rules[b].title.clone(),
        Some(kaoping_core::rubric::Coded::Veto(v)) => rubric.vetoes()[v].title.clone(),
        _ => String::new(),
    };
    let unit = view
        .units
        .units()
        .iter()
        .find(|u| u.code == e.unit_code)
        .map_or(e.unit_code.clone(), |u| u.name.clone());
    html! {
        "记录#" (e.id) "：" (unit) " · " strong { (e.code) } " " (rule_text)
        @if let Some(c) = e.count { " · " (c) "次" }
        @if let Some(l) = &e.level { " · " (l) }
        @if let Some(p) = e.points { " · " (pts(p)) "分" }
        @if let Some(d) = &e.date { " · 完成" (d) }
        @if let Some(d) = &e.due { " · 截止" (d) }
        @if !e.note.is_empty() { " · " (e.note) }
        @if e.kind == EntryKind::Withdraw { " " span.badge { "撤回" } }
    }
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    entry: Option<String>,
    err: Option<String>,
}

/// The entry a form names, once the actor is known to appeal at all: a bad number matters only then.
async fn appealed_entry(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    text: Option<&str>,
) -> Result<(std::sync::Arc<Snapshot>, Entry, bool), AppError> {
    let t = text.map(str::trim).unwrap_or("");
    match t.parse() {
        Ok(entry) => state.app.appeal_form(&user.actor, id, entry).await,
        // Entry 0 never exists: the permission answers first, then the number is refused.
        Err(_) => match state.app.appeal_form(&user.actor, id, 0).await {
            Err(e @ AppError::Forbidden(_)) => Err(e),
            _ => Err(AppError::Invalid(format!("要申诉的记录编号“{t}”无效"))),
        },
    }
}

pub async fn form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<NewQuery>,
) -> PageResult<Markup> {
    let (view, entry, counts) = appealed_entry(&state, &user, id, q.entry.as_deref()).await?;
    let f = Flash {
        msg: None,
        err: q.err,
    };
    Ok(layout(
        "申诉",
        Some(&user),
        html! {
            h1 { (view.period.name) " · 申诉" }
            (flash(&f))
            p { "对以下考核发现提出申诉：" }
            p.card { (finding_text(&view, &entry)) }
            @if !counts { div.flash role="alert" { "该记录已被更正或撤回，不能再申诉。" } }
            form.stack method="post" action=(action(&user, &format!("/periods/{id}/appeals"))) {
                input type="hidden" name="entry" value=(entry.id);
                label { "申诉理由（必填：说明哪里不符合事实，附上依据）" textarea name="reason" rows="5" required {} }
                button type="submit" { "提交申诉" }
            }
            p { a href=(format!("/periods/{id}/appeals")) { "查看本单位的申诉" } }
        },
    ))
}

#[derive(Deserialize)]
pub struct Filing {
    #[serde(default)]
    entry: String,
    #[serde(default)]
    reason: String,
}

pub async fn file(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<Filing>,
) -> PageResult<Response> {
    let (_, entry, _) = appealed_entry(&state, &user, id, Some(&f.entry)).await?;
    let entry = entry.id;
    match state
        .app
        .file_appeal(&user.actor, id, entry, &f.reason)
        .await
    {
        Ok(appeal) => Ok(back(
            &format!("/periods/{id}/appeals"),
            "msg",
            &format!("已提交申诉#{appeal}，等待管理员处理"),
        )),
        Err(e @ AppError::Forbidden(_)) => Err(e.into()),
        Err(e) => back_or_fail(&format!("/periods/{id}/appeals/new?entry={entry}"), e),
    }
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(f): Query<Flash>,
) -> PageResult<Markup> {
    let board = state.app.appeals(&user.actor, id).await?;
    let view = &board.snapshot;
    let pending = board
        .appeals
        .iter()
        .filter(|a| a.status == AppealStatus::Pending)
        .count();
    Ok(layout(
        "申诉",
        Some(&user),
        html! {
            h1 { (view.period.name) " · 申诉" }
            (flash(&f))
            @if !view.published() { p.muted { "考评结果发布后，单位负责人可在本单位考评表中对考核发现提出申诉。" } }
            p.muted { "共" (board.appeals.len()) "件，待处理" (pending) "件。" }
            @for a in &board.appeals {
                (appeal_card(&board, &user, a))
            }
        },
    ))
}

fn status_badge(a: &Appeal) -> Markup {
    html! {
        @match a.status {
            AppealStatus::Pending => span.badge.warn { "待处理" },
            AppealStatus::Accepted => span.badge.ok { "已采纳" },
            AppealStatus::Rejected => span.badge.bad { "已驳回" },
        }
    }
}

fn appeal_card(board: &AppealBoard, user: &CurrentUser, a: &Appeal) -> Markup {
    let view = &*board.snapshot;
    let users = &board.users;
    let may_decide = board.may_decide;
    let id = view.period.id;
    let unit = view
        .org
        .iter()
        .find(|o| o.id == a.unit_id)
        .map_or(format!("单位{}", a.unit_id), |o| o.name.clone());
    let unit_code = view
        .org
        .iter()
        .find(|o| o.id == a.unit_id)
        .map(|o| o.code.clone());
    let entry = board.entries.get(&a.entry_id);
    let decision = a.decision_entry_id.and_then(|d| board.entries.get(&d));
    html! {
        section.card id=(format!("appeal-{}", a.id)) {
            h2 { "申诉#" (a.id) " " (status_badge(a)) " " (unit) }
            p {
                "针对："
                @match entry { Some(e) => (finding_text(view, e)), None => { "记录#" (a.entry_id) } }
                @if let Some(code) = &unit_code { " · " a href=(format!("/periods/{id}/units/{}", enc(code))) { "考评表" } }
            }
            p { "申诉理由：" (a.reason) }
            p.muted { (user_name(users, Some(a.filed_by))) " 于 " (datetime_of(a.filed_at)) " 提交" }
            @if a.status != AppealStatus::Pending {
                p {
                    "处理意见：" (a.decision_reason.as_deref().unwrap_or(""))
                }
                @if a.status == AppealStatus::Accepted {
                    p { "改判结果："
                        @match decision {
                            Some(d) if d.kind == EntryKind::Withdraw => { "撤销记录#" (a.entry_id) "（记录#" (d.id) "）" },
                            Some(d) => (finding_text(view, d)),
                            None => "—",
                        }
                    }
                }
                p.muted { (user_name(users, a.decided_by)) " 于 " (a.decided_at.map(datetime_of).unwrap_or_default()) " 处理" }
            } @else if may_decide {
                form.stack method="post" action=(action(user, &format!("/periods/{id}/appeals/{}/decide", a.id))) {
                    label { "处理理由（必填）" textarea name="reason" rows="3" required {} }
                    p.muted { "采纳并更正：填写更正后的考核发现。采纳并撤销：以下留空，勾选“确认撤销”。驳回时不改动记录。" }
                    label { "次数" input name="count" inputmode="numeric" placeholder=(entry.and_then(|e| e.count).map(|c| c.to_string()).unwrap_or_default()); }
                    label { "等级" input name="level" placeholder=(entry.and_then(|e| e.level.clone()).unwrap_or_default()); }
                    label { "分值" input name="points" inputmode="decimal" placeholder=(entry.and_then(|e| e.points).map(pts).unwrap_or_default()); }
                    label { "说明（留空则沿用原记录的说明）" input name="note" placeholder=(entry.map(|e| e.note.clone()).unwrap_or_default()); }
                    label.check { input type="checkbox" name="confirm_revoke" value="yes"; " 确认撤销该记录（采纳并撤销时必选）" }
                    p {
                        button type="submit" name="decision" value="accept" { "采纳并更正" } " "
                        button.secondary type="submit" name="decision" value="revoke" { "采纳并撤销记录" } " "
                        button.secondary type="submit" name="decision" value="reject" { "驳回" }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct Decision {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    count: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    points: String,
    #[serde(default)]
    note: String,
    /// Revoking a finding is said twice: the button, and this box ticked.
    #[serde(default)]
    confirm_revoke: String,
}

impl Decision {
    /// The decision as the application takes it; a correction's fields typed here, errors naming them.
    fn parse(&self) -> Result<AppealDecision, AppError> {
        let any = [&self.count, &self.level, &self.points, &self.note]
            .iter()
            .any(|f| !f.trim().is_empty());
        match self.decision.as_str() {
            "reject" if any => Err(AppError::Invalid(
                "驳回申诉时不能填写更正内容；如需更正请选择“采纳”".into(),
            )),
            "reject" => Ok(AppealDecision::Reject),
            // Fields left blank never mean "revoke": that is its own button, confirmed.
            "accept" if !any => Err(AppError::Invalid(
                "采纳并更正：请填写更正后的次数、等级、分值或说明；如要撤销该记录，请勾选“确认撤销”并点“采纳并撤销记录”".into(),
            )),
            "revoke" if any => Err(AppError::Invalid(
                "采纳并撤销：撤销时不能填写更正内容；如需更正请点“采纳并更正”".into(),
            )),
            "revoke" if self.confirm_revoke != "yes" => Err(AppError::Invalid(
                "确认撤销：撤销记录须勾选“确认撤销该记录”".into(),
            )),
            "revoke" => Ok(AppealDecision::Accept(None)),
            "accept" => {
                let count = opt(&self.count)
                    .map(|c| parse_count("次数", &c))
                    .transpose()?;
                let points = opt(&self.points)
                    .map(|p| {
                        p.parse()
                            .map_err(|_| AppError::Invalid(format!("分值：“{p}”不是数字")))
                    })
                    .transpose()?;
                Ok(AppealDecision::Accept(Some(AppealCorrection {
                    count,
                    level: opt(&self.level),
                    points,
                    note: opt(&self.note),
                })))
            }
            _ => Err(AppError::Invalid("处理结果：请选择“采纳”或“驳回”".into())),
        }
    }
}

pub async fn decide(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, appeal_id)): Path<(i64, i64)>,
    Form(d): Form<Decision>,
) -> PageResult<Response> {
    let back_to = format!("/periods/{id}/appeals#appeal-{appeal_id}");
    let fail = |e: AppError| match e {
        AppError::Forbidden(_) | AppError::NotFound(_) => Err(PageError(e)),
        e if e.is_fault() => Err(PageError(e)),
        e => Ok(back(
            &back_to,
            "err",
            &format!("申诉#{appeal_id}：{}", e.user_message()),
        )),
    };
    let decision = match d.parse() {
        Ok(decision) => decision,
        Err(e) => {
            // Only the administrator learns what was wrong with the form.
            if !user.actor.may(kaoping_app::Action::DecideAppeal) {
                return Err(AppError::Forbidden("只有管理员可以处理申诉".into()).into());
            }
            return fail(e);
        }
    };
    match state
        .app
        .decide_appeal(&user.actor, id, appeal_id, &decision, &d.reason)
        .await
    {
        Ok(outcome) => Ok(back(
            &back_to,
            "msg",
            &format!("申诉#{appeal_id}已{outcome}"),
        )),
        Err(e) => fail(e),
    }
}
