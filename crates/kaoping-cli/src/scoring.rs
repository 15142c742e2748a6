//! `kaoping check` and `kaoping score`.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use kaoping_core::score::Detail;
use kaoping_core::units::Units;
use kaoping_formats::{read_rubric_file, read_units, report, score_findings_bytes};

use crate::input::{open, output_error, read_all};
use crate::Format;

pub fn check(rubric: &Path) -> Result<(), String> {
    let rubric = read_rubric_file(rubric).map_err(|e| e.to_string())?;
    let out = io::stdout().lock();
    report::write_rubric_table(out, &rubric).or_else(output_error)
}

pub fn score(
    rubric_path: &Path,
    findings: &Path,
    units_path: Option<&Path>,
    format: Format,
    output: Option<&Path>,
) -> Result<(), String> {
    trace_phases();
    let rubric = read_rubric_file(rubric_path).map_err(|e| e.to_string())?;
    let mut units = match units_path {
        Some(path) => {
            read_units(&path.display().to_string(), open(path)?).map_err(|e| e.to_string())?
        }
        None => Units::new(),
    };
    let name = findings.display().to_string();
    // The CSV and the table show sections, not items: a 1,000-item rubric's item scores for 100,000 units
    // would take gigabytes for nothing.
    let detail = match format {
        Format::Json => Detail::Trace,
        Format::Table | Format::Csv => Detail::Totals,
    };
    let bytes = read_all(findings)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let results = score_findings_bytes(
        &rubric,
        &mut units,
        units_path.is_none(),
        &name,
        &bytes,
        detail,
        threads,
    )
    .map_err(|e| e.to_string())?;
    drop(bytes);

    let sink: Box<dyn Write> = match output {
        Some(path) => {
            Box::new(File::create(path).map_err(|e| format!("{}: 无法写入：{e}", path.display()))?)
        }
        None => Box::new(io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 20, sink);
    let _write = tracing::debug_span!("write").entered();
    let written = match format {
        Format::Table => report::write_table(&mut out, &rubric, &units, &results),
        Format::Json => report::write_json(&mut out, &rubric, &units, &results),
        Format::Csv => report::write_csv_on(&mut out, &rubric, &units, &results, threads),
    };
    let done = written.and_then(|()| out.flush()).or_else(output_error);
    // The process ends right after this: freeing a hundred thousand results one by one would only cost
    // time (a tenth of a second on the benchmark), so they are left to the operating system.
    std::mem::forget(results);
    std::mem::forget(units);
    done
}

/// With `RUST_LOG=kaoping=debug` (or `kaoping_formats=debug`), says on stderr how long each phase of a
/// bulk score took (`read`, `merge`, `score`, `write`): how docs/benchmarks.md finds where the time goes.
/// Without `RUST_LOG` nothing is set up and the spans cost nothing.
fn trace_phases() {
    if std::env::var_os("RUST_LOG").is_none() {
        return;
    }
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(io::stderr)
        .with_ansi(false)
        .try_init();
}
