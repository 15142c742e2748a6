//! Findings (考核发现): what an assessor recorded against a unit, resolved against the rubric and the unit
//! register so the scorer only ever sees findings that make sense.

use std::fmt;

use rust_decimal::Decimal;

use crate::date::Date;
use crate::limits::{decimals, MAX_COUNT, MAX_DECIMALS};
use crate::rubric::{AppliesTo, BonusCombine, Coded, RoundId, Rubric, RuleId, RuleKind};
use crate::units::{Party, Units};

/// A finding as an edge read it (a CSV row, a form, a ledger entry), fields already typed but not checked
/// against the rubric.
#[derive(Debug, Clone, Copy, Default)]
pub struct FindingInput<'a> {
    /// The unit or group code.
    pub unit: &'a str,
    /// A rule code, or an item that has a single rule, or a bonus or veto code.
    pub code: &'a str,
    /// Round code or name; empty when the rubric has one round.
    pub round: &'a str,
    /// Occurrences (per-occurrence, progressive), sessions held (frequency) or late payments (deadline).
    pub count: Option<i64>,
    /// Graded level or bonus level.
    pub level: Option<&'a str>,
    /// Discretionary points, a raw score to convert, or a rate in percent.
    pub value: Option<Decimal>,
    pub note: &'a str,
    /// Bonus: the matter (事项) awarded; several awards for one matter count only the highest.
    pub matter: Option<&'a str>,
    /// Deadline: the day it was done, and the day it was due.
    pub done: Option<Date>,
    pub due: Option<Date>,
}

/// A finding checked against the rubric and the unit register.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub party: Party,
    pub target: Target,
    pub round: RoundId,
    pub input: Input,
    /// Where it came from (a CSV line, a ledger entry id); traces cite it.
    pub origin: u64,
    pub note: Box<str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Rule(RuleId),
    Bonus(usize),
    Veto(usize),
}

/// The checked quantity a finding carries, shaped by its rule's kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// Fixed, zero and veto findings: it happened.
    Found,
    Count(u64),
    Level(usize),
    Value(Decimal),
    /// 不适用: the item does not apply to this unit (述职 for staff who give none) and counts full marks.
    NotApplicable,
    Dates {
        done: Date,
        due: Date,
    },
    Award {
        level: Option<usize>,
        count: u64,
        matter: Box<str>,
    },
}

/// Why a finding was rejected. Display is the message a clerk reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindingError {
    EmptyUnit,
    UnknownUnit(String),
    EmptyCode,
    UnknownCode(String),
    SectionCode(String),
    AmbiguousItem {
        item: String,
        rules: Vec<String>,
    },
    UnknownRound {
        round: String,
        known: Vec<String>,
    },
    MissingRound {
        known: Vec<String>,
    },
    NegativeCount(i64),
    CountTooLarge(i64),
    /// A counting rule without its count: a blank is not taken for 1.
    CountRequired {
        code: String,
        kind: &'static str,
    },
    /// A count of 0 where only occurrences are recorded: nothing happened, so nothing is entered.
    ZeroCount {
        code: String,
        kind: &'static str,
    },
    CountNotAllowed {
        code: String,
        kind: &'static str,
    },
    LevelRequired {
        code: String,
        levels: Vec<String>,
    },
    UnknownLevel {
        code: String,
        level: String,
        levels: Vec<String>,
    },
    LevelNotAllowed {
        code: String,
        kind: &'static str,
    },
    ValueRequired {
        code: String,
        kind: &'static str,
    },
    ValueNotAllowed {
        code: String,
        kind: &'static str,
    },
    ValueOutOfRange {
        code: String,
        value: String,
        min: String,
        max: String,
    },
    /// More decimal places than any point is counted in.
    TooManyDecimals {
        code: String,
        value: String,
    },
    /// A judged entry (酌情评分, 酌情扣分) without its reason.
    ReasonRequired {
        code: String,
        kind: &'static str,
    },
    /// 不适用 without a note saying why.
    NotApplicableReasonRequired {
        code: String,
    },
    /// An award on a `highest` bonus rule that does not say which matter it rewards.
    MatterRequired {
        code: String,
    },
    DatesRequired {
        code: String,
    },
    GroupRequired {
        code: String,
        unit: String,
    },
    UnitRequired {
        code: String,
        group: String,
    },
    /// A group named on a rule the rubric does not mark as a group rule: it would dock every member.
    NotAGroupRule {
        code: String,
        group: String,
    },
    /// Two entries that each set the item's score, for one unit, rule and round.
    Duplicate {
        code: String,
        round: String,
        previous: u64,
    },
    /// A member of two groups that both scored an inherited item.
    AmbiguousInheritance {
        unit: String,
        item: String,
        groups: [String; 2],
    },
}

