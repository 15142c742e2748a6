//! Reading a large findings file on several threads gives exactly what one thread gives: the same scores,
//! the same traces, the same errors on the same lines.

mod support;

use kaoping_core::rubric::Rubric;
use kaoping_core::score::{Detail, UnitResult};
use kaoping_core::units::Units;
use kaoping_formats::{score_findings, score_findings_bytes, FindingsError};
use support::*;

/// Scores `text` (units registered as found) split across `threads` threads.
fn in_parts(
    rubric: &Rubric,
    units: &mut Units,
    text: &str,
    detail: Detail,
    threads: usize,
) -> Result<Vec<UnitResult>, FindingsError> {
    score_findings_bytes(
        rubric,
        units,
        true,
        "f.csv",
        text.as_bytes(),
        detail,
        threads,
    )
}

/// A deterministic file of about `rows` findings over `units` units, large enough to be split.
fn findings(rows: usize, units: usize, bad_every: Option<usize>) -> String {
    let codes = [
        "1.4.2", "1.2.3", "2.1", "3.2.1", "4.4.2", "1.1.2", "3.4.1", "5.3.2", "1.3.2",
    ];
    let mut out = String::from("unit,code,count,level,points,round,note\n");
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for u in 0..units {
        out.push_str(&format!(
            "U{u:05},6.1,,,4.5,,完成\nU{u:05},7.1,,,3,,有特色\n"
        ));
    }
    for i in 0..rows {
        let unit = next() as usize % units;
        let code = codes[next() as usize % codes.len()];
        let count = match code {
            "1.1.2" | "3.4.1" => String::new(),
            _ => (1 + next() % 3).to_string(),
        };
        if bad_every.is_some_and(|n| i % n == n - 1) {
            out.push_str(&format!("U{unit:05},9.9,,,,,不存在的编号\n"));
        } else {
            out.push_str(&format!("U{unit:05},{code},{count},,,,记录{i}\n"));
        }
    }
    out
}

#[test]
fn parallel_and_sequential_reads_score_identically() {
    let rubric = rubric_file("dongli-2023.toml");
    let text = findings(250_000, 3_000, None);
    assert!(
        text.len() > 4 << 20,
        "the file must be large enough to be split"
    );
    let mut seq_units = Units::new();
    let sequential = score_findings(
        &rubric,
        &mut seq_units,
        true,
        "f.csv",
        text.as_bytes(),
        true,
    )
    .unwrap();
    for threads in [2, 3] {
        let mut units = Units::new();
        let parallel = in_parts(&rubric, &mut units, &text, Detail::Trace, threads).unwrap();
        assert_eq!(
            sheet(&rubric, &units, &parallel),
            sheet(&rubric, &seq_units, &sequential),
            "{threads} threads"
        );
        let codes = |u: &Units| u.units().iter().map(|x| x.code.clone()).collect::<Vec<_>>();
        assert_eq!(
            codes(&units),
            codes(&seq_units),
            "units registered in first-seen order"
        );
    }
}

#[test]
fn parallel_reads_report_the_same_errors_on_the_same_lines() {
    let rubric = rubric_file("dongli-2023.toml");
    let mut text = findings(250_000, 3_000, Some(5_000));
    // A second discretionary entry far from the first: the conflict spans the split.
    text.push_str("U00007,6.1,,,2,,重复录入\n");
    let mut units = Units::new();
    let sequential =
        score_findings(&rubric, &mut units, true, "f.csv", text.as_bytes(), false).unwrap_err();
    let mut units = Units::new();
    let parallel = in_parts(&rubric, &mut units, &text, Detail::Items, 2).unwrap_err();
    assert_eq!(parallel.to_string(), sequential.to_string());
    assert!(sequential.to_string().ends_with(
        "f.csv:256002: 规则6.1.1在轮次“年度考评”已有一条给分记录（见第16行），同一轮次只能有一条"
    ));
}

