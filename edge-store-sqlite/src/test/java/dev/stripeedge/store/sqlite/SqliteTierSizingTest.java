package dev.stripeedge.store.sqlite;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.stripeedge.core.CacheConfig;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.SizingConfig;
import dev.stripeedge.core.SizingReport;
import dev.stripeedge.core.Upstream;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sizing of the SQLite tier below a memory tier too small to hold anything. */
class SqliteTierSizingTest {

  @TempDir Path dir;

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  /** Customers with bodies of 500 to 3000 bytes. */
  private final Upstream upstream =
      (request, timeout) -> {
        String id = request.path().substring(request.path().lastIndexOf('/') + 1);
        String body =
            "{\"id\":\""
                + id
                + "\",\"object\":\"customer\",\"x\":\""
                + "x".repeat(500 + Math.floorMod(id.hashCode(), 2500))
                + "\"}";
        return CompletableFuture.completedFuture(
            new EdgeResponse(
                200, Map.of("content-type", List.of("application/json")), body.getBytes(UTF_8)));
      };

  private static EdgeResponse get(EdgePipeline edge, String customer) {
    return edge.handle(
            new EdgeRequest(
                "GET",
                "/v1/customers/" + customer,
                "",
                Map.of("Authorization", List.of("Bearer sk_test_tier_sizing")),
                new byte[0]))
        .orTimeout(10, TimeUnit.SECONDS)
        .join();
  }

  private void awaitStored(int writes) throws InterruptedException {
    for (int i = 0; i < 1_000; i++) {
      Counter stored = meters.find("stripe.edge.tier.writes").tag("outcome", "stored").counter();
      if (stored != null && stored.count() >= writes) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("the tier did not store " + writes + " fills");
  }

  @Test
  void theTierIsSizedFromWhatMemoryMissed() throws Exception {
    try (SqliteTier sqlite = SqliteTier.open(dir.resolve("edge.db"), SqliteTierConfig.defaults())) {
      EdgePipeline edge =
          EdgePipeline.builder(upstream)
              // One byte: memory holds nothing, so every read asks the tier.
              .cacheConfig(CacheConfig.defaults().withMaxBytes(1))
              .tier(sqlite)
              .random(new SplittableRandom(3))
              .meterRegistry(meters)
              .sizing(new SizingConfig(true, 1.0, 1_000, Map.of()).withTierBytes("sqlite", 1 << 20))
              .build();
      for (int i = 0; i < 20; i++) {
        get(edge, "cus_" + i);
      }
      awaitStored(20);
      for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 20; i++) {
          assertThat(get(edge, "cus_" + i).header("cache-status"))
              .isEqualTo("stripe-edge; hit; detail=sqlite");
        }
      }

      SizingReport report = edge.sizing();

      assertThat(report.memory().references()).isEqualTo(100);
      assertThat(report.memory().measuredHitRatio()).isZero();
      assertThat(report.below()).hasSize(1);
      SizingReport.Tier tier = report.below().get(0);
      assertThat(tier.tier()).isEqualTo("sqlite");
      assertThat(tier.estimated()).isTrue();
      assertThat(tier.references()).isEqualTo(100);
      assertThat(tier.sampledKeys()).isEqualTo(20);
      // 20 first reads of 100 miss anywhere; 1 MiB holds the 20 rows (under 80 KB).
      assertThat(tier.maxHitRatio()).isEqualTo(0.8, within(1e-9));
      assertThat(tier.measuredHitRatio()).isEqualTo(0.8, within(1e-9));
      assertThat(tier.maxBytes()).isEqualTo(1 << 20);
      assertThat(tier.predictedHitRatio()).isEqualTo(0.8, within(1e-9));
      assertThat(tier.targets().get(0).reachable()).isFalse();
      // Each row is read again after the 19 others: the curve rises past 19 rows' bytes.
      assertThat(tier.curve().get(0).hitRatio()).isEqualTo(0.8, within(1e-9));
    }
  }
}
