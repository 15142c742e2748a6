//! `/admin/org`: the organisation tree, a new node's form, each node's edit form (code, name, kind,
//! parent) and the way to its deletion.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Form;
use kaoping_app::{org_kind_name, AppError, FieldProblem, NewOrgUnitForm, OrgEdit};
use kaoping_store::{OrgKind, OrgUnit};
use maud::{html, Markup};
use serde::Deserialize;

use super::{
    admin_layout, create_refusal, depths, described, field_error, form_problems, invalid,
    unprocessable, Typed,
};
use crate::pages::html::{action, back, dash, flash, parse_id, Flash, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

const KINDS: [OrgKind; 3] = [OrgKind::Organisation, OrgKind::Unit, OrgKind::Group];

/// A node's name indented by its depth.
fn indented(depth: usize, u: &OrgUnit) -> Markup {
    html! { @for _ in 0..depth { "　" } (u.name) "（" (u.code) "）" }
}

pub async fn org_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(f): Query<Flash>,
) -> PageResult<Markup> {
    let typed = Typed(vec![("kind".into(), OrgKind::Unit.as_str().into())]);
    list(&state, &user, &f, &typed, &[]).await
}

async fn list(
    state: &AppState,
    user: &CurrentUser,
    f: &Flash,
    typed: &Typed,
    p: &[FieldProblem],
) -> PageResult<Markup> {
    let board = state.app.admin_board(&user.actor).await?;
    let org = &board.org;
    let depth = depths(org);
    let groups: Vec<&OrgUnit> = org.iter().filter(|u| u.kind == OrgKind::Group).collect();
    Ok(admin_layout(
        "组织",
        user,
        "org",
        html! {
            h1 { "组织" }
            (flash(f))
            div.table-wrap { table {
                thead { tr { th { "名称" } th { "编号" } th { "类型" } th { "排名分组" } th { "所属组" } th { "操作" } } }
                tbody {
                    @for (i, u) in org.iter().enumerate() {
                        tr {
                            td { @for _ in 0..depth[i] { "　" } @if depth[i] > 0 { "└ " } (u.name) }
                            td { (u.code) }
                            td { (org_kind_name(u.kind)) }
                            td { @match &u.ranking_group { Some(g) => (g), None => (dash()) } }
                            td { @if u.member_of.is_empty() { (dash()) } @else { (u.member_of.join("、")) } }
                            td.actions {
                                a href=(format!("/admin/org/{}/edit", u.id)) { "修改" } " "
                                a href=(format!("/admin/org/{}/delete", u.id)) { "删除" }
                            }
                        }
                    }
                }
            } }
            h2 { "新建节点" }
            (form_problems(p))
            form.stack method="post" action=(action(user, "/admin/org")) novalidate {
                label for="new-code" { "编号" }
                input #new-code name="code" value=(typed.get("code")) required aria-invalid=[invalid(p, "code")] aria-describedby=[described(p, "code")];
                (field_error(p, "code"))
                label for="new-name" { "名称" }
                input #new-name name="name" value=(typed.get("name")) required aria-invalid=[invalid(p, "name")] aria-describedby=[described(p, "name")];
                (field_error(p, "name"))
                label for="new-parent" { "上级" }
                select #new-parent name="parent" aria-invalid=[invalid(p, "parent")] aria-describedby=[described(p, "parent")] {
                    option value="" { "无（顶层）" }
                    @for (i, u) in org.iter().enumerate() {
                        option value=(u.id) selected[typed.get("parent") == u.id.to_string()] { (indented(depth[i], u)) }
                    }
                }
                (field_error(p, "parent"))
                label for="new-kind" { "类型" }
                select #new-kind name="kind" aria-invalid=[invalid(p, "kind")] aria-describedby=[described(p, "kind")] {
                    @for k in KINDS { option value=(k.as_str()) selected[typed.get("kind") == k.as_str()] { (org_kind_name(k)) } }
                }
                (field_error(p, "kind"))
                label for="new-ranking-group" { "排名分组（可不填，如 生产单位）" }
                input #new-ranking-group name="ranking_group" value=(typed.get("ranking_group")) aria-invalid=[invalid(p, "ranking_group")] aria-describedby=[described(p, "ranking_group")];
                (field_error(p, "ranking_group"))
                label for="new-member-of" { "所属组（组的编号，多个用逗号分隔；可不填）" }
                input #new-member-of name="member_of" value=(typed.get("member_of")) placeholder=(groups.iter().map(|g| g.code.as_str()).collect::<Vec<_>>().join(", ")) aria-invalid=[invalid(p, "member_of")] aria-describedby=[described(p, "member_of")];
                (field_error(p, "member_of"))
                button type="submit" { "新建" }
            }
        },
    ))
}

