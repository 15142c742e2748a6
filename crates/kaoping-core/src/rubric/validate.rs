//! Turning a [`RubricSpec`] into a [`Rubric`]: every problem is collected, none stops the check early, and
//! nothing is built unless there are none.

use std::collections::HashSet;
use std::fmt;

use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use super::*;
use crate::limits::{decimals, MAX_COUNT, MAX_DECIMALS, MAX_POINTS, MAX_WEIGHT_DECIMALS};

/// One thing wrong with a rubric. `path` names the field (`sections[0].items[2].rules[1].amount`) so an
/// edge that knows where each field came from can say file, line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
    /// What to do about it.
    pub hint: String,
    /// Another field the problem involves (the first use of a duplicate code).
    pub also: Option<String>,
    /// A sum over the object's children (points that do not add up): meaningless if a child was unreadable.
    pub aggregate: bool,
}

/// Every problem found in a rubric, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.0 {
            writeln!(f, "{}: {}（{}）", p.path, p.message, p.hint)?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// Formats a decimal the way people write points: `97.5`, never `97.50`.
fn pts(d: Decimal) -> String {
    d.normalize().to_string()
}

struct Checker {
    problems: Vec<Problem>,
    codes: FxHashMap<String, (Coded, String)>,
    /// The rule (code, path) each attendance or exam measure feeds: at most one, or an import could
    /// not tell where a figure goes.
    measures: FxHashMap<Measure, (String, String)>,
}

impl Checker {
    fn problem(
        &mut self,
        path: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.problems.push(Problem {
            path: path.into(),
            message: message.into(),
            hint: hint.into(),
            also: None,
            aggregate: false,
        });
    }

    fn positive(&mut self, path: String, what: &str, value: Decimal) -> bool {
        if value <= Decimal::ZERO {
            self.problem(
                path,
                format!("{what}必须大于0，现为{}", pts(value)),
                "请填写正数",
            );
            return false;
        }
        true
    }

    /// A positive number of points (a section's, an item's, a deduction, a bonus), within the bounds.
    fn amount(&mut self, path: String, what: &str, value: Decimal) -> bool {
        self.positive(path.clone(), what, value) && self.bounded(path, what, value)
    }

    /// A number of points no larger than [`MAX_POINTS`] in size, with at most [`MAX_DECIMALS`] places:
    /// what a 100-point scheme can mean, and what keeps the scorer's arithmetic far from overflow.
    /// False (with a problem) otherwise; callers leave such a number out of their sums.
    fn bounded(&mut self, path: String, what: &str, value: Decimal) -> bool {
        self.within(path, what, value, MAX_POINTS, MAX_DECIMALS, "分")
    }

    fn within(
        &mut self,
        path: String,
        what: &str,
        value: Decimal,
        max: Decimal,
        places: u32,
        unit: &str,
    ) -> bool {
        if value > max {
            self.problem(
                path,
                format!("{what}{}超过上限{}", pts(value), pts(max)),
                format!("不能超过{}{unit}", pts(max)),
            );
            false
        } else if value < -max {
            self.problem(
                path,
                format!("{what}{}低于下限{}", pts(value), pts(-max)),
                format!("不能低于{}{unit}", pts(-max)),
            );
            false
        } else if decimals(value) > places {
            self.problem(
                path,
                format!("{what}{}的小数超过{places}位", pts(value)),
                format!("最多写{places}位小数"),
            );
            false
        } else {
            true
        }
    }

    /// A count the rubric states (最多次数, 应开展次数), at most [`MAX_COUNT`].
    /// A rule's `max_count`, when it has one: a positive whole number within [`MAX_COUNT`].
    fn max_count(&mut self, rpath: &str, what: &str, max_count: Option<u32>) {
        match max_count {
            Some(0) => self.problem(
                format!("{rpath}.max_count"),
                format!("{what}为0"),
                "删除 max_count 或写正整数",
            ),
            Some(n) => {
                self.count_limit(format!("{rpath}.max_count"), what, n);
            }
            None => {}
        }
    }

    fn count_limit(&mut self, path: String, what: &str, n: u32) -> bool {
        if n > MAX_COUNT {
            self.problem(
                path,
                format!("{what}{n}超过上限{MAX_COUNT}"),
                format!("不能超过{MAX_COUNT}次"),
            );
            return false;
        }
        true
    }

    fn aggregate_problem(
        &mut self,
        path: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.problem(path, message, hint);
        if let Some(p) = self.problems.last_mut() {
            p.aggregate = true;
        }
    }

