//! The rubric file (TOML, see `docs/rubric-format.md`): read with spans, turned into a
//! [`RubricSpec`], validated by the core, and every problem located by file, line and column.

use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::str::FromStr;

use kaoping_core::rubric::*;
use kaoping_core::Decimal;
use rustc_hash::FxHashMap;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::Location;

/// One problem in a rubric file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RubricProblem {
    pub at: Location,
    pub message: String,
    pub hint: Option<String>,
}

/// Why a rubric file could not be loaded: every problem found, or the file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RubricFileError {
    Unreadable { file: String, reason: String },
    Invalid(Vec<RubricProblem>),
}

impl fmt::Display for RubricFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RubricFileError::Unreadable { file, reason } => {
                write!(f, "{file}: 无法读取考评细则文件：{reason}")
            }
            RubricFileError::Invalid(problems) => {
                for (i, p) in problems.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "{}: {}", p.at, p.message)?;
                    if let Some(hint) = &p.hint {
                        write!(f, "\n  提示：{hint}")?;
                    }
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for RubricFileError {}

/// Reads and validates a rubric file.
///
/// # Errors
/// The file cannot be read or is not UTF-8, or the rubric has problems (all of them are listed).
pub fn read_rubric_file(path: &Path) -> Result<Rubric, RubricFileError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| RubricFileError::Unreadable {
        file: name.clone(),
        reason: e.to_string(),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| RubricFileError::Unreadable {
        file: name.clone(),
        reason: format!(
            "不是UTF-8编码的文本（第{}字节），请另存为UTF-8",
            e.utf8_error().valid_up_to()
        ),
    })?;
    parse_rubric(&name, &text)
}

/// Parses and validates rubric text; `file` names it in messages.
///
/// # Errors
/// Every syntax problem, or else every structural and validation problem, located.
pub fn parse_rubric(file: &str, text: &str) -> Result<Rubric, RubricFileError> {
    let text_no_bom = text.strip_prefix('\u{feff}').unwrap_or(text);
    let offset = text.len() - text_no_bom.len();
    let doc = syntax(file, text, text_no_bom, offset)?;
    let mut reader = Reader::default();
    let spec = reader.rubric(doc.get_ref(), doc.span());
    let locate = |span: &Range<usize>| Location::at(file, text, offset + span.start);
    let mut problems: Vec<(usize, RubricProblem)> = reader
        .problems
        .iter()
        .map(|(span, message, hint)| {
            (
                span.start,
                RubricProblem {
                    at: locate(span),
                    message: message.clone(),
                    hint: hint.clone(),
                },
            )
        })
        .collect();
    // Validation runs even after unreadable fields, so every problem is listed at once; but a problem in an
    // object whose field could not be read may only echo that field, so those are left out.
    let tainted = reader.tainted_objects();
    match Rubric::new(spec) {
        Ok(rubric) if problems.is_empty() => return Ok(rubric),
        Ok(_) => {}
        Err(Problems(found)) => {
            for p in found {
                let object = object_of(&p.path);
                if tainted
                    .iter()
                    .any(|t| within(&object, t) || (p.aggregate && within(t, &object)))
                {
                    continue;
                }
                let span = reader.span_of(&p.path);
                let mut message = p.message;
                if let Some(also) = &p.also {
                    let first = locate(&reader.span_of(also));
                    message.push_str(&format!("（第一次出现在第{}行）", first.line));
                }
                problems.push((
                    span.start,
                    RubricProblem {
                        at: locate(&span),
                        message,
                        hint: Some(p.hint),
                    },
                ));
            }
        }
    }
    problems.sort_by_key(|(start, _)| *start);
    Err(RubricFileError::Invalid(
        problems.into_iter().map(|(_, p)| p).collect(),
    ))
}

/// Reads rubric text into a [`RubricSpec`] without the core's checks (a part of a rubric, such as its
/// settings without sections, which a review form completes before the whole is validated).
///
/// # Errors
/// Every syntax problem, or else every field that could not be read, located.
pub fn read_rubric_spec(file: &str, text: &str) -> Result<RubricSpec, RubricFileError> {
    let text_no_bom = text.strip_prefix('\u{feff}').unwrap_or(text);
    let offset = text.len() - text_no_bom.len();
    let doc = syntax(file, text, text_no_bom, offset)?;
    let mut reader = Reader::default();
    let spec = reader.rubric(doc.get_ref(), doc.span());
    if reader.problems.is_empty() {
        return Ok(spec);
    }
    Err(RubricFileError::Invalid(
        reader
            .problems
            .iter()
            .map(|(span, message, hint)| RubricProblem {
                at: Location::at(file, text, offset + span.start),
                message: message.clone(),
                hint: hint.clone(),
            })
            .collect(),
    ))
}

