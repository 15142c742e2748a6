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
    // The keys gathered once: comparing through the register chased its entries on every comparison.
    let mut keyed: Vec<(Option<&str>, usize, &str, &UnitResult)> = results
        .iter()
        .map(|r| {
            let unit = units.unit(r.unit);
            (unit.ranking_group.as_deref(), r.rank, unit.code.as_str(), r)
        })
        .collect();
    // Unit codes are unique, so no two keys are equal and an unstable sort orders as a stable one.
    keyed.sort_unstable_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
    keyed.into_iter().map(|k| k.3).collect()
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
    write_csv_on(out, rubric, units, results, 1)
}

/// As [`write_csv`], the rows formatted on up to `threads` threads (a report of 100,000 units spends
/// most of its time turning numbers into text), then written in order.
///
/// # Errors
/// Writing failed.
pub fn write_csv_on<W: Write>(
    mut out: W,
    rubric: &Rubric,
    units: &Units,
    results: &[UnitResult],
    threads: usize,
) -> io::Result<()> {
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
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header)?;
    out.write_all(&w.into_inner().map_err(|e| e.into_error())?)?;
    let order = ranked(units, results);
    let threads = threads.clamp(1, order.len().div_ceil(1_000).max(1));
    if threads == 1 {
        out.write_all(&csv_rows(rubric, units, &order)?)?;
        return out.flush();
    }
    let per = order.len().div_ceil(threads);
    let parts: Vec<io::Result<Vec<u8>>> = std::thread::scope(|s| {
        let handles: Vec<_> = order
            .chunks(per)
            .map(|chunk| s.spawn(move || csv_rows(rubric, units, chunk)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("report thread"))
            .collect()
    });
    for part in parts {
        out.write_all(&part?)?;
    }
    out.flush()
}

/// The CSV rows of `order`, without the header.
fn csv_rows(rubric: &Rubric, units: &Units, order: &[&UnitResult]) -> io::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .buffer_capacity(1 << 16)
        .from_writer(Vec::with_capacity(order.len() * 64));
    // One reused buffer for every number: a report of 100,000 units makes no allocation per field.
    let mut buf = String::new();
    let mut number = |w: &mut csv::Writer<Vec<u8>>, d: Decimal| {
        buf.clear();
        let _ = write!(buf, "{}", d.normalize());
        w.write_field(&buf)
    };
    let mut rank = String::with_capacity(20);
    for r in order {
        let unit = units.unit(r.unit);
        w.write_field(&unit.code)?;
        w.write_field(&unit.name)?;
        w.write_field(unit.ranking_group.as_deref().unwrap_or(""))?;
        rank.clear();
        let _ = write!(rank, "{}", r.rank);
        w.write_field(&rank)?;
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
    w.into_inner().map_err(|e| e.into_error())
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
