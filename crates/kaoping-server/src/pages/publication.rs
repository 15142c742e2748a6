//! 发布 and 通报: the confirmation page that shows what will be published (units, incomplete items,
//! review states, the ranking), publishing itself, and the printable notice of each revision with its
//! publication number, date and digest.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Form;
use kaoping_app::china_time::date_of;
use kaoping_app::{AppError, PublishedRevision, PublishedUnit};
use kaoping_store::{NoticeHeading, ReviewStatus};
use maud::{html, Markup};
use serde::Deserialize;

use super::html::{action, back, flash, layout, Flash, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct Notice {
    revision: Option<i64>,
}

#[derive(Deserialize, Default)]
pub struct Messages {
    err: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct PublishForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    doc_number: String,
}

/// The confirmation page: what publishing will lock, and what stands in its way.
pub async fn confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(m): Query<Messages>,
) -> PageResult<Markup> {
    let preview = state.app.publish_preview(&user.actor, id).await?;
    let view = &preview.snapshot;
    let pending = preview.not_approved();
    let blocked = !preview.incomplete.is_empty() || view.published();
    Ok(layout(
        &format!("发布 {}", view.period.name),
        Some(&user),
        html! {
            h1 { "发布 " (view.period.name) }
            (flash(&Flash { msg: None, err: m.err }))
            @if view.published() {
                div.flash role="alert" { "考评期已发布锁定。" }
            }
            p { "发布后考评期锁定：不能再记录、更正或撤回考核发现，只能通过申诉更正。发布时保存全部结果、台账链头和结果摘要，通报上印有发布编号和摘要，供任何人核对。" }
            h2 { "评分完成情况" }
            @if preview.incomplete.is_empty() {
                p { span.badge.ok { "全部评完" } " " (preview.units.len()) "个单位" }
            } @else {
                div.flash role="alert" {
                    "还有" (preview.incomplete.len()) "个单位的评分项未评完，不能发布。"
                }
                div.table-wrap { table {
                    tr { th { "单位" } th { "未评的评分项" } }
                    @for (unit, items) in &preview.incomplete {
                        tr { td { (unit) } td { (items.join("、")) } }
                    }
                } }
            }
            h2 { "各部门审核" }
            div.table-wrap { table {
                tr { th { "部门" } th { "审核状态" } }
                @for r in &preview.reviews {
                    tr { td { (r.department.name) } td { @match r.latest {
                        Some(ReviewStatus::Approved) => span.badge.ok { "已通过" },
                        Some(ReviewStatus::Returned) => span.badge.bad { "已退回" },
                        Some(ReviewStatus::Submitted) => span.badge.warn { "待审核" },
                        None => span.badge.warn { "未提交" },
                    } } }
                }
            } }
            h2 { "将发布的排名" }
            (ranking(&preview.units))
            @if !blocked {
                form method="post" action=(action(&user, &format!("/periods/{id}/publish"))) {
                    @if !pending.is_empty() {
                        div.flash role="alert" {
                            "以下部门的审核尚未通过：" (pending.join("、"))
                            "。如确需发布，请写明理由，理由将印在通报上。"
                        }
                        label for="reason" { "发布理由" }
                        textarea id="reason" name="reason" rows="3" required {}
                    }
                    fieldset {
                        legend { "通报的文头（可不填）" }
                        label for="issuer" { "发文单位（印在通报落款、盖章处）" }
                        input id="issuer" name="issuer" value=(preview.snapshot.rubric.issuer().unwrap_or_default()) maxlength="100";
                        label for="doc_number" { "文号" }
                        input id="doc_number" name="doc_number" placeholder="例如：动力党发〔2024〕3号" maxlength="100";
                    }
                    button type="submit" { "确认发布" }
                    " "
                    a.button.secondary href=(format!("/periods/{id}")) { "返回汇总表" }
                }
            } @else {
                p { a.button.secondary href=(format!("/periods/{id}")) { "返回汇总表" } }
            }
        },
    ))
}

pub async fn publish(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<PublishForm>,
) -> PageResult<Response> {
    let heading = NoticeHeading {
        issuer: f.issuer,
        doc_number: f.doc_number,
    };
    match state
        .app
        .publish(&user.actor, id, &f.reason, &heading)
        .await
    {
        Ok(p) => Ok(back(
            &format!("/periods/{id}"),
            "msg",
            &format!(
                "已发布并锁定（发布编号 {}-{}，结果摘要 {}）",
                p.period_id,
                p.revision,
                p.short_digest()
            ),
        )),
        Err(AppError::Conflict(m) | AppError::Invalid(m)) => {
            Ok(back(&format!("/periods/{id}/publish"), "err", &m))
        }
        Err(e) => Err(e.into()),
    }
}

