package dev.stripeedge.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.budget.SharedBudget.Grant;
import dev.stripeedge.testkit.RedisServerExtension;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The lease script and the heartbeat against a real Redis. The script's clock is the test's here
 * (the edges' is always Redis's own TIME), so every grant and wait is exact.
 */
class RedisSharedBudgetIT {

  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  private static final long SECOND = 1_000_000;

  private final AtomicLong micros = new AtomicLong(1_700_000_000L * SECOND);
  private final String bucket = "acct-" + UUID.randomUUID() + "|global";

  private RedisSharedBudget budget() {
    return RedisSharedBudget.connect(
        RedisTierConfig.standalone(redis.uri()).withCommandTimeout(Duration.ofSeconds(5)),
        micros::get);
  }

  private static Grant lease(RedisSharedBudget budget, String key, int want) throws Exception {
    return budget.lease(key, 10, 3, want).get(10, TimeUnit.SECONDS);
  }

  @Test
  void aNewBucketIsFullAndGrantsNoMoreThanItHolds() throws Exception {
    try (RedisSharedBudget budget = budget()) {
      // Capacity 3 of the 5 asked for; 3 tokens at 10/s are due in 0.3 s.
      assertThat(lease(budget, bucket, 5)).isEqualTo(new Grant(3, 300_000_000));
      assertThat(lease(budget, bucket, 5)).isEqualTo(new Grant(0, 300_000_000));
    }
  }

  @Test
  void tokensComeBackAtTheRateByTheScriptsClock() throws Exception {
    try (RedisSharedBudget budget = budget()) {
      lease(budget, bucket, 3);

      micros.addAndGet(SECOND / 10);
      assertThat(lease(budget, bucket, 3)).isEqualTo(new Grant(1, 300_000_000));
      micros.addAndGet(SECOND / 20);
      assertThat(lease(budget, bucket, 3)).isEqualTo(new Grant(0, 250_000_000));
      micros.addAndGet(60 * SECOND);
      // Idle for a minute: full again, never more than the capacity.
      assertThat(lease(budget, bucket, 5)).isEqualTo(new Grant(3, 300_000_000));
    }
  }

  @Test
  void twoEdgesTakeFromTheSameBucketAndOtherLimitersAreApart() throws Exception {
    try (RedisSharedBudget a = budget();
        RedisSharedBudget b = budget()) {
      assertThat(lease(a, bucket, 2).tokens()).isEqualTo(2);
      assertThat(lease(b, bucket, 2).tokens()).isEqualTo(1);
      assertThat(lease(b, bucket + "-endpoint", 2).tokens()).isEqualTo(2);
    }
  }

  @Test
  void bucketsAreKeyedByAHashOfTheLimiterNameUnderThePrefix() throws Exception {
    try (RedisSharedBudget budget = budget()) {
      lease(budget, bucket, 1);

      assertThat(redis.command("KEYS *" + bucket + "*")).isEmpty();
      assertThat(redis.command("KEYS stripe-edge:budget:*")).contains("stripe-edge:budget:");
      // Forgotten once it would have refilled anyway (0.3 s), plus a second.
      String ttl = redis.command("PTTL stripe-edge:budget:" + sha256(bucket));
      assertThat(Long.parseLong(ttl.substring(1))).isBetween(1L, 1_300L);
    }
  }

  @Test
  void theHeartbeatCountsLiveEdgesAndAClosedEdgeLeavesAtOnce() throws Exception {
    try (RedisSharedBudget a = budget()) {
      RedisSharedBudget b = budget();
      assertThat(a.announce(Duration.ofMinutes(1)).get(10, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(b.announce(Duration.ofMinutes(1)).get(10, TimeUnit.SECONDS)).isEqualTo(2);

      b.close();

      assertThat(b.open()).isFalse();
      assertThat(a.announce(Duration.ofMinutes(1)).get(10, TimeUnit.SECONDS)).isEqualTo(1);
    }
  }

  private static String sha256(String text) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(
            java.security.MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }
}
