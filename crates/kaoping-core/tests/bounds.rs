//! Numbers at and beyond the bounds (`kaoping_core::limits`): a rubric or a finding carrying them is
//! either refused with a problem or scored, never a panic. Rubrics at the bounds score within them.

use kaoping_core::finding::{FindingInput, Resolver};
use kaoping_core::limits::{MAX_COUNT, MAX_POINTS};
use kaoping_core::rubric::*;
use kaoping_core::score::Scorer;
use kaoping_core::units::Units;
use kaoping_core::Decimal;
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Points at the edges: inside, on, just past the bounds, and as far as `Decimal` goes.
fn edge() -> impl Strategy<Value = Decimal> + Clone {
    prop::sample::select(vec![
        Decimal::ZERO,
        Decimal::new(1, 4),
        Decimal::new(5, 1),
        Decimal::ONE,
        Decimal::new(99_999_999, 4),
        MAX_POINTS,
        Decimal::new(100_000_001, 4),
        Decimal::new(1, 5),
        Decimal::new(1, 28),
        -MAX_POINTS,
        Decimal::from_scientific("5e28").unwrap(),
        Decimal::MAX,
        Decimal::MIN,
    ])
}

fn edge_count() -> impl Strategy<Value = u32> + Clone {
    prop::sample::select(vec![0, 1, 4, MAX_COUNT, MAX_COUNT + 1, u32::MAX])
}

fn kind() -> impl Strategy<Value = RuleKindSpec> {
    let e = edge;
    prop_oneof![
        e().prop_map(|amount| RuleKindSpec::Fixed { amount }),
        (e(), prop::option::of(edge_count()))
            .prop_map(|(amount, max_count)| RuleKindSpec::PerOccurrence { amount, max_count }),
        Just(RuleKindSpec::Zero),
        prop::collection::vec(e(), 1..=2).prop_map(|ps| RuleKindSpec::Graded {
            levels: ps
                .into_iter()
                .enumerate()
                .map(|(i, p)| LevelSpec {
                    name: format!("L{i}"),
                    points: Some(p),
                })
                .collect(),
        }),
        (e(), e(), prop::option::of(e()))
            .prop_map(|(first, step, cap)| RuleKindSpec::Progressive { first, step, cap }),
        (e(), e()).prop_map(|(threshold, per_point)| RuleKindSpec::Rate {
            threshold,
            per_point,
            rounding: None,
        }),
        (e(), e(), 0u32..=8, prop::option::of(edge_count())).prop_map(
            |(scale_min, scale_max, decimals, expected)| RuleKindSpec::Conversion {
                scale_min,
                scale_max,
                decimals,
                expected,
            }
        ),
        Just(RuleKindSpec::Discretionary),
        (edge_count(), e())
            .prop_map(|(expected, amount)| RuleKindSpec::Frequency { expected, amount }),
        prop::option::of(e()).prop_map(|penalty| RuleKindSpec::Deadline { penalty }),
    ]
}

