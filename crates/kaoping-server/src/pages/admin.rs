//! 管理: users (create, deactivate, reset password), departments, the organisation tree, rubric versions
//! (uploaded TOML, checked whole before saving) and periods. The checks and the changes are the
//! application's; this page lists and reads the forms.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use kaoping_app::china_time::datetime_of;
use kaoping_app::{
    org_kind_name, role_name, AdminBoard, AppError, AuditAction, NewOrgUnitForm, NewPeriodForm,
    NewUserForm, RubricDraft,
};
use kaoping_store::{Department, OrgKind, OrgUnit, PeriodStatus, Role, User};
use maud::{html, Markup};
use serde::Deserialize;

use super::html::{
    action, back, back_or_fail, dash, flash, layout, parse_id, read_multipart, Flash, PageError,
    PageResult,
};
use crate::session::CurrentUser;
use crate::state::AppState;

const ROLES: [Role; 4] = [Role::Admin, Role::Assessor, Role::Leader, Role::Viewer];
const KINDS: [OrgKind; 3] = [OrgKind::Organisation, OrgKind::Unit, OrgKind::Group];

/// A refusal goes back to its section of the admin page; a fault is the error page.
fn refused(section: &str, e: AppError) -> PageResult<Response> {
    match e {
        AppError::Forbidden(_) => Err(PageError(e)),
        e => back_or_fail(&format!("/admin#{section}"), e),
    }
}

/// Depth of each node in the tree (0 for roots), by position in `org`.
fn depths(org: &[OrgUnit]) -> Vec<usize> {
    org.iter()
        .map(|u| {
            let mut depth = 0;
            let mut parent = u.parent_id;
            while let Some(p) = parent {
                if depth > org.len() {
                    break;
                }
                depth += 1;
                parent = org.iter().find(|x| x.id == p).and_then(|x| x.parent_id);
            }
            depth
        })
        .collect()
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(f): Query<Flash>,
) -> PageResult<Markup> {
    admin_page(&state, &user, &f, None).await
}

