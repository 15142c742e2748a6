//! The criteria parser: Chinese scoring criteria (评分标准) to rules.
//!
//! The text is cut into clauses, each ending at its scoring phrase (扣N分, 得N分, 不得分, 加N分, 酌情,
//! 折合, 一票否决): a fragment without one (“完成任务，”) belongs to the clause after it, and a limiter
//! (“直至20分扣完”) to the clause before. Each clause becomes one rule, except that a clause continuing the
//! one before refines it (“扣5分；每重复发生一起累进加扣5分，直至20分扣完” is one progressive rule, and
//! consecutive 得N分 clauses are the levels of one graded rule), so imported codes match hand-written ones.

use std::sync::LazyLock;

use kaoping_core::rubric::{
    AppliesTo, BonusCombine, BonusRuleSpec, LevelSpec, RateRounding, RuleKindSpec, RuleSpec,
    VetoEffectSpec, VetoSpec,
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

static DEDUCT: LazyLock<Regex> = LazyLock::new(|| re(r"扣(?:除)?(NUM)分"));
static GAIN: LazyLock<Regex> = LazyLock::new(|| re(r"得(NUM)分"));
static ADD: LazyLock<Regex> = LazyLock::new(|| re(r"加(NUM)分"));
static UNTIL: LazyLock<Regex> = LazyLock::new(|| re(r"(?:直至|直到|最多|最高)(?:扣)?(NUM)分"));
static PROGRESSIVE: LazyLock<Regex> = LazyLock::new(|| re(r"累进(?:加)?扣(NUM)分"));
static PER_POINT: LazyLock<Regex> =
    LazyLock::new(|| re(r"每(?:低|少|下降)(?:一|1)个百分点扣(NUM)分"));
static THRESHOLD: LazyLock<Regex> = LazyLock::new(|| re(r"(?:百分之(NUM)|(NUM)%)(?:以上|及以上)"));
static EVERY: LazyLock<Regex> = LazyLock::new(|| re(r"每.{0,20}?扣(?:除)?(?:NUM)分"));
static ONCE: LazyLock<Regex> = LazyLock::new(|| re(r"(?:一|1)(?:次|起|期|篇|项|条|例|人次)"));
static COUNT_WORD: LazyLock<Regex> = LazyLock::new(|| re(r"(NUM)(?:率|项|个方面|种情形)"));
static LEVEL_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(中央|国家|全国|省|市|县|镇|乡)级?").expect("valid"));

/// Whether a fragment ends a clause.
fn scoring(fragment: &str) -> bool {
    DEDUCT.is_match(fragment)
        || GAIN.is_match(fragment)
        || ADD.is_match(fragment)
        || ["不得分", "酌情", "折合", "一票否决", "即为"]
            .iter()
            .any(|w| fragment.contains(w))
}

fn limiter(fragment: &str) -> bool {
    ["直至", "直到", "最多", "最高", "扣完为止"]
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
            if scoring(bare) {
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
        if !rest.is_empty() {
            leftover.push(rest.to_string());
        }
    }
    (out, leftover)
}

fn amount(re: &Regex, text: &str) -> Option<Decimal> {
    re.captures(text)
        .and_then(|c| c.iter().skip(1).flatten().find_map(|m| number(m.as_str())))
}

/// How many conditions a 分别扣 clause lists: `A、B、C分别扣2分` is 3, `“三率”未达标，分别扣3分` is 3.
fn conditions(clause: &str) -> Option<u32> {
    let before = clause.split("分别").next().unwrap_or(clause);
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
    ["每人", "全体人员", "该科室", "该调查组", "该组"]
        .iter()
        .any(|w| clause.contains(w))
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

/// Reads one item's criteria. `bonus_section` marks the 加分/增分 part of a rubric, where 加N分 clauses
/// are bonus rules.
pub fn parse_criteria(criteria: &str) -> ParsedCriteria {
    let text = ascii_digits(criteria);
    let (clauses, leftover) = clauses(&text);
    let mut out = ParsedCriteria::default();
    for phrase in leftover {
        out.confirm.push(Confirm {
            phrase,
            reason: "没有识别出计分方法（扣分、得分、不得分），未生成规则".into(),
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
        if c.contains("一票否决") {
            out.vetoes.push(VetoSpec {
                code: None,
                title: c.chars().take(20).collect(),
                text: c.to_string(),
                effect: VetoEffectSpec::Fail,
            });
        } else if c.contains("酌情") {
            out.rules.push(rule(c, RuleKindSpec::Discretionary));
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
        } else if let Some(per_point) = amount(&PER_POINT, c) {
            let threshold = amount(&THRESHOLD, c);
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
        } else if c.contains("不得分") {
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
        } else if let Some(value) = amount(&DEDUCT, c) {
            let each = c.contains("分别");
            let counted =
                each || EVERY.is_match(c) || ONCE.is_match(c.split('扣').next().unwrap_or(c));
            if counted {
                let max_count = if each { conditions(c) } else { None };
                if each && max_count.is_none() && applies_to(c).is_none() {
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
                reason: "没有找到分值，未生成规则".into(),
            });
        }
        last_graded = graded_now;
    }
    for rule in &mut out.rules {
        if let RuleKindSpec::Graded { levels } = &mut rule.kind {
            strip_common_prefix(levels);
        }
    }
    flush_bonus_levels(&mut out, &mut bonus_levels);
    out
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
                RuleKindSpec::Frequency { .. } => "frequency".into(),
                RuleKindSpec::Deadline { .. } => "deadline".into(),
            })
            .collect()
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
        assert_eq!(kinds(&parse_criteria("酌情评分。")), ["discretionary"]);
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
}
