package dev.stripeedge.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ShardsTest {

  private static final long FOREVER = Long.MAX_VALUE;

  private static Shards.Estimate replay(Shards shards, int[] trace, int[] sizes) {
    for (int key : trace) {
      long hash = Shards.hash("key-" + key);
      shards.count();
      if (shards.sampled(hash)) {
        shards.reference(hash, sizes[key], 0, FOREVER);
      }
    }
    return shards.estimate();
  }

  private static void matchesLru(Shards.Estimate estimate, int[] trace, int[] sizes, double error) {
    matchesLru(estimate, trace, sizes, error, 0);
  }

  /** Compares the curves at sizes whose LRU hit ratio is at least {@code from}. */
  private static void matchesLru(
      Shards.Estimate estimate, int[] trace, int[] sizes, double error, double from) {
    for (long capacity = 64 * 1024; capacity <= 1L << 30; capacity *= 2) {
      double lru = Traces.lruHitRatio(trace, sizes, capacity);
      if (lru < from) {
        continue;
      }
      assertThat(estimate.hitRatio(capacity))
          .as("hit ratio at %d bytes", capacity)
          .isCloseTo(lru, within(error));
    }
  }

  @Test
  void unsampledZipfCurveIsTheLruCurve() {
    int[] trace = Traces.zipf(100_000, 5_000, 0.9, 11);
    int[] sizes = Traces.mixedSizes(5_000, 12);

    // Rate 1: every key; only the buckets' 2% width separates it from the exact LRU.
    matchesLru(replay(new Shards(1.0, 100_000), trace, sizes), trace, sizes, 0.01);
  }

  @Test
  void unsampledUniformCurveIsTheLruCurve() {
    int[] trace = Traces.uniform(100_000, 3_000, 13);
    int[] sizes = Traces.mixedSizes(3_000, 14);

    matchesLru(replay(new Shards(1.0, 100_000), trace, sizes), trace, sizes, 0.01);
  }

  @Test
  void onePercentOfAZipfTraceEstimatesTheUpperLruCurve() {
    int[] trace = Traces.zipf(2_000_000, 200_000, 0.9, 15);
    int[] sizes = Traces.mixedSizes(200_000, 16);

    Shards.Estimate estimate = replay(new Shards(0.01, 8192), trace, sizes);

    assertThat(estimate.rate()).isEqualTo(0.01, within(0.0001));
    // Small sizes hold few, hot keys: whether the sample caught them swings the low curve more.
    matchesLru(estimate, trace, sizes, 0.05, 0.5);
  }

  @Test
  void theSampleStaysWithinItsBoundByLoweringTheRate() {
    int[] trace = Traces.zipf(400_000, 50_000, 0.9, 17);
    int[] sizes = Traces.mixedSizes(50_000, 18);

    Shards.Estimate estimate = replay(new Shards(1.0, 2_000), trace, sizes);

    assertThat(estimate.sampledKeys()).isLessThanOrEqualTo(2_000);
    assertThat(estimate.rate()).isLessThan(0.1);
    matchesLru(estimate, trace, sizes, 0.05, 0.5);
  }

  @Test
  void aReReferenceAfterItsTtlMissesAtEverySize() {
    Shards shards = new Shards(1.0, 100);
    long hash = Shards.hash("k");
    shards.count();
    shards.reference(hash, 1_000, 0, 10);
    shards.count();
    shards.reference(hash, 1_000, 5, 10); // fresh: a hit at 1000 bytes
    shards.count();
    shards.reference(hash, 1_000, 10, 10); // expired: a miss anywhere, refilled
    shards.count();
    shards.reference(hash, 1_000, 15, 10); // fresh again

    Shards.Estimate estimate = shards.estimate();

    assertThat(estimate.maxHitRatio()).isEqualTo(0.5);
    // 1000 bytes lies inside a 2% bucket: a little above it holds the hit, a little below not.
    assertThat(estimate.hitRatio(1_030)).isEqualTo(0.5);
    assertThat(estimate.hitRatio(970)).isZero();
  }

  @Test
  void aTargetAboveTheCompulsoryMissesIsNotReachable() {
    Shards shards = new Shards(1.0, 100);
    for (int i = 0; i < 4; i++) {
      long hash = Shards.hash("k" + i);
      shards.count();
      shards.reference(hash, 100, 0, FOREVER);
      shards.count();
      shards.reference(hash, 100, 0, FOREVER);
    }

    Shards.Estimate estimate = shards.estimate();

    assertThat(estimate.maxHitRatio()).isEqualTo(0.5);
    assertThat(estimate.bytesFor(0.9)).isEqualTo(-1);
    assertThat(estimate.bytesFor(0.5)).isBetween(100L, 103L);
  }

  @Test
  void anEmptyEstimateReachesNothing() {
    Shards.Estimate estimate = new Shards(0.01, 100).estimate();

    assertThat(estimate.hitRatio(1 << 30)).isZero();
    assertThat(estimate.bytesFor(0.9)).isEqualTo(-1);
  }

  @Test
  void concurrentReferencesAreAllCounted() throws InterruptedException {
    Shards shards = new Shards(1.0, 100_000);
    int threads = 4;
    int perThread = 20_000;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> running = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int[] trace = Traces.zipf(perThread, 1_000, 0.9, 100 + t);
      running.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      start.await();
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                      return;
                    }
                    for (int key : trace) {
                      long hash = Shards.hash("key-" + key);
                      shards.count();
                      shards.reference(hash, 500, 0, FOREVER);
                    }
                  }));
    }
    start.countDown();
    for (Thread thread : running) {
      thread.join();
    }

    Shards.Estimate estimate = shards.estimate();

    assertThat(estimate.references()).isEqualTo(threads * perThread);
    assertThat(estimate.sampledReferences()).isEqualTo(threads * perThread);
    assertThat(estimate.sampledKeys()).isLessThanOrEqualTo(1_000);
    // Every key's bytes fit in 1000 x 500: only first references miss.
    assertThat(estimate.hitRatio(1_100 * 500))
        .isEqualTo(1 - (double) estimate.sampledKeys() / (threads * perThread), within(1e-9));
  }

  @Test
  void theHashSamplesTheRequestedShareOfSimilarKeys() {
    Shards shards = new Shards(0.1, 1_000_000);
    int sampled = 0;
    for (int i = 0; i < 100_000; i++) {
      // Cache keys differ in a few characters: the sample must not follow their order.
      if (shards.sampled(Shards.hash("GET /v1/customers/cus_" + i + " acct= v=2024-06-20 k=ab"))) {
        sampled++;
      }
    }

    assertThat(sampled).isBetween(9_500, 10_500);
  }

  @Test
  void badSettingsAreRefused() {
    assertThatThrownBy(() -> new Shards(0, 10)).hasMessageContaining("initialRate");
    assertThatThrownBy(() -> new Shards(1.5, 10)).hasMessageContaining("1.5");
    assertThatThrownBy(() -> new Shards(0.1, 0)).hasMessageContaining("maxKeys");
  }
}
