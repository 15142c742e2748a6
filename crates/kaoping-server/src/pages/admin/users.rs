//! `/admin/users`: the users with their role and links, a new user's form, and each user's edit form
//! (name, role, department, unit; the username stays); activation and password resets.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Form;
use kaoping_app::{role_name, AdminBoard, AppError, FieldProblem, NewUserForm, UserEdit};
use kaoping_store::{Department, OrgKind, OrgUnit, Role, User};
use maud::{html, Markup};
use serde::Deserialize;

use super::{
    admin_layout, create_refusal, described, field_error, form_problems, invalid, refused,
    unprocessable, Typed,
};
use crate::pages::html::{action, back, dash, flash, parse_id, Flash, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

const ROLES: [Role; 4] = [Role::Admin, Role::Assessor, Role::Leader, Role::Viewer];

pub async fn users_page(
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
    let AdminBoard {
        users,
        departments,
        org,
        ..
    } = state.app.admin_board(&user.actor).await?;
    let units: Vec<&OrgUnit> = org.iter().filter(|u| u.kind == OrgKind::Unit).collect();
    Ok(admin_layout(
        "用户",
        user,
        "users",
        html! {
            h1 { "用户" }
            (flash(f))
            div.table-wrap { table {
                thead { tr { th { "用户名" } th { "姓名" } th { "角色" } th { "部门／单位" } th { "状态" } th { "操作" } } }
                tbody { @for u in &users { (user_row(user, u, &departments, &org)) } }
            } }
            h2 { "新建用户" }
            (form_problems(p))
            form.stack method="post" action=(action(user, "/admin/users")) novalidate {
                label for="new-username" { "用户名（登录用）" }
                input #new-username name="username" value=(typed.get("username")) required autocomplete="off" aria-invalid=[invalid(p, "username")] aria-describedby=[described(p, "username")];
                (field_error(p, "username"))
                label for="new-display-name" { "姓名" }
                input #new-display-name name="display_name" value=(typed.get("display_name")) aria-invalid=[invalid(p, "display_name")] aria-describedby=[described(p, "display_name")];
                (field_error(p, "display_name"))
                label for="new-role" { "角色" }
                select #new-role name="role" required aria-invalid=[invalid(p, "role")] aria-describedby=[described(p, "role")] {
                    @for r in ROLES { option value=(r.as_str()) selected[typed.get("role") == r.as_str()] { (role_name(r)) } }
                }
                (field_error(p, "role"))
                label for="new-department" { "部门（考核部门必选）" }
                select #new-department name="department" aria-invalid=[invalid(p, "department")] aria-describedby=[described(p, "department")] {
                    option value="" { "无" }
                    @for d in &departments { option value=(d.id) selected[typed.get("department") == d.id.to_string()] { (d.name) "（" (d.code) "）" } }
                }
                (field_error(p, "department"))
                label for="new-unit" { "单位（单位负责人必选）" }
                select #new-unit name="unit" aria-invalid=[invalid(p, "unit")] aria-describedby=[described(p, "unit")] {
                    option value="" { "无" }
                    @for u in &units { option value=(u.id) selected[typed.get("unit") == u.id.to_string()] { (u.name) "（" (u.code) "）" } }
                }
                (field_error(p, "unit"))
                p.muted { "初始密码由系统随机生成，只显示一次。" }
                button type="submit" { "新建用户" }
            }
        },
    ))
}

fn user_row(me: &CurrentUser, u: &User, departments: &[Department], org: &[OrgUnit]) -> Markup {
    let link = match (u.department_id, u.unit_id) {
        (Some(d), _) => departments
            .iter()
            .find(|x| x.id == d)
            .map_or(format!("部门{d}"), |x| x.name.clone()),
        (None, Some(un)) => org
            .iter()
            .find(|x| x.id == un)
            .map_or(format!("单位{un}"), |x| x.name.clone()),
        _ => String::new(),
    };
    html! {
        tr {
            td { (u.username) }
            td { (u.display_name) }
            td { (role_name(u.role)) }
            td { @if link.is_empty() { (dash()) } @else { (link) } }
            td { @if u.active { span.badge.ok { "启用" } } @else { span.badge.bad { "已停用" } } }
            td.actions {
                a href=(format!("/admin/users/{}/edit", u.id)) { "修改" }
                " "
                @if u.id != me.actor.id() {
                    form.inline method="post" action=(action(me, &format!("/admin/users/{}/active", u.id))) {
                        input type="hidden" name="active" value=(if u.active { "0" } else { "1" });
                        button.secondary type="submit" { @if u.active { "停用" } @else { "启用" } }
                    }
                    " "
                }
                form.inline method="post" action=(action(me, &format!("/admin/users/{}/password", u.id))) {
                    button.secondary type="submit" { "重置密码" }
                }
            }
        }
    }
}