/// A plain row whose note is not UTF-8, in the last part of a file whose other notes are: the part is
/// not UTF-8 throughout, so its notes are checked one by one, and the row is refused on its line as on
/// one thread.
#[test]
fn a_note_that_is_not_utf8_is_refused_on_its_line_on_any_number_of_threads() {
    let rubric = rubric_file("dongli-2023.toml");
    let mut text = findings(250_000, 3_000, None).into_bytes();
    text.extend_from_slice(b"U00007,3.2.1,1,,,,\xE8\xAE\xB0\xFF\n");
    let run = |threads: usize| {
        let mut units = Units::new();
        score_findings_bytes(
            &rubric,
            &mut units,
            true,
            "f.csv",
            &text,
            Detail::Items,
            threads,
        )
        .unwrap_err()
        .to_string()
    };
    let sequential = run(1);
    assert_eq!(sequential, "f.csv:256002: “说明”列不是UTF-8编码的文字");
    assert_eq!(run(2), sequential);
    assert_eq!(run(3), sequential);
}

/// A plain entry (added only once the parts are merged) and two later entries for the same rule that
/// are not plain (不适用, resolved as they are read), one in the same part and one in the last: each later
/// one is reported against the plain one, as on one thread, though the last met the second first.
#[test]
fn a_plain_entry_added_late_is_still_the_first() {
    let rubric = rubric_file("dongli-2023.toml");
    let mut text = findings(250_000, 3_000, None);
    let at = text.match_indices('\n').nth(19_998).unwrap().0 + 1;
    text = format!(
        "{}U00007,6.1,,不适用,,,不参加{}",
        &text[..at],
        &text[at - 1..]
    );
    text.push_str("U00007,6.1,,不适用,,,又一次\n");
    let error = same_on_any_threads(&rubric, &text, &[2, 3], Detail::Items).unwrap();
    assert_eq!(
        error,
        "f.csv:20000: 规则6.1.1在轮次“年度考评”已有一条给分记录（见第16行），同一轮次只能有一条\n\
         f.csv:256003: 规则6.1.1在轮次“年度考评”已有一条给分记录（见第16行），同一轮次只能有一条"
    );
}

/// Three entries for one discretionary rule, the first in the first part and the two others in the last:
/// each later one is reported against the first, as one thread reports it.
#[test]
fn a_third_entry_is_reported_against_the_first_on_any_number_of_threads() {
    let rubric = rubric_file("dongli-2023.toml");
    let mut text = findings(250_000, 3_000, None);
    text.push_str("U00007,6.1,,,2,,重复录入\nU00007,6.1,,,1,,再次录入\n");
    let error = same_on_any_threads(&rubric, &text, &[2, 3, 4], Detail::Items).unwrap();
    assert!(error.contains("f.csv:256002: 规则6.1.1在轮次“年度考评”已有一条给分记录（见第16行）"));
    assert!(error.ends_with("f.csv:256003: 规则6.1.1在轮次“年度考评”已有一条给分记录（见第16行），同一轮次只能有一条"), "{error}");
}

