//! Files in and out: Excel downloads (summary, score sheet, ledger, rubric), importing a rubric table
//! (upload, review, save as a new version) and importing findings (all rows or none, every bad row listed).
//! The findings import is shared with the CLI (`kaoping import-findings`).

use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use kaoping_formats::xlsx::{self, LedgerRow};
use kaoping_store::{EntryKind, NewEntry, Role, Source, Store};
use maud::{html, Markup};
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::error::ServerError;
use crate::pages::{action, department_of, enc, layout, require, require_allowed};
use crate::permissions::{allowed, Action};
use crate::scoring;
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/periods/{id}/summary.xlsx", get(summary_xlsx))
        .route("/periods/{id}/units/{code}/sheet.xlsx", get(sheet_xlsx))
        .route("/periods/{id}/ledger.xlsx", get(ledger_xlsx))
        .route("/rubrics/{id}/rubric.xlsx", get(rubric_xlsx))
        .route(
            "/rubrics/import",
            get(rubric_import_form).post(rubric_import),
        )
        .route(
            "/rubrics/import/save",
            axum::routing::post(rubric_import_save),
        )
        .route(
            "/periods/{id}/findings/import",
            get(findings_import_form).post(findings_import),
        )
        .with_state(state)
}

fn xlsx_response(
    name: &str,
    bytes: Result<Vec<u8>, xlsx::XlsxError>,
) -> Result<Response, ServerError> {
    let bytes = bytes.map_err(|e| ServerError::Invalid(format!("无法生成Excel文件：{e}")))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"export.xlsx\"; filename*=UTF-8''{}",
                    enc(name)
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

async fn summary_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, ServerError> {
    let view = scoring::load(&state.store, id).await?;
    let dept = department_of(&state, &user).await?;
    require(
        allowed(
            &user.user,
            dept.as_ref(),
            Action::ViewSummary {
                published: view.published(),
            },
        ),
        "无权下载汇总表",
    )?;
    let title = format!("{} 汇总表", view.period.name);
    xlsx_response(
        &format!("{title}.xlsx"),
        xlsx::summary_xlsx(&title, &view.rubric, &view.units, &view.results),
    )
}

async fn sheet_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, code)): Path<(i64, String)>,
) -> Result<Response, ServerError> {
    let view = scoring::load(&state.store, id).await?;
    let dept = department_of(&state, &user).await?;
    let pos = view
        .units
        .units()
        .iter()
        .position(|u| u.code == code)
        .ok_or_else(|| ServerError::NotFound(format!("单位“{code}”")))?;
    require(
        allowed(
            &user.user,
            dept.as_ref(),
            Action::ViewSheet {
                unit_id: view.org[pos].id,
                published: view.published(),
            },
        ),
        "无权下载该考评表",
    )?;
    let result = view.result_of(&code).expect("every unit has a result");
    let describe = |f: &kaoping_core::finding::Finding| match view.entry(f.origin as i64) {
        Some(e) if !e.note.is_empty() => format!("记录#{} {}", e.id, e.note),
        _ => format!("记录#{}", f.origin),
    };
    let title = format!("{} 考评表", view.period.name);
    let name = format!("{} {}.xlsx", title, view.units.unit(pos).name);
    xlsx_response(
        &name,
        xlsx::sheet_xlsx(&title, &view.rubric, &view.units, result, &describe),
    )
}

