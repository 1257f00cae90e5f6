package dev.stripeedge.store.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.webhooks.EventStore;
import dev.stripeedge.core.webhooks.SharedEventStoreContract;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two edges sharing one DynamoDB event store, each test on a table of its own; leases expire by the
 * edges' clock, a fake one here.
 */
class DynamoDbEventStoreIT extends SharedEventStoreContract {

  @RegisterExtension static final DynamoDbLocalExtension DYNAMODB = new DynamoDbLocalExtension();

  private static final AtomicInteger TABLES = new AtomicInteger();

  private final String table = freshTable();
  private final AtomicReference<Instant> now = new AtomicReference<>(NOW);

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

  @Override
  protected EventStore edge() {
    return store(DYNAMODB, table, now::get);
  }

  @Override
  protected Duration claim() {
    return DynamoDbEventStore.CLAIM;
  }

  @Override
  protected Duration shortLease() {
    return Duration.ofSeconds(30);
  }

  @Override
  protected void letLapse(Duration lease) {
    now.set(now.get().plus(lease).plusSeconds(1));
  }

  @Test
  void everyEdgeGetsTheSameCacheKeySecret() {
    try (DynamoDbEventStore a = store(DYNAMODB, table);
        DynamoDbEventStore b = store(DYNAMODB, table)) {
      byte[] first = a.cacheKeySecret();

      assertThat(first).hasSize(32);
      assertThat(b.cacheKeySecret()).isEqualTo(first);
    }
  }
}
