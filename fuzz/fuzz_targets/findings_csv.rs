#![no_main]
use kaoping_core::units::Units;
use libfuzzer_sys::fuzz_target;

const RUBRIC: &str = include_str!("../../rubrics/village-2023.toml");

fuzz_target!(|data: &[u8]| {
    let rubric = kaoping_formats::parse_rubric("village.toml", RUBRIC).expect("the shipped rubric is valid");
    let mut units = Units::new();
    let _ = kaoping_formats::score_findings(&rubric, &mut units, true, "fuzz.csv", data, true);
});