async fn ledger_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, ServerError> {
    let view = scoring::load(&state.store, id).await?;
    let dept = department_of(&state, &user).await?;
    require(
        user.user.role != Role::Leader
            && allowed(
                &user.user,
                dept.as_ref(),
                Action::ViewSummary {
                    published: view.published(),
                },
            ),
        "无权下载考核记录",
    )?;
    let users = state.store.users().await?;
    let rows: Vec<LedgerRow> = view
        .entries
        .iter()
        .map(|e| LedgerRow {
            id: e.id.to_string(),
            kind: match e.kind {
                EntryKind::Record => "记录",
                EntryKind::Correct => "更正",
                EntryKind::Withdraw => "撤回",
                EntryKind::AppealDecision => "申诉改判",
            }
            .to_string()
                + if e.source == Source::SelfCheck {
                    "（自查）"
                } else {
                    ""
                },
            unit: e.unit_code.clone(),
            code: e.code.clone(),
            round: e.round.clone(),
            count: e.count,
            level: e.level.clone().unwrap_or_default(),
            points: e.points.as_deref().and_then(|p| p.parse().ok()),
            note: e.note.clone(),
            recorded_by: users
                .iter()
                .find(|u| u.id == e.recorded_by)
                .map_or_else(String::new, |u| u.display_name.clone()),
            recorded_at: crate::pages::summary_date(e.recorded_at),
            reason: e.reason.clone(),
            active: view.is_active(e),
        })
        .collect();
    let title = format!("{} 考核记录", view.period.name);
    xlsx_response(&format!("{title}.xlsx"), xlsx::ledger_xlsx(&title, &rows))
}

async fn rubric_xlsx(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, ServerError> {
    let version = state.store.rubric(id).await?;
    let rubric = scoring::rubric_of(&version.name, &version.toml)?;
    xlsx_response(
        &format!("{}.xlsx", rubric.title()),
        xlsx::rubric_xlsx(&rubric),
    )
}

/// Reads one uploaded file (and the text fields beside it); no file is an error.
async fn upload(
    multipart: Multipart,
) -> Result<(String, Vec<u8>, Vec<(String, String)>), ServerError> {
    let upload = crate::pages::read_upload(multipart, "file", "文件").await?;
    match upload.file {
        Some((name, bytes)) => Ok((name, bytes, upload.fields)),
        None => Err(ServerError::Invalid("请选择要上传的文件".into())),
    }
}

async fn rubric_import_form(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Markup, ServerError> {
    require_allowed(
        &state,
        &user,
        Action::Administer,
        "只有管理员可以导入考评细则",
    )
    .await?;
    Ok(layout(
        "导入考评细则",
        Some(&user),
        html! {
            h1 { "导入考评细则" }
            p { "上传现有的考评细则表格（Word .docx、Excel .xlsx 或 CSV）。表头应含“考核内容”“评分标准”（或考评内容、考核标准、评分细则等），列的顺序不限；合并单元格、“20分”“（5分）”写法均可。导入后先核对再保存。" }
            form.stack method="post" enctype="multipart/form-data" action=(action(&user, "/rubrics/import")) {
                label { "名称（保存为该名称的新版本）" input name="name" required; }
                label { "文件" input name="file" type="file" accept=".docx,.xlsx,.csv" required; }
                button type="submit" { "导入并核对" }
            }
        },
    ))
}

async fn rubric_import(
    State(state): State<AppState>,
    user: CurrentUser,
    multipart: Multipart,
) -> Result<Markup, ServerError> {
    require_allowed(
        &state,
        &user,
        Action::Administer,
        "只有管理员可以导入考评细则",
    )
    .await?;
    let (filename, bytes, fields) = upload(multipart).await?;
    let name = fields
        .iter()
        .find(|(k, _)| k == "name")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    if name.is_empty() {
        return Err(ServerError::Invalid("名称：请填写考评细则名称".into()));
    }
    let imported = kaoping_import::import_file(&filename, &bytes, &name)
        .map_err(|e| ServerError::Invalid(e.to_string()))?;
    let text = kaoping_formats::write_rubric(&imported.spec);
    let problems = kaoping_formats::parse_rubric("导入结果", &text)
        .err()
        .map(|e| e.to_string());
    Ok(review_page(
        &user,
        &name,
        &imported,
        &text,
        problems.as_deref(),
    ))
}

fn review_page(
    user: &CurrentUser,
    name: &str,
    imported: &kaoping_import::Imported,
    text: &str,
    problems: Option<&str>,
) -> Markup {
    layout(
        "核对导入结果",
        Some(user),
        html! {
            h1 { "核对导入结果：" (name) }
            div.table-wrap { table {
                tr { th.num { "行" } th { "栏目" } th { "考核内容" } th.num { "规则数" } th { "待确认" } }
                @for item in &imported.items {
                    tr {
                        td.num { (item.row) } td { (item.section) } td { (item.content) } td.num { (item.rules) }
                        td { @for c in &item.confirm { div { "“" (c.phrase) "”：" (c.reason) } } }
                    }
                }
            } }
            @if let Some(p) = problems { div.flash role="alert" { "还需修改后才能保存：" br; (crate::pages::multiline(p)) } }
            form.stack method="post" action=(action(user, "/rubrics/import/save")) {
                input type="hidden" name="name" value=(name);
                label { "考评细则（可直接修改，格式见 docs/rubric-format.md）" textarea name="toml" rows="24" { (text) } }
                button type="submit" { "保存为新版本" }
            }
        },
    )
}

#[derive(Deserialize)]
struct SaveRubric {
    name: String,
    toml: String,
}

async fn rubric_import_save(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<SaveRubric>,
) -> Result<Response, ServerError> {
    require_allowed(
        &state,
        &user,
        Action::Administer,
        "只有管理员可以保存考评细则",
    )
    .await?;
    if let Err(e) = kaoping_formats::parse_rubric(&f.name, &f.toml) {
        let empty = kaoping_import::Imported {
            spec: Default::default(),
            items: Vec::new(),
        };
        return Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            review_page(&user, &f.name, &empty, &f.toml, Some(&e.to_string())),
        )
            .into_response());
    }
    let version = state
        .store
        .save_rubric(f.name.trim(), &f.toml, user.user.id)
        .await?;
    state
        .store
        .audit(
            Some(user.user.id),
            "rubric",
            &format!("导入考评细则“{}”第{}版", version.name, version.version),
        )
        .await?;
    Ok(Redirect::to(&format!("/rubrics/{}", version.id)).into_response())
}