async fn admin_page(
    state: &AppState,
    user: &CurrentUser,
    f: &Flash,
    draft: Option<&RubricDraft>,
) -> PageResult<Markup> {
    let AdminBoard {
        users,
        departments,
        org,
        rubrics,
        periods,
    } = state.app.admin_board(&user.actor).await?;
    let depth = depths(&org);
    let units: Vec<&OrgUnit> = org.iter().filter(|u| u.kind == OrgKind::Unit).collect();
    let groups: Vec<&OrgUnit> = org.iter().filter(|u| u.kind == OrgKind::Group).collect();
    let name_of = |id: i64| {
        users
            .iter()
            .find(|u| u.id == id)
            .map_or(String::new(), |u| u.display_name.clone())
    };
    Ok(layout(
        "管理",
        Some(user),
        html! {
            h1 { "管理" }
            (flash(f))
            p.filters {
                a href="#users" { "用户" } a href="#departments" { "部门" } a href="#org" { "组织" }
                a href="#rubrics" { "考评细则" } a href="#periods" { "考评期" } a href="/audit" { "操作日志" }
            }

            section id="users" {
                h2 { "用户" }
                div.table-wrap { table {
                    thead { tr { th { "用户名" } th { "姓名" } th { "角色" } th { "部门／单位" } th { "状态" } th { "操作" } } }
                    tbody { @for u in &users { (user_row(user, u, &departments, &org)) } }
                } }
                h2 { "新建用户" }
                form.stack method="post" action=(action(user, "/admin/users")) {
                    label { "用户名（登录用）" input name="username" required autocomplete="off"; }
                    label { "姓名" input name="display_name"; }
                    label { "角色"
                        select name="role" required {
                            @for r in ROLES { option value=(r.as_str()) { (role_name(r)) } }
                        }
                    }
                    label { "部门（考核部门必选）"
                        select name="department" {
                            option value="" { "无" }
                            @for d in &departments { option value=(d.id) { (d.name) "（" (d.code) "）" } }
                        }
                    }
                    label { "单位（单位负责人必选）"
                        select name="unit" {
                            option value="" { "无" }
                            @for u in &units { option value=(u.id) { (u.name) "（" (u.code) "）" } }
                        }
                    }
                    p.muted { "初始密码由系统随机生成，只显示一次。" }
                    button type="submit" { "新建用户" }
                }
            }

            section id="departments" {
                h2 { "部门" }
                div.table-wrap { table {
                    thead { tr { th { "编号" } th { "名称" } } }
                    tbody { @for d in &departments { tr { td { (d.code) } td { (d.name) } } } }
                } }
                form.stack method="post" action=(action(user, "/admin/departments")) {
                    label { "部门编号（如 AQK）" input name="code" required; }
                    label { "部门名称（与考评细则中的“责任部门”一致，如 安全科）" input name="name" required; }
                    button type="submit" { "新建部门" }
                }
            }

            section id="org" {
                h2 { "组织" }
                div.table-wrap { table {
                    thead { tr { th { "名称" } th { "编号" } th { "类型" } th { "排名分组" } th { "所属组" } } }
                    tbody {
                        @for (i, u) in org.iter().enumerate() {
                            tr {
                                td { @for _ in 0..depth[i] { "　" } @if depth[i] > 0 { "└ " } (u.name) }
                                td { (u.code) }
                                td { (org_kind_name(u.kind)) }
                                td { @match &u.ranking_group { Some(g) => (g), None => (dash()) } }
                                td { @if u.member_of.is_empty() { (dash()) } @else { (u.member_of.join("、")) } }
                            }
                        }
                    }
                } }
                form.stack method="post" action=(action(user, "/admin/org")) {
                    label { "编号" input name="code" required; }
                    label { "名称" input name="name" required; }
                    label { "上级"
                        select name="parent" {
                            option value="" { "无（顶层）" }
                            @for (i, u) in org.iter().enumerate() {
                                option value=(u.id) { @for _ in 0..depth[i] { "　" } (u.name) "（" (u.code) "）" }
                            }
                        }
                    }
                    label { "类型"
                        select name="kind" {
                            @for k in KINDS { option value=(k.as_str()) selected[k == OrgKind::Unit] { (org_kind_name(k)) } }
                        }
                    }
                    label { "排名分组（可不填，如 生产单位）" input name="ranking_group"; }
                    label { "所属组（组的编号，多个用逗号分隔；可不填）" input name="member_of" placeholder=(groups.iter().map(|g| g.code.as_str()).collect::<Vec<_>>().join(", ")); }
                    button type="submit" { "新建" }
                }
            }

            section id="rubrics" {
                h2 { "考评细则" }
                p { a.button.secondary href="/rubrics/import" { "从Word/Excel表格导入考评细则" } }
                div.table-wrap { table {
                    thead { tr { th { "名称" } th.num { "版本" } th { "上传时间" } th { "上传人" } } }
                    tbody {
                        @for r in &rubrics {
                            tr {
                                td { a href=(format!("/rubrics/{}", r.id)) { (r.name) } }
                                td.num { "第" (r.version) "版" }
                                td { (datetime_of(r.created_at)) }
                                td { (name_of(r.created_by)) }
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
            }

            section id="periods" {
                h2 { "考评期" }
                div.table-wrap { table {
                    thead { tr { th { "名称" } th.num { "年度" } th { "考评细则" } th.num { "单位数" } th { "状态" } th { "管理" } } }
                    tbody {
                        @for p in &periods {
                            tr {
                                td { a href=(format!("/periods/{}", p.id)) { (p.name) } }
                                td.num { (p.year) }
                                td { @if let Some(r) = rubrics.iter().find(|r| r.id == p.rubric_id) { a href=(format!("/rubrics/{}", r.id)) { (r.name) " 第" (r.version) "版" } } }
                                td.num { (p.unit_ids.len()) }
                                td { @if p.status == PeriodStatus::Published { span.badge.ok { "已发布" } } @else { span.badge.warn { "考评中" } } }
                                td {
                                    @if p.status == PeriodStatus::Open {
                                        a href=(format!("/periods/{}/grid", p.id)) { "评分表" } " · "
                                        a href=(format!("/periods/{}/review", p.id)) { "审核" } " · "
                                    }
                                    a href=(format!("/periods/{}/appeals", p.id)) { "申诉" } " · "
                                    a href=(format!("/periods/{}/ledger", p.id)) { "考核记录" }
                                }
                            }
                        }
                    }
                } }
                h2 { "新建考评期" }
                @if rubrics.is_empty() { p.muted { "请先上传考评细则。" } }
                @else {
                    form.stack method="post" action=(action(user, "/admin/periods")) {
                        label { "名称（如 2025年度党建工作考评）" input name="name" required; }
                        label { "年度" input name="year" required inputmode="numeric" placeholder="2025"; }
                        label { "考评细则"
                            select name="rubric" required {
                                @for r in rubrics.iter().rev() { option value=(r.id) { (r.name) " 第" (r.version) "版" } }
                            }
                        }
                        fieldset {
                            legend { "参加考评的单位" }
                            label { input type="radio" name="scope" value="all" checked; " 全部考评单位（" (units.len()) "个）" }
                            label { input type="radio" name="scope" value="selected"; " 只选以下单位：" }
                            @for u in &units {
                                label { input type="checkbox" name="unit" value=(u.id); " " (u.name) "（" (u.code) "）" }
                            }
                        }
                        button type="submit" { "新建考评期" }
                    }
                }
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
            td {
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

/// The one time a new password is shown.
fn password_page(me: &CurrentUser, title: &str, username: &str, password: &str) -> Markup {
    layout(
        title,
        Some(me),
        html! {
            h1 { (title) }
            div.flash.ok role="status" {
                "用户 " strong { (username) } " 的密码：" br;
                code { (password) }
            }
            p { "密码只显示这一次，请当面或通过安全渠道转告本人。离开本页后无法再次查看，只能重新重置。" }
            p { a.button href="/admin#users" { "返回用户管理" } }
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
        Err(e) => refused("users", e),
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
            "/admin#users",
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

#[derive(Deserialize)]
pub struct DepartmentForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
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
            "/admin#departments",
            "msg",
            &format!("已新建部门{}", f.name.trim()),
        )),
        Err(e) => refused("departments", e),
    }
}

#[derive(Deserialize)]
pub struct OrgForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    ranking_group: String,
    #[serde(default)]
    member_of: String,
}

pub async fn create_org_unit(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<OrgForm>,
) -> PageResult<Response> {
    let created = match parse_id("上级", &f.parent) {
        Ok(parent_id) => {
            let form = NewOrgUnitForm {
                code: f.code,
                name: f.name,
                parent_id,
                kind: OrgKind::parse(f.kind.trim()),
                ranking_group: f.ranking_group,
                member_of: f.member_of,
            };
            state.app.create_org_unit(&user.actor, &form).await
        }
        Err(e) => Err(e),
    };
    match created {
        Ok(name) => Ok(back("/admin#org", "msg", &format!("已新建{name}"))),
        Err(e) => refused("org", e),
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
                let page = admin_page(&state, &user, &Flash::default(), Some(&draft)).await?;
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
            "/admin#rubrics",
            "msg",
            &format!("已保存考评细则“{}”第{}版", saved.name, saved.version),
        )),
        Err(draft) => {
            let page = admin_page(&state, &user, &Flash::default(), Some(&draft)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

pub async fn create_period(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.trim())
    };
    let only = (get("scope") == "selected").then(|| {
        fields
            .iter()
            .filter(|(k, _)| k == "unit")
            .filter_map(|(_, v)| v.trim().parse().ok())
            .collect()
    });
    let form = NewPeriodForm {
        name: get("name").to_string(),
        year: get("year").to_string(),
        rubric_id: get("rubric").parse().ok(),
        only,
    };
    match state.app.create_period(&user.actor, &form).await {
        Ok(new) => Ok(back(
            "/admin#periods",
            "msg",
            &format!("已新建考评期“{}”", new.name),
        )),
        Err(e) => refused("periods", e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: i64, code: &str, parent: Option<i64>, kind: OrgKind) -> OrgUnit {
        OrgUnit {
            id,
            code: code.into(),
            name: code.into(),
            parent_id: parent,
            kind,
            ranking_group: None,
            member_of: Vec::new(),
        }
    }

    #[test]
    fn depth_follows_parents() {
        let tree = vec![
            node(1, "DLC", None, OrgKind::Organisation),
            node(2, "D01", Some(1), OrgKind::Unit),
            node(3, "KS", Some(1), OrgKind::Group),
            node(4, "D02", Some(1), OrgKind::Unit),
        ];
        assert_eq!(depths(&tree), vec![0, 1, 1, 1]);
    }
}
