//! Every rule kind on a small rubric snippet: the findings, and the score sheet that must come out.

mod support;

use support::*;

/// One item of each kind in its own section, so each line of the sheet is one kind.
const KINDS: &str = r#"
title = "各类规则"
total = 60
pass_mark = 40
rate_rounding = "down"

[[grades]]
name = "好"
min = 50
[[grades]]
name = "中"
min = 40
[[grades]]
name = "差"
min = 0

[[sections]]
title = "定额与按次"
points = 10
[[sections.items]]
title = "定额"
points = 5
[[sections.items.rules]]
kind = "fixed"
text = "未完成扣3分"
amount = 3
[[sections.items]]
title = "按次"
points = 5
[[sections.items.rules]]
kind = "per_occurrence"
text = "每少一次扣1分"
amount = 1
max_count = 2

[[sections]]
title = "频次"
points = 6
[[sections.items]]
title = "每月学习"
points = 6
[[sections.items.rules]]
kind = "frequency"
text = "每月不少于一次，每少一次扣0.5分"
expected = 12
amount = 0.5

[[sections]]
title = "比率"
points = 15
[[sections.items]]
title = "出勤"
points = 15
[[sections.items.rules]]
kind = "rate"
text = "出勤率95%以上满分，每低一个百分点扣3分"
threshold = 95
per_point = 3
[[sections.items.rules]]
kind = "rate"
text = "同上，不足一个百分点按一个计"
threshold = 95
per_point = 3
rounding = "up"

[[sections]]
title = "时限"
points = 3
[[sections.items]]
title = "党费"
points = 3
[[sections.items.rules]]
kind = "deadline"
text = "每季次月5日前足额上缴，逾期不得分"

[[sections]]
title = "时限扣分"
points = 4
[[sections.items]]
title = "报表"
points = 4
[[sections.items.rules]]
kind = "deadline"
text = "逾期一次扣1分"
amount = 1

[[sections]]
title = "分档"
points = 5
[[sections.items]]
title = "民主集中制"
points = 5
[[sections.items.rules]]
kind = "zero"
text = "重大问题未经集体决策不得分"
[[sections.items.rules]]
kind = "graded"
text = "较好得5分，一般得2分"
levels = [{ name = "较好", points = 5 }, { name = "一般", points = 2 }]
[[sections.items.rules]]
kind = "fixed"
text = "记录不全扣1分"
amount = 1

[[sections]]
title = "折合"
points = 8
[[sections.items]]
title = "考试"
points = 8
[[sections.items.rules]]
kind = "conversion"
text = "考试成绩折合"
scale_min = 0
scale_max = 150
decimals = 1

[[sections]]
title = "酌情"
points = 9
[[sections.items]]
title = "交办任务"
points = 9
[[sections.items.rules]]
kind = "discretionary"
text = "酌情评分"

[[vetoes]]
title = "重大事故"
text = "发生重大责任事故的一票否决"
[[vetoes]]
title = "信访"
text = "发生越级上访的，不得评为好"
effect = "max_grade"
max_grade = "中"
"#;

fn kinds(findings: &str) -> String {
    let rubric = rubric(KINDS);
    let text =
        format!("unit,code,count,level,points,round,note,date,due\nU,8.1,,,9,,满分,,\n{findings}");
    sheet_of(&rubric, &text, None)
}

#[test]
fn nothing_found_is_full_marks_except_the_entries_still_missing() {
    assert_sheet(
        &kinds(""),
        "
        U 第1名 总分52 合格 好 未评完7.1
          7 0/8
            7.1.1 缺评分
            8.1.1 =9
        ",
    );
}

#[test]
fn fixed_applies_once_and_per_occurrence_stops_at_its_maximum_count() {
    assert_sheet(
        &kinds("U,1.1,,,,,\nU,1.1,,,,,\nU,1.2,5,,,,\nU,7.1,,,150,,,,"),
        "
        U 第1名 总分55 合格 好
          1 5/10
            1.1.1 -3 发现2次，只扣一次
            1.2.1 -2（应扣5） 发现5次，最多计2次
            7.1.1 =8
            8.1.1 =9
        ",
    );
}