    /// Chooses the code (explicit, else by position) and registers it.
    fn code(
        &mut self,
        path: &str,
        explicit: Option<&str>,
        positional: String,
        coded: Coded,
    ) -> String {
        let code = match explicit.map(str::trim) {
            Some("") => {
                self.problem(
                    format!("{path}.code"),
                    "编号不能为空",
                    "删除 code 以按位置编号，或写一个编号",
                );
                positional
            }
            Some(c) if c.chars().any(char::is_whitespace) => {
                self.problem(
                    format!("{path}.code"),
                    format!("编号“{c}”含有空白"),
                    "编号中不要有空格",
                );
                c.to_string()
            }
            Some(c) => c.to_string(),
            None => positional,
        };
        if let Some((_, first)) = self.codes.get(&code) {
            let first = first.clone();
            self.problem(
                format!("{path}.code"),
                format!("编号“{code}”重复"),
                "每个栏目、评分项和规则的编号必须唯一",
            );
            if let Some(p) = self.problems.last_mut() {
                p.also = Some(first);
            }
        } else {
            self.codes.insert(code.clone(), (coded, path.to_string()));
        }
        code
    }

    fn level_list(&mut self, path: &str, levels: &[LevelSpec], max: Option<Decimal>) -> Vec<Level> {
        if levels.is_empty() {
            self.problem(
                format!("{path}.levels"),
                "没有任何等级",
                "至少写一个等级，如 { name = \"较好\", points = 5 }",
            );
        }
        let mut names = HashSet::new();
        let mut out = Vec::with_capacity(levels.len());
        for (i, level) in levels.iter().enumerate() {
            let lpath = format!("{path}.levels[{i}]");
            let name = level.name.trim();
            if name.is_empty() {
                self.problem(format!("{lpath}.name"), "等级没有名称", "为每个等级写 name");
            } else if !names.insert(name.to_string()) {
                self.problem(
                    format!("{lpath}.name"),
                    format!("等级“{name}”重复"),
                    "同一规则内等级名称必须唯一",
                );
            }
            let Some(points) = level.points else {
                self.problem(
                    format!("{lpath}.points"),
                    format!("等级“{name}”没有分值"),
                    "为该等级写 points",
                );
                continue;
            };
            let ppath = format!("{lpath}.points");
            if points < Decimal::ZERO {
                self.problem(ppath, format!("等级“{name}”的分值为负数"), "分值不能小于0");
            } else if let Some(max) = max.filter(|m| points > *m) {
                self.problem(
                    ppath,
                    format!("等级“{name}”的分值{}超过本项分值{}", pts(points), pts(max)),
                    "等级分值不能超过评分项分值",
                );
            } else {
                self.bounded(ppath, &format!("等级“{name}”的分值"), points);
            }
            out.push(Level {
                name: name.to_string(),
                points,
            });
        }
        out
    }
}

impl Rubric {
    /// Checks a spec and builds the rubric, or lists every problem.
    ///
    /// # Errors
    /// [`Problems`] with every problem found, in document order; nothing is built then.
    pub fn new(spec: RubricSpec) -> Result<Rubric, Problems> {
        let mut ck = Checker {
            problems: Vec::new(),
            codes: FxHashMap::default(),
            measures: FxHashMap::default(),
        };
        if spec.title.trim().is_empty() {
            ck.problem("title", "考评细则没有标题", "写 title = \"…考评细则\"");
        }
        ck.amount("total".into(), "总分", spec.total);
        if let Some(pass) = spec.pass_mark {
            if pass < Decimal::ZERO || pass > spec.total {
                ck.problem(
                    "pass_mark",
                    format!("合格线{}不在0到总分{}之间", pts(pass), pts(spec.total)),
                    "请改为0到总分之间的分数",
                );
            } else {
                ck.bounded("pass_mark".into(), "合格线", pass);
            }
        }
        if spec.total_decimals.is_some_and(|d| d > 6) {
            ck.problem("decimals", "总分保留的小数位数过多", "请写0到6之间的整数");
        }

        let rounds = check_rounds(&mut ck, &spec.rounds);
        let grades = check_grades(&mut ck, &spec.grades);
        let (sections, items, rules) = check_sections(&mut ck, &spec);
        let bonus = check_bonus(&mut ck, &spec.bonus);
        let vetoes = check_vetoes(&mut ck, &spec.vetoes, &grades);

        if !ck.problems.is_empty() {
            return Err(Problems(ck.problems));
        }
        let mut round_codes = FxHashMap::default();
        for (i, r) in rounds.iter().enumerate() {
            round_codes.insert(r.code.clone(), i);
            round_codes.insert(r.name.clone(), i);
        }
        Ok(Rubric {
            title: spec.title.trim().to_string(),
            issuer: spec.issuer,
            issued: spec.issued,
            total: spec.total,
            pass_mark: spec.pass_mark,
            total_decimals: spec.total_decimals,
            rounds,
            grades,
            sections,
            items,
            rules,
            bonus,
            vetoes,
            codes: {
                let mut codes = crate::code_map::CodeMap::default();
                for (code, (coded, _)) in &ck.codes {
                    codes.insert(code, *coded);
                }
                codes
            },
            round_codes,
        })
    }
}

