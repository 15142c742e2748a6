//! 民主评议 pages for those who run a campaign: the period's campaigns and the form that creates one, a
//! campaign's participation and tally, issuing its codes (the printable slips, shown once), paper slips,
//! closing. The voter's pages are in `vote.rs`.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Form;
use kaoping_app::{
    AppError, CampaignInput, CampaignView, ClassInput, GradeInput, IssuedCode, Num, ScaleInput,
};
use kaoping_store::CampaignStatus;
use maud::{html, Markup, PreEscaped};

use super::html::{action, back, back_or_fail, flash, layout, pts, Flash, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

type Fields = Vec<(String, String)>;

fn field<'f>(fields: &'f Fields, name: &str) -> &'f str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// The period's campaigns, and the form to create one (for those who may).
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(f): Query<Flash>,
) -> PageResult<Markup> {
    page(&state, &user, id, &Fields::new(), f).await
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    typed: &Fields,
    f: Flash,
) -> PageResult<Markup> {
    let summary = state.app.summary(&user.actor, id).await?;
    let campaigns = state.app.campaigns(&user.actor, id).await?;
    let rubric = &summary.rubric;
    let conversion_rules: Vec<(String, String)> = rubric
        .rules()
        .iter()
        .filter(|r| matches!(r.kind, kaoping_core::rubric::RuleKind::Conversion { .. }))
        .map(|r| (r.code.clone(), rubric.items()[r.item].title.clone()))
        .collect();
    let may_create = user.actor.role() == kaoping_store::Role::Admin
        || (user.actor.role() == kaoping_store::Role::Assessor && user.actor.department.is_some());
    let value = |name: &str, default: &str| -> String {
        if typed.is_empty() {
            default.to_string()
        } else {
            field(typed, name).to_string()
        }
    };
    let checked: Vec<&str> = typed
        .iter()
        .filter(|(k, _)| k == "candidate")
        .map(|(_, v)| v.as_str())
        .collect();
    let grades = value("grades", "优秀,100\n称职,80\n基本称职,60\n不称职,0");
    let scale_kind = value("scale", "grades");
    Ok(layout(
        &format!("民主评议 {}", summary.period.name),
        Some(user),
        html! {
            h1 { "民主评议 · " (summary.period.name) }
            (flash(&f))
            @if campaigns.is_empty() {
                p.muted { "本考评期还没有评议。" }
            } @else {
                div.table-wrap { table {
                    tr { th { "评议" } th { "计入" } th { "状态" } }
                    @for c in &campaigns {
                        tr {
                            td { a href=(format!("/ballots/{}", c.id)) { (c.title) } }
                            td { (c.rule_code) }
                            td { @if c.status == CampaignStatus::Closed {
                                span.badge.ok { "已结束" }
                            } @else if c.codes_issued_at.is_some() {
                                span.badge.warn { "投票中" }
                            } @else {
                                span.badge { "未发码" }
                            } }
                        }
                    }
                } }
            }
            @if may_create && !summary.published() && !conversion_rules.is_empty() {
                h2 { "新建评议" }
                form.stack method="post" action=(action(user, &format!("/periods/{id}/ballots"))) {
                    label for="title" { "标题" }
                    input id="title" name="title" required value=(value("title", &format!("{}民主评议", summary.period.name)));
                    label for="code" { "计入评分规则（折合得分）" }
                    select id="code" name="code" {
                        @for (code, title) in &conversion_rules {
                            option value=(code) selected[value("code", "") == *code] { (code) " " (title) }
                        }
                    }
                    @if rubric.rounds().len() > 1 {
                        label for="round" { "轮次" }
                        select id="round" name="round" {
                            @for r in rubric.rounds() {
                                option value=(r.code) selected[value("round", "") == r.code] { (r.name) }
                            }
                        }
                    }
                    fieldset {
                        legend { "候选人（被评议的单位或人员）" }
                        div.checks {
                            @for u in summary.units.units() {
                                label.check {
                                    input type="checkbox" name="candidate" value=(u.code)
                                        checked[typed.is_empty() || checked.contains(&u.code.as_str())];
                                    " " (u.name)
                                }
                            }
                        }
                    }
                    label for="classes" { "评议人类别：每行“名称,权重,人数”，权重之和为1" }
                    textarea id="classes" name="classes" rows="3" required {
                        (value("classes", "班子成员,0.3,5\n职工,0.7,30"))
                    }
                    fieldset {
                        legend { "评议方式" }
                        label.check { input type="radio" name="scale" value="grades" checked[scale_kind == "grades"]; " 按等次" }
                        label.check { input type="radio" name="scale" value="score" checked[scale_kind == "score"]; " 按分数" }
                    }
                    label for="grades" { "等次：每行“名称,分值”（按等次时）" }
                    textarea id="grades" name="grades" rows="4" { (grades) }
                    label for="min" { "分数范围（按分数时）" }
                    div.inline {
                        input id="min" name="min" inputmode="decimal" value=(value("min", "0")) aria-label="最低分";
                        " ～ "
                        input id="max" name="max" inputmode="decimal" value=(value("max", "100")) aria-label="最高分";
                    }
                    label for="excellent" { "每张票评为最高等次的人数上限（占候选人%，不限则留空）" }
                    input id="excellent" name="excellent" inputmode="decimal" value=(value("excellent", ""));
                    label for="trim" { "评分达到几个时去掉一个最高分和一个最低分（0为不去掉，至少3）" }
                    input id="trim" name="trim" inputmode="numeric" value=(value("trim", "0"));
                    label for="quorum" { "参评率：投票人数至少占发放投票码的%" }
                    input id="quorum" name="quorum" inputmode="decimal" value=(value("quorum", "67"));
                    button type="submit" { "新建评议" }
                }
            }
        },
    ))
}

