//! `/admin/periods`: the periods, a new one's form (its units a grid of checkboxes; a refusal shows the
//! form again as typed, the problem beside its field), each open period's edit form (name and year:
//! its rubric and units stay as created) and the way to the deletion of a period that holds nothing.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Form;
use kaoping_app::{
    problems_from, rubric_title, AdminBoard, AppError, FieldProblem, NewPeriodForm, PeriodEdit,
};
use kaoping_store::{OrgKind, OrgUnit, Period, PeriodStatus};
use maud::{html, Markup};

use super::{admin_layout, described, field_error, form_problems, invalid, unprocessable};
use crate::error::status;
use crate::pages::html::{action, back, flash, Flash, PageError, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

/// The new-period form as typed.
#[derive(Debug, Clone, Default)]
struct Draft {
    name: String,
    year: String,
    rubric: String,
    /// `all` or `selected`.
    scope: String,
    units: Vec<String>,
}

pub async fn periods_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(f): Query<Flash>,
) -> PageResult<Markup> {
    let board = state.app.admin_board(&user.actor).await?;
    Ok(list(&user, &board, &f, &Draft::default(), &[]))
}

fn status_badge(p: &Period) -> Markup {
    html! {
        @if p.status == PeriodStatus::Published { span.badge.ok { "已发布" } } @else { span.badge.warn { "考评中" } }
    }
}

