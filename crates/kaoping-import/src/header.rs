//! Finding a rubric table's header and what each column holds.
//!
//! Offices name the same columns many ways (评分标准, 计分办法, 扣分标准, 考核细则, 量化细则,
//! 考核内容及计分标准 …), so a header cell is read by the words in it, not matched against a list of
//! whole names. A table whose rules sit in its 考核内容 column, with no criteria column at all, is
//! recognised by what that column's cells say (扣2分, 得5分, 不得分).

use std::sync::LazyLock;

use regex::Regex;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Col {
    Section,
    Points,
    Content,
    Criteria,
    Method,
    Department,
    /// 扣分分值 beside a 扣分标准 that describes: the amount of each row's deduction.
    Amount,
    /// Kaoping's own export: one exact rule per line (`code｜kind｜parameters｜who｜text`).
    Rules,
}

/// The header: its row (0-based), each recognised column, and the name the points column has.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    pub(crate) row: usize,
    pub(crate) cols: Vec<(Col, usize)>,
    pub(crate) points_name: String,
    /// Whether the criteria column's name says it deducts (扣分标准, 扣分分值): a bare amount there is
    /// a deduction.
    pub(crate) deducts: bool,
}

impl Header {
    pub(crate) fn column(&self, col: Col) -> Option<usize> {
        self.cols.iter().find(|(c, _)| *c == col).map(|&(_, i)| i)
    }
}

/// Why no header could be taken: none near the top, or one whose cell is merged across columns (0-based
/// row, first and last column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderError {
    NoHeader,
    MergedHeader {
        row: usize,
        first: usize,
        last: usize,
    },
}

/// How far down a header may be: titles, dates and notes come above it, never pages of them.
pub(crate) const HEADER_SEARCH_ROWS: usize = 12;

/// A scoring phrase: what makes a cell criteria rather than description.
static SCORING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(扣|减|得|加|计)\s*[0-9０-９.一二三四五六七八九十两半]+\s*分|不得分|酌情|一票否决")
        .expect("valid")
});

/// The role a header cell names, by its words. Columns where assessors write scores (得分, 扣分,
/// 自评分, 考核分, 评分) name no role: they are empty in a rubric.
fn role_of(cell: &str) -> Option<Col> {
    let name: String = cell
        .chars()
        .filter(|c| !c.is_whitespace() && !"()（）".contains(*c))
        .collect();
    let n = name.as_str();
    let has = |words: &[&str]| words.iter().any(|w| n.contains(w));
    if n.is_empty()
        || n.starts_with("自评")
        || n.starts_with("序号")
        || n.starts_with("备注")
        || n.starts_with("缺陷记录")
        || matches!(
            n,
            "得分"
                | "扣分"
                | "加分"
                | "减分"
                | "评分"
                | "考核分"
                | "考评分"
                | "实得分"
                | "考核得分"
        )
    {
        return None;
    }
    if n == "计分规则" {
        return Some(Col::Rules);
    }
    if has(&[
        "责任部门",
        "考核部门",
        "牵头部门",
        "责任单位",
        "考评单位",
        "考核单位",
    ]) {
        return Some(Col::Department);
    }
    // 扣分分值: the amount beside the criteria that describe.
    if n.ends_with("分值") && n.contains('扣') {
        return Some(Col::Amount);
    }
    // "扣分项目" and "扣分类别" name what is assessed, whatever words come before.
    if n.ends_with("项目") || n.ends_with("类别") {
        return Some(Col::Section);
    }
    // 评分要点 and 考核要点 describe what is assessed.
    if n.ends_with("要点") {
        return Some(Col::Content);
    }
    // Criteria before content: "考核内容及计分标准" holds both, and its rules matter.
    if has(&["评分", "计分", "扣分", "细则", "计扣分"]) || n.ends_with("标准") {
        return Some(Col::Criteria);
    }
    if matches!(
        n,
        "分值"
            | "标准分"
            | "标准分值"
            | "分数"
            | "权重"
            | "满分"
            | "基本分"
            | "基础分"
            | "总分"
            | "分值分"
    ) {
        return Some(Col::Points);
    }
    if has(&["办法", "方式", "方法", "依据"]) {
        return Some(Col::Method);
    }
    if has(&["内容", "要点", "要求", "目标任务", "条款"]) {
        return Some(Col::Content);
    }
    if n.ends_with("栏目")
        || n.ends_with("指标")
        || matches!(
            n,
            "目标" | "任务目标" | "项目及分值" | "类别及分值" | "一级指标" | "二级指标"
        )
    {
        return Some(Col::Section);
    }
    None
}

/// Whether a criteria header names the scoring itself (扣分标准, 计分办法), not only a standard
/// (考核标准, 考核细则): when a table has both, the first describes and the second scores.
fn names_scoring(cell: &str) -> bool {
    ["评分", "计分", "扣分", "计扣分", "加扣分"]
        .iter()
        .any(|w| cell.contains(w))
}

