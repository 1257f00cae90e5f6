package dev.stripeedge.bench.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stripeedge.bench.SimKeys;
import dev.stripeedge.bench.overload.Zipf;
import dev.stripeedge.core.CacheDecision;
import dev.stripeedge.core.CacheKey;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Ticker;
import dev.stripeedge.core.internal.L0Cache;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.StripeSim;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Issue 20's memory figures: the heap the in-memory tier takes for a million cached customers, and
 * its byte bound holding under a Zipf workload larger than memory.
 *
 * <p>The customers are the simulator's: a seeded account's list pages give a thousand real bodies
 * and header sets (names, emails, addresses of varied length), and each cached entry is one of them
 * under its own id and cache key. The heap is measured after full collections, before and after
 * filling, so it counts everything the tier holds: bodies, headers, keys, the id index and
 * Caffeine's nodes. Run with a heap larger than the figure (the JVM's default, a quarter of memory,
 * is enough for a million on a 24 GiB machine).
 */
public final class MemoryScenario {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CacheDecision.Cacheable RULE =
      new CacheDecision.Cacheable(Duration.ofHours(1), Duration.ZERO, Duration.ZERO);

  private MemoryScenario() {}

  /** A body and header set as the simulator answered a retrieve. */
  private record Sample(String body, String id, Map<String, List<String>> headers) {}

  public static void main(String[] args) throws Exception {
    int entries = 1_000_000;
    int zipfKeys = 2_000_000;
    long boundMb = 256;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--entries" -> entries = Integer.parseInt(args[++i]);
        case "--zipf-keys" -> zipfKeys = Integer.parseInt(args[++i]);
        case "--bound-mb" -> boundMb = Long.parseLong(args[++i]);
        case "--duration", "--json" -> i++; // fixed work, not timed; the lines are the report
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    List<Sample> samples = samples(1_000);
    System.out.printf(
        Locale.ROOT,
        "memory: %,d customers in the memory tier, then a Zipf(0.99) workload over %,d keys"
            + " against a %d MiB bound; max heap %,d MiB, JDK %s%n",
        entries,
        zipfKeys,
        boundMb,
        Runtime.getRuntime().maxMemory() >> 20,
        Runtime.version());
    million(samples, entries);
    zipf(samples, zipfKeys, boundMb << 20);
  }

  /** Fills an unbounded tier with {@code entries} customers and weighs the heap it took. */
  private static void million(List<Sample> samples, int entries) {
    long before = usedHeapAfterGc();
    L0Cache tier = new L0Cache(Long.MAX_VALUE / 4, Ticker.system());
    long rawBytes = 0;
    for (int i = 0; i < entries; i++) {
      EdgeResponse response = response(samples, i);
      rawBytes += response.body().length;
      tier.fill(tier.beginFill(), key(i), response, Set.of(idOf(i)), RULE);
    }
    tier.cleanUp();
    long after = usedHeapAfterGc();
    long heap = after - before;
    System.out.printf(
        Locale.ROOT,
        "  %,d entries held; heap %,d MiB (%,.0f bytes per entry) for %,d MiB of JSON bodies"
            + " (%,.0f bytes per body): overhead %.2f× the raw JSON%n",
        tier.size(),
        heap >> 20,
        heap / (double) entries,
        rawBytes >> 20,
        rawBytes / (double) entries,
        heap / (double) rawBytes);
    System.out.printf(
        Locale.ROOT,
        "  the tier's own weight estimate: %,d MiB (%.2f of the measured heap: the byte bound"
            + " holds real memory to about %.2f× itself)%n",
        tier.bytes() >> 20,
        tier.bytes() / (double) heap,
        heap / (double) tier.bytes());
    tier.invalidateAll();
  }

