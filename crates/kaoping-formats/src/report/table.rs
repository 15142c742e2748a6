//! Text tables for the terminal, aligned by display width so Chinese columns line up.

use std::io::{self, Write};

use kaoping_core::rubric::{Rubric, RuleKind};
use kaoping_core::score::UnitResult;
use kaoping_core::units::Units;
use unicode_width::UnicodeWidthStr;

use super::{incomplete_codes, points, ranked};

/// Right-aligned columns are numbers.
struct Table {
    header: Vec<String>,
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(columns: &[(&str, bool)]) -> Table {
        Table {
            header: columns.iter().map(|(h, _)| h.to_string()).collect(),
            right: columns.iter().map(|(_, r)| *r).collect(),
            rows: Vec::new(),
        }
    }

    fn write(&self, out: &mut impl Write) -> io::Result<()> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.width()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.width());
            }
        }
        let line = |out: &mut dyn Write, cells: &[String]| -> io::Result<()> {
            let mut text = String::new();
            for (i, cell) in cells.iter().enumerate() {
                let pad = " ".repeat(widths[i].saturating_sub(cell.width()));
                if i > 0 {
                    text.push_str("  ");
                }
                if self.right[i] {
                    text.push_str(&pad);
                    text.push_str(cell);
                } else {
                    text.push_str(cell);
                    if i + 1 < cells.len() {
                        text.push_str(&pad);
                    }
                }
            }
            writeln!(out, "{}", text.trim_end())
        };
        line(out, &self.header)?;
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        line(out, &rule)?;
        for row in &self.rows {
            line(out, row)?;
        }
        Ok(())
    }
}

/// The summary and ranking (汇总表): one line per unit in ranking order, then the items still missing.
///
/// # Errors
/// Writing failed.
pub fn write_table<W: Write>(
    mut out: W,
    rubric: &Rubric,
    units: &Units,
    results: &[UnitResult],
) -> io::Result<()> {
    writeln!(out, "{}", rubric.title())?;
    let grouped = units.units().iter().any(|u| u.ranking_group.is_some());
    let mut columns = vec![("排名", true), ("单位", false), ("名称", false)];
    if grouped {
        columns.push(("分组", false));
    }
    let multi_round = rubric.rounds().len() > 1;
    let round_names: Vec<String> = rubric
        .rounds()
        .iter()
        .map(|r| {
            format!(
                "{}({}%)",
                r.name,
                points(r.weight * kaoping_core::Decimal::ONE_HUNDRED)
            )
        })
        .collect();
    if multi_round {
        columns.extend(round_names.iter().map(|n| (n.as_str(), true)));
    }
    columns.extend([
        ("总分", true),
        ("加分", true),
        ("最终得分", true),
        ("是否合格", false),
        ("等次", false),
        ("备注", false),
    ]);
    let mut table = Table::new(&columns);
    for r in ranked(units, results) {
        let unit = units.unit(r.unit);
        let mut row = vec![r.rank.to_string(), unit.code.clone(), unit.name.clone()];
        if grouped {
            row.push(unit.ranking_group.clone().unwrap_or_default());
        }
        if multi_round {
            row.extend(r.rounds.iter().map(|rs| points(rs.total)));
        }
        row.push(points(r.total));
        row.push(points(r.bonus));
        row.push(points(r.final_score));
        row.push(match r.pass {
            Some(true) => "合格".into(),
            Some(false) => "不合格".into(),
            None => String::new(),
        });
        row.push(
            r.grade
                .map_or(String::new(), |g| rubric.grades()[g].name.clone()),
        );
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
        row.push(notes.join("；"));
        table.rows.push(row);
    }
    table.write(&mut out)
}

