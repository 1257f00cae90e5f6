package dev.stripeedge.core.queue;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The statuses of asynchronous writes, shared by every edge (and the Lambda worker) on one shared
 * queue: a write applied by any of them answers {@code /edge/writes/{id}} on all of them. Kept in
 * the fleet's shared store (Redis); {@link SharedStatusQueue} writes it after each change of a
 * write and reads it for the status resource.
 *
 * <p>Statuses only move forward ({@link #rank}): a slow edge recording an older state never hides a
 * newer one. Result bodies are stored as the queue stores them (sealed). Implementations are
 * thread-safe and may block on the network; failures are {@link RuntimeException}s.
 */
public interface WriteStatusBoard extends AutoCloseable {

  /**
   * Records {@code status} for {@code keep} unless the board holds one of the same or a higher
   * {@link #rank}; {@code force} records it whatever it holds (an operator's requeue starts the
   * write over).
   */
  void put(WriteStatus status, Duration keep, boolean force);

  /** The status of write {@code id}, or empty when the board holds none. */
  Optional<WriteStatus> get(String id);

  /** The statuses the board holds of {@code ids}; one lookup by default. */
  default Map<String, WriteStatus> getAll(Collection<String> ids) {
    Map<String, WriteStatus> out = new LinkedHashMap<>();
    for (String id : ids) {
      get(id).ifPresent(status -> out.put(id, status));
    }
    return out;
  }

  @Override
  void close();

  /**
   * How far a write has come: queued (0), in flight for its n-th attempt (2n-1), queued again after
   * it (2n), finished (above every unfinished state, later attempts higher).
   */
  static long rank(WriteStatus status) {
    long attempts = Math.max(0, status.attempts());
    if (status.state().finished()) {
      return (1L << 40) + attempts;
    }
    return status.state() == WriteState.IN_FLIGHT ? 2 * attempts - 1 : 2 * attempts;
  }
}
