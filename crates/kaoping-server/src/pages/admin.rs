//! 管理: users (create, deactivate, reset password), departments, the organisation tree, rubric versions
//! (uploaded TOML, checked whole before saving) and periods. Every change is written to the audit log.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use kaoping_formats::parse_rubric;
use kaoping_formats::rubric_toml::RubricFileError;
use kaoping_store::{
    Department, NewOrgUnit, NewPeriod, NewUser, OrgKind, OrgUnit, PeriodStatus, Role, User,
};
use maud::{html, Markup};
use serde::Deserialize;

use super::audit::datetime_of;
use super::{action, dash, department_of, enc, flash, layout, require, role_name, Flash};
use crate::auth::{hash_password, random_password, CurrentUser};
use crate::error::ServerError;
use crate::permissions::{allowed, Action};
use crate::state::AppState;

const ROLES: [Role; 4] = [Role::Admin, Role::Assessor, Role::Leader, Role::Viewer];
const KINDS: [OrgKind; 3] = [OrgKind::Organisation, OrgKind::Unit, OrgKind::Group];

fn kind_name(kind: OrgKind) -> &'static str {
    match kind {
        OrgKind::Organisation => "组织（厂、镇）",
        OrgKind::Unit => "考评单位（车间、支部、村）",
        OrgKind::Group => "组（科室、调查组）",
    }
}

async fn require_admin(state: &AppState, user: &CurrentUser) -> Result<(), ServerError> {
    let dept = department_of(state, user).await?;
    require(
        allowed(&user.user, dept.as_ref(), Action::Administer),
        "只有管理员可以管理用户、部门、组织、考评细则和考评期",
    )
}

