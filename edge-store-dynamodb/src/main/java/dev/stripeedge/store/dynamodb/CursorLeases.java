package dev.stripeedge.store.dynamodb;

import static dev.stripeedge.core.webhooks.EventStore.RECONCILER;
import static dev.stripeedge.store.dynamodb.EventTable.field;
import static dev.stripeedge.store.dynamodb.EventTable.key;
import static dev.stripeedge.store.dynamodb.EventTable.number;

import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * The {@link DynamoDbEventStore}'s fleet-wide jobs: leases ({@code lease} / {@code <job>}: holder,
 * fencing token, until) taken with a conditional update, and the reconciliation cursors ({@code
 * cursor} / {@code <account>}), whose writes are fenced by the reconciler's lease once this edge
 * has held it. Leases expire by the edges' clocks: keep them in sync (NTP), far closer than a
 * lease.
 */
final class CursorLeases {

  private final EventTable table;
  private final String owner;
  private final InstantSource clock;
  // The fencing token of the last lease this edge took, by job: kept when the lease is lost, so
  // every later cursor write of a former leader is refused until it takes the lease again.
  private final Map<String, Long> tokens = new ConcurrentHashMap<>();

  CursorLeases(EventTable table, String owner, InstantSource clock) {
    this.table = table;
    this.owner = owner;
    this.clock = clock;
  }

  @Nullable String cursor(String account) {
    Map<String, AttributeValue> item =
        table
            .await(
                "read the cursor",
                table.client.getItem(
                    r -> r.tableName(table.name).key(cursorKey(account)).consistentRead(true)))
            .item();
    return item.isEmpty() ? null : field(item, "value").s();
  }

  private static Map<String, AttributeValue> cursorKey(String account) {
    return key("cursor", account.isEmpty() ? RECONCILER : RECONCILER + "#" + account);
  }

  void advance(String account, String eventId) {
    Map<String, AttributeValue> item = cursorKey(account);
    item.put("value", AttributeValue.fromS(eventId));
    Long token = tokens.get(RECONCILER);
    if (token == null) {
      table.await(
          "advance the cursor", table.client.putItem(r -> r.tableName(table.name).item(item)));
      return;
    }
    // Fenced: only while the reconciler's lease still carries this edge's token.
    List<String> refused =
        table.transact(
            "advance the cursor",
            List.of(
                TransactWriteItem.builder()
                    .conditionCheck(
                        c ->
                            c.tableName(table.name)
                                .key(key("lease", RECONCILER))
                                .conditionExpression("#t = :t")
                                .expressionAttributeNames(Map.of("#t", "token"))
                                .expressionAttributeValues(Map.of(":t", number(token))))
                    .build(),
                table.put(item)));
    if (!refused.isEmpty()) {
      throw new IllegalStateException(
          "dynamodb: the reconciler's lease (token "
              + token
              + ") was taken over; cursor not moved");
    }
  }

  boolean lead(String job, Duration ttl) {
    long now = clock.instant().toEpochMilli();
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":me", AttributeValue.fromS(owner));
    values.put(":until", number(now + ttl.toMillis()));
    values.put(":now", number(now));
    values.put(":one", number(1));
    // Take it when nobody holds it (a new token); else renew it while this edge does.
    UpdateItemResponse held =
        table.conditional(
            "hold the " + job + " lease",
            table.client.updateItem(
                r ->
                    r.tableName(table.name)
                        .key(key("lease", job))
                        .updateExpression("SET #o = :me, #u = :until ADD #t :one")
                        .conditionExpression("attribute_not_exists(#o) OR #u < :now")
                        .expressionAttributeNames(
                            Map.of("#o", "owner", "#u", "until", "#t", "token"))
                        .expressionAttributeValues(values)
                        .returnValues(ReturnValue.ALL_NEW)));
    if (held == null) {
      values.remove(":one");
      values.remove(":now");
      held =
          table.conditional(
              "renew the " + job + " lease",
              table.client.updateItem(
                  r ->
                      r.tableName(table.name)
                          .key(key("lease", job))
                          .updateExpression("SET #u = :until")
                          .conditionExpression("#o = :me")
                          .expressionAttributeNames(Map.of("#o", "owner", "#u", "until"))
                          .expressionAttributeValues(values)
                          .returnValues(ReturnValue.ALL_NEW)));
    }
    if (held == null) {
      return false;
    }
    tokens.put(job, Long.parseLong(field(held.attributes(), "token").n()));
    return true;
  }
}
