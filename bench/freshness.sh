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
  echo "freshness: building edge-bench..." >&2
  (cd "$root" && ./mvnw -q -DskipTests -Dspotless.check.skip=true -Djacoco.skip=true \
    -pl edge-bench -am install >&2)
fi
# shellcheck disable=SC2046
exec "$JAVA_HOME/bin/java" $(stripe_edge_jvm_options) -cp "$jar" dev.stripeedge.bench.freshness.FreshnessScenario "${args[@]}"
