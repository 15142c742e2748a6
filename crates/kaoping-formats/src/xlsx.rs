//! Excel workbooks people pass around: the rubric in its original five-column layout (so export → import
//! gives the same rubric), a unit's score sheet (考评表), the summary and ranking (汇总表) and a findings
//! ledger. Real spreadsheets: merged section cells, column widths, a frozen header row, numbers as
//! numbers, A4 print setup; Chinese text is plain Unicode, which Excel and WPS open as is.

use kaoping_core::rubric::Rubric;
use kaoping_core::score::{Effect, Subject, UnitResult};
use kaoping_core::units::Units;
use kaoping_core::Decimal;
pub use rust_xlsxwriter::XlsxError;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet};

use crate::report::{incomplete_codes, points, ranked};

/// Excel stores numbers as doubles; scores have a few decimal places, which a double holds exactly enough
/// for display, and the cell format shows them as written.
fn number(d: Decimal) -> f64 {
    points(d).parse().unwrap_or(0.0)
}

struct Styles {
    title: Format,
    header: Format,
    text: Format,
    num: Format,
    bold_num: Format,
}

fn styles() -> Styles {
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter);
    Styles {
        title: Format::new()
            .set_bold()
            .set_font_size(14)
            .set_align(FormatAlign::Center),
        header: cell
            .clone()
            .set_bold()
            .set_background_color("#F2F2F2")
            .set_align(FormatAlign::Center)
            .set_text_wrap(),
        text: cell.clone().set_text_wrap(),
        num: cell
            .clone()
            .set_num_format("0.##")
            .set_align(FormatAlign::Right),
        bold_num: cell
            .set_num_format("0.##")
            .set_bold()
            .set_align(FormatAlign::Right),
    }
}

fn setup(
    sheet: &mut Worksheet,
    name: &str,
    widths: &[f64],
    header_row: u32,
) -> Result<(), XlsxError> {
    sheet.set_name(name)?;
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, *w)?;
    }
    sheet.set_freeze_panes(header_row + 1, 0)?;
    sheet.set_paper_size(9); // A4
    sheet.set_repeat_rows(header_row, header_row)?;
    sheet.set_print_fit_to_pages(1, 0);
    Ok(())
}

fn headers(sheet: &mut Worksheet, row: u32, names: &[&str], s: &Styles) -> Result<(), XlsxError> {
    for (c, h) in names.iter().enumerate() {
        sheet.write_string_with_format(row, c as u16, *h, &s.header)?;
    }
    Ok(())
}

/// Writes `value` down rows `first..=last` of column `col`, merged when it spans several rows.
fn merged(
    sheet: &mut Worksheet,
    first: u32,
    last: u32,
    col: u16,
    value: &str,
    f: &Format,
) -> Result<(), XlsxError> {
    if last > first {
        sheet.merge_range(first, col, last, col, value, f)?;
    } else {
        sheet.write_string_with_format(first, col, value, f)?;
    }
    Ok(())
}

