package dev.stripeedge.core.budget;

/**
 * A token bucket on an injected clock whose rate may change. Not thread-safe: its account's lock
 * guards it.
 */
final class Bucket {

  // Refills are sums of doubles; a token due "now" may land a hair below 1.
  private static final double EPSILON = 1e-9;

  private final double burstSeconds;
  private double rate;
  private double tokens;
  private long lastNanos;

  Bucket(double rate, double burstSeconds, long nowNanos) {
    this.rate = rate;
    this.burstSeconds = burstSeconds;
    this.tokens = capacity();
    this.lastNanos = nowNanos;
  }

  double rate() {
    return rate;
  }

  private double capacity() {
    return Math.max(1, rate * burstSeconds);
  }

  void refill(long nowNanos) {
    long elapsed = nowNanos - lastNanos;
    if (elapsed > 0) {
      tokens = Math.min(capacity(), tokens + elapsed * rate / 1e9);
      lastNanos = nowNanos;
    }
  }

  /** Changes the rate from now on; tokens above the new capacity are dropped. */
  void rate(double value, long nowNanos) {
    refill(nowNanos);
    rate = value;
    tokens = Math.min(tokens, capacity());
  }

  /** Drops every token: upstream said this limiter is exhausted. */
  void empty(long nowNanos) {
    refill(nowNanos);
    tokens = 0;
  }

  boolean available(long nowNanos) {
    refill(nowNanos);
    return tokens >= 1 - EPSILON;
  }

  void take() {
    tokens -= 1;
  }

  /** Nanoseconds until a token is available, 0 when one is. */
  long nanosUntilToken(long nowNanos) {
    refill(nowNanos);
    double missing = 1 - tokens;
    if (missing <= EPSILON) {
      return 0;
    }
    return Math.max(1, (long) Math.ceil(missing / rate * 1e9));
  }
}
