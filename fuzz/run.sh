#!/usr/bin/env bash
# Runs every fuzz target for FUZZ_SECONDS (default 60) over its corpus in fuzz/corpus, under a memory limit:
# a panic, an input that makes the process grow past the limit, or one allocation past it is a failure,
# with the input left in fuzz/artifacts/<target>/ to reproduce it (`cargo fuzz run <target> <file>`).
#
# cargo-fuzz needs nightly compiler flags; RUSTC_BOOTSTRAP=1 lets the machine's stable toolchain take them.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${FUZZ_SECONDS:-60}"
targets=(criteria tables rubric_toml findings_csv attendance)

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "Installing cargo-fuzz ..."
  cargo install cargo-fuzz --locked --quiet
fi

export RUSTC_BOOTSTRAP=1
cargo fuzz build
for target in "${targets[@]}"; do
  # New inputs go to a scratch folder first; the committed corpus is only read.
  found="target/found/$target"
  mkdir -p "$found"
  echo "fuzzing $target for ${seconds}s"
  log="target/found/$target.log"
  status=0
  cargo fuzz run "$target" "$found" "corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=30 \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$log" >&2
    echo "fuzz target $target failed: the input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
done
