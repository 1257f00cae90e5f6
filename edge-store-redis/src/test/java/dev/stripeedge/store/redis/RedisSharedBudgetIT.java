package dev.stripeedge.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.budget.SharedBudget;
import dev.stripeedge.testkit.FakeTime;
import dev.stripeedge.testkit.RedisServerExtension;
import dev.stripeedge.testkit.SharedBudgetContract;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The lease script and the heartbeat against a real Redis: the shared budget's contract, and how
 * its keys look. The script's clock is the test's fake time here (the edges' is always Redis's own
 * TIME), so every grant and wait is exact.
 */
class RedisSharedBudgetIT extends SharedBudgetContract {

  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  // Each test its own prefix: the live edges are one key per prefix.
  private final String prefix = "se-" + UUID.randomUUID().toString().substring(0, 8) + ":";

  @Override
  protected SharedBudget connect(FakeTime time) {
    return RedisSharedBudget.connect(
        RedisTierConfig.standalone(redis.uri())
            .withKeyPrefix(prefix)
            .withCommandTimeout(Duration.ofSeconds(5)),
        time::epochMicros);
  }

  @Override
  protected void close(SharedBudget budget) {
    ((RedisSharedBudget) budget).close();
  }

  @Test
  void bucketsAreKeyedByAHashOfTheLimiterNameUnderThePrefix() throws Exception {
    String bucket = bucket("global");
    try (RedisSharedBudget budget = (RedisSharedBudget) connect(time())) {
      budget.lease(bucket, 10, 3, 1).get(10, TimeUnit.SECONDS);

      assertThat(redis.command("KEYS *" + bucket + "*")).isEmpty();
      assertThat(redis.command("KEYS " + prefix + "budget:*")).contains(prefix + "budget:");
      // Forgotten once it would have refilled anyway (0.3 s), plus a second.
      String ttl = redis.command("PTTL " + prefix + "budget:" + sha256(bucket));
      assertThat(Long.parseLong(ttl.substring(1))).isBetween(1L, 1_300L);
    }
  }

  private static String sha256(String text) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(
            java.security.MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }
}
