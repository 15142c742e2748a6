//! The period's 民主评议 campaigns and the form that creates one (kept as typed when it has a problem).

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Form;
use kaoping_app::{AppError, CampaignInput, ClassInput, GradeInput, Num, ScaleInput};
use kaoping_store::CampaignStatus;
use maud::{html, Markup};

use super::html::{action, back, flash, layout, Flash, PageResult};
use crate::session::CurrentUser;
use crate::state::AppState;

type Fields = Vec<(String, String)>;

fn field<'f>(fields: &'f Fields, name: &str) -> &'f str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// The period's campaigns, and the form to create one (for those who may).
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(f): Query<Flash>,
) -> PageResult<Markup> {
    page(&state, &user, id, &Fields::new(), f).await
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    typed: &Fields,
    f: Flash,
) -> PageResult<Markup> {
    let summary = state.app.summary(&user.actor, id).await?;
    let campaigns = state.app.campaigns(&user.actor, id).await?;
    let rubric = &summary.rubric;
    let conversion_rules: Vec<(String, String)> = rubric
        .rules()
        .iter()
        .filter(|r| matches!(r.kind, kaoping_core::rubric::RuleKind::Conversion { .. }))
        .map(|r| (r.code.clone(), rubric.items()[r.item].title.clone()))
        .collect();
    // The form starts on the first rule no campaign feeds yet (8.1 once 2.1 has its quarters, say).
    let (default_code, default_item) = conversion_rules
        .iter()
        .find(|(code, _)| !campaigns.iter().any(|c| &c.rule_code == code))
        .or(conversion_rules.first())
        .cloned()
        .unwrap_or_default();
    let year = summary.period.year;
    let default_title = if default_item.contains("评议") {
        format!("{year}年度{default_item}")
    } else {
        format!("{year}年度{default_item}评议")
    };
    let may_create = user.actor.role() == kaoping_store::Role::Admin
        || (user.actor.role() == kaoping_store::Role::Assessor && user.actor.department.is_some());
    let value = |name: &str, default: &str| -> String {
        if typed.is_empty() {
            default.to_string()
        } else {
            field(typed, name).to_string()
        }
    };
    let checked: Vec<&str> = typed
        .iter()
        .filter(|(k, _)| k == "candidate")
        .map(|(_, v)| v.as_str())
        .collect();
    let grades = value("grades", "优秀,100\n称职,80\n基本称职,60\n不称职,0");
    let scale_kind = value("scale", "grades");
    Ok(layout(
        &format!("民主评议 {}", summary.period.name),
        Some(user),
        html! {
            h1 { "民主评议 · " (summary.period.name) }
            (flash(&f))
            @if campaigns.is_empty() {
                p.muted { "本考评期还没有评议。" }
            } @else {
                div.table-wrap { table {
                    tr { th { "评议" } th { "计入" } th { "状态" } }
                    @for c in &campaigns {
                        tr {
                            td { a href=(format!("/ballots/{}", c.id)) { (c.title) } }
                            td { (c.rule_code) }
                            td { @if c.status == CampaignStatus::Closed {
                                span.badge.ok { "已结束" }
                            } @else if c.codes_issued_at.is_some() {
                                span.badge.warn { "投票中" }
                            } @else {
                                span.badge { "未发码" }
                            } }
                        }
                    }
                } }
            }
            @if may_create && !summary.published() && !conversion_rules.is_empty() {
                h2 { "新建评议" }
                form.stack method="post" action=(action(user, &format!("/periods/{id}/ballots"))) {
                    label for="title" { "标题" }
                    input id="title" name="title" required value=(value("title", &default_title));
                    label for="code" { "计入评分规则（折合得分）" }
                    select id="code" name="code" {
                        @for (code, title) in &conversion_rules {
                            option value=(code) selected[value("code", &default_code) == *code] { (code) " " (title) }
                        }
                    }
                    @if rubric.rounds().len() > 1 {
                        label for="round" { "轮次" }
                        select id="round" name="round" {
                            @for r in rubric.rounds() {
                                option value=(r.code) selected[value("round", "") == r.code] { (r.name) }
                            }
                        }
                    }
                    fieldset {
                        legend { "候选人（被评议的单位或人员）" }
                        div.checks {
                            @for u in summary.units.units() {
                                label.check {
                                    input type="checkbox" name="candidate" value=(u.code)
                                        checked[typed.is_empty() || checked.contains(&u.code.as_str())];
                                    " " (u.name)
                                }
                            }
                        }
                    }
                    label for="classes" { "评议人类别：每行“名称,权重,人数”，权重之和为1" }
                    textarea id="classes" name="classes" rows="3" required {
                        (value("classes", "班子成员,0.3,5\n职工,0.7,30"))
                    }
                    fieldset {
                        legend { "评议方式" }
                        label.check { input type="radio" name="scale" value="grades" checked[scale_kind == "grades"]; " 按等次" }
                        label.check { input type="radio" name="scale" value="score" checked[scale_kind == "score"]; " 按分数" }
                    }
                    label for="grades" { "等次：每行“名称,分值”（按等次时）" }
                    textarea id="grades" name="grades" rows="4" { (grades) }
                    label for="min" { "分数范围（按分数时）" }
                    div.inline {
                        input id="min" name="min" inputmode="decimal" value=(value("min", "0")) aria-label="最低分";
                        " ～ "
                        input id="max" name="max" inputmode="decimal" value=(value("max", "100")) aria-label="最高分";
                    }
                    label for="excellent" { "每张票评为最高等次的人数上限（占候选人%，不限则留空）" }
                    input id="excellent" name="excellent" inputmode="decimal" value=(value("excellent", ""));
                    label for="trim" { "评分达到几个时去掉一个最高分和一个最低分（0为不去掉，至少3）" }
                    input id="trim" name="trim" inputmode="numeric" value=(value("trim", "0"));
                    label for="quorum" { "参评率：投票人数至少占发放投票码的%" }
                    input id="quorum" name="quorum" inputmode="decimal" value=(value("quorum", "67"));
                    button type="submit" { "新建评议" }
                }
            }
        },
    ))
}

