//! Scoring one unit from the scorer's tallies: items within their bounds, pools, rounds, bonus, vetoes.

use rust_decimal::{Decimal, RoundingStrategy};
use rustc_hash::FxHashMap;

use super::result::*;
use super::tally::SlotCounts;
use super::{Key, Scorer};
use crate::finding::{Finding, Input, Target};
use crate::rubric::{
    BonusCombine, ItemId, MatterScope, RateRounding, RoundId, Rule, RuleKind, VetoEffect,
};
use crate::units::{Party, UnitId, Units};

/// Where an item's findings come from for one unit: the unit itself and the groups whose findings apply to
/// it, or, for an inherited item, the one group it inherits from.
struct Sources<'p> {
    /// Parties whose counts add up.
    parties: &'p [Party],
    /// The party whose score-setting entries count.
    owner: Party,
    inherited_from: Option<usize>,
}

/// The parties whose findings reach one unit: the unit itself, then its groups.
struct UnitParties {
    unit: UnitId,
    counted: Vec<Party>,
}

impl UnitParties {
    /// Where an item's findings come from.
    fn of_item(&self, scorer: &Scorer<'_>, item: ItemId) -> Sources<'_> {
        let inherited = scorer.rubric.items()[item]
            .inherit
            .then(|| scorer.inherits.get(&(self.unit, item)).map(|&(g, _)| g))
            .flatten();
        match inherited {
            Some(g) => {
                let at = self
                    .counted
                    .iter()
                    .position(|&p| p == Party::Group(g))
                    .expect("inherited from a group of the unit");
                Sources {
                    parties: &self.counted[at..=at],
                    owner: Party::Group(g),
                    inherited_from: Some(g),
                }
            }
            None => Sources {
                parties: &self.counted,
                owner: Party::Unit(self.unit),
                inherited_from: None,
            },
        }
    }
}

/// What one rule saw for one unit in one round.
struct RuleData<'a> {
    count: u64,
    entry: Option<&'a Input>,
    raw: Option<(Decimal, usize)>,
    held: Option<u64>,
    findings: Vec<Finding>,
}

impl RuleData<'_> {
    fn is_empty(&self) -> bool {
        self.count == 0
            && self.entry.is_none()
            && self.raw.is_none()
            && self.held.is_none()
            && self.findings.is_empty()
    }
}

struct UnitScoring<'s, 'r> {
    scorer: &'s Scorer<'r>,
    /// The unit's own tallies, by slot.
    run: &'s SlotCounts,
    trace: Option<Vec<TraceEntry>>,
    missing: Vec<Missing>,
}

/// A scoring thread's working space, emptied and reused from unit to unit: two threads allocating and
/// growing these for each of 100,000 units spent a tenth of the scoring in the allocator, much of it
/// waiting on its lock.
pub(super) struct Scratch {
    /// The unit's tallies by slot.
    counts: SlotCounts,
    /// Per round, the items to visit.
    visit: Vec<Vec<ItemId>>,
    /// The items to visit in one round, a bit each: marked in any order, read in ascending order (a
    /// sort per round and unit had been 4% of scoring).
    marked: Vec<u64>,
}

impl Scratch {
    pub(super) fn new(scorer: &Scorer<'_>) -> Scratch {
        Scratch {
            counts: SlotCounts::new(scorer.stride()),
            visit: vec![Vec::new(); scorer.rubric.rounds().len()],
            marked: vec![0; scorer.rubric.items().len().div_ceil(64)],
        }
    }
}