fn list(items: &[String]) -> String {
    items.join("、")
}

impl fmt::Display for FindingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use FindingError::*;
        match self {
            EmptyUnit => write!(f, "没有填写单位"),
            UnknownUnit(u) => write!(f, "单位“{u}”不在单位名单中"),
            EmptyCode => write!(f, "没有填写编号"),
            UnknownCode(c) => write!(f, "编号“{c}”不是本考评细则中的规则、评分项、加分或否决事项"),
            SectionCode(c) => write!(f, "“{c}”是栏目编号，请填写评分项或规则编号"),
            AmbiguousItem { item, rules } => write!(
                f,
                "评分项{item}有{}条规则（{}），请写明规则编号",
                rules.len(),
                list(rules)
            ),
            UnknownRound { round, known } => {
                write!(f, "轮次“{round}”不存在，可填：{}", list(known))
            }
            MissingRound { known } => {
                write!(f, "本考评细则有多个轮次，请填写轮次：{}", list(known))
            }
            NegativeCount(n) => write!(f, "次数不能为负数（现为{n}）"),
            CountTooLarge(n) => write!(f, "次数{n}超过上限{MAX_COUNT}"),
            CountRequired { code, kind } => write!(f, "规则{code}为{kind}，请填写次数"),
            ZeroCount { code, kind } => write!(
                f,
                "规则{code}为{kind}，次数为0即没有发生，不必录入（要取消已录入的记录请撤回）"
            ),
            CountNotAllowed { code, kind } => write!(f, "规则{code}为{kind}，不填次数"),
            LevelRequired { code, levels } => {
                write!(f, "规则{code}为分档得分，请填写等级：{}", list(levels))
            }
            UnknownLevel {
                code,
                level,
                levels,
            } => {
                write!(f, "规则{code}没有等级“{level}”，可填：{}", list(levels))
            }
            LevelNotAllowed { code, kind } => write!(f, "规则{code}为{kind}，不填等级"),
            ValueRequired { code, kind } => write!(f, "规则{code}为{kind}，请填写分值"),
            ValueNotAllowed { code, kind } => write!(f, "规则{code}为{kind}，不填分值"),
            ValueOutOfRange {
                code,
                value,
                min,
                max,
            } => write!(f, "规则{code}的分值{value}超出范围{min}～{max}"),
            TooManyDecimals { code, value } => write!(
                f,
                "规则{code}的分值{value}小数超过{MAX_DECIMALS}位，请四舍五入到{MAX_DECIMALS}位以内"
            ),
            ReasonRequired { code, kind } => write!(
                f,
                "规则{code}为{kind}，请在说明中写明{}理由",
                if *kind == "酌情扣分" { "扣分" } else { "评分" }
            ),
            NotApplicableReasonRequired { code } => write!(
                f,
                "规则{code}填写了“{NOT_APPLICABLE}”，请在说明中写明不适用的理由"
            ),
            MatterRequired { code } => write!(
                f,
                "加分规则{code}同一事项只按最高一次加分，请填写所奖励的事项（matter）"
            ),
            DatesRequired { code } => write!(
                f,
                "规则{code}为时限规则，请填写完成日期和截止日期，或填写逾期次数"
            ),
            GroupRequired { code, unit } => write!(
                f,
                "规则{code}按组（科室、调查组）评分，“{unit}”是单位，请填写组编号"
            ),
            UnitRequired { code, group } => write!(f, "规则{code}只能记在单位上，“{group}”是组"),
            NotAGroupRule { code, group } => write!(
                f,
                "规则{code}不是按组（科室、调查组）评分的规则，只能记在单位（个人）上，“{group}”是组"
            ),
            Duplicate {
                code,
                round,
                previous,
            } => write!(
                f,
                "规则{code}在轮次“{round}”已有一条给分记录（记录{previous}），同一轮次只能有一条"
            ),
            AmbiguousInheritance { unit, item, groups } => write!(
                f,
                "“{unit}”同时属于“{}”和“{}”，两组都对评分项{item}评了分，无法确定继承哪一组的得分",
                groups[0], groups[1]
            ),
        }
    }
}

