//! The attendance machine's monthly export and the exam score sheet (scheme C's 4.1–4.4 and 5.1), read as
//! CSV (UTF-8, with or without a BOM; an Excel sheet arrives here as CSV through `kaoping-import`).
//!
//! Columns are found by their header's name, Chinese or English, in any order (docs/attendance.md):
//! the person (工号/编号 by code, 姓名/人员/员工 by name), 应出勤天数, 实际出勤天数, 迟到, 早退, 旷工 and
//! optionally 月份; an exam sheet has the person, 季度 and 成绩. A column nobody knows is refused by
//! its header, except 序号, 部门/科室 and 备注, which every export carries and which hold no figure.
//! Every bad row is listed at its line with the column's Chinese name (`第7行“迟到”列：“三”不是整数`);
//! nothing is returned unless every row reads.

use std::fmt;

use kaoping_core::units::{Party, Units};
use kaoping_core::Decimal;

use crate::csv_quotes::{open_quote_message, QuoteWatch};

/// The most days a month has.
pub const MAX_DAYS: u32 = 31;
/// The most late arrivals, early leaves or absences a row may give.
pub const MAX_COUNT: u32 = 1_000;
/// The most data rows a file may hold.
pub const MAX_ROWS: usize = 20_000;
/// Exam scores have at most this many decimals.
pub const SCORE_DECIMALS: u32 = 2;

/// A month of a year, `2024-03`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u8,
}

impl Month {
    /// Checked: years 2000–2100, months 1–12.
    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((2000..=2100).contains(&year) && (1..=12).contains(&month)).then_some(Month {
            year,
            month: month as u8,
        })
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        u32::from(self.month)
    }

    /// `2024-03`, `2024-3`, `2024/03`, `2024.3`, `2024年3月`, `202403`.
    pub fn parse(text: &str) -> Option<Month> {
        let t = text.trim();
        let t = t.strip_suffix('月').unwrap_or(t);
        let (y, m) = if let Some(split) = t.split_once(['-', '/', '.', '年']) {
            split
        } else if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) {
            t.split_at(4)
        } else {
            return None;
        };
        let digits =
            |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(y) || !digits(m) || y.len() != 4 {
            return None;
        }
        Month::new(y.parse().ok()?, m.parse().ok()?)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:02}", self.year, self.month)
    }
}

impl std::str::FromStr for Month {
    type Err = String;
    fn from_str(s: &str) -> Result<Month, String> {
        Month::parse(s).ok_or_else(|| format!("月份“{s}”无法识别，应写作2024-03或2024年3月"))
    }
}

/// One person's month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceRow {
    /// The line of the file it is on.
    pub line: u64,
    /// The person's unit code.
    pub person: String,
    pub month: Month,
    pub days_due: u32,
    pub days_present: u32,
    pub late: u32,
    pub early: u32,
    pub absent: u32,
}

/// One person's exam score in a quarter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExamRow {
    pub line: u64,
    pub person: String,
    /// 1–4.
    pub quarter: u8,
    pub score: Decimal,
}

/// Why a file was not read: the file itself, or its rows, each at its line (`0` for the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceError {
    pub file: String,
    pub problems: Vec<(u64, String)>,
}

impl fmt::Display for AttendanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (line, message)) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            if *line == 0 {
                write!(f, "{}: {message}", self.file)?;
            } else {
                write!(f, "{}:{line}: {message}", self.file)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for AttendanceError {}

/// A column's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Code,
    Name,
    Due,
    Present,
    Late,
    Early,
    Absent,
    Month,
    Quarter,
    Score,
    Ignored,
}

impl Col {
    /// The name a problem gives the column.
    fn label(self) -> &'static str {
        match self {
            Col::Code => "工号",
            Col::Name => "姓名",
            Col::Due => "应出勤天数",
            Col::Present => "实际出勤天数",
            Col::Late => "迟到",
            Col::Early => "早退",
            Col::Absent => "旷工",
            Col::Month => "月份",
            Col::Quarter => "季度",
            Col::Score => "成绩",
            Col::Ignored => "",
        }
    }
}

