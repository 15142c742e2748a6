//! 管理: one page each for users, departments, the organisation tree, rubric versions and periods under
//! a left navigation (`nav.side`, a wrapping row on a phone), with `/admin` an overview of counts. Each
//! record has an edit form (pre-filled; a refusal shows the form again with what was typed, each problem
//! beside its field, status 422) and, for what may be deleted while unused, a confirmation page asking
//! for the reason (`delete.rs`). The checks and the changes are the application's; these modules list,
//! read the forms and draw them.

mod delete;
mod departments;
mod notifications;
mod org;
mod periods;
mod rubrics;
mod users;

pub use delete::{
    confirm_department, confirm_org_unit, confirm_period, confirm_rubric, delete_department,
    delete_org_unit, delete_period, delete_rubric,
};
pub use departments::{create_department, department_page, departments_page, save_department};
pub use notifications::{
    channel_page, create_channel, delete_channel, notifications_page, save_channel, save_smtp,
    set_channel_enabled, test_channel,
};
pub use org::{create_org_unit, org_page, org_unit_page, save_org_unit};
pub use periods::{create_period, period_page, periods_page, save_period};
pub use rubrics::{rubric_page, rubrics_page, save_rubric_label, upload_rubric};
pub use users::{create_user, reset_password, save_user, set_active, user_page, users_page};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kaoping_app::{problem_of, AdminBoard, AppError, FieldProblem};
use kaoping_store::{OrgUnit, PeriodStatus};
use maud::{html, Markup};

use super::html::{back_or_fail, flash, layout, Flash, PageError, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

/// The five pages, in the navigation's order: path segment and name.
const SECTIONS: [(&str, &str); 6] = [
    ("users", "用户"),
    ("departments", "部门"),
    ("org", "组织"),
    ("rubrics", "考评细则"),
    ("periods", "考评期"),
    ("notifications", "消息提醒"),
];

/// The name of a section.
fn section_name(section: &str) -> &'static str {
    SECTIONS
        .iter()
        .find(|(s, _)| *s == section)
        .map_or("管理", |(_, n)| n)
}

/// An administration page: the side navigation (the current section marked) beside the content.
fn admin_layout(title: &str, user: &CurrentUser, current: &str, content: Markup) -> Markup {
    layout(
        title,
        Some(user),
        html! {
            div.admin {
                nav.side aria-label="管理" {
                    a href="/admin" aria-current=[(current.is_empty()).then_some("page")] { "概览" }
                    @for (section, name) in SECTIONS {
                        a href=(format!("/admin/{section}")) aria-current=[(current == section).then_some("page")] { (name) }
                    }
                    a href="/audit" { "操作日志" }
                }
                div.admin-main { (content) }
            }
        },
    )
}

/// A page drawn again after a refusal: 422 (the form kept what was typed).
fn unprocessable(page: Markup) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// A refusal of a form without fields of its own goes back to its page with the message; a fault is
/// the error page.
fn refused(section: &str, e: AppError) -> PageResult<Response> {
    match e {
        AppError::Forbidden(_) => Err(PageError(e)),
        e => back_or_fail(&format!("/admin/{section}"), e),
    }
}

/// A create form as typed: each field's value.
#[derive(Debug, Clone, Default)]
struct Typed(Vec<(String, String)>);

impl Typed {
    fn get(&self, field: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == field)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// A create form's refusal: its problems beside their fields (`fields`: label → field) and the status
/// to draw the page again with; None for what is not the form's (no permission, a fault).
fn create_refusal(
    e: &AppError,
    fields: &[(&str, &'static str)],
) -> Option<(StatusCode, Vec<FieldProblem>)> {
    match e {
        AppError::Invalid(_) | AppError::Conflict(_) => Some((
            crate::error::status(e),
            kaoping_app::problems_from(&e.user_message(), fields),
        )),
        _ => None,
    }
}

/// The problem with `field`, beside it: `span.field-error` with the id the input's
/// `aria-describedby` names.
fn field_error(problems: &[FieldProblem], field: &str) -> Markup {
    html! {
        @if let Some(m) = problem_of(problems, field) {
            span.field-error id=(format!("{field}-error")) role="alert" { (m) }
        }
    }
}

/// The `aria-describedby` of an input whose field has a problem.
fn described(problems: &[FieldProblem], field: &str) -> Option<String> {
    problem_of(problems, field).map(|_| format!("{field}-error"))
}

/// Whether a field has a problem (`aria-invalid`).
fn invalid(problems: &[FieldProblem], field: &str) -> Option<&'static str> {
    problem_of(problems, field).map(|_| "true")
}

/// Problems that belong to no field, above the form.
fn form_problems(problems: &[FieldProblem]) -> Markup {
    html! {
        @for p in problems.iter().filter(|p| p.field.is_empty()) {
            div.flash role="alert" { (p.message) }
        }
        @if problems.iter().any(|p| !p.field.is_empty()) {
            p.field-summary role="alert" { "未保存：请按各项旁的提示修改。" }
        }
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

/// `/admin`: how many of each, with links to their pages.
pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(f): Query<Flash>,
) -> PageResult<Markup> {
    let AdminBoard {
        users,
        departments,
        org,
        rubrics,
        periods,
    } = state.app.admin_board(&user.actor).await?;
    let open = periods
        .iter()
        .filter(|p| p.status == PeriodStatus::Open)
        .count();
    let counts = [
        (
            "users",
            format!(
                "{}名（启用{}名）",
                users.len(),
                users.iter().filter(|u| u.active).count()
            ),
        ),
        ("departments", format!("{}个", departments.len())),
        ("org", format!("{}个节点", org.len())),
        ("rubrics", format!("{}个版本", rubrics.len())),
        ("periods", format!("{}个（考评中{open}个）", periods.len())),
    ];
    Ok(admin_layout(
        "管理",
        &user,
        "",
        html! {
            h1 { "管理" }
            (flash(&f))
            div.cards {
                @for (section, count) in &counts {
                    div.card {
                        h2 { a href=(format!("/admin/{section}")) { (section_name(section)) } }
                        p { (count) }
                    }
                }
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaoping_store::OrgKind;

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
