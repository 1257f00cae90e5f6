package dev.stripeedge.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.webhooks.EventStore;
import dev.stripeedge.core.webhooks.SharedEventStoreContract;
import dev.stripeedge.testkit.RedisServerExtension;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two edges sharing one Redis event store, each test under a key prefix of its own. */
class RedisEventStoreIT extends SharedEventStoreContract {

  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  private final String prefix = "fleet-" + UUID.randomUUID() + ":";

  static RedisEventStore store(String uri, String prefix) {
    return RedisEventStore.connect(
        RedisTierConfig.standalone(uri)
            .withKeyPrefix(prefix)
            .withCommandTimeout(Duration.ofSeconds(5)),
        Duration.ofDays(7));
  }

  @Override
  protected EventStore edge() {
    return store(redis.uri(), prefix);
  }

  @Override
  protected Duration claim() {
    return RedisEventStore.CLAIM;
  }

  @Override
  protected Duration shortLease() {
    return Duration.ofMillis(300); // Redis expires it on its own clock
  }

  @Override
  protected void letLapse(Duration lease) throws InterruptedException {
    Thread.sleep(lease.toMillis() + 100);
  }

  @Test
  void everyEdgeGetsTheSameCacheKeySecret() {
    RedisTierConfig config = RedisTierConfig.standalone(redis.uri()).withKeyPrefix(prefix);
    byte[] first = RedisEventStore.cacheKeySecret(config);

    assertThat(first).hasSize(32);
    assertThat(RedisEventStore.cacheKeySecret(config)).isEqualTo(first);
  }
}
