//! 申诉: after publication a unit's leader contests a finding on the unit; the administrator accepts it
//! (correcting the finding, or withdrawing it) or rejects it, always with a reason. An accepted appeal is
//! the only way a published period changes, and its change is a ledger entry replacing the appealed one.

use axum::extract::{Path, Query, State};
use axum::response::Redirect;
use axum::Form;
use kaoping_store::{Appeal, AppealStatus, Department, Entry, EntryKind, NewEntry, User};
use maud::{html, Markup};
use serde::Deserialize;

use super::audit::{datetime_of, user_name};
use super::{action, department_of, enc, flash, layout, require, Flash};
use crate::auth::CurrentUser;
use crate::error::ServerError;
use crate::permissions::{allowed, Action};
use crate::scoring::{self, PeriodView};
use crate::state::AppState;

/// Whether the user may file appeals for their own unit in this period.
fn may_file(view: &PeriodView, user: &CurrentUser, dept: Option<&Department>) -> bool {
    user.user.unit_id.is_some_and(|unit_id| {
        allowed(
            &user.user,
            dept,
            Action::FileAppeal {
                unit_id,
                published: view.published(),
            },
        )
    })
}

/// The finding an appeal is about, in words: rule, counts, level, points, note.
fn finding_text(view: &PeriodView, e: &Entry) -> Markup {
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
        @if let Some(p) = &e.points { " · " (p) "分" }
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

fn entry_id(text: Option<&str>) -> Result<i64, ServerError> {
    let t = text.map(str::trim).unwrap_or("");
    t.parse()
        .map_err(|_| ServerError::Invalid(format!("要申诉的记录编号“{t}”无效")))
}

pub async fn form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<NewQuery>,
) -> Result<Markup, ServerError> {
    let view = scoring::load(&state.store, id).await?;
    let dept = department_of(&state, &user).await?;
    require(
        may_file(&view, &user, dept.as_ref()),
        "只有单位负责人可以在考评结果发布后为本单位申诉",
    )?;
    let entry_id = entry_id(q.entry.as_deref())?;
    let entry = view
        .entry(entry_id)
        .ok_or_else(|| ServerError::NotFound(format!("记录#{entry_id}")))?;
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
            p.card { (finding_text(&view, entry)) }
            @if !view.is_active(entry) { div.flash role="alert" { "该记录已被更正或撤回，不能再申诉。" } }
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
) -> Result<Redirect, ServerError> {
    let view = scoring::load(&state.store, id).await?;
    let dept = department_of(&state, &user).await?;
    require(
        may_file(&view, &user, dept.as_ref()),
        "只有单位负责人可以在考评结果发布后为本单位申诉",
    )?;
    let unit_id = user.user.unit_id.expect("may_file needs a unit");
    let entry = entry_id(Some(&f.entry))?;
    let back = |m: &str| {
        Redirect::to(&format!(
            "/periods/{id}/appeals/new?entry={entry}&err={}",
            enc(m)
        ))
    };
    let reason = f.reason.trim();
    if reason.is_empty() {
        return Ok(back("申诉理由：必须写明申诉理由"));
    }
    match state
        .store
        .file_appeal(id, entry, unit_id, reason, user.user.id)
        .await
    {
        Ok(appeal) => {
            state
                .store
                .audit(
                    Some(user.user.id),
                    "appeal",
                    &format!("申诉#{appeal}：针对记录#{entry}，{reason}"),
                )
                .await?;
            Ok(Redirect::to(&format!(
                "/periods/{id}/appeals?msg={}",
                enc(&format!("已提交申诉#{appeal}，等待管理员处理"))
            )))
        }
        Err(e) => {
            let e = ServerError::from(e);
            if e.status().is_server_error() {
                return Err(e);
            }
            Ok(back(&e.user_message()))
        }
    }
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

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(f): Query<Flash>,
) -> Result<Markup, ServerError> {
    let view = scoring::load(&state.store, id).await?;
    let dept = department_of(&state, &user).await?;
    let may_decide = allowed(&user.user, dept.as_ref(), Action::DecideAppeal);
    require(
        may_decide || may_file(&view, &user, dept.as_ref()),
        "只能查看本单位的申诉",
    )?;
    let appeals: Vec<Appeal> = state
        .store
        .appeals(id)
        .await?
        .into_iter()
        .filter(|a| may_decide || Some(a.unit_id) == user.user.unit_id)
        .collect();
    let users = state.store.users().await?;
    let pending = appeals
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
            p.muted { "共" (appeals.len()) "件，待处理" (pending) "件。" }
            @for a in &appeals {
                (appeal_card(&view, &user, &users, a, may_decide))
            }
        },
    ))
}

