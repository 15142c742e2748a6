//! Every validity, trimming and weighting rule, worked by hand.

use super::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn spec() -> CampaignSpec {
    CampaignSpec {
        title: "2023年度民主评议".into(),
        candidates: vec!["C01".into(), "C02".into(), "C03".into()],
        classes: vec![
            ClassSpec {
                name: "班子成员".into(),
                weight: d("0.3"),
                voters: 5,
            },
            ClassSpec {
                name: "职工".into(),
                weight: d("0.7"),
                voters: 30,
            },
        ],
        scale: Scale::Score {
            min: d("0"),
            max: d("100"),
        },
        max_excellent_share: None,
        trim: 0,
        quorum: d("0.67"),
    }
}

fn graded() -> CampaignSpec {
    CampaignSpec {
        scale: Scale::standard_grades(),
        max_excellent_share: Some(d("0.4")),
        ..spec()
    }
}

fn ballot(c: &Campaign, class: usize, ratings: &[&str]) -> Ballot {
    let pairs: Vec<(&str, &str)> = c
        .candidates()
        .iter()
        .map(String::as_str)
        .zip(ratings.iter().copied())
        .collect();
    c.read_ballot(class, &pairs).unwrap()
}

#[test]
fn a_campaign_lists_every_problem_with_its_field() {
    let bad = CampaignSpec {
        title: " ".into(),
        candidates: vec!["C01".into(), "C01".into(), "".into()],
        classes: vec![
            ClassSpec {
                name: "职工".into(),
                weight: d("0.5"),
                voters: 0,
            },
            ClassSpec {
                name: "职工".into(),
                weight: d("0.2"),
                voters: 3,
            },
        ],
        scale: Scale::Score {
            min: d("100"),
            max: d("0"),
        },
        max_excellent_share: Some(d("0.3")),
        trim: 2,
        quorum: d("1.5"),
    };
    let problems = Campaign::new(bad).unwrap_err();
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "title",
            "candidates[1]",
            "candidates[2]",
            "classes[0].voters",
            "classes[1].name",
            "classes",
            "scale",
            "max_excellent_share",
            "trim",
            "quorum"
        ],
        "{problems:?}"
    );
    assert!(problems[5].message.contains("权重之和须为1，现为0.7"));
}

#[test]
fn grades_must_be_named_once_and_the_share_needs_one_top_grade() {
    let mut s = graded();
    s.scale = Scale::Grades(vec![
        Grade {
            name: "优秀".into(),
            value: d("100"),
        },
        Grade {
            name: "好".into(),
            value: d("100"),
        },
        Grade {
            name: "优秀".into(),
            value: d("-1"),
        },
    ]);
    let problems = Campaign::new(s).unwrap_err();
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "scale.grades[2].value",
            "scale.grades[2].name",
            "scale.grades"
        ]
    );
}

#[test]
fn a_ballot_that_rates_nobody_is_blank_and_one_that_skips_a_candidate_incomplete() {
    let c = Campaign::new(spec()).unwrap();
    assert_eq!(c.judge(&ballot(&c, 0, &["", "", ""])), [Invalidity::Blank]);
    let reasons = c.judge(&ballot(&c, 0, &["90", "", "80"]));
    assert_eq!(
        reasons,
        [Invalidity::Incomplete {
            missing: vec!["C02".into()]
        }]
    );
    assert_eq!(
        reasons[0].to_string(),
        "未评价全部候选人（还有1名未评：C02）"
    );
    assert!(c.judge(&ballot(&c, 1, &["90", "85.5", "80"])).is_empty());
}

#[test]
fn ratings_that_cannot_be_read_are_refused_not_counted() {
    let c = Campaign::new(spec()).unwrap();
    let errors = c
        .read_ballot(
            0,
            &[("C01", "101"), ("C09", "90"), ("C02", "abc"), ("C01", "5")],
        )
        .unwrap_err();
    let words: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        words,
        [
            "C01：101不在0～100之间",
            "C09：不是本次评议的候选人",
            "C02：“abc”不是分数（0～100）",
            "C01：重复评价"
        ]
    );
    let g = Campaign::new(graded()).unwrap();
    let errors = g.read_ballot(0, &[("C01", "很好")]).unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        "C01：“很好”不是评议等次（优秀、称职、基本称职、不称职）"
    );
}

