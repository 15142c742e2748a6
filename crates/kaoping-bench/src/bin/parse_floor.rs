//! `kaoping-bench-parse-floor FILE`: the floor for scoring a findings CSV. Reads the whole file with the
//! csv crate as fast as it goes (one reused `ByteRecord`, no UTF-8 check, no allocation per row), counts
//! the rows and sums the `count` column (the third) as integers, and prints both. Nothing else: no
//! rubric, no lookup, no scoring. Any scorer of the same file does at least this much work.

use std::fs::File;
use std::process::ExitCode;

fn parse_uint(field: &[u8]) -> Option<u64> {
    let field = field.trim_ascii();
    if field.is_empty() {
        return Some(0);
    }
    let mut n: u64 = 0;
    for &b in field {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(path), None) = (args.next(), args.next()) else {
        eprintln!("usage: kaoping-bench-parse-floor FILE");
        return ExitCode::FAILURE;
    };
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("kaoping-bench-parse-floor: {}: {e}", path.to_string_lossy());
            return ExitCode::FAILURE;
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .buffer_capacity(1 << 20)
        .from_reader(file);
    let mut record = csv::ByteRecord::new();
    let (mut rows, mut count_sum) = (0u64, 0u64);
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                eprintln!("kaoping-bench-parse-floor: {}: {e}", path.to_string_lossy());
                return ExitCode::FAILURE;
            }
        }
        rows += 1;
        match record.get(2).map(parse_uint) {
            Some(Some(n)) => count_sum += n,
            Some(None) => {
                eprintln!(
                    "kaoping-bench-parse-floor: row {}: count is not a whole number",
                    rows + 1
                );
                return ExitCode::FAILURE;
            }
            None => {}
        }
    }
    println!("rows {rows}");
    println!("count_sum {count_sum}");
    ExitCode::SUCCESS
}