fn appeal_card(
    view: &PeriodView,
    user: &CurrentUser,
    users: &[User],
    a: &Appeal,
    may_decide: bool,
) -> Markup {
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
    let entry = view.entry(a.entry_id);
    let decision = a.decision_entry_id.and_then(|d| view.entry(d));
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
                    p.muted { "采纳时可填写更正后的考核发现；以下全部留空则撤销该记录。驳回时不改动记录。" }
                    label { "次数" input name="count" inputmode="numeric" placeholder=(entry.and_then(|e| e.count).map(|c| c.to_string()).unwrap_or_default()); }
                    label { "等级" input name="level" placeholder=(entry.and_then(|e| e.level.clone()).unwrap_or_default()); }
                    label { "分值" input name="points" inputmode="decimal" placeholder=(entry.and_then(|e| e.points.clone()).unwrap_or_default()); }
                    label { "说明（留空则沿用原记录的说明）" input name="note" placeholder=(entry.map(|e| e.note.clone()).unwrap_or_default()); }
                    p {
                        button type="submit" name="decision" value="accept" { "采纳" } " "
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
}

impl Decision {
    fn has_correction(&self) -> bool {
        [&self.count, &self.level, &self.points, &self.note]
            .iter()
            .any(|f| !f.trim().is_empty())
    }
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The corrected finding: the appealed entry with the decision's count, level, points and note.
fn correction(
    old: &Entry,
    d: &Decision,
    reason: &str,
    user_id: i64,
) -> Result<NewEntry, ServerError> {
    let count = match opt(&d.count) {
        Some(c) => Some(
            c.parse::<i64>()
                .map_err(|_| ServerError::Invalid(format!("次数：“{c}”不是整数")))?,
        ),
        None => None,
    };
    Ok(NewEntry {
        period_id: old.period_id,
        unit_code: old.unit_code.clone(),
        code: old.code.clone(),
        round: old.round.clone(),
        count,
        level: opt(&d.level),
        points: opt(&d.points),
        note: opt(&d.note).unwrap_or_else(|| old.note.clone()),
        matter: old.matter.clone(),
        date: old.date.clone(),
        due: old.due.clone(),
        source: old.source,
        department_id: old.department_id,
        recorded_by: user_id,
        evidence_id: old.evidence_id,
        kind: EntryKind::AppealDecision,
        replaces: Some(old.id),
        reason: reason.to_string(),
    })
}

pub async fn decide(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, appeal_id)): Path<(i64, i64)>,
    Form(d): Form<Decision>,
) -> Result<Redirect, ServerError> {
    let dept = department_of(&state, &user).await?;
    require(
        allowed(&user.user, dept.as_ref(), Action::DecideAppeal),
        "只有管理员可以处理申诉",
    )?;
    let appeal = state.store.appeal(appeal_id).await?;
    if appeal.period_id != id {
        return Err(ServerError::NotFound(format!("申诉#{appeal_id}")));
    }
    let view = scoring::load(&state.store, id).await?;
    let back = format!("/periods/{id}/appeals");
    let err = |m: &str| {
        Ok(Redirect::to(&format!(
            "{back}?err={}#appeal-{appeal_id}",
            enc(&format!("申诉#{appeal_id}：{m}"))
        )))
    };
    let accept = match d.decision.as_str() {
        "accept" => true,
        "reject" => false,
        _ => return err("处理结果：请选择“采纳”或“驳回”"),
    };
    let reason = d.reason.trim();
    if reason.is_empty() {
        return err("处理理由：必须写明理由");
    }
    if !accept && d.has_correction() {
        return err("驳回申诉时不能填写更正内容；如需更正请选择“采纳”");
    }
    let fix = if accept && d.has_correction() {
        let old = view
            .entry(appeal.entry_id)
            .ok_or_else(|| ServerError::NotFound(format!("记录#{}", appeal.entry_id)))?;
        let fix = match correction(old, &d, reason, user.user.id) {
            Ok(f) => f,
            Err(e) => return err(&e.user_message()),
        };
        if let Err(e) = scoring::check_entry(&view, &fix) {
            return err(&format!("更正后的考核发现：{}", e.user_message()));
        }
        Some(fix)
    } else {
        None
    };
    if let Err(e) = state
        .store
        .decide_appeal(appeal_id, accept, reason, user.user.id, fix.as_ref())
        .await
    {
        let e = ServerError::from(e);
        if e.status().is_server_error() {
            return Err(e);
        }
        return err(&e.user_message());
    }
    let outcome = match (accept, fix.is_some()) {
        (false, _) => "驳回",
        (true, true) => "采纳并更正记录",
        (true, false) => "采纳并撤销记录",
    };
    state
        .store
        .audit(
            Some(user.user.id),
            "appeal_decision",
            &format!(
                "申诉#{appeal_id}（记录#{}）：{outcome}，{reason}",
                appeal.entry_id
            ),
        )
        .await?;
    Ok(Redirect::to(&format!(
        "{back}?msg={}#appeal-{appeal_id}",
        enc(&format!("申诉#{appeal_id}已{outcome}"))
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaoping_store::Source;

    fn decision(count: &str, note: &str) -> Decision {
        Decision {
            decision: "accept".into(),
            reason: "核实".into(),
            count: count.into(),
            level: String::new(),
            points: String::new(),
            note: note.into(),
        }
    }

    #[test]
    fn an_empty_correction_is_a_withdrawal_and_a_filled_one_keeps_the_finding() {
        assert!(!decision(" ", "").has_correction());
        assert!(decision("1", "").has_correction());
        let old = Entry {
            id: 9,
            period_id: 1,
            unit_code: "D01".into(),
            code: "1.4.2".into(),
            round: String::new(),
            count: Some(3),
            level: None,
            points: None,
            note: "三起事故".into(),
            matter: None,
            date: None,
            due: None,
            source: Source::Assessor,
            department_id: Some(3),
            recorded_by: 2,
            evidence_id: Some(4),
            kind: EntryKind::Record,
            replaces: None,
            reason: String::new(),
            recorded_at: 0,
        };
        let fix = correction(&old, &decision("1", ""), "核实为一起", 7).unwrap();
        assert_eq!(fix.count, Some(1));
        assert_eq!(fix.note, "三起事故");
        assert_eq!(fix.replaces, Some(9));
        assert_eq!(fix.kind, EntryKind::AppealDecision);
        assert_eq!(fix.evidence_id, Some(4));
        assert_eq!(fix.recorded_by, 7);
        let bad = correction(&old, &decision("一", ""), "x", 7).unwrap_err();
        assert!(bad.user_message().starts_with("次数"));
    }
}
