#!/usr/bin/env bash
# Issue 12's load-levelling benchmark: a burst of creates (1,000 in 2 s) against the simulator in
# live mode (limits on: 100/s), straight to it, through the sidecar synchronously, and through the
# sidecar with Prefer: respond-async; answers, latency, upstream 429s and the asynchronous drain.
#
#   bench/async.sh [DURATION_SECONDS] [--writes N] [--burst-seconds S] [--json FILE]
#                  (or: bin/stripe-edge bench async ...)
#
# Needs only a JDK; builds edge-bench's jar if it is missing or older than the sources.
set -euo pipefail
. "$(dirname "$0")/lib/scenario.sh"
run_scenario async dev.stripeedge.bench.async.AsyncScenario "$@"