/// The document, or every syntax problem located (`[sections]` for `[[sections]]` said as such).
fn syntax<'a>(
    file: &str,
    text: &str,
    text_no_bom: &'a str,
    offset: usize,
) -> Result<Spanned<DeTable<'a>>, RubricFileError> {
    let (doc, errors) = DeTable::parse_recoverable(text_no_bom);
    let single = single_bracket_arrays(text_no_bom);
    if !errors.is_empty() || !single.is_empty() {
        // `[sections]` for `[[sections]]` makes the next `[sections]` a duplicate key to TOML: say what
        // the clerk did, where they did it, and drop the duplicates it caused.
        let mut problems: Vec<(usize, RubricProblem)> = single
            .iter()
            .map(|&(at, key)| {
                (
                    at,
                    RubricProblem {
                        at: Location::at(file, text, offset + at),
                        message: format!("[{key}] 应写作 [[{key}]]"),
                        hint: Some(format!(
                            "每一个{}都以两层方括号 [[{key}]] 开始",
                            array_what(key)
                        )),
                    },
                )
            })
            .collect();
        problems.extend(
            errors
                .iter()
                .filter(|e| single.is_empty() || !e.message().contains("duplicate"))
                .map(|e| {
                    let at = e.span().map_or(0, |s| s.start);
                    (
                        at,
                        RubricProblem {
                            at: Location::at(file, text, offset + at),
                            message: format!("TOML格式错误：{}", e.message().trim()),
                            hint: Some("检查引号、方括号和等号是否成对、完整".into()),
                        },
                    )
                }),
        );
        problems.sort_by_key(|(at, _)| *at);
        return Err(RubricFileError::Invalid(
            problems.into_iter().map(|(_, p)| p).collect(),
        ));
    }
    Ok(doc)
}

/// The keys the format writes as arrays of tables, with what each entry is.
const ARRAYS: [(&str, &str); 8] = [
    ("sections", "栏目"),
    ("sections.items", "评分项"),
    ("sections.items.rules", "评分规则"),
    ("sections.rules", "评分规则"),
    ("rounds", "轮次"),
    ("grades", "等次"),
    ("vetoes", "否决事项"),
    ("bonus.rules", "加分规则"),
];

fn array_what(key: &str) -> &'static str {
    ARRAYS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or("表", |(_, what)| what)
}

/// Table headers written with one pair of brackets where the format has an array of tables
/// (`[sections]`), with their byte offsets. Lines inside multi-line strings are not headers.
fn single_bracket_arrays(text: &str) -> Vec<(usize, &'static str)> {
    let mut found = Vec::new();
    let mut open: Option<&str> = None;
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let here = start;
        start += line.len();
        if open.is_none() {
            let t = line.trim_start();
            if let Some(inner) = t.strip_prefix('[').filter(|i| !i.starts_with('[')) {
                if let Some(end) = inner.find(']') {
                    let key: String = inner[..end]
                        .chars()
                        .filter(|c| !c.is_whitespace() && *c != '"' && *c != '\'')
                        .collect();
                    if let Some((k, _)) = ARRAYS.iter().find(|(k, _)| *k == key) {
                        found.push((here + line.len() - t.len(), *k));
                    }
                }
            }
        }
        let mut rest = line;
        loop {
            let next = match open {
                Some(delim) => rest.find(delim).map(|i| (i, None)),
                None => ["\"\"\"", "\'\'\'"]
                    .iter()
                    .filter_map(|d| rest.find(d).map(|i| (i, Some(*d))))
                    .min_by_key(|(i, _)| *i),
            };
            match next {
                Some((i, delim)) => {
                    rest = &rest[i + 3..];
                    open = delim;
                }
                None => break,
            }
        }
    }
    found
}

type Found<'t, 'i> = &'t Spanned<DeValue<'i>>;

/// Walks the document, building the spec and remembering where each field was.
#[derive(Default)]
struct Reader {
    spans: FxHashMap<String, Range<usize>>,
    problems: Vec<(Range<usize>, String, Option<String>)>,
}

/// A table being read, with its path and the keys it may have.
struct Fields<'t, 'i> {
    table: &'t DeTable<'i>,
    span: Range<usize>,
    path: String,
}

/// The object a field path belongs to: `sections[1].items[0].points` → `sections[1].items[0]`.
fn object_of(path: &str) -> String {
    match path.rfind('.') {
        Some(i) if !path[i..].contains('[') => path[..i].to_string(),
        Some(_) => path.to_string(),
        None if path.contains('[') => path.to_string(),
        None => String::new(),
    }
}

