#!/usr/bin/env bash
# Edge hit path vs nginx proxy_cache holding the same object, same run, same machine; then the
# latency the edge adds to a miss (a list, which the edge does not cache) vs calling the
# simulator directly; CPU per hit of each server's processes from /proc. Prints lines for
# docs/benchmarks.md.
#
#   bench/hit-path.sh [DURATION_SECONDS] [--json FILE] [--svg FILE]   (or: bin/stripe-edge bench hit-path)
#
# Needs wrk and nginx (Debian: apt-get install wrk nginx); installs nothing itself. Loopback only.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
duration=20; json=""; svg=""
while [ $# -gt 0 ]; do
  case "$1" in
    --json) json="$2"; shift 2 ;;
    --svg) svg="$2"; shift 2 ;;
    *) duration="$1"; shift ;;
  esac
done
sim_port=12181; edge_port=12182; nginx_port=12183
key=sk_test_hitpath
for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install wrk nginx curl" >&2; exit 1; }
done
"$root/bin/stripe-edge" --version >/dev/null   # builds the jar if needed
. "$root/bin/lib/java-home.sh"; stripe_edge_java_home

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
. "$root/bench/lib/sidecar.sh"
await() { await_url "$1"; }

"$root/bin/stripe-edge" sim --port $sim_port --latency off --limits off >"$work/sim.log" 2>&1 &
pids+=($!)
await "http://127.0.0.1:$sim_port/"
# The budget shaper would pace the miss loop to Stripe's sandbox limit (22/s); this bench
# measures the edge's own cost, so it is off here.
printf 'budget:\n  enabled: false\n' >"$work/edge.yaml"
start_sidecar $edge_port 0 "http://127.0.0.1:$sim_port" "$work/edge.yaml"

# Workers run as the invoking user, so they can write the cache folder inside $work.
nginx_user=""; [ "$(id -u)" = 0 ] && nginx_user="user root;"
cat >"$work/nginx.conf" <<NGINX
$nginx_user
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  proxy_cache_path $work/cache keys_zone=stripe:10m;
  upstream sim { server 127.0.0.1:$sim_port; keepalive 64; }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://sim;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache stripe;
      proxy_cache_key "\$request_method\$request_uri\$http_authorization";
      proxy_cache_valid 200 60s;
      proxy_ignore_headers Cache-Control Expires Set-Cookie;
      add_header X-Cache-Status \$upstream_cache_status always;
    }
  }
}
NGINX
nginx -c "$work/nginx.conf" -p "$work"
await "http://127.0.0.1:$nginx_port/"

id=$(curl -s "http://127.0.0.1:$sim_port/v1/customers" -u "$key:" -d name=Jenny -d email=jenny@example.com \
  | sed -E 's/.*"id":"(cus_[^"]+)".*/\1/')
bytes=$(curl -s "http://127.0.0.1:$sim_port/v1/customers/$id" -u "$key:" | wc -c)
auth="Authorization: Bearer $key"

run() { wrk -t2 -c64 -d"$2" --latency -H "$auth" "$1"; }
rps() { echo "$1" | awk '/Requests\/sec/{print $2}'; }
pct() { echo "$1" | awk -v p=" $2%" 'index($0, p)==1 || index($0, p" ")>0 {print $2}'; }
p50() { echo "$1" | awk '/ 50%/{print $2}'; }
p99() { echo "$1" | awk '/ 99%/{print $2}'; }
bad() { echo "$1" | awk '/Non-2xx|Socket errors/{printf "%s ", $0}'; }

