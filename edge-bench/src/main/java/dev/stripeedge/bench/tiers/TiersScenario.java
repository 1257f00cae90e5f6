package dev.stripeedge.bench.tiers;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stripeedge.bench.SimKeys;
import dev.stripeedge.bench.overload.Zipf;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Upstream;
import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.TierConfig;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.StripeSim;
import dev.stripeedge.store.dynamodb.DynamoDbLocal;
import dev.stripeedge.store.dynamodb.DynamoDbTier;
import dev.stripeedge.store.dynamodb.DynamoDbTierConfig;
import dev.stripeedge.store.redis.RedisTier;
import dev.stripeedge.store.redis.RedisTierConfig;
import dev.stripeedge.store.sqlite.SqliteTier;
import dev.stripeedge.store.sqlite.SqliteTierConfig;
import dev.stripeedge.testkit.RedisServerProcess;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Issue 7's tiers benchmark: the hit latency of each tier as the pipeline sees it, and how many
 * upstream calls three edges make for one workload with isolated memories vs a shared tier.
 *
 * <pre>{@code
 * bin/stripe-edge bench tiers [--objects 2000] [--requests 30000] [--json FILE]
 * }</pre>
 *
 * <p>One JVM: the simulator (latency off: only the tiers are measured), SQLite in a temp dir,
 * DynamoDB Local on loopback, and a {@code redis-server} from PATH on loopback. Requests are sent
 * one at a time, so a latency is one request's.
 */
public final class TiersScenario {

  private static final String KEY = SimKeys.test("tiers");

  /** A named way to open a tier; each call opens a new client on the same store. */
  record TierKind(String name, Supplier<CacheTier> open) {}

  private final StripeSim sim;
  private final byte[] secret = new byte[32];

  private TiersScenario(StripeSim sim) {
    this.sim = sim;
    new SecureRandom().nextBytes(secret);
  }

  public static void main(String[] args) throws Exception {
    int objects = 2000;
    int requests = 30_000;
    Path json = null;
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : "";
      switch (args[i]) {
        case "--objects" -> objects = Integer.parseInt(value);
        case "--requests" -> requests = Integer.parseInt(value);
        case "--duration" -> {
          // bin/stripe-edge bench passes one; this scenario is sized by counts instead.
        }
        case "--json" -> json = Path.of(value);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
      i++;
    }
    Path dir = Files.createTempDirectory("tiers-bench");
    SimConfig config =
        SimConfig.defaults()
            .withPort(0)
            .withLimits(SimConfig.Limits.off())
            .withLatency(SimConfig.Latency.off());
    Map<String, Object> out = new LinkedHashMap<>();
    try (StripeSim sim = StripeSim.start(config);
        DynamoDbLocal dynamo = DynamoDbLocal.inMemory();
        RedisServerProcess redis = RedisServerProcess.startOnFreePort(dir.resolve("redis"))) {
      TiersScenario scenario = new TiersScenario(sim);
      List<String> ids = scenario.seed(Math.max(objects, 5000));
      DynamoDbTierConfig dynamoConfig =
          DynamoDbTierConfig.builder("stripe-edge-bench")
              .endpoint(dynamo.endpoint())
              .createTable(true)
              .timeouts(Duration.ofSeconds(5), Duration.ofSeconds(2))
              .build();
      List<TierKind> kinds =
          List.of(
              new TierKind(
                  "redis", () -> RedisTier.connect(RedisTierConfig.standalone(redis.uri()))),
              new TierKind(
                  "sqlite",
                  () -> SqliteTier.open(dir.resolve("edge.db"), SqliteTierConfig.defaults())),
              new TierKind(
                  "dynamodb",
                  () ->
                      DynamoDbTier.open(
                          dynamoConfig,
                          // DynamoDB Local checks no credentials, but the SDK signs with some.
                          StaticCredentialsProvider.create(AwsBasicCredentials.create("l", "l")),
                          new SimpleMeterRegistry(),
                          InstantSource.system())));
      System.out.printf(
          Locale.ROOT,
          "tiers: %d customers; simulator latency off; one request at a time%n%n",
          objects);
      System.out.printf(
          Locale.ROOT, "%-10s %8s %10s %10s %10s%n", "tier", "hits", "p50 us", "p99 us", "misses");
      List<Map<String, Object>> latency = new ArrayList<>();
      boolean l0Done = false;
      for (TierKind kind : kinds) {
        Map<String, double[]> measured = scenario.hitLatency(kind, ids.subList(0, objects));
        if (!l0Done) {
          latency.add(
              row("memory (L0)", Objects.requireNonNull(measured.get("l0"), "l0 latencies")));
          l0Done = true;
        }
        latency.add(
            row(kind.name(), Objects.requireNonNull(measured.get("tier"), "tier latencies")));
      }
      out.put("hit_latency", latency);

      System.out.printf(
          Locale.ROOT,
          "%nthree edges, %,d requests (Zipf 1.0 over %,d customers, round robin):%n",
          requests,
          ids.size());
      List<Map<String, Object>> sharing = new ArrayList<>();
      sharing.add(scenario.threeEdges("isolated memories", null, ids, requests));
      for (TierKind kind : kinds) {
        sharing.add(scenario.threeEdges("sharing " + kind.name(), kind, ids, requests));
      }
      out.put("three_edges", sharing);
    }
    out.put("machine", machine());
    System.out.println("machine: " + machine());
    if (json != null) {
      Files.writeString(json, new GsonBuilder().setPrettyPrinting().create().toJson(out) + "\n");
      System.out.println("wrote " + json);
    }
    System.exit(0);
  }

