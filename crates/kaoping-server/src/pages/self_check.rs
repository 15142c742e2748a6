//! 自查表: a unit's secretary fills in the whole self-assessment on one page, item by item (a fieldset
//! per item, so it reads on a phone), and sees what is already entered and what is not yet self-scored.
//! The form and its save are the application's (`kaoping_app::SelfCheckForm`).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use kaoping_app::{CellKind, SelfCheckForm, SelfCheckOutcome, SelfCheckSubmission};
use kaoping_core::rubric::RuleKind;
use maud::{html, Markup};

use super::grid::Submitted;
use super::html::{action, back, enc, flash, layout, pts, Flash, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

fn address(form: &SelfCheckForm) -> String {
    format!(
        "/periods/{}/units/{}/self",
        form.snapshot.period.id,
        enc(form.code())
    )
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, code)): Path<(i64, String)>,
    Query(f): Query<Flash>,
) -> PageResult<Markup> {
    let form = state.app.self_check(&user.actor, id, &code).await?;
    Ok(form_page(&form, &user, &f, &Submitted::default()))
}

fn form_page(form: &SelfCheckForm, user: &CurrentUser, f: &Flash, sub: &Submitted) -> Markup {
    let view = &form.snapshot;
    let rubric = &view.rubric;
    let id = view.period.id;
    let unit = view.units.unit(form.unit);
    let unscored = form.unscored();
    let sheet = format!("/periods/{id}/units/{}", enc(form.code()));
    layout(
        &format!("{} 自查表", unit.name),
        Some(user),
        html! {
            h1 { (view.period.name) " · " (unit.name) " · 自查表" }
            (flash(f))
            p {
                "自查得分 " strong { (pts(form.own.final_score)) } " 分"
                @if !unscored.is_empty() {
                    " · " span.badge.warn { "未自评：" (unscored.iter().map(|&i| rubric.items()[i].code.as_str()).collect::<Vec<_>>().join("、")) }
                    span.muted { "（须评分的项未填，暂按0分计）" }
                }
                " · " a href=(sheet) { "返回考评表" }
            }
            @if !sub.errors.is_empty() || !sub.general.is_empty() {
                div.flash role="alert" {
                    "有" (sub.errors.len() + sub.general.len()) "处错误，未保存任何修改："
                    ul {
                        @for g in &sub.general { li { (g) } }
                        @for r in rubric.rules() { @if let Some(e) = sub.errors.get(&r.code) { li { (r.code) "：" (e) } } }
                    }
                }
            }
            p.muted { "按次、累进扣分填次数；定额扣分、不得分勾选；分档评分选等级，酌情评分填分值并写明理由。未填的扣分项按没有问题计；须评分的项（分档、酌情）未填时标为“未自评”、暂按0分计。只保存改动过的项；改动或取消已填的自查须写明修改原因。" }
            form.self-check method="post" action=(action(user, &address(form))) {
                @for section in rubric.sections() {
                    h2 { (section.code) " " (section.title) span.muted { "（" (pts(section.points)) "分）" } }
                    @for item_id in section.items.clone() {
                        @let item = &rubric.items()[item_id];
                        @let score = &form.own.items[item_id];
                        fieldset.item {
                            legend {
                                (item.code) " " (item.title) " "
                                span.muted {
                                    @match score.score { Some(s) => { "自查" (pts(s)) "分" }, None => { "自查扣" (pts(score.deducted)) "分" } }
                                    @if !section.pool { "／" (pts(item.max)) }
                                }
                                @if unscored.contains(&item_id) { " " span.badge.warn { "未自评" } }
                            }
                            @for r in item.rules.clone() {
                                (rule_row(form, r, sub))
                            }
                        }
                    }
                }
                div.stack {
                    label { "说明（记入本次新增的每条计次记录，可不填）" input name="note" value=(sub.note); }
                    label { "修改原因（改动或取消已填的自查时必填）" input name="reason" value=(sub.reason); }
                    button type="submit" { "保存自查" }
                }
            }
        },
    )
}

