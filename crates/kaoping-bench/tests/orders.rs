//! Row order does not matter: the same findings grouped by unit, shuffled as a ledger export in time order
//! is, or split across threads give byte-identical CSV and JSON reports. (Traces cite line numbers, which
//! move with the rows, so the reports compared are the ones without traces.) Results made without item
//! scores (`Detail::Totals`, what `kaoping score` uses for CSV) give the same CSV.

use std::path::PathBuf;

use kaoping_bench::{generate, shuffle_lines, wide_rubric, Plan};
use kaoping_core::rubric::Rubric;
use kaoping_core::score::Detail;
use kaoping_core::units::Units;
use kaoping_formats::report::{write_csv, write_json};
use kaoping_formats::{score_findings, score_findings_bytes};
use proptest::prelude::*;

fn rubric(path: &str) -> Rubric {
    if path == WIDE {
        let text = wide_rubric(200).expect("wide rubric");
        return kaoping_formats::parse_rubric("wide.toml", &text).expect("wide rubric parses");
    }
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path);
    kaoping_formats::read_rubric_file(&full).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn generated(rubric: &Rubric, units: u64, findings: u64, seed: u64, notes: bool) -> Vec<u8> {
    let plan = Plan::new(rubric).expect("plan");
    let plan = if notes {
        plan.with_notes_everywhere()
    } else {
        plan
    };
    let mut out = Vec::new();
    generate(&plan, units, findings, seed, &mut out).expect("generate");
    out
}

/// The CSV and JSON reports of a file, read on `threads` threads.
fn reports(rubric: &Rubric, csv: &[u8], threads: usize) -> (String, String) {
    let mut units = Units::new();
    let results = if threads == 1 {
        score_findings(rubric, &mut units, true, "f.csv", csv, false)
    } else {
        score_findings_bytes(
            rubric,
            &mut units,
            true,
            "f.csv",
            csv,
            Detail::Items,
            threads,
        )
    }
    .expect("the generated file scores");
    let mut csv_out = Vec::new();
    write_csv(&mut csv_out, rubric, &units, &results).expect("csv");
    let mut json_out = Vec::new();
    write_json(&mut json_out, rubric, &units, &results).expect("json");
    let csv_out = String::from_utf8(csv_out).expect("utf-8");
    if threads > 1 {
        assert!(
            totals_csv(rubric, csv, threads) == csv_out,
            "the totals-only CSV differs"
        );
    }
    (csv_out, String::from_utf8(json_out).expect("utf-8"))
}

/// The CSV report of results made without item scores (`Detail::Totals`, what `kaoping score` uses), on
/// `threads` threads.
fn totals_csv(rubric: &Rubric, csv: &[u8], threads: usize) -> String {
    let mut units = Units::new();
    let totals = score_findings_bytes(
        rubric,
        &mut units,
        true,
        "f.csv",
        csv,
        Detail::Totals,
        threads,
    )
    .expect("the generated file scores");
    assert!(totals.iter().all(|r| r.items.is_empty()));
    let mut out = Vec::new();
    write_csv(&mut out, rubric, &units, &totals).expect("csv");
    String::from_utf8(out).expect("utf-8")
}

/// The body's lines in reverse, header first: another order nobody would choose.
fn reversed(csv: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(csv).expect("utf-8");
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let mut body: Vec<&str> = lines.collect();
    body.reverse();
    let mut out = format!("{header}\n");
    for line in body {
        out.push_str(line);
        out.push('\n');
    }
    out.into_bytes()
}

/// The synthetic rubric of `kaoping-bench-wide-rubric`, with 200 rules: pool sections, and items most
/// units are never found on.
const WIDE: &str = "wide";

const RUBRICS: [&str; 4] = [
    "rubrics/dongli-2023.toml",
    "rubrics/village-2023.toml",
    "bench/testdata/mixed.toml",
    WIDE,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn grouped_shuffled_and_reversed_files_give_identical_reports(
        which in 0..RUBRICS.len(),
        units in 1u64..40,
        extra in 0u64..30,
        seed in any::<u64>(),
        notes in any::<bool>(),
    ) {
        let rubric = rubric(RUBRICS[which]);
        let per_unit = Plan::new(&rubric).expect("plan").required_per_unit() + extra;
        let grouped = generated(&rubric, units, units * per_unit, seed, notes);
        let expected = reports(&rubric, &grouped, 1);
        let shuffled = shuffle_lines(&grouped, seed);
        prop_assert_eq!(&reports(&rubric, &shuffled, 1), &expected);
        prop_assert_eq!(&reports(&rubric, &shuffled, 2), &expected);
        prop_assert_eq!(&reports(&rubric, &reversed(&grouped), 1), &expected);
    }
}

#[test]
fn a_shuffled_file_split_across_threads_reports_as_the_grouped_file() {
    let rubric = rubric("rubrics/dongli-2023.toml");
    // Large enough to be split (score_findings_bytes reads files under 4 MB on one thread).
    let grouped = generated(&rubric, 2_000, 200_000, 11, true);
    assert!(grouped.len() > 4 << 20, "{} bytes", grouped.len());
    let shuffled = shuffle_lines(&grouped, 11);
    let expected = reports(&rubric, &grouped, 1);
    for threads in [1, 2, 3] {
        assert!(
            reports(&rubric, &shuffled, threads) == expected,
            "shuffled, {threads} threads"
        );
    }
    assert!(
        reports(&rubric, &grouped, 2) == expected,
        "grouped, 2 threads"
    );
}

#[test]
fn shuffling_keeps_every_line_and_the_header_first() {
    let rubric = rubric("rubrics/dongli-2023.toml");
    let grouped = generated(&rubric, 50, 5_000, 3, false);
    let shuffled = shuffle_lines(&grouped, 3);
    assert_eq!(shuffled.len(), grouped.len());
    let mut a: Vec<&[u8]> = grouped.split(|&b| b == b'\n').collect();
    let mut b: Vec<&[u8]> = shuffled.split(|&b| b == b'\n').collect();
    assert_eq!(a[0], b[0], "the header stays first");
    assert_ne!(a, b);
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b, "the same lines");
}

/// With 1,000 rules and 12,000 units a partition's units × rules are too many for the reader's table of
/// sums, and it sums them by sorting instead: the same report. (Totals only: 12 million item scores
/// would make the test slow for nothing.)
#[test]
fn a_wide_rubric_sums_its_partitions_by_sorting_with_the_same_report() {
    let text = wide_rubric(1_000).expect("wide rubric");
    let rubric = kaoping_formats::parse_rubric("wide.toml", &text).expect("wide rubric parses");
    let grouped = generated(&rubric, 12_000, 250_000, 5, false);
    assert!(grouped.len() > 4 << 20, "{} bytes", grouped.len());
    let shuffled = shuffle_lines(&grouped, 5);
    assert!(totals_csv(&rubric, &shuffled, 2) == totals_csv(&rubric, &grouped, 1));
}
