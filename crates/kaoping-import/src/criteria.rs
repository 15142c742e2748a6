//! The criteria parser: Chinese scoring criteria (评分标准) to rules.
//!
//! The text is cut into clauses, each ending at its scoring phrase (扣N分, 得N分, 不得分, 加N分, 酌情,
//! 折合, 一票否决): a fragment without one (“完成任务，”) belongs to the clause after it, and a limiter
//! (“直至20分扣完”) to the clause before. Each clause becomes one rule, except that a clause continuing the
//! one before refines it (“扣5分；每重复发生一起累进加扣5分，直至20分扣完” is one progressive rule, and
//! consecutive 得N分 clauses are the levels of one graded rule), so imported codes match hand-written ones.

use std::sync::LazyLock;

use kaoping_core::rubric::{
    AppliesTo, BonusCombine, BonusRuleSpec, Feed, LevelSpec, RateRounding, RecordLink,
    RuleKindSpec, RuleSpec, Schedule, VetoEffectSpec, VetoSpec,
};
use kaoping_core::Decimal;
use regex::Regex;

use crate::numbers::{ascii_digits, number, NUM};

/// Something the parser could not read with certainty: the original phrase and what to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub phrase: String,
    pub reason: String,
}

/// Why a phrase made no rule: it holds no scoring phrase at all.
pub const NO_SCORING: &str = "没有识别出计分方法（扣分、得分、不得分），未生成规则";
/// Why a phrase made no rule: it scores, but names no points.
pub const NO_POINTS: &str = "没有找到分值，未生成规则";

impl Confirm {
    /// Whether the phrase was not understood at all (no rule came of it), rather than read with a
    /// question.
    pub fn not_understood(&self) -> bool {
        self.reason == NO_SCORING || self.reason == NO_POINTS
    }
}

/// What one item's criteria say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedCriteria {
    pub rules: Vec<RuleSpec>,
    pub bonus: Vec<BonusRuleSpec>,
    pub vetoes: Vec<VetoSpec>,
    /// 科室得分即为科室人员得分: the item is scored for a group and inherited by its members.
    pub inherit: bool,
    pub confirm: Vec<Confirm>,
}

fn re(pattern: &str) -> Regex {
    Regex::new(&pattern.replace("NUM", NUM)).expect("the criteria patterns are valid")
}

/// 扣N分, and as other offices write it, 减N分, 扣减N分, 扣除N分, 扣基础分N分, 扣个人积分N分.
static DEDUCT: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:扣|减)(?:除|减)?(?:基础分|个人积分|积分|考评分)?(NUM)分"));
static GAIN: LazyLock<Regex> = LazyLock::new(|| re(r"(?:得|计|记)(NUM)分"));
/// Points alone closing a clause (`及时报送会议纪要，1分`): what meeting it earns.
static POINTS_ALONE: LazyLock<Regex> = LazyLock::new(|| re(r"^(?:.*[，,])?\s*(NUM)\s*分\s*$"));
static ADD: LazyLock<Regex> = LazyLock::new(|| re(r"(?:加|奖)(NUM)分"));
static UNTIL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:直至|直到|最多|最高|扣满|减满)(?:扣|减)?(NUM)分"));
/// A disqualification written out rather than called 一票否决.
static DISQUALIFY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"不得评为|不得参加.{0,8}评选|定为不称职|定位不称职|定为不合格|考核(?:检查)?不合格|定为三类|不能列为一类")
        .expect("valid")
});
static PROGRESSIVE: LazyLock<Regex> = LazyLock::new(|| re(r"累进(?:加)?扣(NUM)分"));
static PER_POINT: LazyLock<Regex> =
    LazyLock::new(|| re(r"每(?:低|少|下降)(?:一|1)(?:个百分点|%)[，,]?(?:扣|减)(?:减)?(NUM)分"));
static THRESHOLD: LazyLock<Regex> = LazyLock::new(|| re(r"(?:百分之(NUM)|(NUM)%)(?:以上|及以上)"));
/// `八成以上`: a threshold in tenths.
static THRESHOLD_TENTHS: LazyLock<Regex> = LazyLock::new(|| re(r"(NUM)成(?:以上|及以上)"));
/// `按被扣分值的10倍扣分`, `加倍扣分`: a multiple of another deduction, which no rule kind holds.
static MULTIPLE: LazyLock<Regex> = LazyLock::new(|| re(r"(?:NUM)倍|加倍"));
/// `同一案件…不累计扣分`, `同一事项只扣一次`: occurrences of one matter count once.
static SAME_MATTER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"不累计|同一(?:事项|案件|问题|事件)").expect("valid"));
static EVERY: LazyLock<Regex> = LazyLock::new(|| re(r"每.{0,20}?(?:扣|减)(?:除|减)?(?:NUM)分"));
/// `酌情扣1-3分`, `扣减3-10分`, `加1至5分`: a range, which no rule kind holds.
static RANGE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(扣|减|加)(?:除|减)?\s*(NUM)\s*分?\s*(?:-|－|~|～|—|至|到)\s*(NUM)\s*分")
});
/// `每低10%扣1分`, `每少10个百分点扣2分`: a rate counted in steps of more than one point.
static RATE_STEP: LazyLock<Regex> =
    LazyLock::new(|| re(r"每(?:低|少|下降|少完成)(?:于)?(NUM)(?:个百分点|%)扣(NUM)分"));
/// A count expected per period: `每月至少1次`, `每季度召开一次`, `一年4次`, `每年不少于4次`.
static FREQUENCY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(每月|每季度|每季|每半年|每年|一年|全年|年度内|每学期|每期)[^，,;；]{0,16}?(?:至少|不少于|不低于)?\s*(NUM)?\s*次",
    )
});
/// What a frequency rule deducts for: `少一次`, `缺一次`, `每缺一次`, `少于1次的`.
static SHORTFALL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:少|缺)(?:于|开|召开|完成)?(?:一|1)?次"));
/// Steps by how often (`一次扣3分，两次扣5分`) or how severe (`警告…扣1分…严重警告…扣2分`): a ladder.
static LADDER_STEP: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?:^|[，,])[^，,]{0,12}?(?:(?:两|二|三|2|3)次|严重警告|撤销|留党察看|开除|重处分|移送)")
});
/// Steps by size: several amounts after one 扣 (`分别扣0.1分、0.2分`), bands of a score, a sum or a time
/// (`60—65分 扣4分`, `10-20万元/次扣2分`, `超过24小时…48小时…`).
static LADDER_BANDS: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?:NUM)\s*[—－-]+\s*(?:NUM)\s*(?:分\s*扣|万元|元)|(?:NUM)\s*(?:小时|万元)")
});
/// Several amounts after one 扣: `分别扣0.1分、0.2分、0.3分` by severity.
static AMOUNT_LIST: LazyLock<Regex> = LazyLock::new(|| re(r"(?:扣|减)(?:NUM)分[、，,](?:NUM)分"));
static ONCE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:一|1)(?:次|起|期|篇|项|条|例|人次|件|处|人|名)"));
/// A deduction that names no points (`相应扣考评分`): scored, but by how much is not said.
static DEDUCT_UNSTATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"扣[^0-9０-９零一二两三四五六七八九十半，,。；;]{0,6}分$").expect("valid")
});
/// A scoring phrase with its unit (`扣2分`, `减0.5分/项`), where a clause holding two is cut; with a
/// unit (`扣0.5分/次`, `扣1分/人`) it is an amount per occurrence.
static DEDUCT_PHRASE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?:扣|减)(?:除|减)?(?:NUM)分(?:\s*/\s*(?:次|人|个|例|项|处|起|篇|条|天|节|份|件))*")
});

