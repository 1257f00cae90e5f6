package dev.stripeedge.core.budget;

import org.jspecify.annotations.Nullable;

/**
 * A token bucket on an injected clock whose rate may change. Tokens it has no room for are lost, or
 * go to its overflow bucket when it has one. Not thread-safe: its account's lock guards it.
 */
final class Bucket {

  // Refills are sums of doubles; a token due "now" may land a hair below 1.
  private static final double EPSILON = 1e-9;

  private final double burstSeconds;
  private final @Nullable Bucket overflow;
  private double rate;
  private double tokens;
  private long lastNanos;

  Bucket(double rate, double burstSeconds, long nowNanos) {
    this(rate, burstSeconds, nowNanos, null);
  }

  /** A bucket whose surplus refills {@code overflow} instead of being lost. */
  Bucket(double rate, double burstSeconds, long nowNanos, @Nullable Bucket overflow) {
    this.rate = rate;
    this.burstSeconds = burstSeconds;
    this.overflow = overflow;
    this.tokens = capacity();
    this.lastNanos = nowNanos;
  }

  double rate() {
    return rate;
  }

  private double capacity() {
    // At least one token, so a slow bucket can still hand one out; none at a rate of zero.
    return rate > 0 ? Math.max(1, rate * burstSeconds) : 0;
  }

  void refill(long nowNanos) {
    long elapsed = nowNanos - lastNanos;
    if (elapsed > 0) {
      lastNanos = nowNanos;
      keep(tokens + elapsed * rate / 1e9, nowNanos);
    }
  }

  /** Holds {@code value} tokens, up to capacity; the rest overflows. */
  private void keep(double value, long nowNanos) {
    double capacity = capacity();
    if (value > capacity && overflow != null) {
      overflow.deposit(value - capacity, nowNanos);
    }
    tokens = Math.min(capacity, value);
  }

  /** Adds {@code amount} tokens, up to capacity (a surplus of this bucket overflows on in turn). */
  void deposit(double amount, long nowNanos) {
    refill(nowNanos);
    keep(tokens + amount, nowNanos);
  }

  /** Changes the rate from now on; tokens above the new capacity are dropped or overflow. */
  void rate(double value, long nowNanos) {
    refill(nowNanos);
    rate = value;
    keep(tokens, nowNanos);
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

  /** True when it holds all it can: a new bucket at this rate would hold no more. */
  boolean full(long nowNanos) {
    refill(nowNanos);
    return tokens >= capacity() - EPSILON;
  }

  /** Nanoseconds until a token is available, 0 when one is, {@link Long#MAX_VALUE} never. */
  long nanosUntilToken(long nowNanos) {
    refill(nowNanos);
    double missing = 1 - tokens;
    if (missing <= EPSILON) {
      return 0;
    }
    if (rate <= 0) {
      return Long.MAX_VALUE;
    }
    return Math.max(1, (long) Math.ceil(missing / rate * 1e9));
  }
}
