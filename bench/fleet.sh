#!/usr/bin/env bash
# Issue 16's fleet benchmark: three bin/stripe-edge serve processes sharing a real redis-server
# and DynamoDB Local (in the bench's JVM), the simulator's webhooks reaching them round robin
# through a relay (with duplicates), customers changed out of band, the reconciler's leader killed
# with kill -9 and restarted mid-run. Two phases, same run: tiers keeping entries as memory does
# (the baseline) and for 24 h. Reports events applied once, leader changes and the time with no
# leader, freshness across edges, regressions, upstream calls per 1,000 reads.
#
#   bench/fleet.sh [DURATION_SECONDS] [--hot N] [--cold N] [--ttl-seconds S]
#                  [--reconcile-seconds S] [--down-seconds S] [--duplicate RATE]
#                  [--stores redis,dynamodb] [--latency realistic|off] [--json FILE] [--svg FILE]
#                                                    (or: bin/stripe-edge bench fleet ...)
#
# DURATION_SECONDS is per phase (default 30; with the edges' starts about 4-6 minutes in all on 2 shared cores). Needs a JDK and
# redis-server on PATH (Debian: apt-get install redis-server); builds the jars if needed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/bench/lib/scenario.sh"
command -v redis-server >/dev/null || { echo "needs redis-server: apt-get install redis-server" >&2; exit 1; }
"$root/bin/stripe-edge" --version >/dev/null   # builds the edges' jar if needed
args=(); svg=""
while [ $# -gt 0 ]; do
  case "$1" in
    --svg) svg="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
if [ -z "$svg" ]; then
  run_scenario fleet dev.stripeedge.bench.fleet.FleetScenario "${args[@]}" --launcher "$root/bin/stripe-edge"
fi
rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
scenario_keep_shell=1 run_scenario fleet dev.stripeedge.bench.fleet.FleetScenario "${args[@]}" \
  --launcher "$root/bin/stripe-edge" --bars "$rows"
awk -f "$root/bench/lib/bars.awk" "$rows" >"$svg"
echo "wrote $svg"
