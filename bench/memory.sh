#!/usr/bin/env bash
# Issue 20's memory benchmark: the heap the in-memory tier takes for a million cached customers
# (the simulator's bodies and headers), bytes per entry and overhead over the raw JSON, the tier's
# own weight estimate against the measured heap, then a Zipf(0.99) workload over twice as many
# keys against a 256 MiB bound: the bound must hold.
#
#   bench/memory.sh [--entries N] [--zipf-keys N] [--bound-mb M]   (or: bin/stripe-edge bench memory)
#
# Needs only a JDK (heap: the JVM's default, a quarter of memory; 4 GiB is plenty for a million).
set -euo pipefail
. "$(dirname "$0")/lib/scenario.sh"
run_scenario memory dev.stripeedge.bench.memory.MemoryScenario "$@"
