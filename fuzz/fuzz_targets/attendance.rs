#![no_main]
use std::sync::LazyLock;

use kaoping_core::units::Units;
use kaoping_core::Decimal;
use kaoping_formats::attendance::{read_attendance, read_exams, Month, Persons};
use libfuzzer_sys::fuzz_target;

static UNITS: LazyLock<Units> = LazyLock::new(|| {
    let text = include_str!("../../examples/jishengju-units.csv");
    kaoping_formats::read_units("units.csv", text.as_bytes()).expect("the shipped units are valid")
});

fuzz_target!(|data: &[u8]| {
    let persons = Persons::new(&UNITS);
    let _ = read_attendance("fuzz.csv", data, &persons, Month::new(2024, 1), |_| {});
    let _ = read_attendance("fuzz.csv", data, &persons, None, |_| {});
    let _ = read_exams(
        "fuzz.csv",
        data,
        &persons,
        (Decimal::ZERO, Decimal::ONE_HUNDRED),
        |_| {},
    );
});