/// A rubric with edge numbers everywhere: mostly refused, sometimes valid.
fn wild_spec() -> impl Strategy<Value = RubricSpec> {
    let item = (
        prop::option::of(edge()),
        prop::collection::vec(kind(), 1..=3),
    )
        .prop_map(|(points, kinds)| ItemSpec {
            title: "项".into(),
            points,
            rules: kinds
                .into_iter()
                .map(|kind| RuleSpec {
                    code: None,
                    text: "规则".into(),
                    kind,
                    applies_to: Some(AppliesTo::Any),
                    feed: None,
                })
                .collect(),
            ..ItemSpec::default()
        });
    let section = (edge(), prop::bool::ANY, prop::collection::vec(item, 1..=2)).prop_map(
        |(points, pool, items)| SectionSpec {
            title: "栏目".into(),
            points,
            pool,
            items,
            ..SectionSpec::default()
        },
    );
    (
        edge(),
        prop::option::of(edge()),
        prop::collection::vec(section, 1..=3),
        prop::collection::vec(edge(), 0..=2),
        prop::collection::vec(edge(), 0..=2),
        (prop::option::of(edge()), prop::option::of(edge()), edge()),
    )
        .prop_map(
            |(total, pass_mark, sections, weights, mins, (cap, threshold, award))| RubricSpec {
                title: "边界".into(),
                total,
                pass_mark,
                rounds: weights
                    .into_iter()
                    .enumerate()
                    .map(|(i, weight)| RoundSpec {
                        code: None,
                        name: format!("R{i}"),
                        weight,
                    })
                    .collect(),
                grades: mins
                    .into_iter()
                    .enumerate()
                    .map(|(i, min)| GradeSpec {
                        name: format!("G{i}"),
                        min,
                    })
                    .collect(),
                sections,
                bonus: BonusSpec {
                    cap,
                    threshold,
                    rules: vec![BonusRuleSpec {
                        code: None,
                        title: "奖".into(),
                        text: "奖".into(),
                        combine: BonusCombine::Sum,
                        levels: Vec::new(),
                        amount: Some(award),
                    }],
                    ..BonusSpec::default()
                },
                ..RubricSpec::default()
            },
        )
}

/// Every rule kind at its largest: 10,000-point items, amounts, caps and scales, a million counts.
fn rubric_at_the_bounds(pool: bool) -> Rubric {
    let max = MAX_POINTS;
    let rule = |kind| RuleSpec {
        code: None,
        text: "规则".into(),
        kind,
        applies_to: Some(AppliesTo::Any),
        feed: None,
    };
    let deductions = vec![
        rule(RuleKindSpec::Fixed { amount: max }),
        rule(RuleKindSpec::PerOccurrence {
            amount: max,
            max_count: None,
        }),
        rule(RuleKindSpec::PerOccurrence {
            amount: Decimal::new(1, 4),
            max_count: Some(MAX_COUNT),
        }),
        rule(RuleKindSpec::Progressive {
            first: max,
            step: max,
            cap: None,
        }),
        rule(RuleKindSpec::Progressive {
            first: Decimal::new(1, 4),
            step: max,
            cap: Some(max),
        }),
        rule(RuleKindSpec::Rate {
            threshold: Decimal::ONE_HUNDRED,
            per_point: max,
            rounding: Some(RateRounding::Up),
        }),
        rule(RuleKindSpec::Frequency {
            expected: MAX_COUNT,
            amount: max,
        }),
        rule(RuleKindSpec::Deadline { penalty: Some(max) }),
    ];
    let mut item_rules = vec![rule(RuleKindSpec::Conversion {
        scale_min: -max,
        scale_max: max,
        decimals: 6,
        expected: Some(MAX_COUNT),
    })];
    item_rules.extend(deductions.clone());
    let spec = RubricSpec {
        title: "边界".into(),
        total: max,
        pass_mark: Some(max),
        rounds: vec![
            RoundSpec {
                code: None,
                name: "R1".into(),
                weight: Decimal::new(333_333, 6),
            },
            RoundSpec {
                code: None,
                name: "R2".into(),
                weight: Decimal::new(666_667, 6),
            },
        ],
        grades: vec![GradeSpec {
            name: "满".into(),
            min: max,
        }],
        sections: vec![SectionSpec {
            title: "栏目".into(),
            points: max,
            pool,
            items: vec![ItemSpec {
                title: "项".into(),
                points: (!pool).then_some(max),
                rules: if pool { deductions } else { item_rules },
                ..ItemSpec::default()
            }],
            ..SectionSpec::default()
        }],
        bonus: BonusSpec {
            cap: None,
            threshold: Some(Decimal::ZERO),
            rules: vec![
                BonusRuleSpec {
                    code: None,
                    title: "累计".into(),
                    text: "累计".into(),
                    combine: BonusCombine::Sum,
                    levels: Vec::new(),
                    amount: Some(max),
                },
                BonusRuleSpec {
                    code: None,
                    title: "就高".into(),
                    text: "就高".into(),
                    combine: BonusCombine::HighestPerMatter,
                    levels: vec![LevelSpec {
                        name: "最高".into(),
                        points: Some(max),
                    }],
                    amount: None,
                },
            ],
            ..BonusSpec::default()
        },
        ..RubricSpec::default()
    };
    Rubric::new(spec).expect("a rubric at the bounds is valid")
}

