//! Worked examples from the seed's three schemes, scored with the shipped rubric files. Each test reads like
//! the seed: the findings, then the score sheet a clerk would check by hand.

mod support;

use support::*;

/// Every branch gets its two discretionary items so the examples are complete.
const FULL_MARKS_6_7: &str = "\
D,6.1,,,5,,按时完成上级任务
D,7.1,,,5,,有特色";

fn dongli(findings: &str) -> String {
    let rubric = rubric_file("dongli-2023.toml");
    let text = format!("unit,code,count,level,points,round,note\n{FULL_MARKS_6_7}\n{findings}");
    sheet_of(&rubric, &text, None)
}

#[test]
fn scheme_a_one_general_accident_costs_five() {
    assert_sheet(
        &dongli("D,1.4.2,1,,,,3月一般性安全事故"),
        "
        D 第1名 总分95
          1 15/20
            1.4.2 -5
            6.1.1 =5
            7.1.1 =5
        ",
    );
}

#[test]
fn scheme_a_a_repeated_accident_costs_five_more_each_time() {
    // 5 for the first, 10 for the second: 15.
    assert_sheet(
        &dongli("D,1.4.2,1,,,,3月\nD,1.4.2,1,,,,7月"),
        "
        D 第1名 总分85
          1 5/20
            1.4.2 -15
            6.1.1 =5
            7.1.1 =5
        ",
    );
}

#[test]
fn scheme_a_three_accidents_take_all_twenty_and_nothing_more() {
    // 5 + 10 + 15 = 30, but 直至20分扣完: the rule stops at 20, and the pool is then empty.
    assert_sheet(
        &dongli("D,1.4.2,3,,,,全年三起\nD,1.4.3,,,,,未开展安全教育\nD,2.1,1,,,,"),
        "
        D 第1名 总分78
          1 0/20
          2 13/15
            1.4.2 -20（应扣30） 本规则最多扣20分
            1.4.3 -0（应扣3） 本栏目共享分值已扣完
            2.1.1 -2
            6.1.1 =5
            7.1.1 =5
        ",
    );
}

#[test]
fn scheme_a_the_pool_is_shared_by_all_four_key_indicators() {
    // Cost over budget 5, a sanction 5, two verified complaints 4, 三率 two below target 6: 20 in all,
    // and the safety education finding finds the pool empty.
    assert_sheet(
        &dongli(
            "D,1.1.2,,,,,成本超支\nD,1.2.2,,,,,党纪处分\nD,1.2.3,2,,,,举报两起\nD,1.3.2,2,,,,两率未达标\nD,1.4.3,,,,,",
        ),
        "
        D 第1名 总分80
          1 0/20
            1.1.2 -5
            1.2.2 -5
            1.2.3 -4
            1.3.2 -6
            1.4.3 -0（应扣3） 本栏目共享分值已扣完
            6.1.1 =5
            7.1.1 =5
        ",
    );
}

#[test]
fn scheme_a_missed_meetings_deduct_two_each_and_the_item_stops_at_zero() {
    assert_sheet(
        &dongli("D,3.2.1,3,,,,缺三次会议"),
        "
        D 第1名 总分94
          3 14/20
            3.2.1 -6
            6.1.1 =5
            7.1.1 =5
        ",
    );
    assert_sheet(
        &dongli("D,3.2.1,4,,,,缺四次会议\nD,3.2.2,,,,,未上党课"),
        "
        D 第1名 总分93
          3 13/20
            3.2.1 -7（应扣8） 本项分值已扣完
            3.2.2 -0（应扣3） 本项分值已扣完
            6.1.1 =5
            7.1.1 =5
        ",
    );
}

#[test]
fn scheme_a_graded_participation_and_zero_rules() {
    // 参与一般的得2分; 未按时足额上缴党费不得分 (found twice, applied once).
    assert_sheet(
        &dongli("D,2.2.2,,一般,,,\nD,3.4.1,,,,,二季度逾期\nD,3.4.1,,,,,三季度短缴"),
        "
        D 第1名 总分94
          2 12/15
          3 17/20
            2.2.2 =2
            3.4.1 不得分 发现2次，只扣一次
            6.1.1 =5
            7.1.1 =5
        ",
    );
}

