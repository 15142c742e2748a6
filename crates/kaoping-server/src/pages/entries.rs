//! Recording findings (考核发现) with evidence, correcting and withdrawing them (always as new ledger
//! entries), the ledger history, and evidence downloads.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use kaoping_core::rubric::RuleKind;
use kaoping_store::{Department, Entry, EntryKind, NewEntry, Role, Source};
use maud::{html, Markup};
use serde::Deserialize;

use super::{action, department_of, enc, layout, require};
use crate::actions;
use crate::auth::CurrentUser;
use crate::error::ServerError;
use crate::permissions::{allowed, Action};
use crate::scoring::{self, PeriodView};
use crate::state::AppState;

/// Evidence types accepted, recognised by their content (never by the file name).
const EVIDENCE_TYPES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/x-ole-storage",
];

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

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The rules a user may record on: an assessor only their department's items; admins and self-checks all.
fn codes_for(
    view: &PeriodView,
    user: &CurrentUser,
    dept: Option<&Department>,
    self_check: bool,
) -> Vec<(String, String)> {
    let rubric = &view.rubric;
    let mut out = Vec::new();
    for rule in rubric.rules() {
        let item = &rubric.items()[rule.item];
        let ok = self_check
            || allowed(
                &user.user,
                dept,
                Action::RecordFinding {
                    owner: item.department.as_deref(),
                    published: false,
                },
            );
        if ok {
            let text: String = rule.text.chars().take(30).collect();
            out.push((
                rule.code.clone(),
                format!("{} {}（{}）", rule.code, text, rule.kind.label()),
            ));
        }
    }
    if user.user.role == Role::Admin && !self_check {
        for b in &rubric.bonus().rules {
            out.push((b.code.clone(), format!("{} 奖励加分：{}", b.code, b.title)));
        }
        for v in rubric.vetoes() {
            out.push((v.code.clone(), format!("{} 一票否决：{}", v.code, v.title)));
        }
    }
    out
}

fn form_page(
    view: &PeriodView,
    user: &CurrentUser,
    dept: Option<&Department>,
    f: &Fields,
    error: Option<&str>,
) -> Markup {
    let id = view.period.id;
    let self_check = f.source == "self";
    let codes = codes_for(view, user, dept, self_check);
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
                label { "次数（按次、累进扣分；频次规则填实际开展次数）" input name="count" inputmode="numeric" value=(f.count); }
                label { "等级（分档规则；酌情评分、折合项不适用于本单位时填“不适用”，按满分计）" input name="level" value=(f.level) list="levels"; }
                @if !level_names.is_empty() { p.muted { "可填等级：" (level_names.join("；")) } }
                label { "分值（酌情评分、折合原始分、比率的百分数）" input name="points" inputmode="decimal" value=(f.points); }
                label { "事项（奖励加分：同一事项只按最高一次）" input name="matter" value=(f.matter); }
                label { "完成日期（时限规则）" input name="date" type="date" value=(f.date); }
                label { "截止日期（时限规则）" input name="due" type="date" value=(f.due); }
                label { "说明（酌情评分必须写明理由）" textarea name="note" rows="3" { (f.note) } }
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
) -> Result<Markup, ServerError> {
    let view = scoring::load(&state.store, id).await?;
    let dept = department_of(&state, &user).await?;
    require(!view.published(), "考评期已发布锁定，只能通过申诉更改")?;
    let fields = Fields {
        unit: p.unit.unwrap_or_default(),
        code: p.code.unwrap_or_default(),
        source: if p.source.as_deref() == Some("self") {
            "self".into()
        } else {
            String::new()
        },
        ..Fields::default()
    };
    Ok(form_page(&view, &user, dept.as_ref(), &fields, None))
}

pub async fn correct_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, entry)): Path<(i64, i64)>,
) -> Result<Markup, ServerError> {
    let view = scoring::load(&state.store, id).await?;
    let dept = department_of(&state, &user).await?;
    let e = view
        .entry(entry)
        .ok_or_else(|| ServerError::NotFound(format!("记录#{entry}")))?;
    let fields = Fields {
        unit: e.unit_code.clone(),
        code: e.code.clone(),
        round: e.round.clone(),
        count: e.count.map(|c| c.to_string()).unwrap_or_default(),
        level: e.level.clone().unwrap_or_default(),
        points: e.points.clone().unwrap_or_default(),
        note: e.note.clone(),
        matter: e.matter.clone().unwrap_or_default(),
        date: e.date.clone().unwrap_or_default(),
        due: e.due.clone().unwrap_or_default(),
        source: if e.source == Source::SelfCheck {
            "self".into()
        } else {
            String::new()
        },
        replaces: e.id.to_string(),
        reason: String::new(),
    };
    Ok(form_page(&view, &user, dept.as_ref(), &fields, None))
}

