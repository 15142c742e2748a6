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
    ranked_indices(units, results)
        .into_iter()
        .map(|i| &results[i])
        .collect()
}

/// As [`ranked`], the positions of the results in `results`.
fn ranked_indices(units: &Units, results: &[UnitResult]) -> Vec<usize> {
    // The keys gathered once: comparing through the register chased its entries on every comparison.
    let mut keyed: Vec<(Option<&str>, usize, &str, usize)> = results
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let unit = units.unit(r.unit);
            (unit.ranking_group.as_deref(), r.rank, unit.code.as_str(), i)
        })
        .collect();
    // Unit codes are unique, so no two keys are equal and an unstable sort orders as a stable one.
    keyed.sort_unstable_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
    keyed.into_iter().map(|k| k.3).collect()
}

/// The CSV report's columns before the sections'.
const CSV_COLUMNS: [&str; 10] = [
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
];

/// One CSV row per unit: `unit,name,group,rank,total,bonus,final,pass,grade,incomplete`
/// ([`CSV_COLUMNS`]), then one column per section, headed by the section code.
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
/// The rows are formatted in the order of `results`, not in ranking order: a row reads the result, its
/// sections and its unit's code and name, each somewhere else in memory, and taken in ranking order each
/// was a cache miss. In the results' order they are read as they lie; each row's text (its rank left
/// out) is then copied into ranking order, one miss per row.
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
    let mut header: Vec<&str> = CSV_COLUMNS.to_vec();
    header.extend(rubric.sections().iter().map(|s| s.code.as_str()));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header)?;
    out.write_all(&w.into_inner().map_err(|e| e.into_error())?)?;
    let order = ranked_indices(units, results);
    let threads = threads.clamp(1, results.len().div_ceil(1_000).max(1));
    let per = results.len().div_ceil(threads).max(1);
    let pieces = on_threads(threads, |t| {
        let from = (t * per).min(results.len());
        let to = ((t + 1) * per).min(results.len());
        row_pieces(rubric, units, &results[from..to])
    })
    .into_iter()
    .collect::<io::Result<Vec<_>>>()?;
    let per_order = order.len().div_ceil(threads).max(1);
    let rows = on_threads(threads, |t| {
        let mut text = Vec::with_capacity(per_order * 64);
        let mut rank = String::with_capacity(20);
        for &i in order.iter().skip(t * per_order).take(per_order) {
            let (head, tail) = pieces[i / per].row(i % per);
            text.extend_from_slice(head);
            text.push(b',');
            rank.clear();
            let _ = write!(rank, "{}", results[i].rank);
            text.extend_from_slice(rank.as_bytes());
            text.extend_from_slice(tail);
        }
        text
    });
    for part in rows {
        out.write_all(&part)?;
    }
    out.flush()
}

/// `each(0)` to `each(threads - 1)`, on as many threads (on this one for one), in that order.
fn on_threads<T: Send>(threads: usize, each: impl Fn(usize) -> T + Sync) -> Vec<T> {
    if threads <= 1 {
        return vec![each(0)];
    }
    let each = &each;
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads).map(|t| s.spawn(move || each(t))).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("report thread"))
            .collect()
    })
}

/// Rows of a report without their rank: row `i` is `text[ends[i - 1].1..ends[i].0]` (unit, name and
/// group, ending in a line end where the comma before the rank goes), then the rank, then
/// `text[ends[i].0..ends[i].1]` (a comma, the rest and the line end).
struct RowPieces {
    text: Vec<u8>,
    ends: Vec<(usize, usize)>,
}

impl RowPieces {
    /// Row `i`'s text before the comma ahead of its rank, and after its rank.
    fn row(&self, i: usize) -> (&[u8], &[u8]) {
        let start = i.checked_sub(1).map_or(0, |p| self.ends[p].1);
        let (head, end) = self.ends[i];
        (&self.text[start..head - 1], &self.text[head..end])
    }
}

