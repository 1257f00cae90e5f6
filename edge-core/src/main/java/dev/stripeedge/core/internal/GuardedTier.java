package dev.stripeedge.core.internal;

import dev.stripeedge.core.Scheduler;
import dev.stripeedge.core.Ticker;
import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.TierConfig;
import dev.stripeedge.core.tier.TierEntry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
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
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One {@link CacheTier} as the pipeline uses it: every call under its timeout, failures counted,
 * and resilience4j's circuit breaker. After {@link TierConfig#failuresToBypass()} failures in a row
 * (a count window of that size, all failed) the tier is bypassed (no lookups, no puts) for {@link
 * TierConfig#bypassFor()}; then the breaker lets one call through half-open, and that call is a
 * background probe (a lookup, then the invalidations the tier missed) whose outcome closes or
 * reopens it. Requests never wait for a probe.
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
  private final CircuitBreaker breaker;
  private final AtomicBoolean retryScheduled = new AtomicBoolean();
  private final Set<String> pending = ConcurrentHashMap.newKeySet();
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Timer> lookups = new ConcurrentHashMap<>();
  // Set while quarantined (forced open): when the probe may run again. Guarded by this.
  private long quarantinedUntilNanos;

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
    this.breaker =
        CircuitBreaker.of(
            "tier " + name,
            CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(config.failuresToBypass())
                .minimumNumberOfCalls(config.failuresToBypass())
                .failureRateThreshold(100)
                .waitDurationInOpenState(config.bypassFor())
                .permittedNumberOfCallsInHalfOpenState(1)
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .slowCallDurationThreshold(Duration.ofDays(1))
                .clock(new TickerClock(ticker))
                .build());
    breaker
        .getEventPublisher()
        .onStateTransition(
            event -> {
              CircuitBreaker.State to = event.getStateTransition().getToState();
              if (to == CircuitBreaker.State.OPEN) {
                log.log(
                    System.Logger.Level.WARNING,
                    "cache tier "
                        + name
                        + " bypassed for "
                        + config.bypassFor()
                        + " after failures");
              } else if (to == CircuitBreaker.State.CLOSED) {
                log.log(System.Logger.Level.INFO, "cache tier " + name + " is back");
              }
            });
    Gauge.builder("stripe.edge.tier.bypassed", this, g -> g.bypassed() ? 1 : 0)
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

  /** Whether the breaker is not closed (the tier is skipped). */
  boolean bypassed() {
    return breaker.getState() != CircuitBreaker.State.CLOSED;
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
              succeeded();
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
                succeeded();
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
              succeeded();
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
    long hold = Math.max(longestRetentionNanos.getAsLong(), Duration.ofMinutes(10).toNanos());
    quarantinedUntilNanos = ticker.nanos() + hold;
    breaker.transitionToForcedOpenState();
    log.log(
        System.Logger.Level.ERROR,
        "cache tier " + name + " missed too many invalidations; bypassed for " + hold / 1e9 + " s");
  }

  /**
   * Whether a request may use the tier. Closed: yes. Open: no, but once {@code bypassFor} has
   * passed the breaker's one half-open permit goes to a {@link #probe} instead of the request.
   */
  private boolean admits() {
    CircuitBreaker.State state = breaker.getState();
    if (state == CircuitBreaker.State.CLOSED) {
      return true;
    }
    if (state == CircuitBreaker.State.FORCED_OPEN) {
      synchronized (this) {
        if (ticker.nanos() - quarantinedUntilNanos < 0) {
          return false;
        }
        breaker.transitionToHalfOpenState();
      }
    }
    if (breaker.tryAcquirePermission()) {
      probe();
    }
    return false;
  }

  /** A call succeeded: the breaker's window counts it. */
  private void succeeded() {
    breaker.onSuccess(0, TimeUnit.NANOSECONDS);
  }

  /** Counts a failure for the breaker (which opens at the threshold); returns the outcome tag. */
  private String failed(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    breaker.onError(0, TimeUnit.NANOSECONDS, cause);
    return cause instanceof TimeoutException ? "timeout" : "error";
  }

  /**
   * Is the tier back? A lookup, then the invalidations it missed, both within their timeouts: the
   * half-open call whose outcome closes or reopens the breaker.
   */
  private void probe() {
    within(() -> tier.get(PROBE_KEY), config.timeout())
        .thenCompose(ignored -> flushPending())
        .whenComplete(
            (ignored, failure) -> {
              if (failure == null) {
                breaker.onSuccess(0, TimeUnit.NANOSECONDS);
              } else {
                breaker.onError(0, TimeUnit.NANOSECONDS, failure);
              }
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
              if (bypassed() || pending.isEmpty()) {
                return; // the probe sends them before the tier is used again
              }
              flushPending()
                  .whenComplete(
                      (ignored, failure) -> {
                        if (failure != null) {
                          count("stripe.edge.tier.invalidations", failed(failure));
                          retryPendingLater();
                        } else {
                          succeeded();
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