/// Reads the finding form: its fields and at most one evidence file.
async fn read_form(
    multipart: Multipart,
) -> Result<(Fields, Option<(Vec<u8>, String)>), ServerError> {
    let upload = super::read_upload(multipart, "evidence", "证据文件").await?;
    let text = |name: &str| upload.field(name).unwrap_or("").to_string();
    let f = Fields {
        unit: text("unit"),
        code: text("code"),
        round: text("round"),
        count: text("count"),
        level: text("level"),
        points: text("points"),
        note: text("note"),
        matter: text("matter"),
        date: text("date"),
        due: text("due"),
        source: text("source"),
        replaces: text("replaces"),
        reason: text("reason"),
    };
    Ok((f, upload.file.map(|(name, bytes)| (bytes, name))))
}

/// The evidence's type as its bytes say, if it is one we accept.
pub fn evidence_type(bytes: &[u8]) -> Result<&'static str, ServerError> {
    let kind = infer::get(bytes).map(|k| k.mime_type());
    match kind {
        Some(mime) if EVIDENCE_TYPES.contains(&mime) => Ok(mime),
        Some(mime) => Err(ServerError::Invalid(format!(
            "证据文件的实际类型为{mime}，只接受图片、PDF和Office文件"
        ))),
        None => Err(ServerError::Invalid(
            "无法识别证据文件的类型，只接受图片、PDF和Office文件".into(),
        )),
    }
}

