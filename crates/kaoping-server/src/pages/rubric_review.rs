//! Reviewing an imported rubric table in a form (no TOML): a row per rule with its kind, amount and
//! limits in selects and boxes and its source phrase beside it, rows to confirm highlighted with their
//! reason and a 已核对 box, problems beside their fields in the table's terms. The TOML editor stays
//! below as the advanced option. The checking is the application's (`kaoping_app::RubricForm`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use kaoping_app::{
    bonus_key, item_key, kind_hint, rule_key, section_key, veto_key, RubricForm, RuleForm,
    RULE_KINDS,
};
use maud::{html, Markup};

use super::html::{action, layout, multiline, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

/// A field's problem, beside it.
fn problem(form: &RubricForm, key: &str) -> Markup {
    html! {
        @if let Some(m) = form.error(key) { span.badge.bad.field-problem role="alert" { (m) } }
    }
}

/// A short text box with its problem.
fn text_box(form: &RubricForm, key: &str, value: &str, label: &str, class: &str) -> Markup {
    html! {
        input type="text" class=(class) name=(key) value=(value) aria-label=(label)
            aria-invalid=[form.error(key).map(|_| "true")];
        (problem(form, key))
    }
}

fn rule_row(form: &RubricForm, key: &str, r: &RuleForm, row: usize) -> Markup {
    let k = |f: &str| format!("{key}.{f}");
    let to_confirm = !r.confirm.is_empty();
    let at = if row > 0 {
        format!("第{row}行")
    } else {
        String::new()
    };
    html! {
        tr.confirm[to_confirm].new-rule[r.is_blank()] {
            td { label.check { input type="checkbox" name=(k("delete")) value="1" checked[r.delete]; "删除" } }
            // The source phrase and its check first: what the row was read from, then how.
            td.phrase {
                textarea name=(k("text")) rows="2" aria-label="原文" placeholder=(if r.is_blank() { "新增规则：原文" } else { "" }) { (r.text) }
                (problem(form, &k("text")))
            }
            td.check {
                input type="hidden" name=(k("decimals")) value=(r.decimals);
                input type="hidden" name=(k("rounding")) value=(r.rounding);
                @if to_confirm {
                    input type="hidden" name=(k("confirm")) value=(r.confirm);
                    div.reason { "待核对：" (r.confirm) }
                    label.check { input type="checkbox" name=(k("checked")) value="1" checked[r.checked]; "已核对" }
                    (problem(form, &k("checked")))
                }
            }
            td { (text_box(form, &k("code"), &r.code, &format!("{at}规则编号"), "code")) }
            td {
                select name=(k("kind")) aria-label=(format!("{at}规则类型")) {
                    option value="" selected[r.kind.is_empty()] { "（不生成规则）" }
                    @for (value, label) in RULE_KINDS {
                        option value=(value) selected[r.kind == value] { (label) }
                    }
                    @if !r.kind.is_empty() && !RULE_KINDS.iter().any(|(v, _)| *v == r.kind) {
                        option value=(r.kind) selected { (r.kind) }
                    }
                }
                small.muted.hint { (kind_hint(&r.kind)) }
                (problem(form, &k("kind")))
            }
            td { (text_box(form, &k("amount"), &r.amount, "分值", "n")) }
            td { (text_box(form, &k("count"), &r.count, "次数", "n")) }
            td { (text_box(form, &k("cap"), &r.cap, "扣分上限", "n")) }
            td { (text_box(form, &k("step"), &r.step, "累进加扣", "n")) }
            td { (text_box(form, &k("min"), &r.min, "最少", "n")) }
            td { (text_box(form, &k("max"), &r.max, "最多", "n")) }
            td {
                textarea name=(k("levels")) rows="2" aria-label="分档（每行：名称,分值）" placeholder="好,10" { (r.levels) }
                (problem(form, &k("levels")))
            }
            td {
                select name=(k("applies")) aria-label="适用于" {
                    option value="" selected[r.applies.is_empty() || r.applies == "unit"] { "个人" }
                    option value="group" selected[r.applies == "group"] { "组内每人" }
                    option value="any" selected[r.applies == "any"] { "个人或组" }
                }
                (problem(form, &k("applies")))
            }
            td {
                textarea name=(k("records")) rows="2" aria-label="记录本（如：支委会（每月至少1次））" placeholder="支委会（每月至少1次）" { (r.records) }
                (problem(form, &k("records")))
            }
        }
    }
}

/// The review page: the form, then the TOML editor folded away. `toml_problems` (by line and column)
/// unfold the editor.
pub fn review_page(
    user: &CurrentUser,
    form: &RubricForm,
    toml: &str,
    toml_problems: Option<&str>,
) -> Markup {
    let has_form = !form.sections.is_empty();
    layout(
        "核对导入结果",
        Some(user),
        html! {
            h1 { "核对导入结果：" (form.name) }
            @if has_form {
                p.muted { "每条评分规则一行：类型、分值和上限可直接修改，评分标准原文在旁。标为待核对的行请核对后勾选“已核对”；不要的规则勾选“删除”；每个评分项最后一行可新增规则。行号和列名均指上传的表格。" }
                @if form.has_problems() {
                    div.flash role="alert" {
                        "还需修改后才能保存："
                        ul {
                            @for p in &form.problems { li { (p) } }
                            @for (_, m) in &form.errors { li { (m) } }
                        }
                    }
                }
                form.rubric-review method="post" action=(action(user, "/rubrics/import/review")) {
                    input type="hidden" name="settings" value=(form.settings);
                    input type="hidden" name="col.section" value=(form.columns.section);
                    input type="hidden" name="col.points" value=(form.columns.points);
                    input type="hidden" name="col.content" value=(form.columns.content);
                    input type="hidden" name="col.criteria" value=(form.columns.criteria);
                    fieldset {
                        legend { "考评细则" }
                        div.review-fields {
                            label { "名称（保存为该名称的新版本）" (text_box(form, "name", &form.name, "名称", "")) }
                            label { "标题" (text_box(form, "title", &form.title, "标题", "")) }
                            label { "总分" (text_box(form, "total", &form.total, "总分", "n")) }
                        }
                    }
                    @for (si, s) in form.sections.iter().enumerate() {
                        @let sk = section_key(si);
                        fieldset.review-section {
                            legend { "栏目：" (s.title) }
                            div.review-fields {
                                label { "编号" (text_box(form, &format!("{sk}.code"), &s.code, "栏目编号", "code")) }
                                label { "栏目" (text_box(form, &format!("{sk}.title"), &s.title, "栏目名称", "")) }
                                label { "栏目分值" (text_box(form, &format!("{sk}.points"), &s.points, "栏目分值", "n")) }
                                label.check { input type="checkbox" name=(format!("{sk}.pool")) value="1" checked[s.pool]; "共享分值（各项不设分值，扣分都从栏目分值中扣）" }
                            }
                            @for (ii, item) in s.items.iter().enumerate() {
                                @let ik = item_key(si, ii);
                                div.review-item {
                                    h3 {
                                        @if item.row > 0 { "第" (item.row) "行　" }
                                        (item.content.chars().take(40).collect::<String>())
                                    }
                                    input type="hidden" name=(format!("{ik}.row")) value=(item.row);
                                    input type="hidden" name=(format!("{ik}.content")) value=(item.content);
                                    input type="hidden" name=(format!("{ik}.criteria")) value=(item.criteria);
                                    input type="hidden" name=(format!("{ik}.method")) value=(item.method);
                                    div.review-fields {
                                        label { "编号" (text_box(form, &format!("{ik}.code"), &item.code, "评分项编号", "code")) }
                                        label { "名称" (text_box(form, &format!("{ik}.title"), &item.title, "评分项名称", "")) }
                                        label { "分值" (text_box(form, &format!("{ik}.points"), &item.points, "评分项分值", "n")) }
                                        label { "负责部门" (text_box(form, &format!("{ik}.department"), &item.department, "负责部门", "")) }
                                        label.check { input type="checkbox" name=(format!("{ik}.inherit")) value="1" checked[item.inherit]; "按组评分，组员继承" }
                                    }
                                    @if !item.criteria.is_empty() {
                                        details.criteria { summary { "“" (form.columns.criteria) "”原文" } p { (multiline(&item.criteria)) } }
                                    }
                                    (problem(form, &format!("{ik}.title")))
                                    (problem(form, &format!("{ik}.rules")))
                                    div.table-wrap { table.review-rules {
                                        tr { th { "删除" } th { "原文" } th { "核对" } th { "编号" } th { "类型" } th { "分值" } th { "次数" } th { "扣分上限" } th { "加扣" } th { "最少" } th { "最多" } th { "分档" } th { "适用" } th { "记录本" } }
                                        @for (ri, r) in item.rules.iter().enumerate() {
                                            (rule_row(form, &rule_key(si, ii, ri), r, item.row))
                                        }
                                        // One empty row to add a rule.
                                        (rule_row(form, &rule_key(si, ii, item.rules.len()), &RuleForm::default(), item.row))
                                    } }
                                }
                            }
                        }
                    }
                    @if !form.bonus.is_empty() {
                        fieldset {
                            legend { "奖励加分（总分之外）" }
                            div.table-wrap { table.review-rules {
                                tr { th { "删除" } th { "编号" } th { "名称" } th { "分值" } th { "分档" } th { "多次" } th { "原文" } th { "核对" } }
                                @for (bi, b) in form.bonus.iter().enumerate() {
                                    @let k = |f: &str| format!("{}.{f}", bonus_key(bi));
                                    tr.confirm[!b.confirm.is_empty()] {
                                        td {
                                            input type="hidden" name=(k("row")) value=(b.row);
                                            label.check { input type="checkbox" name=(k("delete")) value="1" checked[b.delete]; "删除" }
                                        }
                                        td { (text_box(form, &k("code"), &b.code, "加分编号", "code")) }
                                        td { (text_box(form, &k("title"), &b.title, "加分名称", "")) }
                                        td { (text_box(form, &k("amount"), &b.amount, "加分分值", "n")) }
                                        td { textarea name=(k("levels")) rows="2" aria-label="分档（每行：名称,分值）" { (b.levels) } (problem(form, &k("levels"))) }
                                        td {
                                            select name=(k("combine")) aria-label="多次加分" {
                                                option value="highest" selected[b.combine != "sum"] { "同一事项就高" }
                                                option value="sum" selected[b.combine == "sum"] { "累加" }
                                            }
                                        }
                                        td.phrase { textarea name=(k("text")) rows="2" aria-label="原文" { (b.text) } (problem(form, &k("text"))) }
                                        td {
                                            @if !b.confirm.is_empty() {
                                                input type="hidden" name=(k("confirm")) value=(b.confirm);
                                                div.reason { "待核对：" (b.confirm) }
                                                label.check { input type="checkbox" name=(k("checked")) value="1" checked[b.checked]; "已核对" }
                                                (problem(form, &k("checked")))
                                            }
                                        }
                                    }
                                }
                            } }
                        }
                    }
                    @if !form.vetoes.is_empty() {
                        fieldset {
                            legend { "一票否决" }
                            div.table-wrap { table.review-rules {
                                tr { th { "删除" } th { "编号" } th { "名称" } th { "等次上限（空则不合格）" } th { "原文" } th { "核对" } }
                                @for (vi, v) in form.vetoes.iter().enumerate() {
                                    @let k = |f: &str| format!("{}.{f}", veto_key(vi));
                                    tr.confirm[!v.confirm.is_empty()] {
                                        td {
                                            input type="hidden" name=(k("row")) value=(v.row);
                                            label.check { input type="checkbox" name=(k("delete")) value="1" checked[v.delete]; "删除" }
                                        }
                                        td { (text_box(form, &k("code"), &v.code, "否决编号", "code")) }
                                        td { (text_box(form, &k("title"), &v.title, "否决名称", "")) }
                                        td { (text_box(form, &k("grade"), &v.grade, "等次上限", "")) }
                                        td.phrase { textarea name=(k("text")) rows="2" aria-label="原文" { (v.text) } (problem(form, &k("text"))) }
                                        td {
                                            @if !v.confirm.is_empty() {
                                                input type="hidden" name=(k("confirm")) value=(v.confirm);
                                                div.reason { "待核对：" (v.confirm) }
                                                label.check { input type="checkbox" name=(k("checked")) value="1" checked[v.checked]; "已核对" }
                                                (problem(form, &k("checked")))
                                            }
                                        }
                                    }
                                }
                            } }
                        }
                    }
                    @if let Some(m) = form.error("settings") { div.flash role="alert" { (m) } }
                    button type="submit" { "保存为新版本" }
                }
            } @else {
                p { "下面是考评细则的TOML文本。要用表格核对，请" a href="/rubrics/import" { "重新上传表格" } "。" }
            }
            details.advanced open[!has_form || toml_problems.is_some()] {
                summary { "高级：直接编辑TOML" }
                @if let Some(p) = toml_problems { div.flash role="alert" { "还需修改后才能保存：" br; (multiline(p)) } }
                form.stack method="post" action=(action(user, "/rubrics/import/save")) {
                    input type="hidden" name="name" value=(form.name);
                    label { "考评细则（可直接修改，格式见 docs/rubric-format.md）" textarea name="toml" rows="24" { (toml) } }
                    button type="submit" { "按TOML保存为新版本" }
                }
            }
        },
    )
}

/// Saves the review form as a new version; a form with problems comes back as typed, each problem
/// beside its field (422).
pub async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    state.app.may_import(&user.actor)?;
    let form = RubricForm::from_fields(&fields)?;
    match state.app.save_rubric_form(&user.actor, form).await? {
        Ok(version) => Ok(Redirect::to(&format!("/rubrics/{}", version.id)).into_response()),
        Err(form) => {
            let toml = form.toml();
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                review_page(&user, &form, &toml, None),
            )
                .into_response())
        }
    }
}
