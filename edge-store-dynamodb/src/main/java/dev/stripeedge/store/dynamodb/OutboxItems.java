package dev.stripeedge.store.dynamodb;

import static dev.stripeedge.store.dynamodb.EventTable.PK;
import static dev.stripeedge.store.dynamodb.EventTable.SK;
import static dev.stripeedge.store.dynamodb.EventTable.field;
import static dev.stripeedge.store.dynamodb.EventTable.key;
import static dev.stripeedge.store.dynamodb.EventTable.number;
import static dev.stripeedge.store.dynamodb.EventTable.pad;

import dev.stripeedge.core.webhooks.StripeEvent;
import dev.stripeedge.core.webhooks.WebhookOutbox.Delivery;
import dev.stripeedge.core.webhooks.WebhookOutbox.State;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The {@link DynamoDbEventStore}'s forwarding outbox: deliveries pending ({@code o#pending}) or
 * given up on ({@code o#dead}), each under its zero-padded id. A pending delivery read by one edge
 * is claimed for {@link #CLAIM} (a conditional update), so one edge sends it; moves between the two
 * partitions are transactions. The deliveries themselves are written in the event's recording
 * transaction ({@link #item}).
 */
final class OutboxItems {

  /** How long a delivery read by one edge is hidden from the others (longer than any attempt). */
  static final Duration CLAIM = Duration.ofMinutes(2);

  private final EventTable table;
  private final String owner;

  OutboxItems(EventTable table, String owner) {
    this.table = table;
    this.owner = owner;
  }

  /** The pending delivery of {@code event} to {@code target}, due at {@code due}. */
  static Map<String, AttributeValue> item(
      long id, StripeEvent event, String target, byte[] payload, Instant due) {
    Map<String, AttributeValue> item = key("o#pending", pad(id));
    item.put("event", AttributeValue.fromS(event.id()));
    String objectId = event.objectId();
    item.put("object", AttributeValue.fromS(objectId == null ? "" : objectId));
    item.put("target", AttributeValue.fromS(target));
    item.put("payload", AttributeValue.fromB(SdkBytes.fromByteArray(payload)));
    item.put("attempts", number(0));
    item.put("next", number(due.toEpochMilli()));
    return item;
  }

  List<Delivery> due(Instant now, int limit) {
    List<Delivery> due = new ArrayList<>();
    Set<String> held = new HashSet<>();
    long nowMillis = now.toEpochMilli();
    for (Map<String, AttributeValue> item : table.query("o#pending")) {
      if (due.size() >= limit) {
        break;
      }
      Delivery delivery = delivery(item, State.PENDING);
      String objectId = delivery.objectId();
      if (objectId != null && !held.add(delivery.target() + "\n" + objectId)) {
        continue; // an earlier pending delivery of the same object to the same target
      }
      if (delivery.nextAttemptAt().toEpochMilli() > nowMillis || !claim(item, nowMillis)) {
        continue;
      }
      due.add(delivery);
    }
    return due;
  }

  /** Claims a pending delivery for this edge; false when another edge holds a live claim. */
  private boolean claim(Map<String, AttributeValue> item, long now) {
    AttributeValue otherOwner = item.get("owner");
    if (otherOwner != null
        && !otherOwner.s().equals(owner)
        && Long.parseLong(field(item, "claim").n()) > now) {
      return false;
    }
    return table.conditional(
            "claim a delivery",
            table.client.updateItem(
                r ->
                    r.tableName(table.name)
                        .key(key("o#pending", field(item, SK).s()))
                        .updateExpression("SET #o = :me, #c = :until")
                        .conditionExpression(
                            "attribute_exists("
                                + PK
                                + ") AND"
                                + " (attribute_not_exists(#o) OR #o = :me OR #c < :now)")
                        .expressionAttributeNames(Map.of("#o", "owner", "#c", "claim"))
                        .expressionAttributeValues(
                            Map.of(
                                ":me", AttributeValue.fromS(owner),
                                ":until", number(now + CLAIM.toMillis()),
                                ":now", number(now)))))
        != null;
  }

  private static Delivery delivery(Map<String, AttributeValue> item, State state) {
    String objectId = field(item, "object").s();
    AttributeValue error = item.get("error");
    AttributeValue payload = item.get("payload");
    return new Delivery(
        Long.parseLong(field(item, SK).s()),
        field(item, "event").s(),
        objectId.isEmpty() ? null : objectId,
        field(item, "target").s(),
        payload == null ? new byte[0] : payload.b().asByteArray(),
        Integer.parseInt(field(item, "attempts").n()),
        Instant.ofEpochMilli(Long.parseLong(field(item, "next").n())),
        state,
        error == null ? null : error.s());
  }

  void delivered(long id) {
    table.await(
        "mark delivery " + id + " delivered",
        table.client.deleteItem(r -> r.tableName(table.name).key(key("o#pending", pad(id)))));
  }

  void retryLater(long id, int attempts, Instant nextAttemptAt, String error) {
    table.conditional(
        "record a failed delivery " + id,
        table.client.updateItem(
            r ->
                r.tableName(table.name)
                    .key(key("o#pending", pad(id)))
                    .updateExpression("SET #a = :a, #n = :n, #e = :e REMOVE #o, #c")
                    .conditionExpression("attribute_exists(" + PK + ")")
                    .expressionAttributeNames(
                        Map.of(
                            "#a",
                            "attempts",
                            "#n",
                            "next",
                            "#e",
                            "error",
                            "#o",
                            "owner",
                            "#c",
                            "claim"))
                    .expressionAttributeValues(
                        Map.of(
                            ":a", number(attempts),
                            ":n", number(nextAttemptAt.toEpochMilli()),
                            ":e", AttributeValue.fromS(error)))));
  }

  void dead(long id, int attempts, String error) {
    Map<String, AttributeValue> pending =
        table
            .await(
                "read delivery " + id,
                table.client.getItem(
                    r ->
                        r.tableName(table.name)
                            .key(key("o#pending", pad(id)))
                            .consistentRead(true)))
            .item();
    if (pending.isEmpty()) {
      return;
    }
    Map<String, AttributeValue> dead = new HashMap<>(pending);
    dead.putAll(key("o#dead", pad(id)));
    dead.remove("owner");
    dead.remove("claim");
    dead.put("attempts", number(attempts));
    dead.put("error", AttributeValue.fromS(error));
    table.move("bury delivery " + id, key("o#pending", pad(id)), dead);
  }

  List<Delivery> deadLetters() {
    return table.query("o#dead").stream().map(item -> delivery(item, State.DEAD)).toList();
  }

  int replay(@Nullable String eventId, Instant now) {
    int count = 0;
    for (Map<String, AttributeValue> item : table.query("o#dead")) {
      if (eventId != null && !eventId.equals(field(item, "event").s())) {
        continue;
      }
      Map<String, AttributeValue> pending = new HashMap<>(item);
      pending.putAll(key("o#pending", field(item, SK).s()));
      pending.put("attempts", number(0));
      pending.put("next", number(now.toEpochMilli()));
      String id = field(item, SK).s();
      table.move("replay delivery " + id, key("o#dead", id), pending);
      count++;
    }
    return count;
  }

  @Nullable Instant nextDue() {
    return table.query("o#pending").stream()
        .map(item -> Long.parseLong(field(item, "next").n()))
        .min(Long::compare)
        .map(Instant::ofEpochMilli)
        .orElse(null);
  }
}
