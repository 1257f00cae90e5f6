package dev.stripeedge.store.redis;

import dev.stripeedge.core.budget.SharedBudget;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The budget several edge instances share through Redis: one token bucket per account limiter, run
 * by one Lua script on Redis's clock ({@code lease.lua}), and a sorted set of live edges refreshed
 * by each edge's heartbeat ({@code announce.lua}).
 *
 * <p>Keys: {@code <prefix>budget:<SHA-256 of the limiter's name>} (the name holds the keyed hash of
 * the API key, never the key; hashed again so route templates' braces never act as Redis Cluster
 * hash tags) and {@code <prefix>budget:edges}. Each script touches one key, so it runs on a cluster
 * as on a standalone server.
 *
 * <p>Thread-safe. Futures complete on the JDK's common pool, never on Lettuce's event loop; they
 * fail after {@link RedisTierConfig#commandTimeout()}, and at once while Redis is unreachable.
 */
public final class RedisSharedBudget implements SharedBudget, AutoCloseable {

  private static final LuaScript LEASE = LuaScript.load("lease");
  private static final LuaScript ANNOUNCE = LuaScript.load("announce");
  private static final byte[] SERVER_TIME = new byte[0];

  private final RedisTierConfig config;
  private final RedisLink redis;
  private final @Nullable LongSupplier micros;
  private final byte[] edgesKey;
  private final byte[] edgeId = RedisKeys.bytes(UUID.randomUUID().toString());
  private volatile boolean closed;

  private RedisSharedBudget(RedisTierConfig config, @Nullable LongSupplier micros) {
    this.config = config;
    this.micros = micros;
    this.edgesKey = RedisKeys.bytes(config.keyPrefix() + "budget:edges");
    this.redis = RedisLink.open(config, opened -> {});
  }

  /**
   * Connects to Redis, blocking up to about a second; when Redis cannot be reached it returns
   * anyway, fails every call at once and keeps connecting in the background (the shaper spends its
   * local share meanwhile). Only the URIs, key prefix and command timeout of {@code config} apply.
   */
  public static RedisSharedBudget connect(RedisTierConfig config) {
    return new RedisSharedBudget(config, null);
  }

  /** Buckets refilled by {@code micros} instead of Redis's clock: tests that move time. */
  static RedisSharedBudget connect(RedisTierConfig config, LongSupplier micros) {
    return new RedisSharedBudget(config, micros);
  }

  @Override
  public CompletableFuture<Grant> lease(String key, double rate, double capacity, int want) {
    // Hashed on every lease, not remembered: keys name accounts, which any request can make up
    // (issue 18), and a lease serves several requests.
    byte[] bucket = RedisKeys.bytes(config.keyPrefix() + "budget:" + sha256(key));
    byte[] now = micros == null ? SERVER_TIME : RedisKeys.bytes(Long.toString(micros.getAsLong()));
    byte[][] args = {
      RedisKeys.bytes(Double.toString(rate)),
      RedisKeys.bytes(Double.toString(capacity)),
      RedisKeys.bytes(Integer.toString(want)),
      now
    };
    return this.<List<Object>>withRedis(
            commands -> LEASE.run(commands, ScriptOutputType.MULTI, new byte[][] {bucket}, args))
        .thenApplyAsync(
            reply -> new Grant(((Long) reply.get(0)).intValue(), (Long) reply.get(1) * 1000));
  }

  @Override
  public CompletableFuture<Integer> announce(Duration ttl) {
    byte[][] args = {edgeId, RedisKeys.bytes(Long.toString(Math.max(1, ttl.toMillis())))};
    return this.<Long>withRedis(
            commands ->
                ANNOUNCE.run(commands, ScriptOutputType.INTEGER, new byte[][] {edgesKey}, args))
        .thenApplyAsync(Long::intValue);
  }

  @Override
  public boolean open() {
    return !closed;
  }

  /** Whether the first connection to Redis is made (later outages do not change this). */
  public boolean connected() {
    return redis.current() != null;
  }

  private <T> CompletableFuture<T> withRedis(
      Function<RedisClusterAsyncCommands<byte[], byte[]>, CompletableFuture<T>> operation) {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("redis: budget closed"));
    }
    RedisConnections open = redis.current();
    if (open == null) {
      return CompletableFuture.failedFuture(redis.notConnected());
    }
    try {
      return operation.apply(open.commands());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Leaves the live edges at once (best effort) so the others' local share grows, then closes. */
  @Override
  public void close() {
    closed = true;
    RedisConnections open = redis.current();
    if (open != null) {
      try {
        open.commands().zrem(edgesKey, edgeId).toCompletableFuture().get();
      } catch (Exception e) {
        // Redis is down: the TTL forgets this edge instead.
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
      }
    }
    redis.close();
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
    return "RedisSharedBudget[" + config.redactedUris() + "]";
  }
}
