//! The rubric review form: an imported table shown as one row per rule (kind, amount and limits in
//! boxes, the source phrase beside them), read back into a [`RubricSpec`] with every field checked, and
//! every problem — a field that is not a number, a row still to confirm, the core's own checks — said
//! where the user saw it: the row and column of the uploaded table (第5行“评分标准”列).
//!
//! The form is plain strings as typed, so a refused form comes back with what the user wrote. Field
//! names are positional (`s0.title`, `s0.i1.points`, `s0.i1.r2.amount`, `b0.amount`, `v0.title`), and
//! each item carries its table row in a hidden field. What the form does not show (rounds, grades, the
//! bonus cap …, from Kaoping's own exports) rides along as TOML in one hidden field.

use std::collections::BTreeMap;
use std::str::FromStr;

use kaoping_core::rubric::{
    AppliesTo, BonusCombine, BonusRuleSpec, BonusSpec, Feed, ItemSpec, LevelSpec, Problems,
    RateRounding, Rubric, RubricSpec, RuleKindSpec, RuleSpec, SectionSpec, VetoEffectSpec,
    VetoSpec,
};
use kaoping_core::Decimal;
use kaoping_import::{Columns, Imported};

use crate::error::AppError;
use crate::limits::{bounded, NAME_CHARS};

/// The rule kinds the form offers, with the names users read.
pub const RULE_KINDS: [(&str, &str); 12] = [
    ("per_occurrence", "每次扣分"),
    ("fixed", "定额扣分"),
    ("zero", "不得分"),
    ("progressive", "累进扣分"),
    ("graded", "分档评分"),
    ("discretionary", "酌情评分"),
    ("range_deduction", "酌情扣分（区间）"),
    ("earned", "达标得分"),
    ("frequency", "频次扣分"),
    ("deadline", "时限扣分"),
    ("rate", "比率扣分"),
    ("conversion", "折合得分"),
];

/// Which boxes a kind reads, in words, shown under its select.
pub fn kind_hint(kind: &str) -> &'static str {
    match kind {
        "per_occurrence" => "读：分值（每次扣分），次数上限或扣分上限（可空）",
        "fixed" => "读：分值（发现即扣，只扣一次）",
        "zero" => "本项记0分，不读其他栏",
        "progressive" => "读：分值（首次扣分），加扣（每次加扣，空则同首次），扣分上限（可空）",
        "graded" => "读：分档，每行“名称,分值”",
        "discretionary" => "考核人给出0～本项分值的得分并写明理由",
        "range_deduction" => "读：最少（空则0）、最多；每条记录在其间酌定扣分，多条累加",
        "earned" => "读：分值（每达到一项得分），次数上限（最多几项，可空）",
        "frequency" => "读：次数（应开展次数），分值（每少一次扣分）",
        "deadline" => "读：分值（逾期每次扣分；空则逾期本项不得分）",
        "rate" => "读：最少（达标百分比，空则100），分值（每低一个百分点扣分）",
        "conversion" => "读：最少、最多（原始分范围，空则0～100），次数（应有成绩次数，可空）",
        "" => "不生成规则",
        _ => "",
    }
}

/// The longest text a field of the form may hold: a cell of a table.
pub const FORM_CELL_CHARS: usize = 10_000;
/// At most this many sections, items per section, rules per item, bonus rules or vetoes.
const MAX_INDEX: usize = 5_000;

