//! The proof: the seed's scheme A and scheme C tables, written by this test as real .docx and .xlsx files
//! in the seed's layout (栏目 · 分值 · 考核内容 · 评分标准 · 考核办法, merged 栏目 and 分值 cells, points as
//! `20分` and `(5分)`), import to rubrics that score every findings file exactly as the hand-written
//! rubric files under `rubrics/` do.

mod common;

use std::path::PathBuf;

use common::office::Sheet;
use kaoping_core::rubric::{Rubric, RuleKind};
use kaoping_core::units::Units;
use kaoping_formats::{parse_rubric, read_rubric_file, read_units, score_findings, write_rubric};
use kaoping_import::{import_file, ImportError, TableError};
use rust_xlsxwriter::{Format, Workbook};

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// One table row of the seed's layout.
struct Row {
    section: String,
    section_points: String,
    content: String,
    criteria: String,
    method: String,
}

/// The rubric laid out as the user's Word table: one row per item; pool items carry no points of their
/// own; flat sections (scheme C) are one row each.
fn seed_rows(rubric: &Rubric) -> Vec<Row> {
    let mut rows = Vec::new();
    for (si, s) in rubric.sections().iter().enumerate() {
        let items = rubric.section_items(si);
        let flat = items.len() == 1 && items[0].code == s.code;
        for item in items {
            let content = if s.pool || flat {
                item.content.clone()
            } else {
                format!("{}（{}分）", item.content, item.max.normalize())
            };
            rows.push(Row {
                section: s.title.clone(),
                section_points: format!("{}分", s.points.normalize()),
                content,
                criteria: item.criteria.clone(),
                method: item.method.clone(),
            });
        }
    }
    let bonus: Vec<&str> = rubric
        .bonus()
        .rules
        .iter()
        .map(|b| b.text.as_str())
        .collect();
    if !bonus.is_empty() {
        rows.push(Row {
            section: "增分因素".into(),
            section_points: String::new(),
            content: "增分因素".into(),
            criteria: bonus.join(";"),
            method: String::new(),
        });
    }
    rows
}

const HEADER: [&str; 5] = ["栏目", "分值", "考核内容", "评分标准", "考核办法"];

/// The rows as the seed's Word and Excel tables lay them out: a 栏目 and its 分值 merged down the rows of
/// the section, and a 总分 row at the end.
fn sheet_rows(rows: &[Row]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let continues = i > 0 && rows[i - 1].section == row.section;
            let merged = |text: &String| {
                if continues {
                    String::new()
                } else {
                    text.clone()
                }
            };
            vec![
                merged(&row.section),
                merged(&row.section_points),
                row.content.clone(),
                row.criteria.clone(),
                row.method.clone(),
            ]
        })
        .collect();
    out.push(vec![
        "总分".into(),
        "100分".into(),
        String::new(),
        String::new(),
        String::new(),
    ]);
    out
}

fn sheet<'a>(title: &'a str, header: &'a [String], rows: &'a [Vec<String>]) -> Sheet<'a> {
    Sheet {
        title,
        header,
        rows,
        merged: &[0, 1],
    }
}

fn header() -> Vec<String> {
    HEADER.iter().map(|h| h.to_string()).collect()
}

fn xlsx(title: &str, rows: &[Row]) -> Vec<u8> {
    sheet(title, &header(), &sheet_rows(rows)).xlsx()
}

fn docx(title: &str, rows: &[Row]) -> Vec<u8> {
    sheet(title, &header(), &sheet_rows(rows)).docx()
}

/// Every unit's total, sections and items, for comparison.
fn scores(rubric: &Rubric, units_csv: &str, findings: &str) -> Vec<String> {
    let mut units: Units = read_units("units.csv", units_csv.as_bytes()).unwrap();
    let results = score_findings(
        rubric,
        &mut units,
        false,
        "findings.csv",
        findings.as_bytes(),
        false,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    results
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {:?} {:?}",
                units.unit(r.unit).code,
                r.total,
                r.final_score,
                r.sections,
                r.items
            )
        })
        .collect()
}

/// Findings over every rule of the rubric, a few per unit, valid for its kind.
fn generated_findings(rubric: &Rubric, units_csv: &str) -> String {
    let mut out = String::from("unit,code,count,level,points,round,note\n");
    let codes: Vec<String> = units_csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .map(String::from)
        .collect();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for unit in &codes {
        for rule in rubric.rules() {
            if rule.applies_to == kaoping_core::rubric::AppliesTo::Group
                || rubric.items()[rule.item].inherit
            {
                continue;
            }
            let item = &rubric.items()[rule.item];
            let row = match &rule.kind {
                RuleKind::Fixed { .. } | RuleKind::Zero if next() % 4 == 0 => {
                    format!("{unit},{},,,,,", rule.code)
                }
                RuleKind::PerOccurrence { .. } | RuleKind::Progressive { .. }
                    if next() % 3 == 0 =>
                {
                    format!("{unit},{},{},,,,", rule.code, 1 + next() % 5)
                }
                RuleKind::Graded { levels } if next() % 2 == 0 => {
                    format!(
                        "{unit},{},,{},,,",
                        rule.code,
                        levels[(next() % levels.len() as u64) as usize].name
                    )
                }
                RuleKind::Discretionary => {
                    format!("{unit},{},,,{},,理由", rule.code, item.max.normalize())
                }
                RuleKind::Conversion { .. } => {
                    format!("{unit},{},,,{},,", rule.code, 60 + next() % 41)
                }
                RuleKind::Rate { .. } => format!("{unit},{},,,{}.5,,", rule.code, 88 + next() % 12),
                _ => continue,
            };
            out.push_str(&row);
            out.push('\n');
        }
    }
    out
}

