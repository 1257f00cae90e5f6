package dev.stripeedge.bench.overload;

import com.google.gson.GsonBuilder;
import com.stripe.StripeClient;
import dev.stripeedge.bench.SimKeys;
import dev.stripeedge.bench.overload.LoadMix.Call;
import dev.stripeedge.core.CacheConfig;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.Upstream;
import dev.stripeedge.core.budget.BudgetConfig;
import dev.stripeedge.core.budget.SharedBudgetConfig;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimMode;
import dev.stripeedge.sim.StripeSim;
import dev.stripeedge.store.redis.RedisSharedBudget;
import dev.stripeedge.store.redis.RedisTierConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Issue 5's overload benchmark: an open-loop offered load well above Stripe's live 100 req/s, first
 * with stripe-java straight to the simulator (default retries), then through an in-process {@link
 * EdgePipeline} with {@link BudgetConfig#live()}; per-lane outcomes and latencies, upstream calls
 * and 429s from the simulator's counters, upstream use per second.
 *
 * <pre>{@code
 * bin/stripe-edge bench overload [--rate 300] [--duration 60] [--forecast on|off] [--json FILE]
 *     [--svg FILE] [--redis redis://HOST:PORT] [--sim-port P --sidecar http://127.0.0.1:PORT]
 * }</pre>
 *
 * <p>With {@code --sidecar}, a further run sends the same load over HTTP to a sidecar in another
 * process whose upstream is this simulator on {@code --sim-port}: {@code bench/overload.sh
 * --sidecar} starts {@code bin/stripe-edge serve} for it.
 *
 * <p>With {@code --redis}, a further run sends the same load alternately through two edges (two
 * pipelines) that share the account's budget through that Redis: together they must hold the limit
 * one edge holds alone.
 *
 * <p>Requests start on schedule whatever the completions (each on its own virtual thread), and a
 * latency is measured from the scheduled start, so a slow generator shows up as latency.
 *
 * <p>This class runs the phases; {@link OverloadSetup} seeds the simulator and measures its own
 * latency, {@link Senders} sends a call through stripe-java or an edge, {@link OverloadReport}
 * summarises a run.
 */
public final class OverloadScenario {

  static final String KEY = SimKeys.live("overload");
  static final double LIVE_LIMIT = 100;

  /** What the client saw. */
  enum Outcome {
    OK,
    RATE_LIMITED,
    REFUSED,
    ERROR
  }

  /**
   * One finished request; times in nanoseconds from the run's start; {@code serverTiming} the
   * edge's {@code Server-Timing} value, null when there was none (stripe-java direct).
   */
  record Result(
      Lane lane,
      long scheduledNanos,
      long latencyNanos,
      Outcome outcome,
      boolean hit,
      @Nullable String serverTiming) {

    Result(Lane lane, long scheduledNanos, long latencyNanos, Outcome outcome, boolean hit) {
      this(lane, scheduledNanos, latencyNanos, outcome, hit, null);
    }

    Result scheduledAt(long nanos) {
      return new Result(lane, nanos, latencyNanos, outcome, hit, serverTiming);
    }
  }

  /** Sends one call and reports its result, never blocking the generator. */
  @FunctionalInterface
  interface Sender {
    void send(Call call, long startNanos, Consumer<Result> done);
  }

  /** Per-second upstream counts from the simulator: calls and 429s. */
  record Second(long calls, long rateLimited) {}

  record RunReport(
      String name,
      List<Result> results,
      List<Second> seconds,
      long upstreamCalls,
      long upstream429,
      long maxLagNanos) {}

  private OverloadScenario() {}

  public static void main(String[] args) throws Exception {
    // stripe-java uses HttpURLConnection, whose keep-alive cache holds 5 idle connections per
    // host by default: at 300 req/s that means a new connection per request. Raise it before use.
    System.setProperty("http.maxConnections", "256");
    double rate = 300;
    int duration = 60;
    int baselineCalls = 100;
    long seed = 42;
    Path json = null;
    Path svg = null;
    boolean warm = false;
    boolean forecast = true;
    String redis = null;
    int simPort = 0;
    URI sidecar = null;
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : "";
      switch (args[i]) {
        case "--rate" -> rate = Double.parseDouble(value);
        case "--duration" -> duration = Integer.parseInt(value);
        case "--baseline" -> baselineCalls = Integer.parseInt(value);
        case "--seed" -> seed = Long.parseLong(value);
        case "--json" -> json = Path.of(value);
        case "--svg" -> svg = Path.of(value);
        case "--redis" -> redis = value;
        case "--sim-port" -> simPort = Integer.parseInt(value);
        case "--sidecar" -> sidecar = URI.create(value);
        case "--warm" -> {
          warm = true;
          i--; // a flag without a value
        }
        case "--forecast" ->
            forecast =
                switch (value) {
                  case "on" -> true;
                  case "off" -> false;
                  default ->
                      throw new IllegalArgumentException("--forecast is on or off: " + value);
                };
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
      i++;
    }
    // --sim-port: bench/overload.sh --sidecar started bin/stripe-edge serve with this upstream.
    SimConfig config = SimConfig.defaults().withMode(SimMode.LIVE).withPort(simPort);
    try (StripeSim sim = StripeSim.start(config)) {
      List<String> ids = OverloadSetup.setUp(sim, config);
      LoadMix mix = LoadMix.issue5(ids);
      System.out.printf(
          Locale.ROOT,
          "overload: %.0f req/s offered for %d s per run; simulator live, latency realistic,"
              + " limits on (100/s global, 25/s per endpoint); %d customers seeded; edge forecasting"
              + " %s%n",
          rate,
          duration,
          ids.size(),
          forecast ? "on" : "off");

      List<Long> baseline = OverloadSetup.baseline(sim, baselineCalls);
      pause();
      StripeClient stripe =
          StripeClient.builder()
              .setApiKey(KEY)
              .setApiBase(sim.baseUrl())
              .setMaxNetworkRetries(2)
              .build();
      RunReport direct =
          run("stripe-java direct", sim, mix, rate, duration, seed, Senders.stripeJava(stripe));
      pause();
      EdgePipeline pipeline =
          EdgePipeline.builder(Upstream.jdk(URI.create(sim.baseUrl()), Duration.ofSeconds(2)))
              .budgetConfig(
                  BudgetConfig.live()
                      .withForecast(BudgetConfig.live().forecast().withEnabled(forecast)))
              .build();
      RunReport edge =
          run("through the edge", sim, mix, rate, duration, seed, Senders.edge(pipeline));
      RunReport warmed = null;
      if (warm) {
        pause();
        // What an operator does before a peak: stripe-edge warm, with customers kept for 10 min
        // (webhooks keep them fresh; Stripe's 25/s per endpoint cannot serve cold retrieves).
        EdgePipeline warmedPipeline =
            EdgePipeline.builder(Upstream.jdk(URI.create(sim.baseUrl()), Duration.ofSeconds(2)))
                .cacheConfig(CacheConfig.defaults().withTtl("customers", Duration.ofMinutes(10)))
                .budgetConfig(
                    BudgetConfig.live()
                        .withForecast(BudgetConfig.live().forecast().withEnabled(forecast)))
                .build();
        long warmStart = System.nanoTime();
        int stored = OverloadSetup.warm(warmedPipeline);
        System.out.printf(
            Locale.ROOT,
            "warmed %d customers in %.1f s (background lane, 100 per page)%n",
            stored,
            (System.nanoTime() - warmStart) / 1e9);
        warmed =
            run(
                "through the edge, warmed",
                sim,
                mix,
                rate,
                duration,
                seed,
                Senders.edge(warmedPipeline));
      }

      RunReport throughSidecar = null;
      if (sidecar != null) {
        pause();
        // The same load over real HTTP to bin/stripe-edge serve in its own process (issue 14's
        // item 6): the sidecar's default settings, whose budget for a live key is the live one.
        HttpClient http =
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        throughSidecar =
            run(
                "through the sidecar (bin/stripe-edge serve)",
                sim,
                mix,
                rate,
                duration,
                seed,
                Senders.sidecar(http, sidecar));
      }

      RunReport shared = null;
      if (redis != null) {
        pause();
        shared = sharedRun(redis, sim, mix, rate, duration, seed, forecast);
      }

      Map<String, Object> out = new LinkedHashMap<>();
      out.put("benchmark", "overload");
      out.put("rate", rate);
      out.put("duration_s", duration);
      out.put("forecast", forecast);
      out.put("machine", machine());
      out.put("when", Instant.now().toString());
      Map<String, Object> sim99 = new LinkedHashMap<>();
      sim99.put("calls", baseline.size());
      sim99.put("p50_ms", OverloadReport.ms(OverloadReport.percentile(baseline, 50)));
      sim99.put("p99_ms", OverloadReport.ms(OverloadReport.percentile(baseline, 99)));
      out.put("simulator_payment_intents_create", sim99);
      System.out.printf(
          Locale.ROOT,
          "simulator's own POST /v1/payment_intents (%d direct calls at 5/s): p50 %.0f ms, p99 %.0f"
              + " ms%n",
          baseline.size(),
          OverloadReport.ms(OverloadReport.percentile(baseline, 50)),
          OverloadReport.ms(OverloadReport.percentile(baseline, 99)));
      out.put("stripe_java_direct", OverloadReport.report(direct, duration, baseline));
      out.put("edge", OverloadReport.report(edge, duration, baseline));
      if (warmed != null) {
        out.put("edge_warmed", OverloadReport.report(warmed, duration, baseline));
      }
      if (throughSidecar != null) {
        out.put("sidecar", OverloadReport.report(throughSidecar, duration, baseline));
      }
      if (shared != null) {
        out.put("two_edges_sharing_redis", OverloadReport.report(shared, duration, baseline));
      }
      System.out.println("machine: " + machine());
      if (json != null) {
        Files.writeString(json, new GsonBuilder().setPrettyPrinting().create().toJson(out));
        System.out.println("wrote " + json);
      }
      if (svg != null) {
        Files.writeString(
            svg,
            Svg.plot(plotted(direct, edge, warmed, throughSidecar, shared), duration, LIVE_LIMIT));
        System.out.println("wrote " + svg);
      }
    }
    System.exit(0); // stripe-java and the JDK client keep non-daemon threads around
  }

  private static List<RunReport> plotted(
      RunReport direct,
      RunReport edge,
      @Nullable RunReport warmed,
      @Nullable RunReport sidecar,
      @Nullable RunReport shared) {
    List<RunReport> runs = new ArrayList<>(List.of(direct, edge));
    if (warmed != null) {
      runs.add(warmed);
    }
    if (sidecar != null) {
      runs.add(sidecar);
    }
    if (shared != null) {
      runs.add(shared);
    }
    return runs;
  }

  private static void pause() throws InterruptedException {
    Thread.sleep(3000); // the simulator's buckets refill between phases
  }

  /**
   * The load alternately through two edges sharing one budget through Redis at {@code uri}; each
   * edge alone would spend the whole limit.
   */
  private static RunReport sharedRun(
      String uri,
      StripeSim sim,
      LoadMix mix,
      double rate,
      int duration,
      long seed,
      boolean forecast)
      throws InterruptedException {
    // One cache-key secret for both, as the edges of one deployment have: one account in Redis.
    byte[] secret = new byte[32];
    new SplittableRandom(seed).nextBytes(secret);
    RedisTierConfig redis = RedisTierConfig.standalone(uri);
    try (RedisSharedBudget first = RedisSharedBudget.connect(redis);
        RedisSharedBudget second = RedisSharedBudget.connect(redis)) {
      Sender a = Senders.edge(sharing(sim, first, secret, forecast));
      Sender b = Senders.edge(sharing(sim, second, secret, forecast));
      AtomicLong turn = new AtomicLong();
      Sender both =
          (call, start, done) -> (turn.getAndIncrement() % 2 == 0 ? a : b).send(call, start, done);
      return run("two edges sharing Redis", sim, mix, rate, duration, seed, both);
    }
  }

  private static EdgePipeline sharing(
      StripeSim sim, RedisSharedBudget store, byte[] secret, boolean forecast) {
    return EdgePipeline.builder(Upstream.jdk(URI.create(sim.baseUrl()), Duration.ofSeconds(2)))
        .budgetConfig(
            BudgetConfig.live().withForecast(BudgetConfig.live().forecast().withEnabled(forecast)))
        .sharedBudget(store, SharedBudgetConfig.defaults())
        .cacheKeySecret(secret)
        .build();
  }

  private static RunReport run(
      String name, StripeSim sim, LoadMix mix, double rate, int duration, long seed, Sender sender)
      throws InterruptedException {
    int total = (int) Math.round(rate * duration);
    SplittableRandom random = new SplittableRandom(seed);
    ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
    CountDownLatch done = new CountDownLatch(total);
    List<Second> seconds = new ArrayList<>();
    Map<String, Long> before = sim.counters();
    long start = System.nanoTime();
    Thread sampler =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  Map<String, Long> last = before;
                  long next = start;
                  while (!Thread.currentThread().isInterrupted()) {
                    next += 1_000_000_000L;
                    sleepUntil(next);
                    Map<String, Long> now = sim.counters();
                    long[] delta = delta(last, now);
                    synchronized (seconds) {
                      seconds.add(new Second(delta[0], delta[1]));
                    }
                    last = now;
                  }
                });
    long maxLag = 0;
    for (int i = 0; i < total; i++) {
      long at = start + (long) (i * 1e9 / rate);
      sleepUntil(at);
      maxLag = Math.max(maxLag, System.nanoTime() - at);
      long scheduled = at - start;
      sender.send(
          mix.next(random),
          at,
          r -> {
            results.add(r.scheduledAt(scheduled));
            done.countDown();
          });
    }
    boolean finished = done.await(120, TimeUnit.SECONDS);
    sampler.interrupt();
    sampler.join();
    long[] totals = delta(before, sim.counters());
    if (!finished) {
      System.out.printf("%s: %d requests never finished%n", name, done.getCount());
    }
    List<Second> copy;
    synchronized (seconds) {
      copy = List.copyOf(seconds);
    }
    return new RunReport(name, List.copyOf(results), copy, totals[0], totals[1], maxLag);
  }

  /**
   * Upstream calls and 429s between two counter snapshots of the simulator (control calls are not
   * counted): {@code {calls, 429s}}.
   */
  public static long[] delta(Map<String, Long> before, Map<String, Long> after) {
    long calls = 0;
    long limited = 0;
    for (Map.Entry<String, Long> e : after.entrySet()) {
      long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
      calls += d;
      if (e.getKey().endsWith(" 429")) {
        limited += d;
      }
    }
    return new long[] {calls, limited};
  }

  static void sleepUntil(long nanos) {
    long wait;
    while ((wait = nanos - System.nanoTime()) > 0) {
      LockSupport.parkNanos(wait);
      if (Thread.currentThread().isInterrupted()) {
        return;
      }
    }
  }

  private static String machine() {
    return "%d cores, %d GiB heap max, JDK %s, %s"
        .formatted(
            Runtime.getRuntime().availableProcessors(),
            Runtime.getRuntime().maxMemory() >> 30,
            Runtime.version(),
            System.getProperty("os.name"));
  }
}
