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
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * The {@link DynamoDbEventStore}'s forwarding outbox: deliveries pending ({@code o#pending}) or
 * given up on ({@code o#dead}), each under its zero-padded id. A pending delivery read by one edge
 * is claimed for {@link #CLAIM} (a conditional update), so one edge sends it; moves between the two
 * partitions are transactions. The deliveries themselves are written in the event's recording
 * transaction ({@link #items}).
 *
 * <p>{@link #due} reads only what is due: each pending delivery has an index item in its target's
 * partition {@code o#due#<target>} sorted by {@code <next attempt>#<id>}, so a query up to now
 * returns the due ones; a delivery with an object also has one in its lane {@code
 * o#lane#<target>\n<object>} by id, whose first item is the one that may be sent (an earlier
 * pending delivery of the same object to the same target holds the later back). Every change of a
 * delivery changes its index items in the same transaction. {@code o#targets} lists the targets. An
 * outbox queued without the index gets one on the first read ({@code o#indexed}).
 */
final class OutboxItems {

  /** How long a delivery read by one edge is hidden from the others (longer than any attempt). */
  static final Duration CLAIM = Duration.ofMinutes(2);

  private final EventTable table;
  private final String owner;
  private final OutboxIndex index;

  OutboxItems(EventTable table, String owner) {
    this.table = table;
    this.owner = owner;
    this.index = new OutboxIndex(table);
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

  /** The writes that queue a pending delivery: the delivery and its index items. */
  List<TransactWriteItem> items(
      long id, StripeEvent event, String target, byte[] payload, Instant due) {
    index.list(target);
    List<TransactWriteItem> writes = new ArrayList<>();
    writes.add(table.put(item(id, event, target, payload, due)));
    writes.addAll(index.puts(id, target, event.objectId(), due.toEpochMilli()));
    return writes;
  }

  /** Earliest next attempt of any pending delivery; null when none. */
  @Nullable Instant nextDue() {
    return index.nextDue();
  }

  List<Delivery> due(Instant now, int limit) {
    index.ensure();
    return due(now, index.targets(), limit);
  }

  List<Delivery> due(Instant now, String target, int limit) {
    index.ensure();
    return due(now, List.of(target), limit);
  }

  /** The due index items of {@code targets} up to now, oldest first, held back ones left out. */
  private List<Delivery> due(Instant now, List<String> targets, int limit) {
    List<Delivery> due = new ArrayList<>();
    if (limit <= 0) {
      return due;
    }
    long nowMillis = now.toEpochMilli();
    List<Map<String, AttributeValue>> candidates = new ArrayList<>();
    for (String target : targets) {
      candidates.addAll(index.due(target, nowMillis));
    }
    candidates.sort(
        Comparator.comparing(item -> field(item, SK).s().substring(OutboxIndex.WIDTH + 1)));
    Set<String> held = new HashSet<>();
    for (Map<String, AttributeValue> candidate : candidates) {
      String target = field(candidate, PK).s().substring("o#due#".length());
      Map<String, AttributeValue> pending = claimed(candidate, nowMillis, held, target);
      if (pending != null) {
        due.add(delivery(pending, State.PENDING));
        if (due.size() >= limit) {
          break;
        }
      }
    }
    return due;
  }

  /**
   * Claims the pending delivery of due index item {@code candidate} for this edge unless its lane
   * holds it back or another edge holds a live claim; returns it as claimed, or null.
   */
  private @Nullable Map<String, AttributeValue> claimed(
      Map<String, AttributeValue> candidate, long now, Set<String> held, String target) {
    String id = field(candidate, SK).s().substring(OutboxIndex.WIDTH + 1);
    AttributeValue object = candidate.get("object");
    String objectId = object == null ? "" : object.s();
    if (!objectId.isEmpty()) {
      String lane = OutboxIndex.lane(target, objectId);
      if (held.contains(lane) || !id.equals(index.head(lane))) {
        held.add(lane);
        return null; // an earlier pending delivery of the same object to the same target
      }
      held.add(lane);
    }
    UpdateItemResponse claim =
        table.conditional(
            "claim a delivery",
            table.client.updateItem(
                r ->
                    r.tableName(table.name)
                        .key(key("o#pending", id))
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
                                ":now", number(now)))
                        .returnValues(ReturnValue.ALL_NEW)));
    return claim == null ? null : claim.attributes();
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

  private @Nullable Map<String, AttributeValue> pending(long id) {
    Map<String, AttributeValue> item =
        table
            .await(
                "read delivery " + id,
                table.client.getItem(
                    r ->
                        r.tableName(table.name)
                            .key(key("o#pending", pad(id)))
                            .consistentRead(true)))
            .item();
    return item == null || item.isEmpty() ? null : item;
  }

  void delivered(long id) {
    for (int read = 0; read < 5; read++) {
      Map<String, AttributeValue> pending = pending(id);
      if (pending == null) {
        return;
      }
      List<TransactWriteItem> writes = new ArrayList<>();
      writes.add(deleteAsRead(pending));
      writes.addAll(index.deletes(pending));
      if (index.commit("mark delivery " + id + " delivered", writes)) {
        return;
      }
    }
    throw new IllegalStateException("dynamodb event store: delivery " + id + " keeps changing");
  }

  /** Deletes a pending delivery unless its next attempt changed since it was read. */
  private TransactWriteItem deleteAsRead(Map<String, AttributeValue> pending) {
    return TransactWriteItem.builder()
        .delete(
            d ->
                d.tableName(table.name)
                    .key(key("o#pending", field(pending, SK).s()))
                    .conditionExpression("#n = :n")
                    .expressionAttributeNames(Map.of("#n", "next"))
                    .expressionAttributeValues(Map.of(":n", field(pending, "next"))))
        .build();
  }

  void retryLater(long id, int attempts, Instant nextAttemptAt, String error) {
    for (int read = 0; read < 5; read++) {
      Map<String, AttributeValue> pending = pending(id);
      if (pending == null) {
        return;
      }
      long next = nextAttemptAt.toEpochMilli();
      String target = field(pending, "target").s();
      List<TransactWriteItem> writes = new ArrayList<>();
      writes.add(
          TransactWriteItem.builder()
              .update(
                  u ->
                      u.tableName(table.name)
                          .key(key("o#pending", pad(id)))
                          .updateExpression("SET #a = :a, #n = :n, #e = :e REMOVE #o, #c")
                          .conditionExpression("#n = :was")
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
                                  ":n", number(next),
                                  ":e", AttributeValue.fromS(error),
                                  ":was", field(pending, "next"))))
              .build());
      long was = Long.parseLong(field(pending, "next").n());
      if (was != next) {
        writes.add(index.delete(OutboxIndex.dueKey(target, was, id), false));
        writes.add(table.put(OutboxIndex.dueItem(target, next, id, field(pending, "object").s())));
      }
      if (index.commit("record a failed delivery " + id, writes)) {
        return;
      }
    }
    throw new IllegalStateException("dynamodb event store: delivery " + id + " keeps changing");
  }

  void dead(long id, int attempts, String error) {
    for (int read = 0; read < 5; read++) {
      Map<String, AttributeValue> pending = pending(id);
      if (pending == null) {
        return;
      }
      Map<String, AttributeValue> dead = new HashMap<>(pending);
      dead.putAll(key("o#dead", pad(id)));
      dead.remove("owner");
      dead.remove("claim");
      dead.put("attempts", number(attempts));
      dead.put("error", AttributeValue.fromS(error));
      List<TransactWriteItem> writes = new ArrayList<>();
      writes.add(deleteAsRead(pending));
      writes.add(table.put(dead));
      writes.addAll(index.deletes(pending));
      if (index.commit("bury delivery " + id, writes)) {
        return;
      }
    }
    throw new IllegalStateException("dynamodb event store: delivery " + id + " keeps changing");
  }

  List<Delivery> deadLetters() {
    return table.query("o#dead").stream().map(item -> delivery(item, State.DEAD)).toList();
  }

  int replay(@Nullable String eventId, Instant now) {
    index.ensure();
    int count = 0;
    for (Map<String, AttributeValue> item : table.query("o#dead")) {
      if (eventId != null && !eventId.equals(field(item, "event").s())) {
        continue;
      }
      Map<String, AttributeValue> pending = new HashMap<>(item);
      String id = field(item, SK).s();
      String target = field(item, "target").s();
      String objectId = field(item, "object").s();
      pending.putAll(key("o#pending", id));
      pending.put("attempts", number(0));
      pending.put("next", number(now.toEpochMilli()));
      index.list(target);
      List<TransactWriteItem> writes = new ArrayList<>();
      writes.add(index.delete(key("o#dead", id), true));
      writes.add(table.put(pending));
      writes.addAll(index.puts(Long.parseLong(id), target, objectId, now.toEpochMilli()));
      if (index.commit("replay delivery " + id, writes)) {
        count++;
      }
    }
    return count;
  }
}
