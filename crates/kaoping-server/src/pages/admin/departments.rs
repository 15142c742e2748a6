//! `/admin/departments`: the departments, a new one's form, each one's edit form (code, name) and the
//! way to its deletion.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Form;
use kaoping_app::{AppError, FieldProblem};
use kaoping_store::Department;
use maud::{html, Markup};
use serde::Deserialize;

use super::{
    admin_layout, create_refusal, described, field_error, form_problems, invalid, unprocessable,
    Typed,
};
use crate::pages::html::{action, back, flash, Flash, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

pub async fn departments_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(f): Query<Flash>,
) -> PageResult<Markup> {
    list(&state, &user, &f, &Typed::default(), &[]).await
}

async fn list(
    state: &AppState,
    user: &CurrentUser,
    f: &Flash,
    typed: &Typed,
    p: &[FieldProblem],
) -> PageResult<Markup> {
    let board = state.app.admin_board(&user.actor).await?;
    let members = |id: i64| {
        board
            .users
            .iter()
            .filter(|u| u.department_id == Some(id))
            .count()
    };
    Ok(admin_layout(
        "部门",
        user,
        "departments",
        html! {
            h1 { "部门" }
            (flash(f))
            div.table-wrap { table {
                thead { tr { th { "编号" } th { "名称" } th.num { "用户" } th { "操作" } } }
                tbody {
                    @for d in &board.departments {
                        tr {
                            td { (d.code) } td { (d.name) } td.num { (members(d.id)) }
                            td.actions {
                                a href=(format!("/admin/departments/{}/edit", d.id)) { "修改" } " "
                                a href=(format!("/admin/departments/{}/delete", d.id)) { "删除" }
                            }
                        }
                    }
                }
            } }
            h2 { "新建部门" }
            (form_problems(p))
            form.stack method="post" action=(action(user, "/admin/departments")) novalidate {
                label for="new-code" { "部门编号（如 AQK）" }
                input #new-code name="code" value=(typed.get("code")) required aria-invalid=[invalid(p, "code")] aria-describedby=[described(p, "code")];
                (field_error(p, "code"))
                label for="new-name" { "部门名称（与考评细则中的“责任部门”一致，如 安全科）" }
                input #new-name name="name" value=(typed.get("name")) required aria-invalid=[invalid(p, "name")] aria-describedby=[described(p, "name")];
                (field_error(p, "name"))
                button type="submit" { "新建部门" }
            }
        },
    ))
}

fn edit_form(
    me: &CurrentUser,
    department: &Department,
    code: &str,
    name: &str,
    p: &[FieldProblem],
) -> Markup {
    admin_layout(
        "修改部门",
        me,
        "departments",
        html! {
            h1 { "修改部门 " (department.name) }
            (form_problems(p))
            form.stack method="post" action=(action(me, &format!("/admin/departments/{}/edit", department.id))) novalidate {
                label for="code" { "部门编号" }
                input #code name="code" value=(code) required aria-invalid=[invalid(p, "code")] aria-describedby=[described(p, "code")];
                (field_error(p, "code"))
                label for="name" { "部门名称（与考评细则中的“责任部门”一致）" }
                input #name name="name" value=(name) required aria-invalid=[invalid(p, "name")] aria-describedby=[described(p, "name")];
                (field_error(p, "name"))
                p.muted { "考评细则以名称或编号指定责任部门：考评中的考评期用到的名称和编号不能改掉。" }
                div.actions {
                    button type="submit" { "保存" }
                    a.button.secondary href="/admin/departments" { "取消" }
                }
            }
        },
    )
}

async fn find(state: &AppState, user: &CurrentUser, id: i64) -> PageResult<Department> {
    let board = state.app.admin_board(&user.actor).await?;
    Ok(board
        .departments
        .into_iter()
        .find(|d| d.id == id)
        .ok_or_else(|| AppError::NotFound(format!("部门 {id}")))?)
}

pub async fn department_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    let d = find(&state, &user, id).await?;
    Ok(edit_form(&user, &d, &d.code, &d.name, &[]))
}

#[derive(Deserialize)]
pub struct DepartmentForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
}

pub async fn save_department(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<DepartmentForm>,
) -> PageResult<Response> {
    match state
        .app
        .edit_department(&user.actor, id, &f.code, &f.name)
        .await?
    {
        Ok(d) => Ok(back(
            "/admin/departments",
            "msg",
            &format!("已修改部门{}", d.name),
        )),
        Err(problems) => {
            let d = find(&state, &user, id).await?;
            Ok(unprocessable(edit_form(
                &user, &d, &f.code, &f.name, &problems,
            )))
        }
    }
}

pub async fn create_department(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<DepartmentForm>,
) -> PageResult<Response> {
    match state
        .app
        .create_department(&user.actor, &f.code, &f.name)
        .await
    {
        Ok(_) => Ok(back(
            "/admin/departments",
            "msg",
            &format!("已新建部门{}", f.name.trim()),
        )),
        Err(e) => match create_refusal(&e, &[("部门编号", "code"), ("部门名称", "name")]) {
            Some((status, problems)) => {
                let typed = Typed(vec![("code".into(), f.code), ("name".into(), f.name)]);
                let page = list(&state, &user, &Flash::default(), &typed, &problems).await?;
                Ok((status, page).into_response())
            }
            None => Err(e.into()),
        },
    }
}
