//! The 记录本 and 预警 part of the JSON API: records of a period (`GET`, `POST`), confirming the
//! provisional deductions into the ledger, and the warnings.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use kaoping_app::{AppError, RecordDraft};
use kaoping_store::ActivityRecord;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api_plumbing::{body, ApiResult, ApiUser};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/periods/{id}/records", get(list).post(create))
        .route("/api/periods/{id}/records/{rid}/withdraw", post(withdraw))
        .route("/api/periods/{id}/records/{rid}/reject", post(reject))
        .route("/api/periods/{id}/records/confirm", post(confirm))
        .route("/api/periods/{id}/warnings", get(warnings))
}

fn record_json(r: &ActivityRecord) -> Value {
    json!({
        "id": r.id,
        "unit": r.unit_code,
        "kind": r.kind,
        "date": r.held_on.to_string(),
        "topic": r.topic,
        "attendees": r.attendees,
        "eligible": r.eligible,
        "evidence": r.evidence_id,
        "replaces": r.replaces,
        "reason": r.reason,
        "recorded_by": r.recorded_by,
        "recorded_at": r.recorded_at,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    unit: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    let unit = q.unit.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let rows = state.app.records(&user.actor, id, unit).await?;
    Ok(Json(Value::Array(rows.iter().map(record_json).collect())))
}

/// `{"unit": "D07", "kind": "支委会", "date": "2024-03-12", "topic": "…", "attendees": 7, "eligible": 9}`;
/// a correction adds `replaces` and `reason`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordIn {
    unit: String,
    kind: String,
    date: String,
    #[serde(default)]
    topic: String,
    attendees: Option<i64>,
    eligible: Option<i64>,
    replaces: Option<i64>,
    #[serde(default)]
    reason: String,
}

async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    json: Result<Json<RecordIn>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let r = body(json)?;
    let date = r
        .date
        .parse()
        .map_err(|e: kaoping_core::date::DateError| AppError::Invalid(format!("date：{e}")))?;
    let draft = RecordDraft {
        unit: r.unit,
        kind: r.kind,
        date: Some(date),
        topic: r.topic,
        attendees: r.attendees,
        eligible: r.eligible,
        replaces: r.replaces,
        reason: r.reason,
    };
    let saved = state.app.keep_record(&user.actor, id, draft, None).await?;
    Ok((StatusCode::CREATED, Json(record_json(&saved))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonIn {
    reason: String,
}

/// Withdraw (`reject: false`) or reject a record, with the body's reason.
async fn replace(
    state: AppState,
    user: ApiUser,
    (id, rid): (i64, i64),
    json: Result<Json<ReasonIn>, JsonRejection>,
    reject: bool,
) -> ApiResult<Json<Value>> {
    let r = body(json)?;
    let saved = state
        .app
        .replace_record(&user.0.actor, id, rid, reject, &r.reason)
        .await?;
    Ok(Json(json!({"id": saved.id})))
}

async fn withdraw(
    State(state): State<AppState>,
    user: ApiUser,
    Path(ids): Path<(i64, i64)>,
    json: Result<Json<ReasonIn>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    replace(state, user, ids, json, false).await
}

async fn reject(
    State(state): State<AppState>,
    user: ApiUser,
    Path(ids): Path<(i64, i64)>,
    json: Result<Json<ReasonIn>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    replace(state, user, ids, json, true).await
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfirmIn {
    unit: Option<String>,
}

async fn confirm(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    json: Result<Json<ConfirmIn>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    let c = body(json)?;
    let entries = state
        .app
        .confirm_records(&user.actor, id, c.unit.as_deref())
        .await?;
    Ok(Json(json!({
        "entries": entries.iter().map(|e| json!({
            "id": e.id, "unit": e.unit_code, "code": e.code, "count": e.count, "note": e.note,
        })).collect::<Vec<_>>()
    })))
}

async fn warnings(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let board = state.app.warnings(&user.actor, id).await?;
    Ok(Json(Value::Array(
        board
            .warnings
            .iter()
            .map(|w| {
                json!({
                    "unit": w.unit,
                    "name": w.name,
                    "level": w.level.key(),
                    "reasons": w.reasons.iter().map(|r| r.text.clone()).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )))
}
