//! The generator's files are what Kaoping accepts: every row resolves, no unit is left incomplete, and the
//! same seed gives the same bytes. (Correctness only; speed is measured by bench/run.sh.)

use std::path::PathBuf;

use kaoping_bench::{generate, write_units, Plan, HEADER};
use kaoping_core::finding::Resolver;
use kaoping_core::rubric::Rubric;
use kaoping_core::score::Scorer;
use kaoping_core::units::Units;

fn rubric(path: &str) -> Rubric {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path);
    kaoping_formats::read_rubric_file(&full).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn generated(rubric: &Rubric, units: u64, findings: u64, seed: u64) -> Vec<u8> {
    let plan = Plan::new(rubric).expect("plan");
    let mut out = Vec::new();
    let stats = generate(&plan, units, findings, seed, &mut out).expect("generate");
    assert_eq!(stats.units, units);
    assert_eq!(stats.findings, findings);
    out
}

const RUBRICS: [&str; 3] = [
    "rubrics/dongli-2023.toml",
    "rubrics/village-2023.toml",
    "bench/testdata/mixed.toml",
];

#[test]
fn kaoping_accepts_every_generated_row() {
    for path in RUBRICS {
        let rubric = rubric(path);
        let csv = generated(&rubric, 37, 3_001, 7);
        assert!(csv.starts_with(HEADER.as_bytes()));
        let mut units = Units::new();
        let resolver = Resolver::new(&rubric, true);
        let mut scorer = Scorer::new(&rubric);
        let rows = kaoping_formats::read_findings(path, &csv[..], |input, line| {
            let finding = resolver
                .resolve(&mut units, input, line)
                .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>())?;
            scorer.add(&units, finding).map_err(|e| vec![e.to_string()])
        })
        .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(rows, 3_001, "{path}");
        assert_eq!(units.len(), 37, "{path}");
        for result in scorer.finish(&units) {
            assert!(
                result.incomplete.is_empty(),
                "{path}: a unit lacks a discretionary entry"
            );
        }
    }
}

#[test]
fn the_seed_decides_the_bytes() {
    let rubric = rubric("rubrics/village-2023.toml");
    let a = generated(&rubric, 10, 500, 42);
    assert_eq!(a, generated(&rubric, 10, 500, 42));
    assert_ne!(a, generated(&rubric, 10, 500, 43));
}

#[test]
fn findings_are_spread_evenly_in_unit_order() {
    let rubric = rubric("rubrics/dongli-2023.toml");
    let csv = String::from_utf8(generated(&rubric, 3, 31, 1)).expect("utf-8");
    let units: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap_or(""))
        .collect();
    assert_eq!(units.iter().filter(|u| **u == "U000001").count(), 11);
    assert_eq!(units.iter().filter(|u| **u == "U000002").count(), 10);
    assert_eq!(units.iter().filter(|u| **u == "U000003").count(), 10);
    assert!(units.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn too_few_findings_for_the_required_entries_is_refused() {
    let rubric = rubric("rubrics/village-2023.toml");
    let plan = Plan::new(&rubric).expect("plan");
    // Two discretionary rules in two rounds: four entries a unit at least.
    assert_eq!(plan.required_per_unit(), 4);
    assert!(plan.check(10, 39).is_err());
    assert!(plan.check(10, 40).is_ok());
    assert!(plan.check(0, 40).is_err());
}

#[test]
fn the_unit_register_matches_the_findings() {
    let mut out = Vec::new();
    write_units(3, &mut out).expect("write");
    let units = kaoping_formats::read_units("units.csv", &out[..]).expect("Kaoping reads it");
    assert_eq!(units.len(), 3);
    assert!(units.find("U000003").is_some());
}
