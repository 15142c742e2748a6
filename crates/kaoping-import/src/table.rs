//! A rubric table (栏目 · 分值 · 考核内容 · 评分标准 · 考核办法, in any column order, headers by name) to a
//! [`RubricSpec`]: sections from the 栏目 column (merged cells repeat their value), points written as
//! `20分` in their own column or `(5分)` inside the text, every item's criteria parsed into rules.

use std::fmt;
use std::ops::Range;
use std::sync::LazyLock;

use kaoping_core::rubric::{BonusSpec, ItemSpec, RubricSpec, SectionSpec};
use kaoping_core::Decimal;
use regex::Regex;

use crate::criteria::{parse_criteria, Confirm};
use crate::header::{find_header, Col, HeaderError};
use crate::meaning;
use crate::numbers::{ascii_digits, number, NUM};

/// A table as read from a file: rows of cells, merged cells already repeated into every cell they cover.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub rows: Vec<Vec<String>>,
    /// Merged regions that span several header columns, as (row, first column, last column), 0-based.
    pub merged_across: Vec<(usize, usize, usize)>,
}

/// Whether a 栏目 holds the bonus rules (增分因素, 奖励加分), not scored items.
pub fn is_bonus_section(title: &str) -> bool {
    ["加分", "增分", "奖励"].iter().any(|w| title.contains(w))
}

/// No real rubric has more rows than this; a larger table is some other file.
pub const MAX_ROWS: usize = 2000;

/// Why a table could not be read as a rubric; `row` is 1-based as users count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableError {
    NoHeader,
    MergedHeader {
        row: usize,
        first: usize,
        last: usize,
    },
    BadPoints {
        row: usize,
        column: String,
        text: String,
    },
    TooManyRows(usize),
    BadRuleLine {
        row: usize,
        line: String,
        reason: String,
    },
    Empty,
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableError::NoHeader => write!(
                f,
                "找不到表头：前{}行中没有一行同时有评分标准列（评分标准、计分办法、扣分标准、考核细则等）和考核内容或考核项目列，也没有哪一列三分之一以上的单元格写着“扣N分”“得N分”",
                crate::header::HEADER_SEARCH_ROWS
            ),
            TableError::MergedHeader { row, first, last } => write!(
                f,
                "第{row}行表头的合并单元格跨越了第{}～{}列，无法判断各列含义；请拆分该单元格",
                first + 1,
                last + 1
            ),
            TableError::BadPoints { row, column, text } => {
                write!(f, "第{row}行“{column}”列的“{text}”不是分值，应写成“20分”或“20”")
            }
            TableError::BadRuleLine { row, line, reason } => {
                write!(f, "第{row}行“计分规则”列的“{line}”无法读取：{reason}")
            }
            TableError::TooManyRows(n) => write!(f, "表格有{n}行，超过考评细则的上限{MAX_ROWS}行；请确认上传的是考评细则而不是考核记录"),
            TableError::Empty => write!(f, "表头下没有任何评分项"),
        }
    }
}

impl std::error::Error for TableError {}

/// One rule as read, beside the phrase it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadRule {
    pub phrase: String,
    /// What the rule does, in words (`按次扣分：每次扣1分`).
    pub meaning: String,
}

/// One item as imported, with what its criteria became and what to confirm.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedItem {
    /// 1-based table row.
    pub row: usize,
    pub section: String,
    pub content: String,
    pub rules: usize,
    /// Each rule (and bonus rule and veto) read, with its phrase.
    pub read: Vec<ReadRule>,
    /// Phrases read with a question, and phrases not understood ([`Confirm::not_understood`]).
    pub confirm: Vec<Confirm>,
    /// The item the row became: its section and its place in the section (`None` for a row of bonus
    /// rules).
    pub item: Option<(usize, usize)>,
    /// The bonus rules (`spec.bonus.rules`) and vetoes (`spec.vetoes`) the row's criteria made.
    pub bonus: Range<usize>,
    pub vetoes: Range<usize>,
}

/// The uploaded table's own names of the columns a rubric is read from, so a review can say where in
/// the table a value came from (第5行“评分标准”列).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Columns {
    /// 栏目 (or 考核项目 …); empty when the table has none.
    pub section: String,
    /// 分值 (or 基本分 …); empty when the table has none (points written inside the content).
    pub points: String,
    /// 考核内容; the criteria column's name when the table describes each item in its criteria.
    pub content: String,
    /// 评分标准, 计分办法, 扣分标准 …: where the rules were read from.
    pub criteria: String,
}

