//! `kaoping-bench-wide-rubric`: writes a synthetic rubric with many rules, for a findings file that names
//! many codes (see `kaoping_bench::wide_rubric`).
//!
//! ```text
//! kaoping-bench-wide-rubric --rules 1000 -o bench-data/wide-1000.toml
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    name = "kaoping-bench-wide-rubric",
    about = "Write a synthetic rubric with many rules"
)]
struct Args {
    /// How many rules (a multiple of 100).
    #[arg(long, default_value_t = 1000)]
    rules: usize,
    /// The rubric TOML file to write.
    #[arg(short = 'o', long = "out")]
    out: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let text = match kaoping_bench::wide_rubric(args.rules) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("kaoping-bench-wide-rubric: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::write(&args.out, text) {
        eprintln!("kaoping-bench-wide-rubric: {}: {e}", args.out.display());
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
