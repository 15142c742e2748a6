//! Property tests for the scoring invariants.
//!
//! Rubrics are built directly from [`RubricSpec`] by proptest strategies that only generate valid rubrics
//! (1–5 sections, pools and ordinary sections, every rule kind, optional rounds, bonus and veto rules).
//! Findings are generated from small random "seeds" that are turned into findings against the validated
//! rubric, so most of them resolve; the few the resolver or the scorer rejects (a second graded entry for
//! one unit, rule and round is an error by design) are skipped.

// `is_multiple_of` is newer than the workspace's rust-version (1.85).
#![allow(clippy::manual_is_multiple_of)]

use std::collections::HashMap;

use kaoping_core::date::Date;
use kaoping_core::finding::{Finding, FindingInput, Input, Resolver, Target};
use kaoping_core::plain::{CountSlot, PlainRules};
use kaoping_core::rubric::*;
use kaoping_core::score::{Effect, Scorer, Subject, UnitEntry, UnitResult};
use kaoping_core::units::{Party, Units};
use kaoping_core::Decimal;
use proptest::prelude::*;
use proptest::sample::Index;
use rust_decimal::RoundingStrategy;

// ---------------------------------------------------------------------------------------------------------
// Configuration

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        // Never write regression files next to the tests (other engineers own the tree).
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------------------
// Small helpers

/// `h` half points: 3 → 1.5.
fn half(h: i64) -> Decimal {
    Decimal::new(h * 5, 1)
}

fn halves(lo: i64, hi: i64) -> impl Strategy<Value = Decimal> + Clone {
    (lo..=hi).prop_map(half)
}

fn zero() -> Decimal {
    Decimal::ZERO
}

// ---------------------------------------------------------------------------------------------------------
// Rubric strategies

/// A deduction (or 不得分) rule kind. Pools get only the kinds the validator allows there.
fn deduction_kind(pool: bool) -> BoxedStrategy<RuleKindSpec> {
    let fixed = halves(1, 10).prop_map(|amount| RuleKindSpec::Fixed { amount });
    let per = (halves(1, 6), prop::option::of(1u32..=4))
        .prop_map(|(amount, max_count)| RuleKindSpec::PerOccurrence { amount, max_count });
    // A cap below the first deduction is refused by the validator.
    let prog = (halves(1, 4), halves(0, 4), prop::option::of(halves(1, 20))).prop_map(
        |(first, step, cap)| RuleKindSpec::Progressive {
            first,
            step,
            cap: cap.map(|c| c.max(first)),
        },
    );
    let rate = (
        prop::sample::select(vec![80i64, 90, 95, 100]),
        halves(1, 4),
        prop::option::of(prop_oneof![
            Just(RateRounding::Exact),
            Just(RateRounding::Down),
            Just(RateRounding::Up)
        ]),
    )
        .prop_map(|(t, per_point, rounding)| RuleKindSpec::Rate {
            threshold: Decimal::from(t),
            per_point,
            rounding,
        });
    let freq = (1u32..=12, halves(1, 4))
        .prop_map(|(expected, amount)| RuleKindSpec::Frequency { expected, amount });
    let late = halves(1, 4).prop_map(|p| RuleKindSpec::Deadline { penalty: Some(p) });
    let range = (halves(0, 4), halves(1, 6)).prop_map(|(a, b)| RuleKindSpec::RangeDeduction {
        min: a.min(b),
        max: a.max(b),
    });
    if pool {
        prop_oneof![3 => fixed, 3 => per, 3 => prog, 1 => rate, 1 => freq, 1 => late, 1 => range]
            .boxed()
    } else {
        prop_oneof![
            3 => fixed,
            3 => per,
            3 => prog,
            1 => rate,
            1 => freq,
            1 => late,
            1 => range,
            1 => Just(RuleKindSpec::Zero),
            1 => Just(RuleKindSpec::Deadline { penalty: None }),
        ]
        .boxed()
    }
}

/// A score-setting rule kind. Graded levels carry a percentage of the item's points, rescaled in `item`.
fn setter_kind() -> BoxedStrategy<RuleKindSpec> {
    let graded = prop::collection::vec(0i64..=100, 1..=3).prop_map(|pcts| RuleKindSpec::Graded {
        levels: pcts
            .into_iter()
            .enumerate()
            .map(|(i, p)| LevelSpec {
                name: format!("L{i}"),
                points: Some(Decimal::from(p)),
            })
            .collect(),
    });
    let conversion = (
        prop::sample::select(vec![(0i64, 100i64), (60, 100), (0, 10)]),
        0u32..=2,
    )
        .prop_map(|((lo, hi), decimals)| RuleKindSpec::Conversion {
            scale_min: Decimal::from(lo),
            scale_max: Decimal::from(hi),
            decimals,
            expected: None,
        });
    prop_oneof![2 => graded, 1 => conversion, 1 => Just(RuleKindSpec::Discretionary)].boxed()
}

fn applies_to() -> impl Strategy<Value = Option<AppliesTo>> + Clone {
    prop_oneof![
        5 => Just(Some(AppliesTo::Any)),
        1 => Just(None),
        1 => Just(Some(AppliesTo::Unit)),
        1 => Just(Some(AppliesTo::Group)),
    ]
}

fn rule(kind: RuleKindSpec, applies_to: Option<AppliesTo>) -> RuleSpec {
    RuleSpec {
        code: None,
        text: format!("{kind:?}"),
        kind,
        applies_to,
        feed: None,
    }
}

/// Earned rules (达标得分): 1–3 criteria, each worth up to the item's points in half points (a share
/// rescaled in `item`), some counted at most a few times.
fn earned_kinds() -> impl Strategy<Value = Vec<(u32, Option<u32>)>> {
    prop::collection::vec((1u32..=100, prop::option::of(1u32..=3)), 1..=3)
}

/// An item of an ordinary section: points (0.5–10), at most one score-setting rule or a few earned
/// rules, 0–3 other rules.
fn item() -> impl Strategy<Value = ItemSpec> {
    (
        1i64..=20,
        prop::option::weighted(0.4, (setter_kind(), applies_to())),
        prop::option::weighted(0.2, earned_kinds()),
        prop::collection::vec((deduction_kind(false), applies_to()), 0..=3),
        prop::bool::weighted(0.15),
    )
        .prop_map(|(points_h, setter, earned, deductions, inherit)| {
            let mut rules = Vec::new();
            let setter = if earned.is_some() { None } else { setter };
            for (pct, max_count) in earned.unwrap_or_default() {
                let h = (points_h * i64::from(pct) / 100).max(1);
                rules.push(rule(
                    RuleKindSpec::Earned {
                        amount: half(h),
                        max_count,
                    },
                    Some(AppliesTo::Any),
                ));
            }
            if let Some((kind, to)) = setter {
                let kind = match kind {
                    // Level points are a percentage of the item's points, floored to half points.
                    RuleKindSpec::Graded { levels } => RuleKindSpec::Graded {
                        levels: levels
                            .into_iter()
                            .map(|l| {
                                let pct = l.points.unwrap();
                                let h =
                                    (Decimal::from(points_h) * pct / Decimal::ONE_HUNDRED).floor();
                                LevelSpec {
                                    points: Some(h / Decimal::TWO),
                                    ..l
                                }
                            })
                            .collect(),
                    },
                    k => k,
                };
                rules.push(rule(kind, to));
            }
            rules.extend(deductions.into_iter().map(|(k, to)| rule(k, to)));
            if rules.is_empty() {
                rules.push(rule(
                    RuleKindSpec::Fixed { amount: half(1) },
                    Some(AppliesTo::Any),
                ));
            }
            if inherit {
                for r in &mut rules {
                    r.applies_to = Some(AppliesTo::Any);
                }
            }
            ItemSpec {
                title: "项".into(),
                points: Some(half(points_h)),
                inherit,
                rules,
                ..ItemSpec::default()
            }
        })
}

fn pool_item() -> impl Strategy<Value = ItemSpec> {
    prop::collection::vec((deduction_kind(true), applies_to()), 1..=3).prop_map(|rules| ItemSpec {
        title: "共享项".into(),
        points: None,
        rules: rules.into_iter().map(|(k, to)| rule(k, to)).collect(),
        ..ItemSpec::default()
    })
}

