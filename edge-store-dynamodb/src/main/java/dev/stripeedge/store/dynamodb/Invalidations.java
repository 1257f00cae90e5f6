package dev.stripeedge.store.dynamodb;

import dev.stripeedge.core.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.TransactionConflictException;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * The {@link DynamoDbTier}'s invalidation of one id: its marker written first, then the entries its
 * index names deleted, in batches, again for those DynamoDB leaves unprocessed. A put that commits
 * before the marker is found by the index read (strongly consistent) and deleted; one that commits
 * after sees the marker and is refused.
 */
final class Invalidations {

  private static final int BATCH_WRITE_ITEMS = 25;
  private static final int MARKER_ATTEMPTS = 5;
  private static final String MARKER_IS_OLDER =
      "attribute_not_exists(#pk) OR #invalidated < :invalidated";

  private final DynamoDbAsyncClient client;
  private final DynamoDbTierConfig config;
  private final Scheduler scheduler;

  Invalidations(DynamoDbAsyncClient client, DynamoDbTierConfig config, Scheduler scheduler) {
    this.client = client;
    this.config = config;
    this.scheduler = scheduler;
  }

  /** Marks {@code id} invalidated at {@code now}, then deletes every entry holding it. */
  CompletableFuture<Void> invalidate(String id, long now) {
    return mark(id, now, 1).thenCompose(marked -> dropEntries(id, null));
  }

  /**
   * Records that {@code id} was invalidated at {@code now}, unless a later invalidation already is.
   * A put transaction checking the marker at the same moment makes DynamoDB refuse the write with a
   * conflict; it is retried, since the invalidation must land.
   */
  private CompletableFuture<Void> mark(String id, long now, int attempt) {
    return client
        .putItem(
            r ->
                r.tableName(config.table())
                    .item(Items.markerItem(id, now, now + config.markerTtl().toMillis()))
                    .conditionExpression(MARKER_IS_OLDER)
                    .expressionAttributeNames(
                        Map.of("#pk", Items.PK, "#invalidated", Items.INVALIDATED))
                    .expressionAttributeValues(Map.of(":invalidated", number(now))))
        .<Void>thenApply(written -> null)
        .exceptionallyCompose(
            failure -> {
              Throwable cause = TableSetup.cause(failure);
              if (cause instanceof ConditionalCheckFailedException) {
                return CompletableFuture.completedFuture(null);
              }
              if (cause instanceof TransactionConflictException && attempt < MARKER_ATTEMPTS) {
                return pause(scheduler, attempt).thenCompose(paused -> mark(id, now, attempt + 1));
              }
              return CompletableFuture.failedFuture(cause);
            });
  }

  /** Deletes every entry the index of {@code id} names, page by page. */
  private CompletableFuture<Void> dropEntries(
      String id, @Nullable Map<String, AttributeValue> startKey) {
    return client
        .query(
            r ->
                r.tableName(config.table())
                    .keyConditionExpression("#pk = :pk AND begins_with(#sk, :index)")
                    .expressionAttributeNames(Map.of("#pk", Items.PK, "#sk", Items.SK))
                    .expressionAttributeValues(
                        Map.of(
                            ":pk",
                            Items.idPartition(id),
                            ":index",
                            AttributeValue.fromS(Items.INDEX_SK_PREFIX)))
                    .projectionExpression("#sk")
                    // Always consistent: a put committed before the marker must be seen here.
                    .consistentRead(true)
                    .exclusiveStartKey(startKey))
        .thenCompose(
            page -> {
              List<WriteRequest> deletes = new ArrayList<>();
              for (Map<String, AttributeValue> index : page.items()) {
                deletes.add(
                    WriteRequest.builder()
                        .deleteRequest(
                            d -> d.key(Items.entryKeyOfHash(Items.keyHashOfIndex(index))))
                        .build());
              }
              CompletableFuture<Void> deleted = deleteAll(deletes);
              if (page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()) {
                return deleted.thenCompose(done -> dropEntries(id, page.lastEvaluatedKey()));
              }
              return deleted;
            });
  }

  private CompletableFuture<Void> deleteAll(List<WriteRequest> deletes) {
    List<CompletableFuture<Void>> batches = new ArrayList<>();
    for (int from = 0; from < deletes.size(); from += BATCH_WRITE_ITEMS) {
      batches.add(
          batchWrite(
              List.copyOf(
                  deletes.subList(from, Math.min(from + BATCH_WRITE_ITEMS, deletes.size()))),
              0));
    }
    return CompletableFuture.allOf(batches.toArray(CompletableFuture[]::new));
  }

  /** Writes {@code requests}, again for those left unprocessed; fails if they stay unprocessed. */
  private CompletableFuture<Void> batchWrite(List<WriteRequest> requests, int idleRounds) {
    return client
        .batchWriteItem(r -> r.requestItems(Map.of(config.table(), requests)))
        .thenCompose(
            response -> {
              List<WriteRequest> left =
                  response.hasUnprocessedItems()
                      ? response.unprocessedItems().getOrDefault(config.table(), List.of())
                      : List.of();
              if (left.isEmpty()) {
                return CompletableFuture.completedFuture(null);
              }
              int idle = left.size() < requests.size() ? 0 : idleRounds + 1;
              if (idle > DynamoDbTier.BATCH_IDLE_ROUNDS) {
                return CompletableFuture.failedFuture(
                    new IllegalStateException(
                        left.size() + " invalidation deletes left unprocessed by DynamoDB"));
              }
              return pause(scheduler, idle).thenCompose(paused -> batchWrite(left, idle));
            });
  }

  /** 0 ms after a round with progress, then 20, 40, 80 … ms. */
  static CompletableFuture<Void> pause(Scheduler scheduler, int idleRounds) {
    if (idleRounds == 0) {
      return CompletableFuture.<Void>completedFuture(null);
    }
    long millis = 10L << Math.min(idleRounds, 6);
    return scheduler.after(Duration.ofMillis(millis));
  }

  private static AttributeValue number(long value) {
    return AttributeValue.fromN(Long.toString(value));
  }
}