impl std::error::Error for FindingError {}

impl FindingError {
    /// The message, naming the other finding involved (a duplicate's first entry) the way the caller
    /// names origins: a CSV line, a ledger entry.
    pub fn message_with(&self, origin: impl Fn(u64) -> String) -> String {
        match self {
            FindingError::Duplicate {
                code,
                round,
                previous,
            } => format!(
                "规则{code}在轮次“{round}”已有一条给分记录（{}），同一轮次只能有一条",
                origin(*previous)
            ),
            other => other.to_string(),
        }
    }
}

/// The level that marks a discretionary or converted item as not applying to a unit (按满分计).
pub const NOT_APPLICABLE: &str = "不适用";

/// Resolves [`FindingInput`]s against one rubric.
#[derive(Debug, Clone)]
pub struct Resolver<'r> {
    rubric: &'r Rubric,
    /// Without a unit list, any unit a finding names is registered on first sight.
    open_units: bool,
    /// Notes are only needed for traces; not copying them keeps bulk scoring allocation-free.
    keep_notes: bool,
    /// The last unit looked up: findings files list a unit's findings together, so most lookups repeat it.
    last_unit: std::cell::RefCell<(String, Option<Party>)>,
    /// Reading entries already in a ledger ([`Resolver::as_recorded`]).
    recorded: bool,
}

impl<'r> Resolver<'r> {
    /// `open_units`: register unknown unit codes instead of rejecting them (when no unit list was given).
    pub fn new(rubric: &'r Rubric, open_units: bool) -> Resolver<'r> {
        Resolver {
            rubric,
            open_units,
            keep_notes: true,
            last_unit: std::cell::RefCell::new((String::new(), None)),
            recorded: false,
        }
    }

    /// For entries already in a ledger: they count as they counted when they were recorded. The form
    /// rules added since (a count written out and not 0, a reason for 不适用, a matter for an award, a
    /// group only on a group rule) refuse new entries; an old entry that predates them keeps its meaning
    /// (a blank count was 1, a group finding docked every member) instead of silently dropping out of
    /// results that may be published.
    pub fn as_recorded(self) -> Resolver<'r> {
        Resolver {
            recorded: true,
            ..self
        }
    }