#[test]
fn frequency_counts_the_sessions_held_against_those_expected() {
    // 12 expected, 9 held in two records (5 + 4): 3 missing × 0.5.
    assert_sheet(
        &kinds("U,2.1,5,,,,上半年\nU,2.1,4,,,,下半年\nU,7.1,,,150,,,,"),
        "
        U 第1名 总分58.5 合格 好
          2 4.5/6
            2.1.1 -1.5
            7.1.1 =8
            8.1.1 =9
        ",
    );
}

#[test]
fn rate_rounding_is_the_rubrics_setting_unless_the_rule_overrides_it() {
    // 92.5%: the rubric counts whole points only (2 → −6); the second rule counts any part (3 → −9).
    // Together 15: the item stops at 0.
    assert_sheet(
        &kinds("U,3.1.1,,,92.5,,\nU,3.1.2,,,92.5,,\nU,7.1,,,150,,,,"),
        "
        U 第1名 总分45 合格 中
          3 0/15
            3.1.1 -6
            3.1.2 -9
            7.1.1 =8
            8.1.1 =9
        ",
    );
}

#[test]
fn deadlines_compare_the_day_done_with_the_day_due() {
    assert_sheet(
        &kinds("U,4.1,,,,,一季度,2023-04-03,2023-04-05\nU,5.1,,,,,,2023-07-08,2023-07-05\nU,5.1,2,,,,两次逾期,,\nU,7.1,,,150,,,,"),
        "
        U 第1名 总分57 合格 好
          5 1/4
            4.1.1 按时
            5.1.1 -3
            7.1.1 =8
            8.1.1 =9
        ",
    );
    assert_sheet(
        &kinds("U,4.1,,,,,二季度逾期,2023-07-06,2023-07-05\nU,7.1,,,150,,,,"),
        "
        U 第1名 总分57 合格 好
          4 0/3
            4.1.1 不得分
            7.1.1 =8
            8.1.1 =9
        ",
    );
}

#[test]
fn a_graded_level_sets_the_score_and_deductions_come_off_it_unless_zeroed() {
    assert_sheet(
        &kinds("U,6.1.2,,一般,,,\nU,6.1.3,,,,,\nU,7.1,,,150,,,,"),
        "
        U 第1名 总分56 合格 好
          6 1/5
            6.1.2 =2
            6.1.3 -1
            7.1.1 =8
            8.1.1 =9
        ",
    );
    assert_sheet(
        &kinds("U,6.1.1,,,,,\nU,6.1.2,,较好,,,\nU,7.1,,,150,,,,"),
        "
        U 第1名 总分55 合格 好
          6 0/5
            6.1.1 不得分
            6.1.2 =5
            7.1.1 =8
            8.1.1 =9
        ",
    );
}

#[test]
fn conversion_maps_the_raw_scale_onto_the_item_and_rounds_half_up() {
    // 100 of 150 → 8 × 2/3 = 5.333… → 5.3; 112.5 of 150 → 6.
    assert_sheet(
        &kinds("U,7.1,,,100,,,,"),
        "
        U 第1名 总分57.3 合格 好
          7 5.3/8
            7.1.1 =5.3
            8.1.1 =9
        ",
    );
}