proptest! {
    #![proptest_config(config())]

    /// Whatever numbers a rubric carries, checking it answers (a rubric or its problems) without a panic,
    /// and every problem names a field.
    #[test]
    fn checking_a_rubric_with_numbers_at_any_size_never_panics(spec in wild_spec()) {
        if let Err(Problems(problems)) = Rubric::new(spec) {
            prop_assert!(!problems.is_empty());
            for p in problems {
                prop_assert!(!p.path.is_empty(), "{:?}", p);
            }
        }
    }

    /// A rubric at the bounds, fed findings at theirs (a million occurrences a row, raw scores ±10,000
    /// with 4 decimals, many rows), scores with and without a trace, and for one unit alone, within its
    /// bounds; findings beyond the bounds are refused.
    #[test]
    fn scoring_at_the_bounds_never_panics_and_stays_within_them(
        pool in prop::bool::ANY,
        rows in prop::collection::vec(
            (0usize..16, 0usize..2, prop::sample::select(vec![0i64, 1, 999_999, 1_000_000, 1_000_001, i64::MAX, -1]),
             prop::sample::select(vec![
                 Decimal::ZERO, MAX_POINTS, -MAX_POINTS, Decimal::new(99_999_999, 4), Decimal::new(1, 4),
                 Decimal::new(1, 5), Decimal::ONE_HUNDRED, Decimal::MAX,
             ]),
             prop::bool::ANY),
            0..60,
        ),
    ) {
        let rubric = rubric_at_the_bounds(pool);
        let mut units = Units::new();
        units.add_unit("U", "单位", None, &["G"]).unwrap();
        units.add_unit("V", "单位", None, &[]).unwrap();
        let resolver = Resolver::new(&rubric, false);
        let mut all = Scorer::with_trace(&rubric);
        let mut tally = Scorer::new(&rubric);
        let mut alone = Scorer::for_unit(&rubric, 0, true);
        let codes: Vec<String> = rubric.rules().iter().map(|r| r.code.clone())
            .chain(rubric.bonus().rules.iter().map(|b| b.code.clone()))
            .collect();
        for (i, (code, round, count, value, group)) in rows.into_iter().enumerate() {
            let code = &codes[code % codes.len()];
            let bonus = code.starts_with('B');
            let input = FindingInput {
                unit: if group { "G" } else { "U" },
                code,
                round: if bonus { "" } else if round == 0 { "R1" } else { "R2" },
                count: Some(count),
                level: bonus.then_some("最高"),
                value: Some(value),
                note: "说明",
                matter: Some("事项"),
                ..FindingInput::default()
            };
            // Each kind takes some of these fields; the rest make the finding an error, as they should.
            for input in [input, FindingInput { value: None, ..input }, FindingInput { count: None, ..input },
                          FindingInput { count: None, value: None, level: None, ..input }] {
                if let Ok(f) = resolver.resolve_known(&units, &input, i as u64) {
                    let _ = all.add(&units, f.clone());
                    let _ = tally.add(&units, f.clone());
                    let _ = alone.add(&units, f);
                }
            }
        }
        let traced = all.finish(&units);
        let plain = tally.finish(&units);
        let one = alone.finish_unit(&units, 0);
        prop_assert_eq!(traced[0].final_score, one.final_score);
        for (t, p) in traced.iter().zip(&plain) {
            prop_assert_eq!(t.final_score, p.final_score);
            prop_assert!(t.total >= Decimal::ZERO && t.total <= MAX_POINTS, "{}", t.total);
            for item in &t.items {
                if let Some(s) = item.score {
                    prop_assert!(s >= Decimal::ZERO && s <= MAX_POINTS);
                }
            }
        }
    }
}
