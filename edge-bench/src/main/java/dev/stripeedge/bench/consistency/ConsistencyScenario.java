package dev.stripeedge.bench.consistency;

import dev.stripeedge.bench.SimKeys;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.server.EdgeServer;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimMode;
import dev.stripeedge.sim.StripeSim;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Issue 17's consistency benchmark: {@link ConsistencyCheck} against a sidecar ({@link EdgeServer}
 * with its default SQLite tier and budget) in front of a fresh simulator, for a number of writes;
 * reports reads checked and stale reads found, which must be 0.
 *
 * <pre>{@code
 * bin/stripe-edge bench consistency [--writes 400] [--seed 17] [--json FILE]
 * }</pre>
 */
public final class ConsistencyScenario {

  private ConsistencyScenario() {}

  /** Runs one check on a fresh simulator and edge. */
  public static ConsistencyCheck.Report run(int writes, long seed) throws Exception {
    SimConfig simConfig =
        SimConfig.defaults()
            .withPort(0)
            .withMode(SimMode.LIVE)
            .withLimits(SimConfig.Limits.off())
            .withLatency(SimConfig.Latency.off());
    Path dir = Files.createTempDirectory("consistency");
    try (StripeSim sim = StripeSim.start(simConfig);
        EdgeServer edge =
            EdgeServer.start(
                EdgeSettings.defaults()
                    .with(
                        Map.of(
                            "port",
                            0,
                            "listeners.admin.port",
                            0,
                            "upstream",
                            sim.baseUrl(),
                            // The lists the check reads opted in (lists are off by default), so a
                            // write that adds or removes a member must drop the cached list too.
                            "cache.listResources",
                            ConsistencyCheck.LISTED,
                            "cache.listTtl",
                            Duration.ofSeconds(60),
                            "store.path",
                            dir.resolve("edge.db").toString())))) {
      return new ConsistencyCheck(
              "http://127.0.0.1:" + edge.port(), sim.baseUrl(), SimKeys.live("consistency"), seed)
          .run(writes);
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  public static void main(String[] args) throws Exception {
    int writes = 400;
    long seed = 17;
    Path json = null;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--writes" -> writes = Integer.parseInt(args[i + 1]);
        case "--seed" -> seed = Long.parseLong(args[i + 1]);
        case "--json" -> json = Path.of(args[i + 1]);
        // The launcher passes the common --duration; this scenario is sized by writes.
        case "--duration" -> {}
        default ->
            throw new IllegalArgumentException(
                "unknown option " + args[i] + "\nusage: consistency [--writes N] [--seed S]");
      }
    }
    long started = System.nanoTime();
    ConsistencyCheck.Report report = run(writes, seed);
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "consistency: seed %d, %d writes through the edge (%d applied), %d reads compared with"
            + " the simulator after them (%d of them cache hits), %d stale (%.1f s)%n",
        seed,
        report.writes(),
        report.writesApplied(),
        report.reads(),
        report.hits(),
        report.stale(),
        seconds);
    report.failures().forEach(System.out::println);
    if (json != null) {
      Files.writeString(
          json,
          String.format(
              Locale.ROOT,
              "{\"seed\":%d,\"writes\":%d,\"applied\":%d,\"reads\":%d,\"hits\":%d,"
                  + "\"stale\":%d,\"seconds\":%.1f}%n",
              seed,
              report.writes(),
              report.writesApplied(),
              report.reads(),
              report.hits(),
              report.stale(),
              seconds));
    }
    System.exit(report.stale() == 0 ? 0 : 1);
  }
}
