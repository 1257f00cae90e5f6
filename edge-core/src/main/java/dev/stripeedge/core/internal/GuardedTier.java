package dev.stripeedge.core.internal;

import dev.stripeedge.core.Scheduler;
import dev.stripeedge.core.Ticker;
import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.TierConfig;
import dev.stripeedge.core.tier.TierEntry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One {@link CacheTier} as the pipeline uses it: every call under its timeout, failures counted,
 * and a small circuit breaker. After {@link TierConfig#failuresToBypass()} failures in a row the
 * tier is bypassed (no lookups, no puts) for {@link TierConfig#bypassFor()}; then one background
 * probe (a lookup, then the invalidations the tier missed) decides whether it is back. Requests
 * never wait for a probe.
 *
 * <p>Invalidations that fail are kept and re-sent until they land: a tier must not serve what it
 * was never told to drop. Past {@code MAX_PENDING} ids the tier stays bypassed until every entry it
 * could hold has expired.
 *
 * <p>Thread-safe; never blocks; no future it returns completes exceptionally.
 */
final class GuardedTier {

  private static final System.Logger log = System.getLogger(GuardedTier.class.getName());
  private static final String PROBE_KEY = "stripe-edge:probe";
  private static final int MAX_PENDING = 100_000;
  private static final Duration RETRY_PENDING = Duration.ofSeconds(1);

  /**
   * What a lookup found.
   *
   * @param outcome {@code hit}, {@code miss}, {@code timeout}, {@code error} or {@code bypassed}
   * @param entry the entry on a hit
   */
  record Found(String outcome, @Nullable TierEntry entry) {}

  private final CacheTier tier;
  private final String name;
  private final TierConfig config;
  private final Ticker ticker;
  private final Scheduler scheduler;
  private final LongSupplier longestRetentionNanos;
  private final MeterRegistry meters;
  private final AtomicInteger failures = new AtomicInteger();
  private final AtomicBoolean probing = new AtomicBoolean();
  private final AtomicBoolean retryScheduled = new AtomicBoolean();
  private final Set<String> pending = ConcurrentHashMap.newKeySet();
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Timer> lookups = new ConcurrentHashMap<>();
  // Guarded by this.
  private boolean bypassed;
  private long retryAtNanos;
  private volatile boolean open;

  GuardedTier(
      CacheTier tier,
      TierConfig config,
      Ticker ticker,
      Scheduler scheduler,
      LongSupplier longestRetentionNanos,
      MeterRegistry meters) {
    this.tier = tier;
    this.name = tier.name();
    this.config = config;
    this.ticker = ticker;
    this.scheduler = scheduler;
    this.longestRetentionNanos = longestRetentionNanos;
    this.meters = meters;
    Gauge.builder("stripe.edge.tier.bypassed", this, g -> g.open ? 1 : 0)
        .description("1 while a failing cache tier is bypassed")
        .tag("tier", name)
        .register(meters);
  }

  String name() {
    return name;
  }

  CacheTier tier() {
    return tier;
  }

  /** Whether the breaker is open (the tier is skipped). */
  boolean bypassed() {
    return open;
  }

  /** The entry under {@code key}, within the timeout; a failure is a miss with its outcome. */
  CompletableFuture<Found> get(String key) {
    if (!admits()) {
      return CompletableFuture.completedFuture(new Found("bypassed", null));
    }
    return within(() -> tier.get(key), config.timeout())
        .handle(
            (entry, failure) -> {
              if (failure != null) {
                return new Found(failed(failure), null);
              }
              failures.set(0);
              return new Found(entry == null ? "miss" : "hit", entry);
            });
  }

  /** Counts a lookup by its final outcome (the chain may turn a hit into {@code corrupt}). */
  void recordLookup(String outcome, long nanos) {
    lookups
        .computeIfAbsent(
            outcome,
            k ->
                Timer.builder("stripe.edge.tier.lookups")
                    .description("Lookups in a cache tier below memory, by outcome")
                    .tag("tier", name)
                    .tag("outcome", outcome)
                    .register(meters))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Stores {@code entry} in the background. */
  void put(TierEntry entry) {
    if (!admits()) {
      count("stripe.edge.tier.writes", "bypassed");
      return;
    }
    within(() -> tier.put(entry), config.writeTimeout())
        .whenComplete(
            (stored, failure) -> {
              if (failure != null) {
                count("stripe.edge.tier.writes", failed(failure));
              } else {
                failures.set(0);
                count(
                    "stripe.edge.tier.writes", Boolean.TRUE.equals(stored) ? "stored" : "refused");
              }
            });
  }

  /**
   * Sends {@code ids}' invalidation in the background, and again until it lands.
   *
   * @return true once the tier acknowledged this send; false when it failed, timed out or the tier
   *     is bypassed (the ids are then kept and re-sent, but only in this process's memory)
   */
  CompletableFuture<Boolean> invalidate(Collection<String> ids) {
    if (ids.isEmpty()) {
      return CompletableFuture.completedFuture(true);
    }
    if (!admits()) {
      count("stripe.edge.tier.invalidations", "bypassed");
      keep(ids);
      return CompletableFuture.completedFuture(false);
    }
    return within(() -> tier.invalidate(ids), config.writeTimeout())
        .handle(
            (ignored, failure) -> {
              if (failure != null) {
                count("stripe.edge.tier.invalidations", failed(failure));
                keep(ids);
                retryPendingLater();
                return false;
              }
              failures.set(0);
              count("stripe.edge.tier.invalidations", "done");
              return true;
            });
  }

  private void keep(Collection<String> ids) {
    if (pending.size() + ids.size() > MAX_PENDING) {
      quarantine();
      return;
    }
    pending.addAll(ids);
  }

  /** Too many lost invalidations to track: bypass until whatever the tier holds has expired. */
  private synchronized void quarantine() {
    pending.clear();
    bypassed = true;
    open = true;
    long hold = Math.max(longestRetentionNanos.getAsLong(), Duration.ofMinutes(10).toNanos());
    retryAtNanos = ticker.nanos() + hold;
    log.log(
        System.Logger.Level.ERROR,
        "cache tier " + name + " missed too many invalidations; bypassed for " + hold / 1e9 + " s");
  }

  private boolean admits() {
    if (!open) {
      return true;
    }
    boolean due;
    synchronized (this) {
      due = bypassed && ticker.nanos() - retryAtNanos >= 0;
    }
    if (due && probing.compareAndSet(false, true)) {
      probe();
    }
    return false;
  }

  /** Counts a failure, opens the breaker at the threshold; returns the outcome tag. */
  private String failed(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    String outcome = cause instanceof TimeoutException ? "timeout" : "error";
    if (failures.incrementAndGet() >= config.failuresToBypass()) {
      synchronized (this) {
        if (!bypassed) {
          bypassed = true;
          open = true;
          retryAtNanos = ticker.nanos() + config.bypassFor().toNanos();
          log.log(
              System.Logger.Level.WARNING,
              "cache tier "
                  + name
                  + " bypassed for "
                  + config.bypassFor()
                  + " after "
                  + failures.get()
                  + " failures; last: "
                  + cause);
        }
      }
    }
    return outcome;
  }

  /** Is the tier back? A lookup, then the invalidations it missed, both within their timeouts. */
  private void probe() {
    within(() -> tier.get(PROBE_KEY), config.timeout())
        .thenCompose(ignored -> flushPending())
        .whenComplete(
            (ignored, failure) -> {
              synchronized (this) {
                if (failure == null) {
                  bypassed = false;
                  open = false;
                  failures.set(0);
                  log.log(System.Logger.Level.INFO, "cache tier " + name + " is back");
                } else {
                  retryAtNanos = ticker.nanos() + config.bypassFor().toNanos();
                }
              }
              probing.set(false);
            });
  }

  private CompletableFuture<Void> flushPending() {
    Set<String> batch = Set.copyOf(pending);
    if (batch.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    // Ids re-added meanwhile were invalidated before this send lands: removing them is safe.
    return within(() -> tier.invalidate(batch), config.writeTimeout())
        .thenRun(() -> pending.removeAll(batch));
  }

  private void retryPendingLater() {
    if (!retryScheduled.compareAndSet(false, true)) {
      return;
    }
    scheduler
        .after(RETRY_PENDING)
        .thenRun(
            () -> {
              retryScheduled.set(false);
              if (open || pending.isEmpty()) {
                return; // the probe sends them before the tier is used again
              }
              flushPending()
                  .whenComplete(
                      (ignored, failure) -> {
                        if (failure != null) {
                          count("stripe.edge.tier.invalidations", failed(failure));
                          retryPendingLater();
                        } else {
                          failures.set(0);
                        }
                      });
            });
  }

  private void count(String meter, String outcome) {
    counters
        .computeIfAbsent(
            meter + ' ' + outcome,
            k ->
                Counter.builder(meter)
                    .description("Cache tier writes and invalidations, by outcome")
                    .tag("tier", name)
                    .tag("outcome", outcome)
                    .register(meters))
        .increment();
  }

  /** The tier's future under {@code timeout}; a throw or a null future becomes a failure. */
  private static <T> CompletableFuture<T> within(
      Supplier<@Nullable CompletableFuture<T>> call, Duration timeout) {
    CompletableFuture<T> started;
    try {
      started = call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (started == null) {
      return CompletableFuture.failedFuture(new IllegalStateException("the tier returned null"));
    }
    // A copy: the timeout must not complete the tier's own future under it.
    return started.copy().orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }
}