fn check_rounds(ck: &mut Checker, specs: &[RoundSpec]) -> Vec<Round> {
    if specs.is_empty() {
        return vec![Round {
            code: "年度".into(),
            name: "年度考评".into(),
            weight: Decimal::ONE,
        }];
    }
    let mut seen = HashSet::new();
    // `None` once a weight is out of bounds: the sum then means nothing (and could overflow).
    let mut sum = Some(Decimal::ZERO);
    let mut rounds = Vec::new();
    for (i, r) in specs.iter().enumerate() {
        let path = format!("rounds[{i}]");
        let name = r.name.trim().to_string();
        if name.is_empty() {
            ck.problem(
                format!("{path}.name"),
                "轮次没有名称",
                "写 name = \"年终考评\"",
            );
        }
        let code = r
            .code
            .as_deref()
            .map(str::trim)
            .unwrap_or(&name)
            .to_string();
        let keys: &[&String] = if code == name {
            &[&name]
        } else {
            &[&code, &name]
        };
        for key in keys {
            if !key.is_empty() && !seen.insert((*key).clone()) {
                ck.problem(
                    format!("{path}.name"),
                    format!("轮次“{key}”重复"),
                    "每个轮次的名称和编号必须唯一",
                );
            }
        }
        let ok = ck.positive(format!("{path}.weight"), "轮次权重", r.weight)
            && ck.within(
                format!("{path}.weight"),
                "轮次权重",
                r.weight,
                Decimal::ONE,
                MAX_WEIGHT_DECIMALS,
                "（100%）",
            );
        sum = sum.filter(|_| ok).map(|s| s + r.weight);
        rounds.push(Round {
            code,
            name,
            weight: r.weight,
        });
    }
    if let Some(sum) = sum.filter(|s| *s != Decimal::ONE) {
        ck.aggregate_problem(
            "rounds",
            format!("各轮次权重之和为{}，应为1（100%）", pts(sum)),
            "调整各轮次的 weight，如 \"30%\" 与 \"70%\"",
        );
    }
    rounds
}

fn check_grades(ck: &mut Checker, specs: &[GradeSpec]) -> Vec<Grade> {
    let mut names = HashSet::new();
    let mut mins = HashSet::new();
    let mut grades = Vec::new();
    for (i, g) in specs.iter().enumerate() {
        let name = g.name.trim().to_string();
        if name.is_empty() {
            ck.problem(
                format!("grades[{i}].name"),
                "等次没有名称",
                "写 name = \"优秀\"",
            );
        } else if !names.insert(name.clone()) {
            ck.problem(
                format!("grades[{i}].name"),
                format!("等次“{name}”重复"),
                "等次名称必须唯一",
            );
        }
        let path = format!("grades[{i}].min");
        let ok = if g.min < Decimal::ZERO {
            ck.problem(
                path.clone(),
                format!("等次“{name}”的下限{}为负数", pts(g.min)),
                "写0或正数",
            );
            false
        } else {
            ck.bounded(path.clone(), &format!("等次“{name}”的下限"), g.min)
        };
        if ok {
            if !mins.insert(g.min) {
                ck.problem(
                    path,
                    format!("等次“{name}”的下限{}与另一等次相同", pts(g.min)),
                    "每个等次的下限必须不同",
                );
            } else if let Some(prev) = grades.last().filter(|p: &&Grade| p.min < g.min) {
                // Bands are read top down (a score takes the first band it reaches), so they are written
                // that way too: a band out of order is most likely a typo in its bound.
                ck.problem(
                    path,
                    format!(
                        "等次“{name}”的下限{}高于前一个等次“{}”的下限{}",
                        pts(g.min),
                        prev.name,
                        pts(prev.min)
                    ),
                    "[[grades]] 应从高到低书写，下限逐个降低，如 优秀 90、良好 80、合格 60",
                );
            }
        }
        grades.push(Grade { name, min: g.min });
    }
    grades
}