/// The rubric as its original table: 栏目 · 分值 · 考核内容 · 评分标准 · 考核办法 · 责任部门. Item points are
/// written `（5分）` after the content as in the seed, so importing this file gives the same rubric.
///
/// # Errors
/// The workbook could not be built.
pub fn rubric_xlsx(rubric: &Rubric) -> Result<Vec<u8>, XlsxError> {
    let s = styles();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    setup(
        sheet,
        "考评细则",
        &[14.0, 8.0, 40.0, 50.0, 30.0, 10.0, 50.0],
        1,
    )?;
    sheet.merge_range(0, 0, 0, 6, rubric.title(), &s.title)?;
    headers(
        sheet,
        1,
        &[
            "栏目",
            "分值",
            "考核内容",
            "评分标准",
            "考核办法",
            "责任部门",
            "计分规则",
        ],
        &s,
    )?;
    let mut row = 2u32;
    for (si, section) in rubric.sections().iter().enumerate() {
        let items = rubric.section_items(si);
        let flat = items.len() == 1 && items[0].code == section.code;
        let last = row + items.len() as u32 - 1;
        merged(sheet, row, last, 0, &section.title, &s.text)?;
        if last > row {
            sheet.merge_range(row, 1, last, 1, "", &s.num)?;
        }
        sheet.write_number_with_format(row, 1, number(section.points), &s.num)?;
        for (k, item) in items.iter().enumerate() {
            let r = row + k as u32;
            let content = if section.pool || flat {
                item.content.clone()
            } else {
                format!("{}（{}分）", item.content, points(item.max))
            };
            sheet.write_string_with_format(r, 2, &content, &s.text)?;
            sheet.write_string_with_format(r, 3, &item.criteria, &s.text)?;
            sheet.write_string_with_format(r, 4, &item.method, &s.text)?;
            sheet.write_string_with_format(
                r,
                5,
                item.department.as_deref().unwrap_or(""),
                &s.text,
            )?;
            let lines: Vec<String> = rubric
                .item_rules(section.items.start + k)
                .iter()
                .map(|x| rule_line(x, item.inherit))
                .collect();
            sheet.write_string_with_format(r, 6, lines.join("\n"), &s.text)?;
        }
        row = last + 1;
    }
    let bonus = rubric.bonus();
    if !bonus.rules.is_empty() {
        let text: Vec<&str> = bonus
            .rules
            .iter()
            .map(|b| {
                if b.text.is_empty() {
                    b.title.as_str()
                } else {
                    b.text.as_str()
                }
            })
            .collect();
        sheet.write_string_with_format(row, 0, "增分因素", &s.text)?;
        sheet.write_string_with_format(row, 1, "", &s.text)?;
        sheet.write_string_with_format(row, 2, "奖励加分", &s.text)?;
        sheet.write_string_with_format(row, 3, text.join(";"), &s.text)?;
        sheet.write_string_with_format(row, 4, "", &s.text)?;
        sheet.write_string_with_format(row, 5, "", &s.text)?;
        row += 1;
    }
    sheet.write_string_with_format(row, 0, "总分", &s.header)?;
    sheet.write_number_with_format(row, 1, number(rubric.total()), &s.bold_num)?;
    let settings = book.add_worksheet();
    settings.set_name("考评设置")?;
    settings.set_column_width(0, 16.0)?;
    settings.set_column_width(1, 80.0)?;
    settings.write_string_with_format(0, 0, "设置", &s.header)?;
    settings.write_string_with_format(0, 1, "值", &s.header)?;
    for (i, (key, value)) in settings_rows(rubric).iter().enumerate() {
        settings.write_string(1 + i as u32, 0, key)?;
        settings.write_string(1 + i as u32, 1, value)?;
    }
    book.save_to_buffer()
}

