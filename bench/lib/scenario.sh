# Runs one of edge-bench's scenario classes; sourced by bench/<scenario>.sh.
# (Scenarios that need a process beside them start it with bench/lib/sidecar.sh.)
#   run_scenario NAME CLASS [DURATION_SECONDS] [--option value ...]
# A leading number is the duration; --json and --svg paths are made absolute (the JVM runs from
# the checkout). Builds edge-bench's jar when it is missing or older than the sources.
run_scenario() {
  local name=$1 class=$2 root
  shift 2
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  local args=()
  if [ $# -gt 0 ] && [[ "$1" != --* ]]; then args+=(--duration "$1"); shift; fi
  while [ $# -gt 0 ]; do
    case "$1" in
      --json|--svg) args+=("$1" "$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"); shift 2 ;;
      *) args+=("$1"); shift ;;
    esac
  done
  . "$root/bin/lib/java-home.sh"; stripe_edge_java_home
  local jar="$root/edge-bench/target/benchmarks.jar"
  if [ ! -f "$jar" ] || [ -n "$(find "$root"/*/src/main "$root"/*/pom.xml -newer "$jar" -type f -print -quit)" ]; then
    echo "$name: building edge-bench..." >&2
    (cd "$root" && ./mvnw -q -DskipTests -Dspotless.check.skip=true -Djacoco.skip=true \
      -pl edge-bench -am package >&2)
  fi
  # scenario_keep_shell=1: run the JVM as a child, so the caller's EXIT trap (processes it
  # started for the scenario) still runs afterwards.
  if [ -n "${scenario_keep_shell:-}" ]; then
    # shellcheck disable=SC2046
    "$JAVA_HOME/bin/java" $(stripe_edge_jvm_options) -cp "$jar" "$class" "${args[@]}"
    return
  fi
  # shellcheck disable=SC2046
  exec "$JAVA_HOME/bin/java" $(stripe_edge_jvm_options) -cp "$jar" "$class" "${args[@]}"
}