#[test]
fn scheme_a_a_fixed_rule_found_twice_deducts_once_and_keeps_both_findings() {
    let rubric = rubric_file("dongli-2023.toml");
    let text = format!("unit,code,count,level,points,round,note\n{FULL_MARKS_6_7}\nD,1.1.2,,,,,一季度\nD,1.1.2,,,,,二季度");
    let (_, results) = score(&rubric, &text, None);
    let entry = results[0]
        .trace
        .iter()
        .find(|e| e.findings.iter().any(|f| &*f.note == "一季度"))
        .unwrap();
    assert_eq!(entry.findings.len(), 2);
    assert_eq!(results[0].total.to_string(), "95");
}

#[test]
fn scheme_a_missing_discretionary_entries_count_zero_and_say_so() {
    let rubric = rubric_file("dongli-2023.toml");
    let sheet = sheet_of(
        &rubric,
        "unit,code,count,level,points,round,note\nD,6.1,,,3.5,,完成一般\n",
        None,
    );
    assert_sheet(
        &sheet,
        "
        D 第1名 总分93.5 未评完7.1
          6 3.5/5
          7 0/5
            6.1.1 =3.5
            7.1.1 缺评分
        ",
    );
}

#[test]
fn scheme_a_units_without_findings_get_their_full_sheet_and_ties_share_a_rank() {
    let rubric = rubric_file("dongli-2023.toml");
    let units = "code,name,group\nA,第一党支部,生产\nB,第二党支部,生产\nC,第三党支部,生产\nM,机关党支部,机关\n";
    let findings = "\
unit,code,count,level,points,round,note
A,6.1,,,5,,好
A,7.1,,,4,,较好
B,6.1,,,5,,好
B,7.1,,,4,,较好
C,6.1,,,5,,好
C,7.1,,,5,,很好
C,1.4.2,1,,,,事故
";
    let (reg, results) = score(&rubric, findings, Some(units));
    assert_sheet(
        &sheet(&rubric, &reg, &results),
        "
        M 第1名 总分90 未评完6.1、7.1
          6 0/5
          7 0/5
            6.1.1 缺评分
            7.1.1 缺评分
        A 第1名 总分99
          7 4/5
            6.1.1 =5
            7.1.1 =4
        B 第1名 总分99
          7 4/5
            6.1.1 =5
            7.1.1 =4
        C 第3名 总分95
          1 15/20
            1.4.2 -5
            6.1.1 =5
            7.1.1 =5
        ",
    );
}

fn village(findings: &str) -> String {
    let rubric = rubric_file("village-2023.toml");
    let full = "\
V,6.1,,,5,专项督查,完成
V,7.1,,,5,专项督查,有特色
V,6.1,,,5,年终考评,完成
V,7.1,,,5,年终考评,有特色";
    let text = format!("unit,code,count,level,points,round,note,matter\n{full}\n{findings}");
    sheet_of(&rubric, &text, None)
}

#[test]
fn scheme_b_rounds_weigh_thirty_and_seventy_percent() {
    // 专项督查 90 (cost −5, sanction −5), 年终考评 80 (target missed −20): 0.3×90 + 0.7×80 = 83.
    assert_sheet(
        &village("V,1.1.2,,,,专项督查,,\nV,1.2.2,,,,专项督查,,\nV,1.1.1,,,,年终考评,,"),
        "
        V 第1名 总分83（90/80） 加分0 最终83 合格 良好
          1 3/20
            [专项督查]1.1.2 -5
            [专项督查]1.2.2 -5
            [专项督查]6.1.1 =5
            [专项督查]7.1.1 =5
            [年终考评]1.1.1 -20
            [年终考评]6.1.1 =5
            [年终考评]7.1.1 =5
        ",
    );
}

#[test]
fn scheme_b_deductions_in_each_round_all_count_with_exact_weights() {
    // 专项督查 −0.5 is not possible in scheme A's items; −2 (one missed study) in each round:
    // 0.3×98 + 0.7×98 = 98, and −2 only at year end: 0.3×100 + 0.7×98 = 98.6.
    assert_sheet(
        &village("V,2.1,1,,,年终考评,,"),
        "
        V 第1名 总分98.6（100/98） 加分0 最终98.6 合格 优秀
          2 13.6/15
            [专项督查]6.1.1 =5
            [专项督查]7.1.1 =5
            [年终考评]2.1.1 -2
            [年终考评]6.1.1 =5
            [年终考评]7.1.1 =5
        ",
    );
}