/// The summary and ranking (汇总表): one row per unit in ranking order.
///
/// # Errors
/// The workbook could not be built.
pub fn summary_xlsx(
    title: &str,
    rubric: &Rubric,
    units: &Units,
    results: &[UnitResult],
) -> Result<Vec<u8>, XlsxError> {
    let s = styles();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let rounds: Vec<String> = if rubric.rounds().len() > 1 {
        rubric
            .rounds()
            .iter()
            .map(|r| format!("{}（{}%）", r.name, points(r.weight * Decimal::ONE_HUNDRED)))
            .collect()
    } else {
        Vec::new()
    };
    let mut names: Vec<&str> = vec!["排名", "单位编号", "单位名称", "分组"];
    names.extend(rounds.iter().map(String::as_str));
    names.extend(["总分", "加分", "最终得分", "是否合格", "等次", "备注"]);
    let mut widths = vec![6.0, 10.0, 22.0, 10.0];
    widths.extend(rounds.iter().map(|_| 12.0));
    widths.extend([8.0, 8.0, 10.0, 9.0, 8.0, 24.0]);
    setup(sheet, "汇总表", &widths, 1)?;
    sheet.merge_range(0, 0, 0, names.len() as u16 - 1, title, &s.title)?;
    headers(sheet, 1, &names, &s)?;
    for (i, r) in ranked(units, results).into_iter().enumerate() {
        let row = 2 + i as u32;
        let unit = units.unit(r.unit);
        let mut c = 0u16;
        let mut next = || {
            c += 1;
            c - 1
        };
        sheet.write_number_with_format(row, next(), r.rank as f64, &s.num)?;
        sheet.write_string_with_format(row, next(), &unit.code, &s.text)?;
        sheet.write_string_with_format(row, next(), &unit.name, &s.text)?;
        sheet.write_string_with_format(
            row,
            next(),
            unit.ranking_group.as_deref().unwrap_or(""),
            &s.text,
        )?;
        if !rounds.is_empty() {
            for rs in &r.rounds {
                sheet.write_number_with_format(row, next(), number(rs.total), &s.num)?;
            }
        }
        sheet.write_number_with_format(row, next(), number(r.total), &s.num)?;
        sheet.write_number_with_format(row, next(), number(r.bonus), &s.num)?;
        sheet.write_number_with_format(row, next(), number(r.final_score), &s.bold_num)?;
        let pass = match r.pass {
            Some(true) => "合格",
            Some(false) => "不合格",
            None => "",
        };
        sheet.write_string_with_format(row, next(), pass, &s.text)?;
        sheet.write_string_with_format(
            row,
            next(),
            r.grade.map_or("", |g| rubric.grades()[g].name.as_str()),
            &s.text,
        )?;
        let mut notes = Vec::new();
        if r.is_incomplete() {
            notes.push(format!(
                "未评完：{}",
                incomplete_codes(rubric, r).join("、")
            ));
        }
        for v in &r.vetoes {
            notes.push(format!("一票否决：{}", rubric.vetoes()[v.veto].title));
        }
        sheet.write_string_with_format(row, next(), notes.join("；"), &s.text)?;
    }
    book.save_to_buffer()
}

/// One unit's score sheet (考评表): the rubric's rows with the findings and deductions of each item, the
/// item's score, and the totals. `describe` renders a finding's origin (a CSV line, a ledger entry).
///
/// # Errors
/// The workbook could not be built.
pub fn sheet_xlsx(
    title: &str,
    rubric: &Rubric,
    units: &Units,
    result: &UnitResult,
    describe: &dyn Fn(&kaoping_core::finding::Finding) -> String,
) -> Result<Vec<u8>, XlsxError> {
    let s = styles();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    setup(sheet, "考评表", &[14.0, 7.0, 34.0, 40.0, 44.0, 8.0], 1)?;
    let unit = units.unit(result.unit);
    sheet.merge_range(0, 0, 0, 5, &format!("{title}　{}", unit.name), &s.title)?;
    headers(
        sheet,
        1,
        &[
            "栏目",
            "分值",
            "考核内容",
            "评分标准",
            "考核发现与扣分",
            "得分",
        ],
        &s,
    )?;
    let mut row = 2u32;
    for (si, section) in rubric.sections().iter().enumerate() {
        let first = row;
        for item_id in section.items.clone() {
            let item = &rubric.items()[item_id];
            let findings: Vec<String> = result
                .trace
                .iter()
                .filter(
                    |e| matches!(e.subject, Subject::Rule(r) if rubric.rules()[r].item == item_id),
                )
                .map(|e| {
                    let Subject::Rule(r) = e.subject else {
                        unreachable!()
                    };
                    let effect = match &e.effect {
                        Effect::Deduct { applied, .. } => format!("扣{}分", points(*applied)),
                        Effect::SetScore(v) => format!("得{}分", points(*v)),
                        Effect::Earn { applied, .. } => format!("达标得{}分", points(*applied)),
                        Effect::Zero => "不得分".into(),
                        Effect::Missing => "未评分".into(),
                        Effect::OnTime => "按时".into(),
                        _ => String::new(),
                    };
                    let sources: Vec<String> = e.findings.iter().map(describe).collect();
                    let caps: Vec<String> = e.caps.iter().map(ToString::to_string).collect();
                    let mut line = format!("{} {}", rubric.rules()[r].code, effect);
                    if !caps.is_empty() {
                        line.push_str(&format!("（{}）", caps.join("；")));
                    }
                    if !sources.is_empty() {
                        line.push_str(&format!("：{}", sources.join("；")));
                    }
                    line
                })
                .collect();
            let score = &result.items[item_id];
            sheet.write_string_with_format(row, 2, &item.content, &s.text)?;
            sheet.write_string_with_format(row, 3, &item.criteria, &s.text)?;
            sheet.write_string_with_format(row, 4, findings.join("\n"), &s.text)?;
            // An item of a pool section (共享分值) has no points of its own: its cell says what it
            // deducted from the section, in words, so no one reads "-18" or "0" as its score.
            match score.score {
                Some(v) => sheet.write_number_with_format(row, 5, number(v), &s.num)?,
                None if score.deducted.is_zero() => {
                    sheet.write_string_with_format(row, 5, "未扣分", &s.text)?
                }
                None => sheet.write_string_with_format(
                    row,
                    5,
                    format!("扣{}分", points(score.deducted)),
                    &s.text,
                )?,
            };
            row += 1;
        }
        merged(
            sheet,
            first,
            row - 1,
            0,
            &format!("{}（得{}分）", section.title, points(result.sections[si])),
            &s.text,
        )?;
        if row - 1 > first {
            sheet.merge_range(first, 1, row - 1, 1, "", &s.num)?;
        }
        sheet.write_number_with_format(first, 1, number(section.points), &s.num)?;
    }
    for (label, value) in [
        ("总分", result.total),
        ("加分", result.bonus),
        ("最终得分", result.final_score),
    ] {
        sheet.write_string_with_format(row, 4, label, &s.header)?;
        sheet.write_number_with_format(row, 5, number(value), &s.bold_num)?;
        row += 1;
    }
    book.save_to_buffer()
}