/// One rule row (or a phrase to confirm that made no rule: `kind` empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleForm {
    pub code: String,
    /// A key of [`RULE_KINDS`], or empty for no rule.
    pub kind: String,
    pub amount: String,
    pub count: String,
    pub cap: String,
    pub step: String,
    pub min: String,
    pub max: String,
    /// Graded levels, one `名称,分值` a line.
    pub levels: String,
    /// `""` (a unit), `group`, `any`.
    pub applies: String,
    /// 原文: the phrase of the criteria the rule stands for.
    pub text: String,
    /// Carried unchanged: a conversion's decimals and a rate's rounding (`exact`, `down`, `up`).
    pub decimals: String,
    pub rounding: String,
    /// 记录本: the record kinds that count the rule, `支委会（每月至少1次）；…` (empty: none).
    pub records: String,
    /// Why the importer asks to confirm the row (empty: nothing to confirm).
    pub confirm: String,
    /// 已核对
    pub checked: bool,
    pub delete: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemForm {
    /// The 1-based row of the uploaded table (0: not from the table).
    pub row: usize,
    pub code: String,
    pub title: String,
    pub points: String,
    pub content: String,
    pub criteria: String,
    pub method: String,
    pub department: String,
    pub inherit: bool,
    pub rules: Vec<RuleForm>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SectionForm {
    pub code: String,
    pub title: String,
    pub points: String,
    pub pool: bool,
    pub items: Vec<ItemForm>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BonusForm {
    pub row: usize,
    pub code: String,
    pub title: String,
    pub text: String,
    pub amount: String,
    pub levels: String,
    /// `highest` (就高不就低) or `sum`.
    pub combine: String,
    pub confirm: String,
    pub checked: bool,
    pub delete: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VetoForm {
    pub row: usize,
    pub code: String,
    pub title: String,
    pub text: String,
    /// Empty: the unit fails; else the grade it may reach at most.
    pub grade: String,
    pub confirm: String,
    pub checked: bool,
    pub delete: bool,
}

/// A section as posted: its fields, and its items with their rules, by index.
type PostedSection = (
    SectionForm,
    BTreeMap<usize, (ItemForm, BTreeMap<usize, RuleForm>)>,
);

/// The whole review form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RubricForm {
    /// The name the rubric is saved under (a new version of it).
    pub name: String,
    pub title: String,
    pub total: String,
    /// The rubric's settings the form does not show, as TOML (no sections, bonus rules or vetoes).
    pub settings: String,
    /// The uploaded table's names of its columns.
    pub columns: Columns,
    pub sections: Vec<SectionForm>,
    pub bonus: Vec<BonusForm>,
    pub vetoes: Vec<VetoForm>,
    /// Problems beside their fields, in form order: (field name, message).
    pub errors: Vec<(String, String)>,
    /// Problems of no field the form shows.
    pub problems: Vec<String>,
}

/// The field-name prefix of a section, an item, a rule, a bonus rule and a veto.
pub fn section_key(s: usize) -> String {
    format!("s{s}")
}
pub fn item_key(s: usize, i: usize) -> String {
    format!("s{s}.i{i}")
}
pub fn rule_key(s: usize, i: usize, r: usize) -> String {
    format!("s{s}.i{i}.r{r}")
}
pub fn bonus_key(b: usize) -> String {
    format!("b{b}")
}
pub fn veto_key(v: usize) -> String {
    format!("v{v}")
}

/// A decimal as people write points: `97.5`, never `97.50`.
fn pts(d: Decimal) -> String {
    d.normalize().to_string()
}

fn opt_pts(d: Option<Decimal>) -> String {
    d.map(pts).unwrap_or_default()
}

/// Text with spaces and punctuation dropped, to match a phrase to confirm with the rule it became.
fn plain(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !",，。；;：:、".contains(*c))
        .collect()
}

fn overlaps(a: &str, b: &str) -> bool {
    let (a, b) = (plain(a), plain(b));
    !a.is_empty() && !b.is_empty() && (a.contains(&b) || b.contains(&a))
}

fn add_reason(confirm: &mut String, reason: &str) {
    if !confirm.is_empty() {
        confirm.push('；');
    }
    confirm.push_str(reason);
}

fn levels_text(levels: &[LevelSpec]) -> String {
    levels
        .iter()
        .map(|l| format!("{},{}", l.name, opt_pts(l.points)))
        .collect::<Vec<_>>()
        .join("\n")
}

impl RuleForm {
    /// A rule as the form shows it.
    pub fn of(rule: &RuleSpec) -> RuleForm {
        let mut f = RuleForm {
            code: rule.code.clone().unwrap_or_default(),
            text: rule.text.clone(),
            applies: match rule.applies_to {
                None | Some(AppliesTo::Unit) => String::new(),
                Some(AppliesTo::Group) => "group".into(),
                Some(AppliesTo::Any) => "any".into(),
            },
            records: match &rule.feed {
                Some(Feed::Records(links)) => links
                    .iter()
                    .map(|l| l.describe())
                    .collect::<Vec<_>>()
                    .join("；"),
                _ => String::new(),
            },
            ..RuleForm::default()
        };
        let count = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
        match &rule.kind {
            RuleKindSpec::Fixed { amount } => {
                f.kind = "fixed".into();
                f.amount = pts(*amount);
            }
            RuleKindSpec::PerOccurrence { amount, max_count } => {
                f.kind = "per_occurrence".into();
                f.amount = pts(*amount);
                f.count = count(*max_count);
            }
            RuleKindSpec::Zero => f.kind = "zero".into(),
            RuleKindSpec::Graded { levels } => {
                f.kind = "graded".into();
                f.levels = levels_text(levels);
            }
            RuleKindSpec::Progressive { first, step, cap } => {
                f.kind = "progressive".into();
                f.amount = pts(*first);
                f.step = pts(*step);
                f.cap = opt_pts(*cap);
            }
            RuleKindSpec::Rate {
                threshold,
                per_point,
                rounding,
            } => {
                f.kind = "rate".into();
                f.min = pts(*threshold);
                f.amount = pts(*per_point);
                f.rounding = match rounding {
                    None => "",
                    Some(RateRounding::Exact) => "exact",
                    Some(RateRounding::Down) => "down",
                    Some(RateRounding::Up) => "up",
                }
                .into();
            }
            RuleKindSpec::Conversion {
                scale_min,
                scale_max,
                decimals,
                expected,
            } => {
                f.kind = "conversion".into();
                f.min = pts(*scale_min);
                f.max = pts(*scale_max);
                f.decimals = decimals.to_string();
                f.count = count(*expected);
            }
            RuleKindSpec::Discretionary => f.kind = "discretionary".into(),
            RuleKindSpec::Frequency { expected, amount } => {
                f.kind = "frequency".into();
                f.count = expected.to_string();
                f.amount = pts(*amount);
            }
            RuleKindSpec::Deadline { penalty } => {
                f.kind = "deadline".into();
                f.amount = opt_pts(*penalty);
            }
            RuleKindSpec::Earned { amount, max_count } => {
                f.kind = "earned".into();
                f.amount = pts(*amount);
                f.count = count(*max_count);
            }
            RuleKindSpec::RangeDeduction { min, max } => {
                f.kind = "range_deduction".into();
                f.min = pts(*min);
                f.max = pts(*max);
            }
        }
        f
    }

    /// A row with nothing in it: the empty row an item offers for a new rule.
    pub fn is_blank(&self) -> bool {
        self.kind.is_empty() && self.text.trim().is_empty() && self.confirm.is_empty()
    }
}

impl BonusForm {
    fn of(b: &BonusRuleSpec) -> BonusForm {
        BonusForm {
            code: b.code.clone().unwrap_or_default(),
            title: b.title.clone(),
            text: b.text.clone(),
            amount: opt_pts(b.amount),
            levels: levels_text(&b.levels),
            combine: match b.combine {
                BonusCombine::HighestPerMatter => "highest",
                BonusCombine::Sum => "sum",
            }
            .into(),
            ..BonusForm::default()
        }
    }
}

impl VetoForm {
    fn of(v: &VetoSpec) -> VetoForm {
        VetoForm {
            code: v.code.clone().unwrap_or_default(),
            title: v.title.clone(),
            text: v.text.clone(),
            grade: match &v.effect {
                VetoEffectSpec::Fail => String::new(),
                VetoEffectSpec::MaxGrade(g) => g.clone(),
            },
            ..VetoForm::default()
        }
    }
}

/// Where a field is in the uploaded table, and what the field is called there.
struct Place {
    row: usize,
    column: String,
}

impl Place {
    fn say(&self, message: &str) -> String {
        match (self.row, self.column.is_empty()) {
            (0, true) => message.to_string(),
            (0, false) => format!("“{}”：{message}", self.column),
            (row, true) => format!("第{row}行：{message}"),
            (row, false) => format!("第{row}行“{}”列：{message}", self.column),
        }
    }
}

/// Where each part of the spec came from on the form: core paths (`sections[0].items[1].rules[2]`)
/// to a form prefix (`s0.i1.r3`, indices differ once rows are deleted), the row, and the kind.
struct Origin {
    path: String,
    key: String,
    row: usize,
    what: Part,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Section,
    Item,
    Rule,
    Bonus,
    Veto,
}

/// A typed number, or the message saying it is not one.
fn decimal(text: &str) -> Result<Option<Decimal>, ()> {
    let t: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            c => c,
        })
        .collect();
    let t = t.trim_end_matches('分').trim();
    if t.is_empty() {
        return Ok(None);
    }
    Decimal::from_str(t).map(Some).map_err(|_| ())
}

fn whole(text: &str) -> Result<Option<u32>, ()> {
    let t = text.trim().trim_end_matches(['次', '项']).trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse().map(Some).map_err(|_| ())
}

/// What the checks of one build found: (field, message) in form order.
#[derive(Default)]
struct Found(Vec<(String, String)>);

