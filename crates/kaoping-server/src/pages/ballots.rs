//! 民主评议 pages for those who run a campaign: its participation (and, once closed, its tally), paper
//! slips, closing, the results workbook. The campaign list and form are in `ballot_form.rs`, the slips in
//! `slips.rs`, the voter's pages in `vote.rs`.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Form;
use kaoping_app::{AppError, CampaignView};
use maud::{html, Markup};

use super::html::{action, back, back_or_fail, flash, layout, pts, Flash, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

/// The paper-slip form: the slips as typed.
#[derive(serde::Deserialize)]
pub struct PaperForm {
    #[serde(default)]
    slips: String,
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
                        @if v.quorum_met() {
                            a.button href=(format!("/ballots/{id}/close")) { "结束评议并计分…" }
                        } @else {
                            button type="button" disabled { "结束评议并计分（未达到参评率）" }
                        }
                    }
                }
                @if v.row.codes_issued_at.is_some() && v.issued() > v.used() {
                    details.no-print {
                        summary { "选票遗失？作废未用的投票码并重新发放" }
                        form.stack method="post" action=(action(&user, &format!("/ballots/{id}/codes/reissue"))) {
                            p.muted {
                                "还未使用的" (v.issued() - v.used()) "个投票码将全部作废，按类别重新发放同样数量的新投票码（只显示一次）。"
                                "已投的票和已录入的纸质票不受影响。"
                            }
                            label.check { input type="checkbox" name="confirm" value="1" required; " 确认作废未用的投票码" }
                            button.secondary type="submit" { "作废并重新打印选票" }
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
    Form(form): Form<PaperForm>,
) -> PageResult<Response> {
    let typed = form.slips;
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

/// The closing form: what closing does, and that it cannot be undone.
#[derive(serde::Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    confirm: String,
}

/// 结束评议: a page that says what closing will count and record, before the one-way step.
pub async fn close_confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(f): Query<Flash>,
) -> PageResult<Markup> {
    let v = state.app.campaign(&user.actor, id).await?;
    Ok(layout(
        &format!("结束评议 · {}", v.row.title),
        Some(&user),
        html! {
            h1 { "结束评议：" (v.row.title) }
            (flash(&f))
            @if !v.open() {
                p { "评议已经结束。" a href=(format!("/ballots/{id}")) { "查看结果" } }
            } @else {
                div.flash.warn role="alert" {
                    "结束后不能再投票或录入纸质票，未用的投票码作废；" (v.names.len()) "名候选人的得分按当前计票记入台账（计入 "
                    (v.rule_label) "）。此操作不能撤销。"
                }
                p {
                    "已发投票码" (v.issued()) "个，收回选票" (v.tally.cast_total()) "张：有效" (v.tally.valid_total())
                    "张，无效" (v.tally.invalid_total()) "张；未投" (v.issued() - v.used()) "个。"
                    @if v.quorum_met() { " " span.badge.ok { "已达到参评率" } } @else { " " span.badge.bad { "未达到参评率，不能结束" } }
                }
                form.stack method="post" action=(action(&user, &format!("/ballots/{id}/close"))) {
                    label.check { input type="checkbox" name="confirm" value="yes" required; " 我已核对参评情况，确认结束评议并计分" }
                    div.actions {
                        button type="submit" disabled[!v.quorum_met()] { "确认结束并计分" }
                        a.button.secondary href=(format!("/ballots/{id}")) { "返回，不结束" }
                    }
                }
            }
        },
    ))
}

pub async fn close(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<CloseForm>,
) -> PageResult<Response> {
    let confirm_page = format!("/ballots/{id}/close");
    if form.confirm != "yes" {
        return back_or_fail(
            &confirm_page,
            AppError::Invalid("请勾选确认：结束评议后不能撤销".into()),
        );
    }
    match state.app.close_campaign(&user.actor, id).await {
        Ok(entries) => Ok(back(
            &format!("/ballots/{id}"),
            "msg",
            &format!("评议已结束，{}名候选人的得分已记入台账", entries.len()),
        )),
        Err(e) => back_or_fail(&confirm_page, e),
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
