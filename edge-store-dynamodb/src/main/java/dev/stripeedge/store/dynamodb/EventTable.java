package dev.stripeedge.store.dynamodb;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * The {@link DynamoDbEventStore}'s table as blocking calls: each waits up to the client's call
 * timeout and fails with an {@link IllegalStateException} naming what it tried; conditional writes
 * and transactions answer their refusals instead of failing. Also the item keys and number format
 * every part of the store shares. Thread-safe; after {@link #close} every call fails.
 */
final class EventTable {

  static final String PK = Items.PK;
  static final String SK = Items.SK;
  private static final int WIDTH = 19;

  final DynamoDbAsyncClient client;
  final String name;
  private final @Nullable SdkEventLoopGroup eventLoops;
  private final long timeoutMillis;
  private volatile boolean closed;

  EventTable(
      DynamoDbAsyncClient client,
      @Nullable SdkEventLoopGroup eventLoops,
      DynamoDbTierConfig config) {
    this.client = client;
    this.eventLoops = eventLoops;
    this.name = config.table();
    this.timeoutMillis = config.apiCallTimeout().toMillis() + 1_000;
  }

  /** Deletes {@code from} and puts {@code to}, in one transaction. */
  void move(String what, Map<String, AttributeValue> from, Map<String, AttributeValue> to) {
    List<String> refused =
        transact(
            what,
            List.of(
                TransactWriteItem.builder()
                    .delete(
                        d ->
                            d.tableName(name)
                                .key(from)
                                .conditionExpression("attribute_exists(" + PK + ")"))
                    .build(),
                put(to)));
    if (!refused.isEmpty() && !refused.get(0).equals("ConditionalCheckFailed")) {
      throw new IllegalStateException("dynamodb event store: cannot " + what + ": " + refused);
    }
  }

  /** Every item of partition {@code pk}, in sort-key order (strongly consistent). */
  List<Map<String, AttributeValue>> query(String pk) {
    List<Map<String, AttributeValue>> items = new ArrayList<>();
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse page =
          await(
              "read " + pk,
              client.query(
                  r ->
                      r.tableName(name)
                          .consistentRead(true)
                          .keyConditionExpression("#pk = :pk")
                          .expressionAttributeNames(Map.of("#pk", PK))
                          .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk)))
                          .exclusiveStartKey(from)));
      items.addAll(page.items());
      start =
          page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()
              ? page.lastEvaluatedKey()
              : null;
    } while (start != null);
    return items;
  }

  /** The last of {@code count} new numbers of counter {@code counter}. */
  long next(String counter, int count) {
    return Long.parseLong(
        field(
                await(
                        "count " + counter,
                        client.updateItem(
                            r ->
                                r.tableName(name)
                                    .key(key("seq", counter))
                                    .updateExpression("ADD #n :c")
                                    .expressionAttributeNames(Map.of("#n", "n"))
                                    .expressionAttributeValues(Map.of(":c", number(count)))
                                    .returnValues(ReturnValue.UPDATED_NEW)))
                    .attributes(),
                "n")
            .n());
  }

  /**
   * Runs {@code writes} in one transaction; returns nothing when it committed, else each item's
   * cancellation reason code ({@code None}, {@code ConditionalCheckFailed}, {@code
   * TransactionConflict}…).
   */
  List<String> transact(String what, List<TransactWriteItem> writes) {
    try {
      await(what, client.transactWriteItems(r -> r.transactItems(writes)));
      return List.of();
    } catch (IllegalStateException e) {
      if (e.getCause() instanceof TransactionCanceledException canceled
          && canceled.hasCancellationReasons()) {
        return canceled.cancellationReasons().stream()
            .map(CancellationReason::code)
            .map(code -> code == null ? "None" : code)
            .toList();
      }
      throw e;
    }
  }

  TransactWriteItem put(Map<String, AttributeValue> item) {
    return TransactWriteItem.builder().put(p -> p.tableName(name).item(item)).build();
  }

  TransactWriteItem putNew(Map<String, AttributeValue> item) {
    return TransactWriteItem.builder()
        .put(
            p ->
                p.tableName(name)
                    .item(item)
                    .conditionExpression("attribute_not_exists(" + PK + ")"))
        .build();
  }

  static Map<String, AttributeValue> key(String pk, String sk) {
    Map<String, AttributeValue> key = new HashMap<>();
    key.put(PK, AttributeValue.fromS(pk));
    key.put(SK, AttributeValue.fromS(sk));
    return key;
  }

  static AttributeValue number(long value) {
    return AttributeValue.fromN(Long.toString(value));
  }

  static String pad(long value) {
    String digits = Long.toString(value);
    return "0".repeat(Math.max(0, WIDTH - digits.length())) + digits;
  }

  /** An item's attribute this store always writes; a missing one is a corrupt or foreign row. */
  static AttributeValue field(Map<String, AttributeValue> item, String name) {
    AttributeValue value = item.get(name);
    if (value == null) {
      throw new IllegalStateException(
          "event store row without " + name + ": not written by this edge");
    }
    return value;
  }

  void open() {
    if (closed) {
      throw new IllegalStateException("dynamodb: the event store is closed");
    }
  }

  /** {@link #await} for a conditional write: null when its condition failed. */
  <T> @Nullable T conditional(String what, CompletableFuture<T> call) {
    try {
      return await(what, call);
    } catch (IllegalStateException e) {
      if (e.getCause() instanceof ConditionalCheckFailedException) {
        return null;
      }
      throw e;
    }
  }

  <T> T await(String what, CompletableFuture<T> call) {
    open();
    try {
      return call.get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("dynamodb: interrupted while trying to " + what, e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause =
          e instanceof ExecutionException && e.getCause() != null
              ? TableSetup.cause(e.getCause())
              : e;
      throw new IllegalStateException(
          "dynamodb event store " + name + ": cannot " + what + ": " + cause.getMessage(), cause);
    }
  }

  void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (eventLoops != null) {
      DynamoDbClients.close(client, eventLoops);
    } else {
      client.close();
    }
  }
}