# CPU time (user + system, in clock ticks) of processes and their threads, from /proc: the
# figure that holds when wrk shares the cores (throughput then mostly measures wrk).
ticks() { local total=0 p; for p in "$@"; do total=$((total + $(awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$p/stat"))); done; echo "$total"; }
hz=$(getconf CLK_TCK)
edge_pid=${pids[1]}
nginx_pids() { echo "$(cat "$work/nginx.pid") $(pgrep -P "$(cat "$work/nginx.pid")" | tr '\n' ' ')"; }
requests() { echo "$1" | awk '/requests in/{print $1}'; }
# CPU µs per answered request: ticks spent during the run / requests wrk counted.
per_hit() { awk -v t="$1" -v hz="$hz" -v n="$2" 'BEGIN{printf "%.1f", t * 1e6 / hz / n}'; }

# Fill both caches and warm both servers' JITs/workers, then measure each in turn.
run "http://127.0.0.1:$edge_port/v1/customers/$id" 5s >/dev/null
run "http://127.0.0.1:$nginx_port/v1/customers/$id" 5s >/dev/null
before=$(ticks "$edge_pid")
edge=$(run "http://127.0.0.1:$edge_port/v1/customers/$id" "${duration}s")
edge_cpu=$(per_hit $(( $(ticks "$edge_pid") - before )) "$(requests "$edge")")
# shellcheck disable=SC2046 # one pid per word
before=$(ticks $(nginx_pids))
nginx=$(run "http://127.0.0.1:$nginx_port/v1/customers/$id" "${duration}s")
# shellcheck disable=SC2046
nginx_cpu=$(per_hit $(( $(ticks $(nginx_pids)) - before )) "$(requests "$nginx")")
status=$(curl -s -D - -o /dev/null -H "$auth" "http://127.0.0.1:$edge_port/v1/customers/$id" | tr -d '\r' | awk -F': ' 'tolower($1)=="cache-status"{print $2}')
nginx_status=$(curl -s -D - -o /dev/null -H "$auth" "http://127.0.0.1:$nginx_port/v1/customers/$id" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-cache-status"{print $2}')

# Misses: a list (not cached by default) through the edge vs straight to the simulator, one
# connection, so the figures are per-request latency rather than throughput.
wrk -t1 -c1 -d5s -H "$auth" "http://127.0.0.1:$edge_port/v1/customers?limit=3" >/dev/null
direct=$(wrk -t1 -c1 -d"${duration}s" --latency -H "$auth" "http://127.0.0.1:$sim_port/v1/customers?limit=3")
through=$(wrk -t1 -c1 -d"${duration}s" --latency -H "$auth" "http://127.0.0.1:$edge_port/v1/customers?limit=3")

case "$nginx_status" in HIT) ;; *) echo "nginx did not cache the object (X-Cache-Status: $nginx_status); see $work/nginx-error.log" >&2; cat "$work/nginx-error.log" >&2; exit 1 ;; esac
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), JDK $("$JAVA_HOME/bin/java" -version 2>&1 | head -1 | awk '{print $3}' | tr -d '"'), $(nginx -v 2>&1 | awk '{print $3}'); object ${bytes} bytes; edge Cache-Status: $status; nginx: $nginx_status"
echo "hit  edge  : $(rps "$edge") req/s, p50 $(p50 "$edge"), p99 $(p99 "$edge") $(bad "$edge") (wrk -t2 -c64 -d${duration}s)"
echo "hit  nginx : $(rps "$nginx") req/s, p50 $(p50 "$nginx"), p99 $(p99 "$nginx") $(bad "$nginx")"
echo "hit  ratio : $(awk -v a="$(rps "$edge")" -v b="$(rps "$nginx")" 'BEGIN{printf "%.2f", a/b}') x nginx req/s"
echo "hit  cpu   : edge ${edge_cpu} µs, nginx ${nginx_cpu} µs of CPU per hit (/proc, server processes only)"
echo "cpu  ratio : $(awk -v a="$edge_cpu" -v b="$nginx_cpu" 'BEGIN{printf "%.2f", a/b}') x nginx CPU per hit"
echo "miss direct: p50 $(p50 "$direct"), p99 $(p99 "$direct") (wrk -t1 -c1, GET /v1/customers?limit=3)"
echo "miss edge  : p50 $(p50 "$through"), p99 $(p99 "$through")"

if [ -n "$json" ]; then
  num() { echo "$1" | sed -E 's/us$/e-3/; s/ms$//; s/s$/e3/'; }   # wrk latency -> ms
  cat >"$json" <<JSON
{"benchmark":"hit-path","duration_s":$duration,"object_bytes":$bytes,
 "edge":{"rps":$(rps "$edge"),"p50_ms":$(num "$(p50 "$edge")"),"p99_ms":$(num "$(p99 "$edge")")},
 "nginx":{"rps":$(rps "$nginx"),"p50_ms":$(num "$(p50 "$nginx")"),"p99_ms":$(num "$(p99 "$nginx")")},
 "ratio_rps":$(awk -v a="$(rps "$edge")" -v b="$(rps "$nginx")" 'BEGIN{printf "%.3f", a/b}'),
 "cpu_us_per_hit":{"edge":$edge_cpu,"nginx":$nginx_cpu},
 "ratio_cpu":$(awk -v a="$edge_cpu" -v b="$nginx_cpu" 'BEGIN{printf "%.3f", a/b}'),
 "miss_direct":{"p50_ms":$(num "$(p50 "$direct")"),"p99_ms":$(num "$(p99 "$direct")")},
 "miss_edge":{"p50_ms":$(num "$(p50 "$through")"),"p99_ms":$(num "$(p99 "$through")")}}
JSON
  echo "wrote $json"
fi

if [ -n "$svg" ]; then
  {
    echo "# Hit path: edge vs nginx proxy_cache, same run (bench/hit-path.sh $duration)"
    echo "## CPU per hit (µs; lower is better)"
    echo "edge|$edge_cpu|µs"
    echo "nginx|$nginx_cpu|µs"
    echo "## Throughput (req/s; wrk on the same cores)"
    echo "edge|$(rps "$edge")|req/s"
    echo "nginx|$(rps "$nginx")|req/s"
  } | awk -f "$root/bench/lib/bars.awk" >"$svg"
  echo "wrote $svg"
fi