fn section() -> impl Strategy<Value = SectionSpec> {
    let ordinary = prop::collection::vec(item(), 1..=4).prop_map(|items| SectionSpec {
        title: "栏目".into(),
        points: items.iter().map(|i| i.points.unwrap()).sum(),
        pool: false,
        items,
        ..SectionSpec::default()
    });
    let pool =
        (2i64..=40, prop::collection::vec(pool_item(), 1..=3)).prop_map(|(h, items)| SectionSpec {
            title: "共享栏目".into(),
            points: half(h),
            pool: true,
            items,
            ..SectionSpec::default()
        });
    prop_oneof![3 => ordinary, 1 => pool]
}

/// `(weight1, weight2)` in hundredths, or no rounds at all.
fn rounds() -> impl Strategy<Value = Vec<RoundSpec>> {
    prop_oneof![
        2 => Just(Vec::new()),
        1 => prop::sample::select(vec![(30i64, 70i64), (25, 75), (50, 50)]).prop_map(|(a, b)| vec![
            RoundSpec { code: None, name: "R1".into(), weight: Decimal::new(a, 2) },
            RoundSpec { code: None, name: "R2".into(), weight: Decimal::new(b, 2) },
        ]),
    ]
}

/// Bonus rules; the threshold is a percentage of the rubric total, filled in by `rubric_spec`.
fn bonus() -> impl Strategy<Value = BonusSpec> {
    let rule = (
        prop::bool::ANY,
        prop::option::of(prop::collection::vec(halves(1, 10), 1..=3)),
        halves(1, 6),
    )
        .prop_map(|(sum, levels, amount)| BonusRuleSpec {
            code: None,
            title: "奖励".into(),
            text: "奖励".into(),
            combine: if sum {
                BonusCombine::Sum
            } else {
                BonusCombine::HighestPerMatter
            },
            amount: if levels.is_some() { None } else { Some(amount) },
            levels: levels
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(|(i, p)| LevelSpec {
                    name: format!("B{i}"),
                    points: Some(p),
                })
                .collect(),
        });
    (
        prop::option::of(halves(0, 20)),
        prop::option::of(prop::sample::select(vec![0i64, 50, 80, 90, 95, 100])),
        prop::collection::vec(rule, 1..=3),
        prop::bool::ANY,
    )
        .prop_map(|(cap, threshold_pct, rules, per_rule)| BonusSpec {
            cap,
            threshold: threshold_pct.map(Decimal::from),
            matter_scope: if per_rule {
                MatterScope::PerRule
            } else {
                MatterScope::AllRules
            },
            matter_optional: false,
            rules,
        })
}

fn rubric_spec() -> impl Strategy<Value = RubricSpec> {
    (
        prop::collection::vec(section(), 1..=5),
        rounds(),
        prop::option::weighted(0.6, bonus()),
        prop::bool::weighted(0.2),
        prop::option::weighted(0.2, 0u32..=2),
    )
        .prop_map(|(sections, rounds, bonus, veto, total_decimals)| {
            let total: Decimal = sections.iter().map(|s| s.points).sum();
            let mut bonus = bonus.unwrap_or_default();
            // Threshold percentages become points of this rubric's total.
            bonus.threshold = bonus
                .threshold
                .map(|pct| (total * pct / Decimal::ONE_HUNDRED).round_dp(1));
            RubricSpec {
                title: "考评细则".into(),
                total,
                total_decimals,
                rounds,
                sections,
                bonus,
                vetoes: if veto {
                    vec![VetoSpec {
                        code: None,
                        title: "否决".into(),
                        text: "一票否决".into(),
                        effect: VetoEffectSpec::Fail,
                    }]
                } else {
                    Vec::new()
                },
                ..RubricSpec::default()
            }
        })
}

// ---------------------------------------------------------------------------------------------------------
// Units and findings

#[derive(Debug, Clone)]
struct UnitDef {
    ranking_group: Option<u8>,
    groups: Vec<u8>,
}

fn units_strategy() -> impl Strategy<Value = Vec<UnitDef>> {
    prop::collection::vec(
        (
            prop::option::of(0u8..2),
            prop_oneof![2 => Just(Vec::new()), 3 => prop::collection::vec(0u8..3, 1..=2)],
        )
            .prop_map(|(ranking_group, groups)| UnitDef {
                ranking_group,
                groups,
            }),
        1..=6,
    )
}

fn build_units(defs: &[UnitDef]) -> Units {
    let mut units = Units::new();
    for (i, d) in defs.iter().enumerate() {
        let rg = d.ranking_group.map(|g| format!("排名{g}"));
        let groups: Vec<String> = d.groups.iter().map(|g| format!("G{g}")).collect();
        let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
        units
            .add_unit(
                &format!("U{i}"),
                &format!("单位{i}"),
                rg.as_deref(),
                &groups,
            )
            .expect("unit codes are unique");
    }
    units
}

/// The raw randomness behind one finding; turned into a finding against a concrete rubric by `materialize`.
#[derive(Debug, Clone)]
struct Seed {
    target: u16,
    party: u8,
    round: u8,
    a: u16,
    b: u16,
    flags: u8,
}

fn seed() -> impl Strategy<Value = Seed> {
    any::<(u16, u8, u8, u16, u16, u8)>().prop_map(|(target, party, round, a, b, flags)| Seed {
        target,
        party,
        round,
        a,
        b,
        flags,
    })
}

/// An owned [`FindingInput`].
#[derive(Debug, Clone, Default)]
struct OwnedFinding {
    unit: String,
    code: String,
    round: String,
    count: Option<i64>,
    level: Option<String>,
    value: Option<Decimal>,
    note: String,
    matter: Option<String>,
    done: Option<Date>,
    due: Option<Date>,
}

impl OwnedFinding {
    fn input(&self) -> FindingInput<'_> {
        FindingInput {
            unit: &self.unit,
            code: &self.code,
            round: &self.round,
            count: self.count,
            level: self.level.as_deref(),
            value: self.value,
            note: &self.note,
            matter: self.matter.as_deref(),
            done: self.done,
            due: self.due,
        }
    }
}

fn is_counted(kind: &RuleKind) -> bool {
    matches!(
        kind,
        RuleKind::Fixed { .. }
            | RuleKind::Zero
            | RuleKind::PerOccurrence { .. }
            | RuleKind::Progressive { .. }
            | RuleKind::Earned { .. }
    )
}