/// One row of a findings ledger as exported.
pub struct LedgerRow {
    pub id: String,
    pub kind: String,
    pub unit: String,
    pub code: String,
    pub round: String,
    pub count: Option<i64>,
    pub level: String,
    pub points: Option<Decimal>,
    pub note: String,
    pub recorded_by: String,
    pub recorded_at: String,
    pub reason: String,
    pub active: bool,
}

/// A findings ledger: every entry, in order, with who, when and why, and whether it is still in force.
///
/// # Errors
/// The workbook could not be built.
pub fn ledger_xlsx(title: &str, rows: &[LedgerRow]) -> Result<Vec<u8>, XlsxError> {
    let s = styles();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let names = [
        "编号",
        "类型",
        "单位",
        "规则编号",
        "轮次",
        "次数",
        "等级",
        "分值",
        "说明",
        "录入人",
        "时间",
        "原因",
        "状态",
    ];
    setup(
        sheet,
        "考核记录",
        &[
            7.0, 8.0, 10.0, 9.0, 10.0, 6.0, 8.0, 7.0, 40.0, 12.0, 18.0, 20.0, 8.0,
        ],
        1,
    )?;
    sheet.merge_range(0, 0, 0, names.len() as u16 - 1, title, &s.title)?;
    headers(sheet, 1, &names, &s)?;
    for (i, r) in rows.iter().enumerate() {
        let row = 2 + i as u32;
        let texts = [&r.id, &r.kind, &r.unit, &r.code, &r.round];
        for (c, t) in texts.iter().enumerate() {
            sheet.write_string_with_format(row, c as u16, *t, &s.text)?;
        }
        match r.count {
            Some(n) => sheet.write_number_with_format(row, 5, n as f64, &s.num)?,
            None => sheet.write_string_with_format(row, 5, "", &s.text)?,
        };
        sheet.write_string_with_format(row, 6, &r.level, &s.text)?;
        match r.points {
            Some(p) => sheet.write_number_with_format(row, 7, number(p), &s.num)?,
            None => sheet.write_string_with_format(row, 7, "", &s.text)?,
        };
        for (c, t) in [
            (8u16, &r.note),
            (9, &r.recorded_by),
            (10, &r.recorded_at),
            (11, &r.reason),
        ] {
            sheet.write_string_with_format(row, c, t, &s.text)?;
        }
        sheet.write_string_with_format(
            row,
            12,
            if r.active { "有效" } else { "已替代" },
            &s.text,
        )?;
    }
    sheet.autofilter(1, 0, 1 + rows.len() as u32, names.len() as u16 - 1)?;
    book.save_to_buffer()
}