/// A header cell's words: no BOM, spaces or brackets (`应出勤（天数）` → `应出勤天数`), ASCII lowercased.
fn header_key(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')' | '（' | '）' | '_' | '-'))
        .collect::<String>()
        .to_ascii_lowercase()
}

const PERSON_CODE: &[&str] = &[
    "工号",
    "编号",
    "人员编号",
    "员工编号",
    "职工编号",
    "考勤号",
    "code",
    "personcode",
    "id",
];
const PERSON_NAME: &[&str] = &[
    "姓名",
    "人员",
    "员工",
    "员工姓名",
    "人员姓名",
    "职工",
    "职工姓名",
    "name",
    "person",
];
const DUE: &[&str] = &[
    "应出勤",
    "应出勤天数",
    "应到",
    "应到天数",
    "应出勤日数",
    "应勤天数",
    "daysdue",
    "due",
];
const PRESENT: &[&str] = &[
    "实际出勤",
    "实际出勤天数",
    "实出勤",
    "实出勤天数",
    "实到",
    "实到天数",
    "出勤天数",
    "出勤",
    "dayspresent",
    "present",
];
const LATE: &[&str] = &["迟到", "迟到次数", "late"];
const EARLY: &[&str] = &["早退", "早退次数", "early", "earlyleave"];
const ABSENT: &[&str] = &["旷工", "旷工次数", "旷工天数", "absent", "absence"];
const MONTH: &[&str] = &["月份", "月", "考勤月份", "month"];
const QUARTER: &[&str] = &["季度", "考试季度", "quarter"];
const SCORE: &[&str] = &["成绩", "分数", "考试成绩", "得分", "score"];
/// Columns every export carries that hold no figure: read past, never refused.
const IGNORED: &[&str] = &[
    "序号",
    "部门",
    "科室",
    "所在科室",
    "备注",
    "no",
    "department",
    "note",
];

/// What a sheet is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sheet {
    Attendance,
    Exams,
}

fn role_of(key: &str, sheet: Sheet) -> Option<Col> {
    let table: &[(&[&str], Col)] = match sheet {
        Sheet::Attendance => &[
            (PERSON_CODE, Col::Code),
            (PERSON_NAME, Col::Name),
            (DUE, Col::Due),
            (PRESENT, Col::Present),
            (LATE, Col::Late),
            (EARLY, Col::Early),
            (ABSENT, Col::Absent),
            (MONTH, Col::Month),
            (IGNORED, Col::Ignored),
        ],
        Sheet::Exams => &[
            (PERSON_CODE, Col::Code),
            (PERSON_NAME, Col::Name),
            (QUARTER, Col::Quarter),
            (SCORE, Col::Score),
            (IGNORED, Col::Ignored),
        ],
    };
    table
        .iter()
        .find(|(names, _)| names.contains(&key))
        .map(|(_, c)| *c)
}

/// The persons a file may name: the period's units, by code or by a name only one of them has.
pub struct Persons<'u> {
    units: &'u Units,
}