/// Turns a seed into a finding that (almost always) makes sense for the rubric.
fn materialize(rubric: &Rubric, units: &Units, s: &Seed) -> OwnedFinding {
    let unit_codes: Vec<&str> = units.units().iter().map(|u| u.code.as_str()).collect();
    let group_codes: Vec<&str> = units.groups().iter().map(|g| g.code.as_str()).collect();
    let party = s.party as usize;
    let pick_unit = || unit_codes[party % unit_codes.len()].to_string();
    let pick = |group: bool| {
        if group && !group_codes.is_empty() {
            group_codes[party % group_codes.len()].to_string()
        } else {
            pick_unit()
        }
    };
    let mut f = OwnedFinding {
        round: match rubric.rounds().len() {
            1 => String::new(),
            n => rubric.rounds()[s.round as usize % n].code.clone(),
        },
        ..OwnedFinding::default()
    };
    let a = s.a as usize;
    let sel = s.target as usize;
    if !rubric.vetoes().is_empty() && sel % 23 == 0 {
        f.unit = pick_unit();
        f.code = rubric.vetoes()[0].code.clone();
        return f;
    }
    let bonus = &rubric.bonus().rules;
    if !bonus.is_empty() && sel % 5 == 0 {
        let rule = &bonus[(sel / 5) % bonus.len()];
        f.unit = pick(s.party % 5 == 0);
        f.code = rule.code.clone();
        f.level =
            (!rule.levels.is_empty()).then(|| rule.levels[a % rule.levels.len()].name.clone());
        f.matter = Some(format!("事项{}", s.b % 3));
        f.count = match rule.combine {
            BonusCombine::Sum if s.flags & 1 == 1 => Some(1 + (s.a % 3) as i64),
            _ => None,
        };
        return f;
    }
    let r = sel % rubric.rules().len();
    let rule = &rubric.rules()[r];
    let item = &rubric.items()[rule.item];
    f.code = if s.flags & 2 == 2 && rubric.item_rules(rule.item).len() == 1 {
        item.code.clone()
    } else {
        rule.code.clone()
    };
    let group = match rule.applies_to {
        AppliesTo::Group => true,
        AppliesTo::Unit => false,
        AppliesTo::Any => is_counted(&rule.kind) && s.party % 4 == 0,
    };
    f.unit = pick(group);
    match &rule.kind {
        RuleKind::Fixed { .. } | RuleKind::Zero => {}
        RuleKind::PerOccurrence { .. } | RuleKind::Progressive { .. } => {
            // Occurrences are written out (a blank or 0 is refused, as a clerk's would be).
            f.count = Some(1 + (s.a % 4) as i64);
        }
        RuleKind::Frequency { .. } => f.count = Some((s.a % 14) as i64),
        // A judged deduction within the range, in quarters of it, with its reason.
        RuleKind::RangeDeduction { min, max } => {
            f.value = Some(min + (max - min) * Decimal::from(a % 5) / Decimal::from(4));
            f.note = "酌情扣分".into();
        }
        // One criterion met unless the finding says how many.
        RuleKind::Earned { .. } => f.count = (s.flags & 4 == 4).then(|| 1 + (s.a % 3) as i64),
        RuleKind::Graded { levels } => f.level = Some(levels[a % levels.len()].name.clone()),
        RuleKind::Discretionary => {
            f.value = Some(item.max * Decimal::from(a % 5) / Decimal::from(4));
            f.note = "酌情".into();
        }
        RuleKind::Conversion {
            scale_min,
            scale_max,
            ..
        } => {
            f.value = Some(
                scale_min + (scale_max - scale_min) * Decimal::from(a % 1001) / Decimal::from(1000),
            );
        }
        RuleKind::Rate { .. } => {
            f.value = Some(Decimal::from(80) + Decimal::new((s.a % 201) as i64, 1))
        }
        RuleKind::Deadline { .. } => {
            if s.flags & 8 == 8 {
                f.count = Some((s.a % 3) as i64);
            } else {
                f.due = Date::new(2023, 7, 5);
                f.done = Date::new(2023, 7, 1 + (s.a % 10) as u8);
            }
        }
    }
    // A few findings are plainly wrong; the resolver must reject them and we skip them.
    if s.flags % 41 == 40 {
        f.code = "不存在".into();
    }
    f
}

fn materialize_all(rubric: &Rubric, units: &Units, seeds: &[Seed]) -> Vec<OwnedFinding> {
    seeds
        .iter()
        .map(|s| materialize(rubric, units, s))
        .collect()
}

/// Resolves findings, skipping the ones the resolver rejects. Origins are the findings' positions.
fn resolve_all(rubric: &Rubric, units: &mut Units, findings: &[OwnedFinding]) -> Vec<Finding> {
    let resolver = Resolver::new(rubric, false);
    findings
        .iter()
        .enumerate()
        .filter_map(|(i, f)| resolver.resolve(units, &f.input(), i as u64).ok())
        .collect()
}

/// Scores findings, skipping the ones the scorer rejects; returns the results and the accepted findings.
fn score(
    rubric: &Rubric,
    units: &Units,
    findings: &[Finding],
    trace: bool,
) -> (Vec<UnitResult>, Vec<Finding>) {
    let mut scorer = if trace {
        Scorer::with_trace(rubric)
    } else {
        Scorer::new(rubric)
    };
    let mut accepted = Vec::new();
    for f in findings {
        if scorer.add(units, f.clone()).is_ok() {
            accepted.push(f.clone());
        }
    }
    (scorer.finish(units), accepted)
}

/// A random rubric, unit register and findings.
#[derive(Debug, Clone)]
struct Case {
    spec: RubricSpec,
    units: Vec<UnitDef>,
    seeds: Vec<Seed>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        rubric_spec(),
        units_strategy(),
        prop::collection::vec(seed(), 0..=40),
    )
        .prop_map(|(spec, units, seeds)| Case { spec, units, seeds })
}

/// Everything a test needs, built from a case.
struct Setup {
    rubric: Rubric,
    units: Units,
    findings: Vec<Finding>,
}

fn setup(case: &Case) -> Setup {
    let rubric = match Rubric::new(case.spec.clone()) {
        Ok(r) => r,
        Err(p) => panic!("the generator made an invalid rubric:\n{p}"),
    };
    let mut units = build_units(&case.units);
    let owned = materialize_all(&rubric, &units, &case.seeds);
    let findings = resolve_all(&rubric, &mut units, &owned);
    Setup {
        rubric,
        units,
        findings,
    }
}

/// The scores of a result, without the trace (and without the vetoes list, whose order follows input order).
#[derive(Debug, PartialEq)]
struct Scores<'a> {
    unit: usize,
    total: Decimal,
    bonus: Decimal,
    bonus_eligible: bool,
    final_score: Decimal,
    sections: &'a [Decimal],
    items: &'a [kaoping_core::score::ItemScore],
    rounds: &'a [kaoping_core::score::RoundScore],
    rank: usize,
    incomplete: &'a [kaoping_core::score::Missing],
}

fn scores(r: &UnitResult) -> Scores<'_> {
    Scores {
        unit: r.unit,
        total: r.total,
        bonus: r.bonus,
        bonus_eligible: r.bonus_eligible,
        final_score: r.final_score,
        sections: &r.sections,
        items: &r.items,
        rounds: &r.rounds,
        rank: r.rank,
        incomplete: &r.incomplete,
    }
}

/// Fisher–Yates driven by proptest-generated indices.
fn shuffle<T>(v: &mut [T], idx: &[Index]) {
    if idx.is_empty() {
        return;
    }
    for i in (1..v.len()).rev() {
        let j = idx[i % idx.len()].index(i + 1);
        v.swap(i, j);
    }
}

fn is_vetoed(rubric: &Rubric, r: &UnitResult) -> bool {
    r.vetoes
        .iter()
        .any(|v| rubric.vetoes()[v.veto].effect == VetoEffect::Fail)
}

// ---------------------------------------------------------------------------------------------------------
// 1. Bounds