/// A rule as one line of the exported 计分规则 column: `code｜kind｜parameters｜who｜text`. The human
/// columns keep the original wording; this column carries what the wording leaves unsaid (a maximum
/// count, a level's points), so an exported rubric imports back exactly.
pub fn rule_line(rule: &kaoping_core::rubric::Rule, inherit: bool) -> String {
    use kaoping_core::rubric::{AppliesTo, RuleKind};
    let params = match &rule.kind {
        RuleKind::Fixed { amount } => format!("amount={}", points(*amount)),
        RuleKind::PerOccurrence { amount, max_count } | RuleKind::Earned { amount, max_count } => {
            match max_count {
                Some(m) => format!("amount={};max_count={m}", points(*amount)),
                None => format!("amount={}", points(*amount)),
            }
        }
        RuleKind::Zero | RuleKind::Discretionary => String::new(),
        RuleKind::RangeDeduction { min, max } => {
            format!("min={};max={}", points(*min), points(*max))
        }
        RuleKind::Graded { levels } => format!("levels={}", level_list(levels)),
        RuleKind::Progressive { first, step, cap } => {
            let mut p = format!("first={};step={}", points(*first), points(*step));
            if let Some(c) = cap {
                p.push_str(&format!(";cap={}", points(*c)));
            }
            p
        }
        RuleKind::Rate {
            threshold,
            per_point,
            rounding,
        } => format!(
            "threshold={};per_point={};rounding={}",
            points(*threshold),
            points(*per_point),
            match rounding {
                kaoping_core::rubric::RateRounding::Exact => "exact",
                kaoping_core::rubric::RateRounding::Down => "down",
                kaoping_core::rubric::RateRounding::Up => "up",
            }
        ),
        RuleKind::Conversion {
            scale_min,
            scale_max,
            decimals,
            expected,
        } => {
            let mut p = format!(
                "scale_min={};scale_max={};decimals={decimals}",
                points(*scale_min),
                points(*scale_max)
            );
            if let Some(e) = expected {
                p.push_str(&format!(";expected={e}"));
            }
            p
        }
        RuleKind::Frequency { expected, amount } => {
            format!("expected={expected};amount={}", points(*amount))
        }
        RuleKind::Deadline { penalty } => {
            penalty.map_or(String::new(), |p| format!("amount={}", points(p)))
        }
    };
    let who = match (inherit, rule.applies_to) {
        (true, _) => "inherit",
        (false, AppliesTo::Group) => "group",
        // A rule that says nothing is a unit's: empty, as the rubric file leaves it.
        (false, AppliesTo::Unit) => "",
        (false, AppliesTo::Any) => "any",
    };
    format!(
        "{}｜{}｜{params}｜{who}｜{}",
        rule.code,
        rule.kind.name(),
        rule.text.replace('\n', " ")
    )
}

fn level_list(levels: &[kaoping_core::rubric::Level]) -> String {
    levels
        .iter()
        .map(|l| format!("{}:{}", l.name, points(l.points)))
        .collect::<Vec<_>>()
        .join(",")
}

