//! Recording findings (考核发现) with evidence, correcting and withdrawing them (always as new ledger
//! entries, by the application), and evidence downloads.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Form;
use kaoping_app::{Action, AppError, FindingDraft, Snapshot, Withdrawal};
use kaoping_core::rubric::RuleKind;
use kaoping_store::{Entry, Role, Source};
use maud::{html, Markup};
use serde::Deserialize;

use super::html::{
    action, back, enc, layout, opt, parse_count, pts, read_multipart, PageError, PageResult,
};
use crate::error::status;
use crate::session::CurrentUser;
use crate::state::AppState;

#[derive(Deserialize, Default, Clone)]
pub struct Prefill {
    unit: Option<String>,
    code: Option<String>,
    source: Option<String>,
}

/// The values of the finding form, as typed.
#[derive(Default, Clone)]
struct Fields {
    unit: String,
    code: String,
    round: String,
    count: String,
    level: String,
    points: String,
    note: String,
    matter: String,
    date: String,
    due: String,
    source: String,
    replaces: String,
    reason: String,
}

impl Fields {
    /// The form of an existing entry, to correct it.
    fn of(e: &Entry) -> Fields {
        Fields {
            unit: e.unit_code.clone(),
            code: e.code.clone(),
            round: e.round.clone(),
            count: e.count.map(|c| c.to_string()).unwrap_or_default(),
            level: e.level.clone().unwrap_or_default(),
            points: e
                .points
                .map(|p| p.normalize().to_string())
                .unwrap_or_default(),
            note: e.note.clone(),
            matter: e.matter.clone().unwrap_or_default(),
            date: e.date.map(|d| d.to_string()).unwrap_or_default(),
            due: e.due.map(|d| d.to_string()).unwrap_or_default(),
            source: if e.source == Source::SelfCheck {
                "self".into()
            } else {
                String::new()
            },
            replaces: e.id.to_string(),
            reason: String::new(),
        }
    }

    /// The finding as the application takes it: every field typed here, errors naming the field.
    fn draft(&self) -> Result<FindingDraft, AppError> {
        let invalid = |m: String| AppError::Invalid(m);
        let count = opt(&self.count)
            .map(|c| parse_count("次数", &c))
            .transpose()?;
        let points = opt(&self.points)
            .map(|p| p.parse().map_err(|_| invalid(format!("分值“{p}”不是数字"))))
            .transpose()?;
        let date = |text: &str, what: &str| {
            opt(text)
                .map(|t| t.parse().map_err(|e| invalid(format!("{what}：{e}"))))
                .transpose()
        };
        let replaces = opt(&self.replaces)
            .map(|r| {
                r.parse::<i64>()
                    .map_err(|_| invalid("要更正的记录编号无效".into()))
            })
            .transpose()?;
        Ok(FindingDraft {
            unit: self.unit.trim().to_string(),
            code: self.code.trim().to_string(),
            round: self.round.trim().to_string(),
            count,
            level: opt(&self.level),
            points,
            note: self.note.trim().to_string(),
            matter: opt(&self.matter),
            date: date(&self.date, "完成日期")?,
            due: date(&self.due, "截止日期")?,
            self_check: self.source == "self",
            replaces,
            reason: self.reason.trim().to_string(),
        })
    }
}

/// The rules a user may record on: an assessor only their department's items; admins and self-checks all.
fn codes_for(view: &Snapshot, user: &CurrentUser, self_check: bool) -> Vec<(String, String)> {
    let rubric = &view.rubric;
    let mut out = Vec::new();
    for rule in rubric.rules() {
        let item = &rubric.items()[rule.item];
        let ok = self_check
            || user.actor.may(Action::RecordFinding {
                owner: item.department.as_deref(),
                published: false,
            });
        if ok {
            let text: String = rule.text.chars().take(30).collect();
            out.push((
                rule.code.clone(),
                format!("{} {}（{}）", rule.code, text, rule.kind.label()),
            ));
        }
    }
    if user.actor.role() == Role::Admin && !self_check {
        for b in &rubric.bonus().rules {
            out.push((b.code.clone(), format!("{} 奖励加分：{}", b.code, b.title)));
        }
        for v in rubric.vetoes() {
            out.push((v.code.clone(), format!("{} 一票否决：{}", v.code, v.title)));
        }
    }
    out
}

