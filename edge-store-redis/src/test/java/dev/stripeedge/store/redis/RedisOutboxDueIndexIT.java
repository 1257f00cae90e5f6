package dev.stripeedge.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.webhooks.StripeEvent;
import dev.stripeedge.core.webhooks.WebhookOutbox.Delivery;
import dev.stripeedge.testkit.RedisServerExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The outbox's due index on a real Redis: a target's {@code o:due:<target>} holds only the
 * deliveries that head their lane, scored by their next attempt, so {@code due()} reads what may be
 * sent and nothing else; an outbox queued without the index gets one on first read.
 */
class RedisOutboxDueIndexIT {

  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  private static final Instant NOW = Instant.ofEpochSecond(1_800_000_000L);
  private static final String A = "http://127.0.0.1:1/a";
  private static final String B = "http://127.0.0.1:1/b";

  private final String prefix = "due-" + UUID.randomUUID() + ":";
  private final String base = prefix + "{events}:";
  private RedisClient client;
  private StatefulRedisConnection<String, String> connection;
  private RedisCommands<String, String> commands;
  private RedisEventStore store;

  @BeforeEach
  void open() {
    client = RedisClient.create(redis.uri());
    connection = client.connect();
    commands = connection.sync();
    store = RedisEventStoreIT.store(redis.uri(), prefix);
  }

  @AfterEach
  void close() {
    store.close();
    connection.close();
    client.shutdown();
  }

  private static StripeEvent event(String id, String objectId, long created) {
    return new StripeEvent(id, "customer.updated", created, objectId, null, Set.of(objectId));
  }

  private void record(String id, String objectId, long created, List<String> targets) {
    store.record(event(id, objectId, created), NOW, id.getBytes(StandardCharsets.UTF_8), targets);
  }

  private List<String> dueIndex(String target) {
    return commands.zrange(base + "o:due:" + target, 0, -1);
  }

  @Test
  void onlyEachLanesHeadIsIndexedAndTheNextTakesItsPlace() {
    for (int i = 1; i <= 50; i++) {
      record("evt_" + i, "cus_1", i, List.of(A));
    }
    record("evt_other", "cus_2", 1, List.of(A, B));

    // 51 pending for A, 2 of them may be sent: the index holds those 2, B's holds its 1.
    assertThat(commands.zcard(base + "o:pending")).isEqualTo(52);
    assertThat(dueIndex(A)).hasSize(2);
    assertThat(dueIndex(B)).hasSize(1);
    List<Delivery> due = store.due(NOW, A, 10);
    assertThat(due).extracting(Delivery::eventId).containsExactly("evt_1", "evt_other");

    store.delivered(due.get(0).id());
    assertThat(store.due(NOW, A, 10))
        .extracting(Delivery::eventId)
        .containsExactly("evt_2", "evt_other");
    assertThat(dueIndex(A)).hasSize(2);

    // A retry later moves the head's score: not due now, and its lane waits behind it.
    long second = store.due(NOW, A, 10).get(0).id();
    store.retryLater(second, 1, NOW.plusSeconds(60), "HTTP 500");
    assertThat(store.due(NOW, A, 10)).extracting(Delivery::eventId).containsExactly("evt_other");
    assertThat(commands.zscore(base + "o:due:" + A, Long.toString(second)))
        .isEqualTo((double) NOW.plusSeconds(60).toEpochMilli());
    assertThat(store.nextDue()).isEqualTo(NOW);
  }

  @Test
  void anOutboxQueuedWithoutTheIndexIsIndexedOnFirstRead() {
    for (int i = 1; i <= 5; i++) {
      record("evt_" + i, "cus_1", i, List.of(A));
    }
    record("evt_other", "cus_2", 1, List.of(A));
    // As a version without the index left it: the pending set and the rows only.
    commands.del(
        base + "o:due:" + A, base + "o:lane:" + A + "\ncus_1", base + "o:lane:" + A + "\ncus_2");
    commands.del(base + "o:targets", base + "o:indexed");
    store.close();
    store = RedisEventStoreIT.store(redis.uri(), prefix);

    assertThat(store.due(NOW, 10))
        .extracting(Delivery::eventId)
        .containsExactly("evt_1", "evt_other");
    assertThat(dueIndex(A)).hasSize(2);
    assertThat(commands.get(base + "o:indexed")).isEqualTo("1");
  }
}