/// The rubric's settings as rows of the 考评设置 sheet: what the table itself cannot hold.
pub fn settings_rows(rubric: &Rubric) -> Vec<(String, String)> {
    use kaoping_core::rubric::{BonusCombine, MatterScope, VetoEffect};
    let mut rows = vec![
        ("title".to_string(), rubric.title().to_string()),
        ("total".into(), points(rubric.total())),
    ];
    if let Some(i) = rubric.issuer() {
        rows.push(("issuer".into(), i.to_string()));
    }
    if let Some(i) = rubric.issued() {
        rows.push(("issued".into(), i.to_string()));
    }
    if let Some(p) = rubric.pass_mark() {
        rows.push(("pass_mark".into(), points(p)));
    }
    if let Some(d) = rubric.total_decimals() {
        rows.push(("decimals".into(), d.to_string()));
    }
    if rubric.rounds().len() > 1 {
        for r in rubric.rounds() {
            rows.push((
                "round".into(),
                format!("{}｜{}｜{}", r.name, r.code, points(r.weight)),
            ));
        }
    }
    for g in rubric.grades() {
        rows.push(("grade".into(), format!("{}｜{}", g.name, points(g.min))));
    }
    let bonus = rubric.bonus();
    if let Some(c) = bonus.cap {
        rows.push(("bonus_cap".into(), points(c)));
    }
    if let Some(t) = bonus.threshold {
        rows.push(("bonus_threshold".into(), points(t)));
    }
    if bonus.matter_scope == MatterScope::PerRule {
        rows.push(("bonus_matter_scope".into(), "rule".into()));
    }
    if bonus.matter_optional {
        rows.push(("bonus_matter_required".into(), "false".into()));
    }
    for b in &bonus.rules {
        let combine = match b.combine {
            BonusCombine::HighestPerMatter => "highest",
            BonusCombine::Sum => "sum",
        };
        let value = match b.amount {
            Some(a) => format!("amount={}", points(a)),
            None => format!("levels={}", level_list(&b.levels)),
        };
        rows.push((
            "bonus".into(),
            format!("{}｜{combine}｜{value}｜{}｜{}", b.code, b.title, b.text),
        ));
    }
    for v in rubric.vetoes() {
        let effect = match v.effect {
            VetoEffect::Fail => "fail".to_string(),
            VetoEffect::MaxGrade(g) => format!("max_grade={}", rubric.grades()[g].name),
        };
        rows.push((
            "veto".into(),
            format!("{}｜{effect}｜{}｜{}", v.code, v.title, v.text),
        ));
    }
    rows
}

/// A cell of a plain table.
#[derive(Debug, Clone, PartialEq)]
pub enum TableCell {
    Text(String),
    Points(Decimal),
    Count(i64),
}

/// A sheet of a plain table: its name, title row, headers, rows and column widths.
#[derive(Debug, Clone)]
pub struct Table {
    pub sheet: String,
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<TableCell>>,
    pub widths: Vec<f64>,
}

/// Plain tables, a sheet each (a ballot campaign's tally and participation).
pub fn tables_xlsx(tables: &[Table]) -> Result<Vec<u8>, XlsxError> {
    let s = styles();
    let mut book = Workbook::new();
    for t in tables {
        let sheet = book.add_worksheet();
        setup(sheet, &t.sheet, &t.widths, 1)?;
        let last = t.headers.len().max(1) as u16 - 1;
        if last > 0 {
            sheet.merge_range(0, 0, 0, last, &t.title, &s.title)?;
        } else {
            sheet.write_string_with_format(0, 0, &t.title, &s.title)?;
        }
        let names: Vec<&str> = t.headers.iter().map(String::as_str).collect();
        headers(sheet, 1, &names, &s)?;
        for (i, row) in t.rows.iter().enumerate() {
            let r = 2 + i as u32;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    TableCell::Text(text) => sheet.write_string_with_format(r, c, text, &s.text)?,
                    TableCell::Points(p) => {
                        sheet.write_number_with_format(r, c, number(*p), &s.num)?
                    }
                    TableCell::Count(n) => {
                        sheet.write_number_with_format(r, c, *n as f64, &s.num)?
                    }
                };
            }
        }
    }
    book.save_to_buffer()
}
