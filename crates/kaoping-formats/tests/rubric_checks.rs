//! Rubric files a clerk gets wrong, and the exact words `kaoping check` answers with: every problem at its
//! file, line and column, nothing loaded, nothing panicking.

use kaoping_formats::parse_rubric;

/// The message a rubric text produces (panics if it is accepted).
fn problems(text: &str) -> String {
    match parse_rubric("r.toml", text) {
        Ok(_) => panic!("the rubric was accepted"),
        Err(e) => e.to_string(),
    }
}

#[track_caller]
fn assert_problems(text: &str, expected: &str) {
    assert_eq!(problems(text), expected.trim());
}

/// One section of one item with one rule; `rule` is the rule's own lines.
fn one_rule(rule: &str) -> String {
    format!(
        "title = \"t\"\n[[sections]]\ntitle = \"s\"\npoints = 100\n[[sections.items]]\ntitle = \"i\"\npoints = 100\n[[sections.items.rules]]\ntext = \"r\"\n{rule}\n"
    )
}

#[test]
fn points_beyond_what_a_hundred_point_scheme_means_are_refused_where_written() {
    // 5e28 twice used to overflow the sum of the sections (a panic, exit 101).
    let text = r#"title = "t"
[[sections]]
title = "a"
points = 5e28
[[sections.items]]
title = "x"
points = 5e28
[[sections.items.rules]]
kind = "fixed"
text = "x"
amount = 1
[[sections]]
title = "b"
points = 5e28
[[sections.items]]
title = "y"
points = 5e28
[[sections.items.rules]]
kind = "fixed"
text = "y"
amount = 1
"#;
    assert_problems(
        text,
        "
r.toml:4:10: 栏目1的分值50000000000000000000000000000超过上限10000
  提示：不能超过10000分
r.toml:7:10: 评分项1.1的分值50000000000000000000000000000超过上限10000
  提示：不能超过10000分
r.toml:14:10: 栏目2的分值50000000000000000000000000000超过上限10000
  提示：不能超过10000分
r.toml:17:10: 评分项2.1的分值50000000000000000000000000000超过上限10000
  提示：不能超过10000分",
    );
}

#[test]
fn every_kind_of_number_is_bounded_and_says_which_field() {
    assert_problems(
        &one_rule("kind = \"fixed\"\namount = 10000.5"),
        "
r.toml:11:10: 规则1.1.1的扣分10000.5超过上限10000
  提示：不能超过10000分",
    );
    assert_problems(
        &one_rule("kind = \"per_occurrence\"\namount = 0.12345"),
        "
r.toml:11:10: 规则1.1.1的每次扣分0.12345的小数超过4位
  提示：最多写4位小数",
    );
    assert_problems(
        &one_rule("kind = \"per_occurrence\"\namount = 1\nmax_count = 1000001"),
        "
r.toml:12:13: 规则1.1.1的最多次数1000001超过上限1000000
  提示：不能超过1000000次",
    );
    assert_problems(
        &one_rule("kind = \"progressive\"\nfirst = 5\nstep = 1e20"),
        "
r.toml:12:8: 规则1.1.1的累进加扣分100000000000000000000超过上限10000
  提示：不能超过10000分",
    );
    assert_problems(
        &one_rule("kind = \"conversion\"\nscale_min = -20000"),
        "
r.toml:11:13: 规则1.1.1的原始分下限-20000低于下限-10000
  提示：不能低于-10000分",
    );
    assert_problems(
        &one_rule("kind = \"fixed\"\namount = 1e300"),
        "
r.toml:11:10: “amount”的值1e300超出范围
  提示：分值不能超过10000，最多4位小数",
    );
    // A round's weight is a share of the year: at most 1 (100%).
    let rounds = one_rule("kind = \"zero\"").replace(
        "[[sections]]",
        "[[rounds]]\nname = \"a\"\nweight = 5e28\n[[rounds]]\nname = \"b\"\nweight = 5e28\n[[sections]]",
    );
    assert_problems(
        &rounds,
        "
r.toml:4:10: 轮次权重50000000000000000000000000000超过上限1
  提示：不能超过1（100%）
r.toml:7:10: 轮次权重50000000000000000000000000000超过上限1
  提示：不能超过1（100%）",
    );
    let bonus = format!(
        "{}[bonus]\ncap = 20000\n[[bonus.rules]]\ntitle = \"表彰\"\namount = 3.00001\n",
        one_rule("kind = \"zero\"")
    );
    assert_problems(
        &bonus,
        "
r.toml:12:7: 加分上限20000超过上限10000
  提示：不能超过10000分
r.toml:15:10: 加分规则B1的加分3.00001的小数超过4位
  提示：最多写4位小数",
    );
}

#[test]
fn a_negative_count_is_called_negative() {
    // It used to say 应为非负整数，现为整数.
    assert_problems(
        &one_rule("kind = \"per_occurrence\"\namount = 1\nmax_count = -3"),
        "
r.toml:12:13: “max_count”应为非负整数，现为负数-3
  提示：写0或正整数，如 12",
    );
}

