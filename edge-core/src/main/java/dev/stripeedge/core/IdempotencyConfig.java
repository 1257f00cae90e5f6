package dev.stripeedge.core;

import java.time.Duration;

/**
 * How long the edge remembers the {@code Idempotency-Key} it made for a client's unkeyed write
 * whose outcome it could not tell (a timeout, a lost connection, a {@code 5xx}): a client that
 * sends the same write again within {@code rememberFor} (same API key, method, path, form
 * parameters in the same order, {@code Stripe-Account}, {@code Stripe-Context} and {@code
 * Stripe-Version}) gets the same key, so Stripe applies it at most once. Immutable.
 *
 * @param rememberFor how long after the ambiguous answer the key is reused; zero turns this off
 * @param maxRemembered bound on the writes remembered at once (beyond it, Caffeine forgets some
 *     early); zero turns this off
 */
public record IdempotencyConfig(Duration rememberFor, int maxRemembered) {

  public IdempotencyConfig {
    if (rememberFor.isNegative()) {
      throw new IllegalArgumentException("rememberFor must not be negative: " + rememberFor);
    }
    if (maxRemembered < 0) {
      throw new IllegalArgumentException("maxRemembered must not be negative: " + maxRemembered);
    }
  }

  /** 5 minutes, at most 10,000 writes (about 2 MB). */
  public static IdempotencyConfig defaults() {
    return new IdempotencyConfig(Duration.ofMinutes(5), 10_000);
  }

  /** Never reuse a key: every unkeyed write gets a fresh one. */
  public static IdempotencyConfig off() {
    return new IdempotencyConfig(Duration.ZERO, 0);
  }

  /** Whether keys are remembered at all. */
  public boolean enabled() {
    return !rememberFor.isZero() && maxRemembered > 0;
  }
}
