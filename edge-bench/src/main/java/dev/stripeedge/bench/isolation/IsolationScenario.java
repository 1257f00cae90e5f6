package dev.stripeedge.bench.isolation;

import dev.stripeedge.bench.SimKeys;
import dev.stripeedge.bench.overload.LoadMix;
import dev.stripeedge.core.EdgeHeaders;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Upstream;
import dev.stripeedge.core.budget.BudgetConfig;
import dev.stripeedge.core.isolation.Isolation;
import dev.stripeedge.core.isolation.IsolationConfig;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimConfig.FaultKind;
import dev.stripeedge.sim.SimConfig.FaultRule;
import dev.stripeedge.sim.SimMode;
import dev.stripeedge.sim.StripeSim;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bench isolation}: two in-process edges over one simulator (live mode, realistic latency,
 * Stripe's limits off so only the faults matter), one with isolation and one without, each on its
 * own platform account with one connected account, in the same run. Each edge gets an open loop of
 * 10 PaymentIntent creates (critical) on the platform, 5 on the connected account and 20 invoice
 * lists a second; after a warm phase the simulator's faults make invoice listing 5 s slow and the
 * connected account answer half its requests with a 500, then clear. Reports the platform creates'
 * p50/p99 per phase, what the faulty keys' clients saw, time to detect and time to recover.
 */
public final class IsolationScenario {

  private static final Duration SLOW = Duration.ofSeconds(5);

  private IsolationScenario() {}

  /** What a request was: a platform create, a connected account's create, an invoice list. */
  private enum Kind {
    CREATE,
    CONNECTED_CREATE,
    INVOICES
  }

  /** One answered request. */
  private record Result(String phase, Kind kind, long nanos, int status, String refused) {

    boolean create() {
      return kind == Kind.CREATE;
    }
  }

  /** One edge under test: its pipeline, key and results. */
  private static final class Edge {
    final String name;
    final EdgePipeline pipeline;
    final String key = SimKeys.live("isolation");
    String connected = "";
    final ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
    volatile long flaggedAt = -1;
    volatile long clearedAt = -1;

    Edge(String name, EdgePipeline pipeline) {
      this.name = name;
      this.pipeline = pipeline;
    }
  }

  public static void main(String[] args) throws Exception {
    int phase = 20;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--duration")) {
        phase = Integer.parseInt(args[++i]);
      } else if (args[i].equals("--json")) {
        i++; // the table is the report
      } else {
        throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    SimConfig config = SimConfig.defaults().withMode(SimMode.LIVE).withPort(0);
    try (StripeSim sim = StripeSim.start(config)) {
      sim.reconfigure(c -> c.withLimits(SimConfig.Limits.off()));
      Upstream upstream = Upstream.jdk(URI.create(sim.baseUrl()), Duration.ofSeconds(2));
      List<Edge> edges =
          List.of(
              new Edge("with isolation", pipeline(upstream, IsolationConfig.defaults())),
              new Edge("without isolation", pipeline(upstream, IsolationConfig.off())));
      for (Edge edge : edges) {
        edge.connected = connectedAccount(sim, edge.key);
      }
      List<FaultRule> faults = new ArrayList<>();
      faults.add(FaultRule.delay("GET /v1/invoices", SLOW.toMillis()));
      for (Edge edge : edges) {
        faults.add(new FaultRule(FaultKind.ERROR_500, 0.5, null, null).forAccount(edge.connected));
      }
      System.out.printf(
          Locale.ROOT,
          "isolation: %d s warm, %d s with GET /v1/invoices slowed by %d s and a connected"
              + " account answering 50%% 500s, %d s after; per edge 10 creates/s on the"
              + " platform, 5/s on the connected account, 20 invoice lists/s (budget live, 80 in"
              + " flight)%n",
          phase,
          phase,
          SLOW.toSeconds(),
          phase);
      ScheduledExecutorService clock = Executors.newScheduledThreadPool(2);
      String[] current = {"warm"};
      long[] faultStart = {0};
      long[] faultEnd = {0};
      for (Edge edge : edges) {
        clock.scheduleAtFixedRate(
            () -> send(edge, current[0], Kind.CREATE), 0, 100, TimeUnit.MILLISECONDS);
        clock.scheduleAtFixedRate(
            () -> send(edge, current[0], Kind.CONNECTED_CREATE), 60, 200, TimeUnit.MILLISECONDS);
        clock.scheduleAtFixedRate(
            () -> send(edge, current[0], Kind.INVOICES), 25, 50, TimeUnit.MILLISECONDS);
        clock.scheduleAtFixedRate(() -> watch(edge), 0, 100, TimeUnit.MILLISECONDS);
      }
      Thread.sleep(phase * 1000L);
      current[0] = "slow";
      faultStart[0] = System.nanoTime();
      sim.reconfigure(c -> c.withFaults(faults));
      Thread.sleep(phase * 1000L);
      for (Edge edge : edges) {
        Isolation isolation = edge.pipeline.isolation();
        if (isolation != null) {
          isolation
              .anomalies()
              .figures()
              .forEach(
                  (key, figures) ->
                      System.out.printf(
                          Locale.ROOT, "  end of slow phase, %s: %s%n", key.route(), figures));
        }
      }
      sim.reconfigure(c -> c.withFaults(List.of()));
      faultEnd[0] = System.nanoTime();
      current[0] = "after";
      Thread.sleep(phase * 1000L);
      clock.shutdownNow();
      Thread.sleep(SLOW.toMillis() + 2000); // the last slow calls answer
      for (Edge edge : edges) {
        report(edge, faultStart[0], faultEnd[0]);
      }
    }
  }

  private static EdgePipeline pipeline(Upstream upstream, IsolationConfig isolation) {
    return EdgePipeline.builder(upstream)
        .budgetConfig(BudgetConfig.live())
        .isolation(isolation)
        .build();
  }

  /** A connected account of {@code key}'s platform, made at the simulator directly. */
  private static String connectedAccount(StripeSim sim, String key) throws Exception {
    HttpResponse<String> created =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/accounts"))
                    .header("Authorization", "Bearer " + key)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("type=express"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    Matcher id = Pattern.compile("\"id\":\"(acct_[^\"]+)\"").matcher(created.body());
    if (created.statusCode() != 200 || !id.find()) {
      throw new IllegalStateException("could not create a connected account: " + created.body());
    }
    return id.group(1);
  }

  private static void send(Edge edge, String phase, Kind kind) {
    long start = System.nanoTime();
    Map<String, List<String>> headers = new TreeMap<>();
    headers.put("authorization", List.of("Bearer " + edge.key));
    if (kind != Kind.INVOICES) {
      headers.put("content-type", List.of("application/x-www-form-urlencoded"));
    }
    if (kind == Kind.CONNECTED_CREATE) {
      headers.put("stripe-account", List.of(edge.connected));
    }
    EdgeRequest request =
        kind == Kind.INVOICES
            ? new EdgeRequest("GET", "/v1/invoices", "limit=3", headers, new byte[0])
            : new EdgeRequest(
                "POST",
                "/v1/payment_intents",
                "",
                headers,
                LoadMix.PAYMENT_INTENT_BODY.getBytes(StandardCharsets.UTF_8));
    edge.pipeline
        .handle(request)
        .whenComplete(
            (response, error) ->
                edge.results.add(
                    new Result(
                        phase,
                        kind,
                        System.nanoTime() - start,
                        response == null ? 0 : response.status(),
                        refusal(response))));
  }

  private static String refusal(EdgeResponse response) {
    if (response == null) {
      return "";
    }
    String refused = response.header(EdgeHeaders.REFUSED);
    return refused == null ? "" : refused;
  }

  private static void watch(Edge edge) {
    Isolation isolation = edge.pipeline.isolation();
    if (isolation == null) {
      return;
    }
    boolean flagged = !isolation.anomalies().current().isEmpty();
    if (flagged && edge.flaggedAt < 0) {
      edge.flaggedAt = System.nanoTime();
      isolation
          .anomalies()
          .current()
          .forEach(
              flag ->
                  System.out.printf(
                      Locale.ROOT,
                      "  %s flagged %s: %s%n",
                      edge.name,
                      flag.key().route(),
                      flag.why()));
    } else if (!flagged && edge.flaggedAt >= 0 && edge.clearedAt < 0) {
      edge.clearedAt = System.nanoTime();
    }
  }

  private static void report(Edge edge, long faultStart, long faultEnd) {
    System.out.printf(Locale.ROOT, "%n%s%n", edge.name);
    System.out.printf(
        Locale.ROOT, "  %-6s %9s %9s %9s %9s%n", "phase", "creates", "non-2xx", "p50 ms", "p99 ms");
    double warmP99 = 0;
    for (String phase : List.of("warm", "slow", "after")) {
      List<Long> creates = new ArrayList<>();
      int failed = 0;
      for (Result result : edge.results) {
        if (result.create() && result.phase().equals(phase)) {
          creates.add(result.nanos());
          if (result.status() / 100 != 2) {
            failed++;
          }
        }
      }
      double p99 = ms(percentile(creates, 99));
      if (phase.equals("warm")) {
        warmP99 = p99;
      }
      System.out.printf(
          Locale.ROOT,
          "  %-6s %9d %9d %9.0f %9.0f%s%n",
          phase,
          creates.size(),
          failed,
          ms(percentile(creates, 50)),
          p99,
          phase.equals("slow") && warmP99 > 0
              ? String.format(Locale.ROOT, "   (p99 %.2fx warm)", p99 / warmP99)
              : "");
    }
    for (Kind kind : List.of(Kind.INVOICES, Kind.CONNECTED_CREATE)) {
      Map<String, Integer> answers = new TreeMap<>();
      for (Result result : edge.results) {
        if (result.kind() == kind && result.phase().equals("slow")) {
          String key = result.status() + (result.refused().isEmpty() ? "" : " " + result.refused());
          answers.merge(key, 1, Integer::sum);
        }
      }
      System.out.printf(
          Locale.ROOT,
          "  %s while faulty, by answer: %s%n",
          kind == Kind.INVOICES ? "invoice lists" : "connected account's creates",
          answers);
    }
    if (edge.pipeline.isolation() != null) {
      System.out.printf(
          Locale.ROOT,
          "  detected after %s; cleared %s after the faults cleared%n",
          edge.flaggedAt < 0 ? "never" : seconds(edge.flaggedAt - faultStart),
          edge.clearedAt < 0 ? "never" : seconds(edge.clearedAt - faultEnd));
    }
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static long percentile(List<Long> values, double p) {
    if (values.isEmpty()) {
      return 0;
    }
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(p / 100 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }
}
