#!/usr/bin/env bash
# Issue 5's overload benchmark: an open-loop mix (6% critical PaymentIntent creates, 34% normal
# customer retrieves, 60% background lists) well above Stripe's live 100 req/s, against the
# simulator in live mode; stripe-java straight to it (default retries) and then the in-process
# edge pipeline with BudgetConfig.live(), in the same run. Prints a table per lane.
#
#   bench/overload.sh [DURATION_SECONDS] [--rate R] [--forecast on|off] [--warm] [--json FILE]
#                     [--svg FILE]
#   (--warm adds a third run: the edge after stripe-edge warm, customers kept 10 min)
#                                                    (or: bin/stripe-edge bench overload ...)
#
# Needs only a JDK; builds edge-bench's jar if it is missing or older than the sources.
set -euo pipefail
. "$(dirname "$0")/lib/scenario.sh"
run_scenario overload dev.stripeedge.bench.overload.OverloadScenario "$@"