fn check_scheme(rubric_file: &str, examples: &str) {
    let hand = read_rubric_file(&repo(&format!("rubrics/{rubric_file}"))).unwrap();
    let rows = seed_rows(&hand);
    let units = std::fs::read_to_string(repo(&format!("examples/{examples}-units.csv"))).unwrap();
    let example_findings =
        std::fs::read_to_string(repo(&format!("examples/{examples}-findings.csv"))).unwrap();
    let generated = generated_findings(&hand, &units);
    for (name, bytes) in [
        ("seed.xlsx", xlsx(hand.title(), &rows)),
        ("seed.docx", docx(hand.title(), &rows)),
    ] {
        let imported = import_file(name, &bytes, hand.title()).unwrap_or_else(|e| panic!("{e}"));
        // The import writes a rubric file that reads back: that is what the author reviews and saves.
        let text = write_rubric(&imported.spec);
        let rubric =
            parse_rubric("imported.toml", &text).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
        let hand_codes: Vec<&str> = hand.rules().iter().map(|r| r.code.as_str()).collect();
        let codes: Vec<&str> = rubric.rules().iter().map(|r| r.code.as_str()).collect();
        assert_eq!(
            codes, hand_codes,
            "{name}: imported rule codes match the hand-written file"
        );
        for findings in [&example_findings, &generated] {
            assert_eq!(
                scores(&rubric, &units, findings),
                scores(&hand, &units, findings),
                "{name}"
            );
        }
    }
}

#[test]
fn scheme_a_imports_from_word_and_excel_and_scores_as_written_by_hand() {
    check_scheme("dongli-2023.toml", "dongli");
}

#[test]
fn scheme_c_imports_from_word_and_excel_and_scores_as_written_by_hand() {
    check_scheme("jishengju-2023.toml", "jishengju");
}

#[test]
fn the_import_says_what_to_confirm_quoting_the_original_phrase() {
    let hand = read_rubric_file(&repo("rubrics/jishengju-2023.toml")).unwrap();
    let imported = import_file(
        "seed.xlsx",
        &xlsx(hand.title(), &seed_rows(&hand)),
        hand.title(),
    )
    .unwrap();
    let phrases: Vec<&str> = imported
        .to_confirm()
        .iter()
        .map(|(_, c)| c.phrase.as_str())
        .collect();
    assert!(
        phrases.contains(&"情节严重的,给予党政纪处分"),
        "{phrases:?}"
    );
    assert!(phrases.iter().any(|p| p.contains("折合")), "{phrases:?}");
}

#[test]
fn malformed_files_get_clear_errors() {
    let err = import_file("rubric.docx", b"this is not a zip", "x").unwrap_err();
    assert_eq!(
        err.to_string(),
        "rubric.docx: 不是有效的Word文件（文件内容不是 Office Open XML 压缩包），请用Word或Excel另存后重试"
    );
    let err = import_file("rubric.csv", "甲,乙\n1,2\n".as_bytes(), "x").unwrap_err();
    assert!(
        matches!(
            err,
            ImportError::Table {
                error: TableError::NoHeader,
                ..
            }
        ),
        "{err}"
    );
    let csv = "栏目,分值,考核内容,评分标准,考核办法\n重点指标,二十分整,保证完成任务,未完成扣20分,查记录\n";
    let err = import_file("rubric.csv", csv.as_bytes(), "x").unwrap_err();
    assert_eq!(
        err.to_string(),
        "rubric.csv: 第2行“分值”列的“二十分整”不是分值，应写成“20分”或“20”"
    );
    // A merged cell spanning header columns.
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet
        .merge_range(0, 0, 0, 1, "栏目", &Format::new())
        .unwrap();
    for (c, h) in ["考核内容", "评分标准"].iter().enumerate() {
        sheet.write_string(0, c as u16 + 2, *h).unwrap();
    }
    sheet.write_string(1, 2, "内容").unwrap();
    sheet.write_string(1, 3, "扣5分").unwrap();
    let err = import_file("rubric.xlsx", &book.save_to_buffer().unwrap(), "x").unwrap_err();
    assert_eq!(
        err.to_string(),
        "rubric.xlsx: 第1行表头的合并单元格跨越了第1～2列，无法判断各列含义；请拆分该单元格"
    );
}

