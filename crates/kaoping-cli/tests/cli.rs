//! The `kaoping` binary as a user runs it: shipped rubrics and examples, every output format, and bad input
//! reported word for word, with nothing printed on standard output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn kaoping(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaoping"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("kaoping runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// Writes files into a fresh directory and runs kaoping there.
fn run_with(files: &[(&str, &str)], args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    kaoping(args, dir.path())
}

#[track_caller]
fn assert_fails_with(o: &Output, expected: &str) {
    assert_eq!(o.status.code(), Some(1), "stderr: {}", stderr(o));
    assert_eq!(stdout(o), "", "nothing may be printed on failure");
    assert_eq!(stderr(o).trim_end(), expected.trim());
}

#[test]
fn every_shipped_rubric_checks_clean() {
    for name in [
        "dongli-2023.toml",
        "village-2023.toml",
        "jishengju-2023.toml",
    ] {
        let o = kaoping(&["check", &format!("rubrics/{name}")], &repo(""));
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        assert!(stdout(&o).contains("总分100分"), "{name}");
    }
}

#[test]
fn check_prints_the_rubric_as_a_table_with_codes_kinds_and_owners() {
    let o = kaoping(&["check", "rubrics/dongli-2023.toml"], &repo(""));
    let out = stdout(&o);
    assert!(out.starts_with("动力厂党委2023年度党建工作目标责任制考评细则\n总分100分\n"));
    let line = out.lines().find(|l| l.starts_with("1.4.2 ")).unwrap();
    assert!(
        line.contains("累进扣分") && line.contains("首次扣5分，每次累进加扣5分，最多扣20分"),
        "{line}"
    );
    let line = out.lines().find(|l| l.starts_with("6.1 ")).unwrap();
    assert!(line.contains("党工部"), "{line}");
}

#[test]
fn the_shipped_examples_score_in_every_format() {
    for (rubric, stem) in [
        ("dongli-2023", "dongli"),
        ("village-2023", "village"),
        ("jishengju-2023", "jishengju"),
    ] {
        for format in ["table", "json", "csv"] {
            let o = kaoping(
                &[
                    "score",
                    "--rubric",
                    &format!("rubrics/{rubric}.toml"),
                    "--findings",
                    &format!("examples/{stem}-findings.csv"),
                    "--units",
                    &format!("examples/{stem}-units.csv"),
                    "--format",
                    format,
                ],
                &repo(""),
            );
            assert!(o.status.success(), "{stem} {format}: {}", stderr(&o));
        }
    }
}

