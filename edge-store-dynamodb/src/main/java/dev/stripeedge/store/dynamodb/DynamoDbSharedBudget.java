package dev.stripeedge.store.dynamodb;

import dev.stripeedge.core.budget.SharedBudget;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * The budget several edge instances share through DynamoDB, for functions (Lambda) that have
 * DynamoDB and no Redis: one item per account limiter holding a token bucket, and one item listing
 * the live edges.
 *
 * <p><b>One write per grant, at most.</b> DynamoDB runs no script, so a bucket is one number:
 * {@code z}, the time (epoch nanoseconds) at which it was empty; it holds {@code min(capacity, (now
 * - z) × rate)} tokens. Taking {@code k} tokens is one conditional {@code UpdateItem}: from a full
 * bucket {@code SET z = now − (capacity − k)/rate} if {@code z <= now − capacity/rate} (or no
 * item); from a partly full one the atomic counter {@code SET z = z + k/rate} if {@code z > now −
 * capacity/rate AND z <= now − k/rate} (at least {@code k} tokens, whatever other edges took
 * since). Each answer returns the bucket's {@code z} (the updated one, or on a refused condition
 * the current one, {@code ReturnValuesOnConditionCheckFailure}), which this edge remembers. Other
 * edges only move {@code z} forward, so a remembered {@code z} never promises fewer tokens than
 * there are: a bucket it knows to be empty is answered without any request, and a refused write
 * means fewer tokens than hoped, re-planned from the returned {@code z} (a second write only when
 * another edge took some in between and some are left).
 *
 * <p><b>Clocks.</b> DynamoDB has no clock to read: buckets refill by the edges' clocks (NTP; Amazon
 * Time Sync in Lambda), so an edge whose clock runs ahead by {@code d} sees {@code d × rate} more
 * tokens. The live-edge list expires by them too.
 *
 * <p>Items (string keys {@code pk}/{@code sk}, the tier's and event store's schema, so any of those
 * tables may hold them): {@code <prefix>budget#<SHA-256 of the limiter's name>} / {@code bucket},
 * expired by TTL once it would be full again anyway; {@code <prefix>budget-edges} / {@code edges},
 * one attribute per edge holding its deadline (epoch milliseconds).
 *
 * <p>Thread-safe. Futures complete on the SDK's completion threads, never on its event loop.
 */
public final class DynamoDbSharedBudget implements SharedBudget, AutoCloseable {

  private static final System.Logger log = System.getLogger(DynamoDbSharedBudget.class.getName());
  private static final String ZERO = "z";
  private static final String EDGE = "edge_";
  private static final int MAX_REMEMBERED = 10_000;
  private static final int MAX_TRIES = 4;
  private static final int MAX_FORGOTTEN_PER_HEARTBEAT = 50;

  private final DynamoDbAsyncClient client;
  private final @Nullable SdkEventLoopGroup eventLoops;
  private final String table;
  private final String prefix;
  private final LongSupplier nanos;
  private final String edgeAttribute = EDGE + UUID.randomUUID().toString().replace("-", "");
  // The last z seen per bucket item: a lower bound of the real one (see the class comment).
  private final Map<String, Long> seen = new ConcurrentHashMap<>();
  // Edges seen past their deadline at the last heartbeat: removed from the list at the next.
  private volatile List<String> stale = List.of();
  private final long timeoutMillis;
  private final LongAdder requests = new LongAdder();
  private volatile boolean closed;

  private DynamoDbSharedBudget(
      DynamoDbAsyncClient client,
      @Nullable SdkEventLoopGroup eventLoops,
      DynamoDbTierConfig config,
      String prefix,
      LongSupplier nanos) {
    this.client = client;
    this.eventLoops = eventLoops;
    this.table = config.table();
    this.prefix = prefix;
    this.nanos = nanos;
    this.timeoutMillis = config.apiCallTimeout().toMillis() + 1_000;
  }

  /**
   * A budget on {@code config}'s table (created, with TTL, when {@code createTable}; a table that
   * cannot be set up is logged and every call fails until it exists), its buckets refilled by
   * {@code nanos} (epoch nanoseconds: the edge's clock), signing with {@code credentials} (null:
   * AWS's default chain). Nothing is sent before the first lease.
   */
  public static DynamoDbSharedBudget open(
      DynamoDbTierConfig config,
      @Nullable AwsCredentialsProvider credentials,
      String keyPrefix,
      LongSupplier nanos) {
    SdkEventLoopGroup eventLoops = SdkEventLoopGroup.builder().numberOfThreads(1).build();
    DynamoDbAsyncClient client;
    try {
      client = DynamoDbClients.newClient(config, credentials, eventLoops);
    } catch (RuntimeException e) {
      eventLoops.eventLoopGroup().shutdownGracefully(0, 2, TimeUnit.SECONDS);
      throw e;
    }
    DynamoDbSharedBudget budget =
        new DynamoDbSharedBudget(client, eventLoops, config, keyPrefix, nanos);
    if (config.createTable()) {
      try {
        TableSetup.ensure(client, config.table()).get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        log.log(
            System.Logger.Level.WARNING,
            "dynamodb budget: cannot set up table " + config.table() + ": " + TableSetup.cause(e));
      }
    }
    return budget;
  }

  @Override
  public CompletableFuture<Grant> lease(String key, double rate, double capacity, int want) {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("dynamodb: budget closed"));
    }
    if (!(rate > 0) || !(capacity > 0) || want < 1) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException(
              "rate and capacity must be positive, want at least 1: " + rate + " " + capacity));
    }
    // Hashed on every lease (keys name accounts any request can make up; see RedisSharedBudget).
    String pk = prefix + "budget#" + sha256(key);
    return attempt(new Bucket(pk, rate, capacity, want), seen.get(pk), 1);
  }

  /** One limiter's bucket and what a lease asks of it. */
  private record Bucket(String pk, double rate, double capacity, int want) {

    /** Nanoseconds {@code tokens} take to refill, rounded to a whole nanosecond. */
    long nanosFor(double tokens) {
      return Math.round(tokens * 1e9 / rate);
    }

    /** Tokens the bucket holds at {@code now} when it was empty at {@code zero}. */
    double tokens(long now, @Nullable Long zero) {
      return zero == null ? capacity : Math.min(capacity, Math.max(0, now - zero) * rate / 1e9);
    }

    /** The grant of {@code taken} tokens when the bucket then holds {@code left}. */
    Grant grant(int taken, double left) {
      if (taken >= want) {
        return new Grant(taken, 0);
      }
      // As the Redis script: when it holds the tokens asked for again (at most its capacity).
      double missing = Math.min(want, capacity) - left;
      long micros = missing <= 0 ? 0 : (long) Math.ceil(missing * 1e6 / rate);
      return new Grant(taken, micros * 1000);
    }
  }

  private CompletableFuture<Grant> attempt(Bucket bucket, @Nullable Long zero, int tries) {
    long now = nanos.getAsLong();
    double tokens = bucket.tokens(now, zero);
    int take = (int) Math.floor(Math.min(bucket.want(), tokens) + 1e-9);
    long fullBefore = now - bucket.nanosFor(bucket.capacity());
    long known = zero == null ? Long.MIN_VALUE : zero;
    boolean full = known <= fullBefore;
    // The condition below decides in whole nanoseconds: plan with the same numbers.
    while (take > 0 && !full && known > now - bucket.nanosFor(take)) {
      take--;
    }
    if (take <= 0) {
      // Known empty enough: no request (another edge can only have taken more since).
      return CompletableFuture.completedFuture(bucket.grant(0, tokens));
    }
    if (tries > MAX_TRIES) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("dynamodb budget: bucket contended, no grant"));
    }
    Map<String, String> names = Map.of("#z", ZERO, "#t", Items.TTL);
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":full", number(fullBefore));
    // Forgotten once it would be full again anyway (z is at most now after any grant).
    values.put(":ttl", number((now + bucket.nanosFor(bucket.capacity())) / 1_000_000_000L + 2));
    UpdateItemRequest.Builder request =
        UpdateItemRequest.builder()
            .tableName(table)
            .key(key(bucket.pk(), "bucket"))
            .expressionAttributeNames(names)
            .returnValues(ReturnValue.UPDATED_NEW)
            .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD);
    long newZero = now - bucket.nanosFor(bucket.capacity() - take);
    if (full) {
      values.put(":z", number(newZero));
      request
          .updateExpression("SET #z = :z, #t = :ttl")
          .conditionExpression("attribute_not_exists(#z) OR #z <= :full");
    } else {
      values.put(":step", number(bucket.nanosFor(take)));
      values.put(":take", number(now - bucket.nanosFor(take)));
      request
          .updateExpression("SET #z = #z + :step, #t = :ttl")
          .conditionExpression("#z > :full AND #z <= :take");
    }
    int taken = take;
    requests.increment();
    return client
        .updateItem(request.expressionAttributeValues(values).build())
        .thenApply(
            updated -> {
              AttributeValue z = updated.attributes().get(ZERO);
              long after = z == null ? newZero : Long.parseLong(z.n());
              remember(bucket.pk(), after);
              return bucket.grant(taken, bucket.tokens(now, after));
            })
        .exceptionallyCompose(
            failure -> {
              if (!(TableSetup.cause(failure) instanceof ConditionalCheckFailedException refused)) {
                return CompletableFuture.failedFuture(TableSetup.cause(failure));
              }
              // Fewer tokens than hoped: plan again from the bucket as it is.
              Map<String, AttributeValue> item = refused.hasItem() ? refused.item() : Map.of();
              AttributeValue z = item.get(ZERO);
              if (z != null) {
                long current = Long.parseLong(z.n());
                remember(bucket.pk(), current);
                return attempt(bucket, current, tries + 1);
              }
              if (full) {
                // A full bucket's condition fails only on an item: the store did not return it.
                return read(bucket.pk()).thenCompose(read -> attempt(bucket, read, tries + 1));
              }
              seen.remove(bucket.pk());
              return attempt(bucket, null, tries + 1);
            });
  }

  /** The bucket's z, strongly consistent; null when it has none (full). */
  private CompletableFuture<@Nullable Long> read(String pk) {
    requests.increment();
    return client
        .getItem(r -> r.tableName(table).key(key(pk, "bucket")).consistentRead(true))
        .thenApply(
            got -> {
              AttributeValue z = got.item().get(ZERO);
              return z == null ? null : Long.parseLong(z.n());
            });
  }

  private void remember(String pk, long zero) {
    if (seen.size() >= MAX_REMEMBERED && !seen.containsKey(pk)) {
      // Forgetting costs one refused write per bucket at most; an unbounded map costs memory.
      seen.clear();
    }
    seen.merge(pk, zero, Math::max);
  }

  @Override
  public CompletableFuture<Integer> announce(Duration ttl) {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("dynamodb: budget closed"));
    }
    long now = TimeUnit.NANOSECONDS.toMillis(nanos.getAsLong());
    long ttlMillis = Math.max(1, ttl.toMillis());
    Map<String, String> names = new HashMap<>();
    names.put("#me", edgeAttribute);
    names.put("#t", Items.TTL);
    StringBuilder expression = new StringBuilder("SET #me = :until, #t = :ttl");
    List<String> forget = stale;
    for (int i = 0; i < forget.size(); i++) {
      names.put("#s" + i, forget.get(i));
      expression.append(i == 0 ? " REMOVE " : ", ").append("#s").append(i);
    }
    Map<String, AttributeValue> values =
        Map.of(
            ":until", number(now + ttlMillis),
            ":ttl", number((now + 2 * ttlMillis) / 1000 + 2));
    return client
        .updateItem(
            r ->
                r.tableName(table)
                    .key(key(prefix + "budget-edges", "edges"))
                    .updateExpression(expression.toString())
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values)
                    .returnValues(ReturnValue.ALL_NEW))
        .thenApply(
            updated -> {
              int live = 0;
              List<String> silent = new ArrayList<>();
              for (Map.Entry<String, AttributeValue> each : updated.attributes().entrySet()) {
                if (!each.getKey().startsWith(EDGE) || each.getValue().n() == null) {
                  continue;
                }
                if (Long.parseLong(each.getValue().n()) > now) {
                  live++;
                } else if (silent.size() < MAX_FORGOTTEN_PER_HEARTBEAT) {
                  silent.add(each.getKey());
                }
              }
              stale = List.copyOf(silent);
              return Math.max(1, live);
            });
  }

  /** Requests leases have sent (writes, and reads where a refusal did not return the bucket). */
  long requests() {
    return requests.sum();
  }

  @Override
  public boolean open() {
    return !closed;
  }

  /** Leaves the live edges at once (best effort) so the others' local share grows, then closes. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      client
          .updateItem(
              r ->
                  r.tableName(table)
                      .key(key(prefix + "budget-edges", "edges"))
                      .updateExpression("REMOVE #me")
                      .expressionAttributeNames(Map.of("#me", edgeAttribute)))
          .get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // DynamoDB is unreachable: the deadline forgets this edge instead.
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
    SdkEventLoopGroup loops = eventLoops;
    if (loops != null) {
      DynamoDbClients.close(client, loops);
    } else {
      client.close();
    }
  }

  private static Map<String, AttributeValue> key(String pk, String sk) {
    Map<String, AttributeValue> key = new HashMap<>();
    key.put(Items.PK, AttributeValue.fromS(pk));
    key.put(Items.SK, AttributeValue.fromS(sk));
    return key;
  }

  private static AttributeValue number(long value) {
    return AttributeValue.fromN(Long.toString(value));
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return "DynamoDbSharedBudget[" + table + "]";
  }
}
