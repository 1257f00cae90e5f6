#!/usr/bin/env bash
# Issue 7's tiers benchmark: hit latency per tier (memory, Redis, DynamoDB Local, SQLite) as the
# pipeline sees it, and upstream calls for one workload over three edges with isolated memories
# vs a shared tier.
#
#   bench/tiers.sh [DURATION_IGNORED] [--objects N] [--requests N] [--json FILE]
#                                                    (or: bin/stripe-edge bench tiers ...)
#
# Needs only a JDK; builds edge-bench's jar if it is missing or older than the sources.
set -euo pipefail
. "$(dirname "$0")/lib/scenario.sh"
run_scenario tiers dev.stripeedge.bench.tiers.TiersScenario "$@"
