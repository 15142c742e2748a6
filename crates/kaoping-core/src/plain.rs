//! Plain findings: the rows a bulk findings file is mostly made of. A plain finding names a unit and a
//! counting rule (fixed, 不得分, per-occurrence, progressive) of the unit's own, with a count where the
//! rule takes one and nothing else. Its meaning is a tally and nothing more, so a bulk reader may check it
//! with [`PlainRules`] and add it with [`crate::score::Scorer::add_summed_runs`] instead of building, resolving
//! and adding a [`crate::finding::Finding`]: the same tally, without the work.
//!
//! The contract: [`PlainRules::rule`] accepts a code only when the [`crate::finding::Resolver`] would accept
//! the same row (named unit, blank level, points, matter and dates, a count as [`PlainCount`] says) and
//! turn it into exactly the tally `add_summed_runs` adds. Anything else (a group, a deadline, an error)
//! goes the resolver's way, which also words the errors.
//!
//! Plain entries are the score-setting rows of the same shape: a unit's own graded rule with a level
//! ([`PlainRules::level`]) or discretionary rule with points and a reason ([`PlainRules::points`]), each
//! accepted only as the resolver accepts it, and added in bulk by [`crate::score::Scorer::add_entries`].

use rust_decimal::Decimal;

use crate::code_map::CodeMap;
use crate::finding::Input;
use crate::limits::{decimals, MAX_COUNT, MAX_DECIMALS};
use crate::rubric::{AppliesTo, Coded, RoundId, Rubric, RuleId, RuleKind};

/// A code of up to 7 bytes as one integer: its bytes, little-endian, and its length in the top byte.
/// Bulk readers key units by it; [`PlainRules::rule_packed`] takes it.
pub fn packed_code(code: &[u8]) -> Option<u64> {
    crate::code_map::pack_bytes(code)
}

/// What a plain finding's count must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlainCount {
    /// Fixed and 不得分 rules: it happened; the count is left blank (and tallies 1).
    Blank,
    /// Per-occurrence and progressive rules: 1 to [`MAX_COUNT`] occurrences.
    Required,
}

/// A rule a plain finding may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlainRule {
    pub rule: RuleId,
    pub count: PlainCount,
}

/// A score-setting rule a plain entry may name: graded (a level) or discretionary (points).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlainEntry {
    pub rule: RuleId,
    /// Graded: the entry is a level; otherwise (discretionary) points.
    pub graded: bool,
}

/// A (round, rule) tally of a plain finding, as [`crate::score::Scorer::add_summed_runs`] takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountSlot(pub(crate) u32);

impl CountSlot {
    /// The slot as a number below the rubric's rounds × rules, for a reader that packs it.
    pub fn index(self) -> u32 {
        self.0
    }

    /// The slot [`CountSlot::index`] gave, if it is one of this rubric's.
    pub fn from_index(rules: &PlainRules<'_>, index: u32) -> Option<CountSlot> {
        ((index as usize) < rules.slots()).then_some(CountSlot(index))
    }
}

/// The codes plain findings may name, for one rubric.
#[derive(Debug, Clone)]
pub struct PlainRules<'r> {
    rubric: &'r Rubric,
    codes: CodeMap<PlainRule>,
    entries: CodeMap<PlainEntry>,
}