fn list(
    user: &CurrentUser,
    board: &AdminBoard,
    f: &Flash,
    draft: &Draft,
    p: &[FieldProblem],
) -> Markup {
    let units: Vec<&OrgUnit> = board
        .org
        .iter()
        .filter(|u| u.kind == OrgKind::Unit)
        .collect();
    let rubrics = &board.rubrics;
    let selected = draft.scope == "selected";
    admin_layout(
        "考评期",
        user,
        "periods",
        html! {
            h1 { "考评期" }
            (flash(f))
            div.table-wrap { table {
                thead { tr { th { "名称" } th.num { "年度" } th { "考评细则" } th.num { "单位数" } th { "状态" } th { "操作" } } }
                tbody {
                    @for period in &board.periods {
                        tr {
                            td { a href=(format!("/periods/{}", period.id)) { (period.name) } }
                            td.num { (period.year) }
                            td { @if let Some(r) = rubrics.iter().find(|r| r.id == period.rubric_id) { a href=(format!("/rubrics/{}", r.id)) { (rubric_title(r)) } } }
                            td.num { (period.unit_ids.len()) }
                            td { (status_badge(period)) }
                            td.actions {
                                @if period.status == PeriodStatus::Open {
                                    a href=(format!("/admin/periods/{}/edit", period.id)) { "修改" } " · "
                                    a href=(format!("/admin/periods/{}/delete", period.id)) { "删除" } " · "
                                    a href=(format!("/periods/{}/grid", period.id)) { "评分表" } " · "
                                    a href=(format!("/periods/{}/review", period.id)) { "审核" } " · "
                                }
                                a href=(format!("/periods/{}/appeals", period.id)) { "申诉" } " · "
                                a href=(format!("/periods/{}/ledger", period.id)) { "考核记录" }
                            }
                        }
                    }
                }
            } }
            h2 #new { "新建考评期" }
            @if rubrics.is_empty() { p.muted { "请先上传考评细则。" } }
            @else {
                (form_problems(p))
                form.stack method="post" action=(action(user, "/admin/periods")) novalidate {
                    label for="name" { "名称（如 2025年度党建工作考评；不能与已有的考评期重名）" }
                    input #name name="name" value=(draft.name) required aria-invalid=[invalid(p, "name")] aria-describedby=[described(p, "name")];
                    (field_error(p, "name"))
                    label for="year" { "年度" }
                    input #year name="year" value=(draft.year) required inputmode="numeric" placeholder="2025" aria-invalid=[invalid(p, "year")] aria-describedby=[described(p, "year")];
                    (field_error(p, "year"))
                    label for="rubric" { "考评细则（新建后不能更换）" }
                    select #rubric name="rubric" required aria-invalid=[invalid(p, "rubric")] aria-describedby=[described(p, "rubric")] {
                        @for r in rubrics.iter().rev() { option value=(r.id) selected[draft.rubric == r.id.to_string()] { (rubric_title(r)) } }
                    }
                    (field_error(p, "rubric"))
                    fieldset aria-describedby=[described(p, "units")] {
                        legend { "参加考评的单位" }
                        label.check { input type="radio" name="scope" value="all" checked[!selected]; "全部考评单位（" (units.len()) "个）" }
                        label.check { input type="radio" name="scope" value="selected" checked[selected]; "只选以下单位：" }
                        div.checks {
                            @for u in &units {
                                label.check { input type="checkbox" name="unit" value=(u.id) checked[draft.units.contains(&u.id.to_string())]; span { (u.name) "（" (u.code) "）" } }
                            }
                        }
                        (field_error(p, "units"))
                    }
                    button type="submit" { "新建考评期" }
                }
            }
        },
    )
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
            .map_or(String::new(), |(_, v)| v.clone())
    };
    let draft = Draft {
        name: get("name"),
        year: get("year"),
        rubric: get("rubric"),
        scope: get("scope"),
        units: fields
            .iter()
            .filter(|(k, _)| k == "unit")
            .map(|(_, v)| v.trim().to_string())
            .collect(),
    };
    let only = (draft.scope.trim() == "selected")
        .then(|| draft.units.iter().filter_map(|v| v.parse().ok()).collect());
    let form = NewPeriodForm {
        name: draft.name.trim().to_string(),
        year: draft.year.trim().to_string(),
        rubric_id: draft.rubric.trim().parse().ok(),
        only,
    };
    match state.app.create_period(&user.actor, &form).await {
        Ok(new) => Ok(back(
            "/admin/periods",
            "msg",
            &format!("已新建考评期“{}”", new.name),
        )),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let problems = problems_from(
                &e.user_message(),
                &[
                    ("名称", "name"),
                    ("年度", "year"),
                    ("考评细则", "rubric"),
                    ("参加考评的单位", "units"),
                ],
            );
            let board = state.app.admin_board(&user.actor).await?;
            let page = list(&user, &board, &Flash::default(), &draft, &problems);
            Ok((status(&e), page).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

fn edit_form(
    me: &CurrentUser,
    period: &Period,
    board: &AdminBoard,
    typed: &PeriodEdit,
    p: &[FieldProblem],
) -> Markup {
    let rubric = board.rubrics.iter().find(|r| r.id == period.rubric_id);
    let units: Vec<&OrgUnit> = board
        .org
        .iter()
        .filter(|u| period.unit_ids.contains(&u.id))
        .collect();
    admin_layout(
        "修改考评期",
        me,
        "periods",
        html! {
            h1 { "修改考评期 " (period.name) }
            @if period.status == PeriodStatus::Published {
                div.flash role="alert" { "已发布的考评期不能修改：通知和结果以这个名称发布。" }
            } @else {
                (form_problems(p))
                form.stack method="post" action=(action(me, &format!("/admin/periods/{}/edit", period.id))) novalidate {
                    label for="name" { "名称（不能与已有的考评期重名）" }
                    input #name name="name" value=(typed.name) required aria-invalid=[invalid(p, "name")] aria-describedby=[described(p, "name")];
                    (field_error(p, "name"))
                    label for="year" { "年度" }
                    input #year name="year" value=(typed.year) required inputmode="numeric" aria-invalid=[invalid(p, "year")] aria-describedby=[described(p, "year")];
                    (field_error(p, "year"))
                    div.actions {
                        button type="submit" { "保存" }
                        a.button.secondary href="/admin/periods" { "取消" }
                    }
                }
            }
            h2 { "不能修改的部分" }
            p {
                "考评细则："
                @if let Some(r) = rubric { a href=(format!("/rubrics/{}", r.id)) { (rubric_title(r)) } }
                "。考评期按新建时选定的考评细则计分，之后不能更换。"
            }
            p {
                "参加考评的单位（" (units.len()) "个）："
                @for (i, u) in units.iter().enumerate() { @if i > 0 { "、" } (u.name) }
                "。单位在新建时确定，考核记录、审核和排名都以此为准；"
                "如需调整，请在还没有考核记录时删除这个考评期后重新新建。"
            }
        },
    )
}

async fn find(state: &AppState, user: &CurrentUser, id: i64) -> PageResult<(Period, AdminBoard)> {
    let board = state.app.admin_board(&user.actor).await?;
    let period = board
        .periods
        .iter()
        .find(|p| p.id == id)
        .cloned()
        .ok_or_else(|| AppError::NotFound(format!("考评期 {id}")))?;
    Ok((period, board))
}

pub async fn period_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Markup> {
    let (period, board) = find(&state, &user, id).await?;
    let typed = PeriodEdit {
        name: period.name.clone(),
        year: period.year.to_string(),
    };
    Ok(edit_form(&user, &period, &board, &typed, &[]))
}

pub async fn save_period(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(typed): Form<PeriodEdit>,
) -> PageResult<Response> {
    match state.app.edit_period(&user.actor, id, &typed).await? {
        Ok(p) => Ok(back(
            "/admin/periods",
            "msg",
            &format!("已修改考评期“{}”", p.name),
        )),
        Err(problems) => {
            let (period, board) = find(&state, &user, id).await?;
            Ok(unprocessable(edit_form(
                &user, &period, &board, &typed, &problems,
            )))
        }
    }
}
