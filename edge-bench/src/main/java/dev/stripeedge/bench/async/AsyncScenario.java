package dev.stripeedge.bench.async;

import dev.stripeedge.bench.SimKeys;
import dev.stripeedge.bench.async.Traffic.Answers;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.server.EdgeServer;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimMode;
import dev.stripeedge.sim.StripeSim;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Issue 12's load-levelling benchmark: a burst of creates (default 1,000 in 2 s, five times
 * Stripe's live limit of 100/s and twenty times the per-endpoint one) against the simulator in live
 * mode with its limits and realistic latency. In one run: the burst straight to the simulator
 * (synchronous, no retries: the baseline), then for each queue backend an edge of its own ({@code
 * asyncWrites.queue} = sqlite, sqs against ElasticMQ, kafka against a KRaft broker, all in this
 * JVM) and a fresh live account, on which
 *
 * <ol>
 *   <li>a steady stream of critical requests (PaymentIntent creates, {@code Priority: u=1},
 *       synchronous through the edge) runs alone for {@code --calm-seconds}: its p99 without the
 *       burst;
 *   <li>the same stream runs on while the burst is sent with {@code Prefer: respond-async} and
 *       until every accepted write has finished: its p99 during the drain.
 * </ol>
 *
 * <p>Reports the {@code 202}'s p50/p99 (from each request's scheduled start), the time from the
 * burst's start until every write finished, the creates sent upstream as a share of Stripe's
 * per-endpoint limit (25/s; the edge's budget is 24/s), the upstream 429s (simulator's counters),
 * and the critical p99 ratio.
 *
 * <pre>{@code
 * bin/stripe-edge bench async [--queue all|sqlite|sqs|kafka[,…]] [--writes 1000]
 *     [--burst-seconds 2] [--concurrency C] [--critical-rate 10] [--calm-seconds 15] [--json FILE]
 * }</pre>
 *
 * <p>{@code --concurrency} sets {@code asyncWrites.concurrency} (default: the edge's own default).
 */
public final class AsyncScenario {

  /** Stripe's live per-endpoint limit; the burst is all on one endpoint. */
  static final double ENDPOINT_LIMIT = 25;

  /** The edge's per-endpoint budget in live mode ({@code BudgetConfig.live()}). */
  static final double ENDPOINT_BUDGET = 24;

  private static final String CREATES = "POST /v1/customers ";

  private AsyncScenario() {}

  public static void main(String[] args) throws Exception {
    AsyncOptions options = AsyncOptions.parse(args);
    String load = Files.readString(Path.of("/proc/loadavg")).strip();
    SimConfig simConfig = SimConfig.defaults().withPort(0).withMode(SimMode.LIVE);
    HttpClient http = HttpClient.newHttpClient();
    Traffic traffic = new Traffic(http);
    AsyncReport.Direct direct;
    List<AsyncReport.Backend> backends = new ArrayList<>();
    try (StripeSim sim = StripeSim.start(simConfig);
        QueueServers servers = new QueueServers()) {
      Map<String, Long> before = sim.counters();
      Answers answers =
          traffic.burst(
              sim.baseUrl(),
              SimKeys.live("asyncdirect"),
              false,
              options.writes(),
              options.burstSeconds(),
              System.nanoTime());
      direct = new AsyncReport.Direct(answers, Upstream.of(before, sim.counters()));
      for (String queue : options.queues()) {
        backends.add(backend(queue, options, sim, servers, traffic));
      }
    }
    String loadAfter = Files.readString(Path.of("/proc/loadavg")).strip();
    AsyncReport report = new AsyncReport(options, load, loadAfter, direct, backends);
    System.out.print(report.text());
    if (options.json() != null) {
      Files.writeString(options.json(), report.json() + System.lineSeparator());
    }
  }

  private static AsyncReport.Backend backend(
      String queue, AsyncOptions options, StripeSim sim, QueueServers servers, Traffic traffic)
      throws Exception {
    String key = SimKeys.live("async" + queue);
    Path store = Files.createTempDirectory("bench-async-" + queue).resolve("edge.db");
    Map<String, Object> settings = new HashMap<>();
    settings.put("port", 0);
    settings.put("listeners.admin.port", 0);
    settings.put("upstream", sim.baseUrl());
    settings.put("store.path", store.toString());
    if (options.concurrency() > 0) {
      settings.put("asyncWrites.concurrency", options.concurrency());
    }
    settings.putAll(servers.settings(queue, "bench-async-" + queue + "-" + System.nanoTime()));
    try (EdgeServer edge = EdgeServer.start(EdgeSettings.defaults().with(settings))) {
      String edgeUrl = "http://127.0.0.1:" + edge.port();
      Traffic.Stream calmStream = traffic.critical(edgeUrl, key, options.criticalRate());
      LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(options.calmSeconds()));
      Answers calm = calmStream.stop();

      Map<String, Long> before = sim.counters();
      long start = System.nanoTime();
      Traffic.Stream duringStream = traffic.critical(edgeUrl, key, options.criticalRate());
      Answers burst =
          traffic.burst(edgeUrl, key, true, options.writes(), options.burstSeconds(), start);
      Drain drain = Drain.await(store, burst.accepted(), start);
      Answers during = duringStream.stop();
      Upstream upstream = Upstream.of(before, sim.counters());
      return new AsyncReport.Backend(queue, burst, drain, upstream, calm, during);
    }
  }

  /**
   * What reached the simulator between two readings of its counters.
   *
   * @param creates customer creates, whatever their answer
   * @param creates429 of those, answered 429
   * @param calls every call
   * @param limited every 429
   */
  record Upstream(long creates, long creates429, long calls, long limited) {

    static Upstream of(Map<String, Long> before, Map<String, Long> after) {
      long creates = 0;
      long creates429 = 0;
      long calls = 0;
      long limited = 0;
      for (Map.Entry<String, Long> e : after.entrySet()) {
        long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
        calls += d;
        boolean is429 = e.getKey().endsWith(" 429");
        limited += is429 ? d : 0;
        if (e.getKey().startsWith(CREATES)) {
          creates += d;
          creates429 += is429 ? d : 0;
        }
      }
      return new Upstream(creates, creates429, calls, limited);
    }
  }

  /** The options, parsed. */
  record AsyncOptions(
      List<String> queues,
      int writes,
      double burstSeconds,
      int concurrency,
      double criticalRate,
      long calmSeconds,
      @Nullable Path json,
      String command) {

    static AsyncOptions parse(String[] args) {
      List<String> queues = List.of("sqlite", "sqs", "kafka");
      int writes = 1000;
      double burstSeconds = 2;
      int concurrency = 0;
      double criticalRate = 10;
      long calmSeconds = 15;
      Path json = null;
      List<String> shown = new ArrayList<>();
      for (int i = 0; i + 1 < args.length; i += 2) {
        String value = args[i + 1];
        switch (args[i]) {
          case "--queue" ->
              queues =
                  value.equals("all")
                      ? List.of("sqlite", "sqs", "kafka")
                      : List.of(value.split(","));
          case "--writes" -> writes = Integer.parseInt(value);
          case "--burst-seconds" -> burstSeconds = Double.parseDouble(value);
          case "--concurrency" -> concurrency = Integer.parseInt(value);
          case "--critical-rate" -> criticalRate = Double.parseDouble(value);
          case "--calm-seconds" -> calmSeconds = Long.parseLong(value);
          case "--json" -> json = Path.of(value);
          // The launcher passes the common --duration; this scenario is sized by writes.
          case "--duration" -> {
            continue;
          }
          default ->
              throw new IllegalArgumentException(
                  "unknown option "
                      + args[i]
                      + "\nusage: async [--queue all|sqlite|sqs|kafka[,…]] [--writes N]"
                      + " [--burst-seconds S] [--concurrency C] [--critical-rate R]"
                      + " [--calm-seconds S] [--json FILE]");
        }
        if (!args[i].equals("--json")) {
          shown.add(args[i] + " " + value);
        }
      }
      for (String queue : queues) {
        if (!List.of("sqlite", "sqs", "kafka").contains(queue)) {
          throw new IllegalArgumentException("unknown queue " + queue + ": sqlite, sqs or kafka");
        }
      }
      return new AsyncOptions(
          List.copyOf(queues),
          writes,
          burstSeconds,
          concurrency,
          criticalRate,
          calmSeconds,
          json,
          String.join(" ", "bin/stripe-edge bench async", String.join(" ", shown)).strip());
    }
  }
}
