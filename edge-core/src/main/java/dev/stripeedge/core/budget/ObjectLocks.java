package dev.stripeedge.core.budget;

import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Which objects an account's writes are serialised on, and which are held by a write in flight.
 * Stripe locks the outermost object of a write; after it answered a lock timeout on an object, or
 * always with {@link BudgetConfig#serializeWrites}, one write at a time goes to that object.
 *
 * <p>Not thread-safe: guarded by its account's monitor.
 */
final class ObjectLocks {

  private final boolean serializeWrites;
  private final long memoryNanos;
  private final Map<String, Boolean> busy = new HashMap<>();
  private final Map<String, Long> lockTimeouts = new HashMap<>();

  ObjectLocks(BudgetConfig config) {
    this.serializeWrites = config.serializeWrites();
    this.memoryNanos = config.lockTimeoutMemory().toNanos();
  }

  /** Whether writes to {@code object} go one at a time now. */
  boolean serialised(@Nullable String object, long now) {
    if (object == null) {
      return false;
    }
    if (serializeWrites) {
      return true;
    }
    Long until = lockTimeouts.get(object);
    if (until == null) {
      return false;
    }
    if (until <= now) {
      lockTimeouts.remove(object);
      return false;
    }
    return true;
  }

  /** Whether a write to {@code object} must wait: serialised, and one holds it. */
  boolean blocks(@Nullable String object, long now) {
    return object != null && busy.containsKey(object) && serialised(object, now);
  }

  /** Holds {@code object} for a write admitted now, if its writes are serialised. */
  boolean hold(@Nullable String object, long now) {
    if (object != null && serialised(object, now)) {
      busy.put(object, Boolean.TRUE);
      return true;
    }
    return false;
  }

  void release(String object) {
    busy.remove(object);
  }

  /** Serialises writes to {@code object} for a while: Stripe answered it with a lock timeout. */
  void lockTimedOut(String object, long now) {
    // Expired ones go first: the map holds only the objects of the last lockTimeoutMemory.
    forgetExpired(now);
    lockTimeouts.put(object, now + memoryNanos);
  }

  /** Whether no lock timeout is remembered (objects held are counted by their writes in flight). */
  boolean atRest(long now) {
    forgetExpired(now);
    return lockTimeouts.isEmpty();
  }

  private void forgetExpired(long now) {
    lockTimeouts.values().removeIf(until -> until <= now);
  }
}
