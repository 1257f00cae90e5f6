package dev.stripeedge.store.redis;

import dev.stripeedge.core.SystemTime;
import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.TierEntry;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The shared cache tier: entries in Redis (standalone or cluster, through Lettuce), visible to
 * every edge instance, with invalidations broadcast so each instance drops them from its own L0.
 *
 * <p><b>Race safety.</b> An invalidation records its time in a marker per object id, in Redis
 * server time ({@code TIME} inside the script), then takes and deletes the entries the id's index
 * names. On a standalone server a put is one script that checks the markers, refuses an older fetch
 * than the stored one, stores the entry and indexes it, atomically. On a cluster an entry and its
 * ids live in different hash slots, so a put goes in steps that each touch one slot: index the key
 * under each id (refused if a marker covers the fetch), store the entry pending (invisible to
 * reads), check the markers again, then publish it or drop it. Either the put sees the marker or
 * the invalidation finds the key in the index; no order leaves a stale entry readable after the
 * invalidation completes. See docs/redis-tier.md.
 *
 * <p><b>Failure.</b> Commands time out after {@link RedisTierConfig#commandTimeout()} and fail at
 * once while Redis is unreachable (also when it was down at {@link #connect}); the client
 * reconnects by itself and the tier works again when Redis is back. Nothing blocks a caller;
 * futures (and the remote-invalidation listeners) run on Lettuce's I/O threads, so they must not
 * block either.
 *
 * <p>Thread-safe.
 */
public final class RedisTier implements CacheTier {

  private static final System.Logger log = System.getLogger(RedisTier.class.getName());

  private static final LuaScript PUT = LuaScript.load("put");
  private static final LuaScript ADMIT = LuaScript.load("admit");
  private static final LuaScript STORE_PENDING = LuaScript.load("store-pending");
  private static final LuaScript SETTLE_PENDING = LuaScript.load("settle-pending");
  private static final LuaScript INVALIDATE = LuaScript.load("invalidate");

  private static final byte[] PUBLISH = RedisKeys.bytes("publish");
  private static final byte[] DISCARD = RedisKeys.bytes("discard");
  private static final CompletableFuture<Boolean> NOT_STORED =
      CompletableFuture.completedFuture(false);

  private final RedisTierConfig config;
  private final Clock clock;
  private final RedisKeys keys;
  private final RedisLink redis;
  private final String instanceId = UUID.randomUUID().toString();
  private final List<Consumer<Collection<String>>> listeners = new CopyOnWriteArrayList<>();
  private final List<Runnable> gapListeners = new CopyOnWriteArrayList<>();

  private RedisTier(RedisTierConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.keys = new RedisKeys(config.keyPrefix());
    this.redis = RedisLink.open(config, this::subscribe);
  }

  /** Connects with the system clock; see {@link #connect(RedisTierConfig, Clock)}. */
  public static RedisTier connect(RedisTierConfig config) {
    return connect(config, SystemTime.clock());
  }

  /**
   * Connects to Redis and subscribes to the invalidation channel, blocking up to about a second.
   * When Redis cannot be reached, it logs a warning and returns anyway: every call then fails at
   * once (the message names the URIs without passwords) while the tier keeps trying to connect in
   * the background, so an edge started during a Redis outage serves without this tier until it is
   * back.
   *
   * @param clock the instance's wall clock, which decides when a read entry has expired
   */
  public static RedisTier connect(RedisTierConfig config, Clock clock) {
    return new RedisTier(config, clock);
  }

  /** Whether the first connection to Redis is made (later outages do not change this). */
  public boolean connected() {
    return redis.current() != null;
  }

  // Runs an operation on the open connection, or fails it at once while there is none yet.
  private <T extends @Nullable Object> CompletableFuture<T> withRedis(
      Function<RedisClusterAsyncCommands<byte[], byte[]>, CompletableFuture<T>> operation) {
    RedisConnections open = redis.current();
    if (open == null) {
      return CompletableFuture.failedFuture(redis.notConnected());
    }
    return operation.apply(open.commands());
  }

  @Override
  public String name() {
    return "redis";
  }

  @Override
  public CompletableFuture<@Nullable TierEntry> get(String key) {
    return this.<@Nullable TierEntry>withRedis(
        commands ->
            commands
                .hmget(keys.entry(key), EntryCodec.FIELDS)
                .toCompletableFuture()
                .thenApply(fields -> EntryCodec.decode(key, fields, clock.millis())));
  }

  @Override
  public CompletableFuture<Map<String, TierEntry>> getAll(Collection<String> keys) {
    List<CompletableFuture<@Nullable TierEntry>> reads = new ArrayList<>();
    for (String key : new LinkedHashSet<>(keys)) {
      reads.add(get(key));
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture<?>[]::new))
        .thenApply(
            done -> {
              Map<String, TierEntry> found = new LinkedHashMap<>();
              for (CompletableFuture<@Nullable TierEntry> read : reads) {
                TierEntry entry = read.join();
                if (entry != null) {
                  found.put(entry.key(), entry);
                }
              }
              return found;
            });
  }

  @Override
  public CompletableFuture<Boolean> put(TierEntry entry) {
    byte[] ids;
    try {
      ids = EntryCodec.ids(entry.ids());
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    return withRedis(
        commands ->
            config.cluster()
                ? putBySlots(commands, entry, ids)
                : putAtomically(commands, entry, ids));
  }

  private CompletableFuture<Boolean> putAtomically(
      RedisClusterAsyncCommands<byte[], byte[]> commands, TierEntry entry, byte[] ids) {
    List<byte[]> scriptKeys = new ArrayList<>();
    scriptKeys.add(keys.entry(entry.key()));
    for (String id : entry.ids()) {
      scriptKeys.add(keys.index(id));
      scriptKeys.add(keys.marker(id));
    }
    byte[][] args = {
      RedisKeys.bytes(entry.key()),
      entry.value(),
      EntryCodec.millis(entry.fetchStartedMillis()),
      EntryCodec.millis(entry.expiresAtMillis()),
      ids,
      EntryCodec.millis(config.clockTolerance().toMillis())
    };
    return PUT.<Long>run(
            commands, ScriptOutputType.INTEGER, scriptKeys.toArray(byte[][]::new), args)
        .thenApply(stored -> stored == 1L);
  }

  // Each step touches one hash slot; the class comment says why the order is safe: (1) index the
  // key under every id, (2) store the entry pending, (3) check every id again, (4) publish or drop.
  private CompletableFuture<Boolean> putBySlots(
      RedisClusterAsyncCommands<byte[], byte[]> commands, TierEntry entry, byte[] ids) {
    return admitEverywhere(commands, entry)
        .thenCompose(admitted -> admitted ? storePending(commands, entry, ids) : NOT_STORED)
        .thenCompose(
            stored ->
                stored
                    ? admitEverywhere(commands, entry)
                        .thenCompose(still -> settle(commands, entry, still))
                    : NOT_STORED);
  }

  private CompletableFuture<Boolean> storePending(
      RedisClusterAsyncCommands<byte[], byte[]> commands, TierEntry entry, byte[] ids) {
    byte[][] args = {
      entry.value(),
      EntryCodec.millis(entry.fetchStartedMillis()),
      EntryCodec.millis(entry.expiresAtMillis()),
      ids
    };
    return STORE_PENDING
        .<Long>run(commands, ScriptOutputType.INTEGER, new byte[][] {keys.entry(entry.key())}, args)
        .thenApply(stored -> stored == 1L);
  }

  /** Publishes this put's pending entry, or drops it; true only when published. */
  private CompletableFuture<Boolean> settle(
      RedisClusterAsyncCommands<byte[], byte[]> commands, TierEntry entry, boolean publish) {
    byte[][] args = {EntryCodec.millis(entry.fetchStartedMillis()), publish ? PUBLISH : DISCARD};
    return SETTLE_PENDING
        .<Long>run(commands, ScriptOutputType.INTEGER, new byte[][] {keys.entry(entry.key())}, args)
        .thenApply(ours -> publish && ours == 1L);
  }

  private CompletableFuture<Boolean> admitEverywhere(
      RedisClusterAsyncCommands<byte[], byte[]> commands, TierEntry entry) {
    List<CompletableFuture<Long>> admissions = new ArrayList<>();
    for (String id : entry.ids()) {
      byte[][] args = {
        RedisKeys.bytes(entry.key()),
        EntryCodec.millis(entry.fetchStartedMillis()),
        EntryCodec.millis(entry.expiresAtMillis()),
        EntryCodec.millis(config.clockTolerance().toMillis())
      };
      admissions.add(
          ADMIT.run(
              commands,
              ScriptOutputType.INTEGER,
              new byte[][] {keys.index(id), keys.marker(id)},
              args));
    }
    return CompletableFuture.allOf(admissions.toArray(CompletableFuture<?>[]::new))
        .thenApply(done -> admissions.stream().allMatch(admitted -> admitted.join() == 1L));
  }

  @Override
  public CompletableFuture<Void> invalidate(Collection<String> ids) {
    Set<String> distinct = new LinkedHashSet<>(ids);
    if (distinct.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    try {
      EntryCodec.ids(distinct);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    return withRedis(commands -> invalidate(commands, distinct));
  }

  private CompletableFuture<Void> invalidate(
      RedisClusterAsyncCommands<byte[], byte[]> commands, Set<String> ids) {
    byte[][] memory = {EntryCodec.millis(config.invalidationMemory().toMillis())};
    List<CompletableFuture<List<Object>>> taken = new ArrayList<>();
    for (String id : ids) {
      taken.add(
          INVALIDATE.run(
              commands,
              ScriptOutputType.MULTI,
              new byte[][] {keys.index(id), keys.marker(id)},
              memory));
    }
    return CompletableFuture.allOf(taken.toArray(CompletableFuture<?>[]::new))
        .thenCompose(done -> deleteEntries(commands, taken))
        .thenCompose(
            deleted ->
                commands
                    .publish(keys.channel(), InvalidationMessage.of(instanceId, ids).encode())
                    .toCompletableFuture())
        .thenApply(receivers -> null);
  }

  private CompletableFuture<?> deleteEntries(
      RedisClusterAsyncCommands<byte[], byte[]> commands,
      List<CompletableFuture<List<Object>>> taken) {
    Set<String> cacheKeys = new LinkedHashSet<>();
    for (CompletableFuture<List<Object>> members : taken) {
      for (Object member : members.join()) {
        cacheKeys.add(RedisKeys.text((byte[]) member));
      }
    }
    if (cacheKeys.isEmpty()) {
      return CompletableFuture.completedFuture(0L);
    }
    // On a cluster Lettuce splits a DEL of keys in several slots into one DEL per slot.
    return commands
        .del(cacheKeys.stream().map(keys::entry).toArray(byte[][]::new))
        .toCompletableFuture();
  }

  /**
   * Calls {@code listener} with the ids each other edge instance invalidates through this Redis
   * (this instance's own invalidations are skipped). It runs on Lettuce's pub/sub thread: it must
   * be quick and must not block. Messages published while this instance was disconnected are lost
   * (pub/sub keeps nothing): {@link #onBroadcastGap} says when that may have happened.
   */
  @Override
  public void onRemoteInvalidation(Consumer<Collection<String>> listener) {
    listeners.add(listener);
  }

  /**
   * Calls {@code listener} each time the invalidation channel is subscribed: after Lettuce
   * reconnected and resubscribed, or once Redis was reached after {@link #connect} could not. What
   * other instances published in between is lost. It runs on Lettuce's pub/sub thread and must not
   * block. (A listener added after {@link #connect} does not hear that first subscription.)
   */
  @Override
  public void onBroadcastGap(Runnable listener) {
    gapListeners.add(listener);
  }

  private void subscribe(RedisConnections redis) {
    byte[] channel = keys.channel();
    redis
        .pubSub()
        .addListener(
            new RedisPubSubAdapter<>() {
              @Override
              public void message(byte[] from, byte[] payload) {
                deliver(payload);
              }

              @Override
              public void subscribed(byte[] subscribedTo, long count) {
                gap();
              }
            });
    try {
      redis
          .pubSub()
          .async()
          .subscribe(new byte[][] {channel})
          .toCompletableFuture()
          .get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("redis: interrupted while subscribing", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "redis: cannot subscribe to " + RedisKeys.text(channel) + ": " + e.getMessage(), e);
    }
  }

  private void gap() {
    if (gapListeners.isEmpty()) {
      return;
    }
    log.log(
        System.Logger.Level.INFO,
        "redis: listening to invalidations again; what other edges invalidated meanwhile was"
            + " missed, so memory starts over");
    for (Runnable listener : gapListeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        log.log(System.Logger.Level.WARNING, "broadcast gap listener failed", e);
      }
    }
  }

  private void deliver(byte[] payload) {
    InvalidationMessage message = InvalidationMessage.decode(payload);
    if (message == null || message.origin().equals(instanceId) || message.ids().isEmpty()) {
      return;
    }
    for (Consumer<Collection<String>> listener : listeners) {
      try {
        listener.accept(message.ids());
      } catch (RuntimeException e) {
        log.log(System.Logger.Level.WARNING, "remote invalidation listener failed", e);
      }
    }
  }

  @Override
  public void close() {
    redis.close();
  }

  @Override
  public String toString() {
    return "RedisTier[" + config + "]";
  }
}