/// The edit form of `target`, with `typed` values and their problems.
fn edit_form(
    me: &CurrentUser,
    target: &User,
    board: &AdminBoard,
    typed: &UserEdit,
    problems: &[FieldProblem],
) -> Markup {
    let units: Vec<&OrgUnit> = board
        .org
        .iter()
        .filter(|u| u.kind == OrgKind::Unit)
        .collect();
    let p = problems;
    admin_layout(
        "修改用户",
        me,
        "users",
        html! {
            h1 { "修改用户 " (target.username) }
            (form_problems(p))
            form.stack method="post" action=(action(me, &format!("/admin/users/{}/edit", target.id))) novalidate {
                label { "用户名（不能修改：考核记录和操作日志以它指称用户）"
                    input value=(target.username) disabled;
                }
                label for="display_name" { "姓名" }
                input #display_name name="display_name" value=(typed.display_name) required aria-invalid=[invalid(p, "display_name")] aria-describedby=[described(p, "display_name")];
                (field_error(p, "display_name"))
                label for="role" { "角色" }
                select #role name="role" aria-invalid=[invalid(p, "role")] aria-describedby=[described(p, "role")] {
                    @for r in ROLES { option value=(r.as_str()) selected[typed.role == r.as_str()] { (role_name(r)) } }
                }
                (field_error(p, "role"))
                label for="department" { "部门（考核部门必选）" }
                select #department name="department" aria-invalid=[invalid(p, "department")] aria-describedby=[described(p, "department")] {
                    option value="" { "无" }
                    @for d in &board.departments { option value=(d.id) selected[typed.department == d.id.to_string()] { (d.name) "（" (d.code) "）" } }
                }
                (field_error(p, "department"))
                label for="unit" { "单位（单位负责人必选）" }
                select #unit name="unit" aria-invalid=[invalid(p, "unit")] aria-describedby=[described(p, "unit")] {
                    option value="" { "无" }
                    @for u in &units { option value=(u.id) selected[typed.unit == u.id.to_string()] { (u.name) "（" (u.code) "）" } }
                }
                (field_error(p, "unit"))
                div.actions {
                    button type="submit" { "保存" }
                    a.button.secondary href="/admin/users" { "取消" }
                }
            }
        },
    )
}

fn id_text(id: Option<i64>) -> String {
    id.map_or(String::new(), |i| i.to_string())
}

pub async fn user_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(uid): Path<i64>,
) -> PageResult<Markup> {
    let board = state.app.admin_board(&user.actor).await?;
    let target = board
        .users
        .iter()
        .find(|u| u.id == uid)
        .ok_or_else(|| AppError::NotFound(format!("用户 {uid}")))?;
    let typed = UserEdit {
        display_name: target.display_name.clone(),
        role: target.role.as_str().to_string(),
        department: id_text(target.department_id),
        unit: id_text(target.unit_id),
    };
    Ok(edit_form(&user, target, &board, &typed, &[]))
}

pub async fn save_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(uid): Path<i64>,
    Form(typed): Form<UserEdit>,
) -> PageResult<Response> {
    match state.app.edit_user(&user.actor, uid, &typed).await? {
        Ok(saved) => Ok(back(
            "/admin/users",
            "msg",
            &format!("已修改用户{}", saved.username),
        )),
        Err(problems) => {
            let board = state.app.admin_board(&user.actor).await?;
            let target = board
                .users
                .iter()
                .find(|u| u.id == uid)
                .ok_or_else(|| AppError::NotFound(format!("用户 {uid}")))?;
            Ok(unprocessable(edit_form(
                &user, target, &board, &typed, &problems,
            )))
        }
    }
}

/// The one time a new password is shown.
fn password_page(me: &CurrentUser, title: &str, username: &str, password: &str) -> Markup {
    admin_layout(
        title,
        me,
        "users",
        html! {
            h1 { (title) }
            div.flash.ok role="status" {
                "用户 " strong { (username) } " 的密码：" br;
                code { (password) }
            }
            p { "密码只显示这一次，请当面或通过安全渠道转告本人。离开本页后无法再次查看，只能重新重置。" }
            p { a.button href="/admin/users" { "返回用户管理" } }
        },
    )
}

#[derive(Deserialize)]
pub struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    unit: String,
}

pub async fn create_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<UserForm>,
) -> PageResult<Response> {
    let typed = Typed(vec![
        ("username".into(), f.username.clone()),
        ("display_name".into(), f.display_name.clone()),
        ("role".into(), f.role.clone()),
        ("department".into(), f.department.clone()),
        ("unit".into(), f.unit.clone()),
    ]);
    let form = async {
        Ok::<_, AppError>(NewUserForm {
            username: f.username.clone(),
            display_name: f.display_name.clone(),
            role: Role::parse(f.role.trim()),
            department_id: parse_id("部门", &f.department)?,
            unit_id: parse_id("单位", &f.unit)?,
        })
    };
    let created = match form.await {
        Ok(form) => state.app.create_user(&user.actor, &form).await,
        Err(e) => Err(e),
    };
    match created {
        Ok((new, password)) => {
            Ok(password_page(&user, "已新建用户", &new.username, &password).into_response())
        }
        Err(e) => match create_refusal(
            &e,
            &[
                ("用户名", "username"),
                ("姓名", "display_name"),
                ("角色", "role"),
                ("部门", "department"),
                ("单位", "unit"),
            ],
        ) {
            Some((status, problems)) => {
                let page = list(&state, &user, &Flash::default(), &typed, &problems).await?;
                Ok((status, page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

#[derive(Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    active: String,
}

pub async fn set_active(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(uid): Path<i64>,
    Form(f): Form<ActiveForm>,
) -> PageResult<Response> {
    let active = match f.active.as_str() {
        "1" => true,
        "0" => false,
        _ => return refused("users", AppError::Invalid("状态：应为启用或停用".into())),
    };
    match state.app.set_user_active(&user.actor, uid, active).await {
        Ok(target) => Ok(back(
            "/admin/users",
            "msg",
            &format!(
                "已{}用户{}",
                if active { "启用" } else { "停用" },
                target.username
            ),
        )),
        Err(e @ AppError::NotFound(_)) => Err(e.into()),
        Err(e) => refused("users", e),
    }
}

pub async fn reset_password(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(uid): Path<i64>,
) -> PageResult<Response> {
    let (target, password) = state.app.reset_password(&user.actor, uid).await?;
    Ok(password_page(&user, "已重置密码", &target.username, &password).into_response())
}
