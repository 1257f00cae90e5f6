package dev.stripeedge.sim.internal.engine;

import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimMode;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stripe's limiters for one account: concurrency, global rate, per-endpoint rate, search rate,
 * updates per PaymentIntent per hour, and object locks.
 *
 * <p>Admission happens before the idempotency layer, as at Stripe, so a 429 is never stored.
 * Thread-safe.
 */
final class AccountLimits {

  private final AtomicInteger inFlight = new AtomicInteger();
  private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
  private final Map<String, ArrayDeque<Long>> paymentIntentUpdates = new ConcurrentHashMap<>();
  private final Map<String, Boolean> lockedObjects = new ConcurrentHashMap<>();

  /**
   * Admits one request or throws the 429 Stripe would send; on success the caller must {@link
   * #release()} once the response has left.
   */
  void admit(SimConfig.Limits limits, SimMode mode, Route route, long nowNanos) {
    if (inFlight.incrementAndGet() > limits.concurrency()) {
      inFlight.decrementAndGet();
      throw StripeError.rateLimited("global-concurrency");
    }
    try {
      if (!bucket("global", limits.globalRateFor(mode), nowNanos)) {
        throw StripeError.rateLimited("global-rate");
      }
      if (route.kind() == Route.Kind.SEARCH && !bucket("search", limits.searchRate(), nowNanos)) {
        throw StripeError.rateLimited("endpoint-rate");
      }
      if (!bucket(route.endpoint(), limits.endpointRate(), nowNanos)) {
        throw StripeError.rateLimited("endpoint-rate");
      }
    } catch (StripeError e) {
      inFlight.decrementAndGet();
      throw e;
    }
  }

  void release() {
    inFlight.decrementAndGet();
  }

  /** Counts an update to a PaymentIntent; over the hourly limit it is a resource-specific 429. */
  void countPaymentIntentUpdate(String paymentIntentId, int perHour, long nowMillis) {
    ArrayDeque<Long> window =
        paymentIntentUpdates.computeIfAbsent(paymentIntentId, id -> new ArrayDeque<>());
    synchronized (window) {
      while (!window.isEmpty() && window.peekFirst() <= nowMillis - 3_600_000L) {
        window.pollFirst();
      }
      if (window.size() >= perHour) {
        throw StripeError.rateLimited("resource-specific");
      }
      window.addLast(nowMillis);
    }
  }

  /** Takes the object's lock, or throws {@code lock_timeout} when another write holds it. */
  void lock(String objectId) {
    if (lockedObjects.putIfAbsent(objectId, Boolean.TRUE) != null) {
      throw StripeError.lockTimeout();
    }
  }

  void unlock(String objectId) {
    lockedObjects.remove(objectId);
  }

  private boolean bucket(String name, double rate, long nowNanos) {
    return buckets
        .computeIfAbsent(name, n -> new TokenBucket(rate, nowNanos))
        .tryTake(rate, nowNanos);
  }
}
