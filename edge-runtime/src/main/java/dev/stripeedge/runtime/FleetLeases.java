package dev.stripeedge.runtime;

import dev.stripeedge.core.webhooks.EventStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
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
  private final MeterRegistry metrics;
  // Whether this edge held each fleet-wide job's lease at its last turn.
  private final Map<String, Boolean> leaders = new ConcurrentHashMap<>();

  FleetLeases(Supplier<@Nullable EventStore> store, MeterRegistry metrics) {
    this.store = store;
    this.metrics = metrics;
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
      Boolean before = leaders.put(job, leading);
      if (before == null) {
        // Which edge leads, from every edge's /metrics: a fleet's dashboard (and bench fleet)
        // sees leader changes and the time with no leader without asking the store.
        Gauge.builder("stripe.edge.fleet.leader", leaders, m -> m.getOrDefault(job, false) ? 1 : 0)
            .description("1 while this edge holds the fleet-wide job's lease (at its last turn)")
            .tag("job", job)
            .register(metrics);
      }
      if (before == null ? leading : before != leading) {
        log.info("{} the {} lease", leading ? "took" : "lost", job);
        Counter.builder("stripe.edge.fleet.lease.changes")
            .description("Fleet-wide job leases this edge took or lost")
            .tag("job", job)
            .tag("change", leading ? "took" : "lost")
            .register(metrics)
            .increment();
      }
      return leading;
    } catch (RuntimeException e) {
      log.warn("cannot take the {} lease: {}", job, e.getMessage());
      leaders.replace(job, false); // it did not run: it does not lead (nor claim to, on /metrics)
      return false;
    }
  }

  /** Whether this edge ran {@code job} at its last turn (false before the first). */
  boolean leading(String job) {
    return leaders.getOrDefault(job, false);
  }
}