impl Found {
    fn add(&mut self, key: String, message: String) {
        self.0.push((key, message));
    }

    fn number(&mut self, key: String, place: &Place, label: &str, text: &str) -> Option<Decimal> {
        match decimal(text) {
            Ok(d) => d,
            Err(()) => {
                self.add(key, place.say(&format!("{label}“{}”不是数字", text.trim())));
                None
            }
        }
    }

    fn required(&mut self, key: String, place: &Place, label: &str, text: &str) -> Option<Decimal> {
        if text.trim().is_empty() {
            self.add(key, place.say(&format!("请填写{label}")));
            return None;
        }
        self.number(key, place, label, text)
    }

    fn count(&mut self, key: String, place: &Place, label: &str, text: &str) -> Option<u32> {
        match whole(text) {
            Ok(n) => n,
            Err(()) => {
                self.add(key, place.say(&format!("{label}“{}”不是整数", text.trim())));
                None
            }
        }
    }

    fn levels(&mut self, key: String, place: &Place, text: &str) -> Vec<LevelSpec> {
        let mut out = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let cut = line.rfind([',', '，', ' ', '\t', ':', '：', '=']);
            let Some(cut) = cut else {
                self.add(
                    key.clone(),
                    place.say(&format!("分档第{}行“{line}”应写作“名称,分值”", n + 1)),
                );
                continue;
            };
            let sep = line[cut..].chars().next().map_or(1, char::len_utf8);
            let (name, points) = (line[..cut].trim(), line[cut + sep..].trim());
            match decimal(points) {
                Ok(points) if !name.is_empty() => out.push(LevelSpec {
                    name: name.to_string(),
                    points,
                }),
                _ => self.add(
                    key.clone(),
                    place.say(&format!("分档第{}行“{line}”应写作“名称,分值”", n + 1)),
                ),
            }
        }
        out
    }
}

impl RubricForm {
    /// The form of an imported table: every rule in its row, each phrase to confirm beside the rule it
    /// became (or in a row of its own when it made none), the problems the core finds already said in
    /// the table's terms.
    pub fn of_import(name: &str, imported: &Imported) -> RubricForm {
        let spec = &imported.spec;
        let mut form = RubricForm {
            name: name.to_string(),
            title: spec.title.clone(),
            total: pts(spec.total),
            settings: settings_toml(spec),
            columns: imported.columns.clone(),
            ..RubricForm::default()
        };
        for s in &spec.sections {
            form.sections.push(SectionForm {
                code: s.code.clone().unwrap_or_default(),
                title: s.title.clone(),
                points: pts(s.points),
                pool: s.pool,
                items: s
                    .items
                    .iter()
                    .map(|it| ItemForm {
                        row: 0,
                        code: it.code.clone().unwrap_or_default(),
                        title: it.title.clone(),
                        points: opt_pts(it.points),
                        content: it.content.clone(),
                        criteria: it.criteria.clone(),
                        method: it.method.clone(),
                        department: it.department.clone().unwrap_or_default(),
                        inherit: it.inherit,
                        rules: it.rules.iter().map(RuleForm::of).collect(),
                    })
                    .collect(),
            });
        }
        form.bonus = spec.bonus.rules.iter().map(BonusForm::of).collect();
        form.vetoes = spec.vetoes.iter().map(VetoForm::of).collect();
        for report in &imported.items {
            for b in report.bonus.clone() {
                if let Some(f) = form.bonus.get_mut(b) {
                    f.row = report.row;
                }
            }
            for v in report.vetoes.clone() {
                if let Some(f) = form.vetoes.get_mut(v) {
                    f.row = report.row;
                }
            }
            let item = report
                .item
                .and_then(|(s, i)| form.sections.get_mut(s)?.items.get_mut(i));
            if let Some(item) = item {
                item.row = report.row;
            }
            for c in &report.confirm {
                let rule = report.item.and_then(|(s, i)| {
                    let item = form.sections.get_mut(s)?.items.get_mut(i)?;
                    item.rules.iter_mut().find(|r| overlaps(&r.text, &c.phrase))
                });
                if let Some(rule) = rule {
                    add_reason(&mut rule.confirm, &c.reason);
                    continue;
                }
                let veto = report.vetoes.clone().find(|&v| {
                    form.vetoes
                        .get(v)
                        .is_some_and(|f| overlaps(&f.text, &c.phrase))
                });
                if let Some(v) = veto {
                    add_reason(&mut form.vetoes[v].confirm, &c.reason);
                    continue;
                }
                let bonus = report.bonus.clone().find(|&b| {
                    form.bonus
                        .get(b)
                        .is_some_and(|f| overlaps(&f.text, &c.phrase))
                });
                if let Some(b) = bonus {
                    add_reason(&mut form.bonus[b].confirm, &c.reason);
                    continue;
                }
                // A phrase that made nothing: a row of its own to fill in or leave out.
                let target = report
                    .item
                    .and_then(|(s, i)| form.sections.get_mut(s)?.items.get_mut(i));
                match target {
                    Some(item) => item.rules.push(RuleForm {
                        text: c.phrase.clone(),
                        confirm: c.reason.clone(),
                        ..RuleForm::default()
                    }),
                    None => form.bonus.push(BonusForm {
                        row: report.row,
                        title: c.phrase.chars().take(20).collect(),
                        text: c.phrase.clone(),
                        combine: "highest".into(),
                        confirm: c.reason.clone(),
                        ..BonusForm::default()
                    }),
                }
            }
        }
        form.check(false);
        form
    }

