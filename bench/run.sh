#!/usr/bin/env bash
# Kaoping's scoring benchmark: kaoping against its peers on one synthetic findings file.
#
#   bench/run.sh            100,000 units, 10,000,000 findings; median of 3 runs each, on three files:
#                           scheme A's rubric with each unit's rows together (grouped), the same rows
#                           shuffled (a ledger export is in time order), and a 1,000-rule synthetic rubric
#                           (kaoping-bench-wide-rubric) with shuffled rows and a note on every row
#   bench/run.sh --small    1,000 units, 100,000 findings, one run each, on every rubric below (and scheme
#                           A shuffled): a quick check that kaoping, pandas and DuckDB give every unit the
#                           same total
#
# Options: --runs N (runs per scorer; the median is reported), --pandas-runs N (default: as --runs).
# Environment: KAOPING_BENCH_SEED (default 1); KAOPING_BASELINE=PATH, another build of the kaoping binary
# (say of an earlier commit: `git worktree add /tmp/old COMMIT && cargo build --release --manifest-path
# /tmp/old/Cargo.toml`) measured in the same run as a "baseline" row, to compare two builds.
#
# Measured, each with GNU time for peak RSS and the wall clock around it:
#   parse floor  target/release/kaoping-bench-parse-floor FILE        (csv crate, nothing but parsing)
#   kaoping      target/release/kaoping score --rubric R --findings FILE --format csv -o OUT
#   pandas       python3 bench/peers/pandas_score.py --rubric R --findings FILE -o OUT
#   duckdb       python3 bench/peers/duckdb_score.py --rubric R --findings FILE -o OUT
# then the unit totals of the three scorers are compared (bench/compare_totals.py); any disagreement
# fails the run. Data and outputs go to bench-data/ (ignored by git). See docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=full
RUNS=3
PANDAS_RUNS=
while [ $# -gt 0 ]; do
  case "$1" in
    --small) MODE=small ;;
    --runs) RUNS=$2; RUNS_SET=1; shift ;;
    --pandas-runs) PANDAS_RUNS=$2; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
SEED=${KAOPING_BENCH_SEED:-1}
# Each dataset is RUBRIC:ORDER:NOTES (ORDER grouped or shuffled, NOTES some or every).
WIDE=bench-data/wide-1000.toml
if [ "$MODE" = small ]; then
  UNITS=1000; FINDINGS=100000; TAG=small
  DATASETS=(rubrics/dongli-2023.toml:grouped:some rubrics/village-2023.toml:grouped:some
            bench/testdata/mixed.toml:grouped:some rubrics/dongli-2023.toml:shuffled:some
            "$WIDE:shuffled:every")
  [ -n "${RUNS_SET:-}" ] || RUNS=1
else
  UNITS=100000; FINDINGS=10000000; TAG=10m
  DATASETS=(rubrics/dongli-2023.toml:grouped:some rubrics/dongli-2023.toml:shuffled:some
            "$WIDE:shuffled:every")
fi
PANDAS_RUNS=${PANDAS_RUNS:-$RUNS}

# --- tools ---------------------------------------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
  echo "== installing GNU time" >&2
  apt-get update -qq >&2 && apt-get install -y -qq time >&2
fi
if ! python3 -c 'import pandas, duckdb' 2>/dev/null; then
  echo "== installing pandas and duckdb" >&2
  python3 -m pip install --quiet pandas duckdb >&2
fi

mkdir -p bench-data/out
echo "== building (release)" >&2
KAOPING_BUILT=yes
if ! cargo build --release -p kaoping-bench >&2; then
  echo "bench/run.sh: kaoping-bench does not build" >&2
  exit 1
fi
if ! cargo build --release -p kaoping-cli >&2; then
  echo "bench/run.sh: WARNING: kaoping-cli does not build; measuring the others only" >&2
  KAOPING_BUILT=no
fi
GEN=target/release/kaoping-bench-gen
target/release/kaoping-bench-wide-rubric --rules 1000 -o "$WIDE.tmp"
cmp -s "$WIDE.tmp" "$WIDE" 2>/dev/null && rm "$WIDE.tmp" || mv "$WIDE.tmp" "$WIDE"
FLOOR=target/release/kaoping-bench-parse-floor
KAOPING=target/release/kaoping

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# --- helpers -------------------------------------------------------------------------------------------
now_ns() { date +%s%N; }
HZ=$(getconf CLK_TCK)
# Busy CPU ticks of the whole machine so far (user, nice, system, irq, softirq, steal).
cpu_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

