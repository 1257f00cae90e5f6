package dev.stripeedge.store.dynamodb;

import dev.stripeedge.core.tier.TierEntry;
import dev.stripeedge.store.dynamodb.TierMetrics.PutOutcome;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * The {@link DynamoDbTier}'s put: one transaction of the entry (on condition that no entry whose
 * fetch started later is stored), an index item per id, and a check per id that it was not
 * invalidated at or after the fetch started; a conditional put alone for an entry without ids. A
 * put that would not fit is refused before sending.
 */
final class ConditionalPuts {

  private static final String KEEP_NEWER =
      "attribute_not_exists(#pk) OR #fetched < :fetched OR #expires <= :now";
  private static final String NOT_INVALIDATED_SINCE =
      "attribute_not_exists(#pk) OR #invalidated < :fetchedLessTolerance";

  private final DynamoDbAsyncClient client;
  private final DynamoDbTierConfig config;
  private final TierMetrics metrics;
  private final InstantSource clock;

  ConditionalPuts(
      DynamoDbAsyncClient client,
      DynamoDbTierConfig config,
      TierMetrics metrics,
      InstantSource clock) {
    this.client = client;
    this.config = config;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * Stores {@code entry} unless it is refused before sending (expired, too large, too many or bad
   * ids) or by its conditions; answers why, failing only when DynamoDB did.
   */
  CompletableFuture<PutOutcome> put(TierEntry entry) {
    long now = clock.millis();
    PutOutcome refusal = refusalBeforeSending(entry, now);
    if (refusal != null) {
      return CompletableFuture.completedFuture(refusal);
    }
    Map<String, AttributeValue> item = Items.entryItem(entry);
    if (Items.sizeOf(item) > Items.MAX_ITEM_BYTES) {
      return CompletableFuture.completedFuture(PutOutcome.TOO_LARGE);
    }
    Map<String, String> names =
        Map.of("#pk", Items.PK, "#fetched", Items.FETCHED, "#expires", Items.EXPIRES);
    Map<String, AttributeValue> values =
        Map.of(":fetched", number(entry.fetchStartedMillis()), ":now", number(now));
    CompletableFuture<PutOutcome> outcome;
    if (entry.ids().isEmpty()) {
      // Nothing to index and no marker to check: a conditional put is enough.
      outcome =
          metrics.call(
              "put",
              () ->
                  client
                      .putItem(
                          r ->
                              r.tableName(config.table())
                                  .item(item)
                                  .conditionExpression(KEEP_NEWER)
                                  .expressionAttributeNames(names)
                                  .expressionAttributeValues(values))
                      .thenApply(stored -> PutOutcome.STORED)
                      .exceptionally(
                          failure -> {
                            if (TableSetup.cause(failure)
                                instanceof ConditionalCheckFailedException) {
                              return PutOutcome.OLDER;
                            }
                            throw asCompletion(failure);
                          }));
    } else {
      List<String> ids = List.copyOf(entry.ids());
      List<TransactWriteItem> actions = new ArrayList<>();
      actions.add(
          TransactWriteItem.builder()
              .put(
                  p ->
                      p.tableName(config.table())
                          .item(item)
                          .conditionExpression(KEEP_NEWER)
                          .expressionAttributeNames(names)
                          .expressionAttributeValues(values))
              .build());
      for (String id : ids) {
        actions.add(
            TransactWriteItem.builder()
                .put(p -> p.tableName(config.table()).item(Items.indexItem(id, entry)))
                .build());
      }
      AttributeValue fetchedLessTolerance =
          number(entry.fetchStartedMillis() - config.clockTolerance().toMillis());
      for (String id : ids) {
        actions.add(
            TransactWriteItem.builder()
                .conditionCheck(
                    c ->
                        c.tableName(config.table())
                            .key(Items.markerKey(id))
                            .conditionExpression(NOT_INVALIDATED_SINCE)
                            .expressionAttributeNames(
                                Map.of("#pk", Items.PK, "#invalidated", Items.INVALIDATED))
                            .expressionAttributeValues(
                                Map.of(":fetchedLessTolerance", fetchedLessTolerance)))
                .build());
      }
      outcome =
          metrics.call(
              "put",
              () ->
                  client
                      .transactWriteItems(
                          r ->
                              r.transactItems(actions)
                                  // The SDK's retry of a commit whose answer was lost succeeds
                                  // instead of failing its own condition.
                                  .clientRequestToken(UUID.randomUUID().toString()))
                      .thenApply(stored -> PutOutcome.STORED)
                      .exceptionally(failure -> refusalOf(failure)));
    }
    return outcome;
  }

  private @Nullable PutOutcome refusalBeforeSending(TierEntry entry, long now) {
    if (!entry.liveAt(now)) {
      return PutOutcome.EXPIRED;
    }
    if (entry.value().length > config.maxValueBytes()) {
      return PutOutcome.TOO_LARGE;
    }
    if (entry.ids().size() > DynamoDbTier.MAX_IDS) {
      return PutOutcome.TOO_MANY_IDS;
    }
    for (String id : entry.ids()) {
      if (id.isEmpty() || Items.utf8Length(id) > Items.MAX_ID_BYTES) {
        return PutOutcome.BAD_ID;
      }
    }
    return null;
  }

  /** Why a put transaction was cancelled; an invalidation outranks a newer entry. */
  private static PutOutcome refusalOf(Throwable failure) {
    if (!(TableSetup.cause(failure) instanceof TransactionCanceledException cancelled)
        || !cancelled.hasCancellationReasons()) {
      throw asCompletion(failure);
    }
    List<CancellationReason> reasons = cancelled.cancellationReasons();
    boolean older = false;
    boolean conflict = false;
    for (int i = 0; i < reasons.size(); i++) {
      String code = reasons.get(i).code();
      if ("ConditionalCheckFailed".equals(code)) {
        if (i > 0) {
          return PutOutcome.INVALIDATED;
        }
        older = true;
      } else if ("TransactionConflict".equals(code)) {
        conflict = true;
      }
    }
    if (older) {
      return PutOutcome.OLDER;
    }
    if (conflict) {
      return PutOutcome.CONFLICT;
    }
    throw asCompletion(failure);
  }

  private static RuntimeException asCompletion(Throwable failure) {
    Throwable cause = TableSetup.cause(failure);
    return cause instanceof RuntimeException runtime ? runtime : new CompletionException(cause);
  }

  private static AttributeValue number(long value) {
    return AttributeValue.fromN(Long.toString(value));
  }
}
