//! The rubric (考评细则): sections, items, rules, rounds, grades, bonus and veto rules, validated as a whole.
//!
//! A [`Rubric`] can only be built from a [`RubricSpec`] that passes every check, so the scorer never meets
//! points that do not add up, a duplicate code or a level without points.

mod spec;
mod validate;

use std::ops::Range;

use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use crate::code_map::CodeMap;

pub use spec::*;
pub use validate::{Problem, Problems};

/// Index of a rule in [`Rubric::rules`].
pub type RuleId = usize;
/// Index of an item in [`Rubric::items`].
pub type ItemId = usize;
/// Index of a round in [`Rubric::rounds`].
pub type RoundId = usize;

/// A validated rubric. Immutable; every code is unique.
#[derive(Debug, Clone)]
pub struct Rubric {
    pub(crate) title: String,
    pub(crate) issuer: Option<String>,
    pub(crate) issued: Option<String>,
    pub(crate) total: Decimal,
    pub(crate) pass_mark: Option<Decimal>,
    pub(crate) total_decimals: Option<u32>,
    pub(crate) rounds: Vec<Round>,
    /// Highest band first.
    pub(crate) grades: Vec<Grade>,
    pub(crate) sections: Vec<Section>,
    pub(crate) items: Vec<Item>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) bonus: Bonus,
    pub(crate) vetoes: Vec<Veto>,
    pub(crate) codes: CodeMap<Coded>,
    pub(crate) round_codes: FxHashMap<String, RoundId>,
}

/// What a code names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coded {
    Section(usize),
    Item(ItemId),
    Rule(RuleId),
    Bonus(usize),
    Veto(usize),
}

#[derive(Debug, Clone)]
pub struct Round {
    pub code: String,
    pub name: String,
    pub weight: Decimal,
}

#[derive(Debug, Clone)]
pub struct Grade {
    pub name: String,
    pub min: Decimal,
}

#[derive(Debug, Clone)]
pub struct Section {
    pub code: String,
    pub title: String,
    pub points: Decimal,
    pub pool: bool,
    pub items: Range<ItemId>,
}

#[derive(Debug, Clone)]
pub struct Item {
    pub code: String,
    pub title: String,
    /// The most the item can score; for an item of a pool section, the section's points.
    pub max: Decimal,
    pub section: usize,
    pub content: String,
    pub criteria: String,
    pub method: String,
    pub department: Option<String>,
    pub inherit: bool,
    pub rules: Range<RuleId>,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub code: String,
    pub text: String,
    pub item: ItemId,
    pub kind: RuleKind,
    pub applies_to: AppliesTo,
    /// Activity records, attendance or exams that this rule's findings are computed from.
    pub feed: Option<Feed>,
}

/// A rule kind with its parameters checked (positive amounts, levels with points …).
#[derive(Debug, Clone, PartialEq)]
pub enum RuleKind {
    Fixed {
        amount: Decimal,
    },
    PerOccurrence {
        amount: Decimal,
        max_count: Option<u32>,
    },
    Zero,
    Graded {
        levels: Vec<Level>,
    },
    Progressive {
        first: Decimal,
        step: Decimal,
        cap: Option<Decimal>,
    },
    Rate {
        threshold: Decimal,
        per_point: Decimal,
        rounding: RateRounding,
    },
    Conversion {
        scale_min: Decimal,
        scale_max: Decimal,
        decimals: u32,
        expected: Option<u32>,
    },
    Discretionary,
    Frequency {
        expected: u32,
        amount: Decimal,
    },
    /// `penalty: None` zeroes the item (不得分); otherwise deducts per late finding.
    Deadline {
        penalty: Option<Decimal>,
    },
    /// 达到…得N分, 各得N分: `amount` earned for each criterion met (a finding's count), at most
    /// `max_count` of them. An item with earned rules starts from what they earn, not from its points.
    Earned {
        amount: Decimal,
        max_count: Option<u32>,
    },
    /// 酌情扣1-3分: the assessor judges each deduction within `min..=max` and says why; several add up.
    RangeDeduction {
        min: Decimal,
        max: Decimal,
    },
}

