#!/usr/bin/env bash
# stripe-sim speed: wrk against GET /v1/customers/{id} and POST /v1/customers (latency and
# limits off; the JVM's default heap, since every POST keeps a customer and an event), then 1M
# customers seeded into a 2 GB heap. Prints lines for docs/benchmarks.md.
#
#   bench/sim-speed.sh [DURATION_SECONDS] [--json FILE]     (or: bin/stripe-edge bench sim-speed)
#
# Baseline in the same run (optional): stripe-stateful-mock, the stateful fake most like ours.
#   npm install --prefix /tmp/ssm stripe-stateful-mock@0.0.16
#   STRIPE_STATEFUL_MOCK_CLI=/tmp/ssm/node_modules/stripe-stateful-mock/dist/cli.js bench/sim-speed.sh
# Needs wrk (Debian: apt-get install wrk); installs nothing itself. Loopback only.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
duration=20; json=""
while [ $# -gt 0 ]; do
  case "$1" in
    --json) json="$2"; shift 2 ;;
    *) duration="$1"; shift ;;
  esac
done
results=()
port=12199
key=sk_test_bench

command -v wrk >/dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 1; }
"$root/bin/stripe-edge" --version >/dev/null   # builds the jar if needed
. "$root/bin/lib/java-home.sh"; stripe_edge_java_home

server_pid=""
stop_server() { [ -n "$server_pid" ] && { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true; }; server_pid=""; }
trap stop_server EXIT
await_port() {
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/v1/customers" -u "$key:" && return; sleep 0.1; done
  echo "server on $port did not start" >&2; exit 1
}
# start_sim [JAVA_OPTS]: the simulator as users run it, through the launcher.
start_sim() {
  STRIPE_EDGE_JAVA_OPTS="${1:-}" "$root/bin/stripe-edge" sim \
    --port $port --latency off --limits off >/tmp/sim-bench.log 2>&1 &
  server_pid=$!; await_port
}
start_baseline() {
  PORT=$port node "$STRIPE_STATEFUL_MOCK_CLI" >/tmp/baseline-bench.log 2>&1 &
  server_pid=$!; await_port
}

rps() { echo "$1" | awk '/Requests\/sec/{print $2}'; }
p99() { echo "$1" | awk '/ 99%/{print $2}'; }
errors() { echo "$1" | awk '/Non-2xx|Socket errors/{printf "%s ", $0}'; }

# measure NAME: warm-up then a measured wrk run for GET one customer and POST a customer.
measure() {
  local name=$1 id lua get post
  id=$(curl -s "http://127.0.0.1:$port/v1/customers" -u "$key:" -d name=Bench -d email=bench@example.com \
    | sed -E 's/.*"id":"(cus_[^"]+)".*/\1/')
  lua=$(mktemp)
  cat >"$lua" <<LUA
wrk.method = "POST"
wrk.body = "name=Jenny+Rosen&email=jenny%40example.com&metadata[order]=6735"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Bearer $key"
LUA
  wrk -t2 -c64 -d5s -H "Authorization: Bearer $key" "http://127.0.0.1:$port/v1/customers/$id" >/dev/null
  get=$(wrk -t2 -c64 -d"${duration}s" --latency -H "Authorization: Bearer $key" "http://127.0.0.1:$port/v1/customers/$id")
  wrk -t2 -c64 -d5s -s "$lua" "http://127.0.0.1:$port/v1/customers" >/dev/null
  post=$(wrk -t2 -c64 -d"${duration}s" --latency -s "$lua" "http://127.0.0.1:$port/v1/customers")
  rm -f "$lua"
  results+=("\"$name\":{\"get_rps\":$(rps "$get"),\"post_rps\":$(rps "$post")}")
  echo "$name GET  /v1/customers/{id}: $(rps "$get") req/s, p99 $(p99 "$get") $(errors "$get")"
  echo "$name POST /v1/customers:      $(rps "$post") req/s, p99 $(p99 "$post") $(errors "$post")"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), JDK $("$JAVA_HOME/bin/java" -version 2>&1 | head -1 | awk '{print $3}' | tr -d '"'); wrk -t2 -c64 -d${duration}s"
start_sim
measure stripe-sim
echo "stripe-sim outcomes: $(curl -s "http://127.0.0.1:$port/_sim/counters")"
stop_server

if [ -n "${STRIPE_STATEFUL_MOCK_CLI:-}" ]; then
  start_baseline
  measure stripe-stateful-mock
  stop_server
fi

start_sim "-Xms2g -Xmx2g"
seed_start=$(date +%s)
curl -sf "http://127.0.0.1:$port/_sim/seed" -u "$key:" -H 'Content-Type: application/json' \
  -d '{"resource":"customers","count":1000000}' >/dev/null
seed_secs=$(( $(date +%s) - seed_start ))
"$JAVA_HOME/bin/jcmd" "$server_pid" GC.run >/dev/null
sleep 1
heap=$("$JAVA_HOME/bin/jcmd" "$server_pid" GC.heap_info | grep -oE 'used [0-9]+K' | head -1 | grep -oE '[0-9]+')
echo "stripe-sim 1M customers seeded in ${seed_secs}s; heap used after a full GC: $(( heap / 1024 )) MiB (-Xmx2g)"

if [ -n "$json" ]; then
  printf '{"benchmark":"sim-speed","duration_s":%s,%s,"seed_1m_heap_mib":%s}\n' \
    "$duration" "$(IFS=,; echo "${results[*]}")" "$(( heap / 1024 ))" >"$json"
  echo "wrote $json"
fi
