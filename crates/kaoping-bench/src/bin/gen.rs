//! `kaoping-bench-gen`: writes a synthetic findings CSV for a rubric, deterministic from the seed.
//!
//! ```text
//! kaoping-bench-gen --rubric rubrics/dongli-2023.toml --units 100000 --findings 10000000 --seed 1 \
//!     -o bench-data/findings-10m.csv --units-out bench-data/units-100k.csv
//! ```

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use kaoping_bench::{generate, shuffle_lines, write_units, Plan};

#[derive(Debug, Parser)]
#[command(
    name = "kaoping-bench-gen",
    about = "Generate synthetic findings (考核发现) for a rubric"
)]
struct Args {
    /// The rubric TOML file.
    #[arg(long)]
    rubric: PathBuf,
    /// How many units (U000001 …).
    #[arg(long)]
    units: u64,
    /// How many findings in all, spread evenly over the units.
    #[arg(long)]
    findings: u64,
    /// Seed: the same seed, rubric and sizes give the same file, byte for byte.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The findings CSV to write.
    #[arg(short = 'o', long = "out")]
    out: PathBuf,
    /// Also write the unit register (unit,name) here.
    #[arg(long)]
    units_out: Option<PathBuf>,
    /// Row order: `grouped` keeps each unit's rows together; `shuffled` puts all rows in random order, as
    /// a ledger export in time order is.
    #[arg(long, value_enum, default_value_t = Order::Grouped)]
    order: Order,
    /// Notes: `some` (mostly empty) or `every` (a note on every row, as real ledgers carry).
    #[arg(long, value_enum, default_value_t = Notes::Some)]
    notes: Notes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Order {
    Grouped,
    Shuffled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Notes {
    Some,
    Every,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let started = Instant::now();
    let rubric = match kaoping_formats::read_rubric_file(&args.rubric) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("kaoping-bench-gen: {e}");
            return ExitCode::FAILURE;
        }
    };
    let plan = match Plan::new(&rubric).and_then(|p| p.check(args.units, args.findings).map(|()| p))
    {
        Ok(p) if args.notes == Notes::Every => p.with_notes_everywhere(),
        Ok(p) => p,
        Err(e) => {
            eprintln!("kaoping-bench-gen: {}: {e}", args.rubric.display());
            return ExitCode::FAILURE;
        }
    };
    let file = match File::create(&args.out) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("kaoping-bench-gen: {}: {e}", args.out.display());
            return ExitCode::FAILURE;
        }
    };
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let written = if args.order == Order::Shuffled {
        // The whole file in memory, then its lines shuffled: a few hundred MB for ten million rows.
        let mut all = Vec::new();
        generate(&plan, args.units, args.findings, args.seed, &mut all).and_then(|stats| {
            out.write_all(&shuffle_lines(&all, args.seed))
                .and_then(|()| out.flush())
                .map(|()| stats)
        })
    } else {
        generate(&plan, args.units, args.findings, args.seed, &mut out)
    };
    let stats = match written {
        Ok(s) => s,
        Err(e) => {
            eprintln!("kaoping-bench-gen: {}: {e}", args.out.display());
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &args.units_out {
        if let Err(e) = File::create(path).and_then(|f| write_units(args.units, f)) {
            eprintln!("kaoping-bench-gen: {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    eprintln!(
        "kaoping-bench-gen: {} units, {} findings (count sum {}) -> {} in {:.2} s",
        stats.units,
        stats.findings,
        stats.count_sum,
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}
