package dev.stripeedge.store.redis;

import dev.stripeedge.core.queue.WriteStatus;
import dev.stripeedge.core.queue.WriteStatusBoard;
import dev.stripeedge.core.queue.WriteStatusText;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The asynchronous writes' shared statuses in Redis: one hash per write, {@code
 * <prefix>writes:<id>} with its {@link WriteStatusBoard#rank rank} and its status line ({@link
 * WriteStatusText}), expiring after the results' retention. A put only moves a status forward (a
 * Lua script compares ranks), so edges recording out of order never hide a newer state. One key per
 * write: any hash slot on a cluster; lookups of several are pipelined, not {@code MGET}.
 *
 * <p>Thread-safe; calls block up to the command timeout and fail with {@link
 * IllegalStateException}s.
 */
public final class RedisWriteStatusBoard implements WriteStatusBoard {

  private static final LuaScript PUT = LuaScript.load("write-status-put");

  private final RedisTierConfig config;
  private final RedisLink redis;
  private final String base;
  private volatile boolean closed;

  private RedisWriteStatusBoard(RedisTierConfig config) {
    this.config = config;
    this.base = config.keyPrefix() + "writes:";
    this.redis = RedisLink.open(config, opened -> {});
  }

  /** Connects (returning while Redis cannot be reached; calls fail until it can). */
  public static RedisWriteStatusBoard connect(RedisTierConfig config) {
    return new RedisWriteStatusBoard(config);
  }

  @Override
  public void put(WriteStatus status, Duration keep, boolean force) {
    byte[][] keys = {RedisKeys.bytes(base + status.id())};
    byte[][] args = {
      RedisKeys.bytes(Long.toString(WriteStatusBoard.rank(status))),
      RedisKeys.bytes(WriteStatusText.encode(status)),
      RedisKeys.bytes(Long.toString(Math.max(1, keep.toMillis()))),
      RedisKeys.bytes(force ? "1" : "0")
    };
    this.<Long>call(
        "record write " + status.id(), r -> PUT.run(r, ScriptOutputType.INTEGER, keys, args));
  }

  @Override
  public Optional<WriteStatus> get(String id) {
    byte[] line = call("read write " + id, r -> r.hget(key(id), STATUS).toCompletableFuture());
    return line == null
        ? Optional.empty()
        : Optional.of(WriteStatusText.decode(RedisKeys.text(line)));
  }

  @Override
  public Map<String, WriteStatus> getAll(Collection<String> ids) {
    Map<String, WriteStatus> out = new LinkedHashMap<>();
    if (ids.isEmpty()) {
      return out;
    }
    List<String> order = List.copyOf(ids);
    List<byte @Nullable []> lines =
        call(
            "read " + order.size() + " writes",
            r -> {
              List<CompletableFuture<byte[]>> each = new ArrayList<>();
              for (String id : order) {
                each.add(r.hget(key(id), STATUS).toCompletableFuture());
              }
              return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                  .thenApply(
                      done -> {
                        List<byte @Nullable []> values = new ArrayList<>();
                        for (CompletableFuture<byte[]> one : each) {
                          values.add(one.join());
                        }
                        return values;
                      });
            });
    for (int i = 0; i < order.size(); i++) {
      byte[] line = lines.get(i);
      if (line != null) {
        out.put(order.get(i), WriteStatusText.decode(RedisKeys.text(line)));
      }
    }
    return out;
  }

  private static final byte[] STATUS = RedisKeys.bytes("status");

  private byte[] key(String id) {
    return RedisKeys.bytes(base + id);
  }

  /** Runs one command (or script) and waits up to the command timeout for its answer. */
  private <T> T call(
      String what,
      Function<RedisClusterAsyncCommands<byte[], byte[]>, CompletableFuture<T>> command) {
    if (closed) {
      throw new IllegalStateException("redis: the write status board is closed");
    }
    RedisConnections connections = redis.current();
    if (connections == null) {
      throw redis.notConnected();
    }
    try {
      return command
          .apply(connections.commands())
          .get(config.commandTimeout().toMillis() + 100, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("redis: interrupted while trying to " + what, e);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new IllegalStateException(
          "redis write status board: cannot " + what + ": " + cause.getMessage(), cause);
    }
  }

  @Override
  public void close() {
    closed = true;
    redis.close();
  }

  @Override
  public String toString() {
    return "RedisWriteStatusBoard" + config.redactedUris();
  }
}