fn edit_form(
    me: &CurrentUser,
    unit: &OrgUnit,
    org: &[OrgUnit],
    typed: &OrgEdit,
    p: &[FieldProblem],
) -> Markup {
    let depth = depths(org);
    admin_layout(
        "修改组织节点",
        me,
        "org",
        html! {
            h1 { "修改 " (unit.name) }
            (form_problems(p))
            form.stack method="post" action=(action(me, &format!("/admin/org/{}/edit", unit.id))) novalidate {
                label for="code" { "编号" }
                input #code name="code" value=(typed.code) required aria-invalid=[invalid(p, "code")] aria-describedby=[described(p, "code")];
                (field_error(p, "code"))
                label for="name" { "名称" }
                input #name name="name" value=(typed.name) required aria-invalid=[invalid(p, "name")] aria-describedby=[described(p, "name")];
                (field_error(p, "name"))
                label for="kind" { "类型" }
                select #kind name="kind" aria-invalid=[invalid(p, "kind")] aria-describedby=[described(p, "kind")] {
                    @for k in KINDS { option value=(k.as_str()) selected[typed.kind == k.as_str()] { (org_kind_name(k)) } }
                }
                (field_error(p, "kind"))
                label for="parent" { "上级" }
                select #parent name="parent" aria-invalid=[invalid(p, "parent")] aria-describedby=[described(p, "parent")] {
                    option value="" { "无（顶层）" }
                    @for (i, u) in org.iter().enumerate() {
                        option value=(u.id) selected[typed.parent == u.id.to_string()] { (indented(depth[i], u)) }
                    }
                }
                (field_error(p, "parent"))
                p.muted {
                    "考核记录和考评期以编号指称单位，用过的编号不能修改；已发布的结果中有单位名称，已发布的单位不能改名；"
                    "上级不能是节点本身或它的下级。"
                }
                div.actions {
                    button type="submit" { "保存" }
                    a.button.secondary href="/admin/org" { "取消" }
                }
            }
        },
    )
}

async fn find(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> PageResult<(OrgUnit, Vec<OrgUnit>)> {
    let org = state.app.admin_board(&user.actor).await?.org;
    let unit = org
        .iter()
        .find(|u| u.id == id)
        .cloned()
        .ok_or_else(|| AppError::NotFound(format!("单位 {id}")))?;
    Ok((unit, org))
}

pub async fn org_unit_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    let (unit, org) = find(&state, &user, id).await?;
    let typed = OrgEdit {
        code: unit.code.clone(),
        name: unit.name.clone(),
        kind: unit.kind.as_str().to_string(),
        parent: unit.parent_id.map_or(String::new(), |p| p.to_string()),
    };
    Ok(edit_form(&user, &unit, &org, &typed, &[]))
}

pub async fn save_org_unit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(typed): Form<OrgEdit>,
) -> PageResult<Response> {
    match state.app.edit_org_unit(&user.actor, id, &typed).await? {
        Ok(u) => Ok(back("/admin/org", "msg", &format!("已修改{}", u.name))),
        Err(problems) => {
            let (unit, org) = find(&state, &user, id).await?;
            Ok(unprocessable(edit_form(
                &user, &unit, &org, &typed, &problems,
            )))
        }
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
    let typed = Typed(vec![
        ("code".into(), f.code.clone()),
        ("name".into(), f.name.clone()),
        ("parent".into(), f.parent.clone()),
        ("kind".into(), f.kind.clone()),
        ("ranking_group".into(), f.ranking_group.clone()),
        ("member_of".into(), f.member_of.clone()),
    ]);
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
        Ok(name) => Ok(back("/admin/org", "msg", &format!("已新建{name}"))),
        Err(e) => match create_refusal(
            &e,
            &[
                ("编号", "code"),
                ("名称", "name"),
                ("上级", "parent"),
                ("类型", "kind"),
                ("排名组", "ranking_group"),
                ("所属组", "member_of"),
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