fn check_sections(ck: &mut Checker, spec: &RubricSpec) -> (Vec<Section>, Vec<Item>, Vec<Rule>) {
    let (mut sections, mut items, mut rules) = (Vec::new(), Vec::new(), Vec::new());
    if spec.sections.is_empty() {
        ck.problem("sections", "没有任何栏目", "至少写一个 [[sections]]");
    }
    // Sums stay `None` once a part is out of bounds: the total would mean nothing (and could overflow).
    let mut sum = Some(Decimal::ZERO);
    for (si, s) in spec.sections.iter().enumerate() {
        let path = format!("sections[{si}]");
        let code = ck.code(
            &path,
            s.code.as_deref(),
            (si + 1).to_string(),
            Coded::Section(si),
        );
        if s.title.trim().is_empty() {
            ck.problem(
                format!("{path}.title"),
                format!("栏目{code}没有名称"),
                "写 title = \"重点指标\"",
            );
        }
        let points_ok = ck.amount(
            format!("{path}.points"),
            &format!("栏目{code}的分值"),
            s.points,
        );
        sum = sum.filter(|_| points_ok).map(|t| t + s.points);
        if s.items.is_empty() {
            ck.problem(
                format!("{path}.items"),
                format!("栏目{code}没有评分项"),
                "至少写一个评分项",
            );
        }
        let first_item = items.len();
        let mut item_sum = Some(Decimal::ZERO);
        for (ii, it) in s.items.iter().enumerate() {
            let ipath = format!("{path}.items[{ii}]");
            let id = items.len();
            // A section that is its own single item (scheme C's flat list) shares the section's code.
            let flat = s.items.len() == 1 && it.code.as_deref() == Some(code.as_str());
            let icode = if flat {
                ck.codes
                    .insert(code.clone(), (Coded::Item(id), ipath.clone()));
                code.clone()
            } else {
                ck.code(
                    &ipath,
                    it.code.as_deref(),
                    format!("{code}.{}", ii + 1),
                    Coded::Item(id),
                )
            };
            let max = match (s.pool, it.points) {
                (true, Some(_)) => {
                    ck.problem(
                        format!("{ipath}.points"),
                        format!("评分项{icode}属于共享分值栏目{code}，不能有自己的分值"),
                        "删除该项的 points，或去掉栏目的 pool = true",
                    );
                    s.points
                }
                (true, None) => s.points,
                (false, Some(p)) => {
                    let ok = ck.amount(
                        format!("{ipath}.points"),
                        &format!("评分项{icode}的分值"),
                        p,
                    );
                    item_sum = item_sum.filter(|_| ok).map(|t| t + p);
                    p
                }
                (false, None) => {
                    ck.problem(
                        format!("{ipath}.points"),
                        format!("评分项{icode}没有分值"),
                        "写 points，或把栏目设为共享分值 pool = true",
                    );
                    Decimal::ZERO
                }
            };
            if it.title.trim().is_empty() && it.content.trim().is_empty() {
                ck.problem(
                    format!("{ipath}.title"),
                    format!("评分项{icode}没有名称"),
                    "写 title 或 content",
                );
            }
            let first_rule = rules.len();
            check_rules(
                ck,
                &ipath,
                &icode,
                id,
                max,
                s.pool,
                it,
                spec.rate_rounding,
                &mut rules,
            );
            items.push(Item {
                code: icode,
                title: if it.title.trim().is_empty() {
                    it.content.trim().chars().take(20).collect()
                } else {
                    it.title.trim().to_string()
                },
                max,
                section: si,
                content: it.content.trim().to_string(),
                criteria: it.criteria.trim().to_string(),
                method: it.method.trim().to_string(),
                department: it
                    .department
                    .as_ref()
                    .map(|d| d.trim().to_string())
                    .filter(|d| !d.is_empty()),
                inherit: it.inherit,
                rules: first_rule..rules.len(),
            });
        }
        let item_sum =
            item_sum.filter(|t| points_ok && !s.pool && !s.items.is_empty() && *t != s.points);
        if let Some(item_sum) = item_sum {
            ck.aggregate_problem(
                format!("{path}.points"),
                format!(
                    "栏目{code}各评分项分值之和为{}，与栏目分值{}不符",
                    pts(item_sum),
                    pts(s.points)
                ),
                "调整各评分项的 points 或栏目的 points",
            );
        }
        sections.push(Section {
            code,
            title: s.title.trim().to_string(),
            points: s.points,
            pool: s.pool,
            items: first_item..items.len(),
        });
    }
    if let Some(sum) = sum.filter(|t| !spec.sections.is_empty() && *t != spec.total) {
        ck.aggregate_problem(
            "total",
            format!(
                "各栏目分值之和为{}，与总分{}不符",
                pts(sum),
                pts(spec.total)
            ),
            "调整各栏目的 points 或 total",
        );
    }
    (sections, items, rules)
}