/// A percentage typed in a form as a share (`67` → `0.67`).
fn share(text: &str) -> Result<Option<Num>, String> {
    let t = text.trim().trim_end_matches('%');
    if t.is_empty() {
        return Ok(None);
    }
    let p: kaoping_core::Decimal = t.parse().map_err(|_| format!("“{text}”不是百分数"))?;
    Ok(Some(Num::from(p / kaoping_core::Decimal::ONE_HUNDRED)))
}

/// Lines of "a,b,c" (commas, Chinese commas or tabs).
fn rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split([',', '，', '\t'])
                .map(|f| f.trim().to_string())
                .collect()
        })
        .collect()
}

/// The campaign a form describes; a line that is not "name, weight, voters" is named.
fn campaign_input(fields: &Fields) -> Result<CampaignInput, String> {
    let mut errors = Vec::new();
    let mut classes = Vec::new();
    for (i, row) in rows(field(fields, "classes")).into_iter().enumerate() {
        match row.as_slice() {
            [name, weight, voters] => match voters.parse::<u32>() {
                Ok(voters) => classes.push(ClassInput {
                    name: name.clone(),
                    weight: Num::Text(weight.clone()),
                    voters,
                }),
                Err(_) => errors.push(format!("评议人类别第{}行：人数“{voters}”不是整数", i + 1)),
            },
            _ => errors.push(format!("评议人类别第{}行：应写作“名称,权重,人数”", i + 1)),
        }
    }
    let scale = if field(fields, "scale") == "score" {
        ScaleInput::Score {
            min: Num::Text(field(fields, "min").into()),
            max: Num::Text(field(fields, "max").into()),
        }
    } else {
        let mut grades = Vec::new();
        for (i, row) in rows(field(fields, "grades")).into_iter().enumerate() {
            match row.as_slice() {
                [name, value] => grades.push(GradeInput {
                    name: name.clone(),
                    value: Num::Text(value.clone()),
                }),
                _ => errors.push(format!("等次第{}行：应写作“名称,分值”", i + 1)),
            }
        }
        ScaleInput::Grades { grades }
    };
    let excellent = share(field(fields, "excellent")).unwrap_or_else(|e| {
        errors.push(format!("优秀比例：{e}"));
        None
    });
    let quorum = share(field(fields, "quorum"))
        .unwrap_or_else(|e| {
            errors.push(format!("参评率：{e}"));
            None
        })
        .unwrap_or(Num::Text("0".into()));
    let trim = field(fields, "trim").trim();
    let trim = if trim.is_empty() {
        0
    } else {
        trim.parse::<u32>().unwrap_or_else(|_| {
            errors.push(format!("去掉最高最低分：“{trim}”不是整数"));
            0
        })
    };
    let candidates: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "candidate")
        .map(|(_, v)| v.clone())
        .collect();
    if candidates.is_empty() {
        errors.push("候选人：至少选择一名".into());
    }
    if !errors.is_empty() {
        return Err(errors.join("\n"));
    }
    Ok(CampaignInput {
        title: field(fields, "title").into(),
        code: field(fields, "code").into(),
        round: field(fields, "round").into(),
        candidates,
        classes,
        scale,
        max_excellent_share: excellent,
        trim,
        quorum,
    })
}

