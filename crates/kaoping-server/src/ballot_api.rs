//! The ballot part of the JSON API: campaigns, codes, paper slips, closing, and the vote itself (no
//! login: the code is the right to vote once).

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use kaoping_app::{CampaignInput, CampaignView, CastOutcome, PaperSlip};
use kaoping_store::CampaignStatus;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api_plumbing::{body, ApiResult, ApiUser};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/periods/{id}/ballots", get(list).post(create))
        .route("/api/ballots/{id}", get(show))
        .route("/api/ballots/{id}/codes", post(codes))
        .route("/api/ballots/{id}/codes/reissue", post(reissue))
        .route("/api/ballots/{id}/paper", post(paper))
        .route("/api/ballots/{id}/close", post(close))
        .route("/api/vote", post(vote))
}

async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let rows = state.app.campaigns(&user.actor, id).await?;
    Ok(Json(json!(rows
        .iter()
        .map(|r| json!({
            "id": r.id,
            "title": r.title,
            "code": r.rule_code,
            "status": status_name(r.status),
            "codes_issued": r.codes_issued_at.is_some(),
        }))
        .collect::<Vec<_>>())))
}

fn status_name(s: CampaignStatus) -> &'static str {
    match s {
        CampaignStatus::Open => "open",
        CampaignStatus::Closed => "closed",
    }
}

async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    json: Result<Json<CampaignInput>, JsonRejection>,
) -> ApiResult<Response> {
    let input = body(json)?;
    let campaign = state.app.create_campaign(&user.actor, id, input).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": campaign }))).into_response())
}

/// A campaign's state: participation and the tally (no ballot is ever shown on its own).
fn view_json(v: &CampaignView) -> Value {
    let tally: Vec<Value> = v
        .tally
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            json!({
                "candidate": c.code,
                "name": v.names[i],
                "raw": c.raw.map(|r| r.normalize().to_string()),
                "classes": c.classes.iter().zip(&v.classes).map(|(k, class)| json!({
                    "class": class.name,
                    "ratings": k.ratings,
                    "counted": k.counted,
                    "dropped": k.dropped.map(|(hi, lo)| json!({
                        "highest": hi.normalize().to_string(),
                        "lowest": lo.normalize().to_string(),
                    })),
                    "mean": k.mean.map(|m| m.normalize().to_string()),
                })).collect::<Vec<_>>(),
                "explanation": v.explain(i),
            })
        })
        .collect();
    json!({
        "id": v.row.id,
        "period": v.row.period_id,
        "title": v.row.title,
        "code": v.row.rule_code,
        "round": v.row.round,
        "status": status_name(v.row.status),
        "codes_issued": v.row.codes_issued_at.is_some(),
        "issued": v.issued(),
        "used": v.used(),
        "valid": v.tally.valid_total(),
        "invalid": v.tally.invalid_total(),
        "quorum_met": v.quorum_met(),
        "classes": v.classes.iter().enumerate().map(|(i, c)| json!({
            "name": c.name,
            "weight": c.weight.normalize().to_string(),
            "voters": c.voters,
            "issued": c.codes.issued,
            "voted": c.codes.voted,
            "paper": c.codes.paper,
            "void": c.codes.void,
            "valid": v.tally.valid.get(i),
            "cast": v.tally.cast.get(i),
        })).collect::<Vec<_>>(),
        // While the vote is on: null (the ratings are shown only once it is closed).
        "tally": if v.open() { Value::Null } else { json!(tally) },
    })
}

async fn show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let v = state.app.campaign(&user.actor, id).await?;
    Ok(Json(view_json(&v)))
}

async fn codes(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let codes = state.app.issue_codes(&user.actor, id).await?;
    Ok(Json(json!({ "codes": codes })))
}

async fn reissue(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let codes = state.app.reissue_codes(&user.actor, id).await?;
    Ok(Json(json!({ "codes": codes })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PaperBody {
    slips: Vec<PaperSlip>,
}

async fn paper(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    json: Result<Json<PaperBody>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    let b = body(json)?;
    let n = state.app.enter_paper(&user.actor, id, &b.slips).await?;
    Ok(Json(json!({ "entered": n })))
}

async fn close(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let entries = state.app.close_campaign(&user.actor, id).await?;
    let v = state.app.campaign(&user.actor, id).await?;
    let mut out = view_json(&v);
    out["entries"] = json!(entries.iter().map(|e| e.id).collect::<Vec<_>>());
    Ok(Json(out))
}

/// A rating as JSON gives it: a score (number or text) or a grade's name.
#[derive(Deserialize)]
#[serde(untagged)]
enum Rating {
    Text(String),
    Number(serde_json::Number),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VoteBody {
    code: String,
    ratings: std::collections::BTreeMap<String, Rating>,
    #[serde(default)]
    cast_invalid: bool,
}

async fn vote(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    json: Result<Json<VoteBody>, JsonRejection>,
) -> ApiResult<Response> {
    let b = body(json)?;
    let ip = state.client_ip(addr, &headers);
    let ratings: Vec<(String, String)> = b
        .ratings
        .into_iter()
        .map(|(c, r)| {
            let text = match r {
                Rating::Text(t) => t,
                Rating::Number(n) => n.to_string(),
            };
            (c, text)
        })
        .collect();
    match state.app.cast(&b.code, &ratings, b.cast_invalid, &ip).await? {
        CastOutcome::Cast { reasons } => Ok((
            StatusCode::CREATED,
            Json(json!({ "valid": reasons.is_empty(), "reasons": reasons })),
        )
            .into_response()),
        CastOutcome::WouldBeInvalid { reasons, .. } => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({
                "error": format!("这张票将是废票：{}。如确要投出，请加 \"cast_invalid\": true", reasons.join("；")),
                "reasons": reasons,
            })),
        )
            .into_response()),
    }
}