#[test]
fn a_rubric_exported_to_excel_imports_back_to_the_same_rubric() {
    for (file, examples) in [
        ("dongli-2023.toml", "dongli"),
        ("jishengju-2023.toml", "jishengju"),
        ("village-2023.toml", "village"),
    ] {
        let hand = read_rubric_file(&repo(&format!("rubrics/{file}"))).unwrap();
        let bytes = kaoping_formats::xlsx::rubric_xlsx(&hand).unwrap();
        let imported = import_file("export.xlsx", &bytes, hand.title())
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let rubric = parse_rubric("roundtrip.toml", &write_rubric(&imported.spec)).unwrap();
        let codes = |r: &Rubric| {
            r.rules()
                .iter()
                .map(|x| (x.code.clone(), x.kind.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(codes(&rubric), codes(&hand), "{file}");
        let depts = |r: &Rubric| {
            r.items()
                .iter()
                .map(|i| i.department.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            depts(&rubric),
            depts(&hand),
            "{file}: owners survive the round trip"
        );
        let units =
            std::fs::read_to_string(repo(&format!("examples/{examples}-units.csv"))).unwrap();
        let findings =
            std::fs::read_to_string(repo(&format!("examples/{examples}-findings.csv"))).unwrap();
        assert_eq!(
            scores(&rubric, &units, &findings),
            scores(&hand, &units, &findings),
            "{file}"
        );
    }
}

#[test]
fn a_huge_table_is_refused_quickly_with_a_reason() {
    let mut csv = String::from("栏目,分值,考核内容,评分标准,考核办法\n");
    for i in 0..200_000 {
        csv.push_str(&format!("重点指标,20分,内容{i},扣1分,查记录\n"));
    }
    let err = import_file("big.csv", csv.as_bytes(), "x").unwrap_err();
    assert_eq!(
        err.to_string(),
        "big.csv: 表格有200000行，超过考评细则的上限2000行；请确认上传的是考评细则而不是考核记录"
    );
}

#[test]
fn findings_workbooks_read_as_the_same_csv() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["单位", "编号", "次数", "说明"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "D01").unwrap();
    sheet.write_string(1, 1, "1.4.2").unwrap();
    sheet.write_number(1, 2, 2.0).unwrap();
    sheet.write_string(1, 3, "两起,含逗号").unwrap();
    let csv =
        kaoping_import::findings_csv_from_xlsx("f.xlsx", &book.save_to_buffer().unwrap()).unwrap();
    assert_eq!(csv, "单位,编号,次数,说明\nD01,1.4.2,2,\"两起,含逗号\"\n");
    assert!(kaoping_import::findings_csv_from_xlsx("f.xlsx", b"plain text").is_err());
}

/// 达标得分 and 酌情扣分 rules leave through the rubric file and the Excel export and come back the same.
#[test]
fn earned_and_judged_rules_survive_the_rubric_file_and_the_excel_export() {
    let text = include_str!("../../../examples/earned-and-judged.toml");
    let hand = parse_rubric("earned.toml", text).unwrap();
    let kinds = |r: &Rubric| {
        r.rules()
            .iter()
            .map(|x| (x.code.clone(), x.kind.clone()))
            .collect::<Vec<_>>()
    };
    let bytes = kaoping_formats::xlsx::rubric_xlsx(&hand).unwrap();
    let imported = import_file("export.xlsx", &bytes, hand.title()).unwrap();
    let back = parse_rubric("roundtrip.toml", &write_rubric(&imported.spec)).unwrap();
    assert_eq!(kinds(&back), kinds(&hand));
    assert!(matches!(
        back.rules()[1].kind,
        RuleKind::Earned {
            max_count: None,
            ..
        }
    ));
}

/// An office types the section on every row instead of merging the cells: consecutive rows of one
/// section name are one section, with its points once.
#[test]
fn a_section_name_repeated_on_each_row_is_one_section() {
    let header: Vec<String> = ["考核项目", "分值", "考核内容", "计分办法"]
        .iter()
        .map(|h| h.to_string())
        .collect();
    let row = |s: &str, p: &str, c: &str, k: &str| vec![s.into(), p.into(), c.into(), k.into()];
    let rows = vec![
        row("党建工作（50分）", "20", "三会一课", "每缺一次扣2分"),
        row("党建工作（50分）", "30", "党费收缴", "未按时收缴扣3分"),
        row("组织工作（50分）", "25", "发展党员", "程序不规范扣5分"),
        row("组织工作（50分）", "25", "组织生活", "未开展不得分"),
    ];
    let sheet = Sheet {
        title: "重复栏目",
        header: &header,
        rows: &rows,
        merged: &[],
    };
    for (name, bytes) in [("t.docx", sheet.docx()), ("t.xlsx", sheet.xlsx())] {
        let imported = import_file(name, &bytes, "重复栏目").unwrap();
        let sections: Vec<(String, String, usize)> = imported
            .spec
            .sections
            .iter()
            .map(|s| (s.title.clone(), s.points.to_string(), s.items.len()))
            .collect();
        assert_eq!(
            sections,
            [
                ("党建工作".to_string(), "50".to_string(), 2),
                ("组织工作".to_string(), "50".to_string(), 2)
            ],
            "{name}"
        );
        parse_rubric("t.toml", &write_rubric(&imported.spec)).unwrap();
    }
}