/// A percentage typed in a form as a share (`67` → `0.67`).
fn share(text: &str) -> Result<Option<Num>, String> {
    let t = text.trim().trim_end_matches('%');
    if t.is_empty() {
        return Ok(None);
    }
    let p: kaoping_core::Decimal = t.parse().map_err(|_| format!("“{text}”不是百分数"))?;
    Ok(Some(Num::from(p / kaoping_core::Decimal::ONE_HUNDRED)))
}

/// Lines of "a,b,c" (commas, Chinese commas or tabs).
fn rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split([',', '，', '\t'])
                .map(|f| f.trim().to_string())
                .collect()
        })
        .collect()
}

/// The campaign a form describes; a line that is not "name, weight, voters" is named.
fn campaign_input(fields: &Fields) -> Result<CampaignInput, String> {
    let mut errors = Vec::new();
    let mut classes = Vec::new();
    for (i, row) in rows(field(fields, "classes")).into_iter().enumerate() {
        match row.as_slice() {
            [name, weight, voters] => match voters.parse::<u32>() {
                Ok(voters) => classes.push(ClassInput {
                    name: name.clone(),
                    weight: Num::Text(weight.clone()),
                    voters,
                }),
                Err(_) => errors.push(format!("评议人类别第{}行：人数“{voters}”不是整数", i + 1)),
            },
            _ => errors.push(format!("评议人类别第{}行：应写作“名称,权重,人数”", i + 1)),
        }
    }
    let scale = if field(fields, "scale") == "score" {
        ScaleInput::Score {
            min: Num::Text(field(fields, "min").into()),
            max: Num::Text(field(fields, "max").into()),
        }
    } else {
        let mut grades = Vec::new();
        for (i, row) in rows(field(fields, "grades")).into_iter().enumerate() {
            match row.as_slice() {
                [name, value] => grades.push(GradeInput {
                    name: name.clone(),
                    value: Num::Text(value.clone()),
                }),
                _ => errors.push(format!("等次第{}行：应写作“名称,分值”", i + 1)),
            }
        }
        ScaleInput::Grades { grades }
    };
    let excellent = share(field(fields, "excellent")).unwrap_or_else(|e| {
        errors.push(format!("优秀比例：{e}"));
        None
    });
    let quorum = share(field(fields, "quorum"))
        .unwrap_or_else(|e| {
            errors.push(format!("参评率：{e}"));
            None
        })
        .unwrap_or(Num::Text("0".into()));
    let trim = field(fields, "trim").trim();
    let trim = if trim.is_empty() {
        0
    } else {
        trim.parse::<u32>().unwrap_or_else(|_| {
            errors.push(format!("去掉最高最低分：“{trim}”不是整数"));
            0
        })
    };
    let candidates: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "candidate")
        .map(|(_, v)| v.clone())
        .collect();
    if candidates.is_empty() {
        errors.push("候选人：至少选择一名".into());
    }
    if !errors.is_empty() {
        return Err(errors.join("\n"));
    }
    Ok(CampaignInput {
        title: field(fields, "title").into(),
        code: field(fields, "code").into(),
        round: field(fields, "round").into(),
        candidates,
        classes,
        scale,
        max_excellent_share: excellent,
        trim,
        quorum,
    })
}

