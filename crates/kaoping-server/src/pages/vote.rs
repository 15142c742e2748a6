//! `/vote`: the voter's page, no login. The code (typed, or in the link of a slip's QR code) opens the
//! ballot; the ballot says its rules before it is cast, and a ballot that would not count is shown back
//! with the reasons, to correct or to cast anyway. Works without JavaScript, phone first.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use kaoping_app::{AppError, CastOutcome, VoteForm};
use kaoping_core::ballot::Scale;
use maud::{html, Markup};
use serde::Deserialize;

use super::html::{layout, multiline, pts, PageResult};
use crate::error;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct CodeQuery {
    code: Option<String>,
}

fn code_form(message: Option<&str>, typed: &str) -> Markup {
    layout(
        "投票",
        None,
        html! {
            div.vote {
                h1 { "民主评议投票" }
                @if let Some(m) = message { div.flash role="alert" { (m) } }
                form.stack method="get" action="/vote" {
                    label for="code" { "投票码（见选票，8位）" }
                    input id="code" name="code" required autocomplete="off" autocapitalize="characters"
                        maxlength="20" value=(typed);
                    button type="submit" { "开始投票" }
                }
                p.muted { "投票不记名：系统只记录这个投票码已经用过，不记录它投给了谁。" }
            }
        },
    )
}

/// A refusal of the code as a page with its status.
fn refused(e: AppError, typed: &str) -> PageResult<Response> {
    if e.is_fault() {
        return Err(e.into());
    }
    let status = error::status(&e);
    Ok((status, code_form(Some(&e.user_message()), typed)).into_response())
}

pub async fn page(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<CodeQuery>,
) -> PageResult<Response> {
    let Some(code) = q.code.filter(|c| !c.trim().is_empty()) else {
        return Ok(code_form(None, "").into_response());
    };
    let ip = state.client_ip(addr, &headers);
    match state.app.vote_form(&code, &ip).await {
        Ok(form) => Ok(ballot(&form, &[], &[], None).into_response()),
        Err(e) => refused(e, &code),
    }
}

/// The ballot: each candidate with the scale's choices, the rules above it.
fn ballot(
    form: &VoteForm,
    given: &[(String, String)],
    reasons: &[String],
    error: Option<&str>,
) -> Markup {
    let value = |code: &str| {
        given
            .iter()
            .find(|(c, _)| c == code)
            .map_or("", |(_, v)| v.as_str())
    };
    let campaign = &form.campaign;
    layout(
        &form.title,
        None,
        html! {
            div.vote {
                h1 { (form.title) }
                p.muted { "评议人类别：" (form.class_name) " · 投票码 " (form.code) }
                div.rules {
                    p { "请对每名候选人作出评价，漏评任何一人即为废票。" }
                    @if let Some(n) = campaign.max_excellent() {
                        p { "评为“" (campaign.top_grade().unwrap_or("")) "”的最多" (n) "名，超过即为废票。" }
                    }
                    p { "每个投票码只能投一次，提交后不能修改。" }
                }
                @if let Some(e) = error { div.flash role="alert" { (multiline(e)) } }
                @if !reasons.is_empty() {
                    div.flash role="alert" {
                        strong { "这张票将是废票：" }
                        ul { @for r in reasons { li { (r) } } }
                        "请修改后再提交；如确实要投废票，请勾选下面的确认框。"
                    }
                }
                form method="post" action="/vote" {
                    input type="hidden" name="code" value=(form.code);
                    @for (code, name) in &form.candidates {
                        // Shown back with reasons: the candidates still to rate stand out.
                        fieldset.candidate.unrated[!reasons.is_empty() && value(code).is_empty()] {
                            legend { (name) }
                            @match campaign.scale() {
                                Scale::Grades(grades) => {
                                    div.choices {
                                        @for g in grades {
                                            label.choice {
                                                input type="radio" name=(format!("r:{code}")) value=(g.name)
                                                    checked[value(code) == g.name];
                                                " " (g.name)
                                            }
                                        }
                                    }
                                }
                                Scale::Score { min, max } => {
                                    label.score {
                                        "得分（" (pts(*min)) "～" (pts(*max)) "）"
                                        input type="number" name=(format!("r:{code}")) min=(pts(*min)) max=(pts(*max))
                                            step="any" inputmode="decimal" value=(value(code));
                                    }
                                }
                            }
                        }
                    }
                    @if !reasons.is_empty() {
                        label.check { input type="checkbox" name="cast_invalid" value="1"; " 我确认投出这张废票" }
                    }
                    button.wide type="submit" { "提交投票" }
                }
            }
        },
    )
}

pub async fn cast(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let ip = state.client_ip(addr, &headers);
    let code = fields
        .iter()
        .find(|(k, _)| k == "code")
        .map_or(String::new(), |(_, v)| v.clone());
    let cast_invalid = fields.iter().any(|(k, v)| k == "cast_invalid" && v == "1");
    let ratings: Vec<(String, String)> = fields
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("r:").map(|c| (c.to_string(), v.clone())))
        .collect();
    match state.app.cast(&code, &ratings, cast_invalid, &ip).await {
        Ok(CastOutcome::Cast { reasons }) => Ok(layout(
            "投票成功",
            None,
            html! {
                div.vote {
                    h1 { "投票成功" }
                    @if reasons.is_empty() {
                        div.flash.ok role="status" { "您的选票已收到，谢谢参与。" }
                    } @else {
                        div.flash role="status" { "已按您的确认投出废票。" }
                    }
                    p.muted { "系统只记录这个投票码已经用过，不记录它投给了谁。" }
                }
            },
        )
        .into_response()),
        Ok(CastOutcome::WouldBeInvalid { reasons, form }) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            ballot(&form, &ratings, &reasons, None),
        )
            .into_response()),
        Err(AppError::Invalid(m)) => match state.app.vote_form(&code, &ip).await {
            Ok(form) => Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                ballot(&form, &ratings, &[], Some(&m)),
            )
                .into_response()),
            Err(e) => refused(e, &code),
        },
        Err(e) => refused(e, &code),
    }
}