/// One rule of the form: its text, and the input for its kind (or a link to enter it on its own).
fn rule_row(form: &SelfCheckForm, r: usize, sub: &Submitted) -> Markup {
    let view = &form.snapshot;
    let rule = &view.rubric.rules()[r];
    let code = &rule.code;
    let error = sub.errors.get(code);
    let label = format!("{code} {}", rule.text);
    html! {
        div.self-rule.error[error.is_some()] {
            div.rule-text { strong { (code) } " " (rule.text) " " span.muted { "（" (rule.kind.label()) "）" } }
            div.rule-input {
                @match form.takes(r) {
                    Some(kind) => {
                        @let (now, now_note) = form.shown(r, kind);
                        @let shown = sub.values.get(code).cloned().unwrap_or_else(|| now.clone());
                        @let note = sub.notes.get(code).cloned().unwrap_or_else(|| now_note.clone());
                        input type="hidden" name=(format!("o|{code}")) value=(now);
                        @if kind.sets_a_value() {
                            input type="hidden" name=(format!("on|{code}")) value=(now_note);
                            @if let RuleKind::Graded { levels } = &rule.kind {
                                select name=(format!("v|{code}")) aria-label=(label) {
                                    option value="" selected[shown.is_empty()] { "未评" }
                                    @for l in levels { option value=(l.name) selected[shown == l.name] { (l.name) "（" (pts(l.points)) "分）" } }
                                }
                            } @else {
                                input.points type="text" name=(format!("v|{code}")) value=(shown) inputmode="decimal" placeholder="未评" aria-label=(format!("{label} 分值"));
                            }
                            input.reason type="text" name=(format!("n|{code}")) value=(note) placeholder="理由" aria-label=(format!("{label} 理由"));
                        } @else if kind == CellKind::Flag {
                            label.check { input type="checkbox" name=(format!("v|{code}")) value="1" checked[!shown.is_empty()]; " 有此问题" }
                        } @else {
                            input.count type="number" name=(format!("v|{code}")) value=(shown) min="0" step="1" inputmode="numeric" aria-label=(label);
                            span.muted { @if kind == CellKind::Frequency { " 次（实际开展）" } @else { " 次" } }
                        }
                    },
                    None => {
                        @for e in form.entries(r) { span.muted { "已填 记录#" (e.id) } " " }
                        a href=(format!("/periods/{}/entries/new?unit={}&code={}&source=self", view.period.id, enc(form.code()), enc(code))) { "逐条填写" }
                    },
                }
                @if let Some(e) = error { span.badge.bad role="alert" { (e) } }
            }
        }
    }
}

pub async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, code)): Path<(i64, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let mut sub = SelfCheckSubmission::default();
    for (k, v) in &fields {
        match k.split_once('|') {
            Some(("o", code)) => sub.shown.push((code.to_string(), v.clone())),
            Some(("on", code)) => {
                sub.shown_notes.insert(code.to_string(), v.clone());
            }
            Some(("v", code)) => {
                sub.values.insert(code.to_string(), v.clone());
            }
            Some(("n", code)) => {
                sub.notes.insert(code.to_string(), v.clone());
            }
            _ if k == "note" => sub.note.clone_from(v),
            _ if k == "reason" => sub.reason.clone_from(v),
            _ => {}
        }
    }
    let here = format!("/periods/{id}/units/{}/self", enc(&code));
    match state
        .app
        .save_self_check(&user.actor, id, &code, sub)
        .await?
    {
        SelfCheckOutcome::Unchanged => Ok(back(&here, "msg", "没有改动，未保存")),
        SelfCheckOutcome::Saved { entries } => {
            Ok(back(&here, "msg", &format!("已保存自查：{entries}条记录")))
        }
        SelfCheckOutcome::Rejected {
            form,
            errors,
            general,
            submission,
        } => {
            let mut shown = Submitted {
                values: submission.values.clone(),
                notes: submission.notes.clone(),
                errors,
                general,
                note: submission.note.trim().to_string(),
                reason: submission.reason.trim().to_string(),
            };
            // Unticked boxes are not submitted: show them unticked again.
            for (code, _) in &submission.shown {
                shown.values.entry(code.clone()).or_default();
            }
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                form_page(&form, &user, &Flash::default(), &shown),
            )
                .into_response())
        }
    }
}