static COUNT_WORD: LazyLock<Regex> = LazyLock::new(|| re(r"(NUM)(?:率|项|个方面|种情形)"));
static LEVEL_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(中央|国家|全国|省|市|县|镇|乡)级?").expect("valid"));

/// Whether a fragment ends a clause.
fn scoring(fragment: &str) -> bool {
    DEDUCT.is_match(fragment)
        || GAIN.is_match(fragment)
        || ADD.is_match(fragment)
        || RANGE.is_match(fragment)
        || POINTS_ALONE.is_match(fragment)
        || DEDUCT_UNSTATED.is_match(fragment)
        || ["不得分", "酌情", "折合", "一票否决", "单项否决", "即为"]
            .iter()
            .any(|w| fragment.contains(w))
        || DISQUALIFY.is_match(fragment)
}

fn limiter(fragment: &str) -> bool {
    [
        "直至",
        "直到",
        "最多",
        "最高",
        "扣完为止",
        "减完为止",
        "扣满",
        "减满",
    ]
    .iter()
    .any(|w| fragment.starts_with(w))
}

/// Cuts criteria into clauses, each with the number of its sentence (and leftovers that hold no scoring
/// phrase).
fn clauses(text: &str) -> (Vec<(usize, String)>, Vec<String>) {
    let (mut out, mut leftover): (Vec<(usize, String)>, Vec<String>) = (Vec::new(), Vec::new());
    for (n, sentence) in text.split(['；', ';', '。', '\n']).enumerate() {
        let mut pending = String::new();
        let first_in_sentence = out.len();
        for fragment in sentence.split_inclusive(['，', ',']) {
            let bare = fragment.trim_end_matches(['，', ',']).trim();
            if bare.is_empty() {
                continue;
            }
            // A limiter (`最高减5分`, `直至20分扣完`) bounds the clause before it, even when it names points.
            if limiter(bare) && out.len() > first_in_sentence && pending.is_empty() {
                let last = &mut out.last_mut().expect("checked above").1;
                last.push(',');
                last.push_str(bare);
            } else if scoring(bare) {
                out.push((n, format!("{pending}{bare}")));
                pending.clear();
            } else if limiter(bare) && out.len() > first_in_sentence && pending.is_empty() {
                let last = &mut out.last_mut().expect("checked above").1;
                last.push(',');
                last.push_str(bare);
            } else {
                pending.push_str(fragment.trim());
            }
        }
        let rest = pending.trim_end_matches(['，', ',']).trim();
        // A label left before steps read apart (`党员学习：`) says nothing to score.
        if !rest.is_empty() && !rest.ends_with(['：', ':']) {
            leftover.push(rest.to_string());
        }
    }
    (out, leftover)
}

fn amount(re: &Regex, text: &str) -> Option<Decimal> {
    re.captures(text)
        .and_then(|c| c.iter().skip(1).flatten().find_map(|m| number(m.as_str())))
}

/// How many conditions a 分别扣 (各扣, 各得) clause lists: `A、B、C分别扣2分` is 3, `“三率”未达标，分别扣3分`
/// is 3.
fn conditions(clause: &str) -> Option<u32> {
    let cut = ["分别", "各扣", "各得", "各计"]
        .iter()
        .filter_map(|w| clause.find(w))
        .min()
        .unwrap_or(clause.len());
    let before = &clause[..cut];
    let parts = before.split('、').count();
    if parts > 1 {
        return u32::try_from(parts).ok();
    }
    COUNT_WORD
        .captures(before)
        .and_then(|c| number(&c[1]))
        .and_then(|d| u32::try_from(d.trunc().mantissa()).ok())
        .filter(|n| *n > 1)
}

/// A clause that docks every member of a 科室 or 调查组 is a group rule; any other is a unit's own.
fn applies_to(clause: &str) -> Option<AppliesTo> {
    // 每人次 and 每人每次 count person-times against the unit itself.
    let per_person_time = clause.contains("每人次") || clause.contains("每人每次");
    (!per_person_time
        && ["每人", "全体人员", "该科室", "该调查组", "该组"]
            .iter()
            .any(|w| clause.contains(w)))
    .then_some(AppliesTo::Group)
}

/// A graded level's name: the clause without its 得N分 (`参与较好的得5分` → `参与较好`).
fn level_name(clause: &str) -> String {
    let cut = GAIN.find(clause).map_or(clause.len(), |m| m.start());
    clause[..cut]
        .trim_end_matches('的')
        .trim_end_matches(['，', ','])
        .trim()
        .to_string()
}

/// Levels of one graded rule lose the words they all share (`参与较好`, `参与一般` → `较好`, `一般`).
fn strip_common_prefix(levels: &mut [LevelSpec]) {
    if levels.len() < 2 {
        return;
    }
    let first: Vec<char> = levels[0].name.chars().collect();
    let mut common = first.len();
    for l in &levels[1..] {
        common = common.min(
            l.name
                .chars()
                .zip(&first)
                .take_while(|(a, b)| a == *b)
                .count(),
        );
    }
    if levels.iter().all(|l| l.name.chars().count() > common) && common > 0 {
        for l in levels.iter_mut() {
            l.name = l.name.chars().skip(common).collect();
        }
    }
}

fn rule(text: &str, kind: RuleKindSpec) -> RuleSpec {
    RuleSpec {
        code: None,
        text: text.to_string(),
        kind,
        applies_to: applies_to(text),
        feed: None,
    }
}