/// Back to a section of the admin page with a message or an error.
fn back(section: &str, key: &str, text: &str) -> Response {
    Redirect::to(&format!("/admin?{key}={}#{section}", enc(text))).into_response()
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
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

/// Group codes as typed: separated by commas (either width), 、 or spaces.
fn split_codes(text: &str) -> Vec<String> {
    let mut codes: Vec<String> = text
        .split(|c: char| {
            c == ',' || c == '，' || c == '、' || c == ';' || c == '；' || c.is_whitespace()
        })
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(String::from)
        .collect();
    codes.dedup();
    codes
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(f): Query<Flash>,
) -> Result<Markup, ServerError> {
    require_admin(&state, &user).await?;
    admin_page(&state, &user, &f, None).await
}

/// The rubric upload as typed, with its problems, when it could not be saved.
struct RubricDraft {
    name: String,
    toml: String,
    problems: Vec<String>,
}

async fn admin_page(
    state: &AppState,
    user: &CurrentUser,
    f: &Flash,
    draft: Option<&RubricDraft>,
) -> Result<Markup, ServerError> {
    let users = state.store.users().await?;
    let departments = state.store.departments().await?;
    let org = state.store.org_units().await?;
    let rubrics = state.store.rubrics().await?;
    let periods = state.store.periods().await?;
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
                                td { (kind_name(u.kind)) }
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
                            @for k in KINDS { option value=(k.as_str()) selected[k == OrgKind::Unit] { (kind_name(k)) } }
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
                @if u.id != me.user.id {
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

/// Checks a new user's fields against the departments and units; the error names the field.
fn new_user(
    f: &UserForm,
    departments: &[Department],
    org: &[OrgUnit],
    password_hash: String,
) -> Result<NewUser, String> {
    let username = f.username.trim();
    if username.is_empty() {
        return Err("用户名：不能为空".into());
    }
    if username.chars().count() > 64
        || username
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err("用户名：不能含空格，最长64个字符".into());
    }
    let role = Role::parse(f.role.trim()).ok_or("角色：请选择角色")?;
    let department = match opt(&f.department) {
        Some(d) => Some(
            d.parse::<i64>()
                .ok()
                .and_then(|id| departments.iter().find(|x| x.id == id))
                .ok_or("部门：所选部门不存在")?
                .id,
        ),
        None => None,
    };
    let unit = match opt(&f.unit) {
        Some(u) => Some(
            u.parse::<i64>()
                .ok()
                .and_then(|id| org.iter().find(|x| x.id == id && x.kind == OrgKind::Unit))
                .ok_or("单位：所选单位不存在")?
                .id,
        ),
        None => None,
    };
    let (department_id, unit_id) = match role {
        Role::Assessor => (
            Some(department.ok_or("部门：考核部门的用户必须选择所属部门")?),
            None,
        ),
        Role::Leader => (
            None,
            Some(unit.ok_or("单位：单位负责人必须选择所负责的单位")?),
        ),
        Role::Admin | Role::Viewer => (None, None),
    };
    Ok(NewUser {
        username: username.to_string(),
        display_name: opt(&f.display_name).unwrap_or_else(|| username.to_string()),
        password_hash,
        role,
        department_id,
        unit_id,
    })
}

pub async fn create_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<UserForm>,
) -> Result<Response, ServerError> {
    require_admin(&state, &user).await?;
    let departments = state.store.departments().await?;
    let org = state.store.org_units().await?;
    let password = random_password();
    let new = match new_user(&f, &departments, &org, hash_password(&password)) {
        Ok(n) => n,
        Err(e) => return Ok(back("users", "err", &e)),
    };
    match state.store.create_user(&new).await {
        Ok(id) => {
            state
                .store
                .audit(
                    Some(user.user.id),
                    "user_create",
                    &format!(
                        "新建用户{}（#{id}，{}，{}）",
                        new.username,
                        new.display_name,
                        role_name(new.role)
                    ),
                )
                .await?;
            Ok(password_page(&user, "已新建用户", &new.username, &password).into_response())
        }
        Err(e) => store_error("users", e),
    }
}

/// A store refusal a user can act on goes back to the section; a database failure is a 500.
fn store_error(section: &str, e: kaoping_store::StoreError) -> Result<Response, ServerError> {
    let e = ServerError::from(e);
    if e.status().is_server_error() {
        return Err(e);
    }
    Ok(back(section, "err", &e.user_message()))
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
) -> Result<Response, ServerError> {
    require_admin(&state, &user).await?;
    let active = match f.active.as_str() {
        "1" => true,
        "0" => false,
        _ => return Ok(back("users", "err", "状态：应为启用或停用")),
    };
    if uid == user.user.id && !active {
        return Ok(back("users", "err", "不能停用自己的账号"));
    }
    let target = state.store.user(uid).await?;
    if let Err(e) = state.store.set_user_active(uid, active).await {
        return store_error("users", e);
    }
    let what = if active { "启用" } else { "停用" };
    state
        .store
        .audit(
            Some(user.user.id),
            "user_active",
            &format!("{what}用户{}（#{uid}）", target.username),
        )
        .await?;
    Ok(back(
        "users",
        "msg",
        &format!("已{what}用户{}", target.username),
    ))
}

pub async fn reset_password(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(uid): Path<i64>,
) -> Result<Response, ServerError> {
    require_admin(&state, &user).await?;
    let target = state.store.user(uid).await?;
    let password = random_password();
    if let Err(e) = state
        .store
        .set_password(uid, &hash_password(&password))
        .await
    {
        return store_error("users", e);
    }
    state
        .store
        .audit(
            Some(user.user.id),
            "user_password",
            &format!("重置用户{}（#{uid}）的密码", target.username),
        )
        .await?;
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
) -> Result<Response, ServerError> {
    require_admin(&state, &user).await?;
    let (code, name) = (f.code.trim(), f.name.trim());
    if code.is_empty() {
        return Ok(back("departments", "err", "部门编号：不能为空"));
    }
    if name.is_empty() {
        return Ok(back("departments", "err", "部门名称：不能为空"));
    }
    if state
        .store
        .departments()
        .await?
        .iter()
        .any(|d| d.name == name)
    {
        return Ok(back(
            "departments",
            "err",
            &format!("部门名称：“{name}”已存在"),
        ));
    }
    match state.store.create_department(code, name).await {
        Ok(id) => {
            state
                .store
                .audit(
                    Some(user.user.id),
                    "department_create",
                    &format!("新建部门{name}（{code}，#{id}）"),
                )
                .await?;
            Ok(back("departments", "msg", &format!("已新建部门{name}")))
        }
        Err(e) => store_error("departments", e),
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

/// Checks a new node against the tree; the error names the field.
fn new_org_unit(f: &OrgForm, org: &[OrgUnit]) -> Result<NewOrgUnit, String> {
    let code = f.code.trim();
    if code.is_empty() {
        return Err("编号：不能为空".into());
    }
    if code.contains(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == '、') {
        return Err("编号：不能含空格或逗号".into());
    }
    if org.iter().any(|u| u.code == code) {
        return Err(format!("编号：“{code}”已被使用"));
    }
    let name = f.name.trim();
    if name.is_empty() {
        return Err("名称：不能为空".into());
    }
    let kind = OrgKind::parse(f.kind.trim()).ok_or("类型：请选择类型")?;
    let parent_id = match opt(&f.parent) {
        Some(p) => Some(
            p.parse::<i64>()
                .ok()
                .filter(|id| org.iter().any(|u| u.id == *id))
                .ok_or("上级：所选上级不存在")?,
        ),
        None => None,
    };
    let member_of = split_codes(&f.member_of);
    for g in &member_of {
        if !org.iter().any(|u| u.code == *g && u.kind == OrgKind::Group) {
            return Err(format!(
                "所属组：“{g}”不是已有的组，请先新建类型为“组”的节点"
            ));
        }
    }
    if kind != OrgKind::Unit && !member_of.is_empty() {
        return Err("所属组：只有考评单位可以属于组".into());
    }
    Ok(NewOrgUnit {
        code: code.to_string(),
        name: name.to_string(),
        parent_id,
        kind,
        ranking_group: opt(&f.ranking_group),
        member_of,
    })
}

pub async fn create_org_unit(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<OrgForm>,
) -> Result<Response, ServerError> {
    require_admin(&state, &user).await?;
    let org = state.store.org_units().await?;
    let new = match new_org_unit(&f, &org) {
        Ok(n) => n,
        Err(e) => return Ok(back("org", "err", &e)),
    };
    match state.store.create_org_unit(&new).await {
        Ok(id) => {
            state
                .store
                .audit(
                    Some(user.user.id),
                    "org_create",
                    &format!(
                        "新建{}{}（{}，#{id}）",
                        kind_name(new.kind),
                        new.name,
                        new.code
                    ),
                )
                .await?;
            Ok(back("org", "msg", &format!("已新建{}", new.name)))
        }
        Err(e) => store_error("org", e),
    }
}

/// Every problem of a rubric, located by line and column.
fn rubric_problems(e: &RubricFileError) -> Vec<String> {
    match e {
        RubricFileError::Unreadable { reason, .. } => vec![format!("无法读取：{reason}")],
        RubricFileError::Invalid(problems) => problems
            .iter()
            .map(|p| {
                let mut s = format!("第{}行第{}列：{}", p.at.line, p.at.column, p.message);
                if let Some(h) = &p.hint {
                    s.push_str(&format!("（提示：{h}）"));
                }
                s
            })
            .collect(),
    }
}

pub async fn upload_rubric(
    State(state): State<AppState>,
    user: CurrentUser,
    mut multipart: Multipart,
) -> Result<Response, ServerError> {
    require_admin(&state, &user).await?;
    let (mut name, mut typed, mut file) = (String::new(), String::new(), None);
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| ServerError::Invalid(format!("表单无法读取：{e}")))?
    {
        match field.name().unwrap_or("") {
            "name" => name = field.text().await.unwrap_or_default(),
            "toml" => typed = field.text().await.unwrap_or_default(),
            "file" => {
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|_| ServerError::Invalid("TOML文件：上传中断".into()))?;
                if !bytes.is_empty() {
                    file = Some(bytes.to_vec());
                }
            }
            _ => {}
        }
    }
    let name = name.trim().to_string();
    let mut problems = Vec::new();
    let toml = match file {
        Some(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                problems.push(format!(
                    "TOML文件：不是UTF-8编码的文本（第{}字节），请另存为UTF-8",
                    e.utf8_error().valid_up_to()
                ));
                String::new()
            }
        },
        None => typed,
    };
    if name.is_empty() {
        problems.push("名称：不能为空".into());
    }
    if problems.is_empty() && toml.trim().is_empty() {
        problems.push("TOML：请选择文件或粘贴考评细则文本".into());
    }
    if problems.is_empty() {
        if let Err(e) = parse_rubric(&name, &toml) {
            problems = rubric_problems(&e);
        }
    }
    if !problems.is_empty() {
        let draft = RubricDraft {
            name,
            toml,
            problems,
        };
        let page = admin_page(&state, &user, &Flash::default(), Some(&draft)).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    match state.store.save_rubric(&name, &toml, user.user.id).await {
        Ok(saved) => {
            state
                .store
                .audit(
                    Some(user.user.id),
                    "rubric_save",
                    &format!(
                        "上传考评细则“{}”第{}版（#{}）",
                        saved.name, saved.version, saved.id
                    ),
                )
                .await?;
            Ok(back(
                "rubrics",
                "msg",
                &format!("已保存考评细则“{}”第{}版", saved.name, saved.version),
            ))
        }
        Err(e) => store_error("rubrics", e),
    }
}

/// Checks a new period's fields (a form with repeated `unit` values); the error names the field.
fn new_period(
    fields: &[(String, String)],
    rubric_ids: &[i64],
    org: &[OrgUnit],
) -> Result<NewPeriod, String> {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.trim())
    };
    let name = get("name");
    if name.is_empty() {
        return Err("名称：不能为空".into());
    }
    let year = get("year");
    let year: i32 = year
        .parse()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| format!("年度：“{year}”不是2000至2100之间的年份"))?;
    let rubric_id = get("rubric")
        .parse::<i64>()
        .ok()
        .filter(|id| rubric_ids.contains(id))
        .ok_or("考评细则：请选择考评细则")?;
    let units = org.iter().filter(|u| u.kind == OrgKind::Unit);
    let unit_ids: Vec<i64> = if get("scope") == "selected" {
        let chosen: Vec<i64> = fields
            .iter()
            .filter(|(k, _)| k == "unit")
            .filter_map(|(_, v)| v.trim().parse().ok())
            .collect();
        if let Some(bad) = chosen
            .iter()
            .find(|id| !units.clone().any(|u| u.id == **id))
        {
            return Err(format!("参加考评的单位：单位#{bad}不存在"));
        }
        chosen
    } else {
        units.map(|u| u.id).collect()
    };
    if unit_ids.is_empty() {
        return Err("参加考评的单位：至少选择一个单位".into());
    }
    Ok(NewPeriod {
        name: name.to_string(),
        year,
        rubric_id,
        unit_ids,
    })
}

