//! The rubric as its author wrote it: plain data, not yet checked. Edges (the TOML reader, the Word and
//! Excel importers, the database) fill these in; [`crate::rubric::Rubric::new`] checks them as a whole.

use rust_decimal::Decimal;

pub use crate::records::{Feed, Measure, RecordLink, Schedule};

/// A whole rubric before validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RubricSpec {
    pub title: String,
    pub issuer: Option<String>,
    pub issued: Option<String>,
    /// 总分: what the sections must add up to (100 in every seed scheme).
    pub total: Decimal,
    /// 合格线: a final score below it fails.
    pub pass_mark: Option<Decimal>,
    /// How partial percentage points of rate rules count unless a rule says otherwise.
    pub rate_rounding: RateRounding,
    /// Round the published final score half-up to this many decimals.
    pub total_decimals: Option<u32>,
    /// Empty means one implicit round with weight 1.
    pub rounds: Vec<RoundSpec>,
    pub grades: Vec<GradeSpec>,
    pub sections: Vec<SectionSpec>,
    pub bonus: BonusSpec,
    pub vetoes: Vec<VetoSpec>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RoundSpec {
    /// Defaults to the name.
    pub code: Option<String>,
    pub name: String,
    pub weight: Decimal,
}

/// 等次: a grade band; `min` is inclusive.
#[derive(Debug, Clone, PartialEq)]
pub struct GradeSpec {
    pub name: String,
    pub min: Decimal,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SectionSpec {
    pub code: Option<String>,
    pub title: String,
    pub points: Decimal,
    /// The section's points are one pool its items draw on; its items have no points of their own.
    pub pool: bool,
    pub items: Vec<ItemSpec>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemSpec {
    pub code: Option<String>,
    pub title: String,
    /// `None` inside a pool section.
    pub points: Option<Decimal>,
    /// 考核内容
    pub content: String,
    /// 评分标准, the original wording.
    pub criteria: String,
    /// 考核办法
    pub method: String,
    /// The department that owns the item and records its findings (安全科, 纪委 …).
    pub department: Option<String>,
    /// 科室得分即为科室人员得分: the item is scored for a group and each member inherits that score.
    pub inherit: bool,
    pub rules: Vec<RuleSpec>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleSpec {
    pub code: Option<String>,
    /// The phrase of the criteria this rule stands for.
    pub text: String,
    pub kind: RuleKindSpec,
    /// As written; `None` (not stated) is [`AppliesTo::Unit`], or [`AppliesTo::Group`] in an inherited item.
    pub applies_to: Option<AppliesTo>,
    /// Where its findings come from when nobody types them: activity records, attendance, exams.
    pub feed: Option<Feed>,
}

/// Who a finding on a rule may name. A group's finding applies to every member, so only a rule the rubric
/// marks as a group rule may take one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppliesTo {
    /// A unit only: what a rule that says nothing means (outside inherited items).
    Unit,
    /// 对该科室每人扣分: findings name a group and apply to every member.
    Group,
    /// Either a unit, or a group whose every member it then applies to.
    Any,
}

/// The rule kinds the real schemes use. Amounts are positive deductions.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleKindSpec {
    /// 扣N分: deducted once however often it is found.
    Fixed { amount: Decimal },
    /// 每…一次扣N分: `amount` per occurrence, at most `max_count` occurrences counted.
    PerOccurrence {
        amount: Decimal,
        max_count: Option<u32>,
    },
    /// 不得分: the item scores 0.
    Zero,
    /// 得N分: the item's score is the level's points.
    Graded { levels: Vec<LevelSpec> },
    /// 累进加扣: the n-th occurrence deducts `first + (n-1)*step`, all together at most `cap`.
    Progressive {
        first: Decimal,
        step: Decimal,
        cap: Option<Decimal>,
    },
    /// 出勤率95%以上记满分，每低一个百分点扣3分.
    Rate {
        threshold: Decimal,
        per_point: Decimal,
        /// Overrides the rubric's setting.
        rounding: Option<RateRounding>,
    },
    /// 折合: a raw score on `scale_min..=scale_max` (exam, vote) is converted to the item's points.
    Conversion {
        scale_min: Decimal,
        scale_max: Decimal,
        decimals: u32,
        /// Raw scores a round should have (4 for quarterly exams); fewer or more are averaged and flagged.
        expected: Option<u32>,
    },
    /// 酌情评分: the assessor gives 0..=points with a written reason.
    Discretionary,
    /// 每月不少于一次: findings give the sessions held; each missing one of `expected` deducts `amount`.
    Frequency { expected: u32, amount: Decimal },
    /// 每季次月5日前: a finding done after its due date is late; a late one zeroes the item or deducts.
    Deadline { penalty: Option<Decimal> },
    /// 达到…得N分, 各得N分: `amount` for each criterion met, at most `max_count` of them; the item starts
    /// from what its earned rules give.
    Earned {
        amount: Decimal,
        max_count: Option<u32>,
    },
    /// 酌情扣1-3分: each finding deducts the points the assessor judged, within `min..=max`, with a reason.
    RangeDeduction { min: Decimal, max: Decimal },
}

#[derive(Debug, Clone, PartialEq)]
pub struct LevelSpec {
    pub name: String,
    pub points: Option<Decimal>,
}

/// How the partial percentage points of a rate below its threshold count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RateRounding {
    /// 92.5% against 95%: 2.5 points below.
    #[default]
    Exact,
    /// Only whole points below count: 2.
    Down,
    /// Any part of a point counts as a whole one: 3.
    Up,
}

/// 奖励加分
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BonusSpec {
    /// At most this many bonus points a year.
    pub cap: Option<Decimal>,
    /// Only a unit whose total reaches this may get bonus points.
    pub threshold: Option<Decimal>,
    /// Where 同一事项只按最高一次加分 looks for the same matter.
    pub matter_scope: MatterScope,
    /// Findings on `highest` rules may leave the matter empty (each rule's such findings are then one
    /// matter); by default a matter is required, so different matters cannot merge unseen.
    pub matter_optional: bool,
    pub rules: Vec<BonusRuleSpec>,
}

/// Which awards for one matter compete for 就高不就低.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MatterScope {
    /// Across every `highest` bonus rule: a county 表彰 and a city 经验推广 for one matter count once, the
    /// higher (scheme B: 同一事项获多次奖励的只按最高一次加分).
    #[default]
    AllRules,
    /// Within each bonus rule only.
    PerRule,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BonusRuleSpec {
    pub code: Option<String>,
    pub title: String,
    pub text: String,
    pub combine: BonusCombine,
    /// Either levels, or one amount (`levels` empty).
    pub levels: Vec<LevelSpec>,
    pub amount: Option<Decimal>,
}

/// How several awards under one bonus rule add up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BonusCombine {
    /// 就高不就低: per matter only the highest award counts; different matters add up.
    #[default]
    HighestPerMatter,
    /// 每…加N分: every award counts.
    Sum,
}

/// 一票否决
#[derive(Debug, Clone, PartialEq)]
pub struct VetoSpec {
    pub code: Option<String>,
    pub title: String,
    pub text: String,
    pub effect: VetoEffectSpec,
}

#[derive(Debug, Clone, PartialEq)]
pub enum VetoEffectSpec {
    /// The unit fails whatever its points.
    Fail,
    /// The unit's grade is at most this one.
    MaxGrade(String),
}