impl RuleKind {
    /// The name used in rubric files and traces.
    pub fn name(&self) -> &'static str {
        match self {
            RuleKind::Fixed { .. } => "fixed",
            RuleKind::PerOccurrence { .. } => "per_occurrence",
            RuleKind::Zero => "zero",
            RuleKind::Graded { .. } => "graded",
            RuleKind::Progressive { .. } => "progressive",
            RuleKind::Rate { .. } => "rate",
            RuleKind::Conversion { .. } => "conversion",
            RuleKind::Discretionary => "discretionary",
            RuleKind::Frequency { .. } => "frequency",
            RuleKind::Deadline { .. } => "deadline",
            RuleKind::Earned { .. } => "earned",
            RuleKind::RangeDeduction { .. } => "range_deduction",
        }
    }

    /// The Chinese name shown to users.
    pub fn label(&self) -> &'static str {
        match self {
            RuleKind::Fixed { .. } => "定额扣分",
            RuleKind::PerOccurrence { .. } => "按次扣分",
            RuleKind::Zero => "不得分",
            RuleKind::Graded { .. } => "分档得分",
            RuleKind::Progressive { .. } => "累进扣分",
            RuleKind::Rate { .. } => "比率扣分",
            RuleKind::Conversion { .. } => "折合得分",
            RuleKind::Discretionary => "酌情评分",
            RuleKind::Frequency { .. } => "频次扣分",
            RuleKind::Deadline { .. } => "时限规则",
            RuleKind::Earned { .. } => "达标得分",
            RuleKind::RangeDeduction { .. } => "酌情扣分",
        }
    }

    /// Rules whose findings only add to a tally (occurrences, or late payments): with none found they
    /// change nothing.
    pub fn is_counted(&self) -> bool {
        matches!(
            self,
            RuleKind::Fixed { .. }
                | RuleKind::Zero
                | RuleKind::PerOccurrence { .. }
                | RuleKind::Progressive { .. }
                | RuleKind::Deadline { .. }
        )
    }

    /// Rules whose findings set the item's score rather than deduct from it; an item has at most one.
    pub fn sets_score(&self) -> bool {
        matches!(
            self,
            RuleKind::Graded { .. } | RuleKind::Conversion { .. } | RuleKind::Discretionary
        )
    }

    /// Rules an item cannot be scored without: no entry means 0 points and an incomplete result.
    pub fn required_entry(&self) -> bool {
        matches!(self, RuleKind::Conversion { .. } | RuleKind::Discretionary)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    pub name: String,
    pub points: Decimal,
}

#[derive(Debug, Clone, Default)]
pub struct Bonus {
    pub cap: Option<Decimal>,
    pub threshold: Option<Decimal>,
    pub matter_scope: MatterScope,
    pub matter_optional: bool,
    pub rules: Vec<BonusRule>,
}

#[derive(Debug, Clone)]
pub struct BonusRule {
    pub code: String,
    pub title: String,
    pub text: String,
    pub combine: BonusCombine,
    /// Empty when the rule has a single `amount`.
    pub levels: Vec<Level>,
    pub amount: Option<Decimal>,
}

#[derive(Debug, Clone)]
pub struct Veto {
    pub code: String,
    pub title: String,
    pub text: String,
    pub effect: VetoEffect,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VetoEffect {
    Fail,
    /// Index into [`Rubric::grades`].
    MaxGrade(usize),
}

impl Rubric {
    pub fn title(&self) -> &str {
        &self.title
    }
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }
    pub fn issued(&self) -> Option<&str> {
        self.issued.as_deref()
    }
    pub fn total(&self) -> Decimal {
        self.total
    }
    pub fn pass_mark(&self) -> Option<Decimal> {
        self.pass_mark
    }
    pub fn total_decimals(&self) -> Option<u32> {
        self.total_decimals
    }
    pub fn rounds(&self) -> &[Round] {
        &self.rounds
    }
    /// Grade bands, highest first.
    pub fn grades(&self) -> &[Grade] {
        &self.grades
    }
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }
    pub fn items(&self) -> &[Item] {
        &self.items
    }
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The record kinds the rubric counts (支委会, 党课 …), in the order first named.
    pub fn record_kinds(&self) -> Vec<&str> {
        let mut kinds: Vec<&str> = Vec::new();
        for rule in &self.rules {
            if let Some(Feed::Records(links)) = &rule.feed {
                for l in links {
                    if !kinds.contains(&l.kind.as_str()) {
                        kinds.push(&l.kind);
                    }
                }
            }
        }
        kinds
    }

    /// The rule an attendance or exam figure feeds, if the rubric names one (at most one does).
    pub fn rule_measuring(&self, measure: Measure) -> Option<RuleId> {
        self.rules
            .iter()
            .position(|r| r.feed == Some(Feed::Measure(measure)))
    }
    pub fn bonus(&self) -> &Bonus {
        &self.bonus
    }
    pub fn vetoes(&self) -> &[Veto] {
        &self.vetoes
    }

    /// What a code (`1.4.2`, `6.1`, `B1`) names.
    pub fn lookup(&self, code: &str) -> Option<Coded> {
        self.codes.get(code.trim())
    }

    /// A round by its code or name. An empty name means "the only round" when there is just one.
    pub fn round(&self, name: &str) -> Option<RoundId> {
        let name = name.trim();
        if name.is_empty() {
            return (self.rounds.len() == 1).then_some(0);
        }
        self.round_codes.get(name).copied()
    }

    pub fn item_rules(&self, item: ItemId) -> &[Rule] {
        &self.rules[self.items[item].rules.clone()]
    }

    pub fn section_items(&self, section: usize) -> &[Item] {
        &self.items[self.sections[section].items.clone()]
    }

    /// The highest grade band `score` reaches.
    pub fn grade_for(&self, score: Decimal) -> Option<usize> {
        self.grades.iter().position(|g| score >= g.min)
    }
}