#[test]
fn scheme_b_bonus_counts_the_highest_award_per_matter_and_stops_at_ten() {
    // One matter commended at city (6) then province (8) level: 8. A second matter at county level: +4.
    // 12 is over the yearly cap of 10.
    assert_sheet(
        &village("V,B1,,市级,,,,党建示范村\nV,B1,,省级,,,,党建示范村\nV,B1,,县级,,,,民生110服务"),
        "
        V 第1名 总分100（100/100） 加分10 最终110 合格 优秀
            [专项督查]6.1.1 =5
            [专项督查]7.1.1 =5
            [年终考评]6.1.1 =5
            [年终考评]7.1.1 =5
            B1 +8 同一事项只按最高一次加分
            B1 +2（应加4） 年度加分最高10分
        ",
    );
}

#[test]
fn scheme_b_no_bonus_below_sixty_and_below_sixty_fails() {
    let findings = "\
V,1.1.1,,,,专项督查,,
V,2.3.1,,,,专项督查,,
V,3.1.1,,,,专项督查,,
V,4.1.1,,,,专项督查,,
V,5.1.1,,,,专项督查,,
V,1.1.1,,,,年终考评,,
V,2.3.1,,,,年终考评,,
V,3.1.1,,,,年终考评,,
V,4.1.1,,,,年终考评,,
V,5.1.1,,,,年终考评,,
V,5.3.1,,,,年终考评,,
V,B1,,省级,,,,先进基层党组织";
    // 100 − 20 − 5 − 6 − 5 − 4 = 60 in 专项督查; 56 at year end: 0.3×60 + 0.7×56 = 57.2.
    assert_sheet(
        &village(findings),
        "
        V 第1名 总分57.2（60/56） 加分0 最终57.2 不合格 不合格
          1 0/20
          2 10/15
          3 14/20
          4 15/20
          5 8.2/15
            [专项督查]1.1.1 -20
            [专项督查]2.3.1 不得分
            [专项督查]3.1.1 不得分
            [专项督查]4.1.1 不得分
            [专项督查]5.1.1 不得分
            [专项督查]6.1.1 =5
            [专项督查]7.1.1 =5
            [年终考评]1.1.1 -20
            [年终考评]2.3.1 不得分
            [年终考评]3.1.1 不得分
            [年终考评]4.1.1 不得分
            [年终考评]5.1.1 不得分
            [年终考评]5.3.1 不得分
            [年终考评]6.1.1 =5
            [年终考评]7.1.1 =5
            B1 +0（应加8） 总分未达到60分，不能加分
        ",
    );
}

const STAFF: &str = "\
code,name,group,member_of
S1,张三,,办公室;一组
S2,李四,,办公室
S3,王五,,统计科;一组
";

fn staff(findings: &str) -> String {
    let rubric = rubric_file("jishengju-2023.toml");
    let base = "\
S1,2,,,80,,述职
S2,2,,,80,,述职
S3,2,,,80,,述职
S1,5,,,90,,考试
S2,5,,,90,,考试
S3,5,,,90,,考试
S1,8,,,100,,评议
S2,8,,,100,,评议
S3,8,,,100,,评议
办公室,6,,,100,,卫生
统计科,6,,,100,,卫生";
    let text = format!("unit,code,count,level,points,round,note\n{base}\n{findings}");
    sheet_of(&rubric, &text, Some(STAFF))
}

#[test]
fn scheme_c_conversions_attendance_and_lateness() {
    // 述职 80 → 4 of 5; exams 90 → 7.2 of 8 (one score each where the rubric expects four quarterly ones:
    // the sheet says so); attendance 93.5% is 1.5 points below 95% (the rubric counts partial points
    // exactly) → −4.5; three late arrivals −1.5.
    let sheet = staff("S2,4.1,,,93.5,,出勤率\nS2,4.2,3,,,,迟到三次");
    assert!(
        sheet.contains(&dedent(
            "
            S2 第3名 总分92.2 加分0 最终92.2
              2 4/5
              4 9/15
              5 7.2/8
                2.1 =4 只有1次成绩（应有4次），按这1次折合
                4.1 -4.5
                4.2 -1.5
                5.1 =7.2 只有1次成绩（应有4次），按这1次折合
                6.1 =7 得分来自所在组
                8.1 =5
            "
        )),
        "{sheet}"
    );
}