/// Turns the awards with level words of one sentence into a bonus rule: several make one rule with levels
/// (市级 5, 省级 10); a single one names a threshold (“县级以上先进”), not a level, so it is one amount.
fn flush_bonus_levels(out: &mut ParsedCriteria, pending: &mut Vec<(String, LevelSpec, bool)>) {
    if pending.is_empty() {
        return;
    }
    let per = pending.iter().any(|(_, _, per)| *per);
    let text = pending
        .iter()
        .map(|(t, _, _)| t.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let combine = if per {
        BonusCombine::Sum
    } else {
        BonusCombine::HighestPerMatter
    };
    let (levels, amount) = if pending.len() == 1 {
        (Vec::new(), pending[0].1.points)
    } else {
        (pending.drain(..).map(|(_, l, _)| l).collect(), None)
    };
    pending.clear();
    out.bonus.push(BonusRuleSpec {
        code: None,
        title: text.chars().take(16).collect(),
        text,
        combine,
        levels,
        amount,
    });
}

/// Why a `酌情扣分` with no range is confirmed: it was read as 酌情评分.
pub const JUDGED_DEDUCTION: &str = "“酌情扣分”没有写扣分范围，暂读作酌情评分（考核人给出0～本项分值的得分并写明理由）；如是在本项分值内酌情扣分，请改为“酌情扣分（区间）”并填写最多扣分";

/// `酌情扣分（1-3分）`, `酌情扣分1~3分`: a range of points in a judged deduction, written after its words.
static JUDGED_RANGE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(NUM)\s*分?\s*(?:-|－|~|～|—|至|到)\s*(NUM)\s*分"));

fn judged_range(clause: &str) -> Option<(Decimal, Decimal)> {
    if !clause.contains("酌情") || !(clause.contains('扣') || clause.contains('减')) {
        return None;
    }
    let m = JUDGED_RANGE.captures(clause)?;
    let (min, max) = (number(&m[1])?, number(&m[2])?);
    (min <= max).then_some((min, max))
}

/// 酌情扣1-3分: a range deduction, never a silent 酌情评分, and confirmed: whether the range is per finding
/// (as read) or the item's whole deduction is the author's to say.
fn range_deduction(out: &mut ParsedCriteria, clause: &str, min: Decimal, max: Decimal) {
    out.rules
        .push(rule(clause, RuleKindSpec::RangeDeduction { min, max }));
    let (min, max) = (min.normalize(), max.normalize());
    out.confirm.push(Confirm {
        phrase: clause.to_string(),
        reason: format!(
            "已读作酌情扣分（区间）：每条考核记录由考核人在{min}～{max}分之间酌定扣分并写明理由，多条记录累加；如{max}分是本项最多扣分，请改为上限"
        ),
    });
}

/// Reads one item's criteria. `bonus_section` marks the 加分/增分 part of a rubric, where 加N分 clauses
/// are bonus rules.
pub fn parse_criteria(criteria: &str) -> ParsedCriteria {
    let text = ascii_digits(criteria);
    // Steps with their points in brackets (`确定决策议题(0.5)形成决议(0.5)`) each earn them; the rest is
    // read as usual.
    let (text, steps) = bracketed_steps(&text);
    let sentences: Vec<&str> = text.split(['；', ';', '。', '\n']).collect();
    let (clauses, leftover) = clauses(&text);
    let clauses: Vec<(usize, String)> = clauses
        .into_iter()
        .flat_map(|(n, c)| split_scored(&c).into_iter().map(move |p| (n, p)))
        .collect();
    let mut out = ParsedCriteria::default();
    for (step, points) in steps {
        out.rules.push(rule(
            &step,
            RuleKindSpec::Earned {
                amount: points,
                max_count: Some(1),
            },
        ));
    }
    for phrase in leftover {
        out.confirm.push(Confirm {
            phrase,
            reason: NO_SCORING.into(),
        });
    }
    let mut last_graded = false;
    let mut bonus_levels: Vec<(String, LevelSpec, bool)> = Vec::new();
    let mut sentence = usize::MAX;
    for (n, clause) in clauses {
        // Awards with level words group into one rule only within a sentence.
        if n != sentence {
            flush_bonus_levels(&mut out, &mut bonus_levels);
            sentence = n;
        }
        let c = clause.as_str();
        let graded_now = !c.contains("不得分") && GAIN.is_match(c) && !DEDUCT.is_match(c);
        // 每完成一件得10分: points per thing done, not a level.
        let per_count_gain = graded_now && each_thing(c);
        if let Some(m) = RANGE.captures(c) {
            match (&m[1], number(&m[2]), number(&m[3])) {
                // 酌情扣1-3分: each deduction judged within the range, for the author to confirm.
                ("扣" | "减", Some(min), Some(max)) if min <= max => {
                    range_deduction(&mut out, c, min, max)
                }
                _ => out.confirm.push(Confirm {
                    phrase: c.to_string(),
                    reason: format!(
                        "加{}～{}分的范围：加分规则只有固定分值或分档，未生成规则；请按分档设定",
                        &m[2], &m[3]
                    ),
                }),
            }
        } else if let (false, Some(m)) = (
            c.contains("一票否决") || c.contains("单项否决"),
            DISQUALIFY.find(c),
        ) {
            out.vetoes.push(VetoSpec {
                code: None,
                title: c.chars().take(20).collect(),
                text: c.to_string(),
                effect: VetoEffectSpec::Fail,
            });
            out.confirm.push(Confirm {
                phrase: c.to_string(),
                reason: format!(
                    "“{}”：已读作否决（不合格）；如只是不能评为某一等次，请改为等次上限",
                    m.as_str()
                ),
            });
        } else if c.contains("一票否决") || c.contains("单项否决") {
            out.vetoes.push(VetoSpec {
                code: None,
                title: c.chars().take(20).collect(),
                text: c.to_string(),
                effect: VetoEffectSpec::Fail,
            });
        } else if let Some((min, max)) = judged_range(c) {
            // 酌情扣分（1-3分）: the range after the words.
            range_deduction(&mut out, c, min, max);
        } else if c.contains("酌情") {
            out.rules.push(rule(c, RuleKindSpec::Discretionary));
            if c.contains('扣') || c.contains('减') {
                // 酌情扣分 is not 酌情评分: the assessor gives the item's score, not a deduction.
                out.confirm.push(Confirm {
                    phrase: c.to_string(),
                    reason: JUDGED_DEDUCTION.into(),
                });
            }
        } else if c.contains("折合") {
            out.rules.push(rule(
                c,
                RuleKindSpec::Conversion {
                    scale_min: Decimal::ZERO,
                    scale_max: Decimal::ONE_HUNDRED,
                    decimals: 2,
                    expected: None,
                },
            ));
            out.confirm.push(Confirm {
                phrase: c.to_string(),
                reason:
                    "折合：原始分按0～100分计，保留两位小数；如原始分满分不是100，请修改 scale_max"
                        .into(),
            });
        } else if c.contains("即为") && c.contains("得分") {
            out.inherit = true;
            out.rules.push(rule(
                c,
                RuleKindSpec::Conversion {
                    scale_min: Decimal::ZERO,
                    scale_max: Decimal::ONE_HUNDRED,
                    decimals: 2,
                    expected: None,
                },
            ));
            out.confirm.push(Confirm {
                phrase: c.to_string(),
                reason: "按组统一评分、组员继承组的得分；组的检查成绩按0～100分折合，请确认".into(),
            });
        } else if let Some(step) = amount(&PROGRESSIVE, c) {
            let cap = amount(&UNTIL, c);
            let (first, text) = match out.rules.last() {
                Some(RuleSpec {
                    kind: RuleKindSpec::Fixed { amount },
                    text,
                    ..
                }) => (*amount, format!("{text};{c}")),
                _ => (step, c.to_string()),
            };
            if text != c {
                out.rules.pop();
            }
            out.rules
                .push(rule(&text, RuleKindSpec::Progressive { first, step, cap }));
        } else if let Some(m) = RATE_STEP
            .captures(c)
            .filter(|m| number(&m[1]) != Some(Decimal::ONE))
        {
            out.confirm.push(Confirm {
                phrase: c.to_string(),
                reason: format!(
                    "每{}个百分点扣{}分：比率规则按每个百分点计，未生成规则；请按每个百分点的分值设定",
                    &m[1], &m[2]
                ),
            });
        } else if let Some(per_point) = amount(&PER_POINT, c) {
            let threshold = amount(&THRESHOLD, c)
                .or_else(|| amount(&THRESHOLD_TENTHS, c).map(|tenths| tenths * Decimal::TEN));
            if threshold.is_none() {
                out.confirm.push(Confirm {
                    phrase: c.to_string(),
                    reason: "没有找到达标百分比（如“95%以上记满分”），暂按100%".into(),
                });
            }
            out.rules.push(rule(
                c,
                RuleKindSpec::Rate {
                    threshold: threshold.unwrap_or(Decimal::ONE_HUNDRED),
                    per_point,
                    rounding: None::<RateRounding>,
                },
            ));
        } else if let (true, Some(points)) = (
            !DEDUCT.is_match(c) && !GAIN.is_match(c) && !ADD.is_match(c),
            POINTS_ALONE.captures(c).and_then(|m| number(&m[1])),
        ) {
            // `及时报送会议纪要，1分`: the point earned when it is done.
            out.rules.push(rule(
                c,
                RuleKindSpec::Earned {
                    amount: points,
                    max_count: Some(1),
                },
            ));
        } else if per_count_gain {
            // 每完成一件实事得10分: points per thing done, up to the item's.
            if let Some(value) = amount(&GAIN, c) {
                out.rules.push(rule(
                    c,
                    RuleKindSpec::Earned {
                        amount: value,
                        max_count: None,
                    },
                ));
            }
        } else if c.contains("不得分") || (graded_now && amount(&GAIN, c) == Some(Decimal::ZERO))
        {
            // 计0分 and 得0分 say 不得分.
            out.rules.push(rule(c, RuleKindSpec::Zero));
        } else if graded_now {
            let level = LevelSpec {
                name: level_name(c),
                points: amount(&GAIN, c),
            };
            match out.rules.last_mut() {
                Some(RuleSpec {
                    kind: RuleKindSpec::Graded { levels },
                    text,
                    ..
                }) if last_graded => {
                    levels.push(level);
                    text.push(';');
                    text.push_str(c);
                }
                _ => out.rules.push(rule(
                    c,
                    RuleKindSpec::Graded {
                        levels: vec![level],
                    },
                )),
            }
        } else if let Some(points) = amount(&ADD, c) {
            let per = c.contains('每') || ONCE.is_match(c);
            let name = LEVEL_WORD.captures(c).map(|m| format!("{}级", &m[1]));
            match name {
                Some(name) => bonus_levels.push((
                    c.to_string(),
                    LevelSpec {
                        name,
                        points: Some(points),
                    },
                    per,
                )),
                None => out.bonus.push(BonusRuleSpec {
                    code: None,
                    title: c.chars().take(16).collect(),
                    text: c.to_string(),
                    combine: if per {
                        BonusCombine::Sum
                    } else {
                        BonusCombine::HighestPerMatter
                    },
                    levels: Vec::new(),
                    amount: Some(points),
                }),
            }
        } else if let Some((expected, value)) =
            frequency(c, sentences.get(n).copied().unwrap_or(""))
        {
            let mut r = rule(
                c,
                RuleKindSpec::Frequency {
                    expected,
                    amount: value,
                },
            );
            r.feed = record_link(c, sentences.get(n).copied().unwrap_or(""))
                .map(|link| Feed::Records(vec![link]));
            out.rules.push(r);
        } else if let (true, Some(value)) = (c.contains("逾期"), amount(&DEDUCT, c)) {
            out.rules.push(rule(
                c,
                RuleKindSpec::Deadline {
                    penalty: Some(value),
                },
            ));
        } else if let Some(value) = amount(&DEDUCT, c) {
            let each = c.contains("分别") || c.contains("各扣");
            let counted = each
                || every_occurrence(c)
                || DEDUCT_PHRASE.find_iter(c).any(|m| m.as_str().contains('/'))
                || counts_occurrences(c.split(['扣', '减']).next().unwrap_or(c), &text);
            if counted {
                // 各扣 counts the conditions listed right before it (`A、B各扣1分`), not those of an
                // earlier fragment (`打牌、下棋，凡参与者发现一次各扣3分` docks each occurrence).
                let listed = match c.find("各扣") {
                    Some(at) => c[..at].rsplit(['，', ',']).next().unwrap_or(""),
                    None => c,
                };
                let per_time = ONCE.is_match(listed) || listed.contains('每');
                let max_count = if each && !per_time {
                    conditions(listed)
                } else {
                    None
                };
                // 扣满10分为止, 最高减5分: a cap that is a whole number of occurrences. (Any number may
                // be written, 0 and absurd sizes too: divided only when it can be.)
                let times = amount(&UNTIL, c).map(|cap| (cap, cap.checked_div(value)));
                if let Some((cap, times)) = times {
                    if !times.is_some_and(|n| n.fract().is_zero()) {
                        out.confirm.push(Confirm {
                            phrase: c.to_string(),
                            reason: format!(
                                "最多扣{}分不是每次扣分的整数倍：按次扣分只能限定次数，未设上限（本项扣完为止）",
                                cap.normalize()
                            ),
                        });
                    }
                }
                let max_count = max_count.or_else(|| {
                    let n = times?.1?;
                    (n.fract().is_zero() && n >= Decimal::ONE)
                        .then(|| u32::try_from(n.trunc().mantissa()).ok())
                        .flatten()
                });
                if c.contains("分别") && max_count.is_none() && applies_to(c).is_none() {
                    out.confirm.push(Confirm {
                        phrase: c.to_string(),
                        reason: "“分别扣分”没有写明共有几项，未设最多次数（本项扣完为止）".into(),
                    });
                }
                out.rules.push(rule(
                    c,
                    RuleKindSpec::PerOccurrence {
                        amount: value,
                        max_count,
                    },
                ));
            } else {
                out.rules
                    .push(rule(c, RuleKindSpec::Fixed { amount: value }));
            }
        } else {
            out.confirm.push(Confirm {
                phrase: c.to_string(),
                reason: NO_POINTS.into(),
            });
        }
        last_graded = graded_now && !per_count_gain;
    }
    // Levels that all give the same points are not levels (`发展新党员计2分，按时收缴党费计2分`): each
    // is a criterion of its own.
    let rules = std::mem::take(&mut out.rules);
    for r in rules {
        match &r.kind {
            RuleKindSpec::Graded { levels }
                if levels.len() > 1
                    && levels[0].points.is_some()
                    && levels.iter().all(|l| l.points == levels[0].points) =>
            {
                let points = levels[0].points;
                for clause in r.text.split(';') {
                    out.rules.push(rule(
                        clause,
                        RuleKindSpec::Graded {
                            levels: vec![LevelSpec {
                                name: level_name(clause),
                                points,
                            }],
                        },
                    ));
                }
            }
            _ => out.rules.push(r),
        }
    }
    for rule in &mut out.rules {
        if let RuleKindSpec::Graded { levels } = &mut rule.kind {
            strip_common_prefix(levels);
            // A lone 得N分 (达到…得10分, 完成任务计15分) is points earned when its condition is met;
            // 各得5分 after a list earns them for each criterion listed.
            if let [LevelSpec {
                points: Some(points),
                ..
            }] = levels.as_slice()
            {
                let each = rule.text.contains("各得") || rule.text.contains("各计");
                let listed = rule
                    .text
                    .split(['，', ','])
                    .rfind(|f| f.contains("各得") || f.contains("各计"))
                    .unwrap_or("");
                rule.kind = RuleKindSpec::Earned {
                    amount: *points,
                    max_count: if each { conditions(listed) } else { Some(1) },
                };
            }
        }
    }
    out.confirm.extend(unmodelled(&text, &sentences));
    flush_bonus_levels(&mut out, &mut bonus_levels);
    out
}

/// What no rule kind holds, each said with its own reason rather than as words not understood: multiples,
/// one matter counted once, and ladders (by count or severity, or in bands of a score, a sum or a time).
fn unmodelled(text: &str, sentences: &[&str]) -> Vec<Confirm> {
    let mut out = Vec::new();
    let mut say = |phrase: &str, reason: &str| {
        out.push(Confirm {
            phrase: phrase.trim().to_string(),
            reason: reason.into(),
        });
    };
    for &sentence in sentences {
        if MULTIPLE.is_match(sentence) && (sentence.contains('扣') || sentence.contains('减')) {
            say(
                sentence,
                "按倍数扣分（如“按被扣分值的10倍扣分”）：没有倍数规则，请按实际分值设定",
            );
        }
        if SAME_MATTER.is_match(sentence) {
            say(
                sentence,
                "同一事项（案件）不累计扣分：各规则仍按每次计，同一事项请只记录一次",
            );
        }
    }
    // Bands may run over sentences (`每发生10万元/次事故扣1分;2)10-20万元/次扣2分`).
    if LADDER_BANDS.find_iter(text).count() >= 2
        && DEDUCT.find_iter(text).count() >= 2
        && !sentences
            .iter()
            .any(|s| LADDER_BANDS.find_iter(s).count() >= 2)
    {
        say(
            text,
            "按金额、分数或时限分档扣分：已按各句分别读取，分档方式请确认",
        );
    }
    for &sentence in sentences {
        let scored = DEDUCT.find_iter(sentence).count() + usize::from(sentence.contains("不得分"));
        let bands = LADDER_BANDS.find_iter(sentence).count() >= 2
            || (scored >= 2 && LADDER_BANDS.is_match(sentence))
            || AMOUNT_LIST.is_match(sentence);
        if (scored >= 2 && LADDER_STEP.is_match(sentence)) || bands {
            say(
                sentence,
                "按次数或轻重分档扣分：已按各句分别读取，分档的累计方式请确认",
            );
        }
    }
    out
}

/// Whether the words before a deduction count occurrences (`出现一次差错…扣5分`), not say how large one
/// is (`一次直接经济损失超过300万元…扣30分`, `一次性`, `一次死亡3人`).
/// `1名…扣3分` is per person, unless the criteria deal with more than one apart (`多于1名的酌情加扣`).
fn counts_occurrences(before: &str, criteria: &str) -> bool {
    let more_apart = criteria.contains("多于1名") || criteria.contains("多于一名");
    ONCE.find_iter(before).any(|m| {
        let next = &before[m.end()..];
        let size = ["直接", "性", "死亡", "损失", "造成"]
            .iter()
            .any(|w| next.starts_with(w));
        let one_of_several = more_apart && m.as_str().ends_with('名');
        !(size || one_of_several)
    })
}

/// Cuts a clause that holds two scoring phrases with nothing between them (`违反一次扣1分造成后果者此项不得分`,
/// `每重伤1人扣5分 2)突破指标部分扣10分/人`) after the first; a limiter after it (`最高减5分`) stays.
fn split_scored(clause: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = clause;
    while let Some(m) = DEDUCT_PHRASE.find(rest) {
        let after = rest[m.end()..].trim_start_matches(['，', ',', ' ']);
        let more = DEDUCT.is_match(after) || after.contains("不得分") || GAIN.is_match(after);
        if after.is_empty() || !more || limiter(after) {
            break;
        }
        out.push(rest[..m.end()].trim().to_string());
        rest = after;
    }
    out.push(rest.trim().to_string());
    out
}

/// Whether `每…扣N分` counts occurrences: `每发现一处`, `每人次`, but not a period (`每年少于40学时扣3分`).
fn every_occurrence(clause: &str) -> bool {
    each_at(clause).any(|i| EVERY.find(&clause[i..]).is_some_and(|m| m.start() == 0))
}

/// Where a clause says 每 of things (`每完成一件`, `每发现一处`), not of a period (`每季度`, `每年`).
fn each_at(clause: &str) -> impl Iterator<Item = usize> + '_ {
    clause.match_indices('每').map(|(i, _)| i).filter(|&i| {
        let after = &clause[i + '每'.len_utf8()..];
        !["年", "月", "季", "周", "天", "日", "学期", "期", "半年"]
            .iter()
            .any(|p| after.starts_with(p))
    })
}

