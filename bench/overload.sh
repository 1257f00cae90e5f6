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
root="$(cd "$(dirname "$0")/.." && pwd)"
args=()
if [ $# -gt 0 ] && [[ "$1" != --* ]]; then args+=(--duration "$1"); shift; fi
while [ $# -gt 0 ]; do
  case "$1" in
    --json|--svg) args+=("$1" "$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"); shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
. "$root/bin/lib/java-home.sh"; stripe_edge_java_home
jar="$root/edge-bench/target/benchmarks.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$root"/*/src/main "$root"/*/pom.xml -newer "$jar" -type f -print -quit)" ]; then
  echo "overload: building edge-bench..." >&2
  (cd "$root" && ./mvnw -q -DskipTests -Dspotless.check.skip=true -Djacoco.skip=true \
    -pl edge-bench -am install >&2)
fi
# shellcheck disable=SC2046
exec "$JAVA_HOME/bin/java" $(stripe_edge_jvm_options) -cp "$jar" dev.stripeedge.bench.overload.OverloadScenario "${args[@]}"
