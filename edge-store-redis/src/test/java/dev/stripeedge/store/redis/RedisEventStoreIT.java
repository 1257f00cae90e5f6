package dev.stripeedge.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stripeedge.core.webhooks.EventLedger.Recorded;
import dev.stripeedge.core.webhooks.EventStore;
import dev.stripeedge.core.webhooks.StripeEvent;
import dev.stripeedge.core.webhooks.WebhookOutbox.Delivery;
import dev.stripeedge.testkit.RedisServerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What two edges sharing one Redis event store see: one record, one send, one reconciler. */
class RedisEventStoreIT {

  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  private static final Instant NOW = Instant.ofEpochSecond(1_800_000_000L);
  private final String prefix = "fleet-" + UUID.randomUUID() + ":";

  static RedisEventStore store(String uri, String prefix) {
    return RedisEventStore.connect(
        RedisTierConfig.standalone(uri)
            .withKeyPrefix(prefix)
            .withCommandTimeout(Duration.ofSeconds(5)),
        Duration.ofDays(7));
  }

  private static StripeEvent event(String id) {
    return new StripeEvent(id, "customer.updated", 1, "cus_1", null, Set.of("cus_1"));
  }

  @Test
  void anEventDeliveredToTwoEdgesIsNewOnOneAndQueuedOnce() {
    try (EventStore a = store(redis.uri(), prefix);
        EventStore b = store(redis.uri(), prefix)) {
      byte[] payload = "{}".getBytes(StandardCharsets.UTF_8);
      List<String> app = List.of("http://127.0.0.1:1/hook");

      assertThat(a.record(event("evt_1"), NOW, payload, app)).isEqualTo(Recorded.NEW);
      assertThat(b.record(event("evt_1"), NOW, payload, app)).isEqualTo(Recorded.DUPLICATE_EVENT);

      // Read by edge a, the delivery is claimed: edge b does not send it too.
      assertThat(a.due(NOW, 10)).extracting(Delivery::eventId).containsExactly("evt_1");
      assertThat(b.due(NOW, 10)).isEmpty();
      // Unless edge a dies: the claim runs out.
      assertThat(b.due(NOW.plus(RedisEventStore.CLAIM).plusSeconds(1), 10)).hasSize(1);
    }
  }

  @Test
  void oneEdgeHoldsALeaseAndAnotherTakesOverOnlyAfterItExpires() throws Exception {
    try (EventStore a = store(redis.uri(), prefix);
        EventStore b = store(redis.uri(), prefix)) {
      assertThat(a.lead(EventStore.RECONCILER, Duration.ofMillis(300))).isTrue();
      assertThat(b.lead(EventStore.RECONCILER, Duration.ofMillis(300))).isFalse();
      assertThat(a.lead(EventStore.RECONCILER, Duration.ofMillis(300))).isTrue();
      // Another job has a lease of its own.
      assertThat(b.lead(EventStore.DRIFT_AUDIT, Duration.ofMillis(300))).isTrue();

      Thread.sleep(400); // edge a pauses (GC, a stopped VM) past its lease
      assertThat(b.lead(EventStore.RECONCILER, Duration.ofSeconds(30))).isTrue();
      b.advance("evt_9");

      // The paused leader wakes up with its old token: the cursor does not move back.
      assertThatThrownBy(() -> a.advance("evt_3")).isInstanceOf(IllegalStateException.class);
      assertThat(a.cursor()).isEqualTo("evt_9");
      assertThat(a.lead(EventStore.RECONCILER, Duration.ofSeconds(30))).isFalse();
    }
  }

  @Test
  void everyEdgeGetsTheSameCacheKeySecret() {
    RedisTierConfig config = RedisTierConfig.standalone(redis.uri()).withKeyPrefix(prefix);
    byte[] first = RedisEventStore.cacheKeySecret(config);

    assertThat(first).hasSize(32);
    assertThat(RedisEventStore.cacheKeySecret(config)).isEqualTo(first);
  }
}
