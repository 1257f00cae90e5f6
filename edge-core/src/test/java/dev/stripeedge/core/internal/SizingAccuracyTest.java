package dev.stripeedge.core.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.stripeedge.core.CacheDecision;
import dev.stripeedge.core.CacheKey;
import dev.stripeedge.core.EdgeResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The yardstick: the sizes the estimator names for 90% and 95% give, in a real {@link
 * L0Cache} of that bound, a hit ratio within 5 points of the target.
 */
class SizingAccuracyTest {

  private static final CacheDecision.Cacheable DAY =
      new CacheDecision.Cacheable(Duration.ofDays(1), Duration.ZERO, Duration.ZERO);

  /** A workload: keys, their responses, and a trace over them. */
  private record Workload(CacheKey[] keys, EdgeResponse[] responses, int[] weights, int[] trace) {

    static Workload zipf(int references, int keyCount, double alpha, long seed) {
      int[] sizes = Traces.mixedSizes(keyCount, seed + 1);
      CacheKey[] keys = new CacheKey[keyCount];
      EdgeResponse[] responses = new EdgeResponse[keyCount];
      int[] weights = new int[keyCount];
      // Bodies of one length share one array (sizes in steps of 16): the heap holds the cache's
      // entries, not a copy of every body.
      Map<Integer, byte[]> bodies = new HashMap<>();
      for (int i = 0; i < keyCount; i++) {
        keys[i] = new CacheKey("GET /v1/customers/cus_" + i + " acct=none v=2024-06-20");
        byte[] body =
            bodies.computeIfAbsent(
                (sizes[i] / 16 + 1) * 16,
                length -> ("{\"pad\":\"" + "x".repeat(length) + "\"}").getBytes(UTF_8));
        responses[i] =
            new EdgeResponse(200, Map.of("content-type", List.of("application/json")), body);
        weights[i] = L0Cache.weigh(keys[i], responses[i], Set.of());
      }
      return new Workload(keys, responses, weights, Traces.zipf(references, keyCount, alpha, seed));
    }

    Shards.Estimate estimate(Shards shards) {
      for (int key : trace) {
        long hash = Shards.hash(keys[key].value());
        shards.count();
        if (shards.sampled(hash)) {
          shards.reference(hash, weights[key], 0, Long.MAX_VALUE);
        }
      }
      return shards.estimate();
    }

    /** The hit ratio of an L0 of {@code maxBytes} over the trace, from cold. */
    double measure(long maxBytes) {
      L0Cache cache = new L0Cache(maxBytes, () -> 0);
      long hits = 0;
      for (int key : trace) {
        if (cache.get(keys[key]) != null) {
          hits++;
        } else {
          cache.fill(cache.beginFill(), keys[key], responses[key], Set.of(), DAY);
        }
      }
      return (double) hits / trace.length;
    }
  }

  @ParameterizedTest(name = "{1} keys, {0} references, zipf {2}, rate {3}, seed {4}")
  @CsvSource({
    // The default: fixed-size SHARDS from 10%, ~2,000 sampled keys here.
    "1000000, 20000, 0.9, 0.1, 1",
    "1000000, 20000, 1.0, 0.1, 2",
    // 1% of ten times the keys: again ~2,000 sampled keys.
    "4000000, 200000, 0.9, 0.01, 3",
  })
  void l0SizedByTheEstimateMeetsTheTarget(
      int references, int keys, double alpha, double rate, long seed) {
    Workload workload = Workload.zipf(references, keys, alpha, seed);
    Shards.Estimate estimate = workload.estimate(new Shards(rate, 8192));

    for (double target : new double[] {0.90, 0.95}) {
      long bytes = estimate.bytesFor(target);
      assertThat(bytes).as("bytes for %s", target).isPositive();
      double measured = workload.measure(bytes);
      System.out.printf(
          "sizing: %d keys, %d refs, zipf %.1f, rate %.3f: %.0f%% needs %d bytes, L0 measured %.4f,"
              + " LRU %.4f%n",
          keys,
          references,
          alpha,
          estimate.rate(),
          target * 100,
          bytes,
          measured,
          Traces.lruHitRatio(workload.trace(), workload.weights(), bytes));
      assertThat(measured).as("hit ratio of L0 at %d bytes", bytes).isCloseTo(target, within(0.05));
    }
  }
}
