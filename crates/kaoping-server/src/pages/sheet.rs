//! 考评表: one unit's score sheet, laid out like the original table. Every item shows its findings with
//! evidence, what each deducted and what capped it, the item's score, the running total, and the unit's
//! own self-assessment (自查) beside the assessors' score.

use axum::extract::{Path, Query, State};
use kaoping_app::{Action, Sheet, UnitStanding};
use kaoping_core::score::{Cap, Effect, Subject, TraceEntry, UnitResult};
use kaoping_core::Decimal;
use kaoping_store::{EntryKind, Role};
use maud::{html, Markup};

use super::charts::{paired_bars, trend};
use super::html::{dash, enc, flash, layout, multiline, pts, Flash, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

/// The findings shown under one rule: the latest; a sheet of thousands of findings would not be read
/// (the ledger lists them all, the Excel sheet too).
const SHOWN: usize = 10;

fn effect_text(e: &TraceEntry) -> String {
    match &e.effect {
        Effect::Deduct { requested, applied } if requested == applied => {
            format!("扣{}分", pts(*applied))
        }
        Effect::Deduct { requested, applied } => {
            format!("扣{}分（应扣{}分）", pts(*applied), pts(*requested))
        }
        Effect::SetScore(v) => format!("得{}分", pts(*v)),
        Effect::Earn { requested, .. } if requested.is_zero() => "未记录达到，0分".into(),
        Effect::Earn { requested, applied } if requested == applied => {
            format!("达到，得{}分", pts(*applied))
        }
        Effect::Earn { requested, applied } => {
            format!(
                "达到，得{}分（应得{}分，以本项分值为限）",
                pts(*applied),
                pts(*requested)
            )
        }
        Effect::Zero => "不得分".into(),
        Effect::Missing => "尚未评分，暂按0分计".into(),
        Effect::OnTime => "按时完成".into(),
        Effect::Bonus { requested, applied } if requested == applied => {
            format!("加{}分", pts(*applied))
        }
        Effect::Bonus { requested, applied } => {
            format!("加{}分（应加{}分）", pts(*applied), pts(*requested))
        }
        Effect::Veto => "一票否决".into(),
    }
}

fn cap_text(view: &Sheet, cap: &Cap) -> String {
    match cap {
        Cap::Inherited { group } => format!("得分来自“{}”", view.snapshot.units.group(*group).code),
        other => other.to_string(),
    }
}

/// One trace entry: the rule, what it did, why it was limited, and each finding behind it with actions.
fn trace_line(
    view: &Sheet,
    unit_code: &str,
    e: &TraceEntry,
    may_record: &dyn Fn(&str) -> bool,
    may_appeal: bool,
) -> Markup {
    let rubric = &view.snapshot.rubric;
    let (code, text) = match e.subject {
        Subject::Rule(r) => (
            rubric.rules()[r].code.as_str(),
            rubric.rules()[r].text.as_str(),
        ),
        Subject::Bonus(b) => (
            rubric.bonus().rules[b].code.as_str(),
            rubric.bonus().rules[b].title.as_str(),
        ),
        Subject::Veto(v) => (
            rubric.vetoes()[v].code.as_str(),
            rubric.vetoes()[v].title.as_str(),
        ),
    };
    let id = view.snapshot.period.id;
    // Every finding under a rule belongs to the rule's item, so to its department.
    let may_change = may_record(code);
    html! {
        div.trace {
            @if let Some(r) = e.round { @if rubric.rounds().len() > 1 { span.badge { (rubric.rounds()[r].name) } " " } }
            strong { (code) } " " (text) "：" span.amount { (effect_text(e)) }
            @for c in &e.caps { " " span.badge.warn { (cap_text(view, c)) } }
            @if e.findings.len() > SHOWN {
                p.muted {
                    "共" (e.findings.len()) "条记录，以下为最近" (SHOWN) "条"
                    @if view.may_ledger {
                        "；" a href=(format!("/periods/{id}/ledger?unit={}&code={}", enc(unit_code), enc(code))) { "查看全部" }
                    } @else {
                        "；全部记录见“下载Excel”"
                    }
                }
            }
            @if !e.findings.is_empty() {
                ul {
                    @for f in &e.findings[e.findings.len().saturating_sub(SHOWN)..] {
                        @let entry = view.entry(f.origin as i64);
                        li {
                            "记录#" (f.origin)
                            @if let Some(en) = entry {
                                @if en.count.is_some() { " · " (en.count.unwrap_or_default()) "次" }
                                @if let Some(l) = &en.level { " · " (l) }
                                @if let Some(p) = en.points { " · " (pts(p)) "分" }
                                @if let Some(d) = &en.date { " · 完成" (d) }
                                @if let Some(d) = &en.due { " · 截止" (d) }
                                @if en.unit_code != unit_code { " · 记在“" (en.unit_code) "”" }
                                @if !en.note.is_empty() { " · " (en.note) }
                                @if let Some(ev) = en.evidence_id { " · " a href={ "/periods/" (id) "/evidence/" (ev) } { "证据" } }
                                @if en.kind == EntryKind::AppealDecision { " " span.badge { "申诉改判" } }
                                @if may_change {
                                    " · " a href={ "/periods/" (id) "/entries/" (en.id) "/correct" } { "更正" }
                                    " · " a href={ "/periods/" (id) "/entries/" (en.id) "/withdraw" } { "撤回" }
                                }
                                @if may_appeal {
                                    " · " a href={ "/periods/" (id) "/appeals/new?entry=" (en.id) } { "申诉" }
                                }
                                (rectification_mark(view, en))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Beside a deduction: its rectification state linked to the rectification (逾期 in red), or, for the
/// item's department, a link to require one.
fn rectification_mark(view: &Sheet, en: &kaoping_store::Entry) -> Markup {
    let id = view.snapshot.period.id;
    html! {
        @if let Some(r) = view.rectifications.get(&en.id) {
            " · " a class={ "badge " (rectification_class(r)) } href={ "/rectifications/" (r.id) } { "整改：" (r.label()) }
        } @else if view.may_require(en) {
            " · " a href={ "/periods/" (id) "/rectifications/new?entry=" (en.id) } { "要求整改" }
        }
    }
}

/// The badge class of a rectification's state: red when overdue, green when accepted.
pub(crate) fn rectification_class(r: &kaoping_app::RectificationShown) -> &'static str {
    use kaoping_store::RectificationState as S;
    match (r.overdue, r.state) {
        (true, _) => "bad",
        (false, S::Accepted) => "ok",
        (false, _) => "warn",
    }
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, code)): Path<(i64, String)>,
    Query(f): Query<Flash>,
) -> PageResult<Markup> {
    let view = state.app.sheet(&user.actor, id, &code).await?;
    let standing = state.app.unit_standing(&user.actor, &view).await?;
    let published = view.snapshot.published();
    let result = &*view.result;
    let own = Some(&*view.own);
    let may_record = |entry_code: &str| {
        user.actor.may(Action::RecordFinding {
            owner: view.snapshot.owner(entry_code),
            published,
        })
    };
    let may_self = view.may_self;
    let may_appeal = view.may_appeal;
    let unit_pos = view.unit;
    let rubric = &view.snapshot.rubric;
    // The running total (累计) after each section.
    let running: Vec<Decimal> = result
        .sections
        .iter()
        .scan(Decimal::ZERO, |sum, s| {
            *sum += *s;
            Some(*sum)
        })
        .collect();
    let unit = view.snapshot.units.unit(unit_pos);
    Ok(layout(
        &format!("{} 考评表", unit.name),
        Some(&user),
        html! {
            h1 { (view.snapshot.period.name) " · " (unit.name) " · 考评表" }
            (flash(&f))
            p {
                "总分 " strong { (pts(result.total)) } "；加分 " (pts(result.bonus)) "；最终得分 " strong { (pts(result.final_score)) }
                @if let Some(p) = result.pass { " · " @if p { span.badge.ok { "合格" } } @else { span.badge.bad { "不合格" } } }
                @if let Some(g) = result.grade { " · " (rubric.grades()[g].name) }
                " · 第" (result.rank) "名"
                @if let Some(g) = &unit.ranking_group { "（" (g) "）" }
            }
            @if result.is_incomplete() {
                div.flash role="status" { "尚未评完：" @for m in &result.incomplete { (rubric.items()[m.item].code) " " } "，暂按0分计。" }
            }
            p.no-print {
                a.button.secondary href=(format!("/periods/{id}/units/{}/sheet.xlsx", enc(&code))) { "下载Excel" } " "
                @if user.actor.role() == Role::Assessor || user.actor.role() == Role::Admin { @if !published {
                    a.button href=(format!("/periods/{id}/entries/new?unit={}", enc(&code))) { "录入考核发现" } " "
                } }
                @if may_self { a.button.secondary href=(format!("/periods/{id}/units/{}/self", enc(&code))) { "填写自查表" } }
                @if !view.snapshot.rubric.record_kinds().is_empty() {
                    " " a.button.secondary href=(format!("/periods/{id}/units/{}/records", enc(&code))) { "记录本" }
                }
            }
            @if view.records.iter().any(|p| p.pending()) {
                div.flash.warn role="status" {
                    strong { "记录本扣分（暂计，未计入上面的得分）" }
                    (super::records::provisional_list(&view.records))
                    "负责部门核定后记入考核记录。"
                }
            }
            (standing_block(&view, &standing))
            (cards(&view, &code, &running, &may_record))
            div.table-wrap.wide-only { table.sheet {
                thead { tr {
                    th { "栏目" } th.num { "分值" } th { "考核内容" } th { "评分标准" } th { "考核发现与扣分" } th.num { "得分" } th.num { "累计" } th.num { "自查" }
                } }
                tbody {
                    @for (si, section) in rubric.sections().iter().enumerate() {
                        @let sec_score = result.sections[si];
                        tr.section {
                            td { (section.code) " " (section.title) @if section.pool { " " span.badge { "共享分值" } } }
                            td.num { (pts(section.points)) }
                            td colspan="3" {}
                            td.num { (pts(sec_score)) }
                            td.num { (pts(running[si])) }
                            td.num { @if let Some(o) = own { (pts(o.sections[si])) } @else { (dash()) } }
                        }
                        @for item_id in section.items.clone() {
                            @let item = &rubric.items()[item_id];
                            @let score = &result.items[item_id];
                            @let entries: Vec<&TraceEntry> = result.trace.iter().filter(|e| matches!(e.subject, Subject::Rule(r) if rubric.rules()[r].item == item_id)).collect();
                            tr {
                                td { (item.code) " " (item.title) @if let Some(d) = &item.department { br; span.muted { (d) } } }
                                td.num { @if section.pool { (dash()) } @else { (pts(item.max)) } }
                                td { (multiline(&item.content)) }
                                td { (multiline(&item.criteria)) @if !item.method.is_empty() { br; span.muted { (item.method) } } }
                                td {
                                    @if entries.is_empty() { span.muted { "无" } }
                                    @for e in &entries { (trace_line(&view, &code, e, &may_record, may_appeal)) }
                                }
                                td.num { @match score.score { Some(s) => (pts(s)), None => { "扣" (pts(score.deducted)) } } }
                                td.num {}
                                td.num {
                                    @if let Some(o) = own {
                                        // A score the unit has not given itself is not a 0 it chose.
                                        @if not_self_scored(o, item_id) { span.badge.warn { "未自评" } }
                                        @else { @match o.items[item_id].score { Some(s) => (pts(s)), None => { "扣" (pts(o.items[item_id].deducted)) } } }
                                    } @else { (dash()) }
                                }
                            }
                        }
                    }
                    @for e in result.trace.iter().filter(|e| !matches!(e.subject, Subject::Rule(_))) {
                        tr { td colspan="4" { @if matches!(e.subject, Subject::Bonus(_)) { "奖励加分" } @else { "一票否决" } }
                             td colspan="4" { (trace_line(&view, &code, e, &may_record, may_appeal)) } }
                    }
                    tr.section { td { "合计" } td.num { (pts(rubric.total())) } td colspan="3" {} td.num { (pts(result.final_score)) } td.num {} td.num { @if let Some(o) = own { (pts(o.final_score)) } } }
                }
            } }
            (self_note(own, result))
        },
    ))
}

/// The sheet on a phone: one card per item, its score, deductions and findings first, and the criteria
/// folded behind 考核内容与评分标准.
fn cards(
    view: &Sheet,
    code: &str,
    running: &[Decimal],
    may_record: &dyn Fn(&str) -> bool,
) -> Markup {
    let rubric = &view.snapshot.rubric;
    let result = &*view.result;
    let own = Some(&*view.own);
    let item_score = |r: &UnitResult, item: usize| -> String {
        match r.items[item].score {
            Some(s) => format!("{}分", pts(s)),
            None => format!("扣{}分", pts(r.items[item].deducted)),
        }
    };
    html! {
        div.phone-only.sheet-cards {
            @for (si, section) in rubric.sections().iter().enumerate() {
                h2.card-section {
                    span { (section.code) " " (section.title) @if section.pool { " " span.badge { "共享分值" } } }
                    span.num { (pts(result.sections[si])) "/" (pts(section.points)) " · 累计" (pts(running[si])) }
                }
                @for item_id in section.items.clone() {
                    @let item = &rubric.items()[item_id];
                    @let entries: Vec<&TraceEntry> = result.trace.iter().filter(|e| matches!(e.subject, Subject::Rule(r) if rubric.rules()[r].item == item_id)).collect();
                    div.item-card {
                        div.item-head {
                            span.title { (item.code) " " (item.title) }
                            strong.num {
                                (item_score(result, item_id))
                                @if !section.pool { span.muted { "/" (pts(item.max)) } }
                            }
                        }
                        @if let Some(d) = &item.department { div.muted { (d) } }
                        @if let Some(o) = own {
                            div.muted { "自查：" @if not_self_scored(o, item_id) { span.badge.warn { "未自评" } } @else { (item_score(o, item_id)) } }
                        }
                        @for e in &entries { (trace_line(view, code, e, may_record, view.may_appeal)) }
                        details {
                            summary { "考核内容与评分标准" }
                            p { (multiline(&item.content)) }
                            p { (multiline(&item.criteria)) }
                            @if !item.method.is_empty() { p.muted { (item.method) } }
                        }
                    }
                }
            }
            @let others: Vec<&TraceEntry> = result.trace.iter().filter(|e| !matches!(e.subject, Subject::Rule(_))).collect();
            @if !others.is_empty() {
                h2.card-section { span { "奖励加分与一票否决" } }
                div.item-card { @for e in &others { (trace_line(view, code, e, may_record, view.may_appeal)) } }
            }
            h2.card-section { span { "合计" } span.num { (pts(result.final_score)) "/" (pts(rubric.total())) } }
        }
    }
}

/// 得分情况: the unit's sections against its group's average, and its score over the years, folded
/// open (a sheet is read for its items; the charts are a glance).
fn standing_block(view: &Sheet, standing: &UnitStanding) -> Markup {
    let rubric = &view.snapshot.rubric;
    let rows: Option<Vec<(String, Decimal, Decimal, Decimal)>> =
        standing.group_average.as_ref().map(|avg| {
            rubric
                .sections()
                .iter()
                .enumerate()
                .map(|(i, s)| (s.title.clone(), view.result.sections[i], avg[i], s.points))
                .collect()
        });
    let total = rubric.total();
    html! {
        @if rows.is_some() || standing.history.len() > 1 {
            details.standing open {
                summary { "得分情况" }
                div.charts {
                    @if let Some(rows) = &rows {
                        figure {
                            figcaption { "各栏目得分与" (standing.group_label) "平均" }
                            (paired_bars("各栏目得分与组内平均", rows, ("本单位", "平均")))
                        }
                    }
                    @if standing.history.len() > 1 {
                        @let points: Vec<(String, Decimal)> = standing.history.iter().map(|h| (format!("{}年", h.year), h.score)).collect();
                        figure {
                            figcaption { "历年最终得分" @if standing.history.iter().any(|h| !h.published) { span.muted { "（考评中的为暂计）" } } }
                            (trend("历年最终得分", &points, total))
                        }
                    }
                }
            }
        }
    }
}

/// An item the self-assessment must score (分档, 酌情) that the unit left empty.
fn not_self_scored(own: &UnitResult, item: usize) -> bool {
    own.incomplete.iter().any(|m| m.item == item)
}

fn self_note(own: Option<&UnitResult>, result: &UnitResult) -> Markup {
    html! {
        @if let Some(o) = own {
            @if o.final_score != result.final_score {
                p.muted { "自查得分" (pts(o.final_score)) "分，考核得分" (pts(result.final_score)) "分，相差" (pts(o.final_score - result.final_score)) "分。" }
            }
        }
    }
}
