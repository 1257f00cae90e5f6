package dev.stripeedge.sim.internal.engine;

/**
 * A token bucket on the simulated clock: {@code rate} tokens per second, burst of one second.
 *
 * <p>Stripe's own limiter is a token bucket; a one-second burst matches "N requests per second".
 * Thread-safe (synchronized: uncontended in practice, and cheaper than the request around it).
 */
final class TokenBucket {

  private double tokens;
  private long lastNanos;
  private double rate;

  TokenBucket(double rate, long nowNanos) {
    this.rate = rate;
    this.tokens = rate;
    this.lastNanos = nowNanos;
  }

  synchronized boolean tryTake(double newRate, long nowNanos) {
    if (newRate != rate) {
      tokens = Math.min(tokens, newRate);
      rate = newRate;
    }
    long elapsed = Math.max(0, nowNanos - lastNanos);
    tokens = Math.min(rate, tokens + elapsed * rate / 1e9);
    lastNanos = nowNanos;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
