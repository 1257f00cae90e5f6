#!/usr/bin/env bash
# Issue 12's load-levelling benchmark: a burst of creates (1,000 in 2 s) against the simulator in
# live mode (limits on: 100/s, 25/s per endpoint), straight to it (the baseline), then through the
# edge with Prefer: respond-async on each queue backend (SQLite; SQS against ElasticMQ and Kafka
# against a KRaft broker, both in the benchmark's JVM), each on a fresh live account, with a steady
# stream of critical PaymentIntent creates alone and then alongside the burst until it drained.
#
#   bench/async.sh [--queue all|sqlite|sqs|kafka[,...]] [--writes N] [--burst-seconds S]
#                  [--concurrency C] [--critical-rate R] [--calm-seconds S] [--json FILE]
#                  (or: bin/stripe-edge bench async ...)
#
# Needs only a JDK; builds edge-bench's jar if it is missing or older than the sources.
set -euo pipefail
. "$(dirname "$0")/lib/scenario.sh"
run_scenario async dev.stripeedge.bench.async.AsyncScenario "$@"
