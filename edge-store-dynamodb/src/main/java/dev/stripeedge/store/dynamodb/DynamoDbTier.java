package dev.stripeedge.store.dynamodb;

import dev.stripeedge.core.Scheduler;
import dev.stripeedge.core.SystemTime;
import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.TierEntry;
import dev.stripeedge.store.dynamodb.TierMetrics.PutOutcome;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;

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
 * docs/dynamodb-tier.md; the invalidation side in {@link Invalidations}.
 *
 * <p>Thread-safe; no method blocks except {@link #open}. Futures complete on the SDK's completion
 * threads. A call that fails, or that exceeds the config's {@code apiCallTimeout} (retries
 * included), completes exceptionally and is counted. A put that would not fit (value over {@code
 * maxValueBytes}, more than {@value #MAX_IDS} ids) returns false and is counted, never sent.
 */
public final class DynamoDbTier implements CacheTier {

  static final String NAME = "dynamodb";

  /**
   * TransactWriteItems holds 100 actions: the entry, then an index put and a marker check per id.
   */
  public static final int MAX_IDS = 49;

  private static final int BATCH_GET_KEYS = 100;
  // Rounds of unprocessed keys or items without progress (throttling) before giving up.
  static final int BATCH_IDLE_ROUNDS = 4;
  private static final long SETUP_TIMEOUT_SECONDS = 120;

  private final DynamoDbAsyncClient client;
  private final SdkEventLoopGroup eventLoops;
  private final DynamoDbTierConfig config;
  private final TierMetrics metrics;
  private final InstantSource clock;
  // Backoff between batch rounds: real time (the rounds wait for DynamoDB).
  private final Scheduler scheduler = Scheduler.system();
  private final ConditionalPuts puts;
  private final Invalidations invalidations;

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
    this.puts = new ConditionalPuts(client, config, metrics, clock);
    this.invalidations = new Invalidations(client, config, scheduler);
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
      client = DynamoDbClients.newClient(config, credentials, eventLoops);
    } catch (RuntimeException e) {
      eventLoops.eventLoopGroup().shutdownGracefully(0, 2, TimeUnit.SECONDS);
      throw e;
    }
    if (config.createTable()) {
      try {
        TableSetup.ensure(client, config.table()).get(SETUP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException | RuntimeException e) {
        DynamoDbClients.close(client, eventLoops);
        Throwable inner = e instanceof ExecutionException ? e.getCause() : null;
        Throwable cause = inner != null ? TableSetup.cause(inner) : e;
        throw new IllegalStateException(
            "cannot set up DynamoDB table " + config.table() + ": " + cause, cause);
      } catch (InterruptedException e) {
        DynamoDbClients.close(client, eventLoops);
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted setting up table " + config.table(), e);
      }
    }
    return new DynamoDbTier(client, eventLoops, config, registry, clock);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public CompletableFuture<@Nullable TierEntry> get(String key) {
    return metrics.<@Nullable TierEntry>call(
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
    return metrics.call(
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
              return Invalidations.pause(scheduler, idle)
                  .thenCompose(paused -> batchGet(left, wanted, found, idle));
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
    return puts.put(entry)
        .thenApply(
            result -> {
              metrics.put(result);
              return result == PutOutcome.STORED;
            });
  }

  @Override
  public CompletableFuture<Void> invalidate(Collection<String> ids) {
    long now = clock.millis();
    Set<String> distinct = new HashSet<>(ids);
    return metrics.call(
        "invalidate",
        () -> {
          List<CompletableFuture<Void>> each = new ArrayList<>();
          for (String id : distinct) {
            // An id no put could index holds no entry.
            if (!id.isEmpty() && Items.utf8Length(id) <= Items.MAX_ID_BYTES) {
              each.add(invalidations.invalidate(id, now));
            }
          }
          return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new));
        });
  }

  /** Closes the client and its connections; calls afterwards complete exceptionally. */
  @Override
  public void close() {
    DynamoDbClients.close(client, eventLoops);
  }

  @Override
  public String toString() {
    return "DynamoDbTier[" + config.table() + " in " + config.region() + "]";
  }
}
