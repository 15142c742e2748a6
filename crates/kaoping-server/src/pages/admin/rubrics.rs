//! `/admin/rubrics`: the rubric versions, the upload form (TOML, checked whole before saving), each
//! version's label (its content never changes: a changed rubric is a new version) and the way to the
//! deletion of a version no period uses.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use kaoping_app::china_time::datetime_of;
use kaoping_app::{rubric_title, AppError, AuditAction, FieldProblem, RubricDraft};
use kaoping_store::RubricVersion;
use maud::{html, Markup};
use serde::Deserialize;

use super::{admin_layout, described, field_error, form_problems, invalid, refused, unprocessable};
use crate::pages::html::{action, back, flash, read_multipart, Flash, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

pub async fn rubrics_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(f): Query<Flash>,
) -> PageResult<Markup> {
    list(&state, &user, &f, None).await
}

async fn list(
    state: &AppState,
    user: &CurrentUser,
    f: &Flash,
    draft: Option<&RubricDraft>,
) -> PageResult<Markup> {
    let board = state.app.admin_board(&user.actor).await?;
    let name_of = |id: i64| {
        board
            .users
            .iter()
            .find(|u| u.id == id)
            .map_or(String::new(), |u| u.display_name.clone())
    };
    let used = |id: i64| board.periods.iter().filter(|p| p.rubric_id == id).count();
    Ok(admin_layout(
        "考评细则",
        user,
        "rubrics",
        html! {
            h1 { "考评细则" }
            (flash(f))
            p { a.button.secondary href="/rubrics/import" { "从Word/Excel表格导入考评细则" } }
            div.table-wrap { table {
                thead { tr { th { "名称" } th.num { "版本" } th { "显示名称" } th.num { "考评期" } th { "上传时间" } th { "上传人" } th { "操作" } } }
                tbody {
                    @for r in &board.rubrics {
                        tr {
                            td { a href=(format!("/rubrics/{}", r.id)) { (r.name) } }
                            td.num { "第" (r.version) "版" }
                            td { (r.label.as_deref().unwrap_or("")) }
                            td.num { (used(r.id)) }
                            td { (datetime_of(r.created_at)) }
                            td { (name_of(r.created_by)) }
                            td.actions {
                                a href=(format!("/admin/rubrics/{}/edit", r.id)) { "改显示名称" } " "
                                a href=(format!("/admin/rubrics/{}/delete", r.id)) { "删除" }
                            }
                        }
                    }
                }
            } }
            h2 { "上传新版本" }
            @if let Some(d) = draft {
                div.flash role="alert" {
                    "考评细则有" (d.problems.len()) "处问题，未保存："
                    ul { @for p in &d.problems { li { (p) } } }
                }
            }
            form.stack method="post" enctype="multipart/form-data" action=(action(user, "/admin/rubrics")) {
                label { "名称（同名再次上传即为新版本）" input name="name" required value=(draft.map_or("", |d| d.name.as_str())); }
                label { "TOML文件" input name="file" type="file" accept=".toml,text/plain"; }
                label { "或直接粘贴TOML文本" textarea name="toml" rows="12" { (draft.map_or("", |d| d.toml.as_str())) } }
                button type="submit" { "检查并保存" }
            }
        },
    ))
}

fn edit_form(me: &CurrentUser, r: &RubricVersion, label: &str, p: &[FieldProblem]) -> Markup {
    admin_layout(
        "考评细则显示名称",
        me,
        "rubrics",
        html! {
            h1 { "考评细则“" (r.name) "”第" (r.version) "版" }
            (form_problems(p))
            p {
                "已保存的考评细则内容不能修改：考评期按它计分，改内容请上传为新版本（同名上传即为下一版）。"
                "这里只能给这一版起一个显示名称。"
            }
            form.stack method="post" action=(action(me, &format!("/admin/rubrics/{}/edit", r.id))) novalidate {
                label for="label" { "显示名称（可不填）" }
                input #label name="label" value=(label) aria-invalid=[invalid(p, "label")] aria-describedby=[described(p, "label")];
                (field_error(p, "label"))
                div.actions {
                    button type="submit" { "保存" }
                    a.button.secondary href="/admin/rubrics" { "取消" }
                }
            }
        },
    )
}

async fn find(state: &AppState, user: &CurrentUser, id: i64) -> PageResult<RubricVersion> {
    let board = state.app.admin_board(&user.actor).await?;
    Ok(board
        .rubrics
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| AppError::NotFound(format!("考评细则 {id}")))?)
}

pub async fn rubric_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    let r = find(&state, &user, id).await?;
    let label = r.label.clone().unwrap_or_default();
    Ok(edit_form(&user, &r, &label, &[]))
}

#[derive(Deserialize)]
pub struct LabelForm {
    #[serde(default)]
    label: String,
}

pub async fn save_rubric_label(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<LabelForm>,
) -> PageResult<Response> {
    match state.app.label_rubric(&user.actor, id, &f.label).await? {
        Ok(r) => Ok(back(
            "/admin/rubrics",
            "msg",
            &format!("已保存考评细则“{}”的显示名称", rubric_title(&r)),
        )),
        Err(problems) => {
            let r = find(&state, &user, id).await?;
            Ok(unprocessable(edit_form(&user, &r, &f.label, &problems)))
        }
    }
}

pub async fn upload_rubric(
    State(state): State<AppState>,
    user: CurrentUser,
    multipart: Multipart,
) -> PageResult<Response> {
    let form = match read_multipart(multipart, "file", "TOML文件").await {
        Ok(form) => form,
        Err(e) => return refused("rubrics", e),
    };
    let name = form.text("name");
    let toml = match &form.file {
        Some(upload) => match String::from_utf8(upload.bytes.clone()) {
            Ok(t) => t,
            Err(e) => {
                let draft = RubricDraft {
                    name,
                    toml: String::new(),
                    problems: vec![format!(
                        "TOML文件：不是UTF-8编码的文本（第{}字节），请另存为UTF-8",
                        e.utf8_error().valid_up_to()
                    )],
                };
                let page = list(&state, &user, &Flash::default(), Some(&draft)).await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
        },
        None => form.text("toml"),
    };
    match state
        .app
        .save_rubric(&user.actor, &name, &toml, AuditAction::RubricSave)
        .await?
    {
        Ok(saved) => Ok(back(
            "/admin/rubrics",
            "msg",
            &format!("已保存考评细则“{}”第{}版", saved.name, saved.version),
        )),
        Err(draft) => {
            let page = list(&state, &user, &Flash::default(), Some(&draft)).await?;
            Ok(unprocessable(page))
        }
    }
}
