#!/usr/bin/env bash
# Issue 5's overload benchmark: an open-loop mix (6% critical PaymentIntent creates, 34% normal
# customer retrieves, 60% background lists) well above Stripe's live 100 req/s, against the
# simulator in live mode; stripe-java straight to it (default retries) and then the in-process
# edge pipeline with BudgetConfig.live(), in the same run. Prints a table per lane.
#
#   bench/overload.sh [DURATION_SECONDS] [--rate R] [--forecast on|off] [--warm] [--sidecar]
#                     [--json FILE] [--svg FILE]
#   (--warm adds a run: the edge after stripe-edge warm, customers kept 10 min)
#   (--sidecar adds a run: the same load over HTTP through bin/stripe-edge serve, started here as
#    its own process with default settings, upstream the bench's simulator; then its
#    latency report, where each route's time went)
#                                                    (or: bin/stripe-edge bench overload ...)
#
# Needs only a JDK (and curl for --sidecar); builds the jars if missing or older than the sources.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/bench/lib/scenario.sh"
args=()
sidecar=""
for arg in "$@"; do
  if [ "$arg" = --sidecar ]; then sidecar=1; else args+=("$arg"); fi
done
if [ -z "$sidecar" ]; then
  run_scenario overload dev.stripeedge.bench.overload.OverloadScenario "${args[@]}"
fi

sim_port=12191; edge_port=12192; admin_port=12193
command -v curl >/dev/null || { echo "--sidecar needs curl" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
. "$root/bench/lib/sidecar.sh"
"$root/bin/stripe-edge" --version >/dev/null   # builds the jar if needed
# Default settings but a store of its own; the simulator it points at starts with the scenario.
printf 'store:\n  path: %s/edge.db\n' "$work" >"$work/edge.yaml"
start_sidecar $edge_port $admin_port "http://127.0.0.1:$sim_port" "$work/edge.yaml"
scenario_keep_shell=1 run_scenario overload dev.stripeedge.bench.overload.OverloadScenario \
  "${args[@]}" --sim-port $sim_port --sidecar "http://127.0.0.1:$edge_port/"
echo
echo "the sidecar's own latency report (GET /admin/latency: its run only):"
"$root/bin/stripe-edge" report latency --admin "http://127.0.0.1:$admin_port"