  private static Map<String, Object> row(String name, double[] stats) {
    System.out.printf(
        Locale.ROOT,
        "%-10s %8.0f %10.0f %10.0f %10.0f%n",
        name,
        stats[0],
        stats[1],
        stats[2],
        stats[3]);
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("tier", name);
    row.put("hits", stats[0]);
    row.put("p50_us", stats[1]);
    row.put("p99_us", stats[2]);
    row.put("misses", stats[3]);
    return row;
  }

  /**
   * One edge fills the tier; a second edge with an empty memory then reads every object once (tier
   * hits), then again (memory hits). Returns {hits, p50 µs, p99 µs, misses} for each.
   */
  private Map<String, double[]> hitLatency(TierKind kind, List<String> ids) throws Exception {
    try (CacheTier filling = kind.open().get();
        CacheTier reading = kind.open().get()) {
      EdgePipeline filler = pipeline(filling);
      for (String id : ids) {
        filler.handle(get(id)).join();
      }
      // Fills reach the tier in the background: give them time to land.
      Thread.sleep(3_000);
      EdgePipeline reader = pipeline(reading);
      for (int i = 0; i < 200; i++) {
        reader.handle(get(ids.get(i))).join(); // warm-up: JIT, connections
      }
      EdgePipeline fresh = pipeline(reading);
      double[] tier = measure(fresh, ids, "detail=" + kind.name());
      double[] memory = measure(fresh, ids, "hit");
      return Map.of("tier", tier, "l0", memory);
    }
  }

  private double[] measure(EdgePipeline edge, List<String> ids, String expected) {
    long[] nanos = new long[ids.size()];
    int hits = 0;
    for (int i = 0; i < ids.size(); i++) {
      long start = System.nanoTime();
      EdgeResponse response = edge.handle(get(ids.get(i))).join();
      nanos[i] = System.nanoTime() - start;
      String status = String.valueOf(response.header("cache-status"));
      if (status.contains("hit") && status.contains(expected)) {
        hits++;
      }
    }
    Arrays.sort(nanos);
    return new double[] {
      hits,
      nanos[nanos.length / 2] / 1e3,
      nanos[(int) Math.ceil(nanos.length * 0.99) - 1] / 1e3,
      ids.size() - hits
    };
  }

  /** Three edges on one workload; each request to the next edge in turn. */
  private Map<String, Object> threeEdges(
      String name, @org.jspecify.annotations.Nullable TierKind kind, List<String> ids, int count)
      throws Exception {
    List<CacheTier> opened = new ArrayList<>();
    List<EdgePipeline> edges = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      CacheTier tier = kind == null ? null : kind.open().get();
      if (tier != null) {
        opened.add(tier);
      }
      edges.add(pipeline(tier));
    }
    Zipf zipf = new Zipf(ids.size(), 1.0);
    SplittableRandom random = new SplittableRandom(7);
    long before = retrieves();
    for (int i = 0; i < count; i++) {
      edges.get(i % 3).handle(get(ids.get(zipf.sample(random)))).join();
    }
    long upstream = retrieves() - before;
    opened.forEach(CacheTier::close);
    System.out.printf(
        Locale.ROOT,
        "  %-20s %,7d upstream calls (%.1f%% of requests)%n",
        name,
        upstream,
        100.0 * upstream / count);
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("edges", name);
    row.put("requests", count);
    row.put("upstream_calls", upstream);
    return row;
  }

  private EdgePipeline pipeline(@org.jspecify.annotations.Nullable CacheTier tier) {
    EdgePipeline.Builder builder =
        EdgePipeline.builder(Upstream.jdk(URI.create(sim.baseUrl()), Duration.ofSeconds(5)))
            .cacheKeySecret(secret);
    if (tier != null) {
      builder.tier(tier, TierConfig.defaults().withTimeout(Duration.ofSeconds(1)));
    }
    return builder.build();
  }

  private static EdgeRequest get(String id) {
    return new EdgeRequest(
        "GET",
        "/v1/customers/" + id,
        "",
        Map.of("authorization", List.of("Bearer " + KEY)),
        new byte[0]);
  }

  private long retrieves() {
    return sim.counters().getOrDefault("GET /v1/customers/{id} 200", 0L);
  }

  private List<String> seed(int count) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newHttpClient();
    send(
        http,
        HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/_sim/seed"))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"resource\":\"customers\",\"count\":" + count + "}")));
    List<String> ids = new ArrayList<>();
    String after = null;
    while (true) {
      String query = "limit=100" + (after == null ? "" : "&starting_after=" + after);
      JsonObject page =
          JsonParser.parseString(
                  send(
                      http,
                      HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/customers?" + query))
                          .GET()))
              .getAsJsonObject();
      JsonArray data = page.getAsJsonArray("data");
      for (JsonElement customer : data) {
        ids.add(customer.getAsJsonObject().get("id").getAsString());
      }
      if (!page.get("has_more").getAsBoolean() || data.isEmpty()) {
        return ids;
      }
      after = ids.getLast();
    }
  }

  private static String send(HttpClient http, HttpRequest.Builder request)
      throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            request.header("Authorization", "Bearer " + KEY).build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("simulator answered " + response.statusCode());
    }
    return response.body();
  }

  private static String machine() {
    return Runtime.getRuntime().availableProcessors()
        + " cores, JDK "
        + System.getProperty("java.runtime.version")
        + ", "
        + System.getProperty("os.name");
  }
}