/// Whether a clause counts things (`每完成一件实事得10分`).
fn each_thing(clause: &str) -> bool {
    each_at(clause).next().is_some()
}

/// A bare number in brackets, points listed per step met: `确定决策议题(0.5)`.
static PAREN_POINTS: LazyLock<Regex> = LazyLock::new(|| re(r"[(（]\s*(NUM)\s*[)）]"));

/// The steps of a text that gives each its points in brackets (`确定决策议题(0.5)党政领导会前沟通(0.5)`),
/// and the text without them. A step runs from the last separator (or the step before) to its points.
fn bracketed_steps(text: &str) -> (String, Vec<(String, Decimal)>) {
    let mut steps = Vec::new();
    let mut rest = String::new();
    let mut from = 0;
    for m in PAREN_POINTS.captures_iter(text) {
        let whole = m.get(0).expect("a match");
        let Some(points) = number(&m[1]).filter(|p| !p.is_zero()) else {
            continue;
        };
        let start = text[from..whole.start()]
            .rfind(['；', ';', '。', '\n', '，', ',', '：', ':', ' '])
            .map_or(from, |i| {
                let sep = text[from + i..].chars().next().map_or(1, char::len_utf8);
                from + i + sep
            });
        // Numbering (`(1)按时…`, `（一）`) opens a step; points close one, after its words.
        if !text[start..whole.start()]
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        {
            continue;
        }
        rest.push_str(&text[from..start]);
        steps.push((text[start..whole.end()].trim().to_string(), points));
        from = whole.end();
    }
    rest.push_str(&text[from..]);
    (rest, steps)
}