fn columns(row: &[String]) -> Vec<(Col, usize)> {
    let mut cols: Vec<(Col, usize)> = Vec::new();
    let scoring = row
        .iter()
        .position(|c| role_of(c) == Some(Col::Criteria) && names_scoring(c));
    for (i, cell) in row.iter().enumerate() {
        // A cell merged across columns (a title over the table) is repeated into each: it names no
        // column, not even its first.
        let merged = |j: usize| row.get(j).is_some_and(|c| c == cell);
        if i.checked_sub(1).is_some_and(merged) || merged(i + 1) {
            continue;
        }
        if let Some(col) = role_of(cell) {
            let col = match (col, scoring) {
                (Col::Criteria, Some(s)) if s != i => Col::Content,
                (c, _) => c,
            };
            // The first of two section columns is the section, the second names the item.
            let col = match col {
                Col::Section if cols.iter().any(|(c, _)| *c == Col::Section) => Col::Content,
                c => c,
            };
            if !cols.iter().any(|(c, _)| *c == col) {
                cols.push((col, i));
            }
        }
    }
    cols
}

/// The column under `row` whose cells most often hold a scoring phrase, if at least a third of the rows
/// (and two) do: a table without a criteria column keeps its rules there.
fn scoring_column(rows: &[Vec<String>], row: usize, candidates: &[usize]) -> Option<usize> {
    let body = &rows[row + 1..];
    let filled = body
        .iter()
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .count();
    candidates
        .iter()
        .map(|&c| {
            let hits = body
                .iter()
                .filter(|r| r.get(c).is_some_and(|t| SCORING.is_match(t)))
                .count();
            (hits, c)
        })
        .filter(|&(hits, _)| hits >= 2 && hits * 3 >= filled)
        .max_by_key(|&(hits, c)| (hits, std::cmp::Reverse(c)))
        .map(|(_, c)| c)
}

/// Finds the header row: the first near the top that names a criteria column and a content or section
/// column, or, failing that, one whose content or section column holds the rules.
pub(crate) fn find_header(
    rows: &[Vec<String>],
    merged_across: &[(usize, usize, usize)],
) -> Result<Header, HeaderError> {
    let searched = rows.len().min(HEADER_SEARCH_ROWS);
    let mut found = None;
    for r in 0..searched {
        let cols = columns(&rows[r]);
        let has = |c: Col| cols.iter().any(|(x, _)| *x == c);
        if has(Col::Criteria) && (has(Col::Content) || has(Col::Section)) {
            found = Some((r, cols));
            break;
        }
        // A list whose one column says both what and how (序号 · 考核内容及扣分标准), when its rows score.
        let criteria = cols
            .iter()
            .find(|(c, _)| *c == Col::Criteria)
            .map(|&(_, i)| i);
        if criteria.is_some_and(|c| scoring_column(rows, r, &[c]).is_some()) {
            found = Some((r, cols));
            break;
        }
    }
    if found.is_none() {
        for r in 0..searched {
            let mut cols = columns(&rows[r]);
            if cols.len() < 2 || cols.iter().any(|(c, _)| *c == Col::Criteria) {
                continue;
            }
            let candidates: Vec<usize> = cols
                .iter()
                .filter(|(c, _)| matches!(c, Col::Content | Col::Section))
                .map(|&(_, i)| i)
                .collect();
            if let Some(c) = scoring_column(rows, r, &candidates) {
                cols.retain(|&(_, i)| i != c);
                cols.push((Col::Criteria, c));
                found = Some((r, cols));
                break;
            }
        }
    }
    let (row, cols) = found.ok_or(HeaderError::NoHeader)?;
    if let Some(&(mr, first, last)) = merged_across.iter().find(|(mr, _, _)| *mr == row) {
        return Err(HeaderError::MergedHeader {
            row: mr,
            first,
            last,
        });
    }
    let points_name = cols
        .iter()
        .find(|(c, _)| *c == Col::Points)
        .and_then(|&(_, i)| rows[row].get(i))
        .map_or_else(|| "分值".to_string(), |s| s.trim().to_string());
    let deducts = cols
        .iter()
        .find(|(c, _)| *c == Col::Criteria)
        .and_then(|&(_, i)| rows[row].get(i))
        .is_some_and(|name| name.contains('扣') || name.contains('减'));
    Ok(Header {
        row,
        cols,
        points_name,
        deducts,
    })
}

#[cfg(test)]
mod tests {
    use super::{role_of, Col};

    #[test]
    fn header_cells_by_their_words() {
        for (cell, role) in [
            ("评分标准", Some(Col::Criteria)),
            ("计分办法", Some(Col::Criteria)),
            ("计(扣)分办法", Some(Col::Criteria)),
            ("扣分标准", Some(Col::Criteria)),
            ("考核细则", Some(Col::Criteria)),
            ("量化细则", Some(Col::Criteria)),
            ("考核内容及计分标准", Some(Col::Criteria)),
            ("评分说明", Some(Col::Criteria)),
            ("考核标准", Some(Col::Criteria)),
            ("考核要点", Some(Col::Content)),
            ("评分要点", Some(Col::Content)),
            ("考核内容", Some(Col::Content)),
            ("具体要求", Some(Col::Content)),
            ("基本分", Some(Col::Points)),
            ("标准分", Some(Col::Points)),
            ("分值", Some(Col::Points)),
            ("责任单位", Some(Col::Department)),
            ("考核办法", Some(Col::Method)),
            ("考评方式", Some(Col::Method)),
            ("考核项目", Some(Col::Section)),
            ("类别", Some(Col::Section)),
            ("项目及分值", Some(Col::Section)),
            ("扣分项目", Some(Col::Section)),
            ("扣分分值", Some(Col::Amount)),
            ("扣分类别", Some(Col::Section)),
            ("得分", None),
            ("扣分", None),
            ("自评得分", None),
            ("序号", None),
            ("评分", None),
        ] {
            assert_eq!(role_of(cell), role, "{cell}");
        }
    }
}
