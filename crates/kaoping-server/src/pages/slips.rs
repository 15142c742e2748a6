//! Issuing a campaign's codes: the one time they are shown, as an A4 sheet of cut-out slips, each with
//! the vote's address and code as a QR code (inline SVG from the `qrcode` crate) and in print.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use kaoping_app::{CampaignView, IssuedCode};
use maud::{html, Markup, PreEscaped};

use super::html::{back_or_fail, layout, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

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
    let said = format!(
        "已发放投票码{}个。投票码只在此页显示一次，请立即打印（A4，沿虚线裁开），每位评议人一张。",
        codes.len()
    );
    Ok(slips(&user, &v, &codes, &base, &said).into_response())
}

#[derive(serde::Deserialize, Default)]
pub struct ReissueForm {
    #[serde(default)]
    confirm: Option<String>,
}

/// A lost sheet: the unused codes made void and new slips printed for them.
pub async fn reissue_codes(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<ReissueForm>,
) -> PageResult<Response> {
    if f.confirm.is_none() {
        return back_or_fail(
            &format!("/ballots/{id}"),
            kaoping_app::AppError::Invalid("请勾选确认：未用的投票码将全部作废".into()),
        );
    }
    let codes = match state.app.reissue_codes(&user.actor, id).await {
        Ok(c) => c,
        Err(e) => return back_or_fail(&format!("/ballots/{id}"), e),
    };
    let v = state.app.campaign(&user.actor, id).await?;
    let base = vote_base(&state, &headers);
    let said = format!(
        "原来未用的投票码已作废，重新发放{}个。新选票只在此页显示一次，请立即打印，收回并销毁旧选票。",
        codes.len()
    );
    Ok(slips(&user, &v, &codes, &base, &said).into_response())
}

fn slips(
    user: &CurrentUser,
    v: &CampaignView,
    codes: &[IssuedCode],
    base: &str,
    said: &str,
) -> Markup {
    layout(
        &format!("{} 选票", v.row.title),
        Some(user),
        html! {
            div.no-print {
                h1 { (v.row.title) "：选票" }
                div.flash.ok role="status" { (said) }
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