#[test]
fn at_most_the_share_of_candidates_may_be_excellent_rounded_down() {
    // 40% of 3 candidates is 1.2: one 优秀 per ballot.
    let c = Campaign::new(graded()).unwrap();
    assert_eq!(c.max_excellent(), Some(1));
    assert!(c
        .judge(&ballot(&c, 0, &["优秀", "称职", "不称职"]))
        .is_empty());
    assert_eq!(
        c.judge(&ballot(&c, 0, &["优秀", "优秀", "称职"])),
        [Invalidity::TooManyExcellent {
            grade: "优秀".into(),
            given: 2,
            allowed: 1
        }]
    );
    // Incomplete and too many at once: both reasons.
    assert_eq!(c.judge(&ballot(&c, 0, &["优秀", "优秀", ""])).len(), 2);
}

#[test]
fn the_raw_score_is_the_weighted_mean_of_class_means() {
    let c = Campaign::new(spec()).unwrap();
    let ballots = vec![
        // 班子成员: C01 90, 93 → 91.5; C02 80, 81 → 80.5; C03 70, 71 → 70.5
        ballot(&c, 0, &["90", "80", "70"]),
        ballot(&c, 0, &["93", "81", "71"]),
        // 职工: C01 88, 86, 90 → 88; C02 85, 80, 81 → 82; C03 60, 61, 62 → 61
        ballot(&c, 1, &["88", "85", "60"]),
        ballot(&c, 1, &["86", "80", "61"]),
        ballot(&c, 1, &["90", "81", "62"]),
        // invalid: incomplete and blank
        ballot(&c, 1, &["100", "", "100"]),
        ballot(&c, 1, &["", "", ""]),
    ];
    let t = c.tally(&ballots);
    assert_eq!(t.cast, [2, 5]);
    assert_eq!(t.valid, [2, 3]);
    assert_eq!((t.blank, t.incomplete, t.invalid_total()), (1, 1, 2));
    // C01: 91.5 × 0.3 + 88 × 0.7 = 27.45 + 61.6 = 89.05
    assert_eq!(t.candidates[0].raw, Some(d("89.05")));
    // C02: 80.5 × 0.3 + 82 × 0.7 = 24.15 + 57.4 = 81.55
    assert_eq!(t.candidates[1].raw, Some(d("81.55")));
    // C03: 70.5 × 0.3 + 61 × 0.7 = 21.15 + 42.7 = 63.85
    assert_eq!(t.candidates[2].raw, Some(d("63.85")));
    assert_eq!(
        c.explain(&t, 0),
        "2023年度民主评议：有效票5张、无效2张；班子成员均分91.5（2票）×0.3 + 职工均分88（3票）×0.7 = 89.05"
    );
}

#[test]
fn trimming_drops_one_highest_and_one_lowest_per_class_from_k_ratings() {
    let mut s = spec();
    s.trim = 4;
    let c = Campaign::new(s).unwrap();
    let mut ballots = vec![
        // 班子成员: 3 ratings of C01 (below 4: nothing dropped) → (90 + 80 + 70) / 3 = 80
        ballot(&c, 0, &["90", "50", "50"]),
        ballot(&c, 0, &["80", "50", "50"]),
        ballot(&c, 0, &["70", "50", "50"]),
    ];
    // 职工: 99, 60, 85, 86, 87 → drop 99 and 60 → (85 + 86 + 87) / 3 = 86
    for v in ["99", "60", "85", "86", "87"] {
        ballots.push(ballot(&c, 1, &[v, "50", "50"]));
    }
    let t = c.tally(&ballots);
    let c01 = &t.candidates[0];
    assert_eq!(c01.classes[0].dropped, None);
    assert_eq!(c01.classes[0].mean, Some(d("80")));
    assert_eq!(c01.classes[1].dropped, Some((d("99"), d("60"))));
    assert_eq!((c01.classes[1].ratings, c01.classes[1].counted), (5, 3));
    assert_eq!(c01.classes[1].mean, Some(d("86")));
    // 80 × 0.3 + 86 × 0.7 = 24 + 60.2 = 84.2
    assert_eq!(c01.raw, Some(d("84.2")));
    assert!(c
        .explain(&t, 0)
        .contains("职工均分86（3票，去掉最高99、最低60）×0.7 = 84.2"));
}

