//! `POST /api/periods/{id}/attendance` and `/api/periods/{id}/exams`: the file as the request body
//! (raw CSV, `text/csv`, or an .xlsx workbook), its name and an attendance file's month in the query
//! (`?file=2024-03.csv&month=2024-03`); routed in `api.rs`. All rows or none: a refused file answers 422 with every
//! problem at its line (`problems: [{line, message}]`).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use kaoping_app::{AppError, FindingsImportError, ImportSummary};
use kaoping_formats::attendance::Month;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api_plumbing::{ApiError, ApiUser};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/periods/{id}/attendance", post(attendance))
        .route("/api/periods/{id}/exams", post(exams))
}

#[derive(Deserialize)]
pub(crate) struct FileQuery {
    file: Option<String>,
    month: Option<String>,
}

/// The summary as JSON.
pub fn summary_json(s: &ImportSummary) -> Value {
    json!({
        "rows": s.rows,
        "periods": s.periods,
        "replaced": s.replaced,
        "measures": s.measures.iter().map(|t| json!({
            "measure": t.measure.name(),
            "label": t.measure.label(),
            "code": t.code,
            "recorded": t.recorded,
            "corrected": t.corrected,
            "withdrawn": t.withdrawn,
            "unchanged": t.unchanged,
        })).collect::<Vec<_>>(),
    })
}

/// The file's name: as the query gives it, else by the content type (a workbook or CSV).
fn file_name(q: &FileQuery, headers: &HeaderMap, default: &str) -> String {
    if let Some(f) = q.file.as_deref().filter(|f| !f.trim().is_empty()) {
        return f.trim().to_string();
    }
    let xlsx = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.contains("spreadsheetml"));
    format!("{default}.{}", if xlsx { "xlsx" } else { "csv" })
}

fn answer(result: Result<ImportSummary, FindingsImportError>) -> Response {
    match result {
        Ok(s) => Json(summary_json(&s)).into_response(),
        Err(FindingsImportError::Rows { problems, more, .. }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({
                "error": "文件有错误，未导入任何记录",
                "problems": problems.iter().map(|p| json!({"line": p.line, "message": p.message})).collect::<Vec<_>>(),
                "more": more,
            })),
        )
            .into_response(),
        Err(FindingsImportError::Other(e)) => ApiError::from(e).into_response(),
    }
}

async fn attendance(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<FileQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let month = match q.month.as_deref().filter(|m| !m.trim().is_empty()) {
        Some(m) => match m.parse::<Month>() {
            Ok(m) => Some(m),
            Err(e) => {
                return ApiError::from(AppError::Invalid(format!("month：{e}"))).into_response()
            }
        },
        None => None,
    };
    let file = file_name(&q, &headers, "考勤");
    answer(
        state
            .app
            .import_attendance(&user.actor, id, &file, &body, month, |_| {})
            .await,
    )
}

async fn exams(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<FileQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let file = file_name(&q, &headers, "考试成绩");
    answer(
        state
            .app
            .import_exams(&user.actor, id, &file, &body, |_| {})
            .await,
    )
}