async fn findings_import_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Markup, ServerError> {
    require_allowed(
        &state,
        &user,
        Action::Administer,
        "只有管理员可以批量导入考核发现",
    )
    .await?;
    let period = state.store.period(id).await?;
    Ok(layout(
        "批量导入考核发现",
        Some(&user),
        html! {
            h1 { (period.name) " · 批量导入考核发现" }
            p { "上传 CSV 或 Excel（.xlsx）文件，表头为 unit,code,count,level,points,round,note 或 单位,编号,次数,等级,分值,轮次,说明。全部行都正确才会导入；有错误时列出每一行的问题，一行也不导入。" }
            form.stack method="post" enctype="multipart/form-data" action=(action(&user, &format!("/periods/{id}/findings/import"))) {
                label { "文件" input name="file" type="file" accept=".csv,.xlsx" required; }
                button type="submit" { "导入" }
            }
        },
    ))
}

async fn findings_import(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, ServerError> {
    require_allowed(
        &state,
        &user,
        Action::Administer,
        "只有管理员可以批量导入考核发现",
    )
    .await?;
    let (filename, bytes, _) = upload(multipart).await?;
    let text = findings_text(&filename, &bytes)?;
    match import_findings(&state.store, id, user.user.id, &filename, &text, |_| {}).await {
        Ok(n) => Ok(Redirect::to(&format!(
            "/periods/{id}?msg={}",
            enc(&format!("已导入{n}条考核发现"))
        ))
        .into_response()),
        Err(FindingsImportError::Rows(errors)) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            layout(
                "导入失败",
                Some(&user),
                html! {
                    h1 { "导入失败，未导入任何记录" }
                    div.flash role="alert" { "以下各行有问题，请修改后重新上传：" }
                    ul { @for e in errors.lines() { li { (e) } } }
                    p { a href=(format!("/periods/{id}/findings/import")) { "重新上传" } }
                },
            ),
        )
            .into_response()),
        Err(FindingsImportError::Other(e)) => Err(e),
    }
}

