package dev.stripeedge.store.redis;

import dev.stripeedge.core.tier.TierEntry;
import io.lettuce.core.KeyValue;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link TierEntry} sits in its Redis hash: field {@code v} the value bytes, {@code f} the
 * fetch start and {@code x} the expiry (decimal milliseconds), {@code i} the ids joined by
 * newlines, and {@code p} present while a cluster put has not yet published it.
 */
final class EntryCodec {

  static final byte[][] FIELDS = {
    RedisKeys.bytes("v"),
    RedisKeys.bytes("f"),
    RedisKeys.bytes("x"),
    RedisKeys.bytes("i"),
    RedisKeys.bytes("p")
  };

  private EntryCodec() {}

  /** The ids as one field; an id must be non-empty and free of newlines. */
  static byte[] ids(Set<String> ids) {
    for (String id : ids) {
      if (id.isEmpty() || id.indexOf('\n') >= 0) {
        throw new IllegalArgumentException(
            "an object id must be non-empty and without newlines, got '"
                + id.replace("\n", "\\n")
                + "'");
      }
    }
    return RedisKeys.bytes(String.join("\n", ids));
  }

  static byte[] millis(long millis) {
    return RedisKeys.bytes(Long.toString(millis));
  }

  /**
   * The entry from an {@code HMGET} of {@link #FIELDS}, or null when absent, pending or expired at
   * {@code nowMillis}.
   */
  static @Nullable TierEntry decode(
      String key, List<KeyValue<byte[], byte[]>> fields, long nowMillis) {
    if (fields.size() != FIELDS.length
        || !fields.get(0).hasValue()
        || !fields.get(1).hasValue()
        || !fields.get(2).hasValue()
        || fields.get(4).hasValue()) {
      return null;
    }
    long fetched = Long.parseLong(RedisKeys.text(fields.get(1).getValue()));
    long expires = Long.parseLong(RedisKeys.text(fields.get(2).getValue()));
    if (nowMillis >= expires) {
      return null;
    }
    Set<String> ids = new LinkedHashSet<>();
    if (fields.get(3).hasValue()) {
      String joined = RedisKeys.text(fields.get(3).getValue());
      if (!joined.isEmpty()) {
        ids.addAll(List.of(joined.split("\n")));
      }
    }
    return new TierEntry(key, fields.get(0).getValue(), ids, fetched, expires);
  }
}