/// Scores unit `u`; `scratch` is the scoring thread's ([`Scratch::new`] of the same scorer).
pub(super) fn score_unit(
    scorer: &Scorer<'_>,
    units: &Units,
    awards: &FxHashMap<Party, Vec<usize>>,
    u: UnitId,
    scratch: &mut Scratch,
) -> UnitResult {
    let rubric = scorer.rubric;
    let unit = units.unit(u);
    scorer.unit_counts.of_unit(u).fill(&mut scratch.counts);
    // Per round, the items to score, ascending: those the unit was found on and those whose rules do not
    // only count (a missing entry or a frequency rule scores without findings). The rest keep their full
    // points. A unit in a group scores every item: its groups' findings count too.
    let rules = rubric.rules().len();
    for (round, items) in scratch.visit.iter_mut().enumerate() {
        items.clear();
        if !unit.groups.is_empty() {
            items.extend(0..rubric.items().len());
            continue;
        }
        let marked = &mut scratch.marked;
        let mut mark = |item: ItemId| marked[item / 64] |= 1 << (item % 64);
        scorer.uncounted_items.iter().for_each(|&i| mark(i));
        for slot in scratch.counts.slots().filter(|slot| slot / rules == round) {
            mark(rubric.rules()[slot % rules].item);
        }
        for (w, word) in marked.iter_mut().enumerate() {
            while *word != 0 {
                items.push(w * 64 + word.trailing_zeros() as usize);
                *word &= *word - 1;
            }
        }
    }
    let run: &SlotCounts = &scratch.counts;
    let visit = &scratch.visit;
    let mut s = UnitScoring {
        scorer,
        run,
        trace: scorer.keep_trace.then(Vec::new),
        missing: Vec::new(),
    };
    let parties = UnitParties {
        unit: u,
        counted: std::iter::once(Party::Unit(u))
            .chain(unit.groups.iter().map(|&g| Party::Group(g)))
            .collect(),
    };

    let mut total = Decimal::ZERO;
    let mut sections_w = vec![Decimal::ZERO; rubric.sections().len()];
    let mut items_w: Vec<ItemScore> = Vec::new();
    if scorer.keep_items {
        items_w = rubric
            .items()
            .iter()
            .map(|it| ItemScore {
                score: (!rubric.sections()[it.section].pool).then_some(Decimal::ZERO),
                deducted: Decimal::ZERO,
            })
            .collect();
    }
    let mut rounds = Vec::with_capacity(rubric.rounds().len());
    for (r, round) in rubric.rounds().iter().enumerate() {
        let rs = s.score_round(r, &parties, &visit[r]);
        if round.weight == Decimal::ONE {
            // The usual single round: the weighted scores are the round's own (no multiplication needed).
            total += rs.total;
            sections_w.clone_from(&rs.sections);
            items_w.clone_from(&rs.items);
        } else {
            total += round.weight * rs.total;
            for (w, sec) in sections_w.iter_mut().zip(&rs.sections) {
                *w += round.weight * sec;
            }
            for (w, it) in items_w.iter_mut().zip(&rs.items) {
                if let (Some(ws), Some(is)) = (w.score.as_mut(), it.score) {
                    *ws += round.weight * is;
                }
                w.deducted += round.weight * it.deducted;
            }
        }
        rounds.push(rs);
    }
    let total = total.normalize();

    let mine: Vec<&Finding> = parties
        .counted
        .iter()
        .filter_map(|p| awards.get(p))
        .flatten()
        .map(|&i| &scorer.awards[i])
        .collect();
    let (bonus, bonus_eligible) = s.bonus(total, &mine);
    let vetoes: Vec<VetoHit> = mine
        .iter()
        .filter_map(|f| match f.target {
            Target::Veto(v) => Some(VetoHit {
                veto: v,
                finding: (*f).clone(),
            }),
            _ => None,
        })
        .collect();
    if let Some(trace) = s.trace.as_mut() {
        for hit in &vetoes {
            trace.push(TraceEntry {
                round: None,
                subject: Subject::Veto(hit.veto),
                findings: vec![hit.finding.clone()],
                effect: Effect::Veto,
                caps: Vec::new(),
            });
        }
    }

    let mut final_score = total.saturating_add(bonus);
    if let Some(dp) = rubric.total_decimals() {
        final_score =
            final_score.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    }
    let final_score = final_score.normalize();
    let effects = || vetoes.iter().map(|v| rubric.vetoes()[v.veto].effect);
    let failed_by_veto = effects().any(|e| e == VetoEffect::Fail);
    let pass = if failed_by_veto {
        Some(false)
    } else {
        rubric.pass_mark().map(|p| final_score >= p)
    };
    let mut grade = rubric.grade_for(final_score);
    let lowest = rubric.grades().len().checked_sub(1);
    for effect in effects() {
        let floor = match effect {
            VetoEffect::Fail => lowest,
            VetoEffect::MaxGrade(g) => Some(g),
        };
        grade = match (grade, floor) {
            (Some(g), Some(f)) => Some(g.max(f)),
            (g, _) => g,
        };
    }

    UnitResult {
        unit: u,
        rounds,
        total,
        bonus,
        bonus_eligible,
        final_score,
        pass,
        grade,
        rank: 0,
        incomplete: s.missing,
        vetoes,
        sections: sections_w.into_iter().map(|d| d.normalize()).collect(),
        items: items_w
            .into_iter()
            .map(|i| ItemScore {
                score: i.score.map(|d| d.normalize()),
                deducted: i.deducted.normalize(),
            })
            .collect(),
        trace: s.trace.unwrap_or_default(),
    }
}

