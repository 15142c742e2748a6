# Shared by bench/server.sh and bench/ballots.sh (sourced): wrk installed when missing, a free port, and
# wrk's requests/s and p99 of one run.

need_wrk() {
  if ! command -v wrk >/dev/null; then
    echo "== installing wrk" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2
  fi
}

# A free port.
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wrk's requests/s and p99 (ms) of one run: "RPS P99".
wrk_stats() {
  awk '/Requests\/sec/ {rps=$2}
       /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; p99=v}
       END {printf "%d %.2f\n", rps, p99}'
}