#[test]
fn json_output_has_the_documented_shape_and_exact_decimals() {
    let findings = "unit,code,count,level,points,round,note\nD,1.4.2,2,,,,两起事故\nD,6.1,,,4.5,,较好\nD,7.1,,,5,,特色\n";
    let o = run_with(
        &[("f.csv", findings)],
        &[
            "score",
            "--rubric",
            repo("rubrics/dongli-2023.toml").to_str().unwrap(),
            "--findings",
            "f.csv",
            "--format",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("\"total\": 84.5"),
        "exact decimal printed as written: {text}"
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let unit = &v["units"][0];
    for key in [
        "unit",
        "total",
        "rounds",
        "bonus",
        "final",
        "pass",
        "grade",
        "rank",
        "incomplete",
        "sections",
        "items",
        "trace",
    ] {
        assert!(unit.get(key).is_some(), "missing {key}");
    }
    assert_eq!(unit["rank"], 1);
    assert_eq!(unit["sections"][0]["code"], "1");
    let safety = unit["trace"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "1.4.2")
        .unwrap();
    assert_eq!(
        safety["criteria"],
        "发生一般性安全事故扣5分;每重复发生一起一般性安全事故累进加扣5分,直至20分扣完"
    );
    assert_eq!(safety["findings"][0]["line"], 2);
    assert_eq!(safety["findings"][0]["count"], 2);
    assert_eq!(safety["amount"].to_string(), "-15");
}

#[test]
fn a_units_file_gives_units_without_findings_their_full_sheet() {
    let o = run_with(
        &[
            ("u.csv", "code,name,group\nA,第一党支部,\nB,第二党支部,\n"),
            (
                "f.csv",
                "单位,编号,次数,等级,分值,轮次,说明\nA,1.4.2,1,,,,\n",
            ),
        ],
        &[
            "score",
            "--rubric",
            repo("rubrics/dongli-2023.toml").to_str().unwrap(),
            "--findings",
            "f.csv",
            "--units",
            "u.csv",
            "--format",
            "csv",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "unit,name,group,rank,total,bonus,final,pass,grade,incomplete,1,2,3,4,5,6,7\n\
         B,第二党支部,,1,90,0,90,,,6.1;7.1,20,15,20,20,15,0,0\n\
         A,第一党支部,,2,85,0,85,,,6.1;7.1,15,15,20,20,15,0,0\n"
    );
}

#[test]
fn bad_findings_are_all_reported_by_line_and_nothing_is_scored() {
    let findings = "\
unit,code,count,level,points,round,note
一支部,1.4.2,-1,,,,
二支部,9.9,,,,,
三支部,1.1.1,2,,,,
四支部,2.2.2,,优秀,,,
五支部,6.1,,,7,,太多
六支部,6.1,,,3,,
七支部,1.4,,,,,
八支部,1,,,,,
九支部,3.2.1,两次,,,,
,1.1.1,,,,,
十支部,7.1,,,4,,有特色
十支部,7.1,,,5,,重复录入
";
    let o = run_with(
        &[("bad.csv", findings)],
        &[
            "score",
            "--rubric",
            repo("rubrics/dongli-2023.toml").to_str().unwrap(),
            "--findings",
            "bad.csv",
        ],
    );
    assert_fails_with(
        &o,
        "\
bad.csv:2: 次数不能为负数（现为-1）
bad.csv:3: 编号“9.9”不是本考评细则中的规则、评分项、加分或否决事项
bad.csv:4: 规则1.1.1为定额扣分，不填次数
bad.csv:5: 规则2.2.2没有等级“优秀”，可填：较好、一般
bad.csv:6: 规则6.1.1的分值7超出范围0～5
bad.csv:7: 规则6.1.1为酌情评分，请在说明中写明评分理由
bad.csv:8: 评分项1.4有3条规则（1.4.1、1.4.2、1.4.3），请写明规则编号
bad.csv:9: “1”是栏目编号，请填写评分项或规则编号
bad.csv:10: 次数“两次”不是整数
bad.csv:11: 没有填写单位
bad.csv:13: 规则7.1.1在轮次“年度考评”已有一条给分记录（见第12行），同一轮次只能有一条",
    );
}

#[test]
fn findings_against_a_units_file_must_name_listed_units_and_rounds_must_exist() {
    let o = run_with(
        &[
            ("u.csv", "编号,名称,分组\nV1,一村,\n"),
            ("f.csv", "unit,code,count,level,points,round,note\nV1,1.1.1,,,,年中考评,\nV2,1.1.1,,,,专项督查,\nV1,1.1.1,,,,,\n"),
        ],
        &["score", "--rubric", repo("rubrics/village-2023.toml").to_str().unwrap(), "--findings", "f.csv", "--units", "u.csv"],
    );
    assert_fails_with(
        &o,
        "\
f.csv:2: 轮次“年中考评”不存在，可填：专项督查、年终考评
f.csv:3: 单位“V2”不在单位名单中
f.csv:4: 本考评细则有多个轮次，请填写轮次：专项督查、年终考评",
    );
}

#[test]
fn a_findings_file_with_a_wrong_header_is_refused_at_line_one() {
    let o = run_with(
        &[("f.csv", "unit,code,cnt\nA,1.1.1,1\n")],
        &[
            "score",
            "--rubric",
            repo("rubrics/dongli-2023.toml").to_str().unwrap(),
            "--findings",
            "f.csv",
        ],
    );
    assert_fails_with(
        &o,
        "f.csv:1: 第3列表头“cnt”无法识别，可用：unit,code,count,level,points,round,note,matter,date,due 或 单位,编号,次数,等级,分值,轮次,说明,事项,日期,截止日期",
    );
    let o = run_with(
        &[("f.csv", "")],
        &[
            "score",
            "--rubric",
            repo("rubrics/dongli-2023.toml").to_str().unwrap(),
            "--findings",
            "f.csv",
        ],
    );
    assert_fails_with(
        &o,
        "f.csv:1: 文件是空的，第一行应为表头 unit,code,count,level,points,round,note",
    );
}

const BROKEN: &str = r#"title = "坏的细则"
total = 100

[[sections]]
title = "重点指标"
points = 20
pool = true
[[sections.items]]
title = "安全生产"
points = 5
[[sections.items.rules]]
kind = "fixd"
text = "扣20分"
amount = 20

[[sections]]
title = "班子建设"
points = 15
[[sections.items]]
title = "学习"
points = "五分"
[[sections.items.rules]]
kind = "per_occurrence"
text = "每少一次扣2分"
amount = 2
[[sections.items]]
title = "民主"
points = 5
colour = "red"
[[sections.items.rules]]
kind = "per_occurrence"
text = "每少一次扣2分"
amount = -2
"#;

#[test]
fn a_broken_rubric_gets_every_problem_with_file_line_and_column() {
    let o = run_with(&[("broken.toml", BROKEN)], &["check", "broken.toml"]);
    assert_fails_with(
        &o,
        "\
broken.toml:10:10: 评分项1.1属于共享分值栏目1，不能有自己的分值
  提示：删除该项的 points，或去掉栏目的 pool = true
broken.toml:12:8: 未知的规则类型“fixd”
  提示：可用：fixed、per_occurrence、zero、graded、progressive、rate、conversion、discretionary、frequency、deadline、earned、range_deduction
broken.toml:21:10: “points”应为分数，现为“五分”
  提示：写数字，如 5 或 0.5
broken.toml:29:1: 未知的键“colour”（在 sections[1].items[1] 中）
  提示：可用的键：code、title、points、content、criteria、method、department、inherit、rules
broken.toml:33:10: 规则2.2.1的每次扣分必须大于0，现为-2
  提示：请填写正数",
    );
}

#[test]
fn points_that_do_not_add_up_duplicate_codes_and_levels_without_points() {
    let rubric = r#"title = "坏的细则"

[[sections]]
title = "重点指标"
points = 20
[[sections.items]]
title = "安全生产"
points = 5
[[sections.items.rules]]
kind = "fixed"
text = "扣5分"
amount = 5

[[sections]]
title = "班子建设"
points = 15
[[sections.items]]
code = "1"
title = "学习"
points = 5
[[sections.items.rules]]
kind = "graded"
text = "较好得5分，一般得7分"
levels = [{ name = "较好" }, { name = "一般", points = 7 }]
"#;
    let o = run_with(&[("r.toml", rubric)], &["check", "r.toml"]);
    assert_fails_with(
        &o,
        "\
r.toml:1:1: 各栏目分值之和为35，与总分100不符
  提示：调整各栏目的 points 或 total
r.toml:5:10: 栏目1各评分项分值之和为5，与栏目分值20不符
  提示：调整各评分项的 points 或栏目的 points
r.toml:16:10: 栏目2各评分项分值之和为5，与栏目分值15不符
  提示：调整各评分项的 points 或栏目的 points
r.toml:18:8: 编号“1”重复（第一次出现在第3行）
  提示：每个栏目、评分项和规则的编号必须唯一
r.toml:21:1: 编号“1.1”重复（第一次出现在第6行）
  提示：每个栏目、评分项和规则的编号必须唯一
r.toml:24:11: 等级“较好”没有分值
  提示：为该等级写 points
r.toml:24:52: 等级“一般”的分值7超过本项分值5
  提示：等级分值不能超过评分项分值",
    );
}

#[test]
fn toml_syntax_errors_and_missing_files_are_located() {
    let o = run_with(
        &[("s.toml", "title = \"x\"\n[[sections]\npoints = 5\n")],
        &["check", "s.toml"],
    );
    assert_fails_with(
        &o,
        "s.toml:2:12: TOML格式错误：unclosed array table, expected `]`\n  提示：检查引号、方括号和等号是否成对、完整",
    );
    let o = run_with(&[], &["check", "missing.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("missing.toml: 无法读取考评细则文件："),
        "{}",
        stderr(&o)
    );
}

#[test]
fn import_rubric_writes_a_rubric_file_and_says_what_to_confirm() {
    let table = "栏目,分值,考核内容,评分标准,考核办法\n\
                 重点指标,20分,保证完成生产任务,未完成扣20分；完成任务，但成本超支扣5分,查通报\n\
                 党建,80分,开展学习（40分）,每少一次扣2分；情节严重的，通报批评,查记录\n\
                 党建,80分,民主评议（40分）,酌情评分,查记录\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("table.csv"), table).unwrap();
    let o = kaoping(
        &[
            "import-rubric",
            "table.csv",
            "-o",
            "r.toml",
            "--title",
            "测试细则",
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "第2行 重点指标 保证完成生产任务：2条规则\n\
         \x20   读作：定额扣分：扣20分（发现即扣，只扣一次） ←“未完成扣20分”\n\
         \x20   读作：定额扣分：扣5分（发现即扣，只扣一次） ←“完成任务，但成本超支扣5分”\n\
         第3行 党建 开展学习：1条规则\n\
         \x20   读作：按次扣分：每次扣2分 ←“每少一次扣2分”\n\
         \x20   未读懂：“情节严重的，通报批评”——没有识别出计分方法（扣分、得分、不得分），未生成规则\n\
         第4行 党建 民主评议：1条规则\n\
         \x20   读作：酌情评分：0～本项分值，须写明理由 ←“酌情评分”\n\
         已写入 r.toml：读出4条规则，0项待确认，1处未读懂\n"
    );
    let o = kaoping(&["check", "r.toml"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("测试细则\n"));
    let o = kaoping(
        &["import-rubric", "missing.docx", "-o", "r.toml"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn exports_write_real_workbooks_and_the_rubric_imports_back() {
    let dir = tempfile::tempdir().unwrap();
    let r = repo("rubrics/village-2023.toml");
    let f = repo("examples/village-findings.csv");
    let u = repo("examples/village-units.csv");
    let (r, f, u) = (
        r.to_str().unwrap(),
        f.to_str().unwrap(),
        u.to_str().unwrap(),
    );
    for args in [
        vec!["export", "rubric", r, "-o", "rubric.xlsx"],
        vec![
            "export",
            "summary",
            "--rubric",
            r,
            "--findings",
            f,
            "--units",
            u,
            "-o",
            "summary.xlsx",
        ],
        vec![
            "export",
            "sheet",
            "--rubric",
            r,
            "--findings",
            f,
            "--units",
            u,
            "--unit",
            "V01",
            "-o",
            "sheet.xlsx",
        ],
        vec![
            "export",
            "findings",
            "--rubric",
            r,
            "--findings",
            f,
            "-o",
            "findings.xlsx",
        ],
    ] {
        let o = kaoping(&args, dir.path());
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let file = args.iter().skip_while(|a| **a != "-o").nth(1).unwrap();
        let bytes = std::fs::read(dir.path().join(file)).unwrap();
        assert!(
            bytes.starts_with(b"PK\x03\x04"),
            "{file} is an xlsx (zip) file"
        );
    }
    let o = kaoping(
        &["import-rubric", "rubric.xlsx", "-o", "back.toml"],
        dir.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).ends_with("项待确认，0处未读懂\n") && stdout(&o).contains("0项待确认"),
        "{}",
        stdout(&o)
    );
    let scores = |rubric: &str| {
        let o = kaoping(
            &[
                "score",
                "--rubric",
                rubric,
                "--findings",
                f,
                "--units",
                u,
                "--format",
                "csv",
            ],
            dir.path(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    assert_eq!(scores("back.toml"), scores(r));
    let o = kaoping(
        &[
            "export",
            "sheet",
            "--rubric",
            r,
            "--findings",
            f,
            "--unit",
            "NOPE",
            "-o",
            "x.xlsx",
        ],
        dir.path(),
    );
    assert_fails_with(&o, "单位“NOPE”不在名单中");
}

/// The example files' totals worked out by hand in docs/worked-examples.md (final scores, bonus included).
#[test]
fn the_example_files_score_as_worked_out_by_hand() {
    let expected: [(&str, &[(&str, &str)]); 3] = [
        (
            "dongli",
            &[
                ("D03", "71"),
                ("D04", "67.5"),
                ("D14", "75"),
                ("D17", "74"),
                ("D09", "70"),
                ("D13", "65.5"),
                ("D18", "88"),
            ],
        ),
        (
            "village",
            &[
                ("V01", "107.3"),
                ("V02", "101.55"),
                ("V04", "80.8"),
                ("V07", "52.1"),
                ("V06", "86.75"),
            ],
        ),
        (
            "jishengju",
            &[
                ("J01", "99.88"),
                ("J05", "79.1"),
                ("J09", "54.68"),
                ("J08", "100.57"),
                ("J10", "85.73"),
            ],
        ),
    ];
    for (stem, units) in expected {
        let rubric = match stem {
            "dongli" => "rubrics/dongli-2023.toml",
            "village" => "rubrics/village-2023.toml",
            _ => "rubrics/jishengju-2023.toml",
        };
        let findings = format!("examples/{stem}-findings.csv");
        let unit_file = format!("examples/{stem}-units.csv");
        let o = kaoping(
            &[
                "score",
                "--rubric",
                rubric,
                "--findings",
                &findings,
                "--units",
                &unit_file,
                "--format",
                "csv",
            ],
            &repo(""),
        );
        assert!(o.status.success(), "{stem}: {}", stderr(&o));
        let out = stdout(&o);
        for (unit, total) in units {
            let row = out
                .lines()
                .find(|l| l.starts_with(&format!("{unit},")))
                .unwrap();
            let final_score = row.split(',').nth(6).unwrap();
            assert_eq!(final_score, *total, "{stem} {unit}: {row}");
        }
    }
}

/// A database address with a password never shows the password, whatever goes wrong with it.
#[test]
fn database_passwords_never_show_in_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f.csv");
    std::fs::write(&file, "unit,code,count\nD01,1.4.2,1\n").unwrap();
    for url in [
        "postgres://kaoping:s3cret-pw@127.0.0.1:1/kaoping",
        "mysql://kaoping:s3cret-pw@127.0.0.1/kaoping",
    ] {
        let out = kaoping(
            &[
                "import-findings",
                "--period",
                "1",
                "--database-url",
                url,
                file.to_str().unwrap(),
            ],
            dir.path(),
        );
        assert!(!out.status.success());
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains("s3cret-pw"), "{all}");
        assert!(all.contains("kaoping:***@127.0.0.1"), "{all}");
    }
}

#[test]
fn check_refuses_points_beyond_the_bounds_instead_of_panicking() {
    // Two sections of 5e28 points overflowed their sum: exit 101 and a Rust backtrace.
    let rubric = r#"title = "t"
[[sections]]
title = "a"
points = 5e28
[[sections.items]]
title = "x"
points = 50
[[sections.items.rules]]
kind = "fixed"
text = "x"
amount = 1
[[sections]]
title = "b"
points = 5e28
[[sections.items]]
title = "y"
points = 50
[[sections.items.rules]]
kind = "fixed"
text = "y"
amount = 1
"#;
    let o = run_with(&[("r.toml", rubric)], &["check", "r.toml"]);
    assert_fails_with(
        &o,
        "\
r.toml:4:10: 栏目1的分值50000000000000000000000000000超过上限10000
  提示：不能超过10000分
r.toml:14:10: 栏目2的分值50000000000000000000000000000超过上限10000
  提示：不能超过10000分",
    );
}
