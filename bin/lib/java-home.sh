# Finds a JDK >= 21 and exports JAVA_HOME; sourced by mvnw, bin/stripe-edge and .ci/run.
# POSIX sh on purpose: mvnw runs under /bin/sh.
#
# Order: a JAVA_HOME that fits, then the `java` on PATH, then the usual JDK folders
# (newest first). A newcomer never has to export anything by hand.

STRIPE_EDGE_MIN_JAVA=21

# Prints the feature version (17, 21, 25, ...) of the JDK at $1, or nothing.
stripe_edge_jdk_version() {
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  if [ -f "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" | head -n 1
  else
    "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
  fi
}

stripe_edge_fits() {
  v=$(stripe_edge_jdk_version "$1")
  [ -n "$v" ] && [ "$v" -ge "$STRIPE_EDGE_MIN_JAVA" ]
}

stripe_edge_java_home() {
  if [ -n "${JAVA_HOME-}" ] && stripe_edge_fits "$JAVA_HOME"; then
    export JAVA_HOME
    return 0
  fi
  on_path=$(command -v java 2>/dev/null || true)
  if [ -n "$on_path" ]; then
    home=$(dirname "$(dirname "$(readlink -f "$on_path")")")
    if stripe_edge_fits "$home"; then
      JAVA_HOME=$home
      export JAVA_HOME
      return 0
    fi
  fi
  best=""
  best_v=0
  # mvnw runs with `set -f`; the search needs globbing.
  case $- in *f*) reglob=1; set +f ;; *) reglob=0 ;; esac
  for home in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /usr/local/jdk* \
    "${HOME-}"/.sdkman/candidates/java/* "${HOME-}"/.jdks/* \
    /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$home" ] || continue
    v=$(stripe_edge_jdk_version "$home")
    if [ -n "$v" ] && [ "$v" -ge "$STRIPE_EDGE_MIN_JAVA" ] && [ "$v" -gt "$best_v" ]; then
      best=$home
      best_v=$v
    fi
  done
  [ "$reglob" = 1 ] && set -f
  if [ -n "$best" ]; then
    JAVA_HOME=$best
    export JAVA_HOME
    return 0
  fi
  {
    echo "stripe-edge needs a JDK $STRIPE_EDGE_MIN_JAVA or newer (java and javac), and found none."
    echo "  JAVA_HOME: ${JAVA_HOME:-(not set)}"
    echo "  java on PATH: ${on_path:-(none)}"
    echo "  searched: /usr/lib/jvm, /usr/java, /opt/java, ~/.sdkman, ~/.jdks"
    echo "Install one (Debian: apt-get install openjdk-21-jdk-headless) or set JAVA_HOME to it."
  } >&2
  return 1
}

# Prints the JVM options every stripe-edge process gets on the JDK at $JAVA_HOME.
# Netty reads and writes direct buffers through sun.misc.Unsafe. From JDK 24 the JVM warns on
# that access by default and Netty then falls back to bounds- and scope-checked ByteBuffer calls,
# byte by byte for headers: the edge's hit path lost a fifth of its requests/s (docs/decisions.md
# §18). The option exists from JDK 23; native access is for sqlite-jdbc's library (a warning
# otherwise, a refusal in a future JDK).
stripe_edge_jvm_options() {
  printf '%s' "--enable-native-access=ALL-UNNAMED"
  v=$(stripe_edge_jdk_version "$JAVA_HOME")
  if [ -n "$v" ] && [ "$v" -ge 23 ]; then
    printf ' %s' "--sun-misc-unsafe-memory-access=allow"
  fi
}