    /// Whether resolved findings keep their notes (default yes). Bonus and veto findings always do.
    pub fn keep_notes(self, keep: bool) -> Resolver<'r> {
        Resolver {
            keep_notes: keep,
            ..self
        }
    }

    /// Checks one finding. Every problem with it is returned, not just the first.
    ///
    /// # Errors
    /// The list of what is wrong; the unit register is unchanged then.
    pub fn resolve(
        &self,
        units: &mut Units,
        input: &FindingInput<'_>,
        origin: u64,
    ) -> Result<Finding, Vec<FindingError>> {
        let (party, finding) = self.check(units, input, origin)?;
        let party = match party {
            Some(p) => p,
            // Only reached in open mode: the code is new and nothing else was wrong.
            None => Party::Unit(
                units
                    .add_unit(input.unit.trim(), input.unit.trim(), None, &[])
                    .map_err(|_| vec![FindingError::EmptyUnit])?,
            ),
        };
        Ok(Finding { party, ..finding })
    }

    /// As [`Resolver::resolve`] against a closed register (a period's units), which it never changes: an
    /// unknown unit is an error even for an open resolver.
    ///
    /// # Errors
    /// The list of what is wrong.
    pub fn resolve_known(
        &self,
        units: &Units,
        input: &FindingInput<'_>,
        origin: u64,
    ) -> Result<Finding, Vec<FindingError>> {
        match self.check(units, input, origin)? {
            (Some(party), finding) => Ok(Finding { party, ..finding }),
            (None, _) => Err(vec![FindingError::UnknownUnit(
                input.unit.trim().to_string(),
            )]),
        }
    }

    /// Everything [`Resolver::resolve`] checks; the party is `None` for a unit an open resolver would
    /// register (the finding's own party is a placeholder then).
    fn check(
        &self,
        units: &Units,
        input: &FindingInput<'_>,
        origin: u64,
    ) -> Result<(Option<Party>, Finding), Vec<FindingError>> {
        let mut errors = Vec::new();
        let target = self.target(input.code).map_err(|e| errors.push(e)).ok();
        // Bonus and veto findings belong to the whole period; a round, if given, must still exist.
        let period_wide = matches!(target, Some(Target::Bonus(_) | Target::Veto(_)));
        let round = if period_wide && input.round.trim().is_empty() {
            Some(0)
        } else {
            self.round(input.round).map_err(|e| errors.push(e)).ok()
        };
        let unit = input.unit.trim();
        let found = {
            let mut last = self.last_unit.borrow_mut();
            match &*last {
                (code, Some(p)) if code == unit => Some(*p),
                _ => {
                    let p = units.find(unit);
                    last.0.clear();
                    last.0.push_str(unit);
                    last.1 = p;
                    p
                }
            }
        };
        let party = match found {
            Some(p) => Some(p),
            None if unit.is_empty() => {
                errors.push(FindingError::EmptyUnit);
                None
            }
            None if self.open_units => None,
            None => {
                errors.push(FindingError::UnknownUnit(unit.to_string()));
                None
            }
        };
        let parsed = target
            .map(|t| self.input(t, party, unit, input))
            .transpose();
        let quantity = parsed.map_err(|e| errors.push(e)).ok().flatten();
        if !errors.is_empty() {
            return Err(errors);
        }
        let note = if self.keep_notes || period_wide {
            input.note.trim().into()
        } else {
            Box::default()
        };
        Ok((
            party,
            Finding {
                party: party.unwrap_or(Party::Unit(usize::MAX)),
                target: target.expect("checked above"),
                round: round.expect("checked above"),
                input: quantity.expect("checked above"),
                origin,
                note,
            },
        ))
    }

    fn target(&self, code: &str) -> Result<Target, FindingError> {
        let code = code.trim();
        if code.is_empty() {
            return Err(FindingError::EmptyCode);
        }
        match self.rubric.lookup(code) {
            Some(Coded::Rule(r)) => Ok(Target::Rule(r)),
            Some(Coded::Bonus(b)) => Ok(Target::Bonus(b)),
            Some(Coded::Veto(v)) => Ok(Target::Veto(v)),
            Some(Coded::Item(i)) => {
                let rules = self.rubric.item_rules(i);
                if rules.len() == 1 {
                    Ok(Target::Rule(self.rubric.items()[i].rules.start))
                } else {
                    Err(FindingError::AmbiguousItem {
                        item: code.to_string(),
                        rules: rules.iter().map(|r| r.code.clone()).collect(),
                    })
                }
            }
            Some(Coded::Section(_)) => Err(FindingError::SectionCode(code.to_string())),
            None => Err(FindingError::UnknownCode(code.to_string())),
        }
    }

    fn round(&self, round: &str) -> Result<RoundId, FindingError> {
        self.rubric.round(round).ok_or_else(|| {
            let known = self
                .rubric
                .rounds()
                .iter()
                .map(|r| r.name.clone())
                .collect();
            if round.trim().is_empty() {
                FindingError::MissingRound { known }
            } else {
                FindingError::UnknownRound {
                    round: round.trim().to_string(),
                    known,
                }
            }
        })
    }

    fn input(
        &self,
        target: Target,
        party: Option<Party>,
        unit: &str,
        input: &FindingInput<'_>,
    ) -> Result<Input, FindingError> {
        match target {
            Target::Rule(r) => self.rule_input(r, party, unit, input),
            Target::Bonus(b) => self.bonus_input(b, input),
            Target::Veto(v) => {
                let code = self.rubric.vetoes()[v].code.clone();
                no_count(&code, "一票否决事项", input)?;
                no_level(&code, "一票否决事项", input)?;
                no_value(&code, "一票否决事项", input)?;
                Ok(Input::Found)
            }
        }
    }

    fn rule_input(
        &self,
        r: RuleId,
        party: Option<Party>,
        unit: &str,
        input: &FindingInput<'_>,
    ) -> Result<Input, FindingError> {
        let rule = &self.rubric.rules()[r];
        let code = &rule.code;
        let label = rule.kind.label();
        let is_group = matches!(party, Some(Party::Group(_)));
        match rule.applies_to {
            AppliesTo::Group if !is_group => {
                return Err(FindingError::GroupRequired {
                    code: code.clone(),
                    unit: unit.to_string(),
                })
            }
            AppliesTo::Unit if is_group && !self.recorded => {
                return Err(FindingError::NotAGroupRule {
                    code: code.clone(),
                    group: unit.to_string(),
                })
            }
            _ => {}
        }
        // A group's score-setting entry would clash with its members' own; only inherited items take one.
        let item = &self.rubric.items()[rule.item];
        let counted = matches!(
            rule.kind,
            RuleKind::Fixed { .. }
                | RuleKind::Zero
                | RuleKind::PerOccurrence { .. }
                | RuleKind::Progressive { .. }
                | RuleKind::Earned { .. }
        );
        if is_group && !item.inherit && !counted {
            return Err(FindingError::UnitRequired {
                code: code.clone(),
                group: unit.to_string(),
            });
        }
        match &rule.kind {
            RuleKind::Fixed { .. } | RuleKind::Zero => {
                no_count(code, label, input)?;
                no_level(code, label, input)?;
                no_value(code, label, input)?;
                Ok(Input::Found)
            }
            RuleKind::PerOccurrence { .. } | RuleKind::Progressive { .. } => {
                no_level(code, label, input)?;
                no_value(code, label, input)?;
                if self.recorded {
                    return Ok(Input::Count(count(input.count.unwrap_or(1))?));
                }
                match required_count(code, label, input)? {
                    0 => Err(FindingError::ZeroCount {
                        code: code.clone(),
                        kind: label,
                    }),
                    n => Ok(Input::Count(n)),
                }
            }
            // Criteria met: one unless the finding says how many.
            RuleKind::Earned { .. } => {
                no_level(code, label, input)?;
                no_value(code, label, input)?;
                match count(input.count.unwrap_or(1))? {
                    0 if !self.recorded => Err(FindingError::ZeroCount {
                        code: code.clone(),
                        kind: label,
                    }),
                    n => Ok(Input::Count(n)),
                }
            }
            // Sessions held: 0 is an answer (none were), a blank is not.
            RuleKind::Frequency { .. } => {
                no_level(code, label, input)?;
                no_value(code, label, input)?;
                if self.recorded {
                    return Ok(Input::Count(count(input.count.unwrap_or(1))?));
                }
                Ok(Input::Count(required_count(code, label, input)?))
            }
            RuleKind::Graded { levels } => {
                let code = code.clone();
                no_count(&code, label, input)?;
                no_value(&code, label, input)?;
                let names = || levels.iter().map(|l| l.name.clone()).collect();
                let level = input.level.map(str::trim).filter(|l| !l.is_empty());
                let Some(level) = level else {
                    return Err(FindingError::LevelRequired {
                        code,
                        levels: names(),
                    });
                };
                match levels.iter().position(|l| l.name == level) {
                    Some(i) => Ok(Input::Level(i)),
                    None => Err(FindingError::UnknownLevel {
                        code,
                        level: level.to_string(),
                        levels: names(),
                    }),
                }
            }
            // A value on the rule's scale: discretionary points, a raw score, a rate, or a judged
            // deduction (酌情扣分) within the rubric's range.
            RuleKind::Discretionary
            | RuleKind::Conversion { .. }
            | RuleKind::Rate { .. }
            | RuleKind::RangeDeduction { .. } => {
                let code = code.clone();
                no_count(&code, label, input)?;
                let required = rule.kind.required_entry();
                if required && input.level.map(str::trim) == Some(NOT_APPLICABLE) {
                    no_value(&code, "不适用的评分项", input)?;
                    // Full marks without an entry's worth of evidence: the reason is what an appeal reads.
                    if input.note.trim().is_empty() && !self.recorded {
                        return Err(FindingError::NotApplicableReasonRequired { code });
                    }
                    return Ok(Input::NotApplicable);
                }
                no_level(&code, label, input)?;
                let Some(value) = input.value else {
                    return Err(FindingError::ValueRequired { code, kind: label });
                };
                let (min, max) = match rule.kind {
                    RuleKind::Conversion {
                        scale_min,
                        scale_max,
                        ..
                    } => (scale_min, scale_max),
                    RuleKind::Rate { .. } => (Decimal::ZERO, Decimal::ONE_HUNDRED),
                    RuleKind::RangeDeduction { min, max } => (min, max),
                    _ => (Decimal::ZERO, item.max),
                };
                if value < min || value > max {
                    return Err(FindingError::ValueOutOfRange {
                        code,
                        value: value.normalize().to_string(),
                        min: min.normalize().to_string(),
                        max: max.normalize().to_string(),
                    });
                }
                // Within the range, the value is at most the rubric's bounds; its places are bounded too,
                // so sums of raw scores stay exact.
                if decimals(value) > MAX_DECIMALS {
                    return Err(FindingError::TooManyDecimals {
                        code,
                        value: value.normalize().to_string(),
                    });
                }
                // Judged points carry the reason an appeal reads.
                let reason_required = match rule.kind {
                    RuleKind::Discretionary => true,
                    RuleKind::RangeDeduction { .. } => !self.recorded,
                    _ => false,
                };
                if reason_required && input.note.trim().is_empty() {
                    return Err(FindingError::ReasonRequired { code, kind: label });
                }
                Ok(Input::Value(value))
            }
            RuleKind::Deadline { .. } => {
                no_level(code, label, input)?;
                no_value(code, label, input)?;
                match (input.count, input.done, input.due) {
                    (Some(n), None, None) => Ok(Input::Count(count(n)?)),
                    (None, Some(done), Some(due)) => Ok(Input::Dates { done, due }),
                    _ => Err(FindingError::DatesRequired { code: code.clone() }),
                }
            }
        }
    }

    fn bonus_input(&self, b: usize, input: &FindingInput<'_>) -> Result<Input, FindingError> {
        let rule = &self.rubric.bonus().rules[b];
        let code = rule.code.clone();
        no_value(&code, "加分规则", input)?;
        let level = if rule.levels.is_empty() {
            no_level(&code, "单一分值的加分规则", input)?;
            None
        } else {
            let names = || rule.levels.iter().map(|l| l.name.clone()).collect();
            let Some(level) = input.level.map(str::trim).filter(|l| !l.is_empty()) else {
                return Err(FindingError::LevelRequired {
                    code,
                    levels: names(),
                });
            };
            match rule.levels.iter().position(|l| l.name == level) {
                Some(i) => Some(i),
                None => {
                    return Err(FindingError::UnknownLevel {
                        code,
                        level: level.to_string(),
                        levels: names(),
                    })
                }
            }
        };
        let count = match (rule.combine, input.count) {
            (BonusCombine::HighestPerMatter, Some(n)) if n != 1 => {
                return Err(FindingError::CountNotAllowed {
                    code,
                    kind: "就高计分的加分规则",
                })
            }
            (_, Some(0)) if !self.recorded => {
                return Err(FindingError::ZeroCount {
                    code,
                    kind: "加分规则",
                })
            }
            // One row is one award unless it says how many.
            (_, n) => count(n.unwrap_or(1))?,
        };
        let matter = input
            .matter
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .unwrap_or("");
        // Rows without a matter would all be one matter and only the highest would count, unseen.
        let optional = self.rubric.bonus().matter_optional;
        if matter.is_empty()
            && rule.combine == BonusCombine::HighestPerMatter
            && !optional
            && !self.recorded
        {
            return Err(FindingError::MatterRequired { code });
        }
        Ok(Input::Award {
            level,
            count,
            matter: matter.into(),
        })
    }
}