#[allow(clippy::too_many_arguments)]
fn check_rules(
    ck: &mut Checker,
    ipath: &str,
    icode: &str,
    item: ItemId,
    max: Decimal,
    pool: bool,
    spec: &ItemSpec,
    rate_rounding: RateRounding,
    rules: &mut Vec<Rule>,
) {
    if spec.rules.is_empty() {
        ck.problem(
            format!("{ipath}.rules"),
            format!("评分项{icode}没有评分规则"),
            "至少写一条 [[…rules]]",
        );
    }
    let mut setters = 0;
    let mut earners = 0;
    for (ri, r) in spec.rules.iter().enumerate() {
        let rpath = format!("{ipath}.rules[{ri}]");
        let id = rules.len();
        let code = ck.code(
            &rpath,
            r.code.as_deref(),
            format!("{icode}.{}", ri + 1),
            Coded::Rule(id),
        );
        let kind = check_kind(ck, &rpath, &code, max, &r.kind, rate_rounding);
        if kind.sets_score() {
            setters += 1;
            if setters == 2 {
                ck.problem(
                    format!("{rpath}.kind"),
                    format!(
                        "评分项{icode}已有一条给分规则（分档、折合或酌情），规则{code}不能再给分"
                    ),
                    "一个评分项最多一条给分规则，其余应为扣分规则",
                );
            }
        }
        if matches!(kind, RuleKind::Earned { .. }) {
            earners += 1;
        }
        if earners > 0
            && setters > 0
            && (kind.sets_score() || matches!(kind, RuleKind::Earned { .. }))
        {
            ck.problem(
                format!("{rpath}.kind"),
                format!(
                    "评分项{icode}既有给分规则（分档、折合或酌情）又有达标得分规则，规则{code}冲突"
                ),
                "达标得分的评分项按达到的条件累计得分，不能再有给分规则",
            );
        }
        let zeroes = matches!(kind, RuleKind::Zero | RuleKind::Deadline { penalty: None });
        let earns = matches!(kind, RuleKind::Earned { .. });
        if pool && (kind.sets_score() || zeroes || earns) {
            ck.problem(
                format!("{rpath}.kind"),
                format!(
                    "规则{code}为“{}”，不能用于共享分值栏目中的评分项",
                    kind.label()
                ),
                "共享分值栏目中只能使用扣分规则（定额、按次、累进、比率、频次）",
            );
        }
        if spec.inherit && r.applies_to == Some(AppliesTo::Unit) {
            ck.problem(
                format!("{rpath}.applies_to"),
                format!("评分项{icode}由组统一评分（inherit），规则{code}不能只适用于个人"),
                "删除 applies_to 或改为 \"group\"",
            );
        }
        if r.text.trim().is_empty() {
            ck.problem(
                format!("{rpath}.text"),
                format!("规则{code}没有评分标准原文"),
                "写 text = \"…扣N分\"",
            );
        }
        if let Some(feed) = &r.feed {
            check_feed(ck, &rpath, &code, &kind, feed);
        }
        rules.push(Rule {
            feed: r.feed.as_ref().map(Feed::trimmed),
            code,
            text: r.text.trim().to_string(),
            item,
            kind,
            // A group's finding docks every member, so a rule takes one only where the rubric says so.
            applies_to: if spec.inherit {
                AppliesTo::Group
            } else {
                r.applies_to.unwrap_or(AppliesTo::Unit)
            },
        });
    }
}

