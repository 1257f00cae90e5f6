package dev.stripeedge.store.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One Lua script from this package's resources, run by its SHA1 ({@code EVALSHA}) and sent whole
 * ({@code EVAL}, which also caches it on that node) only when the node answers {@code NOSCRIPT}: a
 * fresh or restarted server, or a cluster node that never saw it.
 *
 * <p>Thread-safe and immutable.
 */
final class LuaScript {

  private final String name;
  private final byte[] source;
  private final String sha1;

  private LuaScript(String name, byte[] source) {
    this.name = name;
    this.source = source;
    this.sha1 = sha1(source);
  }

  static LuaScript load(String name) {
    try (InputStream in = LuaScript.class.getResourceAsStream(name + ".lua")) {
      if (in == null) {
        throw new IllegalStateException("missing script resource " + name + ".lua");
      }
      return new LuaScript(name, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read script " + name, e);
    }
  }

  String name() {
    return name;
  }

  /**
   * Runs the script; the future completes on Lettuce's threads.
   *
   * @param keys the keys it touches, all in one hash slot on a cluster (the first routes it)
   */
  <T> CompletableFuture<T> run(
      RedisClusterAsyncCommands<byte[], byte[]> redis,
      ScriptOutputType type,
      byte[][] keys,
      byte[][] args) {
    CompletableFuture<T> bySha = redis.<T>evalsha(sha1, type, keys, args).toCompletableFuture();
    return bySha.exceptionallyCompose(
        failure ->
            noScript(unwrap(failure))
                ? redis.<T>eval(source, type, keys, args).toCompletableFuture()
                : CompletableFuture.failedFuture(unwrap(failure)));
  }

  private static boolean noScript(Throwable failure) {
    return failure instanceof RedisNoScriptException
        || (failure instanceof RedisCommandExecutionException
            && String.valueOf(failure.getMessage()).startsWith("NOSCRIPT"));
  }

  private static Throwable unwrap(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause()
        : failure;
  }

  private static String sha1(byte[] source) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always has SHA-1", e);
    }
  }
}
