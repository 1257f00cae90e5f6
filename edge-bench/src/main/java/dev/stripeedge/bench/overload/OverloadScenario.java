package dev.stripeedge.bench.overload;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.stripe.StripeClient;
import com.stripe.exception.RateLimitException;
import com.stripe.exception.StripeException;
import com.stripe.param.CustomerListParams;
import com.stripe.param.EventListParams;
import com.stripe.param.PaymentIntentCreateParams;
import com.stripe.param.PriceListParams;
import com.stripe.param.ProductListParams;
import dev.stripeedge.bench.SimKeys;
import dev.stripeedge.bench.overload.LoadMix.Call;
import dev.stripeedge.core.CacheConfig;
import dev.stripeedge.core.EdgeHeaders;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Upstream;
import dev.stripeedge.core.budget.BudgetConfig;
import dev.stripeedge.core.budget.SharedBudgetConfig;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimMode;
import dev.stripeedge.sim.StripeSim;
import dev.stripeedge.store.redis.RedisSharedBudget;
import dev.stripeedge.store.redis.RedisTierConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
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
 *     [--svg FILE] [--redis redis://HOST:PORT]
 * }</pre>
 *
 * <p>With {@code --redis}, a further run sends the same load alternately through two edges (two
 * pipelines) that share the account's budget through that Redis: together they must hold the limit
 * one edge holds alone.
 *
 * <p>Requests start on schedule whatever the completions (each on its own virtual thread), and a
 * latency is measured from the scheduled start, so a slow generator shows up as latency.
 */
public final class OverloadScenario {

  // Over 400 lines: one benchmark's workload (three lanes, open loop), measurement and report, read
  // top to bottom.

  private static final String KEY = SimKeys.live("overload");
  private static final double LIVE_LIMIT = 100;

  /** What the client saw. */
  enum Outcome {
    OK,
    RATE_LIMITED,
    REFUSED,
    ERROR
  }