#[test]
fn means_round_half_away_from_zero_to_two_decimals() {
    let c = Campaign::new(spec()).unwrap();
    // 班子成员 C01: (90 + 91 + 91) / 3 = 90.666… → 90.67; 职工 C01: 85.125 needs 8 ratings; use
    // (85 + 85.25) / 2 = 85.125 → 85.13.
    let ballots = vec![
        ballot(&c, 0, &["90", "1", "1"]),
        ballot(&c, 0, &["91", "1", "1"]),
        ballot(&c, 0, &["91", "1", "1"]),
        ballot(&c, 1, &["85", "1", "1"]),
        ballot(&c, 1, &["85.25", "1", "1"]),
    ];
    let t = c.tally(&ballots);
    assert_eq!(t.candidates[0].classes[0].mean, Some(d("90.67")));
    assert_eq!(t.candidates[0].classes[1].mean, Some(d("85.13")));
    // 90.67 × 0.3 + 85.13 × 0.7 = 27.201 + 59.591 = 86.792 → 86.79
    assert_eq!(t.candidates[0].raw, Some(d("86.79")));
}

#[test]
fn a_class_without_valid_ratings_drops_out_and_the_others_carry_the_weight() {
    let c = Campaign::new(spec()).unwrap();
    let ballots = vec![
        ballot(&c, 1, &["80", "70", "60"]),
        ballot(&c, 0, &["80", "", "60"]), // invalid: the only 班子成员 ballot
    ];
    let t = c.tally(&ballots);
    assert_eq!(t.candidates[0].raw, Some(d("80")));
    assert!(c
        .explain(&t, 0)
        .ends_with("职工均分80（1票）×0.7，班子成员无有效评价，按其余类别权重折算 = 80"));
    let nobody = c.tally(&[]);
    assert_eq!(nobody.candidates[0].raw, None);
    assert!(c.explain(&nobody, 0).ends_with("无有效评价"));
}

#[test]
fn grades_count_at_their_values() {
    let c = Campaign::new(graded()).unwrap();
    let ballots = vec![
        ballot(&c, 0, &["优秀", "称职", "基本称职"]),
        ballot(&c, 1, &["称职", "优秀", "不称职"]),
    ];
    let t = c.tally(&ballots);
    // C01: 100 × 0.3 + 80 × 0.7 = 86; C02: 80 × 0.3 + 100 × 0.7 = 94; C03: 60 × 0.3 + 0 = 18
    let raws: Vec<Option<Decimal>> = t.candidates.iter().map(|c| c.raw).collect();
    assert_eq!(raws, [Some(d("86")), Some(d("94")), Some(d("18"))]);
    assert_eq!(c.grade_of(d("80")), Some("称职"));
}

#[test]
fn order_of_ballots_does_not_matter() {
    let mut s = spec();
    s.trim = 3;
    let c = Campaign::new(s).unwrap();
    let values = ["71", "99.5", "80", "64.25", "88", "90", "70"];
    let mut ballots: Vec<Ballot> = values
        .iter()
        .enumerate()
        .map(|(i, v)| ballot(&c, i % 2, &[v, v, "50"]))
        .collect();
    let first = c.tally(&ballots);
    ballots.reverse();
    assert_eq!(c.tally(&ballots), first);
    ballots.rotate_left(3);
    assert_eq!(c.tally(&ballots), first);
}
