package dev.stripeedge.core;

import dev.stripeedge.core.internal.DefaultRetryRule;
import java.util.random.RandomGenerator;

/**
 * Decides whether an upstream attempt is tried again, and when.
 *
 * <p>A pure function of the attempt (and the random source for jitter): thread-safe when the random
 * source is, never blocks.
 */
@FunctionalInterface
public interface RetryRule {

  /** The decision after {@code attempt}. */
  RetryDecision decide(Attempt attempt);

  /**
   * Stripe's rule: retry connection failures, 409, 5xx and 429 {@code lock_timeout}, and whatever
   * upstream marks {@code Stripe-Should-Retry: true}; never {@code Stripe-Should-Retry: false},
   * other 4xx, or a POST without an idempotency key. A 429 naming a rate or concurrency limiter
   * ({@code Stripe-Rate-Limited-Reason}, but not {@code resource-specific}) is retried even without
   * a key: Stripe refused it before acting. Delays are uniform in {@code [0, min(cap,
   * base·2^(n-1))]} (full jitter) from {@code random}.
   */
  static RetryRule stripe(RetryConfig config, RandomGenerator random) {
    return new DefaultRetryRule(config, random);
  }
}