/// Verbs and words around a record's name in `每月召开一次支委会`, `党员学习每月至少1次`.
const RECORD_WORDS: &[&str] = &[
    "至少",
    "不少于",
    "不低于",
    "分别",
    "召开",
    "开展",
    "组织",
    "举办",
    "参加",
    "撰写",
    "上",
    "办",
    "进行",
    "一次",
    "一期",
    "1次",
    "次",
    "的",
    "要",
    "应",
    "须",
    "坚持",
];

/// 每月至少一次, 每季度召开一次党支部会议: the record kind and schedule a frequency names, so units'
/// 记录本 can count it. The kind is the noun after the frequency (`党支部会议`) or, failing that, before it
/// (`党员学习`); the schedule monthly, quarterly or yearly. The meaning shown in the review says so.
fn record_link(clause: &str, sentence: &str) -> Option<RecordLink> {
    let (text, m) = match FREQUENCY.captures(clause) {
        Some(m) => (clause, m),
        None => (sentence, FREQUENCY.captures(sentence)?),
    };
    let times = match m.get(2) {
        Some(n) => u32::try_from(number(n.as_str())?.trunc().mantissa()).ok()?,
        None => 1,
    };
    let schedule = match &m[1] {
        "每月" => Schedule::Monthly { times },
        "每季度" | "每季" => Schedule::Quarterly { times },
        "每年" | "一年" | "全年" | "年度内" => Schedule::Yearly { times },
        _ => return None,
    };
    let whole = m.get(0)?;
    let clean = |part: &str| {
        let mut name = part.trim().to_string();
        for w in RECORD_WORDS {
            name = name.replace(w, "");
        }
        name.trim_matches(|c: char| c.is_whitespace() || c.is_ascii_punctuation())
            .to_string()
    };
    let after = text[whole.end()..]
        .split(['，', ',', '；', ';', '。', '、'])
        .next()
        .map(clean)
        .unwrap_or_default();
    let before = text[..whole.start()]
        .rsplit(['，', ',', '；', ';', '。', '、'])
        .next()
        .map(clean)
        .unwrap_or_default();
    let kind = [after, before]
        .into_iter()
        .find(|k| !k.is_empty() && kaoping_core::records::check_kind_name(k).is_ok())?;
    Some(RecordLink { kind, schedule })
}