/// Field paths of the core's problems, in the words of the form.
fn form_words(message: &str) -> String {
    message
        .replace("max_excellent_share", "优秀比例")
        .replace("quorum", "参评率")
        .replace("trim", "去掉最高最低分")
        .replace("scale.grades", "等次")
        .replace("scale.min", "最低分")
        .replace("scale.max", "最高分")
        .replace("scale", "评议方式")
        .replace("classes", "评议人类别")
        .replace("candidates", "候选人")
        .replace("title", "标题")
        .replace("round", "轮次")
        .replace("code", "计入评分规则")
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(fields): Form<Fields>,
) -> PageResult<Response> {
    let result = match campaign_input(&fields) {
        Ok(input) => state
            .app
            .create_campaign(&user.actor, id, input)
            .await
            .map_err(|e| match e {
                AppError::Invalid(m) => AppError::Invalid(form_words(&m)),
                other => other,
            }),
        Err(m) => Err(AppError::Invalid(m)),
    };
    match result {
        Ok(campaign) => Ok(back(&format!("/ballots/{campaign}"), "msg", "已新建评议")),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            // The form again, as typed, with every problem.
            let markup = page(
                &state,
                &user,
                id,
                &fields,
                Flash {
                    msg: None,
                    err: Some(e.user_message()),
                },
            )
            .await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, markup).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn status_badge(v: &CampaignView) -> Markup {
    html! {
        @if !v.open() {
            span.badge.ok { "已结束" }
        } @else if v.row.codes_issued_at.is_some() {
            span.badge.warn { "投票中" }
        } @else {
            span.badge { "未发投票码" }
        }
    }
}

/// A campaign: its rules, participation by class, the tally so far, and what can be done next.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(f): Query<Flash>,
) -> PageResult<Markup> {
    let v = state.app.campaign(&user.actor, id).await?;
    let spec = v.campaign.spec();
    let period = v.row.period_id;
    Ok(layout(
        &v.row.title,
        Some(&user),
        html! {
            p { a href=(format!("/periods/{period}/ballots")) { "← " (v.period_name) " 的评议" } }
            h1 { (v.row.title) " " (status_badge(&v)) }
            (flash(&f))
            p {
                "计入 " (v.rule_label) "；候选人" (v.names.len()) "名；"
                @match spec.scale {
                    kaoping_core::ballot::Scale::Score { min, max } => { "按分数评议（" (pts(min)) "～" (pts(max)) "）" },
                    kaoping_core::ballot::Scale::Grades(ref g) => {
                        "按等次评议（" (g.iter().map(|g| format!("{} {}", g.name, pts(g.value))).collect::<Vec<_>>().join(" / ")) "）"
                    },
                }
                @if let Some(n) = v.campaign.max_excellent() { "；每票“" (v.campaign.top_grade().unwrap_or("")) "”至多" (n) "名" }
                @if spec.trim > 0 { "；某类评分达到" (spec.trim) "个时去掉一个最高分和一个最低分" }
                "；参评率须达到" (pts(spec.quorum * kaoping_core::Decimal::ONE_HUNDRED)) "%。"
            }
            h2 { "参评情况" }
            div.table-wrap { table {
                tr { th { "类别" } th.num { "权重" } th.num { "人数" } th.num { "已发码" } th.num { "手机投票" } th.num { "纸质票" } th.num { "未投" } }
                @for c in &v.classes {
                    tr {
                        td { (c.name) } td.num { (pts(c.weight)) } td.num { (c.voters) }
                        td.num { (c.codes.issued) } td.num { (c.codes.voted) } td.num { (c.codes.paper) }
                        td.num { (c.codes.issued - c.codes.used()) }
                    }
                }
                tr {
                    th { "合计" } td {} td {} td.num { (v.issued()) } td {} td {} td.num { (v.issued() - v.used()) }
                }
            } }
            p {
                "收回选票" (v.tally.cast_total()) "张：有效" (v.tally.valid_total()) "张，无效" (v.tally.invalid_total()) "张"
                @if v.tally.invalid_total() > 0 {
                    "（空白" (v.tally.blank) "，未评全" (v.tally.incomplete) "，最高等次超限" (v.tally.too_many_excellent) "）"
                }
                "。"
                @if v.open() && v.issued() > 0 {
                    @if v.quorum_met() { " " span.badge.ok { "已达到参评率" } } @else { " " span.badge.warn { "未达到参评率" } }
                }
            }
            @if v.may_run && v.open() && !v.published {
                div.actions {
                    @if v.row.codes_issued_at.is_none() {
                        form method="post" action=(action(&user, &format!("/ballots/{id}/codes"))) {
                            p.muted { "投票码只显示一次：发放后请立即打印选票，之后只能看到数量。" }
                            button type="submit" { "发放投票码并打印选票" }
                        }
                    } @else {
                        a.button.secondary href=(format!("/ballots/{id}/paper")) { "录入纸质票" }
                        " "
                        form.inline method="post" action=(action(&user, &format!("/ballots/{id}/close"))) {
                            button type="submit" disabled[!v.quorum_met()] { "结束评议并计分" }
                        }
                    }
                }
            }
            h2 { "计票结果" }
            @if v.open() {
                p.muted { "评议结束后显示各候选人的得分。投票期间只显示参评人数，以免从均分的变化推知某人的投票。" }
            } @else {
            div.table-wrap { table {
                tr {
                    th { "候选人" }
                    @for c in &v.classes { th.num { (c.name) "均分" } }
                    th.num { "加权得分" }
                }
                @for (i, c) in v.tally.candidates.iter().enumerate() {
                    tr {
                        td { (v.names[i]) span.muted { " " (c.code) } }
                        @for k in &c.classes {
                            td.num { @if let Some(m) = k.mean { (pts(m)) span.muted { "（" (k.counted) "票）" } } @else { "—" } }
                        }
                        td.num { @if let Some(r) = c.raw { strong { (pts(r)) } } @else { "—" } }
                    }
                }
            } }
            }
            p { a href=(format!("/ballots/{id}/results.xlsx")) { "下载计票结果（Excel）" } }
        },
    ))
}

