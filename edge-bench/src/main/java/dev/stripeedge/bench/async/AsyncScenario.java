package dev.stripeedge.bench.async;

import dev.stripeedge.bench.SimKeys;
import dev.stripeedge.bench.overload.OverloadScenario;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.server.EdgeServer;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimMode;
import dev.stripeedge.sim.StripeSim;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Issue 12's load-levelling benchmark: a burst of creates (default 1,000 in 2 s, five times
 * Stripe's live limit of 100/s) against the simulator in live mode with its limits and realistic
 * latency, three ways in one run, each with a fresh account: straight to the simulator
 * (synchronous, no retries), through the sidecar synchronously, and through the sidecar with {@code
 * Prefer: respond-async}. Reports per run the answers (2xx, 202, 429, other), their latency p50/p99
 * from the scheduled start, upstream calls and 429s from the simulator's counters; for the
 * asynchronous run also the time until every write succeeded and the upstream rate meanwhile as a
 * share of the limit.
 *
 * <pre>{@code
 * bin/stripe-edge bench async [--writes 1000] [--burst-seconds 2] [--concurrency 8] [--json FILE]
 * }</pre>
 *
 * <p>{@code --concurrency} is {@code asyncWrites.concurrency}, the writes the workers have in
 * flight at once (the budget shapes them further).
 *
 * <p>Requests start on schedule whatever the completions (each on its own virtual thread).
 */
public final class AsyncScenario {

  private static final double LIVE_LIMIT = 100;

  /** One run's figures. */
  record Run(
      String name,
      int sent,
      int ok,
      int accepted,
      int rateLimited,
      int other,
      double p50Ms,
      double p99Ms,
      long upstreamCalls,
      long upstream429,
      double drainSeconds) {

    String json() {
      return String.format(
          Locale.ROOT,
          "{\"name\":\"%s\",\"sent\":%d,\"ok\":%d,\"accepted\":%d,\"rate_limited\":%d,"
              + "\"other\":%d,\"p50_ms\":%.1f,\"p99_ms\":%.1f,\"upstream_calls\":%d,"
              + "\"upstream_429\":%d,\"drain_seconds\":%.1f}",
          name,
          sent,
          ok,
          accepted,
          rateLimited,
          other,
          p50Ms,
          p99Ms,
          upstreamCalls,
          upstream429,
          drainSeconds);
    }
  }

  private AsyncScenario() {}

