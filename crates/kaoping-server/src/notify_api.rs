//! The reminder part of the JSON API (administrator only): the channels, adding one, and sending a
//! test message to one.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use kaoping_app::notify::{ChannelForm, ChannelView};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api_plumbing::{body, ApiResult, ApiUser};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/notify/channels", get(list).post(create))
        .route("/api/notify/channels/{id}/test", post(test))
}

fn channel_json(c: &ChannelView) -> Value {
    json!({
        "id": c.id,
        "kind": c.kind.key(),
        "name": c.name,
        "target": c.target,
        "signed": c.signed,
        "enabled": c.enabled,
    })
}

async fn list(State(state): State<AppState>, ApiUser(user): ApiUser) -> ApiResult<Json<Value>> {
    let channels = state.app.notify_channels(&user.actor).await?;
    Ok(Json(json!(channels
        .iter()
        .map(channel_json)
        .collect::<Vec<_>>())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChannelBody {
    kind: String,
    name: String,
    target: String,
    #[serde(default)]
    secret: String,
    #[serde(default = "enabled_by_default")]
    enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    json: Result<Json<ChannelBody>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let b = body(json)?;
    let form = ChannelForm {
        kind: b.kind,
        name: b.name,
        target: b.target,
        secret: b.secret,
        clear_secret: false,
        enabled: b.enabled,
    };
    let id = state.app.create_channel(&user.actor, &form).await?;
    let channel = state.app.notify_channel(&user.actor, id).await?;
    Ok((StatusCode::CREATED, Json(channel_json(&channel))))
}

async fn test(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(match state.app.send_test(&user.actor, id).await? {
        Ok(()) => json!({ "sent": true }),
        Err(error) => json!({ "sent": false, "error": error }),
    }))
}
