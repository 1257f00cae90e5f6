package dev.stripeedge.runtime;

import dev.stripeedge.core.webhooks.EventStore;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reconciler and one drift audit per fleet: whether this edge runs a fleet-wide job now, by the
 * event store's fenced lease. Thread-safe.
 */
final class FleetLeases {

  private static final Logger log = LoggerFactory.getLogger(FleetLeases.class);

  private final Supplier<@Nullable EventStore> store;
  // Whether this edge held each fleet-wide job's lease at its last turn.
  private final Map<String, Boolean> leaders = new ConcurrentHashMap<>();

  FleetLeases(Supplier<@Nullable EventStore> store) {
    this.store = store;
  }

  /**
   * A fleet-wide job's lease: two of its periods, renewed by every run, so a leader alive keeps it
   * and a dead one's lapses within two periods; the next edge's run (within one more period) takes
   * it over.
   */
  static Duration lease(Duration period) {
    return period.multipliedBy(2);
  }

  /**
   * Whether this edge runs {@code job} now: always with a store of its own; with a shared store
   * only while it holds the job's lease. A store that cannot be reached skips the run.
   */
  boolean leads(String job, Duration lease) {
    EventStore current = store.get();
    if (current == null) {
      return true; // the drift audit without a webhook store: this edge's memory only
    }
    try {
      boolean leading = current.lead(job, lease);
      leaders.merge(
          job,
          leading,
          (before, now) -> {
            if (before != now) {
              log.info("{} the {} lease", now ? "took" : "lost", job);
            }
            return now;
          });
      return leading;
    } catch (RuntimeException e) {
      log.warn("cannot take the {} lease: {}", job, e.getMessage());
      return false;
    }
  }

  /** Whether this edge ran {@code job} at its last turn (false before the first). */
  boolean leading(String job) {
    return leaders.getOrDefault(job, false);
  }
}