/// A frequency rule: how many sessions a period the clause (or its sentence: `至少每季度召开一次，得1分，
/// 每少一次扣0.25分`) expects and what each missing one deducts.
fn frequency(clause: &str, sentence: &str) -> Option<(u32, Decimal)> {
    let m = FREQUENCY
        .captures(clause)
        .or_else(|| FREQUENCY.captures(sentence))?;
    if !SHORTFALL.is_match(clause) {
        return None;
    }
    let value = amount(&DEDUCT, clause)?;
    let per_period = match m.get(2) {
        Some(n) => u32::try_from(number(n.as_str())?.trunc().mantissa()).ok()?,
        None => 1,
    };
    let periods: u32 = match &m[1] {
        "每月" => 12,
        "每季度" | "每季" => 4,
        "每半年" => 2,
        _ => 1,
    };
    // A count past u32 over the year is no schedule a rubric could hold (limits.rs bounds counts far below).
    Some((periods.checked_mul(per_period)?, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(p: &ParsedCriteria) -> Vec<String> {
        p.rules
            .iter()
            .map(|r| match &r.kind {
                RuleKindSpec::Fixed { amount } => format!("fixed {amount}"),
                RuleKindSpec::PerOccurrence { amount, max_count } => match max_count {
                    Some(m) => format!("per {amount} max {m}"),
                    None => format!("per {amount}"),
                },
                RuleKindSpec::Zero => "zero".into(),
                RuleKindSpec::Graded { levels } => format!(
                    "graded {}",
                    levels
                        .iter()
                        .map(|l| format!("{}={}", l.name, l.points.unwrap_or_default()))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                RuleKindSpec::Progressive { first, step, cap } => {
                    format!("progressive {first}+{step} cap {}", cap.unwrap_or_default())
                }
                RuleKindSpec::Rate {
                    threshold,
                    per_point,
                    ..
                } => format!("rate {threshold} {per_point}"),
                RuleKindSpec::Conversion { .. } => "conversion".into(),
                RuleKindSpec::Discretionary => "discretionary".into(),
                RuleKindSpec::Frequency { expected, amount } => {
                    format!("frequency {expected} {amount}")
                }
                RuleKindSpec::Deadline { penalty } => {
                    format!("deadline {}", penalty.unwrap_or_default())
                }
                RuleKindSpec::Earned { amount, max_count } => match max_count {
                    Some(m) => format!("earned {amount} max {m}"),
                    None => format!("earned {amount}"),
                },
                RuleKindSpec::RangeDeduction { min, max } => format!("range {min}-{max}"),
            })
            .collect()
    }

    /// The phrases the corpus of published rubrics taught (`tests/corpus/`).
    #[test]
    fn phrasings_of_published_rubrics() {
        let p = parse_criteria("无故缺席扣1分/次，迟到、早退扣0.5分/人");
        assert_eq!(kinds(&p), ["per 1", "per 0.5"]);
        let p = parse_criteria(
            "穿奇装异服者，每人次扣0.5分；党员未按月足额交纳党费的，每人每次扣0.1分",
        );
        assert_eq!(kinds(&p), ["per 0.5", "per 0.1"]);
        assert!(p.rules.iter().all(|r| r.applies_to.is_none()));
        let p = parse_criteria("班子不团结、不协调、战斗力不强各扣1分");
        assert_eq!(kinds(&p), ["per 1 max 3"]);
        let p = parse_criteria("上班时间打牌、下棋，凡参与者发现一次各扣3分");
        assert_eq!(kinds(&p), ["per 3"]);
        let p = parse_criteria(
            "党员学习每月至少1次，少一次扣0.5分；每季度召开一次党支部会议，每缺一次扣2分",
        );
        assert_eq!(kinds(&p), ["frequency 12 0.5", "frequency 4 2"]);
        let links: Vec<Option<Feed>> = p.rules.iter().map(|r| r.feed.clone()).collect();
        assert_eq!(
            links,
            [
                Some(Feed::Records(vec![RecordLink {
                    kind: "党员学习".into(),
                    schedule: Schedule::Monthly { times: 1 }
                }])),
                Some(Feed::Records(vec![RecordLink {
                    kind: "党支部会议".into(),
                    schedule: Schedule::Quarterly { times: 1 }
                }])),
            ]
        );
        let p = parse_criteria("每年1、4、7月报送材料，逾期扣2分");
        assert_eq!(kinds(&p), ["deadline 2"]);
        assert!(p.confirm.is_empty());
        let p = parse_criteria("单项否决（丙级病历）");
        assert_eq!(p.vetoes.len(), 1);
        let p = parse_criteria(
            "未建立应急处置队伍，减0.25分；每人次减2.5分，最高减5分；每发生一起扣1分，扣满3分为止",
        );
        assert_eq!(kinds(&p), ["fixed 0.25", "per 2.5 max 2", "per 1 max 3"]);
        let p = parse_criteria("发生一次直接经济损失超过300万元的事故，扣减30分");
        assert_eq!(kinds(&p), ["fixed 30"]);
        let p = parse_criteria("未完成年度目标任务的，此大项计0分");
        assert_eq!(kinds(&p), ["zero"]);
        let p = parse_criteria("每超额完成一例奖1分");
        assert_eq!(p.bonus.len(), 1);
        let p = parse_criteria("情节严重的年终直接定为不称职");
        assert_eq!(p.vetoes.len(), 1);
        assert!(p.confirm.iter().any(|c| c.reason.contains("等次上限")));
        let p = parse_criteria("每完成一件实事得10分");
        assert_eq!(kinds(&p), ["earned 10"]);
        let p = parse_criteria("违反一次扣1分造成后果者此项不得分");
        assert_eq!(kinds(&p), ["per 1", "zero"]);
        let p =
            parse_criteria("1名领导班子成员每年参加教育培训时间少于40学时扣3分；多于1名的酌情加扣");
        assert_eq!(kinds(&p), ["fixed 3", "discretionary"]);
        let p = parse_criteria("一名班子成员违法被移送司法机关，扣5分；1人扣1分；相应扣考评分");
        assert_eq!(kinds(&p), ["per 5", "per 1"]);
        assert!(p.confirm[0].not_understood());
        let p = parse_criteria("回收率达不到90%的倒扣基础分2分；损坏公物的扣除积分1分");
        assert_eq!(kinds(&p), ["fixed 2", "fixed 1"]);
        let p = parse_criteria("每发生10万元/次事故扣1分;2)10-20万元/次扣2分");
        assert!(p.confirm.iter().any(|c| c.reason.contains("分档")));
        // The issue's own examples: a severity ladder per case with matter semantics, a multiplier,
        // a threshold in tenths.
        let p = parse_criteria("被诫勉的扣1分，受轻处分扣3分，受重处分扣5分，移送司法机关处理的扣8分。同一案件涉及多人的，不累计扣分，同一案件不同部门的分别计算");
        assert!(p.confirm.iter().any(|c| c.reason.contains("分档")));
        assert!(p.confirm.iter().any(|c| c.reason.contains("同一事项")));
        let p = parse_criteria("按被扣分值的10倍扣分");
        assert!(p.confirm.iter().any(|c| c.reason.contains("倍数")));
        let p = parse_criteria("参训率达八成以上的得满分，每低一个百分点扣0.5分");
        assert_eq!(kinds(&p), ["rate 80 0.5"]);
        assert!(p.confirm.is_empty());
        let p = parse_criteria("视处分级别分别扣0.1分、0.2分、0.3分；60—65分 扣4分 66—70分 扣3分");
        assert_eq!(
            p.confirm
                .iter()
                .filter(|c| c.reason.contains("分档"))
                .count(),
            2
        );
        let p = parse_criteria("每天有专人负责卫生，若没有每次扣2分");
        assert_eq!(kinds(&p), ["per 2"]);
        let p = parse_criteria("至少每季度召开一次例会，得1分，每少一次扣0.25分；每期政治学习不少于十次，缺一次扣0.1分");
        assert_eq!(
            kinds(&p),
            ["earned 1 max 1", "frequency 4 0.25", "frequency 10 0.1"]
        );
        // A cap of any size over any amount, zero too, is read without a panic.
        for text in [
            "每次扣0分，最多扣5分",
            "每次扣0.0001分，最多扣99999999999999999999999999分",
        ] {
            assert_eq!(parse_criteria(text).rules.len(), 1, "{text}");
        }
        let p = parse_criteria("出现1起扣2分，扣满7分为止");
        assert_eq!(kinds(&p), ["per 2"]);
        assert!(p.confirm[0].reason.contains("整数倍"));
        let p = parse_criteria("酌情扣1-3分；否则酌情扣减3-10分；酌情扣0.5至1分");
        assert_eq!(kinds(&p), ["range 1-3", "range 3-10", "range 0.5-1"]);
        // Each range is read, and confirmed with its phrase.
        let phrases: Vec<&str> = p.confirm.iter().map(|c| c.phrase.as_str()).collect();
        assert_eq!(
            phrases,
            ["酌情扣1-3分", "否则酌情扣减3-10分", "酌情扣0.5至1分"]
        );
        assert!(p.confirm[0].reason.contains("1～3分"), "{:?}", p.confirm);
        let p = parse_criteria("年内发展1名以上新党员计2分，按时按标准收缴党费计2分");
        assert_eq!(kinds(&p), ["earned 2 max 1", "earned 2 max 1"]);
        let p = parse_criteria("好的得10分，较好的得8分，一般的得5分");
        assert_eq!(kinds(&p), ["graded 好=10,较好=8,一般=5"]);
    }

    /// What no rule kind holds comes back as a phrase to confirm, never as a rule that looks right.
    #[test]
    fn ranges_steps_ladders_and_earned_points_are_confirmed() {
        for (text, rules) in [
            ("酌情加1至5分", 0),
            ("出勤率90%以上，每低10%扣1分", 0),
            ("每少完成10个百分点扣2分", 0),
        ] {
            let p = parse_criteria(text);
            assert_eq!(p.rules.len(), rules, "{text}: {:?}", kinds(&p));
            assert!(p.bonus.is_empty(), "{text}");
            assert_eq!(p.confirm.len(), 1, "{text}");
        }
        let p = parse_criteria("无故缺席一次扣3分，两次扣5分，三次（含）以上不得分");
        assert!(p.confirm.iter().any(|c| c.reason.contains("分档")));
        let p = parse_criteria("受到党内警告处分的扣1分/例，受党内严重警告以上处分的扣2分/例");
        assert!(p.confirm.iter().any(|c| c.reason.contains("分档")));
        let p = parse_criteria("完成任务计15分");
        assert_eq!(kinds(&p), ["earned 15 max 1"]);
        let p = parse_criteria("实行预审制、责任追究制、公示制、票决制各得5分");
        assert_eq!(kinds(&p), ["earned 5 max 4"]);
        // Points in brackets after each step: each step earns them; numbering is not points.
        let p = parse_criteria("确定决策议题(0.5)形成决议(0.5)；“三重一大”制度未落实一次扣2分");
        assert_eq!(kinds(&p), ["earned 0.5 max 1", "earned 0.5 max 1", "per 2"]);
        assert_eq!(p.rules[1].text, "形成决议(0.5)");
        let p = parse_criteria("党员学习：制定学习计划(1)落实学习计划(时间、内容、人员)(2)");
        assert_eq!(kinds(&p), ["earned 1 max 1", "earned 2 max 1"]);
        assert!(p.confirm.is_empty(), "{:?}", p.confirm);
        let p = parse_criteria(
            "(1)按时召开会议，每缺一次扣1分；（二）会议记录完整，记3分；及时报送会议纪要，1分",
        );
        assert_eq!(kinds(&p), ["per 1", "earned 3 max 1", "earned 1 max 1"]);
    }

    #[test]
    fn a_repeated_accident_refines_the_rule_before_it() {
        let p = parse_criteria("发生重大人身伤亡、设备事故扣20分;发生一般性安全事故扣5分;每重复发生一起一般性安全事故累进加扣5分,直至20分扣完;未开展经常性安全生产教育扣3分。");
        assert_eq!(kinds(&p), ["fixed 20", "progressive 5+5 cap 20", "fixed 3"]);
        assert!(p.rules[1]
            .text
            .starts_with("发生一般性安全事故扣5分;每重复"));
        assert!(p.confirm.is_empty(), "{:?}", p.confirm);
    }

    #[test]
    fn consecutive_levels_are_one_graded_rule_without_their_shared_words() {
        let p =
            parse_criteria("重大问题未经支委会集体决策不得分;参与较好的得5分;参与一般的得2分。");
        assert_eq!(kinds(&p), ["zero", "graded 较好=5,一般=2"]);
    }

    #[test]
    fn fragments_without_a_score_join_the_clause_after_them() {
        let p = parse_criteria("未完成生产经营任务扣20分；完成任务，但成本费用未达要求扣5分。");
        assert_eq!(kinds(&p), ["fixed 20", "fixed 5"]);
        assert_eq!(p.rules[1].text, "完成任务，但成本费用未达要求扣5分");
    }

    #[test]
    fn occurrences_each_and_listed_conditions() {
        let p = parse_criteria("出现计划外生育扣20分;“三率”未达标,分别扣3分。");
        assert_eq!(kinds(&p), ["fixed 20", "per 3 max 3"]);
        let p = parse_criteria("每缺一次会议分别扣2分;未上党课扣3分。");
        assert_eq!(kinds(&p), ["per 2", "fixed 3"]);
        let p = parse_criteria(
            "未按规程发展党员、需经团组织推优而未经推优、发展新党员及预备党员转正未公示分别扣2分。",
        );
        assert_eq!(kinds(&p), ["per 2 max 3"]);
        let p = parse_criteria("未听取汇报不得分;经费不落实分别扣2分。");
        assert_eq!(kinds(&p), ["zero", "per 2"]);
        assert_eq!(p.confirm.len(), 1);
        assert_eq!(p.confirm[0].phrase, "经费不落实分别扣2分");
    }

    #[test]
    fn attendance_rate_and_lateness_with_ascii_commas() {
        let p = parse_criteria("全年出勤率在百分之九十五以上记满分,每低一个百分点扣3分,迟到一次扣0.5分,早退一次扣1分,旷工一次扣2分。");
        assert_eq!(kinds(&p), ["rate 95 3", "per 0.5", "per 1", "per 2"]);
    }

    #[test]
    fn group_findings_and_leftovers_to_confirm() {
        let p = parse_criteria("工作中出现一次差错或未按时完成任务扣5分,因工作拖拉,出现严重失误,影响全局工作的扣10分,未按规定时间汇总上报本科室人员业绩档案材料的,对该科室每人扣5分。");
        assert_eq!(kinds(&p), ["per 5", "fixed 10", "per 5"]);
        assert_eq!(p.rules[2].applies_to, Some(AppliesTo::Group));
        let p = parse_criteria("经举报查实的,每出现一起扣5分,情节严重的,给予党政纪处分。");
        assert_eq!(kinds(&p), ["per 5"]);
        assert_eq!(p.confirm[0].phrase, "情节严重的,给予党政纪处分");
    }

    #[test]
    fn discretionary_conversion_inherited_and_bonus() {
        let p = parse_criteria("酌情评分。");
        assert_eq!(kinds(&p), ["discretionary"]);
        assert!(p.confirm.is_empty());
        // 酌情扣分 is never a silent 酌情评分: with a range it is a range deduction, without one it is
        // confirmed.
        for text in ["监督不到位，酌情扣1-3分", "监督不到位，酌情扣分（1-3分）"]
        {
            let p = parse_criteria(text);
            assert_eq!(kinds(&p), ["range 1-3"], "{text}");
            assert_eq!(p.confirm.len(), 1, "{text}");
            assert_eq!(p.confirm[0].phrase, text);
        }
        let p = parse_criteria("公开不到位，酌情扣分。");
        assert_eq!(kinds(&p), ["discretionary"]);
        assert_eq!(p.confirm.len(), 1);
        assert_eq!(p.confirm[0].reason, JUDGED_DEDUCTION);
        assert_eq!(
            kinds(&parse_criteria("考试成绩折合成本项成绩。")),
            ["conversion"]
        );
        let p = parse_criteria("检查评比划分,科室得分即为科室人员得分。");
        assert!(p.inherit);
        let p = parse_criteria("在市级以上报刊发表稿件一篇加5分,在省级以上报刊发表稿件一篇加10分");
        assert_eq!(p.bonus.len(), 1);
        assert_eq!(p.bonus[0].combine, BonusCombine::Sum);
        let names: Vec<&str> = p.bonus[0].levels.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["市级", "省级"]);
        let p = parse_criteria("被评为县级以上先进或模范的加2分");
        assert_eq!(p.bonus[0].amount, Some(Decimal::TWO));
    }

    #[test]
    fn chinese_numerals_and_half_points() {
        let p = parse_criteria("每少一次扣两分；迟到一次扣半分。");
        assert_eq!(kinds(&p), ["per 2", "per 0.5"]);
    }

    /// A count no rubric could hold (a fuzzer's `每月至少1111111111次`) is not read as a frequency: twelve
    /// months of it overflowed the yearly total and panicked.
    #[test]
    fn a_frequency_too_large_to_count_is_not_read_as_one() {
        let clause = "每月至少1111111111次，少一次扣0.5分";
        assert_eq!(frequency(clause, clause), None);
        let _ = parse_criteria("党员学习全体人员:::::::未向职工述廉扣5分::::\0\x18:每月'至少1111111111次，少一次扣0.5分");
    }
}