fn form_page(view: &Snapshot, user: &CurrentUser, f: &Fields, error: Option<&str>) -> Markup {
    let id = view.period.id;
    let self_check = f.source == "self";
    let codes = codes_for(view, user, self_check);
    let correcting = !f.replaces.is_empty();
    let title = if correcting {
        "更正考核发现"
    } else if self_check {
        "录入自查"
    } else {
        "录入考核发现"
    };
    let level_names: Vec<String> = view
        .rubric
        .rules()
        .iter()
        .filter_map(|r| match &r.kind {
            RuleKind::Graded { levels } => Some(
                levels
                    .iter()
                    .map(|l| format!("{}：{}", r.code, l.name))
                    .collect::<Vec<_>>()
                    .join("，"),
            ),
            _ => None,
        })
        .collect();
    layout(
        title,
        Some(user),
        html! {
            h1 { (view.period.name) " · " (title) }
            @if let Some(e) = error { div.flash role="alert" { (e) } }
            form.stack method="post" enctype="multipart/form-data" action=(action(user, &format!("/periods/{id}/entries"))) {
                input type="hidden" name="source" value=(f.source);
                input type="hidden" name="replaces" value=(f.replaces);
                label { "单位或组"
                    select name="unit" required {
                        option value="" { "请选择" }
                        @for u in view.units.units() { option value=(u.code) selected[u.code == f.unit] { (u.code) " " (u.name) } }
                        @for g in view.units.groups() { option value=(g.code) selected[g.code == f.unit] { (g.code) "（组：每位成员）" } }
                    }
                }
                label { "评分规则"
                    select name="code" required {
                        option value="" { "请选择" }
                        @for (code, label) in &codes { option value=(code) selected[*code == f.code] { (label) } }
                    }
                }
                @if view.rubric.rounds().len() > 1 {
                    label { "轮次"
                        select name="round" {
                            @for r in view.rubric.rounds() { option value=(r.name) selected[r.name == f.round] { (r.name) } }
                        }
                    }
                }
                label { "次数（按次、累进扣分填发生次数，至少1；频次规则填实际开展次数，没有开展填0；达标得分填达到的项数，不填为1）" input name="count" inputmode="numeric" value=(f.count); }
                label { "等级（分档规则；酌情评分、折合项不适用于本单位时填“不适用”并在说明中写明原因，按满分计）" input name="level" value=(f.level) list="levels"; }
                @if !level_names.is_empty() { p.muted { "可填等级：" (level_names.join("；")) } }
                label { "分值（酌情评分、酌情扣分（须在范围内）、折合原始分、比率的百分数）" input name="points" inputmode="decimal" value=(f.points); }
                label { "事项（奖励加分必填：同一事项只按最高一次）" input name="matter" value=(f.matter); }
                label { "完成日期（时限规则）" input name="date" type="date" value=(f.date); }
                label { "截止日期（时限规则）" input name="due" type="date" value=(f.due); }
                label { "说明（酌情评分、酌情扣分、不适用必须写明理由）" textarea name="note" rows="3" { (f.note) } }
                @if correcting { label { "更正原因" input name="reason" required value=(f.reason); } }
                label { "证据（图片、PDF、Office文件，不超过10MB）" input name="evidence" type="file"; }
                button type="submit" { "保存" }
            }
        },
    )
}

pub async fn form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(p): Query<Prefill>,
) -> PageResult<Markup> {
    let self_check = p.source.as_deref() == Some("self");
    let view = state.app.entry_form(&user.actor, id, self_check).await?;
    let fields = Fields {
        unit: p.unit.unwrap_or_default(),
        code: p.code.unwrap_or_default(),
        source: if self_check {
            "self".into()
        } else {
            String::new()
        },
        ..Fields::default()
    };
    Ok(form_page(&view, &user, &fields, None))
}