#[test]
fn scheme_c_quarterly_exams_are_averaged_before_conversion() {
    let sheet = staff("S1,5,,,70,,二季度\nS1,5,,,80,,三季度\nS1,5,,,100,,四季度");
    // (90 + 70 + 80 + 100) / 4 = 85 → 8 × 0.85 = 6.8
    assert!(sheet.contains("5.1 =6.8 取4次成绩的平均值"), "{sheet}");
}

#[test]
fn scheme_c_a_section_finding_applies_to_every_member_and_hygiene_is_inherited() {
    let sheet = staff(
        "办公室,1.3,1,,,,档案逾期上报\n一组,7.1,1,,,,抽查发现重大问题\n统计科,6,,,60,,卫生较差",
    );
    // 办公室 members S1, S2 lose 5; 一组 members S1, S3 lose 10; 统计科's weekly 100 and 60 average 80 → 5.6.
    assert_sheet(
        &sheet,
        "
        S2 第1名 总分93.2 加分0 最终93.2
          1 25/30
          2 4/5
          5 7.2/8
            1.3 -5
            2.1 =4 只有1次成绩（应有4次），按这1次折合
            5.1 =7.2 只有1次成绩（应有4次），按这1次折合
            6.1 =7 得分来自所在组
            8.1 =5
        S3 第2名 总分86.8 加分0 最终86.8
          2 4/5
          5 7.2/8
          6 5.6/7
          7 10/20
            2.1 =4 只有1次成绩（应有4次），按这1次折合
            5.1 =7.2 只有1次成绩（应有4次），按这1次折合
            6.1 =5.6 得分来自所在组；取2次成绩的平均值
            7.1 -10
            8.1 =5
        S1 第3名 总分83.2 加分0 最终83.2
          1 25/30
          2 4/5
          5 7.2/8
          7 10/20
            1.3 -5
            2.1 =4 只有1次成绩（应有4次），按这1次折合
            5.1 =7.2 只有1次成绩（应有4次），按这1次折合
            6.1 =7 得分来自所在组
            7.1 -10
            8.1 =5
        ",
    );
}

#[test]
fn scheme_c_bonus_adds_each_suggestion_and_article() {
    let sheet = staff("S3,B1,2,,,,两条合理化建议被采纳\nS3,B3,,省级,,,,\nS3,B3,,市级,,,,");
    // 98.2 before bonus (述职 4, exams 7.2): two suggestions 20, a provincial article 10, a city one 5.
    assert!(
        sheet.contains("S3 第1名 总分98.2 加分35 最终133.2"),
        "{sheet}"
    );
}

#[test]
fn scheme_c_a_group_on_a_personal_rule_is_refused() {
    // 工作中出现一次差错…扣5分 is each person's own; only 1.3 (对该科室每人扣5分) docks a whole 科室.
    // `办公室,1.1,1` used to take 5 from every member of 办公室.
    let rubric = rubric_file("jishengju-2023.toml");
    assert_eq!(
        findings_error(
            &rubric,
            "unit,code,count,level,points,round,note\n办公室,1.1,1,,,,报表差错\nJ01,1.1,1,,,,报表差错\n",
            Some(include_str!("../../../examples/jishengju-units.csv")),
        ),
        "findings.csv:2: 规则1.1不是按组（科室、调查组）评分的规则，只能记在单位（个人）上，“办公室”是组"
    );
    // The rules the seed applies to groups are marked so: 1.3, 7.1 (group) and item 6 (inherited).
    for code in ["1.3", "7.1", "6.1"] {
        let rule = match rubric.lookup(code) {
            Some(kaoping_core::rubric::Coded::Rule(r)) => &rubric.rules()[r],
            other => panic!("{code}: {other:?}"),
        };
        assert_eq!(
            rule.applies_to,
            kaoping_core::rubric::AppliesTo::Group,
            "{code}"
        );
    }
}