impl<'u> Persons<'u> {
    pub fn new(units: &'u Units) -> Persons<'u> {
        Persons { units }
    }

    fn by_code(&self, code: &str) -> Result<String, String> {
        match self.units.find(code) {
            Some(Party::Unit(u)) => Ok(self.units.unit(u).code.clone()),
            Some(Party::Group(_)) => Err(format!("“{code}”是分组，不是人员")),
            None => Err(format!("本考评期没有编号为“{code}”的人员")),
        }
    }

    fn by_name(&self, name: &str) -> Result<String, String> {
        let mut found = self.units.units().iter().filter(|u| u.name == name);
        match (found.next(), found.next()) {
            (Some(u), None) => Ok(u.code.clone()),
            (Some(a), Some(b)) => Err(format!(
                "姓名“{name}”不止一人（{}、{}），请改用工号",
                a.code, b.code
            )),
            (None, _) => match self.units.find(name) {
                // A code in the name column still names one person.
                Some(Party::Unit(u)) => Ok(self.units.unit(u).code.clone()),
                _ => Err(format!("本考评期没有名为“{name}”的人员")),
            },
        }
    }

    fn name_of(&self, code: &str) -> &str {
        match self.units.find(code) {
            Some(Party::Unit(u)) => &self.units.unit(u).name,
            _ => "",
        }
    }
}

/// A file's header read: each column's role, every problem said.
struct Header {
    roles: Vec<Col>,
}

impl Header {
    fn read(headers: &csv::StringRecord, sheet: Sheet) -> Result<Header, Vec<String>> {
        let mut roles = Vec::with_capacity(headers.len());
        let mut problems = Vec::new();
        for (i, h) in headers.iter().enumerate() {
            let key = header_key(h);
            if key.is_empty() {
                roles.push(Col::Ignored);
                continue;
            }
            match role_of(&key, sheet) {
                Some(Col::Ignored) => roles.push(Col::Ignored),
                Some(c) if roles.contains(&c) => {
                    problems.push(format!(
                        "第{}列表头“{}”与前面的“{}”列重复",
                        i + 1,
                        h.trim(),
                        c.label()
                    ));
                    roles.push(Col::Ignored);
                }
                Some(c) => roles.push(c),
                None => {
                    problems.push(format!(
                        "第{}列表头“{}”无法识别；{}",
                        i + 1,
                        h.trim_start_matches('\u{feff}').trim(),
                        match sheet {
                            Sheet::Attendance => "考勤表的列为：工号或姓名、应出勤天数、实际出勤天数、迟到、早退、旷工，可加月份",
                            Sheet::Exams => "考试成绩表的列为：工号或姓名、季度、成绩",
                        }
                    ));
                    roles.push(Col::Ignored);
                }
            }
        }
        let has = |c: Col| roles.contains(&c);
        if !has(Col::Code) && !has(Col::Name) {
            problems.push("缺少人员列（表头“工号”“编号”“姓名”或“人员”）".into());
        }
        let required: &[Col] = match sheet {
            Sheet::Attendance => &[Col::Due, Col::Present, Col::Late, Col::Early, Col::Absent],
            Sheet::Exams => &[Col::Quarter, Col::Score],
        };
        for &c in required {
            if !has(c) {
                problems.push(format!("缺少“{}”列", c.label()));
            }
        }
        if problems.is_empty() {
            Ok(Header { roles })
        } else {
            Err(problems)
        }
    }

    fn cell<'r>(&self, record: &'r csv::StringRecord, col: Col) -> Option<&'r str> {
        let i = self.roles.iter().position(|&c| c == col)?;
        Some(record.get(i).unwrap_or("").trim())
    }
}

/// The problem of a cell: `“迟到”列：“三”不是整数`.
fn at(col: Col, message: impl fmt::Display) -> String {
    format!("“{}”列：{message}", col.label())
}

/// A whole number from 0 to `max` (a cell Excel wrote as `3.0` too).
fn count(text: &str, col: Col, max: u32) -> Result<u32, String> {
    let whole = text
        .strip_suffix(".0")
        .or_else(|| text.strip_suffix(".00"))
        .unwrap_or(text);
    if text.is_empty() {
        return Err(at(col, "不能为空（没有请填0）"));
    }
    if whole.is_empty() || whole.len() > 7 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(at(col, format!("“{}”不是整数", shown(text))));
    }
    let n: u32 = whole
        .parse()
        .map_err(|_| at(col, format!("“{}”不是整数", shown(text))))?;
    if n > max {
        return Err(at(col, format!("{n}超过上限{max}")));
    }
    Ok(n)
}

/// A cell's text as a problem quotes it: at most 20 characters.
fn shown(text: &str) -> String {
    let mut s: String = text.chars().take(20).collect();
    if text.chars().count() > 20 {
        s.push('…');
    }
    s
}

/// 1–4 from `1`, `Q1`, `一季度`, `第1季度`, `第一季度`, `1季度`.
pub fn parse_quarter(text: &str) -> Option<u8> {
    let t = text.trim();
    let t = t
        .strip_prefix(['Q', 'q'])
        .or_else(|| t.strip_prefix('第'))
        .unwrap_or(t);
    let t = t.strip_suffix("季度").unwrap_or(t);
    match t {
        "1" | "一" => Some(1),
        "2" | "二" => Some(2),
        "3" | "三" => Some(3),
        "4" | "四" => Some(4),
        _ => None,
    }
}