/// A rule's feed: record kinds named and scheduled sensibly, on a rule kind that can take a count of
/// misses (or, for a measure, the figure it gives).
fn check_feed(ck: &mut Checker, rpath: &str, code: &str, kind: &RuleKind, feed: &Feed) {
    use crate::records::{check_kind_name, MAX_DUE_DAY, MAX_TIMES};
    match feed {
        Feed::Records(links) => {
            let counts_misses = matches!(
                kind,
                RuleKind::PerOccurrence { .. }
                    | RuleKind::Progressive { .. }
                    | RuleKind::Fixed { .. }
                    | RuleKind::Zero
                    | RuleKind::Frequency { .. }
                    | RuleKind::Deadline { .. }
            );
            if !counts_misses {
                ck.problem(
                    format!("{rpath}.records"),
                    format!("规则{code}为“{}”，不能由记录本计数", kind.label()),
                    "records 只用于按次、累进、定额、不得分、频次和时限规则：缺几次扣几次",
                );
            }
            if links.is_empty() {
                ck.problem(
                    format!("{rpath}.records"),
                    format!("规则{code}的 records 是空的"),
                    "写 records = [{ kind = \"支委会\", every = \"month\" }]，或删去 records",
                );
            }
            for (k, link) in links.iter().enumerate() {
                let lpath = format!("{rpath}.records[{k}]");
                if let Err(message) = check_kind_name(&link.kind) {
                    ck.problem(
                        format!("{lpath}.kind"),
                        message,
                        "写记录本的名称，如“支委会”",
                    );
                }
                let (times, day) = match link.schedule {
                    Schedule::Monthly { times }
                    | Schedule::Quarterly { times }
                    | Schedule::Yearly { times } => (Some(times), None),
                    Schedule::QuarterlyBy { day } => (None, Some(day)),
                };
                if times.is_some_and(|t| t == 0 || t > MAX_TIMES) {
                    ck.problem(
                        format!("{lpath}.times"),
                        format!("规则{code}的“{}”每期次数应为1～{MAX_TIMES}", link.kind),
                        "写 times = 1",
                    );
                }
                if day.is_some_and(|d| d == 0 || d > MAX_DUE_DAY) {
                    ck.problem(
                        format!("{lpath}.due_day"),
                        format!(
                            "规则{code}的“{}”截止日应为次月1～{MAX_DUE_DAY}日",
                            link.kind
                        ),
                        "写 due_day = 5",
                    );
                }
            }
        }
        Feed::Measure(measure) => {
            let here = (code.to_string(), format!("{rpath}.measure"));
            if let Some((first, first_path)) = ck.measures.get(measure).cloned() {
                ck.problems.push(Problem {
                    path: here.1,
                    message: format!(
                        "“{}”已由规则{first}取用，规则{code}不能再取",
                        measure.label()
                    ),
                    hint: "一项考勤或考试数据只对应一条规则".into(),
                    also: Some(first_path),
                    aggregate: false,
                });
            } else {
                ck.measures.insert(*measure, here);
            }
            let fits = match measure {
                Measure::AttendanceRate => matches!(kind, RuleKind::Rate { .. }),
                Measure::Late | Measure::EarlyLeave | Measure::Absence => matches!(
                    kind,
                    RuleKind::PerOccurrence { .. } | RuleKind::Progressive { .. }
                ),
                Measure::ExamScore => matches!(kind, RuleKind::Conversion { .. }),
            };
            if !fits {
                ck.problem(
                    format!("{rpath}.measure"),
                    format!(
                        "规则{code}为“{}”，不能取“{}”",
                        kind.label(),
                        measure.label()
                    ),
                    "出勤率用 rate，迟到、早退、旷工次数用 per_occurrence 或 progressive，考试成绩用 conversion",
                );
            }
        }
    }
}