/// Builds the ledger entry from the form; field errors name the field.
fn new_entry(
    view: &PeriodView,
    user: &CurrentUser,
    dept: Option<&Department>,
    f: &Fields,
) -> Result<NewEntry, ServerError> {
    let count = match opt(&f.count) {
        Some(c) => Some(
            c.parse::<i64>()
                .map_err(|_| ServerError::Invalid(format!("次数：“{c}”不是整数")))?,
        ),
        None => None,
    };
    let replaces = match opt(&f.replaces) {
        Some(r) => Some(
            r.parse::<i64>()
                .map_err(|_| ServerError::Invalid("要更正的记录编号无效".into()))?,
        ),
        None => None,
    };
    let round = match opt(&f.round) {
        Some(r) => r,
        None if view.rubric.rounds().len() == 1 => String::new(),
        None => String::new(),
    };
    Ok(NewEntry {
        period_id: view.period.id,
        unit_code: f.unit.trim().to_string(),
        code: f.code.trim().to_string(),
        round,
        count,
        level: opt(&f.level),
        points: opt(&f.points),
        note: f.note.trim().to_string(),
        matter: opt(&f.matter),
        date: opt(&f.date),
        due: opt(&f.due),
        source: if f.source == "self" {
            Source::SelfCheck
        } else {
            Source::Assessor
        },
        department_id: dept.map(|d| d.id),
        recorded_by: user.user.id,
        evidence_id: None,
        kind: if replaces.is_some() {
            EntryKind::Correct
        } else {
            EntryKind::Record
        },
        replaces,
        reason: f.reason.trim().to_string(),
    })
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, ServerError> {
    let view = scoring::load(&state.store, id).await?;
    let dept = department_of(&state, &user).await?;
    let (fields, file) = read_form(multipart).await?;
    let attempt = async {
        let entry = new_entry(&view, &user, dept.as_ref(), &fields)?;
        let evidence = file
            .as_ref()
            .map(|(bytes, name)| (bytes.as_slice(), name.as_str()));
        actions::append_finding(&state, &view, &user, dept.as_ref(), entry, evidence).await
    };
    match attempt.await {
        Ok(saved) => {
            let unit = if view.org.iter().any(|o| o.code == saved.unit_code) {
                saved.unit_code.clone()
            } else {
                String::new()
            };
            let to = if unit.is_empty() {
                format!(
                    "/periods/{id}?msg={}",
                    enc(&format!("已保存记录#{}", saved.id))
                )
            } else {
                format!(
                    "/periods/{id}/units/{}?msg={}",
                    enc(&unit),
                    enc(&format!("已保存记录#{}", saved.id))
                )
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(e @ (ServerError::Invalid(_) | ServerError::Conflict(_) | ServerError::Store(_)))
            if e.status() != StatusCode::INTERNAL_SERVER_ERROR =>
        {
            Ok((
                e.status(),
                form_page(
                    &view,
                    &user,
                    dept.as_ref(),
                    &fields,
                    Some(&e.user_message()),
                ),
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct Reason {
    reason: String,
}

pub async fn withdraw(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, entry)): Path<(i64, i64)>,
    Form(r): Form<Reason>,
) -> Result<Redirect, ServerError> {
    let view = scoring::load(&state.store, id).await?;
    let dept = department_of(&state, &user).await?;
    let (old, _) = actions::withdraw(&state, &view, &user, dept.as_ref(), entry, &r.reason).await?;
    let back = if view.org.iter().any(|o| o.code == old.unit_code) {
        format!("/periods/{id}/units/{}", enc(&old.unit_code))
    } else {
        format!("/periods/{id}")
    };
    Ok(Redirect::to(&format!(
        "{back}?msg={}",
        enc(&format!("已撤回记录#{}", old.id))
    )))
}

fn kind_name(k: EntryKind) -> &'static str {
    match k {
        EntryKind::Record => "记录",
        EntryKind::Correct => "更正",
        EntryKind::Withdraw => "撤回",
        EntryKind::AppealDecision => "申诉改判",
    }
}

/// The whole ledger of a period: every entry ever appended, in order, with who, when and why.
pub async fn ledger(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Markup, ServerError> {
    let view = scoring::load(&state.store, id).await?;
    let dept = department_of(&state, &user).await?;
    require(
        user.user.role != Role::Leader
            && allowed(
                &user.user,
                dept.as_ref(),
                Action::ViewSummary {
                    published: view.published(),
                },
            ),
        "无权查看考核记录",
    )?;
    let users = state.store.users().await?;
    let who = |uid: i64| {
        users
            .iter()
            .find(|u| u.id == uid)
            .map_or("?".to_string(), |u| u.display_name.clone())
    };
    Ok(layout(
        "考核记录",
        Some(&user),
        html! {
            h1 { (view.period.name) " · 考核记录（只增不改）" }
            p.no-print { a.button.secondary href=(format!("/periods/{id}/ledger.xlsx")) { "下载Excel" } }
            div.table-wrap { table {
                tr { th.num { "编号" } th { "类型" } th { "单位" } th { "编号" } th { "内容" } th { "录入人" } th { "时间" } th { "原因" } th { "状态" } }
                @for e in &view.entries {
                    tr {
                        td.num { (e.id) }
                        td { (kind_name(e.kind)) @if let Some(r) = e.replaces { "（替代#" (r) "）" } @if e.source == Source::SelfCheck { " 自查" } }
                        td { (e.unit_code) }
                        td { (e.code) }
                        td { (entry_summary(e)) }
                        td { (who(e.recorded_by)) }
                        td { (super::summary::date_of(e.recorded_at)) }
                        td { (e.reason) }
                        td { @if view.is_active(e) { span.badge.ok { "有效" } } @else { span.muted { "已替代" } } }
                    }
                }
            } }
        },
    ))
}

fn entry_summary(e: &Entry) -> String {
    let mut parts = Vec::new();
    if let Some(c) = e.count {
        parts.push(format!("{c}次"));
    }
    if let Some(l) = &e.level {
        parts.push(l.clone());
    }
    if let Some(p) = &e.points {
        parts.push(format!("{p}分"));
    }
    if !e.note.is_empty() {
        parts.push(e.note.clone());
    }
    parts.join(" · ")
}

/// Evidence download: only for users who may see a sheet whose entry cites it.
pub async fn evidence(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, evidence)): Path<(i64, i64)>,
) -> Result<Response, ServerError> {
    let view = scoring::load(&state.store, id).await?;
    let dept = department_of(&state, &user).await?;
    let published = view.published();
    let visible = view.entries.iter().any(|e| {
        e.evidence_id == Some(evidence)
            && view.org.iter().any(|o| {
                (o.code == e.unit_code || o.member_of.contains(&e.unit_code))
                    && allowed(
                        &user.user,
                        dept.as_ref(),
                        Action::ViewSheet {
                            unit_id: o.id,
                            published,
                        },
                    )
            })
    });
    require(visible, "无权查看该证据")?;
    let (meta, bytes) = state.store.evidence(evidence).await?;
    let filename: String = meta
        .filename
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, meta.mime.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"evidence-{}\"; filename*=UTF-8''{}",
                    meta.id,
                    enc(&filename)
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}
