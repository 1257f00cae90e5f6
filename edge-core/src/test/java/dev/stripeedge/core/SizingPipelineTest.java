package dev.stripeedge.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Sizing as the pipeline feeds it: every cacheable 200 is a reference, sampled ones weighed. */
class SizingPipelineTest {

  private static final SizingConfig EVERY_KEY = new SizingConfig(true, 1.0, 100_000, Map.of());

  private final long[] now = {0};
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final AtomicInteger upstreamCalls = new AtomicInteger();

  /** Answers customers with a body of 500 to 3000 bytes (by id), and 404 for cus_missing. */
  private final Upstream upstream =
      (request, timeout) -> {
        upstreamCalls.incrementAndGet();
        String id = request.path().substring(request.path().lastIndexOf('/') + 1);
        if (id.equals("cus_missing")) {
          return CompletableFuture.completedFuture(
              new EdgeResponse(404, Map.of(), "{\"error\":{}}".getBytes(UTF_8)));
        }
        int pad = 500 + Math.floorMod(id.hashCode(), 2500);
        String body =
            "{\"id\":\"" + id + "\",\"object\":\"customer\",\"x\":\"" + "x".repeat(pad) + "\"}";
        return CompletableFuture.completedFuture(
            new EdgeResponse(
                200, Map.of("content-type", List.of("application/json")), body.getBytes(UTF_8)));
      };

  private EdgePipeline pipeline(SizingConfig sizing, long maxBytes) {
    return EdgePipeline.builder(upstream)
        .cacheConfig(CacheConfig.defaults().withMaxBytes(maxBytes))
        .ticker(() -> now[0])
        .random(new SplittableRandom(1))
        .meterRegistry(meters)
        .sizing(sizing)
        .build();
  }

  private static EdgeResponse get(EdgePipeline edge, String customer) {
    return edge.handle(
            new EdgeRequest(
                "GET",
                "/v1/customers/" + customer,
                "",
                Map.of("Authorization", List.of("Bearer sk_test_sizing")),
                new byte[0]))
        .orTimeout(10, TimeUnit.SECONDS)
        .join();
  }

  @Test
  void everyCustomerReadTwiceHitsHalfTheTimeAtAnyUsefulSize() {
    EdgePipeline edge = pipeline(EVERY_KEY, 64L << 20);
    for (int i = 0; i < 50; i++) {
      get(edge, "cus_" + i);
      get(edge, "cus_" + i);
    }

    SizingReport.Tier report = edge.sizing().memory();

    assertThat(report.references()).isEqualTo(100);
    assertThat(report.sampledReferences()).isEqualTo(100);
    assertThat(report.sampledKeys()).isEqualTo(50);
    assertThat(report.samplingRate()).isEqualTo(1.0);
    assertThat(report.maxHitRatio()).isEqualTo(0.5);
    assertThat(report.targets())
        .extracting(SizingReport.Target::reachable)
        .containsExactly(false, false, false);
    assertThat(report.measuredHitRatio()).isEqualTo(0.5);
    assertThat(report.predictedHitRatio()).isEqualTo(0.5);
    assertThat(report.maxBytes()).isEqualTo(64L << 20);
    assertThat(report.tier()).isEqualTo("memory");
    assertThat(edge.sizing().below()).isEmpty();
    // Each re-read comes right after its fill: one entry's bytes (under 4 KB) suffice.
    assertThat(report.curve().get(0).bytes()).isEqualTo(64 * 1024);
    assertThat(report.curve().get(0).hitRatio()).isEqualTo(0.5);
  }

  @Test
  void aSmallMemoryMeasuresWhatTheEstimatePredicts() {
    // 400 customers of 0.6 to 3 KB (~700 KB in all), Zipf-like reads, memory for about a third.
    EdgePipeline edge = pipeline(EVERY_KEY, 250_000);
    SplittableRandom random = new SplittableRandom(7);
    double[] cumulative = new double[400];
    double sum = 0;
    for (int i = 0; i < cumulative.length; i++) {
      sum += 1.0 / (i + 1);
      cumulative[i] = sum;
    }
    for (int r = 0; r < 20_000; r++) {
      double u = random.nextDouble() * sum;
      int key = 0;
      while (cumulative[key] < u) {
        key++;
      }
      get(edge, "cus_" + key);
    }

    SizingReport.Tier report = edge.sizing().memory();

    assertThat(report.references()).isEqualTo(20_000);
    assertThat(report.measuredHitRatio()).isBetween(0.5, 0.95);
    assertThat(report.predictedHitRatio()).isCloseTo(report.measuredHitRatio(), within(0.05));
    assertThat(report.measuredHitRatio())
        .isEqualTo(1 - upstreamCalls.get() / 20_000.0, within(1e-9));
  }