pub async fn correct_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, entry)): Path<(i64, i64)>,
) -> PageResult<Markup> {
    let (view, e) = state.app.entry_to_correct(&user.actor, id, entry).await?;
    Ok(form_page(&view, &user, &Fields::of(&e), None))
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> PageResult<Response> {
    let form = read_multipart(multipart, "evidence", "证据文件").await?;
    let fields = Fields {
        unit: form.text("unit"),
        code: form.text("code"),
        round: form.text("round"),
        count: form.text("count"),
        level: form.text("level"),
        points: form.text("points"),
        note: form.text("note"),
        matter: form.text("matter"),
        date: form.text("date"),
        due: form.text("due"),
        source: form.text("source"),
        replaces: form.text("replaces"),
        reason: form.text("reason"),
    };
    let attempt = async {
        let draft = fields.draft()?;
        state.app.record(&user.actor, id, draft, form.file).await
    };
    match attempt.await {
        Ok(saved) => {
            let view = state.app.unit_in_period(id, &saved.unit_code).await;
            let to = match view {
                Some(unit) => format!("/periods/{id}/units/{}", enc(&unit)),
                None => format!("/periods/{id}"),
            };
            Ok(back(&to, "msg", &format!("已保存记录#{}", saved.id)))
        }
        // What the user can fix comes back on the form, as typed.
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let view = state
                .app
                .entry_form(&user.actor, id, fields.source == "self")
                .await;
            match view {
                Ok(view) => Ok((
                    status(&e),
                    form_page(&view, &user, &fields, Some(&e.user_message())),
                )
                    .into_response()),
                Err(_) => Err(PageError(e)),
            }
        }
        Err(e) => Err(PageError(e)),
    }
}

/// 撤回: the finding, and why it is withdrawn (the reason goes into the ledger).
pub async fn withdraw_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, entry)): Path<(i64, i64)>,
) -> PageResult<Markup> {
    let (view, e) = state.app.entry_to_correct(&user.actor, id, entry).await?;
    let unit = view
        .org_of(&e.unit_code)
        .map_or(e.unit_code.clone(), |o| o.name.clone());
    let what = [
        e.count.map(|c| format!("{c}次")),
        e.level.clone(),
        e.points.map(|p| format!("{}分", pts(p))),
        (!e.note.is_empty()).then(|| e.note.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    Ok(layout(
        "撤回考核发现",
        Some(&user),
        html! {
            h1 { (view.period.name) " · 撤回考核发现" }
            p.card { "记录#" (e.id) "：" (unit) " · " strong { (e.code) } @if !what.is_empty() { " · " (what) } }
            p.muted { "撤回不会删除原记录：台账中会增加一条撤回记录，写明原因。" }
            form.stack method="post" action=(action(&user, &format!("/periods/{id}/entries/{}/withdraw", e.id))) {
                label { "撤回原因（必填）" input name="reason" required; }
                button type="submit" { "撤回" }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct Reason {
    #[serde(default)]
    reason: String,
}

pub async fn withdraw(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, entry)): Path<(i64, i64)>,
    Form(r): Form<Reason>,
) -> PageResult<Response> {
    let (old, _) = state
        .app
        .withdraw(
            &user.actor,
            id,
            &Withdrawal {
                entry_id: entry,
                reason: r.reason,
            },
        )
        .await?;
    let to = match state.app.unit_in_period(id, &old.unit_code).await {
        Some(unit) => format!("/periods/{id}/units/{}", enc(&unit)),
        None => format!("/periods/{id}"),
    };
    Ok(back(&to, "msg", &format!("已撤回记录#{}", old.id)))
}

/// Evidence download: only for users who may see a sheet whose entry cites it.
pub async fn evidence(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, evidence)): Path<(i64, i64)>,
) -> PageResult<Response> {
    let (meta, bytes) = state.app.evidence(&user.actor, id, evidence).await?;
    Ok((
        [
            (header::CONTENT_TYPE, meta.mime.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"evidence-{}.{}\"; filename*=UTF-8''{}",
                    meta.id,
                    meta.filename.rsplit('.').next().unwrap_or("bin"),
                    enc(&meta.filename)
                ),
            ),
            // Whatever a browser makes of the file, it runs nothing of it as this site.
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'".to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}
