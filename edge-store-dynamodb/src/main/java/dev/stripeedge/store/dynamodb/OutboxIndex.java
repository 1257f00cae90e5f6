package dev.stripeedge.store.dynamodb;

import static dev.stripeedge.store.dynamodb.EventTable.PK;
import static dev.stripeedge.store.dynamodb.EventTable.SK;
import static dev.stripeedge.store.dynamodb.EventTable.field;
import static dev.stripeedge.store.dynamodb.EventTable.key;
import static dev.stripeedge.store.dynamodb.EventTable.pad;

import dev.stripeedge.core.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

/**
 * The outbox's due index (see {@link OutboxItems}): {@code o#due#<target>} items sorted by {@code
 * <next attempt>#<id>}, {@code o#lane#<target>\n<object>} items by id, {@code o#targets}; the
 * writes that keep them, the queries that read them, and the one-time build for an outbox queued
 * without them. Thread-safe.
 */
final class OutboxIndex {

  /** Width of a padded number in a sort key. */
  static final int WIDTH = pad(0).length();

  private static final String TARGETS = "o#targets";

  private final EventTable table;
  // Targets this instance has listed in o#targets (an idempotent put, done once per target).
  private final Set<String> listed = ConcurrentHashMap.newKeySet();
  private volatile boolean indexed;

  OutboxIndex(EventTable table) {
    this.table = table;
  }

  List<TransactWriteItem> puts(long id, String target, @Nullable String objectId, long nextMillis) {
    List<TransactWriteItem> writes = new ArrayList<>();
    writes.add(table.put(dueItem(target, nextMillis, id, objectId)));
    if (objectId != null && !objectId.isEmpty()) {
      writes.add(table.put(key(lane(target, objectId), pad(id))));
    }
    return writes;
  }

  List<TransactWriteItem> deletes(Map<String, AttributeValue> pending) {
    long id = Long.parseLong(field(pending, SK).s());
    String target = field(pending, "target").s();
    String objectId = field(pending, "object").s();
    List<TransactWriteItem> writes = new ArrayList<>();
    writes.add(delete(dueKey(target, Long.parseLong(field(pending, "next").n()), id), false));
    if (!objectId.isEmpty()) {
      writes.add(delete(key(lane(target, objectId), pad(id)), false));
    }
    return writes;
  }

  static Map<String, AttributeValue> dueKey(String target, long nextMillis, long id) {
    return key("o#due#" + target, pad(nextMillis) + "#" + pad(id));
  }

  /** A due index item: its key, and the delivery's object (for the lane check before a read). */
  static Map<String, AttributeValue> dueItem(
      String target, long nextMillis, long id, @Nullable String objectId) {
    Map<String, AttributeValue> item = dueKey(target, nextMillis, id);
    item.put("object", AttributeValue.fromS(objectId == null ? "" : objectId));
    return item;
  }

  static String lane(String target, String objectId) {
    return "o#lane#" + target + "\n" + objectId;
  }

  TransactWriteItem delete(Map<String, AttributeValue> key, boolean mustExist) {
    return TransactWriteItem.builder()
        .delete(
            d -> {
              d.tableName(table.name).key(key);
              if (mustExist) {
                d.conditionExpression("attribute_exists(" + PK + ")");
              }
            })
        .build();
  }

  /** Lists {@code target} in {@code o#targets}, once per instance (an idempotent put). */
  void list(String target) {
    if (listed.add(target)) {
      table.await(
          "list target",
          table.client.putItem(r -> r.tableName(table.name).item(key(TARGETS, target))));
    }
  }

  List<String> targets() {
    return table.query(TARGETS).stream().map(item -> field(item, SK).s()).toList();
  }