/// The count a counting rule needs, written out.
fn required_count(
    code: &str,
    kind: &'static str,
    input: &FindingInput<'_>,
) -> Result<u64, FindingError> {
    match input.count {
        Some(n) => count(n),
        None => Err(FindingError::CountRequired {
            code: code.to_string(),
            kind,
        }),
    }
}

fn count(n: i64) -> Result<u64, FindingError> {
    match n {
        n if n < 0 => Err(FindingError::NegativeCount(n)),
        n if n > i64::from(MAX_COUNT) => Err(FindingError::CountTooLarge(n)),
        n => Ok(n as u64),
    }
}

fn no_count(code: &str, kind: &'static str, input: &FindingInput<'_>) -> Result<(), FindingError> {
    match input.count {
        Some(_) => Err(FindingError::CountNotAllowed {
            code: code.to_string(),
            kind,
        }),
        None => Ok(()),
    }
}

fn no_level(code: &str, kind: &'static str, input: &FindingInput<'_>) -> Result<(), FindingError> {
    match input.level.map(str::trim) {
        Some(l) if !l.is_empty() => Err(FindingError::LevelNotAllowed {
            code: code.to_string(),
            kind,
        }),
        _ => Ok(()),
    }
}

fn no_value(code: &str, kind: &'static str, input: &FindingInput<'_>) -> Result<(), FindingError> {
    match input.value {
        Some(_) => Err(FindingError::ValueNotAllowed {
            code: code.to_string(),
            kind,
        }),
        None => Ok(()),
    }
}
