#!/usr/bin/env bash
# Issue 6's freshness benchmark: customers read through the sidecar (webhooks and reconciliation
# on) while they change out of band on the simulator; time until the edge serves each change,
# regressions and stale reads after own writes. Three runs: clean deliveries, 10% dropped,
# duplicated and reordered.
#
#   bench/freshness.sh [DURATION_SECONDS] [--delay-ms MS] [--reconcile-seconds S]
#                      [--latency realistic|off] [--json FILE]   (or: bin/stripe-edge bench freshness ...)
#
# Needs only a JDK; builds edge-bench's jar if it is missing or older than the sources.
set -euo pipefail
. "$(dirname "$0")/lib/scenario.sh"
run_scenario freshness dev.stripeedge.bench.freshness.FreshnessScenario "$@"
