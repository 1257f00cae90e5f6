#!/usr/bin/env bash
# Issue 14's isolation benchmark: two in-process edges (with and without isolation) over one
# simulator in live mode, each with 10 PaymentIntent creates and 20 invoice lists a second on one
# account; after a warm phase invoice listing turns 5 s slow, then recovers. Prints the creates'
# p50/p99 per phase, what the invoices' clients saw, time to detect and to recover.
#
#   bench/isolation.sh [PHASE_SECONDS]              (or: bin/stripe-edge bench isolation ...)
#
# Needs only a JDK; builds edge-bench's jar if it is missing or older than the sources.
set -euo pipefail
. "$(dirname "$0")/lib/scenario.sh"
run_scenario isolation dev.stripeedge.bench.isolation.IsolationScenario "$@"
