package dev.stripeedge.store.dynamodb;

import dev.stripeedge.core.Scheduler;
import dev.stripeedge.core.SystemTime;
import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.TierEntry;
import dev.stripeedge.store.dynamodb.TierMetrics.PutOutcome;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClientBuilder;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.TransactionConflictException;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * A {@link CacheTier} in one DynamoDB table, shared by every edge instance and outliving them:
 * entries expire by DynamoDB's TTL, and reads filter out what TTL has not deleted yet (it deletes
 * within days, not at the second).
 *
 * <p>A put is one transaction: the entry (on condition that no entry whose fetch started later is
 * stored), an index item per id, and a check per id that the id was not invalidated at or after the
 * fetch started. An invalidation writes the id's marker first, then reads the id's index strongly
 * consistently and deletes the entries it names; a put either commits before the marker (and its
 * entry is found and deleted) or sees the marker (and is refused). Layout in {@link Items} and
 * docs/dynamodb-tier.md.
 *
 * <p>Thread-safe; no method blocks except {@link #open}. Futures complete on the SDK's completion
 * threads. A call that fails, or that exceeds the config's {@code apiCallTimeout} (retries
 * included), completes exceptionally and is counted. A put that would not fit (value over {@code
 * maxValueBytes}, more than {@value #MAX_IDS} ids) returns false and is counted, never sent.
 */
public final class DynamoDbTier implements CacheTier {

  // Over 400 lines: DynamoDB's conditional writes, batch limits and their failure cases, each next
  // to the operation it guards.

  static final String NAME = "dynamodb";

  /**
   * TransactWriteItems holds 100 actions: the entry, then an index put and a marker check per id.
   */
  public static final int MAX_IDS = 49;

  private static final int BATCH_GET_KEYS = 100;
  private static final int BATCH_WRITE_ITEMS = 25;
  // Rounds of unprocessed keys or items without progress (throttling) before giving up.
  private static final int BATCH_IDLE_ROUNDS = 4;
  private static final int MARKER_ATTEMPTS = 5;
  private static final long SETUP_TIMEOUT_SECONDS = 120;

  private static final String KEEP_NEWER =
      "attribute_not_exists(#pk) OR #fetched < :fetched OR #expires <= :now";
  private static final String NOT_INVALIDATED_SINCE =
      "attribute_not_exists(#pk) OR #invalidated < :fetchedLessTolerance";
  private static final String MARKER_IS_OLDER =
      "attribute_not_exists(#pk) OR #invalidated < :invalidated";

  private final DynamoDbAsyncClient client;
  private final SdkEventLoopGroup eventLoops;
  private final DynamoDbTierConfig config;
  private final TierMetrics metrics;
  private final InstantSource clock;
  // Backoff between batch rounds: real time (the rounds wait for DynamoDB).
  private final Scheduler scheduler = Scheduler.system();

  private DynamoDbTier(
      DynamoDbAsyncClient client,
      SdkEventLoopGroup eventLoops,
      DynamoDbTierConfig config,
      MeterRegistry registry,
      InstantSource clock) {
    this.client = client;
    this.eventLoops = eventLoops;
    this.config = config;
    this.metrics = new TierMetrics(registry);
    this.clock = clock;
  }

  /**
   * A tier with AWS's default credentials chain (environment, system properties, profile, container
   * or instance role) and the system clock.
   *
   * @see #open(DynamoDbTierConfig, AwsCredentialsProvider, MeterRegistry, InstantSource)
   */
  public static DynamoDbTier open(DynamoDbTierConfig config, MeterRegistry registry) {
    // No provider given: the client builds the default chain and closes it with itself.
    return open(config, null, registry, SystemTime.clock());
  }

  /**
   * A tier on {@code config}'s table, signing with {@code credentials} (null: AWS's default chain).
   * With {@code createTable}, blocks until the table exists and has TTL enabled, creating it if
   * missing; otherwise makes no call.
   *
   * @throws IllegalStateException if the table cannot be set up, with DynamoDB's reason
   */
  public static DynamoDbTier open(
      DynamoDbTierConfig config,
      @Nullable AwsCredentialsProvider credentials,
      MeterRegistry registry,
      InstantSource clock) {
    SdkEventLoopGroup eventLoops = SdkEventLoopGroup.builder().build();
    DynamoDbAsyncClient client;
    try {
      client = newClient(config, credentials, eventLoops);
    } catch (RuntimeException e) {
      eventLoops.eventLoopGroup().shutdownGracefully(0, 2, TimeUnit.SECONDS);
      throw e;
    }
    if (config.createTable()) {
      try {
        TableSetup.ensure(client, config.table()).get(SETUP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException | RuntimeException e) {
        close(client, eventLoops);
        Throwable inner = e instanceof ExecutionException ? e.getCause() : null;
        Throwable cause = inner != null ? TableSetup.cause(inner) : e;
        throw new IllegalStateException(
            "cannot set up DynamoDB table " + config.table() + ": " + cause, cause);
      } catch (InterruptedException e) {
        close(client, eventLoops);
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted setting up table " + config.table(), e);
      }
    }
    return new DynamoDbTier(client, eventLoops, config, registry, clock);
  }

  static DynamoDbAsyncClient newClient(
      DynamoDbTierConfig config,
      @Nullable AwsCredentialsProvider credentials,
      SdkEventLoopGroup loops) {
    DynamoDbAsyncClientBuilder builder =
        DynamoDbAsyncClient.builder()
            .region(Region.of(config.region()))
            .httpClientBuilder(
                NettyNioAsyncHttpClient.builder()
                    .eventLoopGroup(loops)
                    .connectionTimeout(config.connectTimeout())
                    // Waiting for a pooled connection counts against the call, not beyond it.
                    .connectionAcquisitionTimeout(config.apiCallTimeout()))
            .overrideConfiguration(
                o ->
                    o.apiCallTimeout(config.apiCallTimeout())
                        .apiCallAttemptTimeout(config.apiCallAttemptTimeout())
                        .retryStrategy(
                            AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .maxAttempts(config.maxAttempts())
                                .build()));
    if (credentials != null) {
      builder.credentialsProvider(credentials);
    }
    if (config.endpoint() != null) {
      builder.endpointOverride(config.endpoint());
    }
    return builder.build();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public CompletableFuture<@Nullable TierEntry> get(String key) {
    return this.<@Nullable TierEntry>call(
        "get",
        () ->
            client
                .getItem(
                    r ->
                        r.tableName(config.table())
                            .key(Items.entryKey(key))
                            .consistentRead(config.consistentReads()))
                .thenApply(
                    response -> {
                      if (!response.hasItem() || response.item().isEmpty()) {
                        return null;
                      }
                      TierEntry entry = Items.toEntry(response.item(), key);
                      return entry != null && entry.liveAt(clock.millis()) ? entry : null;
                    }));
  }

  @Override
  public CompletableFuture<Map<String, TierEntry>> getAll(Collection<String> keys) {
    // BatchGetItem refuses a request naming one key twice.
    List<String> distinct = List.copyOf(new LinkedHashSet<>(keys));
    if (distinct.isEmpty()) {
      return CompletableFuture.completedFuture(Map.of());
    }
    Set<String> wanted = Set.copyOf(distinct);
    Map<String, TierEntry> found = new ConcurrentHashMap<>();
    return call(
        "getAll",
        () -> {
          List<CompletableFuture<Void>> chunks = new ArrayList<>();
          for (int from = 0; from < distinct.size(); from += BATCH_GET_KEYS) {
            List<Map<String, AttributeValue>> chunk = new ArrayList<>();
            for (String key :
                distinct.subList(from, Math.min(from + BATCH_GET_KEYS, distinct.size()))) {
              chunk.add(Items.entryKey(key));
            }
            KeysAndAttributes request =
                KeysAndAttributes.builder()
                    .keys(chunk)
                    .consistentRead(config.consistentReads())
                    .build();
            chunks.add(batchGet(request, wanted, found, 0));
          }
          return CompletableFuture.allOf(chunks.toArray(CompletableFuture[]::new))
              .thenApply(done -> Map.copyOf(found));
        });
  }

  /**
   * Reads {@code request}'s keys, again for those DynamoDB leaves unprocessed (over 16 MB of
   * answer, or throttled): at once after a round that returned items, with a growing pause after
   * one that returned none, giving up (answering misses) after {@value #BATCH_IDLE_ROUNDS} such.
   */
  private CompletableFuture<Void> batchGet(
      KeysAndAttributes request, Set<String> wanted, Map<String, TierEntry> found, int idleRounds) {
    return client
        .batchGetItem(r -> r.requestItems(Map.of(config.table(), request)))
        .thenCompose(
            response -> {
              List<Map<String, AttributeValue>> items = itemsOf(response);
              long now = clock.millis();
              for (Map<String, AttributeValue> item : items) {
                TierEntry entry = Items.toEntry(item, null);
                if (entry != null && wanted.contains(entry.key()) && entry.liveAt(now)) {
                  found.put(entry.key(), entry);
                }
              }
              KeysAndAttributes left = response.unprocessedKeys().get(config.table());
              if (left == null || !left.hasKeys() || left.keys().isEmpty()) {
                return CompletableFuture.completedFuture(null);
              }
              int idle = items.isEmpty() ? idleRounds + 1 : 0;
              if (idle > BATCH_IDLE_ROUNDS) {
                metrics.unprocessed(left.keys().size());
                return CompletableFuture.completedFuture(null);
              }
              return pause(idle).thenCompose(paused -> batchGet(left, wanted, found, idle));
            });
  }

  private List<Map<String, AttributeValue>> itemsOf(BatchGetItemResponse response) {
    if (!response.hasResponses()) {
      return List.of();
    }
    return response.responses().getOrDefault(config.table(), List.of());
  }

  @Override
  public CompletableFuture<Boolean> put(TierEntry entry) {
    long now = clock.millis();
    PutOutcome refusal = refusalBeforeSending(entry, now);
    if (refusal != null) {
      metrics.put(refusal);
      return CompletableFuture.completedFuture(false);
    }
    Map<String, AttributeValue> item = Items.entryItem(entry);
    if (Items.sizeOf(item) > Items.MAX_ITEM_BYTES) {
      metrics.put(PutOutcome.TOO_LARGE);
      return CompletableFuture.completedFuture(false);
    }
    Map<String, String> names =
        Map.of("#pk", Items.PK, "#fetched", Items.FETCHED, "#expires", Items.EXPIRES);
    Map<String, AttributeValue> values =
        Map.of(":fetched", number(entry.fetchStartedMillis()), ":now", number(now));
    CompletableFuture<PutOutcome> outcome;
    if (entry.ids().isEmpty()) {
      // Nothing to index and no marker to check: a conditional put is enough.
      outcome =
          call(
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
          call(
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
    return outcome.thenApply(
        result -> {
          metrics.put(result);
          return result == PutOutcome.STORED;
        });
  }

  private @Nullable PutOutcome refusalBeforeSending(TierEntry entry, long now) {
    if (!entry.liveAt(now)) {
      return PutOutcome.EXPIRED;
    }
    if (entry.value().length > config.maxValueBytes()) {
      return PutOutcome.TOO_LARGE;
    }
    if (entry.ids().size() > MAX_IDS) {
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

  @Override
  public CompletableFuture<Void> invalidate(Collection<String> ids) {
    long now = clock.millis();
    Set<String> distinct = new HashSet<>(ids);
    return call(
        "invalidate",
        () -> {
          List<CompletableFuture<Void>> each = new ArrayList<>();
          for (String id : distinct) {
            // An id no put could index holds no entry.
            if (!id.isEmpty() && Items.utf8Length(id) <= Items.MAX_ID_BYTES) {
              each.add(mark(id, now, 1).thenCompose(marked -> dropEntries(id, null)));
            }
          }
          return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new));
        });
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
                return pause(attempt).thenCompose(paused -> mark(id, now, attempt + 1));
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
              if (idle > BATCH_IDLE_ROUNDS) {
                return CompletableFuture.failedFuture(
                    new IllegalStateException(
                        left.size() + " invalidation deletes left unprocessed by DynamoDB"));
              }
              return pause(idle).thenCompose(paused -> batchWrite(left, idle));
            });
  }

  /** Runs one tier call: a failure, thrown or completed, completes the future and is counted. */
  private <T extends @Nullable Object> CompletableFuture<T> call(
      String operation, Supplier<CompletableFuture<T>> body) {
    CompletableFuture<T> future;
    try {
      future = body.get();
    } catch (RuntimeException e) {
      future = CompletableFuture.failedFuture(e);
    }
    return future.whenComplete(
        (result, failure) -> {
          if (failure != null) {
            metrics.failed(operation);
          }
        });
  }

  /** 0 ms after a round with progress, then 20, 40, 80 … ms. */
  private CompletableFuture<Void> pause(int idleRounds) {
    if (idleRounds == 0) {
      return CompletableFuture.<Void>completedFuture(null);
    }
    long millis = 10L << Math.min(idleRounds, 6);
    return scheduler.after(Duration.ofMillis(millis));
  }

  private static RuntimeException asCompletion(Throwable failure) {
    Throwable cause = TableSetup.cause(failure);
    return cause instanceof RuntimeException runtime ? runtime : new CompletionException(cause);
  }

  private static AttributeValue number(long value) {
    return AttributeValue.fromN(Long.toString(value));
  }

  /** Closes the client and its connections; calls afterwards complete exceptionally. */
  @Override
  public void close() {
    close(client, eventLoops);
  }

  static void close(DynamoDbAsyncClient client, SdkEventLoopGroup eventLoops) {
    client.close();
    // The tier owns the event loops (the SDK's own would block close() for a 2 s quiet period);
    // nothing runs on them once the client is closed.
    eventLoops.eventLoopGroup().shutdownGracefully(0, 2, TimeUnit.SECONDS);
  }

  @Override
  public String toString() {
    return "DynamoDbTier[" + config.table() + " in " + config.region() + "]";
  }
}
