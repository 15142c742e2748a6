//! The JSON API: the same operations as the pages, under `/api`, described by `/api/openapi.json`.
//! Authentication is the session cookie (from `POST /api/login`); every state-changing request carries
//! the session's token in `X-CSRF-Token`. Errors are `{"error": "…"}` with the matching status.

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use kaoping_formats::report::results_json;
use kaoping_store::{EntryKind, NewEntry, Source};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::actions;
use crate::auth::{self, ApiUser};
use crate::error::{ApiError, ServerError};
use crate::pages::department_of_user;
use crate::permissions::{allowed, Action};
use crate::scoring;
use crate::state::AppState;

const OPENAPI: &str = include_str!("../assets/openapi.json");

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/login", post(login))
        .route("/api/logout", post(logout))
        .route("/api/me", get(me))
        .route("/api/periods", get(periods))
        .route("/api/periods/{id}/results", get(results))
        .route("/api/periods/{id}/entries", get(entries).post(create_entry))
        .route("/api/periods/{id}/entries/{entry}/withdraw", post(withdraw))
        .route("/api/periods/{id}/publish", post(publish))
        .with_state(state)
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// Malformed JSON gets a 400 that says what is wrong; well-formed JSON with a wrong field a 422.
fn body<T>(json: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    json.map(|Json(v)| v).map_err(|e| match e {
        JsonRejection::JsonDataError(_) => ApiError(ServerError::Invalid(format!(
            "JSON字段有误：{}",
            e.body_text()
        ))),
        _ => ApiError(ServerError::BadRequest(format!(
            "请求不是有效的JSON：{}",
            e.body_text()
        ))),
    })
}

#[derive(Deserialize)]
struct Login {
    username: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    json: Result<Json<Login>, JsonRejection>,
) -> Result<Response, ApiError> {
    let l = body(json)?;
    match auth::attempt_login(
        &state,
        l.username.trim(),
        &l.password,
        &state.client_ip(addr, &headers),
    )
    .await?
    {
        Some((session, user)) => {
            let mut response = Json(json!({
                "username": user.username,
                "role": user.role.as_str(),
                "csrf_token": session.csrf_token,
            }))
            .into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                auth::session_cookie(&session, state.secure_cookies),
            );
            Ok(response)
        }
        None => Err(ApiError(ServerError::Invalid("用户名或密码错误".into()))),
    }
}