  /** One finished request; times in nanoseconds from the run's start. */
  record Result(Lane lane, long scheduledNanos, long latencyNanos, Outcome outcome, boolean hit) {}

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
    SimConfig config = SimConfig.defaults().withMode(SimMode.LIVE).withPort(0);
    try (StripeSim sim = StripeSim.start(config)) {
      List<String> ids = setUp(sim, config);
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

      List<Long> baseline = baseline(sim, baselineCalls);
      pause();
      StripeClient stripe =
          StripeClient.builder()
              .setApiKey(KEY)
              .setApiBase(sim.baseUrl())
              .setMaxNetworkRetries(2)
              .build();
      RunReport direct =
          run("stripe-java direct", sim, mix, rate, duration, seed, stripeJava(stripe));
      pause();
      EdgePipeline pipeline =
          EdgePipeline.builder(Upstream.jdk(URI.create(sim.baseUrl()), Duration.ofSeconds(2)))
              .budgetConfig(
                  BudgetConfig.live()
                      .withForecast(BudgetConfig.live().forecast().withEnabled(forecast)))
              .build();
      RunReport edge = run("through the edge", sim, mix, rate, duration, seed, edge(pipeline));
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
        int stored = warm(warmedPipeline);
        System.out.printf(
            Locale.ROOT,
            "warmed %d customers in %.1f s (background lane, 100 per page)%n",
            stored,
            (System.nanoTime() - warmStart) / 1e9);
        warmed =
            run("through the edge, warmed", sim, mix, rate, duration, seed, edge(warmedPipeline));
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
      sim99.put("p50_ms", ms(percentile(baseline, 50)));
      sim99.put("p99_ms", ms(percentile(baseline, 99)));
      out.put("simulator_payment_intents_create", sim99);
      System.out.printf(
          Locale.ROOT,
          "simulator's own POST /v1/payment_intents (%d direct calls at 5/s): p50 %.0f ms, p99 %.0f"
              + " ms%n",
          baseline.size(),
          ms(percentile(baseline, 50)),
          ms(percentile(baseline, 99)));
      out.put("stripe_java_direct", report(direct, duration, baseline));
      out.put("edge", report(edge, duration, baseline));
      if (warmed != null) {
        out.put("edge_warmed", report(warmed, duration, baseline));
      }
      if (shared != null) {
        out.put("two_edges_sharing_redis", report(shared, duration, baseline));
      }
      System.out.println("machine: " + machine());
      if (json != null) {
        Files.writeString(json, new GsonBuilder().setPrettyPrinting().create().toJson(out));
        System.out.println("wrote " + json);
      }
      if (svg != null) {
        Files.writeString(
            svg, Svg.plot(plotted(direct, edge, warmed, shared), duration, LIVE_LIMIT));
        System.out.println("wrote " + svg);
      }
    }
    System.exit(0); // stripe-java and the JDK client keep non-daemon threads around
  }

  private static List<RunReport> plotted(
      RunReport direct, RunReport edge, @Nullable RunReport warmed, @Nullable RunReport shared) {
    List<RunReport> runs = new ArrayList<>(List.of(direct, edge));
    if (warmed != null) {
      runs.add(warmed);
    }
    if (shared != null) {
      runs.add(shared);
    }
    return runs;
  }

  /** Pages every customer through {@code pipeline} as stripe-edge warm does; returns how many. */
  private static int warm(EdgePipeline pipeline) {
    int stored = 0;
    String after = null;
    while (true) {
      EdgeRequest page =
          new EdgeRequest(
              "GET",
              "/v1/customers",
              "limit=100" + (after == null ? "" : "&starting_after=" + after),
              Map.of(
                  "authorization",
                  List.of("Bearer " + KEY),
                  "priority",
                  List.of("u=6"),
                  EdgeHeaders.WARM,
                  List.of("objects")),
              new byte[0]);
      EdgeResponse response = pipeline.handle(page).join();
      if (response.status() != 200) {
        throw new IllegalStateException("warming failed: " + response.bodyText());
      }
      JsonObject body = JsonParser.parseString(response.bodyText()).getAsJsonObject();
      JsonArray data = body.getAsJsonArray("data");
      stored += Integer.parseInt(String.valueOf(response.header(EdgeHeaders.WARMED)));
      if (!body.get("has_more").getAsBoolean() || data.isEmpty()) {
        return stored;
      }
      after = data.get(data.size() - 1).getAsJsonObject().get("id").getAsString();
    }
  }

  private static void pause() throws InterruptedException {
    Thread.sleep(3000); // the simulator's buckets refill between phases
  }

  /** Seeds customers, a product and a price with limits and latency off; returns customer ids. */
  private static List<String> setUp(StripeSim sim, SimConfig config)
      throws IOException, InterruptedException {
    sim.reconfigure(c -> c.withLimits(SimConfig.Limits.off()).withLatency(SimConfig.Latency.off()));
    HttpClient http = HttpClient.newHttpClient();
    call(http, sim, "POST", "/_sim/seed", "{\"resource\":\"customers\",\"count\":10000}", true);
    JsonObject product = call(http, sim, "POST", "/v1/products", "name=Widget", false);
    call(
        http,
        sim,
        "POST",
        "/v1/prices",
        "product=" + product.get("id").getAsString() + "&unit_amount=1000&currency=usd",
        false);
    List<String> ids = new ArrayList<>();
    String after = null;
    while (true) {
      String query = "/v1/customers?limit=100" + (after == null ? "" : "&starting_after=" + after);
      JsonObject page = call(http, sim, "GET", query, null, false);
      JsonArray data = page.getAsJsonArray("data");
      for (JsonElement customer : data) {
        ids.add(customer.getAsJsonObject().get("id").getAsString());
      }
      if (!page.get("has_more").getAsBoolean() || data.isEmpty()) {
        break;
      }
      after = ids.getLast();
    }
    sim.reconfigure(c -> c.withLimits(config.limits()).withLatency(config.latency()));
    return ids;
  }

  private static JsonObject call(
      HttpClient http,
      StripeSim sim,
      String method,
      String path,
      @Nullable String body,
      boolean json)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(sim.baseUrl() + path))
            .header("Authorization", "Bearer " + KEY);
    if (body != null) {
      request
          .header("Content-Type", json ? "application/json" : "application/x-www-form-urlencoded")
          .method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(method + " " + path + ": " + response.body());
    }
    return JsonParser.parseString(response.body()).getAsJsonObject();
  }

  /** Direct PaymentIntent creates at 5/s, open loop: the simulator's own latency for them. */
  private static List<Long> baseline(StripeSim sim, int calls) throws InterruptedException {
    HttpClient http = HttpClient.newHttpClient();
    ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
    CountDownLatch done = new CountDownLatch(calls);
    long start = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      long at = start + i * 200_000_000L;
      sleepUntil(at);
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/payment_intents"))
              .header("Authorization", "Bearer " + KEY)
              .header("Content-Type", "application/x-www-form-urlencoded")
              .POST(HttpRequest.BodyPublishers.ofString(LoadMix.PAYMENT_INTENT_BODY))
              .build();
      http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
          .whenComplete(
              (response, error) -> {
                if (error == null && response.statusCode() == 200) {
                  latencies.add(System.nanoTime() - at);
                }
                done.countDown();
              });
    }
    done.await(60, TimeUnit.SECONDS);
    return new ArrayList<>(latencies);
  }

  private static Sender stripeJava(StripeClient stripe) {
    return (call, start, done) ->
        Thread.startVirtualThread(
            () -> {
              Outcome outcome;
              try {
                stripeJavaCall(stripe, call);
                outcome = Outcome.OK;
              } catch (RateLimitException e) {
                outcome = Outcome.RATE_LIMITED;
              } catch (StripeException e) {
                Integer status = e.getStatusCode();
                outcome = status != null && status == 429 ? Outcome.RATE_LIMITED : Outcome.ERROR;
              } catch (RuntimeException e) {
                outcome = Outcome.ERROR;
              }
              done.accept(new Result(call.lane(), 0, System.nanoTime() - start, outcome, false));
            });
  }

  private static void stripeJavaCall(StripeClient stripe, Call call) throws StripeException {
    switch (call.lane()) {
      case CRITICAL ->
          stripe
              .v1()
              .paymentIntents()
              .create(
                  PaymentIntentCreateParams.builder()
                      .setAmount(1000L)
                      .setCurrency("usd")
                      .addPaymentMethodType("card")
                      .build());
      case NORMAL ->
          stripe.v1().customers().retrieve(call.path().substring("/v1/customers/".length()));
      case BACKGROUND -> {
        switch (call.path()) {
          case "/v1/customers" ->
              stripe.v1().customers().list(CustomerListParams.builder().setLimit(10L).build());
          case "/v1/products" ->
              stripe.v1().products().list(ProductListParams.builder().setLimit(10L).build());
          case "/v1/prices" ->
              stripe.v1().prices().list(PriceListParams.builder().setLimit(10L).build());
          case "/v1/events" ->
              stripe.v1().events().list(EventListParams.builder().setLimit(10L).build());
          default -> throw new IllegalArgumentException(call.path());
        }
      }
    }
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
      Sender a = edge(sharing(sim, first, secret, forecast));
      Sender b = edge(sharing(sim, second, secret, forecast));
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

  private static Sender edge(EdgePipeline pipeline) {
    return (call, start, done) ->
        Thread.startVirtualThread(
            () -> {
              Map<String, List<String>> headers = new LinkedHashMap<>();
              headers.put("authorization", List.of("Bearer " + KEY));
              headers.put("priority", List.of(call.lane().priority()));
              if (!call.body().isEmpty()) {
                headers.put("content-type", List.of("application/x-www-form-urlencoded"));
              }
              EdgeRequest request =
                  new EdgeRequest(
                      call.method(),
                      call.path(),
                      call.query(),
                      headers,
                      call.body().getBytes(StandardCharsets.UTF_8));
              pipeline
                  .handle(request)
                  .whenComplete(
                      (response, error) ->
                          done.accept(
                              new Result(
                                  call.lane(),
                                  0,
                                  System.nanoTime() - start,
                                  classify(response, error),
                                  response != null && isHit(response))));
            });
  }

  private static Outcome classify(@Nullable EdgeResponse response, @Nullable Throwable error) {
    if (error != null || response == null) {
      return Outcome.ERROR;
    }
    if (response.status() / 100 == 2) {
      return Outcome.OK;
    }
    if (response.status() == 429) {
      return "budget".equals(response.header(EdgeHeaders.REFUSED))
          ? Outcome.REFUSED
          : Outcome.RATE_LIMITED;
    }
    return Outcome.ERROR;
  }

  private static boolean isHit(EdgeResponse response) {
    String status = response.header("cache-status");
    return status != null && status.toLowerCase(Locale.ROOT).contains("hit");
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
            results.add(new Result(r.lane(), scheduled, r.latencyNanos(), r.outcome(), r.hit()));
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

  private static void sleepUntil(long nanos) {
    long wait;
    while ((wait = nanos - System.nanoTime()) > 0) {
      LockSupport.parkNanos(wait);
      if (Thread.currentThread().isInterrupted()) {
        return;
      }
    }
  }

  private static Map<String, Object> report(RunReport run, int duration, List<Long> baseline) {
    Map<String, Object> out = new LinkedHashMap<>();
    System.out.printf(
        Locale.ROOT,
        "%n== %s (generator max lag %.1f ms)%n%-10s %8s %8s %8s %8s %8s %8s %9s %9s %9s%n",
        run.name(),
        ms(run.maxLagNanos()),
        "lane",
        "offered",
        "ok",
        "429",
        "refused",
        "errors",
        "hits",
        "p50 ms",
        "p99 ms",
        "refusal99");
    Map<Lane, List<Result>> byLane = new EnumMap<>(Lane.class);
    for (Result r : run.results()) {
      byLane.computeIfAbsent(r.lane(), l -> new ArrayList<>()).add(r);
    }
    Map<String, Object> lanes = new LinkedHashMap<>();
    for (Lane lane : Lane.values()) {
      List<Result> rs = byLane.getOrDefault(lane, List.of());
      Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
      for (Outcome o : Outcome.values()) {
        counts.put(o, rs.stream().filter(r -> r.outcome() == o).count());
      }
      List<Long> ok =
          rs.stream().filter(r -> r.outcome() == Outcome.OK).map(Result::latencyNanos).toList();
      List<Long> refused =
          rs.stream()
              .filter(r -> r.outcome() == Outcome.REFUSED)
              .map(Result::latencyNanos)
              .toList();
      long hits = rs.stream().filter(Result::hit).count();
      Map<String, Object> l = new LinkedHashMap<>();
      l.put("offered", rs.size());
      l.put("ok", counts.get(Outcome.OK));
      l.put("rate_limited_429", counts.get(Outcome.RATE_LIMITED));
      l.put("refused_by_edge", counts.get(Outcome.REFUSED));
      l.put("other_errors", counts.get(Outcome.ERROR));
      l.put("cache_hits", hits);
      l.put("ok_p50_ms", ms(percentile(ok, 50)));
      l.put("ok_p99_ms", ms(percentile(ok, 99)));
      l.put("refused_p99_ms", ms(percentile(refused, 99)));
      lanes.put(lane.name().toLowerCase(Locale.ROOT), l);
      System.out.printf(
          Locale.ROOT,
          "%-10s %8d %8d %8d %8d %8d %8d %9.0f %9.0f %9.0f%n",
          lane.name().toLowerCase(Locale.ROOT),
          rs.size(),
          counts.get(Outcome.OK),
          counts.get(Outcome.RATE_LIMITED),
          counts.get(Outcome.REFUSED),
          counts.get(Outcome.ERROR),
          hits,
          ms(percentile(ok, 50)),
          ms(percentile(ok, 99)),
          ms(percentile(refused, 99)));
    }
    out.put("lanes", lanes);
    // Use while demand exceeds the limit: the offered window, without its first 2 s (the
    // simulator's buckets start full and the JIT is cold).
    List<Second> window =
        run.seconds()
            .subList(Math.min(2, run.seconds().size()), Math.min(duration, run.seconds().size()));
    double admitted =
        window.stream().mapToLong(s -> s.calls() - s.rateLimited()).average().orElse(0);
    double attempted = window.stream().mapToLong(Second::calls).average().orElse(0);
    double critP99 =
        ms(
            percentile(
                byLane.getOrDefault(Lane.CRITICAL, List.of()).stream()
                    .filter(r -> r.outcome() == Outcome.OK)
                    .map(Result::latencyNanos)
                    .toList(),
                99));
    double simP99 = ms(percentile(baseline, 99));
    out.put("upstream_calls", run.upstreamCalls());
    out.put("upstream_429", run.upstream429());
    out.put("upstream_429_share", share(run.upstream429(), run.upstreamCalls()));
    out.put("upstream_admitted_per_s", admitted);
    out.put("upstream_attempted_per_s", attempted);
    out.put("upstream_use_of_limit", admitted / LIVE_LIMIT);
    out.put("critical_p99_vs_simulator_p99", critP99 / simP99);
    List<Map<String, Object>> perSecond = new ArrayList<>();
    for (Second s : run.seconds()) {
      perSecond.add(Map.of("calls", s.calls(), "upstream_429", s.rateLimited()));
    }
    out.put("upstream_per_second", perSecond);
    System.out.printf(
        Locale.ROOT,
        "upstream: %d calls, %d 429s (%.2f%%); seconds 2..%d: %.1f calls/s attempted, %.1f/s"
            + " admitted = %.0f%% of the 100/s limit; critical p99 = %.2fx the simulator's p99%n",
        run.upstreamCalls(),
        run.upstream429(),
        100 * share(run.upstream429(), run.upstreamCalls()),
        duration,
        attempted,
        admitted,
        100 * admitted / LIVE_LIMIT,
        critP99 / simP99);
    return out;
  }

  private static double share(long part, long whole) {
    return whole == 0 ? 0 : (double) part / whole;
  }

  static long percentile(List<Long> values, double p) {
    if (values.isEmpty()) {
      return 0;
    }
    long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  static double ms(long nanos) {
    return nanos / 1e6;
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