/// The address voters reach this server at, as the administrator's browser did.
fn vote_base(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    let scheme = if state.trust_proxy {
        headers
            .get("x-forwarded-proto")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("http")
    } else if state.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}/vote")
}

/// A QR code of `text` as inline SVG.
fn qr_svg(text: &str) -> Markup {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(132, 132)
                .quiet_zone(true)
                .build();
            // The renderer starts with an XML declaration, which has no place inside HTML.
            let svg = match svg.find("<svg") {
                Some(i) => svg[i..].to_string(),
                None => svg,
            };
            PreEscaped(svg)
        }
        Err(_) => html! { span { (text) } },
    }
}

/// Issues the codes and shows the slips: the one time the codes are shown.
pub async fn issue_codes(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let codes = match state.app.issue_codes(&user.actor, id).await {
        Ok(c) => c,
        Err(e) => return back_or_fail(&format!("/ballots/{id}"), e),
    };
    let v = state.app.campaign(&user.actor, id).await?;
    let base = vote_base(&state, &headers);
    Ok(slips(&user, &v, &codes, &base).into_response())
}

fn slips(user: &CurrentUser, v: &CampaignView, codes: &[IssuedCode], base: &str) -> Markup {
    layout(
        &format!("{} 选票", v.row.title),
        Some(user),
        html! {
            div.no-print {
                h1 { (v.row.title) "：选票" }
                div.flash.ok role="status" {
                    "已发放投票码" (codes.len()) "个。投票码只在此页显示一次，请立即打印（A4，沿虚线裁开），每位评议人一张。"
                }
                p { a href=(format!("/ballots/{}", v.row.id)) { "返回评议" } }
            }
            div.slips {
                @for c in codes {
                    div.slip {
                        div.slip-title { (v.row.title) }
                        (qr_svg(&format!("{base}?code={}", c.code)))
                        div.slip-class { "评议人类别：" (c.class) }
                        div.slip-code { "投票码 " strong { (c.code) } }
                        div.slip-how { "用手机扫码，或打开 " (base) " 输入投票码。每码只能投一次，投票不记名。" }
                    }
                }
            }
        },
    )
}