/// Whether object `inner` is `outer` or inside it, by path segments (`sections[1]` is not in
/// `sections[10]`); the root (`""`) holds everything.
fn within(inner: &str, outer: &str) -> bool {
    outer.is_empty()
        || (inner.starts_with(outer)
            && (inner.len() == outer.len() || inner[outer.len()..].starts_with(['.', '['])))
}

impl Reader {
    /// The objects holding a field that could not be read, found from the problems' positions.
    fn tainted_objects(&self) -> Vec<String> {
        self.problems
            .iter()
            .filter_map(|(span, _, _)| {
                self.spans
                    .iter()
                    .filter(|(_, r)| r.start <= span.start && span.start < r.end.max(r.start + 1))
                    .max_by_key(|(p, _)| p.len())
                    .map(|(p, _)| object_of(p))
            })
            .collect()
    }

    fn problem(&mut self, span: Range<usize>, message: impl Into<String>, hint: Option<&str>) {
        self.problems
            .push((span, message.into(), hint.map(String::from)));
    }

    /// The span recorded for a validation path, or for its nearest recorded parent.
    fn span_of(&self, path: &str) -> Range<usize> {
        let mut p = path;
        loop {
            if let Some(span) = self.spans.get(p) {
                return span.clone();
            }
            match p.rfind(['.', '[']) {
                Some(i) => p = &p[..i],
                None => return 0..0,
            }
        }
    }

    fn fields<'t, 'i>(
        &mut self,
        table: &'t DeTable<'i>,
        span: Range<usize>,
        path: &str,
        allowed: &[&str],
    ) -> Fields<'t, 'i> {
        self.spans.insert(path.to_string(), span.clone());
        for (key, _) in table.iter() {
            let name: &str = key.get_ref();
            if !allowed.contains(&name) {
                let hint = format!("可用的键：{}", allowed.join("、"));
                let at = if path.is_empty() {
                    String::new()
                } else {
                    format!("（在 {path} 中）")
                };
                self.problem(key.span(), format!("未知的键“{name}”{at}"), Some(&hint));
            }
        }
        Fields {
            table,
            span,
            path: path.to_string(),
        }
    }

    fn get<'t, 'i>(&mut self, f: &Fields<'t, 'i>, key: &str) -> Option<Found<'t, 'i>> {
        let (_, value) = f.table.iter().find(|(k, _)| {
            let name: &str = k.get_ref();
            name == key
        })?;
        self.spans.insert(join(&f.path, key), value.span());
        Some(value)
    }