fn check_kind(
    ck: &mut Checker,
    rpath: &str,
    code: &str,
    max: Decimal,
    kind: &RuleKindSpec,
    rate_rounding: RateRounding,
) -> RuleKind {
    let amount_path = format!("{rpath}.amount");
    match kind {
        RuleKindSpec::Fixed { amount } => {
            ck.amount(amount_path, &format!("规则{code}的扣分"), *amount);
            RuleKind::Fixed { amount: *amount }
        }
        RuleKindSpec::PerOccurrence { amount, max_count } => {
            ck.amount(amount_path, &format!("规则{code}的每次扣分"), *amount);
            ck.max_count(rpath, &format!("规则{code}的最多次数"), *max_count);
            RuleKind::PerOccurrence {
                amount: *amount,
                max_count: *max_count,
            }
        }
        RuleKindSpec::Earned { amount, max_count } => {
            if ck.amount(
                amount_path.clone(),
                &format!("规则{code}的达标得分"),
                *amount,
            ) && *amount > max
            {
                ck.problem(
                    amount_path,
                    format!(
                        "规则{code}的达标得分{}超过评分项的分值{}",
                        pts(*amount),
                        pts(max)
                    ),
                    "达标得分不能超过评分项的分值",
                );
            }
            ck.max_count(rpath, &format!("规则{code}的最多项数"), *max_count);
            RuleKind::Earned {
                amount: *amount,
                max_count: *max_count,
            }
        }
        RuleKindSpec::RangeDeduction { min, max: top } => {
            let min_ok = if *min == Decimal::ZERO {
                true
            } else {
                ck.amount(
                    format!("{rpath}.min"),
                    &format!("规则{code}的最少扣分"),
                    *min,
                )
            };
            let top_ok = ck.amount(
                format!("{rpath}.max"),
                &format!("规则{code}的最多扣分"),
                *top,
            );
            if min_ok && top_ok && min > top {
                ck.problem(
                    format!("{rpath}.min"),
                    format!("规则{code}的扣分范围{}～{}分颠倒了", pts(*min), pts(*top)),
                    "min 应不大于 max",
                );
            }
            RuleKind::RangeDeduction {
                min: *min,
                max: *top,
            }
        }
        RuleKindSpec::Zero => RuleKind::Zero,
        RuleKindSpec::Discretionary => RuleKind::Discretionary,
        RuleKindSpec::Graded { levels } => RuleKind::Graded {
            levels: ck.level_list(rpath, levels, Some(max)),
        },
        RuleKindSpec::Progressive { first, step, cap } => {
            let first_ok = ck.amount(
                format!("{rpath}.first"),
                &format!("规则{code}的首次扣分"),
                *first,
            );
            if *step < Decimal::ZERO {
                ck.problem(
                    format!("{rpath}.step"),
                    format!("规则{code}的累进加扣分为负数"),
                    "写0或正数",
                );
            } else {
                ck.bounded(
                    format!("{rpath}.step"),
                    &format!("规则{code}的累进加扣分"),
                    *step,
                );
            }
            if let Some(cap) = cap {
                let cap_ok = ck.amount(
                    format!("{rpath}.cap"),
                    &format!("规则{code}的扣分上限"),
                    *cap,
                );
                // 直至20分扣完 with a first deduction of 25 would take more than the cap at once.
                if first_ok && cap_ok && cap < first {
                    ck.problem(
                        format!("{rpath}.cap"),
                        format!(
                            "规则{code}的扣分上限{}小于首次扣分{}",
                            pts(*cap),
                            pts(*first)
                        ),
                        "上限（直至N分扣完的N）应不小于首次扣分 first",
                    );
                }
            }
            RuleKind::Progressive {
                first: *first,
                step: *step,
                cap: *cap,
            }
        }
        RuleKindSpec::Rate {
            threshold,
            per_point,
            rounding,
        } => {
            if *threshold <= Decimal::ZERO || *threshold > Decimal::ONE_HUNDRED {
                ck.problem(
                    format!("{rpath}.threshold"),
                    format!("规则{code}的达标率{}不在0到100之间", pts(*threshold)),
                    "写百分数的数值，如 95 表示95%",
                );
            } else {
                ck.bounded(
                    format!("{rpath}.threshold"),
                    &format!("规则{code}的达标率"),
                    *threshold,
                );
            }
            ck.amount(
                format!("{rpath}.per_point"),
                &format!("规则{code}每个百分点的扣分"),
                *per_point,
            );
            RuleKind::Rate {
                threshold: *threshold,
                per_point: *per_point,
                rounding: rounding.unwrap_or(rate_rounding),
            }
        }
        RuleKindSpec::Conversion {
            scale_min,
            scale_max,
            decimals,
            expected,
        } => {
            let min_ok = ck.bounded(
                format!("{rpath}.scale_min"),
                &format!("规则{code}的原始分下限"),
                *scale_min,
            );
            let max_ok = ck.bounded(
                format!("{rpath}.scale_max"),
                &format!("规则{code}的原始分上限"),
                *scale_max,
            );
            match *expected {
                Some(0) => ck.problem(
                    format!("{rpath}.expected"),
                    format!("规则{code}每轮应有的原始分次数为0"),
                    "删除 expected，或写每轮应有几次成绩，如每季度一次考试为4",
                ),
                Some(n) => {
                    ck.count_limit(
                        format!("{rpath}.expected"),
                        &format!("规则{code}每轮应有的原始分次数"),
                        n,
                    );
                }
                None => {}
            }
            if min_ok && max_ok && scale_min >= scale_max {
                ck.problem(
                    format!("{rpath}.scale_max"),
                    format!(
                        "规则{code}的原始分范围{}～{}无效",
                        pts(*scale_min),
                        pts(*scale_max)
                    ),
                    "scale_max 必须大于 scale_min，如 0～100",
                );
            }
            if *decimals > 6 {
                ck.problem(
                    format!("{rpath}.decimals"),
                    "折合结果保留的小数位数过多",
                    "请写0到6之间的整数",
                );
            }
            RuleKind::Conversion {
                scale_min: *scale_min,
                scale_max: *scale_max,
                decimals: *decimals,
                expected: *expected,
            }
        }
        RuleKindSpec::Frequency { expected, amount } => {
            if *expected == 0 {
                ck.problem(
                    format!("{rpath}.expected"),
                    format!("规则{code}的应开展次数为0"),
                    "写一年应开展的次数，如每月一次为12",
                );
            } else {
                ck.count_limit(
                    format!("{rpath}.expected"),
                    &format!("规则{code}的应开展次数"),
                    *expected,
                );
            }
            ck.amount(amount_path, &format!("规则{code}的每缺一次扣分"), *amount);
            RuleKind::Frequency {
                expected: *expected,
                amount: *amount,
            }
        }
        RuleKindSpec::Deadline { penalty } => {
            if let Some(p) = penalty {
                ck.amount(amount_path, &format!("规则{code}的逾期扣分"), *p);
            }
            RuleKind::Deadline { penalty: *penalty }
        }
    }
}

