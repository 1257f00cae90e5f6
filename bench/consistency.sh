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
root="$(cd "$(dirname "$0")/.." && pwd)"
args=()
if [ $# -gt 0 ] && [[ "$1" != --* ]]; then args+=(--duration "$1"); shift; fi
while [ $# -gt 0 ]; do
  case "$1" in
    --json) args+=("$1" "$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"); shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
. "$root/bin/lib/java-home.sh"; stripe_edge_java_home
jar="$root/edge-bench/target/benchmarks.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$root"/*/src/main "$root"/*/pom.xml -newer "$jar" -type f -print -quit)" ]; then
  echo "consistency: building edge-bench..." >&2
  (cd "$root" && ./mvnw -q -DskipTests -Dspotless.check.skip=true -Djacoco.skip=true \
    -pl edge-bench -am install >&2)
fi
# shellcheck disable=SC2046
exec "$JAVA_HOME/bin/java" $(stripe_edge_jvm_options) -cp "$jar" dev.stripeedge.bench.consistency.ConsistencyScenario "${args[@]}"
