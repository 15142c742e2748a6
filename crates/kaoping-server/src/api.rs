//! The JSON API: the same use cases as the pages, under `/api`, described by `/api/openapi.json`.
//! Authentication is the session cookie (from `POST /api/login`); every state-changing request carries
//! the session's token in `X-CSRF-Token`. Errors are `{"error": "…"}` with the matching status.

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use kaoping_app::{AppError, FindingDraft, Withdrawal, LEDGER_API_LIMIT};
use kaoping_core::score::UnitResult;
use kaoping_formats::report::results_json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api_plumbing::{body, ApiResult, ApiUser};
use crate::session;
use crate::state::AppState;

const OPENAPI: &str = include_str!("../assets/openapi.json");

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/login", post(login))
        .route("/api/logout", post(logout))
        .route("/api/me", get(me))
        .route("/api/account/password", post(change_password))
        .route("/api/periods", get(periods))
        .route("/api/periods/{id}/results", get(results))
        .route("/api/periods/{id}/entries", get(entries).post(create_entry))
        .route("/api/periods/{id}/entries/{entry}/withdraw", post(withdraw))
        .route("/api/periods/{id}/publish", post(publish))
        .merge(crate::attendance_api::routes())
        .merge(crate::ballot_api::routes())
        .merge(crate::records_api::routes())
        .merge(crate::rectification_api::routes())
        .merge(crate::notify_api::routes())
        .with_state(state)
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
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
) -> ApiResult<Response> {
    let l = body(json)?;
    let ip = state.client_ip(addr, &headers);
    match state.app.login(&l.username, &l.password, &ip).await? {
        Some((session, actor)) => {
            let mut response = Json(json!({
                "username": actor.user.username,
                "role": actor.role().as_str(),
                "csrf_token": session.csrf_token,
                "must_change_password": actor.user.must_change_password,
            }))
            .into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                session::session_cookie(&session, state.secure_cookies),
            );
            Ok(response)
        }
        None => Err(AppError::Invalid("用户名或密码错误".into()).into()),
    }
}

async fn logout(State(state): State<AppState>, ApiUser(user): ApiUser) -> ApiResult<Json<Value>> {
    state.app.logout(&user.session.id).await?;
    Ok(Json(json!({"ok": true})))
}

async fn me(ApiUser(user): ApiUser) -> Json<Value> {
    let u = &user.actor.user;
    Json(json!({
        "id": u.id,
        "username": u.username,
        "display_name": u.display_name,
        "role": u.role.as_str(),
        "csrf_token": user.session.csrf_token,
        "must_change_password": u.must_change_password,
    }))
}

#[derive(Deserialize)]
struct PasswordIn {
    current: String,
    new: String,
    again: String,
}

/// Changes the user's own password; every session of theirs ends, this one included.
async fn change_password(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    json: Result<Json<PasswordIn>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    let p = body(json)?;
    state
        .app
        .change_password(
            &user.actor,
            &kaoping_app::PasswordChange {
                current: &p.current,
                new: &p.new,
                again: &p.again,
            },
        )
        .await?;
    Ok(Json(json!({"ok": true})))
}

async fn periods(State(state): State<AppState>, ApiUser(user): ApiUser) -> ApiResult<Json<Value>> {
    let list: Vec<Value> = state
        .app
        .visible_periods(&user.actor)
        .await?
        .into_iter()
        .map(|p| json!({"id": p.id, "name": p.name, "year": p.year, "status": p.status.as_str(), "rubric_id": p.rubric_id}))
        .collect();
    Ok(Json(json!({ "periods": list })))
}

async fn results(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let view = state.app.results(&user.actor, id).await?;
    let snapshot = &view.snapshot;
    // Units the actor may open carry their trace; the others are ranking lines only.
    let full: Vec<UnitResult> = (0..snapshot.units.len())
        .filter(|&u| view.summary || view.open[u].is_some())
        .map(|u| match &view.open[u] {
            Some(traced) => (**traced).clone(),
            None => (*snapshot.results()[u]).clone(),
        })
        .collect();
    let mut doc = results_json(&snapshot.rubric, &snapshot.units, &full);
    if let Some(units) = doc.get_mut("units").and_then(Value::as_array_mut) {
        for u in units.iter_mut() {
            let open = u["unit"]
                .as_str()
                .and_then(|c| snapshot.unit_id(c))
                .is_some_and(|i| view.open[i].is_some());
            if let (false, Some(obj)) = (open, u.as_object_mut()) {
                for detail in ["sections", "items", "trace", "vetoes"] {
                    obj.remove(detail);
                }
            }
        }
    }
    doc["period"] = json!({"id": snapshot.period.id, "name": snapshot.period.name, "status": snapshot.period.status.as_str()});
    Ok(Json(doc))
}