async fn logout(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Value>, ApiError> {
    state.store.delete_session(&user.session.id).await?;
    Ok(Json(json!({"ok": true})))
}

async fn me(ApiUser(user): ApiUser) -> Json<Value> {
    Json(json!({
        "id": user.user.id,
        "username": user.user.username,
        "display_name": user.user.display_name,
        "role": user.user.role.as_str(),
        "csrf_token": user.session.csrf_token,
    }))
}

async fn periods(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Value>, ApiError> {
    let dept = department_of_user(&state, &user).await?;
    let list: Vec<Value> = state
        .store
        .periods()
        .await?
        .into_iter()
        .filter(|p| {
            let published = p.status == kaoping_store::PeriodStatus::Published;
            allowed(&user.user, dept.as_ref(), Action::ViewSummary { published })
                || user.user.unit_id.is_some_and(|u| p.unit_ids.contains(&u))
        })
        .map(|p| json!({"id": p.id, "name": p.name, "year": p.year, "status": p.status.as_str(), "rubric_id": p.rubric_id}))
        .collect();
    Ok(Json(json!({ "periods": list })))
}

async fn results(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let view = scoring::load(&state.store, id).await?;
    let dept = department_of_user(&state, &user).await?;
    let published = view.published();
    let mut doc = results_json(&view.rubric, &view.units, &view.results);
    // Sheets the user may open in full; the summary (ranking list) shows the rest without their details.
    let sheets: Vec<String> = view
        .org
        .iter()
        .filter(|o| {
            allowed(
                &user.user,
                dept.as_ref(),
                Action::ViewSheet {
                    unit_id: o.id,
                    published,
                },
            )
        })
        .map(|o| o.code.clone())
        .collect();
    let summary = allowed(&user.user, dept.as_ref(), Action::ViewSummary { published });
    if !summary && sheets.is_empty() {
        return Err(ApiError(ServerError::Forbidden("无权查看该考评期".into())));
    }
    if let Some(units) = doc.get_mut("units").and_then(Value::as_array_mut) {
        let may_open = |u: &Value| {
            u["unit"]
                .as_str()
                .is_some_and(|c| sheets.iter().any(|o| o == c))
        };
        if !summary {
            units.retain(may_open);
        }
        for u in units.iter_mut().filter(|u| !may_open(u)) {
            if let Some(obj) = u.as_object_mut() {
                for detail in ["sections", "items", "trace", "vetoes"] {
                    obj.remove(detail);
                }
            }
        }
    }
    doc["period"] = json!({"id": view.period.id, "name": view.period.name, "status": view.period.status.as_str()});
    Ok(Json(doc))
}

async fn entries(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let view = scoring::load(&state.store, id).await?;
    let dept = department_of_user(&state, &user).await?;
    if user.user.role == kaoping_store::Role::Leader
        || !allowed(
            &user.user,
            dept.as_ref(),
            Action::ViewSummary {
                published: view.published(),
            },
        )
    {
        return Err(ApiError(ServerError::Forbidden("无权查看考核记录".into())));
    }
    let list: Vec<Value> = view
        .entries
        .iter()
        .map(|e| {
            json!({
                "id": e.id, "unit": e.unit_code, "code": e.code, "round": e.round, "count": e.count,
                "level": e.level, "points": e.points, "note": e.note, "matter": e.matter, "date": e.date, "due": e.due,
                "source": e.source.as_str(), "kind": e.kind.as_str(), "replaces": e.replaces, "reason": e.reason,
                "recorded_by": e.recorded_by, "recorded_at": e.recorded_at, "evidence_id": e.evidence_id,
                "active": view.is_active(e),
            })
        })
        .collect();
    Ok(Json(json!({ "entries": list })))
}

/// A finding as the API takes it: the findings CSV's columns.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryIn {
    unit: String,
    code: String,
    #[serde(default)]
    round: String,
    count: Option<i64>,
    level: Option<String>,
    /// A decimal as a string or number (`"4.5"` or `4.5`).
    points: Option<Value>,
    #[serde(default)]
    note: String,
    matter: Option<String>,
    date: Option<String>,
    due: Option<String>,
    #[serde(default)]
    self_check: bool,
    replaces: Option<i64>,
    #[serde(default)]
    reason: String,
}

async fn create_entry(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    json: Result<Json<EntryIn>, JsonRejection>,
) -> Result<(axum::http::StatusCode, Json<Value>), ApiError> {
    let e = body(json)?;
    let view = scoring::load(&state.store, id).await?;
    let dept = department_of_user(&state, &user).await?;
    let points = match e.points {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        // Numbers keep their written digits (arbitrary precision): 4.5 stays "4.5".
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(other) => {
            return Err(ApiError(ServerError::Invalid(format!(
                "points：应为数字，现为{other}"
            ))))
        }
    };
    let entry = NewEntry {
        period_id: id,
        unit_code: e.unit.trim().to_string(),
        code: e.code.trim().to_string(),
        round: e.round.trim().to_string(),
        count: e.count,
        level: e.level,
        points,
        note: e.note.trim().to_string(),
        matter: e.matter,
        date: e.date,
        due: e.due,
        source: if e.self_check {
            Source::SelfCheck
        } else {
            Source::Assessor
        },
        department_id: dept.as_ref().map(|d| d.id),
        recorded_by: user.user.id,
        evidence_id: None,
        kind: if e.replaces.is_some() {
            EntryKind::Correct
        } else {
            EntryKind::Record
        },
        replaces: e.replaces,
        reason: e.reason.trim().to_string(),
    };
    let saved = actions::append_finding(&state, &view, &user, dept.as_ref(), entry, None).await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(json!({"id": saved.id})),
    ))
}

#[derive(Deserialize)]
struct WithdrawIn {
    reason: String,
}

async fn withdraw(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, entry)): Path<(i64, i64)>,
    json: Result<Json<WithdrawIn>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let w = body(json)?;
    let view = scoring::load(&state.store, id).await?;
    let dept = department_of_user(&state, &user).await?;
    let (_, saved) =
        actions::withdraw(&state, &view, &user, dept.as_ref(), entry, &w.reason).await?;
    Ok(Json(json!({"id": saved.id})))
}

async fn publish(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let dept = department_of_user(&state, &user).await?;
    actions::publish(&state, &user, dept.as_ref(), id).await?;
    Ok(Json(json!({"ok": true})))
}