  /** Index items of {@code target} due at or before {@code nowMillis} (strongly consistent). */
  List<Map<String, AttributeValue>> due(String target, long nowMillis) {
    List<Map<String, AttributeValue>> items = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse page =
          table.await(
              "read due deliveries",
              table.client.query(
                  r ->
                      r.tableName(table.name)
                          .consistentRead(true)
                          .keyConditionExpression("#pk = :pk AND #sk <= :upto")
                          .expressionAttributeNames(Map.of("#pk", PK, "#sk", SK))
                          .expressionAttributeValues(
                              Map.of(
                                  ":pk", AttributeValue.fromS("o#due#" + target),
                                  ":upto", AttributeValue.fromS(pad(nowMillis) + "#~")))
                          .exclusiveStartKey(from)));
      items.addAll(page.items());
      start =
          page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()
              ? page.lastEvaluatedKey()
              : null;
    } while (start != null);
    return items;
  }

  /** The id heading {@code lane}: its first item (strongly consistent); null when empty. */
  @Nullable String head(String lane) {
    List<Map<String, AttributeValue>> first =
        table
            .await(
                "read a lane",
                table.client.query(
                    r ->
                        r.tableName(table.name)
                            .consistentRead(true)
                            .limit(1)
                            .keyConditionExpression("#pk = :pk")
                            .expressionAttributeNames(Map.of("#pk", PK))
                            .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(lane)))))
            .items();
    return first.isEmpty() ? null : field(first.get(0), SK).s();
  }

  @Nullable Instant nextDue() {
    ensure();
    Long earliest = null;
    for (String target : targets()) {
      List<Map<String, AttributeValue>> first =
          table
              .await(
                  "read the next due delivery",
                  table.client.query(
                      r ->
                          r.tableName(table.name)
                              .consistentRead(true)
                              .limit(1)
                              .keyConditionExpression("#pk = :pk")
                              .expressionAttributeNames(Map.of("#pk", PK))
                              .expressionAttributeValues(
                                  Map.of(":pk", AttributeValue.fromS("o#due#" + target)))))
              .items();
      if (!first.isEmpty()) {
        long next = Long.parseLong(field(first.get(0), SK).s().substring(0, WIDTH));
        earliest = earliest == null ? next : Math.min(earliest, next);
      }
    }
    return earliest == null ? null : Instant.ofEpochMilli(earliest);
  }

  /**
   * Indexes, once, the pending deliveries queued by a version that kept no index: each index item
   * written only while its delivery is still pending (a condition check in the same transaction).
   */
  void ensure() {
    if (indexed) {
      return;
    }
    Map<String, AttributeValue> marker = key("o#indexed", "v1");
    Map<String, AttributeValue> found =
        table
            .await(
                "read the outbox index marker",
                table.client.getItem(r -> r.tableName(table.name).key(marker).consistentRead(true)))
            .item();
    if (found == null || found.isEmpty()) {
      for (Map<String, AttributeValue> pending : table.query("o#pending")) {
        String id = field(pending, SK).s();
        String target = field(pending, "target").s();
        list(target);
        List<TransactWriteItem> writes = new ArrayList<>();
        writes.add(
            TransactWriteItem.builder()
                .conditionCheck(
                    c ->
                        c.tableName(table.name)
                            .key(key("o#pending", id))
                            .conditionExpression("#n = :n")
                            .expressionAttributeNames(Map.of("#n", "next"))
                            .expressionAttributeValues(Map.of(":n", field(pending, "next"))))
                .build());
        writes.addAll(
            puts(
                Long.parseLong(id),
                target,
                field(pending, "object").s(),
                Long.parseLong(field(pending, "next").n())));
        commit("index delivery " + id, writes);
      }
      table.await(
          "mark the outbox indexed",
          table.client.putItem(r -> r.tableName(table.name).item(marker)));
    }
    indexed = true;
  }

  /**
   * Runs {@code writes} (whose first item's condition says the delivery is still as read) in one
   * transaction, again after a conflict with another edge's claim; false when the delivery changed.
   */
  boolean commit(String what, List<TransactWriteItem> writes) {
    for (int attempt = 0; ; attempt++) {
      List<String> reasons = table.transact(what, writes);
      if (reasons.isEmpty()) {
        return true;
      }
      if (reasons.get(0).equals("ConditionalCheckFailed")) {
        return false;
      }
      if (attempt >= 20) {
        throw new IllegalStateException("dynamodb event store: cannot " + what + ": " + reasons);
      }
      // A conflict with another edge's transaction or claim on the same delivery: a moment later.
      Scheduler.system().after(Duration.ofMillis(5L * (attempt + 1))).join();
    }
  }
}
