//! The Chinese web pages: server-rendered HTML (maud escapes every value), one module per page family,
//! each a thin adapter over one call of the application. Forms post to `…?csrf=TOKEN`; after a change
//! the handler redirects (post/redirect/get) with a message. Shared pieces live in `html`; this module
//! only routes.

mod account;
mod admin;
mod appeals;
mod attendance;
mod audit;
mod ballot_form;
mod ballots;
mod charts;
mod dashboard;
mod entries;
mod grid;
pub(crate) mod html;
mod integrity;
mod ledger;
mod login;
mod publication;
mod records;
mod rectifications;
mod review;
mod rubric;
mod rubric_review;
mod self_check;
mod sheet;
mod slips;
mod summary;
mod transfer;
mod vote;

use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route(
            "/account/password",
            get(account::form).post(account::change),
        )
        .route("/", get(dashboard::page))
        .route("/periods/{id}", get(summary::page))
        .route("/periods/{id}/notice", get(publication::notice))
        .route(
            "/periods/{id}/publish",
            get(publication::confirm).post(publication::publish),
        )
        .route(
            "/admin/integrity",
            get(integrity::page).post(integrity::run),
        )
        .route("/periods/{id}/units/{code}", get(sheet::page))
        .route(
            "/periods/{id}/units/{code}/records",
            get(records::book).post(records::keep),
        )
        .route("/periods/{id}/records", get(records::board))
        .route("/periods/{id}/records/confirm", post(records::confirm))
        .route(
            "/periods/{id}/records/{rid}/withdraw",
            post(records::withdraw),
        )
        .route("/periods/{id}/records/{rid}/reject", post(records::reject))
        .route("/periods/{id}/warnings", get(records::warnings))
        .route(
            "/periods/{id}/units/{code}/self",
            get(self_check::page).post(self_check::save),
        )
        .route("/periods/{id}/ledger", get(ledger::page))
        .route("/periods/{id}/entries/new", get(entries::form))
        .route("/periods/{id}/entries", post(entries::create))
        .route(
            "/periods/{id}/entries/{entry}/correct",
            get(entries::correct_form),
        )
        .route(
            "/periods/{id}/entries/{entry}/withdraw",
            get(entries::withdraw_form).post(entries::withdraw),
        )
        .route("/periods/{id}/evidence/{evidence}", get(entries::evidence))
        .route("/rubrics/{id}", get(rubric::page))
        .route("/periods/{id}/grid", get(grid::page).post(grid::save))
        .route(
            "/periods/{id}/review",
            get(review::page).post(review::decide),
        )
        .route("/periods/{id}/review/submit", post(review::submit))
        .route("/audit", get(audit::page))
        .route("/admin", get(admin::page))
        .route(
            "/admin/users",
            get(admin::users_page).post(admin::create_user),
        )
        .route(
            "/admin/users/{uid}/edit",
            get(admin::user_page).post(admin::save_user),
        )
        .route("/admin/users/{uid}/active", post(admin::set_active))
        .route("/admin/users/{uid}/password", post(admin::reset_password))
        .route(
            "/admin/departments",
            get(admin::departments_page).post(admin::create_department),
        )
        .route(
            "/admin/departments/{id}/edit",
            get(admin::department_page).post(admin::save_department),
        )
        .route(
            "/admin/departments/{id}/delete",
            get(admin::confirm_department).post(admin::delete_department),
        )
        .route(
            "/admin/org",
            get(admin::org_page).post(admin::create_org_unit),
        )
        .route(
            "/admin/org/{id}/edit",
            get(admin::org_unit_page).post(admin::save_org_unit),
        )
        .route(
            "/admin/org/{id}/delete",
            get(admin::confirm_org_unit).post(admin::delete_org_unit),
        )
        .route(
            "/admin/rubrics",
            get(admin::rubrics_page).post(admin::upload_rubric),
        )
        .route(
            "/admin/rubrics/{id}/edit",
            get(admin::rubric_page).post(admin::save_rubric_label),
        )
        .route(
            "/admin/rubrics/{id}/delete",
            get(admin::confirm_rubric).post(admin::delete_rubric),
        )
        .route(
            "/admin/periods",
            get(admin::periods_page).post(admin::create_period),
        )
        .route(
            "/admin/periods/{id}/edit",
            get(admin::period_page).post(admin::save_period),
        )
        .route(
            "/admin/periods/{id}/delete",
            get(admin::confirm_period).post(admin::delete_period),
        )
        .route("/admin/notifications", get(admin::notifications_page))
        .route("/admin/notifications/channels", post(admin::create_channel))
        .route(
            "/admin/notifications/channels/{id}/edit",
            get(admin::channel_page).post(admin::save_channel),
        )
        .route(
            "/admin/notifications/channels/{id}/enabled",
            post(admin::set_channel_enabled),
        )
        .route(
            "/admin/notifications/channels/{id}/delete",
            post(admin::delete_channel),
        )
        .route(
            "/admin/notifications/channels/{id}/test",
            post(admin::test_channel),
        )
        .route("/admin/notifications/smtp", post(admin::save_smtp))
        .route(
            "/periods/{id}/appeals",
            get(appeals::list).post(appeals::file),
        )
        .route("/periods/{id}/appeals/new", get(appeals::form))
        .route(
            "/periods/{id}/rectifications",
            get(rectifications::list).post(rectifications::create),
        )
        .route(
            "/periods/{id}/rectifications/new",
            get(rectifications::form),
        )
        .route("/rectifications/{id}", get(rectifications::show))
        .route("/rectifications/{id}/report", post(rectifications::report))
        .route("/rectifications/{id}/decide", post(rectifications::decide))
        .route(
            "/periods/{id}/appeals/{appeal}/decide",
            post(appeals::decide),
        )
        .route("/periods/{id}/summary.xlsx", get(transfer::summary_xlsx))
        .route(
            "/periods/{id}/units/{code}/sheet.xlsx",
            get(transfer::sheet_xlsx),
        )
        .route("/periods/{id}/ledger.xlsx", get(transfer::ledger_xlsx))
        .route("/rubrics/{id}/rubric.xlsx", get(transfer::rubric_xlsx))
        .route(
            "/rubrics/import",
            get(transfer::rubric_import_form).post(transfer::rubric_import),
        )
        .route("/rubrics/import/save", post(transfer::rubric_import_save))
        .route("/rubrics/import/review", post(rubric_review::save))
        .route(
            "/periods/{id}/attendance",
            get(attendance::form).post(attendance::upload),
        )
        .route(
            "/periods/{id}/findings/import",
            get(transfer::findings_import_form).post(transfer::findings_import),
        )
        .route(
            "/periods/{id}/ballots",
            get(ballot_form::list).post(ballot_form::create),
        )
        .route("/ballots/{id}", get(ballots::show))
        .route("/ballots/{id}/codes", post(slips::issue_codes))
        .route("/ballots/{id}/codes/reissue", post(slips::reissue_codes))
        .route(
            "/ballots/{id}/paper",
            get(ballots::paper_form).post(ballots::paper_save),
        )
        .route(
            "/ballots/{id}/close",
            get(ballots::close_confirm).post(ballots::close),
        )
        .route("/ballots/{id}/results.xlsx", get(ballots::results_xlsx))
        .route("/vote", get(vote::page).post(vote::cast))
        .with_state(state)
}