/// The rows of `results`, in their order, as [`RowPieces`].
fn row_pieces(rubric: &Rubric, units: &Units, results: &[UnitResult]) -> io::Result<RowPieces> {
    // Two records per row, written by one CSV writer so that each field is quoted as it is within a whole
    // row: the unit's three fields (never the lone empty field a writer would quote), whose line end
    // stands for the comma before the rank; then the rest, after an empty first field that puts the comma
    // after it.
    // Each record is flushed to learn where it ends, so the writer's own buffer holds one at most.
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::with_capacity(results.len() * 64));
    // One reused buffer for every number: a report of 100,000 units makes no allocation per field.
    let mut buf = String::new();
    let mut number = |w: &mut csv::Writer<Vec<u8>>, d: Decimal| {
        buf.clear();
        write_points(&mut buf, d);
        w.write_field(&buf)
    };
    let mut ends = Vec::with_capacity(results.len());
    for r in results {
        let unit = units.unit(r.unit);
        w.write_field(&unit.code)?;
        w.write_field(&unit.name)?;
        w.write_field(unit.ranking_group.as_deref().unwrap_or(""))?;
        w.write_record(None::<&[u8]>)?;
        w.flush()?;
        let head = w.get_ref().len();
        w.write_field("")?;
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
        w.flush()?;
        ends.push((head, w.get_ref().len()));
    }
    Ok(RowPieces {
        text: w.into_inner().map_err(|e| e.into_error())?,
        ends,
    })
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
    use kaoping_core::score::Scorer;

    /// The report as the csv crate writes each whole row, in ranking order: what the rows formatted in
    /// pieces and put in order must equal, on any number of threads, for codes and names that need quotes.
    #[test]
    fn rows_in_pieces_are_the_whole_rows_in_ranking_order() {
        let rubric = crate::parse_rubric(
            "dongli-2023.toml",
            include_str!("../../../../rubrics/dongli-2023.toml"),
        )
        .expect("the scheme A rubric");
        let awkward = [
            "a,b",
            "say \"hi\"",
            "two\nlines",
            "cr\r",
            "",
            " ",
            "组,一",
            "x",
        ];
        let mut units = Units::new();
        for i in 0..2_500 {
            let code = format!("U{i:04}{}", awkward[i % 3]);
            let name = awkward[(i / 3) % awkward.len()];
            let group = (i % 5 == 0)
                .then_some(awkward[i % awkward.len()])
                .filter(|g| !g.is_empty());
            units.add_unit(&code, name, group, &[]).expect("a unit");
        }
        let mut results = Scorer::new(&rubric).totals_only().finish(&units);
        for (i, r) in results.iter_mut().enumerate() {
            r.rank = (i * 7919) % 613 + 1;
            r.total = Decimal::new(i as i64 * 37 % 10_000, 2);
            r.final_score = r.total + Decimal::new(5, 1);
            r.pass = [None, Some(true), Some(false)][i % 3];
        }
        let mut want = csv::Writer::from_writer(Vec::new());
        let mut header = CSV_COLUMNS.to_vec();
        header.extend(rubric.sections().iter().map(|s| s.code.as_str()));
        want.write_record(&header).expect("header");
        for r in ranked(&units, &results) {
            let unit = units.unit(r.unit);
            let mut row = vec![
                unit.code.clone(),
                unit.name.clone(),
                unit.ranking_group.clone().unwrap_or_default(),
                r.rank.to_string(),
                points(r.total),
                points(r.bonus),
                points(r.final_score),
                r.pass.map_or(String::new(), |p| p.to_string()),
                r.grade
                    .map_or(String::new(), |g| rubric.grades()[g].name.clone()),
                incomplete_codes(&rubric, r).join(";"),
            ];
            row.extend(r.sections.iter().map(|&d| points(d)));
            want.write_record(&row).expect("row");
        }
        let want = want.into_inner().expect("written");
        assert!(
            want.windows(3).any(|w| w == b"\"\"\""),
            "some fields are quoted"
        );
        for threads in [1, 2, 3, 8] {
            let mut got = Vec::new();
            write_csv_on(&mut got, &rubric, &units, &results, threads).expect("written");
            assert!(got == want, "on {threads} threads");
        }
    }

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