impl<'s> UnitScoring<'s, '_> {
    fn count(&self, party: Party, round: RoundId, rule: usize) -> u64 {
        match party {
            Party::Unit(_) => self.run.count(self.scorer.slot_of(round, rule)),
            Party::Group(g) => self.scorer.group_count(g, round, rule),
        }
    }

    fn data(&self, src: &Sources, round: RoundId, rule: usize) -> RuleData<'s> {
        let sc: &'s Scorer<'_> = self.scorer;
        // Count-only kinds never use the maps; bulk scoring skips the lookups.
        if sc.rubric.rules()[rule].kind.is_counted() && !sc.keep_trace {
            return RuleData {
                count: src
                    .parties
                    .iter()
                    .fold(0u64, |n, &p| n.saturating_add(self.count(p, round, rule))),
                entry: None,
                raw: None,
                held: None,
                findings: Vec::new(),
            };
        }
        let mut d = RuleData {
            count: 0,
            entry: match (&sc.entries_by_unit, src.owner) {
                (Some(by_unit), Party::Unit(u)) => by_unit.get(u, round, rule),
                _ => sc.entries.get(&(src.owner, round, rule)).map(|(i, _)| i),
            },
            raw: None,
            held: None,
            findings: Vec::new(),
        };
        for &p in src.parties {
            let key: Key = (p, round, rule);
            d.count = d.count.saturating_add(self.count(p, round, rule));
            if let Some(&(sum, n, _)) = sc.raw_scores.get(&key) {
                let (s0, n0) = d.raw.unwrap_or((Decimal::ZERO, 0));
                d.raw = Some((s0 + sum, n0.saturating_add(n)));
            }
            if let Some(&h) = sc.held.get(&key) {
                d.held = Some(d.held.unwrap_or(0).saturating_add(h));
            }
            if sc.keep_trace {
                if let Some(fs) = sc.traced.get(&key) {
                    d.findings.extend(fs.iter().cloned());
                }
            }
        }
        d
    }

    fn record(&mut self, entry: TraceEntry) {
        if let Some(t) = self.trace.as_mut() {
            t.push(entry);
        }
    }

    /// A round's scores, visiting `visit` (ascending item ids); the other items keep their full points.
    fn score_round(
        &mut self,
        round: RoundId,
        parties: &UnitParties,
        visit: &[ItemId],
    ) -> RoundScore {
        let rubric = self.scorer.rubric;
        let keep_items = self.scorer.keep_items;
        let mut items = Vec::new();
        if keep_items {
            items = rubric
                .items()
                .iter()
                .map(|it| ItemScore {
                    score: (!rubric.sections()[it.section].pool).then_some(it.max),
                    deducted: Decimal::ZERO,
                })
                .collect();
        }
        let mut sections = Vec::with_capacity(rubric.sections().len());
        // Items not visited keep the start values above (full points, nothing deducted): with 1,000 items
        // a unit is usually found on a few.
        for (si, section) in rubric.sections().iter().enumerate() {
            let range = &section.items;
            let from = visit.partition_point(|&i| i < range.start);
            let to = visit.partition_point(|&i| i < range.end);
            let items_here = &visit[from..to];
            let score = if section.pool {
                let mut remaining = section.points;
                for &i in items_here {
                    let before = remaining;
                    let src = parties.of_item(self.scorer, i);
                    self.deduct_all(round, i, &src, &mut remaining, Cap::PoolExhausted);
                    if keep_items {
                        items[i].deducted = before - remaining;
                    }
                }
                remaining
            } else {
                // The full points, less what each item scored below its maximum: the same exact sum.
                let mut sum = self.scorer.section_full[si];
                for &i in items_here {
                    let max = rubric.items()[i].max;
                    let score = self.score_item(round, i, &parties.of_item(self.scorer, i));
                    if keep_items {
                        items[i] = ItemScore {
                            score: Some(score),
                            deducted: max - score,
                        };
                    }
                    sum -= max - score;
                }
                sum
            };
            sections.push(score);
        }
        RoundScore {
            round,
            total: sections.iter().sum(),
            sections,
            items,
        }
    }

    /// An item of an ordinary section: its score-setting rule gives the base, then 不得分, then deductions.
    fn score_item(&mut self, round: RoundId, item: ItemId, src: &Sources) -> Decimal {
        let rubric = self.scorer.rubric;
        let it = &rubric.items()[item];
        let first_entry = self.trace.as_ref().map_or(0, Vec::len);
        let mut score = it.max;
        for rule_id in it.rules.clone() {
            let rule = &rubric.rules()[rule_id];
            if !rule.kind.sets_score() {
                continue;
            }
            let d = self.data(src, round, rule_id);
            let not_applicable = matches!(d.entry, Some(Input::NotApplicable));
            let set = match (&rule.kind, d.entry, d.raw) {
                (_, Some(Input::NotApplicable), _) => Some(it.max),
                (RuleKind::Graded { levels }, Some(Input::Level(l)), _) => Some(levels[*l].points),
                (RuleKind::Discretionary, Some(Input::Value(v)), _) => Some(*v),
                (
                    RuleKind::Conversion {
                        scale_min,
                        scale_max,
                        decimals,
                        ..
                    },
                    _,
                    Some((sum, n)),
                ) => {
                    // One division only: dividing the mean first would truncate a repeating decimal
                    // and turn an exact midpoint (2.395) into 2.3949… before half-up rounding.
                    // Safe: every raw score is within the scale (|x| ≤ 10⁴, see `crate::limits`), so
                    // |sum − n·min| ≤ 2·10⁴·n < 4·10²³ for any usize n, and times max (≤ 10⁴) < 10²⁸.
                    let n = Decimal::from(n);
                    let converted = it.max * (sum - n * scale_min) / (n * (scale_max - scale_min));
                    Some(
                        converted.round_dp_with_strategy(
                            *decimals,
                            RoundingStrategy::MidpointAwayFromZero,
                        ),
                    )
                }
                _ => None,
            };
            let mut caps = Vec::new();
            if let Some(g) = src.inherited_from {
                caps.push(Cap::Inherited { group: g });
            }
            if not_applicable {
                caps.push(Cap::NotApplicable);
            }
            // Say how many raw scores were averaged whenever it is not simply the one the rubric expects:
            // three quarterly exams of four must not pass for a full year.
            if let (RuleKind::Conversion { expected, .. }, Some((_, n))) = (&rule.kind, d.raw) {
                let off = expected.is_some_and(|e| usize::try_from(e) != Ok(n));
                if n > 1 || off {
                    caps.push(Cap::Averaged {
                        count: n,
                        expected: *expected,
                    });
                }
            }
            let effect = match set {
                Some(v) => {
                    score = v.clamp(Decimal::ZERO, it.max);
                    Effect::SetScore(score)
                }
                None if rule.kind.required_entry() => {
                    score = Decimal::ZERO;
                    self.missing.push(crate::score::Missing { round, item });
                    Effect::Missing
                }
                None => continue,
            };
            self.record(TraceEntry {
                round: Some(round),
                subject: Subject::Rule(rule_id),
                findings: d.findings,
                effect,
                caps,
            });
        }
        if it
            .rules
            .clone()
            .any(|r| matches!(rubric.rules()[r].kind, RuleKind::Earned { .. }))
        {
            score = self.earn(round, item, src);
        }
        let zeroed = it.rules.clone().any(|r| {
            let kind = &rubric.rules()[r].kind;
            matches!(kind, RuleKind::Zero | RuleKind::Deadline { penalty: None })
                && self.data(src, round, r).count > 0
        });
        if zeroed {
            score = Decimal::ZERO;
        }
        self.deduct_all(round, item, src, &mut score, Cap::ItemExhausted);
        if let Some(t) = self.trace.as_mut() {
            t[first_entry..].sort_by_key(|e| match e.subject {
                Subject::Rule(r) => r,
                _ => usize::MAX,
            });
        }
        score
    }

    /// What an item's earned rules give (达标得分): each criterion met earns its points, up to the item's.
    /// Every earned rule is in the trace, met or not, so a 0 explains itself.
    fn earn(&mut self, round: RoundId, item: ItemId, src: &Sources) -> Decimal {
        let rubric = self.scorer.rubric;
        let max = rubric.items()[item].max;
        let mut total = Decimal::ZERO;
        for rule_id in rubric.items()[item].rules.clone() {
            let RuleKind::Earned { amount, max_count } = rubric.rules()[rule_id].kind else {
                continue;
            };
            let d = self.data(src, round, rule_id);
            let mut caps = Vec::new();
            let met = match max_count {
                Some(m) if d.count > u64::from(m) => {
                    caps.push(Cap::MaxCount {
                        found: d.count,
                        max: m,
                    });
                    u64::from(m)
                }
                _ => d.count,
            };
            // Points times a tally: at most 10⁴ × 1.8 × 10¹⁹ (see `crate::limits`), inside `Decimal`.
            let requested = amount * Decimal::from(met);
            let applied = requested.min(max - total);
            total += applied;
            if self.trace.is_none() {
                continue;
            }
            if let Some(g) = src.inherited_from {
                caps.insert(0, Cap::Inherited { group: g });
            }
            self.record(TraceEntry {
                round: Some(round),
                subject: Subject::Rule(rule_id),
                findings: d.findings,
                effect: Effect::Earn {
                    requested: requested.normalize(),
                    applied: applied.normalize(),
                },
                caps,
            });
        }
        total
    }

    /// Applies an item's deduction rules (and records its 不得分 rules) against `remaining`, which is the
    /// item's score or its section's pool.
    fn deduct_all(
        &mut self,
        round: RoundId,
        item: ItemId,
        src: &Sources,
        remaining: &mut Decimal,
        exhausted: Cap,
    ) {
        let rubric = self.scorer.rubric;
        for rule_id in rubric.items()[item].rules.clone() {
            let rule = &rubric.rules()[rule_id];
            if rule.kind.sets_score() || matches!(rule.kind, RuleKind::Earned { .. }) {
                continue;
            }
            let d = self.data(src, round, rule_id);
            if d.is_empty() {
                continue;
            }
            let deducted = deduction(rule, &d, self.trace.is_some());
            if self.trace.is_none() {
                // Bulk scoring: only the points matter, not how the trace words them.
                if let Deduction::Points { allowed, .. } = deducted {
                    *remaining -= allowed.min(*remaining).max(Decimal::ZERO);
                }
                continue;
            }
            let (effect, caps) = match deducted {
                Deduction::Zero(caps) => (Effect::Zero, caps),
                Deduction::OnTime => (Effect::OnTime, Vec::new()),
                Deduction::Points {
                    requested,
                    allowed,
                    mut caps,
                } => {
                    let applied = allowed.min(*remaining).max(Decimal::ZERO);
                    if applied < allowed {
                        caps.push(exhausted.clone());
                    }
                    *remaining -= applied;
                    (
                        Effect::Deduct {
                            requested: requested.normalize(),
                            applied: applied.normalize(),
                        },
                        caps,
                    )
                }
            };
            let mut caps = caps;
            if let Some(g) = src.inherited_from {
                caps.insert(0, Cap::Inherited { group: g });
            }
            self.record(TraceEntry {
                round: Some(round),
                subject: Subject::Rule(rule_id),
                findings: d.findings,
                effect,
                caps,
            });
        }
    }

    /// Bonus points for a unit whose weighted total is `total`: highest per matter, sums, cap, threshold.
    fn bonus(&mut self, total: Decimal, findings: &[&Finding]) -> (Decimal, bool) {
        let bonus = self.scorer.rubric.bonus();
        let eligible = bonus.threshold.is_none_or(|t| total >= t);
        // (scope, matter) -> (rule of the best award, best points, findings), in first-seen order for a
        // stable trace. A matter competes across every `highest` rule unless the rubric scopes it per rule;
        // an empty matter (allowed only when the rubric says so) is always its own rule's.
        let mut matters: Vec<Matter<'_>> = Vec::new();
        let mut sorted: Vec<&&Finding> = findings
            .iter()
            .filter(|f| matches!(f.target, Target::Bonus(_)))
            .collect();
        sorted.sort_by_key(|f| f.origin);
        for f in sorted {
            let (
                Target::Bonus(b),
                Input::Award {
                    level,
                    count,
                    matter,
                },
            ) = (&f.target, &f.input)
            else {
                continue;
            };
            let rule = &bonus.rules[*b];
            let each = level.map_or(rule.amount.unwrap_or_default(), |l| rule.levels[l].points);
            let key = match rule.combine {
                BonusCombine::Sum => (Some(*b), ""),
                BonusCombine::HighestPerMatter
                    if bonus.matter_scope == MatterScope::PerRule || matter.is_empty() =>
                {
                    (Some(*b), &**matter)
                }
                BonusCombine::HighestPerMatter => (None, &**matter),
            };
            let pos = matters.iter().position(|m| m.key == key);
            let entry = match pos {
                Some(p) => &mut matters[p],
                None => {
                    matters.push(Matter {
                        key,
                        rule: *b,
                        requested: Decimal::ZERO,
                        findings: Vec::new(),
                        caps: Vec::new(),
                    });
                    matters.last_mut().expect("just pushed")
                }
            };
            match rule.combine {
                // Each at most 10⁴ × 10⁶; saturating keeps even absurd sums from panicking.
                BonusCombine::Sum => {
                    entry.requested = entry
                        .requested
                        .saturating_add(each.saturating_mul(Decimal::from(*count)))
                }
                BonusCombine::HighestPerMatter => {
                    if !entry.findings.is_empty() && !entry.caps.contains(&Cap::LowerAward) {
                        entry.caps.push(Cap::LowerAward);
                    }
                    // Findings come in origin order, so on a tie the first award's rule names the matter.
                    if each > entry.requested {
                        entry.requested = each;
                        entry.rule = *b;
                    }
                }
            }
            entry.findings.push((*f).clone());
        }
        let mut granted = Decimal::ZERO;
        for Matter {
            rule: b,
            requested,
            findings: found,
            mut caps,
            ..
        } in matters
        {
            let room = match (eligible, bonus.cap) {
                (false, _) => Decimal::ZERO,
                (true, Some(cap)) => (cap - granted).max(Decimal::ZERO),
                (true, None) => requested,
            };
            let applied = requested.min(room);
            if !eligible {
                caps.push(Cap::BelowBonusThreshold(
                    bonus.threshold.unwrap_or_default(),
                ));
            } else if applied < requested {
                caps.push(Cap::BonusCap(bonus.cap.unwrap_or_default()));
            }
            granted = granted.saturating_add(applied);
            self.record(TraceEntry {
                round: None,
                subject: Subject::Bonus(b),
                findings: found,
                effect: Effect::Bonus {
                    requested: requested.normalize(),
                    applied: applied.normalize(),
                },
                caps,
            });
        }
        (granted.normalize(), eligible)
    }
}