fn rule_terms(kind: &RuleKind) -> String {
    match kind {
        RuleKind::Fixed { amount } => format!("扣{}分", points(*amount)),
        RuleKind::PerOccurrence { amount, max_count } => match max_count {
            Some(m) => format!("每次扣{}分，最多计{m}次", points(*amount)),
            None => format!("每次扣{}分", points(*amount)),
        },
        RuleKind::Zero => "不得分".into(),
        RuleKind::RangeDeduction { min, max } => {
            format!("酌情扣{}～{}分", points(*min), points(*max))
        }
        RuleKind::Earned { amount, max_count } => match max_count {
            Some(1) => format!("达到得{}分", points(*amount)),
            Some(m) => format!("每达到一项得{}分，最多计{m}项", points(*amount)),
            None => format!("每达到一项得{}分", points(*amount)),
        },
        RuleKind::Graded { levels } => levels
            .iter()
            .map(|l| format!("{}得{}分", l.name, points(l.points)))
            .collect::<Vec<_>>()
            .join("，"),
        RuleKind::Progressive { first, step, cap } => {
            let base = format!(
                "首次扣{}分，每次累进加扣{}分",
                points(*first),
                points(*step)
            );
            match cap {
                Some(c) => format!("{base}，最多扣{}分", points(*c)),
                None => base,
            }
        }
        RuleKind::Rate {
            threshold,
            per_point,
            ..
        } => {
            format!(
                "{}%以上满分，每低一个百分点扣{}分",
                points(*threshold),
                points(*per_point)
            )
        }
        RuleKind::Conversion {
            scale_min,
            scale_max,
            ..
        } => {
            format!("{}～{}分折合", points(*scale_min), points(*scale_max))
        }
        RuleKind::Discretionary => "酌情评分（须写理由）".into(),
        RuleKind::Frequency { expected, amount } => {
            format!("应开展{expected}次，每缺一次扣{}分", points(*amount))
        }
        RuleKind::Deadline { penalty } => match penalty {
            Some(p) => format!("逾期每次扣{}分", points(*p)),
            None => "逾期不得分".into(),
        },
    }
}

/// The rubric as a table: sections, items and rules with their codes, points and terms.
///
/// # Errors
/// Writing failed.
pub fn write_rubric_table<W: Write>(mut out: W, rubric: &Rubric) -> io::Result<()> {
    writeln!(out, "{}", rubric.title())?;
    let mut facts = vec![format!("总分{}分", points(rubric.total()))];
    if let Some(p) = rubric.pass_mark() {
        facts.push(format!("合格线{}分", points(p)));
    }
    if rubric.rounds().len() > 1 {
        let rounds: Vec<String> = rubric
            .rounds()
            .iter()
            .map(|r| {
                format!(
                    "{}{}%",
                    r.name,
                    points(r.weight * kaoping_core::Decimal::ONE_HUNDRED)
                )
            })
            .collect();
        facts.push(format!("轮次：{}", rounds.join("，")));
    }
    writeln!(out, "{}", facts.join("；"))?;
    let mut table = Table::new(&[
        ("编号", false),
        ("名称", false),
        ("分值", true),
        ("类型", false),
        ("规则", false),
        ("责任部门", false),
    ]);
    for (si, section) in rubric.sections().iter().enumerate() {
        let pool = if section.pool { "（共享）" } else { "" };
        let items = rubric.section_items(si);
        let flat = items.len() == 1 && items[0].code == section.code;
        if !flat {
            table.rows.push(vec![
                section.code.clone(),
                format!("{}{pool}", section.title),
                points(section.points),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
        for item in items {
            table.rows.push(vec![
                item.code.clone(),
                format!("  {}", item.title),
                if section.pool {
                    String::new()
                } else {
                    points(item.max)
                },
                String::new(),
                String::new(),
                item.department.clone().unwrap_or_default(),
            ]);
            for rule in &rubric.rules()[item.rules.clone()] {
                table.rows.push(vec![
                    rule.code.clone(),
                    format!("    {}", truncate(&rule.text, 24)),
                    String::new(),
                    rule.kind.label().into(),
                    rule_terms(&rule.kind),
                    String::new(),
                ]);
            }
        }
    }
    for rule in &rubric.bonus().rules {
        let terms = match &rule.amount {
            Some(a) => format!("加{}分", points(*a)),
            None => rule
                .levels
                .iter()
                .map(|l| format!("{}加{}分", l.name, points(l.points)))
                .collect::<Vec<_>>()
                .join("，"),
        };
        table.rows.push(vec![
            rule.code.clone(),
            rule.title.clone(),
            String::new(),
            "奖励加分".into(),
            terms,
            String::new(),
        ]);
    }
    for veto in rubric.vetoes() {
        table.rows.push(vec![
            veto.code.clone(),
            veto.title.clone(),
            String::new(),
            "一票否决".into(),
            String::new(),
            String::new(),
        ]);
    }
    table.write(&mut out)?;
    let bonus = rubric.bonus();
    if !bonus.rules.is_empty() {
        let mut terms = Vec::new();
        if let Some(t) = bonus.threshold {
            terms.push(format!("总分{}分以上方可加分", points(t)));
        }
        if let Some(c) = bonus.cap {
            terms.push(format!("年度加分最高{}分", points(c)));
        }
        if !terms.is_empty() {
            writeln!(out, "加分：{}", terms.join("，"))?;
        }
    }
    Ok(())
}

fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let mut t: String = text.chars().take(max_chars).collect();
        t.push('…');
        t
    }
}