    /// Reads a posted form: `(name, value)` pairs as the browser sends them; unknown names are left
    /// out.
    ///
    /// # Errors
    /// [`AppError::Invalid`] for an index past the bounds or a value longer than a table cell.
    pub fn from_fields(fields: &[(String, String)]) -> Result<RubricForm, AppError> {
        let mut form = RubricForm::default();
        let mut sections: BTreeMap<usize, PostedSection> = BTreeMap::new();
        let mut bonus: BTreeMap<usize, BonusForm> = BTreeMap::new();
        let mut vetoes: BTreeMap<usize, VetoForm> = BTreeMap::new();
        let index = |part: &str, letter: char| -> Result<Option<usize>, AppError> {
            let Some(n) = part.strip_prefix(letter) else {
                return Ok(None);
            };
            match n.parse::<usize>() {
                Ok(n) if n < MAX_INDEX => Ok(Some(n)),
                _ => Err(AppError::Invalid(format!(
                    "表单字段“{part}”无效（序号应小于{MAX_INDEX}）"
                ))),
            }
        };
        for (key, value) in fields {
            if let Err(e) = bounded(key, value, FORM_CELL_CHARS) {
                return Err(AppError::Invalid(e));
            }
            let v = value.clone();
            let parts: Vec<&str> = key.split('.').collect();
            match parts[..] {
                ["name"] => form.name = v,
                ["title"] => form.title = v,
                ["total"] => form.total = v,
                ["settings"] => form.settings = v,
                ["col", c] => match c {
                    "section" => form.columns.section = v,
                    "points" => form.columns.points = v,
                    "content" => form.columns.content = v,
                    "criteria" => form.columns.criteria = v,
                    _ => {}
                },
                [s, field] if s.starts_with('s') => {
                    let Some(s) = index(s, 's')? else { continue };
                    let sec = &mut sections.entry(s).or_default().0;
                    match field {
                        "code" => sec.code = v,
                        "title" => sec.title = v,
                        "points" => sec.points = v,
                        "pool" => sec.pool = !v.is_empty(),
                        _ => {}
                    }
                }
                [s, i, field] if s.starts_with('s') && i.starts_with('i') => {
                    let (Some(s), Some(i)) = (index(s, 's')?, index(i, 'i')?) else {
                        continue;
                    };
                    let item = &mut sections.entry(s).or_default().1.entry(i).or_default().0;
                    match field {
                        "row" => item.row = v.trim().parse().unwrap_or(0),
                        "code" => item.code = v,
                        "title" => item.title = v,
                        "points" => item.points = v,
                        "content" => item.content = v,
                        "criteria" => item.criteria = v,
                        "method" => item.method = v,
                        "department" => item.department = v,
                        "inherit" => item.inherit = !v.is_empty(),
                        _ => {}
                    }
                }
                [s, i, r, field] if s.starts_with('s') && i.starts_with('i') => {
                    let (Some(s), Some(i), Some(r)) =
                        (index(s, 's')?, index(i, 'i')?, index(r, 'r')?)
                    else {
                        continue;
                    };
                    let rule = sections
                        .entry(s)
                        .or_default()
                        .1
                        .entry(i)
                        .or_default()
                        .1
                        .entry(r)
                        .or_default();
                    match field {
                        "code" => rule.code = v,
                        "kind" => rule.kind = v,
                        "amount" => rule.amount = v,
                        "count" => rule.count = v,
                        "cap" => rule.cap = v,
                        "step" => rule.step = v,
                        "min" => rule.min = v,
                        "max" => rule.max = v,
                        "levels" => rule.levels = v,
                        "applies" => rule.applies = v,
                        "text" => rule.text = v,
                        "decimals" => rule.decimals = v,
                        "rounding" => rule.rounding = v,
                        "records" => rule.records = v,
                        "confirm" => rule.confirm = v,
                        "checked" => rule.checked = !v.is_empty(),
                        "delete" => rule.delete = !v.is_empty(),
                        _ => {}
                    }
                }
                [b, field] if b.starts_with('b') => {
                    let Some(b) = index(b, 'b')? else { continue };
                    let f = bonus.entry(b).or_default();
                    match field {
                        "row" => f.row = v.trim().parse().unwrap_or(0),
                        "code" => f.code = v,
                        "title" => f.title = v,
                        "text" => f.text = v,
                        "amount" => f.amount = v,
                        "levels" => f.levels = v,
                        "combine" => f.combine = v,
                        "confirm" => f.confirm = v,
                        "checked" => f.checked = !v.is_empty(),
                        "delete" => f.delete = !v.is_empty(),
                        _ => {}
                    }
                }
                [x, field] if x.starts_with('v') => {
                    let Some(x) = index(x, 'v')? else { continue };
                    let f = vetoes.entry(x).or_default();
                    match field {
                        "row" => f.row = v.trim().parse().unwrap_or(0),
                        "code" => f.code = v,
                        "title" => f.title = v,
                        "text" => f.text = v,
                        "grade" => f.grade = v,
                        "confirm" => f.confirm = v,
                        "checked" => f.checked = !v.is_empty(),
                        "delete" => f.delete = !v.is_empty(),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        form.sections = sections
            .into_values()
            .map(|(mut s, items)| {
                s.items = items
                    .into_values()
                    .map(|(mut item, rules)| {
                        item.rules = rules.into_values().collect();
                        item
                    })
                    .collect();
                s
            })
            .collect();
        form.bonus = bonus.into_values().collect();
        form.vetoes = vetoes.into_values().collect();
        Ok(form)
    }

    /// The message beside a field, if any (several joined).
    pub fn error(&self, key: &str) -> Option<String> {
        let found: Vec<&str> = self
            .errors
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, m)| m.as_str())
            .collect();
        (!found.is_empty()).then(|| found.join("；"))
    }

    /// Whether anything stops the form from being saved.
    pub fn has_problems(&self) -> bool {
        !self.errors.is_empty() || !self.problems.is_empty()
    }

    /// The rubric as TOML, for the advanced editor: what the form says now, fields that could not be
    /// read left at their defaults.
    pub fn toml(&self) -> String {
        kaoping_formats::write_rubric(&self.build().0)
    }

    /// Checks every field, then (when they all read) the rubric as a whole, with each problem said at
    /// its field in the table's terms; with `confirmed`, every row to confirm must be ticked 已核对.
    /// The rubric, when there is no problem.
    pub fn check(&mut self, confirmed: bool) -> Option<RubricSpec> {
        let (spec, origins, mut found, problems) = self.build();
        self.problems = problems;
        if self.name.trim().is_empty() {
            found.add("name".into(), "名称：不能为空".into());
        } else if let Err(e) = bounded("名称", self.name.trim(), NAME_CHARS) {
            found.add("name".into(), e);
        }
        if confirmed {
            self.unconfirmed(&mut found);
        }
        if found.0.is_empty() && self.problems.is_empty() {
            if let Err(Problems(core)) = Rubric::new(spec.clone()) {
                for p in core {
                    self.locate(&p, &origins, &mut found);
                }
            }
        }
        self.errors = found.0;
        (!self.has_problems()).then_some(spec)
    }

    /// The rows still to confirm, each at its 已核对 box, and all of them said once above the form.
    fn unconfirmed(&mut self, found: &mut Found) {
        let mut rows = Vec::new();
        let criteria = self.columns.criteria.clone();
        let mut note = |key: String, row: usize, text: &str, found: &mut Found| {
            let place = Place {
                row,
                column: criteria.clone(),
            };
            found.add(
                format!("{key}.checked"),
                place.say(&format!("“{}”待核对：核对后请勾选“已核对”", text.trim())),
            );
            if !rows.contains(&row) {
                rows.push(row);
            }
        };
        for (si, s) in self.sections.iter().enumerate() {
            for (ii, item) in s.items.iter().enumerate() {
                for (ri, r) in item.rules.iter().enumerate() {
                    if !r.confirm.is_empty() && !r.checked && !r.delete {
                        note(rule_key(si, ii, ri), item.row, &r.text, found);
                    }
                }
            }
        }
        for (bi, b) in self.bonus.iter().enumerate() {
            if !b.confirm.is_empty() && !b.checked && !b.delete {
                note(bonus_key(bi), b.row, &b.text, found);
            }
        }
        for (vi, v) in self.vetoes.iter().enumerate() {
            if !v.confirm.is_empty() && !v.checked && !v.delete {
                note(veto_key(vi), v.row, &v.text, found);
            }
        }
        if !rows.is_empty() {
            let rows: Vec<String> = rows
                .iter()
                .map(|&r| {
                    if r == 0 {
                        "新增的行".into()
                    } else {
                        format!("第{r}行")
                    }
                })
                .collect();
            self.problems.push(format!(
                "以下各行有待核对的规则，尚未勾选“已核对”：{}",
                rows.join("、")
            ));
        }
    }

    fn column_of(&self, what: Part, field: &str) -> String {
        let c = &self.columns;
        let or = |a: &str, b: &str| {
            if a.is_empty() {
                b.to_string()
            } else {
                a.to_string()
            }
        };
        match (what, field) {
            (Part::Section, "points") => or(&c.points, &c.section),
            (Part::Section, _) => or(&c.section, "栏目"),
            (Part::Item, "points") => or(&c.points, &c.content),
            (Part::Item, "department") => String::new(),
            (Part::Item, "rules") => c.criteria.clone(),
            (Part::Item, _) => c.content.clone(),
            (Part::Rule | Part::Bonus | Part::Veto, _) => c.criteria.clone(),
        }
    }

    /// A problem of the core, at the field of the form it names (`sections[0].items[1].rules[2].amount`
    /// → `s0.i1.r3.amount`), in the table's terms.
    fn locate(&self, p: &kaoping_core::rubric::Problem, origins: &[Origin], found: &mut Found) {
        // Hints that speak TOML (`写 points …`) are not the form's words.
        let hint = if p.hint.is_empty() || p.hint.chars().any(|c| c.is_ascii_alphabetic()) {
            String::new()
        } else {
            format!("（{}）", p.hint)
        };
        let message = format!("{}{hint}", p.message);
        if p.path == "total" {
            found.add("total".into(), format!("总分：{message}"));
            return;
        }
        // The longest origin the path lies in.
        let origin = origins
            .iter()
            .filter(|o| {
                p.path == o.path
                    || p.path
                        .strip_prefix(&o.path)
                        .is_some_and(|rest| rest.starts_with('.'))
            })
            .max_by_key(|o| o.path.len());
        let Some(o) = origin else {
            found.add("settings".into(), format!("设置（{}）：{message}", p.path));
            return;
        };
        let rest = p.path[o.path.len()..].trim_start_matches('.');
        let head = rest.split(['.', '[']).next().unwrap_or("");
        let field = match o.what {
            Part::Rule => match head {
                "amount" | "first" | "per_point" | "penalty" => "amount",
                "max_count" | "expected" => "count",
                "cap" => "cap",
                "step" => "step",
                "min" | "scale_min" | "threshold" => "min",
                "max" | "scale_max" => "max",
                "levels" => "levels",
                "text" => "text",
                "code" => "code",
                "applies_to" => "applies",
                _ => "kind",
            },
            Part::Item => match head {
                "points" => "points",
                "code" => "code",
                "rules" => "rules",
                "department" => "department",
                _ => "title",
            },
            Part::Section => match head {
                "points" => "points",
                "code" => "code",
                _ => "title",
            },
            Part::Bonus => match head {
                "amount" => "amount",
                "levels" => "levels",
                "text" => "text",
                "code" => "code",
                "combine" => "combine",
                _ => "title",
            },
            Part::Veto => match head {
                "text" => "text",
                "code" => "code",
                "effect" | "max_grade" => "grade",
                _ => "title",
            },
        };
        let place = Place {
            row: o.row,
            column: self.column_of(o.what, field),
        };
        found.add(format!("{}.{field}", o.key), place.say(&message));
    }

    /// The rubric the form says, where each part came from, what could not be read, and problems of
    /// no field.
    fn build(&self) -> (RubricSpec, Vec<Origin>, Found, Vec<String>) {
        let mut found = Found::default();
        let mut problems = Vec::new();
        let mut origins = Vec::new();
        let mut spec = if self.settings.trim().is_empty() {
            RubricSpec::default()
        } else {
            match kaoping_formats::read_rubric_spec("设置", &self.settings) {
                Ok(spec) => spec,
                Err(e) => {
                    problems.push(format!("无法读取其余设置：{e}"));
                    RubricSpec::default()
                }
            }
        };
        spec.title = self.title.trim().to_string();
        let top = Place {
            row: 0,
            column: "总分".into(),
        };
        spec.total = match decimal(&self.total) {
            Ok(Some(t)) => t,
            Ok(None) => {
                found.add("total".into(), top.say("请填写总分"));
                Decimal::ONE_HUNDRED
            }
            Err(()) => {
                found.add(
                    "total".into(),
                    top.say(&format!("“{}”不是数字", self.total.trim())),
                );
                Decimal::ONE_HUNDRED
            }
        };
        spec.sections.clear();
        for (si, s) in self.sections.iter().enumerate() {
            let skey = section_key(si);
            let first_row = s.items.iter().map(|i| i.row).find(|&r| r > 0).unwrap_or(0);
            let at = |field: &str| Place {
                row: first_row,
                column: self.column_of(Part::Section, field),
            };
            let spath = format!("sections[{}]", spec.sections.len());
            origins.push(Origin {
                path: spath.clone(),
                key: skey.clone(),
                row: first_row,
                what: Part::Section,
            });
            let points = found
                .required(
                    format!("{skey}.points"),
                    &at("points"),
                    "栏目分值",
                    &s.points,
                )
                .unwrap_or_default();
            let mut section = SectionSpec {
                code: Some(s.code.trim().to_string()).filter(|c| !c.is_empty()),
                title: s.title.trim().to_string(),
                points,
                pool: s.pool,
                items: Vec::new(),
            };
            for (ii, item) in s.items.iter().enumerate() {
                let ikey = item_key(si, ii);
                let ipath = format!("{spath}.items[{}]", section.items.len());
                origins.push(Origin {
                    path: ipath.clone(),
                    key: ikey.clone(),
                    row: item.row,
                    what: Part::Item,
                });
                let place = Place {
                    row: item.row,
                    column: self.column_of(Part::Item, "points"),
                };
                let points = found.number(format!("{ikey}.points"), &place, "分值", &item.points);
                let mut rules = Vec::new();
                for (ri, r) in item.rules.iter().enumerate() {
                    if r.delete || r.kind.is_empty() {
                        if !r.delete
                            && r.kind.is_empty()
                            && !r.text.trim().is_empty()
                            && r.confirm.is_empty()
                        {
                            found.add(
                                format!("{}.kind", rule_key(si, ii, ri)),
                                Place {
                                    row: item.row,
                                    column: self.columns.criteria.clone(),
                                }
                                .say("新增的规则请选择类型"),
                            );
                        }
                        continue;
                    }
                    let rkey = rule_key(si, ii, ri);
                    origins.push(Origin {
                        path: format!("{ipath}.rules[{}]", rules.len()),
                        key: rkey.clone(),
                        row: item.row,
                        what: Part::Rule,
                    });
                    let place = Place {
                        row: item.row,
                        column: self.columns.criteria.clone(),
                    };
                    if let Some(rule) = rule_spec(r, &rkey, &place, &mut found) {
                        rules.push(rule);
                    }
                }
                section.items.push(ItemSpec {
                    code: Some(item.code.trim().to_string()).filter(|c| !c.is_empty()),
                    title: item.title.trim().to_string(),
                    points,
                    content: item.content.clone(),
                    criteria: item.criteria.clone(),
                    method: item.method.clone(),
                    department: Some(item.department.trim().to_string()).filter(|d| !d.is_empty()),
                    inherit: item.inherit,
                    rules,
                });
            }
            spec.sections.push(section);
        }
        let mut bonus_rules = Vec::new();
        for (bi, b) in self.bonus.iter().enumerate() {
            let empty = b.amount.trim().is_empty() && b.levels.trim().is_empty();
            if b.delete || (empty && !b.confirm.is_empty()) {
                continue;
            }
            let bkey = bonus_key(bi);
            origins.push(Origin {
                path: format!("bonus.rules[{}]", bonus_rules.len()),
                key: bkey.clone(),
                row: b.row,
                what: Part::Bonus,
            });
            let place = Place {
                row: b.row,
                column: self.columns.criteria.clone(),
            };
            let amount = found.number(format!("{bkey}.amount"), &place, "加分分值", &b.amount);
            let levels = found.levels(format!("{bkey}.levels"), &place, &b.levels);
            bonus_rules.push(BonusRuleSpec {
                code: Some(b.code.trim().to_string()).filter(|c| !c.is_empty()),
                title: b.title.trim().to_string(),
                text: b.text.trim().to_string(),
                combine: if b.combine == "sum" {
                    BonusCombine::Sum
                } else {
                    BonusCombine::HighestPerMatter
                },
                levels,
                amount,
            });
        }
        spec.bonus = BonusSpec {
            rules: bonus_rules,
            ..spec.bonus
        };
        spec.vetoes.clear();
        for (vi, v) in self.vetoes.iter().enumerate() {
            if v.delete {
                continue;
            }
            origins.push(Origin {
                path: format!("vetoes[{}]", spec.vetoes.len()),
                key: veto_key(vi),
                row: v.row,
                what: Part::Veto,
            });
            spec.vetoes.push(VetoSpec {
                code: Some(v.code.trim().to_string()).filter(|c| !c.is_empty()),
                title: v.title.trim().to_string(),
                text: v.text.trim().to_string(),
                effect: match v.grade.trim() {
                    "" => VetoEffectSpec::Fail,
                    g => VetoEffectSpec::MaxGrade(g.to_string()),
                },
            });
        }
        (spec, origins, found, problems)
    }
}

/// A rubric's settings without its sections, bonus rules and vetoes, as TOML.
fn settings_toml(spec: &RubricSpec) -> String {
    kaoping_formats::write_rubric(&RubricSpec {
        sections: Vec::new(),
        vetoes: Vec::new(),
        bonus: BonusSpec {
            rules: Vec::new(),
            ..spec.bonus.clone()
        },
        ..spec.clone()
    })
}

/// One rule row to a rule, every box it reads checked (one that could not be read is left at its
/// default, its problem noted); `None` for a kind the form does not offer.
fn rule_spec(r: &RuleForm, key: &str, place: &Place, found: &mut Found) -> Option<RuleSpec> {
    let k = |field: &str| format!("{key}.{field}");
    let kind = match r.kind.as_str() {
        "fixed" => RuleKindSpec::Fixed {
            amount: found
                .required(k("amount"), place, "扣分分值", &r.amount)
                .unwrap_or_default(),
        },
        "per_occurrence" => {
            let amount = found.required(k("amount"), place, "扣分分值", &r.amount);
            let count = found.count(k("count"), place, "次数上限", &r.count);
            let cap = found.number(k("cap"), place, "扣分上限", &r.cap);
            // 最多扣5分 with 每次扣1分: at most 5 occurrences.
            let from_cap = match (cap, amount) {
                (Some(cap), Some(a)) if a > Decimal::ZERO => {
                    let n = (cap / a).normalize();
                    match n.to_string().parse::<u32>() {
                        Ok(n) if n > 0 => Some(n),
                        _ => {
                            found.add(
                                k("cap"),
                                place.say(&format!(
                                    "扣分上限{}分不是每次扣分{}分的整数倍，请改填次数上限",
                                    pts(cap),
                                    pts(a)
                                )),
                            );
                            None
                        }
                    }
                }
                _ => None,
            };
            if let (Some(c), Some(f)) = (count, from_cap) {
                if c != f {
                    found.add(
                        k("cap"),
                        place.say(&format!("扣分上限相当于{f}次，与次数上限{c}次不一致")),
                    );
                }
            }
            RuleKindSpec::PerOccurrence {
                amount: amount.unwrap_or_default(),
                max_count: count.or(from_cap),
            }
        }
        "zero" => RuleKindSpec::Zero,
        "graded" => {
            if r.levels.trim().is_empty() {
                found.add(k("levels"), place.say("请填写分档，每行“名称,分值”"));
            }
            RuleKindSpec::Graded {
                levels: found.levels(k("levels"), place, &r.levels),
            }
        }
        "progressive" => {
            let first = found
                .required(k("amount"), place, "首次扣分", &r.amount)
                .unwrap_or_default();
            RuleKindSpec::Progressive {
                first,
                step: found
                    .number(k("step"), place, "累进加扣", &r.step)
                    .unwrap_or(first),
                cap: found.number(k("cap"), place, "扣分上限", &r.cap),
            }
        }
        "rate" => RuleKindSpec::Rate {
            threshold: found
                .number(
                    k("min"),
                    place,
                    "达标百分比",
                    r.min.trim_end_matches(['%', '％']),
                )
                .unwrap_or(Decimal::ONE_HUNDRED),
            per_point: found
                .required(k("amount"), place, "每个百分点扣分", &r.amount)
                .unwrap_or_default(),
            rounding: match r.rounding.as_str() {
                "exact" => Some(RateRounding::Exact),
                "down" => Some(RateRounding::Down),
                "up" => Some(RateRounding::Up),
                _ => None,
            },
        },
        "conversion" => RuleKindSpec::Conversion {
            scale_min: found
                .number(k("min"), place, "原始分最低", &r.min)
                .unwrap_or_default(),
            scale_max: found
                .number(k("max"), place, "原始分最高", &r.max)
                .unwrap_or(Decimal::ONE_HUNDRED),
            decimals: r.decimals.trim().parse().unwrap_or(2),
            expected: found.count(k("count"), place, "应有成绩次数", &r.count),
        },
        "discretionary" => RuleKindSpec::Discretionary,
        "frequency" => {
            let expected = if r.count.trim().is_empty() {
                found.add(k("count"), place.say("请填写应开展次数"));
                None
            } else {
                found.count(k("count"), place, "应开展次数", &r.count)
            };
            RuleKindSpec::Frequency {
                expected: expected.unwrap_or_default(),
                amount: found
                    .required(k("amount"), place, "每少一次扣分", &r.amount)
                    .unwrap_or_default(),
            }
        }
        "deadline" => RuleKindSpec::Deadline {
            penalty: found.number(k("amount"), place, "逾期扣分", &r.amount),
        },
        "earned" => RuleKindSpec::Earned {
            amount: found
                .required(k("amount"), place, "得分分值", &r.amount)
                .unwrap_or_default(),
            max_count: found.count(k("count"), place, "次数上限", &r.count),
        },
        "range_deduction" => RuleKindSpec::RangeDeduction {
            min: found
                .number(k("min"), place, "最少扣分", &r.min)
                .unwrap_or_default(),
            max: found
                .required(k("max"), place, "最多扣分", &r.max)
                .unwrap_or_default(),
        },
        other => {
            found.add(k("kind"), place.say(&format!("类型“{other}”无效")));
            return None;
        }
    };
    let applies_to = match r.applies.as_str() {
        "group" => Some(AppliesTo::Group),
        "any" => Some(AppliesTo::Any),
        "unit" => Some(AppliesTo::Unit),
        _ => None,
    };
    let feed = match kaoping_core::records::parse_links(&r.records) {
        Ok(links) if links.is_empty() => None,
        Ok(links) => Some(Feed::Records(links)),
        Err(message) => {
            found.add(k("records"), place.say(&message));
            None
        }
    };
    Some(RuleSpec {
        code: Some(r.code.trim().to_string()).filter(|c| !c.is_empty()),
        text: r.text.trim().to_string(),
        kind,
        applies_to,
        feed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table of the server's import test, with a 酌情扣1-3分 row.
    const TABLE: &str = "栏目,分值,考核内容,评分标准,考核办法\n\
重点指标,20分,保证完成生产任务,未完成扣20分；完成任务，但成本超支扣5分,查通报\n\
党建,80分,开展学习（40分）,每少一次扣2分；情节严重的，通报批评,查记录\n\
党建,80分,民主评议（30分）,酌情评分,查记录\n\
党建,80分,监督（10分）,监督不到位，酌情扣1-3分,查记录\n";

    fn form() -> RubricForm {
        let imported = kaoping_import::import_file("细则.csv", TABLE.as_bytes(), "测试").unwrap();
        RubricForm::of_import("测试", &imported)
    }

    fn tick_all(form: &mut RubricForm) {
        for s in &mut form.sections {
            for i in &mut s.items {
                for r in &mut i.rules {
                    r.checked = true;
                }
            }
        }
    }

    #[test]
    fn an_import_becomes_rows_per_rule_with_phrases_and_what_to_confirm() {
        let f = form();
        assert_eq!(f.columns.criteria, "评分标准");
        let rows: Vec<(usize, Vec<&str>)> = f
            .sections
            .iter()
            .flat_map(|s| &s.items)
            .map(|i| (i.row, i.rules.iter().map(|r| r.kind.as_str()).collect()))
            .collect();
        assert_eq!(
            rows,
            [
                (2, vec!["fixed", "fixed"]),
                (3, vec!["per_occurrence", ""]),
                (4, vec!["discretionary"]),
                (5, vec!["range_deduction"]),
            ]
        );
        let study = &f.sections[1].items[0];
        assert_eq!(study.rules[0].amount, "2");
        assert_eq!(study.rules[0].text, "每少一次扣2分");
        // A phrase that made no rule is a row of its own, to fill in or leave out.
        assert_eq!(study.rules[1].text, "情节严重的，通报批评");
        assert!(!study.rules[1].confirm.is_empty());
        // 酌情扣1-3分: a range deduction, to confirm, never a silent 酌情评分.
        let judged = &f.sections[1].items[2].rules[0];
        assert_eq!((judged.min.as_str(), judged.max.as_str()), ("1", "3"));
        assert!(judged.confirm.contains("酌情扣分（区间）"), "{judged:?}");
        assert!(f.errors.is_empty() && f.problems.is_empty(), "{f:?}");
    }

    #[test]
    fn rows_to_confirm_must_be_ticked() {
        let mut f = form();
        assert!(f.check(true).is_none());
        assert_eq!(
            f.problems,
            ["以下各行有待核对的规则，尚未勾选“已核对”：第3行、第5行"]
        );
        assert_eq!(
            f.error("s1.i2.r0.checked").unwrap(),
            "第5行“评分标准”列：“监督不到位，酌情扣1-3分”待核对：核对后请勾选“已核对”"
        );
        tick_all(&mut f);
        let spec = f.check(true).expect("valid once confirmed");
        assert_eq!(
            spec.sections[1].items[2].rules[0].kind,
            RuleKindSpec::RangeDeduction {
                min: Decimal::ONE,
                max: Decimal::from(3)
            }
        );
        // The row that made no rule stays out of the rubric.
        assert_eq!(spec.sections[1].items[0].rules.len(), 1);
        // A deleted row needs no confirming.
        let mut f = form();
        f.sections[1].items[0].rules[1].delete = true;
        f.sections[1].items[2].rules[0].delete = true;
        f.sections[1].items[2].rules.push(RuleForm {
            kind: "fixed".into(),
            amount: "3".into(),
            text: "监督不到位扣3分".into(),
            ..RuleForm::default()
        });
        let spec = f.check(true).expect("nothing left to confirm");
        assert_eq!(
            spec.sections[1].items[2].rules[0].kind,
            RuleKindSpec::Fixed {
                amount: Decimal::from(3)
            }
        );
    }

    #[test]
    fn fields_are_checked_and_said_at_the_table_row_and_column() {
        let mut f = form();
        tick_all(&mut f);
        f.sections[1].items[0].rules[0].amount = "abc".into();
        f.sections[1].items[0].rules[0].count = "两".into();
        f.sections[1].items[1].rules[0].kind = "graded".into();
        f.sections[1].items[1].rules[0].levels = "好,30\n较好".into();
        f.sections[0].points = "二十".into();
        f.total = "".into();
        assert!(f.check(true).is_none());
        assert_eq!(
            f.error("s1.i0.r0.amount").unwrap(),
            "第3行“评分标准”列：扣分分值“abc”不是数字"
        );
        assert_eq!(
            f.error("s1.i0.r0.count").unwrap(),
            "第3行“评分标准”列：次数上限“两”不是整数"
        );
        assert_eq!(
            f.error("s1.i1.r0.levels").unwrap(),
            "第4行“评分标准”列：分档第2行“较好”应写作“名称,分值”"
        );
        assert_eq!(
            f.error("s0.points").unwrap(),
            "第2行“分值”列：栏目分值“二十”不是数字"
        );
        assert_eq!(f.error("total").unwrap(), "“总分”：请填写总分");
        // The typed values stay as typed.
        assert_eq!(f.sections[1].items[0].rules[0].amount, "abc");
    }

    #[test]
    fn a_rule_counted_by_records_is_linked_in_its_row() {
        let mut f = form();
        tick_all(&mut f);
        f.sections[1].items[0].rules[0].records = "干部政治学习（每月至少1次）".into();
        let spec = f.check(true).expect("valid");
        let rule = &spec.sections[1].items[0].rules[0];
        assert_eq!(
            rule.feed,
            Some(Feed::Records(vec![kaoping_core::records::RecordLink {
                kind: "干部政治学习".into(),
                schedule: kaoping_core::records::Schedule::Monthly { times: 1 },
            }]))
        );
        // And the row shows it again as typed.
        assert_eq!(RuleForm::of(rule).records, "干部政治学习（每月至少1次）");
        f.sections[1].items[0].rules[0].records = "干部政治学习每月".into();
        assert!(f.check(true).is_none());
        assert!(f
            .error("s1.i0.r0.records")
            .unwrap()
            .contains("应写成“记录类型（每月至少1次）”"));
    }

    #[test]
    fn the_cores_problems_are_located_in_the_table_not_in_toml() {
        let mut f = form();
        tick_all(&mut f);
        // A deleted rule before: the core's rules[0] is the form's second row.
        let first = f.sections[0].items[0].rules[0].clone();
        f.sections[0].items[0].rules.insert(
            0,
            RuleForm {
                delete: true,
                ..first
            },
        );
        f.sections[0].items[0].rules[1].amount = "0".into();
        f.sections[1].items[1].points = "35".into();
        f.sections[1].items[2].rules[0].min = "5".into();
        assert!(f.check(true).is_none());
        let amount = f.error("s0.i0.r1.amount").unwrap();
        assert!(
            amount.starts_with("第2行“评分标准”列：规则1.1的扣分必须大于0"),
            "{amount}"
        );
        assert!(!amount.contains("amount"), "{amount}");
        let sum = f.error("s1.points").unwrap();
        assert!(
            sum.starts_with("第3行“分值”列：栏目2各评分项分值之和为85"),
            "{sum}"
        );
        let range = f.error("s1.i2.r0.min").unwrap();
        assert!(range.starts_with("第5行“评分标准”列："), "{range}");
        assert!(range.contains("5～3分颠倒了"), "{range}");
        for (key, message) in &f.errors {
            assert!(!message.contains("sections["), "{key}: {message}");
        }
    }

    #[test]
    fn a_posted_form_reads_back_by_its_field_names() {
        let fields: Vec<(String, String)> = [
            ("name", "细则"),
            ("title", "细则"),
            ("total", "10"),
            ("col.criteria", "评分标准"),
            ("s0.title", "一"),
            ("s0.points", "10"),
            ("s0.i0.row", "7"),
            ("s0.i0.title", "学习"),
            ("s0.i0.points", "10"),
            ("s0.i0.r1.kind", "per_occurrence"),
            ("s0.i0.r1.amount", "2"),
            ("s0.i0.r1.cap", "6"),
            ("s0.i0.r1.text", "每少一次扣2分，最多扣6分"),
            ("s0.i0.r0.kind", "range_deduction"),
            ("s0.i0.r0.max", "3"),
            ("s0.i0.r0.text", "酌情扣1-3分"),
            ("s0.i0.r0.confirm", "请确认"),
            ("s0.i0.r0.checked", "1"),
            ("s0.i0.r2.kind", ""),
            ("s0.i0.r2.text", ""),
            ("_csrf", "x"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let mut f = RubricForm::from_fields(&fields).unwrap();
        assert_eq!(f.sections[0].items[0].row, 7);
        let spec = f.check(true).expect("valid");
        let rules = &spec.sections[0].items[0].rules;
        assert_eq!(rules.len(), 2, "the empty row adds nothing");
        assert_eq!(
            rules[1].kind,
            RuleKindSpec::PerOccurrence {
                amount: Decimal::TWO,
                max_count: Some(3)
            }
        );
        let mut far = fields.clone();
        far.push(("s99999.title".into(), "x".into()));
        assert!(RubricForm::from_fields(&far).is_err());
        let mut long = fields;
        long.push(("s0.i0.criteria".into(), "字".repeat(FORM_CELL_CHARS + 1)));
        assert!(RubricForm::from_fields(&long).is_err());
    }

    #[test]
    fn a_cap_that_is_not_whole_deductions_is_refused() {
        let mut f = form();
        tick_all(&mut f);
        f.sections[1].items[0].rules[0].cap = "5".into();
        assert!(f.check(true).is_none());
        assert_eq!(
            f.error("s1.i0.r0.cap").unwrap(),
            "第3行“评分标准”列：扣分上限5分不是每次扣分2分的整数倍，请改填次数上限"
        );
    }

    #[test]
    fn settings_the_form_does_not_show_ride_along() {
        let mut imported =
            kaoping_import::import_file("细则.csv", TABLE.as_bytes(), "测试").unwrap();
        imported.spec.pass_mark = Some(Decimal::from(60));
        let mut f = RubricForm::of_import("测试", &imported);
        tick_all(&mut f);
        let spec = f.check(true).unwrap();
        assert_eq!(spec.pass_mark, Some(Decimal::from(60)));
        // The advanced editor's text is the form's rubric.
        assert!(f.toml().contains("pass_mark = 60"), "{}", f.toml());
    }
}