/// One matter (of one bonus rule, or of all `highest` rules): what it asks, the findings behind it, what
/// limited it.
struct Matter<'f> {
    /// The rule for a matter scoped to one rule (`None`: every `highest` rule), and the matter.
    key: (Option<usize>, &'f str),
    /// The rule the trace names: the one of the highest award.
    rule: usize,
    requested: Decimal,
    findings: Vec<Finding>,
    caps: Vec<Cap>,
}

enum Deduction {
    /// What the findings ask for, and what the rule's own limits allow of it.
    Points {
        requested: Decimal,
        allowed: Decimal,
        caps: Vec<Cap>,
    },
    Zero(Vec<Cap>),
    OnTime,
}

impl Deduction {
    fn plain(amount: Decimal, caps: Vec<Cap>) -> Deduction {
        Deduction::Points {
            requested: amount,
            allowed: amount,
            caps,
        }
    }
}

/// What the first `n` occurrences of a progressive rule ask for: the n-th deducts first + (n−1)·step, so
/// the sum is first·n + step·n(n−1)/2. n(n−1)/2 is exact in `u128`, but times `step` it can leave
/// `Decimal`'s range for a tally in the trillions: that deduction saturates (any cap or bound then takes
/// over) rather than panic.
fn progressive_sum(first: Decimal, step: Decimal, n: u64) -> Decimal {
    let pairs = u128::from(n) * u128::from(n.saturating_sub(1)) / 2;
    let pairs = i128::try_from(pairs)
        .ok()
        .and_then(|p| Decimal::try_from_i128_with_scale(p, 0).ok())
        .unwrap_or(Decimal::MAX);
    (first * Decimal::from(n)).saturating_add(step.saturating_mul(pairs))
}