  /**
   * Reads keys drawn from a Zipf distribution over {@code keys} keys (most beyond the bound), a
   * miss filling the tier, and checks that the tier and the heap stay bounded.
   */
  private static void zipf(List<Sample> samples, int keys, long bound) {
    Zipf zipf = new Zipf(keys, 0.99); // before the heap is weighed: its table is not the tier's
    SplittableRandom random = new SplittableRandom(20);
    long before = usedHeapAfterGc();
    L0Cache tier = new L0Cache(bound, Ticker.system());
    long hits = 0;
    long reads = 5L * keys;
    long peakWeight = 0;
    long rawAll = 0;
    for (long n = 0; n < reads; n++) {
      int i = zipf.sample(random);
      if (tier.get(key(i)) != null) {
        hits++;
      } else {
        EdgeResponse response = response(samples, i);
        tier.fill(tier.beginFill(), key(i), response, Set.of(idOf(i)), RULE);
      }
      if (n % 100_000 == 0) {
        tier.cleanUp();
        peakWeight = Math.max(peakWeight, tier.bytes());
      }
    }
    for (Sample sample : samples) {
      rawAll += sample.body().getBytes(StandardCharsets.UTF_8).length;
    }
    rawAll = rawAll * keys / samples.size();
    tier.cleanUp();
    long heap = usedHeapAfterGc() - before;
    System.out.printf(
        Locale.ROOT,
        "  Zipf: %,d reads over %,d keys (%,d MiB of JSON, %.1f× the bound): hit ratio %.3f;"
            + " weight peak %,d MiB ≤ bound %,d MiB: %s; heap held after %,d MiB (%,d entries)%n",
        reads,
        keys,
        rawAll >> 20,
        rawAll / (double) bound,
        hits / (double) reads,
        peakWeight >> 20,
        bound >> 20,
        peakWeight <= bound ? "yes" : "NO",
        heap >> 20,
        tier.size());
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /**
   * Entry {@code i}: sample {@code i % samples} under id {@code i}, with its own body and header
   * map (each upstream answer has its own {@code Request-Id}), as the edge would hold it.
   */
  private static EdgeResponse response(List<Sample> samples, int i) {
    Sample sample = samples.get(i % samples.size());
    String body = sample.body().replace(sample.id(), idOf(i));
    Map<String, List<String>> headers = new LinkedHashMap<>(sample.headers());
    headers.put("request-id", List.of("req_" + String.format(Locale.ROOT, "%014d", i)));
    return new EdgeResponse(200, headers, body.getBytes(StandardCharsets.UTF_8));
  }

  /** A customer id as Stripe's are long: {@code cus_} and 14 characters. */
  private static String idOf(int i) {
    return "cus_" + String.format(Locale.ROOT, "%014d", i);
  }

  /** A key as the edge's are: 64 hex characters of an HMAC. */
  private static CacheKey key(int i) {
    byte[] bytes = new byte[32];
    new SplittableRandom(i).nextBytes(bytes);
    return new CacheKey(HexFormat.of().formatHex(bytes));
  }

  /** {@code count} customers as the simulator answers retrieves of its seeded ones. */
  private static List<Sample> samples(int count) throws Exception {
    try (StripeSim sim = StripeSim.start(SimConfig.forTests().withPort(0))) {
      String key = SimKeys.test("memory");
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> seeded =
          http.send(
              HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/_sim/seed"))
                  .header("Authorization", "Bearer " + key)
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"resource\":\"customers\",\"count\":" + count + "}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (seeded.statusCode() != 200) {
        throw new IllegalStateException("seeding failed: " + seeded.body());
      }
      List<Sample> samples = new ArrayList<>();
      String after = null;
      while (samples.size() < count) {
        String query = "limit=100" + (after == null ? "" : "&starting_after=" + after);
        JsonNode page =
            JSON.readTree(
                http.send(
                        HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/customers?" + query))
                            .header("Authorization", "Bearer " + key)
                            .build(),
                        HttpResponse.BodyHandlers.ofString())
                    .body());
        for (JsonNode customer : page.path("data")) {
          String id = customer.path("id").asText();
          HttpResponse<String> one =
              http.send(
                  HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/customers/" + id))
                      .header("Authorization", "Bearer " + key)
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          Map<String, List<String>> headers = new LinkedHashMap<>(one.headers().map());
          headers
              .keySet()
              .removeIf(name -> name.equals(":status") || name.equals("content-length"));
          samples.add(new Sample(one.body(), id, Map.copyOf(headers)));
          after = id;
        }
        if (!page.path("has_more").asBoolean()) {
          break;
        }
      }
      return samples;
    }
  }
}
