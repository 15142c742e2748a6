#!/usr/bin/env bash
# Runs the parse floor and each given kaoping binary in turn, N times over, on one findings file, and
# prints each one's median, fastest and slowest wall-clock seconds. On a machine whose second core comes
# and goes, runs taken in turn compare builds where three runs in a row each do not (docs/benchmarks.md).
#
#   bench/interleave.sh N FILE RUBRIC BINARY...
#   bench/interleave.sh 8 bench-data/findings-10m-shuffled.csv rubrics/dongli-2023.toml \
#       /tmp/old/target/release/kaoping target/release/kaoping
#
# Each binary runs `score --rubric RUBRIC --findings FILE --format csv -o bench-data/out/interleave-K.csv`
# (K its position); the reports of all binaries must be byte-identical, or the run fails.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 4 ]; then sed -n '2,11p' "$0"; exit 2; fi
N=$1 FILE=$2 RUBRIC=$3
shift 3
FLOOR=target/release/kaoping-bench-parse-floor
[ -x "$FLOOR" ] || cargo build --release -p kaoping-bench >&2
mkdir -p bench-data/out
seconds() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
declare -a times
for _ in $(seq "$N"); do
  times[0]+="$(seconds "$FLOOR" "$FILE") "
  k=1
  for bin in "$@"; do
    times[k]+="$(seconds "$bin" score --rubric "$RUBRIC" --findings "$FILE" --format csv \
      -o "bench-data/out/interleave-$k.csv") "
    k=$((k + 1))
  done
done
summary() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {
  printf "median %.3f s, fastest %.3f s, slowest %.3f s\n", a[int((NR+1)/2)]/1000, a[1]/1000, a[NR]/1000 }'; }
echo "parse floor: $(echo "${times[0]}" | summary)"
k=1
for bin in "$@"; do
  echo "$bin: $(echo "${times[k]}" | summary)"
  [ "$k" -eq 1 ] || cmp -s bench-data/out/interleave-1.csv "bench-data/out/interleave-$k.csv" ||
    { echo "the reports of $1 and $bin differ" >&2; exit 1; }
  k=$((k + 1))
done
