//! The 整改 (rectification) part of the JSON API: a period's rectifications, requiring one on a deduction,
//! the unit's report, and the owning department's decision. The use cases and their checks are
//! `kaoping_app`'s; this module reads JSON and writes JSON.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use kaoping_app::{RectificationQuery, RectificationRequest, RectificationShown};
use kaoping_store::Rectification;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api_plumbing::{body, ApiResult, ApiUser};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/periods/{id}/rectifications", get(list).post(create))
        .route("/api/rectifications/{id}", get(show))
        .route("/api/rectifications/{id}/report", post(report))
        .route("/api/rectifications/{id}/decide", post(decide))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    unit: Option<String>,
    state: Option<String>,
}

/// A rectification as the API shows it.
fn rectification_json(r: &Rectification, shown: &RectificationShown) -> Value {
    json!({
        "id": r.id,
        "period": r.period_id,
        "entry": r.entry_id,
        "unit": r.unit_code,
        "code": r.code,
        "requirement": r.requirement,
        "due": r.due.to_string(),
        "state": shown.key(),
        "state_name": shown.state.name(),
        "overdue": shown.overdue,
        // The deduction was corrected or withdrawn since: nothing is overdue on it.
        "superseded": r.superseded,
        "steps": r.steps.iter().map(|s| json!({
            "kind": s.kind.as_str(),
            "text": s.text,
            "evidence": s.evidence_id,
            "by": s.actor,
            "at": s.at,
        })).collect::<Vec<_>>(),
    })
}

async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    let board = state
        .app
        .rectifications(
            &user.actor,
            id,
            &RectificationQuery {
                unit: q.unit,
                state: q.state,
            },
        )
        .await?;
    Ok(Json(json!({
        "today": board.today.to_string(),
        "rectifications": board
            .rows
            .iter()
            .map(|row| rectification_json(&row.rectification, &row.shown))
            .collect::<Vec<_>>(),
    })))
}

/// `{"entry": 12, "due": "2024-09-30", "requirement": "…"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    entry: i64,
    due: String,
    requirement: String,
}

async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    json: Result<Json<CreateBody>, JsonRejection>,
) -> ApiResult<Response> {
    let b = body(json)?;
    let created = state
        .app
        .require_rectification(
            &user.actor,
            id,
            &RectificationRequest {
                entry_id: b.entry,
                due: b.due,
                requirement: b.requirement,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": created }))).into_response())
}

async fn show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let view = state.app.rectification(&user.actor, id).await?;
    Ok(Json(rectification_json(&view.rectification, &view.shown)))
}

/// `{"text": "…"}`: the report (evidence is uploaded on the page).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportBody {
    text: String,
}

async fn report(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    json: Result<Json<ReportBody>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    let b = body(json)?;
    state
        .app
        .report_rectification(&user.actor, id, &b.text, None)
        .await?;
    let view = state.app.rectification(&user.actor, id).await?;
    Ok(Json(rectification_json(&view.rectification, &view.shown)))
}

/// `{"accept": true, "reason": "…"}`: a return needs its reason.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecideBody {
    accept: bool,
    #[serde(default)]
    reason: String,
}

async fn decide(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    json: Result<Json<DecideBody>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    let b = body(json)?;
    state
        .app
        .decide_rectification(&user.actor, id, b.accept, &b.reason)
        .await?;
    let view = state.app.rectification(&user.actor, id).await?;
    Ok(Json(rectification_json(&view.rectification, &view.shown)))
}