proptest! {
    #![proptest_config(config())]

    /// Bounds: in every round every item of an ordinary section scores within 0..=its points, every section
    /// within 0..=its points and the round total within 0..=the rubric total; the weighted sections, items
    /// and total stay within the same bounds.
    #[test]
    fn scores_stay_within_bounds(case in case()) {
        let s = setup(&case);
        let (results, _) = score(&s.rubric, &s.units, &s.findings, false);
        prop_assert_eq!(results.len(), s.units.len());
        let total = s.rubric.total();
        for res in &results {
            prop_assert_eq!(res.rounds.len(), s.rubric.rounds().len());
            for rs in &res.rounds {
                for (i, item) in s.rubric.items().iter().enumerate() {
                    let pool = s.rubric.sections()[item.section].pool;
                    match (pool, rs.items[i].score) {
                        (true, None) => {}
                        (false, Some(sc)) => {
                            prop_assert!(sc >= zero() && sc <= item.max,
                                "item {} scored {} of {} in round {}", item.code, sc, item.max, rs.round);
                        }
                        (p, sc) => prop_assert!(false, "item {} pool={} has score {:?}", item.code, p, sc),
                    }
                    prop_assert!(rs.items[i].deducted >= zero() && rs.items[i].deducted <= item.max);
                }
                for (j, sec) in s.rubric.sections().iter().enumerate() {
                    prop_assert!(rs.sections[j] >= zero() && rs.sections[j] <= sec.points,
                        "section {} scored {} of {}", sec.code, rs.sections[j], sec.points);
                }
                prop_assert!(rs.total >= zero() && rs.total <= total, "round total {}", rs.total);
                prop_assert_eq!(rs.total, rs.sections.iter().copied().sum::<Decimal>());
            }
            for (j, sec) in s.rubric.sections().iter().enumerate() {
                prop_assert!(res.sections[j] >= zero() && res.sections[j] <= sec.points);
            }
            for (i, item) in s.rubric.items().iter().enumerate() {
                if let Some(sc) = res.items[i].score {
                    prop_assert!(sc >= zero() && sc <= item.max);
                }
            }
            prop_assert!(res.total >= zero() && res.total <= total, "weighted total {} of {}", res.total, total);
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// 2. Pools

proptest! {
    #![proptest_config(config())]

    /// Pools: a pool section scores max(0, points − Σ deducted of its items) and its items never deduct
    /// more than the section's points in all (per round, and weighted over rounds).
    #[test]
    fn pools_draw_on_the_section_points(case in case()) {
        let s = setup(&case);
        let (results, _) = score(&s.rubric, &s.units, &s.findings, false);
        for res in &results {
            for (j, sec) in s.rubric.sections().iter().enumerate().filter(|(_, sec)| sec.pool) {
                for rs in &res.rounds {
                    let deducted: Decimal = sec.items.clone().map(|i| rs.items[i].deducted).sum();
                    prop_assert!(deducted <= sec.points, "pool {} deducted {} of {}", sec.code, deducted, sec.points);
                    prop_assert_eq!(rs.sections[j], (sec.points - deducted).max(zero()));
                    for i in sec.items.clone() {
                        prop_assert!(rs.items[i].score.is_none());
                        prop_assert!(rs.items[i].deducted >= zero());
                    }
                }
                let deducted: Decimal = sec.items.clone().map(|i| res.items[i].deducted).sum();
                prop_assert!(deducted <= sec.points);
                prop_assert_eq!(res.sections[j], (sec.points - deducted).max(zero()));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// 3. Order independence

proptest! {
    #![proptest_config(config())]

    /// Order independence: the findings a scorer accepts, fed again in any order, are all accepted again
    /// and give identical results (totals, final scores, sections, items, rounds, ranks, incomplete items),
    /// for the tally-only scorer and (scores only) for the trace scorer.
    #[test]
    fn findings_order_does_not_matter(case in case(), idx in prop::collection::vec(any::<Index>(), 1..64)) {
        let s = setup(&case);
        let (plain, accepted) = score(&s.rubric, &s.units, &s.findings, false);
        let mut shuffled = accepted.clone();
        shuffle(&mut shuffled, &idx);

        let (again, reaccepted) = score(&s.rubric, &s.units, &shuffled, false);
        prop_assert_eq!(reaccepted.len(), accepted.len(), "a reordered finding was rejected");
        for (a, b) in plain.iter().zip(&again) {
            prop_assert_eq!(scores(a), scores(b));
        }

        let (traced, reaccepted) = score(&s.rubric, &s.units, &shuffled, true);
        prop_assert_eq!(reaccepted.len(), accepted.len());
        for (a, b) in plain.iter().zip(&traced) {
            prop_assert_eq!(scores(a), scores(b));
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// 3b. One unit alone

/// Whether a finding reaches unit `u`: its own, or one of its groups'.
fn reaches(units: &Units, u: usize, f: &Finding) -> bool {
    match f.party {
        Party::Unit(x) => x == u,
        Party::Group(g) => units.unit(u).groups.contains(&g),
    }
}

proptest! {
    #![proptest_config(config())]

    /// A unit scored alone from the findings that reach it (`Scorer::for_unit`) gets exactly the result it
    /// gets among all units — scores, trace and incomplete items — but for the rank, which `ranks`
    /// computes from all results as `rank` does. This is what lets a server re-score one unit per finding.
    #[test]
    fn a_unit_scored_alone_scores_as_among_all(case in case()) {
        let s = setup(&case);
        let (all, accepted) = score(&s.rubric, &s.units, &s.findings, true);
        for (u, among_all) in all.iter().enumerate() {
            let mut alone = Scorer::for_unit(&s.rubric, u, true);
            for f in accepted.iter().filter(|f| reaches(&s.units, u, f)) {
                prop_assert!(alone.add(&s.units, f.clone()).is_ok());
            }
            let mut result = alone.finish_unit(&s.units, u);
            prop_assert_eq!(result.rank, 0);
            result.rank = among_all.rank;
            prop_assert_eq!(&result, among_all);
        }
        let refs: Vec<&UnitResult> = all.iter().collect();
        let ranked = kaoping_core::score::ranks(&s.rubric, &s.units, &refs);
        prop_assert_eq!(ranked, all.iter().map(|r| r.rank).collect::<Vec<_>>());
    }
}

// ---------------------------------------------------------------------------------------------------------
// 4. Bonus

proptest! {
    #![proptest_config(config())]

    /// Bonus: it never exceeds the yearly cap and is never negative; a unit whose total is below the
    /// threshold is not eligible and gets 0; an eligible unit gets min(cap, Σ over rules of the highest award
    /// per matter or the sum of awards); the final score is total + bonus (rounded half-up when the rubric
    /// says so), which is just the total when the unit is not eligible.
    #[test]
    fn bonus_respects_cap_and_threshold(case in case()) {
        let s = setup(&case);
        let (results, accepted) = score(&s.rubric, &s.units, &s.findings, false);
        let bonus = s.rubric.bonus();
        for res in &results {
            prop_assert!(res.bonus >= zero());
            if let Some(cap) = bonus.cap {
                prop_assert!(res.bonus <= cap, "bonus {} above cap {}", res.bonus, cap);
            }
            let eligible = bonus.threshold.is_none_or(|t| res.total >= t);
            prop_assert_eq!(res.bonus_eligible, eligible);
            if !eligible {
                prop_assert_eq!(res.bonus, zero());
            }

            // Independent bonus: awards naming the unit or one of its groups.
            let unit = s.units.unit(res.unit);
            let mine = |p: &Party| match p {
                Party::Unit(u) => *u == res.unit,
                Party::Group(g) => unit.groups.contains(g),
            };
            // Highest per matter: across every `highest` rule, or per rule when the rubric says so.
            let mut highest: HashMap<(Option<usize>, &str), Decimal> = HashMap::new();
            let mut sum = zero();
            for f in accepted.iter().filter(|f| mine(&f.party)) {
                let (Target::Bonus(b), Input::Award { level, count, matter }) = (&f.target, &f.input) else { continue };
                let rule = &bonus.rules[*b];
                let each = match level {
                    Some(l) => rule.levels[*l].points,
                    None => rule.amount.unwrap(),
                };
                match rule.combine {
                    BonusCombine::Sum => sum += each * Decimal::from(*count),
                    BonusCombine::HighestPerMatter => {
                        let scope = (bonus.matter_scope == MatterScope::PerRule).then_some(*b);
                        let e = highest.entry((scope, &**matter)).or_insert(zero());
                        *e = (*e).max(each);
                    }
                }
            }
            let requested = sum + highest.values().copied().sum::<Decimal>();
            let expected = if eligible { bonus.cap.map_or(requested, |c| requested.min(c)) } else { zero() };
            prop_assert_eq!(res.bonus, expected);

            match s.rubric.total_decimals() {
                None => prop_assert_eq!(res.final_score, res.total + res.bonus),
                Some(dp) => prop_assert_eq!(
                    res.final_score,
                    (res.total + res.bonus).round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
                ),
            }
            if !eligible && s.rubric.total_decimals().is_none() {
                prop_assert_eq!(res.final_score, res.total);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// 5. Trace and tally agree; the trace explains every point

proptest! {
    #![proptest_config(config())]

    /// Trace and tally agree: `Scorer::with_trace` and `Scorer::new` accept the same findings and give the
    /// same scores. The trace explains every point: for an ordinary item in a round, its base (the item's
    /// points; the set score; 0 for a missing required entry or 不得分) minus Σ `applied` of its Deduct
    /// entries equals its score — in particular max − Σ applied = score when nothing set or zeroed it; for a
    /// pool item, Σ applied equals its `deducted`.
    #[test]
    fn trace_explains_every_point(case in case()) {
        let s = setup(&case);
        let (tally, acc_tally) = score(&s.rubric, &s.units, &s.findings, false);
        let (traced, acc_trace) = score(&s.rubric, &s.units, &s.findings, true);
        prop_assert_eq!(acc_tally.len(), acc_trace.len());
        for (a, b) in tally.iter().zip(&traced) {
            prop_assert_eq!(scores(a), scores(b));
            prop_assert!(a.trace.is_empty());
        }
        for res in &traced {
            for rs in &res.rounds {
                for (i, item) in s.rubric.items().iter().enumerate() {
                    let entries: Vec<_> = res
                        .trace
                        .iter()
                        .filter(|e| e.round == Some(rs.round))
                        .filter(|e| matches!(e.subject, Subject::Rule(r) if s.rubric.rules()[r].item == i))
                        .collect();
                    let applied: Decimal = entries
                        .iter()
                        .filter_map(|e| match e.effect {
                            Effect::Deduct { applied, requested } => {
                                assert!(applied <= requested && applied >= zero());
                                Some(applied)
                            }
                            _ => None,
                        })
                        .sum();
                    if s.rubric.sections()[item.section].pool {
                        prop_assert_eq!(applied, rs.items[i].deducted, "pool item {}", &item.code);
                        continue;
                    }
                    let mut base = item.max;
                    let mut plain = true;
                    let earns = s.rubric.rules()[item.rules.clone()].iter().any(|r| matches!(r.kind, RuleKind::Earned { .. }));
                    if earns {
                        // Every earned rule is in the trace, met or not; together they are the base.
                        let earned: Vec<_> = entries.iter().filter_map(|e| match e.effect {
                            Effect::Earn { requested, applied } => {
                                assert!(applied <= requested && applied >= zero());
                                Some(applied)
                            }
                            _ => None,
                        }).collect();
                        let rules = item.rules.clone().filter(|&r| matches!(s.rubric.rules()[r].kind, RuleKind::Earned { .. })).count();
                        prop_assert_eq!(earned.len(), rules, "item {}: every earned rule explained", &item.code);
                        base = earned.iter().copied().sum();
                        prop_assert!(base <= item.max);
                        plain = false;
                    }
                    for e in &entries {
                        match e.effect {
                            Effect::SetScore(v) => { base = v; plain = false; }
                            Effect::Missing => { base = zero(); plain = false; }
                            _ => {}
                        }
                    }
                    if entries.iter().any(|e| e.effect == Effect::Zero) {
                        base = zero();
                        plain = false;
                    }
                    let sc = rs.items[i].score.unwrap();
                    prop_assert_eq!(base - applied, sc, "item {} round {}: trace {:?}", &item.code, rs.round, &entries);
                    if plain {
                        prop_assert_eq!(item.max - applied, sc);
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// 6. Exactness

/// A rubric whose expected scores are easy to compute in integer half points: fixed, per-occurrence and
/// progressive deductions in 0.5 steps, ordinary sections and pools, two weighted rounds.
/// (pool, section points in halves (pools only), items: (points in halves, rules))
type ExactSection = (bool, i64, Vec<(i64, Vec<ExactRule>)>);

#[derive(Debug, Clone)]
struct ExactCase {
    sections: Vec<ExactSection>,
    weights: (i64, i64),
    units: usize,
    /// (unit, rule index into the flattened rule list, round, count)
    findings: Vec<(usize, usize, usize, Option<i64>)>,
}

#[derive(Debug, Clone, Copy)]
enum ExactRule {
    Fixed(i64),
    Per(i64, Option<i64>),
    Progressive(i64, i64, Option<i64>),
}

fn exact_rule() -> impl Strategy<Value = ExactRule> {
    prop_oneof![
        (1i64..=4).prop_map(ExactRule::Fixed),
        (1i64..=3, prop::option::of(1i64..=4)).prop_map(|(a, m)| ExactRule::Per(a, m)),
        (1i64..=3, 0i64..=3, prop::option::of(1i64..=12))
            .prop_map(|(f, s, c)| ExactRule::Progressive(f, s, c.map(|c| c.max(f)))),
    ]
}

fn exact_case() -> impl Strategy<Value = ExactCase> {
    let item = (1i64..=20, prop::collection::vec(exact_rule(), 1..=3));
    let section = (
        prop::bool::weighted(0.3),
        2i64..=40,
        prop::collection::vec(item, 1..=4),
    );
    (
        prop::collection::vec(section, 1..=4),
        prop::sample::select(vec![(30i64, 70i64), (25, 75)]),
        1usize..=3,
        prop::collection::vec(
            (
                0usize..3,
                any::<usize>(),
                0usize..2,
                (1i64..=4).prop_map(Some),
            ),
            0..=30,
        ),
    )
        .prop_map(|(sections, weights, units, findings)| ExactCase {
            sections,
            weights,
            units,
            findings,
        })
}

impl ExactRule {
    fn spec(self) -> RuleKindSpec {
        match self {
            ExactRule::Fixed(a) => RuleKindSpec::Fixed { amount: half(a) },
            ExactRule::Per(a, m) => RuleKindSpec::PerOccurrence {
                amount: half(a),
                max_count: m.map(|m| m as u32),
            },
            ExactRule::Progressive(f, s, c) => RuleKindSpec::Progressive {
                first: half(f),
                step: half(s),
                cap: c.map(half),
            },
        }
    }

    /// The count a finding on this rule carries: none for a fixed rule (each finding is one occurrence).
    fn count(self, count: Option<i64>) -> Option<i64> {
        match self {
            ExactRule::Fixed(_) => None,
            _ => count,
        }
    }

    /// Half points this rule asks for at `n` occurrences, after its own limits.
    fn allowed(self, n: i64) -> i64 {
        match self {
            ExactRule::Fixed(a) => {
                if n > 0 {
                    a
                } else {
                    0
                }
            }
            ExactRule::Per(a, m) => a * m.map_or(n, |m| n.min(m)),
            ExactRule::Progressive(f, s, c) => {
                let sum = n * f + s * n * (n - 1).max(0) / 2;
                c.map_or(sum, |c| sum.min(c))
            }
        }
    }
}

impl ExactCase {
    fn spec(&self) -> RubricSpec {
        let sections: Vec<SectionSpec> = self
            .sections
            .iter()
            .map(|(pool, points_h, items)| SectionSpec {
                title: "栏目".into(),
                pool: *pool,
                points: if *pool {
                    half(*points_h)
                } else {
                    half(items.iter().map(|i| i.0).sum())
                },
                items: items
                    .iter()
                    .map(|(p, rules)| ItemSpec {
                        title: "项".into(),
                        points: (!*pool).then(|| half(*p)),
                        rules: rules
                            .iter()
                            .map(|r| rule(r.spec(), Some(AppliesTo::Any)))
                            .collect(),
                        ..ItemSpec::default()
                    })
                    .collect(),
                ..SectionSpec::default()
            })
            .collect();
        RubricSpec {
            title: "考评细则".into(),
            total: sections.iter().map(|s| s.points).sum(),
            rounds: vec![
                RoundSpec {
                    code: None,
                    name: "专项督查".into(),
                    weight: Decimal::new(self.weights.0, 2),
                },
                RoundSpec {
                    code: None,
                    name: "年终考评".into(),
                    weight: Decimal::new(self.weights.1, 2),
                },
            ],
            sections,
            ..RubricSpec::default()
        }
    }

    /// Positional rule codes (`1.2.3`) with their rules, in rubric order.
    fn rules(&self) -> Vec<(String, ExactRule)> {
        let mut out = Vec::new();
        for (si, (_, _, items)) in self.sections.iter().enumerate() {
            for (ii, (_, rules)) in items.iter().enumerate() {
                for (ri, r) in rules.iter().enumerate() {
                    out.push((format!("{}.{}.{}", si + 1, ii + 1, ri + 1), *r));
                }
            }
        }
        out
    }

    /// The weighted total of each unit in thousandths, computed in integers.
    fn expected_thousandths(&self) -> Vec<i64> {
        let rules = self.rules();
        // counts[unit][round][rule]
        let mut counts = vec![vec![vec![0i64; rules.len()]; 2]; self.units];
        for &(u, r, round, count) in &self.findings {
            let (_, rule) = rules[r % rules.len()];
            counts[u % self.units][round][r % rules.len()] += rule.count(count).unwrap_or(1);
        }
        counts
            .iter()
            .map(|per_round| {
                let mut weighted = 0;
                for (round, counts) in per_round.iter().enumerate() {
                    let mut k = 0;
                    let mut round_halves = 0;
                    for (pool, points_h, items) in &self.sections {
                        let mut pool_asked = 0;
                        let mut section = 0;
                        for (p, rs) in items {
                            let asked: i64 = rs
                                .iter()
                                .map(|r| {
                                    let a = r.allowed(counts[k]);
                                    k += 1;
                                    a
                                })
                                .sum();
                            if *pool {
                                pool_asked += asked;
                            } else {
                                section += p - asked.min(*p);
                            }
                        }
                        if *pool {
                            section = points_h - pool_asked.min(*points_h);
                        }
                        round_halves += section;
                    }
                    let w = if round == 0 {
                        self.weights.0
                    } else {
                        self.weights.1
                    };
                    // w hundredths × halves × 0.5 = w × h × 5 thousandths.
                    weighted += w * round_halves * 5;
                }
                weighted
            })
            .collect()
    }
}

proptest! {
    #![proptest_config(config())]

    /// Exactness: with round weights 0.3/0.7 (or 0.25/0.75) and deductions in 0.5-point steps, every unit's
    /// weighted total equals, digit for digit, the total computed independently in integer thousandths.
    #[test]
    fn weighted_totals_are_exact(case in exact_case()) {
        let rubric = Rubric::new(case.spec()).expect("valid exact rubric");
        let mut units = Units::new();
        for u in 0..case.units {
            units.add_unit(&format!("U{u}"), "", None, &[]).unwrap();
        }
        let rules = case.rules();
        let rounds = ["专项督查", "年终考评"];
        let owned: Vec<OwnedFinding> = case
            .findings
            .iter()
            .map(|&(u, r, round, count)| OwnedFinding {
                unit: format!("U{}", u % case.units),
                code: rules[r % rules.len()].0.clone(),
                round: rounds[round].into(),
                count: rules[r % rules.len()].1.count(count),
                ..OwnedFinding::default()
            })
            .collect();
        let findings = resolve_all(&rubric, &mut units, &owned);
        prop_assert_eq!(findings.len(), owned.len(), "every exact finding resolves");
        let (results, accepted) = score(&rubric, &units, &findings, false);
        prop_assert_eq!(accepted.len(), findings.len());
        for (res, expected) in results.iter().zip(case.expected_thousandths()) {
            let expected = Decimal::new(expected, 3);
            prop_assert_eq!(res.total, expected);
            prop_assert_eq!(res.total.normalize().to_string(), expected.normalize().to_string());
            prop_assert_eq!(res.final_score, expected);
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// 7. Ranking

proptest! {
    #![proptest_config(config())]

    /// Ranking: within a ranking group a unit's rank is 1 + the number of units that beat it (competition
    /// ranking: ties share, the next rank skips, 1, 1, 3); a higher final score never has a worse rank among
    /// units not vetoed, and a unit failed by a veto ranks below every unit that was not.
    #[test]
    fn ranks_are_competition_ranks(case in case()) {
        let s = setup(&case);
        let (results, _) = score(&s.rubric, &s.units, &s.findings, false);
        let group_of = |r: &UnitResult| s.units.unit(r.unit).ranking_group.clone();
        for a in &results {
            let peers: Vec<&UnitResult> = results.iter().filter(|b| group_of(b) == group_of(a)).collect();
            let va = is_vetoed(&s.rubric, a);
            let better = peers
                .iter()
                .filter(|b| {
                    let vb = is_vetoed(&s.rubric, b);
                    (!vb && va) || (vb == va && b.final_score > a.final_score)
                })
                .count();
            prop_assert_eq!(a.rank, better + 1, "unit {} score {}", a.unit, a.final_score);
            for b in &peers {
                let vb = is_vetoed(&s.rubric, b);
                if !va && !vb && a.final_score > b.final_score {
                    prop_assert!(a.rank < b.rank);
                }
                if !va && !vb && a.final_score == b.final_score {
                    prop_assert_eq!(a.rank, b.rank);
                }
                if !va && vb {
                    prop_assert!(a.rank < b.rank);
                }
            }
        }
        // Every ranking group has a unit ranked 1.
        let mut firsts: HashMap<Option<String>, bool> = HashMap::new();
        for r in &results {
            *firsts.entry(group_of(r)).or_default() |= r.rank == 1;
        }
        prop_assert!(firsts.values().all(|&f| f));
    }
}

// ---------------------------------------------------------------------------------------------------------
// 8. Monotonicity

proptest! {
    #![proptest_config(config())]

    /// Monotonicity: adding one more deduction finding (fixed, per-occurrence or progressive) never raises
    /// any unit's total, section or item score.
    #[test]
    fn one_more_deduction_never_raises_a_total(
        case in case(),
        extra_rule in any::<Index>(),
        extra_party in any::<Index>(),
        extra_round in 0usize..2,
        extra_count in (1i64..=3).prop_map(Some),
    ) {
        let s = setup(&case);
        let deductions: Vec<&Rule> = s
            .rubric
            .rules()
            .iter()
            .filter(|r| matches!(r.kind, RuleKind::Fixed { .. } | RuleKind::PerOccurrence { .. } | RuleKind::Progressive { .. }))
            .collect();
        prop_assume!(!deductions.is_empty());
        let rule = extra_rule.get(&deductions);
        let group = rule.applies_to == AppliesTo::Group;
        let unit = if group {
            prop_assume!(!s.units.groups().is_empty());
            extra_party.get(s.units.groups()).code.clone()
        } else {
            extra_party.get(s.units.units()).code.clone()
        };
        let extra = OwnedFinding {
            unit,
            code: rule.code.clone(),
            round: if s.rubric.rounds().len() == 1 { String::new() } else { s.rubric.rounds()[extra_round].code.clone() },
            count: if matches!(rule.kind, RuleKind::Fixed { .. }) { None } else { extra_count },
            ..OwnedFinding::default()
        };
        let mut units = s.units.clone();
        let extra = Resolver::new(&s.rubric, false)
            .resolve(&mut units, &extra.input(), 10_000)
            .expect("the extra deduction resolves");

        let (before, accepted) = score(&s.rubric, &s.units, &s.findings, false);
        let mut more = accepted.clone();
        more.push(extra);
        let (after, accepted_after) = score(&s.rubric, &s.units, &more, false);
        prop_assume!(accepted_after.len() == more.len());
        for (b, a) in before.iter().zip(&after) {
            prop_assert!(a.total <= b.total, "unit {} total rose from {} to {}", b.unit, b.total, a.total);
            for (sb, sa) in b.sections.iter().zip(&a.sections) {
                prop_assert!(sa <= sb);
            }
            // Items of ordinary sections only: in a pool an earlier item's new deduction may leave less of the
            // pool for a later item, whose own `deducted` then shrinks (the section's still does not rise).
            for (ib, ia) in b.items.iter().zip(&a.items) {
                if let (Some(x), Some(y)) = (ib.score, ia.score) {
                    prop_assert!(y <= x);
                    prop_assert!(ia.deducted >= ib.deducted);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// 9. Conversion averages exactly

proptest! {
    #![proptest_config(config())]

    /// Conversion: several raw scores in a round are averaged and converted to the item's points, rounded
    /// half-up to the rule's decimals — the same as rounding the exact rational
    /// points × (Σ raw − n·min) / (n·(max − min)), computed here in integers (and at most the item's points).
    #[test]
    fn conversion_rounds_the_exact_average(
        // Points divisible by 3 meet a repeating average of three scores at exact midpoints.
        points_h in prop_oneof![1i64..=20, prop::sample::select(vec![6i64, 12, 18, 30])],
        scale in prop::sample::select(vec![(0i64, 100i64), (60, 100), (0, 10), (0, 1)]),
        decimals in 0u32..=3,
        // Three raw scores (quarterly exams) make a repeating average, where rounding is most delicate.
        raw in prop::sample::select(vec![1usize, 2, 3, 3, 3, 4, 5])
            .prop_flat_map(|n| prop::collection::vec(0i64..=1000, n)),
    ) {
        let (lo, hi) = scale;
        // Raw scores in tenths within the scale.
        let raw: Vec<i64> = raw.iter().map(|r| lo * 10 + r % ((hi - lo) * 10 + 1)).collect();
        let spec = RubricSpec {
            title: "折合".into(),
            total: half(points_h),
            sections: vec![SectionSpec {
                title: "考试".into(),
                points: half(points_h),
                items: vec![ItemSpec {
                    title: "考试成绩".into(),
                    points: Some(half(points_h)),
                    rules: vec![rule(
                        RuleKindSpec::Conversion { scale_min: Decimal::from(lo), scale_max: Decimal::from(hi), decimals, expected: None },
                        None,
                    )],
                    ..ItemSpec::default()
                }],
                ..SectionSpec::default()
            }],
            ..RubricSpec::default()
        };
        let rubric = Rubric::new(spec).unwrap();
        let mut units = Units::new();
        units.add_unit("U", "", None, &[]).unwrap();
        let owned: Vec<OwnedFinding> = raw
            .iter()
            .map(|&t| OwnedFinding { unit: "U".into(), code: "1.1.1".into(), value: Some(Decimal::new(t, 1)), ..OwnedFinding::default() })
            .collect();
        let findings = resolve_all(&rubric, &mut units, &owned);
        prop_assert_eq!(findings.len(), raw.len());
        let (results, _) = score(&rubric, &units, &findings, false);

        // points_h/2 × (Σt/10 − n·lo) / (n·(hi − lo)) = points_h × (Σt − 10·n·lo) / (20·n·(hi − lo))
        let n = raw.len() as i128;
        let num = points_h as i128 * (raw.iter().sum::<i64>() as i128 - 10 * n * lo as i128) * 10i128.pow(decimals);
        let den = 20 * n * (hi - lo) as i128;
        let rounded = (2 * num + den) / (2 * den); // half-up, num ≥ 0
        // Rounding up may pass the item's points (7.5 at 0 decimals is 8); an item never scores above them.
        let expected = Decimal::from_i128_with_scale(rounded, decimals).min(half(points_h));
        prop_assert_eq!(results[0].total, expected, "raw scores (tenths) {:?}", raw);
    }
}

/// A fixed example of the conversion property: three quarterly exam scores 80, 80 and 79.5 (0–100) for a
/// 3-point item at the default 2 decimals. Exactly: 3 × (239.5 / 3) / 100 = 2.395, half-up 2.40.
#[test]
fn conversion_average_at_a_midpoint() {
    let spec = RubricSpec {
        title: "折合".into(),
        total: Decimal::from(3),
        sections: vec![SectionSpec {
            title: "考试".into(),
            points: Decimal::from(3),
            items: vec![ItemSpec {
                title: "考试成绩".into(),
                points: Some(Decimal::from(3)),
                rules: vec![rule(
                    RuleKindSpec::Conversion {
                        scale_min: Decimal::ZERO,
                        scale_max: Decimal::ONE_HUNDRED,
                        decimals: 2,
                        expected: None,
                    },
                    None,
                )],
                ..ItemSpec::default()
            }],
            ..SectionSpec::default()
        }],
        ..RubricSpec::default()
    };
    let rubric = Rubric::new(spec).unwrap();
    let mut units = Units::new();
    units.add_unit("U", "", None, &[]).unwrap();
    let owned: Vec<OwnedFinding> = [Decimal::from(80), Decimal::from(80), Decimal::new(795, 1)]
        .into_iter()
        .map(|v| OwnedFinding {
            unit: "U".into(),
            code: "1.1.1".into(),
            value: Some(v),
            ..OwnedFinding::default()
        })
        .collect();
    let findings = resolve_all(&rubric, &mut units, &owned);
    assert_eq!(findings.len(), 3);
    let (results, _) = score(&rubric, &units, &findings, false);
    assert_eq!(results[0].items[0].score, Some(Decimal::new(240, 2)));
    assert_eq!(results[0].total, Decimal::new(24, 1));
}

// ---------------------------------------------------------------------------------------------------------
// Plain findings: the bulk reader's shortcut means what the resolver means

proptest! {
    #![proptest_config(config())]

    /// For every code of a generated rubric (and a few that are none), count and round, `PlainRules`
    /// takes a row only when the resolver accepts it as the same rule, round and tally; and findings
    /// summed and added through `add_summed_runs (runs by unit, in any order of units)` where they are plain score exactly as when all are added
    /// resolved.
    #[test]
    fn plain_findings_are_the_resolvers_counting_findings(case in case()) {
        let s = setup(&case);
        let plain = PlainRules::new(&s.rubric);
        let resolver = Resolver::new(&s.rubric, false).keep_notes(false);
        let mut codes: Vec<String> = s.rubric.rules().iter().map(|r| r.code.clone()).collect();
        codes.extend(s.rubric.items().iter().map(|i| i.code.clone()));
        codes.extend(s.rubric.sections().iter().map(|x| x.code.clone()));
        codes.extend(["", "9.9"].map(String::from));
        let rounds: Vec<String> = s.rubric.rounds().iter().map(|r| r.name.clone()).chain([String::new(), "无此轮".into()]).collect();
        for code in &codes {
            for count in ["", "0", "1", "3", "01", "+2", "-1", "1000000", "1000001"] {
                for round in &rounds {
                    let input = FindingInput {
                        unit: "U0",
                        code,
                        round,
                        count: (!count.is_empty()).then(|| count.parse::<i64>().expect("numbers")),
                        ..FindingInput::default()
                    };
                    let fast = plain.rule(code.as_bytes()).and_then(|r| {
                        let n = PlainRules::count(r, count.as_bytes())?;
                        Some((r.rule, plain.round(round)?, n))
                    });
                    let Some((rule, round_id, n)) = fast else { continue };
                    let resolved = resolver.resolve_known(&s.units, &input, 7);
                    let f = match resolved {
                        Ok(f) => f,
                        Err(e) => panic!("{code:?} count {count:?} round {round:?}: plain, but the resolver says {e:?}"),
                    };
                    prop_assert_eq!(f.party, Party::Unit(0));
                    prop_assert_eq!(f.target, Target::Rule(rule));
                    prop_assert_eq!(f.round, round_id);
                    let tally = match f.input {
                        Input::Count(c) => c,
                        Input::Found => 1,
                        ref other => panic!("{code}: {other:?} from a plain rule"),
                    };
                    prop_assert_eq!(tally, n);
                }
            }
        }

        // The same findings, the plain ones added as plain.
        let (expected, accepted) = score(&s.rubric, &s.units, &s.findings, false);
        let mut scorer = Scorer::new(&s.rubric);
        // Plain tallies summed per (unit, slot), in order, as a bulk reader hands them over.
        let mut summed: std::collections::BTreeMap<(usize, u32), u64> = Default::default();
        for f in &accepted {
            let shortcut = match (f.party, f.target, &f.input) {
                (Party::Unit(u), Target::Rule(r), Input::Count(n)) => Some((u, r, *n)),
                (Party::Unit(u), Target::Rule(r), Input::Found) => Some((u, r, 1)),
                _ => None,
            }
            .filter(|&(_, r, _)| plain.rule(s.rubric.rules()[r].code.as_bytes()).is_some_and(|p| p.rule == r));
            match shortcut {
                Some((u, r, n)) => *summed.entry((u, plain.slot(f.round, r).index())).or_default() += n,
                None => scorer.add(&s.units, f.clone()).expect("accepted before"),
            }
        }
        // Handed over as a reader lays them out: runs by unit, the units in any order (here the last
        // first), each run in slot order.
        let mut tallies = Vec::new();
        let mut spans = vec![(0u32, 0u32); s.units.len()];
        for u in (0..s.units.len()).rev() {
            let start = tallies.len();
            tallies.extend(summed.range((u, 0)..=(u, u32::MAX)).map(|(&(_, slot), &n)| {
                (CountSlot::from_index(&plain, slot).expect("a slot of the rubric"), n)
            }));
            spans[u] = (start as u32, (tallies.len() - start) as u32);
        }
        scorer.add_summed_runs(tallies, spans);
        let again = scorer.finish(&s.units);
        for (a, b) in expected.iter().zip(&again) {
            prop_assert_eq!(scores(a), scores(b));
        }
    }
}

proptest! {
    #![proptest_config(config())]

    /// For every code of a generated rubric, level, points and reason, `PlainRules` takes an entry only
    /// when the resolver accepts the same row as the same rule and input; and entries added through
    /// `add_entries`, last first, score as when all are added in order, refusing none.
    #[test]
    fn plain_entries_are_the_resolvers_entries(case in case()) {
        let s = setup(&case);
        let plain = PlainRules::new(&s.rubric);
        let resolver = Resolver::new(&s.rubric, false).keep_notes(false);
        let mut codes: Vec<String> = s.rubric.rules().iter().map(|r| r.code.clone()).collect();
        codes.extend(s.rubric.items().iter().map(|i| i.code.clone()));
        codes.extend(["", "9.9"].map(String::from));
        let round = s.rubric.rounds()[0].name.as_str();
        for code in &codes {
            let Some(entry) = plain.entry(code.as_bytes()) else { continue };
            let RuleKind::Graded { levels } = &s.rubric.rules()[entry.rule].kind else {
                // Discretionary: points, a reason, no level.
                let max = s.rubric.items()[s.rubric.rules()[entry.rule].item].max;
                let values = [Decimal::ZERO, Decimal::new(5, 1), max, max + Decimal::ONE, Decimal::new(-1, 0), Decimal::new(12_345, 5)];
                for value in values {
                    for note in ["", " ", "\u{3000}", "理由"] {
                        let fast = plain.points(entry, value, note);
                        let input = FindingInput { unit: "U0", code, round, value: Some(value), note, ..FindingInput::default() };
                        check_entry(&resolver, &s.units, &input, entry.rule, fast)?;
                    }
                }
                continue;
            };
            let mut names: Vec<String> = levels.iter().map(|l| l.name.clone()).collect();
            names.extend(levels.iter().map(|l| format!(" {} ", l.name)));
            names.extend(["", " ", "无此档次", "不适用"].map(String::from));
            for level in &names {
                let fast = plain.level(entry, level);
                let input = FindingInput { unit: "U0", code, round, level: Some(level.as_str()), ..FindingInput::default() };
                check_entry(&resolver, &s.units, &input, entry.rule, fast)?;
            }
        }

        // The accepted findings, their plain entries added last first.
        let (expected, accepted) = score(&s.rubric, &s.units, &s.findings, false);
        let mut scorer = Scorer::new(&s.rubric);
        let mut entries = Vec::new();
        for f in &accepted {
            let code = match f.target {
                Target::Rule(r) => s.rubric.rules()[r].code.as_bytes(),
                _ => b"",
            };
            match (f.party, f.target, plain.entry(code)) {
                (Party::Unit(u), Target::Rule(r), Some(e)) if e.rule == r => entries.push((u, f.round, r, f.input.clone(), f.origin)),
                _ => scorer.add(&s.units, f.clone()).expect("accepted before"),
            }
        }
        let entries: Vec<UnitEntry> = entries
            .into_iter()
            .rev()
            .map(|(unit, round, rule, input, origin)| UnitEntry { unit, round, rule, input, origin })
            .collect();
        prop_assert!(scorer.add_entries(entries).is_empty(), "accepted before");
        let again = scorer.finish(&s.units);
        for (a, b) in expected.iter().zip(&again) {
            prop_assert_eq!(scores(a), scores(b));
        }
    }
}

/// A plain entry's input, if `PlainRules` gave one, is what the resolver makes of the same row.
fn check_entry(
    resolver: &Resolver<'_>,
    units: &Units,
    input: &FindingInput<'_>,
    rule: usize,
    fast: Option<Input>,
) -> Result<(), TestCaseError> {
    let Some(fast) = fast else { return Ok(()) };
    match resolver.resolve_known(units, input, 7) {
        Ok(f) => {
            prop_assert_eq!(f.party, Party::Unit(0));
            prop_assert_eq!(f.target, Target::Rule(rule));
            prop_assert_eq!(f.input, fast);
            Ok(())
        }
        Err(e) => Err(TestCaseError::fail(format!(
            "{input:?}: plain, but the resolver says {e:?}"
        ))),
    }
}

/// A second entry for one unit, rule and round is refused whichever comes first, whether both are added
/// in bulk or one was added as a finding; the error is the later line's, citing the earlier.
#[test]
fn the_later_of_two_entries_is_the_second_in_either_order() {
    let rubric = Rubric::new(RubricSpec {
        title: "t".into(),
        total: Decimal::from(10),
        sections: vec![SectionSpec {
            title: "s".into(),
            points: Decimal::from(10),
            items: vec![ItemSpec {
                title: "i".into(),
                points: Some(Decimal::from(10)),
                rules: vec![rule(RuleKindSpec::Discretionary, None)],
                ..ItemSpec::default()
            }],
            ..SectionSpec::default()
        }],
        ..RubricSpec::default()
    })
    .unwrap();
    let mut units = Units::new();
    units.add_unit("U", "", None, &[]).unwrap();
    let entry = |n: u64| UnitEntry {
        unit: 0,
        round: 0,
        rule: 0,
        input: Input::Value(Decimal::from(n)),
        origin: n,
    };
    let finding = |n: u64| {
        let points = Decimal::from(n);
        let input = FindingInput {
            unit: "U",
            code: "1.1.1",
            value: Some(points),
            note: "理由",
            ..FindingInput::default()
        };
        Resolver::new(&rubric, false)
            .resolve_known(&units, &input, n)
            .unwrap()
    };
    for (first, second) in [(3, 9), (9, 3)] {
        for one_as_finding in [false, true] {
            let mut scorer = Scorer::new(&rubric);
            let mut bulk = vec![entry(second)];
            if one_as_finding {
                scorer.add(&units, finding(first)).unwrap();
            } else {
                bulk.push(entry(first));
            }
            let refused = scorer.add_entries(bulk);
            assert_eq!(refused.len(), 1);
            let (line, error) = &refused[0];
            assert_eq!(*line, 9);
            let message = error.message_with(|l| format!("见第{l}行"));
            assert!(message.contains("见第3行"), "{message}");
            assert_eq!(scorer.first_origin(Party::Unit(0), 0, 0), Some(3));
            // The earlier entry's points stand.
            assert_eq!(scorer.finish(&units)[0].total, Decimal::from(3));
        }
    }
}

/// Enough entries that scoring lays them out by unit (from 4,096): every unit scores as it does alone,
/// where the few entries stay in the scorer's map; units without entries still miss them.
#[test]
fn many_entries_laid_out_by_unit_score_as_each_unit_alone() {
    let item = |title: &str, kind: RuleKindSpec| ItemSpec {
        title: title.into(),
        points: Some(Decimal::from(10)),
        rules: vec![rule(kind, None)],
        ..ItemSpec::default()
    };
    let graded = RuleKindSpec::Graded {
        levels: [("好", 10), ("中", 5), ("差", 0)]
            .map(|(name, p)| LevelSpec {
                name: name.into(),
                points: Some(Decimal::from(p)),
            })
            .to_vec(),
    };
    let rubric = Rubric::new(RubricSpec {
        title: "t".into(),
        total: Decimal::from(20),
        sections: vec![SectionSpec {
            title: "s".into(),
            points: Decimal::from(20),
            items: vec![
                item("评级", graded),
                item("酌情", RuleKindSpec::Discretionary),
            ],
            ..SectionSpec::default()
        }],
        ..RubricSpec::default()
    })
    .unwrap();
    let mut units = Units::new();
    let resolver = Resolver::new(&rubric, false);
    let mut findings = Vec::new();
    for u in 0..4_000usize {
        units.add_unit(&format!("U{u}"), "", None, &[]).unwrap();
        let code = format!("U{u}");
        let level = ["好", "中", "差"][u % 3];
        let points = Decimal::new((u % 21) as i64, 1);
        // Every third unit has no entries at all, every fifth only the level.
        if u % 3 == 2 {
            continue;
        }
        let graded = FindingInput {
            unit: &code,
            code: "1.1.1",
            level: Some(level),
            ..FindingInput::default()
        };
        findings.push(resolver.resolve_known(&units, &graded, u as u64).unwrap());
        if u % 5 != 0 {
            let judged = FindingInput {
                unit: &code,
                code: "1.2.1",
                value: Some(points),
                note: "理由",
                ..FindingInput::default()
            };
            findings.push(resolver.resolve_known(&units, &judged, u as u64).unwrap());
        }
    }
    assert!(findings.len() >= 4096);
    let mut all = Scorer::new(&rubric);
    for f in &findings {
        all.add(&units, f.clone()).unwrap();
    }
    let results = all.finish_parallel(&units, 2);
    for (u, among_all) in results.iter().enumerate() {
        let mut alone = Scorer::for_unit(&rubric, u, false);
        for f in findings.iter().filter(|f| f.party == Party::Unit(u)) {
            alone.add(&units, f.clone()).unwrap();
        }
        let mut result = alone.finish_unit(&units, u);
        result.rank = among_all.rank;
        assert_eq!(&result, among_all, "U{u}");
    }
    // A unit with both entries: 好 (10) and 0.1 × u.
    assert_eq!(results[3].total, Decimal::new(103, 1));
    // Without entries: the graded item keeps its points, the discretionary one is missing.
    assert_eq!(results[2].total, Decimal::from(10));
    let missing: Vec<usize> = results[2].incomplete.iter().map(|m| m.item).collect();
    assert_eq!(missing, [1]);
}
