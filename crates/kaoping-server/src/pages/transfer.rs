//! Files in and out: Excel downloads (summary, score sheet, ledger, rubric), importing a rubric table
//! (upload, then the review form of `rubric_review.rs`, or its TOML editor, saves a new version) and importing findings (all rows or none, every bad row
//! listed). The work is the application's (shared with the CLI); this page moves the files.

use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use kaoping_app::{
    findings_text, AppError, AuditAction, FindingsImportError, RubricForm, Workbook,
};
use maud::{html, Markup};
use serde::Deserialize;

use super::html::{action, back, enc, layout, read_multipart, PageResult};
use super::rubric_review::review_page;
use crate::session::CurrentUser;
use crate::state::AppState;

pub(crate) fn xlsx_response(book: Workbook) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"export.xlsx\"; filename*=UTF-8''{}",
                    enc(&book.filename)
                ),
            ),
        ],
        book.bytes,
    )
        .into_response()
}

pub async fn summary_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    Ok(xlsx_response(
        state.app.summary_xlsx(&user.actor, id).await?,
    ))
}

pub async fn sheet_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, code)): Path<(i64, String)>,
) -> PageResult<Response> {
    Ok(xlsx_response(
        state.app.sheet_xlsx(&user.actor, id, &code).await?,
    ))
}

pub async fn ledger_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    Ok(xlsx_response(state.app.ledger_xlsx(&user.actor, id).await?))
}

pub async fn rubric_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    Ok(xlsx_response(state.app.rubric_xlsx(&user.actor, id).await?))
}

/// Reads one uploaded file (and the text fields beside it); no file is an error.
async fn upload(multipart: Multipart) -> Result<super::html::Form, AppError> {
    let form = read_multipart(multipart, "file", "文件").await?;
    if form.file.is_none() {
        return Err(AppError::Invalid("请选择要上传的文件".into()));
    }
    Ok(form)
}

pub async fn rubric_import_form(
    State(state): State<AppState>,
    user: CurrentUser,
) -> PageResult<Markup> {
    state.app.may_import(&user.actor)?;
    Ok(layout(
        "导入考评细则",
        Some(&user),
        html! {
            h1 { "导入考评细则" }
            p { "上传现有的考评细则表格（Word .docx、Excel .xlsx 或 CSV）。表头应含“考核内容”“评分标准”（或考评内容、考核标准、评分细则等），列的顺序不限；合并单元格、“20分”“（5分）”写法均可。导入后在表单中逐条核对（每条规则一行，原文在旁），再保存；也可直接编辑TOML。" }
            form.stack method="post" enctype="multipart/form-data" action=(action(&user, "/rubrics/import")) {
                label { "名称（保存为该名称的新版本）" input name="name" required; }
                label { "文件" input name="file" type="file" accept=".docx,.xlsx,.csv" required; }
                button type="submit" { "导入并核对" }
            }
        },
    ))
}

pub async fn rubric_import(
    State(state): State<AppState>,
    user: CurrentUser,
    multipart: Multipart,
) -> PageResult<Markup> {
    state.app.may_import(&user.actor)?;
    let form = upload(multipart).await?;
    let file = form.file.as_ref().expect("checked by upload");
    let name = form.text("name");
    let import = state
        .app
        .import_rubric(&user.actor, &file.filename, &file.bytes, &name)
        .await?;
    Ok(review_page(&user, &import.form, &import.text, None))
}

#[derive(Deserialize)]
pub struct SaveRubric {
    name: String,
    toml: String,
}

pub async fn rubric_import_save(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<SaveRubric>,
) -> PageResult<Response> {
    match state
        .app
        .save_rubric(&user.actor, &f.name, &f.toml, AuditAction::RubricImport)
        .await?
    {
        Ok(version) => Ok(Redirect::to(&format!("/rubrics/{}", version.id)).into_response()),
        Err(draft) => {
            // The TOML editor alone: the text is what was typed, not a table to lay out as a form.
            let form = RubricForm {
                name: f.name.clone(),
                ..RubricForm::default()
            };
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                review_page(&user, &form, &f.toml, Some(&draft.problems.join("\n"))),
            )
                .into_response())
        }
    }
}

pub async fn findings_import_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    let period = state.app.findings_import_form(&user.actor, id).await?;
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

pub async fn findings_import(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> PageResult<Response> {
    state.app.findings_import_form(&user.actor, id).await?;
    let form = upload(multipart).await?;
    let file = form.file.as_ref().expect("checked by upload");
    let text = findings_text(&file.filename, &file.bytes)?;
    match state
        .app
        .import_findings(&user.actor, id, &file.filename, &text, |_| {})
        .await
    {
        Ok(n) => Ok(back(
            &format!("/periods/{id}"),
            "msg",
            &format!("已导入{n}条考核发现"),
        )),
        Err(FindingsImportError::Rows {
            file,
            problems,
            more,
        }) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            layout(
                "导入失败",
                Some(&user),
                html! {
                    h1 { "导入失败，未导入任何记录" }
                    div.flash role="alert" { "以下各行有问题，请修改后重新上传：" }
                    ul {
                        @for p in &problems {
                            li {
                                (file) " "
                                @if let Some(line) = p.line { "第" (line) "行：" }
                                (p.message)
                            }
                        }
                        @if more > 0 { li { "……另有" (more) "行有错误" } }
                    }
                    p { a href=(format!("/periods/{id}/findings/import")) { "重新上传" } }
                },
            ),
        )
            .into_response()),
        Err(FindingsImportError::Other(e)) => Err(e.into()),
    }
}