impl<'r> PlainRules<'r> {
    pub fn new(rubric: &'r Rubric) -> PlainRules<'r> {
        let mut codes = CodeMap::default();
        let mut entries = CodeMap::default();
        let item_codes = rubric.items().iter().map(|i| i.code.as_str());
        for code in rubric
            .rules()
            .iter()
            .map(|r| r.code.as_str())
            .chain(item_codes)
        {
            // What the code means to the resolver: a rule, or an item with a single rule.
            let rule = match rubric.lookup(code) {
                Some(Coded::Rule(r)) => r,
                Some(Coded::Item(i)) if rubric.item_rules(i).len() == 1 => {
                    rubric.items()[i].rules.start
                }
                _ => continue,
            };
            let def = &rubric.rules()[rule];
            if def.applies_to == AppliesTo::Group {
                continue;
            }
            let count = match def.kind {
                RuleKind::Fixed { .. } | RuleKind::Zero => PlainCount::Blank,
                RuleKind::PerOccurrence { .. } | RuleKind::Progressive { .. } => {
                    PlainCount::Required
                }
                RuleKind::Graded { .. } | RuleKind::Discretionary => {
                    let graded = matches!(def.kind, RuleKind::Graded { .. });
                    entries.insert(code, PlainEntry { rule, graded });
                    continue;
                }
                _ => continue,
            };
            codes.insert(code, PlainRule { rule, count });
        }
        PlainRules {
            rubric,
            codes,
            entries,
        }
    }

    /// The score-setting rule a plain entry with this code (trimmed, as written) sets; `None` when the
    /// code is not one of a unit's own graded or discretionary rule.
    pub fn entry(&self, code: &[u8]) -> Option<PlainEntry> {
        self.entries.get_bytes(code)
    }

    /// As [`PlainRules::entry`], for a code packed by [`packed_code`].
    pub fn entry_packed(&self, code: u64) -> Option<PlainEntry> {
        self.entries.get_packed(code)
    }

    /// The input of a graded entry whose level column is `level` (count and points blank), as the
    /// resolver reads it: one of the rule's levels by name, trimmed.
    pub fn level(&self, entry: PlainEntry, level: &str) -> Option<Input> {
        let RuleKind::Graded { levels } = &self.rubric.rules()[entry.rule].kind else {
            return None;
        };
        let level = level.trim();
        levels
            .iter()
            .position(|l| !level.is_empty() && l.name == level)
            .map(Input::Level)
    }

    /// The input of a discretionary entry of `value` points with the reason `note` (count and level
    /// blank), as the resolver reads it: from 0 to the item's points, in at most
    /// [`MAX_DECIMALS`] places, with a reason.
    pub fn points(&self, entry: PlainEntry, value: Decimal, note: &str) -> Option<Input> {
        let rule = &self.rubric.rules()[entry.rule];
        let max = self.rubric.items()[rule.item].max;
        let valid = matches!(rule.kind, RuleKind::Discretionary)
            && (Decimal::ZERO..=max).contains(&value)
            && decimals(value) <= MAX_DECIMALS
            && !note.trim().is_empty();
        valid.then_some(Input::Value(value))
    }

    /// The rule a plain finding with this code (trimmed, as written) counts on; `None` when the code is
    /// not one of a plain rule.
    pub fn rule(&self, code: &[u8]) -> Option<PlainRule> {
        self.codes.get_bytes(code)
    }

    /// As [`PlainRules::rule`], for a code packed by [`packed_code`].
    pub fn rule_packed(&self, code: u64) -> Option<PlainRule> {
        self.codes.get_packed(code)
    }

    /// Whether `count` (the count column, trimmed; empty when blank) is one a plain finding on `rule` may
    /// carry, and the tally it adds.
    pub fn count(rule: PlainRule, count: &[u8]) -> Option<u64> {
        match rule.count {
            PlainCount::Blank => count.is_empty().then_some(1),
            PlainCount::Required => {
                // Plain digits only; a sign, a zero or too many go the resolver's way (and its errors).
                if count.is_empty() || count.len() > 7 || !count.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                let n = count.iter().fold(0u64, |n, b| n * 10 + u64::from(b - b'0'));
                (1..=u64::from(MAX_COUNT)).contains(&n).then_some(n)
            }
        }
    }

    /// The round of a plain finding: its round column trimmed (blank for the only round).
    pub fn round(&self, round: &str) -> Option<RoundId> {
        self.rubric.round(round)
    }

    /// How many tallies there are: rounds × rules ([`CountSlot::index`] is below it).
    pub fn slots(&self) -> usize {
        self.rubric.rounds().len() * self.rubric.rules().len()
    }

    /// The round and rule of a slot [`PlainRules::slot`] gave.
    pub fn round_and_rule(&self, slot: CountSlot) -> (RoundId, RuleId) {
        let rules = self.rubric.rules().len();
        (slot.0 as usize / rules, slot.0 as usize % rules)
    }

    /// The tally a plain finding on `rule` in `round` adds to.
    pub fn slot(&self, round: RoundId, rule: RuleId) -> CountSlot {
        let slot = round * self.rubric.rules().len() + rule;
        CountSlot(u32::try_from(slot).expect("fewer than 2³² rule slots"))
    }
}