#[derive(Deserialize, Default)]
struct Cursor {
    /// Entries after this id (0 for the first).
    after: Option<i64>,
    /// At most this many (default and most: 1000).
    limit: Option<i64>,
}

async fn entries(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    Query(c): Query<Cursor>,
) -> ApiResult<Json<Value>> {
    let limit = c.limit.unwrap_or(LEDGER_API_LIMIT);
    let page = state
        .app
        .ledger_after(&user.actor, id, c.after.unwrap_or(0), limit)
        .await?;
    let next = (page.len() as i64 >= limit.clamp(1, LEDGER_API_LIMIT))
        .then(|| page.last().map(|(e, _)| e.id))
        .flatten();
    let list: Vec<Value> = page
        .iter()
        .map(|(e, counts)| {
            json!({
                "id": e.id, "unit": e.unit_code, "code": e.code, "round": e.round, "count": e.count,
                "level": e.level, "points": e.points.map(|p| p.normalize().to_string()), "note": e.note,
                "matter": e.matter, "date": e.date.map(|d| d.to_string()), "due": e.due.map(|d| d.to_string()),
                "source": e.source.as_str(), "kind": e.kind.as_str(), "replaces": e.replaces, "reason": e.reason,
                "recorded_by": e.recorded_by, "recorded_at": e.recorded_at, "evidence_id": e.evidence_id,
                "active": counts,
            })
        })
        .collect();
    Ok(Json(json!({ "entries": list, "next_after": next })))
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

impl EntryIn {
    /// The finding typed: points and dates parsed here, errors naming the key.
    fn draft(self) -> Result<FindingDraft, AppError> {
        let invalid = |m: String| AppError::Invalid(m);
        let points = match self.points {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(
                s.trim()
                    .parse()
                    .map_err(|_| invalid(format!("points：“{s}”不是数字")))?,
            ),
            // Numbers keep their written digits (arbitrary precision): 4.5 stays 4.5.
            Some(Value::Number(n)) => Some(
                n.to_string()
                    .parse()
                    .map_err(|_| invalid(format!("points：{n}不是有效的分值")))?,
            ),
            Some(other) => return Err(invalid(format!("points：应为数字，现为{other}"))),
        };
        let date = |text: Option<String>, key: &str| {
            text.filter(|t| !t.trim().is_empty())
                .map(|t| t.trim().parse().map_err(|e| invalid(format!("{key}：{e}"))))
                .transpose()
        };
        Ok(FindingDraft {
            unit: self.unit.trim().to_string(),
            code: self.code.trim().to_string(),
            round: self.round.trim().to_string(),
            count: self.count,
            level: self.level.filter(|l| !l.trim().is_empty()),
            points,
            note: self.note.trim().to_string(),
            matter: self.matter.filter(|m| !m.trim().is_empty()),
            date: date(self.date, "date")?,
            due: date(self.due, "due")?,
            self_check: self.self_check,
            replaces: self.replaces,
            reason: self.reason.trim().to_string(),
        })
    }
}

async fn create_entry(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    json: Result<Json<EntryIn>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let draft = body(json)?.draft()?;
    let saved = state.app.record(&user.actor, id, draft, None).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": saved.id}))))
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
) -> ApiResult<Json<Value>> {
    let w = body(json)?;
    let (_, saved) = state
        .app
        .withdraw(
            &user.actor,
            id,
            &Withdrawal {
                entry_id: entry,
                reason: w.reason,
            },
        )
        .await?;
    Ok(Json(json!({"id": saved.id})))
}

/// `{"reason": "…", "issuer": "…", "doc_number": "…"}`: the reason is required when a department's review
/// is not approved (printed on the notice); the heading is optional.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PublishBody {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    doc_number: String,
}

async fn publish(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    json: Result<Json<PublishBody>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    let body = body(json)?;
    let heading = kaoping_store::NoticeHeading {
        issuer: body.issuer,
        doc_number: body.doc_number,
    };
    let p = state
        .app
        .publish(&user.actor, id, &body.reason, &heading)
        .await?;
    Ok(Json(json!({
        "ok": true,
        "publication": format!("{}-{}", p.period_id, p.revision),
        "digest": p.digest,
        "ledger_head": p.ledger_head,
        "published_at": p.at,
    })))
}
