//! `/periods/{id}/attendance`: uploading the attendance machine's monthly export or the exam score
//! sheet (the same use cases as `kaoping import-attendance`); the result lists the entries each
//! measure got, or every refused row at its line. Plain forms, no script.

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kaoping_app::{AppError, FindingsImportError, ImportSummary};
use kaoping_formats::attendance::Month;
use maud::{html, Markup};

use super::html::{action, layout, read_multipart, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

fn forms(user: &CurrentUser, id: i64, name: &str) -> Markup {
    html! {
        h1 { (name) " · 导入考勤和考试成绩" }
        p { "考勤机每月导出的考勤表（CSV 或 Excel .xlsx），列为：工号或姓名、应出勤天数、实际出勤天数、迟到、早退、旷工，可加“月份”列（2024-03 或 2024年3月）；没有月份列时在下面填写月份。再次导入同一月份会替换该月数据，考核记录以更正写入。全部行都正确才会导入；有错误时列出每一行的问题，一行也不导入。格式见 docs/attendance.md。" }
        h2 { "考勤表" }
        form.stack method="post" enctype="multipart/form-data" action=(action(user, &format!("/periods/{id}/attendance"))) {
            input type="hidden" name="kind" value="attendance";
            label { "月份（文件没有“月份”列时填写，如 2024-03）" input name="month" placeholder="2024-03"; }
            label { "文件" input name="file" type="file" accept=".csv,.xlsx" required; }
            button type="submit" { "导入考勤" }
        }
        h2 { "考试成绩" }
        p { "列为：工号或姓名、季度（1–4、Q1、一季度）、成绩。每人每季度一条；再次导入同一季度以更正写入。" }
        form.stack method="post" enctype="multipart/form-data" action=(action(user, &format!("/periods/{id}/attendance"))) {
            input type="hidden" name="kind" value="exams";
            label { "文件" input name="file" type="file" accept=".csv,.xlsx" required; }
            button type="submit" { "导入考试成绩" }
        }
    }
}

pub async fn form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    let snapshot = state.app.attendance_form(&user.actor, id).await?;
    Ok(layout(
        "导入考勤和考试成绩",
        Some(&user),
        forms(&user, id, &snapshot.period.name),
    ))
}

fn done(user: &CurrentUser, id: i64, s: &ImportSummary) -> Markup {
    layout(
        "导入完成",
        Some(user),
        html! {
            h1 { "导入完成" }
            p role="status" {
                "已读取" (s.rows) "行：" (s.periods.join("、"))
                @if !s.replaced.is_empty() { "（替换此前导入的" (s.replaced.join("、")) "）" }
            }
            table {
                thead { tr { th { "规则" } th { "考核内容" } th { "记录" } th { "更正" } th { "撤回" } th { "未变" } } }
                tbody {
                    @for t in &s.measures {
                        tr {
                            td { (t.code) } td { (t.measure.label()) }
                            td { (t.recorded) } td { (t.corrected) } td { (t.withdrawn) } td { (t.unchanged) }
                        }
                    }
                }
            }
            p {
                a.button href=(format!("/periods/{id}")) { "查看汇总表" } " "
                a.button.secondary href=(format!("/periods/{id}/attendance")) { "继续导入" }
            }
        },
    )
}

fn refused(
    user: &CurrentUser,
    id: i64,
    file: &str,
    problems: &[kaoping_app::RowProblem],
    more: usize,
) -> Markup {
    layout(
        "导入失败",
        Some(user),
        html! {
            h1 { "导入失败，未导入任何记录" }
            div.flash role="alert" { "以下各行有问题，请修改后重新上传：" }
            ul {
                @for p in problems {
                    li {
                        (file) " "
                        @if let Some(line) = p.line { "第" (line) "行：" }
                        (p.message)
                    }
                }
                @if more > 0 { li { "……另有" (more) "行有错误" } }
            }
            p { a href=(format!("/periods/{id}/attendance")) { "重新上传" } }
        },
    )
}

pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> PageResult<Response> {
    state.app.attendance_form(&user.actor, id).await?;
    let form = read_multipart(multipart, "file", "文件").await?;
    let Some(file) = form.file.as_ref() else {
        return Err(AppError::Invalid("请选择要上传的文件".into()).into());
    };
    let exams = form.text("kind") == "exams";
    let month = match form.text("month").trim() {
        "" => None,
        m => Some(
            m.parse::<Month>()
                .map_err(|e| AppError::Invalid(format!("月份：{e}")))?,
        ),
    };
    let result = if exams {
        state
            .app
            .import_exams(&user.actor, id, &file.filename, &file.bytes, |_| {})
            .await
    } else {
        state
            .app
            .import_attendance(&user.actor, id, &file.filename, &file.bytes, month, |_| {})
            .await
    };
    match result {
        Ok(s) => Ok(done(&user, id, &s).into_response()),
        Err(FindingsImportError::Rows {
            file,
            problems,
            more,
        }) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            refused(&user, id, &file, &problems, more),
        )
            .into_response()),
        Err(FindingsImportError::Other(e)) => Err(e.into()),
    }
}