/// The text of a file: UTF-8 (a BOM is dropped), else refused with how to save it.
fn utf8<'b>(file: &str, bytes: &'b [u8]) -> Result<&'b [u8], AttendanceError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if std::str::from_utf8(bytes).is_err() {
        return Err(AttendanceError {
            file: file.to_string(),
            problems: vec![(
                0,
                "不是UTF-8编码（GBK等编码不支持）：请在Excel中另存为“CSV UTF-8”，或直接上传.xlsx"
                    .into(),
            )],
        });
    }
    Ok(bytes)
}

/// Reads every row of a sheet with its header, calling `row` on each non-blank row; collects every
/// problem, each at its line.
fn read_rows(
    file: &str,
    bytes: &[u8],
    sheet: Sheet,
    mut row: impl FnMut(&Header, &csv::StringRecord, u64) -> Result<(), Vec<String>>,
) -> Result<(), AttendanceError> {
    let fail = |problems: Vec<(u64, String)>| AttendanceError {
        file: file.to_string(),
        problems,
    };
    let bytes = utf8(file, bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(QuoteWatch::new(bytes));
    let mut records = reader.records();
    let headers = loop {
        match records.next() {
            None => return Err(fail(vec![(0, "文件是空的：第一行应为表头".into())])),
            Some(Err(e)) => return Err(fail(vec![(1, format!("无法读取表头：{e}"))])),
            Some(Ok(r)) if r.iter().all(|f| f.trim().is_empty()) => continue,
            Some(Ok(r)) => break r,
        }
    };
    let header_line = headers.position().map_or(1, |p| p.line());
    let header = Header::read(&headers, sheet)
        .map_err(|problems| fail(problems.into_iter().map(|p| (header_line, p)).collect()))?;
    let mut problems = Vec::new();
    let mut rows = 0usize;
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push((line, format!("无法读取此行：{e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        rows += 1;
        if rows > MAX_ROWS {
            problems.push((line, format!("超过{MAX_ROWS}行，请分成几个文件导入")));
            break;
        }
        let stray: Vec<String> = record
            .iter()
            .enumerate()
            .filter(|(i, f)| *i >= header.roles.len() && !f.trim().is_empty())
            .map(|(i, f)| format!("第{}列“{}”没有表头", i + 1, shown(f.trim())))
            .collect();
        if !stray.is_empty() {
            problems.push((line, stray.join("；")));
            continue;
        }
        if let Err(ps) = row(&header, &record, line) {
            problems.extend(ps.into_iter().map(|p| (line, p)));
        }
    }
    if let Some(opened) = reader.get_ref().open_quote_line() {
        problems.push((opened, open_quote_message()));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        problems.sort_by_key(|(line, _)| *line);
        Err(fail(problems))
    }
}

/// The person a row names: by code when the file has a code column (its name, if given too, must
/// agree), else by a name only one person has.
fn person(
    persons: &Persons<'_>,
    header: &Header,
    record: &csv::StringRecord,
) -> Result<String, String> {
    let code = header.cell(record, Col::Code).filter(|c| !c.is_empty());
    let name = header.cell(record, Col::Name).filter(|n| !n.is_empty());
    match (code, name) {
        (Some(code), name) => {
            let found = persons.by_code(code).map_err(|e| at(Col::Code, e))?;
            match name {
                Some(name) if persons.name_of(&found) != name => Err(at(
                    Col::Name,
                    format!(
                        "工号{code}是“{}”，不是“{}”",
                        persons.name_of(&found),
                        shown(name)
                    ),
                )),
                _ => Ok(found),
            }
        }
        (None, Some(name)) => persons.by_name(name).map_err(|e| at(Col::Name, e)),
        (None, None) => Err(if header.roles.contains(&Col::Code) {
            at(Col::Code, "不能为空")
        } else {
            at(Col::Name, "不能为空")
        }),
    }
}

/// Reads an attendance export. `month` is the month of rows without a month column (or a blank cell);
/// a row's own month must equal it when both are given.
///
/// # Errors
/// Every problem of the file at its line: the header, a bad or missing value, a person unknown or
/// ambiguous, a person's month given twice, present days above the days due.
pub fn read_attendance(
    file: &str,
    bytes: &[u8],
    persons: &Persons<'_>,
    month: Option<Month>,
    mut progress: impl FnMut(u64),
) -> Result<Vec<AttendanceRow>, AttendanceError> {
    let mut out: Vec<AttendanceRow> = Vec::new();
    let mut seen: rustc_hash::FxHashMap<(String, Month), u64> = Default::default();
    read_rows(file, bytes, Sheet::Attendance, |header, record, line| {
        progress(line);
        let mut problems = Vec::new();
        let who = person(persons, header, record)
            .map_err(|e| problems.push(e))
            .ok();
        let own = header.cell(record, Col::Month).filter(|m| !m.is_empty());
        let this_month = match (own, month) {
            (Some(text), given) => match Month::parse(text) {
                Some(m) if given.is_none_or(|g| g == m) => Some(m),
                Some(m) => {
                    problems.push(at(
                        Col::Month,
                        format!(
                            "{m}与导入时指定的月份{}不符",
                            given.map(|g| g.to_string()).unwrap_or_default()
                        ),
                    ));
                    None
                }
                None => {
                    problems.push(at(
                        Col::Month,
                        format!("“{}”无法识别，应写作2024-03或2024年3月", shown(text)),
                    ));
                    None
                }
            },
            (None, Some(g)) => Some(g),
            (None, None) => {
                problems.push("没有月份：请在文件中加“月份”列，或导入时指定月份".into());
                None
            }
        };
        let mut number = |col: Col, max: u32| {
            count(header.cell(record, col).unwrap_or(""), col, max)
                .map_err(|e| problems.push(e))
                .ok()
        };
        let due = number(Col::Due, MAX_DAYS);
        let present = number(Col::Present, MAX_DAYS);
        let late = number(Col::Late, MAX_COUNT);
        let early = number(Col::Early, MAX_COUNT);
        let absent = number(Col::Absent, MAX_COUNT);
        if let (Some(d), Some(p)) = (due, present) {
            if p > d {
                problems.push(at(Col::Present, format!("{p}天多于应出勤的{d}天")));
            }
        }
        if let (Some(who), Some(m)) = (&who, this_month) {
            if let Some(first) = seen.get(&(who.clone(), m)) {
                problems.push(format!("{who}的{m}已在第{first}行"));
            } else {
                seen.insert((who.clone(), m), line);
            }
        }
        match (who, this_month, due, present, late, early, absent) {
            (
                Some(person),
                Some(month),
                Some(days_due),
                Some(days_present),
                Some(late),
                Some(early),
                Some(absent),
            ) if problems.is_empty() => {
                out.push(AttendanceRow {
                    line,
                    person,
                    month,
                    days_due,
                    days_present,
                    late,
                    early,
                    absent,
                });
                Ok(())
            }
            _ => Err(problems),
        }
    })?;
    Ok(out)
}

/// Reads an exam score sheet; scores lie in `scale` (the conversion rule's, 0–100 in scheme C).
///
/// # Errors
/// As [`read_attendance`]: every problem at its line.
pub fn read_exams(
    file: &str,
    bytes: &[u8],
    persons: &Persons<'_>,
    scale: (Decimal, Decimal),
    mut progress: impl FnMut(u64),
) -> Result<Vec<ExamRow>, AttendanceError> {
    let mut out: Vec<ExamRow> = Vec::new();
    let mut seen: rustc_hash::FxHashMap<(String, u8), u64> = Default::default();
    read_rows(file, bytes, Sheet::Exams, |header, record, line| {
        progress(line);
        let mut problems = Vec::new();
        let who = person(persons, header, record)
            .map_err(|e| problems.push(e))
            .ok();
        let q_text = header.cell(record, Col::Quarter).unwrap_or("");
        let quarter = parse_quarter(q_text);
        if quarter.is_none() {
            problems.push(if q_text.is_empty() {
                at(Col::Quarter, "不能为空")
            } else {
                at(
                    Col::Quarter,
                    format!("“{}”无法识别，应为1–4、Q1或一季度", shown(q_text)),
                )
            });
        }
        let s_text = header.cell(record, Col::Score).unwrap_or("");
        let score = match s_text.parse::<Decimal>() {
            _ if s_text.is_empty() => Err(at(Col::Score, "不能为空")),
            Err(_) => Err(at(Col::Score, format!("“{}”不是数字", shown(s_text)))),
            Ok(s) if s.normalize().scale() > SCORE_DECIMALS => {
                Err(at(Col::Score, format!("{s}的小数超过{SCORE_DECIMALS}位")))
            }
            Ok(s) if s < scale.0 || s > scale.1 => Err(at(
                Col::Score,
                format!("{s}不在{}–{}之间", scale.0.normalize(), scale.1.normalize()),
            )),
            Ok(s) => Ok(s.normalize()),
        }
        .map_err(|e| problems.push(e))
        .ok();
        if let (Some(who), Some(q)) = (&who, quarter) {
            if let Some(first) = seen.get(&(who.clone(), q)) {
                problems.push(format!("{who}的第{q}季度成绩已在第{first}行"));
            } else {
                seen.insert((who.clone(), q), line);
            }
        }
        match (who, quarter, score) {
            (Some(person), Some(quarter), Some(score)) if problems.is_empty() => {
                out.push(ExamRow {
                    line,
                    person,
                    quarter,
                    score,
                });
                Ok(())
            }
            _ => Err(problems),
        }
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units() -> Units {
        let mut u = Units::new();
        u.add_unit("J01", "王建国", None, &["办公室"]).unwrap();
        u.add_unit("J02", "李秀英", None, &["办公室"]).unwrap();
        u.add_unit("J03", "张伟", None, &[]).unwrap();
        u.add_unit("J04", "张伟", None, &[]).unwrap();
        u
    }

    fn attendance(text: &str, month: Option<&str>) -> Result<Vec<AttendanceRow>, AttendanceError> {
        let u = units();
        read_attendance(
            "a.csv",
            text.as_bytes(),
            &Persons::new(&u),
            month.map(|m| m.parse().unwrap()),
            |_| {},
        )
    }

    fn problems(text: &str, month: Option<&str>) -> Vec<(u64, String)> {
        attendance(text, month).expect_err("refused").problems
    }

    fn exams(text: &str) -> Result<Vec<ExamRow>, AttendanceError> {
        let u = units();
        read_exams(
            "e.csv",
            text.as_bytes(),
            &Persons::new(&u),
            (Decimal::ZERO, Decimal::from(100)),
            |_| {},
        )
    }

    #[test]
    fn months_are_read_in_the_ways_people_write_them() {
        for t in [
            "2024-03",
            "2024-3",
            "2024/03",
            "2024.3",
            "2024年3月",
            "202403",
            " 2024年03月 ",
        ] {
            assert_eq!(
                Month::parse(t).map(|m| m.to_string()).as_deref(),
                Some("2024-03"),
                "{t}"
            );
        }
        for t in ["2024-13", "24-03", "三月", "", "2024", "2024-0", "1999-01"] {
            assert_eq!(Month::parse(t), None, "{t}");
        }
    }

    #[test]
    fn quarters_are_read_in_the_ways_people_write_them() {
        for (t, q) in [
            ("1", 1),
            ("Q2", 2),
            ("q3", 3),
            ("一季度", 1),
            ("第1季度", 1),
            ("第四季度", 4),
            ("4季度", 4),
        ] {
            assert_eq!(parse_quarter(t), Some(q), "{t}");
        }
        for t in ["5", "0", "Q", "第五季度", "一月"] {
            assert_eq!(parse_quarter(t), None, "{t}");
        }
    }

    #[test]
    fn header_variants_find_their_columns() {
        let files = [
            "工号,姓名,应出勤天数,实际出勤天数,迟到次数,早退次数,旷工次数\nJ01,王建国,22,21,1,0,0\n",
            "\u{feff}姓名,应出勤（天数）,实出勤,迟到,早退,旷工（天数）\n王建国,22,21,1,0,0\n",
            "人员,应到,实到,迟到,早退,旷工\n王建国,22,21,1,0,0\n",
            "编号,应出勤(天数),出勤天数,迟到(次数),早退(次数),旷工(次数),部门,序号\nJ01,22,21,1,0,0,办公室,1\n",
            "员工,应出勤,实际出勤,迟到,早退,旷工,月份\n王建国,22,21,1,0,0,2024年3月\n",
            "person,days_due,days_present,late,early,absent,month\nJ01,22,21,1,0,0,2024-03\n",
        ];
        for text in files {
            let rows = attendance(text, Some("2024-03")).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(
                rows,
                vec![AttendanceRow {
                    line: 2,
                    person: "J01".into(),
                    month: Month::new(2024, 3).unwrap(),
                    days_due: 22,
                    days_present: 21,
                    late: 1,
                    early: 0,
                    absent: 0,
                }],
                "{text}"
            );
        }
    }

    #[test]
    fn a_header_nobody_knows_is_named_and_a_missing_one_asked_for() {
        let p = problems(
            "姓名,应出勤,实出勤,迟到,早退,旷工,加班\n王建国,22,21,1,0,0,3\n",
            Some("2024-03"),
        );
        assert_eq!(p.len(), 1);
        assert!(p[0].1.contains("第7列表头“加班”无法识别"), "{p:?}");
        let p = problems("姓名,应出勤,迟到,早退\n王建国,22,1,0\n", Some("2024-03"));
        let text: Vec<&str> = p.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(text, ["缺少“实际出勤天数”列", "缺少“旷工”列"]);
        let p = problems(
            "应出勤,实出勤,迟到,早退,旷工\n22,21,1,0,0\n",
            Some("2024-03"),
        );
        assert!(p[0].1.contains("缺少人员列"), "{p:?}");
        let p = problems("姓名,姓名,应出勤,实出勤,迟到,早退,旷工\n", Some("2024-03"));
        assert!(p[0].1.contains("重复"), "{p:?}");
    }

    #[test]
    fn every_bad_row_is_listed_at_its_line_and_column() {
        let text = "工号,姓名,应出勤天数,实际出勤天数,迟到,早退,旷工,月份\n\
            J01,王建国,22,21,1,0,0,2024-03\n\
            J02,李秀英,22,23,0,0,0,2024-03\n\
            J09,无名,22,20,0,0,0,2024-03\n\
            J01,李秀英,22,20,0,0,0,2024-04\n\
            J02,,32,20,0,0,0,2024-04\n\
            J02,,22,20,三,0,0,2024-05\n\
            J02,,22,20,0,1001,-1,2024-06\n\
            J02,,22,20,0,0,,2024-07\n\
            J02,,22,20,0,0,0,三月\n\
            J01,,22,21,0,0,0,2024-03\n\
            J02,,22,20,0,0,0,2024-08,多余\n";
        let p = problems(text, None);
        let want: Vec<(u64, &str)> = vec![
            (3, "“实际出勤天数”列：23天多于应出勤的22天"),
            (4, "“工号”列：本考评期没有编号为“J09”的人员"),
            (5, "“姓名”列：工号J01是“王建国”，不是“李秀英”"),
            (6, "“应出勤天数”列：32超过上限31"),
            (7, "“迟到”列：“三”不是整数"),
            (8, "“早退”列：1001超过上限1000"),
            (8, "“旷工”列：“-1”不是整数"),
            (9, "“旷工”列：不能为空（没有请填0）"),
            (10, "“月份”列：“三月”无法识别，应写作2024-03或2024年3月"),
            (11, "J01的2024-03已在第2行"),
            (12, "第9列“多余”没有表头"),
        ];
        let got: Vec<(u64, &str)> = p.iter().map(|(l, m)| (*l, m.as_str())).collect();
        assert_eq!(got, want);
        let shown = attendance(text, None).unwrap_err().to_string();
        assert!(shown.starts_with("a.csv:3: “实际出勤天数”列"), "{shown}");
    }

    #[test]
    fn persons_are_found_by_a_unique_name_and_a_month_is_needed() {
        let p = problems(
            "姓名,应出勤,实出勤,迟到,早退,旷工\n张伟,22,21,0,0,0\n",
            Some("2024-03"),
        );
        assert_eq!(
            p[0].1,
            "“姓名”列：姓名“张伟”不止一人（J03、J04），请改用工号"
        );
        let p = problems(
            "姓名,应出勤,实出勤,迟到,早退,旷工\n王建国,22,21,0,0,0\n",
            None,
        );
        assert_eq!(
            p[0],
            (2, "没有月份：请在文件中加“月份”列，或导入时指定月份".into())
        );
        let p = problems(
            "姓名,应出勤,实出勤,迟到,早退,旷工,月份\n王建国,22,21,0,0,0,2024-04\n",
            Some("2024-03"),
        );
        assert!(p[0].1.contains("与导入时指定的月份2024-03不符"), "{p:?}");
    }

    #[test]
    fn an_open_quote_and_gbk_are_said() {
        let p = problems(
            "姓名,应出勤,实出勤,迟到,早退,旷工\n\"王建国,22,21,0,0,0\n",
            Some("2024-03"),
        );
        assert!(
            p.iter().any(|(l, m)| *l == 2 && m.contains("引号")),
            "{p:?}"
        );
        let u = units();
        let gbk = b"\xd0\xd5\xc3\xfb,a\n";
        let e = read_attendance("g.csv", gbk, &Persons::new(&u), None, |_| {}).unwrap_err();
        assert!(e.problems[0].1.contains("不是UTF-8编码"), "{e}");
        let e = attendance("", None).unwrap_err();
        assert!(e.problems[0].1.contains("文件是空的"), "{e}");
    }

    #[test]
    fn exam_sheets_are_read_and_every_bad_row_listed() {
        let rows =
            exams("姓名,季度,成绩\n王建国,一季度,88\n王建国,Q2,92.5\nJ02,第3季度,85.25\n").unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1].quarter, 2);
        assert_eq!(rows[1].score, "92.5".parse().unwrap());
        assert_eq!(rows[2].person, "J02");
        let e = exams(
            "工号,季度,分数\nJ01,5,80\nJ01,1,101\nJ01,2,80.125\nJ01,3,八十\nJ01,4,\nJ01,1,70\nJ01,,70\n",
        )
        .unwrap_err();
        let got: Vec<(u64, &str)> = e.problems.iter().map(|(l, m)| (*l, m.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (2, "“季度”列：“5”无法识别，应为1–4、Q1或一季度"),
                (3, "“成绩”列：101不在0–100之间"),
                (4, "“成绩”列：80.125的小数超过2位"),
                (5, "“成绩”列：“八十”不是数字"),
                (6, "“成绩”列：不能为空"),
                (7, "J01的第1季度成绩已在第3行"),
                (8, "“季度”列：不能为空"),
            ]
        );
        let e = exams("工号,季度,成绩\nJ01,1,70\nJ01,一季度,71\n").unwrap_err();
        assert_eq!(e.problems, vec![(3, "J01的第1季度成绩已在第2行".into())]);
        let e = exams("工号,成绩\n").unwrap_err();
        assert_eq!(e.problems, vec![(1, "缺少“季度”列".into())]);
    }

    #[test]
    fn no_input_panics_the_readers() {
        // Every prefix of the example files and a few thousand byte changes of them (a fixed LCG).
        let u = units();
        let persons = Persons::new(&u);
        let samples: [&[u8]; 2] = [
            include_bytes!("../../../examples/jishengju-attendance-2024-01.csv"),
            include_bytes!("../../../examples/jishengju-exams.csv"),
        ];
        let scale = (Decimal::ZERO, Decimal::from(100));
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as usize
        };
        for sample in samples {
            for end in 0..=sample.len() {
                let bytes = &sample[..end];
                let _ = read_attendance("f.csv", bytes, &persons, Month::new(2024, 1), |_| {});
                let _ = read_exams("f.csv", bytes, &persons, scale, |_| {});
            }
            for _ in 0..2_000 {
                let mut bytes = sample.to_vec();
                for _ in 0..1 + next() % 4 {
                    let at = next() % bytes.len();
                    let pool = b",\"\n0123456789-.QX\xff\xe5\xb9\xb4";
                    bytes[at] = pool[next() % pool.len()];
                }
                let _ = read_attendance("f.csv", &bytes, &persons, None, |_| {});
                let _ = read_exams("f.csv", &bytes, &persons, scale, |_| {});
            }
        }
    }
}
