package dev.stripeedge.store.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.webhooks.StripeEvent;
import dev.stripeedge.core.webhooks.WebhookOutbox.Delivery;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The outbox's due index on DynamoDB Local: each pending delivery has an item in its target's
 * {@code o#due#<target>} partition sorted by next attempt (and one in its lane), kept in the same
 * transaction as the delivery, so {@code due()} queries what is due and nothing else; an outbox
 * queued without the index gets one on first read.
 */
class DynamoDbOutboxDueIndexIT {

  @RegisterExtension static final DynamoDbLocalExtension DYNAMODB = new DynamoDbLocalExtension();

  private static final Instant NOW = Instant.ofEpochSecond(1_800_000_000L);
  private static final String A = "http://127.0.0.1:1/a";
  private static final String B = "http://127.0.0.1:1/b";

  private final String table = DynamoDbEventStoreIT.freshTable();
  private DynamoDbEventStore store;
  private DynamoDbAsyncClient client;

  @BeforeEach
  void open() {
    store = DynamoDbEventStoreIT.store(DYNAMODB, table);
    client = DYNAMODB.client();
  }

  @AfterEach
  void close() {
    store.close();
    client.close();
  }

  private void record(String id, String objectId, long created, List<String> targets) {
    store.record(
        new StripeEvent(id, "customer.updated", created, objectId, null, Set.of(objectId)),
        NOW,
        id.getBytes(StandardCharsets.UTF_8),
        targets);
  }

  private List<String> partition(String pk) {
    return client
        .query(
            r ->
                r.tableName(table)
                    .consistentRead(true)
                    .keyConditionExpression("pk = :pk")
                    .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk))))
        .join()
        .items()
        .stream()
        .map(item -> item.get("sk").s())
        .toList();
  }

  @Test
  void theIndexFollowsEachDeliveryAndALaneWaitsForItsHead() {
    for (int i = 1; i <= 5; i++) {
      record("evt_" + i, "cus_1", i, List.of(A));
    }
    record("evt_other", "cus_2", 1, List.of(A, B));

    assertThat(partition("o#due#" + A)).hasSize(6);
    assertThat(partition("o#due#" + B)).hasSize(1);
    assertThat(partition("o#lane#" + A + "\ncus_1")).hasSize(5);
    List<Delivery> due = store.due(NOW, A, 10);
    assertThat(due).extracting(Delivery::eventId).containsExactly("evt_1", "evt_other");
    assertThat(store.due(NOW, B, 10)).extracting(Delivery::eventId).containsExactly("evt_other");

    store.delivered(due.get(0).id());
    assertThat(partition("o#due#" + A)).hasSize(5);
    assertThat(partition("o#lane#" + A + "\ncus_1")).hasSize(4);
    List<Delivery> next = store.due(NOW, A, 10);
    assertThat(next).extracting(Delivery::eventId).containsExactly("evt_2", "evt_other");

    // A retry later moves its index item past now: not due, and its lane waits behind it.
    store.retryLater(next.get(0).id(), 1, NOW.plusSeconds(60), "HTTP 500");
    assertThat(store.due(NOW, A, 10)).extracting(Delivery::eventId).containsExactly("evt_other");
    assertThat(store.due(NOW.plusSeconds(60), A, 10))
        .extracting(Delivery::eventId)
        .containsExactly("evt_2", "evt_other");
    assertThat(partition("o#due#" + A))
        .contains(
            EventTable.pad(NOW.plusSeconds(60).toEpochMilli())
                + "#"
                + EventTable.pad(next.get(0).id()));

    store.dead(next.get(0).id(), 2, "HTTP 500");
    assertThat(store.due(NOW, A, 10))
        .extracting(Delivery::eventId)
        .containsExactly("evt_3", "evt_other");
    assertThat(store.replay("evt_2", NOW)).isEqualTo(1);
    assertThat(store.due(NOW, A, 10))
        .extracting(Delivery::eventId)
        .containsExactly("evt_2", "evt_other");
  }

  @Test
  void anOutboxQueuedWithoutTheIndexIsIndexedOnFirstRead() {
    for (int i = 1; i <= 3; i++) {
      record("evt_" + i, "cus_1", i, List.of(A));
    }
    // As a version without the index left it: the deliveries only.
    for (String pk : List.of("o#due#" + A, "o#lane#" + A + "\ncus_1", "o#targets")) {
      for (String sk : partition(pk)) {
        client
            .deleteItem(
                r ->
                    r.tableName(table)
                        .key(
                            Map.of("pk", AttributeValue.fromS(pk), "sk", AttributeValue.fromS(sk))))
            .join();
      }
    }
    client
        .deleteItem(
            r ->
                r.tableName(table)
                    .key(
                        Map.of(
                            "pk", AttributeValue.fromS("o#indexed"),
                            "sk", AttributeValue.fromS("v1"))))
        .join();
    store.close();
    store = DynamoDbEventStoreIT.store(DYNAMODB, table);

    assertThat(store.due(NOW, 10)).extracting(Delivery::eventId).containsExactly("evt_1");
    assertThat(partition("o#due#" + A)).hasSize(3);
    assertThat(partition("o#indexed")).containsExactly("v1");
    assertThat(store.nextDue()).isEqualTo(NOW);
  }
}