/// The findings text of an uploaded file: CSV as it is (UTF-8), a workbook's first sheet as CSV.
pub fn findings_text(filename: &str, bytes: &[u8]) -> Result<String, ServerError> {
    if filename.to_lowercase().ends_with(".xlsx") {
        kaoping_import::findings_csv_from_xlsx(filename, bytes)
            .map_err(|e| ServerError::Invalid(e.to_string()))
    } else {
        String::from_utf8(bytes.to_vec()).map_err(|_| {
            ServerError::Invalid(format!(
                "{filename}: 不是UTF-8编码，请在Excel中另存为“CSV UTF-8”，或直接上传.xlsx"
            ))
        })
    }
}

/// Why a findings import stored nothing.
#[derive(Debug)]
pub enum FindingsImportError {
    /// Every bad row, one per line (`file:line: message`).
    Rows(String),
    Other(ServerError),
}

impl From<ServerError> for FindingsImportError {
    fn from(e: ServerError) -> Self {
        FindingsImportError::Other(e)
    }
}

impl From<kaoping_store::StoreError> for FindingsImportError {
    fn from(e: kaoping_store::StoreError) -> Self {
        FindingsImportError::Other(e.into())
    }
}

/// Imports a findings file into a period's ledger as the given user: every row is checked against the
/// rubric, the period's units and the entries already there (a second discretionary entry is an error),
/// then all are appended in one transaction, or none. `progress` is called with each row read.
///
/// # Errors
/// Rows with problems (all listed), a locked period, or the database.
pub async fn import_findings(
    store: &Store,
    period_id: i64,
    user_id: i64,
    file: &str,
    text: &str,
    mut progress: impl FnMut(u64),
) -> Result<usize, FindingsImportError> {
    let view = scoring::load(store, period_id).await?;
    if view.published() {
        return Err(ServerError::Conflict("考评期已发布锁定，只能通过申诉更改".into()).into());
    }
    let departments = store.departments().await?;
    // Stored entries get origins apart from the file's line numbers, so a conflict names the right one.
    const STORED: u64 = 1 << 40;
    let scoring::Tally {
        mut units,
        resolver,
        mut scorer,
    } = view.tally(Source::Assessor, None, STORED);
    let mut entries = Vec::new();
    let mut lines = Vec::new();
    let read = kaoping_formats::read_findings(file, text.as_bytes(), |input, line| {
        progress(line);
        let finding = resolver
            .resolve(&mut units, input, line)
            .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>())?;
        scorer.add(&units, finding).map_err(|e| {
            vec![e.message_with(|origin| match origin.checked_sub(STORED) {
                Some(id) => format!("已有记录#{id}"),
                None => format!("见第{origin}行"),
            })]
        })?;
        let owner = scoring::owner(&view.rubric, input.code);
        entries.push(NewEntry {
            department_id: owner.and_then(|o| {
                departments
                    .iter()
                    .find(|d| d.name == o || d.code == o)
                    .map(|d| d.id)
            }),
            ..NewEntry::record(period_id, input, user_id)
        });
        lines.push(line);
        Ok(())
    });
    if let Err(e) = read {
        return Err(FindingsImportError::Rows(e.to_string()));
    }
    let n = entries.len();
    store.append_entries(&entries).await.map_err(|(i, e)| {
        FindingsImportError::Rows(format!(
            "{file}:{}: {}",
            lines.get(i).copied().unwrap_or(0),
            ServerError::from(e).user_message()
        ))
    })?;
    store
        .audit(
            Some(user_id),
            "import",
            &format!("从{file}导入{n}条考核发现到“{}”", view.period.name),
        )
        .await?;
    Ok(n)
}
