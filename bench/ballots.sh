#!/usr/bin/env bash
# Votes under load (民主评议, docs/ballots.md): how many ballots a second `kaoping serve` (release build)
# takes with POST /api/vote, each with its own code and no login, on SQLite and on PostgreSQL, against
# the session lookup of /api/me in the same run; then how long closing takes (quorum, tally, one ledger
# entry per candidate, the hash-chain link of every ballot) and `kaoping verify` after it.
#
#   bench/ballots.sh                 both backends
#   bench/ballots.sh --sqlite-only   without PostgreSQL
#   bench/ballots.sh --duration 3s   wrk's duration per measurement (default 3s; 10,000 codes are
#                                    issued, so a run must cast fewer)
#
# Each backend: a fresh database with `--demo jishengju`, a campaign on 8.1 for its 10 staff with one
# class of 10,000 voters, its codes issued, then wrk -t2 -c8 -s bench/server/vote.lua (every vote must
# answer 201). Printed as a markdown table and kept in bench-data/ballots/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=3s
BACKENDS=(sqlite postgres)
while [ $# -gt 0 ]; do
  case "$1" in
    --sqlite-only) BACKENDS=(sqlite) ;;
    --duration) DURATION=$2; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "bench/ballots.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
PG_ADMIN=${KAOPING_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}
OUT=bench-data/ballots
mkdir -p "$OUT"

source bench/lib.sh
need_wrk
echo "== building (release)" >&2
cargo build --release -p kaoping-cli >&2
BIN=target/release/kaoping

SERVER_PID=
PG_DB=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ -n "$PG_DB" ]; then psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

ROWS=()
for backend in "${BACKENDS[@]}"; do
  echo "== $backend" >&2
  url=()
  if [ "$backend" = sqlite ]; then
    rm -rf "$OUT/sqlite"; url=(--data "$OUT/sqlite")
  else
    PG_DB="kaoping_ballots_$$"
    psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
    psql "$PG_ADMIN" -qc "CREATE DATABASE $PG_DB" >/dev/null
    url=(--database-url "${PG_ADMIN%/*}/$PG_DB")
  fi
  p=$(port)
  "$BIN" serve "${url[@]}" --demo jishengju --addr "127.0.0.1:$p" >"$OUT/serve-$backend.log" 2>&1 &
  SERVER_PID=$!
  base="http://127.0.0.1:$p"
  for _ in $(seq 300); do curl -s -o /dev/null "$base/login" && break; sleep 0.1; done
  login=$(curl -s -D - -H 'content-type: application/json' \
    -d '{"username":"admin","password":"kaoping2023"}' "$base/api/login")
  cookie=$(printf '%s' "$login" | sed -n 's/.*kaoping_session=\([^;]*\);.*/\1/p' | head -1)
  csrf=$(printf '%s' "$login" | tail -1 | json 'd["csrf_token"]')
  auth=(-H "Cookie: kaoping_session=$cookie" -H "X-CSRF-Token: $csrf" -H 'content-type: application/json')
  period=$(curl -s "${auth[@]}" "$base/api/periods" | json 'd["periods"][0]["id"]')
  campaign=$(curl -s "${auth[@]}" -d '{"title":"压测评议","code":"8.1","classes":[{"name":"工作人员","weight":"1","voters":10000}],"scale":{"min":"0","max":"100"},"quorum":"0.01"}' \
    "$base/api/periods/$period/ballots" | json 'd["id"]')
  curl -s "${auth[@]}" -X POST "$base/api/ballots/$campaign/codes" | json '"\n".join(c["code"] for c in d["codes"])' > "$OUT/codes.txt"
  ratings='{"J01":80,"J02":81,"J03":82,"J04":83,"J05":84,"J06":85,"J07":86,"J08":87,"J09":88,"J10":89}'
  me=$(wrk -t2 -c8 -d"$DURATION" --latency -H "Cookie: kaoping_session=$cookie" "$base/api/me" | wrk_stats)
  vout=$(KAOPING_CODES="$OUT/codes.txt" KAOPING_RATINGS="$ratings" KAOPING_THREADS=2 \
    wrk -t2 -c8 -d"$DURATION" --latency -s bench/server/vote.lua "$base")
  if ! printf '%s' "$vout" | grep -q 'refused: 0$'; then
    printf '%s\n' "$vout" >&2
    echo "bench/ballots.sh: votes were refused" >&2
    exit 1
  fi
  cast=$(printf '%s\n' "$vout" | sed -n 's/^ballots cast: \([0-9]*\),.*/\1/p')
  votes=$(printf '%s\n' "$vout" | wrk_stats)
  close_s=$(curl -s -o "$OUT/close.json" -w '%{time_total}' "${auth[@]}" -X POST "$base/api/ballots/$campaign/close")
  # wrk stops counting at the deadline with up to 8 votes in flight, which the server still takes: every
  # used code must be a counted ballot, and no answered vote may be missing.
  read -r valid used < <(json 'd["valid"], d["used"]' < "$OUT/close.json" | tr -d '(),')
  if [ "$valid" != "$used" ] || [ "$valid" -lt "$cast" ] || [ "$valid" -gt $((cast + 8)) ]; then
    echo "bench/ballots.sh: $cast ballots answered 201, $used codes used, $valid counted" >&2
    exit 1
  fi
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
  t0=$(date +%s.%N)
  "$BIN" verify "${url[@]}" >/dev/null
  verify_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f s", b-a}')
  if [ -n "$PG_DB" ]; then psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null; PG_DB=; fi
  read -r me_rps me_p99 <<<"$me"
  read -r v_rps v_p99 <<<"$votes"
  pct=$(awk -v a="$v_rps" -v b="$me_rps" 'BEGIN {printf "%d", 100*a/b}')
  ROWS+=("| $backend | $me_rps, p99 $me_p99 ms | $v_rps ($pct%), p99 $v_p99 ms | $valid | $(awk -v s="$close_s" 'BEGIN {printf "%.2f s", s}') | $verify_s |")
done

{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, \`bench/ballots.sh --duration $DURATION\` (wrk -t2 -c8)."
  echo
  echo "| backend | /api/me req/s | votes/s (share of /api/me) | ballots counted (every used code) | close (quorum, tally, 10 entries, chain link) | kaoping verify |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
} | tee "$OUT/results.md"