/// The rubric and the import report.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub spec: RubricSpec,
    pub items: Vec<ImportedItem>,
    pub columns: Columns,
}

impl Imported {
    /// Everything the author should check, with the row it came from.
    pub fn to_confirm(&self) -> Vec<(usize, &Confirm)> {
        self.items
            .iter()
            .flat_map(|i| i.confirm.iter().map(move |c| (i.row, c)))
            .collect()
    }
}

static INLINE_POINTS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"[（(]\s*({NUM})\s*分\s*[)）]")).expect("valid"));
static POINTS_CELL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^\s*({NUM})\s*分?\s*$")).expect("valid"));
static POINTS_FRAGMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^[^。；;]*[，,]\s*({NUM})\s*分\s*(?:[。；;]|$)")).expect("valid")
});
static BARE_AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^\s*({NUM})\s*分?\s*(/\s*(?:项|次|处|个|例|人))?\s*$"
    ))
    .expect("valid")
});
static TOTAL_ROW: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(总分|合计|总计)").expect("valid"));

fn points_of(text: &str) -> Option<Decimal> {
    POINTS_CELL
        .captures(&ascii_digits(text))
        .and_then(|c| number(&c[1]))
}

/// `(5分)` inside a content cell, and the text without it.
fn inline_points(text: &str) -> (Option<Decimal>, String) {
    let t = ascii_digits(text);
    match INLINE_POINTS.captures(&t) {
        Some(c) => {
            let whole = c.get(0).expect("match");
            let rest = format!("{}{}", &t[..whole.start()], &t[whole.end()..]);
            (number(&c[1]), rest.trim().to_string())
        }
        // `…及时报送会议纪要，1分。不报送的…`: the points alone between commas and a full stop.
        None => match POINTS_FRAGMENT.captures(&t) {
            Some(c) => (number(&c[1]), text.trim().to_string()),
            None => (None, text.trim().to_string()),
        },
    }
}