  @Test
  void aReadAfterItsTtlIsAMissAtEverySize() {
    EdgePipeline edge = pipeline(EVERY_KEY, 64L << 20);
    get(edge, "cus_1");
    get(edge, "cus_1");
    now[0] += Duration.ofSeconds(61).toNanos(); // customers live 60 s
    get(edge, "cus_1");
    get(edge, "cus_1");

    SizingReport.Tier report = edge.sizing().memory();

    assertThat(report.references()).isEqualTo(4);
    assertThat(report.maxHitRatio()).isEqualTo(0.5);
    assertThat(report.measuredHitRatio()).isEqualTo(0.5);
  }

  @Test
  void answersThatAreNeverStoredAreNotReferences() {
    EdgePipeline edge = pipeline(EVERY_KEY, 64L << 20);
    get(edge, "cus_missing");
    get(edge, "cus_missing");
    get(edge, "cus_1");

    assertThat(edge.sizing().memory().references()).isEqualTo(1);
  }

  @Test
  void concurrentReadsAreEachCountedOnce() throws Exception {
    EdgePipeline edge = pipeline(EVERY_KEY, 64L << 20);
    int threads = 4;
    int perThread = 2_000;
    AtomicInteger memoryHits = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> running = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int seed = t;
      running.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    try {
                      start.await();
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                      return;
                    }
                    for (int i = 0; i < perThread; i++) {
                      EdgeResponse answer = get(edge, "cus_" + random.nextInt(100));
                      if ("stripe-edge; hit".equals(answer.header("cache-status"))) {
                        memoryHits.incrementAndGet();
                      }
                    }
                  }));
    }
    start.countDown();
    for (Thread thread : running) {
      thread.join();
    }

    SizingReport.Tier report = edge.sizing().memory();

    assertThat(report.references()).isEqualTo(threads * perThread);
    assertThat(report.sampledReferences()).isEqualTo(threads * perThread);
    assertThat(report.sampledKeys()).isEqualTo(100);
    assertThat(report.measuredHitRatio())
        .isEqualTo(memoryHits.get() / (double) (threads * perThread), within(1e-9));
    // 100 keys of under 4 KB each fit in 512 KiB: only first reads miss, whatever the order.
    assertThat(report.curve())
        .filteredOn(point -> point.bytes() == 512 * 1024)
        .singleElement()
        .extracting(SizingReport.Point::hitRatio)
        .isEqualTo(1 - 100.0 / (threads * perThread));
  }

  @Test
  void sizingOffReportsNothing() {
    EdgePipeline edge = pipeline(SizingConfig.off(), 1 << 20);
    get(edge, "cus_1");
    get(edge, "cus_1");

    SizingReport.Tier report = edge.sizing().memory();

    assertThat(report.references()).isZero();
    assertThat(report.curve()).isEmpty();
    assertThat(report.targets()).noneMatch(SizingReport.Target::reachable);
    assertThat(report.maxBytes()).isEqualTo(1 << 20);
  }

  @Test
  void theEstimateIsExportedAsGauges() {
    EdgePipeline edge = pipeline(EVERY_KEY, 64L << 20);
    for (int round = 0; round < 20; round++) {
      for (int i = 0; i < 10; i++) {
        get(edge, "cus_" + i);
      }
    }

    double needed = meters.get("stripe.edge.sizing.bytes").tag("hit_ratio", "0.90").gauge().value();
    double unreachable =
        meters.get("stripe.edge.sizing.bytes").tag("hit_ratio", "0.99").gauge().value();

    // 10 first reads of 200 miss: 95% at most; 90% needs the ten entries, 5 to 30 KB.
    assertThat(needed).isEqualTo((double) edge.sizing().memory().targets().get(0).bytes());
    assertThat(needed).isBetween(5_000.0, 40_000.0);
    // No size reaches it: infinitely many bytes, never NaN (read as a broken gauge).
    assertThat(unreachable).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(meters.get("stripe.edge.sizing.predicted.hit.ratio").gauge().value())
        .isEqualTo(0.95, within(1e-9));
  }
}