  public static void main(String[] args) throws Exception {
    int writes = 1000;
    double burstSeconds = 2;
    int concurrency = 8;
    Path json = null;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--writes" -> writes = Integer.parseInt(args[i + 1]);
        case "--burst-seconds" -> burstSeconds = Double.parseDouble(args[i + 1]);
        case "--json" -> json = Path.of(args[i + 1]);
        case "--concurrency" -> concurrency = Integer.parseInt(args[i + 1]);
        // The launcher passes the common --duration; this scenario is sized by writes.
        case "--duration" -> {}
        default ->
            throw new IllegalArgumentException(
                "unknown option "
                    + args[i]
                    + "\nusage: async [--writes N] [--burst-seconds S] [--concurrency C]"
                    + " [--json FILE]");
      }
    }
    SimConfig simConfig = SimConfig.defaults().withPort(0).withMode(SimMode.LIVE);
    Path dir = Files.createTempDirectory("bench-async");
    Path store = dir.resolve("edge.db");
    HttpClient http = HttpClient.newHttpClient();
    List<Run> runs = new ArrayList<>();
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
                            "store.path",
                            store.toString(),
                            "asyncWrites.concurrency",
                            concurrency)))) {
      String edgeUrl = "http://127.0.0.1:" + edge.port();
      runs.add(burst("direct", http, sim, sim.baseUrl(), false, writes, burstSeconds, null));
      runs.add(burst("edge-sync", http, sim, edgeUrl, false, writes, burstSeconds, null));
      runs.add(burst("edge-async", http, sim, edgeUrl, true, writes, burstSeconds, store));
    }
    for (Run run : runs) {
      System.out.printf(
          Locale.ROOT,
          "%-10s %d writes in %.1f s: %d ok, %d accepted (202), %d 429, %d other;"
              + " answer p50 %.1f ms, p99 %.1f ms; upstream %d calls, %d 429%s%n",
          run.name(),
          run.sent(),
          burstSeconds,
          run.ok(),
          run.accepted(),
          run.rateLimited(),
          run.other(),
          run.p50Ms(),
          run.p99Ms(),
          run.upstreamCalls(),
          run.upstream429(),
          run.drainSeconds() > 0
              ? String.format(
                  Locale.ROOT,
                  "; drained in %.1f s = %.0f writes/s (%.0f %% of the live limit)",
                  run.drainSeconds(),
                  run.sent() / run.drainSeconds(),
                  100 * run.sent() / run.drainSeconds() / LIVE_LIMIT)
              : "");
    }
    System.out.printf(Locale.ROOT, "asyncWrites.concurrency %d%n", concurrency);
    Run direct = runs.get(0);
    Run async = runs.get(2);
    System.out.printf(
        Locale.ROOT,
        "ratios: writes applied direct/async %.2f; 202 p99 vs direct p99 %.3f×%n",
        (double) direct.ok() / Math.max(1, async.sent()),
        async.p99Ms() / direct.p99Ms());
    if (json != null) {
      Files.writeString(
          json,
          "["
              + String.join(",", runs.stream().map(Run::json).toList())
              + "]"
              + System.lineSeparator());
    }
  }

  /** Sends {@code writes} creates spread over {@code seconds}, each with a fresh account's key. */
  private static Run burst(
      String name,
      HttpClient http,
      StripeSim sim,
      String baseUrl,
      boolean async,
      int writes,
      double seconds,
      @Nullable Path store)
      throws Exception {
    String key = SimKeys.live("async" + name.replace("-", ""));
    Map<String, Long> before = sim.counters();
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    int[] counts = new int[4];
    CountDownLatch done = new CountDownLatch(writes);
    long start = System.nanoTime();
    long spacing = (long) (seconds * 1e9 / writes);
    for (int i = 0; i < writes; i++) {
      long at = start + i * spacing;
      LockSupport.parkNanos(at - System.nanoTime());
      int n = i;
      Thread.ofVirtual()
          .start(
              () -> {
                int status;
                try {
                  HttpRequest.Builder request =
                      HttpRequest.newBuilder(URI.create(baseUrl + "/v1/customers"))
                          .header("Authorization", "Bearer " + key)
                          .header("Content-Type", "application/x-www-form-urlencoded")
                          .POST(HttpRequest.BodyPublishers.ofString("name=Burst&metadata[n]=" + n));
                  if (async) {
                    request.header("Prefer", "respond-async");
                  }
                  status =
                      http.send(request.build(), HttpResponse.BodyHandlers.discarding())
                          .statusCode();
                } catch (Exception e) {
                  status = 0;
                }
                latencies.add(System.nanoTime() - at);
                synchronized (counts) {
                  counts[status == 202 ? 1 : status / 100 == 2 ? 0 : status == 429 ? 2 : 3]++;
                }
                done.countDown();
              });
    }
    if (!done.await(300, TimeUnit.SECONDS)) {
      System.out.printf("%s: %d requests never finished%n", name, done.getCount());
    }
    double drain = 0;
    if (async && store != null) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
      while (finished(store) < counts[1] && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      drain = (System.nanoTime() - start) / 1e9;
    }
    long[] upstream = OverloadScenario.delta(before, sim.counters());
    List<Long> sorted = new ArrayList<>(latencies);
    Collections.sort(sorted);
    return new Run(
        name,
        writes,
        counts[0],
        counts[1],
        counts[2],
        counts[3],
        percentile(sorted, 0.50),
        percentile(sorted, 0.99),
        upstream[0],
        upstream[1],
        drain);
  }

  private static long finished(Path store) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + store);
        Statement statement = connection.createStatement();
        ResultSet row =
            statement.executeQuery(
                "SELECT COUNT(*) FROM async_writes"
                    + " WHERE state IN ('succeeded', 'failed', 'dead')")) {
      return row.next() ? row.getLong(1) : 0;
    }
  }

  private static double percentile(List<Long> sorted, double q) {
    if (sorted.isEmpty()) {
      return 0;
    }
    int index = (int) Math.min(sorted.size() - 1, Math.ceil(q * sorted.size()) - 1);
    return sorted.get(Math.max(0, index)) / 1e6;
  }
}