/// The ranking as published: 等次 and 是否合格 only where the results have them, and a heading where the
/// ranks restart in another ranking group.
fn ranking(units: &[PublishedUnit]) -> Markup {
    let has_grades = units.iter().any(|u| u.grade.is_some());
    let has_pass = units.iter().any(|u| u.pass.is_some());
    let grouped = units.iter().any(|u| u.group.is_some());
    let columns = 3 + usize::from(has_grades) + usize::from(has_pass);
    html! {
        div.table-wrap { table.ranking {
            thead { tr {
                th.num { "名次" } th { "单位" } th.num { "得分" }
                @if has_grades { th { "等次" } }
                @if has_pass { th { "是否合格" } }
            } }
            tbody {
                @for (i, u) in units.iter().enumerate() {
                    @if grouped && (i == 0 || units[i - 1].group != u.group) {
                        tr.group-head { td colspan=(columns) { (u.group.as_deref().unwrap_or("未分组")) } }
                    }
                    tr.fail[u.pass == Some(false)] {
                        td.num { (u.rank) }
                        td { (u.name) }
                        td.num { (u.score) }
                        @if has_grades { td { (u.grade.as_deref().unwrap_or("")) } }
                        @if has_pass { td { @match u.pass {
                            Some(true) => span.badge.ok { "合格" },
                            Some(false) => span.badge.bad { "不合格" },
                            None => "",
                        } } }
                    }
                }
            }
        } }
    }
}

/// A notice's title: 2023年度党建工作考评 → 2023年度党建工作考评结果通报 (not 考评考评结果通报).
pub fn notice_title(period_name: &str) -> String {
    let name = period_name.trim();
    if name.ends_with("考评") || name.ends_with("考核") {
        format!("{name}结果通报")
    } else {
        format!("{name}考评结果通报")
    }
}

/// What a revision says about itself: "第2版（更正）" and its changes.
pub fn revision_note(r: &PublishedRevision) -> Markup {
    html! {
        @if r.publication.revision > 1 {
            div.flash.warn role="status" {
                strong { "更正（第" (r.publication.revision) "版）" } " "
                (date_of(r.publication.at)) "：" (r.publication.reason)
                ul {
                    @for c in &r.changes {
                        li { (c.name) "：" (c.old_score) "分第" (c.old_rank) "名 → " (c.new_score) "分第" (c.new_rank) "名" }
                    }
                }
            }
        }
    }
}

/// 通报: a revision of the published results (the latest unless `?revision=N`), for A4 printing.
pub async fn notice(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<Notice>,
) -> PageResult<Markup> {
    let view = state.app.summary(&user.actor, id).await?;
    let revisions = state.app.published_revisions(&user.actor, id).await?;
    let shown = match q.revision {
        Some(n) => Some(
            revisions
                .iter()
                .find(|r| r.publication.revision == n)
                .ok_or_else(|| AppError::NotFound(format!("第{n}版通报")))?,
        ),
        None => revisions.last(),
    };
    // Publications before headings existed print the rubric's issuer.
    let heading = shown
        .map(|r| r.publication.heading.clone())
        .unwrap_or_default();
    let issuer = if heading.issuer.is_empty() {
        view.rubric.issuer().unwrap_or("").to_string()
    } else {
        heading.issuer.clone()
    };
    let live;
    let units = match shown {
        Some(r) => &r.units,
        None => {
            live = kaoping_app::published_units(&view);
            &live
        }
    };
    Ok(layout(
        &notice_title(&view.period.name),
        Some(&user),
        html! {
            @if !heading.doc_number.is_empty() {
                p.doc-number { (heading.doc_number) }
            }
            h1 style="text-align:center" {
                (notice_title(&view.period.name))
                @if let Some(r) = shown { @if r.publication.revision > 1 { "（更正·第" (r.publication.revision) "版）" } }
            }
            @if let Some(r) = shown {
                p style="text-align:center" {
                    "发布编号 " (r.number()) " · 结果摘要 " code { (r.publication.short_digest()) }
                }
                (revision_note(r))
                @if r.publication.revision == 1 && !r.publication.reason.is_empty() {
                    p { "发布说明：部分部门审核未完成即发布，理由：" (r.publication.reason) }
                }
            } @else if !view.published() {
                p.muted style="text-align:center" { "（尚未发布，以下为当前结果）" }
            }
            p { "根据《" (view.rubric.title()) "》，现将考评结果通报如下：" }
            (ranking(units))
            // The signature block: issuer and date over the place the office's seal is stamped.
            div.signature {
                div.seal aria-hidden="true" { "（盖章）" }
                p {
                    (issuer) br;
                    @match shown {
                        Some(r) => (date_of(r.publication.at)),
                        None => (view.period.published_at.map(date_of).unwrap_or_else(|| "（未发布）".into())),
                    }
                }
            }
            @if revisions.len() > 1 {
                p.no-print {
                    "各版本："
                    @for r in &revisions {
                        a href=(format!("/periods/{id}/notice?revision={}", r.publication.revision)) {
                            "第" (r.publication.revision) "版（" (date_of(r.publication.at)) "）"
                        } " "
                    }
                }
            }
            p.no-print.muted { "用浏览器的“打印”（Ctrl+P）打印本页，已按A4排版。任何人可用 kaoping verify 按台账重新计分，核对结果摘要。" }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::notice_title;

    #[test]
    fn a_notice_title_does_not_repeat_the_periods_last_word() {
        assert_eq!(
            notice_title("2023年度党建工作考评"),
            "2023年度党建工作考评结果通报"
        );
        assert_eq!(
            notice_title("2023年度岗位目标责任制考核"),
            "2023年度岗位目标责任制考核结果通报"
        );
        assert_eq!(notice_title("2024年度"), "2024年度考评结果通报");
    }
}