/// What a deduction rule asks for, before the item's or pool's bounds; with the limits that applied when
/// `explain` (a trace words them; bulk scoring, with no trace, would only allocate them to drop them).
fn deduction(rule: &Rule, d: &RuleData<'_>, explain: bool) -> Deduction {
    let limit = |cap: Cap| if explain { vec![cap] } else { Vec::new() };
    let once = |found: u64| {
        if found > 1 {
            limit(Cap::AppliedOnce { found })
        } else {
            Vec::new()
        }
    };
    match &rule.kind {
        RuleKind::Fixed { amount } if d.count > 0 => Deduction::plain(*amount, once(d.count)),
        RuleKind::Zero if d.count > 0 => Deduction::Zero(once(d.count)),
        // Points times a tally: at most 10⁴ × 1.8 × 10¹⁹ (see `crate::limits`), inside `Decimal`.
        RuleKind::PerOccurrence { amount, max_count } => {
            let requested = amount * Decimal::from(d.count);
            match max_count {
                Some(m) if d.count > u64::from(*m) => Deduction::Points {
                    requested,
                    allowed: amount * Decimal::from(*m),
                    caps: limit(Cap::MaxCount {
                        found: d.count,
                        max: *m,
                    }),
                },
                _ => Deduction::plain(requested, Vec::new()),
            }
        }
        RuleKind::Progressive { first, step, cap } => {
            let requested = progressive_sum(*first, *step, d.count);
            match cap {
                Some(c) if requested > *c => Deduction::Points {
                    requested,
                    allowed: *c,
                    caps: limit(Cap::RuleCap(*c)),
                },
                _ => Deduction::plain(requested, Vec::new()),
            }
        }
        RuleKind::Rate {
            threshold,
            per_point,
            rounding,
        } => {
            let rate = match d.entry {
                Some(Input::Value(v)) => *v,
                _ => return Deduction::plain(Decimal::ZERO, Vec::new()),
            };
            let gap = (threshold - rate).max(Decimal::ZERO);
            let gap = match rounding {
                RateRounding::Exact => gap,
                RateRounding::Down => gap.floor(),
                RateRounding::Up => gap.ceil(),
            };
            Deduction::plain(gap * per_point, Vec::new())
        }
        RuleKind::Frequency { expected, amount } => {
            let missed =
                u64::from(*expected).saturating_sub(d.held.unwrap_or(u64::from(*expected)));
            Deduction::plain(amount * Decimal::from(missed), Vec::new())
        }
        RuleKind::Deadline { penalty: None } if d.count > 0 => Deduction::Zero(once(d.count)),
        RuleKind::Deadline { penalty: Some(p) } if d.count > 0 => {
            Deduction::plain(p * Decimal::from(d.count), Vec::new())
        }
        RuleKind::Deadline { .. } => Deduction::OnTime,
        // The judged deductions, summed (each within the rubric's range, so the sum stays exact).
        RuleKind::RangeDeduction { .. } => {
            Deduction::plain(d.raw.map_or(Decimal::ZERO, |(sum, _)| sum), Vec::new())
        }
        _ => Deduction::plain(Decimal::ZERO, once(d.count)),
    }
}
