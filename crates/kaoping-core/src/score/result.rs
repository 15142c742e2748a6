//! What scoring produces: a unit's result and the trace that explains every point of it.

use std::fmt;

use rust_decimal::Decimal;

use crate::finding::Finding;
use crate::rubric::{ItemId, RoundId, RuleId};
use crate::units::UnitId;

/// One unit's result over the whole period.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitResult {
    pub unit: UnitId,
    pub rounds: Vec<RoundScore>,
    /// Weighted over rounds, before bonus.
    pub total: Decimal,
    /// Bonus points granted (0 when not eligible), after the yearly cap.
    pub bonus: Decimal,
    pub bonus_eligible: bool,
    /// `total + bonus`, rounded as the rubric says: the published score.
    pub final_score: Decimal,
    /// `None` when the rubric has no pass mark and no veto struck.
    pub pass: Option<bool>,
    /// Index into [`crate::rubric::Rubric::grades`].
    pub grade: Option<usize>,
    /// 1-based within the unit's ranking group; ties share a rank.
    pub rank: usize,
    /// Items that need an entry before the result is final; each counts 0 until then.
    pub incomplete: Vec<Missing>,
    pub vetoes: Vec<VetoHit>,
    /// Weighted over rounds, one per rubric section.
    pub sections: Vec<Decimal>,
    /// Weighted over rounds, one per rubric item.
    pub items: Vec<ItemScore>,
    /// Empty unless the scorer keeps traces.
    pub trace: Vec<TraceEntry>,
}

impl UnitResult {
    pub fn is_incomplete(&self) -> bool {
        !self.incomplete.is_empty()
    }
}

/// A unit's scores in one round.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundScore {
    pub round: RoundId,
    pub total: Decimal,
    pub sections: Vec<Decimal>,
    pub items: Vec<ItemScore>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemScore {
    /// `None` for an item of a pool section, which has no points of its own.
    pub score: Option<Decimal>,
    /// Points actually taken off (after caps), from the item or from its section's pool.
    pub deducted: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Missing {
    pub round: RoundId,
    pub item: ItemId,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VetoHit {
    pub veto: usize,
    pub finding: Finding,
}

/// One rule applied to one unit in one round (or one bonus rule, or one veto), with the findings behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceEntry {
    /// `None` for bonus and veto entries, which belong to the whole period.
    pub round: Option<RoundId>,
    pub subject: Subject,
    /// Every finding behind the entry, including ones that changed nothing (a fixed rule found twice).
    pub findings: Vec<Finding>,
    pub effect: Effect,
    /// Why less than the rule asked for was applied, in the order the limits bit.
    pub caps: Vec<Cap>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Rule(RuleId),
    Bonus(usize),
    Veto(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Points taken off: what the rule asked for and what the bounds let through.
    Deduct {
        requested: Decimal,
        applied: Decimal,
    },
    /// The item's score was set (graded level, discretionary points, converted raw score).
    SetScore(Decimal),
    /// Points earned for criteria met (达标得分): what the findings earn, and what the item's points
    /// let count. `requested` 0: no criterion of the rule was found met.
    Earn {
        requested: Decimal,
        applied: Decimal,
    },
    /// 不得分
    Zero,
    /// A required entry is missing: the item counts 0 for now.
    Missing,
    /// A deadline finding that was on time: recorded, nothing deducted.
    OnTime,
    Bonus {
        requested: Decimal,
        applied: Decimal,
    },
    Veto,
}

/// What limited a rule's effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cap {
    /// Only `max` of `found` occurrences count.
    MaxCount { found: u64, max: u32 },
    /// Found several times, applied once (fixed and zero rules).
    AppliedOnce { found: u64 },
    /// The rule's own ceiling (直至20分扣完).
    RuleCap(Decimal),
    /// The item reached 0.
    ItemExhausted,
    /// The section's shared pool reached 0.
    PoolExhausted,
    /// `count` raw scores in one round (quarterly exams) were averaged before conversion; `expected` is how
    /// many the rubric says a round has, when it says (shown whenever `count` differs from it).
    Averaged { count: usize, expected: Option<u32> },
    /// Only the highest award per matter counts (就高不就低).
    LowerAward,
    /// The yearly bonus cap.
    BonusCap(Decimal),
    /// The total did not reach the bonus threshold.
    BelowBonusThreshold(Decimal),
    /// 不适用: the item does not apply to the unit and counts full marks.
    NotApplicable,
    /// The item was scored for a group and inherited.
    Inherited { group: usize },
}

fn pts(d: &Decimal) -> String {
    d.normalize().to_string()
}

impl fmt::Display for Cap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cap::MaxCount { found, max } => write!(f, "发现{found}次，最多计{max}次"),
            Cap::AppliedOnce { found } => write!(f, "发现{found}次，只扣一次"),
            Cap::RuleCap(c) => write!(f, "本规则最多扣{}分", pts(c)),
            Cap::ItemExhausted => write!(f, "本项分值已扣完"),
            Cap::PoolExhausted => write!(f, "本栏目共享分值已扣完"),
            Cap::Averaged {
                count,
                expected: Some(e),
            } if usize::try_from(*e) != Ok(*count) => {
                if *count == 1 {
                    write!(f, "只有1次成绩（应有{e}次），按这1次折合")
                } else {
                    write!(f, "取{count}次成绩的平均值（应有{e}次）")
                }
            }
            Cap::Averaged { count, .. } => write!(f, "取{count}次成绩的平均值"),
            Cap::LowerAward => write!(f, "同一事项只按最高一次加分"),
            Cap::BonusCap(c) => write!(f, "年度加分最高{}分", pts(c)),
            Cap::BelowBonusThreshold(t) => write!(f, "总分未达到{}分，不能加分", pts(t)),
            Cap::Inherited { .. } => write!(f, "得分来自所在组"),
            Cap::NotApplicable => write!(f, "不适用，按满分计"),
        }
    }
}
