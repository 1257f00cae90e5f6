#!/usr/bin/env bash
# Issue 17's consistency benchmark: random, seeded Stripe flows (payments, captures, refunds,
# payment methods, subscriptions, customer deletes) through the sidecar; after every write every
# object touched is read through the edge and straight from the simulator. Reports reads compared
# and stale reads found (must be 0; exits 1 otherwise).
#
#   bench/consistency.sh [DURATION_IGNORED] [--writes N] [--seed S] [--json FILE]
#                        (or: bin/stripe-edge bench consistency ...)
#
# Needs only a JDK; builds edge-bench's jar if it is missing or older than the sources.
set -euo pipefail
. "$(dirname "$0")/lib/scenario.sh"
run_scenario consistency dev.stripeedge.bench.consistency.ConsistencyScenario "$@"