    fn string(&mut self, f: &Fields<'_, '_>, key: &str) -> Option<String> {
        let v = self.get(f, key)?;
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            DeValue::Datetime(d) => Some(d.to_string()),
            DeValue::Integer(i) => Some(i.as_str().to_string()),
            other => {
                self.problem(
                    v.span(),
                    format!("“{key}”应为文字，现为{}", type_name(other)),
                    Some("用双引号括起来，如 \"…\""),
                );
                None
            }
        }
    }

    fn required_string(&mut self, f: &Fields<'_, '_>, key: &str, what: &str) -> String {
        match self.string(f, key) {
            Some(s) => s,
            None => {
                if self.get(f, key).is_none() {
                    let span = f.span.clone();
                    self.problem(
                        span,
                        format!("缺少{what}（{key}）"),
                        Some(&format!("写 {key} = \"…\"")),
                    );
                }
                String::new()
            }
        }
    }

    fn decimal(&mut self, f: &Fields<'_, '_>, key: &str) -> Option<Decimal> {
        let v = self.get(f, key)?;
        let parsed = match v.get_ref() {
            DeValue::Integer(i) if i.radix() == 10 => parse_decimal(i.as_str()),
            DeValue::Float(x) => parse_decimal(x.as_str()),
            DeValue::String(s) => parse_decimal(s.trim().trim_end_matches('分')),
            _ => None,
        };
        if parsed.is_none() {
            match v.get_ref() {
                // A number TOML reads but an exact decimal cannot hold (1e300, 40 digits).
                DeValue::Integer(n) => self.out_of_range(v.span(), key, n.as_str()),
                DeValue::Float(x) if x.as_str().chars().any(|c| c.is_ascii_digit()) => {
                    self.out_of_range(v.span(), key, x.as_str())
                }
                other => self.problem(
                    v.span(),
                    format!("“{key}”应为分数，现为{}", describe(other)),
                    Some("写数字，如 5 或 0.5"),
                ),
            }
        }
        parsed
    }

    fn out_of_range(&mut self, span: Range<usize>, key: &str, text: &str) {
        self.problem(
            span,
            format!("“{key}”的值{}超出范围", text.trim()),
            Some(&format!(
                "分值不能超过{}，最多{}位小数",
                kaoping_core::limits::MAX_POINTS,
                kaoping_core::limits::MAX_DECIMALS
            )),
        );
    }

    fn required_decimal(&mut self, f: &Fields<'_, '_>, key: &str, what: &str) -> Decimal {
        if self.get(f, key).is_none() {
            let span = f.span.clone();
            self.problem(
                span,
                format!("缺少{what}（{key}）"),
                Some(&format!("写 {key} = 数字")),
            );
        }
        self.decimal(f, key).unwrap_or_default()
    }

    /// A weight: a decimal, or a percentage string such as "30%".
    fn weight(&mut self, f: &Fields<'_, '_>, key: &str) -> Option<Decimal> {
        let v = self.get(f, key)?;
        if let DeValue::String(s) = v.get_ref() {
            let s = s.trim();
            if let Some(pct) = s.strip_suffix('%').or_else(|| s.strip_suffix('％')) {
                return match parse_decimal(pct.trim()) {
                    Some(d) => Some(d / Decimal::ONE_HUNDRED),
                    None => {
                        self.problem(
                            v.span(),
                            format!("“{s}”不是有效的百分比"),
                            Some("写 \"30%\" 或 0.3"),
                        );
                        None
                    }
                };
            }
        }
        self.decimal(f, key)
    }

    fn unsigned(&mut self, f: &Fields<'_, '_>, key: &str) -> Option<u32> {
        let v = self.get(f, key)?;
        let n = match v.get_ref() {
            DeValue::Integer(i) if i.radix() == 10 => {
                i.as_str().replace('_', "").parse::<i128>().ok()
            }
            DeValue::String(s) => s.trim().parse::<i128>().ok(),
            _ => None,
        };
        match n {
            Some(n) if n < 0 => self.problem(
                v.span(),
                format!("“{key}”应为非负整数，现为负数{n}"),
                Some("写0或正整数，如 12"),
            ),
            Some(n) => match u32::try_from(n) {
                Ok(n) => return Some(n),
                Err(_) => self.problem(
                    v.span(),
                    format!("“{key}”的值{n}过大"),
                    Some(&format!(
                        "写不超过{}的整数",
                        kaoping_core::limits::MAX_COUNT
                    )),
                ),
            },
            None => self.problem(
                v.span(),
                format!("“{key}”应为非负整数，现为{}", describe(v.get_ref())),
                Some("写整数，如 12"),
            ),
        }
        None
    }

    fn boolean(&mut self, f: &Fields<'_, '_>, key: &str) -> bool {
        let Some(v) = self.get(f, key) else {
            return false;
        };
        match v.get_ref() {
            DeValue::Boolean(b) => *b,
            other => {
                self.problem(
                    v.span(),
                    format!("“{key}”应为 true 或 false，现为{}", type_name(other)),
                    Some("写 true 或 false（不加引号）"),
                );
                false
            }
        }
    }

    /// An array of tables (`[[sections]]`, `levels = [{…}]`), each as (table, span).
    fn tables<'t, 'i>(
        &mut self,
        f: &Fields<'t, 'i>,
        key: &str,
    ) -> Vec<(&'t DeTable<'i>, Range<usize>)> {
        let Some(v) = self.get(f, key) else {
            return Vec::new();
        };
        match v.get_ref() {
            DeValue::Array(items) => items
                .iter()
                .filter_map(|item| match item.get_ref() {
                    DeValue::Table(t) => Some((t, item.span())),
                    other => {
                        self.problem(
                            item.span(),
                            format!("“{key}”中的每一项应为表，现为{}", type_name(other)),
                            None,
                        );
                        None
                    }
                })
                .collect(),
            DeValue::Table(t) => vec![(t, v.span())],
            other => {
                self.problem(
                    v.span(),
                    format!("“{key}”应为表的数组，现为{}", type_name(other)),
                    Some(&format!("写 [[{key}]]")),
                );
                Vec::new()
            }
        }
    }

    fn rubric(&mut self, doc: &DeTable<'_>, span: Range<usize>) -> RubricSpec {
        let f = self.fields(
            doc,
            span,
            "",
            &[
                "title",
                "issuer",
                "issued",
                "total",
                "pass_mark",
                "rate_rounding",
                "decimals",
                "rounds",
                "grades",
                "sections",
                "bonus",
                "vetoes",
            ],
        );
        let title = self.required_string(&f, "title", "考评细则标题");
        let rate_rounding = match self.string(&f, "rate_rounding").as_deref() {
            None => RateRounding::default(),
            Some(s) => self
                .rate_rounding(&f, "rate_rounding", s)
                .unwrap_or_default(),
        };
        let rounds = self
            .tables(&f, "rounds")
            .into_iter()
            .enumerate()
            .map(|(i, (t, span))| {
                let r = self.fields(
                    t,
                    span,
                    &format!("rounds[{i}]"),
                    &["code", "name", "weight"],
                );
                RoundSpec {
                    code: self.string(&r, "code"),
                    name: self.required_string(&r, "name", "轮次名称"),
                    weight: match self.weight(&r, "weight") {
                        Some(w) => w,
                        None => {
                            if self.get(&r, "weight").is_none() {
                                let span = r.span.clone();
                                self.problem(
                                    span,
                                    "轮次缺少权重（weight）",
                                    Some("写 weight = \"30%\""),
                                );
                            }
                            Decimal::ZERO
                        }
                    },
                }
            })
            .collect();
        let grades = self
            .tables(&f, "grades")
            .into_iter()
            .enumerate()
            .map(|(i, (t, span))| {
                let g = self.fields(t, span, &format!("grades[{i}]"), &["name", "min"]);
                GradeSpec {
                    name: self.required_string(&g, "name", "等次名称"),
                    min: self.required_decimal(&g, "min", "等次下限"),
                }
            })
            .collect();
        let sections = self
            .tables(&f, "sections")
            .into_iter()
            .enumerate()
            .map(|(i, (t, span))| self.section(t, span, i))
            .collect();
        let bonus = match self.get(&f, "bonus") {
            Some(v) => match v.get_ref() {
                DeValue::Table(t) => self.bonus(t, v.span()),
                other => {
                    self.problem(
                        v.span(),
                        format!("“bonus”应为表，现为{}", type_name(other)),
                        Some("写 [bonus]"),
                    );
                    BonusSpec::default()
                }
            },
            None => BonusSpec::default(),
        };
        let vetoes = self
            .tables(&f, "vetoes")
            .into_iter()
            .enumerate()
            .map(|(i, (t, span))| self.veto(t, span, i))
            .collect();
        RubricSpec {
            title,
            issuer: self.string(&f, "issuer"),
            issued: self.string(&f, "issued"),
            total: self.decimal(&f, "total").unwrap_or(Decimal::ONE_HUNDRED),
            pass_mark: self.decimal(&f, "pass_mark"),
            rate_rounding,
            total_decimals: self.unsigned(&f, "decimals"),
            rounds,
            grades,
            sections,
            bonus,
            vetoes,
        }
    }

    fn rate_rounding(
        &mut self,
        f: &Fields<'_, '_>,
        key: &str,
        value: &str,
    ) -> Option<RateRounding> {
        match value.trim() {
            "exact" | "按实际" => Some(RateRounding::Exact),
            "down" | "只计整数" => Some(RateRounding::Down),
            "up" | "不足一个百分点按一个计" => Some(RateRounding::Up),
            other => {
                let span = self.get(f, key).map_or(f.span.clone(), |v| v.span());
                self.problem(
                    span,
                    format!("未知的百分点取整方式“{other}”"),
                    Some("可用：exact（按实际）、down（只计整数）、up（不足一个百分点按一个计）"),
                );
                None
            }
        }
    }

    const ITEM_KEYS: [&'static str; 9] = [
        "code",
        "title",
        "points",
        "content",
        "criteria",
        "method",
        "department",
        "inherit",
        "rules",
    ];

    fn section(&mut self, t: &DeTable<'_>, span: Range<usize>, i: usize) -> SectionSpec {
        let path = format!("sections[{i}]");
        // A section with rules and no items is its own single item (a flat rubric).
        let flat = t.iter().any(|(k, _)| {
            let name: &str = k.get_ref();
            name == "rules"
        });
        let mut allowed = vec!["code", "title", "points", "pool", "items"];
        if flat {
            allowed.extend(Self::ITEM_KEYS);
        }
        let f = self.fields(t, span.clone(), &path, &allowed);
        let code = self.string(&f, "code");
        let items = if flat {
            if self.get(&f, "items").is_some() {
                let span = f.span.clone();
                self.problem(
                    span,
                    "栏目同时有 rules 和 items",
                    Some("栏目本身就是评分项时写 rules；否则把规则写在各 [[sections.items]] 下"),
                );
            }
            let mut item = self.item(t, span, &format!("{path}.items[0]"), true);
            item.code = Some(code.clone().unwrap_or_else(|| (i + 1).to_string()));
            vec![item]
        } else {
            self.tables(&f, "items")
                .into_iter()
                .enumerate()
                .map(|(j, (t, span))| self.item(t, span, &format!("{path}.items[{j}]"), false))
                .collect()
        };
        SectionSpec {
            code,
            title: self.required_string(&f, "title", "栏目名称"),
            points: self.required_decimal(&f, "points", "栏目分值"),
            pool: self.boolean(&f, "pool"),
            items,
        }
    }

    /// An item table. For a flat section the table is the section's own, whose keys `section` checked.
    fn item(&mut self, t: &DeTable<'_>, span: Range<usize>, path: &str, flat: bool) -> ItemSpec {
        let f = if flat {
            self.spans.insert(path.to_string(), span.clone());
            Fields {
                table: t,
                span,
                path: path.to_string(),
            }
        } else {
            self.fields(t, span, path, &Self::ITEM_KEYS)
        };
        let rules = self
            .tables(&f, "rules")
            .into_iter()
            .enumerate()
            .map(|(k, (t, span))| self.rule(t, span, &format!("{path}.rules[{k}]")))
            .collect();
        ItemSpec {
            code: if flat { None } else { self.string(&f, "code") },
            title: self.string(&f, "title").unwrap_or_default(),
            points: self.decimal(&f, "points"),
            content: self.string(&f, "content").unwrap_or_default(),
            criteria: self.string(&f, "criteria").unwrap_or_default(),
            method: self.string(&f, "method").unwrap_or_default(),
            department: self.string(&f, "department"),
            inherit: self.boolean(&f, "inherit"),
            rules,
        }
    }

    fn rule(&mut self, t: &DeTable<'_>, span: Range<usize>, path: &str) -> RuleSpec {
        let f = self.fields(
            t,
            span,
            path,
            &[
                "code",
                "kind",
                "text",
                "applies_to",
                "amount",
                "max_count",
                "levels",
                "first",
                "step",
                "cap",
                "threshold",
                "per_point",
                "rounding",
                "scale_min",
                "scale_max",
                "decimals",
                "expected",
                "min",
                "max",
                "records",
                "measure",
            ],
        );
        let kind_name = self.required_string(&f, "kind", "规则类型");
        let kind = self.kind(&f, &kind_name);
        let applies_to = match self.string(&f, "applies_to").as_deref().map(str::trim) {
            None => None,
            Some("unit") | Some("个人") | Some("单位") => Some(AppliesTo::Unit),
            Some("group") | Some("组") => Some(AppliesTo::Group),
            Some("any") | Some("单位或组") => Some(AppliesTo::Any),
            Some(other) => {
                let span = self
                    .get(&f, "applies_to")
                    .map_or(f.span.clone(), |v| v.span());
                self.problem(
                    span,
                    format!("未知的适用对象“{other}”"),
                    Some("可用：unit（单位，默认）、group（组）、any（单位或组）"),
                );
                None
            }
        };
        let feed = self.feed(&f);
        RuleSpec {
            code: self.string(&f, "code"),
            text: self.string(&f, "text").unwrap_or_default(),
            kind,
            applies_to,
            feed,
        }
    }

    /// `records = [{ kind = "支委会", every = "month" }, …]` or `measure = "attendance_rate"`.
    fn feed(&mut self, f: &Fields<'_, '_>) -> Option<Feed> {
        let measure = self.string(f, "measure").map(|name| {
            Measure::from_name(&name).ok_or_else(|| {
                let span = self.get(f, "measure").map_or(f.span.clone(), |v| v.span());
                self.problem(
                    span,
                    format!("未知的数据来源“{}”", name.trim()),
                    Some("可用：attendance_rate（出勤率）、late（迟到次数）、early_leave（早退次数）、absence（旷工次数）、exam_score（考试成绩）"),
                );
            })
        });
        if self.get(f, "records").is_none() {
            return measure.and_then(Result::ok).map(Feed::Measure);
        }
        if measure.is_some() {
            let span = self.get(f, "measure").map_or(f.span.clone(), |v| v.span());
            self.problem(
                span,
                "一条规则不能既由记录本计数又取考勤或考试数据",
                Some("删去 records 或 measure"),
            );
        }
        let links = self
            .tables(f, "records")
            .into_iter()
            .enumerate()
            .map(|(k, (t, span))| {
                let l = self.fields(
                    t,
                    span,
                    &format!("{}.records[{k}]", f.path),
                    &["kind", "every", "times", "due_day"],
                );
                let kind = self.required_string(&l, "kind", "记录类型");
                let times = self.unsigned(&l, "times").unwrap_or(1);
                let due_day = self.unsigned(&l, "due_day");
                let every = self.required_string(&l, "every", "频次（every）");
                let schedule = match (every.trim(), due_day) {
                    ("month" | "月" | "每月", None) => Schedule::Monthly { times },
                    ("quarter" | "季" | "季度" | "每季度" | "每季", None) => {
                        Schedule::Quarterly { times }
                    }
                    ("quarter" | "季" | "季度" | "每季度" | "每季", Some(day)) => {
                        Schedule::QuarterlyBy {
                            day: u8::try_from(day).unwrap_or(u8::MAX),
                        }
                    }
                    ("year" | "年" | "每年", None) => Schedule::Yearly { times },
                    (other, _) => {
                        let key = if due_day.is_some() && !other.is_empty() { "due_day" } else { "every" };
                        let span = self.get(&l, key).map_or(l.span.clone(), |v| v.span());
                        let message = if key == "due_day" {
                            format!("截止日（due_day）只用于按季度的记录，不能用于“{other}”")
                        } else {
                            format!("未知的频次“{other}”")
                        };
                        self.problem(span, message, Some("every 可用：month（每月）、quarter（每季度）、year（每年）；按季次月N日前写 every = \"quarter\", due_day = N"));
                        Schedule::Monthly { times }
                    }
                };
                RecordLink { kind, schedule }
            })
            .collect();
        Some(Feed::Records(links))
    }

    fn kind(&mut self, f: &Fields<'_, '_>, name: &str) -> RuleKindSpec {
        let amount = |r: &mut Reader, what: &str| r.required_decimal(f, "amount", what);
        match name.trim() {
            "fixed" | "定额扣分" => RuleKindSpec::Fixed {
                amount: amount(self, "扣分"),
            },
            "per_occurrence" | "按次扣分" => RuleKindSpec::PerOccurrence {
                amount: amount(self, "每次扣分"),
                max_count: self.unsigned(f, "max_count"),
            },
            "zero" | "不得分" => RuleKindSpec::Zero,
            "graded" | "分档得分" => RuleKindSpec::Graded {
                levels: self.levels(f),
            },
            "progressive" | "累进扣分" => {
                let first = self.required_decimal(f, "first", "首次扣分");
                RuleKindSpec::Progressive {
                    first,
                    step: self.decimal(f, "step").unwrap_or(first),
                    cap: self.decimal(f, "cap"),
                }
            }
            "rate" | "比率扣分" => RuleKindSpec::Rate {
                threshold: self.required_decimal(f, "threshold", "达标百分比"),
                per_point: self.required_decimal(f, "per_point", "每个百分点的扣分"),
                rounding: match self.string(f, "rounding") {
                    Some(s) => self.rate_rounding(f, "rounding", &s),
                    None => None,
                },
            },
            "conversion" | "折合得分" => RuleKindSpec::Conversion {
                scale_min: self.decimal(f, "scale_min").unwrap_or(Decimal::ZERO),
                scale_max: self.decimal(f, "scale_max").unwrap_or(Decimal::ONE_HUNDRED),
                decimals: self.unsigned(f, "decimals").unwrap_or(2),
                expected: self.unsigned(f, "expected"),
            },
            "discretionary" | "酌情评分" => RuleKindSpec::Discretionary,
            "frequency" | "频次扣分" => RuleKindSpec::Frequency {
                expected: match self.unsigned(f, "expected") {
                    Some(n) => n,
                    None => {
                        if self.get(f, "expected").is_none() {
                            let span = f.span.clone();
                            self.problem(
                                span,
                                "缺少应开展次数（expected）",
                                Some("写 expected = 12"),
                            );
                        }
                        1
                    }
                },
                amount: amount(self, "每缺一次扣分"),
            },
            "deadline" | "时限规则" => RuleKindSpec::Deadline {
                penalty: self.decimal(f, "amount"),
            },
            "range_deduction" | "酌情扣分" => RuleKindSpec::RangeDeduction {
                min: self.decimal(f, "min").unwrap_or(Decimal::ZERO),
                max: self.required_decimal(f, "max", "最多扣分"),
            },
            "earned" | "达标得分" => RuleKindSpec::Earned {
                amount: amount(self, "达标得分"),
                max_count: self.unsigned(f, "max_count"),
            },
            "" => RuleKindSpec::Zero,
            other => {
                let span = self.get(f, "kind").map_or(f.span.clone(), |v| v.span());
                self.problem(
                    span,
                    format!("未知的规则类型“{other}”"),
                    Some("可用：fixed、per_occurrence、zero、graded、progressive、rate、conversion、discretionary、frequency、deadline、earned、range_deduction"),
                );
                RuleKindSpec::Zero
            }
        }
    }

    fn levels(&mut self, f: &Fields<'_, '_>) -> Vec<LevelSpec> {
        self.tables(f, "levels")
            .into_iter()
            .enumerate()
            .map(|(i, (t, span))| {
                let l = self.fields(
                    t,
                    span,
                    &format!("{}.levels[{i}]", f.path),
                    &["name", "points"],
                );
                LevelSpec {
                    name: self.string(&l, "name").unwrap_or_default(),
                    points: self.decimal(&l, "points"),
                }
            })
            .collect()
    }

    fn bonus(&mut self, t: &DeTable<'_>, span: Range<usize>) -> BonusSpec {
        let f = self.fields(
            t,
            span,
            "bonus",
            &[
                "cap",
                "threshold",
                "matter_scope",
                "matter_required",
                "rules",
            ],
        );
        let rules = self
            .tables(&f, "rules")
            .into_iter()
            .enumerate()
            .map(|(i, (t, span))| {
                let r = self.fields(
                    t,
                    span,
                    &format!("bonus.rules[{i}]"),
                    &["code", "title", "text", "combine", "levels", "amount"],
                );
                let combine = match self.string(&r, "combine").as_deref().map(str::trim) {
                    None | Some("highest") | Some("就高") => BonusCombine::HighestPerMatter,
                    Some("sum") | Some("累计") => BonusCombine::Sum,
                    Some(other) => {
                        let span = self.get(&r, "combine").map_or(r.span.clone(), |v| v.span());
                        self.problem(
                            span,
                            format!("未知的加分方式“{other}”"),
                            Some("可用：highest（就高不就低）、sum（累计）"),
                        );
                        BonusCombine::HighestPerMatter
                    }
                };
                BonusRuleSpec {
                    code: self.string(&r, "code"),
                    title: self.string(&r, "title").unwrap_or_default(),
                    text: self.string(&r, "text").unwrap_or_default(),
                    combine,
                    levels: self.levels(&r),
                    amount: self.decimal(&r, "amount"),
                }
            })
            .collect();
        let matter_scope = match self.string(&f, "matter_scope").as_deref().map(str::trim) {
            None | Some("all") | Some("全部") => MatterScope::AllRules,
            Some("rule") | Some("本规则") => MatterScope::PerRule,
            Some(other) => {
                let span = self
                    .get(&f, "matter_scope")
                    .map_or(f.span.clone(), |v| v.span());
                self.problem(
                    span,
                    format!("未知的事项范围“{other}”"),
                    Some("可用：all（同一事项在所有就高规则中只按最高一次加分，默认）、rule（只在同一加分规则内就高）"),
                );
                MatterScope::AllRules
            }
        };
        let matter_required = match self.get(&f, "matter_required") {
            Some(_) => self.boolean(&f, "matter_required"),
            None => true,
        };
        BonusSpec {
            cap: self.decimal(&f, "cap"),
            threshold: self.decimal(&f, "threshold"),
            matter_scope,
            matter_optional: !matter_required,
            rules,
        }
    }

    fn veto(&mut self, t: &DeTable<'_>, span: Range<usize>, i: usize) -> VetoSpec {
        let f = self.fields(
            t,
            span,
            &format!("vetoes[{i}]"),
            &["code", "title", "text", "effect", "max_grade"],
        );
        let effect = match self.string(&f, "effect").as_deref().map(str::trim) {
            None | Some("fail") | Some("不合格") => VetoEffectSpec::Fail,
            Some("max_grade") | Some("限定等次") => {
                VetoEffectSpec::MaxGrade(self.required_string(&f, "max_grade", "限定的最高等次"))
            }
            Some(other) => {
                let span = self.get(&f, "effect").map_or(f.span.clone(), |v| v.span());
                self.problem(
                    span,
                    format!("未知的否决效果“{other}”"),
                    Some("可用：fail、max_grade"),
                );
                VetoEffectSpec::Fail
            }
        };
        VetoSpec {
            code: self.string(&f, "code"),
            title: self.string(&f, "title").unwrap_or_default(),
            text: self.string(&f, "text").unwrap_or_default(),
            effect,
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// A decimal exactly as written: `5`, `0.5`, `1_000`, `2.5e1`.
fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim().replace('_', "");
    if t.is_empty() || t.contains(['n', 'i', 'N', 'I']) {
        return None;
    }
    if t.contains(['e', 'E']) {
        return Decimal::from_scientific(&t).ok();
    }
    Decimal::from_str(t.strip_prefix('+').unwrap_or(&t)).ok()
}

fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "文字",
        DeValue::Integer(_) => "整数",
        DeValue::Float(_) => "小数",
        DeValue::Boolean(_) => "真假值",
        DeValue::Datetime(_) => "日期",
        DeValue::Array(_) => "数组",
        DeValue::Table(_) => "表",
    }
}

fn describe(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("“{s}”"),
        other => type_name(other).to_string(),
    }
}
