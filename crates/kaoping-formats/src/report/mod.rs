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
    let mut out = String::new();
    write_points(&mut out, d);
    out
}

/// Appends `d` as [`points`] writes it: `d.normalize()` as `Decimal`'s `Display` writes it. A mantissa
/// that fits 64 bits (every score does) is written from its digits; `Display` divides the 96-bit
/// mantissa by ten for every digit, which was most of writing a report of 100,000 units.
pub fn write_points(out: &mut String, d: Decimal) {
    let (Ok(mut mantissa), mut scale) = (u64::try_from(d.mantissa().unsigned_abs()), d.scale())
    else {
        let _ = write!(out, "{}", d.normalize());
        return;
    };
    if mantissa == 0 {
        out.push('0');
        return;
    }
    while scale > 0 && mantissa % 10 == 0 {
        mantissa /= 10;
        scale -= 1;
    }
    if d.is_sign_negative() {
        out.push('-');
    }
    let mut buf = [b'0'; 20];
    let mut at = buf.len();
    while mantissa > 0 {
        at -= 1;
        buf[at] = b'0' + (mantissa % 10) as u8;
        mantissa /= 10;
    }
    let digits = std::str::from_utf8(&buf[at..]).expect("ASCII digits");
    let (len, scale) = (digits.len(), scale as usize);
    if scale == 0 {
        out.push_str(digits);
    } else if len > scale {
        out.push_str(&digits[..len - scale]);
        out.push('.');
        out.push_str(&digits[len - scale..]);
    } else {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', scale - len));
        out.push_str(digits);
    }
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
        write_points(&mut buf, d);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every sign, scale and size of mantissa, including ones past 64 bits, written as `Display` writes
    /// the normalized decimal.
    #[test]
    fn points_are_written_as_display_writes_them_normalized() {
        let mut x: u64 = 0x853c_49e6_748f_ea9b;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut cases: Vec<Decimal> = [
            "0", "-0", "0.000", "-0.00", "100", "97.50", "0.05", "-0.25", "1E-28",
        ]
        .iter()
        .map(|t| {
            t.parse()
                .unwrap_or_else(|_| Decimal::from_scientific(t).unwrap())
        })
        .collect();
        cases.extend([
            Decimal::MAX,
            Decimal::MIN,
            Decimal::new(i64::MAX, 3),
            Decimal::new(i64::MIN, 0),
        ]);
        for _ in 0..200_000 {
            let bits = next() % 97;
            // `bits` significant bits, up to 96.
            let low = next().checked_shr(64 - bits.min(64) as u32).unwrap_or(0);
            let mantissa = i128::from(low) << bits.saturating_sub(64);
            let mantissa = if next() % 2 == 0 { -mantissa } else { mantissa };
            let scale = (next() % 29) as u32;
            if let Ok(d) = Decimal::try_from_i128_with_scale(mantissa, scale) {
                cases.push(d);
            }
        }
        for d in cases {
            assert_eq!(points(d), d.normalize().to_string(), "{d:?}");
        }
    }
}