#[test]
fn a_veto_fails_the_unit_whatever_its_points_and_ranks_it_last() {
    let rubric = rubric(KINDS);
    let findings = "\
unit,code,count,level,points,round,note
A,7.1,,,150,,
A,8.1,,,9,,好
A,V1,,,,,3月发生重大责任事故
B,7.1,,,150,,
B,8.1,,,1,,差
C,7.1,,,150,,
C,8.1,,,9,,好
C,V2,,,,,越级上访一起
";
    assert_sheet(
        &sheet_of(&rubric, findings, None),
        "
        C 第1名 总分60 合格 中
            7.1.1 =8
            8.1.1 =9
            V2 一票否决
        B 第2名 总分52 合格 好
          8 1/9
            7.1.1 =8
            8.1.1 =1
        A 第3名 总分60 不合格 差
            7.1.1 =8
            8.1.1 =9
            V1 一票否决
        ",
    );
}

#[test]
fn the_published_total_rounds_half_up_to_the_decimals_the_rubric_sets() {
    let text = KINDS.replace(
        "rate_rounding = \"down\"",
        "rate_rounding = \"exact\"\ndecimals = 0",
    );
    let rubric = rubric(&text);
    // 94.5% → 0.5 points below → −1.5: 58.5 rounds half-up to 59 (never banker's 58).
    let (reg, results) = score(
        &rubric,
        "unit,code,count,level,points,round,note\nU,3.1.1,,,94.5,,\nU,7.1,,,150,,\nU,8.1,,,9,,好\n",
        None,
    );
    assert_eq!(results[0].total.to_string(), "58.5");
    assert_eq!(results[0].final_score.to_string(), "59");
    assert!(sheet(&rubric, &reg, &results).starts_with("U 第1名 总分58.5"));
}

#[test]
fn an_item_that_does_not_apply_counts_full_marks_and_says_so() {
    // 不适用 on a conversion (no 述职 to convert) and on a discretionary item: full marks, not incomplete.
    let rubric = rubric(KINDS);
    let text = "unit,code,count,level,points,round,note\nU,7.1,,不适用,,,非副科级以上干部，不述职\nU,8.1,,不适用,,,无上级交办任务\n";
    assert_sheet(
        &sheet_of(&rubric, text, None),
        "
        U 第1名 总分60 合格 好
            7.1.1 =8 不适用，按满分计
            8.1.1 =9 不适用，按满分计
        ",
    );
    // It is an entry like any other: with a raw score, or twice, it is an error; on a deduction rule it is
    // not a level.
    assert_eq!(
        findings_error(
            &rubric,
            "unit,code,count,level,points,round,note\nU,7.1,,,120,,\nU,7.1,,不适用,,,不述职\n",
            None
        ),
        "findings.csv:3: 规则7.1.1在轮次“年度考评”已有一条给分记录（见第2行），同一轮次只能有一条"
    );
    assert_eq!(
        findings_error(
            &rubric,
            "unit,code,count,level,points,round,note\nU,8.1,,不适用,,,无交办任务\nU,8.1,,,3,,理由\n",
            None
        ),
        "findings.csv:3: 规则8.1.1在轮次“年度考评”已有一条给分记录（见第2行），同一轮次只能有一条"
    );
    assert_eq!(
        findings_error(
            &rubric,
            "unit,code,count,level,points,round,note\nU,1.1,,不适用,,,\n",
            None
        ),
        "findings.csv:2: 规则1.1.1为定额扣分，不填等级"
    );
}

#[test]
fn not_applicable_needs_its_reason() {
    // Full marks with nothing recorded: the docs always asked for the reason, now it is required.
    let rubric = rubric(KINDS);
    assert_eq!(
        findings_error(
            &rubric,
            "unit,code,count,level,points,round,note\nU,7.1,,不适用,,,\nU,8.1,,不适用,,, \n",
            None
        ),
        "findings.csv:2: 规则7.1.1填写了“不适用”，请在说明中写明不适用的理由\n\
         findings.csv:3: 规则8.1.1填写了“不适用”，请在说明中写明不适用的理由"
    );
}

