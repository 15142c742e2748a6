//! Reading a large findings file on several threads gives exactly what one thread gives: the same scores,
//! the same traces, the same errors on the same lines.

mod support;

use kaoping_core::score::Detail;
use kaoping_core::units::Units;
use kaoping_formats::{score_findings, score_findings_bytes};
use support::*;

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
        let parallel = score_findings_bytes(
            &rubric,
            &mut units,
            true,
            "f.csv",
            text.as_bytes(),
            Detail::Trace,
            threads,
        )
        .unwrap();
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
    let parallel = score_findings_bytes(
        &rubric,
        &mut units,
        true,
        "f.csv",
        text.as_bytes(),
        Detail::Items,
        2,
    )
    .unwrap_err();
    assert_eq!(parallel.to_string(), sequential.to_string());
    assert!(sequential.to_string().ends_with(
        "f.csv:256002: 规则6.1.1在轮次“年度考评”已有一条给分记录（见第16行），同一轮次只能有一条"
    ));
}

#[test]
fn quoted_fields_are_read_on_one_thread_so_line_breaks_in_notes_stay_inside_their_row() {
    let rubric = rubric_file("dongli-2023.toml");
    let mut text = findings(250_000, 3_000, None);
    text.push_str("U00001,1.4.3,,,,,\"两行\n说明\"\n");
    let mut units = Units::new();
    let results = score_findings_bytes(
        &rubric,
        &mut units,
        true,
        "f.csv",
        text.as_bytes(),
        Detail::Trace,
        2,
    )
    .unwrap();
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
    let parallel = score_findings_bytes(
        &rubric,
        &mut units,
        true,
        "f.csv",
        text.as_bytes(),
        Detail::Items,
        2,
    )
    .unwrap_err();
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