/// The application's field paths (`classes[1].weight：…`) in the words of the form (`评议人类别第2行的权重：…`),
/// a line at a time; a line without a path stays as it is.
fn form_words(message: &str) -> String {
    fn word(name: &str) -> Option<&'static str> {
        Some(match name {
            "title" => "标题",
            "code" => "计入评分规则",
            "round" => "轮次",
            "candidates" => "候选人",
            "classes" => "评议人类别",
            "scale" => "评议方式",
            "grades" => "等次",
            "min" => "最低分",
            "max" => "最高分",
            "max_excellent_share" => "优秀比例",
            "trim" => "去掉最高最低分",
            "quorum" => "参评率",
            "weight" => "权重",
            "voters" => "人数",
            "name" => "名称",
            "value" => "分值",
            _ => return None,
        })
    }
    let path_words = |path: &str| -> Option<String> {
        let mut out = Vec::new();
        for segment in path.split('.') {
            let (name, index) = match segment.split_once('[') {
                Some((name, rest)) => (name, rest.strip_suffix(']')?.parse::<usize>().ok()),
                None => (segment, None),
            };
            let mut part = word(name)?.to_string();
            if let Some(i) = index {
                // Classes and grades are lines of their boxes; candidates are ticked in order.
                let unit = if name == "candidates" { "个" } else { "行" };
                part.push_str(&format!("第{}{unit}", i + 1));
            }
            out.push(part);
        }
        Some(out.join("的"))
    };
    message
        .lines()
        .map(|line| match line.split_once('：') {
            Some((path, rest)) => match path_words(path) {
                Some(words) => format!("{words}：{rest}"),
                None => line.to_string(),
            },
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(fields): Form<Fields>,
) -> PageResult<Response> {
    let result = match campaign_input(&fields) {
        Ok(input) => state
            .app
            .create_campaign(&user.actor, id, input)
            .await
            .map_err(|e| match e {
                AppError::Invalid(m) => AppError::Invalid(form_words(&m)),
                other => other,
            }),
        Err(m) => Err(AppError::Invalid(m)),
    };
    match result {
        Ok(campaign) => Ok(back(&format!("/ballots/{campaign}"), "msg", "已新建评议")),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            // The form again, as typed, with every problem.
            let markup = page(
                &state,
                &user,
                id,
                &fields,
                Flash {
                    msg: None,
                    err: Some(e.user_message()),
                },
            )
            .await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, markup).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::form_words;

    #[test]
    fn field_paths_read_as_the_form_names_its_boxes() {
        assert_eq!(
            form_words("classes[1].weight：“abc”不是数字\ncandidates[0]：“X99”不是本考评期的被考核单位\nquorum：须是大于0的小数\n评议结果不能记入台账"),
            "评议人类别第2行的权重：“abc”不是数字\n候选人第1个：“X99”不是本考评期的被考核单位\n参评率：须是大于0的小数\n评议结果不能记入台账"
        );
        assert_eq!(
            form_words("scale.grades[2].name：等次“优秀”重复"),
            "评议方式的等次第3行的名称：等次“优秀”重复"
        );
        // Not a path: left alone.
        assert_eq!(form_words("J02：8.1已有记录#3"), "J02：8.1已有记录#3");
    }
}