/// The paper-slip entry form.
pub async fn paper_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(f): Query<Flash>,
) -> PageResult<Markup> {
    let v = state.app.campaign(&user.actor, id).await?;
    Ok(paper_page(&user, &v, "", f))
}

fn paper_page(user: &CurrentUser, v: &CampaignView, typed: &str, f: Flash) -> Markup {
    let id = v.row.id;
    let example: Vec<String> = v
        .campaign
        .candidates()
        .iter()
        .map(|_| match v.campaign.scale() {
            kaoping_core::ballot::Scale::Grades(g) => {
                g.first().map(|g| g.name.clone()).unwrap_or_default()
            }
            kaoping_core::ballot::Scale::Score { max, .. } => pts(*max),
        })
        .collect();
    layout(
        &format!("{} 纸质票", v.row.title),
        Some(user),
        html! {
            p { a href=(format!("/ballots/{id}")) { "← " (v.row.title) } }
            h1 { "录入纸质票" }
            (flash(&f))
            p {
                "每行一张票：先写评议人类别（" (v.classes.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join("、")) "），"
                "再按下列顺序写每名候选人的评价，用逗号或制表符隔开（可从Excel粘贴），未评的留空。"
                "每张纸质票抵扣该类别一个未用的投票码；同样的有效票规则适用。"
            }
            ol.muted { @for (code, name) in v.campaign.candidates().iter().zip(&v.names) { li { (name) " " (code) } } }
            p.muted { "例：" (v.classes.first().map(|c| c.name.as_str()).unwrap_or("")) "," (example.join(",")) }
            form.stack method="post" action=(action(user, &format!("/ballots/{id}/paper"))) {
                label for="slips" { "纸质票" }
                textarea id="slips" name="slips" rows="12" required { (typed) }
                button type="submit" { "录入" }
            }
        },
    )
}

pub async fn paper_save(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(fields): Form<Fields>,
) -> PageResult<Response> {
    let typed = field(&fields, "slips").to_string();
    let v = state.app.campaign(&user.actor, id).await?;
    let result = match kaoping_app::paper_slips_from_text(&typed, v.campaign.candidates().len()) {
        Ok(slips) => state.app.enter_paper(&user.actor, id, &slips).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(n) => Ok(back(
            &format!("/ballots/{id}"),
            "msg",
            &format!("已录入纸质票{n}张"),
        )),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let markup = paper_page(
                &user,
                &v,
                &typed,
                Flash {
                    msg: None,
                    err: Some(e.user_message()),
                },
            );
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, markup).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn close(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    match state.app.close_campaign(&user.actor, id).await {
        Ok(entries) => Ok(back(
            &format!("/ballots/{id}"),
            "msg",
            &format!("评议已结束，{}名候选人的得分已记入台账", entries.len()),
        )),
        Err(e) => back_or_fail(&format!("/ballots/{id}"), e),
    }
}

/// The tally as a workbook.
pub async fn results_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let workbook = state.app.campaign_xlsx(&user.actor, id).await?;
    Ok(super::transfer::xlsx_response(workbook))
}