#[test]
fn scheme_b_one_matter_counts_once_across_commendation_and_promotion() {
    // 同一事项获多次奖励的只按最高一次加分: a county 表彰 (4) and a provincial 经验推广 (6) for the same
    // “民生110” work count 6, not 10; another matter still adds.
    assert_sheet(
        &village("V,B1,,县级,,,,民生110服务\nV,B2,,省级,,,,民生110服务\nV,B2,,县级,,,,积分制管理"),
        "
        V 第1名 总分100（100/100） 加分8 最终108 合格 优秀
            [专项督查]6.1.1 =5
            [专项督查]7.1.1 =5
            [年终考评]6.1.1 =5
            [年终考评]7.1.1 =5
            B2 +6 同一事项只按最高一次加分
            B2 +2
        ",
    );
    // A rubric may keep 就高 within each rule: then they add up.
    let per_rule = std::fs::read_to_string(repo_file("rubrics/village-2023.toml"))
        .unwrap()
        .replace("matter_scope = \"all\"", "matter_scope = \"rule\"");
    let full = "unit,code,count,level,points,round,note,matter
V,6.1,,,5,专项督查,完成,
V,7.1,,,5,专项督查,有特色,
V,6.1,,,5,年终考评,完成,
V,7.1,,,5,年终考评,有特色,
V,B1,,县级,,,,民生110服务
V,B2,,省级,,,,民生110服务
";
    assert!(
        sheet_of(&rubric(&per_rule), full, None).contains("加分10 最终110"),
        "{}",
        sheet_of(&rubric(&per_rule), full, None)
    );
}

#[test]
fn scheme_b_an_award_names_its_matter() {
    // Without a matter, every award of the rule would be one matter and only the highest would count.
    let rubric = rubric_file("village-2023.toml");
    assert_eq!(
        findings_error(
            &rubric,
            "unit,code,count,level,points,round,note,matter\nV,B1,,县级,,,县委表彰,\n",
            None
        ),
        "findings.csv:2: 加分规则B1同一事项只按最高一次加分，请填写所奖励的事项（matter）"
    );
    // A rubric may say a rule's awards without a matter are its one matter.
    let optional = std::fs::read_to_string(repo_file("rubrics/village-2023.toml"))
        .unwrap()
        .replace("matter_scope = \"all\"", "matter_required = false");
    let text = "unit,code,count,level,points,round,note,matter
V,B1,,县级,,,县委表彰,
V,B1,,市级,,,市委表彰,
V,B2,,县级,,,简报推广,
";
    let (_, results) = score(&support::rubric(&optional), text, None);
    // B1: 市级 6 over 县级 4 (one matter); B2's blank matter is its own: + 2.
    assert_eq!(results[0].bonus.to_string(), "8");
}

#[test]
fn scheme_c_three_of_four_quarterly_exams_are_averaged_and_the_sheet_says_so() {
    let rubric = rubric_file("jishengju-2023.toml");
    // S1's base exam 90 and two more: (90 + 70 + 80) / 3 = 80 → 8 × 0.8 = 6.4, flagged (4 expected).
    let sheet = staff("S1,5,,,70,,二季度\nS1,5,,,80,,三季度");
    assert!(
        sheet.contains("5.1 =6.4 取3次成绩的平均值（应有4次）"),
        "{sheet}"
    );

    let text = "unit,code,count,level,points,round,note\nS1,5,,,90,,一季度\nS1,5,,,70,,二季度\nS1,5,,,80,,三季度\n";
    let (reg, results) = score(&rubric, text, Some(STAFF));
    let json = kaoping_formats::report::results_json(&rubric, &reg, &results);
    let s1 = json["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit"] == "S1")
        .unwrap();
    let exam = s1["trace"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "5.1")
        .unwrap();
    assert_eq!(exam["raw_scores"], 3);
    assert_eq!(exam["expected_raw_scores"], 4);
    assert_eq!(exam["capped"][0], "取3次成绩的平均值（应有4次）");
    assert_eq!(exam["amount"].to_string(), "6.4");
}