# measure NAME RUNS CMD…: runs CMD RUNS times (stdout to bench-data/out/NAME.stdout); sets SECS and MB to
# the medians of the wall time and the peak RSS.
measure() {
  local name=$1 runs=$2; shift 2
  local i t0 t1 c0 c1 secs_list=() mb_list=() other
  for ((i = 1; i <= runs; i++)); do
    c0=$(cpu_busy)
    t0=$(now_ns)
    if ! /usr/bin/time -f "%M %U %S" -o "$TMP/rss" "$@" > "bench-data/out/$name.stdout" 2> "$TMP/stderr"; then
      echo "bench/run.sh: $name failed: $*" >&2
      cat "$TMP/stderr" >&2
      exit 1
    fi
    t1=$(now_ns)
    c1=$(cpu_busy)
    secs_list+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')")
    mb_list+=("$(awk 'NF == 3 && $1 ~ /^[0-9]+$/ { v = $1 } END { printf "%.0f", v / 1024 }' "$TMP/rss")")
    # CPU time the whole machine spent during the run, less the run's own: anything else running on a
    # 2-core machine spoils the figures, so a run where others took over 10% of a core (give or take
    # 3 clock ticks of measuring error) is flagged.
    other=$(awk -v c0="$c0" -v c1="$c1" -v hz="$HZ" -v wall="${secs_list[-1]}" \
      'NF == 3 && $1 ~ /^[0-9]+$/ { own = $2 + $3 } END { o = (c1 - c0) / hz - own; printf "%.3f", (o > 0 ? o : 0) }' "$TMP/rss")
    if awk -v o="$other" -v wall="${secs_list[-1]}" -v hz="$HZ" 'BEGIN { exit !(o > 0.10 * wall + 3 / hz) }'; then
      BUSY="$BUSY $name#$i:${other}s"
    fi
    echo "   $name run $i: ${secs_list[-1]} s, ${mb_list[-1]} MB (CPU used by other processes meanwhile: $other s)" >&2
  done
  SECS=$(printf '%s\n' "${secs_list[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
  MB=$(printf '%s\n' "${mb_list[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "–" }'; }

# data_for RUBRIC ORDER NOTES: generates (if missing or made from another rubric or generator) and echoes
# the path.
data_for() {
  local rubric=$1 order=$2 notes=$3 base data stamp want suffix=
  base=$(basename "$rubric" .toml)
  [ "$order" = shuffled ] && suffix="$suffix-shuffled"
  [ "$notes" = every ] && suffix="$suffix-notes"
  if [ "$MODE" = full ] && [ "$rubric" = rubrics/dongli-2023.toml ]; then
    data=bench-data/findings-$TAG$suffix.csv
  else
    data=bench-data/findings-$base-$TAG$suffix.csv
  fi
  stamp=$data.stamp
  want="units=$UNITS findings=$FINDINGS seed=$SEED order=$order notes=$notes rubric=$(sha256sum < "$rubric" | cut -c1-16) gen=$(sha256sum < "$GEN" | cut -c1-16)"
  if [ ! -f "$data" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "== generating $data ($UNITS units, $FINDINGS findings, $rubric, $order, notes: $notes, seed $SEED)" >&2
    "$GEN" --rubric "$rubric" --units "$UNITS" --findings "$FINDINGS" --seed "$SEED" --order "$order" \
      --notes "$notes" -o "$data" >&2
    echo "$want" > "$stamp"
  fi
  echo "$data"
}

# --- the benchmark -------------------------------------------------------------------------------------
STATUS=0
for DATASET in "${DATASETS[@]}"; do
  IFS=: read -r RUBRIC ORDER NOTES <<< "$DATASET"
  BUSY=
  DATA=$(data_for "$RUBRIC" "$ORDER" "$NOTES")
  BASE=$(basename "$RUBRIC" .toml)-$ORDER-$NOTES
  SIZE_MB=$(du -m "$DATA" | cut -f1)
  echo "== $RUBRIC, $DATA ($SIZE_MB MB)" >&2
  OUT=bench-data/out/$BASE-$TAG

  measure floor "$RUNS" "$FLOOR" "$DATA"
  FLOOR_S=$SECS FLOOR_MB=$MB
  ROWS=$(awk '$1 == "rows" { print $2 }' bench-data/out/floor.stdout)
  if [ "$ROWS" != "$FINDINGS" ]; then
    echo "bench/run.sh: the parse floor read $ROWS rows, expected $FINDINGS" >&2
    exit 1
  fi

  if [ "$KAOPING_BUILT" = yes ]; then
    measure kaoping "$RUNS" "$KAOPING" score --rubric "$RUBRIC" --findings "$DATA" --format csv -o "$OUT-kaoping.csv"
    KAOPING_S=$SECS KAOPING_MB=$MB
  fi
  if [ -n "${KAOPING_BASELINE:-}" ]; then
    measure baseline "$RUNS" "$KAOPING_BASELINE" score --rubric "$RUBRIC" --findings "$DATA" --format csv -o "$OUT-baseline.csv"
    BASELINE_S=$SECS BASELINE_MB=$MB
    if ! cmp -s "$OUT-baseline.csv" "$OUT-kaoping.csv"; then
      echo "bench/run.sh: the baseline's report differs from kaoping's ($OUT-baseline.csv)" >&2
      STATUS=1
    fi
  fi
  measure duckdb "$RUNS" python3 bench/peers/duckdb_score.py --rubric "$RUBRIC" --findings "$DATA" -o "$OUT-duckdb.csv"
  DUCKDB_S=$SECS DUCKDB_MB=$MB
  measure pandas "$PANDAS_RUNS" python3 bench/peers/pandas_score.py --rubric "$RUBRIC" --findings "$DATA" -o "$OUT-pandas.csv"
  PANDAS_S=$SECS PANDAS_MB=$MB

  echo
  echo "### $RUBRIC, rows $ORDER, notes: $NOTES: $UNITS units, $FINDINGS findings ($SIZE_MB MB CSV)"
  echo
  echo "| scorer | runs | seconds (median) | peak RSS MB | × parse floor | × DuckDB |"
  echo "|---|---:|---:|---:|---:|---:|"
  echo "| parse floor (csv crate) | $RUNS | $FLOOR_S | $FLOOR_MB | 1.00× | $(ratio "$FLOOR_S" "$DUCKDB_S") |"
  if [ "$KAOPING_BUILT" = yes ]; then
    echo "| **kaoping score** | $RUNS | $KAOPING_S | $KAOPING_MB | $(ratio "$KAOPING_S" "$FLOOR_S") | $(ratio "$KAOPING_S" "$DUCKDB_S") |"
  else
    echo "| **kaoping score** | – | not built | – | – | – |"
  fi
  if [ -n "${KAOPING_BASELINE:-}" ]; then
    echo "| kaoping baseline ($KAOPING_BASELINE) | $RUNS | $BASELINE_S | $BASELINE_MB | $(ratio "$BASELINE_S" "$FLOOR_S") | $(ratio "$BASELINE_S" "$DUCKDB_S") |"
  fi
  echo "| DuckDB (SQL) | $RUNS | $DUCKDB_S | $DUCKDB_MB | $(ratio "$DUCKDB_S" "$FLOOR_S") | 1.00× |"
  echo "| pandas | $PANDAS_RUNS | $PANDAS_S | $PANDAS_MB | $(ratio "$PANDAS_S" "$FLOOR_S") | $(ratio "$PANDAS_S" "$DUCKDB_S") |"
  echo
  if [ -n "$BUSY" ]; then
    echo "WARNING: other processes used the CPU during some runs (run: their CPU seconds,$BUSY);"
    echo "these figures are not reliable. Run again on an idle machine."
    echo
  fi

  echo "== equivalence: $RUBRIC" >&2
  SCORED=()
  [ "$KAOPING_BUILT" = yes ] && SCORED+=("kaoping=$OUT-kaoping.csv")
  SCORED+=("pandas=$OUT-pandas.csv" "duckdb=$OUT-duckdb.csv")
  if python3 bench/compare_totals.py "${SCORED[@]}"; then
    echo "equivalence ($BASE): PASS"
  else
    echo "equivalence ($BASE): FAIL"
    STATUS=1
  fi
  echo
done
exit $STATUS