#[test]
fn single_brackets_for_a_list_of_sections_are_named_at_their_own_lines() {
    // TOML itself only sees the second [sections] as a duplicate key, on the lines after it.
    let text = r#"title = "t"

[sections]
title = "a"
points = 50
[[sections.items]]
title = "x"
points = 50
[[sections.items.rules]]
kind = "zero"
text = "x"

[sections]
title = "b"
points = 50
[sections.items]
title = "y"
points = 50
[[sections.items.rules]]
kind = "zero"
text = "y"
"#;
    assert_problems(
        text,
        "
r.toml:3:1: [sections] 应写作 [[sections]]
  提示：每一个栏目都以两层方括号 [[sections]] 开始
r.toml:13:1: [sections] 应写作 [[sections]]
  提示：每一个栏目都以两层方括号 [[sections]] 开始
r.toml:16:1: [sections.items] 应写作 [[sections.items]]
  提示：每一个评分项都以两层方括号 [[sections.items]] 开始",
    );
    // A header-like line inside a multi-line string is text, not a header.
    let quoted = one_rule("kind = \"zero\"").replace(
        "title = \"i\"",
        "title = \"i\"\ncriteria = \"\"\"\n[sections]\n\"\"\"",
    );
    assert!(parse_rubric("r.toml", &quoted).is_ok());
}

#[test]
fn a_progressive_cap_below_the_first_deduction_is_refused() {
    assert_problems(
        &one_rule("kind = \"progressive\"\nfirst = 5\nstep = 5\ncap = 3"),
        "
r.toml:13:7: 规则1.1.1的扣分上限3小于首次扣分5
  提示：上限（直至N分扣完的N）应不小于首次扣分 first",
    );
    // A cap equal to the first deduction is the rule “扣5分，重复发生不再加扣”.
    assert!(parse_rubric(
        "r.toml",
        &one_rule("kind = \"progressive\"\nfirst = 5\nstep = 5\ncap = 5")
    )
    .is_ok());
}

#[test]
fn grade_bands_are_written_highest_first() {
    let grades = |bands: &str| {
        one_rule("kind = \"zero\"").replace("[[sections]]", &format!("{bands}[[sections]]"))
    };
    assert_problems(
        &grades("[[grades]]\nname = \"合格\"\nmin = 60\n[[grades]]\nname = \"优秀\"\nmin = 90\n"),
        "
r.toml:7:7: 等次“优秀”的下限90高于前一个等次“合格”的下限60
  提示：[[grades]] 应从高到低书写，下限逐个降低，如 优秀 90、良好 80、合格 60",
    );
    assert_problems(
        &grades("[[grades]]\nname = \"优秀\"\nmin = 90\n[[grades]]\nname = \"差\"\nmin = -1\n"),
        "
r.toml:7:7: 等次“差”的下限-1为负数
  提示：写0或正数",
    );
    assert!(parse_rubric(
        "r.toml",
        &grades("[[grades]]\nname = \"优秀\"\nmin = 90\n[[grades]]\nname = \"合格\"\nmin = 60\n")
    )
    .is_ok());
}

#[test]
fn record_links_and_measures_are_checked_where_written() {
    assert_problems(
        &one_rule("kind = \"per_occurrence\"\namount = 2\nrecords = [{ kind = \"支委会\", every = \"fortnight\" }]"),
        "r.toml:12:36: 未知的频次“fortnight”\n  提示：every 可用：month（每月）、quarter（每季度）、year（每年）；按季次月N日前写 every = \"quarter\", due_day = N",
    );
    assert_problems(
        &one_rule("kind = \"per_occurrence\"\namount = 2\nrecords = [{ kind = \"支委会\", every = \"month\", times = 0 }]"),
        "r.toml:12:53: 规则1.1.1的“支委会”每期次数应为1～366\n  提示：写 times = 1",
    );
    assert_problems(
        &one_rule("kind = \"zero\"\nrecords = [{ kind = \"党费\", every = \"month\", due_day = 5 }]"),
        "r.toml:11:54: 截止日（due_day）只用于按季度的记录，不能用于“month”\n  提示：every 可用：month（每月）、quarter（每季度）、year（每年）；按季次月N日前写 every = \"quarter\", due_day = N",
    );
    assert_problems(
        &one_rule("kind = \"graded\"\nlevels = [{ name = \"好\", points = 100 }]\nrecords = [{ kind = \"支委会\", every = \"month\" }]"),
        "r.toml:12:11: 规则1.1.1为“分档得分”，不能由记录本计数\n  提示：records 只用于按次、累进、定额、不得分、频次和时限规则：缺几次扣几次",
    );
    assert_problems(
        &one_rule("kind = \"fixed\"\namount = 1\nmeasure = \"attendance_rate\""),
        "r.toml:12:11: 规则1.1.1为“定额扣分”，不能取“出勤率”\n  提示：出勤率用 rate，迟到、早退、旷工次数用 per_occurrence 或 progressive，考试成绩用 conversion",
    );
    assert_problems(
        &one_rule("kind = \"fixed\"\namount = 1\nmeasure = \"weather\""),
        "r.toml:12:11: 未知的数据来源“weather”\n  提示：可用：attendance_rate（出勤率）、late（迟到次数）、early_leave（早退次数）、absence（旷工次数）、exam_score（考试成绩）",
    );
}

#[test]
fn record_links_and_measures_survive_writing_the_rubric_back() {
    for path in [
        "../../rubrics/dongli-2023.toml",
        "../../rubrics/jishengju-2023.toml",
    ] {
        let text = std::fs::read_to_string(path).unwrap();
        let spec = kaoping_formats::read_rubric_spec(path, &text).unwrap();
        let feeds = spec
            .sections
            .iter()
            .flat_map(|s| &s.items)
            .flat_map(|i| &i.rules)
            .filter(|r| r.feed.is_some())
            .count();
        assert!(feeds >= 5, "{path}: {feeds} rules fed");
        let again =
            kaoping_formats::read_rubric_spec("again.toml", &kaoping_formats::write_rubric(&spec))
                .unwrap();
        assert_eq!(again, spec, "{path}");
    }
}
