package dev.stripeedge.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Unmatched;

/**
 * {@code stripe-edge bench <scenario>}: runs a benchmark scenario from {@code bench/}.
 *
 * <p>The scenarios orchestrate other programs (wrk, nginx, the simulator, the edge), which a shell
 * script does plainly; this command gives them one entry point. They need a checkout: the launcher
 * says where it is ({@code STRIPE_EDGE_HOME}).
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a benchmark scenario and prints lines for docs/benchmarks.md.",
      "  hit-path   edge cache hits vs nginx proxy_cache; miss overhead vs the simulator",
      "  sim-speed  the simulator's throughput (vs stripe-stateful-mock if installed) and memory",
      "  overload   300 req/s lane mix vs Stripe's live limits, stripe-java vs the edge",
      "             (also --rate R, --warm, --svg FILE; --sidecar: the same load through",
      "             bin/stripe-edge serve in its own process; needs only a JDK)",
      "  freshness  time until the edge serves an out-of-band change; dropped,",
      "             duplicated, reordered webhooks (also --delay-ms, --reconcile-seconds,",
      "             --latency realistic|off; needs only a JDK)",
      "  tiers      hit latency per tier; three edges isolated vs sharing a tier",
      "             (also --objects N, --requests N; needs only a JDK)",
      "  consistency random flows through the edge, every read after a write compared",
      "             with the simulator; stale reads must be 0 (also --writes N, --seed S)",
      "  isolation  creates' p99 while invoice listing is 5 s slow, with and without",
      "             isolation, same run (duration = seconds per phase; needs only a JDK)",
      "  async      a burst of creates straight to the simulator, then through the edge with",
      "             Prefer: respond-async on each queue backend (SQS against ElasticMQ, Kafka",
      "             against a KRaft broker, both in process), critical traffic alongside",
      "             (also --queue all|sqlite|sqs|kafka, --writes N, --burst-seconds S,",
      "             --concurrency C, --critical-rate R, --calm-seconds S; needs only a JDK)",
      "  memory     heap per cached customer for a million in memory; the byte bound under a",
      "             Zipf load twice that size (also --entries N, --bound-mb M; needs only a JDK)",
      "  fleet      three edges sharing Redis and DynamoDB Local, webhooks round robin, the",
      "             leader killed: events applied once, leader gap, freshness, upstream calls",
      "             with 24 h tier retention vs none, same run (duration = seconds per phase;",
      "             also --svg FILE; needs a JDK and redis-server)",
      "Needs wrk (and nginx for hit-path): apt-get install wrk nginx. Installs nothing itself."
    })
final class BenchCommand implements Callable<Integer> {

  private static final List<String> SCENARIOS =
      List.of(
          "hit-path",
          "sim-speed",
          "overload",
          "freshness",
          "tiers",
          "consistency",
          "isolation",
          "async",
          "memory",
          "fleet");

  @Parameters(
      index = "0",
      description =
          "hit-path, sim-speed, overload, freshness, tiers, consistency, isolation, async,"
              + " memory or fleet")
  String scenario = "";

  @Option(
      names = "--duration",
      description = "Seconds per measured run (default: ${DEFAULT-VALUE}).")
  int duration = 20;

  @Option(names = "--json", description = "Also write the results as JSON to this file.")
  @Nullable Path json;

  /** Further options for the scenario's script (overload: {@code --rate R}, {@code --svg FILE}). */
  @Unmatched List<String> passThrough = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    if (!SCENARIOS.contains(scenario)) {
      throw new IllegalArgumentException(
          "unknown scenario '" + scenario + "': try " + String.join(", ", SCENARIOS));
    }
    String home = System.getenv("STRIPE_EDGE_HOME");
    if (home == null || home.isBlank()) {
      throw new IllegalStateException("run benchmarks through bin/stripe-edge in a checkout");
    }
    Path script = Path.of(home, "bench", scenario + ".sh");
    if (!Files.isExecutable(script)) {
      throw new IllegalStateException("missing scenario script " + script);
    }
    List<String> command =
        new ArrayList<>(List.of("bash", script.toString(), String.valueOf(duration)));
    if (json != null) {
      command.add("--json");
      command.add(json.toAbsolutePath().toString());
    }
    command.addAll(passThrough);
    return new ProcessBuilder(command).inheritIO().start().waitFor();
  }
}
