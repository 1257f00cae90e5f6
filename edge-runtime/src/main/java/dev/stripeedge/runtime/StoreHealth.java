package dev.stripeedge.runtime;

import dev.stripeedge.core.webhooks.EventStore;
import java.time.Clock;
import java.time.Instant;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Whether the durable store takes writes, for readiness: a heartbeat write every few seconds
 * ({@link EventStore#heartbeat}); {@link #problem} names the failure once {@code failuresToTrip}
 * heartbeats in a row failed (one slow write on a loaded disk is not an outage), and clears on the
 * next that succeeds. Thread-safe.
 */
final class StoreHealth {

  private final Consumer<Instant> heartbeat;
  private final Clock clock;
  private final int failuresToTrip;
  private int failuresInARow;
  private @Nullable String lastFailure;

  /**
   * @param heartbeat one write to the store ({@link EventStore#heartbeat}); throws when it fails
   */
  StoreHealth(Consumer<Instant> heartbeat, Clock clock, int failuresToTrip) {
    this.heartbeat = heartbeat;
    this.clock = clock;
    this.failuresToTrip = failuresToTrip;
  }

  /** One heartbeat: blocks on the store's write. */
  void beat() {
    try {
      heartbeat.accept(clock.instant());
      synchronized (this) {
        failuresInARow = 0;
        lastFailure = null;
      }
    } catch (RuntimeException e) {
      synchronized (this) {
        failuresInARow++;
        lastFailure = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      }
    }
  }

  /** Why the store is not taking writes, or null while it is. */
  synchronized @Nullable String problem() {
    return failuresInARow >= failuresToTrip
        ? "the store cannot write: the last "
            + failuresInARow
            + " heartbeats failed ("
            + lastFailure
            + ")"
        : null;
  }
}