fn check_bonus(ck: &mut Checker, spec: &BonusSpec) -> Bonus {
    if let Some(cap) = spec.cap {
        if cap < Decimal::ZERO {
            ck.problem("bonus.cap", "加分上限为负数", "写0或正数");
        } else {
            ck.bounded("bonus.cap".into(), "加分上限", cap);
        }
    }
    if let Some(t) = spec.threshold {
        if t < Decimal::ZERO {
            ck.problem("bonus.threshold", "加分资格线为负数", "写0或正数");
        } else {
            ck.bounded("bonus.threshold".into(), "加分资格线", t);
        }
    }
    let mut rules = Vec::new();
    for (i, r) in spec.rules.iter().enumerate() {
        let path = format!("bonus.rules[{i}]");
        let code = ck.code(
            &path,
            r.code.as_deref(),
            format!("B{}", i + 1),
            Coded::Bonus(i),
        );
        if r.title.trim().is_empty() && r.text.trim().is_empty() {
            ck.problem(
                format!("{path}.title"),
                format!("加分规则{code}没有名称"),
                "写 title",
            );
        }
        let levels = match (&r.levels[..], r.amount) {
            ([], Some(a)) => {
                ck.amount(
                    format!("{path}.amount"),
                    &format!("加分规则{code}的加分"),
                    a,
                );
                Vec::new()
            }
            ([], None) => {
                ck.problem(
                    format!("{path}.amount"),
                    format!("加分规则{code}没有加分值"),
                    "写 amount，或写 levels 等级",
                );
                Vec::new()
            }
            (_, Some(_)) => {
                ck.problem(
                    format!("{path}.amount"),
                    format!("加分规则{code}同时有 amount 和 levels"),
                    "二者只能写一个",
                );
                Vec::new()
            }
            (levels, None) => {
                let levels = ck.level_list(&path, levels, None);
                for (li, l) in levels.iter().enumerate() {
                    if l.points == Decimal::ZERO {
                        ck.problem(
                            format!("{path}.levels[{li}].points"),
                            format!("加分等级“{}”的分值为0", l.name),
                            "写正数",
                        );
                    }
                }
                levels
            }
        };
        rules.push(BonusRule {
            code,
            title: r.title.trim().to_string(),
            text: r.text.trim().to_string(),
            combine: r.combine,
            levels,
            amount: r.amount,
        });
    }
    Bonus {
        cap: spec.cap,
        threshold: spec.threshold,
        matter_scope: spec.matter_scope,
        matter_optional: spec.matter_optional,
        rules,
    }
}

fn check_vetoes(ck: &mut Checker, specs: &[VetoSpec], grades: &[Grade]) -> Vec<Veto> {
    let mut out = Vec::new();
    for (i, v) in specs.iter().enumerate() {
        let path = format!("vetoes[{i}]");
        let code = ck.code(
            &path,
            v.code.as_deref(),
            format!("V{}", i + 1),
            Coded::Veto(i),
        );
        if v.title.trim().is_empty() && v.text.trim().is_empty() {
            ck.problem(
                format!("{path}.title"),
                format!("否决事项{code}没有名称"),
                "写 title",
            );
        }
        let effect = match &v.effect {
            VetoEffectSpec::Fail => VetoEffect::Fail,
            VetoEffectSpec::MaxGrade(name) => {
                match grades.iter().position(|g| g.name == name.trim()) {
                    Some(g) => VetoEffect::MaxGrade(g),
                    None => {
                        ck.problem(
                            format!("{path}.max_grade"),
                            format!("否决事项{code}限定的等次“{name}”不存在"),
                            "写 [[grades]] 中已有的等次名称",
                        );
                        VetoEffect::Fail
                    }
                }
            }
        };
        out.push(Veto {
            code,
            title: v.title.trim().to_string(),
            text: v.text.trim().to_string(),
            effect,
        });
    }
    out
}
