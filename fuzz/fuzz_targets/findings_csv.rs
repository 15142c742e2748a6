#![no_main]
use std::sync::LazyLock;

use kaoping_core::rubric::Rubric;
use kaoping_core::units::Units;
use libfuzzer_sys::fuzz_target;

static RUBRIC: LazyLock<Rubric> = LazyLock::new(|| {
    let text = include_str!("../../rubrics/village-2023.toml");
    kaoping_formats::parse_rubric("village.toml", text).expect("the shipped rubric is valid")
});

fuzz_target!(|data: &[u8]| {
    let mut units = Units::new();
    let _ = kaoping_formats::score_findings(&RUBRIC, &mut units, true, "fuzz.csv", data, true);
    let mut units = Units::new();
    let _ = kaoping_formats::score_findings_bytes(
        &RUBRIC,
        &mut units,
        true,
        "fuzz.csv",
        data,
        kaoping_core::score::Detail::Totals,
        2,
    );
});