/// Reads a table as a rubric titled `title`.
///
/// # Errors
/// No header, a merged cell across header columns, a points cell that is not a number, or no items.
pub fn import_table(title: &str, table: &Table) -> Result<Imported, TableError> {
    let header = find_header(&table.rows, &table.merged_across).map_err(|e| match e {
        HeaderError::NoHeader => TableError::NoHeader,
        HeaderError::MergedHeader { row, first, last } => TableError::MergedHeader {
            row: row + 1,
            first,
            last,
        },
    })?;
    let header_row = header.row;
    let rows = table.rows.len() - header_row - 1;
    if rows > MAX_ROWS {
        return Err(TableError::TooManyRows(rows));
    }
    let at = |row: &[String], col: Col| -> String {
        header
            .column(col)
            .and_then(|i| row.get(i))
            .map_or(String::new(), |s| s.trim().to_string())
    };
    // A table without a content column describes each item in its criteria.
    let content_col = if header.column(Col::Content).is_some() {
        Col::Content
    } else {
        Col::Criteria
    };
    let points_name = header.points_name.clone();
    let name_of = |col: Col| {
        header
            .column(col)
            .and_then(|i| table.rows[header_row].get(i))
            .map_or(String::new(), |s| s.trim().to_string())
    };
    let columns = Columns {
        section: name_of(Col::Section),
        points: if header.column(Col::Points).is_some() {
            points_name.clone()
        } else {
            String::new()
        },
        content: name_of(content_col),
        criteria: match name_of(Col::Criteria) {
            c if c.is_empty() => name_of(content_col),
            c => c,
        },
    };
    let mut spec = RubricSpec {
        title: title.to_string(),
        total: Decimal::ONE_HUNDRED,
        ..RubricSpec::default()
    };
    let mut items_report = Vec::new();
    let mut bonus = BonusSpec::default();
    let mut current: Option<(String, Option<Decimal>)> = None;
    for (r, row) in table.rows.iter().enumerate().skip(header_row + 1) {
        let section = at(row, Col::Section);
        let points_text = at(row, Col::Points);
        let (inline, content) = inline_points(&at(row, content_col));
        let criteria = at(row, Col::Criteria);
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // 党建工作（50分）: the section's points in its name, and the name without them.
        let (section_points, section_name) = inline_points(&section);
        let section_title = section_name
            .trim_end_matches(|c: char| c.is_ascii_digit() || c == '分')
            .trim()
            .to_string();
        if TOTAL_ROW.is_match(&section)
            || (content.is_empty() && criteria.is_empty() && TOTAL_ROW.is_match(&points_text))
        {
            if let Some(total) = points_of(&points_text)
                .or_else(|| points_of(section.trim_start_matches(['总', '分', '合', '计'])))
            {
                spec.total = total;
            }
            continue;
        }
        if content.is_empty() && criteria.is_empty() {
            continue;
        }
        // Points in the 分值 column belong to the section when the 栏目 repeats (merged), else to the item.
        let column_points = if points_text.is_empty() {
            None
        } else {
            Some(
                points_of(&points_text).ok_or_else(|| TableError::BadPoints {
                    row: r + 1,
                    column: points_name.clone(),
                    text: points_text.clone(),
                })?,
            )
        };
        // 扣分分值 beside the criteria: the amount is the rule, the criteria say what it is for.
        let amount = at(row, Col::Amount);
        let (criteria, scored, deducts) = if amount.is_empty() {
            (criteria.clone(), criteria, header.deducts)
        } else if criteria.is_empty() {
            (amount.clone(), amount, true)
        } else {
            (format!("{criteria}（{amount}）"), amount, true)
        };
        // A criteria cell that is only an amount (`1`, `0.5/项`) under a 扣分 header: that deduction.
        let mut parsed = match BARE_AMOUNT.captures(&ascii_digits(&scored)) {
            Some(c) if deducts => {
                let mut p = parse_criteria(&format!(
                    "扣{}分{}",
                    &c[1],
                    c.get(2).map_or("", |m| m.as_str())
                ));
                for rule in &mut p.rules {
                    rule.text.clone_from(&scored);
                }
                p
            }
            _ => parse_criteria(&scored),
        };
        let exact = at(row, Col::Rules);
        if !exact.is_empty() {
            // Kaoping's own export says exactly what the rules are; the wording is only shown.
            let (rules, inherit) =
                crate::rule_lines::parse_rule_lines(&exact).map_err(|(line, reason)| {
                    TableError::BadRuleLine {
                        row: r + 1,
                        line,
                        reason,
                    }
                })?;
            parsed.rules = rules;
            parsed.inherit = inherit;
            parsed.confirm.clear();
        }
        let is_bonus =
            is_bonus_section(&section) || (!parsed.bonus.is_empty() && parsed.rules.is_empty());
        if !is_bonus {
            // 加N分 beside an item's deductions: a bonus outside the item's points, said so.
            for b in &parsed.bonus {
                parsed.confirm.push(Confirm {
                    phrase: b.text.clone(),
                    reason: "评分项中的加分：已列入加分项（在总分之外），请确认".into(),
                });
            }
        }
        let read = parsed
            .rules
            .iter()
            .map(|r| (r.text.clone(), meaning::rule_meaning(r)))
            .chain(
                parsed
                    .bonus
                    .iter()
                    .map(|b| (b.text.clone(), meaning::bonus_meaning(b))),
            )
            .chain(
                parsed
                    .vetoes
                    .iter()
                    .map(|v| (v.text.clone(), meaning::veto_meaning(v))),
            )
            .map(|(phrase, meaning)| ReadRule { phrase, meaning })
            .collect();
        let first_bonus = bonus.rules.len();
        let first_veto = spec.vetoes.len();
        items_report.push(ImportedItem {
            row: r + 1,
            section: section_title.clone(),
            content: content.chars().take(24).collect(),
            rules: parsed.rules.len() + parsed.bonus.len(),
            read,
            confirm: parsed.confirm.clone(),
            item: None,
            bonus: first_bonus..first_bonus + parsed.bonus.len(),
            vetoes: first_veto..first_veto,
        });
        bonus.rules.extend(parsed.bonus);
        if is_bonus {
            continue;
        }
        spec.vetoes.extend(parsed.vetoes);
        let report = items_report.last_mut().expect("just pushed");
        report.vetoes = first_veto..spec.vetoes.len();
        let new_section =
            current.as_ref().is_none_or(|(t, _)| *t != section_title) || section_title.is_empty();
        // Points in the section's name are the section's; the 分值 column is then the items'.
        let column_points_of_items = section_points.is_some();
        if new_section {
            let points = section_points.or(column_points).unwrap_or_default();
            spec.sections.push(SectionSpec {
                code: None,
                title: if section_title.is_empty() {
                    content.chars().take(12).collect()
                } else {
                    section_title.clone()
                },
                points,
                pool: false,
                items: Vec::new(),
            });
            current = Some((
                section_title.clone(),
                column_points.filter(|_| !column_points_of_items),
            ));
        }
        let section_index = spec.sections.len() - 1;
        let s = spec
            .sections
            .last_mut()
            .expect("a section was just ensured");
        let item_points = match (inline, new_section, column_points) {
            (Some(p), _, _) => Some(p),
            (None, _, Some(p)) if column_points_of_items => Some(p),
            // A per-row 分值 under a merged 栏目 is the item's own.
            (None, false, Some(p)) if current.as_ref().is_some_and(|(_, sp)| *sp != Some(p)) => {
                Some(p)
            }
            _ => None,
        };
        // 达到…得20分 with no points of its own: the item is worth what it can earn.
        let item_points = item_points.or_else(|| earnable(&parsed.rules));
        items_report.last_mut().expect("pushed above").item = Some((section_index, s.items.len()));
        s.items.push(ItemSpec {
            code: None,
            title: String::new(),
            points: item_points,
            content,
            criteria: criteria.clone(),
            method: at(row, Col::Method),
            department: Some(at(row, Col::Department)).filter(|d| !d.is_empty()),
            inherit: parsed.inherit,
            rules: parsed.rules,
        });
    }
    if spec.sections.is_empty() {
        return Err(TableError::Empty);
    }
    for s in &mut spec.sections {
        let with_points = s.items.iter().filter(|i| i.points.is_some()).count();
        if s.items.len() == 1 && with_points == 0 {
            // A section that is its own item (a flat rubric): the item has the section's points.
            s.items[0].points = Some(s.points);
            s.items[0].code = Some(String::new());
        } else if with_points == 0 {
            s.pool = true;
        }
        for item in &mut s.items {
            item.title = short_title(&item.content);
        }
    }
    // Flat sections take their code from the position, like hand-written files.
    for (i, s) in spec.sections.iter_mut().enumerate() {
        if s.items.len() == 1 && s.items[0].code.as_deref() == Some("") {
            s.items[0].code = Some((i + 1).to_string());
        }
    }
    spec.bonus = bonus;
    Ok(Imported {
        spec,
        items: items_report,
        columns,
    })
}

