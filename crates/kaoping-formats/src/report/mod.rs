//! Score reports: JSON (with the full trace), CSV (one row per unit) and a text table for the terminal.
//! The JSON and CSV layouts are public formats other tools read (`docs/score-json.md`).

mod json;
mod table;

use std::fmt::Write as _;
use std::io::{self, Write};

use kaoping_core::rubric::Rubric;
use kaoping_core::score::UnitResult;
use kaoping_core::units::Units;
use kaoping_core::Decimal;

pub use json::{results_json, write_json};
pub use table::{write_rubric_table, write_table};

/// Points as people write them: `97.5`, `100`, never `97.50` or `97.49999`.
pub fn points(d: Decimal) -> String {
    d.normalize().to_string()
}

/// Results in ranking order: by ranking group, then rank, then unit code.
pub fn ranked<'a>(units: &Units, results: &'a [UnitResult]) -> Vec<&'a UnitResult> {
    let mut order: Vec<&UnitResult> = results.iter().collect();
    order.sort_by(|a, b| {
        let (ua, ub) = (units.unit(a.unit), units.unit(b.unit));
        (&ua.ranking_group, a.rank, &ua.code).cmp(&(&ub.ranking_group, b.rank, &ub.code))
    });
    order
}

/// One CSV row per unit: `unit,name,group,rank,total,bonus,final,pass,grade,incomplete`, then one column
/// per section, headed by the section code.
///
/// # Errors
/// Writing failed.
pub fn write_csv<W: Write>(
    out: W,
    rubric: &Rubric,
    units: &Units,
    results: &[UnitResult],
) -> io::Result<()> {
    let mut w = csv::WriterBuilder::new()
        .buffer_capacity(1 << 20)
        .from_writer(out);
    let mut header: Vec<String> = [
        "unit",
        "name",
        "group",
        "rank",
        "total",
        "bonus",
        "final",
        "pass",
        "grade",
        "incomplete",
    ]
    .map(String::from)
    .to_vec();
    header.extend(rubric.sections().iter().map(|s| s.code.clone()));
    w.write_record(&header)?;
    // One reused buffer for every number: a report of 100,000 units makes no allocation per field.
    let mut buf = String::new();
    let mut number = |w: &mut csv::Writer<W>, d: Decimal| {
        buf.clear();
        let _ = write!(buf, "{}", d.normalize());
        w.write_field(&buf)
    };
    for r in ranked(units, results) {
        let unit = units.unit(r.unit);
        w.write_field(&unit.code)?;
        w.write_field(&unit.name)?;
        w.write_field(unit.ranking_group.as_deref().unwrap_or(""))?;
        w.write_field(r.rank.to_string())?;
        number(&mut w, r.total)?;
        number(&mut w, r.bonus)?;
        number(&mut w, r.final_score)?;
        w.write_field(match r.pass {
            Some(true) => "true",
            Some(false) => "false",
            None => "",
        })?;
        w.write_field(r.grade.map_or("", |g| rubric.grades()[g].name.as_str()))?;
        if r.incomplete.is_empty() {
            w.write_field("")?;
        } else {
            w.write_field(incomplete_codes(rubric, r).join(";"))?;
        }
        for s in &r.sections {
            number(&mut w, *s)?;
        }
        w.write_record(None::<&[u8]>)?;
    }
    w.flush()
}

/// The codes of the items still missing an entry, each once.
pub fn incomplete_codes(rubric: &Rubric, r: &UnitResult) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    for m in &r.incomplete {
        let code = &rubric.items()[m.item].code;
        if !codes.contains(code) {
            codes.push(code.clone());
        }
    }
    codes
}
