package dev.stripeedge.store.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stripeedge.core.webhooks.EventLedger.Recorded;
import dev.stripeedge.core.webhooks.EventStore;
import dev.stripeedge.core.webhooks.StripeEvent;
import dev.stripeedge.core.webhooks.WebhookOutbox.Delivery;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two edges sharing one DynamoDB event store: one record, one send, one reconciler. */
class DynamoDbEventStoreIT {

  @RegisterExtension static final DynamoDbLocalExtension DYNAMODB = new DynamoDbLocalExtension();

  private static final AtomicInteger TABLES = new AtomicInteger();
  private static final Instant NOW = Instant.ofEpochSecond(1_800_000_000L);

  static String freshTable() {
    return "edge_events_" + TABLES.incrementAndGet() + "_" + System.nanoTime();
  }

  static DynamoDbEventStore store(DynamoDbLocalExtension dynamodb, String table) {
    return store(dynamodb, table, InstantSource.system());
  }

  static DynamoDbEventStore store(
      DynamoDbLocalExtension dynamodb, String table, InstantSource clock) {
    return DynamoDbEventStore.open(
        dynamodb.config(table).build(),
        DynamoDbLocalExtension.CREDENTIALS,
        Duration.ofDays(7),
        clock);
  }

  private static StripeEvent event(String id) {
    return new StripeEvent(id, "customer.updated", 1, "cus_1", null, Set.of("cus_1"));
  }

  @Test
  void anEventDeliveredToTwoEdgesIsNewOnOneAndSentByOne() {
    String table = freshTable();
    try (EventStore a = store(DYNAMODB, table);
        EventStore b = store(DYNAMODB, table)) {
      byte[] payload = "{}".getBytes(StandardCharsets.UTF_8);
      List<String> app = List.of("http://127.0.0.1:1/hook");

      assertThat(a.record(event("evt_1"), NOW, payload, app)).isEqualTo(Recorded.NEW);
      assertThat(b.record(event("evt_1"), NOW, payload, app)).isEqualTo(Recorded.DUPLICATE_EVENT);

      assertThat(a.due(NOW, 10)).extracting(Delivery::eventId).containsExactly("evt_1");
      assertThat(b.due(NOW, 10)).isEmpty();
      assertThat(b.due(NOW.plus(DynamoDbEventStore.CLAIM).plusSeconds(1), 10)).hasSize(1);
    }
  }

  @Test
  void aPausedLeaderCannotMoveTheCursorBackAfterAnotherTookOver() {
    String table = freshTable();
    AtomicReference<Instant> now = new AtomicReference<>(NOW);
    InstantSource clock = () -> now.get();
    try (EventStore a = store(DYNAMODB, table, clock);
        EventStore b = store(DYNAMODB, table, clock)) {
      assertThat(a.lead(EventStore.RECONCILER, Duration.ofSeconds(30))).isTrue();
      assertThat(b.lead(EventStore.RECONCILER, Duration.ofSeconds(30))).isFalse();
      assertThat(a.lead(EventStore.RECONCILER, Duration.ofSeconds(30))).isTrue();
      a.advance("evt_3");
      assertThat(b.lead(EventStore.DRIFT_AUDIT, Duration.ofSeconds(30))).isTrue();

      now.set(NOW.plusSeconds(31)); // a pauses past its lease
      assertThat(b.lead(EventStore.RECONCILER, Duration.ofSeconds(30))).isTrue();
      b.advance("evt_9");

      assertThatThrownBy(() -> a.advance("evt_4")).isInstanceOf(IllegalStateException.class);
      assertThat(a.cursor()).isEqualTo("evt_9");
      assertThat(a.lead(EventStore.RECONCILER, Duration.ofSeconds(30))).isFalse();
    }
  }

  @Test
  void everyEdgeGetsTheSameCacheKeySecret() {
    String table = freshTable();
    try (DynamoDbEventStore a = store(DYNAMODB, table);
        DynamoDbEventStore b = store(DYNAMODB, table)) {
      byte[] first = a.cacheKeySecret();

      assertThat(first).hasSize(32);
      assertThat(b.cacheKeySecret()).isEqualTo(first);
    }
  }
}