/// What an item's earned rules can give in all, if it has any and each says how often it counts.
fn earnable(rules: &[kaoping_core::rubric::RuleSpec]) -> Option<Decimal> {
    let mut total = None;
    for r in rules {
        if let kaoping_core::rubric::RuleKindSpec::Earned { amount, max_count } = r.kind {
            let times = Decimal::from(max_count?);
            total = Some(total.unwrap_or(Decimal::ZERO) + amount * times);
        }
    }
    total
}

/// A short name for an item: its content up to the first punctuation, at most 16 characters.
fn short_title(content: &str) -> String {
    let first = content
        .split(['，', ',', '。', '；', ';', '、'])
        .next()
        .unwrap_or(content);
    first.chars().take(16).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaoping_core::rubric::RuleKindSpec;

    fn table(csv: &str) -> Table {
        Table {
            rows: csv
                .lines()
                .map(|l| l.split(',').map(str::to_string).collect())
                .collect(),
            merged_across: Vec::new(),
        }
    }

    /// Each row says which item it became and the table's own column names, so a review can locate
    /// what it shows in the table; 酌情扣1-3分 comes back to confirm.
    #[test]
    fn rows_know_their_items_and_columns_their_names() {
        let t = table(
            "栏目,分值,考核内容,计分办法\n\
             党建,30分,开展学习（20分）,每少一次扣2分\n\
             党建,30分,监督（10分）,监督不到位酌情扣1-3分\n\
             加分项,,表彰,受到表彰的加2分\n",
        );
        let imported = import_table("x", &t).unwrap();
        let c = &imported.columns;
        assert_eq!(
            (
                c.section.as_str(),
                c.points.as_str(),
                c.content.as_str(),
                c.criteria.as_str()
            ),
            ("栏目", "分值", "考核内容", "计分办法")
        );
        let rows: Vec<_> = imported
            .items
            .iter()
            .map(|i| (i.row, i.item, i.bonus.clone()))
            .collect();
        assert_eq!(
            rows,
            [
                (2, Some((0, 0)), 0..0),
                (3, Some((0, 1)), 0..0),
                (4, None, 0..1)
            ]
        );
        let item = &imported.spec.sections[0].items[1];
        assert_eq!(
            item.rules[0].kind,
            RuleKindSpec::RangeDeduction {
                min: Decimal::ONE,
                max: Decimal::from(3)
            }
        );
        let confirm = &imported.items[1].confirm;
        assert_eq!(confirm.len(), 1, "{confirm:?}");
        assert_eq!(confirm[0].phrase, "监督不到位酌情扣1-3分");
        assert!(confirm[0].reason.contains("酌情扣分（区间）"));
    }
}
