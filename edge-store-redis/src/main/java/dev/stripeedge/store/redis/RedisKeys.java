package dev.stripeedge.store.redis;

import java.nio.charset.StandardCharsets;

/**
 * The names the tier gives its Redis keys, all under one prefix.
 *
 * <ul>
 *   <li>{@code <prefix>e:<cache key>}: the entry, a hash (value, fetch start, expiry, ids);
 *   <li>{@code <prefix>id:{<id>}:keys}: the cache keys holding an object id, a set;
 *   <li>{@code <prefix>id:{<id>}:inv}: when the id was last invalidated, server milliseconds;
 *   <li>{@code <prefix>invalidations}: the pub/sub channel.
 * </ul>
 *
 * <p>The braces are a Redis Cluster hash tag: an id's index and marker share a hash slot, so one
 * script may touch both. Thread-safe and immutable.
 */
final class RedisKeys {

  private final String prefix;

  RedisKeys(String prefix) {
    this.prefix = prefix;
  }

  byte[] entry(String cacheKey) {
    return bytes(prefix + "e:" + cacheKey);
  }

  byte[] index(String id) {
    return bytes(prefix + "id:{" + id + "}:keys");
  }

  byte[] marker(String id) {
    return bytes(prefix + "id:{" + id + "}:inv");
  }

  byte[] channel() {
    return bytes(prefix + "invalidations");
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