/// The same file with a quoted note on every `every`-th finding row: a comma, a line break and an
/// escaped quote inside (as Excel writes a ledger's remarks).
fn with_quoted_notes(text: &str, every: usize) -> String {
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i > 0 && i % every == 0 {
            let cut = line.rfind(',').expect("a note column");
            out.push_str(&line[..=cut]);
            out.push_str("\"整改不到位, 第二次检查\n仍未完成（“台账”写作\"\"台账\"\"）\"\n");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Scores `text` on one thread, then on each of `threads` with results carrying `detail`, expecting the
/// same reports with units registered in the same order, or the same errors. Returns the one-thread error.
fn same_on_any_threads(
    rubric: &Rubric,
    text: &str,
    threads: &[usize],
    detail: Detail,
) -> Option<String> {
    let mut seq_units = Units::new();
    let sequential = score_findings(
        rubric,
        &mut seq_units,
        true,
        "f.csv",
        text.as_bytes(),
        false,
    );
    let codes = |u: &Units| u.units().iter().map(|x| x.code.clone()).collect::<Vec<_>>();
    for &threads in threads {
        let mut units = Units::new();
        match (
            &sequential,
            in_parts(rubric, &mut units, text, detail, threads),
        ) {
            (Ok(a), Ok(b)) => {
                assert_eq!(
                    sheet(rubric, &seq_units, a),
                    sheet(rubric, &units, &b),
                    "{threads} threads"
                );
                assert_eq!(codes(&units), codes(&seq_units), "first-seen order");
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{threads} threads"),
            (a, b) => panic!(
                "one thread: {:?}, {threads} threads: {:?}",
                a.is_ok(),
                b.is_ok()
            ),
        }
    }
    sequential.err().map(|e| e.to_string())
}

#[test]
fn quoted_notes_with_commas_and_line_breaks_are_split_across_threads_outside_their_quotes() {
    let text = with_quoted_notes(&findings(250_000, 3_000, None), 7);
    assert!(text.len() > 4 << 20);
    let dongli = rubric_file("dongli-2023.toml");
    same_on_any_threads(&dongli, &text, &[2, 3, 4], Detail::Items);
    // Errors after notes that span lines keep their line numbers.
    let text = with_quoted_notes(&findings(250_000, 3_000, Some(4_999)), 7);
    same_on_any_threads(&dongli, &text, &[2, 3], Detail::Items);
}

#[test]
fn a_stray_quote_that_miscounts_the_split_is_caught_and_the_file_read_on_one_thread() {
    // A `"` inside an unquoted field is an ordinary character, but it makes the quotes before every later
    // line end odd in number: the first line end inside a quoted note then looks like a place to split.
    let text = findings(250_000, 3_000, None);
    let mut lines: Vec<&str> = text.lines().collect();
    let stray = "U00002,1.4.2,1,,,,长12\"的管子";
    lines.insert(1, stray);
    let text = lines.join("\n") + "\n";
    let half = text.len() / 2;
    let (head, tail) = text.split_at(half + text[half..].find('\n').expect("a line end") + 1);
    let text = format!("{head}{}", with_quoted_notes(tail, 50));
    let rubric = rubric_file("dongli-2023.toml");
    same_on_any_threads(&rubric, &text, &[2, 3], Detail::Items);
    let mut units = Units::new();
    let results =
        in_parts(&rubric, &mut units, &text, Detail::Items, 2).expect("the file is valid");
    assert_eq!(results.len(), 3_000);
}

#[test]
fn not_applicable_and_a_raw_score_far_apart_conflict_on_any_number_of_threads() {
    let rubric = rubric_file("jishengju-2023.toml");
    let mut text =
        String::from("unit,code,count,level,points,round,note\nJ01,2,,不适用,,,不述职\n");
    for i in 0..250_000 {
        text.push_str(&format!("J{:02},4.2,1,,,,迟到{i}\n", 2 + i % 9));
    }
    text.push_str("J01,2,,,80,,述职得分\n");
    assert!(text.len() > 4 << 20);
    let mut units = Units::new();
    let sequential =
        score_findings(&rubric, &mut units, true, "f.csv", text.as_bytes(), false).unwrap_err();
    let mut units = Units::new();
    let parallel = in_parts(&rubric, &mut units, &text, Detail::Items, 2).unwrap_err();
    assert_eq!(parallel.to_string(), sequential.to_string());
    assert_eq!(
        sequential.to_string(),
        "f.csv:250003: 规则2.1在轮次“年度考评”已有一条给分记录（见第2行），同一轮次只能有一条"
    );
}

#[test]
fn two_groups_scoring_one_members_inherited_item_conflict_on_the_same_line_on_any_number_of_threads(
) {
    let rubric = rubric_file("jishengju-2023.toml");
    let units_csv =
        "code,name,group,member_of\nJ01,甲,,办公室;统计科\nJ02,乙,,办公室\nJ03,丙,,统计科\n";
    let mut text =
        String::from("unit,code,count,level,points,round,note\n办公室,6,,,90,,卫生检查\n");
    for i in 0..250_000 {
        text.push_str(&format!("J0{},4.2,1,,,,迟到{i}\n", 2 + i % 2));
    }
    text.push_str("统计科,6,,,80,,卫生检查\n");
    assert!(text.len() > 4 << 20);
    let run = |threads: usize| {
        let mut units = kaoping_formats::read_units("u.csv", units_csv.as_bytes()).unwrap();
        score_findings_bytes(
            &rubric,
            &mut units,
            false,
            "f.csv",
            text.as_bytes(),
            Detail::Items,
            threads,
        )
        .unwrap_err()
        .to_string()
    };
    let sequential = run(1);
    assert_eq!(run(2), sequential);
    assert!(
        sequential.starts_with("f.csv:250003: “J01”同时属于“办公室”和“统计科”"),
        "{sequential}"
    );
}

/// A file of `rows` findings on every rule of `rubric` in every shape a row comes in: plain rows (a unit,
/// a counting rule, its count) most of all, and among them rows the fast reader must leave to the
/// resolver or refuse as it would: item codes, explicit and blank rounds, quoted fields, CRLF line ends,
/// blank lines, groups, counts written `+2` or `0`, a level on a fixed rule, extra columns, unknown codes.
/// With `errors`, some of these are wrong.
fn every_shape(rubric: &Rubric, rows: usize, units: usize, errors: bool) -> String {
    use kaoping_core::rubric::RuleKind;
    let rounds: Vec<&str> = rubric.rounds().iter().map(|r| r.name.as_str()).collect();
    let rules: Vec<(&str, bool)> = rubric
        .rules()
        .iter()
        .filter_map(|r| match r.kind {
            RuleKind::Fixed { .. } | RuleKind::Zero => Some((r.code.as_str(), false)),
            RuleKind::PerOccurrence { .. } | RuleKind::Progressive { .. } => {
                Some((r.code.as_str(), true))
            }
            _ => None,
        })
        .collect();
    let single_rule_items: Vec<(&str, bool)> = rubric
        .items()
        .iter()
        .filter(|i| i.rules.len() == 1)
        .filter_map(|i| {
            rules
                .iter()
                .find(|(code, _)| *code == rubric.rules()[i.rules.start].code)
                .map(|&(_, counted)| (i.code.as_str(), counted))
        })
        .collect();
    // Score-setting rules of a unit's own: graded (its levels) and discretionary (its item's points).
    let entries: Vec<(&str, Vec<&str>, String)> = rubric
        .rules()
        .iter()
        .filter(|r| r.applies_to != kaoping_core::rubric::AppliesTo::Group)
        .filter_map(|r| {
            let max = rubric.items()[r.item].max.to_string();
            match &r.kind {
                RuleKind::Graded { levels } => Some((
                    r.code.as_str(),
                    levels.iter().map(|l| l.name.as_str()).collect(),
                    max,
                )),
                RuleKind::Discretionary => Some((r.code.as_str(), Vec::new(), max)),
                _ => None,
            }
        })
        .collect();
    let mut entered = std::collections::HashSet::new();
    // Columns in an unusual order, with a column without a header.
    let mut out = String::from("note,round,code,unit,count,,level,points\n");
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for i in 0..rows {
        let unit = format!("U{:05}", next() as usize % units);
        let (code, counted) = rules[next() as usize % rules.len()];
        let count = if counted {
            (1 + next() % 3).to_string()
        } else {
            String::new()
        };
        let round = if rounds.len() == 1 && next() % 2 == 0 {
            ""
        } else {
            rounds[next() as usize % rounds.len()]
        };
        let line = match next() % 40 {
            0 => format!("\"说明, 有逗号\",{round},{code},{unit},{count},,\r\n"),
            1 => format!("\"\"\"引号\"\"\",\"{round}\",\"{code}\",\"{unit}\",\"{count}\",,\n"),
            2 => "\n , ,,,,,\n".to_string(),
            3 if counted => format!(",{round},{code},{unit},+{count},,\n"),
            4 => {
                let (item, counted) = single_rule_items[next() as usize % single_rule_items.len()];
                let count = if counted { "1" } else { "" };
                format!("按评分项,{round},{item},{unit},{count},,\n")
            }
            5 => format!("第一行\"\",{round},{code},{unit},{count},,\n"),
            6 => format!(" 有空格 , {round} , {code} , {unit} , {count} ,,\n"),
            7 if errors => format!(",{round},{code},{unit},0,,\n"),
            8 if errors => format!(",{round},{code},{unit},{count},,好\n"),
            9 if errors => format!(",{round},{code},{unit},{count},多余,,多余\n"),
            10 if errors => format!(",{round},9.9.9,{unit},{count},,\n"),
            11 if errors => format!(",无此轮次,{code},{unit},{count},,\n"),
            12 => format!("记录{i},{round},{code},{unit},{count},,\n"),
            13 => format!("\"跨行的\n说明\",{round},{code},{unit},{count},,\n"),
            // A score-setting entry, once per unit, round and rule unless errors are wanted; some of
            // them wrong in each way the resolver refuses.
            14..=17 if !entries.is_empty() => {
                let (code, levels, max) = &entries[next() as usize % entries.len()];
                // A blank round is the only one.
                let key = (unit.clone(), round.max(rounds[0]), *code);
                if !entered.insert(key) && !errors {
                    continue;
                }
                let wrong = if errors { next() % 8 } else { 8 };
                match (levels.is_empty(), wrong) {
                    (false, 0) => format!(",{round},{code},{unit},,,无此档次,\n"),
                    (false, 1) => format!(",{round},{code},{unit},1,,{},\n", levels[0]),
                    (false, 2) => format!(",{round},{code},{unit},,,,\n"),
                    (false, _) => {
                        let level = levels[next() as usize % levels.len()];
                        format!("理由{i},{round},{code},{unit},,, {level} ,\n")
                    }
                    (true, 0) => format!("超出,{round},{code},{unit},,,,{max}.5\n"),
                    (true, 1) => format!(",{round},{code},{unit},,,,1\n"),
                    (true, 2) => format!("小数,{round},{code},{unit},,,,0.12345\n"),
                    (true, 3) => format!("不适用的理由,{round},{code},{unit},,,不适用,\n"),
                    (true, _) => {
                        let points = ["0", "1.5", max.as_str(), "2分"][next() as usize % 4];
                        format!("\"理由, {i}\",{round},{code},{unit},,,,{points}\n")
                    }
                }
            }
            _ => format!(",{round},{code},{unit},{count},,\n"),
        };
        out.push_str(&line);
    }
    out
}

#[test]
fn rows_of_every_shape_read_on_threads_as_on_one() {
    for (name, errors) in [
        ("dongli-2023.toml", false),
        ("village-2023.toml", false),
        ("dongli-2023.toml", true),
    ] {
        let rubric = rubric_file(name);
        let text = every_shape(&rubric, 200_000, 2_000, errors);
        assert!(text.len() > 4 << 20, "{name}: large enough to be split");
        let error = same_on_any_threads(&rubric, &text, &[2, 3], Detail::Totals);
        assert_eq!(
            error.is_some(),
            errors,
            "{name}: {:?}",
            error.as_deref().and_then(|e| e.lines().next())
        );
    }
}

#[test]
fn unknown_units_of_a_unit_list_are_reported_on_their_lines_on_any_number_of_threads() {
    let rubric = rubric_file("dongli-2023.toml");
    let mut units_csv = String::from("code,name\n");
    for u in 0..1_500 {
        units_csv.push_str(&format!("U{u:05},第{u}支部\n"));
    }
    // Units U00000 … U01999 are named; the last 500 are not on the list, and a group code is one row.
    let text = every_shape(&rubric, 200_000, 2_000, false);
    let run = |threads: usize| {
        let mut units = kaoping_formats::read_units("u.csv", units_csv.as_bytes()).unwrap();
        score_findings_bytes(
            &rubric,
            &mut units,
            false,
            "f.csv",
            text.as_bytes(),
            Detail::Totals,
            threads,
        )
        .unwrap_err()
        .to_string()
    };
    let sequential = run(1);
    assert!(sequential.contains("不在单位名单中"), "{sequential}");
    assert!(
        sequential.contains("……另有"),
        "more than 200 rows are wrong"
    );
    for threads in [2, 3] {
        assert_eq!(run(threads), sequential, "{threads} threads");
    }
}
