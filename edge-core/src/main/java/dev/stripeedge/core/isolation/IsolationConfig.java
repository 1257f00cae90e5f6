package dev.stripeedge.core.isolation;

import java.time.Duration;

/**
 * How the edge detects and contains a slow or failing key (see {@link Isolation}).
 *
 * @param enabled false: no statistics, no breaker, no bulkhead (every request passes)
 * @param detection when a key is flagged
 * @param breaker the circuit breaker per route
 * @param bulkhead what a flagged key may hold
 */
public record IsolationConfig(
    boolean enabled, Detection detection, Breaker breaker, Bulkhead bulkhead) {

  public IsolationConfig {
    if (detection == null || breaker == null || bulkhead == null) {
      throw new IllegalArgumentException("isolation needs detection, breaker and bulkhead");
    }
  }

  /** On, with the defaults of each part. */
  public static IsolationConfig defaults() {
    return new IsolationConfig(true, Detection.defaults(), Breaker.defaults(), Bulkhead.defaults());
  }

  /** Off: every request passes untouched. */
  public static IsolationConfig off() {
    return new IsolationConfig(
        false, Detection.defaults(), Breaker.defaults(), Bulkhead.defaults());
  }

  /**
   * When a key (account, connected account, route) is flagged; judged by {@link AnomalyRule}.
   *
   * @param window time constant of the recent statistics (their weight decays as e^(-age/window))
   * @param baseline time constant of the key's own baseline (frozen while the key is flagged)
   * @param evaluateEvery how often flags are judged (on a request's thread, at most this often)
   * @param minSamples recent (decayed) answers a key needs before it is judged
   * @param latencyFactor recent p95 at least this many times the baseline's (or siblings') flags
   * @param minLatency a recent p95 below this is never slow
   * @param errorRatio share of 5xx and timeouts among recent answers that flags
   * @param throttledBurst recent (decayed) {@code 429}s (lock timeouts, rate limits) that flag
   * @param clearAfter a flagged key is cleared once healthy this long
   * @param maxKeys keys with statistics at once (least recently used forgotten beyond it)
   */
  public record Detection(
      Duration window,
      Duration baseline,
      Duration evaluateEvery,
      int minSamples,
      double latencyFactor,
      Duration minLatency,
      double errorRatio,
      int throttledBurst,
      Duration clearAfter,
      int maxKeys) {

    public Detection {
      positive("window", window);
      positive("baseline", baseline);
      positive("evaluateEvery", evaluateEvery);
      if (baseline.compareTo(window) <= 0) {
        throw new IllegalArgumentException(
            "baseline must be longer than window: " + baseline + " <= " + window);
      }
      if (minSamples < 1) {
        throw new IllegalArgumentException("minSamples must be at least 1: " + minSamples);
      }
      if (!(latencyFactor > 1)) {
        throw new IllegalArgumentException("latencyFactor must exceed 1: " + latencyFactor);
      }
      if (minLatency.isNegative()) {
        throw new IllegalArgumentException("minLatency must not be negative: " + minLatency);
      }
      if (!(errorRatio > 0 && errorRatio <= 1)) {
        throw new IllegalArgumentException("errorRatio must be in (0, 1]: " + errorRatio);
      }
      if (throttledBurst < 1) {
        throw new IllegalArgumentException("throttledBurst must be at least 1: " + throttledBurst);
      }
      if (clearAfter.isNegative()) {
        throw new IllegalArgumentException("clearAfter must not be negative: " + clearAfter);
      }
      if (maxKeys < 1) {
        throw new IllegalArgumentException("maxKeys must be at least 1: " + maxKeys);
      }
    }

    public static Detection defaults() {
      return new Detection(
          Duration.ofSeconds(2),
          Duration.ofMinutes(5),
          Duration.ofMillis(500),
          10,
          3.0,
          Duration.ofMillis(250),
          0.3,
          10,
          Duration.ofSeconds(2),
          4096);
    }
  }

  /**
   * The circuit breaker of each route (resilience4j's, time-based window).
   *
   * @param window the sliding window its failure rate is measured over
   * @param minCalls calls in the window before the rate counts
   * @param failureRate percentage of failures (5xx, timeouts, lost connections) that opens it
   * @param openFor how long it stays open before probing (also the {@code Retry-After} sent)
   * @param probes calls let through half-open; all succeeding closes it
   */
  public record Breaker(
      Duration window, int minCalls, float failureRate, Duration openFor, int probes) {

    public Breaker {
      positive("breaker.window", window);
      positive("breaker.openFor", openFor);
      if (window.toSeconds() < 1) {
        throw new IllegalArgumentException("breaker.window must be at least 1s: " + window);
      }
      if (minCalls < 1 || probes < 1) {
        throw new IllegalArgumentException(
            "breaker.minCalls and breaker.probes must be at least 1: " + minCalls + ", " + probes);
      }
      if (!(failureRate > 0 && failureRate <= 100)) {
        throw new IllegalArgumentException(
            "breaker.failureRate must be in (0, 100]: " + failureRate);
      }
    }

    public static Breaker defaults() {
      return new Breaker(Duration.ofSeconds(10), 20, 50f, Duration.ofSeconds(5), 3);
    }
  }

  /**
   * What a flagged key may hold at once; unflagged keys have no bulkhead.
   *
   * @param share share of its account's in-flight slots a flagged key may hold
   * @param minSlots slots a flagged key keeps however small the share
   */
  public record Bulkhead(double share, int minSlots) {

    public Bulkhead {
      if (!(share > 0 && share <= 1)) {
        throw new IllegalArgumentException("bulkhead.share must be in (0, 1]: " + share);
      }
      if (minSlots < 1) {
        throw new IllegalArgumentException("bulkhead.minSlots must be at least 1: " + minSlots);
      }
    }

    public static Bulkhead defaults() {
      return new Bulkhead(0.25, 2);
    }

    /** Slots of a flagged key of an account allowed {@code accountSlots} in flight. */
    public int slots(int accountSlots) {
      return Math.max(minSlots, (int) Math.floor(share * accountSlots));
    }
  }

  private static void positive(String name, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
  }
}
