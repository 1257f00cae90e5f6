package dev.stripeedge.store.redis;

import dev.stripeedge.core.webhooks.EventStore;
import dev.stripeedge.core.webhooks.StripeEvent;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The webhook ledger, reconciliation cursor and forwarding outbox in Redis, shared by every edge
 * that names the same server and key prefix: an event delivered to any number of edges is recorded
 * {@link Recorded#NEW} once, so it is applied and its forwards queued once; a delivery due is
 * claimed by the edge that reads it, so it is sent once.
 *
 * <p>Every key is {@code <prefix>{events}:…} — one Redis Cluster hash slot, so each Lua script
 * (record with dedupe and forwards, unapplied, due with claims, settle, replay, lease, fenced
 * cursor write) is atomic: {@code e:<id>} (an event: object ids, received at, sequence; expires
 * after the retention), {@code c:<object>|<type>|<created>} (the change's dedupe, {@code SET NX
 * PX}), {@code unapplied} (sorted by sequence), {@code cursor}, {@code o:<n>} (a delivery), {@code
 * o:pending} and {@code o:dead} (sorted by id), the due index ({@code o:due:<target>}: the
 * deliveries heading their lane, sorted by next attempt; {@code o:lane:<target>\n<object>}: a
 * lane's pending deliveries by id; {@code o:targets}), {@code lease:<job>} and its token counter.
 * Durable as Redis is configured to be (AOF {@code appendfsync everysec} loses up to a second): use
 * a persistent Redis for it.
 *
 * <p>Thread-safe; calls block up to the command timeout and fail with {@link
 * IllegalStateException}s (also while Redis is unreachable: the edge then answers 5xx and Stripe
 * redelivers).
 */
public final class RedisEventStore implements EventStore {

  private static final LuaScript RECORD = LuaScript.load("events-record");
  private static final LuaScript UNAPPLIED = LuaScript.load("events-unapplied");
  private static final LuaScript ADVANCE = LuaScript.load("events-advance");
  private static final LuaScript DUE = LuaScript.load("outbox-due");
  private static final LuaScript SETTLE = LuaScript.load("outbox-settle");
  private static final LuaScript REPLAY = LuaScript.load("outbox-replay");
  private static final LuaScript NEXT = LuaScript.load("outbox-next");
  private static final LuaScript INDEX = LuaScript.load("outbox-index");
  private static final LuaScript LEASE = LuaScript.load("lease-hold");

  /** How long a delivery read by one edge is hidden from the others (longer than any attempt). */
  static final Duration CLAIM = Duration.ofMinutes(2);

  private final RedisTierConfig config;
  private final RedisLink redis;
  private final String base;
  private final Duration retention;
  private final String owner = UUID.randomUUID().toString();
  // The fencing token of the last lease this edge took, by job: kept when the lease is lost, so
  // every later cursor write of a former leader is refused until it takes the lease again.
  private final Map<String, Long> tokens = new ConcurrentHashMap<>();
  private volatile boolean closed;
  // Whether the due index is known to exist (built once for deliveries queued without one).
  private volatile boolean indexed;

  private RedisEventStore(RedisTierConfig config, Duration retention) {
    this.config = config;
    this.base = config.keyPrefix() + "{events}:";
    this.retention = retention;
    this.redis = RedisLink.open(config, opened -> {});
  }

  /**
   * Connects, blocking up to about a second; when Redis cannot be reached it returns anyway, fails
   * every call at once and keeps connecting in the background.
   *
   * @param retention how long events and delivered forwards are kept (the dedupe window)
   */
  public static RedisEventStore connect(RedisTierConfig config, Duration retention) {
    return new RedisEventStore(config, retention);
  }

  /**
   * The cache-key secret every edge on this Redis shares: created ({@code SET NX}) by the first.
   */
  public static byte[] cacheKeySecret(RedisTierConfig config) {
    try (RedisEventStore store = new RedisEventStore(config, Duration.ofDays(1))) {
      byte[] key = bytes(store.base + "cache-key-secret");
      byte[] fresh = new byte[32];
      new SecureRandom().nextBytes(fresh);
      store.call("create the cache-key secret", r -> r.set(key, fresh, SetArgs.Builder.nx()));
      return store.call("read the cache-key secret", r -> r.get(key));
    }
  }

  @Override
  public Recorded record(
      StripeEvent event, Instant receivedAt, byte[] payload, List<String> forwardTo) {
    List<byte[]> args = new ArrayList<>();
    args.add(bytes(base));
    args.add(bytes(event.id()));
    String objectId = event.objectId();
    args.add(bytes(objectId == null ? "" : objectId + "|" + event.type() + "|" + event.created()));
    args.add(bytes(String.join(" ", event.objectIds())));
    args.add(bytes(Long.toString(receivedAt.toEpochMilli())));
    args.add(bytes(Long.toString(retention.toMillis())));
    args.add(bytes(objectId == null ? "" : objectId));
    args.add(payload);
    args.add(bytes(event.account() == null ? "" : event.account()));
    for (String target : forwardTo) {
      args.add(bytes(target));
    }
    byte[] outcome =
        this.<byte[]>call(
            "record " + event.id(),
            r ->
                RECORD.run(
                    r, ScriptOutputType.VALUE, keys(base + "seq"), args.toArray(byte[][]::new)));
    return Recorded.valueOf(RedisKeys.text(outcome));
  }

  @Override
  public boolean contains(String eventId) {
    Long found = call("look up " + eventId, r -> r.exists(bytes(base + "e:" + eventId)));
    return found != null && found > 0;
  }

  @Override
  public void markApplied(Collection<String> eventIds) {
    open();
    if (eventIds.isEmpty()) {
      return;
    }
    byte[][] members = eventIds.stream().map(RedisEventStore::bytes).toArray(byte[][]::new);
    call(
        "mark " + eventIds.size() + " events applied",
        r -> r.zrem(bytes(base + "unapplied"), members));
  }

  @Override
  public List<Unapplied> unapplied(Instant receivedBefore, int limit) {
    List<Object> rows =
        call(
            "read unapplied events",
            r ->
                UNAPPLIED.run(
                    r,
                    ScriptOutputType.MULTI,
                    keys(base + "unapplied"),
                    args(base, receivedBefore.toEpochMilli(), limit)));
    List<Unapplied> found = new ArrayList<>();
    for (int i = 0; i + 2 < rows.size(); i += 3) {
      String ids = text(rows.get(i + 1));
      found.add(
          new Unapplied(
              text(rows.get(i)),
              ids.isEmpty() ? Set.of() : Set.copyOf(Arrays.asList(ids.split(" "))),
              Instant.ofEpochMilli(Long.parseLong(text(rows.get(i + 2))))));
    }
    return found;
  }

  @Override
  public @Nullable String cursor(String account) {
    byte[] value = call("read the cursor", r -> r.get(cursorKey(account)));
    return value == null ? null : RedisKeys.text(value);
  }

  private byte[] cursorKey(String account) {
    return bytes(base + "cursor" + (account.isEmpty() ? "" : ":" + account));
  }

  @Override
  public List<String> accounts() {
    return call("read the accounts", r -> r.smembers(bytes(base + "accounts"))).stream()
        .map(RedisKeys::text)
        .sorted()
        .toList();
  }

  @Override
  public void advance(String account, String eventId) {
    Long token = tokens.get(RECONCILER);
    Long moved =
        call(
            "advance the cursor",
            r ->
                ADVANCE.run(
                    r,
                    ScriptOutputType.INTEGER,
                    new byte[][] {cursorKey(account)},
                    args(eventId, base + "lease:" + RECONCILER, token == null ? "" : token)));
    if (moved == null || moved == 0) {
      throw new IllegalStateException(
          "redis: the reconciler's lease (token " + token + ") was taken over; cursor not moved");
    }
  }

  /** A conditional write of the heartbeat lease: it proves the write whether or not it wins. */
  @Override
  public void heartbeat(Instant now) {
    lead(HEARTBEAT, Duration.ofSeconds(15));
  }

  @Override
  public boolean lead(String job, Duration ttl) {
    Long token =
        call(
            "hold the " + job + " lease",
            r ->
                LEASE.run(
                    r,
                    ScriptOutputType.INTEGER,
                    keys(base + "lease:" + job),
                    args(owner, ttl.toMillis())));
    if (token == null || token < 0) {
      return false;
    }
    tokens.put(job, token);
    return true;
  }

  @Override
  public List<Delivery> due(Instant now, int limit) {
    return due(now, "", limit);
  }

  /** Reads the target's due index only ({@code ""}: every target's), not every pending delivery. */
  @Override
  public List<Delivery> due(Instant now, String target, int limit) {
    ensureIndexed();
    List<Object> rows =
        call(
            "read due deliveries",
            r ->
                DUE.run(
                    r,
                    ScriptOutputType.MULTI,
                    keys(base + "o:pending"),
                    args(
                        base,
                        now.toEpochMilli(),
                        limit,
                        owner,
                        now.plus(CLAIM).toEpochMilli(),
                        target)));
    List<Delivery> due = new ArrayList<>();
    for (Object row : rows) {
      List<?> fields = (List<?>) row;
      String objectId = text(fields.get(2));
      String error = text(fields.get(7));
      due.add(
          new Delivery(
              Long.parseLong(text(fields.get(0))),
              text(fields.get(1)),
              objectId.isEmpty() ? null : objectId,
              text(fields.get(3)),
              (byte[]) fields.get(4),
              Integer.parseInt(text(fields.get(5))),
              Instant.ofEpochMilli(Long.parseLong(text(fields.get(6)))),
              State.PENDING,
              error.isEmpty() ? null : error));
    }
    return due;
  }

  @Override
  public void delivered(long id) {
    settle(id, State.DELIVERED, 0, 0, "");
  }

  @Override
  public void retryLater(long id, int attempts, Instant nextAttemptAt, String error) {
    settle(id, State.PENDING, attempts, nextAttemptAt.toEpochMilli(), error);
  }

  @Override
  public void dead(long id, int attempts, String error) {
    settle(id, State.DEAD, attempts, Long.MAX_VALUE, error);
  }

  private void settle(long id, State state, int attempts, long nextAt, String error) {
    call(
        "record the outcome of delivery " + id,
        r ->
            SETTLE.<Long>run(
                r,
                ScriptOutputType.INTEGER,
                keys(base + "o:pending"),
                args(base, id, state.name(), attempts, nextAt, error, retention.toMillis())));
  }

  @Override
  public List<Delivery> deadLetters() {
    List<byte[]> ids = call("read dead deliveries", r -> r.zrange(bytes(base + "o:dead"), 0, -1));
    List<Delivery> dead = new ArrayList<>();
    for (byte[] id : ids) {
      List<io.lettuce.core.KeyValue<byte[], byte[]>> row =
          call(
              "read a dead delivery",
              r ->
                  r.hmget(
                      bytes(base + "o:" + RedisKeys.text(id)),
                      bytes("event"),
                      bytes("object"),
                      bytes("target"),
                      bytes("payload"),
                      bytes("attempts"),
                      bytes("error"),
                      bytes("next")));
      if (!row.get(0).hasValue()) {
        continue;
      }
      String objectId = row.get(1).hasValue() ? RedisKeys.text(row.get(1).getValue()) : "";
      dead.add(
          new Delivery(
              Long.parseLong(RedisKeys.text(id)),
              RedisKeys.text(row.get(0).getValue()),
              objectId.isEmpty() ? null : objectId,
              RedisKeys.text(row.get(2).getValue()),
              row.get(3).hasValue() ? row.get(3).getValue() : new byte[0],
              row.get(4).hasValue() ? Integer.parseInt(RedisKeys.text(row.get(4).getValue())) : 0,
              Instant.ofEpochMilli(
                  row.get(6).hasValue()
                      ? Long.parseLong(RedisKeys.text(row.get(6).getValue()))
                      : 0),
              State.DEAD,
              row.get(5).hasValue() ? RedisKeys.text(row.get(5).getValue()) : null));
    }
    return dead;
  }

  @Override
  public int replay(@Nullable String eventId, Instant now) {
    ensureIndexed();
    Long count =
        call(
            "replay dead deliveries",
            r ->
                REPLAY.run(
                    r,
                    ScriptOutputType.INTEGER,
                    keys(base + "o:dead"),
                    args(base, eventId == null ? "" : eventId, now.toEpochMilli())));
    return count == null ? 0 : count.intValue();
  }

  @Override
  public @Nullable Instant nextDue() {
    ensureIndexed();
    byte[] earliest =
        call(
            "read the next due delivery",
            r -> NEXT.run(r, ScriptOutputType.VALUE, keys(base + "o:pending"), args(base)));
    return earliest == null ? null : Instant.ofEpochMilli(Long.parseLong(RedisKeys.text(earliest)));
  }

  /** Builds the due index once for deliveries a version without one queued (a no-op after). */
  private void ensureIndexed() {
    if (!indexed) {
      call(
          "index pending deliveries",
          r -> INDEX.<Long>run(r, ScriptOutputType.INTEGER, keys(base + "o:pending"), args(base)));
      indexed = true;
    }
  }

  @Override
  public void close() {
    closed = true;
    redis.close();
  }

  private void open() {
    if (closed) {
      throw new IllegalStateException("redis: the event store is closed");
    }
  }

  /** Runs one command (or script) and waits up to the command timeout for its answer. */
  private <T> T call(
      String what, Function<RedisClusterAsyncCommands<byte[], byte[]>, CompletionStage<T>> cmd) {
    open();
    RedisConnections connections = redis.current();
    if (connections == null) {
      throw redis.notConnected();
    }
    try {
      return cmd.apply(connections.commands())
          .toCompletableFuture()
          .get(config.commandTimeout().toMillis() + 100, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("redis: interrupted while trying to " + what, e);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new IllegalStateException(
          "redis event store: cannot " + what + ": " + cause.getMessage(), cause);
    }
  }

  private static byte[][] keys(String key) {
    return new byte[][] {bytes(key)};
  }

  private static byte[][] args(Object... values) {
    return Arrays.stream(values).map(v -> bytes(String.valueOf(v))).toArray(byte[][]::new);
  }

  private static byte[] bytes(String text) {
    return RedisKeys.bytes(text);
  }

  private static String text(@Nullable Object value) {
    return value instanceof byte[] raw
        ? RedisKeys.text(raw)
        : value == null ? "" : value.toString();
  }

  @Override
  public String toString() {
    return "RedisEventStore" + config.redactedUris();
  }
}