pub async fn create_period(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, ServerError> {
    require_admin(&state, &user).await?;
    let rubric_ids: Vec<i64> = state.store.rubrics().await?.iter().map(|r| r.id).collect();
    let org = state.store.org_units().await?;
    let new = match new_period(&fields, &rubric_ids, &org) {
        Ok(n) => n,
        Err(e) => return Ok(back("periods", "err", &e)),
    };
    match state.store.create_period(&new).await {
        Ok(id) => {
            state
                .store
                .audit(
                    Some(user.user.id),
                    "period_create",
                    &format!(
                        "新建考评期“{}”（#{id}，{}个单位）",
                        new.name,
                        new.unit_ids.len()
                    ),
                )
                .await?;
            Ok(back(
                "periods",
                "msg",
                &format!("已新建考评期“{}”", new.name),
            ))
        }
        Err(e) => store_error("periods", e),
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

    fn tree() -> Vec<OrgUnit> {
        vec![
            node(1, "DLC", None, OrgKind::Organisation),
            node(2, "D01", Some(1), OrgKind::Unit),
            node(3, "KS", Some(1), OrgKind::Group),
            node(4, "D02", Some(1), OrgKind::Unit),
        ]
    }

    #[test]
    fn depth_follows_parents() {
        assert_eq!(depths(&tree()), vec![0, 1, 1, 1]);
    }

    #[test]
    fn group_codes_split_on_any_separator() {
        assert_eq!(
            split_codes(" KS，A1、B2 ,C3 "),
            vec!["KS", "A1", "B2", "C3"]
        );
        assert!(split_codes("  ").is_empty());
    }

    #[test]
    fn users_need_the_link_their_role_needs() {
        let depts = vec![Department {
            id: 7,
            code: "AQK".into(),
            name: "安全科".into(),
        }];
        let form = |role: &str, department: &str, unit: &str| UserForm {
            username: "zhang".into(),
            display_name: String::new(),
            role: role.into(),
            department: department.into(),
            unit: unit.into(),
        };
        let org = tree();
        let err = |f: UserForm| new_user(&f, &depts, &org, String::new()).unwrap_err();
        assert!(err(form("assessor", "", "")).starts_with("部门"));
        assert!(err(form("leader", "", "")).starts_with("单位"));
        assert!(
            err(form("leader", "", "3")).starts_with("单位"),
            "a group is not a unit"
        );
        assert!(err(form("boss", "", "")).starts_with("角色"));
        let ok = new_user(&form("assessor", "7", "2"), &depts, &org, String::new()).unwrap();
        assert_eq!((ok.department_id, ok.unit_id), (Some(7), None));
        assert_eq!(ok.display_name, "zhang");
        let ok = new_user(&form("leader", "", "2"), &depts, &org, String::new()).unwrap();
        assert_eq!((ok.department_id, ok.unit_id), (None, Some(2)));
    }

    #[test]
    fn nodes_are_checked_against_the_tree() {
        let org = tree();
        let form = |code: &str, kind: &str, member_of: &str| OrgForm {
            code: code.into(),
            name: "新单位".into(),
            parent: "1".into(),
            kind: kind.into(),
            ranking_group: String::new(),
            member_of: member_of.into(),
        };
        assert!(new_org_unit(&form("D01", "unit", ""), &org)
            .unwrap_err()
            .contains("已被使用"));
        assert!(new_org_unit(&form("D03", "unit", "D02"), &org)
            .unwrap_err()
            .starts_with("所属组"));
        let ok = new_org_unit(&form("D03", "unit", "KS"), &org).unwrap();
        assert_eq!(ok.member_of, vec!["KS"]);
        assert_eq!(ok.parent_id, Some(1));
    }

    #[test]
    fn periods_take_all_units_or_the_chosen_ones() {
        let org = tree();
        let f = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        let base = [("name", "2025年度"), ("year", "2025"), ("rubric", "5")];
        let all = new_period(&f(&base), &[5], &org).unwrap();
        assert_eq!(all.unit_ids, vec![2, 4]);
        let mut chosen = base.to_vec();
        chosen.extend([("scope", "selected"), ("unit", "4")]);
        assert_eq!(
            new_period(&f(&chosen), &[5], &org).unwrap().unit_ids,
            vec![4]
        );
        let mut none = base.to_vec();
        none.push(("scope", "selected"));
        assert!(new_period(&f(&none), &[5], &org)
            .unwrap_err()
            .contains("至少"));
        let mut group = base.to_vec();
        group.extend([("scope", "selected"), ("unit", "3")]);
        assert!(new_period(&f(&group), &[5], &org).is_err());
        assert!(new_period(
            &f(&[("name", "x"), ("year", "25"), ("rubric", "5")]),
            &[5],
            &org
        )
        .unwrap_err()
        .starts_with("年度"));
    }
}
