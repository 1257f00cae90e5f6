package dev.stripeedge.store.redis;

import java.util.Collection;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What one edge instance publishes when it invalidates: its own instance id, so it can skip its own
 * messages, then the object ids, one per line.
 *
 * @param origin the publishing instance's id
 * @param ids the invalidated object ids
 */
record InvalidationMessage(String origin, List<String> ids) {

  InvalidationMessage {
    ids = List.copyOf(ids);
  }

  static InvalidationMessage of(String origin, Collection<String> ids) {
    return new InvalidationMessage(origin, List.copyOf(ids));
  }

  byte[] encode() {
    return RedisKeys.bytes(origin + "\n" + String.join("\n", ids));
  }

  /** The message, or null when {@code payload} is not one (another publisher on the channel). */
  static @Nullable InvalidationMessage decode(byte[] payload) {
    String text = RedisKeys.text(payload);
    int newline = text.indexOf('\n');
    if (newline <= 0) {
      return null;
    }
    String rest = text.substring(newline + 1);
    List<String> ids = rest.isEmpty() ? List.of() : List.of(rest.split("\n"));
    return new InvalidationMessage(text.substring(0, newline), ids);
  }
}