#[test]
fn finding_numbers_beyond_what_points_are_counted_in_are_refused() {
    let rubric = rubric(KINDS);
    assert_eq!(
        findings_error(
            &rubric,
            "unit,code,count,level,points,round,note\nU,8.1,,,4.12345,,理由\nU,1.2,1000001,,,,\n",
            None
        ),
        "findings.csv:2: 规则8.1.1的分值4.12345小数超过4位，请四舍五入到4位以内\n\
         findings.csv:3: 次数1000001超过上限1000000"
    );
    // Four places are fine (a raw score of 137.1234 on a 0–150 scale).
    let (_, results) = score(
        &rubric,
        "unit,code,count,level,points,round,note\nU,8.1,,,4.1234,,理由\nU,7.1,,,150,,\n",
        None,
    );
    assert_eq!(results[0].items[8].score.unwrap().to_string(), "4.1234");
}

/// 达标得分: an item that starts from what its criteria earn, not from its points.
const EARNED: &str = r#"
title = "达标得分"
total = 10

[[sections]]
title = "任务"
points = 10
[[sections.items]]
title = "完成任务"
points = 10
[[sections.items.rules]]
kind = "earned"
text = "完成年度任务得6分"
amount = 6
max_count = 1
[[sections.items.rules]]
kind = "earned"
text = "预审制、公示制、票决制各得2分"
amount = 2
max_count = 3
[[sections.items.rules]]
kind = "fixed"
text = "台账不全扣1分"
amount = 1
"#;

#[test]
fn earned_points_add_up_to_the_item_and_nothing_recorded_earns_nothing() {
    // A: nothing met, so nothing to deduct from; B: 6 + 2×2; C: 6 + 3×2 = 12, the item holds 10, less 1;
    // D: 5 criteria written, 3 counted.
    let findings =
        "unit,code,count\nA,1.1.3,\nB,1.1.1,\nB,1.1.2,2\nC,1.1.1,\nC,1.1.2,3\nC,1.1.3,\nD,1.1.2,5";
    assert_sheet(
        &sheet_of(&rubric(EARNED), findings, None),
        "
        B 第1名 总分10
            1.1.1 +6
            1.1.2 +4
        C 第2名 总分9
          1 9/10
            1.1.1 +6
            1.1.2 +4（应得6）
            1.1.3 -1
        D 第3名 总分6
          1 6/10
            1.1.1 +0
            1.1.2 +6 发现5次，最多计3次
        A 第4名 总分0
          1 0/10
            1.1.1 +0
            1.1.2 +0
            1.1.3 -0（应扣1） 本项分值已扣完
        ",
    );
}

/// 酌情扣1-3分: each deduction judged within the range, with its reason; several add up to the item.
const RANGE: &str = r#"
title = "酌情扣分"
total = 5

[[sections]]
title = "纪律"
points = 5
[[sections.items]]
title = "课堂纪律"
points = 5
[[sections.items.rules]]
kind = "range_deduction"
text = "纪律差的，酌情扣1-3分"
min = 1
max = 3
"#;

#[test]
fn judged_deductions_stay_in_their_range_need_a_reason_and_add_up() {
    let rubric = rubric(RANGE);
    assert_sheet(
        &sheet_of(
            &rubric,
            "unit,code,points,note\nA,1.1,2,上课喧哗\nA,1.1,2.5,早退\nB,1.1,3,旷课\nB,1.1,3,打架",
            None,
        ),
        "
        A 第1名 总分0.5
          1 0.5/5
            1.1.1 -4.5
        B 第2名 总分0
          1 0/5
            1.1.1 -5（应扣6） 本项分值已扣完
        ",
    );
    assert_eq!(
        findings_error(
            &rubric,
            "unit,code,points,note\nA,1.1,4,太吵\nA,1.1,2,\nA,1.1,,吵",
            None
        ),
        "findings.csv:2: 规则1.1.1的分值4超出范围1～3\n\
         findings.csv:3: 规则1.1.1为酌情扣分，请在说明中写明扣分理由\n\
         findings.csv:4: 规则1.1.1为酌情扣分，请填写分值"
    );
}
